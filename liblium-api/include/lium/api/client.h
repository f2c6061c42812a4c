/*
 * liblium-api: the client handle, its options, retries, tracing and the
 * seams (transport, clock) that let programs and tests replace HTTP and time.
 *
 * A lium_client talks to one Celium REST API (https://lium.io/api by
 * default) with one API key.  It keeps one libcurl handle and its connection
 * cache for its whole life, so consecutive calls reuse connections.  Every
 * endpoint function (executors.h, pods.h, templates.h, ...) takes the client
 * as its first argument.
 *
 * Threading: a client is used by one thread at a time (calls on the same
 * client must not overlap).  Separate clients may be used from separate
 * threads at the same time; the library initialises libcurl once, in a
 * thread-safe way, on the first lium_client_new().
 *
 * Errors (every endpoint function):
 *
 * | what happened                         | status            | err->cause  |
 * | ------------------------------------- | ----------------- | ----------- |
 * | HTTP 401 or 403                       | LIUM_EAUTH        | HTTP status |
 * | HTTP 404                              | LIUM_ENOTFOUND    | HTTP status |
 * | HTTP 409 or 422                       | LIUM_EVALIDATION  | HTTP status |
 * | any other HTTP status >= 300          | LIUM_EHTTP        | HTTP status |
 * | transport failure (DNS, connect, ...) | LIUM_ENETWORK     | CURLcode    |
 * | a timeout                             | LIUM_ETIMEOUT     | CURLcode    |
 * | a response that does not decode       | LIUM_EPARSE       | 0           |
 * | the cancel flag was raised            | LIUM_ECANCELLED   | 0           |
 *
 * For HTTP errors the message carries the server's own words: the `detail`
 * string of a FastAPI-style body, a 422 list rendered as
 * "loc: msg; loc: msg", a `message` field, or the raw body; it has the form
 * "<METHOD> <path>: HTTP <status>: <detail>".  For LIUM_EPARSE err->path
 * holds the field path ("[3].specs.gpu.count") and the message says what was
 * wrong there.  The API key never appears in any message or trace line.
 */
#ifndef LIUM_API_CLIENT_H
#define LIUM_API_CLIENT_H

#include <signal.h>

#include "common.h"

LIUM_BEGIN_DECLS

/** An API client.  Opaque; create with lium_client_new(). */
typedef struct lium_client lium_client;

/** The base URL used when lium_client_options::base_url is NULL. */
#define LIUM_DEFAULT_BASE_URL "https://lium.io/api"

/* --- retries ------------------------------------------------------------ */

/** How a retry delay is randomised. */
typedef enum lium_jitter {
	/** Uniform in [0, min(max_delay, base * 2^(attempt-1))] ("full jitter"). */
	LIUM_JITTER_FULL = 0,
	/** min(max_delay, uniform in [base, 3 * previous delay]) ("decorrelated"). */
	LIUM_JITTER_DECORRELATED = 1,
	/** No randomness: min(max_delay, base * 2^(attempt-1)).  Mostly for tests. */
	LIUM_JITTER_NONE = 2
} lium_jitter;

/**
 * When and how often a failed request is tried again.
 *
 * What is retried: GET, PUT and DELETE requests, and the POST requests
 * whose effect does not change when repeated (POST
 * /pods/{id}/schedule-removal), on HTTP 429, 502, 503 and 504 and on
 * transport failures (DNS, connect, reset, timeout, an empty or cut-off
 * reply).  Every other POST is retried only when the request certainly did
 * not reach the server (name resolution, connect or TLS handshake failed) or
 * the server answered 429 (rate limited, nothing done).  Renting has its own
 * rule, described at lium_executors_rent().  Other 4xx statuses and 500 are
 * never retried.  Such POSTs also get a connection of their own: libcurl
 * silently sends a request again when a reused connection turns out to be
 * dead, which must not happen to a request that may not run twice.
 *
 * A `Retry-After` header (seconds, or an HTTP date) is honoured: the next
 * attempt never starts before it.  A delay that would end after the total
 * time budget is not waited for: the last error is returned instead.
 *
 * Zero in a field means "the default".
 */
typedef struct lium_retry_policy {
	/** Attempts in all, the first included; 1 = never retry.  Default 3. */
	unsigned int max_attempts;
	/** Base of the exponential backoff, ms.  Default 500. */
	unsigned int base_delay_ms;
	/** Upper bound of one computed delay, ms (Retry-After may exceed it).  Default 8000. */
	unsigned int max_delay_ms;
	/**
	 * Bound on the whole call, all attempts and waits included, ms.  Each
	 * attempt's timeout is shortened to fit.  Default 60000.
	 */
	unsigned int max_total_ms;
	/** How delays are randomised.  Default LIUM_JITTER_FULL. */
	lium_jitter jitter;
} lium_retry_policy;

