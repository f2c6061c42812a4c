/*
 * liblium-api against celium-sim over real HTTP: every endpoint, every
 * error mapping, the retry rules with the sandbox's fault injection, the
 * no-double-rent rule, batches through curl multi, and clients in parallel
 * threads.
 */
#include <jansson.h>
#include <pthread.h>
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

#define PUBKEY                                                                              \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOd7sSBs8EdgEQehHIKVJzGz+Q6IP/LuQzFwuB6MLL0O " \
	"lium-api-test"

static sim_fixture sim;
static lium_executor_list *offers; /* the sandbox's executors, listed once */
static size_t next_offer;          /* each rent takes a fresh executor */
static char template_id[64];

/* --- helpers ------------------------------------------------------------------ */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static lium_client *client_opts(const char *key, unsigned int attempts, long timeout_ms)
{
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_client *c = NULL;
	lium_error err;

	opts.base_url = sim.url;
	opts.api_key = key;
	opts.retry.max_attempts = attempts;
	opts.retry.base_delay_ms = 20;
	opts.retry.max_delay_ms = 200;
	opts.retry.max_total_ms = 20000;
	opts.timeout_ms = timeout_ms;
	opts.source = "cli";
	if (lium_client_new(&c, &opts, &err) != LIUM_OK)
		fail_msg("lium_client_new: %s", err.message);
	return c;
}

static lium_client *client(void)
{
	return client_opts(sim.api_key, 3, 10000);
}

static void control(const char *method, const char *path, const char *body)
{
	long status = 0;
	char *resp = NULL;

	if (sim_fixture_request(&sim, method, path, body, &resp, &status) != 0 || status != 200)
		fail_msg("%s %s: HTTP %ld %s", method, path, status, resp ? resp : "");
	free(resp);
}

/* How many logged requests had this method and path (and, if given, status). */
static size_t logged(const char *method, const char *path, long status)
{
	char *body = NULL;
	long http = 0;
	json_t *doc, *e;
	json_error_t jerr;
	size_t i, n = 0;

	assert_int_equal(sim_fixture_request(&sim, "GET", "/_sim/requests", NULL, &body, &http), 0);
	assert_int_equal(http, 200);
	doc = json_loads(body, 0, &jerr);
	assert_non_null(doc);
	json_array_foreach(doc, i, e)
	{
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *p = json_string_value(json_object_get(e, "path"));
		long s = (long)json_integer_value(json_object_get(e, "status"));

		if (m && p && !strcmp(m, method) && !strcmp(p, path) && (!status || s == status))
			n++;
	}
	json_decref(doc);
	free(body);
	return n;
}

static const lium_executor *fresh_offer(void)
{
	assert_true(next_offer < offers->count);
	return offers->items[next_offer++];
}

static lium_pod *rent_on(lium_client *c, const lium_executor *e, const char *name,
			 lium_status expect)
{
	lium_rent_options ro = LIUM_RENT_OPTIONS_INIT;
	const char *keys[] = {PUBKEY};
	lium_pod *pod = NULL;
	lium_error err;
	lium_status st;

	ro.pod_name = name;
	ro.template_id = template_id;
	ro.public_keys = keys;
	ro.public_key_count = 1;
	st = lium_executors_rent(c, e->id, &ro, &pod, &err);
	if (st != expect)
		fail_msg("rent: %s (expected %s)", st ? err.message : "ok",
			 lium_status_str(expect));
	return pod;
}

/* Pods of the sandbox on executor e (GET /pods through a fresh client). */
static size_t pods_on(const char *executor_id, const char *pod_id)
{
	lium_client *c = client();
	lium_pod_list *pods = NULL;
	size_t i, n = 0;

	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_OK);
	for (i = 0; i < pods->count; i++) {
		const char *ex = pods->items[i]->executor_id;

		if (ex && !strcmp(ex, executor_id)) {
			n++;
			if (pod_id)
				assert_string_equal(pods->items[i]->id, pod_id);
		}
	}
	lium_pod_list_free(pods);
	lium_client_free(c);
	return n;
}

/* --- fixtures ----------------------------------------------------------------- */

static int group_setup(void **state)
{
	static const char *const args[] = {
		"--pending-ms", "100", "--starting-ms", "100", "--deleting-ms", "100", NULL};
	lium_client *c;
	lium_template_list *tl = NULL;

	(void)state;
	if (sim_fixture_start(&sim, args) != 0)
		return -1;
	c = client();
	if (lium_executors_list(c, NULL, &offers, NULL) != LIUM_OK ||
	    lium_templates_list(c, &tl, NULL) != LIUM_OK || tl->count == 0) {
		lium_client_free(c);
		return -1;
	}
	snprintf(template_id, sizeof(template_id), "%s", tl->items[0]->id);
	lium_template_list_free(tl);
	lium_client_free(c);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	lium_executor_list_free(offers);
	sim_fixture_stop(&sim);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	control("DELETE", "/_sim/faults", NULL);
	control("DELETE", "/_sim/requests", NULL);
	return 0;
}

