/*
 * Request building for every endpoint (method, path, query, headers, body),
 * the error mapping, trace redaction and the client options, through the
 * transport seam.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

#define BASE "https://api.test/api"
#define KEY  "sk-test-SECRET-0123456789"

typedef struct fixture {
	fake f;
	lium_client *c;
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fake_init(&fx->f);
	fx->c = fake_client(&fx->f);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	lium_client_free(fx->c);
	fake_free(&fx->f);
	free(fx);
	return 0;
}

/* Request i was `method url` with `body` (NULL: none sent). */
static void expect_request(const fake *f, size_t i, const char *method, const char *url,
			   const char *body)
{
	assert_true(i < f->nreqs);
	assert_string_equal(f->reqs[i].method, method);
	assert_string_equal(f->reqs[i].url, url);
	if (body) {
		assert_non_null(f->reqs[i].body);
		assert_string_equal(f->reqs[i].body, body);
		assert_true(fake_has_header(f, i, "Content-Type: application/json"));
	} else {
		assert_null(f->reqs[i].body);
		assert_false(fake_has_header(f, i, "Content-Type: application/json"));
	}
}

/* --- headers and options ----------------------------------------------------- */

static void test_client__default_headers(void **state)
{
	fixture *fx = *state;
	lium_pod_list *pods = NULL;
	char line[128];

	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_pods_list(fx->c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	expect_request(&fx->f, 0, "GET", BASE "/pods", NULL);
	assert_true(fake_has_header(&fx->f, 0, "X-API-KEY: " KEY));
	assert_true(fake_has_header(&fx->f, 0, "X-Source: sdk"));
	snprintf(line, sizeof(line), "X-Lium-Client-Version: %s", lium_api_version());
	assert_true(fake_has_header(&fx->f, 0, line));
	snprintf(line, sizeof(line), "User-Agent: lium/%s", lium_api_version());
	assert_true(fake_has_header(&fx->f, 0, line));
	assert_int_equal(fx->f.reqs[0].timeout_ms, 30000);
}

static void test_client__custom_options(void **state)
{
	fake f;
	lium_client_options opts;
	lium_client *c = NULL;
	lium_user *u = NULL;

	(void)state;
	fake_init(&f);
	fake_options(&f, &opts);
	opts.base_url = "http://127.0.0.1:1234/api///";
	opts.api_key = "k";
	opts.source = "cli";
	opts.client_version = "9.9.9";
	opts.user_agent = "my-tool/1.0";
	opts.timeout_ms = 1500;
	assert_int_equal(lium_client_new(&c, &opts, NULL), LIUM_OK);
	assert_string_equal(lium_client_base_url(c), "http://127.0.0.1:1234/api");
	fake_reply_fixture(&f, 200, "users-me.json");
	assert_int_equal(lium_users_me(c, &u, NULL), LIUM_OK);
	lium_user_free(u);
	expect_request(&f, 0, "GET", "http://127.0.0.1:1234/api/users/me", NULL);
	assert_true(fake_has_header(&f, 0, "X-API-KEY: k"));
	assert_true(fake_has_header(&f, 0, "X-Source: cli"));
	assert_true(fake_has_header(&f, 0, "X-Lium-Client-Version: 9.9.9"));
	assert_true(fake_has_header(&f, 0, "User-Agent: my-tool/1.0"));
	assert_int_equal(f.reqs[0].timeout_ms, 1500);
	lium_client_free(c);
	fake_free(&f);
}

static void test_client__no_key_sends_no_key_header(void **state)
{
	fake f;
	lium_client_options opts;
	lium_client *c = NULL;
	lium_pod_list *pods = NULL;

	(void)state;
	fake_init(&f);
	fake_options(&f, &opts);
	assert_int_equal(lium_client_new(&c, &opts, NULL), LIUM_OK);
	fake_reply(&f, 200, "[]");
	assert_int_equal(lium_pods_list(c, &pods, NULL), LIUM_OK);
	lium_pod_list_free(pods);
	assert_null(strstr(f.reqs[0].headers, "X-API-KEY"));
	lium_client_free(c);
	fake_free(&f);
}

static void test_client__invalid_options(void **state)
{
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_client *c = (lium_client *)1;
	lium_error err;

	(void)state;
	assert_int_equal(lium_client_new(NULL, &opts, &err), LIUM_EINVAL);
	opts.base_url = "ftp://example.com";
	assert_int_equal(lium_client_new(&c, &opts, &err), LIUM_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.message, "ftp://example.com"));
	opts.base_url = NULL;
	opts.version = 99;
	assert_int_equal(lium_client_new(&c, &opts, &err), LIUM_EINVAL);
	opts.version = LIUM_CLIENT_OPTIONS_VERSION;
	opts.api_key = "abc\r\nX-Evil: 1";
	assert_int_equal(lium_client_new(&c, &opts, &err), LIUM_EINVAL);
	assert_null(strstr(err.message, "abc"));
	lium_client_free(NULL);
	assert_string_equal(lium_client_base_url(NULL), "");
}

