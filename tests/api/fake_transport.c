/*
 * The scripted transport of the liblium-api unit tests.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *dup_s(const char *s)
{
	return s ? dup_n(s, strlen(s)) : NULL;
}

static uint64_t fake_now(void *ud)
{
	return ((fake *)ud)->now_ms;
}

static int64_t fake_realtime(void *ud)
{
	fake *f = ud;

	return f->realtime_s + (int64_t)(f->now_ms / 1000);
}

static void fake_sleep(uint64_t ms, void *ud)
{
	fake *f = ud;

	if (f->nsleeps < FAKE_MAX)
		f->sleeps[f->nsleeps++] = ms;
	f->now_ms += ms;
}

static uint32_t fake_random(void *ud)
{
	return ((fake *)ud)->random_value;
}

void fake_init(fake *f)
{
	memset(f, 0, sizeof(*f));
	f->realtime_s = 1779436800; /* 2026-05-22T08:00:00Z */
	f->now_ms = 1000000;
	f->random_value = 0x80000000u; /* the middle of every jitter range */
	f->clock.monotonic_ms = fake_now;
	f->clock.realtime_s = fake_realtime;
	f->clock.sleep_ms = fake_sleep;
	f->clock.random_u32 = fake_random;
	f->clock.userdata = f;
}

void fake_free(fake *f)
{
	size_t i;

	for (i = 0; i < f->nreplies; i++) {
		free(f->replies[i].headers);
		free(f->replies[i].body);
	}
	for (i = 0; i < f->nreqs; i++) {
		free(f->reqs[i].method);
		free(f->reqs[i].url);
		free(f->reqs[i].headers);
		free(f->reqs[i].body);
	}
	memset(f->reqs, 0, sizeof(f->reqs));
	f->nreqs = f->nreplies = f->next = 0;
}

static fake_answer *slot(fake *f)
{
	assert_true(f->nreplies < FAKE_MAX);
	return &f->replies[f->nreplies++];
}

void fake_reply_h(fake *f, long status, const char *headers, const char *body)
{
	fake_answer *r = slot(f);

	memset(r, 0, sizeof(*r));
	r->status = status;
	r->headers = dup_s(headers);
	r->body = dup_s(body ? body : "");
	r->body_len = strlen(r->body);
}

void fake_reply(fake *f, long status, const char *body)
{
	fake_reply_h(f, status, NULL, body);
}

char *fixture_read(const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/api/fixtures/%s", LIUM_SOURCE_DIR, name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("fixture %s is missing", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

void fake_reply_fixture(fake *f, long status, const char *name)
{
	fake_answer *r = slot(f);

	memset(r, 0, sizeof(*r));
	r->status = status;
	r->body = fixture_read(name, &r->body_len);
}

void fake_fail(fake *f, lium_status st, long cause)
{
	fake_answer *r = slot(f);

	memset(r, 0, sizeof(*r));
	r->fail = st;
	r->cause = cause;
}

static lium_status transport(const lium_http_request *req, lium_http_response *resp, void *userdata,
			     lium_error *err)
{
	fake *f = userdata;
	fake_request *rec;
	fake_answer *r;
	const char *const *h;
	size_t hl = 0;
	lium_status st = LIUM_OK;

	assert_true(f->nreqs < FAKE_MAX);
	f->now_ms += f->request_cost_ms;
	rec = &f->reqs[f->nreqs++];
	rec->method = dup_s(req->method);
	rec->url = dup_s(req->url);
	rec->body = req->body ? dup_n(req->body, req->body_len) : NULL;
	rec->timeout_ms = req->timeout_ms;
	for (h = req->headers; *h; h++)
		hl += strlen(*h) + 1;
	rec->headers = calloc(1, hl + 1);
	assert_non_null(rec->headers);
	for (h = req->headers; *h; h++) {
		strcat(rec->headers, *h);
		strcat(rec->headers, "\n");
	}
	if (f->handler && f->handler(f, req, resp, &st, err) >= 0)
		return st;
	if (f->next >= f->nreplies) {
		/* An unexpected request: answer so that the test fails loudly. */
		resp->status = 599;
		lium_buf_puts(&resp->body, "{\"detail\": \"fake transport: no reply queued\"}");
		return LIUM_OK;
	}
	r = &f->replies[f->next++];
	if (r->fail) {
		lium_error_set(err, r->fail, "fake transport failure %ld", r->cause);
		if (err)
			err->cause = r->cause;
		return r->fail;
	}
	resp->status = r->status;
	if (r->headers)
		lium_buf_puts(&resp->headers, r->headers);
	lium_buf_put(&resp->body, r->body, r->body_len);
	return LIUM_OK;
}

static void trace(lium_trace_kind kind, const char *line, void *userdata)
{
	fake *f = userdata;
	int n;

	(void)kind;
	n = snprintf(f->trace + f->trace_len, sizeof(f->trace) - f->trace_len, "%s\n", line);
	if (n > 0 && (size_t)n < sizeof(f->trace) - f->trace_len)
		f->trace_len += (size_t)n;
}

void fake_options(fake *f, lium_client_options *opts)
{
	lium_client_options init = LIUM_CLIENT_OPTIONS_INIT;

	*opts = init;
	opts->base_url = "https://api.test/api";
	opts->transport = transport;
	opts->transport_userdata = f;
	opts->clock = &f->clock;
	opts->trace = trace;
	opts->trace_userdata = f;
	opts->retry.base_delay_ms = 100;
	opts->retry.max_delay_ms = 1000;
	opts->retry.max_total_ms = 60000;
}

lium_client *fake_client(fake *f)
{
	lium_client_options opts;
	lium_client *c = NULL;
	lium_error err;

	fake_options(f, &opts);
	opts.api_key = "sk-test-SECRET-0123456789";
	if (lium_client_new(&c, &opts, &err) != LIUM_OK)
		fail_msg("lium_client_new: %s", err.message);
	return c;
}

int fake_has_header(const fake *f, size_t i, const char *line)
{
	const char *h = f->reqs[i].headers;
	size_t n = strlen(line);

	while (h && *h) {
		const char *eol = strchr(h, '\n');

		if ((size_t)(eol - h) == n && strncmp(h, line, n) == 0)
			return 1;
		h = eol + 1;
	}
	return 0;
}
