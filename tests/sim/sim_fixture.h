/*
 * The celium-sim test fixture: starts the Celium sandbox on a free loopback
 * port with a fresh state directory, and stops it.  Link the static library
 * `lium_sim_fixture`; it depends on libcurl only (never on liblium-*).
 *
 * The binary is found through the environment variable LIUM_SIM_BIN (set it
 * with `ENV LIUM_SIM_BIN=$<TARGET_FILE:celium-sim>` in lium_add_cmocka_test)
 * and otherwise at the path of the build that compiled the fixture.
 * LIUM_SIM_VERBOSE=1 lets the sandbox log every request to stderr.
 *
 * The sandbox dies with the thread that started it (PR_SET_PDEATHSIG), so
 * call sim_fixture_start() from the main thread or from a thread that
 * outlives the fixture.  Nothing here is thread-safe for one fixture; two
 * fixtures are independent.
 */
#ifndef LIUM_TESTS_SIM_FIXTURE_H
#define LIUM_TESTS_SIM_FIXTURE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The API key celium-sim accepts when started without --api-key. */
#define SIM_FIXTURE_DEFAULT_API_KEY "sim-key"

/** A running sandbox.  Zero-initialise it before sim_fixture_start(). */
typedef struct sim_fixture {
	char url[256];        /**< base URL, e.g. "http://127.0.0.1:43817" (no trailing /) */
	char api_key[128];    /**< the first --api-key given, else "sim-key" */
	char state_dir[4096]; /**< the sandbox's state directory (removed by stop) */
	int pid;              /**< process id of celium-sim, 0 when stopped */
	/**
	 * After sim_fixture_stop(): celium-sim's exit status (0 after a clean
	 * shutdown; non-zero also when a sanitizer reported an error), or -1
	 * when it had to be killed or was already gone.
	 */
	int exit_status;
} sim_fixture;

/**
 * Starts celium-sim on 127.0.0.1, port 0, with a new temporary state
 * directory, and waits until its URL answers /_sim/health.
 *
 * @param[out] f           filled on success; on failure f->pid is 0
 * @param[in]  extra_args  NULL, or a NULL-terminated list of extra
 *                         arguments, e.g. {"--executors", "2000", NULL}
 * @return 0 on success, -1 on failure (a message on stderr says why).
 */
int sim_fixture_start(sim_fixture *f, const char *const *extra_args);

/**
 * Stops the sandbox (SIGTERM, then SIGKILL after 10 s), waits for it and
 * removes its state directory; f->exit_status tells how it ended (a
 * non-zero status is also reported on stderr).  Safe to call twice or on a
 * fixture whose start failed.
 *
 * @param[in,out] f  the fixture; f->pid is 0 afterwards
 */
void sim_fixture_stop(sim_fixture *f);

/**
 * A plain HTTP request to the sandbox (libcurl), sent with the fixture's
 * API key in X-API-KEY, and with Content-Type: application/json when a
 * body is given.
 *
 * @param[in]  f              a started fixture
 * @param[in]  method         "GET", "POST", "PUT", "DELETE", ...
 * @param[in]  path           e.g. "/pods" or "/_sim/faults" (appended to f->url)
 * @param[in]  json_body      the body, or NULL for none
 * @param[out] response_body  NULL, or receives the body (NUL-terminated,
 *                            caller frees with free())
 * @param[out] http_status    NULL, or receives the HTTP status
 * @return 0 when a response arrived (whatever its status), -1 on a
 *         transport failure (then *response_body is NULL, *http_status 0).
 */
int sim_fixture_request(const sim_fixture *f, const char *method, const char *path,
			const char *json_body, char **response_body, long *http_status);

/** Everything about one response (sim_fixture_http). */
typedef struct sim_http_result {
	long status;     /**< HTTP status, 0 when none arrived */
	char *body;      /**< NUL-terminated body (free with sim_http_result_free) */
	size_t body_len; /**< body length in bytes */
	char *headers;   /**< the raw response header block */
	int curl_code;   /**< the CURLcode of the transfer (0 = complete) */
	double seconds;  /**< total time of the transfer */
} sim_http_result;

/**
 * Like sim_fixture_request() with control over the key and access to the
 * headers and transport result (truncated or dropped responses).
 *
 * @param[in]  api_key  NULL: the fixture's key; "": send no X-API-KEY;
 *                      anything else: send that key
 * @param[out] out      filled in every case; free with sim_http_result_free()
 * @return 0 when a complete response arrived, -1 otherwise (see out->curl_code)
 */
int sim_fixture_http(const sim_fixture *f, const char *method, const char *path,
		     const char *json_body, const char *api_key, sim_http_result *out);

/** Frees what sim_fixture_http() put into `r` (NULL-safe). */
void sim_http_result_free(sim_http_result *r);

#ifdef __cplusplus
}
#endif

#endif
