/*
 * celium-sim: pods.  Handlers (HTTP threads) only change records; the main
 * thread does the work: writes the pod's files, starts and stops its sshd,
 * moves it PENDING -> STARTING -> RUNNING, and DELETING -> gone.  Pods are
 * freed by the main thread only.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static const char *sshd_path;
static const char *keygen_path;
static const char *sftp_path;

static char *dup_or_null(const char *s)
{
	return s ? sim_xstrdup(s) : NULL;
}

void sim_pods_init(void)
{
	static const char *const ssh_dirs[] = {"/usr/lib/openssh", "/usr/libexec/openssh",
					       "/usr/libexec", "/usr/lib/ssh", NULL};
	sshd_path =
		sim.opt.sshd_path ? sim.opt.sshd_path : dup_or_null(sim_find_program("sshd", NULL));
	keygen_path = sim.opt.keygen_path ? sim.opt.keygen_path
					  : dup_or_null(sim_find_program("ssh-keygen", NULL));
	sftp_path = dup_or_null(sim_find_program("sftp-server", ssh_dirs));
	if (!sshd_path)
		sim_warn("sshd not found: rented pods will fail (install openssh-server)");
	if (!keygen_path)
		sim_warn("ssh-keygen not found: rented pods will fail");
}

void sim_pods_free_paths(void)
{
	if (!sim.opt.sshd_path)
		free((char *)sshd_path);
	if (!sim.opt.keygen_path)
		free((char *)keygen_path);
	free((char *)sftp_path);
	sshd_path = keygen_path = sftp_path = NULL;
}

/* ---- records ------------------------------------------------------------ */

sim_pod *sim_pod_find(const char *id, int user)
{
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		if (p->phase != SIM_PHASE_GONE && strcmp(p->id, id) == 0 &&
		    (user < 0 || p->owner == user))
			return p;
	}
	return NULL;
}

const char *sim_pod_status(const sim_pod *p)
{
	if (p->phase == SIM_PHASE_DELETING || p->phase == SIM_PHASE_GONE)
		return "DELETING";
	if (p->forced_status)
		return p->forced_status;
	switch (p->phase) {
	case SIM_PHASE_PENDING:
		return "PENDING";
	case SIM_PHASE_STARTING:
		return "STARTING";
	case SIM_PHASE_RUNNING:
		return "RUNNING";
	default:
		return "DELETING";
	}
}

double sim_pod_cost(const sim_pod *p, double now)
{
	double end = p->phase >= SIM_PHASE_DELETING ? p->phase_at : now;
	double hours = (end - p->created_at) / 3600.0;
	return hours > 0 ? p->price * hours : 0.0;
}

static const char *jupyter_status(const sim_pod *p)
{
	if (!p->jupyter_status)
		return NULL;
	if (strcmp(p->jupyter_status, "INSTALLING") == 0 &&
	    (sim_now() - p->jupyter_at) * 1000.0 >=
		    (double)(sim.opt.pending_ms + sim.opt.starting_ms))
		return "SUCCESS";
	return p->jupyter_status;
}

json_t *sim_pod_json(const sim_pod *p)
{
	const char *status = sim_pod_status(p);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "pod_name", json_string(p->name));
	json_object_set_new(o, "status", json_string(status));
	if (strcmp(status, "RUNNING") == 0 && p->ssh_port > 0) {
		char *cmd = sim_xasprintf("ssh %s@127.0.0.1 -p %d", sim.pod_user, p->ssh_port);
		json_object_set_new(o, "ssh_connect_cmd", json_string(cmd));
		free(cmd);
	} else {
		json_object_set_new(o, "ssh_connect_cmd", json_null());
	}
	json_t *ports = json_object();
	if (p->phase != SIM_PHASE_PENDING || p->prepared) {
		for (size_t i = 0; i < p->ports.len; i++) {
			char key[16];
			snprintf(key, sizeof key, "%d", (int)(intptr_t)p->ports.items[i]);
			json_object_set_new(ports, key,
					    json_integer((int)(intptr_t)p->ext_ports.items[i]));
		}
	}
	json_object_set_new(o, "ports_mapping", ports);
	json_object_set_new(o, "price", json_real(p->price));
	json_object_set_new(o, "gpu_name", json_string(p->exec->gpu.name));
	char count[16];
	snprintf(count, sizeof count, "%d", p->exec->gpu_count);
	json_object_set_new(o, "gpu_count", json_string(count));
	json_t *specs = json_object_get(p->exec_obj, "specs");
	json_t *cpu = json_object_get(json_object_get(specs, "cpu"), "model");
	json_object_set_new(o, "cpu_name", cpu ? json_incref(cpu) : json_null());
	json_t *ram = json_object_get(json_object_get(specs, "ram"), "total");
	json_object_set_new(o, "ram_total", ram ? json_incref(ram) : json_null());
	char ts[32];
	sim_iso_time(p->created_at, ts);
	json_object_set_new(o, "created_at", json_string(ts));
	sim_iso_time(p->updated_at, ts);
	json_object_set_new(o, "updated_at", json_string(ts));
	if (p->removal_at > 0) {
		sim_iso_time(p->removal_at, ts);
		json_object_set_new(o, "removal_scheduled_at", json_string(ts));
	} else {
		json_object_set_new(o, "removal_scheduled_at", json_null());
	}
	const char *js = jupyter_status(p);
	json_object_set_new(o, "jupyter_installation_status", js ? json_string(js) : json_null());
	json_object_set_new(o, "jupyter_url",
			    js && strcmp(js, "SUCCESS") == 0 && p->jupyter_url
				    ? json_string(p->jupyter_url)
				    : json_null());
	json_object_set_new(o, "executor_id", json_string(p->exec->id));
	json_object_set_new(o, "template_id", json_string(p->tmpl->id));
	json_object_set_new(o, "volume_id",
			    *p->volume_id ? json_string(p->volume_id) : json_null());
	json_object_set_new(o, "executor", json_incref(p->exec_obj));
	json_object_set_new(o, "template", sim_template_json(p->tmpl));
	return o;
}

void sim_pod_log(const sim_pod *p, const char *fmt, ...)
{
	char *path = sim_xasprintf("%s/log", p->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		char ts[32];
		sim_iso_time(sim_now(), ts);
		char *line = sim_xasprintf("%s celium-sim: %s\n", ts, msg);
		ssize_t w = write(fd, line, strlen(line));
		(void)w;
		free(line);
		free(msg);
	}
	close(fd);
}

static void pod_free(sim_pod *p)
{
	free(p->name);
	json_decref(p->exec_obj);
	free(p->dir);
	free(p->tag);
	for (size_t i = 0; i < p->keys.len; i++)
		free(p->keys.items[i]);
	sim_vec_free(&p->keys);
	sim_vec_free(&p->ports);
	sim_vec_free(&p->ext_ports);
	free(p->dockerfile);
	free(p->jupyter_status);
	free(p->jupyter_url);
	free(p->host_key_pub);
	free(p);
}

/* ---- handlers ----------------------------------------------------------- */

