;; Wants env.memory of at least 103 pages: env offers 102.
(module
  (import "env" "memory" (memory 103 65536 shared))
  (func (export "_start")))
