/*
 * celium-sim pods are real SSH hosts: the lifecycle over HTTP, a real
 * OpenSSH login against the pinned host key, rsync into the pod, the
 * nvidia-smi stand-in, logs, reboot, volumes, backups and deletion.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "sim_test_util.h"

static sim_fixture fx;
static char *dir;   /* keys, known_hosts, rsync sources */
static char *key_a; /* registered through POST /ssh-keys */
static char *key_b; /* sent in the rent body only */
static char *key_c; /* never given to the sandbox */
static char *ident_a, *ident_b, *ident_c;

static int group_setup(void **state)
{
	(void)state;
	const char *args[] = {"--executors",
			      "40",
			      "--pending-ms",
			      "150",
			      "--starting-ms",
			      "150",
			      "--deleting-ms",
			      "300",
			      "--api-key",
			      "sim-key",
			      "--api-key",
			      "other-key",
			      NULL};
	if (sim_fixture_start(&fx, args) != 0)
		return -1;
	dir = st_tempdir();
	key_a = st_keygen(dir, "id_a");
	key_b = st_keygen(dir, "id_b");
	key_c = st_keygen(dir, "id_c");
	if (!key_a || !key_b || !key_c || asprintf(&ident_a, "%s/id_a", dir) < 0 ||
	    asprintf(&ident_b, "%s/id_b", dir) < 0 || asprintf(&ident_c, "%s/id_c", dir) < 0)
		return -1;
	json_t *body = json_pack("{s:s,s:s}", "name", "key-a", "public_key", key_a);
	char *text = json_dumps(body, JSON_COMPACT);
	long status;
	json_decref(st_req(&fx, "POST", "/ssh-keys", text, NULL, &status));
	free(text);
	json_decref(body);
	return status == 200 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	sim_fixture_stop(&fx);
	st_rmtree(dir);
	free(dir);
	free(key_a);
	free(key_b);
	free(key_c);
	free(ident_a);
	free(ident_b);
	free(ident_c);
	/* a clean exit: no sanitizer report, no crash */
	return fx.exit_status == 0 ? 0 : -1;
}

typedef struct pod {
	char *id;
	char *executor;
	int port;
	char *user;
	char *known_hosts;
	char *home;
} pod;

/* Rents a pod with key_b in the body and waits for RUNNING. */
static pod rent_running(const char *name)
{
	pod p = {0};
	p.id = st_rent(&fx, name, key_b, &p.executor);
	assert_non_null(p.id);
	json_t *running = st_wait_status(&fx, p.id, "RUNNING", 30);
	assert_non_null(running);
	const char *cmd = st_str(running, "ssh_connect_cmd");
	p.port = st_ssh_port(cmd);
	assert_true(p.port > 0);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(running, "ports_mapping"), "22")),
			 p.port);
	const char *at = strchr(cmd, '@');
	assert_non_null(at);
	p.user = strndup(cmd + 4, (size_t)(at - cmd - 4));
	json_decref(running);
	char *kdir = NULL;
	assert_true(asprintf(&kdir, "%s/%s", dir, p.id) > 0);
	mkdir(kdir, 0700);
	p.known_hosts = st_known_hosts(&fx, kdir, p.id, p.port);
	assert_non_null(p.known_hosts);
	free(kdir);
	long status;
	json_t *info = st_getf(&fx, &status, "/_sim/pods/%s", p.id);
	p.home = strdup(st_str(info, "home"));
	json_decref(info);
	return p;
}

static void delete_pod(pod *p)
{
	long status;
	char path[128];
	snprintf(path, sizeof path, "/pods/%s", p->id);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_true(st_wait_gone(&fx, p->id, 20));
	free(p->id);
	free(p->executor);
	free(p->user);
	free(p->known_hosts);
	free(p->home);
	memset(p, 0, sizeof *p);
}

static bool executor_listed(const char *id)
{
	long status;
	json_t *all = st_req(&fx, "GET", "/executors", NULL, NULL, &status);
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach(all, i, e)
	{
		found = found || strcmp(st_str(e, "id"), id) == 0;
	}
	json_decref(all);
	return found;
}

/* ---- the lifecycle ---------------------------------------------------- */