static sim_pod *pod_from_path(sim_req *r, sim_resp *resp, bool allow_deleting)
{
	char id[SIM_ID_LEN];
	sim_pod *p = NULL;
	if (sim_uuid_normalize(r->segs[1], id))
		p = sim_pod_find(id, r->user);
	if (!p || (!allow_deleting && p->phase >= SIM_PHASE_DELETING)) {
		sim_resp_detail(resp, 404, "Pod not found");
		return NULL;
	}
	return p;
}

static void add_key(sim_pod *p, const char *key)
{
	char *k = sim_xstrdup(key);
	k[strcspn(k, "\r\n")] = '\0';
	for (size_t i = 0; i < p->keys.len; i++) {
		if (strcmp(p->keys.items[i], k) == 0) {
			free(k);
			return;
		}
	}
	sim_vec_push(&p->keys, k);
}

void sim_h_rent(sim_req *r, sim_resp *resp)
{
	static const sim_field fields[] = {
		{"pod_name", SIM_F_STR, true, false},
		{"template_id", SIM_F_UUID, false, true},
		{"dockerfile_content", SIM_F_STR, false, true},
		{"volume_id", SIM_F_UUID, false, true},
		{"user_public_key", SIM_F_STR_ARRAY, true, false},
		{"initial_port_count", SIM_F_INT, false, true},
	};
	if (!sim_validate_body(r, fields, sizeof fields / sizeof fields[0], resp))
		return;
	json_t *b = r->json;
	json_t *errors = json_array();
	const char *name = json_string_value(json_object_get(b, "pod_name"));
	if (!*name || strlen(name) > 255)
		sim_verr(errors, "string_too_short", "body", "pod_name",
			 "String should have 1 to 255 characters", json_string(name));
	json_t *tid = json_object_get(b, "template_id");
	json_t *dockerfile = json_object_get(b, "dockerfile_content");
	bool has_t = tid && !json_is_null(tid);
	bool has_d = dockerfile && !json_is_null(dockerfile);
	if (has_t == has_d)
		sim_verr(errors, "value_error", "body", NULL,
			 "Value error, exactly one of template_id and dockerfile_content must be "
			 "set",
			 json_incref(b));
	if (has_d) {
		size_t n = strlen(json_string_value(dockerfile));
		if (n == 0 || n > 65536)
			sim_verr(errors, "value_error", "body", "dockerfile_content",
				 "Value error, dockerfile_content must hold 1 to 65536 bytes",
				 json_integer((json_int_t)n));
	}
	json_t *keys = json_object_get(b, "user_public_key");
	if (json_array_size(keys) == 0)
		sim_verr(errors, "too_short", "body", "user_public_key",
			 "List should have at least 1 item after validation, not 0",
			 json_incref(keys));
	size_t i;
	json_t *kv;
	json_array_foreach(keys, i, kv)
	{
		if (!sim_valid_public_key(json_string_value(kv))) {
			json_t *e = json_object();
			json_object_set_new(e, "type", json_string("value_error"));
			json_object_set_new(
				e, "loc", json_pack("[s,s,i]", "body", "user_public_key", (int)i));
			json_object_set_new(
				e, "msg",
				json_string("Value error, not an OpenSSH public key line"));
			json_object_set_new(e, "input", json_incref(kv));
			json_array_append_new(errors, e);
		}
	}
	json_t *ipc = json_object_get(b, "initial_port_count");
	long long extra = ipc && !json_is_null(ipc) ? (long long)json_number_value(ipc) : 0;
	if (extra < 0 || extra > 64)
		sim_verr(errors, "value_error", "body", "initial_port_count",
			 "Value error, initial_port_count must be from 0 to 64", json_incref(ipc));
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);

	char eid[SIM_ID_LEN];
	sim_executor *e = NULL;
	if (sim_uuid_normalize(r->segs[1], eid))
		e = sim_executor_find(eid);
	if (!e)
		e = sim_executor_find(r->segs[1]);
	if (!e) {
		sim_resp_detail(resp, 404, "Executor not found");
		return;
	}
	if (e->rented_by) {
		sim_resp_detail(resp, 409, "Executor %s is already rented", e->id);
		return;
	}
	sim_template *t = NULL;
	if (has_t) {
		char id[SIM_ID_LEN];
		sim_uuid_normalize(json_string_value(tid), id);
		t = sim_template_find(id, r->user);
		if (!t) {
			sim_resp_detail(resp, 404, "Template not found");
			return;
		}
		if (strcmp(sim_template_status(t), "VERIFY_FAILED") == 0) {
			sim_resp_detail(resp, 400, "Template %s failed verification", t->id);
			return;
		}
	}
	json_t *vid = json_object_get(b, "volume_id");
	sim_volume *vol = NULL;
	if (vid && !json_is_null(vid)) {
		char id[SIM_ID_LEN];
		sim_uuid_normalize(json_string_value(vid), id);
		vol = sim_volume_find(id, r->user);
		if (!vol) {
			sim_resp_detail(resp, 404, "Volume not found");
			return;
		}
		for (size_t k = 0; k < sim.pods.len; k++) {
			sim_pod *o = sim.pods.items[k];
			if (o->phase < SIM_PHASE_DELETING && strcmp(o->volume_id, vol->id) == 0) {
				sim_resp_detail(resp, 400, "Volume is attached to pod %s", o->id);
				return;
			}
		}
	}
	if (extra > e->available_ports) {
		sim_resp_detail(resp, 400, "Executor has only %d ports available",
				e->available_ports);
		return;
	}
	if (sim_user_balance(r->user) <= 0) {
		sim_resp_detail(resp, 400, "Insufficient balance");
		return;
	}
	if (has_d)
		t = sim_template_for_dockerfile(r->user, json_string_value(dockerfile));

	sim_pod *p = sim_xcalloc(1, sizeof *p);
	sim_uuid_new(p->id);
	p->owner = r->user;
	p->name = sim_xstrdup(name);
	p->exec = e;
	p->tmpl = t;
	p->exec_obj = json_loadb(e->json, e->json_len, 0, NULL);
	if (!p->exec_obj)
		p->exec_obj = json_object();
	json_object_del(p->exec_obj, "price_per_gpu");
	json_object_set_new(p->exec_obj, "executor_ip_address", json_string("127.0.0.1"));
	p->dir = sim_xasprintf("%s/pods/%s", sim.state_dir, p->id);
	p->tag = sim_xasprintf("%s/%s", sim.instance, p->id);
	for (size_t k = 0; k < sim.sshkeys.len; k++) {
		sim_sshkey *key = sim.sshkeys.items[k];
		if (key->owner == r->user)
			add_key(p, key->public_key);
	}
	json_array_foreach(keys, i, kv)
	{
		add_key(p, json_string_value(kv));
	}
	if (vol)
		snprintf(p->volume_id, sizeof p->volume_id, "%s", vol->id);
	if (has_d)
		p->dockerfile = sim_xstrdup(json_string_value(dockerfile));
	p->extra_ports = extra;
	p->price = round(e->price_per_gpu * e->gpu_count * 1e6) / 1e6;
	p->created_at = p->updated_at = p->phase_at = sim_now();
	p->phase = SIM_PHASE_PENDING;
	if (sim_mkdirs(p->dir, sim.is_root ? 0711 : 0700) != 0) {
		sim_resp_detail(resp, 500, "Could not create the pod");
		pod_free(p);
		sim_template_release(has_d ? t : NULL);
		return;
	}
	e->rented_by = p;
	sim_vec_push(&sim.pods, p);
	sim_pod_log(p, "pod %s (%s) created on executor %s: %d x %s, $%.4f/h", p->id, p->name,
		    e->id, e->gpu_count, e->gpu.name, p->price);
	sim_pod_log(p, "image %s:%s", json_string_value(json_object_get(t->obj, "docker_image")),
		    json_string_value(json_object_get(t->obj, "docker_image_tag")));
	sim_wake();
	sim_resp_json(resp, 200, sim_pod_json(p));
}