/* --- every endpoint ---------------------------------------------------------- */

static void test_sim__catalogue_endpoints(void **state)
{
	lium_client *c = client();
	lium_executor_list *list = NULL;
	lium_machine_list *machines = NULL;
	lium_docker_image_list *images = NULL;
	lium_estimate *est = NULL;
	lium_executor_filter filter = LIUM_EXECUTOR_FILTER_INIT;
	const char *name;
	const lium_executor *e = offers->items[0];
	size_t i;

	(void)state;
	assert_true(offers->count >= 20);
	for (i = 0; i < offers->count; i++) {
		assert_non_null(offers->items[i]->id);
		assert_true(offers->items[i]->gpu_count >= 1);
		assert_true(offers->items[i]->price_per_gpu > 0);
	}

	assert_int_equal(lium_machines_list(c, &machines, NULL), LIUM_OK);
	assert_true(machines->count > 0);
	name = e->machine_name;
	filter.machine_names = &name;
	filter.machine_name_count = 1;
	filter.gpu_count_min = e->gpu_count;
	filter.gpu_count_max = e->gpu_count;
	assert_int_equal(lium_executors_list(c, &filter, &list, NULL), LIUM_OK);
	assert_true(list->count >= 1);
	for (i = 0; i < list->count; i++) {
		assert_string_equal(list->items[i]->machine_name, name);
		assert_int_equal(list->items[i]->gpu_count, e->gpu_count);
	}
	lium_executor_list_free(list);
	lium_machine_list_free(machines);
	assert_int_equal(logged("GET", "/executors", 200), 1);

	assert_int_equal(
		lium_executors_default_images(c, e->gpu_model, e->driver_version, &images, NULL),
		LIUM_OK);
	assert_true(images->count >= 1);
	assert_non_null(images->items[0]->docker_image);
	lium_docker_image_list_free(images);

	assert_int_equal(lium_executors_estimate(c, e->id, template_id, &est, NULL), LIUM_OK);
	assert_true(est->estimated_seconds > 0);
	lium_estimate_free(est);
	lium_client_free(c);
}

static void test_sim__account_endpoints(void **state)
{
	lium_client *c = client();
	lium_user *u = NULL;
	double balance = -1;
	lium_ssh_key_list *keys = NULL;
	lium_ssh_key *key = NULL;
	lium_currency_list *cur = NULL;
	lium_invoice *inv = NULL;
	lium_buf url = LIUM_BUF_INIT;
	lium_error err;
	size_t before;

	(void)state;
	assert_int_equal(lium_users_me(c, &u, NULL), LIUM_OK);
	assert_non_null(u->id);
	assert_true(u->balance > 0);
	lium_user_free(u);
	assert_int_equal(lium_users_balance(c, &balance, NULL), LIUM_OK);
	assert_true(balance > 0);

	assert_int_equal(lium_ssh_keys_list(c, &keys, NULL), LIUM_OK);
	before = keys->count;
	lium_ssh_key_list_free(keys);
	assert_int_equal(lium_ssh_keys_add(c, "cli-test@sim", PUBKEY, &key, &err), LIUM_OK);
	assert_non_null(key->id);
	assert_string_equal(key->name, "cli-test@sim");
	assert_int_equal(lium_ssh_keys_list(c, &keys, NULL), LIUM_OK);
	assert_int_equal(keys->count, before + 1);
	assert_non_null(lium_ssh_key_list_find(keys, key->id));
	lium_ssh_key_list_free(keys);
	assert_int_equal(lium_ssh_keys_delete(c, key->id, NULL), LIUM_OK);
	lium_ssh_key_free(key);
	assert_int_equal(lium_ssh_keys_add(c, "bad", "not a key", NULL, &err), LIUM_EVALIDATION);
	assert_int_equal(err.cause, 422);
	assert_non_null(strstr(err.message, "public_key"));

	assert_int_equal(lium_payments_currencies(c, 0, &cur, NULL), LIUM_OK);
	assert_true(cur->count >= 1);
	assert_int_equal(lium_payments_create_invoice(c, 25, cur->items[0]->code,
						      cur->items[0]->network, &inv, &err),
			 LIUM_OK);
	assert_non_null(inv->invoice_id);
	assert_non_null(inv->deposit_address);
	lium_invoice_free(inv);
	lium_currency_list_free(cur);
	assert_int_equal(lium_payments_currencies(c, 1, &cur, NULL), LIUM_OK);
	assert_true(cur->count >= 1);
	lium_currency_list_free(cur);
	assert_int_equal(lium_payments_tao_transfer(c, 10, &url, &err), LIUM_OK);
	assert_non_null(strstr(lium_buf_cstr(&url), "app_id="));
	lium_buf_dispose(&url);
	lium_client_free(c);
}

