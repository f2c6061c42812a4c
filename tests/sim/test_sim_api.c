/*
 * celium-sim over plain HTTP: every endpoint, auth, error shapes, the
 * executor filters, templates, keys, volumes, payments and the request log.
 * (Pods with real SSH: test_sim_pods.c; faults: test_sim_faults.c.)
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_test_util.h"

#define OTHER_KEY "other-key"
#define ZERO_ID   "00000000-0000-4000-8000-000000000000"

static sim_fixture fx;

static int group_setup(void **state)
{
	(void)state;
	const char *args[] = {
		"--executors",  "300",       "--seed",        "7",         "--api-key",
		"sim-key",      "--api-key", OTHER_KEY,       "--balance", "250",
		"--pending-ms", "100",       "--starting-ms", "100",       NULL};
	return sim_fixture_start(&fx, args);
}

static int group_teardown(void **state)
{
	(void)state;
	sim_fixture_stop(&fx);
	/* a clean exit: no sanitizer report, no crash */
	if (fx.exit_status != 0)
		return -1;
	return 0;
}

/* A 422 whose first error is at `loc` (e.g. "query.gpu_count_gte"). */
static void assert_422_at(json_t *body, const char *loc, const char *type)
{
	assert_true(json_is_object(body));
	json_t *detail = json_object_get(body, "detail");
	assert_true(json_is_array(detail));
	assert_true(json_array_size(detail) >= 1);
	size_t i;
	json_t *e;
	bool found = false;
	json_array_foreach(detail, i, e)
	{
		assert_true(json_is_string(json_object_get(e, "msg")));
		assert_true(json_is_string(json_object_get(e, "type")));
		json_t *l = json_object_get(e, "loc");
		assert_true(json_is_array(l));
		char joined[256] = "";
		size_t k;
		json_t *part;
		json_array_foreach(l, k, part)
		{
			if (k)
				strcat(joined, ".");
			if (json_is_string(part))
				strncat(joined, json_string_value(part), 100);
			else
				strcat(joined, "#");
		}
		if (strcmp(joined, loc) == 0 && (!type || strcmp(st_str(e, "type"), type) == 0))
			found = true;
	}
	if (!found) {
		char *text = json_dumps(body, JSON_COMPACT);
		print_error("no 422 entry at %s (%s) in %s\n", loc, type ? type : "*", text);
		free(text);
	}
	assert_true(found);
}

static void assert_detail(json_t *body, const char *needle)
{
	assert_true(json_is_object(body));
	const char *d = json_string_value(json_object_get(body, "detail"));
	assert_non_null(d);
	if (needle)
		assert_non_null(strstr(d, needle));
}

/* ---- health, auth, routing -------------------------------------------- */

static void test_sim_api__health(void **state)
{
	(void)state;
	long status;
	json_t *h = st_req(&fx, "GET", "/_sim/health", NULL, "", &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(h, "ok")));
	assert_int_equal(json_integer_value(json_object_get(h, "pid")), fx.pid);
	assert_int_equal(json_integer_value(json_object_get(h, "executors")), 300);
	json_decref(h);
	assert_int_equal(strncmp(fx.url, "http://127.0.0.1:", 17), 0);
}