void sim_h_pods_list(sim_req *r, sim_resp *resp)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		if (p->owner == r->user && p->phase != SIM_PHASE_GONE)
			json_array_append_new(a, sim_pod_json(p));
	}
	sim_resp_json(resp, 200, a);
}

void sim_h_pod_get(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, true);
	if (p)
		sim_resp_json(resp, 200, sim_pod_json(p));
}

static void begin_delete(sim_pod *p, const char *why)
{
	if (p->phase >= SIM_PHASE_DELETING)
		return;
	p->phase = SIM_PHASE_DELETING;
	p->phase_at = p->updated_at = sim_now();
	sim_pod_log(p, "deleting the pod (%s)", why);
	sim_wake();
}

void sim_h_pod_delete(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, true);
	if (!p)
		return;
	begin_delete(p, "DELETE request");
	sim_resp_json(resp, 200, sim_pod_json(p));
}

static bool restartable(sim_pod *p, sim_resp *resp)
{
	if (p->phase == SIM_PHASE_PENDING) {
		sim_resp_detail(resp, 400, "Pod is still being created");
		return false;
	}
	return true;
}

void sim_h_pod_reboot(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, false);
	if (!p)
		return;
	json_t *vid = NULL;
	if (r->body_len > 0) {
		static const sim_field fields[] = {{"volume_id", SIM_F_UUID, false, true}};
		if (!sim_validate_body(r, fields, 1, resp))
			return;
		vid = json_object_get(r->json, "volume_id");
	}
	if (!restartable(p, resp))
		return;
	if (vid && !json_is_null(vid)) {
		char id[SIM_ID_LEN];
		sim_uuid_normalize(json_string_value(vid), id);
		sim_volume *v = sim_volume_find(id, r->user);
		if (!v) {
			sim_resp_detail(resp, 404, "Volume not found");
			return;
		}
		snprintf(p->volume_id, sizeof p->volume_id, "%s", v->id);
	}
	p->forced_status = NULL;
	p->phase = SIM_PHASE_STARTING;
	p->phase_at = p->updated_at = sim_now();
	p->want_restart = true;
	p->ssh_ready = false;
	p->ssh_disabled = false;
	sim_pod_log(p, "reboot requested");
	sim_wake();
	sim_resp_json(resp, 200, sim_pod_json(p));
}

void sim_h_pod_switch(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, false);
	if (!p)
		return;
	static const sim_field fields[] = {{"template_id", SIM_F_UUID, true, false}};
	if (!sim_validate_body(r, fields, 1, resp))
		return;
	char id[SIM_ID_LEN];
	sim_uuid_normalize(json_string_value(json_object_get(r->json, "template_id")), id);
	sim_template *t = sim_template_find(id, r->user);
	if (!t) {
		sim_resp_detail(resp, 404, "Template not found");
		return;
	}
	if (strcmp(sim_template_status(t), "VERIFY_FAILED") == 0) {
		sim_resp_detail(resp, 400, "Template %s failed verification", t->id);
		return;
	}
	if (!restartable(p, resp))
		return;
	sim_template *old = p->tmpl;
	p->tmpl = t;
	if (old != t)
		sim_template_release(old);
	p->forced_status = NULL;
	p->phase = SIM_PHASE_PENDING;
	p->phase_at = p->updated_at = sim_now();
	p->ssh_ready = false;
	p->ssh_disabled = false;
	sim_pod_log(p, "switching to template %s (%s)", t->id,
		    json_string_value(json_object_get(t->obj, "name")));
	sim_wake();
	sim_resp_json(resp, 200, sim_pod_json(p));
}

void sim_h_pod_schedule(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, false);
	if (!p)
		return;
	static const sim_field fields[] = {{"removal_scheduled_at", SIM_F_STR, true, false}};
	if (!sim_validate_body(r, fields, 1, resp))
		return;
	const char *text = json_string_value(json_object_get(r->json, "removal_scheduled_at"));
	double when;
	if (!sim_parse_iso_time(text, &when)) {
		json_t *errors = json_array();
		sim_verr(errors, "datetime_from_date_parsing", "body", "removal_scheduled_at",
			 "Input should be a valid datetime or date, invalid character in year",
			 json_string(text));
		sim_resp_422(resp, errors);
		return;
	}
	if (when <= sim_now()) {
		sim_resp_detail(resp, 400, "removal_scheduled_at must be in the future");
		return;
	}
	p->removal_at = when;
	p->updated_at = sim_now();
	char ts[32];
	sim_iso_time(when, ts);
	sim_pod_log(p, "removal scheduled at %s", ts);
	sim_wake();
	sim_resp_json(resp, 200, sim_pod_json(p));
}

void sim_h_pod_unschedule(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, false);
	if (!p)
		return;
	if (p->removal_at <= 0) {
		sim_resp_detail(resp, 404, "No removal is scheduled for this pod");
		return;
	}
	p->removal_at = 0;
	p->updated_at = sim_now();
	sim_pod_log(p, "scheduled removal cancelled");
	sim_resp_json(resp, 200, sim_pod_json(p));
}

void sim_h_pod_jupyter(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, false);
	if (!p)
		return;
	static const sim_field fields[] = {{"jupyter_internal_port", SIM_F_INT, true, false}};
	if (!sim_validate_body(r, fields, 1, resp))
		return;
	json_t *port = json_object_get(r->json, "jupyter_internal_port");
	long long internal = (long long)json_number_value(port);
	if (internal < 1 || internal > 65535) {
		json_t *errors = json_array();
		sim_verr(errors, "value_error", "body", "jupyter_internal_port",
			 "Value error, the port must be from 1 to 65535", json_incref(port));
		sim_resp_422(resp, errors);
		return;
	}
	if (strcmp(sim_pod_status(p), "RUNNING") != 0) {
		sim_resp_detail(resp, 400, "Pod is not running");
		return;
	}
	int ext = 0;
	for (size_t i = 0; i < p->ports.len; i++)
		if ((int)(intptr_t)p->ports.items[i] == (int)internal)
			ext = (int)(intptr_t)p->ext_ports.items[i];
	if (!ext) {
		ext = sim_free_port();
		sim_vec_push(&p->ports, (void *)(intptr_t)internal);
		sim_vec_push(&p->ext_ports, (void *)(intptr_t)ext);
	}
	p->jupyter_port = (int)internal;
	free(p->jupyter_status);
	p->jupyter_status = sim_xstrdup("INSTALLING");
	p->jupyter_at = sim_now();
	free(p->jupyter_url);
	p->jupyter_url = sim_xasprintf("http://127.0.0.1:%d/?token=%016llx", ext,
				       (unsigned long long)sim_rand_next());
	p->updated_at = sim_now();
	sim_pod_log(p, "installing Jupyter on internal port %lld", internal);
	json_t *o = sim_pod_json(p);
	sim_resp_json(resp, 200, o);
}

