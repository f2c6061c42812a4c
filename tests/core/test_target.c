/*
 * Target lists: golden specs against a fixed candidate list, errors that
 * name the piece, and the pod / executor wrappers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

/* The pods of examples/pods.json (the second is named after a node's
 * HUID), plus two that make prefixes and HUIDs ambiguous and one named
 * "7". */
static const lium_target_candidate cands[] = {
	{"b1a2c3d4-e5f6-4789-8abc-def012345678", "train-llm", "cosmic-fox-79"},
	{"d4c3b2a1-0f9e-4d8c-b7a6-958473625140", "calm-fox-fa", "eager-orbit-28"},
	{"f0e1d2c3-b4a5-4697-8877-665544332211", "dind-test", "swift-orbit-8d"},
	{"b1a2ffff-0000-4000-8000-000000000001", NULL, "cosmic-fox-79"},
	{"0a0a0a0a-0000-4000-8000-000000000002", "7", NULL},
};
#define NCANDS (sizeof(cands) / sizeof(cands[0]))

typedef struct ok_case {
	const char *spec;
	size_t count;
	size_t idx[8];
} ok_case;

static const ok_case good[] = {
	{"all", 5, {0, 1, 2, 3, 4}},
	{"ALL", 5, {0, 1, 2, 3, 4}},
	{"1", 1, {0}},
	{"5", 1, {4}},
	{"1,3,5", 3, {0, 2, 4}},
	{"3,1", 2, {2, 0}},
	{"2-4", 3, {1, 2, 3}},
	{"4-4", 1, {3}},
	{"1,1,1", 1, {0}},
	{"2-3,1-2", 3, {1, 2, 0}},
	{" 2 , 1 ", 2, {1, 0}},
	{"train-llm", 1, {0}},
	{"dind-test,train-llm", 2, {2, 0}},
	{"eager-orbit-28", 1, {1}},
	{"swift-orbit-8d", 1, {2}},
	/* A name wins over somebody's HUID; here "calm-fox-fa" is only a name. */
	{"calm-fox-fa", 1, {1}},
	{"b1a2c3d4-e5f6-4789-8abc-def012345678", 1, {0}},
	{"f0e1", 1, {2}},
	{"F0E1D2", 1, {2}},
	{"b1a2c", 1, {0}},
	{"b1a2f", 1, {3}},
	/* "7" is out of range as an index but is a name. */
	{"7", 1, {4}},
	{"all,1", 5, {0, 1, 2, 3, 4}},
	{"2,all", 5, {1, 0, 2, 3, 4}},
};

static void test_target__golden_accepted(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t *idx = NULL, count = 0;
		lium_error err;

		if (lium_targets_resolve(good[i].spec, cands, NCANDS, &idx, &count, &err) !=
		    LIUM_OK)
			fail_msg("'%s' rejected: %s", good[i].spec, err.message);
		if (count != good[i].count)
			fail_msg("'%s' gave %zu targets, expected %zu", good[i].spec, count,
				 good[i].count);
		for (k = 0; k < count; k++)
			if (idx[k] != good[i].idx[k])
				fail_msg("'%s': target %zu is %zu, expected %zu", good[i].spec, k,
					 idx[k], good[i].idx[k]);
		lium_free(idx);
	}
}

typedef struct bad_case {
	const char *spec;
	lium_status st;
	size_t position;
	const char *message;
} bad_case;

static const bad_case bad[] = {
	{"", LIUM_EPARSE, 0, "empty target list at column 1"},
	{"  ", LIUM_EPARSE, 2, "empty target list"},
	{"1,,2", LIUM_EPARSE, 2, "empty piece in the target list at column 3"},
	{"1,", LIUM_EPARSE, 2, "empty piece"},
	{",1", LIUM_EPARSE, 0, "empty piece"},
	{"1, ,2", LIUM_EPARSE, 3, "empty piece"},
	{"0", LIUM_ENOTFOUND, 0, "target '0': index out of range (1..5)"},
	{"6", LIUM_ENOTFOUND, 0, "target '6': index out of range (1..5)"},
	{"1,99999999999999999999999", LIUM_ENOTFOUND, 2, "index out of range"},
	{"4-2", LIUM_EPARSE, 0, "target '4-2': reversed range"},
	{"1,3-9", LIUM_ENOTFOUND, 2, "target '3-9': range out of range (1..5)"},
	{"0-2", LIUM_ENOTFOUND, 0, "range out of range"},
	{"nope", LIUM_ENOTFOUND, 0, "target 'nope': no index, id, name, HUID or id prefix matches"},
	{"1,zz", LIUM_ENOTFOUND, 2,
	 "target 'zz': no index, id, name or HUID matches (id prefixes need 4 characters)"},
	{"b1a2", LIUM_EVALIDATION, 0, "target 'b1a2': ambiguous id prefix (2 matches)"},
	{"cosmic-fox-79", LIUM_EVALIDATION, 0,
	 "target 'cosmic-fox-79': the HUID of more than one; use the id"},
	{"1-", LIUM_ENOTFOUND, 0, "target '1-'"},
};

