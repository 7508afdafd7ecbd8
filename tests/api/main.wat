;; Imports from module "dep", which nothing defines: the module path finds it.
(module
  (import "dep" "seven" (func $seven (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "run") (result i32) (i32.add (call $seven) (i32.const 1))))
