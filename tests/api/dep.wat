;; Loaded through the module path by tests/api/test_api.c (as dep.aot).
(module
  (func (export "seven") (result i32) (i32.const 7)))
