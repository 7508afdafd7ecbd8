;; Call-overhead bench module (bench/call_bench.c).
(module
  (import "env" "host_nop" (func $host_nop))
  (import "env" "host_add" (func $host_add (param i32 i32) (result i32)))
  (func (export "empty"))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  ;; Calls the host n times: wasm -> host overhead.
  (func (export "call_host") (param $n i32)
    (loop $l
      (call $host_nop)
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "call_host_add") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (call $host_add (local.get $acc) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc)))
