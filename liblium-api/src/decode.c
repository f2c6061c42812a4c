/*
 * JSON documents of the Celium API into core models.
 *
 * Every getter leaves a field alone when the key is missing or null, so the
 * defaults set by the model constructors (and below) survive.  Values the
 * official client never reads but that older servers send are decoded
 * leniently; values it does read are type-checked with their path.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

#define TRY(expr)                         \
	do {                              \
		lium_status st_ = (expr); \
		if (st_ != LIUM_OK)       \
			return st_;       \
	} while (0)

static lium_status set_default(lium__jd *d, char **field, const char *value)
{
	if (*field)
		return LIUM_OK;
	*field = lium_strdup(value);
	return *field ? LIUM_OK : lium__jd_nomem(d);
}

/* Descend into obj[key] (an object) and run fn on it with the path pushed. */
#define WITH_OBJ(d, obj, key, var, body)                              \
	do {                                                          \
		json_t *var;                                          \
		TRY(lium__jd_obj((d), (obj), (key), &var));           \
		if (var) {                                            \
			size_t mark_ = lium__jd_push_key((d), (key)); \
			lium_status st2_ = (body);                    \
			lium__jd_pop((d), mark_);                     \
			if (st2_ != LIUM_OK)                          \
				return st2_;                          \
		}                                                     \
	} while (0)

/* --- executors ------------------------------------------------------------ */

static lium_status dec_location(lium__jd *d, json_t *o, lium_location *l)
{
	double lat = 0, lon = 0;
	int has_lat = 0, has_lon = 0;

	TRY(lium__jd_str(d, o, "country", &l->country));
	TRY(lium__jd_str(d, o, "country_code", &l->country_code));
	TRY(lium__jd_str(d, o, "iso_code", &l->iso_code));
	TRY(lium__jd_str(d, o, "region_name", &l->region));
	TRY(lium__jd_str(d, o, "region", &l->region));
	TRY(lium__jd_str(d, o, "city", &l->city));
	TRY(lium__jd_value_double(d, json_object_get(o, "lat"), "lat", &lat, &has_lat));
	TRY(lium__jd_value_double(d, json_object_get(o, "lon"), "lon", &lon, &has_lon));
	if (has_lat && has_lon) {
		l->lat = lat;
		l->lon = lon;
		l->has_coords = 1;
	}
	return LIUM_OK;
}

static lium_status dec_gpu_detail(lium__jd *d, json_t *g, lium_executor *e)
{
	double capacity = 0;

	TRY(lium__jd_str(d, g, "name", &e->gpu_model));
	TRY(lium__jd_double(d, g, "capacity", &capacity));
	e->vram_gb = capacity / 1024.0;
	TRY(lium__jd_double(d, g, "pcie_speed", &e->pcie_speed));
	TRY(lium__jd_double(d, g, "memory_speed", &e->memory_bandwidth));
	TRY(lium__jd_double(d, g, "graphics_speed", &e->tflops));
	TRY(lium__jd_str(d, g, "cuda", &e->cuda_version));
	return LIUM_OK;
}

static lium_status dec_gpu(lium__jd *d, json_t *g, lium_executor *e)
{
	json_t *details;

	TRY(lium__jd_uint(d, g, "count", &e->gpu_count));
	TRY(lium__jd_str(d, g, "driver", &e->driver_version));
	TRY(lium__jd_arr(d, g, "details", &details));
	/* Only the first GPU is described; the official client reads no other. */
	if (details && json_array_size(details) > 0) {
		json_t *first = json_array_get(details, 0);
		size_t mark = lium__jd_push_key(d, "details");
		lium_status st;

		lium__jd_push_index(d, 0);
		if (json_is_null(first))
			st = LIUM_OK;
		else if (!json_is_object(first))
			st = lium__jd_fail(d, NULL, "expected an object");
		else
			st = dec_gpu_detail(d, first, e);
		lium__jd_pop(d, mark);
		TRY(st);
	}
	return LIUM_OK;
}

static lium_status dec_total_gib(lium__jd *d, json_t *o, double *gib)
{
	double kib = 0;

	TRY(lium__jd_double(d, o, "total", &kib));
	*gib = kib / 1048576.0;
	return LIUM_OK;
}

static lium_status dec_network(lium__jd *d, json_t *o, lium_executor *e)
{
	TRY(lium__jd_double(d, o, "upload_speed", &e->spec_up_mbps));
	TRY(lium__jd_double(d, o, "download_speed", &e->spec_down_mbps));
	return LIUM_OK;
}

