/*
 * Formatting of sizes, prices and spans; parsing of sizes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

typedef lium_status (*fmt_u64)(uint64_t, lium_buf *);

static void expect_u64(fmt_u64 fn, uint64_t v, const char *want)
{
	lium_buf b = LIUM_BUF_INIT;

	assert_int_equal(fn(v, &b), LIUM_OK);
	if (strcmp(lium_buf_cstr(&b), want) != 0)
		fail_msg("%llu formatted as '%s', expected '%s'", (unsigned long long)v,
			 lium_buf_cstr(&b), want);
	lium_buf_dispose(&b);
}

static void test_format__bytes(void **state)
{
	(void)state;
	expect_u64(lium_format_bytes, 0, "0 B");
	expect_u64(lium_format_bytes, 512, "512 B");
	expect_u64(lium_format_bytes, 999, "999 B");
	expect_u64(lium_format_bytes, 1000, "1.0 KB");
	expect_u64(lium_format_bytes, 1500, "1.5 KB");
	expect_u64(lium_format_bytes, 999960000, "1.0 GB");
	expect_u64(lium_format_bytes, 9800000000ull, "9.8 GB");
	expect_u64(lium_format_bytes, 80000000000ull, "80 GB");
	expect_u64(lium_format_bytes, 512000000000ull, "512 GB");
	expect_u64(lium_format_bytes, 1200000000000ull, "1.2 TB");
	expect_u64(lium_format_bytes, 14308000000000ull, "14 TB");
	expect_u64(lium_format_bytes, UINT64_MAX, "18 EB");

	expect_u64(lium_format_bytes_iec, 0, "0 B");
	expect_u64(lium_format_bytes_iec, 1023, "1023 B");
	expect_u64(lium_format_bytes_iec, 1024, "1.0 KiB");
	expect_u64(lium_format_bytes_iec, 1610612736ull, "1.5 GiB");
	expect_u64(lium_format_bytes_iec, 85520809984ull, "80 GiB");
	expect_u64(lium_format_bytes_iec, 1073741823ull, "1.0 GiB");
	expect_u64(lium_format_bytes_iec, UINT64_MAX, "16 EiB");
	assert_int_equal(lium_format_bytes(1, NULL), LIUM_EINVAL);
	assert_int_equal(lium_format_bytes_iec(1, NULL), LIUM_EINVAL);
}

static void test_format__price(void **state)
{
	static const struct {
		double usd;
		const char *text;
	} cases[] = {
		{2.1, "$2.10"},    {16.8, "$16.80"}, {0.32, "$0.32"},
		{0.0, "$0.00"},    {0.005, "$0.01"}, {0.004, "$0.00"},
		{-0.001, "$0.00"}, {-2.5, "-$2.50"}, {1234.567, "$1234.57"},
	};
	size_t i;
	lium_buf b = LIUM_BUF_INIT;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lium_buf_clear(&b);
		assert_int_equal(lium_format_price(cases[i].usd, &b), LIUM_OK);
		assert_string_equal(lium_buf_cstr(&b), cases[i].text);
	}
	lium_buf_clear(&b);
	assert_int_equal(lium_format_price((double)NAN, &b), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "n/a");
	lium_buf_clear(&b);
	assert_int_equal(lium_format_price((double)INFINITY, &b), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "n/a");
	assert_int_equal(lium_format_price(1, NULL), LIUM_EINVAL);
	lium_buf_dispose(&b);
}

static void test_format__span(void **state)
{
	/* `lium ps` uptime: <m>m under an hour, <h.h>h under a day, <d.d>d. */
	static const struct {
		int64_t s;
		const char *text;
	} cases[] = {
		{-30, "0m"},      {0, "0m"},       {59, "0m"},       {120, "2m"},
		{3599, "59m"},    {3600, "1.0h"},  {88200, "1.0d"},  {5400, "1.5h"},
		{86399, "24.0h"}, {86400, "1.0d"}, {129600, "1.5d"}, {2116800, "24.5d"},
	};
	size_t i;
	lium_buf b = LIUM_BUF_INIT;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lium_buf_clear(&b);
		assert_int_equal(lium_format_span(cases[i].s, &b), LIUM_OK);
		if (strcmp(lium_buf_cstr(&b), cases[i].text) != 0)
			fail_msg("%lld s formatted as '%s', expected '%s'", (long long)cases[i].s,
				 lium_buf_cstr(&b), cases[i].text);
	}
	assert_int_equal(lium_format_span(1, NULL), LIUM_EINVAL);
	lium_buf_dispose(&b);
}

static void test_format__parse_bytes(void **state)
{
	static const struct {
		const char *text;
		double bytes;
	} ok[] = {
		{"80", 80},
		{"80B", 80},
		{"80GB", 80e9},
		{"80 gb", 80e9},
		{"1.5TB", 1.5e12},
		{"512MiB", 536870912},
		{"2KiB", 2048},
		{"1kb", 1000},
		{" 3 TiB ", 3298534883328.0},
		{"0.5GiB", 536870912},
		{"1PB", 1e15},
	};
	static const struct {
		const char *text;
		size_t position;
		const char *message;
	} bad[] = {
		{"", 0, "expected a size such as 80GB at column 1"},
		{"GB", 0, "expected a size"},
		{"80XB", 2, "unknown size unit 'XB' at column 3"},
		{"80 GB x", 6, "unexpected text after the size at column 7"},
		{"-1GB", 0, "expected a size"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double v = -1;
		lium_error err;

		if (lium_parse_bytes(ok[i].text, &v, &err) != LIUM_OK)
			fail_msg("'%s' rejected: %s", ok[i].text, err.message);
		if (fabs(v - ok[i].bytes) > 1e-6 * ok[i].bytes)
			fail_msg("'%s' gave %f", ok[i].text, v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = -1;
		lium_error err;

		assert_int_equal(lium_parse_bytes(bad[i].text, &v, &err), LIUM_EPARSE);
		if (err.position != bad[i].position || !strstr(err.message, bad[i].message))
			fail_msg("'%s': %zu '%s'", bad[i].text, err.position, err.message);
		assert_true(v == -1);
	}
	assert_int_equal(lium_parse_bytes(NULL, NULL, NULL), LIUM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format__bytes),
		cmocka_unit_test(test_format__price),
		cmocka_unit_test(test_format__span),
		cmocka_unit_test(test_format__parse_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
