/*
 * Tests of lium/utils/process.h against real programs (sh, printf, cat,
 * env, sleep).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <lium/utils/process.h>

static char tmpdir[PATH_MAX];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lium-process-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	const char *argv[] = {"rm", "-rf", tmpdir, NULL};
	(void)state;
	return lium_process_run(argv, NULL, NULL, NULL) == LIUM_OK ? 0 : -1;
}

/*
 * Valgrind cannot carry on after an execve that fails (it ends the
 * process), so the tests of failing execs skip under it.
 */
static int under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");
	return pre && strstr(pre, "vgpreload") != NULL;
}

/* Upper bounds on elapsed time stretch under valgrind (LIUM_TEST_TIME_SCALE). */
static long time_limit_ms(long ms)
{
	const char *s = getenv("LIUM_TEST_TIME_SCALE");
	long scale = s ? strtol(s, NULL, 10) : 1;

	return scale > 1 ? ms * scale : ms;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Run argv with stdout (and optionally stderr) captured. */
static lium_status run_capture(const char *const *argv, lium_buf *out, lium_buf *errb,
			       lium_process_exit *ex)
{
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_error err;
	lium_status st;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = out;
	if (errb) {
		o.stderr_mode = LIUM_PROCESS_CAPTURE;
		o.stderr_buf = errb;
	}
	o.timeout_ms = 30000;
	st = lium_process_run(argv, &o, ex, &err);
	if (st != LIUM_OK)
		print_message("run: %s\n", err.message);
	return st;
}

static void test_process__argv_passed_untouched(void **state)
{
	const char *argv[] = {"printf", "[%s]\n", "a b",         "it's",       "\"q\"", "$HOME",
			      "*",      "",       "back\\slash", "semi;colon", NULL};
	lium_buf out = LIUM_BUF_INIT;
	lium_process_exit ex;
	(void)state;
	assert_int_equal(run_capture(argv, &out, NULL, &ex), LIUM_OK);
	assert_true(ex.exited);
	assert_int_equal(ex.code, 0);
	assert_string_equal(lium_buf_cstr(&out), "[a b]\n[it's]\n[\"q\"]\n[$HOME]\n[*]\n[]\n"
						 "[back\\slash]\n[semi;colon]\n");
	lium_buf_dispose(&out);
}

static void test_process__exit_codes(void **state)
{
	lium_process_exit ex;
	(void)state;
	for (int code = 0; code < 256; code += 51) {
		char script[64];
		const char *argv[] = {"sh", "-c", script, NULL};
		snprintf(script, sizeof(script), "exit %d", code);
		assert_int_equal(lium_process_run(argv, NULL, &ex, NULL), LIUM_OK);
		assert_true(ex.exited);
		assert_int_equal(ex.code, code);
		assert_int_equal(ex.signal, 0);
		assert_false(ex.timed_out);
	}
}

static void test_process__signals(void **state)
{
	const char *argv[] = {"sh", "-c", "kill -USR1 $$; sleep 5", NULL};
	lium_process_exit ex;
	lium_buf text = LIUM_BUF_INIT;
	(void)state;
	assert_int_equal(lium_process_run(argv, NULL, &ex, NULL), LIUM_OK);
	assert_false(ex.exited);
	assert_int_equal(ex.signal, SIGUSR1);
	assert_int_equal(lium_process_describe_exit(&ex, &text), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&text), "killed by signal 10 (SIGUSR1)");
	lium_buf_dispose(&text);
}

static void test_process__kill_running_child(void **state)
{
	const char *argv[] = {"sleep", "30", NULL};
	lium_process *p;
	lium_process_exit ex;
	int64_t t0 = now_ms();
	(void)state;
	assert_int_equal(lium_process_spawn(&p, argv, NULL, NULL), LIUM_OK);
	assert_true(lium_process_pid(p) > 0);
	assert_int_equal(lium_process_kill(p, SIGINT, NULL), LIUM_OK);
	assert_int_equal(lium_process_wait(p, 10000, &ex, NULL), LIUM_OK);
	assert_int_equal(ex.signal, SIGINT);
	assert_true(now_ms() - t0 < 5000);
	/* A second wait repeats the result; killing a reaped child is a no-op. */
	memset(&ex, 0, sizeof(ex));
	assert_int_equal(lium_process_wait(p, 0, &ex, NULL), LIUM_OK);
	assert_int_equal(ex.signal, SIGINT);
	assert_int_equal(lium_process_kill(p, SIGTERM, NULL), LIUM_OK);
	lium_process_free(p);
}

