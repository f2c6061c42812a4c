/*
 * lium_ssh against a real sshd: exec (output, exit codes, signals,
 * environment, stdin, streaming, timeouts, cancellation, pty), key types,
 * passphrases, agent, connection failures.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "test_ssh_common.h"

static sshd_fixture fx;
static pid_t agent_pid;

static int group_setup(void **state)
{
	(void)state;
	return sshd_fixture_start(&fx) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	if (agent_pid > 0) {
		kill(agent_pid, SIGTERM);
		waitpid(agent_pid, NULL, 0);
	}
	sshd_fixture_stop(&fx);
	return 0;
}

static lium_ssh *connect_default(void)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;

	test_ssh_options(&o, &fx, NULL, "exec-host");
	if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
		fail_msg("connect: %s", err.message);
	}
	return ssh;
}

static lium_status run(lium_ssh *ssh, const char *cmd, lium_buf *out, lium_buf *errb,
		       lium_ssh_exec_result *res, lium_error *err)
{
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;

	eo.command = cmd;
	eo.stdout_buf = out;
	eo.stderr_buf = errb;
	return lium_ssh_exec(ssh, &eo, res, err);
}

static void test_ssh__exec_output_and_exit_code(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_buf out = LIUM_BUF_INIT;
	lium_buf errb = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;

	(void)state;
	assert_int_equal(run(ssh, "echo out; echo err >&2; exit 3", &out, &errb, &res, &err),
			 LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "out\n");
	assert_string_equal(lium_buf_cstr(&errb), "err\n");
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(res.signal, "");

	lium_buf_clear(&out);
	assert_int_equal(run(ssh, "id -un", &out, NULL, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	assert_true(strncmp(lium_buf_cstr(&out), fx.user, strlen(fx.user)) == 0);

	lium_buf_clear(&out);
	assert_int_equal(run(ssh, "exit 255", &out, NULL, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 255);
	lium_buf_dispose(&out);
	lium_buf_dispose(&errb);
	lium_ssh_free(ssh);
}

static void test_ssh__exec_signal(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_exec_result res;
	lium_error err;

	(void)state;
	assert_int_equal(run(ssh, "kill -KILL $$", NULL, NULL, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, -1);
	assert_string_equal(res.signal, "KILL");
	assert_int_equal(run(ssh, "kill -TERM $$", NULL, NULL, &res, &err), LIUM_OK);
	assert_string_equal(res.signal, "TERM");
	lium_ssh_free(ssh);
}

static void test_ssh__exec_environment(void **state)
{
	lium_ssh *ssh = connect_default();
	const char *env[] = {"A=it's a \"test\" $HOME `x` \\n", "B=line1\nline2",
			     "EMPTY=", "_U9=x y", NULL};
	const char *bad[] = {"1X=y", NULL};
	const char *bad2[] = {"NOEQUALS", NULL};
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;

	(void)state;
	eo.command = "printf '%s|%s|%s|%s' \"$A\" \"$B\" \"$EMPTY\" \"$_U9\"";
	eo.env = env;
	eo.stdout_buf = &out;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(lium_buf_cstr(&out), "it's a \"test\" $HOME `x` \\n|line1\nline2||x y");

	eo.env = bad;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_EINVAL);
	assert_non_null(strstr(err.message, "1X=y"));
	eo.env = bad2;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_EINVAL);
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

static void test_ssh__exec_stdin_buffer_round_trip(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	size_t len = 4u * 1024u * 1024u + 123u;
	unsigned char *data = malloc(len);

	(void)state;
	assert_non_null(data);
	test_fill(data, len, 7);
	/* cat sends back while we still send: both windows must keep moving. */
	eo.command = "cat";
	eo.stdin_data = data;
	eo.stdin_len = len;
	eo.stdout_buf = &out;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(out.size, len);
	assert_memory_equal(out.ptr, data, len);

	/* No stdin at all: the command sees end of input at once. */
	lium_buf_clear(&out);
	assert_int_equal(run(ssh, "wc -c", &out, NULL, &res, &err), LIUM_OK);
	assert_int_equal(atoi(lium_buf_cstr(&out)), 0);
	free(data);
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

