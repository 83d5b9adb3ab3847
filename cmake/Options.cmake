# Build options, each with its default.
option(FEDCARBON_BUILD_TESTS "Build the GoogleTest suite" ON)
option(FEDCARBON_BUILD_BENCH "Build the Google Benchmark programs" ON)
# -march=native only where the binary stays on the machine that built it (the Makefile turns it
# on for local builds); the CMake default stays portable.
option(FEDCARBON_NATIVE "Compile with -march=native" OFF)
option(FEDCARBON_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
# libFuzzer targets (fuzz/, `make fuzz`): needs CMAKE_CXX_COMPILER=clang++; every library is then
# built with -fsanitize=fuzzer-no-link,address,undefined. Its own build folder (build-fuzz/).
option(FEDCARBON_FUZZ "Build the libFuzzer targets (clang only)" OFF)