static lium_status dec_cpu(lium__jd *d, json_t *o, lium_executor *e)
{
	TRY(lium__jd_uint(d, o, "count", &e->cpu_count));
	TRY(lium__jd_str(d, o, "model", &e->cpu_model));
	return LIUM_OK;
}

static lium_status dec_specs(lium__jd *d, json_t *s, lium_executor *e)
{
	json_t *os;

	WITH_OBJ(d, s, "gpu", g, dec_gpu(d, g, e));
	WITH_OBJ(d, s, "cpu", c, dec_cpu(d, c, e));
	WITH_OBJ(d, s, "ram", r, dec_total_gib(d, r, &e->ram_gb));
	WITH_OBJ(d, s, "hard_disk", h, dec_total_gib(d, h, &e->disk_gb));
	WITH_OBJ(d, s, "network", n, dec_network(d, n, e));
	TRY(lium__jd_bool(d, s, "sysbox_runtime", &e->docker_in_docker));
	TRY(lium__jd_int(d, s, "available_port_count", &e->available_ports));
	/* Not read by the official client; older servers send an object here. */
	os = json_object_get(s, "os");
	if (os && json_is_string(os))
		TRY(lium__jd_str(d, s, "os", &e->os));
	return LIUM_OK;
}

static lium_status dec_executor(lium__jd *d, json_t *o, lium_executor *e)
{
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &e->id));
	TRY(lium__jd_str(d, o, "machine_name", &e->machine_name));
	TRY(lium__jd_str(d, o, "executor_ip_address", &e->ip_address));
	TRY(lium__jd_double(d, o, "price_per_gpu", &e->price_per_gpu));
	TRY(lium__jd_double(d, o, "price_per_hour", &e->price_per_hour));
	TRY(lium__jd_str(d, o, "status", &e->status));
	TRY(lium__jd_str(d, o, "tier", &e->tier));
	TRY(lium__jd_double(d, o, "effective_upload_speed_mbps", &e->net_up_mbps));
	TRY(lium__jd_double(d, o, "effective_download_speed_mbps", &e->net_down_mbps));
	TRY(lium__jd_double(d, o, "max_cuda_version", &e->max_cuda_version));
	TRY(lium__jd_double(d, o, "uptime_in_minutes", &e->uptime_minutes));
	WITH_OBJ(d, o, "location", loc, dec_location(d, loc, &e->location));
	WITH_OBJ(d, o, "specs", s, dec_specs(d, s, e));
	return LIUM_OK;
}

static lium_status add_executor(lium__jd *d, json_t *o, void *list)
{
	lium_executor_list *l = list;
	lium_executor *e;
	lium_status st;

	if (lium_executor_list_add(l, &e) != LIUM_OK)
		return lium__jd_nomem(d);
	e->index = l->count - 1;
	st = dec_executor(d, o, e);
	lium_executor_finish(e);
	return st;
}

