#!/bin/sh
# The main job: lium's whole workflow on the built-in Celium sandbox.
#
# usage: run.sh <build dir>
#
# Starts celium-sim (whose pods are real sshd servers) on a free loopback
# port, points lium at it with a throw-away HOME, and runs: init, ls, up on
# two pods, ps, exec on both, scp and rsync to both, ssh, logs, down.  Each
# command is printed before it runs.  Everything it started is stopped and
# its files removed on the way out, also on failure or Ctrl-C.
set -eu

build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
LIUM="$build/lium-cli/lium"
export LIUM_SIM_BIN="$build/tests/sim/celium-sim"

for f in "$LIUM" "$LIUM_SIM_BIN"; do
	[ -x "$f" ] || {
		echo "demo: $f is missing; build first (make build)" >&2
		exit 1
	}
done

demo_dir=$(mktemp -d "${TMPDIR:-/tmp}/lium-demo.XXXXXX")
cleanup() {
	rc=$?
	trap - EXIT INT TERM
	sim_stop
	rm -rf "$demo_dir"
	exit $rc
}

# shellcheck source=/dev/null
. "$src/tests/sim/sim-fixture.sh"
sim_start --executors 24 --seed 42 --api-key demo-key-4f0c2a9b7e15
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private home: nothing here touches the real user's files or keys.
export HOME="$demo_dir/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_STATE_HOME="$HOME/.local/state"
mkdir -p "$HOME"
unset LIUM_API_KEY LIUM_PROFILE SSH_AUTH_SOCK || true
export LIUM_BASE_URL="$SIM_URL"

# Print a command like a shell session, then run it.
say() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
}
lium() {
	say "lium $*"
	"$LIUM" "$@"
}

echo "celium-sim is serving at $SIM_URL (pods are real sshd servers on this machine)"

lium --version
lium init --api-key "$SIM_API_KEY"
lium ls --limit 8
lium ls 'gpu=H100 price<=3' --sort price_gpu
lium up 1 -y --name trainer --ttl 2h
lium ls --limit 4
lium up 2 -y --name worker
lium ps
lium exec all 'echo "hello from $(hostname) as $(whoami)"; nvidia-smi -L'

mkdir -p "$demo_dir/project/src"
echo 'print("training...")' >"$demo_dir/project/train.py"
echo 'epochs = 3' >"$demo_dir/project/src/config.py"
lium scp all "$demo_dir/project/train.py"
lium rsync all "$demo_dir/project" project
lium exec all 'find project -type f | sort; cat train.py'
lium ssh trainer -- 'uname -sm; ls project'
lium logs trainer -n 5
lium ps --json
lium down all -y
lium ps

printf '\nDemo finished: two pods rented, used and removed on the sandbox.\n'
