/*
 * Benchmark: fan-out exec (connect, authenticate, run, collect the output)
 * to 1, 50 and 200 targets against real sshds, with the ratio to one exec.
 *
 * The targets are spread over LIUM_BENCH_FANOUT_SERVERS sshds (default 4)
 * on this machine, so the servers' work (a fork and re-exec per connection,
 * key exchange, the login shell) competes with the client for the same
 * CPUs; the CPU use of the whole machine during each run is printed, to
 * tell a saturated machine from a slow client.
 */
#include <sys/resource.h>

#include <lium/utils/fanout.h>

#include "test_ssh_common.h"

#define MAX_SERVERS 16
#define ECHO        "echo hello from $(hostname)"
#define SLOW        "sleep 2; echo done"
#define MAX_TARGETS 200

static sshd_fixture servers[MAX_SERVERS];
static int n_servers;
static lium_ssh_options targets[MAX_TARGETS];
static char aliases[MAX_TARGETS][32];
static char labels_buf[MAX_TARGETS][32];
static const char *labels[MAX_TARGETS];

struct cpu {
	unsigned long long busy;
	unsigned long long total;
};

static void cpu_now(struct cpu *c)
{
	FILE *fp = fopen("/proc/stat", "r");
	unsigned long long v[8] = {0};

	c->busy = c->total = 0;
	if (fp == NULL) {
		return;
	}
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8) {
		c->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		c->total = c->busy + v[3] + v[4];
	}
	fclose(fp);
}

static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static size_t lines_seen;

static void count_line(const lium_fanout_line *line, void *userdata)
{
	(void)line;
	(void)userdata;
	lines_seen++;
}

/* Runs the command on n targets; returns the wall time, or -1. */
static double run(size_t n, unsigned int concurrency, const char *command, double *machine_busy,
		  double *client_cpu)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout_ssh_exec ex = LIUM_FANOUT_SSH_EXEC_INIT;
	lium_fanout *f = NULL;
	lium_error err;
	struct cpu c0;
	struct cpu c1;
	double t0;
	double took;
	double s0;
	size_t ok = 0;

	fo.concurrency = concurrency;
	fo.labels = labels;
	fo.on_line = count_line;
	ex.targets = targets;
	ex.command = command;
	if (lium_fanout_new(&f, &fo, &err) != LIUM_OK) {
		return -1;
	}
	lines_seen = 0;
	cpu_now(&c0);
	s0 = self_cpu();
	t0 = test_now();
	if (lium_fanout_run(f, n, lium_fanout_ssh_exec_op, &ex, &err) != LIUM_OK) {
		fprintf(stderr, "run: %s\n", err.message);
		lium_fanout_free(f);
		return -1;
	}
	took = test_now() - t0;
	*client_cpu = self_cpu() - s0;
	cpu_now(&c1);
	*machine_busy = c1.total > c0.total
				? (double)(c1.busy - c0.busy) / (double)(c1.total - c0.total)
				: 0.0;
	lium_fanout_counts(f, &ok, NULL, NULL);
	if (ok != n || lines_seen != n) {
		size_t i;
		for (i = 0; i < n; i++) {
			const lium_fanout_result *r = lium_fanout_result_at(f, i);
			if (r->status != LIUM_OK) {
				fprintf(stderr, "target %zu: %s\n", i, r->error.message);
				break;
			}
		}
		fprintf(stderr, "%zu of %zu targets succeeded, %zu lines\n", ok, n, lines_seen);
		lium_fanout_free(f);
		return -1;
	}
	lium_fanout_free(f);
	return took;
}

static double median3(double a, double b, double c)
{
	if (a > b) {
		double t = a;
		a = b;
		b = t;
	}
	if (b > c) {
		b = c;
	}
	return a > b ? a : b;
}

