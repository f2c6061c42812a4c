/*
 * celium-sim fault injection, mode by mode, as a client sees it over HTTP:
 * statuses (with Retry-After), dropped connections, truncated and malformed
 * bodies, latency; count/after/rate; path patterns; faults that hit after
 * the server acted (the double-rent case); faults from the command line.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "sim_test_util.h"

static sim_fixture fx;

static int group_setup(void **state)
{
	(void)state;
	const char *args[] = {
		"--executors", "20", "--pending-ms", "50", "--starting-ms", "50", "--deleting-ms",
		"50",          NULL};
	return sim_fixture_start(&fx, args);
}

static int group_teardown(void **state)
{
	(void)state;
	sim_fixture_stop(&fx);
	/* a clean exit: no sanitizer report, no crash */
	if (fx.exit_status != 0)
		return -1;
	return 0;
}

static int clear_faults(void **state)
{
	(void)state;
	long status;
	json_decref(st_req(&fx, "DELETE", "/_sim/faults", NULL, "", &status));
	return status == 200 ? 0 : -1;
}

static long long add_fault(const char *json)
{
	long status;
	json_t *r = st_req(&fx, "POST", "/_sim/faults", json, "", &status);
	assert_int_equal(status, 200);
	long long id = json_integer_value(json_object_get(r, "id"));
	assert_true(id > 0);
	json_decref(r);
	return id;
}

