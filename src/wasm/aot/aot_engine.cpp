// The `aot` engine: the instrumented module goes through wabt's C writer
// (wasm2c), the system C compiler builds it with our runtime and glue into
// a shared object, and the host dlopens it. Built once per module content,
// compiler and flags, and kept in the AOT cache (aot_cache.hpp, checked
// before every dlopen); the compiler runs as a bounded child (c_compiler.hpp).
// Every instance shares the code and owns only its memory, tables and
// globals.
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>
#include <wabt/apply-names.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/c-writer.h>
#include <wabt/generate-names.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wasm-rt.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "airssys/wasm/wasm_module.hpp"
#include "aot/aot_c_sources.hpp"
#include "aot/aot_cache.hpp"
#include "aot/aot_library.hpp"
#include "aot/aot_memory.hpp"
#include "aot/c_compiler.hpp"
#include "aot/c_translation.hpp"
#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {
namespace {

namespace fs = std::filesystem;

// Bumped whenever the generated glue or runtime changes, so stale cached
// objects are never loaded.
constexpr const char* kAotFormat = "aot12";

using HostFn = int (*)(void* host, std::uint32_t which, const std::uint64_t* args,
                       std::uint64_t* result);

// How every object is built, in its build directory: the compiler's whole
// argv after its name (part of the cache key).
const std::vector<std::string>& compile_args() {
  // Never destroyed: a compile thread may still read it while the process
  // exits (the same for the compilers and tools looked up once).
  static const std::vector<std::string>& args = *new const std::vector<std::string>{
      "-O2", "-fPIC", "-shared", "-pthread", "-w",
      // Only the glue's entry points are visible.
      "-fvisibility=hidden",
      // A frame larger than a page touches each page
      // in order, so it meets the guard page.
      "-fstack-clash-protection", "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
      "-DWASM_RT_USE_STACK_DEPTH_COUNT=0", "-I.",
      // glue.c includes module.c: one unit.
      "glue.c", "runtime.c", "-o", "module.so", "-lm"};
  return args;
}

// Room kept below guest frames on a thread's stack: the host's frames
// under a guest (host calls, the trap path) and one guest frame, whose
// size ModuleLimits::locals bounds.
constexpr std::size_t kNativeStackReserve = std::size_t{1} << 20;

// The lowest address a guest frame may reach on this thread. Guests run on
// the threads that call them (workers, or any thread of a library user),
// so the floor is taken from the thread's own stack, once per thread.
std::uintptr_t native_stack_floor() {
  thread_local const std::uintptr_t floor = [] {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return std::uintptr_t{0};
    void* low = nullptr;
    std::size_t size = 0;
    const int got = pthread_attr_getstack(&attr, &low, &size);
    pthread_attr_destroy(&attr);
    if (got != 0) return std::uintptr_t{0};
    return reinterpret_cast<std::uintptr_t>(low) + std::min(kNativeStackReserve, size / 2);
  }();
  return floor;
}

struct AotModule;

class AotInstance final : public WasmInstance {
 public:
  AotInstance(HostInterface& host, const AotModule& module);
  ~AotInstance() override;

  Result<void> instantiate(const CallLimits& limits);
  bool has_export(GuestExport e) const override;
  GuestMemory memory() override {
    wasm_rt_memory_t* m = memory_();
    return {m->data, m->size};
  }
  int import(std::uint32_t which, const std::uint64_t* args, std::uint64_t* result) {
    return on_import(static_cast<HostImport>(which), args, result) == GuestFault::none ? 0 : 1;
  }

 protected:
  CallOutcome invoke(int slot, const std::uint64_t* args, std::size_t nargs) override;
  std::int64_t read_fuel() override { return static_cast<std::int64_t>(*fuel_); }
  void write_fuel(std::int64_t v) override { *fuel_ = static_cast<std::uint64_t>(v); }
  std::int32_t read_depth() override { return static_cast<std::int32_t>(*depth_); }
  void write_depth(std::int32_t v) override { *depth_ = static_cast<std::uint32_t>(v); }
  std::uint32_t memory_pages() override { return memory_()->pages; }
  bool grow_memory(std::uint32_t delta) override;

