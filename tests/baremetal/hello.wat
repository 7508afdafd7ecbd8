;; A WASI command (_start) on the board: arguments, environment, stdout,
;; stderr, a clock and proc_exit through the firmware's WASI subset.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm\n")
  (data (i32.const 40) "to stderr\n")
  ;; write(fd, ptr, len) through an iovec at 0.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; Writes string $i of a list whose pointers are at $ptrs, then "\n".
  (func $write_item (param $ptrs i32) (param $i i32) (local $p i32) (local $n i32)
    (local.set $p (i32.load (i32.add (local.get $ptrs) (i32.shl (local.get $i) (i32.const 2)))))
    (block $end (loop $len
      (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $len)))
    (call $write (i32.const 1) (local.get $p) (local.get $n))
    (i32.store8 (i32.const 60) (i32.const 10))
    (call $write (i32.const 1) (i32.const 60) (i32.const 1)))
  (func (export "_start") (local $argc i32) (local $envc i32)
    (call $write (i32.const 1) (i32.const 16) (i32.const 16))
    (call $write (i32.const 2) (i32.const 40) (i32.const 10))
    ;; The last argument, then the first environment entry.
    (drop (call $args_sizes_get (i32.const 100) (i32.const 104)))
    (local.set $argc (i32.load (i32.const 100)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (call $write_item (i32.const 1024) (i32.sub (local.get $argc) (i32.const 1)))
    (drop (call $environ_sizes_get (i32.const 100) (i32.const 104)))
    (local.set $envc (i32.load (i32.const 100)))
    (if (local.get $envc) (then
      (drop (call $environ_get (i32.const 4096) (i32.const 8192)))
      (call $write_item (i32.const 4096) (i32.const 0))))
    ;; A clock that works: exit 9 if clock_time_get fails.
    (if (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 200))
      (then (call $proc_exit (i32.const 9))))
    (call $proc_exit (local.get $argc))))
