#include "airssys/app/units.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace airssys::app {
namespace {

// Splits "12.5ms" into 12.5 and "ms".
bool split_number(std::string_view text, double& number, std::string_view& unit) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return false;
  const std::string digits(text.substr(0, i));
  char* end = nullptr;
  number = std::strtod(digits.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(number) || number < 0) return false;
  unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<rt::Duration> parse_duration(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  double ns = 0;
  if (unit == "ns") {
    ns = n;
  } else if (unit == "us" || unit == "µs") {
    ns = n * 1e3;
  } else if (unit == "ms") {
    ns = n * 1e6;
  } else if (unit == "s") {
    ns = n * 1e9;
  } else if (unit == "m" || unit == "min") {
    ns = n * 60e9;
  } else if (unit == "h") {
    ns = n * 3600e9;
  } else {
    return std::nullopt;
  }
  if (ns > 9.2e18) return std::nullopt;
  return rt::Duration(static_cast<std::int64_t>(std::llround(ns)));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  double bytes = 0;
  if (unit.empty() || unit == "B") {
    bytes = n;
  } else if (unit == "KiB") {
    bytes = n * 1024;
  } else if (unit == "MiB") {
    bytes = n * 1024 * 1024;
  } else if (unit == "GiB") {
    bytes = n * 1024 * 1024 * 1024;
  } else if (unit == "KB" || unit == "kB") {
    bytes = n * 1e3;
  } else if (unit == "MB") {
    bytes = n * 1e6;
  } else if (unit == "GB") {
    bytes = n * 1e9;
  } else {
    return std::nullopt;
  }
  if (bytes > 1.8e19) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(bytes));
}

}  // namespace airssys::app
