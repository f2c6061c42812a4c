/*
 * The fan-out runner: whole, prefixed, never interleaved lines; the
 * concurrency bound; fail-fast; the overall timeout; cancellation from a
 * signal handler; and the SSH exec operation over 50 real targets, some
 * unreachable (closed port, a listener that never answers, a key that is
 * refused) and one server killed mid-run.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/time.h>

#include <cmocka.h>

#include <lium/utils/fanout.h>

#include "test_ssh_common.h"

/* ------------------------------------------------------- line collection */

struct collected {
	char *text;
	int partial;
	int stream;
};

struct collector {
	struct collected *lines[256];
	size_t n[256];
	size_t cap[256];
	atomic_int inside;
	int overlap;
	int bad_format;
	size_t total;
};

static void collect(const lium_fanout_line *l, void *userdata)
{
	struct collector *c = userdata;
	size_t i = l->index;
	char want_prefix[128];
	size_t plen;

	if (atomic_fetch_add(&c->inside, 1) != 0) {
		c->overlap = 1;
	}
	snprintf(want_prefix, sizeof(want_prefix), "%s: ", l->label);
	plen = strlen(want_prefix);
	if (l->formatted_len != plen + l->len + 1 || memcmp(l->formatted, want_prefix, plen) != 0 ||
	    memcmp(l->formatted + plen, l->text, l->len) != 0 ||
	    l->formatted[l->formatted_len - 1] != '\n' || l->formatted[l->formatted_len] != '\0' ||
	    memchr(l->text, '\n', l->len) != NULL) {
		c->bad_format = 1;
	}
	if (i < 256) {
		if (c->n[i] == c->cap[i]) {
			c->cap[i] = c->cap[i] != 0 ? c->cap[i] * 2 : 16;
			c->lines[i] = realloc(c->lines[i], c->cap[i] * sizeof(struct collected));
		}
		c->lines[i][c->n[i]].text = strndup(l->text, l->len);
		c->lines[i][c->n[i]].partial = l->partial;
		c->lines[i][c->n[i]].stream = (int)l->stream;
		c->n[i]++;
	}
	c->total++;
	/* Widen the window in which an overlapping call would be caught. */
	if (c->total % 64 == 0) {
		usleep(100);
	}
	atomic_fetch_sub(&c->inside, 1);
}

static void collector_free(struct collector *c)
{
	size_t i;
	size_t k;

	for (i = 0; i < 256; i++) {
		for (k = 0; k < c->n[i]; k++) {
			free(c->lines[i][k].text);
		}
		free(c->lines[i]);
	}
	memset(c, 0, sizeof(*c));
}

/* Lines of one target and stream, in order. */
static size_t lines_of(const struct collector *c, size_t index, int stream,
		       const struct collected **out, size_t max)
{
	size_t k;
	size_t n = 0;

	for (k = 0; k < c->n[index] && n < max; k++) {
		if (c->lines[index][k].stream == stream) {
			out[n++] = &c->lines[index][k];
		}
	}
	return n;
}

/* ------------------------------------------------------- generic runner */

/* Emits 40 lines in awkward fragments, CRLF and empty lines included, and
 * a last line without newline. */
static lium_status chatty_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	char text[8192];
	size_t len = 0;
	size_t off = 0;
	size_t step = 1 + index % 7;
	int k;

	(void)userdata;
	(void)err;
	for (k = 0; k < 40; k++) {
		if (k == 10) {
			len += (size_t)snprintf(text + len, sizeof(text) - len, "\n");
		} else if (k == 20) {
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"target %zu crlf %d\r\n", index, k);
		} else {
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"target %zu line %d with some padding text\n",
						index, k);
		}
	}
	len += (size_t)snprintf(text + len, sizeof(text) - len, "target %zu tail", index);
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		if (lium_fanout_ctx_emit(ctx, LIUM_FANOUT_STDOUT, text + off, n) != LIUM_OK) {
			return LIUM_ENOMEM;
		}
		if (lium_fanout_ctx_emit(ctx, LIUM_FANOUT_STDERR, "e", 1) != LIUM_OK) {
			return LIUM_ENOMEM;
		}
		off += n;
		if (off % 97 < step) {
			sched_yield();
		}
	}
	(void)lium_fanout_ctx_emit(ctx, LIUM_FANOUT_STDERR, "\n", 1);
	lium_fanout_ctx_set_exit(ctx, (int)(index % 3), NULL);
	return index % 3 == 0 ? LIUM_OK : LIUM_EREMOTE;
}

