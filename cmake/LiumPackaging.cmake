# Debian packages through CPack, one per install component:
#
#   liblium-core0   liblium-core-dev
#   liblium-api0    liblium-api-dev
#   liblium-utils0  liblium-utils-dev
#   lium            (the command-line tool)
#
# A runtime package holds only the versioned shared object; a -dev package
# holds headers, the .so link, .pc and CMake files and depends on its runtime
# package and on the -dev packages it needs.

include_guard(GLOBAL)
include(LiumAbi)

set(CPACK_PACKAGE_NAME lium)
set(CPACK_PACKAGE_VENDOR "lium project")
set(CPACK_PACKAGE_CONTACT "lium maintainers <maintainers@lium.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps must find our own libraries in the build tree.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    ${PROJECT_BINARY_DIR}/liblium-core ${PROJECT_BINARY_DIR}/liblium-api
    ${PROJECT_BINARY_DIR}/liblium-utils)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Libraries land where the package's prefix puts them.
set(CPACK_SET_DESTDIR OFF)

set(_lium_ver "${PROJECT_VERSION}")
set(_lium_components "")
foreach(lib core api utils)
  string(TOUPPER ${lib} up)
  set(so ${LIUM_${up}_SOVERSION})
  set(CPACK_DEBIAN_${up}_PACKAGE_NAME "liblium-${lib}${so}")
  set(CPACK_DEBIAN_${up}_DESCRIPTION "lium ${lib} library (runtime)")
  set(CPACK_DEBIAN_${up}_DEV_PACKAGE_NAME "liblium-${lib}-dev")
  set(CPACK_DEBIAN_${up}_DEV_PACKAGE_SECTION libdevel)
  set(CPACK_DEBIAN_${up}_DEV_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_${up}_DEV_DESCRIPTION "lium ${lib} library (development files)")
  set(CPACK_COMPONENT_${up}_DESCRIPTION "lium ${lib} library (runtime)")
  set(CPACK_COMPONENT_${up}_DEV_DESCRIPTION "lium ${lib} library (development files)")
  if(BUILD_SHARED_LIBS)
    list(APPEND _lium_components ${lib})
  endif()
  list(APPEND _lium_components ${lib}_dev)
endforeach()

# -dev packages: their runtime package (exact version) plus the -dev
# packages of the layers below and the system -dev packages their headers or
# static archives need.
set(CPACK_DEBIAN_CORE_DEV_PACKAGE_DEPENDS
    "liblium-core${LIUM_CORE_SOVERSION} (= ${_lium_ver})")
set(CPACK_DEBIAN_API_DEV_PACKAGE_DEPENDS
    "liblium-api${LIUM_API_SOVERSION} (= ${_lium_ver}), liblium-core-dev (= ${_lium_ver})")
set(CPACK_DEBIAN_UTILS_DEV_PACKAGE_DEPENDS
    "liblium-utils${LIUM_UTILS_SOVERSION} (= ${_lium_ver}), liblium-core-dev (= ${_lium_ver})")
if(NOT BUILD_SHARED_LIBS)
  # Static archives: there are no runtime packages to depend on.
  set(CPACK_DEBIAN_CORE_DEV_PACKAGE_DEPENDS "")
  set(CPACK_DEBIAN_API_DEV_PACKAGE_DEPENDS "liblium-core-dev (= ${_lium_ver})")
  set(CPACK_DEBIAN_UTILS_DEV_PACKAGE_DEPENDS "liblium-core-dev (= ${_lium_ver})")
  set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "openssh-client, rsync")
  string(APPEND CPACK_DEBIAN_API_DEV_PACKAGE_DEPENDS ", libcurl4-openssl-dev | libcurl-dev, libjansson-dev")
  string(APPEND CPACK_DEBIAN_UTILS_DEV_PACKAGE_DEPENDS ", libssh-dev, libcurl4-openssl-dev | libcurl-dev, libjansson-dev")
endif()

# Runtime packages depend on the runtime package of the layer below, at the
# same version; system libraries come from dpkg-shlibdeps.
set(CPACK_DEBIAN_API_PACKAGE_DEPENDS "liblium-core${LIUM_CORE_SOVERSION} (= ${_lium_ver})")
set(CPACK_DEBIAN_UTILS_PACKAGE_DEPENDS "liblium-core${LIUM_CORE_SOVERSION} (= ${_lium_ver})")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME lium)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_DESCRIPTION "lium: rent and drive GPU pods on the Celium marketplace")
if(BUILD_SHARED_LIBS)
  set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS
      "liblium-core${LIUM_CORE_SOVERSION} (= ${_lium_ver}), liblium-api${LIUM_API_SOVERSION} (= ${_lium_ver}), liblium-utils${LIUM_UTILS_SOVERSION} (= ${_lium_ver}), openssh-client, rsync")
endif()
set(CPACK_DEBIAN_CLI_PACKAGE_RECOMMENDS "")
list(APPEND _lium_components cli)

# Only the components above become packages (no "Unspecified").
set(CPACK_COMPONENTS_ALL ${_lium_components})
include(CPack)
