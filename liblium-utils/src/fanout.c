/*
 * The fan-out runner: a bounded pool of worker threads pulling target
 * indices from a shared counter, per-target line buffering, one output lock,
 * and cancellation through a pipe that every operation can poll.
 *
 * Cancellation writes one byte to the pipe and never drains it, so the read
 * end stays readable for every waiter at once, and writing is all a signal
 * handler has to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lium/utils/fanout.h"
#include "ssh_int.h"

#define DEFAULT_CONCURRENCY 64u
#define DEFAULT_MAX_LINE    (64u * 1024u)
#define WORKER_STACK        (2u * 1024u * 1024u)

enum { REASON_NONE = 0, REASON_USER = 1, REASON_TIMEOUT = 2, REASON_FAIL_FAST = 3 };

struct line_buf {
	char *p;
	size_t len;
	size_t cap;
};

struct lium_fanout_ctx {
	lium_fanout *f;
	size_t index;
	const char *label;
	struct line_buf lines[2];
	lium_buf scratch;
	int exit_code;
	char signal[32];
};

struct lium_fanout {
	lium_fanout_options o;
	int cancel[2];
	atomic_int reason;
	pthread_mutex_t out_mu;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t workers_alive;
	atomic_size_t next;
	size_t n;
	lium_fanout_result *results;
	char **labels;
	lium_fanout_op op;
	void *userdata;
	int64_t deadline;
};

static void trigger(lium_fanout *f, int reason)
{
	int expected = REASON_NONE;
	int saved = errno;

	if (atomic_compare_exchange_strong(&f->reason, &expected, reason)) {
		ssize_t n = write(f->cancel[1], "x", 1);
		(void)n;
	}
	errno = saved;
}

void lium_fanout_cancel(lium_fanout *fanout)
{
	if (fanout != NULL) {
		trigger(fanout, REASON_USER);
	}
}

lium_status lium_fanout_new(lium_fanout **out, const lium_fanout_options *o, lium_error *err)
{
	lium_fanout *f;
	pthread_condattr_t ca;
	int i;

	if (out == NULL) {
		return lium_error_set(err, LIUM_EINVAL, "fanout: out is NULL");
	}
	*out = NULL;
	if (o == NULL || o->version < 1 || o->version > LIUM_FANOUT_OPTIONS_VERSION) {
		return lium_error_set(err, LIUM_EINVAL, "fanout: bad options version");
	}
	f = lium_calloc(1, sizeof(*f));
	if (f == NULL) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	f->o = *o;
	if (f->o.concurrency == 0) {
		f->o.concurrency = DEFAULT_CONCURRENCY;
	}
	if (f->o.max_line == 0) {
		f->o.max_line = DEFAULT_MAX_LINE;
	}
	if (pipe(f->cancel) != 0) {
		int e = errno;
		lium_free(f);
		lium_error_set(err, LIUM_EIO, "fanout: pipe: %s", strerror(e));
		if (err != NULL) {
			err->cause = e;
		}
		return LIUM_EIO;
	}
	for (i = 0; i < 2; i++) {
		(void)fcntl(f->cancel[i], F_SETFD, FD_CLOEXEC);
		(void)fcntl(f->cancel[i], F_SETFL, fcntl(f->cancel[i], F_GETFL) | O_NONBLOCK);
	}
	pthread_mutex_init(&f->out_mu, NULL);
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = f;
	return LIUM_OK;
}

static void free_run(lium_fanout *f)
{
	size_t i;

	if (f->labels != NULL) {
		for (i = 0; i < f->n; i++) {
			lium_free(f->labels[i]);
		}
	}
	lium_free(f->labels);
	lium_free(f->results);
	f->labels = NULL;
	f->results = NULL;
	f->n = 0;
}

void lium_fanout_free(lium_fanout *f)
{
	if (f == NULL) {
		return;
	}
	free_run(f);
	close(f->cancel[0]);
	close(f->cancel[1]);
	pthread_mutex_destroy(&f->out_mu);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	lium_free(f);
}

/* ---------------------------------------------------------------- output */

