;; Calls one host import with raw arguments taken from the message, so tests
;; can hand the host any pointer, length, name or address a hostile guest
;; could. Message layout (little-endian):
;;   byte 0: which import (0 send, 1 send_name, 2 request, 3 reply,
;;           4 lookup, 5 log, 6 exit, 7 send_after)
;;   bytes 8..15: i64 address; bytes 16..31: four i32 arguments a b c d
;; The import's result is replied as 8 bytes (i64; i32 results widened);
;; a call that stops the guest (abi_violation, exit) never replies.
(module
  (import "airssys" "send" (func $send (param i64 i32 i32) (result i32)))
  (import "airssys" "send_name" (func $send_name (param i32 i32 i32 i32) (result i32)))
  (import "airssys" "request" (func $request (param i64 i32 i32 i32) (result i64)))
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (import "airssys" "lookup" (func $lookup (param i32 i32) (result i64)))
  (import "airssys" "log" (func $log (param i32 i32 i32)))
  (import "airssys" "exit" (func $exit (param i32 i32 i32)))
  (import "airssys" "send_after" (func $send_after (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "airssys_handle_reply") (param i64 i32 i32 i32) (result i32) i32.const 0)
  (func (export "airssys_handle") (param $from i64) (param $p i32) (param $len i32) (result i32)
    (local $r i64) (local $to i64) (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (if (i32.lt_u (local.get $len) (i32.const 32)) (then (return (i32.const 0))))
    (local.set $to (i64.load offset=8 (local.get $p)))
    (local.set $a (i32.load offset=16 (local.get $p)))
    (local.set $b (i32.load offset=20 (local.get $p)))
    (local.set $c (i32.load offset=24 (local.get $p)))
    (local.set $d (i32.load offset=28 (local.get $p)))
    (block $done
      (block $op7 (block $op6 (block $op5 (block $op4 (block $op3 (block $op2 (block $op1 (block $op0
        (br_table $op0 $op1 $op2 $op3 $op4 $op5 $op6 $op7 $done (i32.load8_u (local.get $p))))
        (local.set $r (i64.extend_i32_s (call $send (local.get $to) (local.get $a) (local.get $b))))
        (br $done))
        (local.set $r (i64.extend_i32_s
          (call $send_name (local.get $a) (local.get $b) (local.get $c) (local.get $d))))
        (br $done))
        (local.set $r (call $request (local.get $to) (local.get $a) (local.get $b) (local.get $c)))
        (br $done))
        ;; a reply with the guest's own pointer and length: its result is
        ;; the answer (nothing else is replied)
        (return (i32.ne (call $reply (local.get $a) (local.get $b)) (i32.const 0))))
        (local.set $r (call $lookup (local.get $a) (local.get $b)))
        (br $done))
        (call $log (local.get $a) (local.get $b) (local.get $c))
        (br $done))
        (call $exit (local.get $a) (local.get $b) (local.get $c))
        (br $done))
      (local.set $r (i64.extend_i32_s
        (call $send_after (local.get $to) (local.get $a) (local.get $b) (local.get $c)))))
    (i64.store (i32.const 256) (local.get $r))
    (drop (call $reply (i32.const 256) (i32.const 8)))
    (i32.const 0)))
