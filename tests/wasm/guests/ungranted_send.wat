;; A valid guest that imports airssys.send, which needs a send grant
;; ("send:<name>" or "send:*").
(module
  (import "airssys" "send" (func $send (param i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (drop (call $send (local.get 0) (local.get 1) (local.get 2)))
    i32.const 0))
