// Writes BENCHMARKING.md from a run of the suite and its peers:
//
//   node bench/report.mjs <results dir> > BENCHMARKING.md
//
// <results dir> holds airssys.json (Google Benchmark's JSON output),
// caf.jsonl, erlang.jsonl and node.jsonl (one {"peer","workload","value",
// "unit"} per line), machine.txt and commands.txt; `make bench-report`
// produces them all in build/bench/ and runs this. A missing peer file
// leaves its column empty and says so.
import { existsSync, readdirSync, readFileSync } from "node:fs";

const dir = process.argv[2] ?? "build/bench";
const read = (name) => (existsSync(`${dir}/${name}`) ? readFileSync(`${dir}/${name}`, "utf8") : "");

// --- inputs ------------------------------------------------------------------

// airssys.json, and airssys-memory-<n>.json from the benchmarks run each
// in a process of its own.
const runs = new Map();
const suiteFiles = existsSync(dir)
  ? readdirSync(dir).filter((f) => /^airssys(-memory-\d+)?\.json$/.test(f))
  : [];
// Google Benchmark writes NaN and inf unquoted (the spread of a counter that
// is always 0, for one), which JSON does not allow.
const parseSuite = (text) =>
  JSON.parse(text.replace(/:\s*-?(NaN|nan|Infinity|inf)\b/g, ": null"));
for (const file of suiteFiles) {
  for (const b of parseSuite(read(file)).benchmarks) {
    if (b.run_type === "aggregate" && b.aggregate_name !== "median") continue;
    runs.set(b.run_type === "aggregate" ? b.run_name : b.name, b);
  }
}

const peers = {};
const missingPeers = [];
for (const peer of ["caf", "erlang", "node"]) {
  const text = read(`${peer}.jsonl`);
  if (!text.trim()) missingPeers.push(peer);
  peers[peer] = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    peers[peer][r.workload] = r.value;
  }
}

// A benchmark's field: a counter name, or "time_ns" (real time per
// iteration in ns) or "per_s" (iterations per second of real time).
function bm(name, field) {
  const b = runs.get(name);
  if (!b) return undefined;
  const scale = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[b.time_unit ?? "ns"];
  if (field === "time_ns") return b.real_time * scale;
  if (field === "per_s") return 1e9 / (b.real_time * scale);
  return b[field];
}
const peer = (p, key) => peers[p]?.[key];

// --- formatting --------------------------------------------------------------

function fmt(v, unit) {
  if (v === undefined || v === null || Number.isNaN(v)) return "";
  const num = (x, d) => x.toLocaleString("en-US", { maximumFractionDigits: d });
  switch (unit) {
    case "ns":
      return v >= 10000 ? `${num(v / 1000, 1)} µs` : `${num(v, v < 10 ? 2 : 0)} ns`;
    case "us":
      return v >= 10000 ? `${num(v / 1000, 1)} ms` : `${num(v, v < 10 ? 2 : 1)} µs`;
    case "ms":
      return `${num(v, v < 10 ? 2 : 1)} ms`;
    case "B":
      return v >= 10240 ? `${num(v / 1024, 1)} KiB` : `${num(v, 0)} B`;
    case "/s":
      return v >= 1e6 ? `${num(v / 1e6, 2)} M/s` : v >= 1e3 ? `${num(v / 1e3, 1)} k/s` : `${num(v, 1)}/s`;
    case "%":
      return `${num(v, 2)} %`;
    default:
      return num(v, 2);
  }
}

