#!/bin/sh
# Builds and runs tests/consumer/project against a staged install.
#
# usage: run.sh <lium build dir> <work dir> <mode> [<install prefix>]
#   mode: cmake | cmake-single | cmake-core | pkgconfig
# The development and runtime components of the libraries are installed
# with DESTDIR=<work dir>/stage; the consumer finds them there only.
set -eu
build=$1 work=$2 mode=$3
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
[ -n "$libdir" ] || libdir=lib

rm -rf "$work"
mkdir -p "$work"
stage="$work/stage"
for c in core core_dev api api_dev utils utils_dev; do
	DESTDIR="$stage" cmake --install "$build" --component "$c" >"$work/install.log" 2>&1 ||
		{ cat "$work/install.log" >&2; exit 1; }
done
root="$stage$prefix"

# Nothing but the libraries' own files may be staged.
if [ -e "$root/bin/lium" ]; then
	echo "consumer: the CLI was installed by a library component" >&2
	exit 1
fi

gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
case "$mode" in
pkgconfig)
	# shellcheck disable=SC2086
	PKG_CONFIG_PATH="$root/$libdir/pkgconfig" PKG_CONFIG_LIBDIR="$root/$libdir/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig" \
		cmake -S "$here/project" -B "$work/build" $gen -DCONSUMER_MODE=pkgconfig \
		>"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
	;;
*)
	# shellcheck disable=SC2086
	cmake -S "$here/project" -B "$work/build" $gen -DCONSUMER_MODE="$mode" \
		-DCMAKE_PREFIX_PATH="$root" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		>"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
	;;
esac
# The packages must have come from the stage, not from the system or a
# build tree.
case "$mode" in
cmake) grep -q "^Lium_DIR:PATH=$root/" "$work/build/CMakeCache.txt" ;;
cmake-single) grep -q "^LiumApi_DIR:PATH=$root/" "$work/build/CMakeCache.txt" ;;
cmake-core) grep -q "^LiumCore_DIR:PATH=$root/" "$work/build/CMakeCache.txt" ;;
pkgconfig) grep -q "^pkgcfg_lib_LIUM_lium-api:FILEPATH=$root/" "$work/build/CMakeCache.txt" ;;
esac || { echo "consumer: lium was not found in the stage $root" >&2; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
LD_LIBRARY_PATH="$root/$libdir" "$work/build/consumer"
echo "consumer ($mode): ok"