LIUM_API_EXPORT lium_status lium_executors_decode(const char *json, size_t len,
						  lium_executor_list **out, lium_error *err)
{
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_executors_decode: out is NULL");
	*out = NULL;
	if (lium_executor_list_new(out) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	st = lium__decode_list(json, len, *out, add_executor, 0, err);
	if (st != LIUM_OK) {
		lium_executor_list_free(*out);
		*out = NULL;
	}
	return st;
}

/* --- templates ------------------------------------------------------------ */

static lium_status dec_env(lium__jd *d, json_t *env, lium_template *t)
{
	const char *key;
	json_t *v;
	size_t n = json_object_size(env), i = 0;

	if (!n)
		return LIUM_OK;
	t->environment = lium_calloc(n, sizeof(*t->environment));
	if (!t->environment)
		return lium__jd_nomem(d);
	json_object_foreach(env, key, v)
	{
		lium_kv *kv = &t->environment[i];
		char *text = NULL;

		kv->key = lium_strdup(key);
		if (!kv->key)
			return lium__jd_nomem(d);
		t->environment_count = ++i;
		if (json_is_null(v)) {
			text = lium_strdup("");
		} else if (json_is_string(v)) {
			text = lium_strndup(json_string_value(v), json_string_length(v));
		} else if (json_is_number(v) || json_is_boolean(v)) {
			/* Environment values are text; keep a number's JSON spelling. */
			char tmp[64];
			size_t m = json_dumpb(v, tmp, sizeof(tmp) - 1, JSON_ENCODE_ANY);

			tmp[m < sizeof(tmp) ? m : sizeof(tmp) - 1] = '\0';
			text = lium_strdup(tmp);
		} else {
			return lium__jd_fail(d, key, "expected a string");
		}
		if (!text)
			return lium__jd_nomem(d);
		kv->value = text;
	}
	return LIUM_OK;
}

static lium_status dec_ports(lium__jd *d, json_t *arr, lium_template *t)
{
	size_t i, n = json_array_size(arr);
	json_t *v;

	if (!n)
		return LIUM_OK;
	t->internal_ports = lium_calloc(n, sizeof(*t->internal_ports));
	if (!t->internal_ports)
		return lium__jd_nomem(d);
	json_array_foreach(arr, i, v)
	{
		unsigned int port = 0;
		int present;
		size_t mark = lium__jd_push_index(d, i);
		lium_status st = lium__jd_value_uint(d, v, NULL, &port, &present);

		if (st == LIUM_OK && (!present || port > 65535))
			st = lium__jd_fail(d, NULL, "expected a port number");
		lium__jd_pop(d, mark);
		TRY(st);
		t->internal_ports[t->internal_port_count++] = port;
	}
	return LIUM_OK;
}

static lium_status dec_strv(lium__jd *d, json_t *arr, char ***out, size_t *count)
{
	size_t i, n = json_array_size(arr);
	json_t *v;

	if (!n)
		return LIUM_OK;
	*out = lium_calloc(n, sizeof(**out));
	if (!*out)
		return lium__jd_nomem(d);
	json_array_foreach(arr, i, v)
	{
		char *s;

		if (!json_is_string(v)) {
			size_t mark = lium__jd_push_index(d, i);
			lium_status st = lium__jd_fail(d, NULL, "expected a string");

			lium__jd_pop(d, mark);
			return st;
		}
		s = lium_strndup(json_string_value(v), json_string_length(v));
		if (!s)
			return lium__jd_nomem(d);
		(*out)[(*count)++] = s;
	}
	return LIUM_OK;
}

static lium_status dec_template(lium__jd *d, json_t *o, lium_template *t)
{
	json_t *arr, *env, *vols;

	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &t->id));
	TRY(lium__jd_str(d, o, "name", &t->name));
	if (!t->name)
		TRY(lium__jd_str(d, o, "template_name", &t->name));
	TRY(lium__jd_str(d, o, "description", &t->description));
	TRY(lium__jd_str(d, o, "docker_image", &t->docker_image));
	TRY(lium__jd_str(d, o, "docker_image_tag", &t->docker_image_tag));
	TRY(lium__jd_str(d, o, "docker_image_digest", &t->docker_image_digest));
	TRY(lium__jd_int64(d, o, "docker_image_size", &t->docker_image_size));
	TRY(lium__jd_str(d, o, "category", &t->category));
	TRY(lium__jd_str(d, o, "status", &t->status));
	TRY(lium__jd_str(d, o, "user_id", &t->user_id));
	TRY(lium__jd_bool(d, o, "is_private", &t->is_private));
	TRY(lium__jd_bool(d, o, "one_time_template", &t->one_time_template));
	t->container_start_immediately = 1;
	TRY(lium__jd_bool(d, o, "container_start_immediately", &t->container_start_immediately));
	TRY(lium__jd_str(d, o, "entrypoint", &t->entrypoint));
	TRY(lium__jd_str(d, o, "startup_commands", &t->startup_commands));
	TRY(lium__jd_str(d, o, "readme", &t->readme));
	TRY(lium__jd_time(d, o, "created_at", &t->created_at));
	TRY(lium__jd_time(d, o, "updated_at", &t->updated_at));

	TRY(lium__jd_arr(d, o, "internal_ports", &arr));
	if (arr) {
		size_t mark = lium__jd_push_key(d, "internal_ports");
		lium_status st = dec_ports(d, arr, t);

		lium__jd_pop(d, mark);
		TRY(st);
	}
	TRY(lium__jd_obj(d, o, "environment", &env));
	if (env) {
		size_t mark = lium__jd_push_key(d, "environment");
		lium_status st = dec_env(d, env, t);

		lium__jd_pop(d, mark);
		TRY(st);
	}
	TRY(lium__jd_arr(d, o, "volumes", &vols));
	if (vols) {
		size_t mark = lium__jd_push_key(d, "volumes");
		lium_status st = dec_strv(d, vols, &t->volumes, &t->volume_count);

		lium__jd_pop(d, mark);
		TRY(st);
	} else {
		/* The API's model defaults to one mount at /workspace. */
		t->volumes = lium_calloc(1, sizeof(*t->volumes));
		if (!t->volumes || !(t->volumes[0] = lium_strdup("/workspace")))
			return lium__jd_nomem(d);
		t->volume_count = 1;
	}
	TRY(set_default(d, &t->docker_image_tag, "latest"));
	TRY(set_default(d, &t->category, "general"));
	TRY(set_default(d, &t->status, "unknown"));
	lium_huid(t->id, t->huid);
	return LIUM_OK;
}

