;; Folds that could hand back a signalling NaN unquieted (cg_float.c): the
;; identity constant reaches the operation through a local, a call, a
;; reinterpret or a conversion, where codegen cannot see it but LLVM can.
;; Each export returns 1 when the result is a quiet NaN.
(module
  (func $mul (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func $quiet64 (param f64) (result i32)
    (i32.and
      (f64.ne (local.get 0) (local.get 0))
      (i64.ne (i64.and (i64.reinterpret_f64 (local.get 0)) (i64.const 0x0008000000000000))
              (i64.const 0))))
  (func $quiet32 (param f32) (result i32)
    (i32.and
      (f32.ne (local.get 0) (local.get 0))
      (i32.ne (i32.and (i32.reinterpret_f32 (local.get 0)) (i32.const 0x00400000))
              (i32.const 0))))
  (func (export "mul_one_local") (param $x f64) (result i32) (local $one f64)
    (local.set $one (f64.const 1))
    (call $quiet64 (f64.mul (local.get $x) (local.get $one))))
  (func (export "mul_one_call") (param $x f64) (result i32)
    (call $quiet64 (call $mul (local.get $x) (f64.const 1))))
  (func (export "add_neg0_local") (param $x f64) (result i32) (local $z f64)
    (local.set $z (f64.const -0))
    (call $quiet64 (f64.add (local.get $x) (local.get $z))))
  (func (export "neg0_sub_local") (param $x f64) (result i32) (local $z f64)
    (local.set $z (f64.const -0))
    (call $quiet64 (f64.sub (local.get $z) (local.get $x))))
  (func (export "div_one_reinterpret") (param $x f64) (result i32)
    (call $quiet64 (f64.div (local.get $x) (f64.reinterpret_i64 (i64.const 0x3ff0000000000000)))))
  (func (export "sub_zero_convert") (param $x f64) (result i32)
    (call $quiet64 (f64.sub (local.get $x) (f64.convert_i32_s (i32.const 0)))))
  (func (export "mul_neg1_f32_local") (param $x f32) (result i32) (local $m f32)
    (local.set $m (f32.const -1))
    (call $quiet32 (f32.mul (local.get $x) (local.get $m))))
  (func (export "promote_demote_local") (param $x f32) (result i32) (local $t f64)
    (local.set $t (f64.promote_f32 (local.get $x)))
    (call $quiet32 (f32.demote_f64 (local.get $t))))
  (func (export "f32x4_mul_one") (param $x f32) (result i32)
    (call $quiet32 (f32x4.extract_lane 2
      (f32x4.mul (f32x4.splat (local.get $x)) (v128.const f32x4 1 1 1 1)))))
)
