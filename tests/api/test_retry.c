/*
 * Retries: which requests and failures are retried, backoff and jitter,
 * Retry-After, the count and time bounds, and renting without ever creating
 * two pods.  A fake clock records every wait instead of sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

#define BASE "https://api.test/api"
#define EXEC "2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10"

typedef struct fixture {
	fake f;
	lium_client *c;
	volatile sig_atomic_t cancel;
} fixture;

/* Delays without jitter, so that every wait is exact: 100, 200, 400, ... */
static lium_client *client_with(fixture *fx, unsigned int attempts, unsigned int total_ms,
				lium_jitter jitter)
{
	lium_client_options opts;
	lium_client *c = NULL;

	fake_options(&fx->f, &opts);
	opts.api_key = "key-0123456789";
	opts.retry.max_attempts = attempts;
	opts.retry.max_total_ms = total_ms;
	opts.retry.jitter = jitter;
	opts.cancel = &fx->cancel;
	assert_int_equal(lium_client_new(&c, &opts, NULL), LIUM_OK);
	return c;
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fake_init(&fx->f);
	fx->c = client_with(fx, 3, 60000, LIUM_JITTER_NONE);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	lium_client_free(fx->c);
	fake_free(&fx->f);
	free(fx);
	return 0;
}

static size_t count_requests(const fake *f, const char *method, const char *url)
{
	size_t i, n = 0;

	for (i = 0; i < f->nreqs; i++)
		if (!strcmp(f->reqs[i].method, method) && !strcmp(f->reqs[i].url, url))
			n++;
	return n;
}

/* --- what is retried ----------------------------------------------------------------- */

static void test_retry__get_on_retryable_statuses(void **state)
{
	fixture *fx = *state;
	static const long statuses[] = {429, 502, 503, 504};
	lium_user *u = NULL;
	size_t i;

	for (i = 0; i < 4; i++) {
		fake_free(&fx->f);
		fx->f.nsleeps = 0;
		fake_reply(&fx->f, statuses[i], "{\"detail\":\"busy\"}");
		fake_reply_fixture(&fx->f, 200, "users-me.json");
		assert_int_equal(lium_users_me(fx->c, &u, NULL), LIUM_OK);
		lium_user_free(u);
		assert_int_equal(fx->f.nreqs, 2);
		assert_int_equal(fx->f.nsleeps, 1);
		assert_int_equal(fx->f.sleeps[0], 100);
	}
}

static void test_retry__not_on_other_statuses(void **state)
{
	fixture *fx = *state;
	static const long statuses[] = {400, 401, 403, 404, 409, 422, 500};
	lium_user *u = NULL;
	lium_error err;
	size_t i;

	for (i = 0; i < 7; i++) {
		fake_free(&fx->f);
		fake_reply(&fx->f, statuses[i], "{\"detail\":\"no\"}");
		assert_int_not_equal(lium_users_me(fx->c, &u, &err), LIUM_OK);
		assert_int_equal(fx->f.nreqs, 1);
		assert_int_equal(err.cause, statuses[i]);
	}
	assert_int_equal(fx->f.nsleeps, 0);
}

static void test_retry__transport_failures(void **state)
{
	fixture *fx = *state;
	static const long retried[] = {6, 7, 28, 52, 55, 56, 18, 35};
	static const long final[] = {1, 3, 60, 77};
	lium_pod_list *pods = NULL;
	lium_error err;
	size_t i;

	for (i = 0; i < sizeof(retried) / sizeof(retried[0]); i++) {
		fake_free(&fx->f);
		fake_fail(&fx->f, retried[i] == 28 ? LIUM_ETIMEOUT : LIUM_ENETWORK, retried[i]);
		fake_reply(&fx->f, 200, "[]");
		assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
		lium_pod_list_free(pods);
		assert_int_equal(fx->f.nreqs, 2);
	}
	for (i = 0; i < sizeof(final) / sizeof(final[0]); i++) {
		fake_free(&fx->f);
		fake_fail(&fx->f, LIUM_ENETWORK, final[i]);
		assert_int_equal(lium_pods_list(fx->c, &pods, &err), LIUM_ENETWORK);
		assert_int_equal(err.cause, final[i]);
		assert_int_equal(fx->f.nreqs, 1);
	}
}