static void test_sim__templates_and_volumes(void **state)
{
	lium_client *c = client();
	lium_template_spec spec = LIUM_TEMPLATE_SPEC_INIT;
	lium_template *t = NULL, *got = NULL;
	lium_template_list *tl = NULL;
	lium_volume *v = NULL;
	lium_volume_list *vl = NULL;
	lium_error err;

	(void)state;
	spec.name = "api-test-image";
	spec.docker_image = "library/python";
	spec.docker_image_tag = "3.11";
	assert_int_equal(lium_templates_create(c, &spec, &t, &err), LIUM_OK);
	assert_non_null(t->id);
	assert_int_equal(lium_templates_get(c, t->id, &got, &err), LIUM_OK);
	assert_string_equal(got->name, "api-test-image");
	assert_string_equal(got->docker_image_tag, "3.11");
	assert_int_equal(got->internal_port_count, 2);
	assert_int_equal(got->is_private, 1);
	assert_int_equal(lium_template_spec_from_template(&spec, got), LIUM_OK);
	spec.startup_commands = "python -m http.server";
	lium_template_free(t);
	assert_int_equal(lium_templates_update(c, got->id, &spec, &t, &err), LIUM_OK);
	assert_string_equal(t->startup_commands, "python -m http.server");
	assert_int_equal(lium_templates_list(c, &tl, NULL), LIUM_OK);
	assert_non_null(lium_template_list_find(tl, got->id));
	lium_template_list_free(tl);
	assert_int_equal(lium_templates_delete(c, got->id, &err), LIUM_OK);
	lium_template_free(t);
	assert_int_equal(lium_templates_get(c, got->id, &t, &err), LIUM_ENOTFOUND);
	lium_template_free(got);

	assert_int_equal(lium_volumes_create(c, "api-vol", NULL, &v, &err), LIUM_OK);
	assert_string_equal(v->name, "api-vol");
	{
		lium_volume *same = NULL;

		assert_int_equal(lium_volumes_get(c, v->id, &same, &err), LIUM_OK);
		assert_string_equal(same->id, v->id);
		assert_string_equal(same->huid, v->huid);
		lium_volume_free(same);
	}
	assert_int_equal(lium_volumes_update(c, v->id, NULL, "described", NULL, &err), LIUM_OK);
	assert_int_equal(lium_volumes_list(c, &vl, NULL), LIUM_OK);
	assert_non_null(lium_volume_list_find(vl, v->id));
	assert_string_equal(lium_volume_list_find(vl, v->id)->description, "described");
	lium_volume_list_free(vl);
	assert_int_equal(lium_volumes_delete(c, v->id, &err), LIUM_OK);
	{
		lium_volume *gone = NULL;

		assert_int_equal(lium_volumes_get(c, v->id, &gone, &err), LIUM_ENOTFOUND);
		assert_null(gone);
	}
	lium_volume_free(v);
	lium_client_free(c);
}

typedef struct collected {
	int lines;
	int stop_at;
	char first[256];
} collected;

static int on_line(const char *line, size_t len, void *userdata)
{
	collected *col = userdata;

	(void)len;
	if (!col->lines++)
		snprintf(col->first, sizeof(col->first), "%s", line);
	return col->stop_at && col->lines >= col->stop_at;
}

