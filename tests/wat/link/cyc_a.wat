(module (import "cyc_b" "f" (func)) (func (export "g")) (func (export "_start")))
