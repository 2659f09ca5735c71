// The symbols a shared object defines for the dynamic linker, read from
// its ELF dynamic symbol table: what the tests hold an AOT object's
// visible symbols to (detail::kAotEntryPoints).
#pragma once

#include <elf.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace airssys::wasm::test {

// Global and weak symbols `path` defines (not the ones it needs).
inline std::set<std::string> defined_dynamic_symbols(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> out;
  if (f.size() < sizeof(Elf64_Ehdr)) return out;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(f.data());
  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(f.data() + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_DYNSYM) continue;
    const char* strtab = f.data() + sh[sh[i].sh_link].sh_offset;
    const auto* syms = reinterpret_cast<const Elf64_Sym*>(f.data() + sh[i].sh_offset);
    for (std::size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); ++k) {
      const int bind = ELF64_ST_BIND(syms[k].st_info);
      if (syms[k].st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK)) continue;
      out.insert(strtab + syms[k].st_name);
    }
  }
  return out;
}

// What an AOT object may define beyond the entry points: the symbols the
// toolchain's start files put in every shared object.
inline std::set<std::string> aot_defined_symbols(const std::string& path) {
  std::set<std::string> defined = defined_dynamic_symbols(path);
  for (const char* crt : {"_init", "_fini"}) defined.erase(crt);
  return defined;
}

}  // namespace airssys::wasm::test
