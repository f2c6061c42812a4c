/*
 * The offer filter language: golden expressions (accepted with their
 * normalised form and the offers they select, rejected with position and
 * message) over the six offers of the reference's examples/executors.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

typedef struct offer {
	const char *id, *machine;
	unsigned int count;
	double vram_mib, ram_kib, disk_kib, down, up, price;
	const char *cc, *country, *city, *cuda, *driver, *tier;
	int dind, ports;
	double pcie, membw, tflops;
	unsigned int cpus;
	double uptime;
} offer;

/* examples/executors.json, field by field. */
static const offer offers[] = {
	{"2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10",
	 "NVIDIA H100 80GB HBM3",
	 8,
	 81559,
	 2113929216,
	 15002931200,
	 2400,
	 1800,
	 2.1,
	 "US",
	 "United States",
	 "Ashburn",
	 "12.8",
	 "570.124.06",
	 "secure",
	 0,
	 64,
	 32000,
	 3350,
	 989,
	 192,
	 43210},
	{"7a3e9d21-4c55-4f0b-8e6a-91b2c3d4e5f6",
	 "NVIDIA H200",
	 8,
	 143771,
	 2113929216,
	 30005862400,
	 900,
	 880,
	 2.95,
	 "FR",
	 "France",
	 "Paris",
	 "12.8",
	 "570.86.15",
	 "secure",
	 0,
	 32,
	 32000,
	 4800,
	 989,
	 224,
	 9000},
	{"c0ffee00-1234-4abc-8def-0123456789ab",
	 "NVIDIA GeForce RTX 4090",
	 1,
	 24564,
	 131072000,
	 1953125000,
	 850,
	 700,
	 0.32,
	 "CA",
	 "Canada",
	 "Montreal",
	 "12.4",
	 "550.54.15",
	 "spot",
	 0,
	 10,
	 16000,
	 1008,
	 83,
	 32,
	 1200},
	{"5b8d2f4a-6e1c-4d3b-a7f9-e2c4b6d8f0a1",
	 "NVIDIA A100-SXM4-80GB",
	 4,
	 81920,
	 1056964608,
	 7501465600,
	 95,
	 80,
	 1.25,
	 "US",
	 "United States",
	 "Dallas",
	 "12.2",
	 "535.183.01",
	 "secure",
	 0,
	 20,
	 32000,
	 2039,
	 312,
	 128,
	 70000},
	{"e4d3c2b1-a0f9-4e8d-9c7b-6a5f4e3d2c1b",
	 "NVIDIA RTX A6000",
	 2,
	 49140,
	 263192576,
	 3906250000,
	 620,
	 600,
	 0.45,
	 "DE",
	 "Germany",
	 "Frankfurt am Main",
	 "12.6",
	 "560.35.03",
	 "spot",
	 1,
	 15,
	 16000,
	 768,
	 39,
	 64,
	 5000},
	{"9d7e5c3a-1b2f-4a6e-8c0d-f1e2d3c4b5a6",
	 "NVIDIA GeForce RTX 4090",
	 1,
	 24564,
	 131072000,
	 1953125000,
	 870,
	 800,
	 0.32,
	 "US",
	 "United States",
	 "San Jose",
	 "12.4",
	 "550.54.15",
	 "secure",
	 0,
	 10,
	 16000,
	 1008,
	 83,
	 32,
	 800},
};
#define NOFFERS (sizeof(offers) / sizeof(offers[0]))

static int setup(void **state)
{
	lium_executor_list *list = NULL;
	size_t i;

	if (lium_executor_list_new(&list) != LIUM_OK)
		return -1;
	for (i = 0; i < NOFFERS; i++) {
		const offer *o = &offers[i];
		lium_executor *e;
		double cuda = 0;

		if (lium_executor_list_add(list, &e) != LIUM_OK)
			return -1;
		e->id = lium_strdup(o->id);
		e->machine_name = lium_strdup(o->machine);
		e->gpu_model = lium_strdup(o->machine);
		e->gpu_count = o->count;
		e->vram_gb = o->vram_mib / 1024.0;
		e->ram_gb = o->ram_kib / 1048576.0;
		e->disk_gb = o->disk_kib / 1048576.0;
		e->net_down_mbps = o->down;
		e->net_up_mbps = o->up;
		e->price_per_gpu = o->price;
		e->location.country_code = lium_strdup(o->cc);
		e->location.country = lium_strdup(o->country);
		e->location.city = lium_strdup(o->city);
		e->cuda_version = lium_strdup(o->cuda);
		sscanf(o->cuda, "%lf", &cuda);
		e->max_cuda_version = cuda;
		e->driver_version = lium_strdup(o->driver);
		e->tier = lium_strdup(o->tier);
		e->docker_in_docker = o->dind;
		e->available_ports = o->ports;
		e->pcie_speed = o->pcie;
		e->memory_bandwidth = o->membw;
		e->tflops = o->tflops;
		e->cpu_count = o->cpus;
		e->uptime_minutes = o->uptime;
		e->status = lium_strdup("available");
		lium_executor_finish(e);
	}
	*state = list;
	return 0;
}

