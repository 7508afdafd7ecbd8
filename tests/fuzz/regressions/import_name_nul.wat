;; fuzz_decoder: kilnc compiled an import whose module name holds a NUL
;; byte, and the loader refused its container (import names are C strings
;; at run time). kilnc now refuses it (KILN_ERR_UNSUPPORTED).
(module
  (import "sp\00ctest" "memory" (memory 1))
  (data (i32.const 0) "a"))
