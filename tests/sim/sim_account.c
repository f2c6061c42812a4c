/*
 * celium-sim: users, templates, SSH keys, volumes, backups and payments.
 * Every function here runs under sim.lock.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

/* ---- users -------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void add_user(const char *key)
{
	sim_user *u = sim_xcalloc(1, sizeof *u);
	snprintf(u->api_key, sizeof u->api_key, "%s", key);
	uint64_t h = hash_str(key);
	sim_uuid_from(sim_mix64(h ^ sim.opt.seed), sim_mix64(h + 17), u->id);
	snprintf(u->email, sizeof u->email, "user%zu@example.com", sim.users.len + 1);
	snprintf(u->stripe_customer_id, sizeof u->stripe_customer_id, "cus_sim%012llx",
		 (unsigned long long)(sim_mix64(h) & 0xffffffffffffull));
	u->credit = sim.opt.balance;
	sim_vec_push(&sim.users, u);
}

double sim_user_balance(int user)
{
	sim_user *u = sim.users.items[user];
	double now = sim_now();
	double b = u->credit - u->spent;
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		if (p->owner == user)
			b -= sim_pod_cost(p, now);
	}
	return round(b * 1e6) / 1e6;
}

void sim_h_users_me(sim_req *r, sim_resp *resp)
{
	sim_user *u = sim.users.items[r->user];
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(u->id));
	json_object_set_new(o, "email", json_string(u->email));
	json_object_set_new(o, "balance", json_real(sim_user_balance(r->user)));
	json_object_set_new(o, "stripe_customer_id", json_string(u->stripe_customer_id));
	sim_resp_json(resp, 200, o);
}

/* ---- templates ---------------------------------------------------------- */

typedef struct system_template {
	const char *id, *name, *description, *image, *tag, *category;
	int ports[3];
	const char *env_key, *env_val;
	long long size;
	const char *startup;
} system_template;

static const system_template system_templates[] = {
	{"1948937e-5049-47ad-8e26-bcf1a4549d70",
	 "Pytorch (Cuda) 2.6.0",
	 "PyTorch 2.6 with CUDA 12.5 and Python 3.11 (Ubuntu 24.04)",
	 "daturaai/pytorch",
	 "2.6.0-py3.11-cuda12.5.1-devel-ubuntu24.04",
	 "PYTORCH",
	 {22, 8888, 0},
	 NULL,
	 NULL,
	 9812345678LL,
	 ""},
	{"5f0c7e2a-91d4-4c3b-8a6e-2d7b9e1f4a60",
	 "Pytorch (Cuda) 2.4.0",
	 "PyTorch 2.4 with CUDA 12.1 and Python 3.11 (Ubuntu 22.04)",
	 "daturaai/pytorch",
	 "2.4.0-py3.11-cuda12.1.1-devel-ubuntu22.04",
	 "PYTORCH",
	 {22, 8888, 0},
	 NULL,
	 NULL,
	 8934567123LL,
	 ""},
	{"7d2b4f6a-8c1e-4a3d-9b5f-1e0c2a4d6b81",
	 "Pytorch (Cuda) 2.7.0",
	 "PyTorch 2.7 with CUDA 12.8 for Blackwell GPUs (Ubuntu 24.04)",
	 "daturaai/pytorch",
	 "2.7.0-py3.11-cuda12.8.1-devel-ubuntu24.04",
	 "PYTORCH",
	 {22, 8888, 0},
	 NULL,
	 NULL,
	 10456789012LL,
	 ""},
	{"b3d1e6f8-2a4c-4e7b-9f10-6c8a2e4d1b37",
	 "Ubuntu 22.04 + CUDA 12.4",
	 "Plain Ubuntu 22.04 with the CUDA 12.4 runtime",
	 "daturaai/ubuntu",
	 "22.04-cuda12.4",
	 "UBUNTU",
	 {22, 0, 0},
	 NULL,
	 NULL,
	 3456789012LL,
	 ""},
	{"e8a4c2f6-7b1d-4d9e-a3c5-0f2e6b8d4a19",
	 "vLLM OpenAI server",
	 "vLLM serving an OpenAI-compatible API on port 8000",
	 "vllm/vllm-openai",
	 "v0.6.3",
	 "OPEN_AI",
	 {22, 8000, 0},
	 "HF_HOME",
	 "/workspace/hf",
	 11234567890LL,
	 ""},
	{"2c7e9a1b-4d6f-4a8c-b0e2-9d1f3a5c7e28",
	 "TensorFlow 2.16 GPU",
	 "TensorFlow 2.16 with Jupyter",
	 "tensorflow/tensorflow",
	 "2.16.1-gpu-jupyter",
	 "TENSOR_FLOW",
	 {22, 8888, 0},
	 NULL,
	 NULL,
	 7123456789LL,
	 ""},
};

static const char *const categories[] = {"DOCKER",      "PYTORCH", "NVIDIA",
					 "TENSOR_FLOW", "OPEN_AI", "UBUNTU"};

static void add_system_templates(void)
{
	char created[32];
	for (size_t i = 0; i < sizeof system_templates / sizeof system_templates[0]; i++) {
		const system_template *s = &system_templates[i];
		sim_template *t = sim_xcalloc(1, sizeof *t);
		snprintf(t->id, sizeof t->id, "%s", s->id);
		t->owner = -1;
		t->state = SIM_T_SYSTEM;
		t->created_at = t->updated_at = 1756800000.0 + 86400.0 * (double)i;
		t->image_size = s->size;
		sim_iso_time(t->created_at, created);
		json_t *ports = json_array();
		for (int k = 0; k < 3 && s->ports[k]; k++)
			json_array_append_new(ports, json_integer(s->ports[k]));
		json_t *env = json_object();
		if (s->env_key)
			json_object_set_new(env, s->env_key, json_string(s->env_val));
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(s->id));
		json_object_set_new(o, "name", json_string(s->name));
		json_object_set_new(o, "description", json_string(s->description));
		json_object_set_new(o, "docker_image", json_string(s->image));
		json_object_set_new(o, "docker_image_tag", json_string(s->tag));
		json_object_set_new(o, "docker_image_digest", json_string(""));
		json_object_set_new(o, "docker_image_size", json_integer(s->size));
		json_object_set_new(o, "category", json_string(s->category));
		json_object_set_new(o, "is_private", json_false());
		json_object_set_new(o, "user_id", json_null());
		json_object_set_new(o, "internal_ports", ports);
		json_object_set_new(o, "startup_commands", json_string(s->startup));
		json_object_set_new(o, "entrypoint", json_string(""));
		json_object_set_new(o, "environment", env);
		json_object_set_new(o, "volumes", json_pack("[s]", "/workspace"));
		json_object_set_new(o, "readme", json_string(s->name));
		json_object_set_new(o, "container_start_immediately", json_true());
		json_object_set_new(o, "one_time_template", json_false());
		json_object_set_new(o, "is_temporary", json_false());
		json_object_set_new(o, "docker_credential_id", json_null());
		t->obj = o;
		sim_vec_push(&sim.templates, t);
	}
}

