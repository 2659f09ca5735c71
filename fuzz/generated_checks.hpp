// The oracles for generated modules (module_generator.hpp), shared by
// fuzz_generated and tests/wasm/generated_module_test.cpp:
//  - check_load: a module over a limit is refused with the loader's
//    message for the first size over it; any other module loads;
//  - check_c_translation (fuzz_support.hpp) with kInjectedMarker: the aot
//    engine's C holds no byte of a name the module supplied (every one
//    carries the marker) and is printable ASCII, tabs and newlines;
//  - run_generated: one instance on one engine, the ABI's exports called
//    in a component's order with the same message, everything recorded
//    (results, exit reasons, fuel, host calls, the memory at the end), so
//    that check_reasons can hold every exit reason to the documented ones
//    and compare_runs can hold two engines to the same record.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "airssys/wasm/engine_kind.hpp"
#include "airssys/wasm/guest_fault.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "fuzz_support.hpp"
#include "module_code.hpp"
#include "module_generator.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::fuzz {

// "" when loading `g` gave what its declarations call for, else what went
// wrong.
inline std::string check_load(const GeneratedModule& g, const Result<wasm::WasmModulePtr>& loaded) {
  if (!g.refusal.empty()) {
    if (loaded.ok()) return "loaded, but it declares " + g.refusal;
    if (loaded.error().message.find(g.refusal) == std::string::npos) {
      return "refused with \"" + loaded.error().message + "\", not with \"" + g.refusal + "\"";
    }
    return {};
  }
  if (!loaded.ok()) {
    return "a valid module within every limit was refused: " + loaded.error().message;
  }
  return {};
}