static void test_retry__bounded_in_count_with_exponential_delays(void **state)
{
	fixture *fx = *state;
	lium_client *c = client_with(fx, 5, 60000, LIUM_JITTER_NONE);
	lium_pod_list *pods = NULL;
	lium_error err;
	int i;

	for (i = 0; i < 6; i++)
		fake_reply(&fx->f, 503, "{\"detail\":\"down for maintenance\"}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EHTTP);
	assert_int_equal(fx->f.nreqs, 5);
	assert_int_equal(fx->f.nsleeps, 4);
	assert_int_equal(fx->f.sleeps[0], 100);
	assert_int_equal(fx->f.sleeps[1], 200);
	assert_int_equal(fx->f.sleeps[2], 400);
	assert_int_equal(fx->f.sleeps[3], 800);
	assert_string_equal(err.message, "GET /pods: HTTP 503: down for maintenance (5 attempts)");
	assert_int_equal(err.cause, 503);
	lium_client_free(c);
}

static void test_retry__delays_capped(void **state)
{
	fixture *fx = *state;
	lium_client *c = client_with(fx, 8, 600000, LIUM_JITTER_NONE);
	lium_pod_list *pods = NULL;
	int i;

	for (i = 0; i < 8; i++)
		fake_reply(&fx->f, 502, "");
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_EHTTP);
	assert_int_equal(fx->f.nsleeps, 7);
	assert_int_equal(fx->f.sleeps[3], 800);
	assert_int_equal(fx->f.sleeps[4], 1000); /* max_delay_ms */
	assert_int_equal(fx->f.sleeps[6], 1000);
	lium_client_free(c);
}

static void test_retry__full_jitter_stays_in_range(void **state)
{
	fixture *fx = *state;
	lium_client *c = client_with(fx, 4, 60000, LIUM_JITTER_FULL);
	lium_pod_list *pods = NULL;
	int i;

	/* random = 0.5: half of 100, 200, 400 (+1 for the inclusive range). */
	for (i = 0; i < 4; i++)
		fake_reply(&fx->f, 503, "");
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_EHTTP);
	assert_int_equal(fx->f.nsleeps, 3);
	assert_int_equal(fx->f.sleeps[0], 50);
	assert_int_equal(fx->f.sleeps[1], 100);
	assert_int_equal(fx->f.sleeps[2], 200);

	/* random = 0 and random = max: the ends of [0, base * 2^n]. */
	fake_free(&fx->f);
	fx->f.nsleeps = 0;
	fx->f.random_value = 0;
	fake_reply(&fx->f, 503, "");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.sleeps[0], 0);
	fake_free(&fx->f);
	fx->f.nsleeps = 0;
	fx->f.random_value = 0xffffffffu;
	fake_reply(&fx->f, 503, "");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.sleeps[0], 100);
	lium_client_free(c);
}

static void test_retry__decorrelated_jitter(void **state)
{
	fixture *fx = *state;
	lium_client *c = client_with(fx, 5, 60000, LIUM_JITTER_DECORRELATED);
	lium_pod_list *pods = NULL;
	int i;

	/* random = max: 3x the previous delay each time, up to the cap. */
	fx->f.random_value = 0xffffffffu;
	for (i = 0; i < 5; i++)
		fake_reply(&fx->f, 504, "");
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_EHTTP);
	assert_int_equal(fx->f.nsleeps, 4);
	assert_int_equal(fx->f.sleeps[0], 300);
	assert_int_equal(fx->f.sleeps[1], 900);
	assert_int_equal(fx->f.sleeps[2], 1000);
	assert_int_equal(fx->f.sleeps[3], 1000);
	lium_client_free(c);
}

/* --- Retry-After ------------------------------------------------------------------------ */

static void test_retry__retry_after_seconds(void **state)
{
	fixture *fx = *state;
	lium_pod_list *pods = NULL;

	fake_reply_h(&fx->f, 429, "Retry-After: 3\n", "{\"detail\":\"slow down\"}");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.nsleeps, 1);
	assert_int_equal(fx->f.sleeps[0], 3000);

	/* Shorter than the backoff: the backoff wins (never sooner than asked). */
	fake_free(&fx->f);
	fx->f.nsleeps = 0;
	fake_reply_h(&fx->f, 503, "retry-after:   0\r\n", "");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.sleeps[0], 100);
}

static void test_retry__retry_after_http_date(void **state)
{
	fixture *fx = *state;
	lium_pod_list *pods = NULL;

	/* The fake wall clock reads 2026-05-22T08:16:40Z here. */
	fake_reply_h(&fx->f, 503, "Retry-After: Fri, 22 May 2026 08:16:45 GMT\n", "");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.sleeps[0], 5000);
}