const char *sim_template_status(const sim_template *t)
{
	if (t->state == SIM_T_SYSTEM)
		return "VERIFY_SUCCESS";
	double dt = (sim_now() - t->verify_start) * 1000.0;
	if (dt < (double)sim.opt.pending_ms)
		return t->first_status;
	if (dt < (double)(sim.opt.pending_ms + sim.opt.starting_ms))
		return "VERIFY_PENDING";
	return t->fails ? "VERIFY_FAILED" : "VERIFY_SUCCESS";
}

json_t *sim_template_json(const sim_template *t)
{
	json_t *o = json_deep_copy(t->obj);
	const char *status = sim_template_status(t);
	json_object_set_new(o, "status", json_string(status));
	if (strcmp(status, "VERIFY_FAILED") == 0) {
		char *msg = sim_xasprintf(
			"Error response from daemon: manifest for %s:%s not found: manifest "
			"unknown",
			json_string_value(json_object_get(o, "docker_image")),
			json_string_value(json_object_get(o, "docker_image_tag")));
		json_object_set_new(o, "verification_logs", json_string(msg));
		free(msg);
	} else {
		json_object_set_new(o, "verification_logs", json_null());
	}
	char ts[32];
	sim_iso_time(t->created_at, ts);
	json_object_set_new(o, "created_at", json_string(ts));
	sim_iso_time(t->updated_at, ts);
	json_object_set_new(o, "updated_at", json_string(ts));
	return o;
}

sim_template *sim_template_find(const char *id, int user)
{
	for (size_t i = 0; i < sim.templates.len; i++) {
		sim_template *t = sim.templates.items[i];
		if (strcmp(t->id, id) == 0 && (t->owner < 0 || t->owner == user))
			return t;
	}
	return NULL;
}

static void template_free(sim_template *t)
{
	json_decref(t->obj);
	free(t);
}

static void template_remove(sim_template *t)
{
	for (size_t i = 0; i < sim.templates.len; i++) {
		if (sim.templates.items[i] == t) {
			sim_vec_remove_at(&sim.templates, i);
			template_free(t);
			return;
		}
	}
}

static bool template_in_use(const sim_template *t)
{
	for (size_t i = 0; i < sim.pods.len; i++) {
		const sim_pod *p = sim.pods.items[i];
		if (p->tmpl == t && p->phase != SIM_PHASE_GONE)
			return true;
	}
	return false;
}

void sim_template_release(sim_template *t)
{
	if (t && t->one_time && !template_in_use(t))
		template_remove(t);
}

void sim_h_templates_list(sim_req *r, sim_resp *resp)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sim.templates.len; i++) {
		sim_template *t = sim.templates.items[i];
		if (t->owner < 0 || t->owner == r->user)
			json_array_append_new(a, sim_template_json(t));
	}
	sim_resp_json(resp, 200, a);
}

static sim_template *template_from_path(sim_req *r, sim_resp *resp, bool for_write)
{
	char id[SIM_ID_LEN];
	sim_template *t = NULL;
	if (sim_uuid_normalize(r->segs[1], id)) {
		for (size_t i = 0; i < sim.templates.len; i++) {
			sim_template *c = sim.templates.items[i];
			if (strcmp(c->id, id) == 0)
				t = c;
		}
	}
	if (!t || (t->owner >= 0 && t->owner != r->user)) {
		sim_resp_detail(resp, 404, "Template not found");
		return NULL;
	}
	if (for_write && t->owner < 0) {
		sim_resp_detail(resp, 403, "You can only change your own templates");
		return NULL;
	}
	return t;
}

void sim_h_template_get(sim_req *r, sim_resp *resp)
{
	sim_template *t = template_from_path(r, resp, false);
	if (t)
		sim_resp_json(resp, 200, sim_template_json(t));
}

static const sim_field template_fields[] = {
	{"name", SIM_F_STR, true, false},
	{"docker_image", SIM_F_STR, true, false},
	{"docker_image_tag", SIM_F_STR, false, true},
	{"docker_image_digest", SIM_F_STR, false, true},
	{"internal_ports", SIM_F_INT_ARRAY, false, true},
	{"startup_commands", SIM_F_STR, false, true},
	{"category", SIM_F_STR, false, true},
	{"container_start_immediately", SIM_F_BOOL, false, true},
	{"description", SIM_F_STR, false, true},
	{"entrypoint", SIM_F_STR, false, true},
	{"environment", SIM_F_STR_MAP, false, true},
	{"is_private", SIM_F_BOOL, false, true},
	{"one_time_template", SIM_F_BOOL, false, true},
	{"is_temporary", SIM_F_BOOL, false, true},
	{"readme", SIM_F_STR, false, true},
	{"volumes", SIM_F_STR_ARRAY, false, true},
	{"docker_credential_id", SIM_F_UUID, false, true},
};

