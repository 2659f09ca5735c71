// Every build line in the docs (docs/*.md, README.md, sdk/rust/README.md,
// code blocks) and in the SDKs (their headers' comments) is the build's own:
// the flags cmake/AirssysGuests.cmake builds the repository's guests with
// (for cargo, the SDK's config.toml), and nothing else. Each one is also run as written, in a
// scratch project that has the SDK where the line expects it, on one of the repository's guests;
// the module it builds must pass the real `airssys inspect` and `airssys check` and answer a
// message. A line that drifts from the build, or stops building a working component, fails here.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "airssys/rt/actor_system.hpp"
#include "airssys/rt/scoped_actor.hpp"
#include "airssys/wasm/component_registry.hpp"
#include "airssys/wasm/component_spawner.hpp"
#include "airssys/wasm/wasm_module.hpp"
#include "app_support.hpp"

namespace airssys::app::test {
namespace {

namespace fs = std::filesystem;

const std::string kSource = AIRSSYS_SOURCE_DIR;

// One build line: where it starts and its text, continuations joined.
struct BuildLine {
  std::string file;
  int line = 0;
  std::string text;

  std::string where() const { return file + ":" + std::to_string(line); }
};

// What the line is found by: its first word (after `npx`) is clang, asc or
// cargo.
const std::regex kCommand(R"(^(npx\s+)?(clang|asc|cargo)\s)");
// A build command mentioned anywhere else (prose, inline code): not tested,
// so not allowed.
const std::regex kStray(
    R"((\bclang\s+-|\basc\s+\S+\.ts|\bnpx\s+asc\b|(^|[\s`])cargo\s+(--config|build)\b))");

struct Extracted {
  std::vector<BuildLine> lines;
  std::vector<std::string> strays;  // "file:line: text"
};

// A comment line's text without its leader (`/*`, `*`, `//`).
std::string uncommented(const std::string& line) {
  static const std::regex leader(R"(^\s*(/\*+|\*|//)?\s*)");
  return std::regex_replace(line, leader, "", std::regex_constants::format_first_only);
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") + 1 - first);
}

// The build lines of a file: in Markdown those in fenced code blocks, in a
// source file those of its comments. A line ending with '\' continues on
// the next.
Extracted extract(const std::string& file, const std::string& text) {
  const bool markdown = file.ends_with(".md");
  Extracted out;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  bool fenced = false;
  bool continues = false;
  while (std::getline(in, raw)) {
    ++number;
    if (markdown && (raw.starts_with("```") || raw.starts_with("~~~"))) {
      fenced = !fenced;
      continues = false;
      continue;
    }
    std::string line = trimmed(markdown ? raw : uncommented(raw));
    const bool command = (!markdown || fenced) && std::regex_search(line, kCommand);
    if (!continues && !command) {
      if (std::regex_search(raw, kStray)) {
        out.strays.push_back(file + ":" + std::to_string(number) + ": " + trimmed(raw));
      }
      continue;
    }
    const bool more = line.ends_with("\\");
    if (more) line = trimmed(line.substr(0, line.size() - 1));
    if (continues) {
      out.lines.back().text += " " + line;
    } else {
      out.lines.push_back({file, number, line});
    }
    continues = more;
  }
  return out;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string joined(const std::vector<std::string>& ws) {
  std::string out;
  for (const auto& w : ws) out += (out.empty() ? "" : " ") + w;
  return out;
}

enum class Kind { c, wasi_c, assemblyscript, rust };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::c: return "C (freestanding)";
    case Kind::wasi_c: return "C (wasi-libc)";
    case Kind::assemblyscript: return "AssemblyScript";
    case Kind::rust: return "Rust";
  }
  return "?";
}

// A build line taken apart.
struct Parsed {
  Kind kind = Kind::c;
  std::vector<std::string> flags;  // everything else, in order
  std::vector<std::string> includes;
  std::vector<std::string> inputs;
  std::string output;
};

// The sysroot is the machine's: compared as a placeholder.
std::string sysroot_as_placeholder(const std::string& w) {
  return w.starts_with("--sysroot=") ? "--sysroot=<sysroot>" : w;
}

Parsed parse(const BuildLine& l) {
  std::vector<std::string> ws = words(l.text);
  Parsed p;
  if (!ws.empty() && ws.front() == "npx") ws.erase(ws.begin());
  p.kind = ws.front() == "asc"     ? Kind::assemblyscript
           : ws.front() == "cargo" ? Kind::rust
                                   : Kind::c;
  for (std::size_t i = 1; i < ws.size(); ++i) {
    const std::string& w = ws[i];
    if (w == "--target=wasm32-wasi") p.kind = Kind::wasi_c;
    if (w == "-o" && i + 1 < ws.size()) {
      p.output = ws[++i];
    } else if (w == "-I" && i + 1 < ws.size()) {
      p.includes.push_back(ws[++i]);
    } else if (w.starts_with("-I")) {
      p.includes.push_back(w.substr(2));
    } else if (!w.starts_with("-") && (w.ends_with(".c") || w.ends_with(".ts"))) {
      p.inputs.push_back(w);
    } else {
      p.flags.push_back(sysroot_as_placeholder(w));
    }
  }
  return p;
}

// The flags the build uses for a kind of guest.
std::vector<std::string> build_flags(Kind k) {
  switch (k) {
    case Kind::c: return words(AIRSSYS_GUEST_C_FLAGS);
    case Kind::wasi_c: {
      std::vector<std::string> ws = words(AIRSSYS_GUEST_WASI_C_FLAGS);
      for (auto& w : ws) w = sysroot_as_placeholder(w);
      return ws;
    }
    case Kind::assemblyscript: return words(AIRSSYS_GUEST_AS_FLAGS);
    case Kind::rust: return {};  // compared by rust_mismatch
  }
  return {};
}

// The Rust targets the build compiles guests for.
bool rust_target(const std::string& t) {
  return t == "wasm32-unknown-unknown" || t == "wasm32-wasi";
}

// A cargo line is the build's when it builds with the SDK's settings (the
// one file the build passes, sdk/rust/config.toml), in release, for one of
// the guest targets: `cargo --config sdk/rust/config.toml build --release
// --target <t>`.
std::string rust_mismatch(const BuildLine& l) {
  const std::vector<std::string> ws = words(l.text);
  const bool shape = ws.size() == 7 && ws[1] == "--config" && ws[2] == "sdk/rust/config.toml" &&
                     ws[3] == "build" && ws[4] == "--release" && ws[5] == "--target" &&
                     rust_target(ws[6]);
  if (shape) return "";
  return l.where() + ": Rust build line `" + l.text +
         "`: not `cargo --config sdk/rust/config.toml build --release --target <wasm32-unknown-"
         "unknown or wasm32-wasi>` (the settings the build uses, cmake/AirssysGuests.cmake)";
}

// What is wrong with a build line, or "" when it is the build's.
std::string mismatch(const BuildLine& l) {
  const Parsed p = parse(l);
  if (p.kind == Kind::rust) return rust_mismatch(l);
  const std::string at = l.where() + ": " + kind_name(p.kind) + " build line `" + l.text + "`: ";
  const auto want = build_flags(p.kind);
  if (p.flags != want) {
    return at + "its flags are `" + joined(p.flags) + "`, the build's are `" + joined(want) +
           "` (cmake/AirssysGuests.cmake)";
  }
  if (p.output.empty()) return at + "no -o <module>.wasm";
  if (p.kind == Kind::assemblyscript) {
    if (p.inputs.size() != 1 || !p.includes.empty()) return at + "not one .ts entry file";
    return "";
  }
  if (p.includes != std::vector<std::string>{"sdk/c"} || p.inputs.size() != 2 ||
      p.inputs[0] != "sdk/c/airssys.c") {
    return at + "not `-I sdk/c sdk/c/airssys.c <component>.c`";
  }
  return "";
}

// Every file that may hold build lines, relative to the source dir.
std::vector<std::string> documented_files() {
  std::vector<std::string> out = {"README.md"};
  auto add = [&](const std::string& dir, const std::vector<std::string>& extensions) {
    for (const auto& e : fs::directory_iterator(kSource + "/" + dir)) {
      for (const auto& ext : extensions) {
        if (e.path().extension() == ext) out.push_back(dir + "/" + e.path().filename().string());
      }
    }
  };
  add("docs", {".md"});
  add("sdk/c", {".h", ".c"});
  add("sdk/assemblyscript", {".md"});
  add("sdk/assemblyscript/assembly", {".ts"});
  add("sdk/rust", {".md"});
  return out;
}

Extracted everything() {
  Extracted all;
  for (const auto& f : documented_files()) {
    Extracted e = extract(f, read_file(kSource + "/" + f));
    all.lines.insert(all.lines.end(), e.lines.begin(), e.lines.end());
    all.strays.insert(all.strays.end(), e.strays.begin(), e.strays.end());
  }
  return all;
}

TEST(BuildLines, EveryBuildLineIsTheBuildsOwn) {
  const Extracted all = everything();
  for (const auto& stray : all.strays) {
    ADD_FAILURE() << stray << "\n  a build command outside a code block is never tested: put it "
                  << "in a fenced block (Markdown) or on a line of its own (comments)";
  }
  for (const auto& l : all.lines) {
    const std::string wrong = mismatch(l);
    EXPECT_EQ(wrong, "");
  }
  // Where the lines are expected: none of them may silently go missing.
  struct Expected {
    std::string file;
    Kind kind;
  };
  const Expected expected[] = {
      {"docs/components.md", Kind::c},
      {"docs/components.md", Kind::wasi_c},
      {"docs/components.md", Kind::assemblyscript},
      {"sdk/c/airssys.h", Kind::c},
      {"sdk/c/airssys.h", Kind::wasi_c},
      {"sdk/assemblyscript/assembly/airssys.ts", Kind::assemblyscript},
      {"docs/components.md", Kind::rust},
      {"README.md", Kind::rust},
  };
  for (const auto& e : expected) {
    bool found = false;
    for (const auto& l : all.lines) found = found || (l.file == e.file && parse(l).kind == e.kind);
    EXPECT_TRUE(found) << "no " << kind_name(e.kind) << " build line in " << e.file;
  }
}

// The C line docs/components.md had before it was tested: it lacked
// -mbulk-memory, so the SDK's memset called itself.
TEST(BuildLines, AStaleLineIsCaughtWhereverItIs) {
  const std::string stale =
      "clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--initial-memory=65536 \\\n"
      "  -Wl,-z,stack-size=16384 -I sdk/c sdk/c/airssys.c my_component.c -o my_component.wasm\n";
  const Extracted md = extract("doc.md", "Build it:\n\n```sh\n" + stale + "```\n");
  ASSERT_EQ(md.lines.size(), 1u);
  EXPECT_EQ(md.lines[0].line, 4);
  EXPECT_NE(mismatch(md.lines[0]).find("the build's are `--target=wasm32 -mbulk-memory"),
            std::string::npos)
      << mismatch(md.lines[0]);
  const Extracted header =
      extract("sdk.h",
              "/* Build:\n *\n *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry \\\n"
              " *     -Wl,--initial-memory=65536 -Wl,-z,stack-size=16384 \\\n"
              " *     -I sdk/c sdk/c/airssys.c my_component.c -o my_component.wasm\n */\n");
  ASSERT_EQ(header.lines.size(), 1u);
  EXPECT_EQ(header.lines[0].text, md.lines[0].text);
  EXPECT_NE(mismatch(header.lines[0]), "");
  // A cargo line without the SDK's settings (17 pages per instance).
  const Extracted rust =
      extract("doc.md", "```\ncargo build --release --target wasm32-unknown-unknown\n```\n");
  ASSERT_EQ(rust.lines.size(), 1u);
  EXPECT_NE(mismatch(rust.lines[0]).find("not `cargo --config sdk/rust/config.toml build"),
            std::string::npos)
      << mismatch(rust.lines[0]);
  // In prose it is not a tested line, and is reported as such.
  const Extracted prose = extract("doc.md", "built with `clang --target=wasm32 -O2`.\n");
  EXPECT_TRUE(prose.lines.empty());
  EXPECT_EQ(prose.strays.size(), 1u);
}

// A scratch project laid out as the build lines expect: the repository's
// sdk/ at sdk/, the AssemblyScript SDK and compiler installed in
// node_modules/, clang and wasm-ld on PATH under their plain names.
class Project {
 public:
  Project() {
    const fs::path root(dir_.path(""));
    fs::create_directory_symlink(kSource + "/sdk", root / "sdk");
    fs::create_directories(root / "bin");
    fs::create_symlink(AIRSSYS_CLANG, root / "bin/clang");
    fs::create_symlink(AIRSSYS_WASM_LD, root / "bin/wasm-ld");
    const fs::path modules = root / "node_modules";
    fs::create_directories(modules / ".bin");
    const std::string as_sdk = kSource + "/sdk/assemblyscript";
    fs::create_directory_symlink(as_sdk, modules / "airssys-assemblyscript-sdk");
    fs::create_directory_symlink(as_sdk + "/node_modules/assemblyscript",
                                 modules / "assemblyscript");
    fs::create_symlink("../assemblyscript/bin/asc.js", modules / ".bin/asc");
    dir_.write("package.json", "{\"private\": true}\n");
  }