static void test_retry__retry_after_past_the_budget(void **state)
{
	fixture *fx = *state;
	lium_pod_list *pods = NULL;
	lium_error err;

	fake_reply_h(&fx->f, 429, "Retry-After: 120\n", "{\"detail\":\"come back later\"}");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, &err), LIUM_EHTTP);
	assert_int_equal(fx->f.nreqs, 1);
	assert_int_equal(fx->f.nsleeps, 0);
	assert_string_equal(err.message, "GET /pods: HTTP 429: come back later "
					 "(retry time budget spent, 1 attempt)");
}

static void test_retry__parse_retry_after_forms(void **state)
{
	fixture *fx = *state;
	lium_pod_list *pods = NULL;
	static const char *const ignored[] = {"Retry-After: soon\n",
					      "Retry-After: Fri, 22 May 2026 08:16:45 CET\n",
					      "Retry-After: -5\n"};
	size_t i;

	for (i = 0; i < 3; i++) {
		fake_free(&fx->f);
		fx->f.nsleeps = 0;
		fake_reply_h(&fx->f, 503, ignored[i], "");
		fake_reply(&fx->f, 200, "[]");
		assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
		lium_pod_list_free(pods);
		assert_int_equal(fx->f.sleeps[0], 100); /* unreadable: plain backoff */
	}
	/* RFC 850 dates and dates in the past. */
	fake_free(&fx->f);
	fx->f.nsleeps = 0;
	fake_reply_h(&fx->f, 503, "Retry-After: Friday, 22-May-26 08:16:50 GMT\n", "");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.sleeps[0], 10000);
	fake_free(&fx->f);
	fx->f.nsleeps = 0;
	fake_reply_h(&fx->f, 503, "Retry-After: Sun, 06 Nov 1994 08:49:37 GMT\n", "");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(fx->f.sleeps[0], 100);
}

static void test_retry__total_time_budget(void **state)
{
	fixture *fx = *state;
	lium_client *c = client_with(fx, 10, 5000, LIUM_JITTER_NONE);
	lium_pod_list *pods = NULL;
	lium_error err;
	int i;

	/* Each failure costs 1 s of fake time; delays 100, 200, 400, ... */
	for (i = 0; i < 10; i++)
		fake_reply(&fx->f, 503, "");
	fx->f.request_cost_ms = 1000;
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EHTTP);
	assert_int_equal(fx->f.nreqs, 4); /* at 4.7 s the next 0.8 s wait ends past 5 s */
	assert_non_null(strstr(err.message, "retry time budget spent"));
	/* The first attempt's timeout was cut to the budget. */
	assert_int_equal(fx->f.reqs[0].timeout_ms, 5000);
	assert_true(fx->f.reqs[1].timeout_ms <= 5000 - 100);
	lium_client_free(c);
}

static void test_retry__posts_only_when_nothing_happened(void **state)
{
	fixture *fx = *state;
	lium_ssh_key *key = NULL;
	lium_error err;

	/* 503 after a POST: maybe done, not repeated. */
	fake_reply(&fx->f, 503, "");
	fake_reply(&fx->f, 200, "{\"id\":\"k\"}");
	assert_int_equal(lium_ssh_keys_add(fx->c, "n", "ssh-ed25519 A", &key, &err), LIUM_EHTTP);
	assert_int_equal(fx->f.nreqs, 1);
	/* A dropped connection: maybe done, not repeated. */
	fake_free(&fx->f);
	fake_fail(&fx->f, LIUM_ENETWORK, 52);
	assert_int_equal(lium_ssh_keys_add(fx->c, "n", "ssh-ed25519 A", &key, &err), LIUM_ENETWORK);
	assert_int_equal(fx->f.nreqs, 1);
	/* Rate limited, or never connected: nothing happened, repeated. */
	fake_free(&fx->f);
	fake_reply(&fx->f, 429, "");
	fake_fail(&fx->f, LIUM_ENETWORK, 7);
	fake_reply(&fx->f, 201, "{\"id\":\"k\"}");
	assert_int_equal(lium_ssh_keys_add(fx->c, "n", "ssh-ed25519 A", &key, &err), LIUM_OK);
	assert_int_equal(fx->f.nreqs, 3);
	lium_ssh_key_free(key);
	/* A reboot is a POST too. */
	fake_free(&fx->f);
	fake_reply(&fx->f, 502, "");
	assert_int_equal(lium_pods_reboot(fx->c, "p", NULL, &err), LIUM_EHTTP);
	assert_int_equal(fx->f.nreqs, 1);
}

