#!/bin/sh
# End to end: the whole workflow against celium-sim with real sshd pods:
# init, ls, up x2, ps, exec on both, scp, rsync, ssh with a command, logs,
# down -- with exit codes and JSON checked by parsing it.
. "$(dirname "$0")/lib.sh"

cli_setup --executors 30 --seed 7

step "version and help work without a configuration or a server"
run lium --version
expect_rc 0
stdout_has '^lium [0-9]'
run lium help up
expect_rc 0
stdout_has '^usage: lium up'
run lium ps --help
expect_rc 0
stdout_has '^usage: lium ps'

step "init: checks the key, makes an ed25519 key, registers it"
run lium init --api-key "$SIM_API_KEY" --json
expect_rc 0
[ "$(json '.user.email')" != "" ] || fail "no email"
[ "$(json '.key_created')" = true ] || fail "key not created"
[ "$(json '.key_registered')" = true ] || fail "key not registered"
[ -f "$HOME/.ssh/id_ed25519" ] || fail "no private key"
[ "$(stat -c %a "$HOME/.ssh/id_ed25519")" = 600 ] || fail "private key is not 0600"
[ "$(stat -c %a "$XDG_CONFIG_HOME/lium/config.yaml")" = 600 ] || fail "config is not 0600"
[ "$(sim_get /ssh-keys | jq length)" = 1 ] || fail "the key is not registered once"
run lium init
expect_rc 0
stdout_has 'already registered'
[ "$(sim_get /ssh-keys | jq length)" = 1 ] || fail "init registered the key twice"

step "ls: table with the frontier marked, JSON in the same order, remembered"
run lium ls
expect_rc 0
stdout_has '★'
stdout_has 'lium up <row>'
run lium ls --json
expect_rc 0
n=$(json 'length')
[ "$n" = 30 ] || fail "expected 30 offers, got $n"
json 'all(.[]; has("huid") and has("price_per_gpu_hour") and has("is_pareto"))' >/dev/null
# Frontier rows first, then the default sort (download, descending spec speed).
json '[.[].layer] as $l | $l == ($l | sort)' >/dev/null
json '.[0].is_pareto == true' >/dev/null
json '[.[].index] == [range(1; 31)]' >/dev/null
run lium ls --sort price_gpu --limit 5 --json
expect_rc 0
[ "$(json 'length')" = 5 ] || fail "--limit 5"
json '[.[] | select(.layer == 1) | .price_per_gpu_hour] as $p | $p == ($p | sort)' >/dev/null
run lium ls 'price<=1.5' count'>='2 --json
expect_rc 0
json 'all(.[]; .price_per_gpu_hour <= 1.5 and .gpu_count >= 2)' >/dev/null
run lium ls --gpu H100 --json
expect_rc 0
json 'all(.[]; .gpu_type == "H100")' >/dev/null

step "ls --explain: a dominated offer names its dominator"
run lium ls --json
layer2=$(jq -r '[.[] | select(.layer > 1)][0].index // empty' "$out_file")
if [ -n "$layer2" ]; then
	run lium ls --explain "$layer2" --json
	expect_rc 0
	json '.on_frontier == false and .dominated_by.huid != null and (.better_on | length) > 0' >/dev/null
	run lium ls --explain "$layer2"
	expect_rc 0
	stdout_has 'is not on the Pareto frontier'
fi
run lium ls --explain 1
expect_rc 0
stdout_has 'is on the Pareto frontier'

step "up: the cheapest frontier offer of a query, by row, with a TTL"
run lium ls --sort price_gpu --json
first_id=$(json '.[0].id')
run lium up 1 -y --name alpha --ttl 2h --json
expect_rc 0 "up 1"
[ "$(json '.ready')" = true ] || fail "pod not ready"
[ "$(json '.pod.name')" = alpha ] || fail "pod name"
json '.pod.removal_scheduled_at != null' >/dev/null
alpha=$(json '.pod.huid')
# It was rented on the offer of row 1 that the user saw.
[ "$(sim_get /pods | jq -r --arg h alpha '.[] | select(.pod_name == $h) | .executor.id')" = "$first_id" ] ||
	fail "up 1 did not rent row 1 of the last ls"
run lium up 'count>=1 price<=5' -y --name beta
expect_rc 0 "up with a query"
stdout_has 'is ready'
stdout_has 'lium ssh'
[ "$(sim_count POST /executors/)" = 2 ] || fail "expected exactly 2 rent requests"

step "ps: both pods, with price, spent, uptime, TTL; JSON parses"
run lium ps
expect_rc 0
stdout_has 'alpha'
stdout_has 'beta'
stdout_has 'RUNNING'
run lium ps --json
expect_rc 0
[ "$(json 'length')" = 2 ] || fail "ps shows 2 pods"
json 'all(.[]; .status == "RUNNING" and .price_per_hour > 0 and .ssh_cmd != null)' >/dev/null
json '[.[] | select(.name == "alpha")][0].ttl_seconds > 7000' >/dev/null
json '[.[] | select(.name == "beta")][0].ttl_seconds == null' >/dev/null
run lium ps alpha --json
expect_rc 0
[ "$(json 'length')" = 1 ] || fail "ps alpha"

