(module
  (memory 1)
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $pair (result i32 i64) (i32.const 1) (i64.const 2))
  (func (export "f") (param i32) (result i32) (local i32)
    (block $out
      (loop $again
        (br_if $out (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (call $fib (i32.const 5))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_table $again $out (local.get 0))))
    (drop (memory.grow (i32.const 1)))
    (drop (call $pair))
    (if (local.get 1) (then (return (local.get 1))))
    (i32.const 0)))
