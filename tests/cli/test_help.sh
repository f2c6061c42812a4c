#!/bin/sh
# The CLI without a server: help for every command (both spellings), the
# version, help and version untouched by a broken configuration, the man
# page naming every command and exit status, and the bash completion.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
[ -x "${LIUM_BIN:-}" ] || fail "set LIUM_BIN"
work=$(mktemp -d "${TMPDIR:-/tmp}/lium-help-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
unset LIUM_API_KEY LIUM_BASE_URL LIUM_PROFILE || true

# A broken configuration and an unreachable API: help and version must not care.
mkdir -p "$XDG_CONFIG_HOME/lium"
printf 'api: [broken\n' >"$XDG_CONFIG_HOME/lium/config.yaml"
export LIUM_BASE_URL=http://127.0.0.1:1

commands="init ls up ps exec ssh scp rsync down reboot logs config help version"
for c in $commands rm; do
	"$LIUM_BIN" help "$c" >"$work/out" 2>&1 </dev/null || fail "lium help $c"
	head -n 1 "$work/out" | grep -q '^usage: lium ' || fail "lium help $c: no usage line"
	"$LIUM_BIN" "$c" --help >"$work/out2" 2>&1 </dev/null || fail "lium $c --help"
	cmp -s "$work/out" "$work/out2" || fail "lium $c --help differs from lium help $c"
	grep -q -- "--json" "$work/out" || [ "$c" = help ] || [ "$c" = version ] ||
		fail "lium help $c does not list the global options"
	grep -q "^\.SS \"lium $c\b\|^\.SS \"lium down" "$src/lium-cli/lium.1" ||
		[ "$c" = help ] || [ "$c" = version ] || [ "$c" = rm ] || fail "lium.1 lacks $c"
done
"$LIUM_BIN" help >"$work/out" 2>&1 || fail "lium help"
for c in $commands; do
	grep -q "^  $c" "$work/out" || fail "lium help does not list $c"
done
"$LIUM_BIN" --version >"$work/out" 2>&1 || fail "lium --version with a broken config"
grep -q '^lium [0-9]' "$work/out" || fail "version line"
"$LIUM_BIN" --json version >"$work/out" || fail "lium --json version"
jq -e '.lium and .["liblium-api"]' "$work/out" >/dev/null || fail "version JSON"
"$LIUM_BIN" help nosuch >/dev/null 2>&1
[ $? -eq 2 ] || fail "help on an unknown command is not a usage error"

# Every exit status of the table is in the man page.
for code in 0 1 2 3 4 5 6 7 8 9 130; do
	grep -q "^\.B $code\$" "$src/lium-cli/lium.1" || fail "lium.1 lacks exit status $code"
done

# The bash completion completes commands, options and remembered pods.
if command -v bash >/dev/null 2>&1; then
	mkdir -p "$XDG_STATE_HOME/lium"
	printf '{"kind":"pods","time":null,"rows":[{"id":"x","huid":"brave-fox-01","label":"trainer"}]}\n' \
		>"$XDG_STATE_HOME/lium/pods.json"
	got=$(bash -c '. "$1"; COMP_WORDS=(lium l); COMP_CWORD=1; _lium; echo "${COMPREPLY[*]}"' \
		sh "$src/lium-cli/completions/lium.bash")
	[ "$got" = "ls logs" ] || fail "bash completion of 'l': '$got'"
	got=$(bash -c '. "$1"; COMP_WORDS=(lium exec b); COMP_CWORD=2; _lium; echo "${COMPREPLY[*]}"' \
		sh "$src/lium-cli/completions/lium.bash")
	[ "$got" = "brave-fox-01" ] || fail "bash completion of pods: '$got'"
	got=$(bash -c '. "$1"; COMP_WORDS=(lium ls --so); COMP_CWORD=2; _lium; echo "${COMPREPLY[*]}"' \
		sh "$src/lium-cli/completions/lium.bash")
	[ "$got" = "--sort" ] || fail "bash completion of options: '$got'"
fi
echo ok
