;; call_indirect through sealed tables (compiler/codegen/cg_table.c): tables
;; nothing but instantiation writes, so kilnc decides each index's element
;; at compile time. Every outcome of the checks must stay as the spec says.
(module
  (type $ii (func (param i32) (result i32)))
  (type $ll (func (param i64) (result i64)))
  (type $v (func))
  ;; 0 null, 1 $inc, 2 $dbl, 3 $wide (other type), 4 $inc, 5 null
  (table $t 6 funcref)
  (elem (table $t) (i32.const 1) func $inc $dbl $wide)
  (elem (table $t) (i32.const 4) func $inc)
  ;; a later segment overwrites an earlier one: 1 ends up $dbl
  (elem (table $t) (i32.const 1) func $dbl)
  ;; a table that only traps (no element of the type)
  (table $only_wide 2 funcref)
  (elem (table $only_wide) (i32.const 0) func $wide)
  ;; growable through table.grow: not sealed, the generic path
  (table $g 2 funcref)
  (elem (table $g) (i32.const 0) func $inc $dbl)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $wide (type $ll) (local.get 0))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
  (func (export "call-only-wide") (param i32) (result i32)
    (call_indirect $only_wide (type $ii) (i32.const 7) (local.get 0)))
  (func (export "call-void") (param i32)
    (call_indirect $t (type $v) (local.get 0)))
  (func (export "call-growable") (param i32 i32) (result i32)
    (call_indirect $g (type $ii) (local.get 1) (local.get 0)))
  (func (export "grow") (result i32)
    (table.grow $g (ref.func $inc) (i32.const 1)))
  (func (export "loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (call_indirect $t (type $ii) (local.get 1)
                     (i32.add (i32.const 2)
                              (i32.shl (i32.and (local.get 0) (i32.const 1)) (i32.const 1)))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1)))
