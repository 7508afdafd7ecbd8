;; Module "deep_a": enters deep_b's endless recursion (see deep_b.wat).
(module $deep_a
  (import "deep_b" "rec" (func $rec (param i32) (result i32)))
  (func $go (export "go") (result i32) (call $rec (i32.const 0))))
