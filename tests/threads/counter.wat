;; One counter per kind of synchronisation, in a shared memory that the host
;; defines as env.memory (tests/threads/threads_test.c): every thread runs
;; its own instance of this module over that one memory.
;;   0: counter bumped with i32.atomic.rmw.add
;;   4: a mutex word (0 free, 1 held), built on cmpxchg and wait/notify
;;   8: counter bumped with a plain load/add/store while holding the mutex
(module
  (import "env" "memory" (memory 1 1 shared))

  (func (export "inc_atomic") (param $n i32)
    (loop $next
      (if (i32.eqz (local.get $n)) (then (return)))
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))

  ;; Take the mutex: 0 -> 1, else sleep while it reads 1 and try again.
  (func $lock
    (loop $retry
      (if (i32.eqz (i32.atomic.rmw.cmpxchg (i32.const 4) (i32.const 0) (i32.const 1)))
        (then (return)))
      (drop (memory.atomic.wait32 (i32.const 4) (i32.const 1) (i64.const -1)))
      (br $retry)))

  (func $unlock
    (i32.atomic.store (i32.const 4) (i32.const 0))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))

  (func (export "inc_locked") (param $n i32)
    (loop $next
      (if (i32.eqz (local.get $n)) (then (return)))
      (call $lock)
      (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
      (call $unlock)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))

  (func (export "get_atomic") (result i32) (i32.atomic.load (i32.const 0)))
  (func (export "get_locked") (result i32) (i32.atomic.load (i32.const 8)))

  ;; Traps on every thread at once: each must land in its own thread.
  (func (export "oob") (result i32) (i32.load (i32.const 65536)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))
