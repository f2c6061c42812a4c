#!/bin/sh
# Builds the Debian packages with CPack and checks their split:
#   liblium-<lib><N>   only the versioned shared object (and its SONAME link)
#   liblium-<lib>-dev  headers, the .so link (or the static archive), .pc and
#                      CMake files; depends on its runtime package and on the
#                      -dev packages below it
#   lium               the CLI
# then unpacks them into a scratch root and builds the consumer project and
# runs `lium --version` from there.
#
# usage: check-debs.sh <build dir> <work dir> <consumer project dir>
set -eu
build=$1 work=$2 consumer=$3
rm -rf "$work"
mkdir -p "$work"

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
shared=$(cache BUILD_SHARED_LIBS)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || version=$(cache CMAKE_PROJECT_VERSION)
abi() { sed -n "s/^set(LIUM_$1_SOVERSION \([0-9]*\))/\1/p" "$(cache lium_SOURCE_DIR)/cmake/LiumAbi.cmake"; }

(cd "$build" && cpack -G DEB -B "$work/out") >"$work/cpack.log" 2>&1 ||
	{ cat "$work/cpack.log" >&2; exit 1; }

fail=0
bad() { echo "packaging: $*" >&2; fail=1; }
files() { dpkg-deb -c "$1" | awk '{print $6}' | grep -v '/$' | sed 's|^\./||'; }
field() { dpkg-deb -f "$1" "$2"; }

case "$shared" in ON|on|1|TRUE|true|"") shared=1 ;; *) shared=0 ;; esac

for lib in core api utils; do
	up=$(echo "$lib" | tr a-z A-Z)
	so=$(abi "$up")
	dev=$(ls "$work/out"/liblium-$lib-dev_"$version"_*.deb 2>/dev/null) || { bad "no liblium-$lib-dev package"; continue; }
	if [ "$shared" = 1 ]; then
		rt=$(ls "$work/out"/liblium-$lib${so}_"$version"_*.deb 2>/dev/null) || { bad "no liblium-$lib$so package"; continue; }
		for f in $(files "$rt"); do
			case "$f" in
			usr/lib/*liblium-$lib.so.$so | usr/lib/*liblium-$lib.so.$so.*) ;;
			*) bad "$(basename "$rt") holds $f (only the versioned shared object belongs there)" ;;
			esac
		done
		files "$rt" | grep -q "liblium-$lib.so.$so\.[0-9]" || bad "$(basename "$rt") lacks the shared object"
		[ "$(field "$rt" Section)" = libs ] || bad "$(basename "$rt") section is not libs"
		field "$dev" Depends | grep -q "liblium-$lib$so (= $version)" ||
			bad "liblium-$lib-dev does not depend on liblium-$lib$so (= $version)"
		files "$dev" | grep -q "usr/lib/.*liblium-$lib\.so$" || bad "liblium-$lib-dev lacks the .so link"
		# SONAME set from cmake/LiumAbi.cmake.
		mkdir -p "$work/x-$lib" && dpkg-deb -x "$rt" "$work/x-$lib"
		sofile=$(find "$work/x-$lib" -name "liblium-$lib.so.$so.*" -type f | head -n 1)
		objdump -p "$sofile" | grep -q "SONAME *liblium-$lib.so.$so$" || bad "SONAME of $sofile is not liblium-$lib.so.$so"
	else
		files "$dev" | grep -q "usr/lib/.*liblium-$lib\.a$" || bad "liblium-$lib-dev lacks the static archive"
	fi
	for f in $(files "$dev"); do
		case "$f" in
		usr/include/lium/* | usr/lib/*pkgconfig/liblium-$lib.pc | usr/lib/*cmake/* | usr/lib/*liblium-$lib.so | usr/lib/*liblium-$lib.a) ;;
		*) bad "$(basename "$dev") holds $f" ;;
		esac
	done
	files "$dev" | grep -q "usr/include/lium/$lib.h" || bad "liblium-$lib-dev lacks lium/$lib.h"
	files "$dev" | grep -q "pkgconfig/liblium-$lib.pc" || bad "liblium-$lib-dev lacks liblium-$lib.pc"
	[ "$(field "$dev" Section)" = libdevel ] || bad "$(basename "$dev") section is not libdevel"
	if [ "$lib" != core ]; then
		field "$dev" Depends | grep -q "liblium-core-dev (= $version)" ||
			bad "liblium-$lib-dev does not depend on liblium-core-dev"
	fi
done

cli=$(ls "$work/out"/lium_"$version"_*.deb 2>/dev/null) || bad "no lium package"
if [ -n "${cli:-}" ]; then
	files "$cli" | grep -q '^usr/bin/lium$' || bad "lium package lacks usr/bin/lium"
	for f in $(files "$cli"); do
		case "$f" in
		usr/bin/lium | usr/share/man/* | usr/share/bash-completion/* | usr/share/zsh/* | usr/share/fish/* | usr/share/doc/*) ;;
		*) bad "lium package holds $f" ;;
		esac
	done
fi
[ $fail = 0 ] || exit 1

# Unpack everything into a scratch root and use it.
root="$work/root"
mkdir -p "$root"
for d in "$work/out"/*.deb; do dpkg-deb -x "$d" "$root"; done
libdir=$(dirname "$(find "$root/usr/lib" -name 'liblium-core.so*' | head -n 1)")
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
# shellcheck disable=SC2086
cmake -S "$consumer" -B "$work/consumer" $gen -DCONSUMER_MODE=cmake \
	-DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
	>"$work/consumer.log" 2>&1 && cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 ||
	{ cat "$work/consumer.log" >&2; exit 1; }
LD_LIBRARY_PATH="$libdir" "$work/consumer/consumer"
if [ -n "${cli:-}" ]; then
	LD_LIBRARY_PATH="$libdir" "$root/usr/bin/lium" --version
fi
echo "packaging: $(ls "$work/out"/*.deb | wc -l) packages checked"
