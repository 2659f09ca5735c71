;; Echo written by hand: replies with the payload. Also exercises a loop
;; ("loop:<n>" counts to n before answering) and multi-function calls.
(module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  (func $count (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (return (local.get $i)))
  (func (export "airssys_handle") (param i64 i32 i32) (result i32)
    (drop (call $count (i32.const 1000)))
    (call $reply (local.get 1) (local.get 2))))
