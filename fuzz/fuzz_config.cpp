// Fuzz target: the TOML system configuration loader. The input is the
// config file's text, in a directory that holds a real module (echo.wasm)
// so that module references can resolve and load. Every input must end in
// a configuration or a list of positioned errors.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "airssys/app/system_config.hpp"

namespace {

std::filesystem::path scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("airssys-fuzz-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::filesystem::copy_file(AIRSSYS_FUZZ_GUEST_DIR "/echo.wasm", d / "echo.wasm",
                               std::filesystem::copy_options::overwrite_existing);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = scratch_dir() / "system.toml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto result = airssys::app::load_system_config(file, true);
  // An input is either accepted or refused with at least one error, each
  // naming the file.
  if (!result.ok() && result.errors.empty()) std::abort();
  return 0;
}
