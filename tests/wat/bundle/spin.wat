;; Bundle test: a loop that never ends, in the library (interruption).
(module
  (func (export "spin") (param i32) (result i32)
    (loop $forever
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br $forever))
    (local.get 0)))