/* ---- logs --------------------------------------------------------------- */

typedef struct log_stream {
	int fd;
	char pod_id[SIM_ID_LEN];
	bool follow;
	int sock;
	sim_str out; /* formatted, not yet handed to MHD */
	size_t out_off;
	sim_str partial; /* an unfinished line */
} log_stream;

static void emit_line(sim_str *out, const char *line, size_t n)
{
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n == 0)
		return;
	json_t *s = json_stringn(line, n);
	if (!s) {
		char *copy = sim_xmalloc(n + 1);
		for (size_t i = 0; i < n; i++)
			copy[i] = (unsigned char)line[i] < 0x80 ? line[i] : '?';
		s = json_stringn(copy, n);
		free(copy);
	}
	json_t *o = json_object();
	json_object_set_new(o, "log", s ? s : json_string(""));
	/* jansson's default separators give the reference's `{"log": "..."}` */
	char *text = json_dumps(o, 0);
	json_decref(o);
	sim_str_adds(out, "data: ");
	sim_str_adds(out, text ? text : "{}");
	sim_str_adds(out, "\n\n");
	free(text);
}

/* Reads what is new in the file and formats complete lines. */
static bool pump(log_stream *ls, bool flush)
{
	bool got = false;
	char buf[16384];
	for (;;) {
		ssize_t n = read(ls->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sim_str_add(&ls->partial, buf, (size_t)n);
		got = true;
	}
	size_t start = 0;
	for (size_t i = 0; i < ls->partial.len; i++) {
		if (ls->partial.data[i] == '\n') {
			emit_line(&ls->out, ls->partial.data + start, i - start);
			start = i + 1;
		}
	}
	if (flush && start < ls->partial.len) {
		emit_line(&ls->out, ls->partial.data + start, ls->partial.len - start);
		start = ls->partial.len;
	}
	if (start > 0) {
		memmove(ls->partial.data, ls->partial.data + start, ls->partial.len - start);
		ls->partial.len -= start;
	}
	return got;
}

static bool pod_alive(const char *id)
{
	pthread_mutex_lock(&sim.lock);
	sim_pod *p = sim_pod_find(id, -1);
	bool alive = p && p->phase < SIM_PHASE_DELETING && !sim.stopping;
	pthread_mutex_unlock(&sim.lock);
	return alive;
}

static ssize_t log_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	log_stream *ls = cls;
	for (int waited = 0;; waited++) {
		if (ls->out_off < ls->out.len) {
			size_t n = ls->out.len - ls->out_off;
			if (n > max)
				n = max;
			memcpy(buf, ls->out.data + ls->out_off, n);
			ls->out_off += n;
			if (ls->out_off == ls->out.len)
				ls->out.len = ls->out_off = 0;
			return (ssize_t)n;
		}
		bool alive = ls->follow && pod_alive(ls->pod_id);
		if (pump(ls, !alive))
			continue;
		if (ls->out.len > 0)
			continue;
		if (!alive)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* Wait for more, and notice a client that went away. */
		struct pollfd pfd = {ls->sock, POLLRDHUP, 0};
		if (ls->sock >= 0 && poll(&pfd, 1, 100) > 0 &&
		    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (ls->sock < 0) {
			struct timespec ts = {0, 100000000L};
			nanosleep(&ts, NULL);
		}
		if (waited > 50)
			return 0; /* let MHD look at the connection */
	}
}

static void log_free(void *cls)
{
	log_stream *ls = cls;
	if (ls->fd >= 0)
		close(ls->fd);
	free(ls->out.data);
	free(ls->partial.data);
	free(ls);
}

void sim_h_pod_logs(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp, false);
	if (!p)
		return;
	json_t *errors = json_array();
	long long tail = 100;
	bool follow = false, has_tail, has_follow;
	sim_query_int(r, "tail", &tail, &has_tail, errors);
	sim_query_bool(r, "follow", &follow, &has_follow, errors);
	if (has_tail && tail < 0)
		sim_verr(errors, "greater_than_equal", "query", "tail",
			 "Input should be greater than or equal to 0",
			 json_string(sim_query(r, "tail")));
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);
	char *path = sim_xasprintf("%s/log", p->dir);
	size_t len = 0;
	char *text = sim_read_file(path, &len);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	log_stream *ls = sim_xcalloc(1, sizeof *ls);
	ls->fd = fd;
	ls->follow = follow;
	snprintf(ls->pod_id, sizeof ls->pod_id, "%s", p->id);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	ls->sock = ci ? ci->connect_fd : -1;
	/* The last `tail` non-empty lines of what is there now. */
	size_t start = len;
	long long lines = 0;
	if (text) {
		size_t end = len;
		while (end > 0 && lines < tail) {
			size_t i = end;
			while (i > 0 && text[i - 1] != '\n')
				i--;
			bool empty = true;
			for (size_t k = i; k < end; k++)
				if (text[k] != '\n' && text[k] != '\r')
					empty = false;
			if (!empty)
				lines++;
			start = i;
			end = i > 0 ? i - 1 : 0;
			if (i == 0)
				break;
		}
		if (tail == 0)
			start = len;
		size_t s = start;
		for (size_t i = start; i < len; i++) {
			if (text[i] == '\n') {
				emit_line(&ls->out, text + s, i - s);
				s = i + 1;
			}
		}
		if (s < len)
			sim_str_add(&ls->partial, text + s, len - s);
		if (fd >= 0)
			lseek(fd, (off_t)len, SEEK_SET);
		free(text);
	}
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->reader = log_reader;
	resp->reader_cls = ls;
	resp->reader_free = log_free;
}

/* ---- the control API ---------------------------------------------------- */

void sim_h_sim_pod_info(sim_req *r, sim_resp *resp, const char *id)
{
	(void)r;
	char norm[SIM_ID_LEN];
	sim_pod *p = sim_uuid_normalize(id, norm) ? sim_pod_find(norm, -1) : NULL;
	if (!p) {
		sim_resp_detail(resp, 404, "Pod not found");
		return;
	}
	static const char *const phases[] = {"PENDING", "STARTING", "RUNNING", "DELETING", "GONE"};
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "phase", json_string(phases[p->phase]));
	json_object_set_new(o, "status", json_string(sim_pod_status(p)));
	json_object_set_new(o, "dir", json_string(p->dir));
	char *home = sim_xasprintf("%s/home", p->dir);
	char *ws = sim_xasprintf("%s/home/workspace", p->dir);
	char *log = sim_xasprintf("%s/log", p->dir);
	json_object_set_new(o, "home", json_string(home));
	json_object_set_new(o, "workspace", json_string(ws));
	json_object_set_new(o, "log", json_string(log));
	free(home);
	free(ws);
	free(log);
	json_object_set_new(o, "tag", json_string(p->tag));
	json_object_set_new(o, "ssh_user", json_string(sim.pod_user));
	json_object_set_new(o, "ssh_port", json_integer(p->ssh_port));
	json_object_set_new(o, "sshd_pid", json_integer(p->sshd_pid));
	json_object_set_new(o, "ssh_running", json_boolean(p->sshd_pid > 0 && p->ssh_ready));
	json_object_set_new(o, "host_key",
			    p->host_key_pub ? json_string(p->host_key_pub) : json_null());
	json_t *keys = json_array();
	for (size_t i = 0; i < p->keys.len; i++)
		json_array_append_new(keys, json_string(p->keys.items[i]));
	json_object_set_new(o, "authorized_keys", keys);
	sim_resp_json(resp, 200, o);
}