static lium_status add_template(lium__jd *d, json_t *o, void *list)
{
	lium_template *t;

	if (lium_template_list_add(list, &t) != LIUM_OK)
		return lium__jd_nomem(d);
	return dec_template(d, o, t);
}

/* --- pods ------------------------------------------------------------------ */

static int port_cmp(const void *a, const void *b)
{
	const lium_port_map *x = a, *y = b;

	return (x->internal_port > y->internal_port) - (x->internal_port < y->internal_port);
}

static lium_status dec_ports_mapping(lium__jd *d, json_t *m, lium_pod *p)
{
	const char *key;
	json_t *v;
	size_t n = json_object_size(m);

	if (!n)
		return LIUM_OK;
	p->ports = lium_calloc(n, sizeof(*p->ports));
	if (!p->ports)
		return lium__jd_nomem(d);
	json_object_foreach(m, key, v)
	{
		char *end;
		unsigned long internal = strtoul(key, &end, 10);
		unsigned int external = 0;
		int present;

		if (end == key || *end || internal == 0 || internal > 65535)
			return lium__jd_fail(d, key, "expected a port number as key");
		TRY(lium__jd_value_uint(d, v, key, &external, &present));
		if (!present)
			continue;
		if (external > 65535)
			return lium__jd_fail(d, key, "expected a port number");
		p->ports[p->port_count].internal_port = (unsigned int)internal;
		p->ports[p->port_count].external_port = external;
		p->port_count++;
	}
	qsort(p->ports, p->port_count, sizeof(*p->ports), port_cmp);
	return LIUM_OK;
}

static lium_status dec_ports_field(lium__jd *d, json_t *o, lium_pod *p)
{
	json_t *v = json_object_get(o, "ports_mapping");
	json_t *parsed = NULL;
	lium_status st;
	size_t mark;

	if (!v || json_is_null(v))
		return LIUM_OK;
	mark = lium__jd_push_key(d, "ports_mapping");
	if (json_is_string(v)) {
		/* lium-sdk typed it "object or string": a string holds JSON. */
		const char *s = json_string_value(v);
		json_error_t jerr;

		while (*s == ' ')
			s++;
		if (!*s) {
			lium__jd_pop(d, mark);
			return LIUM_OK;
		}
		parsed = json_loads(s, JSON_DECODE_ANY, &jerr);
		if (!parsed || !(json_is_object(parsed) || json_is_null(parsed))) {
			json_decref(parsed);
			st = lium__jd_fail(d, NULL, "expected an object or a JSON string of one");
			lium__jd_pop(d, mark);
			return st;
		}
		v = parsed;
	}
	if (json_is_null(v))
		st = LIUM_OK;
	else if (!json_is_object(v))
		st = lium__jd_fail(d, NULL, "expected an object");
	else
		st = dec_ports_mapping(d, v, p);
	json_decref(parsed);
	lium__jd_pop(d, mark);
	return st;
}

lium_status lium__dec_pod(lium__jd *d, json_t *o, lium_pod *p)
{
	json_t *ex, *tm;
	int has_price = 0;
	double price = 0;

	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &p->id));
	TRY(lium__jd_str(d, o, "pod_name", &p->name));
	TRY(lium__jd_str(d, o, "status", &p->status));
	TRY(lium__jd_str(d, o, "ssh_connect_cmd", &p->ssh_connect_cmd));
	TRY(dec_ports_field(d, o, p));
	TRY(lium__jd_value_double(d, json_object_get(o, "price"), "price", &price, &has_price));
	if (has_price)
		p->price_per_hour = price;
	TRY(lium__jd_time(d, o, "created_at", &p->created_at));
	TRY(lium__jd_time(d, o, "updated_at", &p->updated_at));
	TRY(lium__jd_time(d, o, "removal_scheduled_at", &p->removal_scheduled_at));
	TRY(lium__jd_str(d, o, "jupyter_installation_status", &p->jupyter_status));
	TRY(lium__jd_str(d, o, "jupyter_url", &p->jupyter_url));
	TRY(lium__jd_str(d, o, "gpu_name", &p->gpu_name));
	TRY(lium__jd_uint(d, o, "gpu_count", &p->gpu_count));
	TRY(lium__jd_str(d, o, "executor_id", &p->executor_id));
	TRY(lium__jd_str(d, o, "template_name", &p->template_name));

	TRY(lium__jd_obj(d, o, "executor", &ex));
	if (ex) {
		size_t mark = lium__jd_push_key(d, "executor");
		lium_status st;

		if (lium_executor_new(&p->executor) != LIUM_OK)
			return lium__jd_nomem(d);
		st = dec_executor(d, ex, p->executor);
		lium__jd_pop(d, mark);
		TRY(st);
		/* The pod's price is authoritative: the nested executor's fields
		 * are not populated here (reference 6.1). */
		if (has_price) {
			p->executor->price_per_hour = price;
			p->executor->price_per_gpu = 0;
		}
		lium_executor_finish(p->executor);
		if (p->executor->id)
			TRY(set_default(d, &p->executor_id, p->executor->id));
	}
	TRY(lium__jd_obj(d, o, "template", &tm));
	if (tm) {
		size_t mark = lium__jd_push_key(d, "template");
		lium_status st;

		if (lium_template_new(&p->template_) != LIUM_OK)
			return lium__jd_nomem(d);
		st = dec_template(d, tm, p->template_);
		lium__jd_pop(d, mark);
		TRY(st);
		if (p->template_->name) {
			lium_free(p->template_name);
			p->template_name = lium_strdup(p->template_->name);
			if (!p->template_name)
				return lium__jd_nomem(d);
		}
	} else {
		char *template_id = NULL;

		/* switch-template answers with a bare template_id. */
		TRY(lium__jd_str(d, o, "template_id", &template_id));
		if (template_id) {
			if (lium_template_new(&p->template_) != LIUM_OK) {
				lium_free(template_id);
				return lium__jd_nomem(d);
			}
			p->template_->id = template_id;
			lium_huid(template_id, p->template_->huid);
		}
	}
	lium_pod_finish(p);
	return LIUM_OK;
}

