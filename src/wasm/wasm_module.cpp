#include "airssys/wasm/wasm_module.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/cast.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>

#include "metering_pass.hpp"
#include "module_code.hpp"
#include "module_features.hpp"
#include "module_limits_check.hpp"
#include "pass_stack.hpp"
#include "vm/wasm_vm.hpp"

namespace airssys::wasm {
namespace detail {
namespace {

Error load_error(const std::string& name, const std::string& what) {
  return Error{ErrorCode::invalid_argument, name + ": " + what};
}

std::string describe_errors(const wabt::Errors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.message;
    if (e.loc.filename.empty() && e.loc.offset != 0 && e.loc.offset != wabt::kInvalidOffset) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " at offset 0x%zx", e.loc.offset);
      out += buf;
    }
  }
  return out.empty() ? "unknown error" : out;
}

std::string shape_of(const wabt::FuncSignature& sig) {
  auto code = [](wabt::Type t) -> char {
    if (t == wabt::Type::I32) return 'i';
    if (t == wabt::Type::I64) return 'I';
    if (t == wabt::Type::F32) return 'f';
    if (t == wabt::Type::F64) return 'F';
    return '?';
  };
  std::string s = "(";
  for (auto t : sig.param_types) s += code(t);
  s += ")->(";
  for (auto t : sig.result_types) s += code(t);
  return s + ")";
}

std::string shape_of(const FunctionShape& f) {
  return "(" + std::string(f.params) + ")->(" + std::string(f.results) + ")";
}

const char* kind_name(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Func: return "func";
    case wabt::ExternalKind::Table: return "table";
    case wabt::ExternalKind::Memory: return "memory";
    case wabt::ExternalKind::Global: return "global";
    case wabt::ExternalKind::Tag: return "tag";
  }
  return "?";
}

bool is_guest_export_name(std::string_view n) {
  return std::any_of(kGuestExports.begin(), kGuestExports.end(),
                     [&](const FunctionShape& e) { return e.name == n; });
}

// Exports the engines use: the ABI's functions, `_initialize`, the memory
// and the meter's globals.
bool host_export(const wabt::Export& e) {
  if (e.kind == wabt::ExternalKind::Func) {
    return is_guest_export_name(e.name) || e.name == "_initialize" || e.name == "_start";
  }
  if (e.kind == wabt::ExternalKind::Memory) return e.name == kMemoryExport;
  if (e.kind == wabt::ExternalKind::Global) {
    return e.name == kFuelGlobalExport || e.name == kDepthGlobalExport;
  }
  return false;
}

// Every other export is renamed "airssys_meter:export<N>": no export name
// of the guest's own is ever read by an engine or copied into generated C
// (the aot translation checks it), and the exports stay, since an export
// is what declares a function for `ref.func`. The reserved prefix cannot
// clash with a guest's name (the loader refuses it in guests).
void rename_guest_exports(wabt::Module& m) {
  m.export_bindings.clear();
  wabt::Index n = 0;
  for (wabt::Index i = 0; i < m.exports.size(); ++i) {
    wabt::Export& e = *m.exports[i];
    if (!host_export(e)) e.name = std::string(kMeterModule) + ":export" + std::to_string(n++);
    m.export_bindings.emplace(e.name, wabt::Binding(e.var.loc, i));
  }
}

// The constant an `airssys_abi_version` body returns, or -1.
std::int64_t constant_result(const wabt::Func& f) {
  if (f.exprs.size() != 1) return -1;
  const auto* c = wabt::dyn_cast<wabt::ConstExpr>(&f.exprs.front());
  if (c == nullptr || c->const_.type() != wabt::Type::I32) return -1;
  return c->const_.u32();
}

