// Fuzz target: the guest ABI's host functions fed arbitrary pointers,
// lengths, names and addresses. The hostile guest (tests/wasm/guests/
// hostile.wat) calls the import a 32-byte record names with the record's
// raw arguments; each input is a sequence of records, sent to a real
// component in a running system. A record may stop the component
// (abi_violation, exit): a fresh one takes its place. The host must never
// crash, and the system must keep answering.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/wasm_module.hpp"

namespace {

namespace rt = airssys::rt;
namespace wasm = airssys::wasm;

struct World {
  rt::ActorSystem system{{.workers = 2}};
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner{system, registry};
  rt::ScopedActor me{system};
  wasm::WasmModulePtr hostile;
  rt::Address target;
  std::string target_name;
  int generation = 0;

  World() {
    auto m = wasm::WasmModule::load_file(AIRSSYS_FUZZ_GUEST_DIR "/hostile.wasm");
    if (!m) std::abort();
    hostile = *m;
  }

  // A fresh hostile component in place of the last one (whose registry
  // entry goes, so a long session does not accumulate them).
  void replace() {
    if (!target_name.empty()) w_remove();
    target_name = "hostile" + std::to_string(generation++);
    auto spec =
        wasm::ComponentSpec::of(target_name, hostile).with_capabilities(wasm::Capabilities::all());
    spec.limits.call_deadline = std::chrono::milliseconds(200);
    spec.limits.max_message_size = 4096;
    spec.logger = [](const std::string&, int, std::string_view) {};
    auto a = spawner.spawn_component(spec);
    if (!a) std::abort();
    target = *a;
  }
  void w_remove() {
    (void)system.exit(target, rt::ExitReason::kill());
    registry.remove(target_name);
  }
};

World& world() {
  static auto* w = new World();  // lives until exit: workers may still run
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  if (w.target_name.empty()) w.replace();
  for (std::size_t at = 0; at + 32 <= size && at < 32 * 16; at += 32) {
    rt::Bytes record(data + at, data + at + 32);
    auto r = w.me.request<rt::Bytes>(w.target, std::move(record), std::chrono::seconds(5));
    if (!r && r.error().code == airssys::ErrorCode::timeout) std::abort();  // the host hung
    if (!r) w.replace();  // it stopped: the next record goes to a fresh one
  }
  // Whatever the guest sent to us is not for us: drop it.
  while (w.me.receive(std::chrono::milliseconds(0))) {
  }
  // The system still answers (op 255 is no call: the guest replies 0).
  if (!w.me.request<rt::Bytes>(w.target, rt::Bytes(32, 0xff), std::chrono::seconds(5))) {
    std::abort();
  }
  return 0;
}
