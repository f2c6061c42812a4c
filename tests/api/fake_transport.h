/*
 * A scripted transport and a fake clock for the liblium-api unit tests.
 *
 * Replies are queued in order; each request the client makes takes the next
 * one and is recorded (method, URL, headers, body).  A handler may answer
 * instead of the queue.  The fake clock advances only when the client
 * sleeps, and remembers each sleep.
 */
#ifndef LIUM_TESTS_API_FAKE_TRANSPORT_H
#define LIUM_TESTS_API_FAKE_TRANSPORT_H

#include <lium/api.h>

#define FAKE_MAX 64

typedef struct fake_answer {
	long status;
	char *headers; /* "Name: value\n" lines, or NULL */
	char *body;
	size_t body_len;
	lium_status fail; /* non-zero: a transport failure instead */
	long cause;
} fake_answer;

typedef struct fake_request {
	char *method;
	char *url;
	char *headers; /* the header lines joined with "\n" */
	char *body;    /* NULL when none was sent */
	long timeout_ms;
} fake_request;

typedef struct fake fake;

/* Answers a request instead of the queue when set; return -1 to use the queue. */
typedef int (*fake_handler)(fake *f, const lium_http_request *req, lium_http_response *resp,
			    lium_status *st, lium_error *err);

struct fake {
	fake_answer replies[FAKE_MAX];
	size_t nreplies, next;
	fake_request reqs[FAKE_MAX];
	size_t nreqs;
	fake_handler handler;
	void *handler_data;
	uint64_t now_ms;
	uint64_t request_cost_ms; /* fake time each request takes */
	int64_t realtime_s;
	uint64_t sleeps[FAKE_MAX];
	size_t nsleeps;
	uint32_t random_value; /* what random_u32 returns */
	lium_clock clock;
	char trace[16384]; /* every trace line, "\n"-separated */
	size_t trace_len;
};

void fake_init(fake *f);
void fake_free(fake *f);
/* Queue a reply with a body (copied). */
void fake_reply(fake *f, long status, const char *body);
/* Queue a reply with headers and a body. */
void fake_reply_h(fake *f, long status, const char *headers, const char *body);
/* Queue a reply whose body is tests/api/fixtures/<name>. */
void fake_reply_fixture(fake *f, long status, const char *name);
/* Queue a transport failure. */
void fake_fail(fake *f, lium_status st, long cause);
/* Options wired to this fake (transport, clock, trace) and tiny delays. */
void fake_options(fake *f, lium_client_options *opts);
/* A client on this fake with fake_options() plus an API key. */
lium_client *fake_client(fake *f);
/* Read a fixture into memory (free with free()). */
char *fixture_read(const char *name, size_t *len);
/* Whether request i's headers contain the exact line. */
int fake_has_header(const fake *f, size_t i, const char *line);

#endif