static int teardown(void **state)
{
	lium_executor_list_free(*state);
	return 0;
}

/* Bit i set when offer i matches. */
static unsigned int selection(const lium_filter *f, const lium_executor_list *list)
{
	unsigned int mask = 0;
	size_t i;

	for (i = 0; i < list->count; i++)
		if (lium_filter_match(f, list->items[i]))
			mask |= 1u << i;
	return mask;
}

typedef struct accepted {
	const char *expr;
	const char *normal;
	unsigned int selects; /* bit i = offers[i]: H100 H200 4090CA A100 A6000 4090US */
} accepted;

static const accepted good[] = {
	{"", "", 0x3f},
	{"   ", "", 0x3f},
	{"gpu=H100", "gpu=H100", 0x01},
	{"gpu=h100", "gpu=h100", 0x01},
	{"gpu==H200", "gpu=H200", 0x02},
	{"gpu=RTX4090", "gpu=RTX4090", 0x24},
	{"gpu=rtx4090", "gpu=rtx4090", 0x24},
	{"gpu=4090", "gpu=4090", 0x24},
	{"gpu='RTX 4090'", "gpu=\"RTX 4090\"", 0x24},
	{"gpu=A6000", "gpu=A6000", 0x10},
	{"gpu=A100", "gpu=A100", 0x08},
	{"gpu=100", "gpu=100", 0x00},
	{"gpu=\"NVIDIA GeForce RTX 4090\"", "gpu=\"NVIDIA GeForce RTX 4090\"", 0x24},
	{"gpu=\"nvidia h100 80gb hbm3\"", "gpu=\"nvidia h100 80gb hbm3\"", 0x01},
	{"gpu=H*", "gpu=H*", 0x03},
	{"gpu=*A100*", "gpu=*A100*", 0x08},
	{"gpu!=4090", "gpu!=4090", 0x1b},
	{"gpu in [H100,H200]", "gpu in [H100,H200]", 0x03},
	{"gpu in[ h100 , 4090 ]", "gpu in [h100,4090]", 0x25},
	{"gpu=H100,H200", "gpu in [H100,H200]", 0x03},
	{"gpu!=H100,H200", "gpu notin [H100,H200]", 0x3c},
	{"gpu=[A6000]", "gpu in [A6000]", 0x10},
	{"gpu notin [4090, A6000]", "gpu notin [4090,A6000]", 0x0b},
	{"gpu not in [4090]", "gpu notin [4090]", 0x1b},
	{"count>=4", "count>=4", 0x0b},
	{"count >= 4", "count>=4", 0x0b},
	{"count=1", "count=1", 0x24},
	{"count in [2,4]", "count in [2,4]", 0x18},
	{"count<2", "count<2", 0x24},
	{"gpus>2", "count>2", 0x0b},
	{"price<=2.5", "price<=2.5", 0x3d},
	{"price<=$2.10", "price<=2.1", 0x3d},
	{"price<2.1", "price<2.1", 0x3c},
	{"price=0.32", "price=0.32", 0x24},
	{"price<0.5/h", "price<0.5", 0x34},
	{"price_total<=1", "price_total<=1", 0x34},
	{"price_total>=16.8", "price_total>=16.8", 0x03},
	{"vram>=80", "vram>=80", 0x0b},
	{"vram>=80GB", "vram>=80", 0x0b},
	{"vram>=80GiB", "vram>=80", 0x0b},
	{"vram>80", "vram>80", 0x02},
	{"vram=24", "vram=24", 0x24},
	{"vram<=24576MB", "vram<=24", 0x24},
	{"vram>=0.1TB", "vram>=102.4", 0x02},
	{"ram>=2TB", "ram>=2048", 0x00},
	{"ram>=2016", "ram>=2016", 0x03},
	{"ram>=1tb", "ram>=1024", 0x03},
	{"disk>=10TB", "disk>=10240", 0x03},
	{"disk<2000", "disk<2000", 0x24},
	{"cpu>=128", "cpu>=128", 0x0b},
	{"cores<64", "cpu<64", 0x24},
	{"down>=1Gbps", "down>=1000", 0x01},
	{"down>=800", "down>=800", 0x27},
	{"net_down>=0.8gbps", "down>=800", 0x27},
	{"up>=800Mbps", "up>=800", 0x23},
	{"download<100", "down<100", 0x08},
	{"pcie>=32000", "pcie>=32000", 0x0b},
	{"membw>=3000", "membw>=3000", 0x03},
	{"tflops>300", "tflops>300", 0x0b},
	{"cuda>=12.4", "cuda>=12.4", 0x37},
	{"cuda>=12.6", "cuda>=12.6", 0x13},
	{"cuda=12.8", "cuda=12.8", 0x03},
	{"cuda<12.4", "cuda<12.4", 0x08},
	{"cuda in [12.2,12.6]", "cuda in [12.2,12.6]", 0x18},
	{"driver>=560", "driver>=560", 0x13},
	{"driver>=570.100", "driver>=570.100", 0x01},
	{"driver<550.54.15", "driver<550.54.15", 0x08},
	{"driver=550.54.15", "driver=550.54.15", 0x24},
	{"country=US", "country=US", 0x29},
	{"country=us", "country=us", 0x29},
	{"country in [US,DE]", "country in [US,DE]", 0x39},
	{"country=Germany", "country=Germany", 0x10},
	{"country='united states'", "country=\"united states\"", 0x29},
	{"country notin [US]", "country notin [US]", 0x16},
	{"city=Paris", "city=Paris", 0x02},
	{"city=\"Frankfurt am Main\"", "city=\"Frankfurt am Main\"", 0x10},
	{"city=san*", "city=san*", 0x20},
	{"tier=spot", "tier=spot", 0x14},
	{"tier!=spot", "tier!=spot", 0x2b},
	{"dind", "dind=true", 0x10},
	{"dind=true", "dind=true", 0x10},
	{"dind=no", "dind=false", 0x2f},
	{"dind count=2", "dind=true count=2", 0x10},
	{"ports>=20", "ports>=20", 0x0b},
	{"uptime>=1d", "uptime>=1440", 0x1b},
	{"uptime<2h", "uptime<120", 0x00},
	{"uptime<=20h", "uptime<=1200", 0x24},
	{"huid=zesty-eagle-d2", "huid=zesty-eagle-d2", 0x01},
	{"huid in [calm-fox-fa,noble-raven-76]", "huid in [calm-fox-fa,noble-raven-76]", 0x24},
	{"id=c0ffee00-1234-4abc-8def-0123456789ab", "id=c0ffee00-1234-4abc-8def-0123456789ab",
	 0x04},
	{"id=c0ffee00*", "id=c0ffee00*", 0x04},
	{"status=available", "status=available", 0x3f},
	{"gpu=H100 count>=4 price<=2.5 vram>=80 country in [US,DE] cuda>=12.4",
	 "gpu=H100 count>=4 price<=2.5 vram>=80 country in [US,DE] cuda>=12.4", 0x01},
	{"gpu=4090 and country=US", "gpu=4090 country=US", 0x20},
	{"gpu=4090 && price<1", "gpu=4090 price<1", 0x24},
	{"  count>=2\tprice<3  ", "count>=2 price<3", 0x1b},
	{"GPU=H100 COUNT>=8", "gpu=H100 count>=8", 0x01},
	{"gpu:H200", "gpu=H200", 0x02},
	/* Numbers keep six decimals, exactly. */
	{"price<=0.3200004", "price<=0.32", 0x24},
	{"price<=0.3200005", "price<=0.320001", 0x24},
	{"vram>=1MB", "vram>=0.000977", 0x3f},
	{"down>=1kbps", "down>=0.001", 0x3f},
	{"pcie<=999999999999", "pcie<=999999999999", 0x3f},
	{"price>-1", "price>-1", 0x3f},
	{"price>=+0.5", "price>=0.5", 0x0b},
};

