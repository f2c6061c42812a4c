#!/bin/sh
# Shows that each layering check fires: copies the source tree to a scratch
# directory, checks that the untouched copy passes, breaks one rule, and
# checks that the same step now fails for the right reason.
#
# usage: scratch.sh link|header|imports <source dir> <scratch dir>
set -eu
mode=$1 src=$2 work=$3
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"

rm -rf "$work"
mkdir -p "$work/src"
for p in CMakeLists.txt cmake liblium-core liblium-api liblium-utils; do
	cp -R "$src/$p" "$work/src/"
done

configure() {
	# shellcheck disable=SC2086
	cmake -S "$work/src" -B "$work/build" $gen -DLIUM_BUILD_TESTING=OFF \
		-DLIUM_BUILD_CLI=OFF -DCMAKE_BUILD_TYPE=Debug >"$work/log" 2>&1
}
build() {
	cmake --build "$work/build" --target "$1" >>"$work/log" 2>&1
}
expect_fail() { # <what> <pattern>
	if grep -q "$2" "$work/log"; then
		echo "ok: $1 fired as expected"
		exit 0
	fi
	echo "FAIL: $1 failed, but without '$2':" >&2
	tail -20 "$work/log" >&2
	exit 1
}
core_lib() {
	find "$work/build" -name 'liblium-core.so.*' -type f -o -name 'liblium-core.a' -type f | head -n 1
}

configure || { echo "FAIL: untouched copy does not configure" >&2; tail -20 "$work/log" >&2; exit 1; }

case "$mode" in
link)
	echo 'target_link_libraries(lium_core PRIVATE PkgConfig::LIUM_CURL)' \
		>>"$work/src/liblium-core/CMakeLists.txt"
	rm -rf "$work/build"
	if configure; then
		echo "FAIL: configure accepted liblium-core linking libcurl" >&2
		exit 1
	fi
	expect_fail "link-graph check" "layering violation"
	;;
header)
	build lium_core_verify_interface_header_sets ||
		{ echo "FAIL: untouched headers do not verify" >&2; tail -20 "$work/log" >&2; exit 1; }
	sed -i 's|#include "common.h"|#include "common.h"\n#include <lium/api.h>|' \
		"$work/src/liblium-core/include/lium/core/huid.h"
	grep -q 'lium/api.h' "$work/src/liblium-core/include/lium/core/huid.h"
	if build lium_core_verify_interface_header_sets; then
		echo "FAIL: a core header including lium/api.h passed verification" >&2
		exit 1
	fi
	expect_fail "header-set verification" "lium/api.h"
	;;
imports)
	build lium_core || { echo "FAIL: untouched core does not build" >&2; tail -20 "$work/log" >&2; exit 1; }
	sh "$src/tests/layering/check_core_imports.sh" "$(core_lib)" >>"$work/log" 2>&1 ||
		{ echo "FAIL: untouched core fails the import check" >&2; tail -5 "$work/log" >&2; exit 1; }
	cat >"$work/src/liblium-core/src/zz_leak.c" <<'C'
#include <stdlib.h>
#include "lium/core/common.h"
LIUM_CORE_EXPORT const char *lium_zz_leak(void);
const char *lium_zz_leak(void) { return getenv("HOME"); }
C
	echo 'target_sources(lium_core PRIVATE src/zz_leak.c)' \
		>>"$work/src/liblium-core/CMakeLists.txt"
	configure && build lium_core ||
		{ echo "FAIL: broken copy did not build" >&2; tail -20 "$work/log" >&2; exit 1; }
	if sh "$src/tests/layering/check_core_imports.sh" "$(core_lib)" >>"$work/log" 2>&1; then
		echo "FAIL: import check accepted a core calling getenv" >&2
		exit 1
	fi
	expect_fail "core import check" "getenv"
	;;
*)
	echo "usage: $0 link|header|imports <src> <work>" >&2
	exit 2
	;;
esac
