# Build options, each with its default.
option(FEDCARBON_BUILD_TESTS "Build the GoogleTest suite" ON)
option(FEDCARBON_BUILD_BENCH "Build the Google Benchmark programs" ON)
# The target of code generation (-march=). Every value from x86-64-v3 up gives the same bits for
# the same config and seed (README, "Same seed, same bits"): x86-64-v3 (AVX2 + FMA: the portable
# default, any x86-64 since Intel Haswell (2013) and AMD Zen (2017)), x86-64-v4 (AVX-512), native
# (the Makefile's default for local builds, whose binaries stay on the machine that built them).
# Below v3 (plain x86-64: no FMA) it builds, but rounds differently and is outside that promise.
set(FEDCARBON_MARCH "x86-64-v3" CACHE STRING "-march= value (x86-64-v3, x86-64-v4, native, ...)")
# Floats per vector in the hand-written kernels (models/simd.h): empty = the widest the target
# has (16 with AVX-512, 8 with AVX2). 4 or 8 build a narrower target's kernels on a wider one,
# which the two-build test uses on a processor without AVX-512. The results never depend on it.
set(FEDCARBON_SIMD_LANES "" CACHE STRING "Kernel vector width in floats: empty, 4, 8 or 16")
# The two-build test (tests/portable/): builds the programs a second time with another vector
# width (build/crossbuild/) and requires that its golden runs match the same golden files.
option(FEDCARBON_TWO_BUILD_TEST "Build the programs for a second target and compare runs" ON)
option(FEDCARBON_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
# libFuzzer targets (fuzz/, `make fuzz`): needs CMAKE_CXX_COMPILER=clang++; every library is then
# built with -fsanitize=fuzzer-no-link,address,undefined. Its own build folder (build-fuzz/).
option(FEDCARBON_FUZZ "Build the libFuzzer targets (clang only)" OFF)
