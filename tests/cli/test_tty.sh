#!/bin/sh
# End to end on a terminal (a pty from script(1)): prompts appear and their
# answers count, secrets are read without echo, colour and progress show
# only on a terminal and never with NO_COLOR or --no-color, ps --watch
# refreshes in place.
. "$(dirname "$0")/lib.sh"

need script
cli_setup --executors 8 --seed 5 --api-key tty-secret-key-93b1c7d2

# tty_run INPUT DELAY CMD: CMD on a pty; INPUT typed after DELAY seconds.
tty_run() {
	(
		sleep "$2"
		printf '%b' "$1"
		sleep 1
	) | script -qec "$3" /dev/null >"$out_file" 2>&1
	rc=$?
	sanitizer_check "$out_file"
}

L=$LIUM_BIN
colour='\[3[0-9]m'

step "init asks for the key on a terminal, without echo"
tty_run "$SIM_API_KEY\n" 1 "$L init"
expect_rc 0 "interactive init"
stdout_has 'API key'
stdout_lacks "$SIM_API_KEY"
grep -q "$SIM_API_KEY" "$XDG_CONFIG_HOME/lium/config.yaml" || fail "the key was not saved"

step "colour and progress on a terminal only"
tty_run "" 0 "$L ls"
expect_rc 0
grep -q "$colour" "$out_file" || fail "no colour on a terminal"
stdout_has 'Loading offers'
NO_COLOR=1 tty_run "" 0 "$L ls"
expect_rc 0
! grep -q "$colour" "$out_file" || fail "colour despite NO_COLOR"
tty_run "" 0 "$L ls --no-color"
! grep -q "$colour" "$out_file" || fail "colour despite --no-color"
run lium ls
! grep -q "$colour" "$out_file" || fail "colour into a pipe"
! grep -q 'Loading offers' "$err_file" || fail "progress into a pipe"

step "up asks; 'n' rents nothing"
tty_run "n\n" 1 "$L up 1 --name asked"
expect_rc 1
stdout_has 'Rent .* \[y/N\]'
stdout_has 'nothing rented'
[ "$(sim_count POST /executors/)" = 0 ] || fail "rented after 'n'"

step "up asks; 'y' rents"
tty_run "y\n" 1 "$L up 1 --name asked"
expect_rc 0 "up after 'y'"
stdout_has 'is ready'
[ "$(sim_count POST /executors/)" = 1 ] || fail "expected one rent"

step "ssh without a command is an interactive shell on the terminal"
tty_run "echo hi-from-\$((6*7))\nexit\n" 2 "$L ssh asked"
expect_rc 0 "interactive ssh"
stdout_has 'hi-from-42'

step "scp shows one progress line on a terminal"
head -c 8000000 /dev/urandom >"$work/big.bin"
tty_run "" 0 "$L scp asked $work/big.bin"
expect_rc 0
stdout_has 'Uploading to 1 pod'

step "down asks; 'n' keeps the pod, 'y' removes it"
tty_run "n\n" 1 "$L down asked"
expect_rc 1
stdout_has 'Remove 1 pod'
run lium ps --json
[ "$(json 'length')" = 1 ] || fail "removed after 'n'"

step "ps --watch refreshes in place until Ctrl-C"
tty_run "" 0 "timeout -s INT 3 $L ps --watch --interval 1"
grep -q 'Every 1s' "$out_file" || fail "no watch header"
[ "$(grep -c 'Every 1s' "$out_file")" -ge 2 ] || fail "no refresh"
grep -q "$(printf '\033\\[2J')" "$out_file" || fail "the screen is not redrawn in place"
run lium ps --watch
expect_rc 2

step "config set asks for a secret without echo"
tty_run "another-key-0123456789\n" 1 "$L config set api.api_key"
expect_rc 0
stdout_lacks 'another-key-0123456789'
run lium config get api.api_key --reveal
stdout_has 'another-key-0123456789'
run lium config set api.api_key "$SIM_API_KEY"

tty_run "y\n" 1 "$L down asked"
expect_rc 0
stdout_has 'Removed'
echo "ok"