 private:
  wasm_rt_memory_t* memory_() const;
  const AotModule& module_;
  void* instance_ = nullptr;
  bool instantiated_ = false;
  std::uint64_t* fuel_ = nullptr;
  std::uint32_t* depth_ = nullptr;
};

int host_trampoline(void* host, std::uint32_t which, const std::uint64_t* args,
                    std::uint64_t* result) {
  return static_cast<AotInstance*>(host)->import(which, args, result);
}

struct AotModule final : CompiledModule {
  AotLibrary library;
  const ModuleCode* code = nullptr;
  std::size_t instance_size = 0;
  int (*instantiate_fn)(void*, void*, std::uintptr_t) = nullptr;
  void (*free_fn)(void*) = nullptr;
  wasm_rt_memory_t* (*memory_fn)(void*) = nullptr;
  std::uint64_t* (*fuel_fn)(void*) = nullptr;
  std::uint32_t* (*depth_fn)(void*) = nullptr;
  int (*call_fn)(void*, int, const std::uint64_t*, std::uint64_t*, std::uintptr_t) = nullptr;
  std::uint32_t (*grow_fn)(wasm_rt_memory_t*, std::uint32_t) = nullptr;

  Result<std::unique_ptr<WasmInstance>> instantiate(HostInterface& host,
                                                    const CallLimits& limits) const override {
    auto inst = std::make_unique<AotInstance>(host, *this);
    if (auto r = inst->instantiate(limits); !r) return r.error();
    return std::unique_ptr<WasmInstance>(std::move(inst));
  }
};

AotInstance::AotInstance(HostInterface& host, const AotModule& module)
    : WasmInstance(host), module_(module) {}

AotInstance::~AotInstance() {
  if (instantiated_) module_.free_fn(instance_);
  std::free(instance_);
}

wasm_rt_memory_t* AotInstance::memory_() const {
  return module_.memory_fn(instance_);
}

bool AotInstance::has_export(GuestExport e) const {
  return module_.code->has_export[static_cast<std::size_t>(e)];
}

bool AotInstance::grow_memory(std::uint32_t delta) {
  return module_.grow_fn(memory_(), delta) != 0xFFFFFFFFu;
}

// wasm2c's trap codes, mapped as fault_from_trap_message in the interp
// engine maps the interpreter's messages for the same traps, so both
// engines end a component with the same exit reason (engine_traps_test).
// WASM_RT_TRAP_CALL_INDIRECT is every failed call_indirect: out-of-range
// index, null element, signature mismatch.
GuestFault fault_from_trap_code(int code) {
  switch (code) {
    case WASM_RT_TRAP_OOB: return GuestFault::out_of_bounds;
    case WASM_RT_TRAP_INT_OVERFLOW: return GuestFault::integer_overflow;
    case WASM_RT_TRAP_DIV_BY_ZERO: return GuestFault::divide_by_zero;
    case WASM_RT_TRAP_INVALID_CONVERSION: return GuestFault::invalid_conversion;
    case WASM_RT_TRAP_UNREACHABLE: return GuestFault::unreachable;
    case WASM_RT_TRAP_CALL_INDIRECT: return GuestFault::indirect_call;
    case WASM_RT_TRAP_EXHAUSTION: return GuestFault::stack_overflow;
    default: return GuestFault::other_trap;
  }
}

Result<void> AotInstance::instantiate(const CallLimits& limits) {
  if (auto r = check_initial_sizes(*module_.code, limits); !r) return r;
  instance_ = std::calloc(1, module_.instance_size);
  if (instance_ == nullptr) return Error{ErrorCode::resource_exhausted, "out of memory"};
  const int trap = module_.instantiate_fn(instance_, this, native_stack_floor());
  // Freed whether or not it trapped: the instance starts zeroed, so what a
  // trapped instantiation did not allocate is null and freeing skips it.
  instantiated_ = true;
  if (trap != 0) {
    // Worded as the interpreter words it: the fault alone.
    return Error{ErrorCode::invalid_argument, to_string(fault_from_trap_code(trap))};
  }
  fuel_ = module_.fuel_fn(instance_);
  depth_ = module_.depth_fn(instance_);
  arm(limits);
  return {};
}

CallOutcome AotInstance::invoke(int slot, const std::uint64_t* args, std::size_t nargs) {
  CallOutcome out;
  if (slot == kInitializeSlot && !module_.code->has_wasi_initialize) return out;
  if (slot == kStartSlot && !module_.code->has_wasi_start) return out;
  std::uint64_t a[kMaxImportParams] = {};
  for (std::size_t i = 0; i < nargs && i < kMaxImportParams; ++i) a[i] = args[i];
  std::uint64_t result = 0;
  const int trap = module_.call_fn(instance_, slot, a, &result, native_stack_floor());
  if (trap != 0) {
    const GuestFault engine =
        trap == kHostTrap ? GuestFault::other_trap : fault_from_trap_code(trap);
    out.failure = classify(engine, "trap code " + std::to_string(trap));
    return out;
  }
  out.value = result;
  return out;
}

template <class F>
bool bind(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(handle, name));
  return out != nullptr;
}

