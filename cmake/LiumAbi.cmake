# ABI numbers of the shared libraries, kept apart from the product version.
#
# SOVERSION changes only when a library breaks its ABI (a symbol removed, a
# struct field reordered, a signature changed).  ABI_VERSION is the full
# file version: bump the minor number when symbols are added, the patch number
# for fixes that keep the ABI.  Packagers name runtime packages after the
# SOVERSION (liblium-core0, ...).

set(LIUM_CORE_SOVERSION 0)
set(LIUM_CORE_ABI_VERSION 0.1.0)

set(LIUM_API_SOVERSION 0)
set(LIUM_API_ABI_VERSION 0.1.0)

set(LIUM_UTILS_SOVERSION 0)
set(LIUM_UTILS_ABI_VERSION 0.1.0)