static void wait_backup(lium_client *c, const char *pod_id, const char *log_id)
{
	uint64_t deadline = now_ms() + 20000;

	while (now_ms() < deadline) {
		lium_backup_log_list *logs = NULL;
		struct timespec ts = {0, 50000000};
		size_t i;
		int done = 0;

		assert_int_equal(lium_backups_logs(c, pod_id, &logs, NULL), LIUM_OK);
		for (i = 0; i < logs->count; i++)
			if (!strcmp(logs->items[i]->id, log_id) && logs->items[i]->status &&
			    !strcmp(logs->items[i]->status, "COMPLETED"))
				done = 1;
		lium_backup_log_list_free(logs);
		if (done)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("backup %s did not complete", log_id);
}

static void test_sim__pod_lifecycle(void **state)
{
	lium_client *c = client();
	const lium_executor *e = fresh_offer();
	lium_pod *pod, *ready = NULL, *got = NULL, *switched = NULL;
	lium_pod_list *pods = NULL;
	lium_logs_options lo = LIUM_LOGS_OPTIONS_INIT;
	collected col;
	lium_backup_config *cfg = NULL, *cfg2 = NULL;
	lium_backup_config_list *cfgs = NULL;
	lium_restore_log_list *restores = NULL;
	lium_buf log_id = LIUM_BUF_INIT, restore_id = LIUM_BUF_INIT;
	lium_time when = (lium_time)time(NULL) + 7200;
	lium_error err;
	lium_status st;

	(void)state;
	pod = rent_on(c, e, "api-lifecycle", LIUM_OK);
	assert_non_null(pod->id);
	assert_string_equal(pod->name, "api-lifecycle");
	assert_int_equal(lium_pods_wait_ready(c, pod->id, 30000, 100, &ready, &err), LIUM_OK);
	assert_true(lium_pod_is_ready(ready));
	assert_string_equal(ready->executor_id, e->id);
	assert_true(ready->port_count >= 1);

	assert_int_equal(lium_pods_get(c, pod->id, &got, NULL), LIUM_OK);
	assert_string_equal(got->id, pod->id);
	lium_pod_free(got);
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_OK);
	assert_non_null(lium_pod_list_find(pods, pod->id));
	lium_pod_list_free(pods);

	memset(&col, 0, sizeof(col));
	assert_int_equal(lium_pods_logs(c, pod->id, &lo, on_line, &col, &err), LIUM_OK);
	assert_true(col.lines >= 1);
	assert_null(strstr(col.first, "data:"));
	/* A followed stream, stopped by the callback after its first line. */
	memset(&col, 0, sizeof(col));
	col.stop_at = 1;
	lo.follow = 1;
	lo.tail = 5;
	assert_int_equal(lium_pods_logs(c, pod->id, &lo, on_line, &col, &err), LIUM_OK);
	assert_int_equal(col.lines, 1);

	assert_int_equal(lium_pods_schedule_removal(c, pod->id, when, &err), LIUM_OK);
	assert_int_equal(lium_pods_get(c, pod->id, &got, NULL), LIUM_OK);
	assert_int_equal(got->removal_scheduled_at, when);
	lium_pod_free(got);
	assert_int_equal(lium_pods_cancel_removal(c, pod->id, &err), LIUM_OK);
	assert_int_equal(lium_pods_get(c, pod->id, &got, NULL), LIUM_OK);
	assert_int_equal(got->removal_scheduled_at, LIUM_TIME_NONE);
	lium_pod_free(got);

	assert_int_equal(lium_pods_install_jupyter(c, pod->id, 8888, &err), LIUM_OK);

	/* Backups: configure, run one, restore it. */
	assert_int_equal(lium_backups_config_create(c, pod->id, 6, 7, NULL, &cfg, &err), LIUM_OK);
	assert_int_equal(cfg->backup_frequency_hours, 6);
	st = lium_backups_config_create(c, pod->id, 6, 7, NULL, NULL, &err);
	assert_true(st == LIUM_EVALIDATION || st == LIUM_EHTTP);
	assert_non_null(strstr(err.message, "already exists"));
	assert_int_equal(lium_backups_config_get_for_pod(c, pod->id, &cfg2, &err), LIUM_OK);
	assert_string_equal(cfg2->id, cfg->id);
	lium_backup_config_free(cfg2);
	assert_int_equal(lium_backups_config_list(c, &cfgs, NULL), LIUM_OK);
	assert_true(cfgs->count >= 1);
	lium_backup_config_list_free(cfgs);
	assert_int_equal(lium_backups_now(c, pod->id, "api-backup", NULL, &log_id, &err), LIUM_OK);
	assert_true(log_id.size > 0);
	wait_backup(c, pod->id, lium_buf_cstr(&log_id));
	assert_int_equal(lium_backups_restore(c, pod->id, lium_buf_cstr(&log_id), "/root/restored",
					      &restore_id, &err),
			 LIUM_OK);
	assert_true(restore_id.size > 0);
	assert_int_equal(lium_backups_restore_logs(c, pod->id, &restores, &err), LIUM_OK);
	assert_true(restores->count >= 1);
	lium_restore_log_list_free(restores);
	assert_int_equal(lium_backups_config_delete(c, cfg->id, &err), LIUM_OK);
	assert_int_equal(lium_backups_config_get_for_pod(c, pod->id, &cfg2, &err), LIUM_ENOTFOUND);
	lium_backup_config_free(cfg);
	lium_buf_dispose(&log_id);
	lium_buf_dispose(&restore_id);

	assert_int_equal(lium_pods_switch_template(c, pod->id, template_id, &switched, &err),
			 LIUM_OK);
	assert_non_null(switched->status);
	lium_pod_free(switched);
	assert_int_equal(lium_pods_wait_ready(c, pod->id, 30000, 100, NULL, &err), LIUM_OK);
	assert_int_equal(lium_pods_reboot(c, pod->id, NULL, &err), LIUM_OK);
	assert_int_equal(lium_pods_wait_ready(c, pod->id, 30000, 100, NULL, &err), LIUM_OK);

	assert_int_equal(lium_pods_delete(c, pod->id, &err), LIUM_OK);
	lium_pod_free(pod);
	lium_pod_free(ready);
	lium_client_free(c);
}