static void test_process__capture_stdout_and_stderr(void **state)
{
	const char *argv[] = {"sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 3", NULL};
	lium_buf out = LIUM_BUF_INIT, errb = LIUM_BUF_INIT;
	lium_process_exit ex;
	(void)state;
	assert_int_equal(run_capture(argv, &out, &errb, &ex), LIUM_OK);
	assert_int_equal(ex.code, 3);
	assert_string_equal(lium_buf_cstr(&out), "out1\nout2\n");
	assert_string_equal(lium_buf_cstr(&errb), "err1\n");
	lium_buf_dispose(&out);
	lium_buf_dispose(&errb);
}

static void test_process__stderr_to_stdout(void **state)
{
	const char *argv[] = {"sh", "-c", "echo a; echo b >&2; echo c", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	o.stderr_mode = LIUM_PROCESS_TO_STDOUT;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "a\nb\nc\n");
	lium_buf_dispose(&out);
}

static void test_process__capture_large_binary(void **state)
{
	/* 4 MiB through both directions at once: the poll loop must not stall. */
	size_t n = 4u << 20;
	unsigned char *data = malloc(n);
	const char *argv[] = {"cat", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_process_exit ex;
	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)((i * 7919u) >> 3);
	o.stdin_mode = LIUM_PROCESS_BUFFER;
	o.stdin_data = data;
	o.stdin_len = n;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	o.timeout_ms = 30000;
	assert_int_equal(lium_process_run(argv, &o, &ex, NULL), LIUM_OK);
	assert_int_equal(ex.code, 0);
	assert_int_equal(out.size, n);
	assert_memory_equal(out.ptr, data, n);
	lium_buf_dispose(&out);
	free(data);
}

static void test_process__stdin_not_read_is_no_sigpipe(void **state)
{
	/* The child exits without reading: our write sees EPIPE, not SIGPIPE. */
	size_t n = 1u << 20;
	char *data = calloc(1, n);
	const char *argv[] = {"true", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	(void)state;
	assert_non_null(data);
	o.stdin_mode = LIUM_PROCESS_BUFFER;
	o.stdin_data = data;
	o.stdin_len = n;
	assert_int_equal(lium_process_run(argv, &o, &ex, NULL), LIUM_OK);
	assert_true(ex.exited);
	assert_int_equal(ex.code, 0);
	free(data);
}

static void test_process__stdin_and_stdout_files(void **state)
{
	char in[PATH_MAX + 16], outp[PATH_MAX + 16];
	const char *argv[] = {"tr", "a-z", "A-Z", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf got = LIUM_BUF_INIT;
	const char *cat_argv[] = {"cat", outp, NULL};
	lium_error err;
	(void)state;
	snprintf(in, sizeof(in), "%s/in.txt", tmpdir);
	snprintf(outp, sizeof(outp), "%s/out.txt", tmpdir);
	write_file(in, "hello files\n", 0644);
	o.stdin_mode = LIUM_PROCESS_FILE;
	o.stdin_path = in;
	o.stdout_mode = LIUM_PROCESS_FILE;
	o.stdout_path = outp;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_int_equal(run_capture(cat_argv, &got, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&got), "HELLO FILES\n");
	lium_buf_dispose(&got);

	o.stdin_path = "/nonexistent/lium/in";
	assert_int_equal(lium_process_run(argv, &o, NULL, &err), LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "/nonexistent/lium/in"));
}

struct collected {
	lium_buf text[3];
	int calls[3];
	int stop_after;
};

static int collect(int stream, const char *data, size_t len, void *userdata)
{
	struct collected *c = userdata;
	assert_true(stream == 1 || stream == 2);
	assert_true(len > 0);
	lium_buf_put(&c->text[stream], data, len);
	lium_buf_putc(&c->text[stream], '|');
	c->calls[stream]++;
	return c->stop_after && c->calls[stream] >= c->stop_after;
}

static void collected_dispose(struct collected *c)
{
	for (int i = 0; i < 3; i++)
		lium_buf_dispose(&c->text[i]);
}

static void test_process__stream_lines(void **state)
{
	/* Lines split across writes arrive whole; an unterminated tail comes last. */
	const char *argv[] = {"sh", "-c",
			      "printf 'ab'; sleep 0.1; printf 'c\\nde'; sleep 0.1; "
			      "printf 'f\\ng\\n' ; printf 'E1\\n' >&2; printf 'tail'",
			      NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	struct collected c;
	(void)state;
	memset(&c, 0, sizeof(c));
	o.stdout_mode = LIUM_PROCESS_CALLBACK;
	o.stderr_mode = LIUM_PROCESS_CALLBACK;
	o.on_output = collect;
	o.userdata = &c;
	o.flags = LIUM_PROCESS_LINES;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&c.text[1]), "abc\n|def\n|g\n|tail|");
	assert_string_equal(lium_buf_cstr(&c.text[2]), "E1\n|");
	collected_dispose(&c);
}