/* Types and the checks beyond them; false with a 422 in resp. */
static bool template_valid(sim_req *r, sim_resp *resp)
{
	json_t *errors = json_array();
	if (!sim_check_body(r, template_fields, sizeof template_fields / sizeof template_fields[0],
			    errors)) {
		sim_resp_422(resp, errors);
		return false;
	}
	json_t *b = r->json;
	const char *name = json_string_value(json_object_get(b, "name"));
	if (name && !*name)
		sim_verr(errors, "string_too_short", "body", "name",
			 "String should have at least 1 character", json_string(name));
	const char *image = json_string_value(json_object_get(b, "docker_image"));
	if (image) {
		bool bad = !*image;
		for (const char *p = image; *p && !bad; p++)
			bad = isspace((unsigned char)*p) || *p == '@';
		if (!bad && strchr(image, ':') && !strchr(strchr(image, ':'), '/'))
			bad = true; /* a tag belongs in docker_image_tag */
		if (bad)
			sim_verr(errors, "value_error", "body", "docker_image",
				 "Value error, docker_image must be a repository name without "
				 "tag or digest",
				 json_string(image));
	}
	const char *cat = json_string_value(json_object_get(b, "category"));
	if (cat) {
		bool ok = false;
		for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
			ok = ok || strcmp(cat, categories[i]) == 0;
		if (!ok)
			sim_verr(errors, "enum", "body", "category",
				 "Input should be 'DOCKER', 'PYTORCH', 'NVIDIA', 'TENSOR_FLOW', "
				 "'OPEN_AI' or 'UBUNTU'",
				 json_string(cat));
	}
	json_t *ports = json_object_get(b, "internal_ports");
	size_t i;
	json_t *pv;
	json_array_foreach(ports, i, pv)
	{
		double v = json_number_value(pv);
		if (json_is_number(pv) && (v < 1 || v > 65535))
			sim_verr(errors, "value_error", "body", "internal_ports",
				 "Value error, ports must be between 1 and 65535", json_incref(pv));
	}
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return true;
	}
	sim_resp_422(resp, errors);
	return false;
}

static void set_default(json_t *o, const char *key, json_t *value)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		json_object_set_new(o, key, value);
	else
		json_decref(value);
}

static void copy_field(json_t *dst, json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);
	if (v)
		json_object_set(dst, key, v);
}

/* Fills a template object from a validated body, defaults as in §10.2. */
static json_t *template_object(const char *id, int owner, json_t *b, json_t *base)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	const char *keys[] = {"name",
			      "description",
			      "docker_image",
			      "docker_image_tag",
			      "docker_image_digest",
			      "docker_image_size",
			      "category",
			      "is_private",
			      "user_id",
			      "internal_ports",
			      "startup_commands",
			      "entrypoint",
			      "environment",
			      "volumes",
			      "readme",
			      "container_start_immediately",
			      "one_time_template",
			      "is_temporary",
			      "docker_credential_id"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (base)
			copy_field(o, base, keys[i]);
		copy_field(o, b, keys[i]);
	}
	const char *name = json_string_value(json_object_get(o, "name"));
	set_default(o, "description", json_string(name ? name : ""));
	set_default(o, "readme", json_string(name ? name : ""));
	set_default(o, "docker_image_tag", json_string("latest"));
	set_default(o, "docker_image_digest", json_string(""));
	set_default(o, "docker_image_size", json_null());
	set_default(o, "category", json_string("UBUNTU"));
	set_default(o, "is_private", json_true());
	set_default(o, "internal_ports", json_pack("[i,i]", 22, 8000));
	set_default(o, "startup_commands", json_string(""));
	set_default(o, "entrypoint", json_string(""));
	set_default(o, "environment", json_object());
	set_default(o, "volumes", json_pack("[s]", "/workspace"));
	set_default(o, "container_start_immediately", json_true());
	set_default(o, "one_time_template", json_false());
	set_default(o, "is_temporary", json_false());
	set_default(o, "docker_credential_id", json_null());
	json_object_set_new(o, "user_id", json_string(((sim_user *)sim.users.items[owner])->id));
	return o;
}

static void start_verification(sim_template *t, const char *first)
{
	t->first_status = first;
	t->verify_start = sim_now();
	const char *image = json_string_value(json_object_get(t->obj, "docker_image"));
	const char *tag = json_string_value(json_object_get(t->obj, "docker_image_tag"));
	t->fails = (image && strstr(image, "fail")) || (tag && strstr(tag, "fail"));
	t->one_time = json_is_true(json_object_get(t->obj, "one_time_template"));
	/* Private images have a size the sandbox invents from the name. */
	uint64_t h = hash_str(image ? image : "");
	t->image_size = 500000000LL + (long long)(h % 9000000000ull);
}

void sim_h_template_create(sim_req *r, sim_resp *resp)
{
	if (!template_valid(r, resp))
		return;
	sim_template *t = sim_xcalloc(1, sizeof *t);
	sim_uuid_new(t->id);
	t->owner = r->user;
	t->state = SIM_T_VERIFY;
	t->created_at = t->updated_at = sim_now();
	t->obj = template_object(t->id, r->user, r->json, NULL);
	start_verification(t, "CREATED");
	sim_vec_push(&sim.templates, t);
	sim_resp_json(resp, 200, sim_template_json(t));
}

void sim_h_template_update(sim_req *r, sim_resp *resp)
{
	sim_template *t = template_from_path(r, resp, true);
	if (!t)
		return;
	if (!template_valid(r, resp))
		return;
	json_t *o = template_object(t->id, r->user, r->json, t->obj);
	json_decref(t->obj);
	t->obj = o;
	t->updated_at = sim_now();
	start_verification(t, "UPDATED");
	sim_resp_json(resp, 200, sim_template_json(t));
}

void sim_h_template_delete(sim_req *r, sim_resp *resp)
{
	sim_template *t = template_from_path(r, resp, true);
	if (!t)
		return;
	if (template_in_use(t)) {
		sim_resp_detail(resp, 400, "Template is in use by a pod");
		return;
	}
	json_t *o = json_pack("{s:b,s:s}", "success", 1, "id", t->id);
	template_remove(t);
	sim_resp_json(resp, 200, o);
}

sim_template *sim_template_for_dockerfile(int owner, const char *dockerfile)
{
	sim_template *t = sim_xcalloc(1, sizeof *t);
	sim_uuid_new(t->id);
	t->owner = owner;
	t->state = SIM_T_VERIFY;
	t->created_at = t->updated_at = sim_now();
	char name[64];
	snprintf(name, sizeof name, "dockerfile-%08llx",
		 (unsigned long long)(hash_str(dockerfile) & 0xffffffffu));
	json_t *b = json_pack("{s:s,s:s,s:s,s:b,s:[i]}", "name", name, "docker_image",
			      "celium-sim/dockerfile-build", "docker_image_tag", name,
			      "one_time_template", 1, "internal_ports", 22);
	t->obj = template_object(t->id, owner, b, NULL);
	json_decref(b);
	start_verification(t, "CREATED");
	t->fails = false;
	sim_vec_push(&sim.templates, t);
	return t;
}

