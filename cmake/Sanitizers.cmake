# fedcarbon_sanitizers: INTERFACE target that adds ASan + UBSan when FEDCARBON_SANITIZE is on.
add_library(fedcarbon_sanitizers INTERFACE)
if(FEDCARBON_SANITIZE)
  target_compile_options(fedcarbon_sanitizers INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer)
  target_link_options(fedcarbon_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
# FEDCARBON_FUZZ: coverage for libFuzzer in every library, ASan, and UBSan that stops at the first
# finding (so that libFuzzer keeps the input).
if(FEDCARBON_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FEDCARBON_FUZZ=ON needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  target_compile_options(fedcarbon_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(fedcarbon_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
