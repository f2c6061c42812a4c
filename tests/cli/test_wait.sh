#!/bin/sh
# End to end: `lium up` while the pod does not come up: the wait times out
# (exit 7) or is interrupted with Ctrl-C (exit 130); either way the pod
# exists, nothing is rented twice, and the message says how to remove it.
. "$(dirname "$0")/lib.sh"

# Pods stay PENDING for ten minutes in this sandbox.
cli_setup --executors 8 --seed 11 --pending-ms 600000

cli_init
run lium ls

step "--timeout: exit 7, the pod is named with the command to remove it"
run lium up 1 -y --name slow --timeout 3s
expect_rc 7
stderr_has 'not ready after'
[ "$(sim_get /pods | jq '[.[] | select(.pod_name == "slow")] | length')" = 1 ] ||
	fail "the pod does not exist once"
run lium ps slow --json
json '.[0].status == "PENDING"' >/dev/null
run lium ls
run lium up 1 -y --name slow2 --timeout 2s
expect_rc 7
stderr_has "lium down "

step "Ctrl-C while waiting: exit 130, the pod exists, the hint names it"
run lium ls
"$LIUM_BIN" up 1 -y --name interrupted </dev/null >"$out_file" 2>"$err_file" &
pid=$!
i=0
while ! grep -q 'Rented' "$err_file" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
sanitizer_check "$err_file"
expect_rc 130
stderr_has 'interrupted while waiting'
stderr_has 'lium down '
pod=$(sim_get /pods | jq -r '[.[] | select(.pod_name == "interrupted")] | length')
[ "$pod" = 1 ] || fail "expected the interrupted pod to exist once, found $pod"
hint=$(sed -n 's/.*remove it with: lium down \([a-z0-9-]*\).*/\1/p' "$err_file")
run lium ps "$hint" --json
expect_rc 0
[ "$(json '.[0].name')" = interrupted ] || fail "the hint names another pod"

step "--no-wait returns at once with the pod"
run lium ls
run lium up 1 -y --no-wait --json
expect_rc 0
[ "$(json '.ready')" = false ] || fail "--no-wait"

run lium down all -y
expect_rc 0
[ "$(sim_count POST /executors/)" = 4 ] || fail "expected 4 rents, one per up"
echo "ok"