/* Every main-API endpoint of the reference (#1-#37) wants X-API-KEY. */
static void test_sim_api__every_endpoint_needs_the_key(void **state)
{
	(void)state;
	static const char *const endpoints[][2] = {
		{"GET", "/executors"},
		{"GET", "/executors/default-docker-image?gpu_model=x&driver_version=1"},
		{"GET",
		 "/executors/deployment-estimate?executor_id=" ZERO_ID "&template_id=" ZERO_ID},
		{"POST", "/executors/" ZERO_ID "/rent"},
		{"GET", "/machines"},
		{"GET", "/pods"},
		{"GET", "/pods/" ZERO_ID},
		{"DELETE", "/pods/" ZERO_ID},
		{"POST", "/pods/" ZERO_ID "/reboot"},
		{"GET", "/pods/" ZERO_ID "/logs"},
		{"PUT", "/pods/" ZERO_ID "/switch-template"},
		{"POST", "/pods/" ZERO_ID "/schedule-removal"},
		{"DELETE", "/pods/" ZERO_ID "/schedule-removal"},
		{"POST", "/pods/" ZERO_ID "/install-jupyter"},
		{"POST", "/pods/" ZERO_ID "/backup"},
		{"POST", "/pods/" ZERO_ID "/restore"},
		{"GET", "/pods/" ZERO_ID "/restore-logs"},
		{"GET", "/templates"},
		{"GET", "/templates/" ZERO_ID},
		{"POST", "/templates"},
		{"PUT", "/templates/" ZERO_ID},
		{"GET", "/ssh-keys"},
		{"POST", "/ssh-keys"},
		{"GET", "/volumes"},
		{"GET", "/volumes/" ZERO_ID},
		{"POST", "/volumes"},
		{"PUT", "/volumes/" ZERO_ID},
		{"DELETE", "/volumes/" ZERO_ID},
		{"POST", "/backup-configs"},
		{"GET", "/backup-configs"},
		{"GET", "/backup-configs/pod/" ZERO_ID},
		{"DELETE", "/backup-configs/" ZERO_ID},
		{"GET", "/backup-logs/pod/" ZERO_ID},
		{"GET", "/users/me"},
		{"POST", "/tao/create-transfer"},
		{"GET", "/tmc-pay/currencies"},
		{"POST", "/tmc-pay/create-invoice"},
	};
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
		const char *body =
			strcmp(endpoints[i][0], "GET") && strcmp(endpoints[i][0], "DELETE") ? "{}"
											    : NULL;
		long status;
		json_t *r = st_req(&fx, endpoints[i][0], endpoints[i][1], body, "", &status);
		if (status != 401)
			print_error("%s %s without a key: %ld\n", endpoints[i][0], endpoints[i][1],
				    status);
		assert_int_equal(status, 401);
		assert_detail(r, NULL);
		json_decref(r);
		r = st_req(&fx, endpoints[i][0], endpoints[i][1], body, "wrong-key", &status);
		assert_int_equal(status, 401);
		assert_detail(r, "Invalid API key");
		json_decref(r);
		/* with the key, the endpoint exists (whatever it thinks of the request) */
		r = st_req(&fx, endpoints[i][0], endpoints[i][1], body, NULL, &status);
		assert_true(status != 401 && status != 405 && status != 0);
		json_decref(r);
	}
}

static void test_sim_api__routing_errors(void **state)
{
	(void)state;
	long status;
	json_t *r = st_req(&fx, "GET", "/no-such-thing", NULL, NULL, &status);
	assert_int_equal(status, 404);
	assert_detail(r, "Not Found");
	json_decref(r);
	r = st_req(&fx, "PATCH", "/pods", "{}", NULL, &status);
	assert_int_equal(status, 405);
	assert_detail(r, "Method Not Allowed");
	json_decref(r);
	/* DELETE answers JSON too, also when there is nothing to delete */
	r = st_req(&fx, "DELETE", "/pods/" ZERO_ID, NULL, NULL, &status);
	assert_int_equal(status, 404);
	assert_detail(r, "not found");
	json_decref(r);
}

/* ---- executors -------------------------------------------------------- */

static void check_executor_shape(json_t *e)
{
	assert_true(json_is_string(json_object_get(e, "id")));
	assert_int_equal(strlen(st_str(e, "id")), 36);
	assert_true(strlen(st_str(e, "machine_name")) > 0);
	assert_string_equal(st_str(e, "executor_ip_address"), "127.0.0.1");
	assert_true(json_is_number(json_object_get(e, "price_per_gpu")));
	assert_true(json_number_value(json_object_get(e, "price_per_gpu")) > 0);
	json_t *loc = json_object_get(e, "location");
	assert_int_equal(strlen(st_str(loc, "country_code")), 2);
	assert_true(strlen(st_str(loc, "country")) > 0);
	json_t *gpu = json_object_get(json_object_get(e, "specs"), "gpu");
	json_int_t count = json_integer_value(json_object_get(gpu, "count"));
	assert_true(count >= 1 && count <= 8);
	json_t *details = json_object_get(gpu, "details");
	assert_int_equal(json_array_size(details), (size_t)count);
	json_t *d0 = json_array_get(details, 0);
	assert_string_equal(st_str(d0, "name"), st_str(e, "machine_name"));
	assert_true(json_integer_value(json_object_get(d0, "capacity")) > 16000);
	assert_true(strlen(st_str(gpu, "driver")) > 0);
	json_t *specs = json_object_get(e, "specs");
	assert_true(json_integer_value(json_object_get(json_object_get(specs, "ram"), "total")) >
		    0);
	assert_true(json_integer_value(
			    json_object_get(json_object_get(specs, "hard_disk"), "total")) > 0);
	assert_true(json_is_number(
		json_object_get(json_object_get(specs, "network"), "download_speed")));
	assert_true(json_is_boolean(json_object_get(specs, "sysbox_runtime")));
	assert_true(json_is_integer(json_object_get(specs, "available_port_count")));
	json_t *cuda = json_object_get(e, "max_cuda_version");
	assert_true(json_is_null(cuda) ||
		    (json_is_number(cuda) && json_number_value(cuda) >= 12.0));
	json_t *tier = json_object_get(e, "tier");
	assert_true(json_is_null(tier) || strcmp(json_string_value(tier), "spot") == 0 ||
		    strcmp(json_string_value(tier), "secure") == 0);
	json_t *eff = json_object_get(e, "effective_download_speed_mbps");
	assert_true(json_is_null(eff) || json_is_number(eff));
}