// Rows: [label, unit, better ("low"|"high"), interp, aot, {peer: value}]
// For native rows `aot` holds the airssys value and interp is unused.
const gaps = [];
function ratioText(ours, theirs, better) {
  if (ours === undefined || theirs === undefined || ours <= 0 || theirs <= 0) return "";
  const r = better === "low" ? ours / theirs : theirs / ours;  // > 1: airssys loses
  return r > 1 ? `${r.toFixed(r < 10 ? 2 : 0)}x slower` : `${(1 / r).toFixed(1 / r < 10 ? 2 : 0)}x faster`;
}
function note(label, ours, peerName, theirs, better, cause) {
  if (ours === undefined || theirs === undefined || ours <= 0 || theirs <= 0) return;
  const r = better === "low" ? ours / theirs : theirs / ours;
  if (r > 1) gaps.push({ label, peer: peerName, ratio: r, cause });
}

function table(header, rows) {
  const out = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const r of rows) out.push(`| ${r.join(" | ")} |`);
  return out.join("\n");
}

// --- what each gap is, as measured (perf, counters) ----------------------------
// Keyed by row label; used for the three largest gaps of a run.
const causes = {
  "request from a plain thread and its reply":
    "the calling thread blocks on a condition variable and the reply wakes it through the kernel (a futex wait and wake per round trip); the peer's scoped actor blocks the same way.",
  "message to a component and its reply":
    "node calls airssys_handle as a plain function on the calling thread; airssys sends an actor message to the component, runs the guest on a worker under fuel and a deadline, and sends the reply back as a message. perf of BM_WasmMessageAndReply/aot: the guest's own code is a few percent of the samples, allocating and freeing the two messages about 20 %, reading the clock for the call's deadline 8 %, mailbox, scheduling and dispatch most of the rest.",
  "loop-heavy guest call (compute, 2,000 rounds)":
    "fuel metering is part of it (the metering rows above: the same module without fuel charges); the rest is wabt's C output with software bounds checks compiled by the system cc against V8's optimising compiler.",
  "crash-to-Ready restart, p50":
    "a restart runs a fresh instance: instantiation, the guest's init and zeroing the crashed instance's linear memory for reuse (memset, 17 % of perf's samples of BM_WasmCrashToReady/aot), plus the supervisor's decision, its supervision-tree updates (four a restart, 12 %) and two messages.",
  "spawn an idle actor":
    "each spawn allocates the actor, its behaviour and a slot in the actor table and publishes it; the peer allocates one control block and mailbox.",
  "ping-pong round trip (2 schedulers)":
    "every hop allocates a message, pushes it with one CAS and may wake the other worker.",
  "many-to-one, 1 sender":
    "every send allocates its message on the sending thread and frees it on the worker.",
  "many-to-one, 4 senders":
    "four sending threads on two cores contend on the one receiving mailbox's cache line and are preempted by the workers.",
  "instantiate + init, p50":
    "an AOT instance's 64 KiB linear memory is a freed instance's, zeroed when that one was freed: the p50 leaves the zeroing out (the time per iteration includes it).",
  "the same vs an Erlang spawn, p50":
    "an AOT instance's 64 KiB linear memory is a freed instance's, zeroed when that one was freed (outside the p50); an Erlang process starts with a heap of 233 words.",
  "resident memory per idle component (100,000)":
    "measured with mallinfo2 beside RSS: an AOT component allocates about 68 KiB, 64 KiB of it its one page of linear memory, of which calloc zero-fills (and so makes resident) the part it cannot prove fresh from the kernel; host structures (actor, mailbox, component actor and host, status, registry entry, instance) are about 2.3 KiB. V8 maps untouched memory and keeps an instance in about 2 KiB.",
  "resident memory per idle actor":
    "an idle actor keeps its behaviour (a type-erased handler table), its mailbox and its table slot.",
};

// --- tables --------------------------------------------------------------------

const sections = [];
const machine = read("machine.txt").trim();
const commands = read("commands.txt").trim();