int main(void)
{
	const char *s_env = getenv("LIUM_BENCH_FANOUT_SERVERS");
	double one[3];
	double t1;
	double t50;
	double t200;
	double t200_64;
	double busy;
	double cpu;
	double busy50;
	double cpu50;
	double busy200;
	double cpu200;
	double busy200_64;
	double cpu200_64;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	n_servers = s_env != NULL ? atoi(s_env) : 4;
	if (n_servers < 1 || n_servers > MAX_SERVERS) {
		n_servers = 4;
	}
	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	for (i = 0; i < n_servers; i++) {
		if (sshd_fixture_start(&servers[i]) != 0) {
			while (i-- > 0) {
				sshd_fixture_stop(&servers[i]);
			}
			return 1;
		}
	}
	for (i = 0; i < MAX_TARGETS; i++) {
		snprintf(aliases[i], sizeof(aliases[i]), "bench-pod-%03d", i);
		snprintf(labels_buf[i], sizeof(labels_buf[i]), "pod-%03d", i);
		labels[i] = labels_buf[i];
		test_ssh_options(&targets[i], &servers[i % n_servers], NULL, aliases[i]);
		targets[i].known_hosts_path = servers[0].known_hosts;
	}
	/* Pin every key first (200 concurrent first connections), so that the
	 * timed runs measure the steady state. */
	t1 = test_now();
	if (run(MAX_TARGETS, MAX_TARGETS, ECHO, &busy, &cpu) < 0) {
		goto fail;
	}
	printf("fanout: first run to 200 targets (pinning 200 host keys): %.2f s\n",
	       test_now() - t1);

	for (i = 0; i < 3; i++) {
		one[i] = run(1, 1, ECHO, &busy, &cpu);
		if (one[i] < 0) {
			goto fail;
		}
	}
	t1 = median3(one[0], one[1], one[2]);
	t50 = run(50, 64, ECHO, &busy50, &cpu50);
	t200 = run(200, 200, ECHO, &busy200, &cpu200);
	t200_64 = run(200, 64, ECHO, &busy200_64, &cpu200_64);
	if (t50 < 0 || t200 < 0 || t200_64 < 0) {
		goto fail;
	}
	printf("fanout exec (connect + auth + `echo`), %d sshds on this %ld-CPU machine:\n",
	       n_servers, ncpu);
	printf("  1 target                   %7.1f ms\n", t1 * 1000);
	printf("  50 targets, 64 at once     %7.1f ms  = %5.1fx one   machine CPU busy %3.0f%%, "
	       "client CPU %.2f s\n",
	       t50 * 1000, t50 / t1, busy50 * 100, cpu50);
	printf("  200 targets, 200 at once   %7.1f ms  = %5.1fx one   machine CPU busy %3.0f%%, "
	       "client CPU %.2f s\n",
	       t200 * 1000, t200 / t1, busy200 * 100, cpu200);
	printf("  200 targets, 64 at once    %7.1f ms  = %5.1fx one   machine CPU busy %3.0f%%, "
	       "client CPU %.2f s\n",
	       t200_64 * 1000, t200_64 / t1, busy200_64 * 100, cpu200_64);
	printf("  client CPU per target (200 at once): %.2f ms\n", cpu200 * 1000 / 200);

	/* A command that takes a while, as real ones do: the setup cost above
	 * then overlaps with the commands running. */
	t1 = run(1, 1, SLOW, &busy, &cpu);
	t200 = run(200, 200, SLOW, &busy200, &cpu200);
	if (t1 < 0 || t200 < 0) {
		goto fail;
	}
	printf("fanout exec of `sleep 2; echo done`:\n");
	printf("  1 target                   %7.1f ms\n", t1 * 1000);
	printf("  200 targets, 200 at once   %7.1f ms  = %5.2fx one\n", t200 * 1000, t200 / t1);
	for (i = 0; i < n_servers; i++) {
		sshd_fixture_stop(&servers[i]);
	}
	return 0;
fail:
	for (i = 0; i < n_servers; i++) {
		sshd_fixture_stop(&servers[i]);
	}
	return 1;
}
