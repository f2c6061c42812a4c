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

step "--pareto chooses the frontier's metrics"
run lium ls --json
expect_rc 0
all_front=$(json '[.[] | select(.layer == 1)] | length')
run lium ls --pareto price --json
expect_rc 0
# One metric: the frontier is exactly the cheapest offers.
json '[.[] | select(.layer == 1) | .price_per_gpu_hour] | unique | length == 1' >/dev/null
json '(map(.price_per_gpu_hour) | min) == ([.[] | select(.layer == 1)][0].price_per_gpu_hour)' >/dev/null
price_front=$(json '[.[] | select(.layer == 1)] | length')
[ "$price_front" -lt "$all_front" ] ||
	fail "price alone gave $price_front frontier offers, the defaults $all_front"
run lium ls --pareto price,vram,down~10 --json
expect_rc 0
json '[.[].layer] as $l | $l == ($l | sort)' >/dev/null

step "--pareto explains with its own metrics"
run lium ls --pareto price,vram --explain 3 --json
expect_rc 0
json '.metrics | keys == ["price", "vram"]' >/dev/null

step "ls.pareto in the config is the default"
run lium config set ls.pareto price
expect_rc 0
run lium ls --json
expect_rc 0
[ "$(json '[.[] | select(.layer == 1)] | length')" = "$price_front" ] ||
	fail "ls.pareto=price was not applied"
run lium config unset ls.pareto
expect_rc 0

step "bad --pareto lists are usage errors"
run lium ls --pareto price,bogus
expect_rc 2
stderr_has "unknown metric 'bogus'"
stderr_has "known: price, vram"
one_error_line
run lium ls --pareto price,price
expect_rc 2
stderr_has "given twice"
run lium ls --pareto 'down~200'
expect_rc 2
stderr_has "tolerance"
run lium ls --pareto 'price,'
expect_rc 2
echo "ok"
