/*
 * Times and durations: civil conversions over 1970-9999 and beyond, ISO 8601
 * parsing and formatting, durations, and the --until / --at grammar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

/* 2026-05-21T08:00:00Z, a Thursday. */
#define NOW INT64_C(1779350400)

static void test_time__civil_known_values(void **state)
{
	static const struct {
		lium_civil c;
		lium_time t;
	} known[] = {
		{{1970, 1, 1, 0, 0, 0}, 0},
		{{1969, 12, 31, 23, 59, 59}, -1},
		{{2000, 2, 29, 12, 0, 0}, 951825600},
		{{2000, 3, 1, 0, 0, 0}, 951868800},
		{{1900, 3, 1, 0, 0, 0}, -2203891200},
		{{2026, 5, 21, 8, 0, 0}, NOW},
		{{2038, 1, 19, 3, 14, 8}, INT64_C(2147483648)},
		{{2100, 3, 1, 0, 0, 0}, INT64_C(4107542400)},
		{{9999, 12, 31, 23, 59, 59}, INT64_C(253402300799)},
		{{1, 1, 1, 0, 0, 0}, INT64_C(-62135596800)},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		lium_civil c;

		assert_int_equal(lium_time_from_civil(&known[i].c), known[i].t);
		lium_time_to_civil(known[i].t, &c);
		assert_memory_equal(&c, &known[i].c, sizeof(c));
	}
	/* Out-of-range fields carry over arithmetically. */
	{
		lium_civil c = {2026, 13, 1, 0, 0, 0}, d = {2026, 12, 32, 0, 0, 0};
		lium_civil e = {2027, 1, 1, 0, 0, 0}, f = {2026, 0, 1, 0, 0, 0};
		lium_civil g = {2025, 12, 1, 0, 0, 0};

		assert_int_equal(lium_time_from_civil(&c), lium_time_from_civil(&e));
		assert_int_equal(lium_time_from_civil(&d), lium_time_from_civil(&e));
		assert_int_equal(lium_time_from_civil(&f), lium_time_from_civil(&g));
	}
	assert_int_equal(lium_time_from_civil(NULL), LIUM_TIME_NONE);
	lium_time_to_civil(0, NULL);
}

/* Every day from 1970 to 9999: the conversion round-trips, and successive
 * days are successive dates. */
static void test_time__civil_every_day(void **state)
{
	static const int dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t day;
	lium_civil prev;

	(void)state;
	lium_time_to_civil(0, &prev);
	for (day = 1; day <= 2932896; day++) {
		lium_civil c;
		int leap, last;

		lium_time_to_civil(day * 86400 + 3723, &c);
		assert_int_equal(c.hour, 1);
		assert_int_equal(c.minute, 2);
		assert_int_equal(c.second, 3);
		leap = (prev.year % 4 == 0 && prev.year % 100 != 0) || prev.year % 400 == 0;
		last = prev.month == 2 && leap ? 29 : dim[prev.month];
		if (prev.day < last) {
			assert_true(c.year == prev.year && c.month == prev.month &&
				    c.day == prev.day + 1);
		} else if (prev.month < 12) {
			assert_true(c.year == prev.year && c.month == prev.month + 1 && c.day == 1);
		} else {
			assert_true(c.year == prev.year + 1 && c.month == 1 && c.day == 1);
		}
		c.hour = c.minute = c.second = 0;
		assert_int_equal(lium_time_from_civil(&c), day * 86400);
		prev = c;
	}
	assert_int_equal(prev.year, 9999);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
}