sections.push(`# Benchmarks

Written by \`make bench-report\` (\`bench/report.mjs\`) from a run of the
Google Benchmark suite (\`bench/\`) and of the peers (\`bench/peers/\`) on
the same machine, one after the other. Each airssys figure is the median of
three repetitions (the resident-memory ones: one run each, in a fresh
process); the peers run once. On this shared 2-core virtual machine the
same benchmark varies by tens of percent from one run to the next; ratios
of a few times are findings, ratios near 1 are not.

## Machine

\`\`\`
${machine}
\`\`\`

## Commands

\`\`\`
${commands}
\`\`\`
${missingPeers.length ? `\n**Not measured in this run:** ${missingPeers.join(", ")} (no output; see the commands above).\n` : ""}`);

// Native actors vs CAF and Erlang.
{
  const rows = [];
  const add = (label, unit, better, ours, caf, erl) => {
    rows.push([label, fmt(ours, unit), fmt(caf, unit), ratioText(ours, caf, better), fmt(erl, unit), ratioText(ours, erl, better)]);
    note(label, ours, "CAF", caf, better, causes[label]);
    note(label, ours, "Erlang", erl, better, causes[label]);
  };
  add("spawn an idle actor", "ns", "low", bm("BM_Spawn/real_time", "time_ns"), peer("caf", "spawn"), peer("erlang", "spawn"));
  add("resident memory per idle actor", "B", "low", bm("BM_IdleActorMemory/100000/iterations:1", "bytes_per_actor"), peer("caf", "idle_actor_rss_bytes"), peer("erlang", "idle_actor_rss_bytes"));
  add("ping-pong round trip (2 schedulers)", "ns", "low", bm("BM_PingPong/2/real_time", "round_trip_ns"), peer("caf", "ping_pong_rtt"), peer("erlang", "ping_pong_rtt"));
  add("many-to-one, 1 sender", "/s", "high", bm("BM_ManyToOne/1/real_time", "items_per_second"), peer("caf", "many_to_one_1"), peer("erlang", "many_to_one_1"));
  add("many-to-one, 4 senders", "/s", "high", bm("BM_ManyToOne/4/real_time", "items_per_second"), peer("caf", "many_to_one_4"), peer("erlang", "many_to_one_4"));
  add("request from a plain thread and its reply", "ns", "low", bm("BM_RequestReply/real_time", "time_ns"), peer("caf", "message_and_reply"), undefined);
  sections.push(`## Native actors, side by side with CAF and Erlang/OTP

Ping-pong on airssys runs with 2 workers, CAF with 2 scheduler threads,
Erlang with its default 2 schedulers; every peer runs with its default
settings (CAF's idle workers poll and then sleep in steps of 50 µs and
10 ms, which is most of its request row). Memory is resident (RSS) growth
over 100,000 idle actors or processes, airssys's measured in a process of
its own. The request row compares airssys's ScopedActor with CAF's
scoped_actor (both block an OS thread).

${table(["workload", "airssys", "CAF", "ratio", "Erlang", "ratio"], rows)}

1-worker ping-pong on airssys: ${fmt(bm("BM_PingPong/1/real_time", "round_trip_ns"), "ns")}.
Erlang's own per-process memory (erlang:memory(total) growth):
${fmt(peer("erlang", "idle_actor_bytes"), "B")}.`);
}

