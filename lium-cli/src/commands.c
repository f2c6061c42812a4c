/*
 * The command table and the help texts.  Nothing here touches the network
 * or the configuration: `lium help` and `--help` stay instant.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define GLOBAL_HELP                                                                    \
	"Global options (before or after the command):\n"                              \
	"  --json            machine-readable output: one JSON document on stdout;\n"  \
	"                    errors as a JSON object on stderr\n"                      \
	"  -q, --quiet       no progress or informational messages\n"                  \
	"  -v, --verbose     trace API requests on stderr (the API key is redacted)\n" \
	"  --no-color        no colour (NO_COLOR=1 does the same)\n"                   \
	"  --profile NAME    use a configuration profile (LIUM_PROFILE)\n"             \
	"  --api-url URL     Celium API base URL (LIUM_BASE_URL)\n"                    \
	"  -h, --help        this help\n"

static const char help_config[] =
	"usage: lium config get KEY\n"
	"       lium config set KEY [VALUE]\n"
	"       lium config unset KEY\n"
	"       lium config show\n"
	"       lium config path\n"
	"       lium config edit\n"
	"       lium config reset [-y]\n"
	"       lium config keys\n"
	"\n"
	"Read and change the configuration file, $XDG_CONFIG_HOME/lium/config.yaml\n"
	"(~/.config/lium/config.yaml), mode 0600, written atomically.  With --profile\n"
	"NAME (or LIUM_PROFILE) get/set/unset work on that profile, which layers over\n"
	"the top-level settings.  Values are layered: built-in defaults < config file\n"
	"< environment (LIUM_<SECTION>_<KEY>, plus LIUM_API_KEY and LIUM_BASE_URL)\n"
	"< command-line flags.  When config.yaml does not exist, the official CLI's\n"
	"~/.lium/config.ini is read, and the first change writes it out as YAML.\n"
	"\n"
	"  get KEY        print the effective value (the API key is redacted unless\n"
	"                 --reveal is given)\n"
	"  set KEY VALUE  store a value; without VALUE on a terminal, api.api_key is\n"
	"                 asked for without echo\n"
	"  unset KEY      remove a value from the file\n"
	"  show           every key with its effective value and where it comes from\n"
	"  path           the file's path\n"
	"  edit           open the file in $VISUAL/$EDITOR (default vi); the result is\n"
	"                 checked before it replaces the file\n"
	"  reset          delete the file (asks on a terminal; -y to skip)\n"
	"  keys           the known keys, their types and defaults\n"
	"\n"
	"Options:\n"
	"  --reveal       get: print the API key unredacted\n"
	"  -y, --yes      reset: do not ask\n"
	"\n" GLOBAL_HELP;

static const char help_init[] =
	"usage: lium init [--api-key KEY] [--ssh-key PATH] [--key-name NAME]\n"
	"\n"
	"Set up lium: store the API key (checked against the API first), find or\n"
	"create an SSH key, and register its public half with the account.\n"
	"\n"
	"Without --api-key, the key comes from LIUM_API_KEY or the configuration; if\n"
	"there is none, lium asks for it on a terminal (without echo) and fails with a\n"
	"usage error when stdin is not a terminal.\n"
	"\n"
	"The SSH key is --ssh-key, else ssh.key_path from the configuration, else the\n"
	"first of ~/.ssh/id_ed25519, id_rsa, id_ecdsa; if none exists a new ed25519\n"
	"key is made at ~/.ssh/id_ed25519 (mode 0600, no passphrase).  A key already\n"
	"registered is not registered again.\n"
	"\n"
	"Options:\n"
	"  --api-key KEY     the API key to store (https://lium.io/api-keys)\n"
	"  --ssh-key PATH    private key to use (created when missing)\n"
	"  --key-name NAME   name for the registered key (default cli-USER@HOST)\n"
	"\n" GLOBAL_HELP;

static const char help_ls[] =
	"usage: lium ls [QUERY...] [--sort KEY] [--limit N] [--pareto METRICS]\n"
	"               [--explain OFFER]\n"
	"\n"
	"List the GPU offers that can be rented.  Offers on the Pareto frontier (no\n"
	"other offer is at least as good everywhere and better somewhere) are marked\n"
	"with a star; rows are ordered by Pareto layer, then by the sort key.  The\n"
	"listing is remembered, so `lium up 3` rents the third row shown.\n"
	"\n"
	"QUERY is a filter expression; its words are joined by spaces:\n"
	"  lium ls gpu=H100 count>=4 'price<=2.5' country in [US,DE] cuda>=12.4\n"
	"Conditions are `field op value` with op = != < <= > >=, or `field in [a,b]`\n"
	"and `field notin [a,b]`; sizes take units (GB, TB), speeds Mbps or Gbps.\n"
	"A wrong field or operator is reported with its position and the valid ones.\n"
	"\n"
	"Options:\n"
	"  --sort KEY        download (default), upload, price_gpu, price_total, loc,\n"
	"                    id or gpu\n"
	"  --limit N         show the first N rows\n"
	"  --explain OFFER   say why an offer (row number, HUID or id) is or is not on\n"
	"                    the frontier: which offer dominates it, and on what\n"
	"  --pareto METRICS  the metrics of the frontier, e.g. price,vram,tflops;\n"
	"                    metric~N allows N percent tolerance (down~10).  Default:\n"
	"                    price,vram,tflops,membw,ram,disk,down,up,pcie; more:\n"
	"                    price_total, count, cpu, cuda, ports (config ls.pareto)\n"
	"  --gpu TYPE        same as gpu=TYPE        --count N   same as count=N\n"
	"  --min-cuda V      same as cuda>=V         --country CC  same as country=CC\n"
	"  --max-price USD   same as price<=USD (per GPU-hour)\n"
	"  --lat X --lon Y [--max-distance MILES]  offers near a place (server-side)\n"
	"  --format table|json  the official CLI's spelling of --json\n"
	"\n"
	"JSON: an array of offers in display order with index, id, huid, config,\n"
	"gpu_type, gpu_count, price_per_gpu_hour, price_per_hour, country, vram_gb,\n"
	"ram_gb, disk_gb, upload_mbps, download_mbps, available_ports,\n"
	"docker_in_docker, is_pareto, layer, max_cuda_version, tier.\n"
	"\n" GLOBAL_HELP;

static const char help_up[] =
	"usage: lium up [OFFER] [options]\n"
	"\n"
	"Rent a pod on an offer, wait until it runs and an SSH login works, and say\n"
	"how to connect.\n"
	"\n"
	"OFFER is a row number of the last `lium ls`, an offer HUID or id, or a\n"
	"filter expression (`gpu=H100 count>=8`) whose best offer is taken (first on\n"
	"the Pareto frontier, then cheapest).  The estimate is shown and confirmed on\n"
	"a terminal; without a terminal, -y is required.\n"
	"\n"
	"Renting is never repeated blindly: a request that failed in transit is\n"
	"checked against the pod list before any retry, so one `up` makes at most one\n"
	"pod.  Ctrl-C while waiting leaves the pod running and says how to remove it.\n"
	"\n"
	"Options:\n"
	"  -t, --template ID     template id, name or HUID (default: template.default_id,\n"
	"                        else the offer's default image)\n"
	"  --image IMAGE[:TAG]   run this Docker image (makes a one-time template)\n"
	"  -n, --name NAME       pod name (default: the offer's HUID)\n"
	"  --volume SPEC         id:<volume id or HUID>, or new:name=<N>[,desc=<D>]\n"
	"  -e, --env K=V         environment variable for --image (repeatable)\n"
	"  --internal-ports L    ports of the --image container (22 always included)\n"
	"  --entrypoint E, --cmd C   entrypoint and start command of --image\n"
	"  --dockerfile FILE     build this Dockerfile on the node instead of a template\n"
	"                        (UTF-8, at most 64 KiB)\n"
	"  --jupyter             install Jupyter once the pod runs and print its URL\n"
	"  --ssh-name NAME       name for registering the SSH key (cli-USER@HOST)\n"
	"  --ports N             at least N open ports\n"
	"  --ttl DURATION        remove the pod after DURATION (90m, 6h, 1d)\n"
	"  --until TIME          remove the pod at TIME (18:00, tomorrow 09:00,\n"
	"                        2026-06-01 12:00; local time)\n"
	"  --max-price USD       refuse an offer above USD per hour (up.max_price)\n"
	"  --gpu TYPE, --count N, --country CC   pick the best offer with these\n"
	"  --no-wait             return once the rent is accepted\n"
	"  --timeout DURATION    how long to wait for SSH (up.wait_timeout, 20m)\n"
	"  -y, --yes             do not ask for confirmation\n"
	"\n"
	"JSON: {\"pod\": {...}, \"ssh\": \"ssh ...\", \"ready\": true|false}.\n"
	"\n" GLOBAL_HELP;

static const char help_ps[] =
	"usage: lium ps [TARGET] [--watch] [--interval SECONDS]\n"
	"\n"
	"List your pods: status, GPUs, $/h, spent so far, uptime, and the scheduled\n"
	"removal (TTL).  The listing is remembered, so `lium exec 2` means the second\n"
	"row shown.  TARGET narrows the list (see TARGETS below).\n"
	"\n"
	"Options:\n"
	"  --watch            refresh in place until Ctrl-C (terminal only)\n"
	"  --interval SECS    refresh interval for --watch (default 5)\n"
	"  --format table|json\n"
	"\n"
	"JSON: an array of pods with index, id, huid, name, status, gpu_type,\n"
	"gpu_count, config, template, price_per_hour, spent_usd, uptime_seconds,\n"
	"created_at, ip, ports, ssh_cmd, removal_scheduled_at, ttl_seconds,\n"
	"jupyter_url.\n"
	"\n"
	"TARGETS (every pod command): `all` (every pod not being removed); a row\n"
	"number of `lium ps` (`2`), a list\n"
	"(`1,3`) or a range (`2-4`); a pod name, HUID or id, or a unique id prefix.\n"
	"A piece that matches nothing is an error naming it.\n"
	"\n" GLOBAL_HELP;

static const char help_exec[] =
	"usage: lium exec TARGETS [CMD...] [--script FILE] [-e K=V]... [--timeout DUR]\n"
	"                 [--fail-fast] [--parallel N] [--json | --jsonl]\n"
	"\n"
	"Run a command on one or many pods at once.  Output is streamed as it comes,\n"
	"in whole lines; with several pods each line is prefixed with the pod's name\n"
	"(its HUID when names repeat).  Then a line per pod with its exit status,\n"
	"and a summary, on stderr.  Options after CMD belong to CMD.\n"
	"\n"
	"Options:\n"
	"  --script FILE       run the contents of FILE instead of CMD\n"
	"  -e, --env K=V       export K=V before the command (repeatable)\n"
	"  --timeout DURATION  give up on a pod after DURATION (exec.timeout)\n"
	"  --fail-fast         stop the other pods when one fails\n"
	"  --parallel N        pods at once (exec.parallel, default 64)\n"
	"  --jsonl             one JSON event per line: output lines and results\n"
	"\n"
	"Exit status: 0 when every pod's command exited 0; 6 when some failed and\n"
	"some succeeded; 5 when all failed.  JSON: {\"results\": [{\"pod\", \"huid\",\n"
	"\"exit_code\", \"status\", \"error\", \"stdout\", \"stderr\", \"seconds\"}],\n"
	"\"ok\": N, \"failed\": M}.\n"
	"\n" GLOBAL_HELP;

static const char help_ssh[] =
	"usage: lium ssh TARGET [CMD...] [-- SSH-ARGS...]\n"
	"\n"
	"Open an interactive shell on a pod (or run CMD) with OpenSSH.  The pod's\n"
	"host key is pinned: the first connection records it in lium's known_hosts\n"
	"($XDG_STATE_HOME/lium/known_hosts), later ones refuse a changed key\n"
	"(StrictHostKeyChecking=yes).  Arguments after -- are passed to ssh: its\n"
	"options (-L 8888:localhost:8888) and then a remote command.\n"
	"The exit status is that of ssh.\n"
	"\n" GLOBAL_HELP;

static const char help_scp[] =
	"usage: lium scp TARGETS SRC [DST] [-d]\n"
	"\n"
	"Copy files over SFTP to (or with -d from) one or many pods at once, with\n"
	"progress on a terminal.  Directories are copied recursively.\n"
	"\n"
	"Upload: SRC is a local file or directory; DST defaults to its name in the\n"
	"remote home directory.  Download (-d): SRC is the remote path; with one pod\n"
	"DST defaults to ./<name>; with several pods DST is a directory (default .)\n"
	"and each copy is named <huid>-<name>.\n"
	"\n"
	"Options:\n"
	"  -d, --download   copy from the pods\n"
	"\n" GLOBAL_HELP;

static const char help_rsync[] =
	"usage: lium rsync TARGETS SRC [DST] [--delete] [--exclude PAT]... [-n] [-d]\n"
	"\n"
	"Synchronise with the system rsync over ssh, with the pod's pinned host key,\n"
	"to many pods at once.  SRC is a local path (a directory's contents are\n"
	"synchronised); DST defaults to its name in the remote home directory.\n"
	"\n"
	"Options:\n"
	"  --delete          delete remote files that are not in SRC\n"
	"  --exclude PAT     exclude files matching PAT (repeatable)\n"
	"  -n, --dry-run     show what would be copied\n"
	"  -d, --download    copy from the pods (SRC remote, DST a local directory\n"
	"                    that receives one subdirectory per pod)\n"
	"\n" GLOBAL_HELP;

static const char help_down[] =
	"usage: lium down TARGETS | --all [-y] [--in DURATION | --at TIME]\n"
	"\n"
	"Remove pods (they stop costing money), or schedule their removal with --in\n"
	"or --at.  Asks on a terminal unless -y; without a terminal -y is required.\n"
	"`lium rm` is the same command.\n"
	"\n"
	"Options:\n"
	"  -a, --all          every pod\n"
	"  --in DURATION      remove after DURATION (90m, 6h, 2d)\n"
	"  --at TIME          remove at TIME (18:00, tomorrow 09:00, 2026-06-01 12:00)\n"
	"  -y, --yes          do not ask\n"
	"\n" GLOBAL_HELP;

static const char help_reboot[] =
	"usage: lium reboot TARGETS | --all [-y] [--volume-id ID]\n"
	"\n"
	"Reboot pods.  Asks on a terminal unless -y; without a terminal -y is\n"
	"required.\n"
	"\n"
	"Options:\n"
	"  -a, --all          every pod\n"
	"  --volume-id ID     attach this volume on reboot\n"
	"  -y, --yes          do not ask\n"
	"\n" GLOBAL_HELP;

static const char help_logs[] =
	"usage: lium logs POD [-n N] [-f]\n"
	"\n"
	"Print a pod's container logs.  POD is one target (row number, name, HUID or\n"
	"id).\n"
	"\n"
	"Options:\n"
	"  -n, --tail N     the last N lines (default 100)\n"
	"  -f, --follow     keep printing new lines until Ctrl-C\n"
	"\n" GLOBAL_HELP;

static const char help_help[] = "usage: lium help [COMMAND]\n"
				"\n"
				"Show the help of a command, or the list of commands.\n";

static const char help_version[] =
	"usage: lium version\n"
	"\n"
	"Print the versions of lium and its libraries (also --version).\n";

/* Commands whose library parts have not landed yet are NULL here. */
#define CLI_CMD_INIT   cli_cmd_init
#define CLI_CMD_LS     cli_cmd_ls
#define CLI_CMD_UP     cli_cmd_up
#define CLI_CMD_PS     cli_cmd_ps
#define CLI_CMD_EXEC   cli_cmd_exec
#define CLI_CMD_SSH    cli_cmd_ssh
#define CLI_CMD_SCP    cli_cmd_scp
#define CLI_CMD_RSYNC  cli_cmd_rsync
#define CLI_CMD_DOWN   cli_cmd_down
#define CLI_CMD_REBOOT cli_cmd_reboot
#define CLI_CMD_LOGS   cli_cmd_logs