static void test_sim_pods__lifecycle_and_ssh(void **state)
{
	(void)state;
	long status;
	char *eid = NULL;
	char *id = st_rent(&fx, "lifecycle", key_b, &eid);
	assert_non_null(id);
	/* PENDING first, without SSH coordinates */
	json_t *p = st_getf(&fx, &status, "/pods/%s", id);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(p, "status"), "PENDING");
	assert_true(json_is_null(json_object_get(p, "ssh_connect_cmd")));
	assert_string_equal(st_str(p, "pod_name"), "lifecycle");
	assert_string_equal(st_str(json_object_get(p, "executor"), "id"), eid);
	assert_string_equal(st_str(json_object_get(p, "executor"), "executor_ip_address"),
			    "127.0.0.1");
	assert_null(json_object_get(json_object_get(p, "executor"), "price_per_gpu"));
	assert_string_equal(st_str(json_object_get(p, "template"), "id"), ST_DEFAULT_TEMPLATE);
	assert_true(json_number_value(json_object_get(p, "price")) > 0);
	json_decref(p);
	/* rented executors leave the list */
	assert_false(executor_listed(eid));
	/* then STARTING (no SSH yet), then RUNNING with ssh_connect_cmd */
	bool saw_starting = false;
	double end = st_now() + 30;
	json_t *running = NULL;
	while (st_now() < end && !running) {
		p = st_getf(&fx, &status, "/pods/%s", id);
		const char *s = st_str(p, "status");
		if (strcmp(s, "STARTING") == 0) {
			saw_starting = true;
			assert_true(json_is_null(json_object_get(p, "ssh_connect_cmd")));
		}
		if (strcmp(s, "RUNNING") == 0)
			running = p;
		else
			json_decref(p);
		st_sleep_ms(20);
	}
	assert_true(saw_starting);
	assert_non_null(running);
	const char *cmd = st_str(running, "ssh_connect_cmd");
	assert_true(strncmp(cmd, "ssh ", 4) == 0);
	assert_non_null(strstr(cmd, "@127.0.0.1 -p "));
	int port = st_ssh_port(cmd);
	/* the listing shows it too, in the same shape */
	json_t *list = st_req(&fx, "GET", "/pods", NULL, NULL, &status);
	bool listed = false;
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		listed = listed || strcmp(st_str(it, "id"), id) == 0;
	}
	assert_true(listed);
	json_decref(list);
	/* the other user sees nothing of it */
	char path[128];
	snprintf(path, sizeof path, "/pods/%s", id);
	json_decref(st_req(&fx, "GET", path, NULL, "other-key", &status));
	assert_int_equal(status, 404);

	/* a real login, host key pinned (StrictHostKeyChecking=yes) */
	char *known = st_known_hosts(&fx, dir, id, port);
	assert_non_null(known);
	char user[64];
	snprintf(user, sizeof user, "%.*s", (int)(strchr(cmd, '@') - cmd - 4), cmd + 4);
	json_t *info = st_getf(&fx, &status, "/_sim/pods/%s", id);
	char *out = NULL;
	int rc = st_ssh(ident_b, known, user, port, "echo hello-$LIUM_POD_ID; pwd", &out);
	if (rc != 0)
		print_error("ssh: %s\n", out);
	assert_int_equal(rc, 0);
	char want[256];
	snprintf(want, sizeof want, "hello-%s\n%s\n", id, st_str(info, "home"));
	assert_string_equal(out, want);
	free(out);
	/* the registered key works as well; an unknown key does not */
	rc = st_ssh(ident_a, known, user, port, "true", &out);
	assert_int_equal(rc, 0);
	free(out);
	rc = st_ssh(ident_c, known, user, port, "true", &out);
	assert_int_equal(rc, 255);
	free(out);
	/* a wrong host key is refused */
	FILE *kf = fopen(known, "w");
	fprintf(kf, "[127.0.0.1]:%d %s\n", port, key_c);
	fclose(kf);
	rc = st_ssh(ident_b, known, user, port, "true", &out);
	assert_int_equal(rc, 255);
	free(out);
	json_decref(info);
	json_decref(running);

	/* delete: DELETING, then the reference's 404; the executor comes back */
	json_t *del = st_req(&fx, "DELETE", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(del, "status"), "DELETING");
	json_decref(del);
	assert_true(st_wait_gone(&fx, id, 20));
	json_t *gone = st_req(&fx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 404);
	assert_string_equal(st_str(gone, "detail"), "Pod not found");
	json_decref(gone);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_int_equal(status, 404);
	assert_true(executor_listed(eid));
	unlink(known);
	free(known);
	free(id);
	free(eid);
}

static void test_sim_pods__rsync_into_pod(void **state)
{
	(void)state;
	pod p = rent_running("rsync");
	char *src = NULL, *back = NULL, *e = NULL;
	assert_true(asprintf(&src, "%s/src", dir) > 0);
	assert_true(asprintf(&back, "%s/back", dir) > 0);
	mkdir(src, 0700);
	char *f1 = NULL, *f2 = NULL;
	assert_true(asprintf(&f1, "%s/a.txt", src) > 0);
	assert_true(asprintf(&f2, "%s/sub", src) > 0);
	mkdir(f2, 0700);
	FILE *fp = fopen(f1, "w");
	fputs("payload for the pod\n", fp);
	fclose(fp);
	free(f2);
	assert_true(asprintf(&f2, "%s/sub/b.bin", src) > 0);
	fp = fopen(f2, "w");
	for (int i = 0; i < 100000; i++)
		fputc(i & 0xff, fp);
	fclose(fp);
	assert_true(asprintf(&e,
			     "ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o BatchMode=yes "
			     "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=%s -p %d",
			     ident_b, p.known_hosts, p.port) > 0);
	char src_slash[4200], dest[256];
	snprintf(src_slash, sizeof src_slash, "%s/", src);
	snprintf(dest, sizeof dest, "%s@127.0.0.1:data", p.user);
	const char *argv[] = {"rsync", "-az", "-e", e, src_slash, dest, NULL};
	char *out = NULL;
	int rc = st_run(argv, &out, 60);
	if (rc != 0)
		print_error("rsync: %s\n", out);
	assert_int_equal(rc, 0);
	free(out);
	/* the files are in the pod's home, on disk */
	char *landed = NULL;
	assert_true(asprintf(&landed, "%s/data/sub/b.bin", p.home) > 0);
	struct stat st;
	assert_int_equal(stat(landed, &st), 0);
	assert_int_equal(st.st_size, 100000);
	free(landed);
	/* and come back intact */
	snprintf(dest, sizeof dest, "%s@127.0.0.1:data/", p.user);
	const char *argv2[] = {"rsync", "-az", "-e", e, dest, back, NULL};
	rc = st_run(argv2, &out, 60);
	assert_int_equal(rc, 0);
	free(out);
	const char *diff[] = {"diff", "-r", src, back, NULL};
	rc = st_run(diff, &out, 30);
	if (rc != 0)
		print_error("diff: %s\n", out);
	assert_int_equal(rc, 0);
	free(out);
	free(f1);
	free(f2);
	free(e);
	st_rmtree(src);
	st_rmtree(back);
	free(src);
	free(back);
	delete_pod(&p);
}

