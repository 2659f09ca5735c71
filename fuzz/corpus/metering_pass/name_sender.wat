;; Sends its payload to the component named "pong" with send_name only;
;; fails its handler (returns 1) when the host refuses.
(module
  (import "airssys" "send_name" (func $send_name (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "pong")
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (i32.ne (call $send_name (i32.const 16) (i32.const 4) (local.get 1) (local.get 2))
            (i32.const 0))))
