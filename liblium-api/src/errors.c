/*
 * HTTP error mapping, redaction of the API key, trace lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"

#define REDACTED "[REDACTED]"

lium_status lium__redact(const lium_client *c, const char *s, size_t len, lium_buf *out)
{
	const char *key = c ? c->api_key : NULL;
	size_t klen = key ? strlen(key) : 0;
	size_t i = 0, start = 0;
	lium_status st = LIUM_OK;

	if (!klen)
		return lium_buf_put(out, s, len);
	while (i + klen <= len && st == LIUM_OK) {
		if (s[i] == key[0] && memcmp(s + i, key, klen) == 0) {
			st = lium_buf_put(out, s + start, i - start);
			if (st == LIUM_OK)
				st = lium_buf_puts(out, REDACTED);
			i += klen;
			start = i;
		} else {
			i++;
		}
	}
	if (st == LIUM_OK)
		st = lium_buf_put(out, s + start, len - start);
	return st;
}

void lium__redact_error(const lium_client *c, lium_error *err)
{
	lium_buf b = LIUM_BUF_INIT;

	if (!err || !c || !c->api_key || !c->api_key[0] || !strstr(err->message, c->api_key))
		return;
	if (lium__redact(c, err->message, strlen(err->message), &b) == LIUM_OK) {
		snprintf(err->message, sizeof(err->message), "%s", lium_buf_cstr(&b));
	} else {
		/* Without memory to rewrite it, drop the message rather than leak. */
		snprintf(err->message, sizeof(err->message), "%s", lium_status_str(err->code));
	}
	lium_buf_dispose(&b);
}

static void emit(const lium_client *c, lium_trace_kind kind, const char *s, size_t len)
{
	lium_buf b = LIUM_BUF_INIT;

	if (lium__redact(c, s, len, &b) == LIUM_OK)
		c->trace(kind, lium_buf_cstr(&b), c->trace_userdata);
	lium_buf_dispose(&b);
}

void lium__trace(const lium_client *c, lium_trace_kind kind, const char *fmt, ...)
{
	lium_buf b = LIUM_BUF_INIT;
	va_list ap;

	if (!c->trace)
		return;
	va_start(ap, fmt);
	if (lium_buf_vprintf(&b, fmt, ap) == LIUM_OK)
		emit(c, kind, lium_buf_cstr(&b), b.size);
	va_end(ap);
	lium_buf_dispose(&b);
}