static void test_time__iso_parse_accepted(void **state)
{
	static const struct {
		const char *text;
		lium_time t;
	} ok[] = {
		{"2026-05-21T08:00:00Z", NOW},
		{"2026-05-21T08:00:00z", NOW},
		{"2026-05-21t08:00:00Z", NOW},
		{"2026-05-21T08:00:00+00:00", NOW},
		{"2026-05-21T08:00:00.123456+00:00", NOW},
		{"2026-05-21T08:00:00.999999Z", NOW},
		{"2026-05-21T08:00:00,5Z", NOW},
		{"2026-05-21T08:00:00", NOW},
		{"2026-05-21 08:00:00", NOW},
		{"2026-05-21T08:00Z", NOW},
		{"  2026-05-21T08:00:00Z\n", NOW},
		{"2026-05-21T03:00:00-05:00", NOW},
		{"2026-05-21T03:00:00-0500", NOW},
		{"2026-05-21T03:00:00-05", NOW},
		{"2026-05-21T13:30:00+05:30", NOW},
		{"2026-05-21 08:00:00 +00:00", NOW},
		{"2026-05-21", NOW - 8 * 3600},
		{"1970-01-01T00:00:00Z", 0},
		{"2024-02-29T23:59:60Z", INT64_C(1709251200)},
		{"9999-12-31T23:59:59Z", INT64_C(253402300799)},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		lium_time t = 0;
		lium_error err;

		if (lium_time_parse_iso8601(ok[i].text, &t, &err) != LIUM_OK)
			fail_msg("'%s' rejected: %s", ok[i].text, err.message);
		if (t != ok[i].t)
			fail_msg("'%s' gave %lld, expected %lld", ok[i].text, (long long)t,
				 (long long)ok[i].t);
	}
}

