// The fuzz targets' entry points, one per hostile input the programs read. Each takes arbitrary
// bytes, runs them through the real code a program runs on such input, and aborts (a crash
// libFuzzer reports) when an invariant the code promises does not hold; it returns 0 otherwise.
// libFuzzer calls them through LLVMFuzzerTestOneInput (libfuzzer_main.cc, the clang build with
// FEDCARBON_FUZZ=ON, `make fuzz`); tests/fuzz/replay_test.cc calls the same functions on every
// seed (fuzz/corpus/<target>/) and every input that once crashed (fuzz/regressions/<target>/), in
// the ordinary build and `make test`.
//
//   FuzzWireFrame   one ZeroMQ frame: wire::ParseFrame, then the checks the coordinator runs on a
//                   worker's message (RoundEngine::Check of a TrainResult's claim, the finite
//                   activity, wire::DecodeWeights and the delta's overflow check) and those a
//                   worker runs on the coordinator's (the Welcome's config through
//                   config::FromJson, a TrainRequest's weights through DecodeWeights)
//   FuzzConfigJson  config text: config::FromJson on the parsed JSON (and config::ApplyOverride
//   when
//                   the text is not JSON but "key=value"); a config it accepts must round-trip
//                   through ToJson and give every client a device and a country
//   FuzzIdx         two IDX files, images and labels (4-byte big-endian length of the image file,
//                   the image file, then the label file; plain or gzip): data::LoadIdx and
//                   data::LoadIdxLabels, read from memory files (memfd), never from disk
//
// Thread safety: each call is independent; the functions keep no state between calls.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fedcarbon::fuzz {

int FuzzWireFrame(const uint8_t* data, size_t size);
int FuzzConfigJson(const uint8_t* data, size_t size);
int FuzzIdx(const uint8_t* data, size_t size);

}  // namespace fedcarbon::fuzz

// Aborts with a message naming the broken invariant (what libFuzzer and the replay test report).
#define FEDCARBON_FUZZ_CHECK(cond, what)                                               \
  do {                                                                                 \
    if (!(cond)) ::fedcarbon::fuzz::internal::Fail(__FILE__, __LINE__, #cond, (what)); \
  } while (0)

namespace fedcarbon::fuzz::internal {
[[noreturn]] void Fail(const char* file, int line, const char* cond, const char* what);
}  // namespace fedcarbon::fuzz::internal