std::string fnv1a_hex(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (auto b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Result<void> read_ir(const std::vector<std::uint8_t>& bytes, const std::string& name,
                     wabt::Module& m) {
  const wabt::Features features = guest_features();
  wabt::Errors errors;
  wabt::ReadBinaryOptions read_options(features, nullptr, /*read_debug_names=*/false,
                                       /*stop_on_first_error=*/true,
                                       /*fail_on_custom_section_error=*/false);
  if (wabt::Failed(wabt::ReadBinaryIr(name.c_str(), bytes.data(), bytes.size(), read_options,
                                      &errors, &m))) {
    return load_error(name, "malformed module: " + describe_errors(errors));
  }
  if (wabt::Failed(wabt::ValidateModule(&m, &errors, wabt::ValidateOptions(features)))) {
    return load_error(name, "invalid module: " + describe_errors(errors));
  }
  return {};
}

// `m` through the metering pass, with only the host's exports, as bytes.
Result<std::vector<std::uint8_t>> instrumented(wabt::Module& m, const std::string& name,
                                               MeteringOptions options) {
  if (auto r = instrument_module(m, options); !r) {
    return load_error(name, "cannot instrument: " + r.error().message);
  }
  rename_guest_exports(m);
  const wabt::Features features = guest_features();
  wabt::Errors errors;
  if (wabt::Failed(wabt::ValidateModule(&m, &errors, wabt::ValidateOptions(features)))) {
    return Error{ErrorCode::internal,
                 name + ": instrumented module does not validate: " + describe_errors(errors)};
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, /*canonicalize_lebs=*/true,
                                         /*relocatable=*/false, /*write_debug_names=*/false);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &m, write_options))) {
    return Error{ErrorCode::internal, name + ": cannot write the instrumented module"};
  }
  return std::move(stream.output_buffer().data);
}

}  // namespace

struct ModuleAccess {
  static Result<void> check_abi(WasmModule& out, ModuleCode& code, const wabt::Module& m) {
    const std::string& name = out.name_;
    // Imports: functions of module "airssys" with the ABI's signatures only.
    bool imports_request = false;
    for (const wabt::Import* imp : m.imports) {
      out.imports_.push_back({imp->module_name, imp->field_name, kind_name(imp->kind())});
      const std::string what = "import " + imp->module_name + "." + imp->field_name;
      const bool wasi = imp->module_name == kWasiModule;
      if (imp->module_name != kHostModule && !wasi) {
        return load_error(name, what +
                                    ": only modules \"airssys\" and \"wasi_snapshot_preview1\" "
                                    "are provided to guests");
      }
      if (imp->kind() != wabt::ExternalKind::Func) {
        return load_error(name, what +
                                    ": only functions can be imported (the component owns its "
                                    "memory and tables)");
      }
      const auto* func = &wabt::cast<wabt::FuncImport>(imp)->func;
      // The module's own range of the import table.
      std::size_t i = wasi ? kFirstWasiImport : 0;
      const std::size_t end = wasi ? kHostImportCount : kGuestVisibleImportCount;
      while (i < end && kHostImports[i].name != imp->field_name) ++i;
      if (i == end) {
        return load_error(name, what + (wasi ? " is not a WASI preview 1 function"
                                             : " is not part of guest ABI v1"));
      }
      const char* spec = wasi ? ", WASI preview 1 says " : ", guest ABI v1 says ";
      if (shape_of(func->decl.sig) != shape_of(kHostImports[i])) {
        return load_error(name, what + " has signature " + shape_of(func->decl.sig) + spec +
                                    shape_of(kHostImports[i]));
      }
      code.func_imports.push_back(static_cast<HostImport>(i));
      imports_request = imports_request || static_cast<HostImport>(i) == HostImport::request;
    }

    // Exports.
    bool has_memory = false;
    for (const wabt::Export* e : m.exports) {
      out.exports_.push_back({e->name, kind_name(e->kind)});
      if (e->name.rfind(kMeterModule, 0) == 0) {
        return load_error(name, "export " + e->name + " uses the reserved prefix airssys_meter");
      }
      if (e->kind == wabt::ExternalKind::Memory && e->name == kMemoryExport) has_memory = true;
      if (e->kind != wabt::ExternalKind::Func) {
        // The engines look these names up as functions.
        if (is_guest_export_name(e->name) || e->name == "_initialize" || e->name == "_start") {
          return load_error(
              name, "export " + e->name + " must be a function, not a " + kind_name(e->kind));
        }
        continue;
      }
      const wabt::Func* f = m.GetFunc(e->var);
      if (e->name == "_initialize" || e->name == "_start") {
        if (f->GetNumParams() != 0 || f->GetNumResults() != 0) {
          return load_error(name, "export " + e->name + " must take and return nothing");
        }
        (e->name == "_start" ? code.has_wasi_start : code.has_wasi_initialize) = true;
        continue;
      }
      for (std::size_t i = 0; i < kGuestExportCount; ++i) {
        if (kGuestExports[i].name != e->name) continue;
        if (shape_of(f->decl.sig) != shape_of(kGuestExports[i])) {
          return load_error(name, "export " + e->name + " has signature " + shape_of(f->decl.sig) +
                                      ", guest ABI v1 says " + shape_of(kGuestExports[i]));
        }
        code.has_export[i] = true;
        if (static_cast<GuestExport>(i) == GuestExport::abi_version) {
          const auto version = m.IsImport(*e) ? -1 : constant_result(*f);
          if (version < 0) {
            return load_error(name, "airssys_abi_version must return a constant");
          }
          out.abi_version_ = static_cast<std::uint32_t>(version);
        }
      }
    }
    if (!has_memory) return load_error(name, "missing export memory (its linear memory)");
    if (code.has_wasi_start) {
      // A command: _start is the whole component (guest-abi.md, "Commands").
      if (code.has_wasi_initialize) {
        return load_error(name,
                          "exports both _start (a command) and _initialize (a reactor); a "
                          "module is one or the other");
      }
      for (std::size_t i = 0; i < kGuestExportCount; ++i) {
        if (code.has_export[i] && static_cast<GuestExport>(i) != GuestExport::abi_version) {
          return load_error(name, "exports both _start (a command, run to completion) and " +
                                      std::string(kGuestExports[i].name) +
                                      " (a component's); a module is one or the other");
        }
      }
      out.is_command_ = true;
      if (!code.has_export[static_cast<int>(GuestExport::abi_version)]) {
        out.abi_version_ = kAbiVersion;
      }
    }
    for (std::size_t i = 0; i < kGuestExportCount && !code.has_wasi_start; ++i) {
      if (kGuestExportRequired[i] && !code.has_export[i]) {
        return load_error(name, "missing export " + std::string(kGuestExports[i].name));
      }
    }
    if (out.abi_version_ != kAbiVersion) {
      return load_error(name, "guest ABI version " + std::to_string(out.abi_version_) +
                                  " is not supported (this host speaks version 1)");
    }
    if (imports_request && !code.has_export[static_cast<int>(GuestExport::handle_reply)]) {
      return load_error(name,
                        "imports airssys.request but does not export airssys_handle_reply, "
                        "where replies arrive");
    }
    if (m.memories.size() != 1) {
      return load_error(name, "must define exactly one memory");
    }
    if (!m.starts.empty()) {
      return load_error(name,
                        "has a start function; guests set up in airssys_init (or export "
                        "_initialize), commands in _start");
    }
    out.initial_pages_ = static_cast<std::uint32_t>(m.memories[0]->page_limits.initial);
    code.initial_pages = out.initial_pages_;
    for (const wabt::Table* t : m.tables) code.initial_table_elements += t->elem_limits.initial;
    return {};
  }
};

