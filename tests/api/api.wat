;; The module of tests/api/test_api.c: imports of every kind, a native
;; function with 20 mixed parameters, a pointer-checked native function and
;; exports of every kind.
(module $api
  (import "env" "many" (func $many (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64
                                          f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
                                   (result f64)))
  (import "env" "take_buf" (func $take_buf (param i32 i32) (result i32)))
  (import "env" "g" (global $g i32))
  (import "env" "tab" (table $tab 2 10 funcref))
  (memory (export "memory") 1 100)
  (global (export "counter") (mut i64) (i64.const 5))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "call_many") (result f64)
    (call $many (i32.const -1) (i64.const 0x10000000002) (f32.const 3.5) (f64.const 4.25)
                (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
                (i32.const 9) (i64.const 10) (f32.const 11) (f64.const 12)
                (i32.const 13) (i64.const 14) (f32.const 15) (f64.const 16)
                (i32.const 17) (i64.const -18) (f32.const 19.5) (f64.const 20.25)))
  (func (export "buf_ok") (result i32) (call $take_buf (i32.const 16) (i32.const 100)))
  (func (export "buf_bad") (result i32) (call $take_buf (i32.const 65530) (i32.const 100)))
  (func (export "get_g") (result i32) (global.get $g))
  ;; Recursion LLVM cannot turn into a loop (sub is not commutative).
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.sub (local.get 0) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (export "tab" (table $tab)))
