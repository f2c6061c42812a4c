/*
 * Container logs: the event-stream-like format of GET /pods/{id}/logs, line
 * splitting across arbitrary chunks, stopping, and the request itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

typedef struct lines {
	char text[4096];
	size_t len;
	int count;
	int stop_after; /* 0 = never */
} lines;

static int collect(const char *line, size_t len, void *userdata)
{
	lines *l = userdata;

	assert_int_equal(strlen(line), len);
	assert_true(l->len + len + 2 < sizeof(l->text));
	memcpy(l->text + l->len, line, len);
	l->len += len;
	l->text[l->len++] = '|';
	l->text[l->len] = '\0';
	l->count++;
	return l->stop_after && l->count >= l->stop_after;
}

static const char STREAM[] = "data: {\"log\": \"Starting container...\"}\n"
			     "\n"
			     "data: {\"log\": \"Epoch 1/10 loss=2.31\\n\"}\r\n"
			     "\r\n"
			     "data: {\"keepalive\": true}\n"
			     "data: not json at all\n"
			     ": a comment line\n"
			     "event: message\n"
			     "data:{\"log\":\"no space\"}\n"
			     "data: {\"log\": 42}\n"
			     "data: {\"log\": \"tab\\tand unicode \\u00e9\"}\n"
			     "plain line without newline at the end";

static const char EXPECTED[] = "Starting container...|"
			       "Epoch 1/10 loss=2.31|"
			       "data: not json at all|"
			       ": a comment line|"
			       "event: message|"
			       "no space|"
			       "42|"
			       "tab\tand unicode \xc3\xa9|"
			       "plain line without newline at the end|";

static void test_logs__parse_event_stream(void **state)
{
	lines l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(lium_logs_parse(STREAM, strlen(STREAM), collect, &l, NULL), LIUM_OK);
	assert_string_equal(l.text, EXPECTED);
	assert_int_equal(l.count, 9);
}

static void test_logs__parse_stops_when_asked(void **state)
{
	lines l;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(lium_logs_parse(STREAM, strlen(STREAM), collect, &l, NULL), LIUM_OK);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.text, "Starting container...|Epoch 1/10 loss=2.31|");
}

static void test_logs__parse_edge_cases(void **state)
{
	lines l;
	lium_error err;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(lium_logs_parse("", 0, collect, &l, NULL), LIUM_OK);
	assert_int_equal(lium_logs_parse("\n\n\r\n", 4, collect, &l, NULL), LIUM_OK);
	assert_int_equal(l.count, 0);
	assert_int_equal(lium_logs_parse("data: ", 6, collect, &l, NULL), LIUM_OK);
	assert_string_equal(l.text, "data: |");
	assert_int_equal(lium_logs_parse("x", 1, NULL, NULL, &err), LIUM_EINVAL);
	assert_int_equal(lium_logs_parse(NULL, 3, collect, &l, &err), LIUM_EINVAL);
}

/* The stream through the client, body delivered in one piece by the seam. */
static void test_logs__request_and_lines(void **state)
{
	fake f;
	lium_client *c;
	lium_logs_options opts = LIUM_LOGS_OPTIONS_INIT;
	lines l;
	lium_error err;

	(void)state;
	fake_init(&f);
	c = fake_client(&f);
	memset(&l, 0, sizeof(l));
	fake_reply(&f, 200, STREAM);
	assert_int_equal(lium_pods_logs(c, "pod-1", NULL, collect, &l, &err), LIUM_OK);
	assert_string_equal(l.text, EXPECTED);
	assert_string_equal(f.reqs[0].method, "GET");
	assert_string_equal(f.reqs[0].url,
			    "https://api.test/api/pods/pod-1/logs?tail=100&follow=false");
	assert_int_equal(f.reqs[0].timeout_ms, 30000);

	opts.tail = 20;
	opts.follow = 1;
	memset(&l, 0, sizeof(l));
	fake_reply(&f, 200, "data: {\"log\": \"a\"}\n");
	assert_int_equal(lium_pods_logs(c, "pod-1", &opts, collect, &l, &err), LIUM_OK);
	assert_string_equal(l.text, "a|");
	assert_string_equal(f.reqs[1].url,
			    "https://api.test/api/pods/pod-1/logs?tail=20&follow=true");
	assert_int_equal(f.reqs[1].timeout_ms, 0); /* a followed stream has no timeout */

	fake_reply(&f, 404, "{\"detail\":\"Pod not found\"}");
	memset(&l, 0, sizeof(l));
	assert_int_equal(lium_pods_logs(c, "gone", NULL, collect, &l, &err), LIUM_ENOTFOUND);
	assert_int_equal(l.count, 0); /* the error body is not a log line */
	assert_string_equal(err.message,
			    "pod gone not found: GET /pods/gone/logs?tail=100&follow=false: "
			    "HTTP 404: Pod not found");
	assert_int_equal(lium_pods_logs(c, "", NULL, collect, &l, &err), LIUM_EINVAL);
	assert_int_equal(lium_pods_logs(c, "p", NULL, NULL, NULL, &err), LIUM_EINVAL);
	lium_client_free(c);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logs__parse_event_stream),
		cmocka_unit_test(test_logs__parse_stops_when_asked),
		cmocka_unit_test(test_logs__parse_edge_cases),
		cmocka_unit_test(test_logs__request_and_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
