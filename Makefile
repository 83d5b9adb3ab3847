# fedcarbon's front door. Every target installs and builds what it needs first.
#   make reproduce   the main job: the centralized-vs-FL emissions table (Table 4)
#   make test        build and run the whole test suite
#   make bench       benchmarks, side by side with the PyTorch peer
BUILD   ?= build
JOBS    ?= 2
CONFIG  ?= Release
# Local builds stay on the machine that built them, so they may use the host's vector units.
NATIVE  ?= ON
OUT     ?= runs/table4
CMAKE_FLAGS ?=

.PHONY: all deps deps-bench configure build test reproduce reproduce-quick bench format tidy clean

all: build

deps:
	@scripts/install-deps

deps-bench:
	@scripts/install-deps --bench

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(CONFIG) -DFEDCARBON_NATIVE=$(NATIVE) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

reproduce: build
	$(BUILD)/bin/fedcarbon reproduce experiments/table4.json --out $(OUT)

reproduce-quick: build
	$(BUILD)/bin/fedcarbon reproduce experiments/table4.json --quick --out $(OUT)-quick

bench: deps-bench build
	bench/run-all.sh $(BUILD)

format:
	find include common models wire sim server client tests bench -name '*.h' -o -name '*.cc' \
	  | xargs clang-format -i

tidy: configure
	find common models wire sim server client -name '*.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD)