static void deliver(lium_fanout_ctx *ctx, lium_fanout_stream stream, const char *text, size_t len,
		    int partial)
{
	lium_fanout *f = ctx->f;
	lium_fanout_line line;

	if (f->o.on_line == NULL) {
		return;
	}
	if (len > 0 && text[len - 1] == '\r') {
		len--;
	}
	/* Format outside the lock; only the callback runs under it. */
	lium_buf_clear(&ctx->scratch);
	if (lium_buf_puts(&ctx->scratch, ctx->label) != LIUM_OK ||
	    lium_buf_puts(&ctx->scratch, ": ") != LIUM_OK ||
	    lium_buf_put(&ctx->scratch, text, len) != LIUM_OK ||
	    lium_buf_putc(&ctx->scratch, '\n') != LIUM_OK) {
		return;
	}
	line.index = ctx->index;
	line.label = ctx->label;
	line.stream = stream;
	line.text = text;
	line.len = len;
	line.partial = partial;
	line.formatted = ctx->scratch.ptr;
	line.formatted_len = ctx->scratch.size;
	pthread_mutex_lock(&f->out_mu);
	f->o.on_line(&line, f->o.line_userdata);
	pthread_mutex_unlock(&f->out_mu);
}

static int lb_append(struct line_buf *lb, const char *data, size_t len)
{
	if (lb->len + len > lb->cap) {
		size_t cap = lb->cap != 0 ? lb->cap : 256;
		char *p;
		while (cap < lb->len + len) {
			cap *= 2;
		}
		p = lium_realloc(lb->p, cap);
		if (p == NULL) {
			return -1;
		}
		lb->p = p;
		lb->cap = cap;
	}
	memcpy(lb->p + lb->len, data, len);
	lb->len += len;
	return 0;
}

lium_status lium_fanout_ctx_emit(lium_fanout_ctx *ctx, lium_fanout_stream stream, const char *data,
				 size_t len)
{
	struct line_buf *lb;
	size_t max;

	if (ctx == NULL || (stream != LIUM_FANOUT_STDOUT && stream != LIUM_FANOUT_STDERR) ||
	    (data == NULL && len > 0)) {
		return LIUM_EINVAL;
	}
	lb = &ctx->lines[stream == LIUM_FANOUT_STDOUT ? 0 : 1];
	max = ctx->f->o.max_line;
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl != NULL ? (size_t)(nl - data) : len;
		size_t room = max - lb->len;

		if (seg >= room) {
			/* Too long for one line: pass a full piece, keep going. */
			if (lb->len == 0) {
				deliver(ctx, stream, data, max, 1);
			} else {
				if (lb_append(lb, data, room) != 0) {
					return LIUM_ENOMEM;
				}
				deliver(ctx, stream, lb->p, lb->len, 1);
				lb->len = 0;
			}
			data += room;
			len -= room;
			continue;
		}
		if (nl == NULL) {
			return lb_append(lb, data, len) == 0 ? LIUM_OK : LIUM_ENOMEM;
		}
		if (lb->len == 0) {
			deliver(ctx, stream, data, seg, 0);
		} else {
			if (lb_append(lb, data, seg) != 0) {
				return LIUM_ENOMEM;
			}
			deliver(ctx, stream, lb->p, lb->len, 0);
			lb->len = 0;
		}
		data += seg + 1;
		len -= seg + 1;
	}
	return LIUM_OK;
}

int lium_fanout_ctx_cancel_fd(const lium_fanout_ctx *ctx)
{
	return ctx != NULL ? ctx->f->cancel[0] : -1;
}

int lium_fanout_ctx_cancelled(const lium_fanout_ctx *ctx)
{
	return ctx != NULL && atomic_load(&ctx->f->reason) != REASON_NONE;
}

long lium_fanout_ctx_time_left_ms(const lium_fanout_ctx *ctx)
{
	int64_t left;

	if (ctx == NULL || ctx->f->deadline < 0) {
		return -1;
	}
	left = ctx->f->deadline - lium__ssh_now_ms();
	return left > 0 ? (long)left : 0;
}

