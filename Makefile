# calltop — two commands do everything on a fresh Debian machine:
#   make demo   install what the demo needs (no test tools), build only the calltop binary
#               (tests off), launch the demo board
#   make test   install what is missing, build, run every test (normal + ASan/UBSan builds,
#               then the unit tests under valgrind memcheck)
# Everything else (cmake, ctest) is reachable directly; this file only wraps it.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Tests run two per core: they mostly wait (timers, heartbeats, a frozen
# relay, tmux), using ~40 % of one core at -j2; each has its own ports,
# tmux server and HOME. `make stress` checks them under a CPU hog.
TEST_JOBS  ?= $(shell echo $$(( $(JOBS) * 2 )))
CMAKE_FLAGS ?=

.PHONY: all deps deps-demo build build-asan demo test test-normal test-asan bench clean install package

all: build

deps:
	@./tools/install-deps test

deps-demo:
	@./tools/install-deps demo

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALLTOP_TESTS=ON $(CMAKE_FLAGS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCALLTOP_SANITIZE=ON $(CMAKE_FLAGS)

# A tree configured by `make demo` has the tests off: turn them on.
build: deps $(BUILD)/CMakeCache.txt
	@grep -q '^CALLTOP_TESTS:BOOL=ON' $(BUILD)/CMakeCache.txt || \
	  cmake -S . -B $(BUILD) -DCALLTOP_TESTS=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Only what the demo needs: the demo profile of install-deps, and the calltop
# target (sim and relay are linked in) of a tree configured without tests,
# unless a full tree is already there.
demo: deps-demo
	@[ -f $(BUILD)/CMakeCache.txt ] || \
	  cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALLTOP_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD) --target calltop -j $(JOBS)
	./$(BUILD)/calltop --demo

test: test-normal test-asan memcheck

test-normal: build
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS) --timeout 300

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(TEST_JOBS) --timeout 300

bench: build
	cmake --build $(BUILD) --target benches -j $(JOBS)
	./bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# Longer checks, outside `make test` (docs/testing.md):
#   make soak       the soak test (label soak) for CALLTOP_SOAK_SECONDS (default 300), figures printed
#   make memcheck   every unit test under valgrind memcheck, plain Debug build in build-memcheck
MEMCHECK_BUILD ?= build-memcheck
SOAK_SECONDS   ?= 300
.PHONY: soak memcheck

soak: build
	cd $(BUILD) && CALLTOP_SOAK_SECONDS=$(SOAK_SECONDS) ctest -V -L soak --timeout 900

memcheck: deps
	JOBS=$(JOBS) ./tools/memcheck $(MEMCHECK_BUILD)

# The stress check (docs/testing.md): the e2e and integration labels
# STRESS_RUNS times under a CPU hog of two busy processes; every run must pass.
STRESS_RUNS ?= 3
.PHONY: stress
stress: build
	STRESS_JOBS=$(TEST_JOBS) ./tools/stress $(BUILD) $(STRESS_RUNS)

# ThreadSanitizer over everything with threads (integration, e2e, a 30 s soak).
# test_model_oom replaces malloc, which TSan cannot take: it is left out.
TSAN_BUILD ?= build-tsan
.PHONY: tsan
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-fsanitize=thread -O1 -g" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && CALLTOP_SOAK_SECONDS=30 TSAN_OPTIONS=halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600 -E test_model_oom

# libFuzzer targets (clang): each runs FUZZ_SECONDS on a corpus kept in
# fuzz-out/NAME, seeded from tests/corpus and fuzz/seeds. A crash stops the
# run and leaves crash-* in fuzz-out/: turn it into a unit test.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCALLTOP_FUZZ=ON -DCALLTOP_TESTS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@for t in $(FUZZ_BUILD)/fuzz/fuzz_*; do \
	  [ -x "$$t" ] || continue; n=$$(basename $$t); mkdir -p fuzz-out/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s, log in fuzz-out/$$n.log)"; \
	  if ! $$t -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/model.dict -artifact_prefix=fuzz-out/ \
	      -print_final_stats=1 fuzz-out/$$n tests/corpus/api tests/corpus/webhook \
	      tests/corpus/bad fuzz/seeds/protocol fuzz/seeds/relay > fuzz-out/$$n.log 2>&1; then \
	    tail -40 fuzz-out/$$n.log; echo "$$n: CRASH (see fuzz-out/)"; exit 1; fi; \
	  grep -E '^stat::number_of_executed_units|^Done' fuzz-out/$$n.log; \
	done

# Install into PREFIX (DESTDIR is honoured, as cmake --install does), and the
# Debian packages: calltop_*.deb and calltop-relay_*.deb land in $(BUILD).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

package: build
	cd $(BUILD) && cpack -G DEB

# One style (.clang-format): `make format` rewrites the C sources in place;
# `make test` checks them (tests/CMakeLists.txt, label style).
.PHONY: format
format:
	./tools/check-format --fix
