/*
 * Container logs: the event-stream-like text of GET /pods/{id}/logs, split
 * into lines as it arrives.
 */
#include <string.h>

#include "api_int.h"

typedef struct log_parser {
	lium_log_line_fn on_line;
	void *userdata;
	lium_buf partial; /* a line still waiting for its newline */
	lium_buf scratch; /* NUL-terminated copy handed to the callback */
	int stopped;      /* the callback asked to stop */
	int received;     /* body bytes arrived: another attempt could repeat lines */
	int failed_mem;
} log_parser;

static void deliver(log_parser *lp, const char *s, size_t len)
{
	lium_buf_clear(&lp->scratch);
	if (lium_buf_put(&lp->scratch, s, len) != LIUM_OK ||
	    lium_buf_grow(&lp->scratch, 0) != LIUM_OK) {
		lp->failed_mem = 1;
		lp->stopped = 1;
		return;
	}
	if (lp->on_line(lium_buf_cstr(&lp->scratch), len, lp->userdata))
		lp->stopped = 1;
}

static void one_line(log_parser *lp, const char *line, size_t len)
{
	while (len && line[len - 1] == '\r')
		len--;
	if (!len || lp->stopped)
		return;
	if (len >= 5 && memcmp(line, "data:", 5) == 0) {
		const char *rest = line + 5;
		size_t rlen = len - 5;
		json_error_t jerr;
		json_t *doc;

		if (rlen && *rest == ' ') {
			rest++;
			rlen--;
		}
		doc = rlen ? json_loadb(rest, rlen, JSON_DECODE_ANY, &jerr) : NULL;
		if (doc) {
			json_t *log = json_is_object(doc) ? json_object_get(doc, "log") : NULL;

			if (log && json_is_string(log)) {
				const char *s = json_string_value(log);
				size_t n = json_string_length(log);

				/* Docker's lines end in a newline; the callback gets lines. */
				if (n && s[n - 1] == '\n')
					n--;
				if (n && s[n - 1] == '\r')
					n--;
				deliver(lp, s, n);
			} else if (log && !json_is_null(log)) {
				lium_buf text = LIUM_BUF_INIT;

				if (lium__json_dump(log, &text, NULL) == LIUM_OK)
					deliver(lp, text.ptr, text.size);
				lium_buf_dispose(&text);
			}
			/* JSON without a log key (keep-alives, metadata) is dropped. */
			json_decref(doc);
			return;
		}
	}
	deliver(lp, line, len);
}

static int feed(const char *data, size_t len, void *userdata)
{
	log_parser *lp = userdata;

	lp->received = 1;
	while (len && !lp->stopped) {
		const char *nl = memchr(data, '\n', len);
		size_t n;

		if (!nl) {
			if (lium_buf_put(&lp->partial, data, len) != LIUM_OK) {
				lp->failed_mem = 1;
				lp->stopped = 1;
			}
			break;
		}
		n = (size_t)(nl - data);
		if (lp->partial.size) {
			if (lium_buf_put(&lp->partial, data, n) != LIUM_OK) {
				lp->failed_mem = 1;
				lp->stopped = 1;
				break;
			}
			one_line(lp, lp->partial.ptr, lp->partial.size);
			lium_buf_clear(&lp->partial);
		} else {
			one_line(lp, data, n);
		}
		data += n + 1;
		len -= n + 1;
	}
	return lp->stopped;
}

static void finish(log_parser *lp)
{
	if (lp->partial.size && !lp->stopped)
		one_line(lp, lp->partial.ptr, lp->partial.size);
	lium_buf_clear(&lp->partial);
}

static void parser_dispose(log_parser *lp)
{
	lium_buf_dispose(&lp->partial);
	lium_buf_dispose(&lp->scratch);
}

LIUM_API_EXPORT lium_status lium_logs_parse(const char *text, size_t len, lium_log_line_fn on_line,
					    void *userdata, lium_error *err)
{
	log_parser lp;

	if (!on_line || (!text && len))
		return lium_error_set(err, LIUM_EINVAL, "lium_logs_parse: missing argument");
	memset(&lp, 0, sizeof(lp));
	lp.on_line = on_line;
	lp.userdata = userdata;
	if (len)
		feed(text, len, &lp);
	finish(&lp);
	parser_dispose(&lp);
	if (lp.failed_mem)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return LIUM_OK;
}

LIUM_API_EXPORT lium_status lium_pods_logs(lium_client *client, const char *pod_id,
					   const lium_logs_options *opts, lium_log_line_fn on_line,
					   void *userdata, lium_error *err)
{
	lium_logs_options defaults = LIUM_LOGS_OPTIONS_INIT;
	lium_buf path = LIUM_BUF_INIT;
	lium__request req = LIUM__REQUEST_INIT;
	lium_http_response resp;
	log_parser lp;
	lium_status st;

	if (!client || !on_line)
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_logs: missing argument");
	if (!opts)
		opts = &defaults;
	if (opts->version < 1 || opts->version > LIUM_LOGS_OPTIONS_VERSION)
		return lium_error_set(err, LIUM_EINVAL, "logs options version %u is not supported",
				      opts->version);
	if ((st = lium__need(pod_id, "pod id", err)) != LIUM_OK)
		return st;
	if (lium_buf_puts(&path, "/pods") != LIUM_OK || lium__path_segment(&path, pod_id) ||
	    lium_buf_puts(&path, "/logs") != LIUM_OK ||
	    lium__query_uint(&path, "tail", opts->tail ? opts->tail : 100u) != LIUM_OK ||
	    lium__query(&path, "follow", opts->follow ? "true" : "false") != LIUM_OK) {
		lium_buf_dispose(&path);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	memset(&lp, 0, sizeof(lp));
	lp.on_line = on_line;
	lp.userdata = userdata;
	req.method = "GET";
	req.path = lium_buf_cstr(&path);
	req.no_timeout = opts->follow != 0;
	req.on_data = feed;
	req.on_data_userdata = &lp;
	/* Once bytes arrived, another attempt could repeat lines. */
	req.no_more_retries = &lp.received;
	lium__response_init(&resp);
	st = lium__call(client, &req, &resp, err);
	if (st == LIUM_OK)
		finish(&lp);
	if (st == LIUM_OK && lp.failed_mem)
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory reading logs");
	if (st == LIUM_ENOTFOUND && err)
		lium_error_prefix(err, "pod %s not found", pod_id);
	lium__response_dispose(&resp);
	parser_dispose(&lp);
	lium_buf_dispose(&path);
	return st;
}