/* Creates a marker file on the first delivery; the child waits for it. */
static int collect_and_mark(int stream, const char *data, size_t len, void *userdata)
{
	struct collected *c = userdata;
	int r = collect(stream, data, len, userdata);
	if (c->calls[1] == 1) {
		char marker[PATH_MAX + 16];
		FILE *f;
		snprintf(marker, sizeof(marker), "%s/raw-marker", tmpdir);
		f = fopen(marker, "w");
		assert_non_null(f);
		fclose(f);
	}
	return r;
}

static void test_process__stream_raw_chunks(void **state)
{
	/*
	 * The child writes "two" only after the callback has seen "one": output
	 * is handed over as it comes, not when the child ends.
	 */
	char script[PATH_MAX + 128];
	const char *argv[] = {"sh", "-c", script, NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	struct collected c;
	(void)state;
	snprintf(script, sizeof(script),
		 "printf one; while [ ! -e '%s/raw-marker' ]; do sleep 0.01; done; printf two",
		 tmpdir);
	memset(&c, 0, sizeof(c));
	o.stdout_mode = LIUM_PROCESS_CALLBACK;
	o.on_output = collect_and_mark;
	o.userdata = &c;
	o.timeout_ms = 20000;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&c.text[1]), "one|two|");
	collected_dispose(&c);
}