static void test_sim_pods__nvidia_smi(void **state)
{
	(void)state;
	pod p = rent_running("smi");
	long status;
	json_t *pj = st_getf(&fx, &status, "/pods/%s", p.id);
	int count = atoi(st_str(pj, "gpu_count"));
	char gpu_name[128];
	snprintf(gpu_name, sizeof gpu_name, "%s", st_str(pj, "gpu_name"));
	json_decref(pj);
	char *out = NULL;
	int rc = st_ssh(ident_b, p.known_hosts, p.user, p.port, "nvidia-smi -L", &out);
	assert_int_equal(rc, 0);
	int lines = 0;
	for (char *s = out; (s = strstr(s, "GPU ")) != NULL; s++)
		lines++;
	assert_int_equal(lines, count);
	assert_non_null(strstr(out, gpu_name));
	assert_non_null(strstr(out, "(UUID: GPU-"));
	free(out);
	rc = st_ssh(ident_b, p.known_hosts, p.user, p.port,
		    "nvidia-smi --query-gpu=index,name,memory.total,memory.used,"
		    "utilization.gpu,temperature.gpu,power.draw --format=csv",
		    &out);
	assert_int_equal(rc, 0);
	const char *header = "index, name, memory.total [MiB], memory.used [MiB], "
			     "utilization.gpu [%], temperature.gpu, power.draw [W]\n";
	if (strncmp(out, header, strlen(header)) != 0)
		print_error("nvidia-smi said: %s\n", out);
	assert_true(strncmp(out, header, strlen(header)) == 0);
	assert_non_null(strstr(out, " MiB, "));
	free(out);
	/* noheader,nounits: numbers only; readings move over time */
	const char *q = "nvidia-smi --query-gpu=index,utilization.gpu,memory.used,power.draw,"
			"temperature.gpu --format=csv,noheader,nounits";
	double first[8][5] = {{0}};
	bool changed = false;
	for (int round = 0; round < 2; round++) {
		rc = st_ssh(ident_b, p.known_hosts, p.user, p.port, q, &out);
		assert_int_equal(rc, 0);
		char *save = NULL;
		int row = 0;
		for (char *line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save), row++) {
			double v[5];
			assert_int_equal(sscanf(line, "%lf, %lf, %lf, %lf, %lf", &v[0], &v[1],
						&v[2], &v[3], &v[4]),
					 5);
			assert_int_equal((int)v[0], row);
			assert_true(v[1] >= 0 && v[1] <= 100);
			assert_true(v[2] > 0);
			assert_true(v[3] > 0);
			assert_true(v[4] > 20 && v[4] < 100);
			for (int k = 1; k < 5 && row < 8; k++) {
				if (round == 0)
					first[row][k] = v[k];
				else if (fabs(first[row][k] - v[k]) > 1e-9)
					changed = true;
			}
		}
		assert_int_equal(row, count);
		free(out);
		if (round == 0)
			st_sleep_ms(2200);
	}
	assert_true(changed);
	/* the summary table and an unknown field */
	rc = st_ssh(ident_b, p.known_hosts, p.user, p.port, "nvidia-smi", &out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "NVIDIA-SMI"));
	assert_non_null(strstr(out, "CUDA Version"));
	free(out);
	rc = st_ssh(ident_b, p.known_hosts, p.user, p.port,
		    "nvidia-smi --query-gpu=bogus --format=csv", &out);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "is not a valid field"));
	free(out);
	delete_pod(&p);
}

/* A template's environment reaches the pod's sessions. */
static void test_sim_pods__template_environment(void **state)
{
	(void)state;
	long status;
	json_t *t = st_req(&fx, "POST", "/templates",
			   "{\"name\":\"env\",\"docker_image\":\"alice/env\",\"environment\":"
			   "{\"GREETING\":\"hello pods\",\"HF_HOME\":\"/workspace/hf\"}}",
			   NULL, &status);
	assert_int_equal(status, 200);
	char tid[64];
	snprintf(tid, sizeof tid, "%s", st_str(t, "id"));
	json_decref(t);
	json_t *execs = st_req(&fx, "GET", "/executors?size=1", NULL, NULL, &status);
	char path[128];
	snprintf(path, sizeof path, "/executors/%s/rent", st_str(json_array_get(execs, 0), "id"));
	json_decref(execs);
	char *body = st_rent_body("env", tid, key_b);
	json_t *pj = st_req(&fx, "POST", path, body, NULL, &status);
	free(body);
	assert_int_equal(status, 200);
	char id[64];
	snprintf(id, sizeof id, "%s", st_str(pj, "id"));
	json_decref(pj);
	pj = st_wait_status(&fx, id, "RUNNING", 30);
	assert_non_null(pj);
	int port = st_ssh_port(st_str(pj, "ssh_connect_cmd"));
	const char *cmd = st_str(pj, "ssh_connect_cmd");
	char user[64];
	snprintf(user, sizeof user, "%.*s", (int)(strchr(cmd, '@') - cmd - 4), cmd + 4);
	char *known = st_known_hosts(&fx, dir, id, port);
	char *out = NULL;
	int rc = st_ssh(ident_b, known, user, port, "printf '%s|%s' \"$GREETING\" \"$HF_HOME\"",
			&out);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "hello pods|/workspace/hf");
	free(out);
	json_decref(pj);
	snprintf(path, sizeof path, "/pods/%s", id);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_true(st_wait_gone(&fx, id, 20));
	unlink(known);
	free(known);
}

