# celium-sim fixture for shell tests (POSIX sh; source it, do not run it).
#
#   LIUM_SIM_BIN=/path/to/celium-sim      # ctest: ENVIRONMENT LIUM_SIM_BIN=$<TARGET_FILE:celium-sim>
#   . tests/sim/sim-fixture.sh
#   sim_start --executors 10              # any celium-sim options
#   curl -H "X-API-KEY: $SIM_API_KEY" "$SIM_URL/executors"
#
# sim_start starts the sandbox on a free loopback port with a fresh state
# directory and exports SIM_URL, SIM_API_KEY (the first --api-key given, else
# sim-key), SIM_STATE_DIR and SIM_PID.  It installs an EXIT trap that calls
# sim_stop; a script that needs its own EXIT trap calls sim_stop from it.
# The sandbox also terminates when the shell that started it dies.
# LIUM_SIM_VERBOSE=1 lets the sandbox log every request to stderr.

sim_stop() {
	if [ -n "${SIM_PID:-}" ]; then
		# Safe under set -e: the sandbox may already be gone.
		kill -TERM "$SIM_PID" 2>/dev/null || :
		_sim_i=0
		while kill -0 "$SIM_PID" 2>/dev/null && [ "$_sim_i" -lt 500 ]; do
			_sim_i=$((_sim_i + 1))
			sleep 0.02
		done
		kill -KILL "$SIM_PID" 2>/dev/null || :
		wait "$SIM_PID" 2>/dev/null || :
		SIM_PID=
	fi
	if [ -n "${SIM_STATE_DIR:-}" ] && [ -d "$SIM_STATE_DIR" ]; then
		rm -rf "$SIM_STATE_DIR"
	fi
	SIM_STATE_DIR=
	return 0
}

sim_start() {
	if [ -z "${LIUM_SIM_BIN:-}" ] || [ ! -x "$LIUM_SIM_BIN" ]; then
		echo "sim_start: set LIUM_SIM_BIN to the celium-sim executable" >&2
		return 1
	fi
	SIM_STATE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/celium-sim.XXXXXX") || return 1
	SIM_API_KEY=sim-key
	_sim_prev=
	_sim_keyed=
	for _sim_arg in "$@"; do
		if [ "$_sim_prev" = "--api-key" ] && [ -z "$_sim_keyed" ]; then
			SIM_API_KEY=$_sim_arg
			_sim_keyed=1
		fi
		_sim_prev=$_sim_arg
	done
	_sim_quiet=--quiet
	if [ -n "${LIUM_SIM_VERBOSE:-}" ] && [ "${LIUM_SIM_VERBOSE}" != 0 ]; then
		_sim_quiet=
	fi
	"$LIUM_SIM_BIN" --port 0 --state-dir "$SIM_STATE_DIR" \
		--url-file "$SIM_STATE_DIR/url" --exit-with-parent $_sim_quiet "$@" \
		</dev/null >/dev/null &
	SIM_PID=$!
	trap 'sim_stop' EXIT
	_sim_i=0
	while [ ! -s "$SIM_STATE_DIR/url" ]; do
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			echo "sim_start: celium-sim exited during start-up" >&2
			wait "$SIM_PID" 2>/dev/null
			SIM_PID=
			sim_stop
			return 1
		fi
		_sim_i=$((_sim_i + 1))
		if [ "$_sim_i" -gt 3000 ]; then
			echo "sim_start: celium-sim did not start within 60 s" >&2
			sim_stop
			return 1
		fi
		sleep 0.02
	done
	SIM_URL=$(head -n 1 "$SIM_STATE_DIR/url")
	export SIM_URL SIM_API_KEY SIM_STATE_DIR SIM_PID
	return 0
}
