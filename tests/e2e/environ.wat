;; Prints "count=N" (N < 10) and then each WASI environment string on its
;; own line: what a program sees of kiln --env.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: count, 4: buffer size, 16: one iovec, 24: bytes written,
  ;; 64: the count line, 1024: the pointers, 4096: the strings.
  (data (i32.const 64) "count=0\n")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))

  (func (export "_start")
    (local $i i32) (local $s i32) (local $n i32)
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $environ_get (i32.const 1024) (i32.const 4096)))
    (i32.store8 (i32.const 70) (i32.add (i32.const 48) (i32.load (i32.const 0))))
    (call $print (i32.const 64) (i32.const 8))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (local.set $s
          (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $n (i32.const 0))
        (block $end
          (loop $scan
            (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $scan)))
        ;; the NUL becomes the line's newline
        (i32.store8 (i32.add (local.get $s) (local.get $n)) (i32.const 10))
        (call $print (local.get $s) (i32.add (local.get $n) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))))