/* ---- SSH keys ----------------------------------------------------------- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Checks "<type> <base64 blob> [comment]" and that the blob names <type>. */
bool sim_valid_public_key(const char *line)
{
	static const char *const types[] = {"ssh-ed25519",
					    "ssh-rsa",
					    "ssh-dss",
					    "ecdsa-sha2-nistp256",
					    "ecdsa-sha2-nistp384",
					    "ecdsa-sha2-nistp521",
					    "sk-ssh-ed25519@openssh.com",
					    "sk-ecdsa-sha2-nistp256@openssh.com"};
	while (*line == ' ')
		line++;
	const char *sp = strchr(line, ' ');
	if (!sp)
		return false;
	size_t tlen = (size_t)(sp - line);
	bool known = false;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		known = known || (strlen(types[i]) == tlen && strncmp(types[i], line, tlen) == 0);
	if (!known)
		return false;
	const char *b64 = sp + 1;
	size_t n = strcspn(b64, " \t\r\n");
	if (n < 16 || n % 4 != 0)
		return false;
	unsigned char blob[8192];
	size_t out = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (b64[i] == '=') {
			if (i < n - 2)
				return false;
			continue;
		}
		int v = b64_value(b64[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (out >= sizeof blob)
				return false;
			blob[out++] = (unsigned char)(acc >> bits);
		}
	}
	if (out < 4)
		return false;
	uint32_t len = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 |
		       blob[3];
	if (len != tlen || out < 4 + len)
		return false;
	if (memcmp(blob + 4, line, tlen) != 0)
		return false;
	for (const char *p = b64 + n; *p; p++)
		if (*p == '\n' || *p == '\r')
			return p[1] == '\0' || (p[0] == '\r' && p[1] == '\n' && p[2] == '\0');
	return true;
}

/* "type base64" without comment, for duplicate detection. */
static char *key_core(const char *line)
{
	while (*line == ' ')
		line++;
	const char *sp = strchr(line, ' ');
	if (!sp)
		return sim_xstrdup(line);
	size_t n = strcspn(sp + 1, " \t\r\n");
	return sim_xasprintf("%.*s %.*s", (int)(sp - line), line, (int)n, sp + 1);
}

static json_t *sshkey_json(const sim_sshkey *k)
{
	char ts[32];
	sim_iso_time(k->created_at, ts);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(k->id));
	json_object_set_new(o, "name", json_string(k->name));
	json_object_set_new(o, "public_key", json_string(k->public_key));
	json_object_set_new(o, "user_id", json_string(((sim_user *)sim.users.items[k->owner])->id));
	json_object_set_new(o, "created_at", json_string(ts));
	json_object_set_new(o, "updated_at", json_string(ts));
	return o;
}

void sim_h_sshkeys_list(sim_req *r, sim_resp *resp)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sim.sshkeys.len; i++) {
		sim_sshkey *k = sim.sshkeys.items[i];
		if (k->owner == r->user)
			json_array_append_new(a, sshkey_json(k));
	}
	sim_resp_json(resp, 200, a);
}

void sim_h_sshkey_create(sim_req *r, sim_resp *resp)
{
	static const sim_field fields[] = {
		{"name", SIM_F_STR, true, false},
		{"public_key", SIM_F_STR, true, false},
	};
	if (!sim_validate_body(r, fields, 2, resp))
		return;
	const char *name = json_string_value(json_object_get(r->json, "name"));
	const char *pub = json_string_value(json_object_get(r->json, "public_key"));
	json_t *errors = json_array();
	if (!*name || strlen(name) > 255)
		sim_verr(errors, "string_too_short", "body", "name",
			 "String should have 1 to 255 characters", json_string(name));
	if (!sim_valid_public_key(pub))
		sim_verr(errors, "value_error", "body", "public_key",
			 "Value error, not an OpenSSH public key line", json_string(pub));
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);
	char *core = key_core(pub);
	for (size_t i = 0; i < sim.sshkeys.len; i++) {
		sim_sshkey *k = sim.sshkeys.items[i];
		char *other = key_core(k->public_key);
		bool dup = k->owner == r->user && strcmp(core, other) == 0;
		free(other);
		if (dup) {
			free(core);
			sim_resp_detail(resp, 409, "SSH key already exists");
			return;
		}
	}
	free(core);
	sim_sshkey *k = sim_xcalloc(1, sizeof *k);
	sim_uuid_new(k->id);
	k->owner = r->user;
	k->name = sim_xstrdup(name);
	k->public_key = sim_xstrdup(pub);
	size_t n = strlen(k->public_key);
	while (n && (k->public_key[n - 1] == '\n' || k->public_key[n - 1] == '\r'))
		k->public_key[--n] = '\0';
	k->created_at = sim_now();
	sim_vec_push(&sim.sshkeys, k);
	sim_resp_json(resp, 200, sshkey_json(k));
}

void sim_h_sshkey_delete(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	if (sim_uuid_normalize(r->segs[1], id)) {
		for (size_t i = 0; i < sim.sshkeys.len; i++) {
			sim_sshkey *k = sim.sshkeys.items[i];
			if (k->owner == r->user && strcmp(k->id, id) == 0) {
				sim_vec_remove_at(&sim.sshkeys, i);
				free(k->name);
				free(k->public_key);
				free(k);
				sim_resp_json(resp, 200, json_pack("{s:b}", "success", 1));
				return;
			}
		}
	}
	sim_resp_detail(resp, 404, "SSH key not found");
}

/* ---- volumes ------------------------------------------------------------ */

sim_volume *sim_volume_find(const char *id, int user)
{
	for (size_t i = 0; i < sim.volumes.len; i++) {
		sim_volume *v = sim.volumes.items[i];
		if (strcmp(v->id, id) == 0 && v->owner == user)
			return v;
	}
	return NULL;
}

static json_t *volume_json(const sim_volume *v)
{
	uint64_t bytes = 0, files = 0;
	sim_dir_usage(v->dir, &bytes, &files);
	char c[32], u[32], m[32];
	sim_iso_time(v->created_at, c);
	sim_iso_time(v->updated_at, u);
	sim_iso_time(sim_now(), m);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(v->id));
	json_object_set_new(o, "name", json_string(v->name));
	json_object_set_new(o, "description", json_string(v->description));
	json_object_set_new(o, "user_id", json_string(((sim_user *)sim.users.items[v->owner])->id));
	json_object_set_new(o, "created_at", json_string(c));
	json_object_set_new(o, "updated_at", json_string(u));
	json_object_set_new(o, "current_size_bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "current_file_count", json_integer((json_int_t)files));
	json_object_set_new(o, "current_size_gb",
			    json_real(round((double)bytes / 1e9 * 1e6) / 1e6));
	json_object_set_new(o, "current_size_mb",
			    json_real(round((double)bytes / 1e6 * 1e3) / 1e3));
	json_object_set_new(o, "last_metrics_update", json_string(m));
	return o;
}