void lium__trace_block(const lium_client *c, lium_trace_kind kind, const char *prefix,
		       const char *data, size_t len, size_t max, int split_lines)
{
	lium_buf b = LIUM_BUF_INIT;
	int cut = 0;

	if (!c->trace || !data)
		return;
	if (len > max) {
		len = max;
		cut = 1;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (!split_lines) {
		if (lium_buf_puts(&b, prefix) == LIUM_OK &&
		    lium_buf_put(&b, data, len) == LIUM_OK &&
		    (!cut || lium_buf_puts(&b, " [...]") == LIUM_OK))
			emit(c, kind, lium_buf_cstr(&b), b.size);
		lium_buf_dispose(&b);
		return;
	}
	while (len) {
		const char *eol = memchr(data, '\n', len);
		size_t n = eol ? (size_t)(eol - data) : len;
		size_t m = n;

		while (m && data[m - 1] == '\r')
			m--;
		lium_buf_clear(&b);
		if (m && lium_buf_puts(&b, prefix) == LIUM_OK &&
		    lium_buf_put(&b, data, m) == LIUM_OK)
			emit(c, kind, lium_buf_cstr(&b), b.size);
		if (!eol)
			break;
		data += n + 1;
		len -= n + 1;
	}
	lium_buf_dispose(&b);
}

/* --- HTTP errors ----------------------------------------------------------- */

static const char *reason(long status)
{
	switch (status) {
	case 400:
		return "bad request";
	case 401:
		return "invalid API key";
	case 402:
		return "payment required";
	case 403:
		return "forbidden";
	case 404:
		return "not found";
	case 405:
		return "method not allowed";
	case 409:
		return "conflict";
	case 422:
		return "validation failed";
	case 429:
		return "rate limit exceeded";
	case 500:
		return "internal server error";
	case 502:
		return "bad gateway";
	case 503:
		return "service unavailable";
	case 504:
		return "gateway timeout";
	default:
		return status >= 500 ? "server error" : "request failed";
	}
}

/* Append a JSON value compactly (jansson's own allocator never leaks out). */
static void put_json(lium_buf *out, json_t *v)
{
	lium_buf tmp = LIUM_BUF_INIT;

	if (lium__json_dump(v, &tmp, NULL) == LIUM_OK)
		lium_buf_put(out, tmp.ptr, tmp.size);
	lium_buf_dispose(&tmp);
}

/* "loc.a.b: msg; loc: msg" from FastAPI's validation list. */
static void render_detail_list(json_t *list, lium_buf *out)
{
	size_t i;
	json_t *item;

	json_array_foreach(list, i, item)
	{
		json_t *loc = json_object_get(item, "loc");
		json_t *msg = json_object_get(item, "msg");

		if (i)
			lium_buf_puts(out, "; ");
		if (json_is_array(loc) && json_array_size(loc)) {
			size_t j;
			json_t *part;

			json_array_foreach(loc, j, part)
			{
				if (j)
					lium_buf_putc(out, '.');
				if (json_is_string(part))
					lium_buf_puts(out, json_string_value(part));
				else if (json_is_integer(part))
					lium_buf_printf(out, "%lld",
							(long long)json_integer_value(part));
			}
			lium_buf_puts(out, ": ");
		}
		if (json_is_string(msg)) {
			lium_buf_puts(out, json_string_value(msg));
		} else if (json_is_string(item)) {
			lium_buf_puts(out, json_string_value(item));
		} else {
			put_json(out, item);
		}
	}
}

/* The server's words: detail, message, error, or the raw body. */
static void server_detail(const lium_http_response *resp, lium_buf *out)
{
	json_t *doc = NULL, *v;
	const char *body = lium_buf_cstr(&resp->body);
	size_t len = resp->body.size;
	json_error_t jerr;

	if (len)
		doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
	if (doc && json_is_object(doc)) {
		if ((v = json_object_get(doc, "detail")) && !json_is_null(v)) {
			if (json_is_string(v))
				lium_buf_puts(out, json_string_value(v));
			else if (json_is_array(v))
				render_detail_list(v, out);
			else
				put_json(out, v);
		} else if ((v = json_object_get(doc, "message")) && json_is_string(v)) {
			lium_buf_puts(out, json_string_value(v));
		} else if ((v = json_object_get(doc, "error")) && json_is_string(v)) {
			lium_buf_puts(out, json_string_value(v));
		}
	} else if (doc && json_is_string(doc)) {
		lium_buf_puts(out, json_string_value(doc));
	}
	if (!out->size && len) {
		/* Not JSON (an HTML error page from a proxy, say): its first line. */
		size_t n = 0;

		while (n < len && n < 300 && body[n] != '\n' && body[n] != '\r')
			n++;
		lium_buf_put(out, body, n);
	}
	json_decref(doc);
}

lium_status lium__http_error(const lium_client *c, const char *method, const char *path,
			     const lium_http_response *resp, lium_error *err)
{
	long status = resp->status;
	lium_status code;
	lium_buf detail = LIUM_BUF_INIT;

	if (status == 401 || status == 403)
		code = LIUM_EAUTH;
	else if (status == 404)
		code = LIUM_ENOTFOUND;
	else if (status == 409 || status == 422)
		code = LIUM_EVALIDATION;
	else
		code = LIUM_EHTTP;
	if (!err)
		return code;
	server_detail(resp, &detail);
	lium_error_set(err, code, "%s %s: HTTP %ld: %s", method, path, status,
		       detail.size ? lium_buf_cstr(&detail) : reason(status));
	err->cause = status;
	lium_buf_dispose(&detail);
	lium__redact_error(c, err);
	return code;
}

void lium__context(lium_error *err, const char *method, const char *path)
{
	if (err && err->code != LIUM_OK)
		lium_error_prefix(err, "%s %s", method, path);
}
