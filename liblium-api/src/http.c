/*
 * The libcurl transport: one easy handle per client for single requests, a
 * multi handle with a small pool of easy handles for batches, all sharing
 * one connection, DNS and TLS-session cache.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"

#ifndef CURL_WRITEFUNC_ERROR
#define CURL_WRITEFUNC_ERROR 0 /* libcurl before 7.87 */
#endif

/* A response larger than this is refused rather than buffered. */
#define MAX_BODY ((size_t)512 * 1024 * 1024)

/* --- global init, once and thread-safe ------------------------------------------ */

static atomic_int global_state; /* 0 not yet, 1 running, 2 done, 3 failed */

lium_status lium__http_global_init(lium_error *err)
{
	int expected = 0;

	if (atomic_compare_exchange_strong(&global_state, &expected, 1)) {
		CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

		atomic_store(&global_state, rc == CURLE_OK ? 2 : 3);
	} else {
		/* Another thread is initialising: wait for it (microseconds). */
		while (atomic_load(&global_state) == 1) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	if (atomic_load(&global_state) != 2)
		return lium_error_set(err, LIUM_ENETWORK, "libcurl could not be initialised");
	return LIUM_OK;
}

/* --- per client ------------------------------------------------------------------ */

static struct curl_slist *make_slist(const char *const *lines)
{
	struct curl_slist *list = NULL, *next;

	for (; *lines; lines++) {
		next = curl_slist_append(list, *lines);
		if (!next) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = next;
	}
	/* No "Expect: 100-continue" round trip before bodies. */
	next = curl_slist_append(list, "Expect:");
	if (!next)
		curl_slist_free_all(list);
	return next;
}

lium_status lium__http_init(lium_client *c, lium_error *err)
{
	lium_status st = lium__http_global_init(err);

	if (st != LIUM_OK)
		return st;
	c->slist_plain = make_slist(c->headers_plain);
	c->slist_json = make_slist(c->headers_json);
	c->easy = curl_easy_init();
	c->share = curl_share_init();
	c->pool = lium_calloc(c->max_parallel, sizeof(*c->pool));
	if (!c->slist_plain || !c->slist_json || !c->easy || !c->share || !c->pool)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory setting up libcurl");
	/* A client is used by one thread at a time, so the share needs no locks. */
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	return LIUM_OK;
}

void lium__http_cleanup(lium_client *c)
{
	unsigned int i;

	if (c->pool) {
		for (i = 0; i < c->max_parallel; i++)
			if (c->pool[i])
				curl_easy_cleanup(c->pool[i]);
		lium_free(c->pool);
		c->pool = NULL;
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->share)
		curl_share_cleanup(c->share);
	curl_slist_free_all(c->slist_plain);
	curl_slist_free_all(c->slist_json);
	c->multi = NULL;
	c->easy = NULL;
	c->share = NULL;
	c->slist_plain = c->slist_json = NULL;
}

/* --- one transfer ------------------------------------------------------------------ */

typedef struct xfer {
	lium_client *client;
	const lium__request *req;
	lium_http_response *resp;
	CURL *easy;
	int status_known; /* first body byte seen */
	int streaming;    /* 2xx body goes to req->on_data */
	int stopped;      /* on_data asked to stop */
	int failed_mem;
	int too_big;
	char errbuf[CURL_ERROR_SIZE];
} xfer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	xfer *x = userdata;
	size_t n = size * nmemb;

	if (!x->status_known) {
		long code = 0;

		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		x->status_known = 1;
		x->streaming = x->req->on_data && code >= 200 && code < 300;
	}
	if (x->streaming) {
		if (x->req->on_data(ptr, n, x->req->on_data_userdata)) {
			x->stopped = 1;
			return CURL_WRITEFUNC_ERROR;
		}
		return n;
	}
	if (x->resp->body.size + n > MAX_BODY) {
		x->too_big = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	if (lium_buf_put(&x->resp->body, ptr, n) != LIUM_OK) {
		x->failed_mem = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
	xfer *x = userdata;
	size_t n = size * nitems, m = n;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): forget the old headers. */
		lium_buf_clear(&x->resp->headers);
		return n;
	}
	while (m && (ptr[m - 1] == '\n' || ptr[m - 1] == '\r'))
		m--;
	if (!m)
		return n;
	if (lium_buf_put(&x->resp->headers, ptr, m) != LIUM_OK ||
	    lium_buf_putc(&x->resp->headers, '\n') != LIUM_OK) {
		x->failed_mem = 1;
		return 0;
	}
	/* Reserve the body once instead of doubling through it. */
	if (m > 15 && strncasecmp(ptr, "Content-Length:", 15) == 0 && !x->req->on_data) {
		unsigned long long len = strtoull(ptr + 15, NULL, 10);

		if (len > 0 && len <= MAX_BODY && x->resp->body.asize < len + 1)
			lium_buf_grow(&x->resp->body, (size_t)len - x->resp->body.size);
	}
	return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	xfer *x = userdata;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return lium__cancelled(x->client) ? 1 : 0;
}

