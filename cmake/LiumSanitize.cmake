# LIUM_SANITIZE=address,undefined (any comma-separated list understood by
# -fsanitize) instruments every target of the build, tests included.
# LIUM_BUILD_FUZZERS adds libFuzzer coverage instrumentation (clang only).

include_guard(GLOBAL)

if(LIUM_SANITIZE)
  string(REPLACE ";" "," _lium_san "${LIUM_SANITIZE}")
  add_compile_options(-fsanitize=${_lium_san} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_lium_san})
  message(STATUS "lium: sanitizers enabled: ${_lium_san}")
endif()

if(LIUM_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LIUM_BUILD_FUZZERS needs clang (libFuzzer); "
                        "configure with -DCMAKE_C_COMPILER=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
