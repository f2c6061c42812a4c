/*
 * celium-sim leaves nothing behind: no sshd and no session process after a
 * SIGTERM, after the sandbox was SIGKILLed, after the test process that
 * started it was SIGKILLed, and a new run on the same state directory kills
 * what an older run could not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_test_util.h"

static char *dir;
static char *pubkey;
static char *ident;

static int group_setup(void **state)
{
	(void)state;
	dir = st_tempdir();
	pubkey = dir ? st_keygen(dir, "id") : NULL;
	if (!pubkey || asprintf(&ident, "%s/id", dir) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	st_rmtree(dir);
	free(dir);
	free(pubkey);
	free(ident);
	return 0;
}

/* What a running pod left to check for. */
typedef struct trace {
	char instance[64]; /* tag prefix of the whole sandbox */
	int sshd;          /* the pod's sshd listener */
	int sleeper;       /* a detached process started over ssh */
	int guardian;
	char state_dir[4096];
} trace;

static const char *const fast[] = {"--executors", "3", "--pending-ms", "50", "--starting-ms",
				   "50",          NULL};

/* Rents a pod, logs in, leaves a detached `sleep` behind. */
static trace make_trace(const sim_fixture *f)
{
	trace t = {0};
	long status;
	json_t *h = st_req(f, "GET", "/_sim/health", NULL, "", &status);
	assert_int_equal(status, 200);
	snprintf(t.instance, sizeof t.instance, "%s/", st_str(h, "instance"));
	snprintf(t.state_dir, sizeof t.state_dir, "%s", st_str(h, "state_dir"));
	t.guardian = (int)json_integer_value(json_object_get(h, "guardian_pid"));
	json_decref(h);
	assert_true(t.guardian > 0 && st_pid_alive(t.guardian));
	char *id = st_rent(f, "trace", pubkey, NULL);
	assert_non_null(id);
	json_t *p = st_wait_status(f, id, "RUNNING", 30);
	assert_non_null(p);
	const char *cmd = st_str(p, "ssh_connect_cmd");
	int port = st_ssh_port(cmd);
	char user[64];
	snprintf(user, sizeof user, "%.*s", (int)(strchr(cmd, '@') - cmd - 4), cmd + 4);
	json_t *info = st_getf(f, &status, "/_sim/pods/%s", id);
	t.sshd = (int)json_integer_value(json_object_get(info, "sshd_pid"));
	json_decref(info);
	char *known = st_known_hosts(f, dir, id, port);
	assert_non_null(known);
	char *out = NULL;
	int rc = st_ssh(ident, known, user, port,
			"setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!", &out);
	if (rc != 0)
		print_error("ssh: %s\n", out);
	assert_int_equal(rc, 0);
	t.sleeper = atoi(out);
	free(out);
	unlink(known);
	free(known);
	json_decref(p);
	free(id);
	assert_true(t.sshd > 0 && st_pid_alive(t.sshd));
	assert_true(t.sleeper > 0 && st_pid_alive(t.sleeper));
	/* sshd rewrites its environment area with its process title: only the
	 * session's processes show the tag; the listener is found by pid */
	assert_true(st_count_tagged(t.instance) >= 1);
	return t;
}

/* Waits until nothing of the trace runs any more. */
static bool trace_gone(const trace *t, double timeout_s)
{
	double end = st_now() + timeout_s;
	while (st_now() < end) {
		if (!st_pid_alive(t->sshd) && !st_pid_alive(t->sleeper) &&
		    st_count_tagged(t->instance) == 0)
			return true;
		st_sleep_ms(20);
	}
	print_error("left: sshd %d %s, sleeper %d %s, %d tagged\n", t->sshd,
		    st_pid_alive(t->sshd) ? "alive" : "gone", t->sleeper,
		    st_pid_alive(t->sleeper) ? "alive" : "gone", st_count_tagged(t->instance));
	return false;
}

static bool pid_gone(int pid, double timeout_s)
{
	double end = st_now() + timeout_s;
	while (st_now() < end) {
		if (!st_pid_alive(pid))
			return true;
		st_sleep_ms(20);
	}
	return false;
}

