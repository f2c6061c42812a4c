# lium_add_library(<name> HEADERS <public headers...> SOURCES <sources...>)
#
# Creates target lium_<name> (alias and export name Lium::<name>), file
# liblium-<name>.so.<SOVERSION>, with hidden visibility, a version script
# that exports only lium_* symbols, a public header set rooted at include/
# that is verified to compile on its own, and the project's warnings.

include_guard(GLOBAL)
include(LiumAbi)
include(LiumWarnings)

function(lium_add_library name)
  cmake_parse_arguments(ARG "" "" "HEADERS;SOURCES" ${ARGN})
  string(TOUPPER "${name}" upper)
  set(target lium_${name})

  add_library(${target} ${ARG_SOURCES})
  add_library(Lium::${name} ALIAS ${target})
  target_sources(${target} PUBLIC FILE_SET HEADERS BASE_DIRS include
                 FILES ${ARG_HEADERS})
  target_include_directories(${target} PRIVATE src)
  target_compile_features(${target} PUBLIC c_std_11)
  target_compile_definitions(${target} PRIVATE LIUM_${upper}_BUILDING)

  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME lium-${name}
    EXPORT_NAME ${name}
    VERSION ${LIUM_${upper}_ABI_VERSION}
    SOVERSION ${LIUM_${upper}_SOVERSION}
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    VERIFY_INTERFACE_HEADER_SETS ON)

  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    set(map ${CMAKE_CURRENT_SOURCE_DIR}/src/lium-${name}.map)
    target_link_options(${target} PRIVATE "LINKER:--version-script=${map}")
    # --no-undefined catches a missing library at link time.  clang leaves
    # the sanitizer runtimes (and libFuzzer's coverage hooks) to the
    # executable, so an instrumented clang build must allow them undefined.
    if(NOT (CMAKE_C_COMPILER_ID MATCHES "Clang" AND (LIUM_SANITIZE OR LIUM_BUILD_FUZZERS)))
      target_link_options(${target} PRIVATE "LINKER:--no-undefined")
    endif()
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
  else()
    # Consumers of the static archive must not mark the symbols dllimport-ish;
    # the export macro reads this.
    target_compile_definitions(${target} PUBLIC LIUM_${upper}_STATIC)
  endif()
  lium_target_warnings(${target})
endfunction()