static void setup(xfer *x, CURL *e, const char *url, long timeout_ms)
{
	lium_client *c = x->client;
	const lium__request *req = x->req;

	curl_easy_reset(e);
	x->easy = e;
	x->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_SHARE, c->share);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->body ? c->slist_json : c->slist_plain);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 0L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (c->cancel) {
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	}
	if (c->ca_path)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_path);
	/*
	 * libcurl silently sends a request again when a reused connection turns
	 * out dead before any answer.  A POST that must not run twice (a rent)
	 * therefore gets a connection of its own.
	 */
	if (req->retry != LIUM__RETRY_IDEMPOTENT)
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		} else if (strcmp(req->method, "POST") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
		}
	}
}

/* CURLcode of a finished transfer into a status, err and resp->status. */
static lium_status finish(xfer *x, CURLcode rc, lium_error *err)
{
	long code = 0, connects = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	/* Traced so that connection reuse can be seen (and tested). */
	if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK &&
	    connects > 0)
		lium__trace(x->client, LIUM_TRACE_INFO, "* new connection for %s %s",
			    x->req->method, x->req->path);
	x->resp->status = code;
	if (rc == CURLE_OK)
		return LIUM_OK;
	if (x->stopped)
		return LIUM_OK; /* the caller's callback ended the stream */
	if (x->failed_mem)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory receiving a response");
	if (x->too_big)
		return lium_error_set(err, LIUM_EHTTP, "response larger than %zu bytes", MAX_BODY);
	if (rc == CURLE_ABORTED_BY_CALLBACK && lium__cancelled(x->client))
		return lium_error_set(err, LIUM_ECANCELLED, "cancelled");
	x->resp->status = 0;
	lium_error_set(err, rc == CURLE_OPERATION_TIMEDOUT ? LIUM_ETIMEOUT : LIUM_ENETWORK,
		       "%s%s%s", curl_easy_strerror(rc), x->errbuf[0] ? ": " : "", x->errbuf);
	if (err) {
		size_t len = strlen(err->message);

		/* libcurl's buffer ends in a newline at times. */
		while (len && (err->message[len - 1] == '\n' || err->message[len - 1] == '\r'))
			err->message[--len] = '\0';
		err->cause = (long)rc;
	}
	return rc == CURLE_OPERATION_TIMEDOUT ? LIUM_ETIMEOUT : LIUM_ENETWORK;
}

lium_status lium__http_perform(lium_client *c, const lium__request *req, const char *url,
			       long timeout_ms, lium_http_response *resp, lium_error *err)
{
	xfer x;
	CURLcode rc;

	memset(&x, 0, sizeof(x));
	x.client = c;
	x.req = req;
	x.resp = resp;
	setup(&x, c->easy, url, timeout_ms);
	rc = curl_easy_perform(c->easy);
	return finish(&x, rc, err);
}

void lium__http_perform_many(lium_client *c, const lium__request *const *reqs,
			     const char *const *urls, size_t n, long timeout_ms,
			     lium_http_response *const *resps, lium_status *statuses,
			     lium_error *errs)
{
	xfer *slots;
	size_t next = 0, done = 0, i;
	unsigned int s;
	int running = 0;

	slots = lium_calloc(c->max_parallel, sizeof(*slots));
	if (!c->multi)
		c->multi = curl_multi_init();
	if (!slots || !c->multi) {
		for (i = 0; i < n; i++)
			statuses[i] = lium_error_set(&errs[i], LIUM_ENOMEM, "out of memory");
		lium_free(slots);
		return;
	}
	for (s = 0; s < c->max_parallel; s++)
		slots[s].req = NULL;

	while (done < n) {
		CURLMsg *msg;
		int left;

		/* Fill free slots. */
		for (s = 0; s < c->max_parallel && next < n; s++) {
			if (slots[s].req)
				continue;
			if (!c->pool[s] && !(c->pool[s] = curl_easy_init())) {
				statuses[next] =
					lium_error_set(&errs[next], LIUM_ENOMEM, "out of memory");
				next++;
				done++;
				continue;
			}
			memset(&slots[s], 0, sizeof(slots[s]));
			slots[s].client = c;
			slots[s].req = reqs[next];
			slots[s].resp = resps[next];
			setup(&slots[s], c->pool[s], urls[next], timeout_ms);
			curl_easy_setopt(c->pool[s], CURLOPT_PRIVATE, (void *)(uintptr_t)next);
			curl_multi_add_handle(c->multi, c->pool[s]);
			next++;
		}
		if (done >= n)
			break;
		curl_multi_perform(c->multi, &running);
		while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
			void *priv = NULL;
			size_t k;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			k = (size_t)(uintptr_t)priv;
			for (s = 0; s < c->max_parallel; s++)
				if (c->pool[s] == msg->easy_handle)
					break;
			lium_error_clear(&errs[k]);
			statuses[k] = finish(&slots[s], msg->data.result, &errs[k]);
			curl_multi_remove_handle(c->multi, msg->easy_handle);
			slots[s].req = NULL;
			done++;
		}
		if (done < n && running)
			curl_multi_poll(c->multi, NULL, 0, 100, NULL);
	}
	lium_free(slots);
}
