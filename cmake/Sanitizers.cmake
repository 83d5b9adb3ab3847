# fedcarbon_sanitizers: INTERFACE target that adds ASan + UBSan when FEDCARBON_SANITIZE is on.
add_library(fedcarbon_sanitizers INTERFACE)
if(FEDCARBON_SANITIZE)
  target_compile_options(fedcarbon_sanitizers INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer)
  target_link_options(fedcarbon_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
