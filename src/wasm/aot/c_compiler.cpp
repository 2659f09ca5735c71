// The system C compiler for the aot engine: AIRSSYS_CC checked and looked
// up, its identity taken once per process, the AIRSSYS_AOT_COMPILE_* limits
// read, a compile run as a bounded child whose failure names its cause, and
// cancel_aot_compiles().
#include "aot/c_compiler.hpp"

#include <signal.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string_view>

#include "airssys/wasm/aot_compiles.hpp"

extern char** environ;

namespace airssys::wasm::detail {
namespace {

// Compiler output kept for an error message.
constexpr std::size_t kOutputKept = 64 * 1024;
constexpr std::size_t kOutputInMessage = 4000;

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_bytes(std::uint64_t n) {
  if (n >= (1ULL << 30) && n % (1ULL << 30) == 0) return std::to_string(n >> 30) + " GiB";
  if (n >= (1ULL << 20) && n % (1ULL << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1ULL << 10) && n % (1ULL << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

std::string format_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  if (d % seconds(1) == nanoseconds(0)) {
    return std::to_string(duration_cast<seconds>(d).count()) + " s";
  }
  return std::to_string(duration_cast<milliseconds>(d).count()) + " ms";
}

const char* env_value(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != 0 ? v : nullptr;
}

Error bad_value(const char* name, const char* value, const char* expected) {
  return Error{ErrorCode::invalid_argument,
               std::string(name) + "='" + printable(value) + "': expected " + expected};
}

// "120", "90s", "500ms", "2m": a positive duration, seconds by default.
Result<std::chrono::nanoseconds> parse_duration(const char* name, const char* text) {
  const std::string_view s(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  const std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1e9;
  if (unit == "ms") scale = 1e6;
  if (unit == "m" || unit == "min") scale = 60e9;
  const double ns = value * scale;
  if (ec != std::errc() || scale == 0 || !(ns >= 1e6) || ns > 1e18) {
    return bad_value(name, text, "a duration of at least 1 ms such as 120s, 500ms or 2m");
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
}

// "4294967296", "4G", "512MiB", "64K": a positive size, bytes by default,
// K/M/G binary multiples.
Result<std::uint64_t> parse_size(const char* name, const char* text) {
  const std::string_view s(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  if (unit.size() == 3 && unit.substr(1) == "iB") unit = unit.substr(0, 1);
  unsigned shift = 64;
  if (unit.empty()) shift = 0;
  if (unit == "K") shift = 10;
  if (unit == "M") shift = 20;
  if (unit == "G") shift = 30;
  if (ec != std::errc() || shift == 64 || value == 0 || value > (~0ULL >> (shift + 1))) {
    return bad_value(name, text, "a size such as 4G, 512M or 1048576 (bytes)");
  }
  return value << shift;
}

// One program: a path or a name, no command line. What a shell would
// treat specially (blanks, quotes, ;|&<>$`\ and the like) is refused, so
// a value meant for a shell fails clearly instead of naming no file.
Result<void> check_program_name(const std::string& cc) {
  for (char c : cc) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || std::strchr("/._+-@%,=:", c) != nullptr) continue;
    const std::string what = u == ' '                ? "a space"
                             : u < 0x20 || u == 0x7f ? "a control character"
                                                     : std::string("'") + c + "'";
    return Error{ErrorCode::invalid_argument,
                 "AIRSSYS_CC='" + printable(cc) + "' contains " + what +
                     ": it names one program (a path, or a name looked up in PATH), not a "
                     "command line"};
  }
  return {};
}

std::vector<std::string> environment(const std::string* tmpdir) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (tmpdir != nullptr && std::strncmp(*e, "TMPDIR=", 7) == 0) continue;
    env.emplace_back(*e);
  }
  if (tmpdir != nullptr) env.push_back("TMPDIR=" + *tmpdir);
  return env;
}

ProcessLimits process_limits(const CompilerLimits& l) {
  return ProcessLimits{.wall_time = l.wall_time,
                       .cpu_seconds = l.cpu_seconds,
                       .address_space = l.memory,
                       .file_size = l.file_size,
                       .output_bytes = kOutputKept};
}

std::string output_part(const ProcessOutcome& out) {
  if (out.output.empty()) return "";
  std::string text = out.output.substr(0, kOutputInMessage);
  if (out.output.size() > kOutputInMessage || out.output_truncated) text += "...";
  return ": " + text;
}

bool mentions(const std::string& text, const char* what) {
  return text.find(what) != std::string::npos;
}

// Why the compiler did not produce an object, in the limit's words when a
// limit stopped it (its subprocesses die of SIGXCPU / SIGXFSZ or fail to
// allocate, and the driver reports that in its output).
Error compile_failure(const CCompiler& cc, const ProcessOutcome& out, const CompilerLimits& l,
                      const std::string& what) {
  const std::string who = what + ": the C compiler (" + cc.path + ")";
  const std::string cpu = who + " exceeded its CPU time limit of " + std::to_string(l.cpu_seconds) +
                          " s (AIRSSYS_AOT_COMPILE_CPU)";
  const std::string fsize = who + " exceeded its output file size limit of " +
                            format_bytes(l.file_size) + " (AIRSSYS_AOT_COMPILE_FILE_SIZE)";
  switch (out.end) {
    case ProcessOutcome::End::cancelled:
      return Error{ErrorCode::system_stopping,
                   what + ": the C compile was cancelled (airssys is shutting down)"};
    case ProcessOutcome::End::abandoned:
      return Error{ErrorCode::actor_exited,
                   what + ": the C compile was abandoned (nothing waits for it any more)"};
    case ProcessOutcome::End::timed_out:
      return Error{ErrorCode::timeout, who + " exceeded its time limit of " +
                                           format_duration(l.wall_time) +
                                           " (AIRSSYS_AOT_COMPILE_TIMEOUT) and was killed"};
    case ProcessOutcome::End::signalled:
      if (out.status == SIGXCPU) return Error{ErrorCode::resource_exhausted, cpu};
      if (out.status == SIGXFSZ) return Error{ErrorCode::resource_exhausted, fsize};
      return Error{ErrorCode::io_error, who + " was killed by signal " +
                                            std::to_string(out.status) + " (" +
                                            strsignal(out.status) + ")" + output_part(out)};
    case ProcessOutcome::End::exited: break;
  }
  const std::string& o = out.output;
  if (mentions(o, "CPU time limit exceeded")) {
    return Error{ErrorCode::resource_exhausted, cpu + output_part(out)};
  }
  if (mentions(o, "File size limit exceeded")) {
    return Error{ErrorCode::resource_exhausted, fsize + output_part(out)};
  }
  if (mentions(o, "out of memory") || mentions(o, "memory exhausted") ||
      mentions(o, "Cannot allocate memory")) {
    return Error{ErrorCode::resource_exhausted,
                 who + " ran out of its memory limit of " + format_bytes(l.memory) +
                     " (AIRSSYS_AOT_COMPILE_MEMORY)" + output_part(out)};
  }
  return Error{ErrorCode::io_error, who + " failed on the translated module (exit status " +
                                        std::to_string(out.status) + ")" + output_part(out)};
}

}  // namespace

Result<CompilerLimits> compiler_limits() {
  CompilerLimits l;
  if (const char* v = env_value("AIRSSYS_AOT_COMPILE_TIMEOUT")) {
    auto d = parse_duration("AIRSSYS_AOT_COMPILE_TIMEOUT", v);
    if (!d) return d.error();
    l.wall_time = *d;
  }
  // CPU time defaults to the wall time (whole seconds, RLIMIT_CPU's unit).
  const auto secs = std::chrono::ceil<std::chrono::seconds>(l.wall_time).count();
  l.cpu_seconds = static_cast<std::uint64_t>(secs);
  if (const char* v = env_value("AIRSSYS_AOT_COMPILE_CPU")) {
    auto d = parse_duration("AIRSSYS_AOT_COMPILE_CPU", v);
    if (!d) return d.error();
    l.cpu_seconds = static_cast<std::uint64_t>(std::chrono::ceil<std::chrono::seconds>(*d).count());
  }
  if (const char* v = env_value("AIRSSYS_AOT_COMPILE_MEMORY")) {
    auto n = parse_size("AIRSSYS_AOT_COMPILE_MEMORY", v);
    if (!n) return n.error();
    l.memory = *n;
  }
  if (const char* v = env_value("AIRSSYS_AOT_COMPILE_FILE_SIZE")) {
    auto n = parse_size("AIRSSYS_AOT_COMPILE_FILE_SIZE", v);
    if (!n) return n.error();
    l.file_size = *n;
  }
  return l;
}

Result<CCompiler> c_compiler(const CompilerLimits& limits) {
  const char* env = env_value("AIRSSYS_CC");
  const std::string name = env != nullptr ? env : "cc";
  if (auto ok = check_program_name(name); !ok) return ok.error();

  // By AIRSSYS_CC's value. Never destroyed: a compile thread may still
  // use them while the process exits.
  static std::mutex& mutex = *new std::mutex;
  static std::map<std::string, CCompiler>& known = *new std::map<std::string, CCompiler>;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = known.find(name); it != known.end()) return it->second;

