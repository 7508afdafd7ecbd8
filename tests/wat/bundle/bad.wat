;; Bundle test: imports a function lib does not export.
(module
  (import "lib" "nosuch" (func (param i32) (result i32)))
  (func (export "f") (result i32) (call 0 (i32.const 1))))
