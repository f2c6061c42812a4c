#!/bin/sh
# Builds examples/ against a staged install of the library components and
# runs the programs against celium-sim: list offers, and rent the cheapest,
# wait until it runs, print the ssh command, delete it.  Then checks with
# the sandbox that no pod was left behind.
#
# usage: examples.sh <lium build dir> <work dir>   (LIUM_SIM_BIN set)
set -eu
build=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")

rm -rf "$work"
mkdir -p "$work"
stage="$work/stage"
for c in core core_dev api api_dev; do
	DESTDIR="$stage" cmake --install "$build" --component "$c" >>"$work/install.log" 2>&1 ||
		{ cat "$work/install.log" >&2; exit 1; }
done
root="$stage$prefix"

gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
# shellcheck disable=SC2086
cmake -S "$src/examples" -B "$work/build" $gen -DCMAKE_PREFIX_PATH="$root" \
	-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/configure.log" 2>&1 &&
	grep -q "^Lium_DIR:PATH=$root/" "$work/build/CMakeCache.txt" &&
	cmake --build "$work/build" >"$work/build.log" 2>&1 ||
	{ cat "$work/configure.log" "$work/build.log" >&2 2>/dev/null; exit 1; }

. "$src/tests/sim/sim-fixture.sh"
sim_start --executors 20
ssh-keygen -q -t ed25519 -N '' -C examples -f "$work/id_ed25519"

export LD_LIBRARY_PATH="$root/$libdir"
export LIUM_BASE_URL="$SIM_URL" LIUM_API_KEY="$SIM_API_KEY"
export LIUM_SSH_PUBLIC_KEY_FILE="$work/id_ed25519.pub" LIUM_WAIT_SECONDS=60

"$work/build/list_offers" >"$work/list.out"
lines=$(grep -c . "$work/list.out")
[ "$lines" -ge 20 ] || { echo "examples: list_offers printed $lines lines" >&2; cat "$work/list.out" >&2; exit 1; }
echo "examples: list_offers ok ($lines lines)"

"$work/build/rent_cheapest" | tee "$work/rent.out"
grep -q 'ssh ' "$work/rent.out" || { echo "examples: no ssh command printed" >&2; exit 1; }

# The pod goes through DELETING, then disappears.
i=0
while pods=$(curl -fsS -H "X-API-KEY: $SIM_API_KEY" "$SIM_URL/pods") && [ "$pods" != "[]" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "examples: pods left behind: $pods" >&2; exit 1; }
	sleep 0.1
done

# A wrong key must make the program fail.
if LIUM_API_KEY=wrong "$work/build/list_offers" >/dev/null 2>&1; then
	echo "examples: list_offers succeeded with a wrong API key" >&2
	exit 1
fi
echo "examples: ok"
