#!/bin/sh
# End to end: `lium ls` over more offers than one page of GET /executors
# (the official client stops at 1000): every offer once, rows beyond 1000
# rentable, the Pareto order intact.
. "$(dirname "$0")/lib.sh"

cli_setup --executors 1300 --seed 13
cli_init

step "every offer, each once, over two pages"
run lium ls --json
expect_rc 0
[ "$(json 'length')" = 1300 ] || fail "expected 1300 offers, got $(json 'length')"
[ "$(json '[.[].id] | unique | length')" = 1300 ] || fail "an offer is listed twice"
json '[.[].layer] as $l | $l == ($l | sort)' >/dev/null
[ "$(sim_count GET /executors)" -ge 2 ] || fail "the second page was not fetched"

step "a row from the second page is rentable"
row_id=$(json '.[1199].id')
run lium up 1200 -y --name far --no-wait --json
expect_rc 0 "up 1200"
[ "$(sim_get /pods | jq -r '.[] | select(.pod_name == "far") | .executor.id')" = "$row_id" ] ||
	fail "up 1200 did not rent row 1200"
run lium down far -y
expect_rc 0
echo "ok"