static void test_process__callback_cancels(void **state)
{
	const char *argv[] = {"sh", "-c", "echo 1; echo 2; exec sleep 30", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	struct collected c;
	lium_process_exit ex;
	lium_error err;
	int64_t t0 = now_ms();
	(void)state;
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	o.stdout_mode = LIUM_PROCESS_CALLBACK;
	o.on_output = collect;
	o.userdata = &c;
	o.flags = LIUM_PROCESS_LINES;
	assert_int_equal(lium_process_run(argv, &o, &ex, &err), LIUM_ECANCELLED);
	assert_int_equal(c.calls[1], 1);
	assert_string_equal(lium_buf_cstr(&c.text[1]), "1\n|");
	assert_int_equal(ex.signal, SIGTERM);
	assert_true(now_ms() - t0 < 5000);
	collected_dispose(&c);
}

static void test_process__timeout_kills(void **state)
{
	const char *argv[] = {"sleep", "30", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	lium_error err;
	lium_buf text = LIUM_BUF_INIT;
	int64_t t0 = now_ms(), took;
	(void)state;
	o.timeout_ms = 300;
	assert_int_equal(lium_process_run(argv, &o, &ex, &err), LIUM_ETIMEOUT);
	took = now_ms() - t0;
	assert_true(took >= 290);
	assert_true(took < time_limit_ms(5000));
	assert_true(ex.timed_out);
	assert_int_equal(ex.signal, SIGTERM);
	assert_non_null(strstr(err.message, "timed out"));
	assert_int_equal(lium_process_describe_exit(&ex, &text), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&text),
			    "timed out and was killed by signal 15 (SIGTERM)");
	lium_buf_dispose(&text);
}

static void test_process__timeout_escalates_to_sigkill_for_group(void **state)
{
	/*
	 * The shell and its sleep ignore SIGTERM; after the grace period the
	 * whole group gets SIGKILL, grandchild included.
	 */
	char pidfile[PATH_MAX + 16], script[PATH_MAX + 128];
	const char *argv[] = {"sh", "-c", script, NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	int64_t t0 = now_ms(), took;
	FILE *f;
	long gpid = 0;
	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/grandchild.pid", tmpdir);
	snprintf(script, sizeof(script), "trap '' TERM; sleep 30 & echo $! > %s; wait", pidfile);
	o.timeout_ms = 300;
	o.kill_grace_ms = 300;
	o.flags = LIUM_PROCESS_NEW_PGROUP;
	assert_int_equal(lium_process_run(argv, &o, &ex, NULL), LIUM_ETIMEOUT);
	took = now_ms() - t0;
	assert_true(took >= 590);
	assert_true(took < time_limit_ms(5000));
	assert_int_equal(ex.signal, SIGKILL);
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &gpid), 1);
	fclose(f);
	/* The grandchild is gone (or a zombie about to be reaped by init). */
	for (int i = 0; i < 100; i++) {
		char statp[64], buf[512];
		FILE *s;
		snprintf(statp, sizeof(statp), "/proc/%ld/stat", gpid);
		s = fopen(statp, "r");
		if (!s)
			break;
		if (fgets(buf, sizeof(buf), s) && strstr(buf, ") Z ")) {
			fclose(s);
			break;
		}
		fclose(s);
		assert_true(i < 99);
		usleep(20000);
	}
}

static void test_process__grandchild_holding_pipe_does_not_block(void **state)
{
	const char *argv[] = {"sh", "-c", "sleep 3 & echo done", NULL};
	lium_buf out = LIUM_BUF_INIT;
	lium_process_exit ex;
	int64_t t0 = now_ms();
	(void)state;
	assert_int_equal(run_capture(argv, &out, NULL, &ex), LIUM_OK);
	assert_true(now_ms() - t0 < 2500);
	assert_string_equal(lium_buf_cstr(&out), "done\n");
	lium_buf_dispose(&out);
}

