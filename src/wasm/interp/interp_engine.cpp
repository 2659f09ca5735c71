// The `interp` engine: wabt's interpreter. The module is decoded once into
// a ModuleDesc; each instance gets its own Store (the interpreter's object
// heap is not thread-safe, and an instance may run on any worker).
#include <wabt/binary-reader.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "airssys/wasm/wasm_module.hpp"
#include "module_code.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm::detail {
namespace {

namespace wi = wabt::interp;

// wabt's interpreter names a trap by its message (wabt 1.0.32: interp.cc,
// interp-math.h). Each maps to the fault wasm2c's trap code gives for the
// same trap (fault_from_trap_code in the aot engine), so both engines end a
// component with the same exit reason. wasm2c has one code for every failed
// call_indirect (out-of-range index, null element, signature mismatch) and
// one for every out-of-bounds memory or table access (loads, stores, bulk
// memory and table operations); engine_traps_test checks each trap on both.
GuestFault fault_from_trap_message(const std::string& msg) {
  struct Prefix {
    const char* text;
    GuestFault fault;
  };
  static constexpr Prefix kTraps[] = {
      {"unreachable executed", GuestFault::unreachable},
      {"out of bounds memory access", GuestFault::out_of_bounds},
      {"out of bounds table access", GuestFault::out_of_bounds},
      {"integer divide by zero", GuestFault::divide_by_zero},
      {"integer overflow", GuestFault::integer_overflow},
      {"invalid conversion to integer", GuestFault::invalid_conversion},
      {"undefined table index", GuestFault::indirect_call},
      {"uninitialized table element", GuestFault::indirect_call},
      {"indirect call signature mismatch", GuestFault::indirect_call},
      {"call stack exhausted", GuestFault::stack_overflow},
      {"value stack exhausted", GuestFault::stack_overflow},
  };
  for (const Prefix& p : kTraps) {
    if (msg.rfind(p.text, 0) == 0) return p.fault;
  }
  return GuestFault::other_trap;
}

struct InterpModule;

class InterpInstance final : public WasmInstance {
 public:
  InterpInstance(HostInterface& host, const InterpModule& module)
      : WasmInstance(host), module_(module) {}

  ~InterpInstance() override {
    // The thread and the roots first, then the store that owns the objects.
    thread_.reset();
    for (auto& f : exports_) f.reset();
    initialize_.reset();
    fuel_.reset();
    depth_.reset();
    memory_.reset();
    instance_.reset();
  }

  Result<void> instantiate(const CallLimits& limits);

  bool has_export(GuestExport e) const override {
    return static_cast<bool>(exports_[static_cast<int>(e)]);
  }

  GuestMemory memory() override { return {memory_->UnsafeData(), memory_->ByteSize()}; }

 protected:
  CallOutcome invoke(int slot, const std::uint64_t* args, std::size_t nargs) override;
  std::int64_t read_fuel() override {
    return static_cast<std::int64_t>(fuel_->Get().Get<wi::u64>());
  }
  void write_fuel(std::int64_t v) override {
    fuel_->UnsafeSet(wi::Value::Make(static_cast<wi::u64>(v)));
  }
  std::int32_t read_depth() override {
    return static_cast<std::int32_t>(depth_->Get().Get<wi::u32>());
  }
  void write_depth(std::int32_t v) override {
    depth_->UnsafeSet(wi::Value::Make(static_cast<wi::u32>(v)));
  }
  std::uint32_t memory_pages() override { return static_cast<std::uint32_t>(memory_->PageSize()); }
  bool grow_memory(std::uint32_t delta) override { return wabt::Succeeded(memory_->Grow(delta)); }

 private:
  wabt::Result host_call(HostImport which, const FunctionShape& shape, const wi::Values& params,
                         wi::Values& results, wi::Trap::Ptr* trap);

