# Helpers for the end-to-end tests of the lium CLI (POSIX sh; source it).
#
# Needs LIUM_BIN (the built lium) and LIUM_SIM_BIN (celium-sim), both set by
# ctest.  Every test gets a private HOME and XDG directories under a temp
# directory, so nothing touches the real user's files; cli_setup starts
# celium-sim through its fixture and points LIUM_BASE_URL at it.
#
#   . "$(dirname "$0")/lib.sh"
#   cli_setup --executors 20
#   run lium ls --json;  expect_rc 0;  json '.[0].huid'

set -u

here=$(cd "$(dirname "$0")" && pwd)
src_root=$(cd "$here/../.." && pwd)

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${out_file:-}" ] && [ -f "$out_file" ]; then
		echo "--- stdout of the last command:" >&2
		head -c 4000 "$out_file" >&2
		echo "--- stderr of the last command:" >&2
		head -c 4000 "$err_file" >&2
	fi
	exit 1
}

step() {
	echo "== $*"
}

need() {
	for _p in "$@"; do
		command -v "$_p" >/dev/null 2>&1 || fail "$_p is not installed (see .ci/install-deps)"
	done
}

cli_setup() {
	[ -n "${LIUM_BIN:-}" ] && [ -x "$LIUM_BIN" ] || fail "set LIUM_BIN to the built lium"
	need jq ssh sshd ssh-keygen rsync
	work=$(mktemp -d "${TMPDIR:-/tmp}/lium-cli-test.XXXXXX") || fail "mktemp"
	export HOME="$work/home"
	export XDG_CONFIG_HOME="$work/config"
	export XDG_STATE_HOME="$work/state"
	export XDG_CACHE_HOME="$work/cache"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
	unset LIUM_API_KEY LIUM_BASE_URL LIUM_PROFILE LIUM_API_API_KEY NO_COLOR SSH_AUTH_SOCK \
		EDITOR VISUAL || true
	out_file="$work/stdout"
	err_file="$work/stderr"
	# shellcheck source=/dev/null
	. "$src_root/tests/sim/sim-fixture.sh"
	sim_start "$@" || fail "celium-sim did not start"
	trap 'cli_teardown' EXIT
	export LIUM_BASE_URL="$SIM_URL"
}

cli_teardown() {
	_rc=$?
	sim_stop
	if [ -n "${work:-}" ] && [ -d "$work" ]; then
		rm -rf "$work"
	fi
	exit $_rc
}

# run CMD...: runs with stdin from /dev/null (never a terminal), captures
# stdout/stderr into $out_file/$err_file and the status into $rc.
run() {
	_prog=$1
	shift
	if [ "$_prog" = lium ]; then
		_prog=$LIUM_BIN
	fi
	"$_prog" "$@" </dev/null >"$out_file" 2>"$err_file"
	rc=$?
	sanitizer_check "$err_file"
	return 0
}

# Under ASan/UBSan a report can hide behind an expected non-zero status.
sanitizer_check() {
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$1"; then
		sed -n '1,60p' "$1" >&2
		fail "sanitizer report"
	fi
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "expected exit status $1, got $rc${2:+ ($2)}"
}

stdout_has() {
	grep -q -e "$1" "$out_file" || fail "stdout lacks '$1'"
}

stderr_has() {
	grep -q -e "$1" "$err_file" || fail "stderr lacks '$1'"
}

stdout_lacks() {
	! grep -q -e "$1" "$out_file" || fail "stdout has '$1'"
}

stderr_lacks() {
	! grep -q -e "$1" "$err_file" || fail "stderr has '$1'"
}

stdout_empty() {
	[ ! -s "$out_file" ] || fail "stdout is not empty"
}

# json FILTER: jq over the last stdout (which must parse); prints the result.
json() {
	jq -e -r "$1" "$out_file" 2>/dev/null || fail "stdout JSON: '$1' does not hold"
}

# json_err FILTER: the same over stderr (the JSON error object).
json_err() {
	jq -e -r "$1" "$err_file" 2>/dev/null || fail "stderr JSON: '$1' does not hold"
}

# Exactly one line on stderr: the `lium: what: why` error.
one_error_line() {
	[ "$(wc -l <"$err_file")" -le 2 ] || fail "stderr has more than the error line"
	grep -q '^lium: ' "$err_file" || fail "stderr has no 'lium: ...' line"
}

sim_get() {
	curl -fsS -H "X-API-KEY: $SIM_API_KEY" "$SIM_URL$1"
}

sim_post() {
	curl -fsS -H "X-API-KEY: $SIM_API_KEY" -H 'Content-Type: application/json' \
		-X POST -d "$2" "$SIM_URL$1"
}

sim_delete() {
	curl -fsS -H "X-API-KEY: $SIM_API_KEY" -X DELETE "$SIM_URL$1"
}

# How many requests the sandbox saw for METHOD and a path prefix.
sim_count() {
	sim_get /_sim/requests |
		jq --arg m "$1" --arg p "$2" '[.[] | select(.method == $m and (.path | startswith($p)))] | length'
}

# Set up lium non-interactively against the sandbox.
cli_init() {
	run lium init --api-key "$SIM_API_KEY"
	expect_rc 0 "lium init"
}