struct stdin_gen {
	size_t left;
	size_t calls;
};

static lium_status gen_stdin(char *buf, size_t size, size_t *len, void *userdata)
{
	struct stdin_gen *g = userdata;
	size_t n = size < g->left ? size : g->left;

	if (n > 1000) {
		n = 1000; /* small pieces on purpose */
	}
	memset(buf, 'z', n);
	g->left -= n;
	g->calls++;
	*len = n;
	return LIUM_OK;
}

static lium_status failing_stdin(char *buf, size_t size, size_t *len, void *userdata)
{
	(void)buf;
	(void)size;
	(void)len;
	(void)userdata;
	return LIUM_EIO;
}

static void test_ssh__exec_stdin_callback(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	struct stdin_gen g = {3u * 1024u * 1024u, 0};

	(void)state;
	eo.command = "wc -c";
	eo.stdin_cb = gen_stdin;
	eo.stdin_userdata = &g;
	eo.stdout_buf = &out;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(atol(lium_buf_cstr(&out)), 3L * 1024 * 1024);
	assert_true(g.calls > 3000);

	eo.stdin_cb = failing_stdin;
	eo.command = "cat";
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_EIO);
	/* The session survives a failed command. */
	lium_buf_clear(&out);
	assert_int_equal(run(ssh, "echo still", &out, NULL, &res, &err), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "still\n");
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

struct stream_probe {
	double start;
	double first;
	size_t chunks;
	lium_buf all;
};

static void probe_cb(const char *data, size_t len, void *userdata)
{
	struct stream_probe *p = userdata;

	if (p->chunks++ == 0) {
		p->first = test_now() - p->start;
	}
	(void)lium_buf_put(&p->all, data, len);
}

static void test_ssh__exec_streams_output_as_it_comes(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	struct stream_probe p;
	double total;

	(void)state;
	memset(&p, 0, sizeof(p));
	eo.command = "echo first; sleep 1; echo second";
	eo.on_stdout = probe_cb;
	eo.output_userdata = &p;
	p.start = test_now();
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	total = test_now() - p.start;
	assert_string_equal(lium_buf_cstr(&p.all), "first\nsecond\n");
	assert_true(p.chunks >= 2);
	assert_true(total >= 1.0);
	assert_true(p.first < total - 0.5);
	lium_buf_dispose(&p.all);
	lium_ssh_free(ssh);
}

static void test_ssh__exec_timeout_keeps_session(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	double t0;
	double took;

	(void)state;
	eo.command = "sleep 30";
	eo.timeout_ms = 500;
	t0 = test_now();
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_ETIMEOUT);
	took = test_now() - t0;
	assert_true(took >= 0.45 && took < 3.0 * test_time_scale());
	assert_non_null(strstr(err.message, "timed out"));
	assert_int_equal(res.exit_code, -1);

	assert_int_equal(run(ssh, "echo after", &out, NULL, &res, &err), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "after\n");
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

struct canceller {
	lium_ssh *ssh;
	int fd;
	int delay_ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	usleep((useconds_t)c->delay_ms * 1000u);
	if (c->ssh != NULL) {
		lium_ssh_cancel(c->ssh);
	} else {
		ssize_t n = write(c->fd, "x", 1);
		(void)n;
	}
	return NULL;
}

static void test_ssh__exec_cancel_from_another_thread(void **state)
{
	lium_ssh *ssh = connect_default();
	struct canceller c = {ssh, -1, 300};
	pthread_t th;
	lium_ssh_exec_result res;
	lium_error err;
	lium_status st;
	double t0;

	(void)state;
	t0 = test_now();
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &c), 0);
	st = run(ssh, "sleep 30", NULL, NULL, &res, &err);
	pthread_join(th, NULL);
	assert_int_equal(st, LIUM_ECANCELLED);
	assert_true(test_now() - t0 < 3.0);
	/* Cancellation is permanent for the session. */
	assert_int_equal(run(ssh, "true", NULL, NULL, &res, &err), LIUM_ECANCELLED);
	lium_ssh_free(ssh);
}