static sim_volume *volume_from_path(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	sim_volume *v = NULL;
	if (sim_uuid_normalize(r->segs[1], id))
		v = sim_volume_find(id, r->user);
	if (!v)
		sim_resp_detail(resp, 404, "Volume not found");
	return v;
}

void sim_h_volumes_list(sim_req *r, sim_resp *resp)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sim.volumes.len; i++) {
		sim_volume *v = sim.volumes.items[i];
		if (v->owner == r->user)
			json_array_append_new(a, volume_json(v));
	}
	sim_resp_json(resp, 200, a);
}

void sim_h_volume_get(sim_req *r, sim_resp *resp)
{
	sim_volume *v = volume_from_path(r, resp);
	if (v)
		sim_resp_json(resp, 200, volume_json(v));
}

static bool volume_text_ok(sim_req *r, sim_resp *resp, bool need_one)
{
	json_t *errors = json_array();
	const char *name = json_string_value(json_object_get(r->json, "name"));
	if (name && (!*name || strlen(name) > 255))
		sim_verr(errors, "string_too_short", "body", "name",
			 "String should have 1 to 255 characters", json_string(name));
	if (need_one && !json_is_string(json_object_get(r->json, "name")) &&
	    !json_is_string(json_object_get(r->json, "description")))
		sim_verr(errors, "value_error", "body", NULL,
			 "Value error, at least one of name and description is required",
			 json_incref(r->json));
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return true;
	}
	sim_resp_422(resp, errors);
	return false;
}

void sim_h_volume_create(sim_req *r, sim_resp *resp)
{
	static const sim_field fields[] = {
		{"name", SIM_F_STR, true, false},
		{"description", SIM_F_STR, false, true},
	};
	if (!sim_validate_body(r, fields, 2, resp) || !volume_text_ok(r, resp, false))
		return;
	sim_volume *v = sim_xcalloc(1, sizeof *v);
	sim_uuid_new(v->id);
	v->owner = r->user;
	v->name = sim_xstrdup(json_string_value(json_object_get(r->json, "name")));
	const char *d = json_string_value(json_object_get(r->json, "description"));
	v->description = sim_xstrdup(d ? d : "");
	v->dir = sim_xasprintf("%s/volumes/%s", sim.state_dir, v->id);
	v->created_at = v->updated_at = sim_now();
	if (sim_mkdirs(v->dir, 0755) != 0) {
		sim_resp_detail(resp, 500, "Could not create the volume");
		free(v->name);
		free(v->description);
		free(v->dir);
		free(v);
		return;
	}
	if (sim.is_root && chown(v->dir, sim.pod_uid, sim.pod_gid) != 0)
		sim_warn("chown %s: failed", v->dir);
	sim_vec_push(&sim.volumes, v);
	sim_resp_json(resp, 200, volume_json(v));
}

void sim_h_volume_update(sim_req *r, sim_resp *resp)
{
	sim_volume *v = volume_from_path(r, resp);
	if (!v)
		return;
	static const sim_field fields[] = {
		{"name", SIM_F_STR, false, true},
		{"description", SIM_F_STR, false, true},
	};
	if (!sim_validate_body(r, fields, 2, resp) || !volume_text_ok(r, resp, true))
		return;
	const char *name = json_string_value(json_object_get(r->json, "name"));
	const char *d = json_string_value(json_object_get(r->json, "description"));
	if (name) {
		free(v->name);
		v->name = sim_xstrdup(name);
	}
	if (d) {
		free(v->description);
		v->description = sim_xstrdup(d);
	}
	v->updated_at = sim_now();
	sim_resp_json(resp, 200, volume_json(v));
}

void sim_h_volume_delete(sim_req *r, sim_resp *resp)
{
	sim_volume *v = volume_from_path(r, resp);
	if (!v)
		return;
	for (size_t i = 0; i < sim.pods.len; i++) {
		sim_pod *p = sim.pods.items[i];
		if (p->phase != SIM_PHASE_GONE && strcmp(p->volume_id, v->id) == 0) {
			sim_resp_detail(resp, 400, "Volume is attached to pod %s", p->id);
			return;
		}
	}
	for (size_t i = 0; i < sim.volumes.len; i++) {
		if (sim.volumes.items[i] == v) {
			sim_vec_remove_at(&sim.volumes, i);
			break;
		}
	}
	json_t *o = json_pack("{s:b,s:s}", "success", 1, "id", v->id);
	sim_rmtree(v->dir);
	free(v->name);
	free(v->description);
	free(v->dir);
	free(v);
	sim_resp_json(resp, 200, o);
}

/* ---- backups ------------------------------------------------------------ */

static json_t *config_json(const sim_backup_config *c)
{
	char cr[32], up[32];
	sim_iso_time(c->created_at, cr);
	sim_iso_time(c->updated_at, up);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "pod_id", json_string(c->pod_id));
	json_object_set_new(o, "pod_executor_id", json_string(c->executor_id));
	json_object_set_new(o, "backup_frequency_hours", json_integer(c->frequency_hours));
	json_object_set_new(o, "retention_days", json_integer(c->retention_days));
	json_object_set_new(o, "backup_path", json_string(c->path));
	json_object_set_new(o, "is_active", json_boolean(c->active));
	json_object_set_new(o, "created_at", json_string(cr));
	json_object_set_new(o, "updated_at", json_string(up));
	return o;
}

static sim_backup_config *config_of_pod(const char *pod_id, int user)
{
	for (size_t i = 0; i < sim.backup_configs.len; i++) {
		sim_backup_config *c = sim.backup_configs.items[i];
		if (c->owner == user && strcmp(c->pod_id, pod_id) == 0)
			return c;
	}
	return NULL;
}