  std::string path(const std::string& name) const { return dir_.path(name); }
  void copy_in(const std::string& from, const std::string& to) const {
    fs::copy_file(from, path(to), fs::copy_options::overwrite_existing);
  }

  // Runs a command line in the project; its output when it fails.
  ::testing::AssertionResult run(std::string command) const {
    // The sysroot the line names is Debian's; this machine's is the build's.
    command = std::regex_replace(command, std::regex(R"(--sysroot=\S+)"),
                                 "--sysroot=" + std::string(AIRSSYS_WASI_SYSROOT));
    const std::string log = path("build.log");
    const std::string shell = "cd '" + path("") + "' && PATH='" + path("bin") + "':\"$PATH\" " +
                              command + " > '" + log + "' 2>&1";
    const int status = std::system(shell.c_str());
    if (status == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "`" << command << "` failed (" << status << "):\n"
                                         << read_file(log);
  }

 private:
  TempDir dir_;
};

// The guest each kind of line builds, and a message it answers.
struct Trial {
  std::string source;
  std::string message;
  std::string answer;
};

Trial trial_for(Kind k) {
  switch (k) {
    case Kind::c: return {kSource + "/examples/guests/greeter.c", "world", "hello, world"};
    case Kind::wasi_c:
      return {kSource + "/tests/wasm/guests/wasi/libc_heap.c", "sort pear fig apple",
              "apple fig pear"};
    case Kind::assemblyscript:
      return {kSource + "/sdk/assemblyscript/examples/counter.ts", "inc", "1/1"};
    case Kind::rust: break;  // EveryRustLineBuildsAComponentThatRuns
  }
  return {};
}

// The module's answer to `message`, or what went wrong.
std::string answer_of(const std::string& module_path, const std::string& message,
                      const wasm::Capabilities& capabilities = {}) {
  auto module = wasm::WasmModule::load_file(module_path);
  if (!module) return "not loaded: " + module.error().describe();
  rt::ActorSystem system;
  wasm::ComponentRegistry registry;
  wasm::ComponentSpawner spawner(system, registry);
  rt::ScopedActor me(system);
  auto spec = wasm::ComponentSpec::of("built", *module).with_capabilities(capabilities);
  auto address = spawner.spawn_component(spec);
  if (!address) return "not started: " + address.error().describe();
  auto reply = me.request<rt::Bytes>(*address, rt::Bytes(message.begin(), message.end()),
                                     std::chrono::seconds(30));
  if (!reply) return "no answer: " + reply.error().describe();
  return std::string(reply->begin(), reply->end());
}

void build_and_run_every_line_of(Kind kind) {
  int ran = 0;
  for (const auto& l : everything().lines) {
    const Parsed p = parse(l);
    if (p.kind != kind) continue;
    SCOPED_TRACE(l.where());
    ASSERT_EQ(mismatch(l), "");
    ++ran;
    const Trial t = trial_for(kind);
    Project project;
    project.copy_in(t.source, p.inputs.back());
    ASSERT_TRUE(project.run(l.text));
    const std::string module = project.path(p.output);
    auto inspected = run_program({"inspect", module});
    EXPECT_EQ(inspected.code, 0) << inspected.err;
    EXPECT_NE(inspected.out.find("guest ABI v1"), std::string::npos) << inspected.out;
    EXPECT_EQ(inspected.out.find(" env."), std::string::npos)
        << "imports from env (an unmapped abort?):\n"
        << inspected.out;
    const std::string config = "[[component]]\nname = \"built\"\nmodule = \"" + module + "\"\n";
    TempDir dir;
    auto checked = run_program({"check", dir.write("system.toml", config)});
    EXPECT_EQ(checked.code, 0) << checked.err;
    EXPECT_EQ(answer_of(module, t.message), t.answer);
  }
  EXPECT_GT(ran, 0) << "no " << kind_name(kind) << " build line";
}

TEST(BuildLines, EveryFreestandingCLineBuildsAComponentThatRuns) {
  build_and_run_every_line_of(Kind::c);
}

TEST(BuildLines, EveryWasiLibcCLineBuildsAComponentThatRuns) {
  build_and_run_every_line_of(Kind::wasi_c);
}

TEST(BuildLines, EveryAssemblyScriptLineBuildsAComponentThatRuns) {
  build_and_run_every_line_of(Kind::assemblyscript);
}

// Each cargo line, run as written (with Debian's cargo and rustc, offline,
// cargo's home in the project) in a crate at the project's root that
// depends on sdk/rust: the test guest of that target (rust_echo without
// std, rust_wasi with std on WASI). The module must load and answer.
TEST(BuildLines, EveryRustLineBuildsAComponentThatRuns) {
  int ran = 0;
  for (const auto& l : everything().lines) {
    if (parse(l).kind != Kind::rust) continue;
    SCOPED_TRACE(l.where());
    ASSERT_EQ(mismatch(l), "");
    const std::string target = words(l.text).back();
    const bool wasi = target == "wasm32-wasi";
    const std::string guest = kSource + "/tests/wasm/rust_guests/" + (wasi ? "wasi" : "echo");
    const std::string package = wasi ? "rust_wasi" : "rust_echo";
    ++ran;
    Project project;
    fs::create_directories(project.path("src"));
    project.copy_in(guest + "/src/lib.rs", "src/lib.rs");
    // (rust_echo reaches every import: granted all.) The guest's manifest,
    // its SDK at the project's sdk/, a workspace of
    // its own.
    std::string manifest = read_file(guest + "/Cargo.toml");
    manifest =
        std::regex_replace(manifest, std::regex(R"(\.\./\.\./\.\./\.\./sdk/rust)"), "sdk/rust");
    std::ofstream(project.path("Cargo.toml")) << manifest << "\n[workspace]\n";
    fs::create_symlink(AIRSSYS_CARGO, project.path("bin/cargo"));
    const std::string env =
        "env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u RUSTC_WRAPPER "
        "CARGO_NET_OFFLINE=true CARGO_HOME='" +
        project.path("cargo-home") + "' RUSTC='" AIRSSYS_RUSTC "' ";
    ASSERT_TRUE(project.run(env + l.text));
    const std::string module = project.path("target/" + target + "/release/" + package + ".wasm");
    auto inspected = run_program({"inspect", module});
    EXPECT_EQ(inspected.code, 0) << inspected.err;
    EXPECT_NE(inspected.out.find("guest ABI v1, 1 initial page(s)"), std::string::npos)
        << inspected.out;
    const std::string config =
        "[[component]]\nname = \"built\"\nmodule = \"" + module +
        "\"\ncapabilities = [\"wasi\", \"lookup\", \"send:*\", \"request:*\"]\n";
    TempDir dir;
    auto checked = run_program({"check", dir.write("system.toml", config)});
    EXPECT_EQ(checked.code, 0) << checked.err;
    EXPECT_EQ(answer_of(module, "inc", wasm::Capabilities::all()), "1/1");
  }
  EXPECT_GE(ran, 2) << "Rust build lines";
}

}  // namespace
}  // namespace airssys::app::test
