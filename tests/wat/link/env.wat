;; Module "env": a shared memory of 102 pages, and wait/notify on it.
(module
  (memory (export "memory") 102 65536 shared)
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "wait_ne") (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 99) (i64.const -1)))
  (func (export "wait_timeout") (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))
  (func (export "notify") (result i32) (memory.atomic.notify (i32.const 0) (i32.const 1))))