static void test_sim_api__executors_list(void **state)
{
	(void)state;
	long status;
	json_t *all = st_req(&fx, "GET", "/executors", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_array(all));
	/* pods rented by other tests hide executors; none at this point */
	assert_int_equal(json_array_size(all), 300);
	size_t i;
	json_t *e;
	int kinds = 0, spot = 0, secure = 0, dind = 0, us = 0;
	char seen[16][64];
	json_array_foreach(all, i, e)
	{
		check_executor_shape(e);
		const char *m = st_str(e, "machine_name");
		bool known = false;
		for (int k = 0; k < kinds; k++)
			known = known || strcmp(seen[k], m) == 0;
		if (!known && kinds < 16)
			snprintf(seen[kinds++], sizeof seen[0], "%s", m);
		const char *tier = json_string_value(json_object_get(e, "tier"));
		spot += tier && strcmp(tier, "spot") == 0;
		secure += tier && strcmp(tier, "secure") == 0;
		dind += json_is_true(
			json_object_get(json_object_get(e, "specs"), "sysbox_runtime"));
		us += strcmp(st_str(json_object_get(e, "location"), "country_code"), "US") == 0;
	}
	/* a realistic spread, not one node copied 300 times */
	assert_true(kinds >= 10);
	assert_true(spot > 30 && secure > 30 && dind > 10 && us > 30 && us < 250);
	/* the same seed gives the same inventory, in the same order */
	json_t *again = st_req(&fx, "GET", "/executors?size=1000", NULL, NULL, &status);
	assert_true(json_equal(all, again));
	json_decref(again);
	json_t *page = st_req(&fx, "GET", "/executors?size=5&page=2", NULL, NULL, &status);
	assert_int_equal(json_array_size(page), 5);
	assert_string_equal(st_str(json_array_get(page, 0), "id"),
			    st_str(json_array_get(all, 5), "id"));
	json_decref(page);
	json_decref(all);
}

static double miles(double lat1, double lon1, double lat2, double lon2)
{
	const double r = M_PI / 180.0;
	double a = sin((lat2 - lat1) * r / 2) * sin((lat2 - lat1) * r / 2) +
		   cos(lat1 * r) * cos(lat2 * r) * sin((lon2 - lon1) * r / 2) *
			   sin((lon2 - lon1) * r / 2);
	return 3958.8 * 2 * atan2(sqrt(a), sqrt(1 - a));
}

static void test_sim_api__executors_filters(void **state)
{
	(void)state;
	long status;
	json_t *all = st_req(&fx, "GET", "/executors", NULL, NULL, &status);
	size_t total = json_array_size(all);

	/* machine_names: full names, comma-joined, as the official client sends */
	json_t *r = st_req(&fx, "GET",
			   "/executors?machine_names=NVIDIA+H100+80GB+HBM3,NVIDIA+GeForce+RTX+4090",
			   NULL, NULL, &status);
	assert_int_equal(status, 200);
	size_t expect = 0, i;
	json_t *e;
	json_array_foreach(all, i, e)
	{
		const char *m = st_str(e, "machine_name");
		expect += strcmp(m, "NVIDIA H100 80GB HBM3") == 0 ||
			  strcmp(m, "NVIDIA GeForce RTX 4090") == 0;
	}
	assert_true(expect > 0);
	assert_int_equal(json_array_size(r), expect);
	json_array_foreach(r, i, e)
	{
		const char *m = st_str(e, "machine_name");
		assert_true(strcmp(m, "NVIDIA H100 80GB HBM3") == 0 ||
			    strcmp(m, "NVIDIA GeForce RTX 4090") == 0);
	}
	json_decref(r);
	/* a short name is not a machine name */
	r = st_req(&fx, "GET", "/executors?machine_names=4090", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);

	/* gpu_count_gte + gpu_count_lte = exactly N */
	r = st_req(&fx, "GET", "/executors?gpu_count_gte=8&gpu_count_lte=8", NULL, NULL, &status);
	assert_true(json_array_size(r) > 0 && json_array_size(r) < total);
	json_array_foreach(r, i, e)
	{
		json_t *gpu = json_object_get(json_object_get(e, "specs"), "gpu");
		assert_int_equal(json_integer_value(json_object_get(gpu, "count")), 8);
	}
	json_decref(r);

	/* price_per_hour_* on the total hourly price */
	r = st_req(&fx, "GET", "/executors?price_per_hour_lte=1.5&price_per_hour_gte=0.5", NULL,
		   NULL, &status);
	assert_true(json_array_size(r) > 0);
	json_array_foreach(r, i, e)
	{
		json_t *gpu = json_object_get(json_object_get(e, "specs"), "gpu");
		double total_price = json_number_value(json_object_get(e, "price_per_gpu")) *
				     (double)json_integer_value(json_object_get(gpu, "count"));
		assert_true(total_price <= 1.5 + 1e-9 && total_price >= 0.5 - 1e-9);
	}
	json_decref(r);

	/* lat/lon/max_distance_mile: Frankfurt, 500 miles */
	r = st_req(&fx, "GET", "/executors?lat=50.11&lon=8.68&max_distance_mile=500", NULL, NULL,
		   &status);
	size_t near = 0;
	json_array_foreach(all, i, e)
	{
		json_t *loc = json_object_get(e, "location");
		near += miles(50.11, 8.68, json_number_value(json_object_get(loc, "lat")),
			      json_number_value(json_object_get(loc, "lon"))) <= 500;
	}
	assert_true(near > 0 && near < total);
	assert_int_equal(json_array_size(r), near);
	json_array_foreach(r, i, e)
	{
		const char *cc = st_str(json_object_get(e, "location"), "country_code");
		assert_true(strcmp(cc, "US") != 0 && strcmp(cc, "JP") != 0);
	}
	json_decref(r);
	json_decref(all);
}

