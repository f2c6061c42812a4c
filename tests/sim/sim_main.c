/*
 * celium-sim: an offline, Celium-compatible API server whose pods are real
 * SSH hosts.  See README.md beside this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#ifndef CELIUM_SIM_VERSION
#define CELIUM_SIM_VERSION "0.0.0"
#endif

sim_state sim;

void sim_wake(void)
{
	if (sim.wake_fd[1] > 0) {
		char c = 1;
		ssize_t n = write(sim.wake_fd[1], &c, 1);
		(void)n;
	}
}

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
		sim.stopping = 1;
	char c = (char)sig;
	ssize_t n = write(sim.wake_fd[1], &c, 1);
	(void)n;
	errno = saved;
}

static void usage(FILE *f)
{
	fputs("usage: celium-sim --state-dir DIR [options]\n"
	      "\n"
	      "An offline Celium-compatible API server whose pods are real SSH hosts.\n"
	      "\n"
	      "  --port N             port to listen on (0 = any free port; default 0)\n"
	      "  --host ADDR          address to bind (default 127.0.0.1)\n"
	      "  --state-dir DIR      directory for pods, keys and logs (required)\n"
	      "  --executors N        number of generated executors (default 50)\n"
	      "  --seed S             seed of the generated inventory and ids (default 1)\n"
	      "  --executors-file F   load executors from a JSON array instead\n"
	      "  --api-key K          accept API key K (repeatable; each key is its own\n"
	      "                       user; default: " SIM_DEFAULT_API_KEY ")\n"
	      "  --url-file F         write the base URL to F once accepting connections\n"
	      "  --pending-ms MS      time a new pod stays PENDING (default 300)\n"
	      "  --starting-ms MS     time a pod stays STARTING at least (default 300)\n"
	      "  --deleting-ms MS     time a deleted pod shows DELETING (default 200)\n"
	      "  --balance USD        initial balance of every user (default 1000)\n"
	      "  --fault SPEC         a fault, as JSON or METHOD,PATH,MODE[,key=value...]\n"
	      "  --sshd PATH          the sshd binary (default: found on PATH or in /usr/sbin)\n"
	      "  --exit-with-parent   terminate when the parent process dies\n"
	      "  --quiet              log errors only\n"
	      "  --version, --help\n",
	      f);
}

static long parse_long(const char *opt, const char *v, long min, long max)
{
	char *end = NULL;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (!*v || *end || errno || x < min || x > max) {
		fprintf(stderr, "celium-sim: %s: expected an integer from %ld to %ld, not '%s'\n",
			opt, min, max, v);
		exit(2);
	}
	return x;
}

enum {
	OPT_PORT = 256,
	OPT_HOST,
	OPT_STATE,
	OPT_EXECUTORS,
	OPT_SEED,
	OPT_EXEC_FILE,
	OPT_API_KEY,
	OPT_URL_FILE,
	OPT_PENDING,
	OPT_STARTING,
	OPT_DELETING,
	OPT_BALANCE,
	OPT_FAULT,
	OPT_QUIET,
	OPT_PARENT,
	OPT_SSHD,
	OPT_VERSION,
	OPT_HELP,
};

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", required_argument, NULL, OPT_PORT},
		{"host", required_argument, NULL, OPT_HOST},
		{"state-dir", required_argument, NULL, OPT_STATE},
		{"executors", required_argument, NULL, OPT_EXECUTORS},
		{"seed", required_argument, NULL, OPT_SEED},
		{"executors-file", required_argument, NULL, OPT_EXEC_FILE},
		{"api-key", required_argument, NULL, OPT_API_KEY},
		{"url-file", required_argument, NULL, OPT_URL_FILE},
		{"pending-ms", required_argument, NULL, OPT_PENDING},
		{"starting-ms", required_argument, NULL, OPT_STARTING},
		{"deleting-ms", required_argument, NULL, OPT_DELETING},
		{"balance", required_argument, NULL, OPT_BALANCE},
		{"fault", required_argument, NULL, OPT_FAULT},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"exit-with-parent", no_argument, NULL, OPT_PARENT},
		{"sshd", required_argument, NULL, OPT_SSHD},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	sim.opt.host = "127.0.0.1";
	sim.opt.executors = 50;
	sim.opt.seed = 1;
	sim.opt.pending_ms = 300;
	sim.opt.starting_ms = 300;
	sim.opt.deleting_ms = 200;
	sim.opt.balance = 1000.0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			sim.opt.port = (int)parse_long("--port", optarg, 0, 65535);
			break;
		case OPT_HOST:
			sim.opt.host = optarg;
			break;
		case OPT_STATE:
			sim.opt.state_dir = optarg;
			break;
		case OPT_EXECUTORS:
			sim.opt.executors = parse_long("--executors", optarg, 0, 2000000);
			break;
		case OPT_SEED:
			sim.opt.seed = (uint64_t)parse_long("--seed", optarg, 0, LONG_MAX);
			break;
		case OPT_EXEC_FILE:
			sim.opt.executors_file = optarg;
			break;
		case OPT_API_KEY:
			if (!*optarg || strlen(optarg) >= sizeof(((sim_user *)0)->api_key)) {
				fprintf(stderr, "celium-sim: --api-key: 1 to 127 characters\n");
				exit(2);
			}
			sim_vec_push(&sim.opt.api_keys, optarg);
			break;
		case OPT_URL_FILE:
			sim.opt.url_file = optarg;
			break;
		case OPT_PENDING:
			sim.opt.pending_ms = parse_long("--pending-ms", optarg, 0, 3600000);
			break;
		case OPT_STARTING:
			sim.opt.starting_ms = parse_long("--starting-ms", optarg, 0, 3600000);
			break;
		case OPT_DELETING:
			sim.opt.deleting_ms = parse_long("--deleting-ms", optarg, 0, 3600000);
			break;
		case OPT_BALANCE: {
			char *end = NULL;
			sim.opt.balance = strtod(optarg, &end);
			if (!*optarg || *end) {
				fprintf(stderr, "celium-sim: --balance: not a number: %s\n",
					optarg);
				exit(2);
			}
			break;
		}
		case OPT_FAULT: {
			sim_fault *f = sim_fault_from_arg(optarg);
			if (!f)
				exit(2);
			sim_vec_push(&sim.opt.faults, f);
			break;
		}
		case OPT_QUIET:
			sim.opt.quiet = true;
			break;
		case OPT_PARENT:
			sim.opt.exit_with_parent = true;
			break;
		case OPT_SSHD:
			sim.opt.sshd_path = optarg;
			break;
		case OPT_VERSION:
			puts("celium-sim " CELIUM_SIM_VERSION);
			exit(0);
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "celium-sim: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	if (!sim.opt.state_dir) {
		fputs("celium-sim: --state-dir is required\n", stderr);
		usage(stderr);
		exit(2);
	}
}

static void make_instance_id(void)
{
	uint64_t r[2] = {0, 0};
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r[0] = sim_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32));
		r[1] = sim_mix64((uint64_t)ts.tv_sec);
	}
	sim_uuid_from(r[0], r[1], sim.instance);
}

/* Copies the nvidia-smi stand-in where a pod's user can run it. */
static void install_smi(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *src = NULL;
	if (n > 0) {
		self[n] = '\0';
		char *dir = dirname(self);
		src = sim_xasprintf("%s/celium-sim-nvidia-smi", dir);
		if (access(src, X_OK) != 0) {
			free(src);
			src = NULL;
		}
	}
#ifdef CELIUM_SIM_SMI_PATH
	if (!src && access(CELIUM_SIM_SMI_PATH, X_OK) == 0)
		src = sim_xstrdup(CELIUM_SIM_SMI_PATH);
#endif
	if (!src) {
		sim_warn("celium-sim-nvidia-smi not found next to celium-sim: pods get none");
		return;
	}
	size_t len = 0;
	char *data = sim_read_file(src, &len);
	char *lib = sim_xasprintf("%s/lib", sim.state_dir);
	char *dst = sim_xasprintf("%s/celium-sim-nvidia-smi", lib);
	if (!data || sim_mkdirs(lib, 0755) != 0 || chmod(lib, 0755) != 0 ||
	    sim_write_file(dst, data, len, 0755) != 0) {
		sim_warn("cannot install the nvidia-smi stand-in into %s", lib);
		free(dst);
	} else {
		sim.smi_path = dst;
	}
	free(data);
	free(lib);
	free(src);
}