// Wasm components vs node (and Erlang where the workload matches).
{
  const rows = [];
  const add = (label, unit, better, interp, aot, peerName, theirs) => {
    rows.push([label, fmt(interp, unit), fmt(aot, unit), peerName ? `${peerName}: ${fmt(theirs, unit)}` : "", ratioText(aot, theirs, better)]);
    note(label, aot, peerName, theirs, better, causes[label]);
  };
  const inst = (aot, f) => bm(`BM_WasmInstantiateInit/guest:0/aot:${aot}`, f);
  add("instantiate + init, p50", "us", "low", inst(0, "p50_us"), inst(1, "p50_us"), "node", peer("node", "instantiate_init_p50"));
  add("instantiate + init, p99", "us", "low", inst(0, "p99_us"), inst(1, "p99_us"), "node", peer("node", "instantiate_init_p99"));
  add("instantiations per second (one thread)", "/s", "high", inst(0, "per_s"), inst(1, "per_s"), "node", peer("node", "instantiations_per_s"));
  add("the same vs an Erlang spawn, p50", "us", "low", inst(0, "p50_us"), inst(1, "p50_us"), "Erlang", peer("erlang", "spawn_p50") / 1000);
  const msg = (aot) => bm(`BM_WasmMessageAndReply/aot:${aot}/real_time`, "round_trip_us");
  add("message to a component and its reply", "us", "low", msg(0), msg(1), "node", peer("node", "message_and_reply") / 1000);
  add("the same vs gen_server:call", "us", "low", msg(0), msg(1), "Erlang", peer("erlang", "message_and_reply") / 1000);
  const crash = (aot, f) => bm(`BM_WasmCrashToReady/aot:${aot}/real_time`, f);
  add("crash-to-Ready restart, p50", "us", "low", crash(0, "p50_us"), crash(1, "p50_us"), "Erlang", peer("erlang", "restart_crash_to_ready_p50"));
  add("crash-to-Ready restart, p99", "us", "low", crash(0, "p99_us"), crash(1, "p99_us"), "Erlang", peer("erlang", "restart_crash_to_ready_p99"));
  add("restarts per second", "/s", "high", crash(0, "restarts_per_s"), crash(1, "restarts_per_s"), "Erlang", peer("erlang", "restarts_per_s"));
  const fuel = (aot, m) => bm(`BM_WasmFuelOverhead/aot:${aot}/metered:${m}`, "time_ns");
  add("loop-heavy guest call (compute, 2,000 rounds)", "us", "low", fuel(0, 1) / 1000, fuel(1, 1) / 1000, "node", peer("node", "compute_call"));
  const mem = (aot, n) => bm(`BM_WasmIdleComponentMemory/aot:${aot}/components:${n}/iterations:1`, "bytes_per_component");
  add("resident memory per idle component (100,000)", "B", "low", mem(0, 100000), mem(1, 100000), "node", peer("node", "bytes_per_instance"));
  rows.push(["one-page instances alive in one process", "100,000", "100,000", `node: ${fmt(peer("node", "live_instances"), "")}`, ""]);
  sections.push(`## Wasm components, side by side with node (V8) and Erlang/OTP

Node instantiates and calls the very same \`.wasm\` files (bench/peers/node_wasm.mjs)
as plain functions on one thread; airssys runs them as components (the
message row goes through mailboxes and workers). The ratio column compares
airssys's aot engine with the peer. Erlang rows compare with the nearest
Erlang operation: spawning a process, a gen_server:call, a one_for_one
supervisor restarting a crashed gen_server (crash to the first answer of
the new process; the asking process yields between attempts, and a fresh
supervisor takes over every 200 restarts, because OTP walks the list of
the last period's restarts on each one).

${table(["workload", "airssys interp", "airssys aot", "peer", "ratio aot : peer"], rows)}`);
}

