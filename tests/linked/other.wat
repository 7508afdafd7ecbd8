;; Another module: its container must not bind to linked.wat's code.
(module (func (export "f") (result i32) (i32.const 1)))