static void test_sim_api__executors_validation(void **state)
{
	(void)state;
	long status;
	json_t *r = st_req(&fx, "GET", "/executors?gpu_count_gte=many", NULL, NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "query.gpu_count_gte", "int_parsing");
	json_decref(r);
	r = st_req(&fx, "GET", "/executors?lat=north&size=0", NULL, NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "query.lat", "float_parsing");
	assert_422_at(r, "query.size", NULL);
	json_decref(r);
}

static void test_sim_api__machines(void **state)
{
	(void)state;
	long status;
	json_t *m = st_req(&fx, "GET", "/machines", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_array_size(m) >= 10);
	json_t *execs = st_req(&fx, "GET", "/executors", NULL, NULL, &status);
	size_t i, k;
	json_t *e, *n;
	json_array_foreach(execs, i, e)
	{
		bool found = false;
		json_array_foreach(m, k, n)
		{
			found = found || strcmp(st_str(n, "name"), st_str(e, "machine_name")) == 0;
		}
		assert_true(found);
	}
	const char *want[] = {"H100", "H200",     "B200",     "A100",
			      "L40S", "RTX 4090", "RTX 5090", "A6000"};
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		bool found = false;
		json_array_foreach(m, k, n)
		{
			found = found || strstr(st_str(n, "name"), want[w]);
		}
		assert_true(found);
	}
	json_decref(execs);
	json_decref(m);
}

static void test_sim_api__default_image_and_estimate(void **state)
{
	(void)state;
	long status;
	json_t *r = st_req(&fx, "GET",
			   "/executors/default-docker-image?gpu_model=NVIDIA+H100+80GB+HBM3"
			   "&driver_version=570.124.06",
			   NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_array_size(r) >= 1);
	json_t *templates = st_req(&fx, "GET", "/templates", NULL, NULL, &status);
	/* the §13.1 flow finds a template for one of the images */
	bool matched = false;
	size_t i, k;
	json_t *img, *t;
	json_array_foreach(r, i, img)
	{
		json_array_foreach(templates, k, t)
		{
			matched = matched || (strcmp(st_str(img, "docker_image"),
						     st_str(t, "docker_image")) == 0 &&
					      strcmp(st_str(img, "docker_image_tag"),
						     st_str(t, "docker_image_tag")) == 0);
		}
	}
	assert_true(matched);
	json_decref(templates);
	json_decref(r);
	r = st_req(&fx, "GET", "/executors/default-docker-image?driver_version=1", NULL, NULL,
		   &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "query.gpu_model", "missing");
	json_decref(r);

	json_t *execs = st_req(&fx, "GET", "/executors?size=1", NULL, NULL, &status);
	const char *eid = st_str(json_array_get(execs, 0), "id");
	r = st_getf(&fx, &status, "/executors/deployment-estimate?executor_id=%s&template_id=%s",
		    eid, ST_DEFAULT_TEMPLATE);
	assert_int_equal(status, 200);
	assert_true(json_is_integer(json_object_get(r, "estimated_seconds")));
	assert_true(json_integer_value(json_object_get(r, "estimated_seconds")) > 0);
	assert_true(json_is_boolean(json_object_get(r, "is_slow_machine")));
	assert_true(json_is_boolean(json_object_get(r, "is_cached_template")));
	json_t *w = json_object_get(r, "warning_message");
	assert_true(json_is_null(w) || json_is_string(w));
	assert_true(json_is_integer(json_object_get(r, "docker_image_size")));
	json_decref(r);
	r = st_getf(&fx, &status, "/executors/deployment-estimate?executor_id=%s&template_id=%s",
		    ZERO_ID, ST_DEFAULT_TEMPLATE);
	assert_int_equal(status, 404);
	assert_detail(r, "Executor not found");
	json_decref(r);
	r = st_getf(&fx, &status, "/executors/deployment-estimate?executor_id=%s", eid);
	assert_int_equal(status, 422);
	assert_422_at(r, "query.template_id", "missing");
	json_decref(r);
	json_decref(execs);
}