void sim_h_backup_config_create(sim_req *r, sim_resp *resp)
{
	static const sim_field fields[] = {
		{"pod_id", SIM_F_UUID, true, false},
		{"backup_frequency_hours", SIM_F_INT, true, false},
		{"retention_days", SIM_F_INT, true, false},
		{"backup_path", SIM_F_STR, true, false},
	};
	if (!sim_validate_body(r, fields, 4, resp))
		return;
	json_t *errors = json_array();
	json_t *freq = json_object_get(r->json, "backup_frequency_hours");
	json_t *ret = json_object_get(r->json, "retention_days");
	const char *path = json_string_value(json_object_get(r->json, "backup_path"));
	if (json_number_value(freq) < 1)
		sim_verr(errors, "greater_than_equal", "body", "backup_frequency_hours",
			 "Input should be greater than or equal to 1", json_incref(freq));
	if (json_number_value(ret) < 1)
		sim_verr(errors, "greater_than_equal", "body", "retention_days",
			 "Input should be greater than or equal to 1", json_incref(ret));
	if (path[0] != '/')
		sim_verr(errors, "value_error", "body", "backup_path",
			 "Value error, backup_path must be an absolute path", json_string(path));
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);
	char pod_id[SIM_ID_LEN];
	sim_uuid_normalize(json_string_value(json_object_get(r->json, "pod_id")), pod_id);
	sim_pod *p = sim_pod_find(pod_id, r->user);
	if (!p) {
		sim_resp_detail(resp, 404, "Pod not found");
		return;
	}
	if (config_of_pod(pod_id, r->user)) {
		json_t *o = json_object();
		const char *msg = "Backup configuration already exists for this pod";
		json_object_set_new(o, "detail", json_string(msg));
		json_object_set_new(o, "message", json_string(msg));
		sim_resp_json(resp, 400, o);
		return;
	}
	sim_backup_config *c = sim_xcalloc(1, sizeof *c);
	sim_uuid_new(c->id);
	c->owner = r->user;
	snprintf(c->pod_id, sizeof c->pod_id, "%s", p->id);
	snprintf(c->executor_id, sizeof c->executor_id, "%s", p->exec->id);
	c->frequency_hours = (long long)json_number_value(freq);
	c->retention_days = (long long)json_number_value(ret);
	c->path = sim_xstrdup(path);
	c->active = true;
	c->created_at = c->updated_at = sim_now();
	sim_vec_push(&sim.backup_configs, c);
	sim_resp_json(resp, 200, config_json(c));
}

void sim_h_backup_configs_list(sim_req *r, sim_resp *resp)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sim.backup_configs.len; i++) {
		sim_backup_config *c = sim.backup_configs.items[i];
		if (c->owner == r->user)
			json_array_append_new(a, config_json(c));
	}
	sim_resp_json(resp, 200, a);
}

void sim_h_backup_config_of_pod(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	sim_backup_config *c = NULL;
	if (sim_uuid_normalize(r->segs[2], id))
		c = config_of_pod(id, r->user);
	if (!c) {
		sim_resp_detail(resp, 404, "Backup configuration not found");
		return;
	}
	sim_resp_json(resp, 200, config_json(c));
}

void sim_h_backup_config_delete(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	if (sim_uuid_normalize(r->segs[1], id)) {
		for (size_t i = 0; i < sim.backup_configs.len; i++) {
			sim_backup_config *c = sim.backup_configs.items[i];
			if (c->owner == r->user && strcmp(c->id, id) == 0) {
				sim_vec_remove_at(&sim.backup_configs, i);
				free(c->path);
				free(c);
				sim_resp_json(resp, 200, json_pack("{s:b}", "success", 1));
				return;
			}
		}
	}
	sim_resp_detail(resp, 404, "Backup configuration not found");
}

sim_job *sim_job_find(const char *id)
{
	for (size_t i = 0; i < sim.jobs.len; i++) {
		sim_job *j = sim.jobs.items[i];
		if (strcmp(j->id, id) == 0)
			return j;
	}
	return NULL;
}

static json_t *time_or_null(double t)
{
	if (t <= 0)
		return json_null();
	char ts[32];
	sim_iso_time(t, ts);
	return json_string(ts);
}

static json_t *job_json(const sim_job *j)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(j->id));
	if (j->kind == SIM_JOB_BACKUP) {
		json_object_set_new(o, "backup_config_id",
				    *j->config_id ? json_string(j->config_id) : json_null());
		json_object_set_new(o, "name", json_string(j->name ? j->name : ""));
		json_object_set_new(o, "description",
				    json_string(j->description ? j->description : ""));
		json_object_set_new(o, "backup_path", json_string(j->path));
		json_object_set_new(o, "backup_volume_id", json_string(j->id));
	} else {
		json_object_set_new(o, "backup_id", json_string(j->backup_id));
		json_object_set_new(o, "restore_path", json_string(j->path));
		json_t *logs = json_array();
		for (size_t i = 0; i < j->log_lines.len; i++)
			json_array_append_new(logs, json_string(j->log_lines.items[i]));
		json_object_set_new(o, "logs", logs);
	}
	json_object_set_new(o, "pod_id", json_string(j->pod_id));
	json_object_set_new(o, "status", json_string(j->status));
	json_object_set_new(o, "progress", json_integer(j->progress));
	json_object_set_new(o, "started_at", time_or_null(j->started_at));
	json_object_set_new(o, "completed_at", time_or_null(j->completed_at));
	json_object_set_new(o, "error_message", j->error ? json_string(j->error) : json_null());
	json_object_set_new(o, "created_at", time_or_null(j->created_at));
	return o;
}

static json_t *jobs_of_pod(const char *pod_id, int user, sim_job_kind kind)
{
	json_t *items = json_array();
	for (size_t i = sim.jobs.len; i-- > 0;) {
		sim_job *j = sim.jobs.items[i];
		if (j->owner == user && j->kind == kind && strcmp(j->pod_id, pod_id) == 0)
			json_array_append_new(items, job_json(j));
	}
	json_t *o = json_object();
	json_object_set_new(o, "total", json_integer((json_int_t)json_array_size(items)));
	json_object_set_new(o, "page", json_integer(1));
	json_object_set_new(o, "size", json_integer((json_int_t)json_array_size(items)));
	json_object_set_new(o, "pages", json_integer(1));
	json_object_set_new(o, "items", items);
	return o;
}

void sim_h_backup_logs_of_pod(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	bool known = false;
	if (sim_uuid_normalize(r->segs[2], id)) {
		known = sim_pod_find(id, r->user) != NULL;
		for (size_t i = 0; i < sim.jobs.len && !known; i++) {
			sim_job *j = sim.jobs.items[i];
			known = j->owner == r->user && strcmp(j->pod_id, id) == 0;
		}
	}
	if (!known) {
		sim_resp_detail(resp, 404, "Pod not found");
		return;
	}
	sim_resp_json(resp, 200, jobs_of_pod(id, r->user, SIM_JOB_BACKUP));
}

