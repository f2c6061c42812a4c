#!/bin/sh
# End to end: every error path gives one clear line on stderr (or a JSON
# error object with --json), a documented exit status, and changes nothing:
# bad flags, bad targets, bad filters, missing and wrong keys, injected
# server faults, an unreachable pod, a changed host key, no prompt without a
# terminal, refused prices, and no secret in any output.
. "$(dirname "$0")/lib.sh"

cli_setup --executors 12 --seed 3 --api-key secret-key-7f3a9c2e51d0

step "usage errors: exit 2, one line, a hint"
run lium ls --bogus
expect_rc 2
stderr_has "unknown option '--bogus'"
stderr_has "Try 'lium help ls'"
stdout_empty
run lium frobnicate
expect_rc 2
stderr_has "unknown command 'frobnicate'"
run lium
expect_rc 2
run lium ls --limit ten
expect_rc 2
stderr_has "not a number"
run lium ls --sort cheapest
expect_rc 2
stderr_has 'valid: download, upload, price_gpu'
run lium exec
expect_rc 2
stderr_has 'missing TARGETS'
run lium exec all
expect_rc 2
stderr_has 'missing CMD'
run lium exec all --script /nonexistent/script.sh
expect_rc 2
run lium exec all -e 1BAD=x true
expect_rc 2
run lium up
expect_rc 2
stderr_has 'missing OFFER'
run lium up 1 -y --ttl 2h --until 18:00
expect_rc 2
stderr_has 'cannot be combined'
run lium up 1 -y --ttl soon
expect_rc 2
stderr_has 'invalid duration'
run lium down 1 -y --in 5m --at 18:00
expect_rc 2
run lium down -y
expect_rc 2
stderr_has 'missing TARGETS'
run lium logs
expect_rc 2
run lium scp all /nonexistent/file
expect_rc 2
stderr_has 'does not exist'
run lium --json ls --bogus
expect_rc 2
json_err '.error.code == "usage" and .error.exit == 2' >/dev/null
stdout_empty

step "bad filters: exit 2, the position and the known fields"
run lium ls 'gpu=H100 cont>=2'
expect_rc 2
stderr_has "unknown field 'cont'"
stderr_has 'known fields: gpu'
grep -q '^ *\^$' "$err_file" || fail "no caret under the problem"
run lium ls 'price<=abc'
expect_rc 2
run lium --json ls 'count>>2'
expect_rc 2
json_err '.error.code == "usage"' >/dev/null

step "no API key: exit 3 and what to do"
run lium ls
expect_rc 3
stderr_has "run 'lium init'"
one_error_line
run lium ps --json
expect_rc 3
json_err '.error.code == "auth"' >/dev/null

step "wrong key: exit 3, the key never printed"
LIUM_API_KEY=wrong-key-0123456789 run lium ls
expect_rc 3
stderr_has '401'
run lium init --api-key wrong-key-0123456789
expect_rc 3
[ ! -e "$XDG_CONFIG_HOME/lium/config.yaml" ] || fail "a rejected key was saved"

cli_init

step "no prompt without a terminal: usage error, nothing rented or removed"
run lium ls
run lium up 1
expect_rc 2
stderr_has 'pass -y'
[ "$(sim_count POST /executors/)" = 0 ] || fail "up rented without a confirmation"

step "--max-price refuses, exit 9, nothing rented"
run lium ls --sort price_gpu
run lium up 1 -y --max-price 0.0001
expect_rc 9
stderr_has 'above the limit'
[ "$(sim_count POST /executors/)" = 0 ] || fail "rented above --max-price"

step "rows and offers that do not exist: exit 4"
run lium up 99 -y
expect_rc 4
stderr_has 'out of range'
run lium up no-such-offer -y
expect_rc 4

run lium up 1 -y --name alpha --json
expect_rc 0 "up alpha"
alpha_id=$(json '.pod.id')
run lium up 2 -y --name beta --json
expect_rc 0 "up beta"
beta_id=$(json '.pod.id')
run lium ps

step "bad targets: named in the error, never dropped silently"
run lium down all
expect_rc 2
run lium ps --json
[ "$(json 'length')" = 2 ] || fail "down without -y removed pods"
run lium exec nosuch true
expect_rc 4
stderr_has "target 'nosuch'"
run lium exec 7 true
expect_rc 4
stderr_has 'out of range'
run lium exec 'alpha,nosuch' 'touch ran-it'
expect_rc 4
run lium exec alpha 'test ! -e ran-it'
expect_rc 0 "a command ran although a target did not match"
run lium exec 2-1 true
expect_rc 2
stderr_has 'reversed range'
run lium --json exec nosuch true
expect_rc 4
json_err '.error.code == "not_found" and .error.exit == 4' >/dev/null
stdout_empty
run lium logs alpha,beta
expect_rc 2
run lium ssh nosuch
expect_rc 4