/* ---- templates -------------------------------------------------------- */

static json_t *wait_template(const char *id, const char *want)
{
	double end = st_now() + 10;
	while (st_now() < end) {
		long status;
		json_t *t = st_getf(&fx, &status, "/templates/%s", id);
		if (strcmp(st_str(t, "status"), want) == 0)
			return t;
		json_decref(t);
		st_sleep_ms(30);
	}
	return NULL;
}

static void test_sim_api__templates(void **state)
{
	(void)state;
	long status;
	json_t *list = st_req(&fx, "GET", "/templates", NULL, NULL, &status);
	assert_int_equal(status, 200);
	size_t i;
	json_t *t;
	bool has_default = false;
	json_array_foreach(list, i, t)
	{
		assert_true(json_is_null(json_object_get(t, "user_id")));
		assert_string_equal(st_str(t, "status"), "VERIFY_SUCCESS");
		if (strcmp(st_str(t, "id"), ST_DEFAULT_TEMPLATE) == 0) {
			has_default = true;
			assert_string_equal(st_str(t, "category"), "PYTORCH");
		}
	}
	assert_true(has_default);
	json_decref(list);
	t = st_req(&fx, "GET", "/templates/" ST_DEFAULT_TEMPLATE, NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(t, "docker_image"), "daturaai/pytorch");
	json_decref(t);
	/* ids only: a HUID is not found */
	t = st_req(&fx, "GET", "/templates/gentle-eagle-d0", NULL, NULL, &status);
	assert_int_equal(status, 404);
	assert_detail(t, "Template not found");
	json_decref(t);

	/* create: defaults of §10.2 and the status progression */
	json_t *me = st_req(&fx, "GET", "/users/me", NULL, NULL, &status);
	t = st_req(&fx, "POST", "/templates",
		   "{\"name\":\"my-image\",\"docker_image\":\"alice/trainer\"}", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(t, "status"), "CREATED");
	assert_string_equal(st_str(t, "docker_image_tag"), "latest");
	assert_string_equal(st_str(t, "category"), "UBUNTU");
	assert_string_equal(st_str(t, "user_id"), st_str(me, "id"));
	assert_true(json_is_true(json_object_get(t, "is_private")));
	assert_int_equal(json_array_size(json_object_get(t, "internal_ports")), 2);
	char *id = strdup(st_str(t, "id"));
	json_decref(t);
	t = wait_template(id, "VERIFY_PENDING");
	assert_non_null(t);
	json_decref(t);
	t = wait_template(id, "VERIFY_SUCCESS");
	assert_non_null(t);
	json_decref(t);
	/* private: the other user does not see it */
	t = st_getf(&fx, &status, "/templates/%s", id);
	json_decref(t);
	json_t *other = st_req(&fx, "GET", "/templates", NULL, OTHER_KEY, &status);
	json_array_foreach(other, i, t)
	{
		assert_string_not_equal(st_str(t, "id"), id);
	}
	json_decref(other);
	char path[128];
	snprintf(path, sizeof path, "/templates/%s", id);
	t = st_req(&fx, "GET", path, NULL, OTHER_KEY, &status);
	assert_int_equal(status, 404);
	json_decref(t);
	/* update: full object, back through verification */
	t = st_req(&fx, "PUT", path,
		   "{\"name\":\"my-image\",\"docker_image\":\"alice/trainer\","
		   "\"docker_image_tag\":\"v2\",\"environment\":{\"A\":\"1\"}}",
		   NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(t, "status"), "UPDATED");
	assert_string_equal(st_str(t, "docker_image_tag"), "v2");
	json_decref(t);
	t = wait_template(id, "VERIFY_SUCCESS");
	assert_non_null(t);
	json_decref(t);
	/* a failing image */
	t = st_req(&fx, "POST", "/templates",
		   "{\"name\":\"broken\",\"docker_image\":\"alice/will-fail\"}", NULL, &status);
	assert_int_equal(status, 200);
	char *bad = strdup(st_str(t, "id"));
	json_decref(t);
	t = wait_template(bad, "VERIFY_FAILED");
	assert_non_null(t);
	assert_true(json_is_string(json_object_get(t, "verification_logs")));
	json_decref(t);
	/* system templates are read-only */
	t = st_req(&fx, "PUT", "/templates/" ST_DEFAULT_TEMPLATE,
		   "{\"name\":\"x\",\"docker_image\":\"y\"}", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(t);
	t = st_req(&fx, "DELETE", "/templates/" ST_DEFAULT_TEMPLATE, NULL, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(t);
	/* delete */
	t = st_req(&fx, "DELETE", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(t, "success")));
	json_decref(t);
	t = st_req(&fx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 404);
	json_decref(t);
	snprintf(path, sizeof path, "/templates/%s", bad);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_int_equal(status, 200);
	free(bad);
	free(id);
	json_decref(me);
}

static void test_sim_api__template_validation(void **state)
{
	(void)state;
	long status;
	json_t *r = st_req(&fx, "POST", "/templates", "{\"docker_image\":\"a/b\"}", NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "body.name", "missing");
	json_decref(r);
	r = st_req(&fx, "POST", "/templates",
		   "{\"name\":\"x\",\"docker_image\":\"a/b\",\"category\":\"GAMES\","
		   "\"internal_ports\":[22,\"8000\"],\"is_private\":\"yes\"}",
		   NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "body.category", "enum");
	assert_422_at(r, "body.internal_ports.#", "int_type");
	assert_422_at(r, "body.is_private", "bool_type");
	json_decref(r);
	/* an image with its tag glued on is a client mistake */
	r = st_req(&fx, "POST", "/templates", "{\"name\":\"x\",\"docker_image\":\"python:3.11\"}",
		   NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "body.docker_image", "value_error");
	json_decref(r);
	/* not JSON at all */
	r = st_req(&fx, "POST", "/templates", "{\"name\": ", NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "body.#", "json_invalid");
	json_decref(r);
	r = st_req(&fx, "POST", "/templates", "[1,2]", NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "body", "model_attributes_type");
	json_decref(r);
	r = st_req(&fx, "POST", "/templates", NULL, NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(r, "body", "missing");
	json_decref(r);
	/* JSON text sent as a form (curl's -d default) is not a JSON body */
	char url[512];
	snprintf(url, sizeof url, "%s/volumes", fx.url);
	const char *argv[] = {
		"curl", "-sS", "-H", "X-API-KEY: sim-key", "-d", "{\"name\":\"form\"}", url, NULL};
	char *out = NULL;
	assert_int_equal(st_run(argv, &out, 30), 0);
	r = json_loads(out, 0, NULL);
	assert_422_at(r, "body", "model_attributes_type");
	json_decref(r);
	free(out);
	/* the same with the JSON type is fine */
	const char *argv2[] = {"curl", "-sS",
			       "-H",   "X-API-KEY: sim-key",
			       "-H",   "Content-Type: application/json; charset=utf-8",
			       "-d",   "{\"name\":\"typed\"}",
			       url,    NULL};
	assert_int_equal(st_run(argv2, &out, 30), 0);
	r = json_loads(out, 0, NULL);
	assert_string_equal(st_str(r, "name"), "typed");
	json_decref(r);
	free(out);
}

/* ---- SSH keys, users -------------------------------------------------- */

static void test_sim_api__ssh_keys(void **state)
{
	(void)state;
	char *dir = st_tempdir();
	char *pub = st_keygen(dir, "k1");
	assert_non_null(pub);
	json_t *body = json_pack("{s:s,s:s}", "name", "cli-root@test", "public_key", pub);
	char *text = json_dumps(body, JSON_COMPACT);
	long status;
	json_t *k = st_req(&fx, "POST", "/ssh-keys", text, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(k, "name"), "cli-root@test");
	assert_string_equal(st_str(k, "public_key"), pub);
	assert_int_equal(strlen(st_str(k, "id")), 36);
	assert_true(strlen(st_str(k, "created_at")) >= 20);
	char *id = strdup(st_str(k, "id"));
	json_decref(k);
	json_t *list = st_req(&fx, "GET", "/ssh-keys", NULL, NULL, &status);
	assert_int_equal(status, 200);
	bool found = false;
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		found = found || strcmp(st_str(it, "id"), id) == 0;
	}
	assert_true(found);
	json_decref(list);
	/* the other user has its own keys */
	list = st_req(&fx, "GET", "/ssh-keys", NULL, OTHER_KEY, &status);
	json_array_foreach(list, i, it)
	{
		assert_string_not_equal(st_str(it, "id"), id);
	}
	json_decref(list);
	/* registering it twice is a conflict */
	k = st_req(&fx, "POST", "/ssh-keys", text, NULL, &status);
	assert_int_equal(status, 409);
	assert_detail(k, "already exists");
	json_decref(k);
	/* not a key */
	k = st_req(&fx, "POST", "/ssh-keys",
		   "{\"name\":\"x\",\"public_key\":\"ssh-ed25519 bm90IGEga2V5IGF0IGFsbA== x\"}",
		   NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(k, "body.public_key", "value_error");
	json_decref(k);
	k = st_req(&fx, "POST", "/ssh-keys", "{\"name\":\"x\"}", NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(k, "body.public_key", "missing");
	json_decref(k);
	char path[128];
	snprintf(path, sizeof path, "/ssh-keys/%s", id);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_int_equal(status, 200);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_int_equal(status, 404);
	free(id);
	free(text);
	json_decref(body);
	free(pub);
	st_rmtree(dir);
	free(dir);
}

static void test_sim_api__users_me(void **state)
{
	(void)state;
	long status;
	json_t *me = st_req(&fx, "GET", "/users/me", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(strlen(st_str(me, "id")), 36);
	assert_non_null(strchr(st_str(me, "email"), '@'));
	assert_true(json_is_number(json_object_get(me, "balance")));
	assert_true(strncmp(st_str(me, "stripe_customer_id"), "cus_", 4) == 0);
	json_t *other = st_req(&fx, "GET", "/users/me", NULL, OTHER_KEY, &status);
	assert_string_not_equal(st_str(me, "id"), st_str(other, "id"));
	assert_true(fabs(json_number_value(json_object_get(other, "balance")) - 250.0) < 1e-9);
	json_decref(other);
	json_decref(me);
}

/* ---- volumes ---------------------------------------------------------- */

static void test_sim_api__volumes(void **state)
{
	(void)state;
	long status;
	json_t *v = st_req(&fx, "POST", "/volumes", "{\"name\":\"data\",\"description\":\"\"}",
			   NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(v, "name"), "data");
	assert_int_equal(json_integer_value(json_object_get(v, "current_size_bytes")), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "current_file_count")), 0);
	assert_true(json_is_number(json_object_get(v, "current_size_gb")));
	assert_true(json_is_number(json_object_get(v, "current_size_mb")));
	assert_true(json_is_string(json_object_get(v, "last_metrics_update")));
	char path[128];
	snprintf(path, sizeof path, "/volumes/%s", st_str(v, "id"));
	json_decref(v);
	v = st_req(&fx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(v);
	json_decref(st_req(&fx, "GET", path, NULL, OTHER_KEY, &status));
	assert_int_equal(status, 404);
	v = st_req(&fx, "PUT", path, "{\"description\":\"training data\"}", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(v, "name"), "data");
	assert_string_equal(st_str(v, "description"), "training data");
	json_decref(v);
	v = st_req(&fx, "PUT", path, "{}", NULL, &status);
	assert_int_equal(status, 422);
	json_decref(v);
	json_t *list = st_req(&fx, "GET", "/volumes", NULL, NULL, &status);
	assert_true(json_array_size(list) >= 1);
	json_decref(list);
	v = st_req(&fx, "POST", "/volumes", "{\"description\":\"x\"}", NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(v, "body.name", "missing");
	json_decref(v);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_int_equal(status, 200);
	v = st_req(&fx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 404);
	assert_detail(v, "Volume not found");
	json_decref(v);
}

/* ---- payments --------------------------------------------------------- */

static void test_sim_api__payments(void **state)
{
	(void)state;
	long status;
	json_t *c = st_req(&fx, "GET", "/tmc-pay/currencies?refresh=true", NULL, NULL, &status);
	assert_int_equal(status, 200);
	json_t *list = json_object_get(c, "currencies");
	assert_true(json_array_size(list) >= 2);
	json_t *first = json_array_get(list, 0);
	assert_true(json_is_integer(json_object_get(first, "decimals")));
	assert_true(json_is_integer(json_object_get(first, "display_decimals")));
	char *body = NULL;
	if (asprintf(&body, "{\"amount\":25,\"crypto_currency\":\"%s\",\"crypto_network\":\"%s\"}",
		     st_str(first, "code"), st_str(first, "network")) < 0)
		fail();
	json_t *inv = st_req(&fx, "POST", "/tmc-pay/create-invoice", body, NULL, &status);
	assert_int_equal(status, 200);
	const char *fields[] = {"invoice_id",        "deposit_address", "crypto_currency",
				"crypto_network",    "fiat_currency",   "expires_at",
				"hosted_invoice_url"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		assert_true(strlen(st_str(inv, fields[i])) > 0);
	assert_true(json_number_value(json_object_get(inv, "fiat_amount")) == 25.0);
	assert_true(json_is_number(json_object_get(inv, "crypto_amount")));
	json_decref(inv);
	free(body);
	json_decref(c);
	inv = st_req(&fx, "POST", "/tmc-pay/create-invoice",
		     "{\"amount\":25,\"crypto_currency\":\"DOGE\",\"crypto_network\":\"moon\"}",
		     NULL, &status);
	assert_int_equal(status, 400);
	assert_detail(inv, "Unsupported");
	json_decref(inv);
	inv = st_req(&fx, "POST", "/tmc-pay/create-invoice",
		     "{\"amount\":0,\"crypto_currency\":\"USDT\",\"crypto_network\":\"tron\"}",
		     NULL, &status);
	assert_int_equal(status, 422);
	assert_422_at(inv, "body.amount", "greater_than");
	json_decref(inv);
	json_t *me = st_req(&fx, "GET", "/users/me", NULL, NULL, &status);
	json_t *t = st_req(&fx, "POST", "/tao/create-transfer", "{\"amount\":10}", NULL, &status);
	assert_int_equal(status, 200);
	const char *url = st_str(t, "url");
	assert_non_null(strstr(url, "app_id="));
	char want[96];
	snprintf(want, sizeof want, "customer_id=%s", st_str(me, "stripe_customer_id"));
	assert_non_null(strstr(url, want));
	json_decref(t);
	json_decref(me);
}

/* ---- the request log -------------------------------------------------- */

static void test_sim_api__request_log(void **state)
{
	(void)state;
	long status;
	json_decref(st_req(&fx, "DELETE", "/_sim/requests", NULL, "", &status));
	assert_int_equal(status, 200);
	json_decref(st_req(&fx, "GET", "/executors?size=3&machine_names=NVIDIA+H200", NULL, NULL,
			   &status));
	json_decref(st_req(&fx, "POST", "/volumes", "{\"name\":\"logged\"}", "bad", &status));
	json_t *log = st_req(&fx, "GET", "/_sim/requests", NULL, "", &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(log), 2);
	json_t *a = json_array_get(log, 0), *b = json_array_get(log, 1);
	assert_string_equal(st_str(a, "method"), "GET");
	assert_string_equal(st_str(a, "path"), "/executors");
	assert_string_equal(st_str(a, "query"), "size=3&machine_names=NVIDIA+H200");
	assert_int_equal(json_integer_value(json_object_get(a, "status")), 200);
	assert_true(json_is_true(json_object_get(a, "api_key_ok")));
	assert_true(json_is_null(json_object_get(a, "body")));
	assert_true(json_integer_value(json_object_get(b, "seq")) >
		    json_integer_value(json_object_get(a, "seq")));
	assert_string_equal(st_str(b, "method"), "POST");
	assert_int_equal(json_integer_value(json_object_get(b, "status")), 401);
	assert_true(json_is_false(json_object_get(b, "api_key_ok")));
	assert_string_equal(st_str(json_object_get(b, "body"), "name"), "logged");
	assert_string_equal(st_str(json_object_get(b, "headers"), "content-type"),
			    "application/json");
	json_decref(log);
	json_decref(st_req(&fx, "DELETE", "/_sim/requests", NULL, "", &status));
	log = st_req(&fx, "GET", "/_sim/requests", NULL, "", &status);
	assert_int_equal(json_array_size(log), 0);
	json_decref(log);
}

/* ---- another inventory ------------------------------------------------ */

static void test_sim_api__executors_file(void **state)
{
	(void)state;
	sim_fixture f2;
	const char *args[] = {"--executors-file",
			      LIUM_SOURCE_DIR "/tests/sim/data/executors-sample.json", NULL};
	assert_int_equal(sim_fixture_start(&f2, args), 0);
	long status;
	json_t *list = st_req(&f2, "GET", "/executors", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(list), 3);
	json_t *first = json_array_get(list, 0);
	assert_string_equal(st_str(first, "id"), "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c");
	/* loaded objects are served as they are */
	assert_string_equal(st_str(first, "executor_ip_address"), "192.0.2.10");
	json_decref(list);
	json_t *m = st_req(&f2, "GET", "/machines", NULL, NULL, &status);
	assert_int_equal(json_array_size(m), 2);
	json_decref(m);
	/* a missing file is a start-up error */
	sim_fixture f3;
	const char *bad[] = {"--executors-file", "/nonexistent/executors.json", NULL};
	assert_int_not_equal(sim_fixture_start(&f3, bad), 0);
	sim_fixture_stop(&f2);
	assert_int_equal(f2.exit_status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_api__health),
		cmocka_unit_test(test_sim_api__every_endpoint_needs_the_key),
		cmocka_unit_test(test_sim_api__routing_errors),
		cmocka_unit_test(test_sim_api__executors_list),
		cmocka_unit_test(test_sim_api__executors_filters),
		cmocka_unit_test(test_sim_api__executors_validation),
		cmocka_unit_test(test_sim_api__machines),
		cmocka_unit_test(test_sim_api__default_image_and_estimate),
		cmocka_unit_test(test_sim_api__templates),
		cmocka_unit_test(test_sim_api__template_validation),
		cmocka_unit_test(test_sim_api__ssh_keys),
		cmocka_unit_test(test_sim_api__users_me),
		cmocka_unit_test(test_sim_api__volumes),
		cmocka_unit_test(test_sim_api__payments),
		cmocka_unit_test(test_sim_api__request_log),
		cmocka_unit_test(test_sim_api__executors_file),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