const struct cli_command cli_commands[] = {
	{"init", NULL, CLI_CMD_INIT, "set up the API key and SSH key", help_init},
	{"ls", NULL, CLI_CMD_LS, "list GPU offers (filter, Pareto frontier)", help_ls},
	{"up", NULL, CLI_CMD_UP, "rent a pod and wait until SSH works", help_up},
	{"ps", NULL, CLI_CMD_PS, "list your pods", help_ps},
	{"exec", NULL, CLI_CMD_EXEC, "run a command on pods", help_exec},
	{"ssh", NULL, CLI_CMD_SSH, "open a shell on a pod (OpenSSH, pinned key)", help_ssh},
	{"scp", NULL, CLI_CMD_SCP, "copy files to or from pods (SFTP)", help_scp},
	{"rsync", NULL, CLI_CMD_RSYNC, "synchronise files to pods (rsync)", help_rsync},
	{"down", "rm", CLI_CMD_DOWN, "remove pods, now or later", help_down},
	{"reboot", NULL, CLI_CMD_REBOOT, "reboot pods", help_reboot},
	{"logs", NULL, CLI_CMD_LOGS, "print a pod's logs", help_logs},
	{"config", NULL, cli_cmd_config, "read and change the configuration", help_config},
	{"help", NULL, cli_cmd_help, "help on a command", help_help},
	{"version", NULL, cli_cmd_version, "print versions", help_version},
	{NULL, NULL, NULL, NULL, NULL}};

const struct cli_command *cli_command_find(const char *name)
{
	const struct cli_command *c;

	for (c = cli_commands; name && c->name; c++)
		if (strcmp(c->name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0))
			return c;
	return NULL;
}

void cli_help_print(const struct cli_command *cmd, FILE *out)
{
	fputs(cmd->usage, out);
}

void cli_help_main(FILE *out)
{
	const struct cli_command *c;

	fputs("usage: lium [--version] [global options] <command> [options] [args]\n"
	      "\n"
	      "lium rents and drives GPU pods on the Celium (Lium) marketplace.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (c = cli_commands; c->name; c++) {
		char name[32];
		snprintf(name, sizeof name, "%s%s%s", c->name, c->alias ? ", " : "",
			 c->alias ? c->alias : "");
		fprintf(out, "  %-10s %s\n", name, c->summary);
	}
	fputs("\n" GLOBAL_HELP "\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 authentication, 4 not found,\n"
	      "5 remote command failed, 6 partly failed, 7 timeout, 8 API or network,\n"
	      "9 refused, 130 interrupted (see lium(1)).\n"
	      "\n"
	      "`lium help COMMAND` shows a command's options.\n",
	      out);
}