static lium_status add_pod(lium__jd *d, json_t *o, void *list)
{
	lium_pod_list *l = list;
	lium_pod *p;

	if (lium_pod_list_add(l, &p) != LIUM_OK)
		return lium__jd_nomem(d);
	p->index = l->count - 1;
	return lium__dec_pod(d, o, p);
}

/* --- volumes, backups, keys, users, misc ---------------------------------- */

static lium_status dec_volume(lium__jd *d, json_t *o, lium_volume *v)
{
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &v->id));
	TRY(lium__jd_str(d, o, "name", &v->name));
	TRY(lium__jd_str(d, o, "description", &v->description));
	TRY(lium__jd_time(d, o, "created_at", &v->created_at));
	TRY(lium__jd_time(d, o, "updated_at", &v->updated_at));
	TRY(lium__jd_time(d, o, "last_metrics_update", &v->last_metrics_update));
	TRY(lium__jd_int64(d, o, "current_size_bytes", &v->current_size_bytes));
	TRY(lium__jd_int64(d, o, "current_file_count", &v->current_file_count));
	TRY(lium__jd_double(d, o, "current_size_gb", &v->current_size_gb));
	TRY(lium__jd_double(d, o, "current_size_mb", &v->current_size_mb));
	lium_huid(v->id, v->huid);
	return LIUM_OK;
}

static lium_status add_volume(lium__jd *d, json_t *o, void *list)
{
	lium_volume *v;

	if (lium_volume_list_add(list, &v) != LIUM_OK)
		return lium__jd_nomem(d);
	return dec_volume(d, o, v);
}

static lium_status dec_backup_config(lium__jd *d, json_t *o, lium_backup_config *c)
{
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &c->id));
	TRY(lium__jd_str(d, o, "pod_id", &c->pod_id));
	TRY(lium__jd_str(d, o, "pod_executor_id", &c->pod_executor_id));
	TRY(lium__jd_uint(d, o, "backup_frequency_hours", &c->backup_frequency_hours));
	TRY(lium__jd_uint(d, o, "retention_days", &c->retention_days));
	TRY(lium__jd_str(d, o, "backup_path", &c->backup_path));
	TRY(lium__jd_bool(d, o, "is_active", &c->is_active));
	TRY(lium__jd_time(d, o, "created_at", &c->created_at));
	TRY(lium__jd_time(d, o, "updated_at", &c->updated_at));
	lium_huid(c->id, c->huid);
	return LIUM_OK;
}

static lium_status add_backup_config(lium__jd *d, json_t *o, void *list)
{
	lium_backup_config *c;

	if (lium_backup_config_list_add(list, &c) != LIUM_OK)
		return lium__jd_nomem(d);
	return dec_backup_config(d, o, c);
}

