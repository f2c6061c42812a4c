# Configure-time check of the layering in DESIGN.md:
#
#   lium (CLI) -> liblium-api   -> liblium-core
#        |    \-> liblium-utils -> liblium-core
#        \----------------------------> liblium-core
#
# Every target's direct link libraries (private and interface) must be in its
# allowed set; anything else stops the configure step.  api and utils never
# see each other, and core links nothing but libc (and libm).

include_guard(GLOBAL)

set(LIUM_LAYER_ALLOWED_lium_core  "LiumSys::m")
set(LIUM_LAYER_ALLOWED_lium_api   "lium_core;PkgConfig::LIUM_CURL;PkgConfig::LIUM_JANSSON;LiumSys::m")
set(LIUM_LAYER_ALLOWED_lium_utils "lium_core;PkgConfig::LIUM_SSH;PkgConfig::LIUM_CURL;PkgConfig::LIUM_JANSSON;Threads::Threads;LiumSys::m")
set(LIUM_LAYER_ALLOWED_lium       "lium_core;lium_api;lium_utils;PkgConfig::LIUM_YAML;Threads::Threads;LiumSys::m")

# Strip generator expressions such as $<LINK_ONLY:x> and resolve aliases.
function(_lium_layer_normalise out item)
  string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
  string(REGEX REPLACE "^\\$<BUILD_INTERFACE:(.*)>$" "\\1" item "${item}")
  if(item MATCHES "^\\$<")
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  if(TARGET "${item}")
    get_target_property(aliased "${item}" ALIASED_TARGET)
    if(aliased)
      set(item "${aliased}")
    endif()
  endif()
  set(${out} "${item}" PARENT_SCOPE)
endfunction()

function(lium_check_layering)
  set(violations "")
  foreach(target lium_core lium_api lium_utils lium)
    if(NOT TARGET ${target})
      continue()
    endif()
    set(libs "")
    foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(v ${target} ${prop})
      if(v)
        list(APPEND libs ${v})
      endif()
    endforeach()
    foreach(lib IN LISTS libs)
      _lium_layer_normalise(lib "${lib}")
      if(lib STREQUAL "" OR lib STREQUAL target)
        continue()
      endif()
      if(NOT lib IN_LIST LIUM_LAYER_ALLOWED_${target})
        string(APPEND violations
          "\n  ${target} links ${lib} (allowed: ${LIUM_LAYER_ALLOWED_${target}})")
      endif()
    endforeach()
  endforeach()
  if(violations)
    message(FATAL_ERROR "lium layering violation:${violations}\n"
                        "See DESIGN.md, section Layers.")
  endif()
endfunction()
