;; A module linked statically into tests/linked/linked_test.c: every kind of
;; code the runtime reaches in a linked module (exports through entry
;; trampolines, a host import through its host trampoline, funcrefs from a
;; table, the start function) and traps raised inside it (a guard-page or
;; explicit out-of-bounds load, the stack limit, unreachable).
(module $linked
  (import "host" "add" (func $host_add (param i32 i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $double $triple)
  (global $started (mut i32) (i32.const 0))
  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $unary) (i32.mul (local.get 0) (i32.const 3)))
  (func $start (global.set $started (i32.const 1)))
  (start $start)
  (func (export "started") (result i32) (global.get $started))
  (func (export "indirect") (param $slot i32) (param $x i32) (result i32)
    (call_indirect (type $unary) (local.get $x) (local.get $slot)))
  (func (export "host") (param i32) (result i32)
    (call $host_add (local.get 0) (i32.const 100)))
  (func (export "oob") (result i32) (i32.load (i32.const 70000)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "unreachable") (unreachable)))
