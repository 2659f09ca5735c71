// The C SDK on wasi-libc with stdio, on each engine: libc_printf prints with
// printf (WASI preview 1's fd_write; standard output is the component's
// log at info level) and keeps its payload in malloc's heap. Its imports
// are what wasi-libc's stdio needs; the host provides them to components
// granted "wasi".
#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "component_fixture.hpp"

namespace airssys::wasm::test {
namespace {

class WasiLibcGuest : public ComponentTest {
 protected:
  ComponentSpec printing_spec() {
    auto s = spec("printf", "libc_printf");
    auto caps = Capabilities::parse({"wasi"});
    EXPECT_TRUE(caps.ok()) << (caps.ok() ? "" : caps.error().describe());
    if (caps.ok()) s.capabilities = *caps;
    s.logger = [this](const std::string&, int level, std::string_view text) {
      std::lock_guard lock(mutex_);
      lines_.push_back(std::to_string(level) + " " + std::string(text));
    };
    return s;
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST_P(WasiLibcGuest, ImportsWhatStdioNeedsFromWasi) {
  std::set<std::string> wasi;
  for (const auto& imp : module("libc_printf")->imports()) {
    if (imp.module == "wasi_snapshot_preview1") wasi.insert(imp.name);
  }
  EXPECT_EQ(wasi, (std::set<std::string>{"fd_close", "fd_fdstat_get", "fd_seek", "fd_write"}));
}

TEST_P(WasiLibcGuest, PrintfGoesToTheLogAndMallocHoldsThePayload) {
  const auto a = start(printing_spec());
  EXPECT_EQ(ask(a, "hello"), "echo: hello");
  const std::string big(300'000, 'z');
  EXPECT_EQ(ask(a, big), "echo: " + big);
  EXPECT_EQ(ask(a, "again"), "echo: again");
  const auto logged = lines();
  EXPECT_NE(std::find(logged.begin(), logged.end(), "1 handled 5 bytes: hello"), logged.end());
  EXPECT_NE(std::find(logged.begin(), logged.end(), "1 handled 5 bytes: again"), logged.end());
  EXPECT_EQ(status("printf")->state(), ComponentState::ready);
}

TEST_P(WasiLibcGuest, WithoutTheWasiGrantItDoesNotLoad) {
  auto s = spec("printf", "libc_printf");
  EXPECT_FALSE(spawner_.spawn_component(s).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, WasiLibcGuest, ::testing::ValuesIn(engines()), engine_name);

}  // namespace
}  // namespace airssys::wasm::test
