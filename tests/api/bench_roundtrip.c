/*
 * Benchmark: listing 2000 executors from celium-sim over loopback HTTP.
 *
 * Prints the time of lium_executors_list() (request, transfer, decoding)
 * and, for comparison, of the bare transfer of the same document through
 * lium_client_request(), each the median of several rounds on one reused
 * connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <lium/api.h>

#include "sim_fixture.h"

#define EXECUTORS 2000
#define ROUNDS    15

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void test_bench__list_2000_executors(void **state)
{
	static const char *const args[] = {"--executors", "2000", NULL};
	sim_fixture sim;
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_executor_filter filter = LIUM_EXECUTOR_FILTER_INIT;
	lium_client *c = NULL;
	lium_executor_list *list = NULL;
	lium_buf body = LIUM_BUF_INIT;
	double t_list[ROUNDS], t_raw[ROUNDS], t;
	lium_error err;
	size_t bytes = 0;
	int r;

	(void)state;
	memset(&sim, 0, sizeof(sim));
	if (sim_fixture_start(&sim, args) != 0)
		fail_msg("celium-sim did not start");
	opts.base_url = sim.url;
	opts.api_key = sim.api_key;
	assert_int_equal(lium_client_new(&c, &opts, &err), LIUM_OK);
	filter.size = EXECUTORS;

	/* Warm up the connection and the server. */
	assert_int_equal(lium_executors_list(c, &filter, &list, &err), LIUM_OK);
	assert_int_equal(list->count, EXECUTORS);
	lium_executor_list_free(list);

	for (r = 0; r < ROUNDS; r++) {
		t = seconds();
		assert_int_equal(lium_executors_list(c, &filter, &list, &err), LIUM_OK);
		t_list[r] = seconds() - t;
		assert_int_equal(list->count, EXECUTORS);
		lium_executor_list_free(list);

		lium_buf_clear(&body);
		t = seconds();
		assert_int_equal(lium_client_request(c, "GET", "/executors?size=2000", NULL, &body,
						     NULL, &err),
				 LIUM_OK);
		t_raw[r] = seconds() - t;
		bytes = body.size;
	}
	lium_buf_dispose(&body);
	lium_client_free(c);
	sim_fixture_stop(&sim);

	printf("bench api.roundtrip: %d executors, %.2f MB per response\n", EXECUTORS,
	       (double)bytes / 1e6);
	t = median(t_list, ROUNDS);
	printf("bench api.roundtrip: lium_executors_list %.1f ms median (%.0f executors/s)\n",
	       t * 1e3, EXECUTORS / t);
	printf("bench api.roundtrip: transfer alone %.1f ms median; decoding adds %.1f ms\n",
	       median(t_raw, ROUNDS) * 1e3, (t - median(t_raw, ROUNDS)) * 1e3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench__list_2000_executors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