// Restarts through a supervisor as a user's system makes them: one child's
// history, and 5,000 children crashed at once (bench/restart_bench.cpp).
{
  const rows = [];
  const add = (label, unit, ours, theirsLabel, theirs) => {
    rows.push([label, fmt(ours, unit), theirsLabel ? `${theirsLabel}: ${fmt(theirs, unit)}` : "", ratioText(ours, theirs, "low")]);
    note(label, ours, "Erlang", theirs, "low", causes[label]);
  };
  const hist = (f) => bm("BM_WasmRestartHistory/iterations:1/real_time", f);
  add("crash-to-Ready p50, restarts 1-1,000 of one child", "us", hist("p50_first_us"), "Erlang", peer("erlang", "restart_history_first_p50"));
  add("the same, restarts 10,001-11,000", "us", hist("p50_10k_us"), "Erlang", peer("erlang", "restart_history_10k_p50"));
  add("the same, restarts 100,001-101,000", "us", hist("p50_100k_us"), "Erlang", peer("erlang", "restart_history_100k_p50"));
  add("restarts 100,001-101,000 vs OTP's best case (a fresh supervisor every 200)", "us", hist("p50_100k_us"), "Erlang", peer("erlang", "restart_crash_to_ready_p50"));
  const mass = (e, f) => {
    const b = runs.get(`BM_WasmMassRecovery/exponential:${e}/iterations:1/real_time`);
    return b && !b.error_occurred ? b[f] : undefined;
  };
  const massError = (e) => runs.get(`BM_WasmMassRecovery/exponential:${e}/iterations:1/real_time`)?.error_message;
  add("5,000 simultaneous crashes to all answering, immediate", "ms", mass(0, "recovery_ms"), "Erlang", peer("erlang", "mass_recovery"));
  add("the same, exponential backoff from 100 ms: time beyond the 100 ms", "ms", mass(1, "recovery_minus_backoff_ms"), "Erlang (no backoff)", peer("erlang", "mass_recovery"));
  const skipped = [0, 1].map(massError).filter(Boolean);
  sections.push(`## Restarts through the supervisor: one child's history, 5,000 at once

One supervisor restarts the same aot counter 101,000 times in a row
(one_for_one, immediate restarts, 1,000,000 restarts allowed in 1 s; nothing
is reset between restarts), and the rows give the p50 of a window of 1,000
of them; the Erlang peer restarts a registered gen_server under one OTP
supervisor with the same intensity and period. OTP walks the list of the
last period's restarts on each restart, so its later windows cost more; the
fourth row compares with its best case, the figure of the table above.
5,000 aot counters under one one_for_one supervisor (Erlang: 5,000
gen_servers) crash at once, and the row is the time from the first crash
to the last fresh instance answering; OTP has no backoff, so the
exponential row charges airssys only what it takes beyond its children's
100 ms wait (each child's first restart waits 100 ms).

${table(["workload", "airssys aot", "peer", "ratio"], rows)}
${skipped.length ? `\nNot measured: ${skipped.join("; ")}.\n` : ""}`);
}

