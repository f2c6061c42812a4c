/*
 * Benchmark: connecting (handshake, host key check, auth) and repeated
 * exec on one reused session, against a real sshd.
 *
 * LIUM_BENCH_SSH_EXECS sets the number of execs (default 200).
 */
#include "test_ssh_common.h"

static sshd_fixture fx;

int main(void)
{
	const char *n_env = getenv("LIUM_BENCH_SSH_EXECS");
	int n = n_env != NULL ? atoi(n_env) : 200;
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_ssh_exec_result res;
	lium_buf out = LIUM_BUF_INIT;
	lium_error err;
	double t0;
	double connect_avg;
	double reuse;
	double fresh;
	int i;
	const int connects = 20;

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	if (n <= 0 || sshd_fixture_start(&fx) != 0) {
		return 1;
	}
	test_ssh_options(&o, &fx, NULL, "bench-ssh");
	eo.command = "true";

	/* The first connection pins the key; time the ones after it. */
	if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
		fprintf(stderr, "connect: %s\n", err.message);
		sshd_fixture_stop(&fx);
		return 1;
	}
	lium_ssh_free(ssh);
	t0 = test_now();
	for (i = 0; i < connects; i++) {
		if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
			fprintf(stderr, "connect: %s\n", err.message);
			sshd_fixture_stop(&fx);
			return 1;
		}
		lium_ssh_free(ssh);
	}
	connect_avg = (test_now() - t0) / connects;

	/* One session, n commands. */
	if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
		sshd_fixture_stop(&fx);
		return 1;
	}
	t0 = test_now();
	for (i = 0; i < n; i++) {
		if (lium_ssh_exec(ssh, &eo, &res, &err) != LIUM_OK || res.exit_code != 0) {
			fprintf(stderr, "exec %d: %s\n", i, err.message);
			sshd_fixture_stop(&fx);
			return 1;
		}
	}
	reuse = test_now() - t0;
	/* Output-heavy: 1 MiB through one exec. */
	eo.command = "head -c 1048576 /dev/zero";
	eo.stdout_buf = &out;
	t0 = test_now();
	if (lium_ssh_exec(ssh, &eo, &res, &err) != LIUM_OK || out.size != 1048576) {
		fprintf(stderr, "exec: %s\n", err.message);
		sshd_fixture_stop(&fx);
		return 1;
	}
	printf("ssh: 1 MiB of output through one exec: %.1f ms\n", (test_now() - t0) * 1000);
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);

	/* For comparison: a fresh connection per command. */
	eo.command = "true";
	eo.stdout_buf = NULL;
	t0 = test_now();
	for (i = 0; i < connects; i++) {
		if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK ||
		    lium_ssh_exec(ssh, &eo, &res, &err) != LIUM_OK) {
			fprintf(stderr, "fresh: %s\n", err.message);
			sshd_fixture_stop(&fx);
			return 1;
		}
		lium_ssh_free(ssh);
	}
	fresh = (test_now() - t0) / connects;

	printf("ssh: connect+auth (pinned key) %.1f ms on average over %d\n", connect_avg * 1000,
	       connects);
	printf("ssh: %d execs of `true` on one reused session: %.2f s, %.0f execs/s (%.2f ms "
	       "each)\n",
	       n, reuse, n / reuse, reuse * 1000 / n);
	printf("ssh: connect + one exec per command: %.1f ms each, %.0f commands/s\n", fresh * 1000,
	       1 / fresh);
	sshd_fixture_stop(&fx);
	return 0;
}