/* Delete stops the sshd and every session process, detached ones too. */
static void test_sim_pods__delete_stops_everything(void **state)
{
	(void)state;
	pod p = rent_running("procs");
	long status;
	json_t *info = st_getf(&fx, &status, "/_sim/pods/%s", p.id);
	int sshd = (int)json_integer_value(json_object_get(info, "sshd_pid"));
	char dirpath[4200];
	snprintf(dirpath, sizeof dirpath, "%s", st_str(info, "dir"));
	char tag[128];
	snprintf(tag, sizeof tag, "%s", st_str(info, "tag"));
	json_decref(info);
	assert_true(st_pid_alive(sshd));
	char *out = NULL;
	int rc = st_ssh(ident_b, p.known_hosts, p.user, p.port,
			"setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!", &out);
	assert_int_equal(rc, 0);
	int sleeper = atoi(out);
	free(out);
	assert_true(sleeper > 0);
	assert_true(st_pid_alive(sleeper));
	assert_true(st_count_tagged(tag) >= 1);
	delete_pod(&p);
	assert_false(st_pid_alive(sleeper));
	assert_false(st_pid_alive(sshd));
	assert_int_equal(st_count_tagged(tag), 0);
	struct stat st;
	assert_int_not_equal(stat(dirpath, &st), 0);
}

static void test_sim_pods__reboot(void **state)
{
	(void)state;
	pod p = rent_running("reboot");
	long status;
	char *out = NULL;
	int rc = st_ssh(ident_b, p.known_hosts, p.user, p.port,
			"setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!", &out);
	assert_int_equal(rc, 0);
	int sleeper = atoi(out);
	free(out);
	char path[128];
	snprintf(path, sizeof path, "/pods/%s/reboot", p.id);
	json_t *r = st_req(&fx, "POST", path, "{}", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(r, "status"), "STARTING");
	assert_true(json_is_null(json_object_get(r, "ssh_connect_cmd")));
	json_decref(r);
	json_t *pj = st_wait_status(&fx, p.id, "RUNNING", 30);
	assert_non_null(pj);
	/* same port, same host key; the old processes are gone */
	assert_int_equal(st_ssh_port(st_str(pj, "ssh_connect_cmd")), p.port);
	json_decref(pj);
	assert_false(st_pid_alive(sleeper));
	rc = st_ssh(ident_b, p.known_hosts, p.user, p.port, "echo back", &out);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "back\n");
	free(out);
	/* the log tells the story */
	snprintf(path, sizeof path, "/pods/%s/logs?tail=1000", p.id);
	sim_http_result res;
	assert_int_equal(sim_fixture_http(&fx, "GET", path, NULL, NULL, &res), 0);
	assert_non_null(strstr(res.body, "reboot requested"));
	sim_http_result_free(&res);
	delete_pod(&p);
}

/* ---- logs ------------------------------------------------------------- */

typedef struct follower {
	char url[512];
	char *data;
	size_t len;
	int curl_code;
	pthread_mutex_t lock;
} follower;

static size_t follow_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	follower *f = userdata;
	size_t n = size * nmemb;
	pthread_mutex_lock(&f->lock);
	f->data = realloc(f->data, f->len + n + 1);
	memcpy(f->data + f->len, ptr, n);
	f->len += n;
	f->data[f->len] = '\0';
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void *follow_thread(void *arg)
{
	follower *f = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "X-API-KEY: sim-key");
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, follow_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	f->curl_code = (int)curl_easy_perform(c);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static bool follower_has(follower *f, const char *needle)
{
	pthread_mutex_lock(&f->lock);
	bool hit = f->data && strstr(f->data, needle);
	pthread_mutex_unlock(&f->lock);
	return hit;
}

static void test_sim_pods__logs(void **state)
{
	(void)state;
	pod p = rent_running("logs");
	char path[256];
	/* tail: exactly N data lines, each a JSON object with "log" */
	snprintf(path, sizeof path, "/pods/%s/logs?tail=3", p.id);
	sim_http_result res;
	assert_int_equal(sim_fixture_http(&fx, "GET", path, NULL, NULL, &res), 0);
	assert_int_equal(res.status, 200);
	assert_non_null(strstr(res.headers, "text/event-stream"));
	int lines = 0;
	char *save = NULL;
	for (char *line = strtok_r(res.body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		assert_true(strncmp(line, "data: ", 6) == 0);
		json_t *o = json_loads(line + 6, 0, NULL);
		assert_true(json_is_string(json_object_get(o, "log")));
		json_decref(o);
		lines++;
	}
	assert_int_equal(lines, 3);
	sim_http_result_free(&res);
	snprintf(path, sizeof path, "/pods/%s/logs?tail=1000&follow=false", p.id);
	assert_int_equal(sim_fixture_http(&fx, "GET", path, NULL, NULL, &res), 0);
	assert_non_null(strstr(res.body, "Server listening on 127.0.0.1"));
	assert_non_null(strstr(res.body, "pod is RUNNING"));
	sim_http_result_free(&res);
	snprintf(path, sizeof path, "/pods/%s/logs?tail=-1", p.id);
	json_t *bad = st_req(&fx, "GET", path, NULL, NULL, &(long){0});
	assert_non_null(json_object_get(bad, "detail"));
	json_decref(bad);

	/* follow: a login shows up live; deleting the pod ends the stream */
	follower f = {0};
	pthread_mutex_init(&f.lock, NULL);
	snprintf(f.url, sizeof f.url, "%s/pods/%s/logs?tail=0&follow=true", fx.url, p.id);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, follow_thread, &f), 0);
	st_sleep_ms(300);
	char *out = NULL;
	assert_int_equal(st_ssh(ident_b, p.known_hosts, p.user, p.port, "true", &out), 0);
	free(out);
	double end = st_now() + 10;
	while (st_now() < end && !follower_has(&f, "Accepted publickey"))
		st_sleep_ms(50);
	assert_true(follower_has(&f, "Accepted publickey"));
	assert_false(follower_has(&f, "pod is RUNNING")); /* tail=0 */
	char *id = strdup(p.id);
	delete_pod(&p);
	pthread_join(th, NULL);
	assert_int_equal(f.curl_code, 0);
	assert_true(follower_has(&f, "deleting the pod"));
	free(f.data);
	free(id);
	pthread_mutex_destroy(&f.lock);
}

