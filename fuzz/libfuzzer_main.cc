// libFuzzer's entry: FEDCARBON_FUZZ_ENTRY names one of the functions of entry.h (set per target
// by fuzz/CMakeLists.txt).
#include "entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ::fedcarbon::fuzz::FEDCARBON_FUZZ_ENTRY(data, size);
}
