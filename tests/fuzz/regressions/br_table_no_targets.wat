;; fuzz_decoder (UBSan): the only br_table of the module has no targets, so
;; the body's br_targets array is NULL and codegen computed NULL + 0.
(module
  (func (export "f") (param i32) (result i32)
    (block (result i32)
      (i32.const 7)
      (local.get 0)
      (br_table 0))))