static void test_fanout__lines_whole_prefixed_never_interleaved(void **state)
{
	enum { N = 100 };
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	struct collector *c = calloc(1, sizeof(*c));
	char labels_buf[N][16];
	const char *labels[N];
	const struct collected *got[64];
	lium_error err;
	size_t i;
	size_t ok = 0;
	size_t failed = 0;
	size_t idle = 0;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < N; i++) {
		snprintf(labels_buf[i], sizeof(labels_buf[i]), "pod-%02zu", i);
		labels[i] = labels_buf[i];
	}
	fo.concurrency = 16;
	fo.labels = labels;
	fo.on_line = collect;
	fo.line_userdata = c;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	assert_int_equal(lium_fanout_run(f, N, chatty_op, NULL, &err), LIUM_OK);
	assert_false(c->overlap);
	assert_false(c->bad_format);
	for (i = 0; i < N; i++) {
		const lium_fanout_result *r = lium_fanout_result_at(f, i);
		size_t n = lines_of(c, i, LIUM_FANOUT_STDOUT, got, 64);
		int k;
		char want[128];

		assert_non_null(r);
		assert_true(r->started);
		assert_int_equal(r->exit_code, (int)(i % 3));
		assert_int_equal(r->status, i % 3 == 0 ? LIUM_OK : LIUM_EREMOTE);
		assert_int_equal(n, 41);
		for (k = 0; k < 40; k++) {
			if (k == 10) {
				snprintf(want, sizeof(want), "%s", "");
			} else if (k == 20) {
				snprintf(want, sizeof(want), "target %zu crlf %d", i, k);
			} else {
				snprintf(want, sizeof(want),
					 "target %zu line %d with some padding text", i, k);
			}
			assert_string_equal(got[k]->text, want);
			assert_int_equal(got[k]->partial, 0);
		}
		snprintf(want, sizeof(want), "target %zu tail", i);
		assert_string_equal(got[40]->text, want);
		assert_int_equal(got[40]->partial, 1);
		/* stderr: one byte per emit, one line in the end. */
		n = lines_of(c, i, LIUM_FANOUT_STDERR, got, 64);
		assert_int_equal(n, 1);
		assert_true(strlen(got[0]->text) > 100);
		assert_int_equal(strspn(got[0]->text, "e"), strlen(got[0]->text));
	}
	lium_fanout_counts(f, &ok, &failed, &idle);
	assert_int_equal(ok, 34);
	assert_int_equal(failed, 66);
	assert_int_equal(idle, 0);
	assert_null(lium_fanout_result_at(f, N));
	lium_fanout_free(f);
	collector_free(c);
	free(c);
}

static void test_fanout__long_lines_come_in_pieces(void **state)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	struct collector *c = calloc(1, sizeof(*c));
	const struct collected *got[16];
	lium_error err;
	size_t n;

	(void)state;
	fo.max_line = 10;
	fo.on_line = collect;
	fo.line_userdata = c;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	assert_int_equal(lium_fanout_run(f, 1, chatty_op, NULL, &err), LIUM_OK);
	n = lines_of(c, 0, LIUM_FANOUT_STDOUT, got, 16);
	assert_int_equal(n, 16);
	assert_string_equal(got[0]->text, "target 0 l");
	assert_int_equal(got[0]->partial, 1);
	assert_string_equal(got[1]->text, "ine 0 with");
	assert_false(c->bad_format);
	lium_fanout_free(f);
	collector_free(c);
	free(c);
}

struct bound_probe {
	atomic_int running;
	atomic_int max;
};

static lium_status bounded_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct bound_probe *p = userdata;
	int now = atomic_fetch_add(&p->running, 1) + 1;
	int seen = atomic_load(&p->max);

	(void)index;
	(void)ctx;
	(void)err;
	while (now > seen && !atomic_compare_exchange_weak(&p->max, &seen, now)) {
	}
	usleep(20000);
	atomic_fetch_sub(&p->running, 1);
	return LIUM_OK;
}

