/*
 * The client handle and the request loop (retries, tracing, error mapping).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS         30000L
#define DEFAULT_ATTEMPTS           3u
#define DEFAULT_BASE_DELAY_MS      500u
#define DEFAULT_MAX_DELAY_MS       8000u
#define DEFAULT_MAX_TOTAL_MS       60000u
#define DEFAULT_MAX_PARALLEL       8u
#define MAX_PARALLEL_LIMIT         64u
#define TRACE_BODY_MAX             4096u

/* --- responses -------------------------------------------------------------- */

void lium__response_init(lium_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
}

void lium__response_reset(lium_http_response *resp)
{
	resp->status = 0;
	lium_buf_clear(&resp->headers);
	lium_buf_clear(&resp->body);
}

void lium__response_dispose(lium_http_response *resp)
{
	lium_buf_dispose(&resp->headers);
	lium_buf_dispose(&resp->body);
	resp->status = 0;
}

/* --- construction ------------------------------------------------------------ */

static lium_status dup_opt(char **dst, const char *value, const char *fallback)
{
	*dst = lium_strdup(value ? value : fallback);
	return *dst ? LIUM_OK : LIUM_ENOMEM;
}

static lium_status add_header(lium_client *c, size_t *n, const char *name, const char *value)
{
	lium_buf b = LIUM_BUF_INIT;

	if (lium_buf_printf(&b, "%s: %s", name, value) != LIUM_OK) {
		lium_buf_dispose(&b);
		return LIUM_ENOMEM;
	}
	c->header_lines[(*n)++] = lium_buf_detach(&b);
	return c->header_lines[*n - 1] ? LIUM_OK : LIUM_ENOMEM;
}

static lium_status build_headers(lium_client *c)
{
	size_t n = 0, i;
	lium_status st = LIUM_OK;

	if (c->api_key && c->api_key[0])
		st = add_header(c, &n, "X-API-KEY", c->api_key);
	if (st == LIUM_OK)
		st = add_header(c, &n, "X-Source", c->source);
	if (st == LIUM_OK)
		st = add_header(c, &n, "X-Lium-Client-Version", c->client_version);
	if (st == LIUM_OK)
		st = add_header(c, &n, "User-Agent", c->user_agent);
	if (st != LIUM_OK)
		return st;
	for (i = 0; i < n; i++) {
		c->headers_plain[i] = c->header_lines[i];
		c->headers_json[i] = c->header_lines[i];
	}
	c->headers_plain[n] = NULL;
	if (add_header(c, &n, "Content-Type", "application/json") != LIUM_OK)
		return LIUM_ENOMEM;
	c->headers_json[n - 1] = c->header_lines[n - 1];
	c->headers_json[n] = NULL;
	return LIUM_OK;
}

