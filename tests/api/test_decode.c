/*
 * Decoding of every Celium document into core models: golden values from
 * the fixtures, tolerance of what real servers send, and wrong types
 * rejected with their field path.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

#define T_2026_05_21_0800 1779350400
#define T_2026_05_22_0800 1779436800

static void assert_close(double a, double b)
{
	if (fabs(a - b) > 1e-9 * (fabs(a) + fabs(b) + 1))
		fail_msg("%.12g != %.12g", a, b);
}

/* --- executors ------------------------------------------------------------- */

static void test_decode__executors_fixture(void **state)
{
	size_t len;
	char *json = fixture_read("executors.json", &len);
	lium_executor_list *list = NULL;
	lium_executor *e;
	lium_error err;

	(void)state;
	assert_int_equal(lium_executors_decode(json, len, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 6);
	e = list->items[0];
	assert_string_equal(e->id, "2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10");
	assert_string_equal(e->huid, "zesty-eagle-d2");
	assert_string_equal(e->machine_name, "NVIDIA H100 80GB HBM3");
	assert_string_equal(e->gpu_type, "H100");
	assert_string_equal(e->gpu_model, "NVIDIA H100 80GB HBM3");
	assert_int_equal(e->gpu_count, 8);
	assert_close(e->price_per_gpu, 2.1);
	assert_close(e->price_per_hour, 16.8);
	assert_close(e->vram_gb, 81559.0 / 1024.0);
	assert_close(e->ram_gb, 2016.0);
	assert_close(e->disk_gb, 15002931200.0 / 1048576.0);
	assert_close(e->net_down_mbps, 2400);
	assert_close(e->net_up_mbps, 1800);
	assert_close(e->spec_down_mbps, 9100);
	assert_close(e->pcie_speed, 32000);
	assert_close(e->memory_bandwidth, 3350);
	assert_close(e->tflops, 989);
	assert_close(e->max_cuda_version, 12.8);
	assert_close(e->uptime_minutes, 43210);
	assert_string_equal(e->cuda_version, "12.8");
	assert_string_equal(e->driver_version, "570.124.06");
	assert_int_equal(e->cpu_count, 192);
	assert_string_equal(e->cpu_model, "AMD EPYC 9654 96-Core Processor");
	assert_string_equal(e->location.country, "United States");
	assert_string_equal(e->location.country_code, "US");
	assert_string_equal(e->location.region, "Virginia");
	assert_string_equal(e->location.city, "Ashburn");
	assert_true(e->location.has_coords);
	assert_close(e->location.lat, 39.04);
	assert_string_equal(e->ip_address, "203.0.113.10");
	assert_string_equal(e->status, "available");
	assert_string_equal(e->tier, "secure");
	assert_int_equal(e->docker_in_docker, 0);
	assert_int_equal(e->available_ports, 64);
	assert_string_equal(e->os, "Ubuntu 22.04.4 LTS");
	assert_int_equal(e->index, 0);

	/* The reference's HUIDs and the DinD node. */
	assert_string_equal(list->items[1]->huid, "eager-wolf-bf");
	assert_string_equal(list->items[2]->huid, "calm-fox-fa");
	assert_string_equal(list->items[2]->gpu_type, "RTX4090");
	assert_string_equal(list->items[3]->huid, "brave-comet-33");
	assert_string_equal(list->items[4]->huid, "golden-matrix-a3");
	assert_int_equal(list->items[4]->docker_in_docker, 1);
	assert_string_equal(list->items[4]->gpu_type, "A6000");
	assert_string_equal(list->items[5]->huid, "noble-raven-76");
	assert_int_equal(list->items[5]->index, 5);
	lium_executor_list_free(list);
	free(json);
}

static void test_decode__executors_tolerate_nulls_strings_and_unknown_fields(void **state)
{
	size_t len;
	char *json = fixture_read("executors-tolerant.json", &len);
	lium_executor_list *list = NULL;
	lium_error err;
	lium_executor *e;

	(void)state;
	assert_int_equal(lium_executors_decode(json, len, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 3);

	e = list->items[0]; /* machine_name "", specs null, location null */
	assert_string_equal(e->machine_name, "");
	assert_int_equal(e->gpu_count, 1);
	assert_non_null(e->gpu_type);
	assert_close(e->price_per_gpu, 0);
	assert_null(e->location.country);
	assert_int_equal(e->available_ports, -1);

	e = list->items[1]; /* numbers as strings */
	assert_close(e->price_per_gpu, 1.75);
	assert_close(e->max_cuda_version, 12.4);
	assert_int_equal(e->gpu_count, 4);
	assert_close(e->vram_gb, 81559.0 / 1024.0);
	assert_close(e->ram_gb, 1.0);
	assert_int_equal(e->available_ports, 12);
	assert_int_equal(e->docker_in_docker, 1);
	assert_close(e->price_per_hour, 7.0);

	e = list->items[2]; /* legacy total price, os as an object */
	assert_close(e->price_per_hour, 2.0);
	assert_close(e->price_per_gpu, 1.0);
	assert_null(e->os);
	assert_string_equal(e->gpu_type, "V100-SXM2-32GB");
	lium_executor_list_free(list);
	free(json);
}

static void expect_parse_error(const char *json, const char *path, const char *message)
{
	lium_executor_list *list = (lium_executor_list *)1;
	lium_error err;

	assert_int_equal(lium_executors_decode(json, strlen(json), &list, &err), LIUM_EPARSE);
	assert_null(list);
	assert_int_equal(err.code, LIUM_EPARSE);
	assert_string_equal(err.path, path);
	assert_string_equal(err.message, message);
}

static void test_decode__executors_wrong_types_name_their_path(void **state)
{
	(void)state;
	expect_parse_error("[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"},"
			   "{\"id\":\"d\",\"specs\":{\"gpu\":{\"count\":\"many\"}}}]",
			   "[3].specs.gpu.count", "[3].specs.gpu.count: expected a number");
	expect_parse_error("[{\"specs\":{\"gpu\":{\"count\":-2}}}]", "[0].specs.gpu.count",
			   "[0].specs.gpu.count: expected a non-negative integer");
	expect_parse_error("[{\"specs\":{\"gpu\":{\"count\":1.5}}}]", "[0].specs.gpu.count",
			   "[0].specs.gpu.count: expected a non-negative integer");
	expect_parse_error("[{\"id\":[1]}]", "[0].id", "[0].id: expected a string");
	expect_parse_error("[{\"location\":\"US\"}]", "[0].location",
			   "[0].location: expected an object");
	expect_parse_error("[{\"specs\":{\"gpu\":{\"details\":[{\"capacity\":true}]}}}]",
			   "[0].specs.gpu.details[0].capacity",
			   "[0].specs.gpu.details[0].capacity: expected a number");
	expect_parse_error("[{\"specs\":{\"gpu\":{\"details\":{}}}}]", "[0].specs.gpu.details",
			   "[0].specs.gpu.details: expected a list");
	expect_parse_error("[{\"specs\":{\"sysbox_runtime\":\"perhaps\"}}]",
			   "[0].specs.sysbox_runtime",
			   "[0].specs.sysbox_runtime: expected a boolean");
	expect_parse_error("[{\"id\":\"a\"}, 7]", "[1]", "[1]: expected an object");
	expect_parse_error("{\"detail\":\"x\"}", "", "expected a list");
	expect_parse_error("{\"items\":{}}", "items", "items: expected a list");
}

static void test_decode__malformed_json_reports_the_position(void **state)
{
	const char *bad = "[{\"id\":\"a\"}, {\"id\": }]";
	const char *trailing = "[{\"id\":\"a\"}] x";
	lium_executor_list *list = NULL;
	lium_error err;

	(void)state;
	assert_int_equal(lium_executors_decode(bad, strlen(bad), &list, &err), LIUM_EPARSE);
	assert_null(list);
	assert_true(err.position >= 13 && err.position <= 21);
	assert_non_null(strstr(err.message, "invalid JSON"));
	assert_int_equal(lium_executors_decode(trailing, strlen(trailing), &list, &err),
			 LIUM_EPARSE);
	assert_int_equal(err.position, 13);
	assert_int_equal(lium_executors_decode("", 0, &list, &err), LIUM_EPARSE);
	assert_int_equal(lium_executors_decode("[1,", 3, &list, &err), LIUM_EPARSE);
	assert_int_equal(lium_executors_decode("  [ ] ", 6, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 0);
	lium_executor_list_free(list);
	/* Not NUL-terminated input: only len bytes are read. */
	assert_int_equal(lium_executors_decode("[]garbage", 2, &list, &err), LIUM_OK);
	lium_executor_list_free(list);
}

static void test_decode__list_in_items_envelope(void **state)
{
	const char *doc = "{\"items\": [{\"id\": \"x\", \"machine_name\": \"NVIDIA H200\"}],"
			  " \"total\": 1}";
	lium_executor_list *list = NULL;

	(void)state;
	assert_int_equal(lium_executors_decode(doc, strlen(doc), &list, NULL), LIUM_OK);
	assert_int_equal(list->count, 1);
	assert_string_equal(list->items[0]->gpu_type, "H200");
	lium_executor_list_free(list);
}

/* --- pods ----------------------------------------------------------------------- */

static void test_decode__pods_fixture(void **state)
{
	size_t len;
	char *json = fixture_read("pods.json", &len);
	lium_pod_list *list = NULL;
	lium_pod *p;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pods_decode(json, len, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 3);
	p = list->items[0];
	assert_string_equal(p->huid, "cosmic-fox-79");
	assert_string_equal(p->name, "train-llm");
	assert_int_equal(p->state, LIUM_POD_RUNNING);
	assert_string_equal(p->ssh_connect_cmd, "ssh root@203.0.113.10 -p 40022");
	assert_int_equal(p->port_count, 3);
	assert_int_equal(p->ports[0].internal_port, 22);
	assert_int_equal(p->ports[0].external_port, 40022);
	assert_int_equal(lium_pod_external_port(p, 8888), 40024);
	assert_close(p->price_per_hour, 16.8);
	assert_int_equal(p->gpu_count, 8);
	assert_int_equal(p->created_at, T_2026_05_21_0800);
	assert_int_not_equal(p->removal_scheduled_at, LIUM_TIME_NONE);
	assert_string_equal(p->jupyter_status, "SUCCESS");
	assert_non_null(p->jupyter_url);
	assert_non_null(p->executor);
	assert_string_equal(p->executor_id, "2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10");
	/* The pod's price is the executor's price per hour and per GPU. */
	assert_close(p->executor->price_per_hour, 16.8);
	assert_close(p->executor->price_per_gpu, 2.1);
	assert_string_equal(p->executor->gpu_type, "H100");
	assert_non_null(p->template_);
	assert_string_equal(p->template_->id, "1948937e-5049-47ad-8e26-bcf1a4549d70");
	assert_string_equal(p->template_->huid, "gentle-eagle-d0");
	assert_int_equal(p->template_->internal_port_count, 2);
	assert_int_equal(p->template_->internal_ports[1], 8888);

	assert_string_equal(list->items[1]->huid, "eager-orbit-28");
	assert_close(list->items[1]->price_per_hour, 0.32);
	p = list->items[2];
	assert_string_equal(p->huid, "swift-orbit-8d");
	assert_int_equal(p->state, LIUM_POD_PENDING);
	assert_null(p->ssh_connect_cmd);
	assert_int_equal(p->port_count, 0);
	assert_int_equal(p->removal_scheduled_at, LIUM_TIME_NONE);
	assert_int_equal(p->gpu_count, 2);
	assert_close(p->executor->price_per_gpu, 0.45);
	assert_int_equal(p->template_->environment_count, 1);
	assert_string_equal(p->template_->environment[0].key, "HF_HOME");
	assert_string_equal(p->template_->environment[0].value, "/workspace/hf");
	lium_pod_list_free(list);
	free(json);
}

static void test_decode__pods_legacy_shapes(void **state)
{
	size_t len;
	char *json = fixture_read("pods-legacy.json", &len);
	lium_pod_list *list = NULL;
	lium_pod *p;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pods_decode(json, len, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 2);
	p = list->items[0];
	assert_string_equal(p->huid, "calm-orbit-e0"); /* upper-case UUID, as sent */
	assert_int_equal(p->state, LIUM_POD_RUNNING);  /* "running" */
	assert_int_equal(p->port_count, 2);            /* ports_mapping as a JSON string */
	assert_int_equal(lium_pod_external_port(p, 22), 41022);
	assert_int_equal(lium_pod_external_port(p, 8888), 41024);
	assert_close(p->price_per_hour, 3.5);
	assert_int_equal(p->gpu_count, 8); /* "8" */
	assert_string_equal(p->gpu_name, "NVIDIA H100 80GB HBM3");
	assert_null(p->executor);
	assert_string_equal(p->template_name, "Legacy template");
	assert_int_equal(p->created_at, T_2026_05_21_0800); /* naive: UTC */

	p = list->items[1];
	assert_int_equal(p->state, LIUM_POD_STARTING);
	assert_false(lium_pod_is_ready(p));
	assert_int_equal(p->port_count, 0);
	assert_non_null(p->executor);
	assert_string_equal(p->executor->machine_name, "");
	assert_int_equal(p->executor->gpu_count, 1);
	assert_close(p->executor->price_per_gpu, 1.2);
	assert_string_equal(p->executor_id, "exec-ns");
	assert_string_equal(p->template_name, "from template_name");
	assert_int_equal(p->removal_scheduled_at, 1779566400); /* -02:00 */
	lium_pod_list_free(list);
	free(json);
}

static void expect_pod_error(const char *json, const char *path, const char *message)
{
	lium_pod_list *list = NULL;
	lium_error err;

	assert_int_equal(lium_pods_decode(json, strlen(json), &list, &err), LIUM_EPARSE);
	assert_null(list);
	assert_string_equal(err.path, path);
	assert_string_equal(err.message, message);
}

static void test_decode__pods_wrong_types_name_their_path(void **state)
{
	(void)state;
	expect_pod_error("[{\"ports_mapping\":[22]}]", "[0].ports_mapping",
			 "[0].ports_mapping: expected an object");
	expect_pod_error("[{\"ports_mapping\":\"not json\"}]", "[0].ports_mapping",
			 "[0].ports_mapping: expected an object or a JSON string of one");
	expect_pod_error("[{\"ports_mapping\":{\"ssh\":22}}]", "[0].ports_mapping.ssh",
			 "[0].ports_mapping.ssh: expected a port number as key");
	expect_pod_error("[{\"ports_mapping\":{\"22\":{}}}]", "[0].ports_mapping.22",
			 "[0].ports_mapping.22: expected a number");
	expect_pod_error("[{},{\"created_at\":\"yesterday\"}]", "[1].created_at",
			 "[1].created_at: expected an ISO 8601 time");
	expect_pod_error("[{\"gpu_count\":\"eight\"}]", "[0].gpu_count",
			 "[0].gpu_count: expected a number");
	expect_pod_error("[{\"executor\":{\"specs\":{\"ram\":{\"total\":\"lots\"}}}}]",
			 "[0].executor.specs.ram.total",
			 "[0].executor.specs.ram.total: expected a number");
	expect_pod_error("[{\"template\":{\"internal_ports\":\"22\"}}]",
			 "[0].template.internal_ports",
			 "[0].template.internal_ports: expected a list");
	expect_pod_error("[{\"template\":{\"internal_ports\":[22, 70000]}}]",
			 "[0].template.internal_ports[1]",
			 "[0].template.internal_ports[1]: expected a port number");
	expect_pod_error("[{\"template\":{\"environment\":{\"A\":[1]}}}]",
			 "[0].template.environment.A",
			 "[0].template.environment.A: expected a string");
	expect_pod_error("[{\"executor\":7}]", "[0].executor", "[0].executor: expected an object");
}

static void test_decode__one_pod(void **state)
{
	const char *doc = "{\"id\":\"p1\",\"pod_name\":\"x\",\"status\":\"PENDING\","
			  "\"template_id\":\"t9\",\"gpu_count\":3}";
	lium_pod *p = NULL;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pod_decode(doc, strlen(doc), &p, &err), LIUM_OK);
	assert_string_equal(p->id, "p1");
	assert_int_equal(p->state, LIUM_POD_PENDING);
	assert_non_null(p->template_);
	assert_string_equal(p->template_->id, "t9");
	assert_int_equal(p->gpu_count, 3);
	lium_pod_free(p);
	assert_int_equal(lium_pod_decode("[1]", 3, &p, &err), LIUM_EPARSE);
	assert_null(p);
	assert_string_equal(err.message, "expected an object");
}

/* --- templates, volumes, backups, keys, user, machines ------------------------ */

static void test_decode__templates_fixture(void **state)
{
	size_t len;
	char *json = fixture_read("templates.json", &len);
	lium_template_list *list = NULL;
	lium_template *t;
	lium_error err;

	(void)state;
	assert_int_equal(lium_templates_decode(json, len, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 4);
	t = list->items[0];
	assert_string_equal(t->huid, "gentle-eagle-d0");
	assert_string_equal(t->name, "Pytorch (Cuda) 2.6.0");
	assert_string_equal(t->docker_image, "daturaai/pytorch");
	assert_string_equal(t->category, "PYTORCH");
	assert_string_equal(t->status, "VERIFY_SUCCESS");
	assert_null(t->user_id);
	assert_int_equal(t->is_private, 0);
	assert_int_equal(t->container_start_immediately, 1);
	assert_int_equal(t->volume_count, 1);
	assert_string_equal(t->volumes[0], "/workspace");
	assert_int_equal(t->environment_count, 0);
	assert_int_not_equal(t->created_at, LIUM_TIME_NONE);
	t = list->items[2];
	assert_string_equal(t->user_id, "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
	assert_string_equal(t->status, "VERIFY_PENDING");
	assert_int_equal(t->is_private, 1);
	t = list->items[3];
	assert_int_equal(t->one_time_template, 1);
	assert_string_equal(t->status, "VERIFY_FAILED");
	lium_template_list_free(list);
	free(json);
}

static void test_decode__template_defaults(void **state)
{
	const char *doc = "{\"id\":\"t\",\"name\":\"bare\",\"docker_image\":\"ubuntu\","
			  "\"environment\":{\"N\":5,\"B\":true,\"Z\":null}}";
	lium_template *t = NULL;

	(void)state;
	assert_int_equal(lium_template_decode(doc, strlen(doc), &t, NULL), LIUM_OK);
	assert_string_equal(t->docker_image_tag, "latest");
	assert_string_equal(t->category, "general");
	assert_string_equal(t->status, "unknown");
	assert_int_equal(t->container_start_immediately, 1);
	assert_int_equal(t->volume_count, 1);
	assert_string_equal(t->volumes[0], "/workspace");
	assert_int_equal(t->environment_count, 3);
	assert_string_equal(t->environment[0].value, "5");
	assert_string_equal(t->environment[1].value, "true");
	assert_string_equal(t->environment[2].value, "");
	assert_int_equal(t->created_at, LIUM_TIME_NONE);
	lium_template_free(t);
}

static void test_decode__volumes_fixture(void **state)
{
	size_t len;
	char *json = fixture_read("volumes.json", &len);
	lium_volume_list *list = NULL;
	lium_volume *v;
	lium_error err;

	(void)state;
	assert_int_equal(lium_volumes_decode(json, len, &list, &err), LIUM_OK);
	assert_int_equal(list->count, 2);
	v = list->items[0];
	assert_string_equal(v->huid, "swift-wolf-fd");
	assert_string_equal(v->name, "datasets");
	assert_int_equal(v->current_size_bytes, 53687091200LL);
	assert_int_equal(v->current_file_count, 1281167);
	assert_close(v->current_size_gb, 50.0);
	assert_int_not_equal(v->updated_at, LIUM_TIME_NONE);
	assert_int_not_equal(v->last_metrics_update, LIUM_TIME_NONE);
	v = list->items[1];
	assert_string_equal(v->huid, "brave-raven-bd");
	assert_null(v->description);
	assert_int_equal(v->current_size_bytes, 0);
	assert_int_equal(v->updated_at, LIUM_TIME_NONE);
	lium_volume_list_free(list);
	free(json);
}

static void test_decode__backups_and_restores(void **state)
{
	size_t len;
	char *json;
	lium_backup_config_list *configs = NULL;
	lium_backup_log_list *logs = NULL;
	lium_restore_log_list *restores = NULL;
	lium_error err;

	(void)state;
	json = fixture_read("backup-configs.json", &len);
	assert_int_equal(lium_backup_configs_decode(json, len, &configs, &err), LIUM_OK);
	assert_int_equal(configs->count, 2);
	assert_string_equal(configs->items[0]->huid, "noble-hawk-07");
	assert_int_equal(configs->items[0]->backup_frequency_hours, 6);
	assert_int_equal(configs->items[0]->retention_days, 7);
	assert_int_equal(configs->items[0]->is_active, 1); /* default */
	assert_string_equal(configs->items[0]->pod_executor_id,
			    "2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10");
	assert_int_equal(configs->items[1]->backup_frequency_hours, 24); /* "24" */
	assert_int_equal(configs->items[1]->is_active, 0);
	lium_backup_config_list_free(configs);
	free(json);

	json = fixture_read("backup-logs.json", &len); /* {"items": [...]} */
	assert_int_equal(lium_backup_logs_decode(json, len, &logs, &err), LIUM_OK);
	assert_int_equal(logs->count, 2);
	assert_string_equal(logs->items[0]->huid, "brave-wolf-33");
	assert_string_equal(logs->items[0]->status, "COMPLETED");
	assert_close(logs->items[0]->progress, 100);
	assert_string_equal(logs->items[0]->backup_volume_id, "vol-7d1e");
	assert_string_equal(logs->items[1]->error_message, "rsync: connection unexpectedly closed");
	assert_close(logs->items[1]->progress, 37.5);
	assert_int_equal(logs->items[1]->completed_at, LIUM_TIME_NONE);
	lium_backup_log_list_free(logs);
	free(json);

	json = fixture_read("restore-logs.json", &len); /* a bare list */
	assert_int_equal(lium_restore_logs_decode(json, len, &restores, &err), LIUM_OK);
	assert_int_equal(restores->count, 1);
	assert_close(restores->items[0]->progress, 42);
	assert_int_equal(restores->items[0]->log_count, 2);
	assert_string_equal(restores->items[0]->logs[1], "unpacking 1/3");
	assert_string_equal(restores->items[0]->restore_path, "/root");
	lium_restore_log_list_free(restores);
	free(json);

	/* The same restore log, in the envelope form. */
	json = "{\"items\":[{\"id\":\"r\",\"logs\":[\"a\"]}]}";
	assert_int_equal(lium_restore_logs_decode(json, strlen(json), &restores, &err), LIUM_OK);
	assert_int_equal(restores->count, 1);
	lium_restore_log_list_free(restores);
	json = "[{\"id\":\"r\",\"logs\":[\"a\", 2]}]";
	assert_int_equal(lium_restore_logs_decode(json, strlen(json), &restores, &err),
			 LIUM_EPARSE);
	assert_string_equal(err.path, "[0].logs[1]");
}

static void test_decode__keys_user_machines(void **state)
{
	size_t len;
	char *json;
	lium_ssh_key_list *keys = NULL;
	lium_user *u = NULL;
	lium_machine_list *machines = NULL;
	lium_error err;

	(void)state;
	json = fixture_read("ssh-keys.json", &len);
	assert_int_equal(lium_ssh_keys_decode(json, len, &keys, &err), LIUM_OK);
	assert_int_equal(keys->count, 2);
	assert_string_equal(keys->items[0]->name, "cli-alice@laptop");
	assert_int_not_equal(keys->items[0]->created_at, LIUM_TIME_NONE);
	assert_int_equal(keys->items[1]->created_at, LIUM_TIME_NONE);
	assert_null(keys->items[1]->user_id);
	lium_ssh_key_list_free(keys);
	free(json);

	json = fixture_read("users-me.json", &len);
	assert_int_equal(lium_user_decode(json, len, &u, &err), LIUM_OK);
	assert_string_equal(u->id, "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
	assert_string_equal(u->email, "alice@example.com");
	assert_close(u->balance, 42.17);
	assert_string_equal(u->stripe_customer_id, "cus_R2d2C3po0000");
	lium_user_free(u);
	free(json);
	json = "{\"id\":\"u\",\"balance\":null}";
	assert_int_equal(lium_user_decode(json, strlen(json), &u, &err), LIUM_OK);
	assert_close(u->balance, 0);
	lium_user_free(u);
	json = "{\"balance\":\"a lot\"}";
	assert_int_equal(lium_user_decode(json, strlen(json), &u, &err), LIUM_EPARSE);
	assert_string_equal(err.path, "balance");

	json = fixture_read("machines.json", &len);
	assert_int_equal(lium_machines_decode(json, len, &machines, &err), LIUM_OK);
	assert_int_equal(machines->count, 6);
	assert_string_equal(machines->items[0]->gpu_type, "H100");
	assert_string_equal(machines->items[2]->gpu_type, "RTX4090");
	assert_string_equal(machines->items[4]->gpu_type, "V100-SXM2-32GB");
	assert_non_null(machines->items[5]->gpu_type);
	lium_machine_list_free(machines);
	free(json);
	json = "[\"NVIDIA H200\"]"; /* bare names are tolerated */
	assert_int_equal(lium_machines_decode(json, strlen(json), &machines, &err), LIUM_OK);
	assert_string_equal(machines->items[0]->name, "NVIDIA H200");
	assert_string_equal(machines->items[0]->gpu_type, "H200");
	lium_machine_list_free(machines);
}

static void test_decode__invalid_arguments(void **state)
{
	lium_error err;

	(void)state;
	assert_int_equal(lium_executors_decode("[]", 2, NULL, &err), LIUM_EINVAL);
	assert_int_equal(lium_pod_decode("{}", 2, NULL, NULL), LIUM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode__executors_fixture),
		cmocka_unit_test(test_decode__executors_tolerate_nulls_strings_and_unknown_fields),
		cmocka_unit_test(test_decode__executors_wrong_types_name_their_path),
		cmocka_unit_test(test_decode__malformed_json_reports_the_position),
		cmocka_unit_test(test_decode__list_in_items_envelope),
		cmocka_unit_test(test_decode__pods_fixture),
		cmocka_unit_test(test_decode__pods_legacy_shapes),
		cmocka_unit_test(test_decode__pods_wrong_types_name_their_path),
		cmocka_unit_test(test_decode__one_pod),
		cmocka_unit_test(test_decode__templates_fixture),
		cmocka_unit_test(test_decode__template_defaults),
		cmocka_unit_test(test_decode__volumes_fixture),
		cmocka_unit_test(test_decode__backups_and_restores),
		cmocka_unit_test(test_decode__keys_user_machines),
		cmocka_unit_test(test_decode__invalid_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