// Fuel metering, runaway stop, scale, registry, health.
{
  const fuel = (aot, m) => bm(`BM_WasmFuelOverhead/aot:${aot}/metered:${m}`, "time_ns");
  const pct = (aot) => ((fuel(aot, 1) / fuel(aot, 0) - 1) * 100);
  const bulk = (aot, m) => bm(`BM_WasmBulkFuelOverhead/aot:${aot}/metered:${m}`, "time_ns");
  const bulkPct = (aot) => ((bulk(aot, 1) / bulk(aot, 0) - 1) * 100);
  // interp code never has the native stack check: its rows are stack_check:0.
  const calls = (aot, m, check) => bm(`BM_WasmCallOverhead/aot:${aot}/metered:${m}/stack_check:${check}`, "time_ns");
  const callsPct = (aot) => ((calls(aot, 1, aot) / calls(aot, 0, aot) - 1) * 100);
  const runaway = (aot, d, f) => bm(`BM_WasmRunawayStop/aot:${aot}/deadline:${d}/iterations:20/real_time`, f);
  const scale = (aot, n, f) => bm(`BM_WasmSupervisedStart/aot:${aot}/components:${n}/iterations:1/real_time`, f);
  const health = (aot, f) => bm(`BM_HealthCheckCost/aot:${aot}/iterations:1/real_time`, f);
  const coldCall = (aot) => bm(`BM_WasmColdHealthCall/aot:${aot}/iterations:20`, "per_call") * 1e9;
  const warmCall = (aot) => bm(`BM_WasmWarmHealthCall/aot:${aot}`, "time_ns");
  const rows = [
    ["compute guest call, fuel metered", fmt(fuel(0, 1) / 1000, "us"), fmt(fuel(1, 1) / 1000, "us")],
    ["the same module without fuel charges", fmt(fuel(0, 0) / 1000, "us"), fmt(fuel(1, 0) / 1000, "us")],
    ["fuel metering overhead", fmt(pct(0), "%"), fmt(pct(1), "%")],
    ["bulk-memory guest call (copier: 256 rounds of a 64 KiB memory.fill + memory.copy), fuel metered", fmt(bulk(0, 1) / 1000, "us"), fmt(bulk(1, 1) / 1000, "us")],
    ["the same module without fuel charges", fmt(bulk(0, 0) / 1000, "us"), fmt(bulk(1, 0) / 1000, "us")],
    ["fuel metering overhead, bulk operations (charged by length)", fmt(bulkPct(0), "%"), fmt(bulkPct(1), "%")],
    ["call-heavy guest call (fib(27): 317,811 calls), fuel metered", fmt(calls(0, 1, 0) / 1000, "us"), fmt(calls(1, 1, 1) / 1000, "us")],
    ["the same module without fuel charges (aot: native stack checks kept)", fmt(calls(0, 0, 0) / 1000, "us"), fmt(calls(1, 0, 1) / 1000, "us")],
    ["fuel metering overhead, calls", fmt(callsPct(0), "%"), fmt(callsPct(1), "%")],
    ["fib(27), fuel metered, without the native stack checks", "", fmt(calls(1, 1, 0) / 1000, "us")],
    ["the same without fuel charges either", "", fmt(calls(1, 0, 0) / 1000, "us")],
    ["native stack check overhead (metered; unmetered)", "", `${fmt((calls(1, 1, 1) / calls(1, 1, 0) - 1) * 100, "%")}; ${fmt((calls(1, 0, 1) / calls(1, 0, 0) - 1) * 100, "%")}`],
    ["runaway guest, default limits (10 M fuel): message to failure, p50", fmt(runaway(0, 0, "p50_us"), "us"), fmt(runaway(1, 0, "p50_us"), "us")],
    ["the same, p99", fmt(runaway(0, 0, "p99_us"), "us"), fmt(runaway(1, 0, "p99_us"), "us")],
    ["runaway guest, 10 ms deadline, fuel unmetered: message to failure, p50", fmt(runaway(0, 1, "p50_us"), "us"), fmt(runaway(1, 1, "p50_us"), "us")],
    ["the same, p99", fmt(runaway(0, 1, "p99_us"), "us"), fmt(runaway(1, 1, "p99_us"), "us")],
    ["supervised start, 1,000 components: per child", fmt(scale(0, 1000, "start_us_per_child"), "us"), fmt(scale(1, 1000, "start_us_per_child"), "us")],
    ["supervised start, 100,000 components: per child", fmt(scale(0, 100000, "start_us_per_child"), "us"), fmt(scale(1, 100000, "start_us_per_child"), "us")],
    ["growth of the per-child time, 1k to 100k", fmt(scale(0, 100000, "start_us_per_child") / scale(0, 1000, "start_us_per_child"), "x") + "x", fmt(scale(1, 100000, "start_us_per_child") / scale(1, 1000, "start_us_per_child"), "x") + "x"],
    ["which_children at 100,000", fmt(scale(0, 100000, "which_children_ms"), "ms"), fmt(scale(1, 100000, "which_children_ms"), "ms")],
    ["resident memory per idle component at 100,000", fmt(bm("BM_WasmIdleComponentMemory/aot:0/components:100000/iterations:1", "bytes_per_component"), "B"), fmt(bm("BM_WasmIdleComponentMemory/aot:1/components:100000/iterations:1", "bytes_per_component"), "B")],
    ["heap allocated per idle component at 100,000 (touched or not)", fmt(bm("BM_WasmIdleComponentMemory/aot:0/components:100000/iterations:1", "heap_bytes_per_component"), "B"), fmt(bm("BM_WasmIdleComponentMemory/aot:1/components:100000/iterations:1", "heap_bytes_per_component"), "B")],
    ["health checks, 10,000 components every 5 s: share of one core", fmt(health(0, "core_pct"), "%"), fmt(health(1, "core_pct"), "%")],
    ["the same, CPU per check", fmt(health(0, "cpu_us_per_check"), "us"), fmt(health(1, "cpu_us_per_check"), "us")],
    ["of which the engine: a health call into a cold instance", fmt(coldCall(0), "ns"), fmt(coldCall(1), "ns")],
    ["a health call into a warm instance", fmt(warmCall(0), "ns"), fmt(warmCall(1), "ns")],
  ];
  sections.push(`## Metering, runaways, scale and health

${table(["workload", "interp", "aot"], rows)}

The overhead rows compare one module instrumented with and without fuel
charges (ModuleCode::load_without_fuel_metering); everything else of the
instrumentation (depth counts, the memory and table checks, on aot the
native stack checks) is in both, except where a row says it is left out.
The target is at most 5 % with bulk operations charged by their length.

Component registry lookup among 10,000 names: ${fmt(bm("BM_ComponentRegistryLookup", "time_ns"), "ns")}.
The health-check rows charge every CPU cycle of the process over 10 s to
the checks (timer thread, workers waking, the guest calls); the target is
under 1 % of one core. An idle component's state is cold by the time its
next check comes (5 s later, after 9,999 others), so a check costs mostly
memory latency: the cold-call row calls 10,000 instances in an order
unrelated to their addresses with the caches emptied between rounds, the
warm row calls one instance over and over.`);
}