static void test_retry__idempotent_writes(void **state)
{
	fixture *fx = *state;
	lium_error err;

	fake_reply(&fx->f, 502, "");
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_pods_schedule_removal(fx->c, "p", 1779436800, &err), LIUM_OK);
	assert_int_equal(count_requests(&fx->f, "POST", BASE "/pods/p/schedule-removal"), 2);
	fake_free(&fx->f);
	fake_fail(&fx->f, LIUM_ETIMEOUT, 28);
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_pods_delete(fx->c, "p", &err), LIUM_OK);
	assert_int_equal(count_requests(&fx->f, "DELETE", BASE "/pods/p"), 2);
	fake_free(&fx->f);
	fake_reply(&fx->f, 504, "");
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_volumes_update(fx->c, "v", "n", NULL, NULL, &err), LIUM_OK);
	assert_int_equal(count_requests(&fx->f, "PUT", BASE "/volumes/v"), 2);
}

static void test_retry__batches_retry_each_request(void **state)
{
	fixture *fx = *state;
	const char *ids[] = {"a", "b"};
	lium_pod_list *list = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "{\"id\":\"a\"}");
	fake_reply(&fx->f, 503, "");
	fake_reply(&fx->f, 200, "{\"id\":\"b\"}");
	assert_int_equal(lium_pods_get_many(fx->c, ids, 2, &list, NULL, &err), LIUM_OK);
	assert_int_equal(list->count, 2);
	assert_string_equal(list->items[1]->id, "b");
	lium_pod_list_free(list);
	assert_int_equal(fx->f.nreqs, 3);
	assert_string_equal(fx->f.reqs[2].url, BASE "/pods/b");
	assert_int_equal(fx->f.nsleeps, 1);
}

static void test_retry__cancel_flag(void **state)
{
	fixture *fx = *state;
	lium_pod_list *pods = NULL;
	lium_error err;

	fx->cancel = 1;
	assert_int_equal(lium_pods_list(fx->c, &pods, &err), LIUM_ECANCELLED);
	assert_int_equal(fx->f.nreqs, 0);
	fx->cancel = 0;
}

/* --- renting ------------------------------------------------------------------------ */

static const char *const KEYS[] = {"ssh-ed25519 AAAAC3Nza test@host"};

static lium_status rent(fixture *fx, lium_pod **pod, lium_error *err)
{
	lium_rent_options ro = LIUM_RENT_OPTIONS_INIT;

	ro.pod_name = "job";
	ro.template_id = "tmpl";
	ro.public_keys = KEYS;
	ro.public_key_count = 1;
	return lium_executors_rent(fx->c, EXEC, &ro, pod, err);
}

#define OLD_POD  "{\"id\":\"old\",\"pod_name\":\"job\",\"executor\":{\"id\":\"" EXEC "\"}}"
#define NEW_POD  "{\"id\":\"new\",\"pod_name\":\"job\",\"executor\":{\"id\":\"" EXEC "\"}}"
#define RENT_URL BASE "/executors/" EXEC "/rent"

static void test_retry__rent_dropped_response_returns_the_created_pod(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[" OLD_POD "]");             /* snapshot */
	fake_fail(&fx->f, LIUM_ENETWORK, 52);                 /* empty reply */
	fake_reply(&fx->f, 200, "[" OLD_POD "," NEW_POD "]"); /* the pod exists */
	assert_int_equal(rent(fx, &pod, &err), LIUM_OK);
	assert_string_equal(pod->id, "new");
	lium_pod_free(pod);
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 1);
	assert_int_equal(fx->f.nreqs, 3);
	assert_int_equal(fx->f.nsleeps, 1); /* the server got time before the look */
	assert_non_null(strstr(fx->f.trace, "found pod new created by the failed rent request"));
}

static void test_retry__rent_502_without_a_pod_is_retried(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[" OLD_POD "]");
	fake_reply(&fx->f, 502, "{\"detail\":\"Bad Gateway\"}");
	fake_reply(&fx->f, 200, "[" OLD_POD "]"); /* only the old pod on that node */
	fake_reply(&fx->f, 200, NEW_POD);
	assert_int_equal(rent(fx, &pod, &err), LIUM_OK);
	assert_string_equal(pod->id, "new");
	lium_pod_free(pod);
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 2);
	assert_int_equal(count_requests(&fx->f, "GET", BASE "/pods"), 2);
}

static void test_retry__rent_timeout_when_the_check_fails(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[]");
	fake_fail(&fx->f, LIUM_ETIMEOUT, 28);
	fake_reply(&fx->f, 500, "{\"detail\":\"db down\"}");
	assert_int_equal(rent(fx, &pod, &err), LIUM_ETIMEOUT);
	assert_null(pod);
	assert_non_null(strstr(err.message, "the pod may have been created"));
	assert_non_null(strstr(err.message, "db down"));
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 1);
}

