;; Module "world" for the link tests: exports a memory, a mutable global, a
;; table of two functions and print(ptr, len), which writes through WASI.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "counter") (mut i32) (i32.const 0))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $answer $double)
  (func $answer (result i32) (i32.const 42))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "print") (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0x8000) (local.get $ptr))
    (i32.store (i32.const 0x8004) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0x8000) (i32.const 1) (i32.const 0x8008))))
  (func (export "size") (result i32) (memory.size))
  (func (export "get_counter") (result i32) (global.get 0))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
