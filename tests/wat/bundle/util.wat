;; Bundle test: a middle module, importing from lib and imported by main.
;; lib's counter global is an ordinary import (linked at run time).
(module $util
  (import "lib" "add" (func $add (param i32 i32) (result i32)))
  (import "lib" "bump" (func $bump (result i32)))
  (import "lib" "counter" (global $lib_counter (mut i32)))
  (memory 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "twice") (param i32 i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $calls))
    (call $add (call $add (local.get 0) (local.get 1))
               (call $add (local.get 0) (local.get 1))))
  (func (export "calls") (result i32) (i32.load (i32.const 0)))
  (func (export "bump_lib") (result i32) (call $bump))
  (func (export "lib_counter") (result i32) (global.get $lib_counter)))