static void test_client__default_base_url(void **state)
{
	lium_client *c = NULL;

	(void)state;
	assert_int_equal(lium_client_new(&c, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_client_base_url(c), LIUM_DEFAULT_BASE_URL);
	lium_client_free(c);
}

/* --- executors --------------------------------------------------------------- */

static void test_client__executors_query(void **state)
{
	fixture *fx = *state;
	lium_executor_filter filter = LIUM_EXECUTOR_FILTER_INIT;
	const char *names[] = {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe"};
	lium_executor_list *list = NULL;

	fake_reply_fixture(&fx->f, 200, "executors.json");
	assert_int_equal(lium_executors_list(fx->c, NULL, &list, NULL), LIUM_OK);
	assert_int_equal(list->count, 6);
	lium_executor_list_free(list);
	expect_request(&fx->f, 0, "GET", BASE "/executors?size=1000", NULL);

	filter.machine_names = names;
	filter.machine_name_count = 2;
	filter.gpu_count_min = 8;
	filter.gpu_count_max = 8;
	filter.has_location = 1;
	filter.lat = 37.77;
	filter.lon = -122.42;
	filter.max_distance_mile = 500;
	filter.price_min = 1.5;
	filter.price_max = 20;
	filter.size = 50;
	filter.page = 2;
	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_executors_list(fx->c, &filter, &list, NULL), LIUM_OK);
	assert_int_equal(list->count, 0);
	lium_executor_list_free(list);
	expect_request(&fx->f, 1, "GET",
		       BASE
		       "/executors?size=50&machine_names=NVIDIA+H100+80GB+HBM3%2CNVIDIA+H100+"
		       "PCIe&gpu_count_gte=8&gpu_count_lte=8&lat=37.77&lon=-122.42"
		       "&max_distance_mile=500&price_per_hour_gte=1.5&price_per_hour_lte=20&page=2",
		       NULL);
}

static void test_client__machines_images_estimate(void **state)
{
	fixture *fx = *state;
	lium_machine_list *machines = NULL;
	lium_docker_image_list *images = NULL;
	lium_estimate *est = NULL;
	lium_error err;

	fake_reply_fixture(&fx->f, 200, "machines.json");
	assert_int_equal(lium_machines_list(fx->c, &machines, NULL), LIUM_OK);
	expect_request(&fx->f, 0, "GET", BASE "/machines", NULL);
	assert_int_equal(machines->count, 6);
	lium_machine_list_free(machines);

	fake_reply_fixture(&fx->f, 200, "default-images.json");
	assert_int_equal(lium_executors_default_images(fx->c, "NVIDIA H100 80GB HBM3", "570.124.06",
						       &images, NULL),
			 LIUM_OK);
	expect_request(&fx->f, 1, "GET",
		       BASE "/executors/default-docker-image?gpu_model=NVIDIA+H100+80GB+HBM3"
			    "&driver_version=570.124.06",
		       NULL);
	assert_int_equal(images->count, 2);
	assert_string_equal(images->items[0]->docker_image, "daturaai/pytorch");
	lium_docker_image_list_free(images);

	fake_reply(&fx->f, 200, "[]");
	assert_int_equal(lium_executors_default_images(fx->c, NULL, NULL, &images, NULL), LIUM_OK);
	expect_request(&fx->f, 2, "GET",
		       BASE "/executors/default-docker-image?gpu_model=&driver_version=", NULL);
	lium_docker_image_list_free(images);

	fake_reply_fixture(&fx->f, 200, "estimate.json");
	assert_int_equal(lium_executors_estimate(fx->c, "e-1", "t 2", &est, NULL), LIUM_OK);
	expect_request(&fx->f, 3, "GET",
		       BASE "/executors/deployment-estimate?executor_id=e-1&template_id=t+2", NULL);
	assert_int_equal(est->estimated_seconds, 95);
	assert_int_equal(est->is_slow_machine, 1);
	assert_string_equal(est->warning_message, "This machine downloads slowly");
	assert_int_equal(est->docker_image_size, 9800000000LL);
	lium_estimate_free(est);
	assert_int_equal(lium_executors_estimate(fx->c, "", "t", &est, &err), LIUM_EINVAL);
	assert_int_equal(fx->f.nreqs, 4);
}

static void test_client__rent_body(void **state)
{
	fixture *fx = *state;
	lium_rent_options ro = LIUM_RENT_OPTIONS_INIT;
	const char *keys[] = {"ssh-ed25519 AAAAC3Nza user@host", "ssh-rsa AAAAB3 other"};
	lium_pod *pod = NULL;
	lium_error err;

	ro.pod_name = "train-llm";
	ro.template_id = "1948937e-5049-47ad-8e26-bcf1a4549d70";
	ro.public_keys = keys;
	ro.public_key_count = 2;
	fake_reply(&fx->f, 200, "[]");
	fake_reply(&fx->f, 200,
		   "{\"id\":\"new-pod\",\"pod_name\":\"train-llm\",\"status\":\"PENDING\"}");
	assert_int_equal(lium_executors_rent(fx->c, "exec/1", &ro, &pod, &err), LIUM_OK);
	assert_string_equal(pod->id, "new-pod");
	assert_int_equal(pod->state, LIUM_POD_PENDING);
	lium_pod_free(pod);
	expect_request(&fx->f, 0, "GET", BASE "/pods", NULL);
	expect_request(&fx->f, 1, "POST", BASE "/executors/exec%2F1/rent",
		       "{\"pod_name\":\"train-llm\",\"template_id\":\"1948937e-5049-47ad-8e26-"
		       "bcf1a4549d70\",\"dockerfile_content\":null,\"volume_id\":null,"
		       "\"user_public_key\":[\"ssh-ed25519 AAAAC3Nza user@host\",\"ssh-rsa AAAAB3 "
		       "other\"],\"initial_port_count\":null}");

	/* Defaults: the executor's HUID as name; a Dockerfile, a volume, ports. */
	ro.pod_name = NULL;
	ro.template_id = NULL;
	ro.dockerfile_content = "FROM ubuntu:24.04\n";
	ro.volume_id = "vol-1";
	ro.public_key_count = 1;
	ro.initial_port_count = 3;
	fake_reply(&fx->f, 200, "[]");
	fake_reply(&fx->f, 201, "{\"id\":\"p2\"}");
	assert_int_equal(
		lium_executors_rent(fx->c, "2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10", &ro, &pod, &err),
		LIUM_OK);
	lium_pod_free(pod);
	expect_request(&fx->f, 3, "POST",
		       BASE "/executors/2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10/rent",
		       "{\"pod_name\":\"zesty-eagle-d2\",\"template_id\":null,"
		       "\"dockerfile_content\":\"FROM ubuntu:24.04\\n\",\"volume_id\":\"vol-1\","
		       "\"user_public_key\":[\"ssh-ed25519 AAAAC3Nza user@host\"],"
		       "\"initial_port_count\":3}");
}

static void test_client__rent_rejects_bad_options(void **state)
{
	fixture *fx = *state;
	lium_rent_options ro = LIUM_RENT_OPTIONS_INIT;
	const char *keys[] = {"ssh-ed25519 AAAA"};
	const char *empty[] = {""};
	lium_pod *pod = (lium_pod *)1;
	lium_error err;

	ro.public_keys = keys;
	ro.public_key_count = 1;
	assert_int_equal(lium_executors_rent(fx->c, "e", &ro, &pod, &err), LIUM_EINVAL);
	assert_null(pod);
	ro.template_id = "t";
	ro.dockerfile_content = "FROM x";
	assert_int_equal(lium_executors_rent(fx->c, "e", &ro, &pod, &err), LIUM_EINVAL);
	ro.dockerfile_content = NULL;
	ro.public_key_count = 0;
	assert_int_equal(lium_executors_rent(fx->c, "e", &ro, &pod, &err), LIUM_EINVAL);
	ro.public_keys = empty;
	ro.public_key_count = 1;
	assert_int_equal(lium_executors_rent(fx->c, "e", &ro, &pod, &err), LIUM_EINVAL);
	ro.public_keys = keys;
	assert_int_equal(lium_executors_rent(fx->c, NULL, &ro, &pod, &err), LIUM_EINVAL);
	assert_int_equal(lium_executors_rent(fx->c, "e", NULL, &pod, &err), LIUM_EINVAL);
	assert_int_equal(fx->f.nreqs, 0);
}

/* --- pods ----------------------------------------------------------------------- */

static void test_client__pod_requests(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "{\"id\":\"p1\",\"status\":\"RUNNING\"}");
	assert_int_equal(lium_pods_get(fx->c, "p1", &pod, NULL), LIUM_OK);
	assert_string_equal(pod->id, "p1");
	lium_pod_free(pod);
	expect_request(&fx->f, 0, "GET", BASE "/pods/p1", NULL);

	fake_reply(&fx->f, 200, "{\"success\": true}");
	assert_int_equal(lium_pods_delete(fx->c, "p1", NULL), LIUM_OK);
	expect_request(&fx->f, 1, "DELETE", BASE "/pods/p1", NULL);

	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_pods_reboot(fx->c, "p1", NULL, NULL), LIUM_OK);
	expect_request(&fx->f, 2, "POST", BASE "/pods/p1/reboot", "{}");
	fake_reply(&fx->f, 200, "");
	assert_int_equal(lium_pods_reboot(fx->c, "p1", "vol-9", NULL), LIUM_OK);
	expect_request(&fx->f, 3, "POST", BASE "/pods/p1/reboot", "{\"volume_id\":\"vol-9\"}");

	fake_reply(&fx->f, 200,
		   "{\"pod_name\":\"p\",\"ssh_connect_cmd\":null,\"template_id\":\"t-2\","
		   "\"gpu_count\":\"2\",\"executor_id\":\"e-1\"}");
	assert_int_equal(lium_pods_switch_template(fx->c, "p1", "t-2", &pod, NULL), LIUM_OK);
	expect_request(&fx->f, 4, "PUT", BASE "/pods/p1/switch-template",
		       "{\"template_id\":\"t-2\"}");
	assert_string_equal(pod->id, "p1");
	assert_string_equal(pod->status, "PENDING");
	assert_int_equal(pod->state, LIUM_POD_PENDING);
	assert_string_equal(pod->template_->id, "t-2");
	assert_string_equal(pod->executor_id, "e-1");
	assert_int_equal(pod->gpu_count, 2);
	lium_pod_free(pod);

	fake_reply(&fx->f, 200, "{\"ok\":true}");
	assert_int_equal(lium_pods_schedule_removal(fx->c, "p1", 1779436800, NULL), LIUM_OK);
	expect_request(&fx->f, 5, "POST", BASE "/pods/p1/schedule-removal",
		       "{\"removal_scheduled_at\":\"2026-05-22T08:00:00+00:00\"}");
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_pods_cancel_removal(fx->c, "p1", NULL), LIUM_OK);
	expect_request(&fx->f, 6, "DELETE", BASE "/pods/p1/schedule-removal", NULL);

	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_pods_install_jupyter(fx->c, "p1", 8888, NULL), LIUM_OK);
	expect_request(&fx->f, 7, "POST", BASE "/pods/p1/install-jupyter",
		       "{\"jupyter_internal_port\":8888}");

	assert_int_equal(lium_pods_install_jupyter(fx->c, "p1", 0, &err), LIUM_EINVAL);
	assert_int_equal(lium_pods_schedule_removal(fx->c, "p1", LIUM_TIME_NONE, &err),
			 LIUM_EINVAL);
	assert_int_equal(lium_pods_get(fx->c, "", &pod, &err), LIUM_EINVAL);
	assert_int_equal(lium_pods_delete(fx->c, NULL, &err), LIUM_EINVAL);
	assert_int_equal(fx->f.nreqs, 8);
}