static void test_filter__golden_accepted(void **state)
{
	const lium_executor_list *list = *state;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		lium_filter *f = NULL, *again = NULL;
		lium_buf b = LIUM_BUF_INIT, b2 = LIUM_BUF_INIT;
		lium_error err;
		unsigned int sel;

		lium_error_clear(&err);
		if (lium_filter_parse(&f, good[i].expr, &err) != LIUM_OK)
			fail_msg("rejected '%s': %s", good[i].expr, err.message);
		assert_int_equal(lium_filter_to_string(f, &b), LIUM_OK);
		if (strcmp(lium_buf_cstr(&b), good[i].normal) != 0)
			fail_msg("'%s' normalised to '%s', expected '%s'", good[i].expr,
				 lium_buf_cstr(&b), good[i].normal);
		sel = selection(f, list);
		if (sel != good[i].selects)
			fail_msg("'%s' selects 0x%02x, expected 0x%02x", good[i].expr, sel,
				 good[i].selects);
		/* The normalised form means the same and is a fixed point. */
		assert_int_equal(lium_filter_parse(&again, lium_buf_cstr(&b), &err), LIUM_OK);
		assert_int_equal(selection(again, list), sel);
		assert_int_equal(lium_filter_to_string(again, &b2), LIUM_OK);
		assert_string_equal(lium_buf_cstr(&b2), lium_buf_cstr(&b));
		lium_buf_dispose(&b);
		lium_buf_dispose(&b2);
		lium_filter_free(f);
		lium_filter_free(again);
	}
}