// Host calls answered the same way on every engine, and recorded: exit
// stops the guest (as a component's host does), log reads its text (a
// range outside memory is an ABI violation), the rest return 0.
class TraceHost final : public wasm::detail::HostInterface {
 public:
  wasm::GuestFault call_host(wasm::detail::HostImport which, const std::uint64_t* args,
                             std::uint64_t* result, wasm::detail::GuestMemory memory) override {
    using wasm::detail::HostImport;
    const auto& shape = wasm::detail::shape(which);
    std::string call(shape.name);
    call += '(';
    for (std::size_t i = 0; i < shape.params.size(); ++i) {
      call += (i == 0 ? "" : ",") + std::to_string(args[i]);
    }
    call += ')';
    wasm::GuestFault fault = wasm::GuestFault::none;
    if (which == HostImport::exit) fault = wasm::GuestFault::exited;
    if (which == HostImport::log) {
      if (!memory.contains(args[0], args[1])) {
        fault = wasm::GuestFault::abi_violation;
      } else {
        call += " \"" +
                std::string(reinterpret_cast<const char*>(memory.data + args[0]),
                            static_cast<std::size_t>(std::min<std::uint64_t>(args[1], 64))) +
                "\"";
      }
    }
    if (!shape.results.empty()) *result = 0;
    ++count_;
    for (char ch : call) hash_ = (hash_ ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
    if (calls_.size() < 16) calls_.push_back(std::move(call));
    return fault;
  }

  // The calls in order (the first 16 in full, all in the hash).
  std::string describe() const {
    std::string s = std::to_string(count_) + " host calls (hash " + std::to_string(hash_) + ")";
    for (const auto& c : calls_) s += "\n    " + c;
    return s;
  }

 private:
  std::vector<std::string> calls_;
  std::uint64_t count_ = 0;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

struct RunLimits {
  std::uint64_t fuel = 200'000;
  std::chrono::milliseconds deadline{200};
  std::uint32_t stack_limit = 200;
  std::uint32_t memory_limit_pages = 16;
  std::uint32_t table_limit = 100'000;

  wasm::detail::CallLimits call_limits() const {
    wasm::detail::CallLimits l;
    l.fuel = fuel;
    l.deadline = std::chrono::steady_clock::now() + deadline;
    l.stack_limit = stack_limit;
    l.memory_limit_pages = memory_limit_pages;
    l.table_limit = table_limit;
    return l;
  }
};

struct RunRecord {
  // One line per step: what was called and how it ended. Engines must
  // agree on these word for word.
  std::vector<std::string> steps;
  std::vector<wasm::GuestFault> faults;  // of the calls that failed
  std::string host_calls;
  std::uint64_t memory_hash = 0;
  // Why the engine could not compile the module (not compared: a
  // compile that fails is a difference in itself).
  std::string refused;

  std::string describe() const {
    std::string s;
    for (const auto& step : steps) s += "  " + step + "\n";
    s += "  " + host_calls + "\n  memory hash " + std::to_string(memory_hash);
    if (!refused.empty()) s += "\n  refused: " + refused;
    return s;
  }
};

// Runs `m` on `engine` as a component would: instantiate, _initialize,
// airssys_alloc for the message, the message copied in, airssys_init,
// airssys_handle twice, airssys_health, airssys_shutdown (each that the
// module exports), stopping at the first failure.
inline RunRecord run_generated(const wasm::WasmModule& m, wasm::EngineKind engine,
                               const std::vector<std::uint8_t>& message, const RunLimits& limits) {
  using wasm::detail::GuestExport;
  RunRecord rec;
  auto compiled = wasm::detail::compiled_for(m, engine);
  if (!compiled) {
    rec.steps.push_back("compile: refused");
    rec.refused = compiled.error().message;
    return rec;
  }
  TraceHost host;
  auto instance = (*compiled)->instantiate(host, limits.call_limits());
  if (!instance) {
    rec.steps.push_back("instantiate: " + instance.error().message);
    return rec;
  }
  auto& inst = **instance;
  auto step = [&](const char* what, const wasm::detail::CallOutcome& out) {
    std::string line = std::string(what) + ": ";
    if (out.ok()) {
      line += "ok " + std::to_string(out.value) + ", fuel " + std::to_string(inst.fuel_used());
    } else {
      line += to_string(out.failure.fault);
      rec.faults.push_back(out.failure.fault);
    }
    rec.steps.push_back(std::move(line));
    return out.ok();
  };
  const auto len = static_cast<std::uint64_t>(message.size());
  [&] {
    if (m.code().has_wasi_initialize &&
        !step("_initialize", inst.call_initialize(limits.call_limits()))) {
      return;
    }
    const auto buffer = inst.call(GuestExport::alloc, {len}, limits.call_limits());
    if (!step("airssys_alloc", buffer)) return;
    const auto ptr = static_cast<std::uint32_t>(buffer.value);
    const wasm::detail::GuestMemory mem = inst.memory();
    if (!mem.contains(ptr, len)) {
      rec.steps.push_back("message: no room at " + std::to_string(ptr));
      return;
    }
    if (len != 0) std::memcpy(mem.data + ptr, message.data(), message.size());
    if (inst.has_export(GuestExport::init) &&
        !step("airssys_init", inst.call(GuestExport::init, {ptr, len}, limits.call_limits()))) {
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (!step("airssys_handle",
                inst.call(GuestExport::handle, {1, ptr, len}, limits.call_limits()))) {
        return;
      }
    }
    if (inst.has_export(GuestExport::health) &&
        !step("airssys_health", inst.call(GuestExport::health, {}, limits.call_limits()))) {
      return;
    }
    if (inst.has_export(GuestExport::shutdown)) {
      step("airssys_shutdown", inst.call(GuestExport::shutdown, {}, limits.call_limits()));
    }
  }();
  rec.host_calls = host.describe();
  const wasm::detail::GuestMemory mem = inst.memory();
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < mem.size; ++i) h = (h ^ mem.data[i]) * 0x100000001b3ULL;
  rec.memory_hash = h ^ mem.size;
  return rec;
}

// "" when every call ended in a documented exit reason that a run like
// this one can give (docs/guest-abi.md), else the first that did not.
inline std::string check_reasons(const RunRecord& r) {
  for (wasm::GuestFault f : r.faults) {
    switch (f) {
      case wasm::GuestFault::other_trap:       // a trap the engines do not name
      case wasm::GuestFault::killed:           // nobody kills these calls
      case wasm::GuestFault::startup_timeout:  // not a startup
        return std::string("exit reason ") + to_string(f) + "\n" + r.describe();
      default: break;
    }
  }
  return {};
}

// "" when two engines' records of one module agree.
inline std::string compare_runs(const RunRecord& interp, const RunRecord& aot) {
  if (interp.steps == aot.steps && interp.host_calls == aot.host_calls &&
      interp.memory_hash == aot.memory_hash) {
    return {};
  }
  return "the engines disagree\ninterp:\n" + interp.describe() + "\naot:\n" + aot.describe();
}

}  // namespace airssys::fuzz