static void test_client__get_many(void **state)
{
	fixture *fx = *state;
	const char *ids[] = {"a", "b", "c"};
	lium_pod_list *list = NULL;
	lium_status sts[3];
	lium_error err;

	fake_reply(&fx->f, 200, "{\"id\":\"a\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"b\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"c\"}");
	assert_int_equal(lium_pods_get_many(fx->c, ids, 3, &list, NULL, &err), LIUM_OK);
	assert_int_equal(list->count, 3);
	assert_string_equal(list->items[2]->id, "c");
	lium_pod_list_free(list);
	expect_request(&fx->f, 1, "GET", BASE "/pods/b", NULL);

	/* Partial results with per-id statuses. */
	fake_reply(&fx->f, 200, "{\"id\":\"a\"}");
	fake_reply(&fx->f, 404, "{\"detail\":\"Pod not found\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"c\",\"price\":\"cheap\"}");
	assert_int_equal(lium_pods_get_many(fx->c, ids, 3, &list, sts, &err), LIUM_OK);
	assert_int_equal(list->count, 1);
	assert_string_equal(list->items[0]->id, "a");
	assert_int_equal(sts[0], LIUM_OK);
	assert_int_equal(sts[1], LIUM_ENOTFOUND);
	assert_int_equal(sts[2], LIUM_EPARSE);
	assert_string_equal(err.message, "GET /pods/b: HTTP 404: Pod not found");
	lium_pod_list_free(list);

	/* All or nothing without statuses. */
	fake_reply(&fx->f, 200, "{\"id\":\"a\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"b\"}");
	fake_reply(&fx->f, 401, "{\"detail\":\"Invalid API key\"}");
	assert_int_equal(lium_pods_get_many(fx->c, ids, 3, &list, NULL, &err), LIUM_EAUTH);
	assert_null(list);
	assert_int_equal(err.cause, 401);

	assert_int_equal(lium_pods_get_many(fx->c, NULL, 0, &list, NULL, &err), LIUM_OK);
	assert_int_equal(list->count, 0);
	lium_pod_list_free(list);
}