typedef struct rejected {
	const char *expr;
	size_t position;
	const char *message; /* a substring of the message */
} rejected;

static const rejected bad[] = {
	{"count", 5, "expected an operator (= != < <= > >= in notin) after 'count' at column 6"},
	{"count 4", 6, "expected an operator (= != < <= > >= in notin) after 'count' at column 7"},
	{"gpu=H100 count", 14, "after 'count' at column 15"},
	{"colour=red", 0, "unknown field 'colour' at column 1 (known fields: gpu, count, price,"},
	{"gpu=H100 foo>3", 9, "unknown field 'foo' at column 10"},
	{"count>=", 7, "expected a value after the operator, found the end at column 8"},
	{"count>=four", 7, "expected a number for 'count', found 'four' at column 8"},
	{"vram>=80XB", 8, "unknown unit 'XB' for 'vram' (expected GB, TB, MB, GiB, TiB or MiB)"},
	{"down>=1GB", 7, "unknown unit 'GB' for 'down' (expected Mbps, Gbps or Kbps)"},
	{"count>=4GB", 8, "unknown unit 'GB' for 'count' (expected a plain number)"},
	{"gpu<H100", 3, "operator '<' does not apply to 'gpu' (use = != in notin)"},
	{"country>=US", 7, "operator '>=' does not apply to 'country'"},
	{"dind<1", 4, "operator '<' does not apply to 'dind'"},
	{"country in [US,DE", 17, "expected ',' or ']' to close the list opened at column 12"},
	{"country in [US DE]", 15, "expected ',' or ']' in the list, found 'D'"},
	{"country in []", 12, "expected a value in the list, found ']'"},
	{"country in [US,]", 15, "expected a value in the list, found ']'"},
	{"country in", 10, "expected a value after 'in', found the end"},
	{"gpu='H100", 4, "unterminated string at column 5"},
	{"gpu=\"H100\"x", 10, "expected a blank after the closing quote"},
	{"=H100", 0, "expected a field name such as gpu, count or price, found '='"},
	{"gpu=H100 >3", 9, "expected a field name"},
	{"count>4<5", 7, "expected a blank between conditions, found '<'"},
	{"dind=maybe", 5, "expected true or false for 'dind'"},
	{"cuda>=twelve", 6, "expected a version such as 12.4 for 'cuda'"},
	{"driver>=5x", 8, "expected a version such as 12.4 for 'driver'"},
	{"uptime>=soon", 8, "expected a duration such as 90m, 6h or 2d for 'uptime'"},
	{"count>4,5", 7, "a list of values needs = != in or notin, not '>'"},
	{"count>[4,5]", 6, "a list needs = != in or notin, not '>'"},
	{"gpu=H100 and", 9, "expected a condition after 'and'"},
	{"gpu not [H100]", 4, "expected 'in' after 'not'"},
	{"price<=$", 8, "expected a number for 'price'"},
	{"gpu=''", 4, "expected a non-empty value for 'gpu'"},
	{"pcie<=1000000000001", 6, "number too large for 'pcie' (at most 1e12)"},
	{"disk>=999999999999TB", 6, "number too large for 'disk'"},
	{"count>1e3", 7, "unknown unit 'e3' for 'count'"},
};

