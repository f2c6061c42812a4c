/*
 * Domain models: GPU type extraction (API reference, section 5.3), lists and
 * lookups, derived values, pod states, schedules, errors and the allocator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

static void test_models__gpu_type_extract(void **state)
{
	static const struct {
		const char *name, *type;
		int rule;
	} cases[] = {
		/* Machine names of examples/executors.json. */
		{"NVIDIA H100 80GB HBM3", "H100", 1},
		{"NVIDIA H200", "H200", 1},
		{"NVIDIA GeForce RTX 4090", "RTX4090", 1},
		{"NVIDIA A100-SXM4-80GB", "A100", 1},
		{"NVIDIA RTX A6000", "A6000", 1},
		/* Rule 1: RTX, optional blanks, four digits. */
		{"NVIDIA RTX 6000 Ada Generation", "RTX6000", 1},
		{"NVIDIA GeForce RTX 3090 Ti", "RTX3090", 1},
		{"rtx4090", "RTX4090", 1},
		{"RTX   5090", "RTX5090", 1},
		{"RTX 409", "409", 0},
		/* Rule 2: H/B/L, 2-3 digits, optional S; the letter keeps its case. */
		{"NVIDIA L40S", "L40S", 1},
		{"NVIDIA L40s", "L40s", 1},
		{"NVIDIA L40", "L40", 1},
		{"NVIDIA B200", "B200", 1},
		{"NVIDIA GH200 480GB", "H200", 1},
		{"nvidia h100 pcie", "h100", 1},
		{"B1000", "B100", 1},
		{"NVIDIA H100 NVL", "H100", 1},
		/* Rule 3: A, 2-4 digits. */
		{"NVIDIA A40", "A40", 1},
		{"NVIDIA A10", "A10", 1},
		{"NVIDIA A100 80GB PCIe", "A100", 1},
		/* Rule 4: the last word; empty gives Unknown. */
		{"Tesla V100-SXM2-32GB", "V100-SXM2-32GB", 0},
		{"NVIDIA L4", "L4", 0},
		{"Radeon Instinct MI300X", "MI300X", 0},
		{"  single  ", "single", 0},
		{"", "Unknown", 0},
		{"   ", "Unknown", 0},
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rule = lium_gpu_type_extract(cases[i].name, out, sizeof(out));

		if (strcmp(out, cases[i].type) != 0 || rule != cases[i].rule)
			fail_msg("'%s' gave '%s' (%d), expected '%s' (%d)", cases[i].name, out,
				 rule, cases[i].type, cases[i].rule);
	}
	assert_int_equal(lium_gpu_type_extract(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "Unknown");
	/* Truncated to the buffer. */
	assert_int_equal(lium_gpu_type_extract("NVIDIA GeForce RTX 4090", out, 4), 1);
	assert_string_equal(out, "RTX");
	assert_int_equal(lium_gpu_type_extract("x", NULL, 0), 0);
}

static void test_models__executor_finish(void **state)
{
	lium_executor_list *list = NULL;
	lium_executor *e, *f;

	(void)state;
	assert_int_equal(lium_executor_list_new(&list), LIUM_OK);
	assert_int_equal(lium_executor_list_add(list, &e), LIUM_OK);
	assert_int_equal(e->available_ports, -1);
	e->id = lium_strdup("2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10");
	e->machine_name = lium_strdup("NVIDIA H100 80GB HBM3");
	e->gpu_count = 8;
	e->price_per_gpu = 2.1;
	lium_executor_finish(e);
	assert_string_equal(e->huid, "zesty-eagle-d2");
	assert_string_equal(e->gpu_type, "H100");
	assert_true(e->price_per_hour > 16.79 && e->price_per_hour < 16.81);

	/* The machine name only yields its last word: details[0].name wins. */
	assert_int_equal(lium_executor_list_add(list, &f), LIUM_OK);
	f->id = lium_strdup("c0ffee00-1234-4abc-8def-0123456789ab");
	f->machine_name = lium_strdup("Custom Box");
	f->gpu_model = lium_strdup("NVIDIA GeForce RTX 4090");
	f->price_per_hour = 0.64;
	lium_executor_finish(f);
	assert_string_equal(f->gpu_type, "RTX4090");
	assert_int_equal(f->gpu_count, 1);
	assert_true(f->price_per_gpu > 0.639 && f->price_per_gpu < 0.641);
	assert_string_equal(f->huid, "calm-fox-fa");

	assert_ptr_equal(lium_executor_list_find(list, "calm-fox-fa"), f);
	assert_ptr_equal(lium_executor_list_find(list, "2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10"), e);
	assert_null(lium_executor_list_find(list, "2f6c"));
	assert_null(lium_executor_list_find(list, NULL));
	assert_null(lium_executor_list_find(NULL, "x"));
	lium_executor_list_free(list);
	lium_executor_list_free(NULL);
	lium_executor_finish(NULL);
}