/** Initialiser: every field at its default. */
#define LIUM_RETRY_POLICY_INIT               \
	{                                    \
		0, 0, 0, 0, LIUM_JITTER_FULL \
	}

/* --- tracing ------------------------------------------------------------ */

/** What a trace line describes. */
typedef enum lium_trace_kind {
	LIUM_TRACE_REQUEST = 0,         /**< "> GET https://.../pods" */
	LIUM_TRACE_REQUEST_HEADER = 1,  /**< "> X-API-KEY: [REDACTED]" */
	LIUM_TRACE_REQUEST_BODY = 2,    /**< "> {...}" the JSON body sent */
	LIUM_TRACE_RESPONSE = 3,        /**< "< HTTP 200 (12 ms, 3456 bytes)" */
	LIUM_TRACE_RESPONSE_HEADER = 4, /**< "< Content-Type: application/json" */
	LIUM_TRACE_RESPONSE_BODY = 5,   /**< "< [...]" at most 4 KiB of the body */
	LIUM_TRACE_INFO = 6             /**< "* retry 2/3 in 480 ms: ...", failures */
} lium_trace_kind;

/**
 * Receives trace lines.  Every occurrence of the API key in a line is
 * replaced by "[REDACTED]" before the hook sees it.
 *
 * @param[in] kind      what the line is
 * @param[in] line      NUL-terminated, no trailing newline; valid during the call
 * @param[in] userdata  lium_client_options::trace_userdata
 */
typedef void (*lium_trace_fn)(lium_trace_kind kind, const char *line, void *userdata);

/* --- transport seam ----------------------------------------------------- */

/** A request handed to a custom transport (see lium_transport_fn). */
typedef struct lium_http_request {
	const char *method;         /**< "GET", "POST", "PUT", "DELETE" */
	const char *url;            /**< absolute URL, query string included */
	const char *const *headers; /**< "Name: value" lines, NULL-terminated */
	const char *body;           /**< request body, or NULL when none is sent */
	size_t body_len;            /**< bytes in body */
	long timeout_ms;            /**< time allowed for this attempt; 0 = none */
} lium_http_request;

/** The response a custom transport fills in. */
typedef struct lium_http_response {
	long status;      /**< HTTP status, e.g. 200 */
	lium_buf headers; /**< response header lines "Name: value", each ending in "\n" */
	lium_buf body;    /**< response body */
} lium_http_response;

/**
 * A replacement for HTTP, for tests and for programs that bring their own
 * transport.  It performs one request (no retries: the client retries) and
 * fills `resp`, whose buffers start empty and belong to the client.
 *
 * Return LIUM_OK when a response arrived, whatever its status.  Report a
 * transport failure as LIUM_ENETWORK or LIUM_ETIMEOUT with err->cause set to
 * the libcurl CURLcode number it stands for: 5, 6, 7 and 35 (proxy or host
 * not resolved, connect failed, TLS handshake failed) mean the request was
 * certainly not sent; 28 is a timeout; 52 (empty reply), 55, 56 (send or
 * receive failed) and 18 (cut-off body) mean it may have been processed.
 *
 * Called on the thread that called the endpoint function.
 */
typedef lium_status (*lium_transport_fn)(const lium_http_request *req, lium_http_response *resp,
					 void *userdata, lium_error *err);

/* --- clock seam --------------------------------------------------------- */

/**
 * Time and randomness used by retries and waits.  Any function left NULL
 * uses the real one (CLOCK_MONOTONIC, time(), nanosleep, an internal
 * generator).  Tests install a fake clock so that backoff does not really
 * sleep.
 */
typedef struct lium_clock {
	/** A monotonic clock in milliseconds. */
	uint64_t (*monotonic_ms)(void *userdata);
	/** Wall-clock seconds since the epoch (for Retry-After dates). */
	int64_t (*realtime_s)(void *userdata);
	/** Sleep for ms milliseconds. */
	void (*sleep_ms)(uint64_t ms, void *userdata);
	/** A uniformly distributed 32-bit random number (jitter). */
	uint32_t (*random_u32)(void *userdata);
	/** Passed to every function above. */
	void *userdata;
} lium_clock;

/* --- options ------------------------------------------------------------ */

/** Current version of lium_client_options. */
#define LIUM_CLIENT_OPTIONS_VERSION 1