  const InterpModule& module_;
  std::unique_ptr<wi::Store> store_;
  wi::Instance::Ptr instance_;
  wi::Memory::Ptr memory_;
  wi::Global::Ptr fuel_;
  wi::Global::Ptr depth_;
  std::array<wi::Func::Ptr, kGuestExportCount> exports_;
  wi::Func::Ptr initialize_;
  wi::Func::Ptr start_;  // a command's _start
  std::unique_ptr<wi::Thread> thread_;
  wi::Values params_;
  wi::Values results_;
};

struct InterpModule final : CompiledModule {
  wi::ModuleDesc desc;
  const ModuleCode* code = nullptr;
  wabt::Features features;

  Result<std::unique_ptr<WasmInstance>> instantiate(HostInterface& host,
                                                    const CallLimits& limits) const override {
    auto inst = std::make_unique<InterpInstance>(host, *this);
    if (auto r = inst->instantiate(limits); !r) return r.error();
    return std::unique_ptr<WasmInstance>(std::move(inst));
  }
};

wabt::Result InterpInstance::host_call(HostImport which, const FunctionShape& shape,
                                       const wi::Values& params, wi::Values& results,
                                       wi::Trap::Ptr* trap) {
  std::uint64_t args[kMaxImportParams] = {};
  for (std::size_t i = 0; i < shape.params.size() && i < kMaxImportParams; ++i) {
    args[i] = shape.params[i] == 'I' ? params[i].Get<wi::u64>() : params[i].Get<wi::u32>();
  }
  std::uint64_t result = 0;
  const GuestFault f = on_import(which, args, &result);
  if (f != GuestFault::none) {
    *trap = wi::Trap::New(*store_, to_string(f));
    return wabt::Result::Error;
  }
  if (!shape.results.empty()) {
    results[0] = shape.results[0] == 'I' ? wi::Value::Make(static_cast<wi::u64>(result))
                                         : wi::Value::Make(static_cast<wi::u32>(result));
  }
  return wabt::Result::Ok;
}

Result<void> InterpInstance::instantiate(const CallLimits& limits) {
  store_ = std::make_unique<wi::Store>(module_.features);
  // Module::New copies the description: the decoded code is per instance in
  // this engine (the AOT engine shares it).
  wi::Module::Ptr mod = wi::Module::New(*store_, module_.desc);
  wi::RefVec imports;
  const auto& import_types = mod->import_types();
  for (std::size_t i = 0; i < import_types.size(); ++i) {
    const HostImport which = module_.code->func_imports[i];
    const auto& type = *wabt::cast<wi::FuncType>(import_types[i].type.get());
    const FunctionShape& shape = detail::shape(which);
    auto func = wi::HostFunc::New(*store_, type,
                                  [this, which, &shape](wi::Thread&, const wi::Values& params,
                                                        wi::Values& results, wi::Trap::Ptr* trap) {
                                    return host_call(which, shape, params, results, trap);
                                  });
    imports.push_back(func.ref());
  }

  if (auto r = check_initial_sizes(*module_.code, limits); !r) return r;

  // Bind the globals before instantiation runs any code (data segments do
  // not, but `arm` needs the globals).
  wi::Trap::Ptr trap;
  instance_ = wi::Instance::Instantiate(*store_, mod.ref(), imports, &trap);
  if (!instance_) {
    // Worded as the aot engine words it: the fault alone.
    return Error{ErrorCode::invalid_argument,
                 to_string(fault_from_trap_message(trap ? trap->message() : std::string()))};
  }
  const auto& export_types = mod->export_types();
  for (std::size_t i = 0; i < export_types.size(); ++i) {
    const std::string& name = export_types[i].name;
    const wi::Ref ref = instance_->exports()[i];
    if (name == kMemoryExport) {
      memory_ = store_->UnsafeGet<wi::Memory>(ref);
    } else if (name == kFuelGlobalExport) {
      fuel_ = store_->UnsafeGet<wi::Global>(ref);
    } else if (name == kDepthGlobalExport) {
      depth_ = store_->UnsafeGet<wi::Global>(ref);
    } else if (name == "_initialize") {
      initialize_ = store_->UnsafeGet<wi::Func>(ref);
    } else if (name == "_start") {
      start_ = store_->UnsafeGet<wi::Func>(ref);
    } else {
      for (std::size_t e = 0; e < kGuestExportCount; ++e) {
        if (kGuestExports[e].name == name) exports_[e] = store_->UnsafeGet<wi::Func>(ref);
      }
    }
  }
  if (!memory_ || !fuel_ || !depth_) {
    return Error{ErrorCode::internal, "instrumented module lacks its memory or meter globals"};
  }
  arm(limits);
  return {};
}

CallOutcome InterpInstance::invoke(int slot, const std::uint64_t* args, std::size_t nargs) {
  CallOutcome out;
  const wi::Func::Ptr* func = slot == kInitializeSlot ? &initialize_
                              : slot == kStartSlot    ? &start_
                                                      : &exports_[slot];
  if (!*func) return out;  // nothing to run
  // `_initialize` and `_start` take and return nothing; the ABI's exports
  // have shapes.
  static constexpr FunctionShape kNoValues{"_initialize", "", ""};
  const FunctionShape* shape =
      slot < 0 ? &kNoValues : &kGuestExports[static_cast<std::size_t>(slot)];
  // Calls into one instance never nest, so the argument and result vectors
  // are the instance's, kept between calls (no allocation per call).
  wi::Values& params = params_;
  params.clear();
  for (std::size_t i = 0; i < nargs; ++i) {
    params.push_back(shape->params[i] == 'I' ? wi::Value::Make(static_cast<wi::u64>(args[i]))
                                             : wi::Value::Make(static_cast<wi::u32>(args[i])));
  }
  wi::Values& results = results_;
  results.resize((*func)->type().results.size());
  // One interpreter thread per instance, reused by its calls (creating one
  // costs more than a short call); a trap discards it with its stacks.
  if (!thread_) thread_ = std::make_unique<wi::Thread>(*store_);
  wi::Trap::Ptr trap;
  if (wabt::Failed((*func)->Call(*thread_, params, results, &trap))) {
    thread_.reset();
    const std::string msg = trap ? trap->message() : std::string("trap");
    out.failure = classify(fault_from_trap_message(msg), msg);
    return out;
  }
  if (!results.empty()) {
    out.value = shape->results[0] == 'I' ? results[0].Get<wi::u64>() : results[0].Get<wi::u32>();
  }
  return out;
}

// Decodes `binary` with wabt's validating reader into `desc`; the first
// error's message when it fails.
std::optional<std::string> read_interp(const std::vector<std::uint8_t>& binary,
                                       const std::string& name, const wabt::Features& features,
                                       wi::ModuleDesc& desc) {
  wabt::Errors errors;
  wabt::ReadBinaryOptions options(features, nullptr, false, true, false);
  if (wabt::Failed(
          wi::ReadBinaryInterp(name, binary.data(), binary.size(), options, &errors, &desc))) {
    return errors.empty() ? std::string("unknown error") : errors.front().message;
  }
  return std::nullopt;
}

}  // namespace

Result<void> validate_binary(const std::vector<std::uint8_t>& binary, const std::string& name) {
  wabt::Features features;
  features.disable_simd();
  wi::ModuleDesc desc;
  if (auto why = read_interp(binary, name, features, desc)) {
    return Error{ErrorCode::invalid_argument, std::move(*why)};
  }
  return {};
}

Result<std::shared_ptr<CompiledModule>> compile_interp(const WasmModule& module) {
  auto compiled = std::make_shared<InterpModule>();
  compiled->code = &module.code();
  compiled->features.disable_simd();
  if (auto why =
          read_interp(module.code().binary, module.name(), compiled->features, compiled->desc)) {
    return Error{ErrorCode::internal, module.name() + ": interpreter cannot decode: " + *why};
  }
  return std::shared_ptr<CompiledModule>(std::move(compiled));
}

}  // namespace airssys::wasm::detail
