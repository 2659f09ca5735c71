// The airssys program: runs supervision trees of wasm components from a
// config file. Everything is in the app layer (airssys/app/cli.hpp).
#include "airssys/app/cli.hpp"

int main(int argc, char** argv) { return airssys::app::run_cli(argc, argv); }