static void test_target__golden_rejected(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t *idx = (size_t *)&i, count = 99;
		lium_error err;
		lium_status st =
			lium_targets_resolve(bad[i].spec, cands, NCANDS, &idx, &count, &err);

		if (st != bad[i].st)
			fail_msg("'%s' gave %d, expected %d (%s)", bad[i].spec, st, bad[i].st,
				 err.message);
		assert_null(idx);
		assert_int_equal(count, 0);
		if (err.position != bad[i].position || !strstr(err.message, bad[i].message))
			fail_msg("'%s': %zu '%s', expected %zu '%s'", bad[i].spec, err.position,
				 err.message, bad[i].position, bad[i].message);
	}
}

static void test_target__empty_and_invalid(void **state)
{
	size_t *idx = NULL, count = 0;
	lium_error err;

	(void)state;
	assert_int_equal(lium_targets_resolve("all", NULL, 0, &idx, &count, &err), LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "nothing to select"));
	assert_int_equal(lium_targets_resolve("1", NULL, 0, &idx, &count, &err), LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "the list is empty"));
	assert_int_equal(lium_targets_resolve(NULL, cands, NCANDS, &idx, &count, NULL),
			 LIUM_EINVAL);
	assert_int_equal(lium_targets_resolve("1", NULL, 3, &idx, &count, NULL), LIUM_EINVAL);
	assert_int_equal(lium_targets_resolve("1", cands, NCANDS, NULL, &count, NULL), LIUM_EINVAL);
	assert_int_equal(lium_targets_resolve("1", cands, NCANDS, &idx, NULL, NULL), LIUM_EINVAL);
	assert_null(idx);
}

static void test_target__pods_and_executors(void **state)
{
	lium_pod_list *pods = NULL;
	lium_executor_list *execs = NULL;
	size_t *idx = NULL, count = 0, i;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pod_list_new(&pods), LIUM_OK);
	for (i = 0; i < 3; i++) {
		lium_pod *p;

		assert_int_equal(lium_pod_list_add(pods, &p), LIUM_OK);
		p->id = lium_strdup(cands[i].id);
		p->name = lium_strdup(cands[i].name);
		lium_pod_finish(p);
	}
	/* HUIDs come from lium_pod_finish(), computed from the ids. */
	assert_string_equal(pods->items[0]->huid, "cosmic-fox-79");
	assert_int_equal(
		lium_pod_targets_resolve("eager-orbit-28,train-llm", pods, &idx, &count, &err),
		LIUM_OK);
	assert_int_equal(count, 2);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 0);
	lium_free(idx);
	assert_int_equal(lium_pod_targets_resolve("2-3", pods, &idx, &count, &err), LIUM_OK);
	assert_int_equal(count, 2);
	lium_free(idx);
	assert_int_equal(lium_pod_targets_resolve("4", pods, &idx, &count, &err), LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "(1..3)"));
	assert_int_equal(lium_pod_targets_resolve("1", NULL, &idx, &count, &err), LIUM_EINVAL);

	assert_int_equal(lium_executor_list_new(&execs), LIUM_OK);
	{
		lium_executor *e;

		assert_int_equal(lium_executor_list_add(execs, &e), LIUM_OK);
		e->id = lium_strdup("2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10");
		lium_executor_finish(e);
		assert_int_equal(lium_executor_list_add(execs, &e), LIUM_OK);
		e->id = lium_strdup("c0ffee00-1234-4abc-8def-0123456789ab");
		lium_executor_finish(e);
	}
	assert_int_equal(lium_executor_targets_resolve("calm-fox-fa", execs, &idx, &count, &err),
			 LIUM_OK);
	assert_int_equal(count, 1);
	assert_int_equal(idx[0], 1);
	lium_free(idx);
	assert_int_equal(lium_executor_targets_resolve("2f6c,2", execs, &idx, &count, &err),
			 LIUM_OK);
	assert_int_equal(count, 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	lium_free(idx);
	assert_int_equal(lium_executor_targets_resolve("all", NULL, &idx, &count, &err),
			 LIUM_EINVAL);
	lium_pod_list_free(pods);
	lium_executor_list_free(execs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target__golden_accepted),
		cmocka_unit_test(test_target__golden_rejected),
		cmocka_unit_test(test_target__empty_and_invalid),
		cmocka_unit_test(test_target__pods_and_executors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
