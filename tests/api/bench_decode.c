/*
 * Benchmark: decoding a GET /executors response of 10 000 executors.
 *
 * Prints throughput (MB/s of JSON, executors/s) and the peak of live heap
 * memory while decoding, counted by an allocator installed through
 * lium_allocator_set() (liblium-*) and json_set_alloc_funcs() (jansson), and
 * fails when that peak reaches 4x the JSON size, both for the decoder alone
 * and for a whole lium_executors_list() call through the transport seam
 * (which also holds the response body).
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <lium/api.h>

#define EXECUTORS 10000
#define ROUNDS    5

/* --- a counting allocator --------------------------------------------------------- */

typedef struct counter {
	size_t live, peak, calls;
} counter;

static counter mem;

/* Each block carries its size in front, aligned for any type. */
#define HDR 16

static void *count_malloc(size_t size)
{
	unsigned char *p = malloc(size + HDR);

	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	mem.live += size;
	mem.calls++;
	if (mem.live > mem.peak)
		mem.peak = mem.live;
	return p + HDR;
}

static void count_free(void *ptr)
{
	unsigned char *p = ptr;
	size_t size;

	if (!p)
		return;
	memcpy(&size, p - HDR, sizeof(size));
	mem.live -= size;
	free(p - HDR);
}

static void *count_realloc(void *ptr, size_t size)
{
	unsigned char *p = ptr, *q;
	size_t old = 0;

	if (!p)
		return count_malloc(size);
	memcpy(&old, p - HDR, sizeof(old));
	q = realloc(p - HDR, size + HDR);
	if (!q)
		return NULL;
	memcpy(q, &size, sizeof(size));
	mem.live = mem.live - old + size;
	mem.calls++;
	if (mem.live > mem.peak)
		mem.peak = mem.live;
	return q + HDR;
}

static void *lium_malloc_hook(size_t size, void *ud)
{
	(void)ud;
	return count_malloc(size);
}

static void *lium_realloc_hook(void *ptr, size_t size, void *ud)
{
	(void)ud;
	return count_realloc(ptr, size);
}

static void lium_free_hook(void *ptr, void *ud)
{
	(void)ud;
	count_free(ptr);
}

/* --- the document ----------------------------------------------------------------- */

static const struct {
	const char *machine, *country, *code, *city;
	unsigned int gpus, capacity;
	double price;
} kinds[] = {
	{"NVIDIA H100 80GB HBM3", "United States", "US", "Ashburn", 8, 81559, 2.1},
	{"NVIDIA H200", "France", "FR", "Paris", 8, 143771, 2.95},
	{"NVIDIA GeForce RTX 4090", "Canada", "CA", "Montreal", 1, 24564, 0.32},
	{"NVIDIA A100-SXM4-80GB", "United States", "US", "Dallas", 4, 81920, 1.25},
	{"NVIDIA RTX A6000", "Germany", "DE", "Frankfurt am Main", 2, 49140, 0.45},
};

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...) LIUM_PRINTF_LIKE(4, 5);

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < *cap - *len)
			break;
		*cap *= 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	*len += (size_t)n;
}

/* A compact listing shaped like the API's (see the reference examples). */
static char *make_listing(size_t count, size_t *out_len)
{
	size_t cap = 1 << 20, len = 0, i;
	char *buf = malloc(cap);
	unsigned int g;

	assert_non_null(buf);
	put(&buf, &len, &cap, "[");
	for (i = 0; i < count; i++) {
		const unsigned int k = (unsigned int)(i % 5);

		put(&buf, &len, &cap,
		    "%s{\"id\":\"%08zx-8d3a-4b7e-9a41-%012zx\",\"machine_name\":\"%s\","
		    "\"executor_ip_address\":\"203.0.%zu.%zu\",\"price_per_gpu\":%.2f,"
		    "\"status\":\"available\",\"location\":{\"country\":\"%s\","
		    "\"country_code\":\"%s\",\"region\":\"R\",\"city\":\"%s\",\"zip\":null,"
		    "\"lat\":%.2f,\"lon\":%.2f,\"timezone\":\"UTC\"},\"specs\":{\"gpu\":{\"count\":"
		    "%u,"
		    "\"driver\":\"570.124.06\",\"details\":[",
		    i ? "," : "", i, i * 7919, kinds[k].machine, (i / 250) % 250, i % 250,
		    kinds[k].price + (double)(i % 13) * 0.01, kinds[k].country, kinds[k].code,
		    kinds[k].city, 39.0 + (double)(i % 10), -77.0 + (double)(i % 10),
		    kinds[k].gpus);
		for (g = 0; g < kinds[k].gpus; g++)
			put(&buf, &len, &cap,
			    "%s{\"name\":\"%s\",\"capacity\":%u,\"cuda\":\"12.8\",\"pcie_speed\":"
			    "32000,"
			    "\"memory_speed\":3350,\"graphics_speed\":989,\"power_limit\":700,"
			    "\"gpu_utilization\":0.0,\"memory_utilization\":0.0}",
			    g ? "," : "", kinds[k].machine, kinds[k].capacity);
		put(&buf, &len, &cap,
		    "]},\"cpu\":{\"count\":%u,\"model\":\"AMD EPYC 9654 96-Core Processor\","
		    "\"utilization\":1.5},\"ram\":{\"total\":%u,\"used\":105696460,\"free\":"
		    "2008232756,"
		    "\"available\":2008232756,\"utilization\":5.0},\"hard_disk\":{\"total\":"
		    "15002931200,"
		    "\"used\":1500293120,\"free\":13502638080,\"utilization\":10.0},\"network\":{"
		    "\"upload_speed\":9400.0,\"download_speed\":9100.0},\"os\":\"Ubuntu 22.04.4 "
		    "LTS\","
		    "\"sysbox_runtime\":%s,\"available_port_count\":64},"
		    "\"effective_upload_speed_mbps\":%u.0,\"effective_download_speed_mbps\":%u.0,"
		    "\"max_cuda_version\":12.8,\"tier\":\"%s\",\"uptime_in_minutes\":%zu}",
		    kinds[k].gpus * 24, kinds[k].gpus * 264241152u, k == 4 ? "true" : "false",
		    600 + (unsigned int)(i % 1200), 800 + (unsigned int)(i % 1600),
		    i % 3 ? "secure" : "spot", i * 3);
	}
	put(&buf, &len, &cap, "]");
	*out_len = len;
	return buf;
}