  CCompiler cc;
  cc.path = find_program(name);
  if (cc.path.empty()) {
    return Error{ErrorCode::io_error,
                 env != nullptr ? "AIRSSYS_CC='" + name + "': no such executable file" +
                                      (name.find('/') == std::string::npos ? " in PATH" : "")
                                : "no C compiler: 'cc' is not in PATH (install gcc or clang, or "
                                  "set AIRSSYS_CC)"};
  }
  std::error_code ec;
  const auto canonical = std::filesystem::canonical(cc.path, ec);
  auto out = run_bounded(ProcessRun{.argv = {cc.path, "--version"},
                                    .env = environment(nullptr),
                                    .cwd_fd = -1,
                                    .limits = process_limits(limits)});
  if (!out) return out.error();
  if (out->end != ProcessOutcome::End::exited || out->status != 0) {
    auto failure = compile_failure(cc, *out, limits, "'" + cc.path + " --version'");
    return failure;
  }
  cc.identity = cc.path + '\n' + (ec ? cc.path : canonical.string()) + '\n' + out->output;
  known.emplace(name, cc);
  return cc;
}

Result<void> run_c_compiler(const CCompiler& compiler, const std::vector<std::string>& args,
                            int dir_fd, const CompilerLimits& limits, const std::string& what,
                            ProcessCancel* cancel) {
  // Temporary files in the build directory too, named relative to it: no
  // path is looked up again after the cache was checked.
  const std::string here = ".";
  ProcessRun run{.argv = {compiler.path},
                 .env = environment(&here),
                 .cwd_fd = dir_fd,
                 .limits = process_limits(limits),
                 .cancel = cancel};
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  auto out = run_bounded(run);
  if (!out) return Error{out.error().code, what + ": " + out.error().message};
  if (out->end == ProcessOutcome::End::exited && out->status == 0) return {};
  return compile_failure(compiler, *out, limits, what);
}

}  // namespace airssys::wasm::detail

namespace airssys::wasm {

void cancel_aot_compiles() {
  detail::cancel_bounded_processes();
}

Result<void> aot_compiler_available() {
  auto limits = detail::compiler_limits();
  if (!limits) return limits.error();
  auto cc = detail::c_compiler(*limits);
  if (!cc) return cc.error();
  return {};
}

}  // namespace airssys::wasm
