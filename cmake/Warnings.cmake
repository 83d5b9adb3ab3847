# fedcarbon_warnings: INTERFACE target every fedcarbon target links privately.
add_library(fedcarbon_warnings INTERFACE)
target_compile_options(fedcarbon_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
                       -Wnull-dereference -Wimplicit-fallthrough)
# fedcarbon_arch: code-generation flags (portable unless FEDCARBON_NATIVE).
add_library(fedcarbon_arch INTERFACE)
if(FEDCARBON_NATIVE)
  target_compile_options(fedcarbon_arch INTERFACE -march=native)
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
