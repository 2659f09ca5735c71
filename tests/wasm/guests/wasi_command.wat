;; A WASI command: _start reads its arguments and does what argv[1] says.
;;   x<digit>  proc_exit(<digit>)       p  prints a line to standard output, returns
;;   t         traps (unreachable)      l  loops for ever
;;   anything else (or no argument): returns at once
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 256) "a line from a command\n")
  (func (export "_start")
    (local $arg i32) (local $op i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (if (i32.lt_u (i32.load (i32.const 0)) (i32.const 2)) (then (return)))
    (drop (call $args_get (i32.const 1024) (i32.const 8192)))
    (local.set $arg (i32.load (i32.const 1028)))
    (local.set $op (i32.load8_u (local.get $arg)))
    (if (i32.eq (local.get $op) (i32.const 0x78)) ;; x
      (then (call $proc_exit
        (i32.sub (i32.load8_u (i32.add (local.get $arg) (i32.const 1))) (i32.const 0x30)))))
    (if (i32.eq (local.get $op) (i32.const 0x70)) ;; p
      (then
        (i32.store (i32.const 64) (i32.const 256))
        (i32.store (i32.const 68) (i32.const 22))
        (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)))
        (return)))
    (if (i32.eq (local.get $op) (i32.const 0x74)) (then unreachable)) ;; t
    (if (i32.eq (local.get $op) (i32.const 0x6c)) ;; l
      (then (loop $for_ever (br $for_ever))))))