Result<void> ModuleCode::prepare(WasmModule& out, const std::vector<std::uint8_t>& bytes,
                                 const ModuleLimits& limits, Instrumentation what) {
  const std::string& name = out.name();
  // A core module of version 1 (not a Component Model component).
  if (auto header = check_header(bytes); !header) return load_error(name, header.error().message);
  // Every declared size first: the passes below allocate for what the
  // module declares and recurse over its nesting.
  auto declared = check_module_limits(bytes, limits);
  if (!declared) {
    return Error{ErrorCode::resource_exhausted, name + ": " + declared.error().message};
  }
  // SIMD and the other proposals guests may not use, named.
  if (auto used = check_features(bytes); !used) return load_error(name, used.error().message);
  auto& code = *out.code_;
  code.deepest_nesting = declared->deepest_nesting;
  return run_passes(code.deepest_nesting, name, [&]() -> Result<void> {
    if (auto valid = validate_binary(bytes, name); !valid) {
      return load_error(name, "malformed or invalid module: " + valid.error().message);
    }
    wabt::Module m;
    if (auto r = read_ir(bytes, name, m); !r) return r;
    if (auto r = ModuleAccess::check_abi(out, code, m); !r) return r;
    for (std::size_t k = 0; k < kMeterImportCount; ++k) {
      code.func_imports.push_back(static_cast<HostImport>(kFirstMeterImport + k));
    }
    auto interp = instrumented(m, name, {.fuel = what.fuel});
    if (!interp) return interp.error();
    code.binary = std::move(*interp);
    // The same checks again for native code, whose frames share the
    // worker's stack: every function checks it on entry. A second read,
    // since the pass rewrites the IR it is given.
    wabt::Module native;
    if (auto r = read_ir(bytes, name, native); !r) return r;
    auto aot = instrumented(native, name,
                            {.fuel = what.fuel, .native_stack_check = what.native_stack_check});
    if (!aot) return aot.error();
    code.native_binary = std::move(*aot);
    return {};
  });
}

