# Installation of a library: runtime and development components, headers,
# a relocatable CMake package config with a version file, a pkg-config file.
#
# lium_install_library(<name>
#     PC_REQUIRES <pkg-config modules>        public Requires
#     PC_REQUIRES_PRIVATE <modules>           Requires.private
#     CMAKE_DEPS <Lium components>            e.g. Core
#     PRIVATE_DEPS <NAME=module ...>          pkg-config deps for static use)
#
# Components: <name> (the versioned shared object) and <name>_dev (headers,
# the unversioned .so link, the archive, .pc and CMake files).

include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LIUM_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake)

function(lium_install_library name)
  cmake_parse_arguments(ARG "" "" "PC_REQUIRES;PC_REQUIRES_PRIVATE;CMAKE_DEPS;PRIVATE_DEPS;DESCRIPTION" ${ARGN})
  string(TOUPPER "${name}" upper)
  string(SUBSTRING "${name}" 0 1 first)
  string(TOUPPER "${first}" first)
  string(SUBSTRING "${name}" 1 -1 rest)
  set(Pkg "Lium${first}${rest}")            # LiumCore, LiumApi, LiumUtils
  set(target lium_${name})

  install(TARGETS ${target} EXPORT ${Pkg}Targets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
            COMPONENT ${name} NAMELINK_COMPONENT ${name}_dev
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${name}_dev
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${name}
    FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
            COMPONENT ${name}_dev)

  install(EXPORT ${Pkg}Targets NAMESPACE Lium:: FILE ${Pkg}Targets.cmake
          DESTINATION ${LIUM_CMAKE_INSTALL_DIR}/${Pkg} COMPONENT ${name}_dev)

  # Package config: dependencies first, then the targets.
  set(LIUM_CFG_DEPS "")
  foreach(dep IN LISTS ARG_CMAKE_DEPS)
    string(APPEND LIUM_CFG_DEPS "find_dependency(Lium${dep} \${${Pkg}_VERSION} EXACT CONFIG\n                PATHS \"\${CMAKE_CURRENT_LIST_DIR}/..\")\n")
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    # The archive's private link dependencies (LiumSys::m, pkg-config
    # targets) must exist in the consumer's project.
    string(APPEND LIUM_CFG_DEPS "include(\"\${CMAKE_CURRENT_LIST_DIR}/../Lium/LiumDeps.cmake\")\n")
    foreach(dep IN LISTS ARG_PRIVATE_DEPS)
      string(REPLACE "=" ";" dep "${dep}")
      list(GET dep 0 dep_name)
      list(GET dep 1 dep_module)
      string(APPEND LIUM_CFG_DEPS "lium_find_dep(${dep_name} ${dep_module} REQUIRED)\n")
    endforeach()
    if("Threads" IN_LIST ARG_PRIVATE_DEPS OR name STREQUAL "utils")
      string(APPEND LIUM_CFG_DEPS "find_dependency(Threads)\n")
    endif()
  endif()
  set(LIUM_CFG_PACKAGE ${Pkg})
  configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/cmake/LiumComponentConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/${Pkg}Config.cmake
    INSTALL_DESTINATION ${LIUM_CMAKE_INSTALL_DIR}/${Pkg})
  write_basic_package_version_file(
    ${CMAKE_CURRENT_BINARY_DIR}/${Pkg}ConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${Pkg}Config.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/${Pkg}ConfigVersion.cmake
          DESTINATION ${LIUM_CMAKE_INSTALL_DIR}/${Pkg} COMPONENT ${name}_dev)

  # pkg-config, relocatable through ${pcfiledir}.
  file(RELATIVE_PATH LIUM_PC_RELPREFIX
       "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "/$" "" LIUM_PC_RELPREFIX "${LIUM_PC_RELPREFIX}")
  set(LIUM_PC_NAME liblium-${name})
  set(LIUM_PC_DESCRIPTION "${ARG_DESCRIPTION}")
  if(type STREQUAL "STATIC_LIBRARY")
    # A static archive has no shared object to hide its dependencies behind:
    # every consumer links them, with or without `pkg-config --static`.
    list(APPEND ARG_PC_REQUIRES ${ARG_PC_REQUIRES_PRIVATE})
    set(ARG_PC_REQUIRES_PRIVATE "")
  endif()
  list(JOIN ARG_PC_REQUIRES ", " LIUM_PC_REQUIRES)
  list(JOIN ARG_PC_REQUIRES_PRIVATE ", " LIUM_PC_REQUIRES_PRIVATE)
  set(LIUM_PC_LIB lium-${name})
  set(LIUM_PC_CFLAGS "")
  set(LIUM_PC_LIBS_PRIVATE "")
  if(type STREQUAL "STATIC_LIBRARY")
    set(LIUM_PC_CFLAGS "-DLIUM_${upper}_STATIC")
    if(name STREQUAL "utils")
      set(LIUM_PC_LIBS_PRIVATE "-pthread")
    endif()
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/liblium.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/liblium-${name}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/liblium-${name}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT ${name}_dev)
endfunction()

# The umbrella package: find_package(Lium CONFIG COMPONENTS core api utils).
function(lium_install_umbrella)
  configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/cmake/LiumConfig.cmake.in
    ${PROJECT_BINARY_DIR}/LiumConfig.cmake
    INSTALL_DESTINATION ${LIUM_CMAKE_INSTALL_DIR}/Lium)
  write_basic_package_version_file(
    ${PROJECT_BINARY_DIR}/LiumConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/LiumConfig.cmake
                ${PROJECT_BINARY_DIR}/LiumConfigVersion.cmake
                ${PROJECT_SOURCE_DIR}/cmake/LiumDeps.cmake
          DESTINATION ${LIUM_CMAKE_INSTALL_DIR}/Lium COMPONENT core_dev)
endfunction()
