#!/bin/sh
# The shell fixture: sim_start exports a working sandbox, sim_stop (and the
# EXIT trap) leave no process and no state directory behind.
set -u
here=$(dirname "$0")
. "$here/sim-fixture.sh"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

count_executors() {
	curl -sS -H "X-API-KEY: $SIM_API_KEY" "$SIM_URL/executors" | grep -o '"machine_name"' |
		wc -l | tr -d ' '
}

# 1. start, use, stop
sim_start --executors 7 --api-key shell-key || fail "sim_start"
[ -n "$SIM_URL" ] || fail "SIM_URL is empty"
[ "$SIM_API_KEY" = shell-key ] || fail "SIM_API_KEY is '$SIM_API_KEY', not the --api-key given"
[ -d "$SIM_STATE_DIR" ] || fail "SIM_STATE_DIR does not exist"
kill -0 "$SIM_PID" 2>/dev/null || fail "SIM_PID $SIM_PID is not running"
health=$(curl -sS "$SIM_URL/_sim/health") || fail "health request"
case $health in *'"ok":true'*) ;; *) fail "health: $health" ;; esac
[ "$(count_executors)" = 7 ] || fail "expected 7 executors, got $(count_executors)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SIM_URL/executors")
[ "$code" = 401 ] || fail "no key: HTTP $code, expected 401"
pid=$SIM_PID
dir=$SIM_STATE_DIR
sim_stop
kill -0 "$pid" 2>/dev/null && fail "celium-sim $pid still runs after sim_stop"
[ -e "$dir" ] && fail "$dir still exists after sim_stop"

# 2. the EXIT trap of a script that just ends
out=$(sh -c '. "$1/sim-fixture.sh"; sim_start --executors 1 >/dev/null || exit 9
	echo "$SIM_PID $SIM_STATE_DIR"' sh "$here") || fail "subshell start"
set -- $out
sleep 0.2
kill -0 "$1" 2>/dev/null && fail "the EXIT trap left celium-sim $1 running"
[ -e "$2" ] && fail "the EXIT trap left $2"

# 3. a SIGKILLed script: the sandbox follows its parent
out=$(sh -c '. "$1/sim-fixture.sh"; sim_start --executors 1 >/dev/null || exit 9
	echo "$SIM_PID $SIM_STATE_DIR"; exec >&-; kill -KILL $$' sh "$here")
set -- $out
[ -n "${1:-}" ] || fail "no pid from the killed script"
i=0
while kill -0 "$1" 2>/dev/null && [ $i -lt 250 ]; do
	i=$((i + 1))
	sleep 0.02
done
kill -0 "$1" 2>/dev/null && fail "celium-sim $1 survived its SIGKILLed parent"
rm -rf "$2"
echo "ok: shell fixture"
