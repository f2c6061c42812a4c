#!/bin/sh
# Runs the libFuzzer targets of a build briefly and fails on any crash,
# leak, timeout or broken invariant.
#
# usage: run-all.sh <build-dir> <seconds-per-fuzzer> [name...]
#
# Names default to every fuzzer (filter targets time sshcmd).  Each starts
# from its seed corpus in tests/fuzz/corpus/<name>/ (read only: new inputs go
# to a temporary directory).  Crashing inputs are kept in
# <build-dir>/fuzz-artifacts/.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 <build-dir> <seconds-per-fuzzer> [name...]" >&2
	exit 2
fi
build=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- filter targets time sshcmd

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/lium-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

failed=""
for name in "$@"; do
	bin="$build/tests/fuzz/fuzz_$name"
	if [ ! -x "$bin" ]; then
		echo "run-all: $bin not built (configure with clang and -DLIUM_BUILD_FUZZERS=ON)" >&2
		exit 2
	fi
	mkdir -p "$work/$name"
	echo "== fuzz_$name for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/$name-" -print_final_stats=1 \
		"$work/$name" "$here/corpus/$name" >"$work/$name.log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^Done' "$work/$name.log" || true
	else
		echo "run-all: fuzz_$name FAILED; last lines of its log:" >&2
		tail -n 40 "$work/$name.log" >&2
		failed="$failed $name"
	fi
done

if [ -n "$failed" ]; then
	echo "run-all: failing fuzzers:$failed (inputs in $artifacts)" >&2
	exit 1
fi
echo "run-all: all fuzzers ran ${secs}s without a failure"