static void test_sim_cleanup__sigterm(void **state)
{
	(void)state;
	sim_fixture f;
	assert_int_equal(sim_fixture_start(&f, fast), 0);
	trace t = make_trace(&f);
	int sim_pid = f.pid;
	char state_dir[4096];
	snprintf(state_dir, sizeof state_dir, "%s", f.state_dir);
	/* SIGTERM by hand, to see the sandbox clean up on its own */
	kill(sim_pid, SIGTERM);
	int status;
	assert_int_equal(waitpid(sim_pid, &status, 0), sim_pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	f.pid = 0;
	/* everything is gone as soon as it exited: it waits for its helpers */
	assert_true(trace_gone(&t, 0.5));
	assert_false(st_pid_alive(t.guardian));
	/* nothing of the pods is left in the state dir either */
	char pods[4200];
	snprintf(pods, sizeof pods, "%s/pods", state_dir);
	struct stat st;
	assert_int_not_equal(stat(pods, &st), 0);
	sim_fixture_stop(&f);
	assert_int_not_equal(stat(state_dir, &st), 0);
}

static void test_sim_cleanup__sim_sigkilled(void **state)
{
	(void)state;
	sim_fixture f;
	assert_int_equal(sim_fixture_start(&f, fast), 0);
	trace t = make_trace(&f);
	kill(f.pid, SIGKILL);
	int status;
	waitpid(f.pid, &status, 0);
	f.pid = 0;
	/* sshd dies with its parent; the guardian kills the rest and exits */
	assert_true(trace_gone(&t, 5));
	assert_true(pid_gone(t.guardian, 5));
	sim_fixture_stop(&f);
}

static void test_sim_cleanup__test_process_sigkilled(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* a "test" that starts the sandbox, rents, and is then killed */
		close(fds[0]);
		sim_fixture f;
		if (sim_fixture_start(&f, fast) != 0)
			_exit(1);
		long status;
		json_t *h = st_req(&f, "GET", "/_sim/health", NULL, "", &status);
		char *id = st_rent(&f, "orphan", pubkey, NULL);
		json_t *p = id ? st_wait_status(&f, id, "RUNNING", 30) : NULL;
		json_t *info = id ? st_getf(&f, &status, "/_sim/pods/%s", id) : NULL;
		char line[4600];
		int n = snprintf(line, sizeof line, "%d %d %lld %s/ %s\n", f.pid,
				 (int)json_integer_value(json_object_get(h, "guardian_pid")),
				 (long long)json_integer_value(json_object_get(info, "sshd_pid")),
				 st_str(h, "instance"), f.state_dir);
		if (!p || write(fds[1], line, (size_t)n) != n)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	char buf[4600] = "";
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	int sim_pid = 0, guardian = 0;
	long long sshd = 0;
	char instance[128] = "", state_dir[4096] = "";
	assert_int_equal(sscanf(buf, "%d %d %lld %127s %4095s", &sim_pid, &guardian, &sshd,
				instance, state_dir),
			 5);
	assert_true(st_pid_alive(sim_pid) && st_pid_alive((int)sshd));
	kill(child, SIGKILL);
	int status;
	waitpid(child, &status, 0);
	/* the sandbox got SIGTERM from PR_SET_PDEATHSIG and cleaned up */
	assert_true(pid_gone(sim_pid, 10));
	assert_true(pid_gone((int)sshd, 5));
	assert_true(pid_gone(guardian, 5));
	assert_int_equal(st_count_tagged(instance), 0);
	/* its state dir stays (nobody was left to remove it): tidy up here */
	st_rmtree(state_dir);
}

static void test_sim_cleanup__restart_reaps_leftovers(void **state)
{
	(void)state;
	char *state_dir = st_tempdir();
	const char *args[] = {"--executors", "3",           "--pending-ms", "50", "--starting-ms",
			      "50",          "--state-dir", state_dir,      NULL};
	sim_fixture f;
	assert_int_equal(sim_fixture_start(&f, args), 0);
	trace t = make_trace(&f);
	assert_string_equal(t.state_dir, state_dir);
	/* kill the guardian first, then the sandbox: nobody cleans up now */
	kill(t.guardian, SIGKILL);
	assert_true(pid_gone(t.guardian, 5));
	kill(f.pid, SIGKILL);
	int status;
	waitpid(f.pid, &status, 0);
	f.pid = 0;
	assert_true(pid_gone(t.sshd, 5));
	st_sleep_ms(200);
	assert_true(st_pid_alive(t.sleeper)); /* the leftover */
	sim_fixture_stop(&f);
	/* a new run on the same state dir reaps it before it serves */
	sim_fixture g;
	assert_int_equal(sim_fixture_start(&g, args), 0);
	assert_true(trace_gone(&t, 5));
	long st;
	json_t *pods = st_req(&g, "GET", "/pods", NULL, NULL, &st);
	assert_int_equal(json_array_size(pods), 0);
	json_decref(pods);
	sim_fixture_stop(&g);
	assert_int_equal(g.exit_status, 0);
	st_rmtree(state_dir);
	free(state_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_cleanup__sigterm),
		cmocka_unit_test(test_sim_cleanup__sim_sigkilled),
		cmocka_unit_test(test_sim_cleanup__test_process_sigkilled),
		cmocka_unit_test(test_sim_cleanup__restart_reaps_leftovers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