static void test_ssh__cancel_fd_stops_exec_and_connect(void **state)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	int p[2];
	pthread_t th;
	struct canceller c;
	lium_ssh_exec_result res;
	lium_error err;
	unsigned int port;
	int hole;
	double t0;
	lium_status st;

	(void)state;
	assert_int_equal(pipe(p), 0);
	test_ssh_options(&o, &fx, NULL, "exec-host");
	o.cancel_fd = p[0];
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	c.ssh = NULL;
	c.fd = p[1];
	c.delay_ms = 300;
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &c), 0);
	t0 = test_now();
	st = run(ssh, "sleep 30", NULL, NULL, &res, &err);
	pthread_join(th, NULL);
	assert_int_equal(st, LIUM_ECANCELLED);
	assert_true(test_now() - t0 < 3.0);
	lium_ssh_free(ssh);

	/* The same descriptor, still readable, stops a connect at once. */
	hole = sshd_fixture_blackhole(&port);
	assert_true(hole >= 0);
	o.port = port;
	o.host_alias = "blackhole";
	t0 = test_now();
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_ECANCELLED);
	assert_null(ssh);
	assert_true(test_now() - t0 < 1.0);
	close(hole);
	close(p[0]);
	close(p[1]);
}

static void test_ssh__many_execs_on_one_session(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	char cmd[64];
	char want[64];
	int i;

	(void)state;
	for (i = 0; i < 25; i++) {
		lium_buf_clear(&out);
		snprintf(cmd, sizeof(cmd), "echo %d; exit %d", i, i % 7);
		snprintf(want, sizeof(want), "%d\n", i);
		assert_int_equal(run(ssh, cmd, &out, NULL, &res, &err), LIUM_OK);
		assert_string_equal(lium_buf_cstr(&out), want);
		assert_int_equal(res.exit_code, i % 7);
	}
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

static void login_with(const char *key, int expect_ok)
{
	const char *keys[2] = {key, NULL};
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	lium_status st;

	test_ssh_options(&o, &fx, keys, "auth-host");
	st = lium_ssh_connect(&ssh, &o, &err);
	if (!expect_ok) {
		assert_int_equal(st, LIUM_EAUTH);
		assert_null(ssh);
		assert_non_null(strstr(err.message, "permission denied"));
		return;
	}
	if (st != LIUM_OK) {
		fail_msg("login with %s: %s", key, err.message);
	}
	assert_int_equal(run(ssh, "echo ok", &out, NULL, &res, &err), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "ok\n");
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

static void test_ssh__auth_key_types(void **state)
{
	(void)state;
	login_with(fx.keys->ed25519, 1);
	login_with(fx.keys->rsa, 1);
	login_with(fx.keys->ecdsa, 1);
	login_with(fx.keys->unauthorized, 0);
}

static void test_ssh__auth_tries_keys_in_order(void **state)
{
	const char *keys[3] = {fx.keys->unauthorized, fx.keys->ecdsa, NULL};
	const char *missing[2] = {"/nonexistent/lium/key", NULL};
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;

	(void)state;
	test_ssh_options(&o, &fx, keys, "auth-host");
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	lium_ssh_free(ssh);

	test_ssh_options(&o, &fx, missing, "auth-host");
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EIO);
	assert_non_null(strstr(err.message, "/nonexistent/lium/key"));
	assert_null(ssh);
}

struct pass_probe {
	const char *give;
	int calls;
	char name[512];
};

static int pass_cb(const char *key_name, char *buf, size_t size, void *userdata)
{
	struct pass_probe *p = userdata;

	p->calls++;
	snprintf(p->name, sizeof(p->name), "%s", key_name);
	if (p->give == NULL) {
		return -1;
	}
	snprintf(buf, size, "%s", p->give);
	return 0;
}

static void test_ssh__auth_passphrase_callback(void **state)
{
	const char *keys[2] = {fx.keys->ed25519_pass, NULL};
	struct pass_probe p;
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.give = SSHD_FIXTURE_PASSPHRASE;
	test_ssh_options(&o, &fx, keys, "auth-host");
	o.passphrase_cb = pass_cb;
	o.passphrase_userdata = &p;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	assert_int_equal(p.calls, 1);
	assert_string_equal(p.name, fx.keys->ed25519_pass);
	lium_ssh_free(ssh);

	memset(&p, 0, sizeof(p));
	p.give = "wrong passphrase";
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EAUTH);
	assert_non_null(strstr(err.message, "could not be decrypted"));
	assert_int_equal(p.calls, 1);

	memset(&p, 0, sizeof(p));
	p.give = NULL; /* the user gives up */
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EAUTH);

	o.passphrase_cb = NULL; /* nobody to ask */
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EAUTH);
	assert_null(ssh);
}