static void test_client__wait_ready(void **state)
{
	fixture *fx = *state;
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(&fx->f, 200, "{\"id\":\"p\",\"status\":\"PENDING\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"p\",\"status\":\"RUNNING\",\"ssh_connect_cmd\":\"\"}");
	fake_reply(&fx->f, 200,
		   "{\"id\":\"p\",\"status\":\"RUNNING\",\"ssh_connect_cmd\":\"ssh root@h -p 2\"}");
	assert_int_equal(lium_pods_wait_ready(fx->c, "p", 60000, 5000, &pod, &err), LIUM_OK);
	assert_true(lium_pod_is_ready(pod));
	lium_pod_free(pod);
	assert_int_equal(fx->f.nsleeps, 2);
	assert_int_equal(fx->f.sleeps[0], 5000);
	assert_int_equal(fx->f.sleeps[1], 5000);

	fake_reply(&fx->f, 200, "{\"id\":\"p\",\"status\":\"FAILED\"}");
	assert_int_equal(lium_pods_wait_ready(fx->c, "p", 60000, 5000, &pod, &err), LIUM_EGENERIC);
	assert_null(pod);
	assert_non_null(strstr(err.message, "FAILED"));

	fx->f.nsleeps = 0;
	fake_reply(&fx->f, 200, "{\"id\":\"p\",\"status\":\"PENDING\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"p\",\"status\":\"PENDING\"}");
	fake_reply(&fx->f, 200, "{\"id\":\"p\",\"status\":\"PENDING\"}");
	assert_int_equal(lium_pods_wait_ready(fx->c, "p", 7000, 5000, NULL, &err), LIUM_ETIMEOUT);
	assert_int_equal(fx->f.nsleeps, 2);
	assert_int_equal(fx->f.sleeps[1], 2000); /* the last pause ends at the deadline */
}

/* --- templates -------------------------------------------------------------------- */