static void test_fanout__concurrency_bound(void **state)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	struct bound_probe p;
	lium_error err;
	size_t ok = 0;

	(void)state;
	atomic_init(&p.running, 0);
	atomic_init(&p.max, 0);
	fo.concurrency = 7;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	assert_int_equal(lium_fanout_run(f, 60, bounded_op, &p, &err), LIUM_OK);
	assert_int_equal(atomic_load(&p.max), 7);
	lium_fanout_counts(f, &ok, NULL, NULL);
	assert_int_equal(ok, 60);
	/* Zero targets is a run too. */
	assert_int_equal(lium_fanout_run(f, 0, bounded_op, &p, &err), LIUM_OK);
	assert_null(lium_fanout_result_at(f, 0));
	lium_fanout_free(f);
}

/* Waits on the cancel descriptor for up to 10 s; index 3 fails at once
 * when userdata says so. */
static lium_status waiting_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct pollfd p;

	if (userdata != NULL && index == 3) {
		return lium_error_set(err, LIUM_EAUTH, "target 3 refused us");
	}
	p.fd = lium_fanout_ctx_cancel_fd(ctx);
	p.events = POLLIN;
	if (poll(&p, 1, 10000) == 1) {
		assert_true(lium_fanout_ctx_cancelled(ctx));
		return lium_error_set(err, LIUM_ECANCELLED, "cancelled");
	}
	return LIUM_OK;
}

static void test_fanout__fail_fast(void **state)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	lium_error err;
	double t0;
	size_t i;
	size_t idle = 0;
	int flag = 1;

	(void)state;
	fo.concurrency = 5;
	fo.fail_fast = 1;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	t0 = test_now();
	assert_int_equal(lium_fanout_run(f, 20, waiting_op, &flag, &err), LIUM_OK);
	assert_true(test_now() - t0 < 2.0);
	assert_int_equal(lium_fanout_result_at(f, 3)->status, LIUM_EAUTH);
	assert_string_equal(lium_fanout_result_at(f, 3)->error.message, "target 3 refused us");
	for (i = 0; i < 20; i++) {
		const lium_fanout_result *r = lium_fanout_result_at(f, i);
		if (i == 3) {
			continue;
		}
		assert_int_equal(r->status, LIUM_ECANCELLED);
		assert_non_null(strstr(r->error.message, "fail-fast"));
	}
	/* Only what had started by then (at most the 5 workers' first
	 * targets, and the failing one's) ran; the rest never started. */
	lium_fanout_counts(f, NULL, NULL, &idle);
	assert_true(idle >= 14 && idle <= 16);
	lium_fanout_free(f);
}

static void test_fanout__overall_timeout(void **state)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	lium_error err;
	double t0;
	double took;
	size_t i;

	(void)state;
	fo.concurrency = 4;
	fo.timeout_ms = 300;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	t0 = test_now();
	assert_int_equal(lium_fanout_run(f, 10, waiting_op, NULL, &err), LIUM_ETIMEOUT);
	took = test_now() - t0;
	assert_true(took >= 0.29 && took < 1.5 * test_time_scale());
	for (i = 0; i < 10; i++) {
		const lium_fanout_result *r = lium_fanout_result_at(f, i);
		assert_int_equal(r->status, LIUM_ETIMEOUT);
		assert_int_equal(r->started, i < 4);
	}
	lium_fanout_free(f);
}

static lium_fanout *volatile signal_target;

static void on_alarm(int sig)
{
	(void)sig;
	lium_fanout_cancel(signal_target);
}

static void test_fanout__cancel_from_a_signal_handler(void **state)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	struct sigaction sa;
	struct itimerval it;
	lium_error err;
	double t0;

	(void)state;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	signal_target = f;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 300000;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = test_now();
	assert_int_equal(lium_fanout_run(f, 30, waiting_op, NULL, &err), LIUM_ECANCELLED);
	assert_true(test_now() - t0 < 2.0);
	assert_int_equal(lium_fanout_result_at(f, 0)->status, LIUM_ECANCELLED);
	signal(SIGALRM, SIG_DFL);
	signal_target = NULL;
	/* Cancellation is permanent: a new run stops at once. */
	assert_int_equal(lium_fanout_run(f, 3, waiting_op, NULL, &err), LIUM_ECANCELLED);
	assert_false(lium_fanout_result_at(f, 0)->started);
	lium_fanout_cancel(NULL);
	lium_fanout_free(f);
	lium_fanout_free(NULL);
}

/* ------------------------------------------------------------ over SSH */

enum { NT = 50 };

static sshd_fixture servers[4];
static int n_servers;

static int group_setup(void **state)
{
	(void)state;
	return 0;
}

