// Where the build put the test guests, and reading them.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace airssys::wasm::test {

inline std::string guest(const std::string& name) {
  return std::string(AIRSSYS_GUEST_DIR) + "/" + name + ".wasm";
}

inline std::vector<std::uint8_t> read_guest(const std::string& name) {
  std::ifstream in(guest(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace airssys::wasm::test