static void test_process__find_executable(void **state)
{
	lium_buf out = LIUM_BUF_INIT;
	lium_error err;
	char dir[PATH_MAX + 16], tool[PATH_MAX + 32], path[2 * PATH_MAX];
	(void)state;
	assert_int_equal(lium_process_find_executable("sh", NULL, &out, NULL), LIUM_OK);
	assert_true(out.ptr[0] == '/');
	assert_int_equal(access(out.ptr, X_OK), 0);

	assert_int_equal(lium_process_find_executable("lium-no-such-tool-x", NULL, &out, &err),
			 LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "lium-no-such-tool-x"));

	/* A private directory first on the path wins; a non-executable is skipped. */
	snprintf(dir, sizeof(dir), "%s/bin", tmpdir);
	mkdir(dir, 0755);
	snprintf(tool, sizeof(tool), "%s/lium-tool", dir);
	write_file(tool, "#!/bin/sh\necho private\n", 0755);
	snprintf(path, sizeof(path), "/nonexistent:%s:/usr/bin", dir);
	assert_int_equal(lium_process_find_executable("lium-tool", path, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, tool);
	chmod(tool, 0644);
	assert_int_equal(lium_process_find_executable("lium-tool", path, &out, NULL),
			 LIUM_ENOTFOUND);
	assert_int_equal(lium_process_find_executable(tool, NULL, &out, NULL), LIUM_ENOTFOUND);
	chmod(tool, 0755);
	/* A name with a slash is taken as it is. */
	assert_int_equal(lium_process_find_executable(tool, "/nonexistent", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, tool);
	/* A directory is not an executable. */
	assert_int_equal(lium_process_find_executable("bin", tmpdir, &out, NULL), LIUM_ENOTFOUND);
	lium_buf_dispose(&out);
}

static void test_process__spawn_missing_program(void **state)
{
	const char *argv[] = {"lium-no-such-tool-x", "arg", NULL};
	lium_process *p = (lium_process *)(uintptr_t)1;
	lium_error err;
	(void)state;
	assert_int_equal(lium_process_spawn(&p, argv, NULL, &err), LIUM_ENOTFOUND);
	assert_null(p);
}

static void test_process__exec_failure_reported(void **state)
{
	/* Executable, but its interpreter does not exist: execve fails in the child. */
	char script[PATH_MAX + 16];
	const char *argv[] = {script, NULL};
	lium_error err;
	(void)state;
	if (under_valgrind()) {
		print_message("skipped: valgrind ends the process when execve fails\n");
		skip();
	}
	snprintf(script, sizeof(script), "%s/badinterp", tmpdir);
	write_file(script, "#!/nonexistent/interpreter\n", 0755);
	assert_int_equal(lium_process_run(argv, NULL, NULL, &err), LIUM_EIO);
	assert_int_equal(err.cause, ENOENT);
	assert_non_null(strstr(err.message, "cannot execute"));
}

static void test_process__env_changes(void **state)
{
	const char *argv[] = {
		"sh", "-c", "printf '%s|%s|%s' \"$LIUM_T1\" \"${HOME-unset}\" \"$LIUM_T2\"", NULL};
	const char *env[] = {"LIUM_T1=a b 'c'", "HOME", "LIUM_T2=first", "LIUM_T2=second", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	setenv("HOME", "/home/somebody", 1);
	o.env = env;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "a b 'c'|unset|second");
	/* The caller's environment is not changed. */
	assert_string_equal(getenv("HOME"), "/home/somebody");
	lium_buf_dispose(&out);
}

static void test_process__clear_env_and_path_override(void **state)
{
	char dir[PATH_MAX + 16], tool[PATH_MAX + 32], pathvar[PATH_MAX + 64];
	const char *argv[] = {"lium-envdump", NULL};
	const char *env[] = {pathvar, "ONLY=1", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	snprintf(dir, sizeof(dir), "%s/envbin", tmpdir);
	mkdir(dir, 0755);
	snprintf(tool, sizeof(tool), "%s/lium-envdump", dir);
	write_file(tool, "#!/bin/sh\n/usr/bin/env | /usr/bin/sort\n", 0755);
	snprintf(pathvar, sizeof(pathvar), "PATH=%s", dir);
	o.env = env;
	o.clear_env = 1;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	/* Found through the child's PATH, not the caller's. */
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	/* Only what we set (and the PWD and SHLVL the shell adds itself). */
	assert_non_null(strstr(lium_buf_cstr(&out), "ONLY=1\n"));
	assert_non_null(strstr(lium_buf_cstr(&out), pathvar));
	assert_null(strstr(lium_buf_cstr(&out), "HOME="));
	assert_null(strstr(lium_buf_cstr(&out), "LANG="));
	lium_buf_dispose(&out);
}

static void test_process__cwd(void **state)
{
	const char *argv[] = {"pwd", "-P", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	char real[PATH_MAX], want[PATH_MAX + 2];
	lium_error err;
	(void)state;
	assert_non_null(realpath(tmpdir, real));
	snprintf(want, sizeof(want), "%s\n", real);
	o.cwd = tmpdir;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), want);
	o.cwd = "/nonexistent/lium-dir";
	assert_int_equal(lium_process_run(argv, &o, NULL, &err), LIUM_EIO);
	assert_int_equal(err.cause, ENOENT);
	assert_non_null(strstr(err.message, "/nonexistent/lium-dir"));
	lium_buf_dispose(&out);
}

static void test_process__relative_program_in_cwd(void **state)
{
	/* "./tool" is the tool in the child's working directory. */
	char dir[PATH_MAX + 16], tool[PATH_MAX + 32];
	const char *argv[] = {"./lium-here", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	snprintf(dir, sizeof(dir), "%s/reldir", tmpdir);
	mkdir(dir, 0755);
	snprintf(tool, sizeof(tool), "%s/lium-here", dir);
	write_file(tool, "#!/bin/sh\necho here\n", 0755);
	o.cwd = dir;
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "here\n");
	o.cwd = tmpdir; /* not there */
	assert_int_equal(lium_process_run(argv, &o, NULL, NULL), LIUM_ENOTFOUND);
	lium_buf_dispose(&out);
}

static void test_process__no_leaked_descriptors(void **state)
{
	/* A descriptor the caller left inheritable does not reach the child. */
	int fd0 = open("/dev/null", O_RDONLY);
	int fd = fcntl(fd0, F_DUPFD, 57);
	char want[32];
	const char *argv[] = {"sh", "-c", "ls /proc/$$/fd", NULL};
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	assert_true(fd > 2);
	snprintf(want, sizeof(want), "\n%d\n", fd);
	assert_int_equal(run_capture(argv, &out, NULL, NULL), LIUM_OK);
	assert_null(strstr(lium_buf_cstr(&out), want));
	/* The check itself can see descriptors: 0, 1 and 2 are listed. */
	assert_non_null(strstr(lium_buf_cstr(&out), "\n2\n"));
	close(fd);
	close(fd0);
	lium_buf_dispose(&out);
}

static void test_process__bad_options(void **state)
{
	const char *argv[] = {"true", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process *p;
	(void)state;
	o.stdin_mode = LIUM_PROCESS_CAPTURE;
	assert_int_equal(lium_process_spawn(&p, argv, &o, NULL), LIUM_EINVAL);
	o.stdin_mode = LIUM_PROCESS_INHERIT;
	o.stdout_mode = LIUM_PROCESS_CAPTURE; /* without a buffer */
	assert_int_equal(lium_process_spawn(&p, argv, &o, NULL), LIUM_EINVAL);
	o.stdout_mode = LIUM_PROCESS_TO_STDOUT;
	assert_int_equal(lium_process_spawn(&p, argv, &o, NULL), LIUM_EINVAL);
	o.stdout_mode = LIUM_PROCESS_CALLBACK; /* without a callback */
	assert_int_equal(lium_process_spawn(&p, argv, &o, NULL), LIUM_EINVAL);
	assert_int_equal(lium_process_spawn(&p, NULL, NULL, NULL), LIUM_EINVAL);
	assert_int_equal(lium_process_wait(NULL, 0, NULL, NULL), LIUM_EINVAL);
	lium_process_free(NULL);
}

static void test_process__free_stops_running_child(void **state)
{
	const char *argv[] = {"sleep", "30", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process *p;
	pid_t pid;
	int64_t t0 = now_ms();
	(void)state;
	o.kill_grace_ms = 500;
	assert_int_equal(lium_process_spawn(&p, argv, &o, NULL), LIUM_OK);
	pid = (pid_t)lium_process_pid(p);
	lium_process_free(p);
	/* Reaped: the pid no longer names our child. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_true(now_ms() - t0 < 3000);
}

static void test_process__exec_replaces_process(void **state)
{
	int fds[2];
	pid_t pid;
	char buf[128];
	ssize_t n;
	size_t got = 0;
	int wst;
	(void)state;
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[] = {"sh", "-c", "printf '%s:%s' \"$LIUM_X\" \"$(pwd -P)\"", NULL};
		const char *env[] = {"LIUM_X=handed over", NULL};
		lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
		dup2(fds[1], 1);
		close(fds[0]);
		o.env = env;
		o.cwd = "/";
		/* stdio is flushed before exec: this text must come first. */
		fputs("before:", stdout);
		lium_process_exec(argv, &o, NULL);
		_exit(99);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);
	assert_string_equal(buf, "before:handed over:/");
}

static void test_process__exec_failure_returns(void **state)
{
	const char *argv[] = {"lium-no-such-tool-x", NULL};
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	char before[PATH_MAX], after[PATH_MAX];
	char script[PATH_MAX + 16];
	const char *argv2[] = {script, NULL};
	lium_error err;
	(void)state;
	assert_int_equal(lium_process_exec(argv, NULL, &err), LIUM_ENOTFOUND);
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	assert_int_equal(lium_process_exec(argv, &o, &err), LIUM_EINVAL);
	/* execve itself fails: the working directory is restored. */
	if (under_valgrind()) {
		print_message("skipped: valgrind ends the process when execve fails\n");
		skip();
	}
	snprintf(script, sizeof(script), "%s/badinterp2", tmpdir);
	write_file(script, "#!/nonexistent/interpreter\n", 0755);
	assert_non_null(getcwd(before, sizeof(before)));
	o.stdout_mode = LIUM_PROCESS_INHERIT;
	o.cwd = "/";
	assert_int_equal(lium_process_exec(argv2, &o, &err), LIUM_EIO);
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
}

static void test_process__format_argv(void **state)
{
	const char *argv[] = {"rsync", "-az", "a b", "it's", "", "x=1,y:2/z", "$HOME", NULL};
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	assert_int_equal(lium_process_format_argv(argv, &out), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "rsync -az 'a b' 'it'\\''s' '' x=1,y:2/z '$HOME'");
	lium_buf_dispose(&out);
}

static void test_process__many_concurrent_children(void **state)
{
	/* 32 children at once, each with its own pipes, all reaped. */
	enum { N = 32 };
	lium_process *ps[N];
	lium_buf outs[N];
	(void)state;
	for (int i = 0; i < N; i++) {
		char script[64];
		const char *argv[] = {"sh", "-c", script, NULL};
		lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
		snprintf(script, sizeof(script), "sleep 0.0%d; echo %d", i % 10, i);
		lium_buf init = LIUM_BUF_INIT;
		outs[i] = init;
		o.stdout_mode = LIUM_PROCESS_CAPTURE;
		o.stdout_buf = &outs[i];
		assert_int_equal(lium_process_spawn(&ps[i], argv, &o, NULL), LIUM_OK);
	}
	for (int i = N - 1; i >= 0; i--) {
		char want[16];
		lium_process_exit ex;
		snprintf(want, sizeof(want), "%d\n", i);
		assert_int_equal(lium_process_wait(ps[i], 10000, &ex, NULL), LIUM_OK);
		assert_int_equal(ex.code, 0);
		assert_string_equal(lium_buf_cstr(&outs[i]), want);
		lium_process_free(ps[i]);
		lium_buf_dispose(&outs[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process__argv_passed_untouched),
		cmocka_unit_test(test_process__exit_codes),
		cmocka_unit_test(test_process__signals),
		cmocka_unit_test(test_process__kill_running_child),
		cmocka_unit_test(test_process__capture_stdout_and_stderr),
		cmocka_unit_test(test_process__stderr_to_stdout),
		cmocka_unit_test(test_process__capture_large_binary),
		cmocka_unit_test(test_process__stdin_not_read_is_no_sigpipe),
		cmocka_unit_test(test_process__stdin_and_stdout_files),
		cmocka_unit_test(test_process__stream_lines),
		cmocka_unit_test(test_process__stream_raw_chunks),
		cmocka_unit_test(test_process__callback_cancels),
		cmocka_unit_test(test_process__timeout_kills),
		cmocka_unit_test(test_process__timeout_escalates_to_sigkill_for_group),
		cmocka_unit_test(test_process__grandchild_holding_pipe_does_not_block),
		cmocka_unit_test(test_process__find_executable),
		cmocka_unit_test(test_process__spawn_missing_program),
		cmocka_unit_test(test_process__exec_failure_reported),
		cmocka_unit_test(test_process__env_changes),
		cmocka_unit_test(test_process__clear_env_and_path_override),
		cmocka_unit_test(test_process__cwd),
		cmocka_unit_test(test_process__relative_program_in_cwd),
		cmocka_unit_test(test_process__no_leaked_descriptors),
		cmocka_unit_test(test_process__bad_options),
		cmocka_unit_test(test_process__free_stops_running_child),
		cmocka_unit_test(test_process__exec_replaces_process),
		cmocka_unit_test(test_process__exec_failure_returns),
		cmocka_unit_test(test_process__format_argv),
		cmocka_unit_test(test_process__many_concurrent_children),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
