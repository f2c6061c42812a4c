/*
 * liblium-api internals shared between the source files.  Never installed.
 */
#ifndef LIUM_API_INT_H
#define LIUM_API_INT_H

#include <curl/curl.h>
#include <jansson.h>

#include "lium/api.h"

/* --- the client ---------------------------------------------------------- */

/* Headers sent on every request, plus Content-Type when a body is sent. */
#define LIUM__MAX_HEADERS 8

struct lium_client {
	char *base_url;
	char *api_key;
	char *user_agent;
	char *source;
	char *client_version;
	char *ca_path;
	long connect_timeout_ms;
	long timeout_ms; /* 0 = none */
	lium_retry_policy retry;
	lium_trace_fn trace;
	void *trace_userdata;
	lium_transport_fn transport;
	void *transport_userdata;
	lium_clock clock;
	unsigned int max_parallel;
	const volatile sig_atomic_t *cancel;
	uint64_t rng;

	/* "Name: value" strings; the two NULL-terminated views share them. */
	char *header_lines[LIUM__MAX_HEADERS];
	const char *headers_plain[LIUM__MAX_HEADERS + 1];
	const char *headers_json[LIUM__MAX_HEADERS + 1];
	struct curl_slist *slist_plain;
	struct curl_slist *slist_json;

	CURL *easy;    /* single requests; keeps its connection cache */
	CURLSH *share; /* one connection/DNS/TLS cache for all handles */
	CURLM *multi;  /* batches */
	CURL **pool;   /* easy handles of the batches, max_parallel of them */
};

/* --- requests ------------------------------------------------------------ */

typedef enum lium__retry_class {
	/* GET, PUT, DELETE and idempotent POSTs: retried on 429/502/503/504 and
	 * transport failures. */
	LIUM__RETRY_IDEMPOTENT = 0,
	/* Other POSTs: retried only when nothing can have happened (not sent,
	 * or 429). */
	LIUM__RETRY_UNSENT = 1,
	/* Exactly one attempt. */
	LIUM__RETRY_NEVER = 2
} lium__retry_class;

/* Receives body bytes of a 2xx response as they arrive; non-zero stops. */
typedef int (*lium__data_fn)(const char *data, size_t len, void *userdata);

typedef struct lium__request {
	const char *method;
	const char *path; /* below the base URL, query included */
	const char *body; /* JSON, or NULL */
	size_t body_len;
	lium__retry_class retry;
	int no_timeout;        /* followed streams: no total timeout */
	lium__data_fn on_data; /* stream the 2xx body instead of storing it */
	void *on_data_userdata;
	const int *no_more_retries; /* when it points at non-zero, stop retrying */
} lium__request;

#define LIUM__REQUEST_INIT                                                       \
	{                                                                        \
		NULL, NULL, NULL, 0, LIUM__RETRY_IDEMPOTENT, 0, NULL, NULL, NULL \
	}

void lium__response_init(lium_http_response *resp);
void lium__response_reset(lium_http_response *resp);
void lium__response_dispose(lium_http_response *resp);

/*
 * Perform a request with the retry policy.  LIUM_OK only for a 2xx; other
 * statuses are mapped (client.h) into err.  resp holds the last response
 * either way (status 0 after a transport failure); the caller disposes it.
 */
lium_status lium__call(lium_client *c, const lium__request *req, lium_http_response *resp,
		       lium_error *err);

/* Several requests at once; per-request status and error. */
lium_status lium__call_many(lium_client *c, const lium__request *reqs, size_t n,
			    lium_http_response *resps, lium_status *statuses, lium_error *errs);

/* One attempt over libcurl (http.c). */
lium_status lium__http_perform(lium_client *c, const lium__request *req, const char *url,
			       long timeout_ms, lium_http_response *resp, lium_error *err);
/* One attempt of several requests over libcurl multi (http.c). */
void lium__http_perform_many(lium_client *c, const lium__request *const *reqs,
			     const char *const *urls, size_t n, long timeout_ms,
			     lium_http_response *const *resps, lium_status *statuses,
			     lium_error *errs);
