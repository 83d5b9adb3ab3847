# fedcarbon's front door. Every target installs and builds what it needs first.
#   make reproduce   the main job: the centralized-vs-FL emissions table (Table 4); SEEDS=3
#   make test        build and run the whole test suite
#   make bench       benchmarks, side by side with the PyTorch peer
#   make fuzz        libFuzzer targets (clang, build-fuzz/), each run FUZZ_SECONDS; not in `test`
#   make readme      README's result blocks from results/ and the catalog
BUILD   ?= build
JOBS    ?= 2
CONFIG  ?= Release
# Local builds stay on the machine that built them, so they may use the host's vector units; any
# MARCH from x86-64-v3 up gives the same results (README, "Same seed, same bits").
MARCH   ?= native
OUT     ?= runs/table4
SEEDS   ?= 1
CMAKE_FLAGS ?=
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps deps-bench deps-fuzz configure build test reproduce reproduce-quick readme bench \
        fuzz format tidy clean

all: build

deps:
	@scripts/install-deps

deps-bench:
	@scripts/install-deps --bench

deps-fuzz:
	@scripts/install-deps --fuzz

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(CONFIG) -DFEDCARBON_MARCH=$(MARCH) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# SEEDS=3: every run with 3 seeds, the table with medians and ranges.
reproduce: build
	$(BUILD)/bin/fedcarbon reproduce experiments/table4.json --out $(OUT) --seeds $(SEEDS)

# The paper's CNN and setting to 0.85 instead of 0.90 (the file's "quick" patch).
reproduce-quick: build
	$(BUILD)/bin/fedcarbon reproduce experiments/table4.json --quick --out $(OUT)-quick --seeds $(SEEDS)

# README's result blocks regenerated from results/ and the current catalog (a test,
# tests/experiment/readme_drift_test.cc, fails when they differ).
readme: build
	$(BUILD)/bin/fedcarbon readme --write

bench: deps-bench build
	bench/run-all.sh $(BUILD)

# The fuzz targets (fuzz/entry.h) in their own clang build with libFuzzer, ASan and UBSan; each
# runs FUZZ_SECONDS (FUZZ_TARGETS: a subset, e.g. "idx"). A crash fails the target: see
# scripts/run-fuzz. `make test` replays the seeds and regression inputs without clang.
fuzz: deps-fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFEDCARBON_FUZZ=ON -DFEDCARBON_BUILD_TESTS=OFF -DFEDCARBON_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	find include common models wire sim server client tests bench fuzz -name '*.h' -o -name '*.cc' \
	  | xargs clang-format -i

tidy: configure
	find common models wire sim server client -name '*.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