/* ---- money and time --------------------------------------------------- */

static void test_sim_pods__balance_and_scheduled_removal(void **state)
{
	(void)state;
	long status;
	json_t *me = st_req(&fx, "GET", "/users/me", NULL, NULL, &status);
	double before = json_number_value(json_object_get(me, "balance"));
	json_decref(me);
	pod p = rent_running("billing");
	json_t *pj = st_getf(&fx, &status, "/pods/%s", p.id);
	double price = json_number_value(json_object_get(pj, "price"));
	json_decref(pj);
	/* an hour later (simulated) the balance fell by about price * 1 h */
	json_decref(st_req(&fx, "POST", "/_sim/clock", "{\"advance_s\":3600}", "", &status));
	assert_int_equal(status, 200);
	me = st_req(&fx, "GET", "/users/me", NULL, NULL, &status);
	double after = json_number_value(json_object_get(me, "balance"));
	json_decref(me);
	if (!(before - after >= price * 0.999 && before - after <= price * 1.05))
		print_error("balance %f -> %f, pod price %f/h\n", before, after, price);
	assert_true(before - after >= price * 0.999);
	assert_true(before - after <= price * 1.05);

	/* schedule-removal: in the past is refused; in the future it happens */
	char path[128];
	snprintf(path, sizeof path, "/pods/%s/schedule-removal", p.id);
	json_t *r = st_req(&fx, "POST", path, "{\"removal_scheduled_at\":\"2001-01-01T00:00:00Z\"}",
			   NULL, &status);
	assert_int_equal(status, 400);
	json_decref(r);
	r = st_req(&fx, "POST", path, "{\"removal_scheduled_at\":\"tomorrow\"}", NULL, &status);
	assert_int_equal(status, 422);
	json_decref(r);
	json_t *clock = st_req(&fx, "GET", "/_sim/clock", NULL, "", &status);
	double now_ts;
	/* the server's "now", +2 h, in the official client's isoformat */
	struct tm tm = {0};
	const char *now = st_str(clock, "now");
	assert_non_null(strptime(now, "%Y-%m-%dT%H:%M:%SZ", &tm));
	now_ts = (double)timegm(&tm);
	json_decref(clock);
	time_t when = (time_t)(now_ts + 7200);
	struct tm wtm;
	gmtime_r(&when, &wtm);
	char body[128], stamp[64];
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &wtm);
	snprintf(body, sizeof body, "{\"removal_scheduled_at\":\"%s.059678+00:00\"}", stamp);
	r = st_req(&fx, "POST", path, body, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_string(json_object_get(r, "removal_scheduled_at")));
	json_decref(r);
	/* cancel and schedule again */
	r = st_req(&fx, "DELETE", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_null(json_object_get(r, "removal_scheduled_at")));
	json_decref(r);
	r = st_req(&fx, "DELETE", path, NULL, NULL, &status);
	assert_int_equal(status, 404);
	json_decref(r);
	json_decref(st_req(&fx, "POST", path, body, NULL, &status));
	assert_int_equal(status, 200);
	json_decref(st_req(&fx, "POST", "/_sim/clock", "{\"advance_s\":7300}", "", &status));
	assert_true(st_wait_gone(&fx, p.id, 20));
	/* the money spent stays spent */
	me = st_req(&fx, "GET", "/users/me", NULL, NULL, &status);
	double final = json_number_value(json_object_get(me, "balance"));
	json_decref(me);
	assert_true(before - final >= price * 3.0 * 0.999);
	free(p.id);
	free(p.executor);
	free(p.user);
	free(p.known_hosts);
	free(p.home);
}

/* ---- rent errors ------------------------------------------------------ */

static void test_sim_pods__rent_errors(void **state)
{
	(void)state;
	long status;
	json_t *execs = st_req(&fx, "GET", "/executors?size=1", NULL, NULL, &status);
	char path[128];
	snprintf(path, sizeof path, "/executors/%s/rent", st_str(json_array_get(execs, 0), "id"));
	json_decref(execs);
	char *ok = st_rent_body("x", NULL, key_b);
	/* unknown executor */
	json_t *r = st_req(&fx, "POST", "/executors/00000000-0000-4000-8000-000000000000/rent", ok,
			   NULL, &status);
	assert_int_equal(status, 404);
	assert_string_equal(st_str(r, "detail"), "Executor not found");
	json_decref(r);
	/* validation: the keys of §5.6 */
	r = st_req(&fx, "POST", path, "{\"pod_name\":\"x\",\"template_id\":null}", NULL, &status);
	assert_int_equal(status, 422);
	json_decref(r);
	json_t *b = json_loads(ok, 0, NULL);
	json_object_set_new(b, "user_public_key", json_string(key_b)); /* not an array */
	char *text = json_dumps(b, JSON_COMPACT);
	r = st_req(&fx, "POST", path, text, NULL, &status);
	assert_int_equal(status, 422);
	free(text);
	json_decref(r);
	json_object_set_new(b, "user_public_key", json_pack("[s]", "not a key"));
	text = json_dumps(b, JSON_COMPACT);
	r = st_req(&fx, "POST", path, text, NULL, &status);
	assert_int_equal(status, 422);
	free(text);
	json_decref(r);
	json_object_set_new(b, "user_public_key", json_pack("[s]", key_b));
	json_object_set_new(b, "dockerfile_content", json_string("FROM ubuntu\n"));
	text = json_dumps(b, JSON_COMPACT);
	r = st_req(&fx, "POST", path, text, NULL, &status); /* template AND dockerfile */
	assert_int_equal(status, 422);
	free(text);
	json_decref(r);
	json_object_set_new(b, "dockerfile_content", json_null());
	json_object_set_new(b, "template_id", json_string("00000000-0000-4000-8000-000000000000"));
	text = json_dumps(b, JSON_COMPACT);
	r = st_req(&fx, "POST", path, text, NULL, &status);
	assert_int_equal(status, 404);
	assert_string_equal(st_str(r, "detail"), "Template not found");
	free(text);
	json_decref(r);
	json_decref(b);
	/* no money, no pod */
	json_decref(st_req(&fx, "POST", "/_sim/balance", "{\"balance\":0}", "", &status));
	assert_int_equal(status, 200);
	r = st_req(&fx, "POST", path, ok, NULL, &status);
	assert_int_equal(status, 400);
	assert_non_null(strstr(st_str(r, "detail"), "balance"));
	json_decref(r);
	json_decref(st_req(&fx, "POST", "/_sim/balance", "{\"balance\":1000}", "", &status));
	/* a rented executor cannot be rented again */
	r = st_req(&fx, "POST", path, ok, NULL, &status);
	assert_int_equal(status, 200);
	char id[64];
	snprintf(id, sizeof id, "%s", st_str(r, "id"));
	json_decref(r);
	r = st_req(&fx, "POST", path, ok, NULL, &status);
	assert_int_equal(status, 409);
	assert_non_null(strstr(st_str(r, "detail"), "already rented"));
	json_decref(r);
	snprintf(path, sizeof path, "/pods/%s", id);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_true(st_wait_gone(&fx, id, 20));
	free(ok);
}

