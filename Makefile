# airssys: every set-up step a fresh Debian 12 machine needs, then build,
# run, test and measure. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
CXX ?= g++
JOBS ?= $(shell nproc)
BENCH_ARGS ?=

# Debian packages the build, tests and benchmarks need (one place; later
# layers add theirs here).
DEB_PACKAGES := cmake ninja-build g++ clang lld clang-format clang-tidy \
  libgtest-dev googletest libgmock-dev libbenchmark-dev pkg-config \
  nlohmann-json3-dev libclang-rt-14-dev libclang-rt-14-dev-wasm32 wasi-libc wabt \
  libtomlplusplus-dev libcli11-dev \
  libcpp-httplib-dev libmicrohttpd-dev libssl-dev libcaf-dev erlang-nox \
  nats-server libnats-dev \
  rustc cargo libstd-rust-dev-wasm32

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps build run test soak fuzz bench bench-peers bench-report asan tsan format format-check tidy clean

help:
	@echo "make run          install what is missing, build, run the example system (RUN_FOR=15s)"
	@echo "make test         install what is missing, build, run every test (ctest)"
	@echo "make deps         install missing Debian packages (apt-get)"
	@echo "make build        configure and build into $(BUILD_DIR)/"
	@echo "make soak         chaos soak: 1,000 components, random crashes (SOAK_SECONDS=60 SOAK_ARGS=...)"
	@echo "make fuzz         libFuzzer targets, FUZZ_SECONDS=60 each (clang, ASan+UBSan)"
	@echo "make bench        run the Google Benchmark suite (BENCH_ARGS=--benchmark_filter=...)"
	@echo "make bench-peers  the peer workloads: CAF, Erlang/OTP, node (V8) on the same guests"
	@echo "make bench-report run the suite (median of BENCH_REPETITIONS=3) and the peers, write BENCHMARKING.md"
	@echo "make asan         build and run the tests with ASan+UBSan (clang)"
	@echo "make tsan         build and run the tests with TSan (clang)"
	@echo "make format       clang-format every source file in place"
	@echo "make format-check fail if a file is not clang-formatted"
	@echo "make tidy         run clang-tidy on the sources"
	@echo "make clean        remove the build directories"

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# node and npm: Debian's, unless the machine has them already.
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "installing: nodejs npm"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi
	@# The AssemblyScript compiler for the AssemblyScript SDK and its example.
	@if [ ! -x sdk/assemblyscript/node_modules/.bin/asc ]; then \
	  echo "installing: assemblyscript (npm ci in sdk/assemblyscript)"; \
	  cd sdk/assemblyscript && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# $(1): build dir, $(2): C++ compiler, $(3): extra cmake arguments.
# Configures a build dir once; again, from a fresh cache, when it was set up
# with another compiler (e.g. `CXX=clang++ make build` after a g++ build).
define configure
	@want=$$(command -v $(2)) || { echo "C++ compiler '$(2)' not found" >&2; exit 1; }; \
	have=$$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' $(1)/CMakeCache.txt 2>/dev/null || true); \
	if [ -n "$$have" ] && [ "$$have" != "$$want" ]; then \
	  echo "$(1) was configured with $$have: configuring it again with $$want"; \
	  rm -rf $(1)/CMakeCache.txt $(1)/CMakeFiles $(1)/build.ninja; \
	fi; \
	if [ ! -f $(1)/build.ninja ]; then \
	  cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_CXX_COMPILER=$$want $(3); \
	fi
endef

build: deps
	$(call configure,$(BUILD_DIR),$(CXX),)
	cmake --build $(BUILD_DIR) -j $(JOBS)

RUN_FOR ?= 15s

run: build
	$(BUILD_DIR)/airssys run $(BUILD_DIR)/examples/system.toml --for $(RUN_FOR) --events -

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j 2

SOAK_SECONDS ?= 60
SOAK_ARGS ?=

soak: build
	AIRSSYS_AOT_CACHE=$(BUILD_DIR)/aot-cache $(BUILD_DIR)/airssys_soak --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

FUZZ_SECONDS ?= 60

fuzz: deps
	$(call configure,build-fuzz,clang++,-DAIRSSYS_FUZZ=ON -DAIRSSYS_SANITIZE=address -DAIRSSYS_BUILD_TESTS=OFF -DAIRSSYS_BUILD_BENCH=OFF -DAIRSSYS_BUILD_EXAMPLES=OFF)
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@if [ -x $(BUILD_DIR)/airssys_bench ]; then \
	  $(BUILD_DIR)/airssys_bench $(BENCH_ARGS); \
	else \
	  echo "no $(BUILD_DIR)/airssys_bench: no bench/*.cpp, or Google Benchmark not found"; \
	fi