void sim_h_sim_pod_state(sim_req *r, sim_resp *resp, const char *id)
{
	static const char *const allowed[] = {"PENDING", "STARTING", "RUNNING", "STOPPED",
					      "FAILED"};
	char norm[SIM_ID_LEN];
	sim_pod *p = sim_uuid_normalize(id, norm) ? sim_pod_find(norm, -1) : NULL;
	if (!p || p->phase >= SIM_PHASE_DELETING) {
		sim_resp_detail(resp, 404, "Pod not found");
		return;
	}
	json_t *st = r->json ? json_object_get(r->json, "status") : NULL;
	const char *status = NULL;
	if (st && json_is_string(st)) {
		for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
			if (strcmp(json_string_value(st), allowed[i]) == 0)
				status = allowed[i];
	}
	if (!st || (!json_is_null(st) && !status)) {
		json_t *errors = json_array();
		sim_verr(errors, "enum", "body", "status",
			 "Input should be 'PENDING', 'STARTING', 'RUNNING', 'STOPPED', 'FAILED' "
			 "or null",
			 st ? json_incref(st) : NULL);
		sim_resp_422(resp, errors);
		return;
	}
	p->forced_status = status;
	p->updated_at = sim_now();
	sim_pod_log(p, "status forced to %s", status ? status : "(automatic)");
	sim_resp_json(resp, 200, sim_pod_json(p));
}

void sim_h_sim_pod_ssh(sim_req *r, sim_resp *resp, const char *id)
{
	char norm[SIM_ID_LEN];
	sim_pod *p = sim_uuid_normalize(id, norm) ? sim_pod_find(norm, -1) : NULL;
	if (!p || p->phase >= SIM_PHASE_DELETING) {
		sim_resp_detail(resp, 404, "Pod not found");
		return;
	}
	json_t *run = r->json ? json_object_get(r->json, "running") : NULL;
	if (!run || !json_is_boolean(run)) {
		json_t *errors = json_array();
		sim_verr(errors, "bool_type", "body", "running", "Input should be a valid boolean",
			 run ? json_incref(run) : NULL);
		sim_resp_422(resp, errors);
		return;
	}
	p->ssh_disabled = !json_is_true(run);
	sim_pod_log(p, "sshd %s through the control API", p->ssh_disabled ? "stopped" : "started");
	sim_wake();
	json_t *o = json_object();
	json_object_set_new(o, "running", json_boolean(!p->ssh_disabled));
	sim_resp_json(resp, 200, o);
}

/* ---- the main thread: files and processes ------------------------------- */

static char *shell_quote(const char *s)
{
	sim_str out = {0};
	sim_str_add(&out, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			sim_str_adds(&out, "'\\''");
		else
			sim_str_add(&out, s, 1);
	}
	sim_str_add(&out, "'", 1);
	return sim_str_steal(&out, NULL);
}

static bool env_name_ok(const char *k)
{
	if (!*k || !(isalpha((unsigned char)*k) || *k == '_'))
		return false;
	for (; *k; k++)
		if (!(isalnum((unsigned char)*k) || *k == '_'))
			return false;
	return true;
}

static bool setenv_value_ok(const char *v)
{
	for (; *v; v++)
		if (*v == '"' || *v == '\\' || (unsigned char)*v < 0x20)
			return false;
	return true;
}

static int write_text(const char *dir, const char *name, const char *text, mode_t mode, bool own)
{
	char *path = sim_xasprintf("%s/%s", dir, name);
	int rc = sim_write_file(path, text, strlen(text), mode);
	if (rc == 0 && own && sim.is_root && chown(path, sim.pod_uid, sim.pod_gid) != 0)
		rc = -1;
	free(path);
	return rc;
}

static int ensure_dir(const char *path, mode_t mode, bool own)
{
	if (sim_mkdirs(path, mode) != 0)
		return -1;
	if (chmod(path, mode) != 0)
		return -1;
	if (own && sim.is_root && chown(path, sim.pod_uid, sim.pod_gid) != 0)
		return -1;
	return 0;
}

static void allocate_ports(sim_pod *p)
{
	int ssh = p->ssh_port ? p->ssh_port : sim_free_port();
	p->ssh_port = ssh;
	p->ports.len = p->ext_ports.len = 0;
	sim_vec_push(&p->ports, (void *)(intptr_t)22);
	sim_vec_push(&p->ext_ports, (void *)(intptr_t)ssh);
	json_t *internal = json_object_get(p->tmpl->obj, "internal_ports");
	size_t i;
	json_t *v;
	json_array_foreach(internal, i, v)
	{
		int port = (int)json_number_value(v);
		bool dup = false;
		for (size_t k = 0; k < p->ports.len; k++)
			dup = dup || (int)(intptr_t)p->ports.items[k] == port;
		if (dup || port <= 0)
			continue;
		sim_vec_push(&p->ports, (void *)(intptr_t)port);
		sim_vec_push(&p->ext_ports, (void *)(intptr_t)sim_free_port());
	}
	if (p->jupyter_port) {
		bool dup = false;
		for (size_t k = 0; k < p->ports.len; k++)
			dup = dup || (int)(intptr_t)p->ports.items[k] == p->jupyter_port;
		if (!dup) {
			sim_vec_push(&p->ports, (void *)(intptr_t)p->jupyter_port);
			sim_vec_push(&p->ext_ports, (void *)(intptr_t)sim_free_port());
		}
	}
	for (long long k = 0; k < p->extra_ports; k++) {
		int port = sim_free_port();
		sim_vec_push(&p->ports, (void *)(intptr_t)port);
		sim_vec_push(&p->ext_ports, (void *)(intptr_t)port);
	}
}

