;; Shares env.memory with env: a store here is seen by env's load, and a
;; grow here by env's memory.size.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "load" (func $load (param i32) (result i32)))
  (func (export "store_load") (result i32)
    (i32.atomic.store (i32.const 64) (i32.const 1234))
    (call $load (i32.const 64)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "size") (result i32) (memory.size)))