static void test_ssh__auth_key_text(void **state)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;
	char *text = test_read_file(fx.keys->rsa, NULL);
	const char *none[1] = {NULL};

	(void)state;
	assert_non_null(text);
	test_ssh_options(&o, &fx, none, "auth-host");
	o.key_text = text;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	lium_ssh_free(ssh);
	o.key_text = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n";
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EAUTH);
	free(text);
}

static void test_ssh__auth_agent(void **state)
{
	char sock[SSHD_FIXTURE_PATH_MAX + 16];
	const char *none[1] = {NULL};
	const char *saved = getenv("SSH_AUTH_SOCK");
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;
	pid_t agent;
	int i;
	int devnull;

	(void)state;
	if (access("/usr/bin/ssh-agent", X_OK) != 0) {
		skip();
	}
	snprintf(sock, sizeof(sock), "%s/agent.sock", fx.dir);
	agent = fork();
	assert_true(agent >= 0);
	agent_pid = agent;
	if (agent == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
		}
		execl("/usr/bin/ssh-agent", "ssh-agent", "-D", "-a", sock, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && access(sock, F_OK) != 0; i++) {
		usleep(10000);
	}
	assert_int_equal(access(sock, F_OK), 0);
	setenv("SSH_AUTH_SOCK", sock, 1);
	{
		const char *argv[] = {"ssh-add", fx.keys->ecdsa, NULL};
		assert_int_equal(sshd_fixture_run(argv), 0);
	}
	test_ssh_options(&o, &fx, none, "auth-host");
	o.agent = LIUM_SSH_AGENT_AUTO;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	lium_ssh_free(ssh);
	o.agent = LIUM_SSH_AGENT_NEVER;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EAUTH);
	assert_non_null(strstr(err.message, "no usable key"));

	kill(agent, SIGTERM);
	waitpid(agent, NULL, 0);
	agent_pid = 0;
	if (saved != NULL) {
		setenv("SSH_AUTH_SOCK", saved, 1);
	} else {
		unsetenv("SSH_AUTH_SOCK");
	}
}

static void test_ssh__connect_refused_and_blackhole(void **state)
{
	lium_ssh_options o;
	lium_ssh *ssh = (lium_ssh *)&o;
	lium_error err;
	unsigned int port;
	int hole;
	double t0;
	double took;

	(void)state;
	test_ssh_options(&o, &fx, NULL, "nowhere");
	o.port = sshd_fixture_closed_port();
	t0 = test_now();
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_ENETWORK);
	assert_null(ssh);
	assert_true(test_now() - t0 < 1.0);
	assert_non_null(strstr(err.message, "refused"));

	hole = sshd_fixture_blackhole(&port);
	assert_true(hole >= 0);
	o.port = port;
	o.connect_timeout_ms = 700;
	t0 = test_now();
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_ETIMEOUT);
	took = test_now() - t0;
	assert_true(took >= 0.65 && took < 2.5 * test_time_scale());
	assert_non_null(strstr(err.message, "handshake"));
	close(hole);
}