static char *sshd_config_text(const sim_pod *p)
{
	sim_str c = {0};
	sim_str_addf(&c, "# celium-sim: sshd of pod %s\n", p->id);
	sim_str_addf(&c, "ListenAddress 127.0.0.1:%d\n", p->ssh_port);
	sim_str_addf(&c, "HostKey %s/etc/ssh_host_ed25519_key\n", p->dir);
	sim_str_addf(&c, "AuthorizedKeysFile %s/etc/authorized_keys\n", p->dir);
	sim_str_adds(&c, "PidFile none\n"
			 "StrictModes no\n"
			 "UsePAM no\n"
			 "PasswordAuthentication no\n"
			 "KbdInteractiveAuthentication no\n"
			 "PubkeyAuthentication yes\n"
			 "PermitRootLogin no\n"
			 "UseDNS no\n"
			 "PrintMotd no\n"
			 "PrintLastLog no\n"
			 "X11Forwarding no\n"
			 "AllowTcpForwarding yes\n"
			 "MaxStartups 200:30:400\n"
			 "MaxSessions 100\n"
			 "LoginGraceTime 30\n"
			 "LogLevel INFO\n");
	sim_str_addf(&c, "AllowUsers %s\n", sim.pod_user);
	sim_str_addf(&c, "Subsystem sftp %s\n", sftp_path ? sftp_path : "internal-sftp");
	sim_str_addf(&c, "ForceCommand %s/bin/pod-session\n", p->dir);
	sim_str_addf(&c,
		     "SetEnv \"PATH=%s/bin:/usr/local/bin:/usr/bin:/bin\" \"HOME=%s/home\" "
		     "\"LIUM_POD_ID=%s\" \"CELIUM_SIM_POD_DIR=%s\" \"CELIUM_SIM_TAG=%s\"",
		     p->dir, p->dir, p->id, p->dir, p->tag);
	json_t *env = json_object_get(p->tmpl->obj, "environment");
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v)
	{
		const char *val = json_string_value(v);
		if (!val || !env_name_ok(k) || !setenv_value_ok(val) || strcmp(k, "PATH") == 0 ||
		    strcmp(k, "HOME") == 0 || strncmp(k, "CELIUM_SIM_", 11) == 0)
			continue;
		sim_str_addf(&c, " \"%s=%s\"", k, val);
	}
	sim_str_adds(&c, "\n");
	return sim_str_steal(&c, NULL);
}

static char *environment_text(const sim_pod *p)
{
	sim_str c = {0};
	sim_str_adds(&c, "# celium-sim: the pod's environment, for login shells\n");
	char *bin = sim_xasprintf("%s/bin", p->dir);
	char *q = shell_quote(bin);
	sim_str_addf(&c, "case \":$PATH:\" in *:%s:*) ;; *) PATH=%s:$PATH ;; esac\nexport PATH\n",
		     bin, q);
	free(q);
	free(bin);
	json_t *env = json_object_get(p->tmpl->obj, "environment");
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v)
	{
		const char *val = json_string_value(v);
		if (!val || !env_name_ok(k) || strcmp(k, "PATH") == 0 || strcmp(k, "HOME") == 0)
			continue;
		char *qv = shell_quote(val);
		sim_str_addf(&c, "export %s=%s\n", k, qv);
		free(qv);
	}
	return sim_str_steal(&c, NULL);
}

static char *gpu_text(const sim_pod *p)
{
	sim_str c = {0};
	const sim_executor *e = p->exec;
	sim_str_addf(&c, "driver=%s\ncuda=%s\nseed=%llu\n", *e->driver ? e->driver : "550.127.05",
		     e->gpu.cuda,
		     (unsigned long long)(sim_mix64((uint64_t)(uintptr_t)p) & 0xffffff));
	json_t *details = json_object_get(
		json_object_get(json_object_get(p->exec_obj, "specs"), "gpu"), "details");
	for (int i = 0; i < e->gpu_count; i++) {
		json_t *d = json_array_get(details, (size_t)i);
		const char *uuid = json_string_value(json_object_get(d, "uuid"));
		char fallback[64];
		if (!uuid) {
			char u[SIM_ID_LEN];
			sim_uuid_from(sim_mix64((uint64_t)i + 1), sim_mix64((uint64_t)(uintptr_t)e),
				      u);
			snprintf(fallback, sizeof fallback, "GPU-%s", u);
			uuid = fallback;
		}
		sim_str_addf(&c, "gpu|%d|%s|%ld|%d|%s|00000000:%02X:00.0\n", i, e->gpu.name,
			     e->gpu.capacity_mib, e->gpu.power_limit_w, uuid, 0x18 + i * 0x10);
	}
	return sim_str_steal(&c, NULL);
}

/* Writes everything the pod's sshd needs; host key excepted. */
static int write_pod_files(sim_pod *p)
{
	char *etc = sim_xasprintf("%s/etc", p->dir);
	char *bin = sim_xasprintf("%s/bin", p->dir);
	char *home = sim_xasprintf("%s/home", p->dir);
	char *ws = sim_xasprintf("%s/workspace", p->dir);
	int rc = 0;
	if (ensure_dir(etc, 0755, false) || ensure_dir(bin, 0755, false) ||
	    ensure_dir(home, 0755, true) || ensure_dir(ws, 0755, true))
		rc = -1;
	if (rc == 0) {
		allocate_ports(p);
		sim_str keys = {0};
		for (size_t i = 0; i < p->keys.len; i++) {
			sim_str_adds(&keys, p->keys.items[i]);
			sim_str_adds(&keys, "\n");
		}
		char *ktext = sim_str_steal(&keys, NULL);
		char *cfg = sshd_config_text(p);
		char *envt = environment_text(p);
		char *gpus = gpu_text(p);
		char *session = sim_xasprintf(
			"#!/bin/sh\n"
			"# celium-sim: every session of the pod starts in its home directory.\n"
			"cd \"$HOME\" 2>/dev/null || cd /\n"
			"if [ -n \"$SSH_ORIGINAL_COMMAND\" ]; then\n"
			"\texec \"${SHELL:-/bin/sh}\" -c \"$SSH_ORIGINAL_COMMAND\"\n"
			"fi\n"
			"exec \"${SHELL:-/bin/sh}\" -l\n");
		char *gpufile = sim_xasprintf("%s/gpus", etc);
		char *qg = shell_quote(gpufile);
		char *qs = shell_quote(sim.smi_path ? sim.smi_path : "/bin/false");
		char *smi = sim_xasprintf("#!/bin/sh\n"
					  "# celium-sim: nvidia-smi for the GPUs of this pod\n"
					  "CELIUM_SIM_GPU_FILE=%s\n"
					  "export CELIUM_SIM_GPU_FILE\n"
					  "exec %s \"$@\"\n",
					  qg, qs);
		char *envfile = sim_xasprintf("%s/environment.sh", etc);
		char *qe = shell_quote(envfile);
		char *profile = sim_xasprintf("# celium-sim pod profile\n"
					      "[ -r %s ] && . %s\n"
					      "cd \"$HOME\" 2>/dev/null\n",
					      qe, qe);
		if (write_text(etc, "authorized_keys", ktext, 0644, false) ||
		    write_text(etc, "sshd_config", cfg, 0644, false) ||
		    write_text(etc, "environment.sh", envt, 0644, false) ||
		    write_text(etc, "gpus", gpus, 0644, false) ||
		    write_text(bin, "pod-session", session, 0755, false) ||
		    write_text(bin, "nvidia-smi", smi, 0755, false))
			rc = -1;
		char *prof_path = sim_xasprintf("%s/.profile", home);
		if (rc == 0 && access(prof_path, F_OK) != 0) {
			if (write_text(home, ".profile", profile, 0644, true) ||
			    write_text(home, ".bashrc", profile, 0644, true))
				rc = -1;
		}
		/* home/workspace: the attached volume, else the pod's own */
		char *link = sim_xasprintf("%s/workspace", home);
		unlink(link);
		char *target = NULL;
		if (*p->volume_id) {
			sim_volume *v = sim_volume_find(p->volume_id, p->owner);
			if (v)
				target = sim_xstrdup(v->dir);
		}
		if (!target)
			target = sim_xstrdup("../workspace");
		if (symlink(target, link) != 0)
			rc = -1;
		else if (sim.is_root && lchown(link, sim.pod_uid, sim.pod_gid) != 0)
			rc = -1;
		free(target);
		free(link);
		free(prof_path);
		free(ktext);
		free(cfg);
		free(envt);
		free(gpus);
		free(session);
		free(gpufile);
		free(qg);
		free(qs);
		free(smi);
		free(envfile);
		free(qe);
		free(profile);
	}
	free(etc);
	free(bin);
	free(home);
	free(ws);
	if (rc == 0)
		p->prepared = true;
	return rc;
}

