#include "name_key.hpp"

#include <algorithm>

namespace airssys::cluster {

namespace {

bool is_plain(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string name_key(std::string_view name) {
  if (is_plain(name)) return std::string(name);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "=";
  key.reserve(1 + 2 * name.size());
  for (unsigned char c : name) {
    key.push_back(kHex[c >> 4]);
    key.push_back(kHex[c & 15]);
  }
  return key;
}

std::optional<std::string> key_name(std::string_view key) {
  if (key.empty() || key.front() != '=') {
    if (!is_plain(key)) return std::nullopt;
    return std::string(key);
  }
  key.remove_prefix(1);
  if (key.empty() || key.size() % 2 != 0) return std::nullopt;
  std::string name;
  name.reserve(key.size() / 2);
  for (std::size_t i = 0; i < key.size(); i += 2) {
    const int hi = hex_value(key[i]);
    const int lo = hex_value(key[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    name.push_back(static_cast<char>(hi * 16 + lo));
  }
  // One spelling per name: a plain name written in hex is not a key of ours.
  if (is_plain(name)) return std::nullopt;
  return name;
}

}  // namespace airssys::cluster