/**
 * Options for lium_client_new().  Initialise with LIUM_CLIENT_OPTIONS_INIT
 * and set what you need; every pointer may be NULL and every number may be
 * 0 to mean "the default".  The strings are copied: they need not outlive
 * the call.  The library never reads the environment for these (the `lium`
 * CLI reads LIUM_BASE_URL and LIUM_API_KEY); libcurl itself honours the
 * usual proxy variables (http_proxy, https_proxy, no_proxy, ...).
 */
typedef struct lium_client_options {
	/** LIUM_CLIENT_OPTIONS_VERSION. */
	unsigned int version;
	/** API root without trailing slash needed; default LIUM_DEFAULT_BASE_URL. */
	const char *base_url;
	/** API key sent as X-API-KEY; NULL sends no key (most calls then fail with LIUM_EAUTH). */
	const char *api_key;
	/** Connect timeout, ms; default 10000. */
	long connect_timeout_ms;
	/** Timeout of one attempt, ms; default 30000; negative = none. */
	long timeout_ms;
	/** Retry policy. */
	lium_retry_policy retry;
	/** User-Agent; default "lium/<library version>". */
	const char *user_agent;
	/** X-Source header; default "sdk" (the CLI passes "cli"). */
	const char *source;
	/** X-Lium-Client-Version header; default the library version. */
	const char *client_version;
	/** File of CA certificates (PEM) to trust instead of the system's. */
	const char *ca_path;
	/** Trace hook, or NULL. */
	lium_trace_fn trace;
	/** Passed to trace. */
	void *trace_userdata;
	/** Custom transport instead of HTTP, or NULL (see lium_transport_fn). */
	lium_transport_fn transport;
	/** Passed to transport. */
	void *transport_userdata;
	/** Clock seam, copied; NULL = real time. */
	const lium_clock *clock;
	/** Most requests in flight at once in batch calls; default 8. */
	unsigned int max_parallel;
	/**
	 * Optional cancel flag, e.g. set by a SIGINT handler.  When it becomes
	 * non-zero the call in progress stops (transfers are aborted, waits cut
	 * short) and returns LIUM_ECANCELLED.  Must stay valid for the client's
	 * life.
	 */
	const volatile sig_atomic_t *cancel;
} lium_client_options;

/** Initialiser for lium_client_options: version set, everything else default. */
#define LIUM_CLIENT_OPTIONS_INIT                                                                   \
	{                                                                                          \
		LIUM_CLIENT_OPTIONS_VERSION, NULL, NULL, 0, 0, LIUM_RETRY_POLICY_INIT, NULL, NULL, \
			NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL                          \
	}

/**
 * Create a client.
 *
 * @param[out] out   the new client, freed with lium_client_free(); NULL on failure
 * @param[in]  opts  options, or NULL for all defaults; not kept
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_EINVAL for a NULL out, an unknown options version or
 *         a base URL that is not http(s); LIUM_ENOMEM; LIUM_ENETWORK when
 *         libcurl cannot be initialised.  Thread-safe.
 */
LIUM_API_EXPORT lium_status lium_client_new(lium_client **out, const lium_client_options *opts,
					    lium_error *err);

/**
 * Free a client, its connections and everything it holds.
 *
 * @param[in] client  may be NULL
 */
LIUM_API_EXPORT void lium_client_free(lium_client *client);

/**
 * The base URL the client talks to, without trailing slash.
 *
 * @param[in] client  the client
 * @return borrowed string valid for the client's life; "" for NULL
 */
LIUM_API_EXPORT const char *lium_client_base_url(const lium_client *client);

/**
 * Perform one request on an arbitrary API path and hand back the raw JSON,
 * with the client's headers, retries and error mapping.  For endpoints this
 * library has no function for.
 *
 * @param[in]  client  the client
 * @param[in]  method  "GET", "POST", "PUT" or "DELETE"; a POST is retried
 *                     only where nothing can have been done (see
 *                     lium_retry_policy)
 * @param[in]  path    path below the base URL, with query string, e.g.
 *                     "/users/me"; copied verbatim into the URL
 * @param[in]  json_body  body to send as application/json, or NULL
 * @param[out] response   receives the response body (appended); may be NULL
 * @param[out] http_status  receives the final HTTP status; may be NULL
 * @param[out] err     may be NULL
 * @return LIUM_OK for a 2xx response, else the mapping in this header
 */
LIUM_API_EXPORT lium_status lium_client_request(lium_client *client, const char *method,
						const char *path, const char *json_body,
						lium_buf *response, long *http_status,
						lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_CLIENT_H */
