# Compiler warnings for the project's own targets.

include_guard(GLOBAL)

set(LIUM_WARNING_FLAGS
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
    -Wundef -Wcast-align -Wnull-dereference -Wdouble-promotion)

function(lium_target_warnings target)
  target_compile_options(${target} PRIVATE ${LIUM_WARNING_FLAGS})
  if(LIUM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
