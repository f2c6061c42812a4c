/*
 * Fuzz target: durations, ISO 8601 timestamps and the --until grammar.
 * Parsed values stay in their documented ranges and round-trip through the
 * formatters; errors point inside the input.
 */
#include "fuzz_common.h"

#include "lium/core.h"

/* 2026-05-21T08:00:00Z */
#define NOW INT64_C(1779350400)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	size_t len = strlen(text);
	int64_t secs = 0;
	lium_time t = 0, back = 0;
	lium_error err;
	lium_status st;
	int32_t offset = size ? (int32_t)((int)data[0] - 128) * 600 : 0;

	lium_error_clear(&err);
	st = lium_duration_parse(text, &secs, &err);
	if (st == LIUM_OK) {
		lium_buf b = LIUM_BUF_INIT;

		FUZZ_CHECK(secs > 0 && secs <= INT64_C(100) * 366 * 86400);
		FUZZ_CHECK(lium_duration_format(secs, &b) == LIUM_OK);
		lium_buf_dispose(&b);
	} else {
		FUZZ_CHECK(st == LIUM_EPARSE && err.position <= len);
	}

	lium_error_clear(&err);
	st = lium_time_parse_iso8601(text, &t, &err);
	if (st == LIUM_OK) {
		lium_buf b = LIUM_BUF_INIT;
		lium_civil c;

		lium_time_to_civil(t, &c);
		FUZZ_CHECK(lium_time_from_civil(&c) == t);
		if (lium_time_format_iso8601(t, &b) == LIUM_OK) {
			FUZZ_CHECK(lium_time_parse_iso8601(lium_buf_cstr(&b), &back, NULL) ==
				   LIUM_OK);
			FUZZ_CHECK(back == t);
		}
		lium_buf_dispose(&b);
	} else {
		FUZZ_CHECK(st == LIUM_EPARSE && err.position <= len);
	}

	lium_error_clear(&err);
	st = lium_when_parse(text, NOW, offset, &t, &err);
	if (st == LIUM_OK)
		FUZZ_CHECK(t > NOW);
	else
		FUZZ_CHECK((st == LIUM_EPARSE || st == LIUM_EVALIDATION) && err.position <= len);
	free(text);
	return 0;
}
