;; airssys_handle with the wrong signature.
(module
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "airssys_handle") (param i32) (result i32) i32.const 0))