/* A Dockerfile rent gets a private one-time template that goes with the pod. */
static void test_sim_pods__dockerfile_rent(void **state)
{
	(void)state;
	long status;
	json_t *execs = st_req(&fx, "GET", "/executors?size=1", NULL, NULL, &status);
	char path[128];
	snprintf(path, sizeof path, "/executors/%s/rent", st_str(json_array_get(execs, 0), "id"));
	json_decref(execs);
	json_t *b = json_pack("{s:s,s:n,s:s,s:n,s:[s],s:n}", "pod_name", "df", "template_id",
			      "dockerfile_content", "FROM ubuntu:24.04\nRUN true\n", "volume_id",
			      "user_public_key", key_b, "initial_port_count");
	char *text = json_dumps(b, JSON_COMPACT);
	json_t *pj = st_req(&fx, "POST", path, text, NULL, &status);
	assert_int_equal(status, 200);
	char id[64], tid[64];
	snprintf(id, sizeof id, "%s", st_str(pj, "id"));
	json_t *t = json_object_get(pj, "template");
	snprintf(tid, sizeof tid, "%s", st_str(t, "id"));
	assert_true(json_is_true(json_object_get(t, "one_time_template")));
	assert_true(json_is_true(json_object_get(t, "is_private")));
	json_decref(pj);
	json_t *running = st_wait_status(&fx, id, "RUNNING", 30);
	assert_non_null(running);
	json_decref(running);
	json_decref(st_getf(&fx, &status, "/templates/%s", tid));
	assert_int_equal(status, 200);
	snprintf(path, sizeof path, "/pods/%s", id);
	json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
	assert_true(st_wait_gone(&fx, id, 20));
	json_decref(st_getf(&fx, &status, "/templates/%s", tid));
	assert_int_equal(status, 404);
	free(text);
	json_decref(b);
}

/* ---- control API: unreachable and failed pods ------------------------- */

static void test_sim_pods__control(void **state)
{
	(void)state;
	pod p = rent_running("control");
	long status;
	char path[128];
	snprintf(path, sizeof path, "/_sim/pods/%s/ssh", p.id);
	json_decref(st_req(&fx, "POST", path, "{\"running\":false}", "", &status));
	assert_int_equal(status, 200);
	char *out = NULL;
	double end = st_now() + 10;
	int rc = 0;
	while (st_now() < end &&
	       (rc = st_ssh(ident_b, p.known_hosts, p.user, p.port, "true", &out)) == 0) {
		free(out);
		out = NULL;
		st_sleep_ms(50);
	}
	free(out);
	assert_int_equal(rc, 255);
	/* the API still says RUNNING: the pod is merely unreachable */
	json_t *pj = st_getf(&fx, &status, "/pods/%s", p.id);
	assert_string_equal(st_str(pj, "status"), "RUNNING");
	json_decref(pj);
	json_decref(st_req(&fx, "POST", path, "{\"running\":true}", "", &status));
	end = st_now() + 10;
	rc = 255;
	while (st_now() < end &&
	       (rc = st_ssh(ident_b, p.known_hosts, p.user, p.port, "true", &out)) != 0) {
		free(out);
		out = NULL;
		st_sleep_ms(50);
	}
	free(out);
	assert_int_equal(rc, 0);
	/* forced status */
	snprintf(path, sizeof path, "/_sim/pods/%s/state", p.id);
	json_decref(st_req(&fx, "POST", path, "{\"status\":\"FAILED\"}", "", &status));
	assert_int_equal(status, 200);
	pj = st_getf(&fx, &status, "/pods/%s", p.id);
	assert_string_equal(st_str(pj, "status"), "FAILED");
	assert_true(json_is_null(json_object_get(pj, "ssh_connect_cmd")));
	json_decref(pj);
	json_decref(st_req(&fx, "POST", path, "{\"status\":\"EXPLODED\"}", "", &status));
	assert_int_equal(status, 422);
	/* a reboot brings it back */
	snprintf(path, sizeof path, "/pods/%s/reboot", p.id);
	json_decref(st_req(&fx, "POST", path, "{}", NULL, &status));
	assert_int_equal(status, 200);
	pj = st_wait_status(&fx, p.id, "RUNNING", 30);
	assert_non_null(pj);
	json_decref(pj);
	delete_pod(&p);
}