static lium_status add_backup_log(lium__jd *d, json_t *o, void *list)
{
	lium_backup_log *l;

	if (lium_backup_log_list_add(list, &l) != LIUM_OK)
		return lium__jd_nomem(d);
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &l->id));
	TRY(lium__jd_str(d, o, "backup_config_id", &l->backup_config_id));
	TRY(lium__jd_str(d, o, "status", &l->status));
	TRY(lium__jd_double(d, o, "progress", &l->progress));
	TRY(lium__jd_str(d, o, "error_message", &l->error_message));
	TRY(lium__jd_str(d, o, "backup_volume_id", &l->backup_volume_id));
	TRY(lium__jd_time(d, o, "started_at", &l->started_at));
	TRY(lium__jd_time(d, o, "completed_at", &l->completed_at));
	TRY(lium__jd_time(d, o, "created_at", &l->created_at));
	lium_huid(l->id, l->huid);
	return LIUM_OK;
}

static lium_status add_restore_log(lium__jd *d, json_t *o, void *list)
{
	lium_restore_log *l;
	json_t *logs;

	if (lium_restore_log_list_add(list, &l) != LIUM_OK)
		return lium__jd_nomem(d);
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &l->id));
	TRY(lium__jd_str(d, o, "backup_id", &l->backup_id));
	TRY(lium__jd_str(d, o, "pod_id", &l->pod_id));
	TRY(lium__jd_str(d, o, "status", &l->status));
	TRY(lium__jd_double(d, o, "progress", &l->progress));
	TRY(lium__jd_str(d, o, "error_message", &l->error_message));
	TRY(lium__jd_str(d, o, "restore_path", &l->restore_path));
	TRY(lium__jd_time(d, o, "started_at", &l->started_at));
	TRY(lium__jd_time(d, o, "completed_at", &l->completed_at));
	TRY(lium__jd_time(d, o, "created_at", &l->created_at));
	logs = json_object_get(o, "logs");
	if (logs && json_is_string(logs)) {
		/* One text blob instead of a list: keep it as one line. */
		l->logs = lium_calloc(1, sizeof(*l->logs));
		if (!l->logs || !(l->logs[0] = lium_strdup(json_string_value(logs))))
			return lium__jd_nomem(d);
		l->log_count = 1;
	} else {
		TRY(lium__jd_arr(d, o, "logs", &logs));
		if (logs) {
			size_t mark = lium__jd_push_key(d, "logs");
			lium_status st = dec_strv(d, logs, &l->logs, &l->log_count);

			lium__jd_pop(d, mark);
			TRY(st);
		}
	}
	lium_huid(l->id, l->huid);
	return LIUM_OK;
}

static lium_status dec_ssh_key(lium__jd *d, json_t *o, lium_ssh_key *k)
{
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "id", &k->id));
	TRY(lium__jd_str(d, o, "name", &k->name));
	TRY(lium__jd_str(d, o, "public_key", &k->public_key));
	TRY(lium__jd_str(d, o, "user_id", &k->user_id));
	TRY(lium__jd_time(d, o, "created_at", &k->created_at));
	return LIUM_OK;
}

static lium_status add_ssh_key(lium__jd *d, json_t *o, void *list)
{
	lium_ssh_key *k;

	if (lium_ssh_key_list_add(list, &k) != LIUM_OK)
		return lium__jd_nomem(d);
	k->created_at = LIUM_TIME_NONE;
	return dec_ssh_key(d, o, k);
}

static lium_status add_machine(lium__jd *d, json_t *o, void *list)
{
	lium_machine *m;
	char type[64];

	if (lium_machine_list_add(list, &m) != LIUM_OK)
		return lium__jd_nomem(d);
	if (json_is_string(o)) {
		m->name = lium_strdup(json_string_value(o));
		if (!m->name)
			return lium__jd_nomem(d);
	} else if (json_is_object(o)) {
		TRY(lium__jd_str(d, o, "name", &m->name));
	} else {
		return lium__jd_fail(d, NULL, "expected an object");
	}
	lium_gpu_type_extract(m->name ? m->name : "", type, sizeof(type));
	m->gpu_type = lium_strdup(type);
	return m->gpu_type ? LIUM_OK : lium__jd_nomem(d);
}

static lium_status add_docker_image(lium__jd *d, json_t *o, void *list)
{
	lium_docker_image *img;

	if (lium_docker_image_list_add(list, &img) != LIUM_OK)
		return lium__jd_nomem(d);
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "docker_image", &img->docker_image));
	TRY(lium__jd_str(d, o, "docker_image_tag", &img->docker_image_tag));
	return LIUM_OK;
}

static lium_status add_currency(lium__jd *d, json_t *o, void *list)
{
	lium_currency *c;

	if (lium_currency_list_add(list, &c) != LIUM_OK)
		return lium__jd_nomem(d);
	if (!json_is_object(o))
		return lium__jd_fail(d, NULL, "expected an object");
	TRY(lium__jd_str(d, o, "code", &c->code));
	TRY(lium__jd_str(d, o, "network", &c->network));
	TRY(lium__jd_int(d, o, "decimals", &c->decimals));
	TRY(lium__jd_int(d, o, "display_decimals", &c->display_decimals));
	return LIUM_OK;
}