static int start_servers(int n)
{
	while (n_servers < n) {
		if (sshd_fixture_start(&servers[n_servers]) != 0) {
			return -1;
		}
		n_servers++;
	}
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < n_servers; i++) {
		sshd_fixture_stop(&servers[i]);
	}
	return 0;
}

struct ssh_case {
	lium_ssh_options targets[NT];
	char aliases[NT][32];
	char commands[NT][400];
	const char *keys_unauth[2];
	unsigned int exec_timeout;
};

static lium_status case_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct ssh_case *c = userdata;
	lium_fanout_ssh_exec ex = LIUM_FANOUT_SSH_EXEC_INIT;

	ex.targets = c->targets;
	ex.command = c->commands[index];
	ex.timeout_ms = c->exec_timeout;
	return lium_fanout_ssh_exec_op(index, ctx, &ex, err);
}

struct killer {
	struct collector *c;
	sshd_fixture *victim;
	size_t first;
	size_t count;
	double killed_at;
};

static void *kill_when_started(void *arg)
{
	struct killer *k = arg;
	int i;

	/* Wait until every target of the victim printed its first line. */
	for (i = 0; i < 1000; i++) {
		size_t j;
		size_t ready = 0;
		for (j = k->first; j < k->first + k->count; j++) {
			ready += k->c->n[j] > 0;
		}
		if (ready == k->count) {
			break;
		}
		usleep(10000);
	}
	usleep(200000);
	k->killed_at = test_now();
	sshd_fixture_kill(k->victim);
	return NULL;
}

