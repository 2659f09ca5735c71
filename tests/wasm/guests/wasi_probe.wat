;; A reactor that reaches WASI preview 1 directly, one call per message, so
;; tests see exactly what each function answers. The first byte of a
;; message says what to do; most answer with the errno (4 bytes, at 65532)
;; followed by what the call wrote (from 65536).
;;   o<text> / e<text>  fd_write <text> to fd 1 / 2; answers errno, nwritten
;;   f<u32 n>           fd_write "flood line\n" n times to fd 1
;;   a / v              args / environ: sizes then the NUL-separated bytes
;;   x<u8>  X<u32>      proc_exit(code)
;;   P<path>            path_open(3, path)        S  sock_send(3)
;;   R  fd_prestat_get(3)   K  fd_seek(1)   W  fd_write(5)   I  fd_read(0)
;;   F  fd_fdstat_get(1)    c<u8 id>  clock_time_get(id)   r  random_get(32)
;;   B  fd_write with its iovec outside memory
(module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 3)
  (data (i32.const 512) "flood line\n")
  (func (export "airssys_abi_version") (result i32) i32.const 1)
  (func (export "airssys_alloc") (param i32) (result i32) i32.const 1024)
  ;; errno at 65532, then n bytes written from 65536
  (func $answer (param $errno i32) (param $n i32) (result i32)
    (i32.store (i32.const 65532) (local.get $errno))
    (call $reply (i32.const 65532) (i32.add (i32.const 4) (local.get $n))))
  ;; fd_write(fd, [ptr, len]) answering errno and nwritten
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 140000) (local.get $ptr))
    (i32.store (i32.const 140004) (local.get $len))
    (call $answer
      (call $fd_write (local.get $fd) (i32.const 140000) (i32.const 1) (i32.const 65536))
      (i32.const 4)))
  ;; sizes_get then get: count and size, then the bytes
  (func $strings (param $environ i32) (result i32)
    (local $e i32)
    (local.set $e
      (if (result i32) (local.get $environ)
        (then (call $environ_sizes_get (i32.const 140008) (i32.const 140012)))
        (else (call $args_sizes_get (i32.const 140008) (i32.const 140012)))))
    (if (local.get $e) (then (return (call $answer (local.get $e) (i32.const 0)))))
    (i32.store (i32.const 65536) (i32.load (i32.const 140008)))
    (i32.store (i32.const 65540) (i32.load (i32.const 140012)))
    (local.set $e
      (if (result i32) (local.get $environ)
        (then (call $environ_get (i32.const 140100) (i32.const 65544)))
        (else (call $args_get (i32.const 140100) (i32.const 65544)))))
    (call $answer (local.get $e) (i32.add (i32.const 8) (i32.load (i32.const 140012)))))
  (func (export "airssys_handle") (param $from i64) (param $ptr i32) (param $len i32) (result i32)
    (local $op i32) (local $i i32) (local $n i32)
    (local.set $op (i32.load8_u (local.get $ptr)))
    (if (i32.eq (local.get $op) (i32.const 0x6f)) ;; o
      (then (return (call $write (i32.const 1) (i32.add (local.get $ptr) (i32.const 1))
                                 (i32.sub (local.get $len) (i32.const 1))))))
    (if (i32.eq (local.get $op) (i32.const 0x65)) ;; e
      (then (return (call $write (i32.const 2) (i32.add (local.get $ptr) (i32.const 1))
                                 (i32.sub (local.get $len) (i32.const 1))))))
    (if (i32.eq (local.get $op) (i32.const 0x66)) ;; f
      (then
        (local.set $n (i32.load (i32.add (local.get $ptr) (i32.const 1))))
        (i32.store (i32.const 140000) (i32.const 512))
        (i32.store (i32.const 140004) (i32.const 11))
        (block $done
          (loop $again
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (drop (call $fd_write (i32.const 1) (i32.const 140000) (i32.const 1) (i32.const 65536)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $again)))
        (return (call $answer (i32.const 0) (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x61)) ;; a
      (then (return (call $strings (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x76)) ;; v
      (then (return (call $strings (i32.const 1)))))
    (if (i32.eq (local.get $op) (i32.const 0x78)) ;; x
      (then (call $proc_exit (i32.load8_u (i32.add (local.get $ptr) (i32.const 1))))))
    (if (i32.eq (local.get $op) (i32.const 0x58)) ;; X
      (then (call $proc_exit (i32.load (i32.add (local.get $ptr) (i32.const 1))))))
    (if (i32.eq (local.get $op) (i32.const 0x50)) ;; P
      (then (return (call $answer
        (call $path_open (i32.const 3) (i32.const 0) (i32.add (local.get $ptr) (i32.const 1))
          (i32.sub (local.get $len) (i32.const 1)) (i32.const 0) (i64.const -1) (i64.const -1)
          (i32.const 0) (i32.const 65536))
        (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x53)) ;; S
      (then (return (call $answer
        (call $sock_send (i32.const 3) (i32.const 140000) (i32.const 0) (i32.const 0) (i32.const 65536))
        (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x52)) ;; R
      (then (return (call $answer (call $fd_prestat_get (i32.const 3) (i32.const 65536)) (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x4b)) ;; K
      (then (return (call $answer
        (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 65536)) (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 0x57)) ;; W
      (then (return (call $write (i32.const 5) (i32.const 512) (i32.const 11)))))
    (if (i32.eq (local.get $op) (i32.const 0x49)) ;; I
      (then
        (i32.store (i32.const 140000) (i32.const 70000))
        (i32.store (i32.const 140004) (i32.const 16))
        (i32.store (i32.const 65536) (i32.const 99))
        (return (call $answer
          (call $fd_read (i32.const 0) (i32.const 140000) (i32.const 1) (i32.const 65536))
          (i32.const 4)))))
    (if (i32.eq (local.get $op) (i32.const 0x46)) ;; F
      (then (return (call $answer (call $fd_fdstat_get (i32.const 1) (i32.const 65536)) (i32.const 24)))))
    (if (i32.eq (local.get $op) (i32.const 0x63)) ;; c
      (then (return (call $answer
        (call $clock_time_get (i32.load8_u (i32.add (local.get $ptr) (i32.const 1))) (i64.const 1)
              (i32.const 65536))
        (i32.const 8)))))
    (if (i32.eq (local.get $op) (i32.const 0x72)) ;; r
      (then (return (call $answer (call $random_get (i32.const 65536) (i32.const 32)) (i32.const 32)))))
    (if (i32.eq (local.get $op) (i32.const 0x42)) ;; B
      (then
        (i32.store (i32.const 140000) (i32.const 196000))
        (i32.store (i32.const 140004) (i32.const 4096))
        (drop (call $fd_write (i32.const 1) (i32.const 140000) (i32.const 1) (i32.const 65536)))))
    (i32.const 1)))