static void test_client__templates(void **state)
{
	fixture *fx = *state;
	lium_template_spec spec = LIUM_TEMPLATE_SPEC_INIT;
	lium_template_list *list = NULL;
	lium_template *t = NULL;
	const unsigned int ports[] = {22};
	const char *vols[] = {NULL};
	const lium_kv env[] = {{(char *)"A", (char *)"1"}, {(char *)"B", NULL}};
	lium_error err;

	fake_reply_fixture(&fx->f, 200, "templates.json");
	assert_int_equal(lium_templates_list(fx->c, &list, NULL), LIUM_OK);
	expect_request(&fx->f, 0, "GET", BASE "/templates", NULL);
	assert_int_equal(list->count, 4);

	fake_reply(&fx->f, 200, "{\"id\":\"1948937e-5049-47ad-8e26-bcf1a4549d70\",\"name\":\"x\"}");
	assert_int_equal(
		lium_templates_get(fx->c, "1948937e-5049-47ad-8e26-bcf1a4549d70", &t, NULL),
		LIUM_OK);
	expect_request(&fx->f, 1, "GET", BASE "/templates/1948937e-5049-47ad-8e26-bcf1a4549d70",
		       NULL);
	lium_template_free(t);

	/* Every key, with the official defaults. */
	spec.name = "my-image";
	spec.docker_image = "alice/app";
	fake_reply(&fx->f, 200, "{\"id\":\"t-new\",\"status\":\"CREATED\"}");
	assert_int_equal(lium_templates_create(fx->c, &spec, &t, NULL), LIUM_OK);
	assert_string_equal(t->id, "t-new");
	lium_template_free(t);
	expect_request(&fx->f, 2, "POST", BASE "/templates",
		       "{\"name\":\"my-image\",\"docker_image\":\"alice/app\","
		       "\"docker_image_digest\":\"\",\"docker_image_tag\":\"latest\","
		       "\"internal_ports\":[22,8000],\"startup_commands\":\"\","
		       "\"category\":\"UBUNTU\",\"container_start_immediately\":true,"
		       "\"description\":\"my-image\",\"entrypoint\":\"\",\"environment\":{},"
		       "\"is_private\":true,\"one_time_template\":false,\"is_temporary\":false,"
		       "\"readme\":\"my-image\",\"volumes\":[\"/workspace\"]}");

	/* Explicit values, empty volume list, environment. */
	spec.docker_image_tag = "3.11";
	spec.internal_ports = ports;
	spec.internal_port_count = 1;
	spec.volumes = vols;
	spec.volume_count = 0;
	spec.environment = env;
	spec.environment_count = 2;
	spec.one_time_template = 1;
	spec.startup_commands = "python -c 'print(1)'";
	fake_reply(&fx->f, 200, "{\"id\":\"t-2\"}");
	assert_int_equal(lium_templates_create(fx->c, &spec, NULL, NULL), LIUM_OK);
	expect_request(&fx->f, 3, "POST", BASE "/templates",
		       "{\"name\":\"my-image\",\"docker_image\":\"alice/app\","
		       "\"docker_image_digest\":\"\",\"docker_image_tag\":\"3.11\","
		       "\"internal_ports\":[22],\"startup_commands\":\"python -c 'print(1)'\","
		       "\"category\":\"UBUNTU\",\"container_start_immediately\":true,"
		       "\"description\":\"my-image\",\"entrypoint\":\"\",\"environment\":{\"A\":"
		       "\"1\",\"B\":\"\"},\"is_private\":true,\"one_time_template\":true,"
		       "\"is_temporary\":false,\"readme\":\"my-image\",\"volumes\":[]}");

	/* Update from an existing template: a full replace with a change. */
	assert_int_equal(lium_template_spec_from_template(&spec, list->items[2]), LIUM_OK);
	spec.docker_image_tag = "0.7.0";
	fake_reply(&fx->f, 200, "{\"id\":\"a7b8c9d0-e1f2-4a3b-9c4d-5e6f7a8b9c0d\"}");
	assert_int_equal(lium_templates_update(fx->c, list->items[2]->id, &spec, &t, NULL),
			 LIUM_OK);
	lium_template_free(t);
	expect_request(
		&fx->f, 4, "PUT", BASE "/templates/a7b8c9d0-e1f2-4a3b-9c4d-5e6f7a8b9c0d",
		"{\"name\":\"my-vllm\",\"docker_image\":\"alice/vllm-server\","
		"\"docker_image_digest\":\"sha256:4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
		"2f3a4b5c6d7e8f9a0b1c\",\"docker_image_tag\":\"0.7.0\","
		"\"internal_ports\":[22,8000],\"startup_commands\":\"python -m "
		"vllm.entrypoints.openai.api_server --port 8000\",\"category\":\"UBUNTU\","
		"\"container_start_immediately\":true,\"description\":\"my-vllm\","
		"\"entrypoint\":\"\",\"environment\":{\"HF_HOME\":\"/workspace/hf\"},"
		"\"is_private\":true,\"one_time_template\":false,\"is_temporary\":false,"
		"\"readme\":\"my-vllm\",\"volumes\":[\"/workspace\"]}");
	lium_template_list_free(list);

	spec.name = NULL;
	assert_int_equal(lium_templates_create(fx->c, &spec, NULL, &err), LIUM_EINVAL);
	assert_int_equal(fx->f.nreqs, 5);
}

/* --- keys, user, volumes, backups, payments ----------------------------------------- */

static void test_client__keys_and_user(void **state)
{
	fixture *fx = *state;
	lium_ssh_key_list *keys = NULL;
	lium_ssh_key *key = NULL;
	double balance = -1;

	fake_reply_fixture(&fx->f, 200, "ssh-keys.json");
	assert_int_equal(lium_ssh_keys_list(fx->c, &keys, NULL), LIUM_OK);
	expect_request(&fx->f, 0, "GET", BASE "/ssh-keys", NULL);
	assert_int_equal(keys->count, 2);
	lium_ssh_key_list_free(keys);

	/* Anything but a list counts as no keys, as in the official client. */
	fake_reply(&fx->f, 200, "{\"detail\": null}");
	assert_int_equal(lium_ssh_keys_list(fx->c, &keys, NULL), LIUM_OK);
	assert_int_equal(keys->count, 0);
	lium_ssh_key_list_free(keys);

	fake_reply(&fx->f, 201,
		   "{\"id\":\"k-9\",\"name\":\"cli-root@vm\",\"public_key\":\"ssh-ed25519 A\"}");
	assert_int_equal(lium_ssh_keys_add(fx->c, "cli-root@vm", "ssh-ed25519 A", &key, NULL),
			 LIUM_OK);
	expect_request(&fx->f, 2, "POST", BASE "/ssh-keys",
		       "{\"name\":\"cli-root@vm\",\"public_key\":\"ssh-ed25519 A\"}");
	assert_string_equal(key->id, "k-9");
	lium_ssh_key_free(key);

	fake_reply_fixture(&fx->f, 200, "users-me.json");
	assert_int_equal(lium_users_balance(fx->c, &balance, NULL), LIUM_OK);
	expect_request(&fx->f, 3, "GET", BASE "/users/me", NULL);
	assert_true(balance > 42.16 && balance < 42.18);
}

