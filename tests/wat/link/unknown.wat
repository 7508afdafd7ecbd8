;; Imports env.foo, which nothing provides.
(module
  (import "env" "foo" (func $foo (param i32)))
  (func (export "_start") (call $foo (i32.const 1)))
  (func (export "ok") (result i32) (i32.const 7)))
