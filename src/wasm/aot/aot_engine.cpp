// The `aot` engine: the instrumented module goes through wabt's C writer
// (wasm2c), the system C compiler builds it with our runtime and glue into
// a shared object, and the host dlopens it. Built once per module content
// and cached on disk (AIRSSYS_AOT_CACHE, else $XDG_CACHE_HOME/airssys/aot,
// else ~/.cache/airssys/aot); every instance shares the code and owns only
// its memory, tables and globals.
#include <dlfcn.h>
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
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "airssys/wasm/wasm_module.hpp"
#include "aot/aot_c_sources.hpp"
#include "aot/c_translation.hpp"
#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {
namespace {

namespace fs = std::filesystem;

// Bumped whenever the generated glue or runtime changes, so stale cached
// objects are never loaded.
constexpr const char* kAotFormat = "aot5";

using HostFn = int (*)(void* host, std::uint32_t which, const std::uint64_t* args,
                       std::uint64_t* result);

fs::path cache_dir() {
  if (const char* dir = std::getenv("AIRSSYS_AOT_CACHE"); dir != nullptr && *dir != 0) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != 0) {
    return fs::path(xdg) / "airssys" / "aot";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) {
    return fs::path(home) / ".cache" / "airssys" / "aot";
  }
  return fs::temp_directory_path() / ("airssys-aot-" + std::to_string(::getuid()));
}

std::string fnv1a(const std::vector<std::uint8_t>& bytes, std::string_view salt) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&](std::uint8_t b) {
    h ^= b;
    h *= 0x100000001b3ULL;
  };
  for (auto b : bytes) mix(b);
  for (char ch : salt) mix(static_cast<std::uint8_t>(ch));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
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
  void* handle = nullptr;
  const ModuleCode* code = nullptr;
  std::size_t instance_size = 0;
  int (*instantiate_fn)(void*, void*) = nullptr;
  void (*free_fn)(void*) = nullptr;
  wasm_rt_memory_t* (*memory_fn)(void*) = nullptr;
  std::uint64_t* (*fuel_fn)(void*) = nullptr;
  std::uint32_t* (*depth_fn)(void*) = nullptr;
  int (*call_fn)(void*, int, const std::uint64_t*, std::uint64_t*) = nullptr;
  std::uint32_t (*grow_fn)(wasm_rt_memory_t*, std::uint32_t) = nullptr;

  ~AotModule() override {
    if (handle != nullptr) ::dlclose(handle);
  }

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

Result<void> AotInstance::instantiate(const CallLimits& limits) {
  instance_ = std::calloc(1, module_.instance_size);
  if (instance_ == nullptr) return Error{ErrorCode::resource_exhausted, "out of memory"};
  if (const int trap = module_.instantiate_fn(instance_, this); trap != 0) {
    return Error{ErrorCode::invalid_argument,
                 "instantiation failed (trap " + std::to_string(trap) + ")"};
  }
  instantiated_ = true;
  fuel_ = module_.fuel_fn(instance_);
  depth_ = module_.depth_fn(instance_);
  const std::uint32_t pages = memory_()->pages;
  if (pages > limits.memory_limit_pages) {
    return Error{ErrorCode::resource_exhausted, std::string(to_string(GuestFault::memory_limit)) +
                                                    ": initial memory of " + std::to_string(pages) +
                                                    " pages exceeds the limit of " +
                                                    std::to_string(limits.memory_limit_pages)};
  }
  arm(limits);
  return {};
}

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

CallOutcome AotInstance::invoke(int slot, const std::uint64_t* args, std::size_t nargs) {
  CallOutcome out;
  if (slot == kInitializeSlot && !module_.code->has_wasi_initialize) return out;
  std::uint64_t a[8] = {};
  for (std::size_t i = 0; i < nargs && i < 8; ++i) a[i] = args[i];
  std::uint64_t result = 0;
  const int trap = module_.call_fn(instance_, slot, a, &result);
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

Result<fs::path> build_shared_object(const WasmModule& module, const fs::path& target) {
  auto translated = translate_to_c(module);
  if (!translated) return translated.error();

  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  const fs::path work =
      target.parent_path() / (target.stem().string() + ".build." + std::to_string(::getpid()));
  fs::create_directories(work, ec);
  if (ec) {
    return Error{ErrorCode::io_error, "cannot create " + work.string() + ": " + ec.message()};
  }
  const bool written = write_file(work / "module.c", translated->module_c) &&
                       write_file(work / "module.h", translated->module_h) &&
                       write_file(work / "glue.c", translated->glue_c) &&
                       write_file(work / "runtime.c", kAotRuntimeSource);
  if (!written) return Error{ErrorCode::io_error, "cannot write sources to " + work.string()};

  const char* cc_env = std::getenv("AIRSSYS_CC");
  const std::string cc = cc_env != nullptr && *cc_env != 0 ? cc_env : "cc";
  const fs::path tmp_so = work / "module.so";
  const std::string cmd =
      cc + " -O2 -fPIC -shared -pthread -w -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0" +
      " -DWASM_RT_USE_STACK_DEPTH_COUNT=0 -I" + shell_quote(work.string()) + " " +
      shell_quote((work / "module.c").string()) + " " + shell_quote((work / "glue.c").string()) +
      " " + shell_quote((work / "runtime.c").string()) + " -o " + shell_quote(tmp_so.string()) +
      " -lm 2>&1";
  std::string output;
  if (FILE* p = ::popen(cmd.c_str(), "r"); p != nullptr) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) {
      if (output.size() < 4000) output += buf;
    }
    const int status = ::pclose(p);
    if (status != 0) {
      fs::remove_all(work, ec);
      return Error{ErrorCode::internal, module.name() + ": the C compiler (" + cc +
                                            ") failed on the translated module: " + output};
    }
  } else {
    fs::remove_all(work, ec);
    return Error{ErrorCode::internal, "cannot run the C compiler " + cc};
  }
  fs::rename(tmp_so, target, ec);  // atomic: a concurrent builder's result is as good
  fs::remove_all(work, ec);
  if (!fs::exists(target)) return Error{ErrorCode::io_error, "cannot store " + target.string()};
  return target;
}

}  // namespace

std::filesystem::path aot_object_path(const WasmModule& module) {
  return cache_dir() / (fnv1a(module.code().binary, kAotFormat) + ".so");
}

Result<std::shared_ptr<CompiledModule>> compile_aot(const WasmModule& module) {
  const ModuleCode& code = module.code();
  const fs::path target = aot_object_path(module);
  if (!fs::exists(target)) {
    auto built = build_shared_object(module, target);
    if (!built) return built.error();
  }
  auto compiled = std::make_shared<AotModule>();
  compiled->code = &code;
  compiled->handle = ::dlopen(target.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (compiled->handle == nullptr) {
    return Error{ErrorCode::internal,
                 module.name() + ": cannot load " + target.string() + ": " + ::dlerror()};
  }
  void (*setup)(HostFn) = nullptr;
  std::size_t (*instance_size)() = nullptr;
  void* h = compiled->handle;
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
  setup(&host_trampoline);
  compiled->instance_size = instance_size();
  return std::shared_ptr<CompiledModule>(std::move(compiled));
}

}  // namespace airssys::wasm::detail
