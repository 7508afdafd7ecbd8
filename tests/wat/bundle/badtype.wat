;; Bundle test: imports lib.add with the wrong type.
(module
  (import "lib" "add" (func (param i64) (result i32)))
  (func (export "f") (result i32) (call 0 (i64.const 1))))