static void test_client__volumes(void **state)
{
	fixture *fx = *state;
	lium_volume_list *list = NULL;
	lium_volume *v = NULL;
	lium_error err;

	fake_reply_fixture(&fx->f, 200, "volumes.json");
	assert_int_equal(lium_volumes_list(fx->c, &list, NULL), LIUM_OK);
	expect_request(&fx->f, 0, "GET", BASE "/volumes", NULL);
	lium_volume_list_free(list);
	fake_reply(&fx->f, 200, "{\"id\":\"v1\",\"name\":\"data\"}");
	assert_int_equal(lium_volumes_get(fx->c, "v1", &v, NULL), LIUM_OK);
	expect_request(&fx->f, 1, "GET", BASE "/volumes/v1", NULL);
	lium_volume_free(v);
	fake_reply(&fx->f, 200, "{\"id\":\"v2\",\"name\":\"data\",\"description\":\"\"}");
	assert_int_equal(lium_volumes_create(fx->c, "data", NULL, &v, NULL), LIUM_OK);
	expect_request(&fx->f, 2, "POST", BASE "/volumes",
		       "{\"name\":\"data\",\"description\":\"\"}");
	assert_string_equal(v->id, "v2");
	lium_volume_free(v);
	fake_reply(&fx->f, 200, "{\"id\":\"v2\",\"name\":\"data\",\"description\":\"new\"}");
	assert_int_equal(lium_volumes_update(fx->c, "v2", NULL, "new", NULL, NULL), LIUM_OK);
	expect_request(&fx->f, 3, "PUT", BASE "/volumes/v2", "{\"description\":\"new\"}");
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_volumes_update(fx->c, "v2", "n", "d", NULL, NULL), LIUM_OK);
	expect_request(&fx->f, 4, "PUT", BASE "/volumes/v2",
		       "{\"name\":\"n\",\"description\":\"d\"}");
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_volumes_delete(fx->c, "v2", NULL), LIUM_OK);
	expect_request(&fx->f, 5, "DELETE", BASE "/volumes/v2", NULL);
	assert_int_equal(lium_volumes_update(fx->c, "v2", NULL, NULL, NULL, &err), LIUM_EINVAL);
	assert_int_equal(fx->f.nreqs, 6);
}

static void test_client__backups(void **state)
{
	fixture *fx = *state;
	lium_backup_config *cfg = NULL;
	lium_backup_config_list *cfgs = NULL;
	lium_backup_log_list *logs = NULL;
	lium_restore_log_list *restores = NULL;
	lium_buf id = LIUM_BUF_INIT;
	lium_error err;

	fake_reply(&fx->f, 200, "{\"id\":\"c1\",\"pod_id\":\"p1\",\"backup_frequency_hours\":6}");
	assert_int_equal(lium_backups_config_create(fx->c, "p1", 6, 7, NULL, &cfg, NULL), LIUM_OK);
	expect_request(&fx->f, 0, "POST", BASE "/backup-configs",
		       "{\"pod_id\":\"p1\",\"backup_frequency_hours\":6,\"retention_days\":7,"
		       "\"backup_path\":\"/root\"}");
	assert_string_equal(cfg->id, "c1");
	lium_backup_config_free(cfg);

	fake_reply_fixture(&fx->f, 200, "backup-configs.json");
	assert_int_equal(lium_backups_config_list(fx->c, &cfgs, NULL), LIUM_OK);
	expect_request(&fx->f, 1, "GET", BASE "/backup-configs", NULL);
	assert_int_equal(cfgs->count, 2);
	lium_backup_config_list_free(cfgs);

	fake_reply(&fx->f, 200, "{\"id\":\"c1\"}");
	assert_int_equal(lium_backups_config_get_for_pod(fx->c, "p1", &cfg, NULL), LIUM_OK);
	expect_request(&fx->f, 2, "GET", BASE "/backup-configs/pod/p1", NULL);
	lium_backup_config_free(cfg);
	fake_reply(&fx->f, 404, "{\"detail\":\"No backup config\"}");
	assert_int_equal(lium_backups_config_get_for_pod(fx->c, "p1", &cfg, &err), LIUM_ENOTFOUND);
	assert_null(cfg);

	fake_reply(&fx->f, 200, "{\"success\": true}");
	assert_int_equal(lium_backups_config_delete(fx->c, "c1", NULL), LIUM_OK);
	expect_request(&fx->f, 4, "DELETE", BASE "/backup-configs/c1", NULL);

	fake_reply_fixture(&fx->f, 200, "backup-logs.json");
	assert_int_equal(lium_backups_logs(fx->c, "p1", &logs, NULL), LIUM_OK);
	expect_request(&fx->f, 5, "GET", BASE "/backup-logs/pod/p1", NULL);
	assert_int_equal(logs->count, 2);
	lium_backup_log_list_free(logs);
	fake_reply(&fx->f, 404, "{\"detail\":\"Not Found\"}");
	assert_int_equal(lium_backups_logs(fx->c, "p1", &logs, &err), LIUM_OK);
	assert_int_equal(logs->count, 0);
	lium_backup_log_list_free(logs);

	fake_reply(&fx->f, 200, "{\"backup_log_id\":\"bl-1234567890\"}");
	assert_int_equal(lium_backups_now(fx->c, "p1", "nightly", NULL, &id, NULL), LIUM_OK);
	expect_request(&fx->f, 7, "POST", BASE "/pods/p1/backup",
		       "{\"name\":\"nightly\",\"description\":\"\"}");
	assert_string_equal(lium_buf_cstr(&id), "bl-1234567890");
	lium_buf_clear(&id);

	fake_reply(&fx->f, 200, "{\"restore_log_id\":\"rl-1\"}");
	assert_int_equal(lium_backups_restore(fx->c, "p1", "b-1", NULL, &id, NULL), LIUM_OK);
	expect_request(&fx->f, 8, "POST", BASE "/pods/p1/restore",
		       "{\"backup_id\":\"b-1\",\"restore_path\":\"/root\"}");
	assert_string_equal(lium_buf_cstr(&id), "rl-1");
	lium_buf_dispose(&id);

	fake_reply_fixture(&fx->f, 200, "restore-logs.json");
	assert_int_equal(lium_backups_restore_logs(fx->c, "p1", &restores, NULL), LIUM_OK);
	expect_request(&fx->f, 9, "GET", BASE "/pods/p1/restore-logs", NULL);
	assert_int_equal(restores->count, 1);
	lium_restore_log_list_free(restores);
	fake_reply(&fx->f, 404, "");
	assert_int_equal(lium_backups_restore_logs(fx->c, "p1", &restores, NULL), LIUM_OK);
	assert_int_equal(restores->count, 0);
	lium_restore_log_list_free(restores);

	assert_int_equal(lium_backups_config_create(fx->c, "p1", 0, 7, NULL, NULL, &err),
			 LIUM_EINVAL);
	assert_int_equal(fx->f.nreqs, 11);
}

