# fish completion for lium(1).  Pod names come from the last `lium ps`
# listing on disk; completion never touches the network.

function __lium_pods
    set -l state (set -q XDG_STATE_HOME; and echo $XDG_STATE_HOME; or echo $HOME/.local/state)/lium/pods.json
    echo all
    test -r $state; and grep -o '"huid":"[^"]*"' $state | sed 's/^"huid":"//; s/"$//'
end

set -l cmds init ls up ps exec ssh scp rsync down rm reboot logs config help version
complete -c lium -f
complete -c lium -n "not __fish_seen_subcommand_from $cmds" -a "$cmds"
complete -c lium -l json -d 'machine-readable output'
complete -c lium -s q -l quiet -d 'no progress or messages'
complete -c lium -s v -l verbose -d 'trace API requests'
complete -c lium -l no-color -d 'no colour'
complete -c lium -l profile -r -d 'configuration profile'
complete -c lium -l api-url -r -d 'Celium API base URL'
complete -c lium -n "__fish_seen_subcommand_from ls" -l sort -r -a 'download upload price_gpu price_total loc id gpu'
complete -c lium -n "__fish_seen_subcommand_from ls" -l limit -r
complete -c lium -n "__fish_seen_subcommand_from ls" -l explain -r
complete -c lium -n "__fish_seen_subcommand_from up" -s t -l template -r
complete -c lium -n "__fish_seen_subcommand_from up" -l image -r
complete -c lium -n "__fish_seen_subcommand_from up" -s n -l name -r
complete -c lium -n "__fish_seen_subcommand_from up" -l ttl -r
complete -c lium -n "__fish_seen_subcommand_from up" -l until -r
complete -c lium -n "__fish_seen_subcommand_from up" -l max-price -r
complete -c lium -n "__fish_seen_subcommand_from up" -l no-wait
complete -c lium -n "__fish_seen_subcommand_from up down rm reboot config" -s y -l yes
complete -c lium -n "__fish_seen_subcommand_from exec" -l script -r -F
complete -c lium -n "__fish_seen_subcommand_from exec" -s e -l env -r
complete -c lium -n "__fish_seen_subcommand_from exec" -l timeout -r
complete -c lium -n "__fish_seen_subcommand_from exec" -l fail-fast
complete -c lium -n "__fish_seen_subcommand_from exec" -l jsonl
complete -c lium -n "__fish_seen_subcommand_from scp rsync" -s d -l download
complete -c lium -n "__fish_seen_subcommand_from scp rsync" -F
complete -c lium -n "__fish_seen_subcommand_from down rm reboot" -s a -l all
complete -c lium -n "__fish_seen_subcommand_from down rm" -l in -r
complete -c lium -n "__fish_seen_subcommand_from down rm" -l at -r
complete -c lium -n "__fish_seen_subcommand_from logs" -s n -l tail -r
complete -c lium -n "__fish_seen_subcommand_from logs" -s f -l follow
complete -c lium -n "__fish_seen_subcommand_from ps" -s w -l watch
complete -c lium -n "__fish_seen_subcommand_from exec ssh scp rsync down rm reboot logs ps" -a '(__lium_pods)'
complete -c lium -n "__fish_seen_subcommand_from config" -a 'get set unset show path edit reset keys'
complete -c lium -n "__fish_seen_subcommand_from help" -a "$cmds"