static long log_size(const sim_pod *p)
{
	char *path = sim_xasprintf("%s/log", p->dir);
	struct stat st;
	long n = stat(path, &st) == 0 ? (long)st.st_size : 0;
	free(path);
	return n;
}

static void fail_pod(sim_pod *p, const char *why)
{
	p->forced_status = "FAILED";
	p->phase = SIM_PHASE_RUNNING;
	p->phase_at = p->updated_at = sim_now();
	sim_pod_log(p, "pod FAILED: %s", why);
}

static void start_sshd(sim_pod *p)
{
	if (!sshd_path) {
		fail_pod(p, "sshd is not installed");
		return;
	}
	char *cfg = sim_xasprintf("%s/etc/sshd_config", p->dir);
	char *log = sim_xasprintf("%s/log", p->dir);
	char *tag = sim_xasprintf("CELIUM_SIM_TAG=%s", p->tag);
	const char *argv[] = {sshd_path, "-D", "-f", cfg, "-E", log, NULL};
	const char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			      "LANG=C.UTF-8", tag, NULL};
	p->ssh_log_offset = log_size(p);
	pid_t pid = sim_spawn(argv, envp, log);
	p->start_attempts++;
	if (pid < 0) {
		sim_pod_log(p, "could not start sshd: %s", strerror(errno));
	} else {
		p->sshd_pid = pid;
		p->ssh_ready = false;
		char *pidfile = sim_xasprintf("%s/sshd.pid", p->dir);
		char text[32];
		snprintf(text, sizeof text, "%ld\n", (long)pid);
		sim_write_file(pidfile, text, strlen(text), 0644);
		free(pidfile);
		sim_pod_log(p, "started sshd (pid %ld) on 127.0.0.1:%d", (long)pid, p->ssh_port);
	}
	free(cfg);
	free(log);
	free(tag);
}

static void stop_processes(sim_pod *p)
{
	char *prefix = sim_xasprintf("CELIUM_SIM_TAG=%s", p->tag);
	pid_t root = p->sshd_pid;
	bool had = root > 0;
	p->sshd_pid = 0;
	p->ssh_ready = false;
	int n = sim_kill_tagged(prefix, root);
	free(prefix);
	if (had || n > 0)
		sim_pod_log(p, "stopped sshd and %d session process(es)",
			    n > 0 ? n - (had ? 1 : 0) : 0);
}

static void check_ready(sim_pod *p)
{
	if (p->ssh_ready || p->sshd_pid <= 0)
		return;
	char *path = sim_xasprintf("%s/log", p->dir);
	size_t len = 0;
	char *text = sim_read_file(path, &len);
	free(path);
	if (!text)
		return;
	char needle[64];
	snprintf(needle, sizeof needle, "Server listening on 127.0.0.1 port %d", p->ssh_port);
	size_t off = (size_t)p->ssh_log_offset < len ? (size_t)p->ssh_log_offset : len;
	if (strstr(text + off, needle)) {
		p->ssh_ready = true;
		sim_pod_log(p, "sshd is accepting connections");
	}
	free(text);
}

static int make_host_key(sim_pod *p)
{
	char *etc = sim_xasprintf("%s/etc", p->dir);
	char *key = sim_xasprintf("%s/ssh_host_ed25519_key", etc);
	char *pub = sim_xasprintf("%s.pub", key);
	char *comment = sim_xasprintf("celium-sim-pod-%s", p->id);
	int rc = -1;
	if (ensure_dir(etc, 0755, false) == 0 && keygen_path) {
		unlink(key);
		unlink(pub);
		char *log = sim_xasprintf("%s/log", p->dir);
		const char *argv[] = {keygen_path, "-q",    "-t", "ed25519", "-N", "",
				      "-C",        comment, "-f", key,       NULL};
		rc = sim_run(argv, log);
		free(log);
	}
	free(etc);
	free(key);
	free(pub);
	free(comment);
	return rc;
}

static void finish_pod(size_t index)
{
	sim_pod *p = sim.pods.items[index];
	sim_user *u = sim.users.items[p->owner];
	u->spent += sim_pod_cost(p, p->phase_at);
	if (p->exec->rented_by == p)
		p->exec->rented_by = NULL;
	p->phase = SIM_PHASE_GONE;
	sim_template *t = p->tmpl;
	sim_vec_remove_at(&sim.pods, index);
	sim_template_release(t);
	pod_free(p);
}

/* ---- jobs (backups and restores) ---------------------------------------- */

static void job_line(sim_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void job_line(sim_job *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) >= 0)
		sim_vec_push(&j->log_lines, msg);
	va_end(ap);
}

static void start_job(sim_job *j)
{
	char *src = sim_xasprintf("%s/.", j->src);
	char *dst =
		j->kind == SIM_JOB_BACKUP ? sim_xasprintf("%s/data", j->dst) : sim_xstrdup(j->dst);
	char *log = j->kind == SIM_JOB_BACKUP
			    ? sim_xasprintf("%s/cp.log", j->dst)
			    : sim_xasprintf("%s/restore-%s.log", sim.state_dir, j->id);
	free(j->status);
	j->started_at = sim_now();
	if (ensure_dir(dst, 0755, j->kind == SIM_JOB_RESTORE) != 0) {
		j->status = sim_xstrdup("FAILED");
		j->error = sim_xasprintf("cannot create %s",
					 j->kind == SIM_JOB_BACKUP ? "the backup" : j->path);
		j->completed_at = sim_now();
	} else {
		const char *cp = sim_find_program("cp", NULL);
		const char *argv[] = {cp ? cp : "/bin/cp", "-a", "--", src, dst, NULL};
		j->pid = sim_spawn(argv, NULL, log);
		j->status = sim_xstrdup(j->pid > 0 ? "IN_PROGRESS" : "FAILED");
		j->progress = 10;
		job_line(j, "copying %s", j->path);
		if (j->pid <= 0) {
			j->error = sim_xstrdup("cannot start cp");
			j->completed_at = sim_now();
		}
	}
	free(src);
	free(dst);
	free(log);
}

