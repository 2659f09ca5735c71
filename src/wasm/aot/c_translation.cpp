#include "aot/c_translation.hpp"

#include <wabt/apply-names.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/c-writer.h>
#include <wabt/generate-names.h>
#include <wabt/ir.h>
#include <wabt/stream.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "airssys/wasm/wasm_module.hpp"
#include "module_code.hpp"
#include "pass_stack.hpp"

namespace airssys::wasm::detail {
namespace {

// wabt's C writer name mangling: "Z_" + the name with every character that
// is not alphanumeric or '_' (and 'Z' itself) written as Z + two hex digits.
std::string mangle(std::string_view name) {
  std::string out = "Z_";
  for (char c : name) {
    const bool plain = (std::isalnum(static_cast<unsigned char>(c)) != 0 && c != 'Z') || c == '_';
    if (plain) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "Z%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

const char* c_type(char code) {
  return code == 'I' ? "u64" : "u32";
}

std::string glue_source(const wabt::Module& m, const ModuleCode& code) {
  std::ostringstream c;
  const std::string mod = mangle("m");
  // The meter module's instance is the glue's: the host, and the stack
  // floor of the thread running the instance, set at every call in, so
  // that the stack check (inlined into every function: the glue is
  // compiled in one unit with the module) reads no thread-local.
  const std::string meter_instance = "struct " + mangle(kMeterModule) + "_instance_t";
  c << "#include <setjmp.h>\n#include <stdint.h>\n#include \"module.h\"\n"
    << "extern __thread jmp_buf* airssys_trap_target;\n"
    << "typedef int (*airssys_host_fn)(void*, uint32_t, const uint64_t*, uint64_t*);\n"
    << "static airssys_host_fn s_host;\n"
    << "void airssys_set_memory_functions(void* (*)(uint64_t), void (*)(void*, uint64_t));\n"
    << "#define AIRSSYS_EXPORT __attribute__((visibility(\"default\")))\n"
    << meter_instance
    << " { void* host; uintptr_t floor; };\n"
    // The stack pointer itself: __builtin_frame_address would make every
    // function keep a frame pointer.
    << "static inline __attribute__((always_inline)) uintptr_t airssys_stack_pointer(void) {\n"
    << "  uintptr_t sp;\n#if defined(__x86_64__)\n  __asm__ volatile(\"mov %%rsp, %0\" : "
       "\"=r\"(sp));\n"
    << "#elif defined(__aarch64__)\n  __asm__ volatile(\"mov %0, sp\" : \"=r\"(sp));\n"
    << "#else\n  sp = (uintptr_t)__builtin_frame_address(0);\n#endif\n  return sp;\n}\n"
    << "typedef struct { " << mod << "_instance_t m; " << meter_instance
    << " meter; } airssys_instance;\n";

  // Imports: each forwards to the host; a nonzero answer stops the guest.
  std::vector<std::string> import_modules;
  // A function imported twice is one C function (a name is one HostImport).
  std::array<bool, kHostImportCount> defined{};
  std::size_t func_index = 0;
  for (const wabt::Import* imp : m.imports) {
    const std::string instance_type = "struct " + mangle(imp->module_name) + "_instance_t";
    bool seen = false;
    for (const auto& mod : import_modules) seen = seen || mod == imp->module_name;
    if (!seen) import_modules.push_back(imp->module_name);
    const HostImport which = code.func_imports[func_index++];
    if (defined[static_cast<std::size_t>(which)]) continue;
    defined[static_cast<std::size_t>(which)] = true;
    const FunctionShape& s = shape(which);
    if (which == HostImport::meter_stack_check) {
      // At every function entry: below the floor the host set for this
      // thread, the frames still to come could leave the worker's stack.
      c << "void " << mangle(imp->module_name) << mangle(imp->field_name) << "(" << instance_type
        << "* h) {\n"
        << "  if (__builtin_expect(airssys_stack_pointer() < h->floor, 0))\n"
        << "    longjmp(*airssys_trap_target, WASM_RT_TRAP_EXHAUSTION);\n}\n";
      continue;
    }
    c << (s.results.empty() ? "void" : c_type(s.results[0])) << " " << mangle(imp->module_name)
      << mangle(imp->field_name) << "(" << instance_type << "* h";
    for (std::size_t i = 0; i < s.params.size(); ++i) c << ", " << c_type(s.params[i]) << " a" << i;
    c << ") {\n  uint64_t args[" << std::max<std::size_t>(s.params.size(), 1) << "] = {";
    for (std::size_t i = 0; i < s.params.size(); ++i) c << (i ? ", " : "") << "a" << i;
    const char* host = imp->module_name == kMeterModule ? "h->host" : "(void*)h";
    c << "};\n  uint64_t r = 0;\n  if (s_host(" << host << ", " << static_cast<int>(which)
      << ", args, &r)) longjmp(*airssys_trap_target, " << kHostTrap << ");\n";
    if (!s.results.empty()) c << "  return (" << c_type(s.results[0]) << ")r;\n";
    c << "}\n";
  }

  // The C writer's instantiate takes the import modules' instances in the
  // order of their names (a std::set), not of their first import.
  std::sort(import_modules.begin(), import_modules.end());

  c << "AIRSSYS_EXPORT uint32_t airssys_aot_grow_memory(wasm_rt_memory_t* m, uint32_t delta) {\n"
    << "  return wasm_rt_grow_memory(m, delta);\n}\n";
  c << "AIRSSYS_EXPORT void airssys_aot_setup(airssys_host_fn fn, void* (*map)(uint64_t), "
       "void (*unmap)(void*, uint64_t)) {\n"
    << "  s_host = fn;\n  airssys_set_memory_functions(map, unmap);\n  " << mod
    << "_init_module();\n}\n"
    << "AIRSSYS_EXPORT size_t airssys_aot_instance_size(void) { return "
       "sizeof(airssys_instance); }\n"
    << "AIRSSYS_EXPORT int airssys_aot_instantiate(void* inst, void* host, uintptr_t floor) {\n"
    << "  airssys_instance* w = (airssys_instance*)inst;\n"
    << "  w->meter.host = host;\n  w->meter.floor = floor;\n"
    << "  jmp_buf jb; jmp_buf* prev = airssys_trap_target; airssys_trap_target = &jb;\n"
    << "  int code = setjmp(jb);\n"
    << "  if (code == 0) " << mod << "_instantiate(&w->m";
  for (const auto& name : import_modules) {
    if (name == kMeterModule) {
      c << ", &w->meter";
    } else {
      c << ", (struct " << mangle(name) << "_instance_t*)host";
    }
  }
  c << ");\n  airssys_trap_target = prev;\n  return code;\n}\n"
    << "AIRSSYS_EXPORT void airssys_aot_free(void* inst) { " << mod << "_free((" << mod
    << "_instance_t*)inst); }\n"
    << "AIRSSYS_EXPORT wasm_rt_memory_t* airssys_aot_memory(void* inst) { return " << mod
    << mangle("memory") << "((" << mod << "_instance_t*)inst); }\n"
    << "AIRSSYS_EXPORT u64* airssys_aot_fuel(void* inst) { return " << mod
    << mangle(kFuelGlobalExport) << "((" << mod << "_instance_t*)inst); }\n"
    << "AIRSSYS_EXPORT u32* airssys_aot_depth(void* inst) { return " << mod
    << mangle(kDepthGlobalExport) << "((" << mod << "_instance_t*)inst); }\n"
    << "AIRSSYS_EXPORT int airssys_aot_call(void* inst, int slot, const uint64_t* a, uint64_t* "
       "result, uintptr_t floor) {\n"
    << "  airssys_instance* w = (airssys_instance*)inst;\n  w->meter.floor = floor;\n"
    << "  " << mod << "_instance_t* i = &w->m;\n"
    << "  jmp_buf jb; jmp_buf* prev = airssys_trap_target; airssys_trap_target = &jb;\n"
    << "  int code = setjmp(jb);\n"
    << "  if (code == 0) {\n    switch (slot) {\n";
  if (code.has_wasi_initialize) {
    c << "      case -1: " << mod << mangle("_initialize") << "(i); break;\n";
  }
  if (code.has_wasi_start) {
    c << "      case -2: " << mod << mangle("_start") << "(i); break;\n";
  }
  for (std::size_t e = 0; e < kGuestExportCount; ++e) {
    if (!code.has_export[e]) continue;
    const FunctionShape& s = kGuestExports[e];
    c << "      case " << e << ": ";
    if (!s.results.empty()) c << "*result = ";
    c << mod << mangle(s.name) << "(i";
    for (std::size_t p = 0; p < s.params.size(); ++p) {
      c << ", (" << c_type(s.params[p]) << ")a[" << p << "]";
    }
    c << "); break;\n";
  }
  c << "      default: break;\n    }\n  }\n  airssys_trap_target = prev;\n  return code;\n}\n";
  // One translation unit with the module's code, so that the meter
  // imports (the stack check above all) are inlined where they are called.
  c << "#include \"module.c\"\n";
  return c.str();
}

// Names wabt's C writer may copy verbatim (into comments such as
// "/* export: 'name' */") must be unable to end a comment, a string or a
// line: letters, digits and "_$.:" only. Everything the host left in the
// module passes; anything else is a defect in an earlier pass, refused.
bool host_charset(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' || c == '.' ||
           c == ':';
  });
}

Result<void> check_names(const wabt::Module& m) {
  std::vector<std::string_view> names;
  for (const wabt::Func* f : m.funcs) {
    names.push_back(f->name);
    for (const auto& [local, binding] : f->bindings) names.push_back(local);
  }
  for (const wabt::Global* g : m.globals) names.push_back(g->name);
  for (const wabt::Table* t : m.tables) names.push_back(t->name);
  for (const wabt::Memory* mem : m.memories) names.push_back(mem->name);
  for (const wabt::TypeEntry* t : m.types) names.push_back(t->name);
  for (const wabt::ElemSegment* e : m.elem_segments) names.push_back(e->name);
  for (const wabt::DataSegment* d : m.data_segments) names.push_back(d->name);
  for (const wabt::Tag* t : m.tags) names.push_back(t->name);
  for (const wabt::Import* i : m.imports) {
    names.push_back(i->module_name);
    names.push_back(i->field_name);
  }
  for (const wabt::Export* e : m.exports) names.push_back(e->name);
  names.push_back(m.name);
  for (std::string_view n : names) {
    if (!host_charset(n)) {
      return Error{ErrorCode::internal,
                   "a name that is not the host's reached the C translation (refused)"};
    }
  }
  return {};
}

Result<void> translate(const WasmModule& module, TranslatedModule& out) {
  const ModuleCode& code = module.code();
  wabt::Features features;
  features.disable_simd();
  wabt::Module m;
  wabt::Errors errors;
  // No debug names: the name section is the module's text, never the C's.
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  if (wabt::Failed(wabt::ReadBinaryIr("module", code.native_binary.data(),
                                      code.native_binary.size(), options, &errors, &m))) {
    return Error{ErrorCode::internal, module.name() + ": cannot re-read the instrumented module"};
  }
  // The C writer expects every item named, as wasm2c's driver does it.
  // An element segment names table 0 even when it is passive or declared
  // and the module has no table; wabt's ApplyNames then fails. An empty
  // table that no instruction can reach (validation saw none) lets it name
  // the segment and changes nothing else.
  if (m.tables.empty() && !m.elem_segments.empty()) {
    auto table = std::make_unique<wabt::TableModuleField>();
    table->table.elem_type = wabt::Type::FuncRef;
    m.AppendField(std::move(table));
  }
  if (wabt::Failed(wabt::GenerateNames(&m)) || wabt::Failed(wabt::ApplyNames(&m))) {
    return Error{ErrorCode::internal, module.name() + ": cannot name the module's items"};
  }
  if (auto r = check_names(m); !r)
    return Error{r.error().code, module.name() + ": " + r.error().message};
  wabt::MemoryStream c_stream;
  wabt::MemoryStream h_stream;
  wabt::WriteCOptions c_options;
  c_options.module_name = "m";
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, "module.h", &m, c_options))) {
    return Error{ErrorCode::internal, module.name() + ": wasm2c could not translate the module"};
  }
  const auto& c_buf = c_stream.output_buffer().data;
  const auto& h_buf = h_stream.output_buffer().data;
  out.module_c.assign(c_buf.begin(), c_buf.end());
  out.module_h.assign(h_buf.begin(), h_buf.end());
  out.glue_c = glue_source(m, code);
  return {};
}

}  // namespace

Result<TranslatedModule> translate_to_c(const WasmModule& module) {
  // The C writer recurses once per nesting level (pass_stack.hpp).
  TranslatedModule out;
  auto translated = run_passes(module.code().deepest_nesting, module.name(),
                               [&]() -> Result<void> { return translate(module, out); });
  if (!translated) return translated.error();
  return out;
}

}  // namespace airssys::wasm::detail