static void test_ssh__bad_options(void **state)
{
	lium_ssh_options o;
	lium_ssh *ssh = (lium_ssh *)&o;
	lium_error err;

	(void)state;
	test_ssh_options(&o, &fx, NULL, "x");
	o.host = NULL;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EINVAL);
	assert_null(ssh);
	test_ssh_options(&o, &fx, NULL, "bad alias with spaces");
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EINVAL);
	test_ssh_options(&o, &fx, NULL, "x");
	o.known_hosts_path = NULL;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EINVAL);
	test_ssh_options(&o, &fx, NULL, "x");
	o.version = 99;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_EINVAL);
	assert_int_equal(lium_ssh_connect(NULL, &o, &err), LIUM_EINVAL);
	lium_ssh_free(NULL);
	lium_ssh_cancel(NULL);
	assert_int_equal(lium_ssh_exec(NULL, NULL, NULL, &err), LIUM_EINVAL);
}

static void test_ssh__io_timeout_and_keepalive(void **state)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	double t0;

	(void)state;
	/* Quiet for 2 s with a 1 s I/O timeout and no keepalives: too long. */
	test_ssh_options(&o, &fx, NULL, "exec-host");
	o.io_timeout_ms = 1000;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	t0 = test_now();
	assert_int_equal(run(ssh, "sleep 2; echo x", &out, NULL, &res, &err), LIUM_ETIMEOUT);
	assert_true(test_now() - t0 < 1.9);
	assert_non_null(strstr(err.message, "no data from the server"));
	lium_ssh_free(ssh);

	/* With keepalives the server answers meanwhile: the command finishes. */
	o.keepalive_interval_ms = 250;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	assert_int_equal(run(ssh, "sleep 2; echo x", &out, NULL, &res, &err), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "x\n");
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

static void test_ssh__pty(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;

	(void)state;
	eo.command = "tty; echo to-stderr >&2";
	eo.pty = 1;
	eo.stdout_buf = &out;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	assert_true(strncmp(lium_buf_cstr(&out), "/dev/pts/", 9) == 0);
	assert_non_null(strstr(lium_buf_cstr(&out), "to-stderr"));
	lium_buf_dispose(&out);
	lium_ssh_free(ssh);
}

static void test_ssh__shell_quote(void **state)
{
	lium_buf b = LIUM_BUF_INIT;

	(void)state;
	assert_int_equal(lium_ssh_shell_quote("a b", &b), LIUM_OK);
	assert_int_equal(lium_ssh_shell_quote("it's", &b), LIUM_OK);
	assert_int_equal(lium_ssh_shell_quote(NULL, &b), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "'a b''it'\\''s'''");
	lium_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh__exec_output_and_exit_code),
		cmocka_unit_test(test_ssh__exec_signal),
		cmocka_unit_test(test_ssh__exec_environment),
		cmocka_unit_test(test_ssh__exec_stdin_buffer_round_trip),
		cmocka_unit_test(test_ssh__exec_stdin_callback),
		cmocka_unit_test(test_ssh__exec_streams_output_as_it_comes),
		cmocka_unit_test(test_ssh__exec_timeout_keeps_session),
		cmocka_unit_test(test_ssh__exec_cancel_from_another_thread),
		cmocka_unit_test(test_ssh__cancel_fd_stops_exec_and_connect),
		cmocka_unit_test(test_ssh__many_execs_on_one_session),
		cmocka_unit_test(test_ssh__auth_key_types),
		cmocka_unit_test(test_ssh__auth_tries_keys_in_order),
		cmocka_unit_test(test_ssh__auth_passphrase_callback),
		cmocka_unit_test(test_ssh__auth_key_text),
		cmocka_unit_test(test_ssh__auth_agent),
		cmocka_unit_test(test_ssh__connect_refused_and_blackhole),
		cmocka_unit_test(test_ssh__bad_options),
		cmocka_unit_test(test_ssh__io_timeout_and_keepalive),
		cmocka_unit_test(test_ssh__pty),
		cmocka_unit_test(test_ssh__shell_quote),
	};

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