/* --- the transport seam, answering with the document ------------------------------ */

typedef struct doc {
	const char *json;
	size_t len;
} doc;

static lium_status serve(const lium_http_request *req, lium_http_response *resp, void *ud,
			 lium_error *err)
{
	const doc *d = ud;

	(void)req;
	(void)err;
	resp->status = 200;
	return lium_buf_put(&resp->body, d->json, d->len);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_bench__decode_10k_executors(void **state)
{
	lium_allocator a = {lium_malloc_hook, lium_realloc_hook, lium_free_hook, NULL};
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_client *client = NULL;
	lium_executor_list *list = NULL;
	doc d;
	size_t len, base, peak_decode, peak_call, kept;
	double best = 1e30, t;
	char *json;
	int r;

	(void)state;
	json = make_listing(EXECUTORS, &len);
	assert_int_equal(lium_allocator_set(&a), LIUM_OK);

	/* Throughput: best of a few rounds. */
	for (r = 0; r < ROUNDS; r++) {
		t = seconds();
		assert_int_equal(lium_executors_decode(json, len, &list, NULL), LIUM_OK);
		t = seconds() - t;
		assert_int_equal(list->count, EXECUTORS);
		if (t < best)
			best = t;
		lium_executor_list_free(list);
		list = NULL;
	}

	/* Peak memory of the decoder alone. */
	base = mem.live;
	mem.peak = mem.live;
	assert_int_equal(lium_executors_decode(json, len, &list, NULL), LIUM_OK);
	peak_decode = mem.peak - base;
	kept = mem.live - base;
	assert_string_equal(list->items[EXECUTORS - 1]->gpu_type, "A6000");
	lium_executor_list_free(list);
	list = NULL;

	/* Peak memory of a whole call: the response body plus the decoding. */
	d.json = json;
	d.len = len;
	opts.transport = serve;
	opts.transport_userdata = &d;
	assert_int_equal(lium_client_new(&client, &opts, NULL), LIUM_OK);
	base = mem.live;
	mem.peak = mem.live;
	assert_int_equal(lium_executors_list(client, NULL, &list, NULL), LIUM_OK);
	peak_call = mem.peak - base;
	assert_int_equal(list->count, EXECUTORS);
	lium_executor_list_free(list);
	lium_client_free(client);

	printf("bench api.decode: %d executors, %.2f MB of JSON\n", EXECUTORS, (double)len / 1e6);
	printf("bench api.decode: %.1f ms, %.1f MB/s, %.0f executors/s (best of %d)\n", best * 1e3,
	       (double)len / 1e6 / best, EXECUTORS / best, ROUNDS);
	printf("bench api.decode: peak %.2f MB = %.2fx the JSON while decoding; "
	       "result %.2f MB = %.2fx\n",
	       (double)peak_decode / 1e6, (double)peak_decode / (double)len, (double)kept / 1e6,
	       (double)kept / (double)len);
	printf("bench api.decode: peak %.2f MB = %.2fx the JSON for lium_executors_list() "
	       "(response body included)\n",
	       (double)peak_call / 1e6, (double)peak_call / (double)len);
	assert_true(peak_decode < 4 * len);
	assert_true(peak_call < 4 * len);
	assert_int_equal(lium_allocator_set(NULL), LIUM_OK);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench__decode_10k_executors),
	};

	/* Before jansson allocates anything, so every block is counted. */
	json_set_alloc_funcs(count_malloc, count_free);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
