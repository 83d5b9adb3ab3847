# The two-build test's second build (FEDCARBON_TWO_BUILD_TEST, tests/e2e/golden_test.cc): this
# source tree's fedcarbon-server and fedcarbon-client built again for a target whose kernels have
# another vector width, in ${PROJECT_BINARY_DIR}/second-build/bin. Its golden runs must match the
# same golden files as this build's, bit for bit. The pair, from this build's kernel width:
#   16 lanes (native on an AVX-512 processor, or x86-64-v4)  ->  x86-64-v3 (AVX2, 8 lanes)
#   8 lanes, on a processor with AVX-512                      ->  x86-64-v4 (16 lanes)
#   8 lanes, on a processor without AVX-512                   ->  x86-64-v3 with 4-lane kernels
# FEDCARBON_SECOND_BUILD (a description of both) and FEDCARBON_SECOND_BIN_DIR name the pair for
# the test, which prints it; FEDCARBON_SECOND_IS_PORTABLE says whether the second build is the
# portable one (x86-64-v3, default lanes), which alone may rewrite the golden files.
include(ExternalProject)

set(_cpu_avx512 OFF)
if(EXISTS /proc/cpuinfo)
  file(STRINGS /proc/cpuinfo _flags REGEX "^flags" LIMIT_COUNT 1)
  if(_flags MATCHES " avx512f( |$)")
    set(_cpu_avx512 ON)
  endif()
endif()

if(FEDCARBON_SIMD_LANES)
  set(_lanes ${FEDCARBON_SIMD_LANES})
elseif(FEDCARBON_MARCH STREQUAL "x86-64-v4" OR (FEDCARBON_MARCH STREQUAL "native" AND _cpu_avx512))
  set(_lanes 16)
else()
  set(_lanes 8)
endif()

if(_lanes EQUAL 16)
  set(_second_march x86-64-v3)
  set(_second_lanes "")
  set(_second_desc "x86-64-v3, 8-lane kernels")
elseif(_cpu_avx512)
  set(_second_march x86-64-v4)
  set(_second_lanes "")
  set(_second_desc "x86-64-v4, 16-lane kernels")
else()
  set(_second_march x86-64-v3)
  set(_second_lanes 4)
  set(_second_desc "x86-64-v3, 4-lane kernels")
endif()
set(FEDCARBON_SECOND_BUILD
    "-march=${FEDCARBON_MARCH} (${_lanes}-lane kernels) vs -march=${_second_desc}")
set(FEDCARBON_SECOND_BIN_DIR ${PROJECT_BINARY_DIR}/second-build/bin)
if(_second_march STREQUAL "x86-64-v3" AND NOT _second_lanes)
  set(FEDCARBON_SECOND_IS_PORTABLE 1)
else()
  set(FEDCARBON_SECOND_IS_PORTABLE 0)
endif()
message(STATUS "Two-build test: ${FEDCARBON_SECOND_BUILD}")

set(_targets fedcarbon-server fedcarbon-client)
if(CMAKE_GENERATOR MATCHES "Makefiles")
  set(_build_command $(MAKE) ${_targets})  # shares the outer make's job slots
else()
  set(_build_command ${CMAKE_COMMAND} --build <BINARY_DIR> --target ${_targets})
endif()
ExternalProject_Add(fedcarbon_second_build
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${PROJECT_BINARY_DIR}/second-build
  CMAKE_ARGS -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
             -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
             -DFEDCARBON_MARCH=${_second_march}
             -DFEDCARBON_SIMD_LANES=${_second_lanes}
             -DFEDCARBON_BUILD_TESTS=OFF
             -DFEDCARBON_BUILD_BENCH=OFF
             -DFEDCARBON_TWO_BUILD_TEST=OFF
  BUILD_COMMAND ${_build_command}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON)  # the sources are this tree's: let the inner build decide what is stale
