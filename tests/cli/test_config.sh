#!/bin/sh
# End to end: lium config -- get/set/unset/show/path/edit/reset, profiles,
# the layering defaults < file < environment < flags, the import of the
# official ~/.lium/config.ini, validation with the valid values listed, and
# a broken file reported with its line (and still editable).
. "$(dirname "$0")/lib.sh"

cli_setup --executors 4 --api-key cfg-secret-key-5d2e8a1f0c
cfg="$XDG_CONFIG_HOME/lium/config.yaml"

step "path and defaults"
run lium config path
expect_rc 0
[ "$(cat "$out_file")" = "$cfg" ] || fail "config path"
run lium config get api.base_url
expect_rc 0
stdout_has "$SIM_URL"
run lium --json config get ls.sort
expect_rc 0
json '.value == "download" and .source == "default"' >/dev/null
run lium config get api.api_key
expect_rc 4
run lium config keys --json
expect_rc 0
json 'map(.key) | index("api.api_key") != null' >/dev/null

step "the official config.ini is used when there is no YAML file"
mkdir -p "$HOME/.lium"
printf '[api]\napi_key = %s\n\n[ssh]\nkey_path = ~/.ssh/id_ed25519\n[update]\nauto_check = false\n' \
	"$SIM_API_KEY" >"$HOME/.lium/config.ini"
run lium ls --json
expect_rc 0 "ls with the key from config.ini"
run lium --json config show
json '.imported_ini == true and .values["api.api_key"].source == "config.ini"' >/dev/null
stdout_lacks "$SIM_API_KEY"

step "set writes YAML (0600), with the imported values"
run lium config set ui.color never
expect_rc 0
[ -f "$cfg" ] || fail "no YAML file"
[ "$(stat -c %a "$cfg")" = 600 ] || fail "config is not 0600"
grep -q "$SIM_API_KEY" "$cfg" || fail "the imported key was not written"
run lium --json config show
json '.imported_ini == false and .values["ui.color"].value == "never" and .values["api.api_key"].source == "file"' >/dev/null

step "invalid keys and values are rejected with the valid ones listed"
cp "$cfg" "$work/before.yaml"
run lium config set ui.color purple
expect_rc 2
stderr_has 'valid: auto, always, never'
run lium config set ls.sortt gpu
expect_rc 2
stderr_has 'valid keys: api.api_key'
run lium config set exec.parallel 0
expect_rc 2
run lium config set api.base_url lium.io
expect_rc 2
cmp -s "$cfg" "$work/before.yaml" || fail "a rejected value changed the file"

step "layering: file < environment < flags"
run lium config set api.timeout 20
run lium --json config get api.timeout
json '.value == "20" and .source == "file"' >/dev/null
LIUM_API_TIMEOUT=25 run lium --json config get api.timeout
json '.value == "25" and .source == "env"' >/dev/null
run lium --json --api-url http://127.0.0.1:9 config get api.base_url
json '.value == "http://127.0.0.1:9" and .source == "flag"' >/dev/null
run lium --api-url http://127.0.0.1:1 ls
expect_rc 8 "the flag reaches the client"
LIUM_UI_COLOR=sometimes run lium ps
expect_rc 2
stderr_has 'LIUM_UI_COLOR'

step "profiles layer over the top level"
run lium --profile work config set api.base_url http://127.0.0.1:2/api
expect_rc 0
LIUM_BASE_URL= run lium --profile work --json config get api.base_url
json '.value == "http://127.0.0.1:2/api" and .source == "profile"' >/dev/null
LIUM_PROFILE=work run lium --json config get ui.color
json '.value == "never" and .source == "file"' >/dev/null
LIUM_BASE_URL= LIUM_PROFILE=work run lium ls
expect_rc 8 "the profile's URL is used"
run lium --profile nope ls
expect_rc 2
stderr_has "no profile 'nope'"
run lium --profile work config unset api.base_url
expect_rc 0
LIUM_BASE_URL= run lium --profile work --json config get api.base_url
json '.source != "profile"' >/dev/null

step "show redacts the key; get --reveal shows it"
run lium config show
expect_rc 0
stdout_lacks "$SIM_API_KEY"
stdout_has 'api.api_key'
run lium config get api.api_key --reveal
stdout_has "$SIM_API_KEY"

step "a broken file is reported with its line, and edit can still fix it"
printf 'api:\n  api_key: %s\nui:\n  colour: never\n' "$SIM_API_KEY" >"$cfg"
run lium ps
expect_rc 2
stderr_has 'config.yaml:4:'
stderr_has "unknown key 'ui.colour'"
EDITOR="sed -i s/colour/color/" run lium config edit
expect_rc 0
run lium config get ui.color
stdout_has never
EDITOR="sed -i s/never/sometimes/" run lium config edit
expect_rc 2
stderr_has 'nothing changed'
run lium config get ui.color
stdout_has never
rm -f "$cfg".edit-*

step "reset needs -y without a terminal"
run lium config reset
expect_rc 2
[ -f "$cfg" ] || fail "reset without a confirmation"
run lium config reset -y
expect_rc 0
[ ! -e "$cfg" ] || fail "reset -y left the file"
echo "ok"