void lium_fanout_ctx_set_exit(lium_fanout_ctx *ctx, int exit_code, const char *signal)
{
	if (ctx == NULL) {
		return;
	}
	ctx->exit_code = exit_code;
	snprintf(ctx->signal, sizeof(ctx->signal), "%s", signal != NULL ? signal : "");
}

/* ---------------------------------------------------------------- running */

static void fill_stopped(lium_fanout *f, lium_fanout_result *r, int started)
{
	int reason = atomic_load(&f->reason);

	if (reason == REASON_TIMEOUT) {
		r->status = lium_error_set(&r->error, LIUM_ETIMEOUT, "%s: overall timeout of %u ms",
					   started ? "stopped" : "not started", f->o.timeout_ms);
	} else if (reason == REASON_FAIL_FAST) {
		r->status = lium_error_set(&r->error, LIUM_ECANCELLED,
					   "%s: another target failed (fail-fast)",
					   started ? "stopped" : "not started");
	} else {
		r->status = lium_error_set(&r->error, LIUM_ECANCELLED, "%s: cancelled",
					   started ? "stopped" : "not started");
	}
}

static void run_one(lium_fanout *f, size_t index)
{
	lium_fanout_ctx ctx;
	lium_fanout_result *r = &f->results[index];
	lium_error e;
	lium_status st;
	int64_t start;
	int k;

	memset(&ctx, 0, sizeof(ctx));
	ctx.f = f;
	ctx.index = index;
	ctx.label = f->labels[index];
	ctx.exit_code = -1;
	lium_error_clear(&e);
	start = lium__ssh_now_ms();
	r->started = 1;
	st = f->op(index, &ctx, f->userdata, &e);
	for (k = 0; k < 2; k++) {
		if (ctx.lines[k].len > 0) {
			deliver(&ctx, k == 0 ? LIUM_FANOUT_STDOUT : LIUM_FANOUT_STDERR,
				ctx.lines[k].p, ctx.lines[k].len, 1);
		}
		lium_free(ctx.lines[k].p);
	}
	lium_buf_dispose(&ctx.scratch);
	r->duration_ms = (uint64_t)(lium__ssh_now_ms() - start);
	r->exit_code = ctx.exit_code;
	memcpy(r->signal, ctx.signal, sizeof(r->signal));
	if (st == LIUM_ECANCELLED && atomic_load(&f->reason) != REASON_NONE) {
		fill_stopped(f, r, 1);
	} else {
		r->status = st;
		r->error = e;
		if (st != LIUM_OK && r->error.code == LIUM_OK) {
			lium_error_set(&r->error, st, "%s", lium_status_str(st));
		}
		if (st == LIUM_OK) {
			lium_error_clear(&r->error);
		}
	}
	if (st != LIUM_OK && f->o.fail_fast) {
		trigger(f, REASON_FAIL_FAST);
	}
	if (f->o.on_done != NULL) {
		pthread_mutex_lock(&f->out_mu);
		f->o.on_done(index, r, f->o.line_userdata);
		pthread_mutex_unlock(&f->out_mu);
	}
}

