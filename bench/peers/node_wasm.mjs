// Peer measurement: node (V8) running the very guest modules airssys runs.
//
//   node --expose-gc bench/peers/node_wasm.mjs build/guests [--quick]
//
// One JSON object per line on stdout:
//   {"peer":"node","workload":"<key>","value":<number>,"unit":"<unit>"}
// Workloads:
//   instantiate_init_p50/p99 (us)  new WebAssembly.Instance of counter.wasm +
//                                  airssys_alloc + airssys_init, per instance
//   instantiations_per_s (1/s)     the same, back to back
//   message_and_reply (ns)         airssys_alloc + copy 4 bytes + airssys_handle
//                                  of echo.wasm, which calls the reply import
//   compute_call (us)              one airssys_handle("2000") of compute.wasm,
//                                  the loop-heavy guest of the fuel benchmark
//   live_instances (count)         one-page echo instances, initialised, alive at
//                                  once (up to 100,000; V8 reserves address space
//                                  for each)
//   bytes_per_instance (B)         resident memory per live instance
// --quick runs each at a tiny size (the smoke test).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const dir = process.argv[2] ?? "build/guests";
const quick = process.argv.includes("--quick");
const load = (name) => new WebAssembly.Module(readFileSync(`${dir}/${name}.wasm`));
const counter = load("counter");
const echo = load("echo");
const compute = load("compute");

function emit(workload, value, unit) {
  console.log(JSON.stringify({ peer: "node", workload, value: Number(value.toFixed(3)), unit }));
}

function imports() {
  const env = { replied: 0 };
  return {
    env,
    object: {
      airssys: {
        reply: (_ptr, len) => {
          env.replied += len;
          return 0;
        },
        send: () => 0,
        send_name: () => 0,
        request: () => 1n,
        self: () => 1n,
        lookup: () => 0n,
        log: () => {},
        now: () => 0n,
        exit: () => {
          throw new Error("exit");
        },
        send_after: () => 0,
      },
    },
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function instantiateInit() {
  const inst = new WebAssembly.Instance(counter, imports().object);
  const buf = inst.exports.airssys_alloc(0);
  inst.exports.airssys_init(buf, 0);
  return inst;
}

// Instantiate + init, as airssys's BM_WasmInstantiateInit does.
{
  const n = quick ? 200 : 20000;
  const warm = Math.floor(n / 4);
  const samples = [];
  const t0 = performance.now();
  for (let i = 0; i < n; ++i) {
    const s = performance.now();
    instantiateInit();
    samples.push((performance.now() - s) * 1000);
  }
  const total = performance.now() - t0;
  const tail = samples.slice(warm).sort((a, b) => a - b);
  emit("instantiate_init_p50", percentile(tail, 50), "us");
  emit("instantiate_init_p99", percentile(tail, 99), "us");
  emit("instantiations_per_s", (n / total) * 1000, "1/s");
}

// A message in and a reply out: alloc, copy four bytes, handle (which calls
// the reply import).
{
  const { env, object } = imports();
  const inst = new WebAssembly.Instance(echo, object);
  const payload = new TextEncoder().encode("ping");
  const rounds = quick ? 1000 : 1_000_000;
  let mem = new Uint8Array(inst.exports.memory.buffer);
  const t0 = performance.now();
  for (let i = 0; i < rounds; ++i) {
    const ptr = inst.exports.airssys_alloc(payload.length);
    if (mem.buffer !== inst.exports.memory.buffer) mem = new Uint8Array(inst.exports.memory.buffer);
    mem.set(payload, ptr);
    inst.exports.airssys_handle(1n, ptr, payload.length);
  }
  const ns = ((performance.now() - t0) * 1e6) / rounds;
  if (env.replied !== rounds * payload.length) throw new Error("echo did not reply");
  emit("message_and_reply", ns, "ns");
}

// The loop-heavy guest: the same call BM_WasmFuelOverhead times.
{
  const inst = new WebAssembly.Instance(compute, imports().object);
  inst.exports.airssys_init(0, 0);
  const arg = new TextEncoder().encode(quick ? "20" : "2000");
  const ptr = inst.exports.airssys_alloc(arg.length);
  new Uint8Array(inst.exports.memory.buffer).set(arg, ptr);
  const calls = quick ? 5 : 2000;
  for (let i = 0; i < calls / 5; ++i) inst.exports.airssys_handle(1n, ptr, arg.length);
  const t0 = performance.now();
  for (let i = 0; i < calls; ++i) inst.exports.airssys_handle(1n, ptr, arg.length);
  emit("compute_call", ((performance.now() - t0) * 1000) / calls, "us");
}

// How many one-page instances fit, and their resident memory.
{
  const live = [];
  const limit = quick ? 100 : Number(process.env.NODE_INSTANCE_LIMIT ?? 100000);
  globalThis.gc?.();  // run with --expose-gc, so the garbage of the runs above is not counted
  const rss0 = process.memoryUsage().rss;
  try {
    // Initialised as airssys initialises a component (_initialize, then
    // airssys_alloc + airssys_init where exported), so the pages that
    // touches are counted on both sides.
    while (live.length < limit) {
      const inst = new WebAssembly.Instance(echo, imports().object);
      const e = inst.exports;
      e._initialize?.();
      if (e.airssys_init) e.airssys_init(e.airssys_alloc(0), 0);
      live.push(inst);
    }
  } catch (e) {
    console.error(`node: instances stopped at ${live.length}: ${e.message}`);
  }
  emit("live_instances", live.length, "count");
  emit("bytes_per_instance", (process.memoryUsage().rss - rss0) / live.length, "B");
}