/* --- public decoders --------------------------------------------------------- */

/* The list decoders differ only in their types; generate them. */
#define DEFINE_LIST_DECODER(fname, T, adder, lenient)                                          \
	LIUM_API_EXPORT lium_status fname(const char *json, size_t len, lium_##T##_list **out, \
					  lium_error *err)                                     \
	{                                                                                      \
		lium_status st;                                                                \
		if (!out)                                                                      \
			return lium_error_set(err, LIUM_EINVAL, #fname ": out is NULL");       \
		*out = NULL;                                                                   \
		if (lium_##T##_list_new(out) != LIUM_OK)                                       \
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");              \
		st = lium__decode_list(json, len, *out, adder, lenient, err);                  \
		if (st != LIUM_OK) {                                                           \
			lium_##T##_list_free(*out);                                            \
			*out = NULL;                                                           \
		}                                                                              \
		return st;                                                                     \
	}

DEFINE_LIST_DECODER(lium_pods_decode, pod, add_pod, 0)
DEFINE_LIST_DECODER(lium_templates_decode, template, add_template, 0)
DEFINE_LIST_DECODER(lium_volumes_decode, volume, add_volume, 0)
DEFINE_LIST_DECODER(lium_ssh_keys_decode, ssh_key, add_ssh_key, 0)
DEFINE_LIST_DECODER(lium_backup_configs_decode, backup_config, add_backup_config, 0)
DEFINE_LIST_DECODER(lium_backup_logs_decode, backup_log, add_backup_log, 0)
DEFINE_LIST_DECODER(lium_restore_logs_decode, restore_log, add_restore_log, 0)
DEFINE_LIST_DECODER(lium_machines_decode, machine, add_machine, 0)

/* Internal list decoders with other leniency or for internal types. */
lium_status lium__decode_ssh_keys_lenient(const char *json, size_t len, void *out, lium_error *err)
{
	lium_ssh_key_list **res = out;
	lium_status st;

	*res = NULL;
	if (lium_ssh_key_list_new(res) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	st = lium__decode_list(json, len, *res, add_ssh_key, 1, err);
	if (st != LIUM_OK) {
		lium_ssh_key_list_free(*res);
		*res = NULL;
	}
	return st;
}

lium_status lium__decode_docker_images(const char *json, size_t len, void *out, lium_error *err)
{
	lium_docker_image_list **res = out;
	lium_status st;

	*res = NULL;
	if (lium_docker_image_list_new(res) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	st = lium__decode_list(json, len, *res, add_docker_image, 0, err);
	if (st != LIUM_OK) {
		lium_docker_image_list_free(*res);
		*res = NULL;
	}
	return st;
}

lium_status lium__decode_currencies(const char *json, size_t len, void *out, lium_error *err)
{
	lium_currency_list **res = out;
	json_t *doc = NULL, *arr;
	lium__jd d;
	lium_status st;
	size_t i;
	json_t *v;

	*res = NULL;
	lium__jd_init(&d, err);
	st = lium__json_parse(json, len, &doc, err);
	if (st != LIUM_OK)
		return st;
	if (lium_currency_list_new(res) != LIUM_OK) {
		json_decref(doc);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	arr = doc;
	if (json_is_object(doc)) {
		st = lium__jd_arr(&d, doc, "currencies", &arr);
		if (st == LIUM_OK && arr)
			lium__jd_push_key(&d, "currencies");
	} else if (!json_is_array(doc)) {
		st = lium__jd_fail(&d, NULL, "expected an object with currencies");
	}
	if (st == LIUM_OK && arr) {
		json_array_foreach(arr, i, v)
		{
			size_t mark = lium__jd_push_index(&d, i);

			st = add_currency(&d, v, *res);
			lium__jd_pop(&d, mark);
			if (st != LIUM_OK)
				break;
		}
	}
	json_decref(doc);
	if (st != LIUM_OK) {
		lium_currency_list_free(*res);
		*res = NULL;
	}
	return st;
}

/* One object documents. */
static lium_status parse_object(const char *json, size_t len, json_t **doc, lium__jd *d,
				lium_error *err)
{
	lium_status st = lium__json_parse(json, len, doc, err);

	if (st != LIUM_OK)
		return st;
	if (!json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		return lium__jd_fail(d, NULL, "expected an object");
	}
	return LIUM_OK;
}

#define DEFINE_OBJECT_DECODER(qual, fname, T, body)                                           \
	qual lium_status fname(const char *json, size_t len, lium_##T **out, lium_error *err) \
	{                                                                                     \
		json_t *doc = NULL;                                                           \
		lium__jd d;                                                                   \
		lium_##T *obj = NULL;                                                         \
		lium_status st;                                                               \
		if (!out)                                                                     \
			return lium_error_set(err, LIUM_EINVAL, #fname ": out is NULL");      \
		*out = NULL;                                                                  \
		lium__jd_init(&d, err);                                                       \
		st = parse_object(json, len, &doc, &d, err);                                  \
		if (st != LIUM_OK)                                                            \
			return st;                                                            \
		if (lium_##T##_new(&obj) != LIUM_OK) {                                        \
			json_decref(doc);                                                     \
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");             \
		}                                                                             \
		st = body(&d, doc, obj);                                                      \
		json_decref(doc);                                                             \
		if (st != LIUM_OK) {                                                          \
			lium_##T##_free(obj);                                                 \
			return st;                                                            \
		}                                                                             \
		*out = obj;                                                                   \
		return LIUM_OK;                                                               \
	}

static lium_status dec_user(lium__jd *d, json_t *o, lium_user *u)
{
	TRY(lium__jd_str(d, o, "id", &u->id));
	TRY(lium__jd_str(d, o, "email", &u->email));
	TRY(lium__jd_double(d, o, "balance", &u->balance));
	TRY(lium__jd_str(d, o, "stripe_customer_id", &u->stripe_customer_id));
	return LIUM_OK;
}

DEFINE_OBJECT_DECODER(LIUM_API_EXPORT, lium_pod_decode, pod, lium__dec_pod)
DEFINE_OBJECT_DECODER(LIUM_API_EXPORT, lium_template_decode, template, dec_template)
DEFINE_OBJECT_DECODER(LIUM_API_EXPORT, lium_user_decode, user, dec_user)

static lium_status dec_estimate(lium__jd *d, json_t *o, lium_estimate *e)
{
	TRY(lium__jd_int64(d, o, "estimated_seconds", &e->estimated_seconds));
	TRY(lium__jd_bool(d, o, "is_slow_machine", &e->is_slow_machine));
	TRY(lium__jd_str(d, o, "warning_message", &e->warning_message));
	TRY(lium__jd_bool(d, o, "is_cached_template", &e->is_cached_template));
	TRY(lium__jd_int64(d, o, "docker_image_size", &e->docker_image_size));
	return LIUM_OK;
}

static lium_status dec_invoice(lium__jd *d, json_t *o, lium_invoice *inv)
{
	inv->expires_at = LIUM_TIME_NONE;
	TRY(lium__jd_str(d, o, "invoice_id", &inv->invoice_id));
	TRY(lium__jd_str(d, o, "deposit_address", &inv->deposit_address));
	TRY(lium__jd_str(d, o, "crypto_amount", &inv->crypto_amount));
	TRY(lium__jd_str(d, o, "crypto_currency", &inv->crypto_currency));
	TRY(lium__jd_str(d, o, "crypto_network", &inv->crypto_network));
	TRY(lium__jd_double(d, o, "fiat_amount", &inv->fiat_amount));
	TRY(lium__jd_str(d, o, "fiat_currency", &inv->fiat_currency));
	TRY(lium__jd_str(d, o, "exchange_rate", &inv->exchange_rate));
	TRY(lium__jd_str(d, o, "hosted_invoice_url", &inv->hosted_invoice_url));
	TRY(lium__jd_time(d, o, "expires_at", &inv->expires_at));
	return set_default(d, &inv->fiat_currency, "USD");
}

static lium_status dec_ssh_key_obj(lium__jd *d, json_t *o, lium_ssh_key *k)
{
	k->created_at = LIUM_TIME_NONE;
	return dec_ssh_key(d, o, k);
}

#define DEFINE_INTERNAL_OBJECT_DECODER(fname, T, body)                              \
	DEFINE_OBJECT_DECODER(static, fname##_typed, T, body)                       \
	lium_status fname(const char *json, size_t len, void *out, lium_error *err) \
	{                                                                           \
		return fname##_typed(json, len, (lium_##T **)out, err);             \
	}

DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_volume_obj, volume, dec_volume)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_backup_config_obj, backup_config, dec_backup_config)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_ssh_key_obj, ssh_key, dec_ssh_key_obj)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_estimate_obj, estimate, dec_estimate)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_invoice_obj, invoice, dec_invoice)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_template_obj, template, dec_template)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_user_obj, user, dec_user)
DEFINE_INTERNAL_OBJECT_DECODER(lium__decode_pod_obj, pod, lium__dec_pod)
