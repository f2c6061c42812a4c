#!/bin/sh
# Benchmark of the lium CLI against celium-sim; prints figures, asserts only
# that the commands work.  Wall time and peak RSS come from /usr/bin/time.
#
#   lium --version                    start-up alone
#   lium ls        with 2000 offers   one GET, decode, rank, print
#   lium ps        with 50 pods
#   lium exec all  over 50 pods, against the same on one pod
. "$(dirname "$0")/lib.sh"

need /usr/bin/time
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (apt-get install time)"
cli_setup --executors 2000 --seed 9 --pending-ms 50 --starting-ms 50
cli_init

runs=5

# measure LABEL CMD...: best wall time (ms) and peak RSS (KiB) over $runs runs.
measure() {
	_label=$1
	shift
	_best_ms=
	_best_rss=
	_i=0
	while [ $_i -lt $runs ]; do
		_t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$work/time" "$@" </dev/null >/dev/null 2>"$work/bench-err" ||
			fail "$_label failed: $(cat "$work/bench-err")"
		_t1=$(date +%s%N)
		_ms=$(((_t1 - _t0) / 1000000))
		_rss=$(cat "$work/time")
		if [ -z "$_best_ms" ] || [ "$_ms" -lt "$_best_ms" ]; then
			_best_ms=$_ms
		fi
		if [ -z "$_best_rss" ] || [ "$_rss" -lt "$_best_rss" ]; then
			_best_rss=$_rss
		fi
		_i=$((_i + 1))
	done
	printf '%-38s %8s ms %10s KiB\n' "$_label" "$_best_ms" "$_best_rss"
}

echo "lium CLI benchmark (best of $runs runs; wall time, peak RSS)"
measure "lium --version" "$LIUM_BIN" --version
measure "lium help" "$LIUM_BIN" help
measure "lium ls (2000 offers)" "$LIUM_BIN" ls
measure "lium ls --json (2000 offers)" "$LIUM_BIN" ls --json
measure "lium ls gpu=H100 'price<=3' (2000)" "$LIUM_BIN" ls gpu=H100 'price<=3'

# 50 pods, rented through the CLI (no waiting), then up.
i=0
while [ $i -lt 50 ]; do
	"$LIUM_BIN" up 'count>=1' -y --no-wait -q --name "bench-$i" </dev/null >/dev/null 2>"$work/up-err" ||
		fail "rent $i: $(cat "$work/up-err")"
	i=$((i + 1))
done
i=0
while :; do
	run lium ps --json
	[ "$(json '[.[] | select(.status == "RUNNING" and .ssh_cmd != null)] | length')" = 50 ] && break
	i=$((i + 1))
	[ $i -lt 300 ] || fail "50 pods did not come up"
	sleep 0.2
done
measure "lium ps (50 pods)" "$LIUM_BIN" ps
measure "lium ps --json (50 pods)" "$LIUM_BIN" ps --json
# Pin every host key first so both runs measure the same work.
"$LIUM_BIN" exec all true </dev/null >/dev/null 2>&1 || fail "exec all (warm-up)"
measure "lium exec 1 true (1 pod)" "$LIUM_BIN" exec 1 true
measure "lium exec all true (50 pods)" "$LIUM_BIN" exec all true
measure "lium exec all 'sleep 1' (50 pods)" "$LIUM_BIN" exec all 'sleep 1'

run lium down all -y
expect_rc 0