static int prepare_state_dir(void)
{
	if (sim_mkdirs(sim.opt.state_dir, 0700) != 0) {
		sim_warn("cannot create %s: %s", sim.opt.state_dir, strerror(errno));
		return -1;
	}
	char *abs = realpath(sim.opt.state_dir, NULL);
	if (!abs) {
		sim_warn("%s: %s", sim.opt.state_dir, strerror(errno));
		return -1;
	}
	sim.state_dir = abs;
	/* The pod user (not us when root) must reach its home below here. */
	if (sim.is_root && chmod(abs, 0711) != 0)
		sim_warn("chmod %s: %s", abs, strerror(errno));
	char *pods = sim_xasprintf("%s/pods", abs);
	int rc = sim_mkdirs(pods, sim.is_root ? 0711 : 0700);
	free(pods);
	return rc;
}

static void reap_children(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break;
		if (pid == sim.guardian_pid) {
			sim_warn("the guardian process exited early");
			sim.guardian_pid = 0;
			continue;
		}
		sim_pods_child_exited(pid, status);
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (sim.opt.exit_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			return 1;
	}
	sim.is_root = geteuid() == 0;
	sim.rng = sim.opt.seed * 0x2545f4914f6cdd1dull + 7;
	pthread_mutex_init(&sim.lock, NULL);
	if (pipe2(sim.wake_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
		perror("celium-sim: pipe");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Sessions that detach from a pod's sshd become our children. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	make_instance_id();
	if (prepare_state_dir() != 0)
		return 1;
	if (sim.is_root && sim_mkdirs("/run/sshd", 0755) != 0)
		sim_warn("cannot create /run/sshd, which sshd needs when run as root");
	sim_reap_leftovers();
	if (sim_setup_pod_user() != 0)
		sim_warn("pods will not accept logins");
	install_smi();
	int rc = sim.opt.executors_file ? sim_inventory_load(sim.opt.executors_file)
					: sim_inventory_generate(sim.opt.executors, sim.opt.seed);
	if (rc != 0)
		return 1;
	sim_accounts_init();
	for (size_t i = 0; i < sim.opt.faults.len; i++)
		sim_faults_add(sim.opt.faults.items[i]);
	sim_vec_free(&sim.opt.faults);
	sim_pods_init();
	sim.requests = json_array();
	if (sim_start_guardian() != 0)
		sim_warn("cannot start the guardian process");
	if (sim_http_start() != 0) {
		sim_stop_guardian();
		return 1;
	}
	printf("%s\n", sim.url);
	fflush(stdout);
	if (sim.opt.url_file) {
		char *text = sim_xasprintf("%s\n", sim.url);
		if (sim_write_file(sim.opt.url_file, text, strlen(text), 0644) != 0)
			sim_warn("cannot write %s: %s", sim.opt.url_file, strerror(errno));
		free(text);
	}
	sim_log("listening on %s (state %s, %zu executors, pod user %s)", sim.url, sim.state_dir,
		sim.nexecs, sim.pod_user);

	while (!sim.stopping) {
		long timeout = sim_pods_tick();
		struct pollfd pfd = {sim.wake_fd[0], POLLIN, 0};
		poll(&pfd, 1, (int)timeout);
		char buf[64];
		while (read(sim.wake_fd[0], buf, sizeof buf) > 0)
			;
		reap_children();
	}

	sim_log("shutting down");
	sim_http_stop();
	sim_pods_shutdown();
	reap_children();
	sim_stop_guardian();
	if (sim.opt.url_file)
		unlink(sim.opt.url_file);
	char *pods = sim_xasprintf("%s/pods", sim.state_dir);
	sim_rmtree(pods);
	free(pods);

	json_decref(sim.requests);
	sim_faults_clear();
	sim_vec_free(&sim.faults);
	sim_accounts_free();
	sim_inventory_free();
	sim_pods_free_paths();
	sim_vec_free(&sim.opt.api_keys);
	free(sim.smi_path);
	free(sim.url);
	free(sim.state_dir);
	close(sim.wake_fd[0]);
	close(sim.wake_fd[1]);
	return 0;
}