/*
 * A pod's file system is its home directory: "/root", "/home" and "~" name
 * the home, "/workspace" the workspace, anything else a path inside home.
 */
static char *pod_host_path(const sim_pod *p, const char *path)
{
	static const char *const homes[] = {"/root", "/home", "~"};
	for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
		size_t n = strlen(homes[i]);
		if (strncmp(path, homes[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return sim_xasprintf("%s/home%s", p->dir, path + n);
	}
	if (strncmp(path, "/workspace", 10) == 0 && (path[10] == '\0' || path[10] == '/'))
		return sim_xasprintf("%s/home/workspace%s", p->dir, path + 10);
	return sim_xasprintf("%s/home%s%s", p->dir, path[0] == '/' ? "" : "/", path);
}

static sim_pod *pod_from_path(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	sim_pod *p = NULL;
	if (sim_uuid_normalize(r->segs[1], id))
		p = sim_pod_find(id, r->user);
	if (!p || p->phase >= SIM_PHASE_DELETING) {
		sim_resp_detail(resp, 404, "Pod not found");
		return NULL;
	}
	return p;
}

void sim_h_pod_backup(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp);
	if (!p)
		return;
	static const sim_field fields[] = {
		{"name", SIM_F_STR, false, true},
		{"description", SIM_F_STR, false, true},
	};
	if (!sim_validate_body(r, fields, 2, resp))
		return;
	if (!p->prepared) {
		sim_resp_detail(resp, 400, "Pod is not running");
		return;
	}
	sim_backup_config *c = config_of_pod(p->id, r->user);
	sim_job *j = sim_xcalloc(1, sizeof *j);
	sim_uuid_new(j->id);
	j->kind = SIM_JOB_BACKUP;
	j->owner = r->user;
	snprintf(j->pod_id, sizeof j->pod_id, "%s", p->id);
	if (c)
		snprintf(j->config_id, sizeof j->config_id, "%s", c->id);
	const char *name = json_string_value(json_object_get(r->json, "name"));
	const char *desc = json_string_value(json_object_get(r->json, "description"));
	j->name = sim_xstrdup(name ? name : "");
	j->description = sim_xstrdup(desc ? desc : "");
	j->path = sim_xstrdup(c ? c->path : "/root");
	j->src = pod_host_path(p, j->path);
	j->dst = sim_xasprintf("%s/backups/%s", sim.state_dir, j->id);
	j->status = sim_xstrdup("PENDING");
	j->created_at = sim_now();
	sim_vec_push(&sim.jobs, j);
	sim_pod_log(p, "backup %s of %s requested", j->id, j->path);
	sim_wake();
	json_t *o = json_object();
	json_object_set_new(o, "backup_log_id", json_string(j->id));
	json_object_set_new(o, "status", json_string(j->status));
	sim_resp_json(resp, 200, o);
}

void sim_h_pod_restore(sim_req *r, sim_resp *resp)
{
	sim_pod *p = pod_from_path(r, resp);
	if (!p)
		return;
	static const sim_field fields[] = {
		{"backup_id", SIM_F_UUID, true, false},
		{"restore_path", SIM_F_STR, false, true},
	};
	if (!sim_validate_body(r, fields, 2, resp))
		return;
	char bid[SIM_ID_LEN];
	sim_uuid_normalize(json_string_value(json_object_get(r->json, "backup_id")), bid);
	sim_job *b = sim_job_find(bid);
	if (!b || b->kind != SIM_JOB_BACKUP || b->owner != r->user) {
		sim_resp_detail(resp, 404, "Backup not found");
		return;
	}
	if (strcmp(b->status, "COMPLETED") != 0) {
		sim_resp_detail(resp, 400, "Backup is not completed (status %s)", b->status);
		return;
	}
	if (!p->prepared) {
		sim_resp_detail(resp, 400, "Pod is not running");
		return;
	}
	const char *rp = json_string_value(json_object_get(r->json, "restore_path"));
	sim_job *j = sim_xcalloc(1, sizeof *j);
	sim_uuid_new(j->id);
	j->kind = SIM_JOB_RESTORE;
	j->owner = r->user;
	snprintf(j->pod_id, sizeof j->pod_id, "%s", p->id);
	snprintf(j->backup_id, sizeof j->backup_id, "%s", b->id);
	j->path = sim_xstrdup(rp ? rp : "/root");
	j->src = sim_xasprintf("%s/data", b->dst);
	j->dst = pod_host_path(p, j->path);
	j->status = sim_xstrdup("PENDING");
	j->created_at = sim_now();
	sim_vec_push(&sim.jobs, j);
	sim_pod_log(p, "restore of backup %s into %s requested", b->id, j->path);
	sim_wake();
	json_t *o = json_object();
	json_object_set_new(o, "restore_log_id", json_string(j->id));
	json_object_set_new(o, "status", json_string(j->status));
	sim_resp_json(resp, 200, o);
}

void sim_h_pod_restore_logs(sim_req *r, sim_resp *resp)
{
	char id[SIM_ID_LEN];
	if (!sim_uuid_normalize(r->segs[1], id) || !sim_pod_find(id, r->user)) {
		sim_resp_detail(resp, 404, "Pod not found");
		return;
	}
	sim_resp_json(resp, 200, jobs_of_pod(id, r->user, SIM_JOB_RESTORE));
}

/* ---- payments (state only) ---------------------------------------------- */

typedef struct currency {
	const char *code, *network;
	int decimals, display;
} currency;

static const currency currencies[] = {
	{"USDT", "tron", 6, 2},   {"USDT", "ethereum", 6, 2}, {"USDC", "ethereum", 6, 2},
	{"USDC", "solana", 6, 2}, {"USDT", "bsc", 18, 2},
};

void sim_h_tmc_currencies(sim_req *r, sim_resp *resp)
{
	json_t *errors = json_array();
	bool refresh, has;
	if (!sim_query_bool(r, "refresh", &refresh, &has, errors)) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:i}", "code", currencies[i].code,
						   "network", currencies[i].network, "decimals",
						   currencies[i].decimals, "display_decimals",
						   currencies[i].display));
	json_t *o = json_object();
	json_object_set_new(o, "currencies", a);
	sim_resp_json(resp, 200, o);
}