static void test_sim_faults__status_once(void **state)
{
	(void)state;
	add_fault("{\"method\":\"GET\",\"path\":\"/machines\",\"mode\":\"status\",\"status\":503,"
		  "\"count\":1}");
	sim_http_result r;
	assert_int_equal(sim_fixture_http(&fx, "GET", "/machines", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 503);
	json_t *body = json_loads(r.body, 0, NULL);
	assert_true(json_is_string(json_object_get(body, "detail")));
	json_decref(body);
	sim_http_result_free(&r);
	/* count 1: the next one passes, and the fault is gone */
	assert_int_equal(sim_fixture_http(&fx, "GET", "/machines", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	sim_http_result_free(&r);
	long status;
	json_t *list = st_req(&fx, "GET", "/_sim/faults", NULL, "", &status);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	/* other methods and paths are not touched */
	add_fault(
		"{\"method\":\"POST\",\"path\":\"/machines\",\"mode\":\"status\",\"status\":500}");
	assert_int_equal(sim_fixture_http(&fx, "GET", "/machines", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	sim_http_result_free(&r);
}

static void test_sim_faults__rate_limit_with_retry_after(void **state)
{
	(void)state;
	add_fault("{\"method\":\"*\",\"path\":\"/users/me\",\"mode\":\"status\",\"status\":429,"
		  "\"retry_after\":2,\"count\":2}");
	for (int i = 0; i < 2; i++) {
		sim_http_result r;
		assert_int_equal(sim_fixture_http(&fx, "GET", "/users/me", NULL, NULL, &r), 0);
		assert_int_equal(r.status, 429);
		assert_non_null(strcasestr(r.headers, "\nRetry-After: 2\r\n"));
		json_t *body = json_loads(r.body, 0, NULL);
		assert_true(json_is_string(json_object_get(body, "detail")));
		json_decref(body);
		sim_http_result_free(&r);
	}
	long status;
	json_decref(st_req(&fx, "GET", "/users/me", NULL, NULL, &status));
	assert_int_equal(status, 200);
}

static void test_sim_faults__drop(void **state)
{
	(void)state;
	long long id = add_fault("{\"path\":\"/templates\",\"mode\":\"drop\"}");
	sim_http_result r;
	assert_int_not_equal(sim_fixture_http(&fx, "GET", "/templates", NULL, NULL, &r), 0);
	assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);
	assert_int_equal(r.status, 0);
	sim_http_result_free(&r);
	/* the request log records it with status 0 */
	long status;
	json_t *log = st_req(&fx, "GET", "/_sim/requests", NULL, "", &status);
	json_t *last = json_array_get(log, json_array_size(log) - 1);
	assert_string_equal(st_str(last, "path"), "/templates");
	assert_int_equal(json_integer_value(json_object_get(last, "status")), 0);
	assert_int_equal(json_integer_value(json_object_get(last, "fault")), id);
	json_decref(log);
	/* removing the fault by id restores service */
	char path[64];
	snprintf(path, sizeof path, "/_sim/faults/%lld", id);
	json_decref(st_req(&fx, "DELETE", path, NULL, "", &status));
	assert_int_equal(status, 200);
	json_decref(st_req(&fx, "DELETE", path, NULL, "", &status));
	assert_int_equal(status, 404);
	assert_int_equal(sim_fixture_http(&fx, "GET", "/templates", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	sim_http_result_free(&r);
}

static void test_sim_faults__truncate(void **state)
{
	(void)state;
	sim_http_result full;
	assert_int_equal(sim_fixture_http(&fx, "GET", "/executors", NULL, NULL, &full), 0);
	add_fault("{\"method\":\"GET\",\"path\":\"/executors\",\"mode\":\"truncate\",\"count\":1}");
	sim_http_result r;
	assert_int_not_equal(sim_fixture_http(&fx, "GET", "/executors", NULL, NULL, &r), 0);
	assert_int_equal(r.curl_code, CURLE_PARTIAL_FILE);
	assert_int_equal(r.status, 200);
	/* a valid beginning, cut in the middle */
	assert_true(r.body_len > 0 && r.body_len < full.body_len);
	assert_memory_equal(r.body, full.body, r.body_len);
	json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
	assert_null(j);
	sim_http_result_free(&r);
	sim_http_result_free(&full);
}

static void test_sim_faults__malformed(void **state)
{
	(void)state;
	add_fault("{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"malformed\",\"count\":1}");
	sim_http_result r;
	assert_int_equal(sim_fixture_http(&fx, "GET", "/pods", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strcasestr(r.headers, "application/json"));
	json_error_t err;
	json_t *j = json_loadb(r.body, r.body_len, JSON_DECODE_ANY, &err);
	assert_null(j);
	sim_http_result_free(&r);
}

static void test_sim_faults__latency(void **state)
{
	(void)state;
	add_fault("{\"method\":\"GET\",\"path\":\"/machines\",\"mode\":\"latency\","
		  "\"latency_ms\":400,\"count\":1}");
	sim_http_result r;
	double t0 = st_now();
	assert_int_equal(sim_fixture_http(&fx, "GET", "/machines", NULL, NULL, &r), 0);
	double slow = st_now() - t0;
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_true(json_is_array(j));
	json_decref(j);
	sim_http_result_free(&r);
	assert_true(slow >= 0.39);
	t0 = st_now();
	assert_int_equal(sim_fixture_http(&fx, "GET", "/machines", NULL, NULL, &r), 0);
	sim_http_result_free(&r);
	assert_true(st_now() - t0 < 0.3);
}

static void test_sim_faults__after_and_rate(void **state)
{
	(void)state;
	/* after: 2 pass, then 2 fail, then it is spent */
	add_fault("{\"path\":\"/ssh-keys\",\"mode\":\"status\",\"status\":502,\"after\":2,"
		  "\"count\":2}");
	long want[] = {200, 200, 502, 502, 200};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		long status;
		json_decref(st_req(&fx, "GET", "/ssh-keys", NULL, NULL, &status));
		assert_int_equal(status, want[i]);
	}
	/* rate: some hit, some do not (seeded, so the same every run) */
	add_fault("{\"path\":\"/volumes\",\"mode\":\"status\",\"status\":500,\"rate\":0.5}");
	int hit = 0;
	for (int i = 0; i < 40; i++) {
		long status;
		json_decref(st_req(&fx, "GET", "/volumes", NULL, NULL, &status));
		assert_true(status == 200 || status == 500);
		hit += status == 500;
	}
	assert_true(hit >= 8 && hit <= 32);
	/* rate 0 never fires */
	add_fault("{\"path\":\"/tmc-pay/currencies\",\"mode\":\"drop\",\"rate\":0}");
	for (int i = 0; i < 10; i++) {
		long status;
		json_decref(st_req(&fx, "GET", "/tmc-pay/currencies", NULL, NULL, &status));
		assert_int_equal(status, 200);
	}
}

static void test_sim_faults__path_patterns(void **state)
{
	(void)state;
	/* '*' is one segment: /pods/<id> but not /pods/<id>/logs */
	add_fault("{\"method\":\"GET\",\"path\":\"/pods/*\",\"mode\":\"status\",\"status\":503}");
	long status;
	json_decref(st_req(&fx, "GET", "/pods/11111111-2222-4333-8444-555555555555", NULL, NULL,
			   &status));
	assert_int_equal(status, 503);
	json_decref(st_req(&fx, "GET", "/pods/11111111-2222-4333-8444-555555555555/logs", NULL,
			   NULL, &status));
	assert_int_equal(status, 404);
	json_decref(st_req(&fx, "GET", "/pods", NULL, NULL, &status));
	assert_int_equal(status, 200);
	json_decref(st_req(&fx, "DELETE", "/_sim/faults", NULL, "", &status));
	/* '**' spans segments */
	add_fault("{\"method\":\"GET\",\"path\":\"/pods/**\",\"mode\":\"status\",\"status\":504}");
	json_decref(st_req(&fx, "GET", "/pods/11111111-2222-4333-8444-555555555555/logs", NULL,
			   NULL, &status));
	assert_int_equal(status, 504);
	/* the control API is never faulted */
	json_decref(st_req(&fx, "GET", "/_sim/health", NULL, "", &status));
	assert_int_equal(status, 200);
	/* a bad fault is a 422 */
	json_t *r = st_req(&fx, "POST", "/_sim/faults", "{\"path\":\"/x\",\"mode\":\"explode\"}",
			   "", &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = st_req(&fx, "POST", "/_sim/faults", "{\"mode\":\"drop\"}", "", &status);
	assert_int_equal(status, 422);
	json_decref(r);
}

static int count_pods(void)
{
	long status;
	json_t *pods = st_req(&fx, "GET", "/pods", NULL, NULL, &status);
	int n = (int)json_array_size(pods);
	json_decref(pods);
	return n;
}

/*
 * "when": "after": the rent happens, then the answer is lost.  A client that
 * simply retries rents twice (or gets a 409); the pod exists either way.
 */
static void test_sim_faults__after_the_action(void **state)
{
	(void)state;
	assert_int_equal(count_pods(), 0);
	char *dir = st_tempdir();
	char *pub = st_keygen(dir, "k");
	assert_non_null(pub);
	long status;
	json_t *execs = st_req(&fx, "GET", "/executors?size=2", NULL, NULL, &status);
	const char *modes[] = {"drop", "status"};
	for (int m = 0; m < 2; m++) {
		char fault[256], path[128];
		snprintf(fault, sizeof fault,
			 "{\"method\":\"POST\",\"path\":\"/executors/*/rent\",\"mode\":\"%s\","
			 "\"status\":502,\"when\":\"after\",\"count\":1}",
			 modes[m]);
		add_fault(fault);
		snprintf(path, sizeof path, "/executors/%s/rent",
			 st_str(json_array_get(execs, (size_t)m), "id"));
		char *body = st_rent_body(modes[m], NULL, pub);
		sim_http_result r;
		int rc = sim_fixture_http(&fx, "POST", path, body, NULL, &r);
		if (m == 0) {
			assert_int_not_equal(rc, 0);
			assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(r.status, 502);
		}
		sim_http_result_free(&r);
		/* the pod was created although the client saw a failure */
		assert_int_equal(count_pods(), m + 1);
		/* a blind retry now hits the rented executor */
		json_decref(st_req(&fx, "POST", path, body, NULL, &status));
		assert_int_equal(status, 409);
		free(body);
	}
	/* "before" (the default) does not act */
	add_fault("{\"method\":\"POST\",\"path\":\"/executors/*/rent\",\"mode\":\"drop\","
		  "\"count\":1}");
	char path[128];
	json_decref(execs);
	execs = st_req(&fx, "GET", "/executors?size=1", NULL, NULL, &status);
	snprintf(path, sizeof path, "/executors/%s/rent", st_str(json_array_get(execs, 0), "id"));
	char *body = st_rent_body("before", NULL, pub);
	sim_http_result r;
	assert_int_not_equal(sim_fixture_http(&fx, "POST", path, body, NULL, &r), 0);
	sim_http_result_free(&r);
	assert_int_equal(count_pods(), 2);
	free(body);
	json_decref(execs);
	/* clean up */
	json_t *pods = st_req(&fx, "GET", "/pods", NULL, NULL, &status);
	size_t i;
	json_t *p;
	json_array_foreach(pods, i, p)
	{
		char del[128];
		snprintf(del, sizeof del, "/pods/%s", st_str(p, "id"));
		json_decref(st_req(&fx, "DELETE", del, NULL, NULL, &status));
		assert_true(st_wait_gone(&fx, st_str(p, "id"), 20));
	}
	json_decref(pods);
	free(pub);
	st_rmtree(dir);
	free(dir);
}

/* --fault on the command line, JSON or the short form. */
static void test_sim_faults__command_line(void **state)
{
	(void)state;
	sim_fixture f2;
	const char *args[] = {
		"--executors", "1",
		"--fault",     "GET,/machines,status,status=500,count=1",
		"--fault",     "{\"method\":\"GET\",\"path\":\"/users/me\",\"mode\":\"malformed\"}",
		NULL};
	assert_int_equal(sim_fixture_start(&f2, args), 0);
	long status;
	json_decref(st_req(&f2, "GET", "/machines", NULL, NULL, &status));
	assert_int_equal(status, 500);
	json_decref(st_req(&f2, "GET", "/machines", NULL, NULL, &status));
	assert_int_equal(status, 200);
	json_t *j = st_req(&f2, "GET", "/users/me", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_null(j);
	sim_fixture_stop(&f2);
	assert_int_equal(f2.exit_status, 0);
	/* a bad one stops the start */
	const char *bad[] = {"--fault", "GET,/machines,explode", NULL};
	assert_int_not_equal(sim_fixture_start(&f2, bad), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sim_faults__status_once, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__rate_limit_with_retry_after, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__drop, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__truncate, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__malformed, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__latency, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__after_and_rate, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__path_patterns, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__after_the_action, clear_faults),
		cmocka_unit_test_setup(test_sim_faults__command_line, clear_faults),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