static void test_sim__get_many_over_curl_multi(void **state)
{
	lium_client *c = client();
	lium_pod *a = rent_on(c, fresh_offer(), "many-a", LIUM_OK);
	lium_pod *b = rent_on(c, fresh_offer(), "many-b", LIUM_OK);
	const char *ids[] = {a->id, b->id, a->id, "00000000-0000-4000-8000-000000000000"};
	lium_status sts[4];
	lium_pod_list *list = NULL;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pods_get_many(c, ids, 4, &list, sts, &err), LIUM_OK);
	assert_int_equal(list->count, 3);
	assert_string_equal(list->items[0]->id, a->id);
	assert_string_equal(list->items[1]->id, b->id);
	assert_string_equal(list->items[2]->id, a->id);
	assert_int_equal(sts[3], LIUM_ENOTFOUND);
	assert_int_equal(err.cause, 404);
	lium_pod_list_free(list);
	assert_int_equal(lium_pods_get_many(c, ids, 4, &list, NULL, &err), LIUM_ENOTFOUND);
	assert_null(list);
	/* A 503 on one of them: retried on its own. */
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods/*\",\"mode\":\"status\",\"status\":503,"
		"\"count\":1}");
	assert_int_equal(lium_pods_get_many(c, ids, 3, &list, NULL, &err), LIUM_OK);
	assert_int_equal(list->count, 3);
	lium_pod_list_free(list);
	assert_int_equal(lium_pods_delete(c, a->id, NULL), LIUM_OK);
	assert_int_equal(lium_pods_delete(c, b->id, NULL), LIUM_OK);
	lium_pod_free(a);
	lium_pod_free(b);
	lium_client_free(c);
}

/* --- errors ---------------------------------------------------------------------- */

static void test_sim__error_mapping(void **state)
{
	lium_client *c = client_opts(sim.api_key, 1, 10000);
	lium_client *bad = client_opts("wrong-key", 1, 10000);
	lium_pod *pod = NULL, *p2 = NULL;
	lium_pod_list *pods = NULL;
	lium_buf out = LIUM_BUF_INIT;
	const lium_executor *e;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pods_list(bad, &pods, &err), LIUM_EAUTH);
	assert_int_equal(err.cause, 401);
	assert_null(strstr(err.message, "wrong-key"));

	assert_int_equal(lium_pods_get(c, "00000000-0000-4000-8000-000000000000", &pod, &err),
			 LIUM_ENOTFOUND);
	assert_int_equal(err.cause, 404);
	assert_non_null(strstr(err.message, "HTTP 404: "));

	/* 422 with the server's list, through the raw request. */
	assert_int_equal(lium_client_request(c, "POST", "/executors/x/rent",
					     "{\"pod_name\": \"\", \"user_public_key\": []}", &out,
					     NULL, &err),
			 LIUM_EVALIDATION);
	assert_int_equal(err.cause, 422);
	assert_non_null(strstr(err.message, "body.user_public_key"));
	lium_buf_dispose(&out);

	/* 409: the executor is already rented. */
	e = fresh_offer();
	pod = rent_on(c, e, "conflict-1", LIUM_OK);
	p2 = rent_on(c, e, "conflict-2", LIUM_EVALIDATION);
	assert_null(p2);
	assert_int_equal(pods_on(e->id, pod->id), 1);
	assert_int_equal(lium_pods_delete(c, pod->id, NULL), LIUM_OK);
	lium_pod_free(pod);

	/* Statuses and transport failures from the fault injector. */
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/users/me\",\"mode\":\"status\",\"status\":400,"
		"\"count\":1}");
	assert_int_equal(lium_users_balance(c, &(double){0}, &err), LIUM_EHTTP);
	assert_int_equal(err.cause, 400);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/users/me\",\"mode\":\"status\",\"status\":403,"
		"\"count\":1}");
	assert_int_equal(lium_users_balance(c, &(double){0}, &err), LIUM_EAUTH);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/users/me\",\"mode\":\"status\",\"status\":409,"
		"\"count\":1}");
	assert_int_equal(lium_users_balance(c, &(double){0}, &err), LIUM_EVALIDATION);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/users/me\",\"mode\":\"status\",\"status\":500,"
		"\"count\":1}");
	assert_int_equal(lium_users_balance(c, &(double){0}, &err), LIUM_EHTTP);
	assert_int_equal(err.cause, 500);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"malformed\",\"count\":1}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EPARSE);
	/* A new client: on a reused connection libcurl itself resends a GET. */
	lium_client_free(bad);
	bad = client_opts(sim.api_key, 1, 10000);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"drop\",\"count\":1}");
	assert_int_equal(lium_pods_list(bad, &pods, &err), LIUM_ENETWORK);
	assert_int_equal(err.cause, 52);
	lium_client_free(bad);

	/* A response slower than the timeout. */
	lium_client_free(c);
	c = client_opts(sim.api_key, 1, 300);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"latency\",\"latency_ms\":2000,"
		"\"count\":1}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_ETIMEOUT);
	assert_int_equal(err.cause, 28);
	lium_client_free(c);
}