// The seed's supervision microbenchmarks.
{
  const rows = [
    ["restart decision (policy + intensity + backoff)", fmt(bm("BM_RestartDecision", "time_ns"), "ns"), "< 1 µs"],
    ["max-restart check over 100 attempts", fmt(bm("BM_MaxRestartCheck100", "time_ns"), "ns"), "< 10 µs"],
    ["backoff over 10 attempts", fmt(bm("BM_Backoff10", "time_ns"), "ns"), "< 5 µs"],
    ["add a component to supervision (tree)", fmt(bm("BM_AddToSupervision", "time_ns"), "ns"), "< 1 µs"],
    ["get a supervision handle (tree of 100)", fmt(bm("BM_GetSupervisionHandle", "time_ns"), "ns"), "< 100 ns"],
    ["tree structure (JSON) of 100 components", fmt(bm("BM_TreeJson100", "time_ns"), "ns"), "< 500 µs"],
    ["ancestors at depth 20", fmt(bm("BM_Ancestors20", "time_ns"), "ns"), "< 5 µs"],
    ["bytes per supervision handle in the tree (heap in use, mallinfo2, over 100,000)", fmt(bm("BM_SupervisionHandleBytes/iterations:1", "bytes_per_handle"), "B"), "< 256 B"],
    ["crash-to-ready of a native child, in-system (1 worker)", fmt(bm("BM_CrashToReadyNativeInSystem/1/real_time", "restart_us"), "us"), ""],
  ];
  sections.push(`## Supervision, against the seed plan's targets

${table(["workload", "airssys", "seed target"], rows)}`);
}

// The largest gaps.
{
  const seen = new Set();
  const top = gaps
    .sort((a, b) => b.ratio - a.ratio)
    .filter((g) => (seen.has(g.label) ? false : seen.add(g.label)))
    .slice(0, 3);
  const lines = top.map(
    (g, i) =>
      `${i + 1}. **${g.label}**: ${g.ratio.toFixed(g.ratio < 10 ? 2 : 0)}x behind ${g.peer}. ${g.cause ?? "Cause not analysed yet."}`,
  );
  sections.push(`## Where airssys loses: the three largest gaps in this run

${lines.length ? lines.join("\n") : "airssys lost no row of this run."}`);
}

process.stdout.write(sections.join("\n\n") + "\n");