/* ---- jupyter, switch-template ----------------------------------------- */

static void test_sim_pods__jupyter_and_switch_template(void **state)
{
	(void)state;
	pod p = rent_running("jupyter");
	long status;
	char path[128];
	snprintf(path, sizeof path, "/pods/%s/install-jupyter", p.id);
	json_t *r = st_req(&fx, "POST", path, "{\"jupyter_internal_port\":8888}", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	r = st_req(&fx, "POST", path, "{\"jupyter_internal_port\":0}", NULL, &status);
	assert_int_equal(status, 422);
	json_decref(r);
	double end = st_now() + 10;
	json_t *pj = NULL;
	while (st_now() < end) {
		pj = st_getf(&fx, &status, "/pods/%s", p.id);
		if (strcmp(st_str(pj, "jupyter_installation_status"), "SUCCESS") == 0)
			break;
		json_decref(pj);
		pj = NULL;
		st_sleep_ms(50);
	}
	assert_non_null(pj);
	json_int_t mapped =
		json_integer_value(json_object_get(json_object_get(pj, "ports_mapping"), "8888"));
	char want[64];
	snprintf(want, sizeof want, "http://127.0.0.1:%lld/", (long long)mapped);
	assert_true(mapped > 0);
	assert_true(strncmp(st_str(pj, "jupyter_url"), want, strlen(want)) == 0);
	json_decref(pj);

	/* switch-template: PENDING again, then RUNNING with the new template */
	snprintf(path, sizeof path, "/pods/%s/switch-template", p.id);
	r = st_req(&fx, "PUT", path, "{\"template_id\":\"b3d1e6f8-2a4c-4e7b-9f10-6c8a2e4d1b37\"}",
		   NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(r, "status"), "PENDING");
	assert_string_equal(st_str(r, "template_id"), "b3d1e6f8-2a4c-4e7b-9f10-6c8a2e4d1b37");
	assert_true(strlen(st_str(r, "executor_id")) == 36);
	assert_true(strlen(st_str(r, "gpu_count")) >= 1);
	json_decref(r);
	pj = st_wait_status(&fx, p.id, "RUNNING", 30);
	assert_non_null(pj);
	assert_string_equal(st_str(json_object_get(pj, "template"), "docker_image"),
			    "daturaai/ubuntu");
	json_decref(pj);
	char *out = NULL;
	assert_int_equal(st_ssh(ident_b, p.known_hosts, p.user, p.port, "true", &out), 0);
	free(out);
	r = st_req(&fx, "PUT", path, "{\"template_id\":\"00000000-0000-4000-8000-000000000000\"}",
		   NULL, &status);
	assert_int_equal(status, 404);
	json_decref(r);
	delete_pod(&p);
}

/* ---- volumes, backups ------------------------------------------------- */

static void test_sim_pods__volume_persists(void **state)
{
	(void)state;
	long status;
	json_t *v = st_req(&fx, "POST", "/volumes", "{\"name\":\"persist\"}", NULL, &status);
	assert_int_equal(status, 200);
	char vid[64], vpath[128];
	snprintf(vid, sizeof vid, "%s", st_str(v, "id"));
	snprintf(vpath, sizeof vpath, "/volumes/%s", vid);
	json_decref(v);
	for (int round = 0; round < 2; round++) {
		json_t *execs = st_req(&fx, "GET", "/executors?size=1", NULL, NULL, &status);
		char path[128];
		snprintf(path, sizeof path, "/executors/%s/rent",
			 st_str(json_array_get(execs, 0), "id"));
		json_decref(execs);
		char *base = st_rent_body("vol", NULL, key_b);
		json_t *b = json_loads(base, 0, NULL);
		free(base);
		json_object_set_new(b, "volume_id", json_string(vid));
		char *text = json_dumps(b, JSON_COMPACT);
		json_t *pj = st_req(&fx, "POST", path, text, NULL, &status);
		assert_int_equal(status, 200);
		assert_string_equal(st_str(pj, "volume_id"), vid);
		char id[64];
		snprintf(id, sizeof id, "%s", st_str(pj, "id"));
		json_decref(pj);
		free(text);
		json_decref(b);
		pj = st_wait_status(&fx, id, "RUNNING", 30);
		assert_non_null(pj);
		const char *cmd = st_str(pj, "ssh_connect_cmd");
		int port = st_ssh_port(cmd);
		char user[64];
		snprintf(user, sizeof user, "%.*s", (int)(strchr(cmd, '@') - cmd - 4), cmd + 4);
		char *known = st_known_hosts(&fx, dir, id, port);
		char *out = NULL;
		const char *c = round == 0 ? "echo kept > workspace/kept.txt && echo done"
					   : "cat workspace/kept.txt";
		assert_int_equal(st_ssh(ident_b, known, user, port, c, &out), 0);
		assert_string_equal(out, round == 0 ? "done\n" : "kept\n");
		free(out);
		json_decref(pj);
		if (round == 0) {
			/* attached: cannot be deleted */
			json_decref(st_req(&fx, "DELETE", vpath, NULL, NULL, &status));
			assert_int_equal(status, 400);
			v = st_req(&fx, "GET", vpath, NULL, NULL, &status);
			assert_int_equal(
				json_integer_value(json_object_get(v, "current_file_count")), 1);
			assert_int_equal(
				json_integer_value(json_object_get(v, "current_size_bytes")), 5);
			json_decref(v);
		}
		snprintf(path, sizeof path, "/pods/%s", id);
		json_decref(st_req(&fx, "DELETE", path, NULL, NULL, &status));
		assert_true(st_wait_gone(&fx, id, 20));
		unlink(known);
		free(known);
	}
	json_decref(st_req(&fx, "DELETE", vpath, NULL, NULL, &status));
	assert_int_equal(status, 200);
}

static json_t *wait_job(const char *path, const char *id)
{
	double end = st_now() + 20;
	while (st_now() < end) {
		long status;
		json_t *r = st_req(&fx, "GET", path, NULL, NULL, &status);
		json_t *items = json_is_array(r) ? r : json_object_get(r, "items");
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			const char *s = st_str(it, "status");
			if (strcmp(st_str(it, "id"), id) == 0 &&
			    (strcmp(s, "COMPLETED") == 0 || strcmp(s, "FAILED") == 0)) {
				json_t *copy = json_deep_copy(it);
				json_decref(r);
				return copy;
			}
		}
		json_decref(r);
		st_sleep_ms(50);
	}
	return NULL;
}

