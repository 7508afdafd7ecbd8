;; Loads whose value is never used must still trap out of bounds
;; (tests/e2e/unused_loads.test; compiler/codegen/cg_liveness.c).
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  ;; into a local that is never read
  (func (export "local-set") (param $a i32) (result i32)
    (local $unused i32)
    (local.set $unused (i32.load (local.get $a)))
    (i32.const 7))
  ;; narrow load, extended, into a local overwritten before any read
  (func (export "local-overwritten") (param $a i32) (result i64)
    (local $x i64)
    (local.set $x (i64.load8_u (local.get $a)))
    (local.set $x (i64.const 9))
    (local.get $x))
  ;; through arithmetic, into a local only read by dead code
  (func (export "dead-chain") (param $a i32) (result i32)
    (local $u i32) (local $v i32)
    (local.set $u (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))
    (local.set $v (i32.mul (local.get $u) (i32.const 3)))
    (i32.const 5))
  ;; float and vector loads, dead through a float op
  (func (export "f64-dead") (param $a i32) (result i32)
    (local $f f64)
    (local.set $f (f64.add (f64.load (local.get $a)) (f64.const 1)))
    (i32.const 3))
  (func (export "v128-dead") (param $a i32) (result i32)
    (local $v v128)
    (local.set $v (v128.load (local.get $a)))
    (i32.const 4))
  ;; the tee'd value is dropped
  (func (export "tee-drop") (param $a i32) (result i32)
    (local $t i32)
    (drop (local.tee $t (i32.load16_s (local.get $a))))
    (i32.const 6))
  ;; a used load is still a plain load that gives its value
  (func (export "used") (param $a i32) (result i32)
    (local $t i32)
    (local.set $t (i32.load (local.get $a)))
    (local.get $t))
)