static void test_client__payments(void **state)
{
	fixture *fx = *state;
	lium_currency_list *cur = NULL;
	lium_invoice *inv = NULL;
	lium_buf url = LIUM_BUF_INIT;
	lium_error err;

	fake_reply_fixture(&fx->f, 200, "currencies.json");
	assert_int_equal(lium_payments_currencies(fx->c, 0, &cur, NULL), LIUM_OK);
	expect_request(&fx->f, 0, "GET", BASE "/tmc-pay/currencies", NULL);
	assert_int_equal(cur->count, 2);
	assert_string_equal(cur->items[0]->code, "USDT");
	assert_int_equal(cur->items[1]->decimals, 6);
	lium_currency_list_free(cur);
	fake_reply(&fx->f, 200, "[{\"code\":\"USDT\",\"network\":\"tron\"}]");
	assert_int_equal(lium_payments_currencies(fx->c, 1, &cur, NULL), LIUM_OK);
	expect_request(&fx->f, 1, "GET", BASE "/tmc-pay/currencies?refresh=true", NULL);
	assert_int_equal(cur->count, 1);
	lium_currency_list_free(cur);

	fake_reply_fixture(&fx->f, 200, "invoice.json");
	assert_int_equal(lium_payments_create_invoice(fx->c, 25, "USDT", "tron", &inv, NULL),
			 LIUM_OK);
	expect_request(
		&fx->f, 2, "POST", BASE "/tmc-pay/create-invoice",
		"{\"amount\":25.0,\"crypto_currency\":\"USDT\",\"crypto_network\":\"tron\"}");
	assert_string_equal(inv->invoice_id, "inv_01HX");
	assert_string_equal(inv->crypto_amount, "25.000000");
	assert_string_equal(inv->exchange_rate, "1");
	assert_string_equal(inv->fiat_currency, "USD");
	assert_int_not_equal(inv->expires_at, LIUM_TIME_NONE);
	lium_invoice_free(inv);

	fake_reply(&fx->f, 200, "{\"url\":\"https://pay.example/x?app_id=a&customer_id=c\"}");
	assert_int_equal(lium_payments_tao_transfer(fx->c, 10, &url, NULL), LIUM_OK);
	expect_request(&fx->f, 3, "POST", BASE "/tao/create-transfer", "{\"amount\":10}");
	assert_string_equal(lium_buf_cstr(&url), "https://pay.example/x?app_id=a&customer_id=c");
	fake_reply(&fx->f, 200, "{}");
	assert_int_equal(lium_payments_tao_transfer(fx->c, 10, &url, &err), LIUM_EPARSE);
	assert_string_equal(err.path, "url");
	lium_buf_dispose(&url);
	assert_int_equal(lium_payments_create_invoice(fx->c, -1, "USDT", "tron", &inv, &err),
			 LIUM_EINVAL);
}

/* --- error mapping -------------------------------------------------------------------- */

static lium_client *one_attempt_client(fake *f)
{
	lium_client_options opts;
	lium_client *c = NULL;

	fake_options(f, &opts);
	opts.api_key = KEY;
	opts.retry.max_attempts = 1;
	assert_int_equal(lium_client_new(&c, &opts, NULL), LIUM_OK);
	return c;
}

static void expect_mapping(lium_client *c, fake *f, long status, const char *body, lium_status code,
			   const char *message)
{
	lium_pod *pod = NULL;
	lium_error err;

	fake_reply(f, status, body);
	assert_int_equal(lium_pods_get(c, "p1", &pod, &err), code);
	assert_null(pod);
	assert_int_equal(err.code, code);
	assert_int_equal(err.cause, status);
	assert_string_equal(err.message, message);
}

static void test_client__error_mapping(void **state)
{
	fake f;
	lium_client *c;

	(void)state;
	fake_init(&f);
	c = one_attempt_client(&f);
	expect_mapping(c, &f, 401, "", LIUM_EAUTH, "GET /pods/p1: HTTP 401: invalid API key");
	expect_mapping(c, &f, 403, "{\"detail\":\"Not authenticated\"}", LIUM_EAUTH,
		       "GET /pods/p1: HTTP 403: Not authenticated");
	expect_mapping(c, &f, 404, "{\"detail\":\"Pod not found\"}", LIUM_ENOTFOUND,
		       "GET /pods/p1: HTTP 404: Pod not found");
	expect_mapping(c, &f, 409, "{\"detail\":\"Backup configuration already exists\"}",
		       LIUM_EVALIDATION,
		       "GET /pods/p1: HTTP 409: Backup configuration already exists");
	expect_mapping(
		c, &f, 422,
		"{\"detail\":[{\"loc\":[\"body\",\"pod_name\"],\"msg\":\"field required\","
		"\"type\":\"value_error.missing\"},{\"loc\":[\"body\",\"user_public_key\",0],"
		"\"msg\":\"ensure this value has at least 1 characters\"}]}",
		LIUM_EVALIDATION,
		"GET /pods/p1: HTTP 422: body.pod_name: field required; "
		"body.user_public_key.0: ensure this value has at least 1 characters");
	expect_mapping(c, &f, 400, "{\"message\":\"Executor is not available\"}", LIUM_EHTTP,
		       "GET /pods/p1: HTTP 400: Executor is not available");
	expect_mapping(c, &f, 402, "{\"detail\":{\"balance\":0}}", LIUM_EHTTP,
		       "GET /pods/p1: HTTP 402: {\"balance\":0}");
	expect_mapping(c, &f, 500, "<html>\r\n<h1>Internal</h1></html>", LIUM_EHTTP,
		       "GET /pods/p1: HTTP 500: <html>");
	expect_mapping(c, &f, 503, "", LIUM_EHTTP, "GET /pods/p1: HTTP 503: service unavailable");
	expect_mapping(c, &f, 429, "{\"detail\":\"Too many requests\"}", LIUM_EHTTP,
		       "GET /pods/p1: HTTP 429: Too many requests");
	/* The server echoing the key: redacted. */
	expect_mapping(c, &f, 401, "{\"detail\":\"key " KEY " is revoked\"}", LIUM_EAUTH,
		       "GET /pods/p1: HTTP 401: key [REDACTED] is revoked");
	lium_client_free(c);
	fake_free(&f);
}