static void job_done(sim_job *j, int status)
{
	free(j->status);
	j->pid = 0;
	j->completed_at = sim_now();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		j->status = sim_xstrdup("COMPLETED");
		j->progress = 100;
		job_line(j, "done");
	} else {
		j->status = sim_xstrdup("FAILED");
		j->error = sim_xasprintf("copying %s failed (cp exit status %d)", j->path,
					 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		job_line(j, "%s", j->error);
	}
	sim_pod *p = sim_pod_find(j->pod_id, -1);
	if (p)
		sim_pod_log(p, "%s %s: %s", j->kind == SIM_JOB_BACKUP ? "backup" : "restore", j->id,
			    j->status);
}

void sim_pods_child_exited(pid_t pid, int status)
{
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		if (p->sshd_pid == pid) {
			p->sshd_pid = 0;
			p->ssh_ready = false;
			sim_pod_log(p, "sshd exited (%s %d)",
				    WIFEXITED(status) ? "status" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		}
	}
	for (size_t i = 0; i < sim.jobs.len; i++) {
		sim_job *j = sim.jobs.items[i];
		if (j->pid == pid)
			job_done(j, status);
	}
	pthread_mutex_unlock(&sim.lock);
}

/* ---- the tick ----------------------------------------------------------- */

static long ms_until(double now, double when)
{
	double ms = (when - now) * 1000.0;
	if (ms < 1)
		return 1;
	if (ms > 1000)
		return 1000;
	return (long)ms;
}

long sim_pods_tick(void)
{
	long next = 1000;
	pthread_mutex_lock(&sim.lock);
	double now = sim_now();
	/* Host keys take ssh-keygen a moment: make them without the lock. */
	sim_vec need = {0};
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		if (p->phase == SIM_PHASE_PENDING && !p->host_key_pub &&
		    (now - p->phase_at) * 1000.0 >= (double)sim.opt.pending_ms)
			sim_vec_push(&need, p);
	}
	pthread_mutex_unlock(&sim.lock);
	for (size_t i = 0; i < need.len; i++) {
		sim_pod *p = need.items[i];
		int rc = make_host_key(p);
		char *pub = sim_xasprintf("%s/etc/ssh_host_ed25519_key.pub", p->dir);
		char *text = rc == 0 ? sim_read_file(pub, NULL) : NULL;
		free(pub);
		pthread_mutex_lock(&sim.lock);
		if (text) {
			text[strcspn(text, "\r\n")] = '\0';
			p->host_key_pub = text;
		} else if (p->phase == SIM_PHASE_PENDING) {
			fail_pod(p, "could not create the host key");
		}
		pthread_mutex_unlock(&sim.lock);
	}
	sim_vec_free(&need);

	pthread_mutex_lock(&sim.lock);
	now = sim_now();
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		switch (p->phase) {
		case SIM_PHASE_PENDING: {
			double due = p->phase_at + (double)sim.opt.pending_ms / 1000.0;
			if (now < due) {
				long ms = ms_until(now, due);
				next = ms < next ? ms : next;
				break;
			}
			if (!p->host_key_pub) {
				next = 5 < next ? 5 : next;
				break;
			}
			if (p->prepared) /* switch-template: the old sshd goes */
				stop_processes(p);
			if (write_pod_files(p) != 0) {
				fail_pod(p, "could not write the pod's files");
				break;
			}
			p->phase = SIM_PHASE_STARTING;
			p->phase_at = p->updated_at = now;
			p->want_restart = false;
			p->start_attempts = 0;
			sim_pod_log(p, "pod is STARTING");
			if (!p->ssh_disabled)
				start_sshd(p);
			next = 5;
			break;
		}
		case SIM_PHASE_STARTING: {
			if (p->want_restart) {
				stop_processes(p);
				p->want_restart = false;
				p->start_attempts = 0;
				if (write_pod_files(p) != 0) {
					fail_pod(p, "could not write the pod's files");
					break;
				}
				if (!p->ssh_disabled)
					start_sshd(p);
			} else if (!p->ssh_disabled && p->sshd_pid == 0 && p->prepared) {
				if (p->start_attempts >= 5) {
					fail_pod(p, "sshd did not start");
					break;
				}
				/* most likely the port was taken meanwhile */
				p->ssh_port = 0;
				write_pod_files(p);
				start_sshd(p);
			}
			check_ready(p);
			double due = p->phase_at + (double)sim.opt.starting_ms / 1000.0;
			if ((p->ssh_ready || p->ssh_disabled) && now >= due) {
				p->ssh_was_stopped = p->ssh_disabled;
				p->phase = SIM_PHASE_RUNNING;
				p->phase_at = p->updated_at = now;
				sim_pod_log(p, "pod is RUNNING");
			} else {
				long ms = now < due ? ms_until(now, due) : 10;
				next = ms < next ? ms : next;
			}
			break;
		}
		case SIM_PHASE_RUNNING:
			if (p->removal_at > 0 && now >= p->removal_at) {
				begin_delete(p, "scheduled removal");
				i--; /* handle DELETING now */
				continue;
			}
			if (p->removal_at > 0) {
				long ms = ms_until(now, p->removal_at);
				next = ms < next ? ms : next;
			}
			if (p->ssh_disabled && p->sshd_pid > 0) {
				stop_processes(p);
				p->ssh_was_stopped = true;
			} else if (!p->ssh_disabled && p->ssh_was_stopped && p->prepared) {
				p->ssh_was_stopped = false;
				p->start_attempts = 0;
				start_sshd(p);
			}
			if (!p->ssh_disabled && p->sshd_pid > 0 && !p->ssh_ready) {
				check_ready(p);
				next = 10 < next ? 10 : next;
			}
			break;
		case SIM_PHASE_DELETING:
			if (!p->cleaned) {
				stop_processes(p);
				sim_rmtree(p->dir);
				p->cleaned = true;
			}
			if ((now - p->phase_at) * 1000.0 >= (double)sim.opt.deleting_ms) {
				finish_pod(i);
				i--;
			} else {
				long ms = ms_until(now, p->phase_at + (double)sim.opt.deleting_ms /
									      1000.0);
				next = ms < next ? ms : next;
			}
			break;
		case SIM_PHASE_GONE:
			break;
		}
	}
	for (size_t i = 0; i < sim.jobs.len; i++) {
		sim_job *j = sim.jobs.items[i];
		if (strcmp(j->status, "PENDING") == 0)
			start_job(j);
	}
	pthread_mutex_unlock(&sim.lock);
	return next;
}

void sim_pods_shutdown(void)
{
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		stop_processes(p);
		sim_rmtree(p->dir);
	}
	for (size_t i = 0; i < sim.jobs.len; i++) {
		sim_job *j = sim.jobs.items[i];
		if (j->pid > 0)
			kill(j->pid, SIGKILL);
	}
	char *prefix = sim_xasprintf("CELIUM_SIM_TAG=%s/", sim.instance);
	sim_kill_tagged(prefix, 0);
	free(prefix);
	while (sim.pods.len > 0) {
		sim_pod *p = sim.pods.items[0];
		if (p->phase < SIM_PHASE_DELETING)
			p->phase_at = sim_now();
		p->phase = SIM_PHASE_DELETING;
		finish_pod(0);
	}
	pthread_mutex_unlock(&sim.lock);
}