BENCH_OUT := $(BUILD_DIR)/bench
# bench-report takes the median of this many runs of each benchmark.
BENCH_REPETITIONS ?= 3

bench-peers: build
	@mkdir -p $(BENCH_OUT)
	$(BUILD_DIR)/caf_peer | tee $(BENCH_OUT)/caf.jsonl
	escript bench/peers/erlang_peer.erl | tee $(BENCH_OUT)/erlang.jsonl
	node --expose-gc bench/peers/node_wasm.mjs $(BUILD_DIR)/guests | tee $(BENCH_OUT)/node.jsonl

# One run of everything, one after the other, then BENCHMARKING.md.
bench-report: build
	@mkdir -p $(BENCH_OUT)
	@{ echo "date: $$(date -u '+%Y-%m-%d %H:%M UTC')"; \
	  echo "cpu: $$(nproc) x $$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"; \
	  echo "memory: $$(free -g | awk '/^Mem:/ {print $$2}') GiB"; \
	  echo "os: $$(. /etc/os-release && echo $$PRETTY_NAME), $$(uname -r)"; \
	  echo "compiler: $$($(CXX) --version | head -1), $(BUILD_TYPE)"; \
	  echo "peers: CAF $$(dpkg-query -W -f='$${Version}' libcaf-dev), Erlang/OTP $$(erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().'), node $$(node --version)"; \
	  echo "load average before the run: $$(cut -d' ' -f1-3 /proc/loadavg)"; } > $(BENCH_OUT)/machine.txt
	@rm -f $(BENCH_OUT)/airssys*.json
	@{ echo "$(BUILD_DIR)/airssys_bench --benchmark_filter=-Memory --benchmark_repetitions=$(BENCH_REPETITIONS) --benchmark_report_aggregates_only=true --benchmark_out=$(BENCH_OUT)/airssys.json --benchmark_out_format=json"; \
	  echo "for each benchmark listed by --benchmark_filter=Memory, in a process of its own:"; \
	  echo "  $(BUILD_DIR)/airssys_bench --benchmark_filter='^<name>\$$' --benchmark_out=$(BENCH_OUT)/airssys-memory-<n>.json --benchmark_out_format=json"; \
	  echo "$(BUILD_DIR)/caf_peer > $(BENCH_OUT)/caf.jsonl"; \
	  echo "escript bench/peers/erlang_peer.erl > $(BENCH_OUT)/erlang.jsonl"; \
	  echo "node --expose-gc bench/peers/node_wasm.mjs $(BUILD_DIR)/guests > $(BENCH_OUT)/node.jsonl"; \
	  echo "node bench/report.mjs $(BENCH_OUT) > BENCHMARKING.md"; } > $(BENCH_OUT)/commands.txt
	$(BUILD_DIR)/airssys_bench --benchmark_filter=-Memory --benchmark_repetitions=$(BENCH_REPETITIONS) --benchmark_report_aggregates_only=true --benchmark_out=$(BENCH_OUT)/airssys.json --benchmark_out_format=json
	@# Resident-memory figures each in a fresh process: memory an earlier
	@# benchmark freed stays mapped and would hide part of the growth.
	@i=0; for b in $$($(BUILD_DIR)/airssys_bench --benchmark_list_tests --benchmark_filter=Memory); do \
	  i=$$((i + 1)); \
	  echo "$(BUILD_DIR)/airssys_bench --benchmark_filter='^$$b\$$' --benchmark_out=$(BENCH_OUT)/airssys-memory-$$i.json"; \
	  $(BUILD_DIR)/airssys_bench --benchmark_filter="^$$b\$$" --benchmark_out=$(BENCH_OUT)/airssys-memory-$$i.json --benchmark_out_format=json; \
	done
	$(MAKE) --no-print-directory bench-peers
	node bench/report.mjs $(BENCH_OUT) > BENCHMARKING.md
	@echo "wrote BENCHMARKING.md"

asan: deps
	$(call configure,build-asan,clang++,-DAIRSSYS_SANITIZE=address -DAIRSSYS_BUILD_BENCH=OFF)
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j 2 -E install_consumer

tsan: deps
	$(call configure,build-tsan,clang++,-DAIRSSYS_SANITIZE=thread -DAIRSSYS_BUILD_BENCH=OFF)
	cmake --build build-tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir build-tsan --output-on-failure -j 2 -E install_consumer

SOURCES = $(shell find include src tests examples bench sdk fuzz -name node_modules -prune -o \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -print 2>/dev/null)

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

tidy: build
	clang-tidy -p $(BUILD_DIR) --quiet $(shell find src -name '*.cpp')

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan
