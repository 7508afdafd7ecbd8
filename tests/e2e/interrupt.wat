;; A loop that never ends, for kiln --timeout (compiled with kilnc
;; --interruptible by interrupt.test). Kept out of tests/wat/, whose modules
;; the corruption test (fuzz/) runs with damaged export tables.
(module
  (func (export "quick") (result i32) (i32.const 7))
  (func (export "spin") (loop $l (br $l))))
