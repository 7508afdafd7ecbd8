(module (import "cyc_a" "g" (func)) (func (export "f")))