static int valid_header_value(const char *s)
{
	for (; s && *s; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

LIUM_API_EXPORT lium_status lium_client_new(lium_client **out, const lium_client_options *opts,
					    lium_error *err)
{
	lium_client_options defaults = LIUM_CLIENT_OPTIONS_INIT;
	lium_client *c;
	lium_status st = LIUM_OK;
	size_t len;
	struct timespec ts;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_client_new: out is NULL");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->version < 1 || opts->version > LIUM_CLIENT_OPTIONS_VERSION)
		return lium_error_set(err, LIUM_EINVAL,
				      "lium_client_new: options version %u is not supported",
				      opts->version);
	if (opts->base_url && strncmp(opts->base_url, "http://", 7) != 0 &&
	    strncmp(opts->base_url, "https://", 8) != 0)
		return lium_error_set(err, LIUM_EINVAL,
				      "base URL \"%s\" is not an http:// or https:// URL",
				      opts->base_url);
	if (!valid_header_value(opts->api_key) || !valid_header_value(opts->user_agent) ||
	    !valid_header_value(opts->source) || !valid_header_value(opts->client_version))
		return lium_error_set(err, LIUM_EINVAL, "a header value contains a line break");

	c = lium_calloc(1, sizeof(*c));
	if (!c)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	if (dup_opt(&c->base_url, opts->base_url, LIUM_DEFAULT_BASE_URL) != LIUM_OK ||
	    (opts->api_key && dup_opt(&c->api_key, opts->api_key, "") != LIUM_OK) ||
	    dup_opt(&c->user_agent, opts->user_agent, "lium/" LIUM_VERSION_STRING) != LIUM_OK ||
	    dup_opt(&c->source, opts->source, "sdk") != LIUM_OK ||
	    dup_opt(&c->client_version, opts->client_version, LIUM_VERSION_STRING) != LIUM_OK ||
	    (opts->ca_path && dup_opt(&c->ca_path, opts->ca_path, "") != LIUM_OK)) {
		st = LIUM_ENOMEM;
		goto fail;
	}
	len = strlen(c->base_url);
	while (len > 0 && c->base_url[len - 1] == '/')
		c->base_url[--len] = '\0';

	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
							     : DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = opts->timeout_ms > 0   ? opts->timeout_ms
			: opts->timeout_ms < 0 ? 0
					       : DEFAULT_TIMEOUT_MS;
	c->retry = opts->retry;
	if (!c->retry.max_attempts)
		c->retry.max_attempts = DEFAULT_ATTEMPTS;
	if (!c->retry.base_delay_ms)
		c->retry.base_delay_ms = DEFAULT_BASE_DELAY_MS;
	if (!c->retry.max_delay_ms)
		c->retry.max_delay_ms = DEFAULT_MAX_DELAY_MS;
	if (!c->retry.max_total_ms)
		c->retry.max_total_ms = DEFAULT_MAX_TOTAL_MS;
	if (c->retry.jitter != LIUM_JITTER_FULL && c->retry.jitter != LIUM_JITTER_DECORRELATED &&
	    c->retry.jitter != LIUM_JITTER_NONE)
		c->retry.jitter = LIUM_JITTER_FULL;
	c->trace = opts->trace;
	c->trace_userdata = opts->trace_userdata;
	c->transport = opts->transport;
	c->transport_userdata = opts->transport_userdata;
	if (opts->clock)
		c->clock = *opts->clock;
	c->max_parallel = opts->max_parallel ? opts->max_parallel : DEFAULT_MAX_PARALLEL;
	if (c->max_parallel > MAX_PARALLEL_LIMIT)
		c->max_parallel = MAX_PARALLEL_LIMIT;
	c->cancel = opts->cancel;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->rng = ((uint64_t)time(NULL) << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)c;
	if (!c->rng)
		c->rng = 0x9e3779b97f4a7c15ull;

	if (build_headers(c) != LIUM_OK) {
		st = LIUM_ENOMEM;
		goto fail;
	}
	if (!c->transport) {
		st = lium__http_init(c, err);
		if (st != LIUM_OK) {
			lium_client_free(c);
			return st;
		}
	}
	*out = c;
	return LIUM_OK;
fail:
	lium_client_free(c);
	return lium_error_set(err, st, "out of memory");
}

LIUM_API_EXPORT void lium_client_free(lium_client *c)
{
	size_t i;

	if (!c)
		return;
	lium__http_cleanup(c);
	for (i = 0; i < LIUM__MAX_HEADERS; i++)
		lium_free(c->header_lines[i]);
	lium_free(c->base_url);
	if (c->api_key) {
		/* Do not leave the key lying around in freed memory. */
		volatile char *p = c->api_key;

		while (*p)
			*p++ = '\0';
	}
	lium_free(c->api_key);
	lium_free(c->user_agent);
	lium_free(c->source);
	lium_free(c->client_version);
	lium_free(c->ca_path);
	lium_free(c);
}

LIUM_API_EXPORT const char *lium_client_base_url(const lium_client *client)
{
	return client ? client->base_url : "";
}

/* --- one attempt ------------------------------------------------------------ */

static const char *const *headers_for(const lium_client *c, const lium__request *req)
{
	return req->body ? c->headers_json : c->headers_plain;
}

static void trace_request(const lium_client *c, const lium__request *req, const char *url)
{
	const char *const *h;

	if (!c->trace)
		return;
	lium__trace(c, LIUM_TRACE_REQUEST, "> %s %s", req->method, url);
	for (h = headers_for(c, req); *h; h++) {
		if (strncmp(*h, "X-API-KEY:", 10) == 0)
			lium__trace(c, LIUM_TRACE_REQUEST_HEADER, "> X-API-KEY: [REDACTED]");
		else
			lium__trace(c, LIUM_TRACE_REQUEST_HEADER, "> %s", *h);
	}
	if (req->body)
		lium__trace_block(c, LIUM_TRACE_REQUEST_BODY, "> ", req->body, req->body_len,
				  TRACE_BODY_MAX, 0);
}

static void trace_response(const lium_client *c, lium_status st, const lium_http_response *resp,
			   uint64_t ms, const lium_error *e)
{
	if (!c->trace)
		return;
	if (st != LIUM_OK) {
		lium__trace(c, LIUM_TRACE_INFO, "* %s", e->message);
		return;
	}
	lium__trace(c, LIUM_TRACE_RESPONSE, "< HTTP %ld (%llu ms, %zu bytes)", resp->status,
		    (unsigned long long)ms, resp->body.size);
	lium__trace_block(c, LIUM_TRACE_RESPONSE_HEADER, "< ", resp->headers.ptr,
			  resp->headers.size, (size_t)-1, 1);
	if (resp->body.size)
		lium__trace_block(c, LIUM_TRACE_RESPONSE_BODY, "< ", resp->body.ptr,
				  resp->body.size, TRACE_BODY_MAX, 0);
}

static lium_status via_transport(lium_client *c, const lium__request *req, const char *url,
				 long timeout_ms, lium_http_response *resp, lium_error *e)
{
	lium_http_request hr;
	lium_status st;

	hr.method = req->method;
	hr.url = url;
	hr.headers = headers_for(c, req);
	hr.body = req->body;
	hr.body_len = req->body ? req->body_len : 0;
	hr.timeout_ms = timeout_ms;
	st = c->transport(&hr, resp, c->transport_userdata, e);
	if (st != LIUM_OK) {
		if (e->code != st)
			lium_error_set(e, st, "%s", lium_status_str(st));
		return st;
	}
	if (req->on_data && resp->status >= 200 && resp->status < 300) {
		if (resp->body.size)
			req->on_data(resp->body.ptr, resp->body.size, req->on_data_userdata);
		lium_buf_clear(&resp->body);
	}
	return LIUM_OK;
}

static lium_status perform_once(lium_client *c, const lium__request *req, const char *url,
				long timeout_ms, lium_http_response *resp, lium_error *e)
{
	uint64_t t0 = lium__now_ms(c);
	lium_status st;

	trace_request(c, req, url);
	lium__response_reset(resp);
	if (c->transport)
		st = via_transport(c, req, url, timeout_ms, resp, e);
	else
		st = lium__http_perform(c, req, url, timeout_ms, resp, e);
	if (st != LIUM_OK) {
		if (st == LIUM_ENETWORK || st == LIUM_ETIMEOUT)
			lium_error_prefix(e, "%s %s", req->method, req->path);
		lium__redact_error(c, e);
	}
	trace_response(c, st, resp, lium__now_ms(c) - t0, e);
	return st;
}

/* --- retry decisions --------------------------------------------------------- */

static int should_retry(const lium__request *req, lium_status st, const lium_http_response *resp,
			const lium_error *e)
{
	if (req->retry == LIUM__RETRY_NEVER)
		return 0;
	if (req->no_more_retries && *req->no_more_retries)
		return 0;
	if (st == LIUM_ENETWORK || st == LIUM_ETIMEOUT) {
		if (!lium__transport_retryable(e->cause))
			return 0;
		return req->retry == LIUM__RETRY_IDEMPOTENT || lium__transport_not_sent(e->cause);
	}
	if (resp->status >= 300 && (st == LIUM_EHTTP || st == LIUM_EAUTH || st == LIUM_ENOTFOUND ||
				    st == LIUM_EVALIDATION)) {
		if (!lium__status_retryable(resp->status))
			return 0;
		return req->retry == LIUM__RETRY_IDEMPOTENT || resp->status == 429;
	}
	return 0;
}

static void note_attempts(lium_error *e, unsigned int attempts, const char *why)
{
	size_t len = strlen(e->message);

	if (attempts > 1 || why)
		snprintf(e->message + len, sizeof(e->message) - len, " (%s%s%u attempt%s)",
			 why ? why : "", why ? ", " : "", attempts, attempts == 1 ? "" : "s");
}

static lium_status build_url(const lium_client *c, const char *path, lium_buf *url)
{
	lium_status st = lium_buf_puts(url, c->base_url);

	if (st == LIUM_OK && path[0] != '/' && path[0] != '?')
		st = lium_buf_putc(url, '/');
	if (st == LIUM_OK)
		st = lium_buf_puts(url, path);
	return st;
}

static long attempt_timeout(const lium_client *c, const lium__request *req, uint64_t elapsed)
{
	long t = req->no_timeout ? 0 : c->timeout_ms;

	if (!req->no_timeout && c->retry.max_total_ms) {
		uint64_t left =
			elapsed < c->retry.max_total_ms ? c->retry.max_total_ms - elapsed : 1;

		if (t == 0 || (uint64_t)t > left)
			t = (long)left;
	}
	return t;
}

lium_status lium__call(lium_client *c, const lium__request *req, lium_http_response *resp,
		       lium_error *err)
{
	lium_error local;
	lium_error *e = err ? err : &local;
	lium_buf url = LIUM_BUF_INIT;
	uint64_t start = lium__now_ms(c), prev = 0;
	unsigned int attempt = 0;
	unsigned int max = req->retry == LIUM__RETRY_NEVER ? 1 : c->retry.max_attempts;
	const char *why = NULL;
	lium_status st;

	lium_error_clear(e);
	if (build_url(c, req->path, &url) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	for (;;) {
		uint64_t delay, elapsed;
		int64_t after;

		attempt++;
		if (lium__cancelled(c)) {
			st = lium_error_set(e, LIUM_ECANCELLED, "%s %s: cancelled", req->method,
					    req->path);
			break;
		}
		lium_error_clear(e);
		st = perform_once(c, req, lium_buf_cstr(&url),
				  attempt_timeout(c, req, lium__now_ms(c) - start), resp, e);
		if (st == LIUM_OK) {
			if (resp->status >= 200 && resp->status < 300)
				break;
			st = lium__http_error(c, req->method, req->path, resp, e);
		}
		if (!should_retry(req, st, resp, e) || attempt >= max)
			break;
		delay = lium__backoff_ms(c, attempt, &prev);
		after = resp->status ? lium__retry_after_ms(c, resp) : -1;
		if (after >= 0 && (uint64_t)after > delay)
			delay = (uint64_t)after;
		elapsed = lium__now_ms(c) - start;
		if (!req->no_timeout && elapsed + delay >= c->retry.max_total_ms) {
			why = "retry time budget spent";
			lium__trace(c, LIUM_TRACE_INFO,
				    "* no retry: next attempt in %llu ms is past the %u ms budget",
				    (unsigned long long)delay, c->retry.max_total_ms);
			break;
		}
		lium__trace(c, LIUM_TRACE_INFO, "* retry %u/%u in %llu ms: %s", attempt + 1, max,
			    (unsigned long long)delay, e->message);
		if (lium__sleep_ms(c, delay, NULL) != LIUM_OK) {
			st = lium_error_set(e, LIUM_ECANCELLED, "%s %s: cancelled", req->method,
					    req->path);
			break;
		}
	}
	if (st != LIUM_OK && st != LIUM_ECANCELLED)
		note_attempts(e, attempt, why);
	lium_buf_dispose(&url);
	return st;
}

/* --- batches ---------------------------------------------------------------- */

static void perform_many_once(lium_client *c, const lium__request *const *reqs,
			      const char *const *urls, size_t n, long timeout_ms,
			      lium_http_response *const *resps, lium_status *sts, lium_error *errs)
{
	size_t i;

	if (c->transport) {
		for (i = 0; i < n; i++)
			sts[i] = perform_once(c, reqs[i], urls[i], timeout_ms, resps[i], &errs[i]);
		return;
	}
	for (i = 0; i < n; i++) {
		trace_request(c, reqs[i], urls[i]);
		lium__response_reset(resps[i]);
		lium_error_clear(&errs[i]);
	}
	lium__http_perform_many(c, reqs, urls, n, timeout_ms, resps, sts, errs);
	for (i = 0; i < n; i++) {
		if (sts[i] != LIUM_OK) {
			if (sts[i] == LIUM_ENETWORK || sts[i] == LIUM_ETIMEOUT)
				lium_error_prefix(&errs[i], "%s %s", reqs[i]->method,
						  reqs[i]->path);
			lium__redact_error(c, &errs[i]);
		}
		trace_response(c, sts[i], resps[i], 0, &errs[i]);
	}
}

lium_status lium__call_many(lium_client *c, const lium__request *reqs, size_t n,
			    lium_http_response *resps, lium_status *sts, lium_error *errs)
{
	lium_buf *urls = NULL;
	const char **url_ptrs = NULL;
	const lium__request **batch_reqs = NULL;
	const char **batch_urls = NULL;
	lium_http_response **batch_resps = NULL;
	lium_status *batch_sts = NULL;
	lium_error *batch_errs = NULL;
	size_t *idx = NULL;
	unsigned char *pending = NULL;
	unsigned int *attempts = NULL;
	uint64_t start = lium__now_ms(c), prev = 0;
	unsigned int attempt = 0;
	lium_status st = LIUM_OK;
	size_t i;

	if (!n)
		return LIUM_OK;
	urls = lium_calloc(n, sizeof(*urls));
	url_ptrs = lium_calloc(n, sizeof(*url_ptrs));
	batch_reqs = lium_calloc(n, sizeof(*batch_reqs));
	batch_urls = lium_calloc(n, sizeof(*batch_urls));
	batch_resps = lium_calloc(n, sizeof(*batch_resps));
	batch_sts = lium_calloc(n, sizeof(*batch_sts));
	batch_errs = lium_calloc(n, sizeof(*batch_errs));
	idx = lium_calloc(n, sizeof(*idx));
	pending = lium_calloc(n, 1);
	attempts = lium_calloc(n, sizeof(*attempts));
	if (!urls || !url_ptrs || !batch_reqs || !batch_urls || !batch_resps || !batch_sts ||
	    !batch_errs || !idx || !pending || !attempts) {
		st = LIUM_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (build_url(c, reqs[i].path, &urls[i]) != LIUM_OK) {
			st = LIUM_ENOMEM;
			goto out;
		}
		url_ptrs[i] = lium_buf_cstr(&urls[i]);
		pending[i] = 1;
		sts[i] = LIUM_OK;
		lium_error_clear(&errs[i]);
	}
	for (;;) {
		size_t m = 0;
		int64_t after_max = -1;
		uint64_t delay;
		int any = 0;

		attempt++;
		if (lium__cancelled(c)) {
			for (i = 0; i < n; i++)
				if (pending[i])
					sts[i] = lium_error_set(&errs[i], LIUM_ECANCELLED,
								"%s %s: cancelled", reqs[i].method,
								reqs[i].path);
			break;
		}
		for (i = 0; i < n; i++) {
			if (!pending[i])
				continue;
			idx[m] = i;
			batch_reqs[m] = &reqs[i];
			batch_urls[m] = url_ptrs[i];
			batch_resps[m] = &resps[i];
			m++;
		}
		perform_many_once(c, batch_reqs, batch_urls, m,
				  attempt_timeout(c, &reqs[idx[0]], lium__now_ms(c) - start),
				  batch_resps, batch_sts, batch_errs);
		for (i = 0; i < m; i++) {
			size_t k = idx[i];
			lium_status s = batch_sts[i];

			errs[k] = batch_errs[i];
			attempts[k] = attempt;
			if (s == LIUM_OK && (resps[k].status < 200 || resps[k].status >= 300))
				s = lium__http_error(c, reqs[k].method, reqs[k].path, &resps[k],
						     &errs[k]);
			sts[k] = s;
			if (s == LIUM_OK || attempt >= c->retry.max_attempts ||
			    !should_retry(&reqs[k], s, &resps[k], &errs[k])) {
				pending[k] = 0;
				continue;
			}
			any = 1;
			if (resps[k].status) {
				int64_t a = lium__retry_after_ms(c, &resps[k]);

				if (a > after_max)
					after_max = a;
			}
		}
		if (!any)
			break;
		delay = lium__backoff_ms(c, attempt, &prev);
		if (after_max >= 0 && (uint64_t)after_max > delay)
			delay = (uint64_t)after_max;
		if (lium__now_ms(c) - start + delay >= c->retry.max_total_ms)
			break;
		lium__trace(c, LIUM_TRACE_INFO, "* retry of a batch, attempt %u/%u in %llu ms",
			    attempt + 1, c->retry.max_attempts, (unsigned long long)delay);
		if (lium__sleep_ms(c, delay, NULL) != LIUM_OK)
			continue; /* the loop head reports the cancellation */
	}
	for (i = 0; i < n; i++)
		if (sts[i] != LIUM_OK && sts[i] != LIUM_ECANCELLED)
			note_attempts(&errs[i], attempts[i], NULL);
out:
	if (urls)
		for (i = 0; i < n; i++)
			lium_buf_dispose(&urls[i]);
	lium_free(urls);
	lium_free(url_ptrs);
	lium_free(batch_reqs);
	lium_free(batch_urls);
	lium_free(batch_resps);
	lium_free(batch_sts);
	lium_free(batch_errs);
	lium_free(idx);
	lium_free(pending);
	lium_free(attempts);
	return st;
}

/* --- helpers of the endpoint files ---------------------------------------------- */

lium_status lium__need(const char *value, const char *what, lium_error *err)
{
	if (!value || !value[0])
		return lium_error_set(err, LIUM_EINVAL, "%s is missing", what);
	return LIUM_OK;
}

lium_status lium__get_decode(lium_client *c, const char *path, lium__decode_fn decode, void *out,
			     lium_error *err)
{
	lium__request req = LIUM__REQUEST_INIT;
	lium_http_response resp;
	lium_status st;

	req.method = "GET";
	req.path = path;
	lium__response_init(&resp);
	st = lium__call(c, &req, &resp, err);
	if (st == LIUM_OK && decode) {
		st = decode(lium_buf_cstr(&resp.body), resp.body.size, out, err);
		if (st != LIUM_OK)
			lium__context(err, "GET", path);
	}
	lium__response_dispose(&resp);
	return st;
}

lium_status lium__send_decode(lium_client *c, const char *method, const char *path, json_t *body,
			      lium__retry_class retry, lium__decode_fn decode, void *out,
			      lium_error *err)
{
	lium__request req = LIUM__REQUEST_INIT;
	lium_http_response resp;
	lium_buf text = LIUM_BUF_INIT;
	lium_status st = LIUM_OK;

	if (body) {
		st = lium__json_dump(body, &text, err);
		json_decref(body);
		if (st != LIUM_OK) {
			lium_buf_dispose(&text);
			return st;
		}
		req.body = lium_buf_cstr(&text);
		req.body_len = text.size;
	}
	req.method = method;
	req.path = path;
	req.retry = retry;
	lium__response_init(&resp);
	st = lium__call(c, &req, &resp, err);
	if (st == LIUM_OK && decode && out) {
		st = decode(lium_buf_cstr(&resp.body), resp.body.size, out, err);
		if (st != LIUM_OK)
			lium__context(err, method, path);
	}
	lium__response_dispose(&resp);
	lium_buf_dispose(&text);
	return st;
}

LIUM_API_EXPORT lium_status lium_client_request(lium_client *client, const char *method,
						const char *path, const char *json_body,
						lium_buf *response, long *http_status,
						lium_error *err)
{
	lium__request req = LIUM__REQUEST_INIT;
	lium_http_response resp;
	lium_status st;

	if (http_status)
		*http_status = 0;
	if (!client || !method || !path)
		return lium_error_set(err, LIUM_EINVAL, "lium_client_request: missing argument");
	if (strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "PUT") &&
	    strcmp(method, "DELETE"))
		return lium_error_set(err, LIUM_EINVAL, "unsupported HTTP method \"%s\"", method);
	req.method = method;
	req.path = path;
	req.body = json_body;
	req.body_len = json_body ? strlen(json_body) : 0;
	req.retry = strcmp(method, "POST") == 0 ? LIUM__RETRY_UNSENT : LIUM__RETRY_IDEMPOTENT;
	lium__response_init(&resp);
	st = lium__call(client, &req, &resp, err);
	if (http_status)
		*http_status = resp.status;
	if (response && resp.body.size && lium_buf_put(response, resp.body.ptr, resp.body.size))
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
	lium__response_dispose(&resp);
	return st;
}
