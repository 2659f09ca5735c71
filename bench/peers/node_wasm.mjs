// Peer measurement: node (V8) running the same guest modules airssys runs.
// Instantiation (new WebAssembly.Instance + airssys_alloc + airssys_init),
// a call into the guest and back (airssys_alloc + airssys_handle with the
// reply import), and how many one-page instances fit.
//
//   node bench/peers/node_wasm.mjs build/guests
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const dir = process.argv[2] ?? "build/guests";
const counter = new WebAssembly.Module(readFileSync(`${dir}/counter.wasm`));
const echo = new WebAssembly.Module(readFileSync(`${dir}/echo.wasm`));

function imports() {
  const env = { replied: 0 };
  return {
    env,
    object: {
      airssys: {
        reply: (_ptr, len) => { env.replied += len; return 0; },
        send: () => 0, send_name: () => 0, request: () => 1n, self: () => 1n,
        lookup: () => 0n, log: () => {}, now: () => 0n, exit: () => { throw new Error("exit"); },
        send_after: () => 0,
      },
    },
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

// Instantiate + init, as airssys's BM_WasmInstantiateInit does.
{
  const samples = [];
  for (let i = 0; i < 20000; ++i) {
    const t0 = performance.now();
    const inst = new WebAssembly.Instance(counter, imports().object);
    const buf = inst.exports.airssys_alloc(0);
    inst.exports.airssys_init(buf, 0);
    samples.push((performance.now() - t0) * 1000);
  }
  const tail = samples.slice(5000).sort((a, b) => a - b);
  console.log(`node instantiate+init p50_us=${percentile(tail, 50).toFixed(2)} p99_us=${percentile(tail, 99).toFixed(2)}`);
}

// A message in and a reply out: alloc, copy four bytes, handle (which calls
// the reply import).
{
  const { env, object } = imports();
  const inst = new WebAssembly.Instance(echo, object);
  const mem = new Uint8Array(inst.exports.memory.buffer);
  const payload = new TextEncoder().encode("ping");
  const rounds = 1_000_000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; ++i) {
    const ptr = inst.exports.airssys_alloc(payload.length);
    mem.set(payload, ptr);
    inst.exports.airssys_handle(1n, ptr, payload.length);
  }
  const us = ((performance.now() - t0) * 1000) / rounds;
  console.log(`node call_and_reply_us=${us.toFixed(3)} (replied ${env.replied} bytes)`);
}

// How many one-page instances fit (V8 reserves address space per memory).
{
  const live = [];
  const limit = Number(process.env.NODE_INSTANCE_LIMIT ?? 100000);
  const rss0 = process.memoryUsage().rss;
  try {
    while (live.length < limit) live.push(new WebAssembly.Instance(echo, imports().object));
  } catch (e) {
    console.log(`node instances stopped at ${live.length}: ${e.message}`);
  }
  const per = (process.memoryUsage().rss - rss0) / live.length;
  console.log(`node live_instances=${live.length} bytes_per_instance=${per.toFixed(0)}`);
}