Result<std::shared_ptr<const WasmModule>> ModuleCode::load_without_fuel_metering(
    const std::vector<std::uint8_t>& bytes, std::string name) {
  return load_instrumented(bytes, std::move(name), {.fuel = false});
}

Result<std::shared_ptr<const WasmModule>> ModuleCode::load_instrumented(
    const std::vector<std::uint8_t>& bytes, std::string name, Instrumentation what) {
  std::shared_ptr<WasmModule> module(new WasmModule());
  module->name_ = std::move(name);
  // Not the metered module's hash: the code differs.
  module->hash_ = fnv1a_hex(bytes) + (what.fuel ? "" : "-nofuel") +
                  (what.native_stack_check ? "" : "-nostackcheck");
  if (auto r = prepare(*module, bytes, ModuleLimits{}, what); !r) return r.error();
  return std::shared_ptr<const WasmModule>(std::move(module));
}

}  // namespace detail

WasmModule::WasmModule() : code_(std::make_unique<detail::ModuleCode>()) {}
WasmModule::~WasmModule() = default;

Result<std::shared_ptr<const WasmModule>> WasmModule::load(const std::vector<std::uint8_t>& bytes,
                                                           std::string name,
                                                           const ModuleLimits& limits) {
  std::shared_ptr<WasmModule> module(new WasmModule());
  module->name_ = std::move(name);
  module->hash_ = detail::fnv1a_hex(bytes);
  if (auto r = detail::ModuleCode::prepare(*module, bytes, limits); !r) return r.error();
  return std::shared_ptr<const WasmModule>(std::move(module));
}

Result<std::vector<std::uint8_t>> WasmModule::read_file(const std::filesystem::path& path,
                                                        std::size_t max_bytes) {
  const std::string where = path.string() + ": ";
  auto fail = [&](const std::string& what) { return Error{ErrorCode::io_error, where + what}; };
  // O_NONBLOCK: opening a FIFO must not wait for a writer, nor reading a
  // file that has no data (/proc/kmsg) wait for some.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return fail("module file not found");
    return fail(std::string("cannot open module file: ") + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                                              : "not a regular file";
    return fail(std::string("module file is ") + kind + ", not a regular file");
  }
  const auto too_big = [&](std::uint64_t size) {
    return fail("module file (" + std::to_string(size) +
                " bytes) exceeds the module size limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_big(st.st_size);
  // Files under /proc report size 0 and still have content: read up to one
  // byte past the limit, whatever fstat said.
  std::vector<std::uint8_t> bytes;
  bytes.reserve(static_cast<std::size_t>(st.st_size));
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return fail("module file has no data to read (it would block)");
      return fail(std::string("cannot read module file: ") + std::strerror(errno));
    }
    if (n == 0) break;
    if (bytes.size() + static_cast<std::size_t>(n) > max_bytes) {
      return too_big(bytes.size() + static_cast<std::size_t>(n));
    }
    bytes.insert(bytes.end(), buf, buf + n);
  }
  return bytes;
}

Result<std::shared_ptr<const WasmModule>> WasmModule::load_file(const std::filesystem::path& path,
                                                                const ModuleLimits& limits) {
  auto bytes = read_file(path, limits.module_size);
  if (!bytes) return bytes.error();
  return load(*bytes, path.string(), limits);
}

bool WasmModule::exports_function(std::string_view name) const {
  for (const auto& e : exports_) {
    if (e.name == name && e.kind == "func") return true;
  }
  return false;
}

Result<void> WasmModule::check_capabilities(const Capabilities& caps) const {
  for (const auto& imp : imports_) {
    if (!caps.grants_import(imp.module, imp.name)) {
      return Error{
          ErrorCode::invalid_argument,
          name_ + ": imports " + imp.module + "." + imp.name + ", which needs capability \"" +
              std::string(Capabilities::required_for(imp.module, imp.name)) + "\" (not granted)"};
    }
  }
  return {};
}

}  // namespace airssys::wasm