static void test_sim__connection_refused(void **state)
{
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_client *c = NULL;
	lium_pod_list *pods = NULL;
	lium_error err;

	(void)state;
	/* Port 1 on loopback: nothing listens there for an unprivileged test. */
	opts.base_url = "http://127.0.0.1:1";
	opts.api_key = "k";
	opts.retry.max_attempts = 2;
	opts.retry.base_delay_ms = 10;
	assert_int_equal(lium_client_new(&c, &opts, NULL), LIUM_OK);
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_ENETWORK);
	assert_int_equal(err.cause, 7);
	assert_non_null(strstr(err.message, "(2 attempts)"));
	lium_client_free(c);
}

/* --- retries ---------------------------------------------------------------------- */

static void test_sim__retry_rules(void **state)
{
	lium_client *c = client();
	lium_pod_list *pods = NULL;
	lium_executor_list *list = NULL;
	lium_ssh_key *key = NULL;
	lium_error err;
	uint64_t t0;
	size_t count;

	(void)state;
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"status\",\"status\":503,"
		"\"count\":2}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(logged("GET", "/pods", 503), 2);
	assert_int_equal(logged("GET", "/pods", 200), 1);

	/* 502 and 504 too. */
	control("DELETE", "/_sim/requests", NULL);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"status\",\"status\":502,"
		"\"count\":1}");
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"status\",\"status\":504,"
		"\"count\":1}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(logged("GET", "/pods", 502), 1);
	assert_int_equal(logged("GET", "/pods", 504), 1);
	assert_int_equal(logged("GET", "/pods", 200), 1);

	/* Retry-After is honoured. */
	control("DELETE", "/_sim/requests", NULL);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"status\",\"status\":429,"
		"\"retry_after\":1,\"count\":1}");
	t0 = now_ms();
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_OK);
	lium_pod_list_free(pods);
	assert_true(now_ms() - t0 >= 1000);
	assert_int_equal(logged("GET", "/pods", 0), 2);

	/* A dropped connection and a cut-off body on a GET: retried. */
	assert_int_equal(lium_executors_list(c, NULL, &list, &err), LIUM_OK);
	count = list->count;
	lium_executor_list_free(list);
	control("DELETE", "/_sim/requests", NULL);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/executors\",\"mode\":\"truncate\",\"count\":1}");
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/executors\",\"mode\":\"drop\",\"count\":1}");
	assert_int_equal(lium_executors_list(c, NULL, &list, &err), LIUM_OK);
	assert_int_equal(list->count, count);
	lium_executor_list_free(list);
	assert_int_equal(logged("GET", "/executors", 0), 3);

	/* Bounded: four 503s against three attempts. */
	control("DELETE", "/_sim/requests", NULL);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"status\",\"status\":503,"
		"\"count\":4}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EHTTP);
	assert_int_equal(logged("GET", "/pods", 0), 3);
	assert_non_null(strstr(err.message, "(3 attempts)"));
	control("DELETE", "/_sim/faults", NULL);

	/* 500 is not retried. */
	control("DELETE", "/_sim/requests", NULL);
	control("POST", "/_sim/faults",
		"{\"method\":\"GET\",\"path\":\"/pods\",\"mode\":\"status\",\"status\":500,"
		"\"count\":1}");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EHTTP);
	assert_int_equal(logged("GET", "/pods", 0), 1);

	/* A POST that may have been processed is not repeated. */
	control("DELETE", "/_sim/requests", NULL);
	control("POST", "/_sim/faults",
		"{\"method\":\"POST\",\"path\":\"/ssh-keys\",\"mode\":\"status\",\"status\":503,"
		"\"count\":1}");
	assert_int_equal(lium_ssh_keys_add(c, "retry-test", PUBKEY, &key, &err), LIUM_EHTTP);
	assert_int_equal(logged("POST", "/ssh-keys", 0), 1);
	/* ...but one refused with 429 is. */
	control("POST", "/_sim/faults",
		"{\"method\":\"POST\",\"path\":\"/ssh-keys\",\"mode\":\"status\",\"status\":429,"
		"\"count\":1}");
	assert_int_equal(lium_ssh_keys_add(c, "retry-test", PUBKEY, &key, &err), LIUM_OK);
	assert_int_equal(logged("POST", "/ssh-keys", 0), 3);
	assert_int_equal(lium_ssh_keys_delete(c, key->id, NULL), LIUM_OK);
	lium_ssh_key_free(key);
	lium_client_free(c);
}