/* libcurl handles of a client (http.c). */
lium_status lium__http_init(lium_client *c, lium_error *err);
void lium__http_cleanup(lium_client *c);
lium_status lium__http_global_init(lium_error *err);

/* --- errors, redaction, tracing (errors.c) -------------------------------- */

/* Map a non-2xx response into err; returns the status. */
lium_status lium__http_error(const lium_client *c, const char *method, const char *path,
			     const lium_http_response *resp, lium_error *err);
/* Replace every occurrence of the API key in err->message by [REDACTED]. */
void lium__redact_error(const lium_client *c, lium_error *err);
/* Replace every occurrence of the API key in s (len bytes) into out. */
lium_status lium__redact(const lium_client *c, const char *s, size_t len, lium_buf *out);
/* Send one formatted trace line (redacted) when a hook is installed. */
void lium__trace(const lium_client *c, lium_trace_kind kind, const char *fmt, ...)
	LIUM_PRINTF_LIKE(3, 4);
/* Trace a block (headers/body), one call per line or the whole block. */
void lium__trace_block(const lium_client *c, lium_trace_kind kind, const char *prefix,
		       const char *data, size_t len, size_t max, int split_lines);

/* --- time, sleep, randomness, retries (retry.c) --------------------------- */

uint64_t lium__now_ms(lium_client *c);
int64_t lium__realtime_s(lium_client *c);
/* Sleep, cut short by the cancel flag: LIUM_OK or LIUM_ECANCELLED. */
lium_status lium__sleep_ms(lium_client *c, uint64_t ms, lium_error *err);
int lium__cancelled(const lium_client *c);
uint32_t lium__random(lium_client *c);
/* The backoff delay before attempt `attempt + 1` (attempt >= 1). */
uint64_t lium__backoff_ms(lium_client *c, unsigned int attempt, uint64_t *prev_delay);
/* Retry-After of a response in ms, or -1 when absent or unreadable. */
int64_t lium__retry_after_ms(lium_client *c, const lium_http_response *resp);
/* Parse a Retry-After value at wall-clock time now; -1 when unreadable. */
int64_t lium__parse_retry_after(const char *value, int64_t now_s);
/* A header's value in a response's header block (first match), or NULL. */
const char *lium__header_find(const lium_buf *headers, const char *name, size_t *len);
/* Whether a transport failure's CURLcode means the request was not sent. */
int lium__transport_not_sent(long cause);
/* Whether a transport failure's CURLcode is worth another attempt. */
int lium__transport_retryable(long cause);
/* Whether an HTTP status is retried (429, 502, 503, 504). */
int lium__status_retryable(long status);

/* --- URLs, bodies -------------------------------------------------------- */

/* Append a path segment, percent-encoded (ids are normally UUIDs). */
lium_status lium__path_segment(lium_buf *b, const char *segment);
/* Append "?key=value" or "&key=value", form-encoded like Python's urlencode. */
lium_status lium__query(lium_buf *b, const char *key, const char *value);
lium_status lium__query_double(lium_buf *b, const char *key, double value);
lium_status lium__query_uint(lium_buf *b, const char *key, unsigned long value);
/* Serialise JSON compactly into a lium_buf (replaces its contents). */
lium_status lium__json_dump(json_t *json, lium_buf *out, lium_error *err);
/* json_string() that accepts NULL (giving JSON null). */
json_t *lium__json_str_or_null(const char *s);

/* --- JSON decoding with field paths (json.c) ----------------------------- */

typedef struct lium__jd {
	lium_error *err;
	char path[LIUM_ERROR_PATH_MAX];
	size_t len;
} lium__jd;

void lium__jd_init(lium__jd *d, lium_error *err);
size_t lium__jd_push_key(lium__jd *d, const char *key);
size_t lium__jd_push_index(lium__jd *d, size_t index);
void lium__jd_pop(lium__jd *d, size_t mark);
/* Fail at path + key (key may be NULL) with "expected ..." etc. */
lium_status lium__jd_fail(lium__jd *d, const char *key, const char *what);
lium_status lium__jd_nomem(lium__jd *d);