static void test_fanout__ssh_50_targets_with_failures(void **state)
{
	struct ssh_case *c = calloc(1, sizeof(*c));
	struct collector *col = calloc(1, sizeof(*col));
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	const char *labels[NT];
	const struct collected *got[64];
	struct killer k;
	pthread_t killer_th;
	unsigned int closed_port = sshd_fixture_closed_port();
	unsigned int hole_port = 0;
	int hole = sshd_fixture_blackhole(&hole_port);
	lium_error err;
	double t0;
	double took;
	size_t i;
	lium_status st;

	(void)state;
	assert_non_null(c);
	assert_non_null(col);
	assert_true(hole >= 0);
	assert_int_equal(start_servers(4), 0);
	c->keys_unauth[0] = servers[0].keys->unauthorized;
	c->keys_unauth[1] = NULL;
	for (i = 0; i < NT; i++) {
		lium_ssh_options *o = &c->targets[i];
		snprintf(c->aliases[i], sizeof(c->aliases[i]), "pod-%02zu", i);
		labels[i] = c->aliases[i];
		test_ssh_options(o, &servers[i % 3], NULL, c->aliases[i]);
		/* One known_hosts file for all: pinning runs concurrently. */
		o->known_hosts_path = servers[0].known_hosts;
		/* Slow logins under valgrind must not look like the blackhole. */
		o->connect_timeout_ms = (unsigned int)(1500 * test_time_scale());
		snprintf(c->commands[i], sizeof(c->commands[i]),
			 "i=1; while [ $i -le 30 ]; do echo \"t%zu line $i\"; i=$((i+1)); done; "
			 "echo \"t%zu to-stderr\" >&2; printf 't%zu partial'; sleep 0.5; exit %zu",
			 i, i, i, i % 4);
		if (i >= 35 && i < 40) {
			o->port = closed_port;
		} else if (i >= 40 && i < 43) {
			o->port = hole_port;
			o->connect_timeout_ms = 1500;
		} else if (i >= 43 && i < 47) {
			test_ssh_options(o, &servers[3], NULL, c->aliases[i]);
			o->known_hosts_path = servers[0].known_hosts;
			o->connect_timeout_ms = (unsigned int)(1500 * test_time_scale());
			snprintf(c->commands[i], sizeof(c->commands[i]),
				 "echo \"t%zu started\"; sleep 20; echo never", i);
		} else if (i >= 47) {
			o->key_paths = c->keys_unauth;
		}
	}
	fo.concurrency = 64;
	fo.labels = labels;
	fo.on_line = collect;
	fo.line_userdata = col;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	k.c = col;
	k.victim = &servers[3];
	k.first = 43;
	k.count = 4;
	assert_int_equal(pthread_create(&killer_th, NULL, kill_when_started, &k), 0);
	t0 = test_now();
	st = lium_fanout_run(f, NT, case_op, c, &err);
	took = test_now() - t0;
	pthread_join(killer_th, NULL);
	assert_int_equal(st, LIUM_OK);
	print_message("50 targets (35 good, 12 unreachable or refused, 4 killed): %.2f s\n", took);
	assert_false(col->overlap);
	assert_false(col->bad_format);

	for (i = 0; i < NT; i++) {
		const lium_fanout_result *r = lium_fanout_result_at(f, i);
		assert_true(r->started);
		if (i < 35) {
			size_t n = lines_of(col, i, LIUM_FANOUT_STDOUT, got, 64);
			char want[64];
			size_t kk;
			if (r->exit_code != (int)(i % 4)) {
				fail_msg("target %zu: %s (exit %d)", i, r->error.message,
					 r->exit_code);
			}
			assert_int_equal(r->status, i % 4 == 0 ? LIUM_OK : LIUM_EREMOTE);
			assert_int_equal(n, 31);
			for (kk = 0; kk < 30; kk++) {
				snprintf(want, sizeof(want), "t%zu line %zu", i, kk + 1);
				assert_string_equal(got[kk]->text, want);
				assert_false(got[kk]->partial);
			}
			snprintf(want, sizeof(want), "t%zu partial", i);
			assert_string_equal(got[30]->text, want);
			assert_true(got[30]->partial);
			n = lines_of(col, i, LIUM_FANOUT_STDERR, got, 64);
			assert_int_equal(n, 1);
			snprintf(want, sizeof(want), "t%zu to-stderr", i);
			assert_string_equal(got[0]->text, want);
			assert_true(r->duration_ms >= 450);
		} else if (i < 40) {
			assert_int_equal(r->status, LIUM_ENETWORK);
			assert_true((double)r->duration_ms < 1000 * test_time_scale());
		} else if (i < 43) {
			assert_int_equal(r->status, LIUM_ETIMEOUT);
			assert_true(r->duration_ms >= 1400 &&
				    (double)r->duration_ms < 4000 * test_time_scale());
		} else if (i < 47) {
			size_t n = lines_of(col, i, LIUM_FANOUT_STDOUT, got, 64);
			if (r->status != LIUM_ENETWORK && r->status != LIUM_ESSH) {
				fail_msg("target %zu: status %d: %s", i, r->status,
					 r->error.message);
			}
			assert_int_equal(n, 1);
			assert_int_equal(r->exit_code, -1);
		} else {
			assert_int_equal(r->status, LIUM_EAUTH);
		}
	}
	/* Nobody waited for the slow ones: the run took about as long as the
	 * slowest target (the blackholed connects, 1.5 s; the killed server). */
	assert_true(took < 6.0 * test_time_scale());
	assert_true(test_now() - k.killed_at < 4.0);
	close(hole);
	lium_fanout_free(f);
	collector_free(col);
	free(col);
	free(c);
	/* Bring the victim back for the next tests. */
	assert_int_equal(sshd_fixture_restart(&servers[3], 0), 0);
}

/* Processes whose command line is exactly the marker, e.g. "sleep 29.37". */
static int count_processes(const char *a0, const char *a1)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char path[300];
		char buf[256];
		FILE *fp;
		size_t len;
		if (de->d_name[0] < '0' || de->d_name[0] > '9') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fp = fopen(path, "r");
		if (fp == NULL) {
			continue;
		}
		len = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[len] = '\0';
		if (strcmp(buf, a0) == 0 && strlen(a0) + 1 < len &&
		    strcmp(buf + strlen(a0) + 1, a1) == 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

struct cancel_job {
	lium_fanout *f;
	int delay_ms;
};

static void *cancel_later(void *arg)
{
	struct cancel_job *j = arg;

	usleep((useconds_t)j->delay_ms * 1000u);
	lium_fanout_cancel(j->f);
	return NULL;
}

static void test_fanout__ssh_cancel_closes_sessions(void **state)
{
	enum { N = 20 };
	lium_ssh_options targets[N];
	char aliases[N][32];
	char marker[32];
	char cmd[64];
	lium_fanout_ssh_exec ex = LIUM_FANOUT_SSH_EXEC_INIT;
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	struct cancel_job job;
	pthread_t th;
	lium_error err;
	lium_status st;
	double t0;
	double took;
	int i;
	int left = -1;

	(void)state;
	assert_int_equal(start_servers(1), 0);
	snprintf(marker, sizeof(marker), "29.%d", (int)(getpid() % 1000));
	snprintf(cmd, sizeof(cmd), "sleep %s", marker);
	for (i = 0; i < N; i++) {
		snprintf(aliases[i], sizeof(aliases[i]), "c-%d", i);
		test_ssh_options(&targets[i], &servers[0], NULL, aliases[i]);
	}
	ex.targets = targets;
	ex.command = cmd;
	/* On a terminal, closing the session hangs the command up. */
	ex.pty = 1;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	job.f = f;
	job.delay_ms = 1500;
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &job), 0);
	t0 = test_now();
	st = lium_fanout_run(f, N, lium_fanout_ssh_exec_op, &ex, &err);
	took = test_now() - t0;
	pthread_join(th, NULL);
	assert_int_equal(st, LIUM_ECANCELLED);
	assert_true(took < 3.5 * test_time_scale());
	for (i = 0; i < N; i++) {
		assert_int_equal(lium_fanout_result_at(f, (size_t)i)->status, LIUM_ECANCELLED);
	}
	/* The remote commands went away with their sessions. */
	for (i = 0; i < 300; i++) {
		left = count_processes("sleep", marker);
		if (left == 0) {
			break;
		}
		usleep(10000);
	}
	assert_int_equal(left, 0);
	lium_fanout_free(f);
}

