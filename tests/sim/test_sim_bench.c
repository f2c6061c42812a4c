/*
 * celium-sim benchmarks (label bench): listing 2,000 executors must answer
 * in under 50 ms; 100,000 executors must load and list.  Prints figures.
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

#include "sim_test_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* A plain loop: sanitizers make strstr() scan the whole rest every call. */
static size_t count_of(const char *body, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	for (const char *p = body; *p; p++) {
		if (*p == needle[0] && strncmp(p, needle, len) == 0) {
			n++;
			p += len - 1;
		}
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void test_sim_bench__list_2000(void **state)
{
	(void)state;
	sim_fixture f;
	const char *args[] = {"--executors", "2000", NULL};
	assert_int_equal(sim_fixture_start(&f, args), 0);
	sim_http_result r;
	assert_int_equal(sim_fixture_http(&f, "GET", "/executors?size=2000", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
	assert_int_equal(json_array_size(j), 2000);
	json_decref(j);
	size_t bytes = r.body_len;
	sim_http_result_free(&r);
	enum { N = 30 };
	double ms[N];
	for (int i = 0; i < N; i++) {
		double t0 = st_now();
		assert_int_equal(
			sim_fixture_http(&f, "GET", "/executors?size=2000", NULL, NULL, &r), 0);
		ms[i] = (st_now() - t0) * 1000.0;
		assert_int_equal(r.body_len, bytes);
		sim_http_result_free(&r);
	}
	qsort(ms, N, sizeof ms[0], cmp_double);
	double median = ms[N / 2], p90 = ms[N * 9 / 10];
	printf("sim.bench: GET /executors, 2000 executors, %.2f MB: median %.1f ms, p90 %.1f ms, "
	       "max %.1f ms (limit 50 ms)\n",
	       (double)bytes / 1e6, median, p90, ms[N - 1]);
	if (SANITIZED)
		printf("sim.bench: sanitizer build: figures only, no limit\n");
	else
		assert_true(median < 50.0);
	/* the official client's filtered look-up is cheaper still */
	double t0 = st_now();
	assert_int_equal(sim_fixture_http(&f, "GET",
					  "/executors?size=1000&machine_names=NVIDIA+H100+80GB+HBM3"
					  "&gpu_count_gte=8&gpu_count_lte=8",
					  NULL, NULL, &r),
			 0);
	printf("sim.bench: filtered GET (H100, 8 GPUs): %.1f ms, %zu executors\n",
	       (st_now() - t0) * 1000.0, count_of(r.body, "\"machine_name\""));
	sim_http_result_free(&r);
	sim_fixture_stop(&f);
	assert_int_equal(f.exit_status, 0);
}

static void test_sim_bench__load_and_list_100k(void **state)
{
	(void)state;
	sim_fixture f;
	const char *args[] = {"--executors", "100000", NULL};
	double t0 = st_now();
	assert_int_equal(sim_fixture_start(&f, args), 0);
	double start_s = st_now() - t0;
	sim_http_result r;
	t0 = st_now();
	assert_int_equal(sim_fixture_http(&f, "GET", "/executors", NULL, NULL, &r), 0);
	double list_s = st_now() - t0;
	assert_int_equal(r.status, 200);
	size_t n = count_of(r.body, "\"machine_name\"");
	assert_int_equal(n, 100000);
	assert_true(r.body[0] == '[' && r.body[r.body_len - 1] == ']');
	printf("sim.bench: 100000 executors: start-up (generate + render) %.2f s, "
	       "GET /executors %.2f s, %.1f MB\n",
	       start_s, list_s, (double)r.body_len / 1e6);
	sim_http_result_free(&r);
	t0 = st_now();
	assert_int_equal(sim_fixture_http(&f, "GET", "/executors?size=1000", NULL, NULL, &r), 0);
	printf("sim.bench: 100000 executors: GET /executors?size=1000 %.1f ms\n",
	       (st_now() - t0) * 1000.0);
	assert_int_equal(count_of(r.body, "\"machine_name\""), 1000);
	sim_http_result_free(&r);
	sim_fixture_stop(&f);
	assert_int_equal(f.exit_status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_bench__list_2000),
		cmocka_unit_test(test_sim_bench__load_and_list_100k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