static void test_client__transport_and_parse_errors(void **state)
{
	fake f;
	lium_client *c;
	lium_pod_list *pods = NULL;
	lium_error err;

	(void)state;
	fake_init(&f);
	c = one_attempt_client(&f);
	fake_fail(&f, LIUM_ENETWORK, 7);
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_ENETWORK);
	assert_int_equal(err.cause, 7);
	assert_non_null(strstr(err.message, "GET /pods: "));
	fake_fail(&f, LIUM_ETIMEOUT, 28);
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_ETIMEOUT);
	assert_int_equal(err.cause, 28);

	fake_reply(&f, 200, "[{\"id\":\"a\",\"price\":{}}]");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EPARSE);
	assert_null(pods);
	assert_string_equal(err.path, "[0].price");
	assert_string_equal(err.message, "GET /pods: [0].price: expected a number");
	fake_reply(&f, 200, "<html>");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EPARSE);
	assert_non_null(strstr(err.message, "GET /pods: invalid JSON"));
	fake_reply(&f, 204, "");
	assert_int_equal(lium_pods_list(c, &pods, &err), LIUM_EPARSE);
	lium_client_free(c);
	fake_free(&f);
}

/* --- tracing -------------------------------------------------------------------------- */

static void test_client__trace_never_shows_the_key(void **state)
{
	fixture *fx = *state;
	lium_ssh_key *key = NULL;

	fake_reply_h(&fx->f, 201, "Content-Type: application/json\nX-Request-Id: r-1\n",
		     "{\"id\":\"k\",\"name\":\"n\",\"public_key\":\"echo " KEY "\"}");
	assert_int_equal(lium_ssh_keys_add(fx->c, "n", "ssh-ed25519 " KEY, &key, NULL), LIUM_OK);
	lium_ssh_key_free(key);
	assert_non_null(strstr(fx->f.trace, "> POST " BASE "/ssh-keys\n"));
	assert_non_null(strstr(fx->f.trace, "> X-API-KEY: [REDACTED]\n"));
	assert_non_null(strstr(fx->f.trace, "> X-Source: sdk\n"));
	assert_non_null(strstr(fx->f.trace,
			       "> {\"name\":\"n\",\"public_key\":\"ssh-ed25519 [REDACTED]\"}"));
	assert_non_null(strstr(fx->f.trace, "< HTTP 201 ("));
	assert_non_null(strstr(fx->f.trace, "< X-Request-Id: r-1\n"));
	assert_non_null(strstr(fx->f.trace, "echo [REDACTED]"));
	assert_null(strstr(fx->f.trace, "SECRET"));
	/* The key did go out on the wire. */
	assert_true(fake_has_header(&fx->f, 0, "X-API-KEY: " KEY));
}

static void test_client__raw_request(void **state)
{
	fixture *fx = *state;
	lium_buf out = LIUM_BUF_INIT;
	long status = 0;
	lium_error err;

	fake_reply(&fx->f, 200, "{\"id\":\"u\"}");
	assert_int_equal(lium_client_request(fx->c, "GET", "/users/me", NULL, &out, &status, NULL),
			 LIUM_OK);
	assert_int_equal(status, 200);
	assert_string_equal(lium_buf_cstr(&out), "{\"id\":\"u\"}");
	expect_request(&fx->f, 0, "GET", BASE "/users/me", NULL);
	fake_reply(&fx->f, 404, "{\"detail\":\"nope\"}");
	lium_buf_clear(&out);
	assert_int_equal(lium_client_request(fx->c, "POST", "/x", "{\"a\":1}", &out, &status, &err),
			 LIUM_ENOTFOUND);
	assert_int_equal(status, 404);
	assert_string_equal(err.message, "POST /x: HTTP 404: nope");
	expect_request(&fx->f, 1, "POST", BASE "/x", "{\"a\":1}");
	lium_buf_dispose(&out);
	assert_int_equal(lium_client_request(fx->c, "PATCH", "/x", NULL, NULL, NULL, &err),
			 LIUM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client__default_headers, setup, teardown),
		cmocka_unit_test(test_client__custom_options),
		cmocka_unit_test(test_client__no_key_sends_no_key_header),
		cmocka_unit_test(test_client__invalid_options),
		cmocka_unit_test(test_client__default_base_url),
		cmocka_unit_test_setup_teardown(test_client__executors_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__machines_images_estimate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client__rent_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__rent_rejects_bad_options, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client__pod_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__get_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__wait_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__keys_and_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__volumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__backups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client__payments, setup, teardown),
		cmocka_unit_test(test_client__error_mapping),
		cmocka_unit_test(test_client__transport_and_parse_errors),
		cmocka_unit_test_setup_teardown(test_client__trace_never_shows_the_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client__raw_request, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