step "exec on both pods: prefixed lines, per-pod results, exit codes"
run lium exec all 'echo out-$(whoami); echo err-line >&2'
expect_rc 0
stdout_has '^alpha: out-'
stdout_has '^beta: out-'
stderr_has '^alpha: err-line'
stderr_has '2/2 succeeded'
run lium exec alpha,beta -e GREETING=hi -- 'echo "$GREETING there"'
expect_rc 0
stdout_has '^alpha: hi there'
run lium exec all 'test "$(cat /dev/null)" = x'
expect_rc 5 "every pod failed"
run lium exec alpha 'touch only-on-alpha'
expect_rc 0
run lium exec all 'test -e only-on-alpha'
expect_rc 6 "some pods failed"
stderr_has '1/2 succeeded'
run lium exec --json all 'echo json-out; exit 3'
expect_rc 5
json '.failed == 2 and .ok == 0' >/dev/null
json 'all(.results[]; .exit_code == 3 and .stdout == "json-out\n" and .status == "failed")' >/dev/null
run lium exec --jsonl 1 'echo a'
expect_rc 0
tail -n 1 "$out_file" | jq -e '.type == "summary" and .ok == 1' >/dev/null || fail "jsonl summary"
head -n 1 "$out_file" | jq -e '.type == "line" and .text == "a"' >/dev/null || fail "jsonl line"
printf 'echo from-script\nexit 0\n' >"$work/script.sh"
run lium exec all --script "$work/script.sh"
expect_rc 0
stdout_has '^beta: from-script'

step "scp: upload to both, download from both"
mkdir -p "$work/data/sub"
echo payload-1 >"$work/data/one.txt"
echo payload-2 >"$work/data/sub/two.txt"
run lium scp all "$work/data/one.txt"
expect_rc 0
run lium exec all 'cat one.txt'
stdout_has '^alpha: payload-1'
stdout_has '^beta: payload-1'
run lium scp all "$work/data" tree --json
expect_rc 0
json '.ok == 2' >/dev/null
run lium exec all 'cat tree/sub/two.txt'
expect_rc 0
stdout_has '^beta: payload-2'
mkdir -p "$work/down"
run lium scp -d all one.txt "$work/down"
expect_rc 0
[ "$(cat "$work/down/$alpha-one.txt")" = payload-1 ] || fail "download from alpha"
[ "$(ls "$work/down" | wc -l)" = 2 ] || fail "download from both"
run lium scp -d alpha tree/sub/two.txt "$work/down/single.txt"
expect_rc 0
[ "$(cat "$work/down/single.txt")" = payload-2 ] || fail "single download"

step "rsync: synchronise a directory to both pods"
run lium rsync all "$work/data" synced
expect_rc 0 "rsync"
run lium exec all 'cat synced/one.txt synced/sub/two.txt'
expect_rc 0
stdout_has '^alpha: payload-2'
echo changed >"$work/data/one.txt"
run lium rsync alpha "$work/data" synced --delete
expect_rc 0
run lium exec alpha 'cat synced/one.txt'
stdout_has 'changed'

step "ssh with a command through OpenSSH, with the pinned key"
run lium ssh alpha -- echo via-openssh
expect_rc 0
stdout_has '^via-openssh$'
run lium ssh beta 'exit 7'
expect_rc 7 "ssh passes the remote exit status through"
[ "$(grep -c . "$XDG_STATE_HOME/lium/known_hosts")" = 2 ] || fail "one pinned key per pod"

step "logs"
run lium logs alpha -n 5
expect_rc 0
[ "$(wc -l <"$out_file")" -le 5 ] || fail "logs -n 5"
run lium logs alpha --json
expect_rc 0
json '.lines | length > 0' >/dev/null

step "reboot needs -y without a terminal; with -y it reboots"
run lium reboot beta
expect_rc 2
run lium reboot beta -y
expect_rc 0
stdout_has 'Rebooting'

step "down: schedule, then remove both; the pins are forgotten"
run lium down beta --in 30m -y --json
expect_rc 0
json '.results[0].action == "schedule_removal"' >/dev/null
run lium ps beta --json
json '.[0].ttl_seconds > 1700' >/dev/null
run lium down alpha --at 'tomorrow 10:00' -y --json
expect_rc 0
json '.results[0].removal_scheduled_at != null' >/dev/null
run lium ps alpha --json
json '.[0].ttl_seconds > 3600' >/dev/null
run lium down alpha --at '2001-01-01 10:00' -y
expect_rc 2
run lium rm all -y --json
expect_rc 0
json '.ok == 2' >/dev/null
run lium ps --json
expect_rc 0
json 'all(.[]; .status == "DELETING")' >/dev/null
i=0
while [ "$(json 'length')" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
	run lium ps --json
done
[ "$(json 'length')" = 0 ] || fail "pods left after down"
[ ! -s "$XDG_STATE_HOME/lium/known_hosts" ] || fail "pins of removed pods were kept"
echo "ok"
