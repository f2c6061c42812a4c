# Third-party dependencies, found through pkg-config as imported targets.
#
# Every dependency gets a target named PkgConfig::LIUM_<NAME>.  The same file
# is installed next to the package configs, so that consumers of the static
# libraries can resolve the private link dependencies.

include_guard(GLOBAL)
find_package(PkgConfig REQUIRED)

# lium_find_dep(<NAME> <pkg-config module> [REQUIRED])
macro(lium_find_dep _lium_name _lium_module)
  if(NOT TARGET PkgConfig::LIUM_${_lium_name})
    pkg_check_modules(LIUM_${_lium_name} ${ARGN} QUIET IMPORTED_TARGET GLOBAL
                      ${_lium_module})
  endif()
endmacro()

# The C math library, as a target (CMAKE_LINK_LIBRARIES_ONLY_TARGETS is on).
if(NOT TARGET LiumSys::m)
  add_library(LiumSys::m INTERFACE IMPORTED GLOBAL)
  set_target_properties(LiumSys::m PROPERTIES INTERFACE_LINK_LIBRARIES m)
endif()