void sim_h_tmc_invoice(sim_req *r, sim_resp *resp)
{
	static const sim_field fields[] = {
		{"amount", SIM_F_NUM, true, false},
		{"crypto_currency", SIM_F_STR, true, false},
		{"crypto_network", SIM_F_STR, true, false},
	};
	if (!sim_validate_body(r, fields, 3, resp))
		return;
	json_t *amount = json_object_get(r->json, "amount");
	double usd = json_number_value(amount);
	if (usd <= 0) {
		json_t *errors = json_array();
		sim_verr(errors, "greater_than", "body", "amount", "Input should be greater than 0",
			 json_incref(amount));
		sim_resp_422(resp, errors);
		return;
	}
	const char *code = json_string_value(json_object_get(r->json, "crypto_currency"));
	const char *net = json_string_value(json_object_get(r->json, "crypto_network"));
	const currency *cur = NULL;
	for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++)
		if (strcasecmp(currencies[i].code, code) == 0 &&
		    strcasecmp(currencies[i].network, net) == 0)
			cur = &currencies[i];
	if (!cur) {
		sim_resp_detail(resp, 400, "Unsupported currency %s on network %s", code, net);
		return;
	}
	sim_invoice *inv = sim_xcalloc(1, sizeof *inv);
	sim_uuid_new(inv->id);
	inv->owner = r->user;
	char addr[64];
	uint64_t a = sim_rand_next(), b = sim_rand_next(), c = sim_rand_next();
	if (strcmp(cur->network, "tron") == 0)
		snprintf(addr, sizeof addr, "T%016llX%016llX", (unsigned long long)a,
			 (unsigned long long)b);
	else if (strcmp(cur->network, "solana") == 0)
		snprintf(addr, sizeof addr, "So%016llx%016llx%08llx", (unsigned long long)a,
			 (unsigned long long)b, (unsigned long long)(c & 0xffffffffu));
	else
		snprintf(addr, sizeof addr, "0x%016llx%016llx%08llx", (unsigned long long)a,
			 (unsigned long long)b, (unsigned long long)(c & 0xffffffffu));
	double now = sim_now();
	char created[32], expires[32];
	sim_iso_time(now, created);
	sim_iso_time(now + 1800, expires);
	char *url = sim_xasprintf("https://pay.celium-sim.invalid/invoice/%s", inv->id);
	json_t *o = json_object();
	json_object_set_new(o, "invoice_id", json_string(inv->id));
	json_object_set_new(o, "deposit_address", json_string(addr));
	json_object_set_new(o, "crypto_amount", json_real(round(usd * 100.0) / 100.0));
	json_object_set_new(o, "crypto_currency", json_string(cur->code));
	json_object_set_new(o, "crypto_network", json_string(cur->network));
	json_object_set_new(o, "fiat_amount", json_real(usd));
	json_object_set_new(o, "fiat_currency", json_string("USD"));
	json_object_set_new(o, "exchange_rate", json_real(1.0));
	json_object_set_new(o, "status", json_string("PENDING"));
	json_object_set_new(o, "created_at", json_string(created));
	json_object_set_new(o, "expires_at", json_string(expires));
	json_object_set_new(o, "hosted_invoice_url", json_string(url));
	free(url);
	inv->obj = o;
	sim_vec_push(&sim.invoices, inv);
	sim_resp_json(resp, 200, json_deep_copy(o));
}

void sim_h_tao_transfer(sim_req *r, sim_resp *resp)
{
	static const sim_field fields[] = {{"amount", SIM_F_NUM, true, false}};
	if (!sim_validate_body(r, fields, 1, resp))
		return;
	json_t *amount = json_object_get(r->json, "amount");
	if (json_number_value(amount) <= 0) {
		json_t *errors = json_array();
		sim_verr(errors, "greater_than", "body", "amount", "Input should be greater than 0",
			 json_incref(amount));
		sim_resp_422(resp, errors);
		return;
	}
	sim_user *u = sim.users.items[r->user];
	char *url = sim_xasprintf("https://pay.celium-sim.invalid/transfer?app_id=sim-app-%08llx"
				  "&customer_id=%s&amount=%g",
				  (unsigned long long)(hash_str(u->id) & 0xffffffffu),
				  u->stripe_customer_id, json_number_value(amount));
	json_t *o = json_object();
	json_object_set_new(o, "url", json_string(url));
	free(url);
	sim_resp_json(resp, 200, o);
}

/* ---- set-up and tear-down ----------------------------------------------- */

void sim_accounts_init(void)
{
	if (sim.opt.api_keys.len == 0)
		add_user(SIM_DEFAULT_API_KEY);
	for (size_t i = 0; i < sim.opt.api_keys.len; i++)
		add_user(sim.opt.api_keys.items[i]);
	add_system_templates();
}

void sim_accounts_free(void)
{
	for (size_t i = 0; i < sim.users.len; i++)
		free(sim.users.items[i]);
	sim_vec_free(&sim.users);
	for (size_t i = 0; i < sim.templates.len; i++)
		template_free(sim.templates.items[i]);
	sim_vec_free(&sim.templates);
	for (size_t i = 0; i < sim.sshkeys.len; i++) {
		sim_sshkey *k = sim.sshkeys.items[i];
		free(k->name);
		free(k->public_key);
		free(k);
	}
	sim_vec_free(&sim.sshkeys);
	for (size_t i = 0; i < sim.volumes.len; i++) {
		sim_volume *v = sim.volumes.items[i];
		free(v->name);
		free(v->description);
		free(v->dir);
		free(v);
	}
	sim_vec_free(&sim.volumes);
	for (size_t i = 0; i < sim.backup_configs.len; i++) {
		sim_backup_config *c = sim.backup_configs.items[i];
		free(c->path);
		free(c);
	}
	sim_vec_free(&sim.backup_configs);
	for (size_t i = 0; i < sim.jobs.len; i++) {
		sim_job *j = sim.jobs.items[i];
		free(j->name);
		free(j->description);
		free(j->path);
		free(j->src);
		free(j->dst);
		free(j->status);
		free(j->error);
		for (size_t k = 0; k < j->log_lines.len; k++)
			free(j->log_lines.items[k]);
		sim_vec_free(&j->log_lines);
		free(j);
	}
	sim_vec_free(&sim.jobs);
	for (size_t i = 0; i < sim.invoices.len; i++) {
		sim_invoice *inv = sim.invoices.items[i];
		json_decref(inv->obj);
		free(inv);
	}
	sim_vec_free(&sim.invoices);
}