/*
 * Getters: a missing key or null leaves *out alone and returns LIUM_OK; a
 * value of the wrong type fails with the path.  obj may be NULL (all absent).
 */
lium_status lium__jd_str(lium__jd *d, json_t *obj, const char *key, char **out);
lium_status lium__jd_double(lium__jd *d, json_t *obj, const char *key, double *out);
lium_status lium__jd_int64(lium__jd *d, json_t *obj, const char *key, int64_t *out);
lium_status lium__jd_uint(lium__jd *d, json_t *obj, const char *key, unsigned int *out);
lium_status lium__jd_int(lium__jd *d, json_t *obj, const char *key, int *out);
lium_status lium__jd_bool(lium__jd *d, json_t *obj, const char *key, int *out);
lium_status lium__jd_time(lium__jd *d, json_t *obj, const char *key, lium_time *out);
/* An object member: *out NULL when missing/null; error when not an object. */
lium_status lium__jd_obj(lium__jd *d, json_t *obj, const char *key, json_t **out);
/* An array member: *out NULL when missing/null; error when not an array. */
lium_status lium__jd_arr(lium__jd *d, json_t *obj, const char *key, json_t **out);
/* Convert a value (no key) to the given type; same rules as above. */
lium_status lium__jd_value_double(lium__jd *d, json_t *v, const char *key, double *out,
				  int *present);
lium_status lium__jd_value_uint(lium__jd *d, json_t *v, const char *key, unsigned int *out,
				int *present);

/* Parse a whole document; EPARSE with position on malformed JSON. */
lium_status lium__json_parse(const char *json, size_t len, json_t **out, lium_error *err);

/* Called for each element of a list document; list is the model list. */
typedef lium_status (*lium__elem_fn)(lium__jd *d, json_t *elem, void *list);

/*
 * Decode a list document: a JSON array, streamed element by element, or an
 * object with an "items" array.  With lenient set, any other document is an
 * empty list instead of an error.
 */
lium_status lium__decode_list(const char *json, size_t len, void *list, lium__elem_fn fn,
			      int lenient, lium_error *err);

/* A string member of a response object (e.g. backup_log_id), appended to out. */
lium_status lium__decode_field_str(const char *json, size_t len, const char *key, lium_buf *out,
				   int required, lium_error *err);

/* --- shared helpers of the endpoint files -------------------------------- */

/* Check that a required id argument is a non-empty string. */
lium_status lium__need(const char *value, const char *what, lium_error *err);
/* GET path and decode the body with decode(json, len, out, err). */
typedef lium_status (*lium__decode_fn)(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__get_decode(lium_client *c, const char *path, lium__decode_fn decode, void *out,
			     lium_error *err);
/* Send method + path + body (JSON object, consumed) and optionally decode. */
lium_status lium__send_decode(lium_client *c, const char *method, const char *path, json_t *body,
			      lium__retry_class retry, lium__decode_fn decode, void *out,
			      lium_error *err);
/* Add the request's "METHOD path: " context to a decode error. */
void lium__context(lium_error *err, const char *method, const char *path);

/* Decoders (decode.c).  The lium__decode_* ones match lium__decode_fn. */
lium_status lium__dec_pod(lium__jd *d, json_t *obj, lium_pod *p);
lium_status lium__decode_pod_obj(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_volume_obj(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_backup_config_obj(const char *json, size_t len, void *out,
					   lium_error *err);
lium_status lium__decode_ssh_key_obj(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_estimate_obj(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_invoice_obj(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_template_obj(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_user_obj(const char *json, size_t len, void *out, lium_error *err);
/* GET /ssh-keys: anything but a list is no keys (as the official client). */
lium_status lium__decode_ssh_keys_lenient(const char *json, size_t len, void *out, lium_error *err);
lium_status lium__decode_docker_images(const char *json, size_t len, void *out, lium_error *err);
/* {"currencies": [...]} or a bare list. */
lium_status lium__decode_currencies(const char *json, size_t len, void *out, lium_error *err);

#endif /* LIUM_API_INT_H */