static void test_sim_pods__backup_and_restore(void **state)
{
	(void)state;
	pod p = rent_running("backup");
	long status;
	char *out = NULL;
	assert_int_equal(st_ssh(ident_b, p.known_hosts, p.user, p.port,
				"mkdir -p data && echo precious > data/file.txt", &out),
			 0);
	free(out);
	char body[256];
	snprintf(body, sizeof body,
		 "{\"pod_id\":\"%s\",\"backup_frequency_hours\":6,\"retention_days\":7,"
		 "\"backup_path\":\"/root/data\"}",
		 p.id);
	json_t *c = st_req(&fx, "POST", "/backup-configs", body, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(c, "backup_path"), "/root/data");
	assert_string_equal(st_str(c, "pod_executor_id"), p.executor);
	assert_true(json_is_true(json_object_get(c, "is_active")));
	char cid[64];
	snprintf(cid, sizeof cid, "%s", st_str(c, "id"));
	json_decref(c);
	/* twice: the 400 the official CLI string-matches */
	c = st_req(&fx, "POST", "/backup-configs", body, NULL, &status);
	assert_int_equal(status, 400);
	assert_non_null(strstr(st_str(c, "message"), "Backup configuration already exists"));
	json_decref(c);
	c = st_getf(&fx, &status, "/backup-configs/pod/%s", p.id);
	assert_int_equal(status, 200);
	assert_string_equal(st_str(c, "id"), cid);
	json_decref(c);
	json_t *all = st_req(&fx, "GET", "/backup-configs", NULL, NULL, &status);
	assert_true(json_array_size(all) >= 1);
	json_decref(all);

	char path[256];
	snprintf(path, sizeof path, "/pods/%s/backup", p.id);
	json_t *r = st_req(&fx, "POST", path, "{\"name\":\"manual\",\"description\":\"test\"}",
			   NULL, &status);
	assert_int_equal(status, 200);
	char bid[64];
	snprintf(bid, sizeof bid, "%s", st_str(r, "backup_log_id"));
	assert_int_equal(strlen(bid), 36);
	json_decref(r);
	char logs[128];
	snprintf(logs, sizeof logs, "/backup-logs/pod/%s", p.id);
	json_t *log = wait_job(logs, bid);
	assert_non_null(log);
	assert_string_equal(st_str(log, "status"), "COMPLETED");
	assert_int_equal(json_integer_value(json_object_get(log, "progress")), 100);
	assert_string_equal(st_str(log, "backup_config_id"), cid);
	json_decref(log);

	/* lose the file, restore it somewhere else */
	assert_int_equal(st_ssh(ident_b, p.known_hosts, p.user, p.port, "rm -rf data", &out), 0);
	free(out);
	snprintf(path, sizeof path, "/pods/%s/restore", p.id);
	snprintf(body, sizeof body, "{\"backup_id\":\"%s\",\"restore_path\":\"/root/restored\"}",
		 bid);
	r = st_req(&fx, "POST", path, body, NULL, &status);
	assert_int_equal(status, 200);
	char rid[64];
	snprintf(rid, sizeof rid, "%s", st_str(r, "restore_log_id"));
	json_decref(r);
	snprintf(logs, sizeof logs, "/pods/%s/restore-logs", p.id);
	log = wait_job(logs, rid);
	assert_non_null(log);
	assert_string_equal(st_str(log, "status"), "COMPLETED");
	assert_string_equal(st_str(log, "restore_path"), "/root/restored");
	assert_true(json_array_size(json_object_get(log, "logs")) >= 1);
	json_decref(log);
	assert_int_equal(
		st_ssh(ident_b, p.known_hosts, p.user, p.port, "cat restored/file.txt", &out), 0);
	assert_string_equal(out, "precious\n");
	free(out);

	snprintf(path, sizeof path, "/backup-configs/%s", cid);
	r = st_req(&fx, "DELETE", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(r, "success")));
	json_decref(r);
	json_decref(st_getf(&fx, &status, "/backup-configs/pod/%s", p.id));
	assert_int_equal(status, 404);
	delete_pod(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_pods__lifecycle_and_ssh),
		cmocka_unit_test(test_sim_pods__rsync_into_pod),
		cmocka_unit_test(test_sim_pods__nvidia_smi),
		cmocka_unit_test(test_sim_pods__template_environment),
		cmocka_unit_test(test_sim_pods__delete_stops_everything),
		cmocka_unit_test(test_sim_pods__reboot),
		cmocka_unit_test(test_sim_pods__logs),
		cmocka_unit_test(test_sim_pods__balance_and_scheduled_removal),
		cmocka_unit_test(test_sim_pods__rent_errors),
		cmocka_unit_test(test_sim_pods__dockerfile_rent),
		cmocka_unit_test(test_sim_pods__control),
		cmocka_unit_test(test_sim_pods__jupyter_and_switch_template),
		cmocka_unit_test(test_sim_pods__volume_persists),
		cmocka_unit_test(test_sim_pods__backup_and_restore),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