static void test_sim__rent_dropped_after_creation_makes_one_pod(void **state)
{
	lium_client *c = client();
	const lium_executor *e = fresh_offer();
	lium_pod *pod;

	(void)state;
	control("POST", "/_sim/faults",
		"{\"method\":\"POST\",\"path\":\"/executors/*/rent\",\"mode\":\"drop\","
		"\"when\":\"after\",\"count\":1}");
	pod = rent_on(c, e, "drop-after", LIUM_OK);
	assert_non_null(pod);
	assert_string_equal(pod->name, "drop-after");
	assert_int_equal(pods_on(e->id, pod->id), 1);
	{
		char path[256];

		snprintf(path, sizeof(path), "/executors/%s/rent", e->id);
		assert_int_equal(logged("POST", path, 0), 1);
	}
	assert_int_equal(lium_pods_delete(c, pod->id, NULL), LIUM_OK);
	lium_pod_free(pod);
	lium_client_free(c);
}

static void test_sim__rent_502_after_creation_makes_one_pod(void **state)
{
	lium_client *c = client();
	const lium_executor *e = fresh_offer();
	lium_pod *pod;
	char path[256];

	(void)state;
	control("POST", "/_sim/faults",
		"{\"method\":\"POST\",\"path\":\"/executors/*/rent\",\"mode\":\"status\","
		"\"status\":502,\"when\":\"after\",\"count\":1}");
	pod = rent_on(c, e, "bad-gateway-after", LIUM_OK);
	assert_int_equal(pods_on(e->id, pod->id), 1);
	snprintf(path, sizeof(path), "/executors/%s/rent", e->id);
	assert_int_equal(logged("POST", path, 0), 1);
	assert_int_equal(lium_pods_delete(c, pod->id, NULL), LIUM_OK);
	lium_pod_free(pod);
	lium_client_free(c);
}

static void test_sim__rent_502_before_creation_is_retried(void **state)
{
	lium_client *c = client();
	const lium_executor *e = fresh_offer();
	lium_pod *pod;
	char path[256];

	(void)state;
	control("POST", "/_sim/faults",
		"{\"method\":\"POST\",\"path\":\"/executors/*/rent\",\"mode\":\"status\","
		"\"status\":502,\"count\":1}");
	pod = rent_on(c, e, "bad-gateway-before", LIUM_OK);
	assert_int_equal(pods_on(e->id, pod->id), 1);
	snprintf(path, sizeof(path), "/executors/%s/rent", e->id);
	assert_int_equal(logged("POST", path, 502), 1);
	assert_int_equal(logged("POST", path, 200), 1);
	assert_int_equal(lium_pods_delete(c, pod->id, NULL), LIUM_OK);
	lium_pod_free(pod);
	lium_client_free(c);
}

static void test_sim__rent_timeout_after_creation_makes_one_pod(void **state)
{
	lium_client *c = client_opts(sim.api_key, 3, 400);
	const lium_executor *e = fresh_offer();
	lium_pod *pod;

	(void)state;
	control("POST", "/_sim/faults",
		"{\"method\":\"POST\",\"path\":\"/executors/*/rent\",\"mode\":\"latency\","
		"\"latency_ms\":1500,\"when\":\"after\",\"count\":1}");
	pod = rent_on(c, e, "slow-after", LIUM_OK);
	assert_int_equal(pods_on(e->id, pod->id), 1);
	assert_int_equal(lium_pods_delete(c, pod->id, NULL), LIUM_OK);
	lium_pod_free(pod);
	lium_client_free(c);
}

