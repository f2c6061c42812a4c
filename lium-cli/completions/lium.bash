# bash completion for lium(1).  Pod names come from the last `lium ps`
# listing on disk; completion never touches the network.

_lium_pods() {
	local state="${XDG_STATE_HOME:-$HOME/.local/state}/lium/pods.json"
	[ -r "$state" ] || return 0
	grep -o '"\(huid\|label\)":"[^"]*"' "$state" 2>/dev/null | sed 's/^"[a-z]*":"//; s/"$//'
}

_lium() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local global="--json --quiet --verbose --no-color --profile --api-url --help"
	local commands="init ls up ps exec ssh scp rsync down rm reboot logs config help version"

	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--profile | --api-url) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	--profile | --api-url | --name | -n | --image | --env | -e | --ports | --timeout | \
	--limit | --interval | --in | --at | --until | --ttl | --max-price | --key-name | \
	--api-key | --volume | --volume-id | --exclude | --count | --gpu | --country | \
	--min-cuda | --lat | --lon | --max-distance | --parallel | --template | -t)
		return 0 ;;
	--sort)
		COMPREPLY=($(compgen -W "download upload price_gpu price_total loc id gpu" -- "$cur"))
		return 0 ;;
	--format)
		COMPREPLY=($(compgen -W "table json" -- "$cur"))
		return 0 ;;
	--script | --ssh-key)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	esac

	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$commands $global --version" -- "$cur"))
		return 0
	fi

	local opts
	case $cmd in
	init) opts="--api-key --ssh-key --key-name" ;;
	ls) opts="--sort --limit --explain --gpu --count --min-cuda --country --max-price --lat --lon --max-distance --format" ;;
	up) opts="--template --image --name --volume --env --ports --ttl --until --max-price --gpu --count --country --no-wait --timeout --yes" ;;
	ps) opts="--watch --interval --format" ;;
	exec) opts="--script --env --timeout --fail-fast --parallel --jsonl" ;;
	ssh) opts="" ;;
	scp) opts="--download" ;;
	rsync) opts="--delete --exclude --dry-run --download" ;;
	down | rm) opts="--all --yes --in --at" ;;
	reboot) opts="--all --yes --volume-id" ;;
	logs) opts="--tail --follow" ;;
	config)
		if [ "$prev" = config ]; then
			COMPREPLY=($(compgen -W "get set unset show path edit reset keys" -- "$cur"))
			return 0
		fi
		case $prev in
		get | set | unset)
			COMPREPLY=($(compgen -W "api.api_key api.base_url api.timeout ssh.key_path ui.color ui.theme ls.sort template.default_id up.wait_timeout up.max_price exec.parallel exec.timeout" -- "$cur"))
			return 0 ;;
		esac
		opts="--reveal --yes" ;;
	help)
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
		return 0
	fi
	case $cmd in
	exec | ssh | scp | rsync | down | rm | reboot | logs | ps)
		COMPREPLY=($(compgen -W "all $(_lium_pods)" -- "$cur"))
		if [ "$cmd" = scp ] || [ "$cmd" = rsync ]; then
			COMPREPLY+=($(compgen -f -- "$cur"))
		fi ;;
	esac
	return 0
}

complete -F _lium lium