static void *worker(void *arg)
{
	lium_fanout *f = arg;

	for (;;) {
		size_t index;
		if (atomic_load(&f->reason) != REASON_NONE) {
			break;
		}
		index = atomic_fetch_add(&f->next, 1);
		if (index >= f->n) {
			break;
		}
		run_one(f, index);
	}
	pthread_mutex_lock(&f->mu);
	f->workers_alive--;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static lium_status prepare(lium_fanout *f, size_t n, lium_error *err)
{
	size_t i;

	free_run(f);
	if (n == 0) {
		return LIUM_OK;
	}
	f->results = lium_calloc(n, sizeof(*f->results));
	f->labels = lium_calloc(n, sizeof(*f->labels));
	if (f->results == NULL || f->labels == NULL) {
		lium_free(f->results);
		lium_free(f->labels);
		f->results = NULL;
		f->labels = NULL;
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	f->n = n;
	for (i = 0; i < n; i++) {
		lium_buf b = LIUM_BUF_INIT;
		f->results[i].exit_code = -1;
		if (f->o.labels != NULL && f->o.labels[i] != NULL) {
			(void)lium_buf_puts(&b, f->o.labels[i]);
		} else {
			(void)lium_buf_printf(&b, "#%zu", i);
		}
		f->labels[i] = lium_buf_detach(&b);
		if (f->labels[i] == NULL) {
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");
		}
	}
	return LIUM_OK;
}

lium_status lium_fanout_run(lium_fanout *f, size_t n, lium_fanout_op op, void *userdata,
			    lium_error *err)
{
	pthread_t *threads = NULL;
	pthread_attr_t attr;
	size_t n_threads;
	size_t started = 0;
	size_t i;
	int reason;
	lium_status st;

	if (f == NULL || op == NULL) {
		return lium_error_set(err, LIUM_EINVAL, "fanout run: missing runner or operation");
	}
	st = prepare(f, n, err);
	if (st != LIUM_OK) {
		return st;
	}
	f->op = op;
	f->userdata = userdata;
	atomic_store(&f->next, 0);
	f->deadline = lium__ssh_deadline(f->o.timeout_ms);
	n_threads = n < f->o.concurrency ? n : f->o.concurrency;
	if (n_threads > 0) {
		threads = lium_calloc(n_threads, sizeof(*threads));
		if (threads == NULL) {
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");
		}
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	pthread_mutex_lock(&f->mu);
	f->workers_alive = 0;
	for (i = 0; i < n_threads; i++) {
		if (pthread_create(&threads[i], &attr, worker, f) != 0) {
			break;
		}
		f->workers_alive++;
		started++;
	}
	pthread_attr_destroy(&attr);
	if (started == 0 && n > 0) {
		pthread_mutex_unlock(&f->mu);
		lium_free(threads);
		return lium_error_set(err, LIUM_ENOMEM, "fanout run: cannot start worker threads");
	}
	while (f->workers_alive > 0) {
		if (f->deadline >= 0 && atomic_load(&f->reason) == REASON_NONE) {
			int64_t left = f->deadline - lium__ssh_now_ms();
			struct timespec ts;
			if (left <= 0) {
				trigger(f, REASON_TIMEOUT);
				continue;
			}
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)(left / 1000);
			ts.tv_nsec += (long)(left % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&f->cv, &f->mu, &ts);
		} else {
			pthread_cond_wait(&f->cv, &f->mu);
		}
	}
	pthread_mutex_unlock(&f->mu);
	for (i = 0; i < started; i++) {
		pthread_join(threads[i], NULL);
	}
	lium_free(threads);

	for (i = 0; i < n; i++) {
		if (!f->results[i].started) {
			fill_stopped(f, &f->results[i], 0);
			if (f->o.on_done != NULL) {
				pthread_mutex_lock(&f->out_mu);
				f->o.on_done(i, &f->results[i], f->o.line_userdata);
				pthread_mutex_unlock(&f->out_mu);
			}
		}
	}
	reason = atomic_load(&f->reason);
	if (reason == REASON_USER) {
		return lium_error_set(err, LIUM_ECANCELLED, "fanout: cancelled");
	}
	if (reason == REASON_TIMEOUT) {
		return lium_error_set(err, LIUM_ETIMEOUT,
				      "fanout: overall timeout of %u ms reached", f->o.timeout_ms);
	}
	return LIUM_OK;
}

const lium_fanout_result *lium_fanout_result_at(const lium_fanout *f, size_t index)
{
	if (f == NULL || index >= f->n) {
		return NULL;
	}
	return &f->results[index];
}

void lium_fanout_counts(const lium_fanout *f, size_t *succeeded, size_t *failed,
			size_t *not_started)
{
	size_t ok = 0;
	size_t bad = 0;
	size_t idle = 0;
	size_t i;

	for (i = 0; f != NULL && i < f->n; i++) {
		if (!f->results[i].started) {
			idle++;
		} else if (f->results[i].status == LIUM_OK) {
			ok++;
		} else {
			bad++;
		}
	}
	if (succeeded != NULL) {
		*succeeded = ok;
	}
	if (failed != NULL) {
		*failed = bad;
	}
	if (not_started != NULL) {
		*not_started = idle;
	}
}