// What a module's object is built with and where it is kept.
struct AotBuild {
  AotCache cache;
  CompilerLimits limits;
  CCompiler compiler;
  std::string key;
};

Result<AotBuild> aot_build(const WasmModule& module) {
  const auto named = [&](const Error& e) {
    return Error{e.code, module.name() + ": " + e.message};
  };
  auto cache = AotCache::open();
  if (!cache) return named(cache.error());
  auto limits = compiler_limits();
  if (!limits) return named(limits.error());
  auto compiler = c_compiler(*limits);
  if (!compiler) return named(compiler.error());
  // Keyed on what translate_to_c compiles: the native binary, not the
  // interp one (whose instrumentation can differ: no native stack checks).
  std::string key = aot_cache_key({.format = kAotFormat,
                                   .runtime_source = kAotRuntimeSource,
                                   .compiler_identity = compiler->identity,
                                   .flags = compile_args(),
                                   .module = module.code().native_binary});
  return AotBuild{std::move(*cache), *limits, std::move(*compiler), std::move(key)};
}

// Translates, compiles in a fresh build directory, and publishes the
// object as the entry for `build.key`. The build directory goes either way.
Result<void> build_shared_object(const WasmModule& module, const AotBuild& build,
                                 ProcessCancel* cancel) {
  auto translated = translate_to_c(module);
  if (!translated) return translated.error();
  auto dir = build.cache.make_build_dir();
  if (!dir) return dir.error();
  for (const auto& [name, text] :
       {std::pair<const char*, std::string_view>{"module.c", translated->module_c},
        {"module.h", translated->module_h},
        {"glue.c", translated->glue_c},
        {"runtime.c", kAotRuntimeSource}}) {
    if (auto written = dir->write(name, text); !written) return written.error();
  }
  if (auto compiled = run_c_compiler(build.compiler, compile_args(), dir->fd(), build.limits,
                                     module.name(), cancel);
      !compiled) {
    return compiled.error();
  }
  return build.cache.publish(*dir, "module.so", build.key);
}

}  // namespace

Result<std::filesystem::path> aot_object_path(const WasmModule& module) {
  auto build = aot_build(module);
  if (!build) return build.error();
  return build->cache.object_path(build->key);
}

Result<std::shared_ptr<CompiledModule>> compile_aot(const WasmModule& module,
                                                    ProcessCancel* cancel) {
  const ModuleCode& code = module.code();
  auto build = aot_build(module);
  if (!build) return build.error();
  const fs::path target = build->cache.object_path(build->key);
  // A missing or damaged entry (removed by find) is built again; what is
  // loaded is always an entry that passed its check, through its descriptor.
  auto object = build->cache.find(build->key);
  if (!object) {
    if (auto built = build_shared_object(module, *build, cancel); !built) return built.error();
    object = build->cache.find(build->key);
    if (!object) {
      return Error{ErrorCode::io_error, module.name() + ": " + target.string() +
                                            " failed its check right after the build"};
    }
  }
  auto library = AotLibrary::load(std::move(*object), "airssys_aot_setup", target.string());
  if (!library) return Error{library.error().code, module.name() + ": " + library.error().message};
  auto compiled = std::make_shared<AotModule>();
  compiled->code = &code;
  compiled->library = std::move(*library);
  void (*setup)(HostFn, void* (*)(std::uint64_t), void (*)(void*, std::uint64_t)) = nullptr;
  std::size_t (*instance_size)() = nullptr;
  void* h = compiled->library.handle();
  const bool bound = bind(h, "airssys_aot_setup", setup) &&
                     bind(h, "airssys_aot_instance_size", instance_size) &&
                     bind(h, "airssys_aot_instantiate", compiled->instantiate_fn) &&
                     bind(h, "airssys_aot_free", compiled->free_fn) &&
                     bind(h, "airssys_aot_memory", compiled->memory_fn) &&
                     bind(h, "airssys_aot_fuel", compiled->fuel_fn) &&
                     bind(h, "airssys_aot_depth", compiled->depth_fn) &&
                     bind(h, "airssys_aot_call", compiled->call_fn) &&
                     bind(h, "airssys_aot_grow_memory", compiled->grow_fn);
  if (!bound) {
    return Error{ErrorCode::internal,
                 target.string() + " is not an airssys AOT module (missing entry points)"};
  }
  setup(&host_trampoline, &map_aot_memory, &unmap_aot_memory);
  compiled->instance_size = instance_size();
  return std::shared_ptr<CompiledModule>(std::move(compiled));
}

}  // namespace airssys::wasm::detail
