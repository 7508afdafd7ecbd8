;; Module "deep_b": recursion without end that calls a stack-hungry host
;; function (env.stack_hog, link_host.c) at every level. Its stack checks
;; use deep_b's own vmctx, so they work only if an entry into an importer
;; (deep_a) also set deep_b's stack limit; otherwise the host function
;; eventually overflows the thread's stack outside wasm code.
(module $deep_b
  (import "env" "stack_hog" (func $hog (result i32)))
  (func $rec (export "rec") (param i32) (result i32)
    (i32.add (call $hog)
      (call $rec (i32.add (local.get 0) (i32.const 1))))))