static void test_filter__golden_rejected(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lium_filter *f = (lium_filter *)&i;
		lium_error err;
		lium_status st;

		lium_error_clear(&err);
		st = lium_filter_parse(&f, bad[i].expr, &err);
		if (st != LIUM_EPARSE)
			fail_msg("'%s' gave status %d, expected a parse error", bad[i].expr, st);
		assert_null(f);
		assert_int_equal(err.code, LIUM_EPARSE);
		if (err.position != bad[i].position)
			fail_msg("'%s': position %zu, expected %zu (%s)", bad[i].expr, err.position,
				 bad[i].position, err.message);
		if (!strstr(err.message, bad[i].message))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].expr, err.message,
				 bad[i].message);
		/* And without an error structure: same status, no crash. */
		assert_int_equal(lium_filter_parse(&f, bad[i].expr, NULL), LIUM_EPARSE);
	}
}

static void test_filter__unknown_field_lists_all_fields(void **state)
{
	lium_filter *f = NULL;
	lium_error err;
	size_t n = 0, i;
	const char *const *names = lium_filter_fields(&n);

	(void)state;
	assert_true(n >= 23);
	assert_int_equal(lium_filter_parse(&f, "speed>3", &err), LIUM_EPARSE);
	for (i = 0; i < n; i++) {
		/* Every field appears in the message, and parses by itself. */
		char expr[64];
		lium_filter *g = NULL;

		assert_non_null(strstr(err.message, names[i]));
		snprintf(expr, sizeof(expr), "%s!=1", names[i]);
		assert_int_equal(lium_filter_parse(&g, expr, NULL), LIUM_OK);
		lium_filter_free(g);
	}
}

static void test_filter__missing_values(void **state)
{
	lium_executor *e = NULL;
	lium_filter *f = NULL;

	(void)state;
	/* An offer with nothing known: no price, CUDA, ports or driver. */
	assert_int_equal(lium_executor_new(&e), LIUM_OK);
	lium_executor_finish(e);
	assert_int_equal(lium_filter_parse(&f, "price<=100", NULL), LIUM_OK);
	assert_false(lium_filter_match(f, e));
	lium_filter_free(f);
	assert_int_equal(lium_filter_parse(&f, "price!=2", NULL), LIUM_OK);
	assert_true(lium_filter_match(f, e));
	lium_filter_free(f);
	assert_int_equal(lium_filter_parse(&f, "cuda>=1", NULL), LIUM_OK);
	assert_false(lium_filter_match(f, e));
	lium_filter_free(f);
	assert_int_equal(lium_filter_parse(&f, "driver notin [550]", NULL), LIUM_OK);
	assert_true(lium_filter_match(f, e));
	lium_filter_free(f);
	assert_int_equal(lium_filter_parse(&f, "ports>=0", NULL), LIUM_OK);
	assert_false(lium_filter_match(f, e));
	lium_filter_free(f);
	assert_int_equal(lium_filter_parse(&f, "country=US", NULL), LIUM_OK);
	assert_false(lium_filter_match(f, e));
	lium_filter_free(f);
	assert_int_equal(lium_filter_parse(&f, "gpu!=H100", NULL), LIUM_OK);
	assert_true(lium_filter_match(f, e));
	assert_false(lium_filter_match(f, NULL));
	assert_false(lium_filter_match(NULL, e));
	lium_filter_free(f);
	lium_executor_free(e);
}

static void test_filter__invalid_arguments(void **state)
{
	lium_filter *f = NULL;
	lium_buf b = LIUM_BUF_INIT;

	(void)state;
	assert_int_equal(lium_filter_parse(NULL, "gpu=H100", NULL), LIUM_EINVAL);
	assert_int_equal(lium_filter_parse(&f, NULL, NULL), LIUM_EINVAL);
	assert_null(f);
	assert_int_equal(lium_filter_to_string(NULL, &b), LIUM_EINVAL);
	lium_filter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filter__golden_accepted, setup, teardown),
		cmocka_unit_test(test_filter__golden_rejected),
		cmocka_unit_test(test_filter__unknown_field_lists_all_fields),
		cmocka_unit_test(test_filter__missing_values),
		cmocka_unit_test(test_filter__invalid_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