static void test_fanout__ssh_fail_fast_and_timeout(void **state)
{
	enum { N = 10 };
	struct ssh_case *c = calloc(1, sizeof(*c));
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout *f = NULL;
	lium_error err;
	double t0;
	size_t i;

	(void)state;
	assert_int_equal(start_servers(1), 0);
	for (i = 0; i < N; i++) {
		snprintf(c->aliases[i], sizeof(c->aliases[i]), "ff-%zu", i);
		test_ssh_options(&c->targets[i], &servers[0], NULL, c->aliases[i]);
		snprintf(c->commands[i], sizeof(c->commands[i]), "%s",
			 i == 0 ? "sleep 0.3; exit 7" : "sleep 20");
	}
	fo.fail_fast = 1;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	t0 = test_now();
	assert_int_equal(lium_fanout_run(f, N, case_op, c, &err), LIUM_OK);
	assert_true(test_now() - t0 < 3.0);
	assert_int_equal(lium_fanout_result_at(f, 0)->status, LIUM_EREMOTE);
	assert_int_equal(lium_fanout_result_at(f, 0)->exit_code, 7);
	assert_int_equal(lium_fanout_result_at(f, 0)->error.cause, 7);
	for (i = 1; i < N; i++) {
		assert_int_equal(lium_fanout_result_at(f, i)->status, LIUM_ECANCELLED);
	}
	lium_fanout_free(f);

	/* The overall timeout cuts every target short. */
	fo.fail_fast = 0;
	fo.timeout_ms = 1000;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	t0 = test_now();
	assert_int_equal(lium_fanout_run(f, N, case_op, c, &err), LIUM_ETIMEOUT);
	assert_true(test_now() - t0 < 3.0);
	for (i = 1; i < N; i++) {
		assert_int_equal(lium_fanout_result_at(f, i)->status, LIUM_ETIMEOUT);
	}
	lium_fanout_free(f);

	/* A per-target exec timeout is that target's own failure. */
	c->exec_timeout = 500;
	fo.timeout_ms = 0;
	assert_int_equal(lium_fanout_new(&f, &fo, &err), LIUM_OK);
	assert_int_equal(lium_fanout_run(f, 3, case_op, c, &err), LIUM_OK);
	assert_int_equal(lium_fanout_result_at(f, 0)->status, LIUM_EREMOTE);
	assert_int_equal(lium_fanout_result_at(f, 1)->status, LIUM_ETIMEOUT);
	lium_fanout_free(f);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout__lines_whole_prefixed_never_interleaved),
		cmocka_unit_test(test_fanout__long_lines_come_in_pieces),
		cmocka_unit_test(test_fanout__concurrency_bound),
		cmocka_unit_test(test_fanout__fail_fast),
		cmocka_unit_test(test_fanout__overall_timeout),
		cmocka_unit_test(test_fanout__cancel_from_a_signal_handler),
		cmocka_unit_test(test_fanout__ssh_50_targets_with_failures),
		cmocka_unit_test(test_fanout__ssh_cancel_closes_sessions),
		cmocka_unit_test(test_fanout__ssh_fail_fast_and_timeout),
	};

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
