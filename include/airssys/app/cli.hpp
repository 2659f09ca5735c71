// The `airssys` program's commands (docs/cli.md): run, check, tree, send,
// inspect, compile. Returns the process exit code.
#pragma once

namespace airssys::app {

int run_cli(int argc, char** argv);

}  // namespace airssys::app
