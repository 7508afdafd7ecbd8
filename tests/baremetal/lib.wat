;; A module other modules import from (user.wat): found by the firmware's
;; module path (the container's directory) through semihosting.
(module
  (memory (export "mem") 1)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count)))
