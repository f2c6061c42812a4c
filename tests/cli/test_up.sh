#!/bin/sh
# End to end: the ways of `lium up` -- --image with -e (a one-time template),
# -t by name, volumes (new: and id:), --until, --ports, queries that match
# nothing -- and what it sends (X-Source: cli, one rent per up); then exec's
# --timeout and --fail-fast on real pods.
. "$(dirname "$0")/lib.sh"

cli_setup --executors 16 --seed 21
cli_init

step "--image with -e: a private one-time template, the environment in it"
run lium ls
run lium up 1 -y --image python:3.11 -e GREETING=hi -e MODE=test --name img --json
expect_rc 0 "up --image"
[ "$(json '.ready')" = true ] || fail "not ready"
sim_get /templates >"$work/templates.json"
jq -e '[.[] | select(.docker_image == "python" and .docker_image_tag == "3.11"
	and .one_time_template == true and .is_private == true
	and .environment.GREETING == "hi" and .environment.MODE == "test"
	and (.name | startswith("ephemeral-")))] | length == 1' "$work/templates.json" >/dev/null ||
	fail "no one-time template for python:3.11 with the environment"
sim_get /_sim/requests >"$work/requests.json"
jq -e '[.[] | select(.method == "POST" and (.path | endswith("/rent")))] |
	length == 1 and all(.[]; .headers["x-source"] == "cli")' "$work/requests.json" >/dev/null ||
	fail "the rent was not sent once with X-Source: cli"

step "-t by template name; an unknown template is not found"
tname=$(sim_get /templates | jq -r '[.[] | select(.user_id == null)][0].name')
run lium ls
run lium up 1 -y -t "$tname" --name named --no-wait --json
expect_rc 0 "up -t NAME"
run lium ps named --json
[ "$(json '.[0].template')" = "$tname" ] || fail "the pod does not use template '$tname'"
run lium ls
run lium up 1 -y -t no-such-template
expect_rc 4
stderr_has "no template 'no-such-template'"

step "volumes: new: creates one, id: attaches an existing one"
run lium ls
run lium up 1 -y --volume new:name=data,desc=datasets --name withvol --no-wait
expect_rc 0 "up --volume new:"
vol=$(sim_get /volumes | jq -r '.[] | select(.name == "data") | .id')
[ -n "$vol" ] || fail "no volume 'data'"
[ "$(sim_get /pods | jq -r '.[] | select(.pod_name == "withvol") | .volume_id')" = "$vol" ] ||
	fail "the new volume is not attached"
run lium ls
run lium up 1 -y --volume new:desc=nameless
expect_rc 2
run lium ls
run lium up 1 -y --volume id:no-such-volume
expect_rc 4

step "--until schedules the removal at that time"
run lium ls
run lium up 1 -y --until 'tomorrow 09:00' --name until --no-wait --json
expect_rc 0
json '.pod.removal_scheduled_at != null' >/dev/null
run lium ps until --json
json '.[0].ttl_seconds > 3600' >/dev/null
run lium ls
run lium up 1 -y --until '2001-01-01 10:00'
expect_rc 2
stderr_has 'not in the future'

step "--ports above what the offer has is refused; queries that match nothing"
run lium ls
run lium up 1 -y --ports 1000
expect_rc 9
stderr_has 'open ports'
run lium up 'gpu=H100 price<=0.0001' -y
expect_rc 4
stderr_has 'no offer matches'
run lium up 'gpu=H100 nosuchfield=1' -y
expect_rc 2

step "--dockerfile builds on the node; --jupyter installs and prints the URL"
printf 'FROM ubuntu:22.04\nRUN echo built\n' >"$work/Dockerfile"
run lium ls
run lium up 1 -y --dockerfile "$work/Dockerfile" --name built --json
expect_rc 0 "up --dockerfile"
run lium ls
run lium up 1 -y --jupyter --name jup --json
expect_rc 0 "up --jupyter"
json '.jupyter_url | startswith("http")' >/dev/null
run lium ps jup --json
json '.[0].jupyter_url | startswith("http")' >/dev/null
sim_get /_sim/requests >"$work/requests.json"
jq -e '[.[] | select(.method == "POST" and (.path | endswith("/rent")))] | .[-2] |
	.body.template_id == null and (.body.dockerfile_content | contains("RUN echo built"))' \
	"$work/requests.json" >/dev/null || fail "the Dockerfile was not sent in place of a template"
: >"$work/empty"
run lium up 1 -y --dockerfile "$work/empty"
expect_rc 2
run lium up 1 -y --dockerfile "$work/Dockerfile" --image python:3.11
expect_rc 2
run lium up 1 -y --internal-ports 22,8000
expect_rc 2
stderr_has 'need --image'

step "exec --timeout stops a command that runs too long (exit 7)"
t0=$(date +%s)
run lium exec img --timeout 1s 'sleep 20'
expect_rc 7
[ $(($(date +%s) - t0)) -lt 10 ] || fail "--timeout did not stop the command"

step "exec --fail-fast stops the others when one fails"
run lium ps
t0=$(date +%s)
run lium exec img,named --fail-fast --json 'if [ "$GREETING" = hi ]; then exit 3; fi; sleep 20'
[ $(($(date +%s) - t0)) -lt 10 ] || fail "--fail-fast did not stop the other pod"
json '[.results[] | select(.name == "img")][0].exit_code == 3' >/dev/null
json '[.results[] | select(.name == "named")][0].status == "cancelled"' >/dev/null
[ "$rc" -ne 0 ] || fail "exec --fail-fast reported success"

run lium down all -y
expect_rc 0
[ "$(sim_count POST /executors/)" = 6 ] || fail "expected exactly 6 rents, one per successful up"
echo "ok"
