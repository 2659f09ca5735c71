;; Holds a secret and tells it to whoever asks: every message is answered
;; with "s3cret" through reply (a request gets its reply, a plain message a
;; message back to its sender). It has no grants; who may ask it is for
;; the askers' grants to decide.
(module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "s3cret")
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (drop (call $reply (i32.const 16) (i32.const 6)))
    i32.const 0))
