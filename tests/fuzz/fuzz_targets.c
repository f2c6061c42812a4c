/*
 * Fuzz target: target lists.  A resolved list is non-empty, in range and
 * free of duplicates; an error points inside the input.
 */
#include "fuzz_common.h"

#include "lium/core.h"

static const lium_target_candidate cands[] = {
	{"b1a2c3d4-e5f6-4789-8abc-def012345678", "train-llm", "cosmic-fox-79"},
	{"d4c3b2a1-0f9e-4d8c-b7a6-958473625140", "calm-fox-fa", "eager-orbit-28"},
	{"f0e1d2c3-b4a5-4697-8877-665544332211", "dind-test", "swift-orbit-8d"},
	{"b1a2ffff-0000-4000-8000-000000000001", NULL, "cosmic-fox-79"},
	{"0a0a0a0a-0000-4000-8000-000000000002", "7", NULL},
	{NULL, NULL, NULL},
};
#define NCANDS (sizeof(cands) / sizeof(cands[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	size_t *idx = NULL, count = 0, i, j;
	lium_error err;
	lium_status st;
	/* The first byte picks how many candidates there are: 0 to all. */
	size_t n = size ? (size_t)data[0] % (NCANDS + 1) : NCANDS;

	lium_error_clear(&err);
	st = lium_targets_resolve(text, cands, n, &idx, &count, &err);
	if (st == LIUM_OK) {
		FUZZ_CHECK(idx != NULL && count >= 1 && count <= n);
		for (i = 0; i < count; i++) {
			FUZZ_CHECK(idx[i] < n);
			for (j = 0; j < i; j++)
				FUZZ_CHECK(idx[i] != idx[j]);
		}
	} else {
		FUZZ_CHECK(idx == NULL && count == 0);
		FUZZ_CHECK(err.code == st && err.message[0] != '\0');
		FUZZ_CHECK(err.position == LIUM_ERROR_NO_POSITION || err.position <= strlen(text));
	}
	lium_free(idx);
	free(text);
	return 0;
}
