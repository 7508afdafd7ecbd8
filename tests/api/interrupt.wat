;; Compiled with kilnc --interruptible by tests/api/test_api.c: a loop that
;; never ends once it has told the host it started, and a function without
;; loops (its entry is where it checks).
(module
  (import "env" "started" (func $started))
  (func (export "spin") (call $started) (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
