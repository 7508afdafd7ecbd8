;; Bundle test: calls spin's endless loop (inlined at -O2, where the loop
;; checks spin's instance's interrupt word).
(module
  (import "spin" "spin" (func $spin (param i32) (result i32)))
  (func (export "go") (result i32) (call $spin (i32.const 0))))