static void test_models__pod_states(void **state)
{
	static const struct {
		const char *s;
		lium_pod_state st;
		const char *name;
	} cases[] = {
		{"RUNNING", LIUM_POD_RUNNING, "RUNNING"},
		{"running", LIUM_POD_RUNNING, "RUNNING"},
		{"Pending", LIUM_POD_PENDING, "PENDING"},
		{"STARTING", LIUM_POD_STARTING, "STARTING"},
		{"stopped", LIUM_POD_STOPPED, "STOPPED"},
		{"FAILED", LIUM_POD_FAILED, "FAILED"},
		{"DELETING", LIUM_POD_DELETING, "DELETING"},
		{"VERIFY_SUCCESS", LIUM_POD_OTHER, "OTHER"},
		{"", LIUM_POD_UNKNOWN, "UNKNOWN"},
		{NULL, LIUM_POD_UNKNOWN, "UNKNOWN"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(lium_pod_state_parse(cases[i].s), cases[i].st);
		assert_string_equal(lium_pod_state_str(cases[i].st), cases[i].name);
	}
	assert_string_equal(lium_pod_state_str((lium_pod_state)99), "UNKNOWN");
}

/* The pods of examples/pods.json. */
static lium_pod_list *example_pods(void)
{
	static const struct {
		const char *id, *name, *status, *ssh;
		lium_time removal;
	} src[] = {
		{"b1a2c3d4-e5f6-4789-8abc-def012345678", "train-llm", "RUNNING",
		 "ssh root@203.0.113.10 -p 40022", INT64_C(1779559200)},
		{"d4c3b2a1-0f9e-4d8c-b7a6-958473625140", "calm-fox-fa", "RUNNING",
		 "ssh root@192.0.2.45 -p 22022", LIUM_TIME_NONE},
		{"f0e1d2c3-b4a5-4697-8877-665544332211", "dind-test", "PENDING", NULL,
		 LIUM_TIME_NONE},
	};
	lium_pod_list *pods = NULL;
	size_t i;

	assert_int_equal(lium_pod_list_new(&pods), LIUM_OK);
	for (i = 0; i < 3; i++) {
		lium_pod *p;

		assert_int_equal(lium_pod_list_add(pods, &p), LIUM_OK);
		assert_int_equal(p->created_at, LIUM_TIME_NONE);
		assert_int_equal(p->removal_scheduled_at, LIUM_TIME_NONE);
		p->id = lium_strdup(src[i].id);
		p->name = lium_strdup(src[i].name);
		p->status = lium_strdup(src[i].status);
		p->ssh_connect_cmd = src[i].ssh ? lium_strdup(src[i].ssh) : NULL;
		p->removal_scheduled_at = src[i].removal;
		if (i == 0) {
			assert_int_equal(lium_executor_new(&p->executor), LIUM_OK);
			p->executor->gpu_count = 8;
			p->ports = lium_calloc(3, sizeof(*p->ports));
			assert_non_null(p->ports);
			p->ports[0].internal_port = 22;
			p->ports[0].external_port = 40022;
			p->ports[1].internal_port = 8000;
			p->ports[1].external_port = 40023;
			p->ports[2].internal_port = 8888;
			p->ports[2].external_port = 40024;
			p->port_count = 3;
		}
		lium_pod_finish(p);
	}
	return pods;
}

static void test_models__pods(void **state)
{
	lium_pod_list *pods = example_pods();

	(void)state;
	assert_string_equal(pods->items[0]->huid, "cosmic-fox-79");
	assert_string_equal(pods->items[1]->huid, "eager-orbit-28");
	assert_string_equal(pods->items[2]->huid, "swift-orbit-8d");
	assert_int_equal(pods->items[0]->state, LIUM_POD_RUNNING);
	assert_int_equal(pods->items[2]->state, LIUM_POD_PENDING);
	assert_int_equal(pods->items[0]->gpu_count, 8);
	assert_true(lium_pod_is_ready(pods->items[0]));
	assert_true(lium_pod_is_ready(pods->items[1]));
	assert_false(lium_pod_is_ready(pods->items[2]));
	assert_false(lium_pod_is_ready(NULL));
	assert_int_equal(lium_pod_external_port(pods->items[0], 8888), 40024);
	assert_int_equal(lium_pod_external_port(pods->items[0], 9999), 0);
	assert_int_equal(lium_pod_external_port(pods->items[1], 22), 0);
	assert_int_equal(lium_pod_external_port(NULL, 22), 0);

	/* id, then name, then HUID. */
	assert_ptr_equal(lium_pod_list_find(pods, "train-llm"), pods->items[0]);
	assert_ptr_equal(lium_pod_list_find(pods, "swift-orbit-8d"), pods->items[2]);
	assert_ptr_equal(lium_pod_list_find(pods, "d4c3b2a1-0f9e-4d8c-b7a6-958473625140"),
			 pods->items[1]);
	/* "calm-fox-fa" is pod 2's name (and no pod's HUID). */
	assert_ptr_equal(lium_pod_list_find(pods, "calm-fox-fa"), pods->items[1]);
	assert_null(lium_pod_list_find(pods, "nothing"));
	lium_pod_list_free(pods);
}

static void test_models__schedules(void **state)
{
	lium_pod_list *pods = example_pods();
	lium_schedule_list *s = NULL;
	lium_error err;

	(void)state;
	assert_int_equal(lium_schedules_from_pods(pods, &s, &err), LIUM_OK);
	assert_int_equal(s->count, 1);
	assert_string_equal(s->items[0]->pod_id, "b1a2c3d4-e5f6-4789-8abc-def012345678");
	assert_string_equal(s->items[0]->pod_name, "train-llm");
	assert_string_equal(s->items[0]->huid, "cosmic-fox-79");
	assert_string_equal(s->items[0]->status, "RUNNING");
	assert_int_equal(s->items[0]->removal_scheduled_at, INT64_C(1779559200));
	lium_schedule_list_free(s);
	assert_int_equal(lium_schedules_from_pods(NULL, &s, &err), LIUM_EINVAL);
	assert_null(s);
	assert_int_equal(lium_schedules_from_pods(pods, NULL, &err), LIUM_EINVAL);
	lium_pod_list_free(pods);
}

static void test_models__other_lists(void **state)
{
	lium_template_list *tl = NULL;
	lium_volume_list *vl = NULL;
	lium_ssh_key_list *kl = NULL;
	lium_template *t;
	lium_volume *v;
	lium_ssh_key *k;
	size_t i;

	(void)state;
	assert_int_equal(lium_template_list_new(&tl), LIUM_OK);
	assert_int_equal(lium_volume_list_new(&vl), LIUM_OK);
	assert_int_equal(lium_ssh_key_list_new(&kl), LIUM_OK);
	/* Enough items to make the lists grow several times. */
	for (i = 0; i < 40; i++) {
		char id[16], name[16];

		memcpy(id, "id-", 3);
		id[3] = (char)('a' + i % 26);
		id[4] = (char)('a' + i / 26);
		id[5] = '\0';
		memcpy(name, "name-", 5);
		memcpy(name + 5, id + 3, 3);
		assert_int_equal(lium_template_list_add(tl, &t), LIUM_OK);
		assert_int_equal(t->created_at, LIUM_TIME_NONE);
		t->id = lium_strdup(id);
		t->name = lium_strdup(name);
		lium_huid(t->id, t->huid);
		t->environment = lium_calloc(1, sizeof(*t->environment));
		t->environment[0].key = lium_strdup("K");
		t->environment[0].value = lium_strdup("V");
		t->environment_count = 1;
		t->volumes = lium_calloc(1, sizeof(char *));
		t->volumes[0] = lium_strdup("/data");
		t->volume_count = 1;
		assert_int_equal(lium_volume_list_add(vl, &v), LIUM_OK);
		v->id = lium_strdup(id);
		v->name = lium_strdup(name);
		lium_huid(v->id, v->huid);
		assert_int_equal(lium_ssh_key_list_add(kl, &k), LIUM_OK);
		k->id = lium_strdup(id);
		k->name = lium_strdup(name);
	}
	assert_int_equal(tl->count, 40);
	assert_true(tl->capacity >= 40);
	assert_ptr_equal(lium_template_list_find(tl, "id-db"), tl->items[29]);
	assert_ptr_equal(lium_template_list_find(tl, "name-db"), tl->items[29]);
	assert_ptr_equal(lium_template_list_find(tl, tl->items[7]->huid), tl->items[7]);
	assert_ptr_equal(lium_volume_list_find(vl, "name-aa"), vl->items[0]);
	assert_ptr_equal(lium_volume_list_find(vl, vl->items[39]->huid), vl->items[39]);
	assert_ptr_equal(lium_ssh_key_list_find(kl, "id-nb"), kl->items[39]);
	assert_ptr_equal(lium_ssh_key_list_find(kl, "name-nb"), kl->items[39]);
	assert_null(lium_ssh_key_list_find(kl, "zzz"));
	assert_int_equal(lium_template_list_add(NULL, &t), LIUM_EINVAL);
	assert_int_equal(lium_template_list_new(NULL), LIUM_EINVAL);
	lium_template_list_free(tl);
	lium_volume_list_free(vl);
	lium_ssh_key_list_free(kl);
}

static void test_models__standalone_objects(void **state)
{
	lium_user *u = NULL;
	lium_estimate *es = NULL;
	lium_invoice *inv = NULL;
	lium_backup_config *bc = NULL;
	lium_volume *v = NULL;
	lium_template *t = NULL;
	lium_pod *p = NULL;
	lium_ssh_key *k = NULL;

	(void)state;
	assert_int_equal(lium_user_new(&u), LIUM_OK);
	u->email = lium_strdup("user@example.com");
	u->balance = 12.5;
	lium_user_free(u);
	assert_int_equal(lium_estimate_new(&es), LIUM_OK);
	lium_estimate_free(es);
	assert_int_equal(lium_invoice_new(&inv), LIUM_OK);
	assert_int_equal(inv->expires_at, LIUM_TIME_NONE);
	lium_invoice_free(inv);
	assert_int_equal(lium_backup_config_new(&bc), LIUM_OK);
	assert_int_equal(bc->is_active, 1);
	lium_backup_config_free(bc);
	assert_int_equal(lium_volume_new(&v), LIUM_OK);
	assert_int_equal(v->last_metrics_update, LIUM_TIME_NONE);
	lium_volume_free(v);
	assert_int_equal(lium_template_new(&t), LIUM_OK);
	lium_template_free(t);
	assert_int_equal(lium_pod_new(&p), LIUM_OK);
	assert_int_equal(lium_template_new(&p->template_), LIUM_OK);
	lium_pod_free(p);
	assert_int_equal(lium_ssh_key_new(&k), LIUM_OK);
	lium_ssh_key_free(k);
	assert_int_equal(lium_user_new(NULL), LIUM_EINVAL);
	lium_user_free(NULL);
	lium_pod_free(NULL);
	lium_template_free(NULL);
}

static void test_models__errors(void **state)
{
	lium_error err;
	int code;

	(void)state;
	for (code = 0; code >= -16; code--) {
		assert_string_not_equal(lium_status_str((lium_status)code), "unknown error");
		assert_string_not_equal(lium_status_name((lium_status)code), "unknown");
	}
	assert_string_equal(lium_status_str((lium_status)-99), "unknown error");
	assert_string_equal(lium_status_name(LIUM_ENOTFOUND), "not_found");
	assert_int_equal(lium_error_set(&err, LIUM_EPARSE, "bad %s", "thing"), LIUM_EPARSE);
	assert_string_equal(err.message, "bad thing");
	assert_int_equal(err.position, LIUM_ERROR_NO_POSITION);
	assert_int_equal(lium_error_prefix(&err, "reading %s", "x"), LIUM_EPARSE);
	assert_string_equal(err.message, "reading x: bad thing");
	assert_int_equal(lium_error_set(NULL, LIUM_EIO, "ignored"), LIUM_EIO);
	lium_error_clear(&err);
	assert_int_equal(err.code, LIUM_OK);
	assert_string_equal(err.message, "");
}

/* A counting allocator: everything the models allocate goes through it and
 * is given back. */
static long live_blocks;

static void *count_malloc(size_t n, void *ud)
{
	(void)ud;
	live_blocks++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	if (!p)
		live_blocks++;
	return realloc(p, n);
}

static void count_free(void *p, void *ud)
{
	(void)ud;
	if (p)
		live_blocks--;
	free(p);
}

static void test_models__allocator_hook(void **state)
{
	lium_allocator a = {count_malloc, count_realloc, count_free, NULL};
	lium_allocator incomplete = {count_malloc, NULL, count_free, NULL};
	lium_pod_list *pods;
	lium_buf b = LIUM_BUF_INIT;

	(void)state;
	assert_int_equal(lium_allocator_set(&incomplete), LIUM_EINVAL);
	assert_int_equal(lium_allocator_set(&a), LIUM_OK);
	live_blocks = 0;
	pods = example_pods();
	assert_true(live_blocks > 10);
	lium_pod_list_free(pods);
	assert_int_equal(lium_buf_printf(&b, "%d-%s", 42, "x"), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&b), "42-x");
	lium_buf_dispose(&b);
	assert_int_equal(live_blocks, 0);
	assert_int_equal(lium_allocator_set(NULL), LIUM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_models__gpu_type_extract),
		cmocka_unit_test(test_models__executor_finish),
		cmocka_unit_test(test_models__pod_states),
		cmocka_unit_test(test_models__pods),
		cmocka_unit_test(test_models__schedules),
		cmocka_unit_test(test_models__other_lists),
		cmocka_unit_test(test_models__standalone_objects),
		cmocka_unit_test(test_models__errors),
		cmocka_unit_test(test_models__allocator_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
