;; A loop that never ends, for kiln --timeout (compiled with kilnc
;; --interruptible by tests/e2e/interrupt.test).
(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "quick") (result i32) (i32.const 7)))