static void test_retry__rent_definite_errors_are_final(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[]");
	fake_reply(&fx->f, 422,
		   "{\"detail\":[{\"loc\":[\"body\",\"user_public_key\"],\"msg\":\"too short\"}]}");
	assert_int_equal(rent(fx, &pod, &err), LIUM_EVALIDATION);
	assert_string_equal(err.message, "POST /executors/" EXEC
					 "/rent: HTTP 422: body.user_public_key: too short");
	assert_int_equal(fx->f.nreqs, 2);
	fake_free(&fx->f);
	fake_reply(&fx->f, 200, "[]");
	fake_reply(&fx->f, 400, "{\"detail\":\"Executor is not available\"}");
	assert_int_equal(rent(fx, &pod, &err), LIUM_EHTTP);
	assert_int_equal(fx->f.nreqs, 2);
}

static void test_retry__rent_2xx_without_id_found_by_name(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[]");
	fake_reply(&fx->f, 200, "{\"status\":\"accepted\"}");
	fake_reply(&fx->f, 200,
		   "[{\"id\":\"other\",\"pod_name\":\"else\"},"
		   "{\"id\":\"mine\",\"pod_name\":\"job\"}]");
	assert_int_equal(rent(fx, &pod, &err), LIUM_OK);
	assert_string_equal(pod->id, "mine");
	lium_pod_free(pod);
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 1);
}

static void test_retry__rent_2xx_malformed_is_never_resent(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[]");
	fake_reply(&fx->f, 200, "{\"id\": \"trunc");
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(rent(fx, &pod, &err), LIUM_EPARSE);
	assert_null(pod);
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 1);
	assert_int_equal(fx->f.nreqs, 3);
}

static void test_retry__rent_not_sent_is_retried_without_a_check(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "[]");
	fake_fail(&fx->f, LIUM_ENETWORK, 7);
	fake_reply(&fx->f, 200, NEW_POD);
	assert_int_equal(rent(fx, &pod, &err), LIUM_OK);
	assert_string_equal(pod->id, "new");
	lium_pod_free(pod);
	assert_int_equal(fx->f.nreqs, 3);
	assert_int_equal(count_requests(&fx->f, "GET", BASE "/pods"), 1);
}

static void test_retry__rent_gives_up_after_the_attempts(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;
	int i;

	fake_reply(&fx->f, 200, "[" OLD_POD "]");
	for (i = 0; i < 3; i++) {
		fake_reply(&fx->f, 503, "{\"detail\":\"overloaded\"}");
		fake_reply(&fx->f, 200, "[" OLD_POD "]");
	}
	assert_int_equal(rent(fx, &pod, &err), LIUM_EHTTP);
	assert_null(pod);
	assert_int_equal(err.cause, 503);
	assert_non_null(strstr(err.message, "overloaded"));
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 3);
	assert_int_equal(count_requests(&fx->f, "GET", BASE "/pods"), 4);
}

static void test_retry__rent_snapshot_failure_rents_nothing(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 401, "{\"detail\":\"Invalid API key\"}");
	assert_int_equal(rent(fx, &pod, &err), LIUM_EAUTH);
	assert_int_equal(count_requests(&fx->f, "POST", RENT_URL), 0);
	assert_non_null(strstr(err.message, "Invalid API key"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_retry__get_on_retryable_statuses),
		T(test_retry__not_on_other_statuses),
		T(test_retry__transport_failures),
		T(test_retry__bounded_in_count_with_exponential_delays),
		T(test_retry__delays_capped),
		T(test_retry__full_jitter_stays_in_range),
		T(test_retry__decorrelated_jitter),
		T(test_retry__retry_after_seconds),
		T(test_retry__retry_after_http_date),
		T(test_retry__retry_after_past_the_budget),
		T(test_retry__parse_retry_after_forms),
		T(test_retry__total_time_budget),
		T(test_retry__posts_only_when_nothing_happened),
		T(test_retry__idempotent_writes),
		T(test_retry__batches_retry_each_request),
		T(test_retry__cancel_flag),
		T(test_retry__rent_dropped_response_returns_the_created_pod),
		T(test_retry__rent_502_without_a_pod_is_retried),
		T(test_retry__rent_timeout_when_the_check_fails),
		T(test_retry__rent_definite_errors_are_final),
		T(test_retry__rent_2xx_without_id_found_by_name),
		T(test_retry__rent_2xx_malformed_is_never_resent),
		T(test_retry__rent_not_sent_is_retried_without_a_check),
		T(test_retry__rent_gives_up_after_the_attempts),
		T(test_retry__rent_snapshot_failure_rents_nothing),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