static void test_time__iso_parse_rejected(void **state)
{
	static const struct {
		const char *text;
		size_t position;
		const char *message;
	} bad[] = {
		{"", 0, "expected a date (YYYY-MM-DD) at column 1"},
		{"yesterday", 0, "expected a four-digit year"},
		{"26-05-21", 0, "expected a four-digit year"},
		{"2026/05/21", 4, "expected '-' after the year at column 5"},
		{"2026-5-21", 5, "expected two digits of month"},
		{"2026-13-01", 5, "month out of range at column 6"},
		{"2026-02-29", 8, "day out of range at column 9"},
		{"2026-04-31", 8, "day out of range"},
		{"2026-05-21T25:00:00Z", 11, "hour out of range"},
		{"2026-05-21T08:60:00Z", 14, "minute out of range"},
		{"2026-05-21T08:00:61Z", 17, "second out of range"},
		{"2026-05-21T08", 13, "expected ':' after the hour"},
		{"2026-05-21T08:00:00+5", 20, "expected two digits of UTC offset hours"},
		{"2026-05-21T08:00:00+25:00", 19, "UTC offset out of range"},
		{"2026-05-21T08:00:00Zjunk", 20, "unexpected text after the time"},
		{"2026-05-21X", 10, "unexpected text after the time"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lium_time t = 42;
		lium_error err;

		if (lium_time_parse_iso8601(bad[i].text, &t, &err) != LIUM_EPARSE)
			fail_msg("'%s' accepted", bad[i].text);
		if (err.position != bad[i].position || !strstr(err.message, bad[i].message))
			fail_msg("'%s': %zu '%s', expected %zu '%s'", bad[i].text, err.position,
				 err.message, bad[i].position, bad[i].message);
		assert_int_equal(t, 42);
	}
	assert_int_equal(lium_time_parse_iso8601(NULL, NULL, NULL), LIUM_EINVAL);
}

static void test_time__iso_format(void **state)
{
	lium_buf b = LIUM_BUF_INIT;
	lium_time t = 0;

	(void)state;
	assert_int_equal(lium_time_format_iso8601(NOW, &b), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "2026-05-21T08:00:00+00:00");
	assert_int_equal(lium_time_parse_iso8601(lium_buf_cstr(&b), &t, NULL), LIUM_OK);
	assert_int_equal(t, NOW);
	lium_buf_clear(&b);
	assert_int_equal(lium_time_format_iso8601(-1, &b), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "1969-12-31T23:59:59+00:00");
	lium_buf_clear(&b);
	assert_int_equal(lium_time_format_iso8601(INT64_C(-62167219200), &b), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "0000-01-01T00:00:00+00:00");
	assert_int_equal(lium_time_format_iso8601(INT64_C(253402300800), &b), LIUM_EINVAL);
	assert_int_equal(lium_time_format_iso8601(INT64_C(-62167219201), &b), LIUM_EINVAL);
	assert_int_equal(lium_time_format_iso8601(LIUM_TIME_NONE, &b), LIUM_EINVAL);
	assert_int_equal(lium_time_format_iso8601(0, NULL), LIUM_EINVAL);
	lium_buf_dispose(&b);
}

static void test_time__duration_parse(void **state)
{
	static const struct {
		const char *text;
		int64_t seconds;
	} ok[] = {
		{"90m", 5400},     {"6h", 21600},        {"2d", 172800},  {"1h30m", 5400},
		{"1.5d", 129600},  {"1w", 604800},       {"45s", 45},     {"90", 5400},
		{"0.5", 30},       {"1H30M", 5400},      {" 2h ", 7200},  {"1h 30m", 5400},
		{"2 hours", 7200}, {"1day 2hrs", 93600}, {"0.1h", 360},   {"3mins", 180},
		{"1d12h", 129600}, {"100w", 60480000},   {"1.25h", 4500}, {"10sec", 10},
	};
	static const struct {
		const char *text;
		size_t position;
		const char *message;
	} bad[] = {
		{"", 0, "expected a duration"},
		{"   ", 3, "expected a duration"},
		{"h", 0, "expected a number at column 1"},
		{"5x", 1, "unknown unit 'x' at column 2 (expected s, m, h, d or w)"},
		{"1h30", 4, "expected a unit (s, m, h, d or w) at column 5"},
		{"1h-30m", 2, "expected a number after the last unit"},
		{"0m", 0, "duration must be at least one second"},
		{"0.1s", 0, "duration must be at least one second"},
		{"-5m", 0, "expected a number"},
		{"6000w", 0, "longer than 100 years"},
		{"99999999999999999999d", 0, "longer than 100 years"},
		{"1.h", 1, "expected a unit"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t s = 0;
		lium_error err;

		if (lium_duration_parse(ok[i].text, &s, &err) != LIUM_OK)
			fail_msg("'%s' rejected: %s", ok[i].text, err.message);
		if (s != ok[i].seconds)
			fail_msg("'%s' gave %lld s", ok[i].text, (long long)s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t s = -7;
		lium_error err;

		if (lium_duration_parse(bad[i].text, &s, &err) != LIUM_EPARSE)
			fail_msg("'%s' accepted", bad[i].text);
		if (err.position != bad[i].position || !strstr(err.message, bad[i].message))
			fail_msg("'%s': %zu '%s', expected %zu '%s'", bad[i].text, err.position,
				 err.message, bad[i].position, bad[i].message);
		assert_int_equal(s, -7);
	}
	assert_int_equal(lium_duration_parse(NULL, NULL, NULL), LIUM_EINVAL);
}

static void test_time__duration_format(void **state)
{
	static const struct {
		int64_t s;
		const char *text;
	} cases[] = {
		{0, "0s"},        {45, "45s"},
		{60, "1m"},       {90, "1m30s"},
		{300, "5m"},      {3600, "1h"},
		{3601, "1h"},     {5400, "1h30m"},
		{86400, "1d"},    {183600, "2d3h"},
		{90061, "1d1h"},  {-90, "-1m30s"},
		{1209600, "14d"}, {INT64_MIN, "-106751991167300d15h"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lium_buf b = LIUM_BUF_INIT;

		assert_int_equal(lium_duration_format(cases[i].s, &b), LIUM_OK);
		assert_string_equal(lium_buf_cstr(&b), cases[i].text);
		lium_buf_dispose(&b);
	}
	assert_int_equal(lium_duration_format(1, NULL), LIUM_EINVAL);
}

static void test_time__when_parse(void **state)
{
	/* now = 2026-05-21T08:00:00Z; local zones given by their offset. */
	static const struct {
		const char *text;
		int32_t offset;
		lium_time t;
	} ok[] = {
		{"90m", 3600, NOW + 5400},
		{"6h", 0, NOW + 21600},
		{"2d", -18000, NOW + 172800},
		{"1h30m", 0, NOW + 5400},
		{"1.5d", 0, NOW + 129600},
		{"in 2h", 0, NOW + 7200},
		{"23:00", 3600, NOW + 14 * 3600}, /* 23:00 CET = 22:00Z */
		{"09:30", 0, NOW + 5400},         /* later today */
		{"9:30", 0, NOW + 5400},
		{"07:00", 0, NOW + 23 * 3600}, /* passed: tomorrow */
		{"08:00", 0, NOW + 86400},     /* exactly now: tomorrow */
		{"today 23:00", 3600, NOW + 14 * 3600},
		{"TODAY 23:00:30", 0, NOW + 15 * 3600 + 30},
		{"tomorrow 09:00", 0, NOW + 25 * 3600},
		{"tomorrow 09:00", 3600, NOW + 24 * 3600},
		{"tomorrow   00:00", -18000, NOW + 21 * 3600}, /* local now 03:00 */
		{"2026-12-01", 0, INT64_C(1796083200)},
		{"2026-12-01", 3600, INT64_C(1796083200) - 3600},
		{"2026-12-01 18:00", 3600, INT64_C(1796083200) + 17 * 3600},
		{"2026-12-01T18:00", 0, INT64_C(1796083200) + 18 * 3600},
		{"2026-12-01T18:00:00+02:00", 3600, INT64_C(1796083200) + 16 * 3600},
		{"2026-12-01T18:00:00Z", -18000, INT64_C(1796083200) + 18 * 3600},
		{"2026-05-21 10:01", 7200, NOW + 60},
	};
	static const struct {
		const char *text;
		lium_status st;
		size_t position;
		const char *message;
	} bad[] = {
		{"", LIUM_EPARSE, 0, "expected a duration (90m, 1h30m), a time"},
		{"soon", LIUM_EPARSE, 0, "expected a number"},
		{"5 parsecs", LIUM_EPARSE, 2, "unknown unit 'parsecs'"},
		{"25:00", LIUM_EPARSE, 0, "hour out of range"},
		{"12:5", LIUM_EPARSE, 3, "expected two digits of minutes"},
		{"today", LIUM_EPARSE, 5, "expected a time (HH:MM)"},
		{"tomorrow 9", LIUM_EPARSE, 10, "expected ':' after the hour"},
		{"today 07:00", LIUM_EVALIDATION, 0, "is not in the future"},
		{"today 08:00", LIUM_EVALIDATION, 0, "is not in the future"},
		{"2020-01-01", LIUM_EVALIDATION, 0, "is not in the future"},
		{"2026-05-21T08:00:00Z", LIUM_EVALIDATION, 0, "is not in the future"},
		{"2026-02-30", LIUM_EPARSE, 8, "day out of range"},
		{"23:00 tomorrow", LIUM_EPARSE, 5, "unexpected text after the time"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		lium_time t = 0;
		lium_error err;

		if (lium_when_parse(ok[i].text, NOW, ok[i].offset, &t, &err) != LIUM_OK)
			fail_msg("'%s' rejected: %s", ok[i].text, err.message);
		if (t != ok[i].t)
			fail_msg("'%s' (offset %d) gave %lld, expected %lld", ok[i].text,
				 (int)ok[i].offset, (long long)t, (long long)ok[i].t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lium_time t = 0;
		lium_error err;
		lium_status st = lium_when_parse(bad[i].text, NOW, 0, &t, &err);

		if (st != bad[i].st)
			fail_msg("'%s' gave %d, expected %d", bad[i].text, st, bad[i].st);
		if (err.position != bad[i].position || !strstr(err.message, bad[i].message))
			fail_msg("'%s': %zu '%s', expected %zu '%s'", bad[i].text, err.position,
				 err.message, bad[i].position, bad[i].message);
	}
	{
		lium_time t;

		assert_int_equal(lium_when_parse("1h", LIUM_TIME_NONE, 0, &t, NULL), LIUM_EINVAL);
		assert_int_equal(lium_when_parse("1h", NOW, 90000, &t, NULL), LIUM_EINVAL);
		assert_int_equal(lium_when_parse(NULL, NOW, 0, &t, NULL), LIUM_EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time__civil_known_values),
		cmocka_unit_test(test_time__civil_every_day),
		cmocka_unit_test(test_time__iso_parse_accepted),
		cmocka_unit_test(test_time__iso_parse_rejected),
		cmocka_unit_test(test_time__iso_format),
		cmocka_unit_test(test_time__duration_parse),
		cmocka_unit_test(test_time__duration_format),
		cmocka_unit_test(test_time__when_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
