;; Trap backtraces: each trap names the wasm functions on the stack,
;; innermost first. $fact recurses down to a trap raised by a helper
;; (unreachable); $load_oob is a leaf whose out-of-bounds load faults, so
;; its caller is found from the return address on the stack.
(module $bt
  (memory 1)
  (func $fact (export "fact") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (unreachable))
      (else (i32.mul (local.get 0) (call $fact (i32.sub (local.get 0) (i32.const 1)))))))
  (func $divide (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $outer_div (export "outer-div") (param i32) (result i32)
    (i32.add (call $divide (i32.const 7) (local.get 0)) (i32.const 1)))
  (func $load_oob (param i32) (result i32)
    (i32.load (local.get 0)))
  (func $caller_oob (export "caller-oob") (param i32) (result i32)
    (i32.add (call $load_oob (local.get 0)) (i32.const 1)))
  (func $top_oob (export "top-oob") (param i32) (result i32)
    (i32.mul (call $caller_oob (local.get 0)) (i32.const 3)))
  (func $runaway (export "runaway") (param i32) (result i32)
    (i32.add (call $runaway (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
)
