# fedcarbon_warnings: INTERFACE target every fedcarbon target links privately.
add_library(fedcarbon_warnings INTERFACE)
target_compile_options(fedcarbon_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
                       -Wnull-dereference -Wimplicit-fallthrough)
# fedcarbon_arch: code-generation flags. -ffp-contract=fast (GCC's default for C++, stated so that
# clang builds agree) fuses a*b + c into one FMA wherever the source writes it, in vector and
# scalar code alike, so that a loop's vectorised body and its scalar tail round the same way.
add_library(fedcarbon_arch INTERFACE)
target_compile_options(fedcarbon_arch INTERFACE -ffp-contract=fast)
if(FEDCARBON_MARCH)
  target_compile_options(fedcarbon_arch INTERFACE -march=${FEDCARBON_MARCH})
endif()
if(FEDCARBON_SIMD_LANES)
  if(NOT FEDCARBON_SIMD_LANES MATCHES "^(4|8|16)$")
    message(FATAL_ERROR "FEDCARBON_SIMD_LANES must be empty, 4, 8 or 16, not ${FEDCARBON_SIMD_LANES}")
  endif()
  target_compile_definitions(fedcarbon_arch INTERFACE FEDCARBON_SIMD_LANES=${FEDCARBON_SIMD_LANES})
endif()

# fedcarbon_module(NAME SOURCES... [DEPS ...] [PRIVATE_DEPS ...]): one library per module,
# with its ALIAS fedcarbon::NAME, the public headers in include/, warnings and arch flags.
# DEPS: what its public headers (include/fedcarbon/NAME/) include; PRIVATE_DEPS: what only its
# own sources include. A target lists every module it includes itself, never counting on one
# that comes along with another.
function(fedcarbon_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(fedcarbon_${name} ${M_SOURCES})
  add_library(fedcarbon::${name} ALIAS fedcarbon_${name})
  target_include_directories(fedcarbon_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(fedcarbon_${name} PUBLIC ${M_DEPS} fedcarbon_arch fedcarbon_sanitizers
                        PRIVATE fedcarbon_warnings ${M_PRIVATE_DEPS})
endfunction()