/* --- threads ------------------------------------------------------------------------ */

typedef struct worker {
	pthread_t thread;
	int ok;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	lium_client *c = client_opts(sim.api_key, 3, 10000);
	int i;

	w->ok = 1;
	for (i = 0; i < 5; i++) {
		lium_executor_list *list = NULL;
		lium_user *u = NULL;

		/* Rented executors leave the listing: compare with a bound. */
		if (lium_executors_list(c, NULL, &list, NULL) != LIUM_OK || list->count < 10 ||
		    list->count > offers->count || lium_users_me(c, &u, NULL) != LIUM_OK)
			w->ok = 0;
		lium_executor_list_free(list);
		lium_user_free(u);
	}
	lium_client_free(c);
	return NULL;
}

static void test_sim__clients_in_parallel_threads(void **state)
{
	worker w[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL, work, &w[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].thread, NULL);
		assert_true(w[i].ok);
	}
	assert_int_equal(logged("GET", "/executors", 200), 20);
}

typedef struct trace_log {
	int new_connections;
	int lines;
} trace_log;

static void count_trace(lium_trace_kind kind, const char *line, void *userdata)
{
	trace_log *t = userdata;

	t->lines++;
	if (kind == LIUM_TRACE_INFO && strstr(line, "* new connection for "))
		t->new_connections++;
	assert_null(strstr(line, sim.api_key));
}

static void test_sim__connections_reused_except_for_posts(void **state)
{
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_client *c = NULL;
	trace_log t = {0, 0};
	lium_pod_list *pods = NULL;
	lium_user *u = NULL;
	lium_ssh_key *key = NULL;
	const char *ids[] = {"00000000-0000-4000-8000-000000000001"};
	lium_status st;
	int i;

	(void)state;
	opts.base_url = sim.url;
	opts.api_key = sim.api_key;
	opts.trace = count_trace;
	opts.trace_userdata = &t;
	assert_int_equal(lium_client_new(&c, &opts, NULL), LIUM_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_OK);
		lium_pod_list_free(pods);
		assert_int_equal(lium_users_me(c, &u, NULL), LIUM_OK);
		lium_user_free(u);
	}
	assert_int_equal(t.new_connections, 1);
	/* A batch shares the client's connection cache. */
	assert_int_equal(lium_pods_get_many(c, ids, 1, &pods, &st, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_int_equal(t.new_connections, 1);
	/* A POST that must not repeat opens its own. */
	assert_int_equal(lium_ssh_keys_add(c, "reuse-test", PUBKEY, &key, NULL), LIUM_OK);
	assert_int_equal(t.new_connections, 2);
	assert_int_equal(lium_ssh_keys_delete(c, key->id, NULL), LIUM_OK);
	lium_ssh_key_free(key);
	assert_true(t.lines > 20);
	lium_client_free(c);
}

static void test_sim__headers_reach_the_server(void **state)
{
	lium_client *c = client();
	lium_user *u = NULL;
	char *body = NULL;
	long http = 0;

	(void)state;
	assert_int_equal(lium_users_me(c, &u, NULL), LIUM_OK);
	lium_user_free(u);
	assert_int_equal(sim_fixture_request(&sim, "GET", "/_sim/requests", NULL, &body, &http), 0);
	assert_non_null(strstr(body, "\"x-source\":\"cli\""));
	assert_non_null(strstr(body, "\"x-lium-client-version\":\""));
	assert_non_null(strstr(body, "\"user-agent\":\"lium/"));
	assert_non_null(strstr(body, "\"accept-encoding\":"));
	free(body);
	lium_client_free(c);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, setup)
	const struct CMUnitTest tests[] = {
		T(test_sim__catalogue_endpoints),
		T(test_sim__account_endpoints),
		T(test_sim__templates_and_volumes),
		T(test_sim__pod_lifecycle),
		T(test_sim__get_many_over_curl_multi),
		T(test_sim__error_mapping),
		T(test_sim__connection_refused),
		T(test_sim__retry_rules),
		T(test_sim__rent_dropped_after_creation_makes_one_pod),
		T(test_sim__rent_502_after_creation_makes_one_pod),
		T(test_sim__rent_502_before_creation_is_retried),
		T(test_sim__rent_timeout_after_creation_makes_one_pod),
		T(test_sim__clients_in_parallel_threads),
		T(test_sim__connections_reused_except_for_posts),
		T(test_sim__headers_reach_the_server),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