step "injected faults: retried, then reported with exit 8"
sim_post /_sim/faults '{"method":"GET","path":"/executors","mode":"status","status":503,"count":1}' >/dev/null
run lium ls --json
expect_rc 0 "one 503 is retried"
sim_post /_sim/faults '{"method":"GET","path":"/executors","mode":"status","status":503,"count":10}' >/dev/null
run lium ls
expect_rc 8
stderr_has '503'
one_error_line
sim_delete /_sim/faults >/dev/null
sim_post /_sim/faults '{"method":"GET","path":"/pods","mode":"malformed","count":10}' >/dev/null
run lium ps
expect_rc 8
stderr_has 'unexpected response'
sim_delete /_sim/faults >/dev/null
sim_post /_sim/faults '{"method":"DELETE","path":"/pods/*","mode":"status","status":500,"count":10}' >/dev/null
run lium down alpha -y
expect_rc 8
stderr_has 'alpha'
sim_delete /_sim/faults >/dev/null
run lium ps --json
[ "$(json 'length')" = 2 ] || fail "a failed down lost a pod"
run lium exec alpha true
expect_rc 0 "alpha still works"

step "an uncertain rent is resolved, never repeated: exactly one pod"
run lium ls --json
before=$(sim_get /pods | jq length)
sim_post /_sim/faults '{"method":"POST","path":"/executors/*/rent","mode":"drop","when":"after","count":1}' >/dev/null
run lium up 3 -y --name gamma --json
expect_rc 0 "up after a dropped rent response"
sim_delete /_sim/faults >/dev/null
after=$(sim_get /pods | jq length)
[ "$after" = $((before + 1)) ] || fail "expected one new pod, got $((after - before))"
[ "$(sim_get /pods | jq '[.[] | select(.pod_name == "gamma")] | length')" = 1 ] ||
	fail "gamma rented twice"
run lium down gamma -y
expect_rc 0

step "a refused rent (422): exit 9, no pod"
run lium ls
sim_post /_sim/faults '{"method":"POST","path":"/executors/*/rent","mode":"status","status":422,"count":1}' >/dev/null
run lium up 1 -y --name delta
expect_rc 9
sim_delete /_sim/faults >/dev/null
[ "$(sim_get /pods | jq '[.[] | select(.pod_name == "delta")] | length')" = 0 ] || fail "delta exists"

step "an unreachable pod: partial failure 6, its own failure named"
sim_post "/_sim/pods/$beta_id/ssh" '{"running": false}' >/dev/null
run lium exec all 'echo up'
expect_rc 6
stdout_has '^alpha: up'
stderr_has 'beta'
stderr_has '1/2 succeeded'
run lium exec beta true
[ "$rc" -ne 0 ] || fail "exec on an unreachable pod succeeded"
run lium scp beta "$LIUM_BIN"
[ "$rc" -ne 0 ] || fail "scp to an unreachable pod succeeded"
run lium ssh beta -- true
[ "$rc" -ne 0 ] || fail "ssh to an unreachable pod succeeded"
sim_post "/_sim/pods/$beta_id/ssh" '{"running": true}' >/dev/null

step "a changed host key is refused (exit 9), by libssh and by OpenSSH"
kh="$XDG_STATE_HOME/lium/known_hosts"
grep -q "^$alpha_id " "$kh" || fail "alpha's key is not pinned"
ssh-keygen -q -t ed25519 -N '' -f "$work/otherkey"
other=$(cut -d' ' -f1,2 "$work/otherkey.pub")
sed -i "s|^$alpha_id .*|$alpha_id $other|" "$kh"
run lium exec alpha true
expect_rc 9
stderr_has 'alpha'
run lium ssh alpha -- true
[ "$rc" -ne 0 ] || fail "OpenSSH accepted a changed host key"
grep -q "^$alpha_id $other" "$kh" || fail "the pinned entry was overwritten"

step "secrets: -v traces and config output never show the key"
run lium -v ps
expect_rc 0
stderr_has 'GET'
stderr_lacks "$SIM_API_KEY"
run lium config show
stdout_lacks "$SIM_API_KEY"
run lium config get api.api_key
stdout_lacks "$SIM_API_KEY"
run lium --json config show
stdout_lacks "$SIM_API_KEY"

run lium down all -y
expect_rc 0
echo "ok"
