/*
 * celium-sim: fault injection.  Faults are matched in the order they were
 * added; the first one that fires on a request wins.  Callers hold sim.lock.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

static const char *const mode_names[] = {"status", "drop", "truncate", "malformed", "latency"};

/*
 * '*' matches within one path segment, '**' across segments: "/pods/" then
 * '*' means one pod, "/pods/" then '**' everything below /pods.
 */
bool sim_glob_match(const char *pattern, const char *text)
{
	while (*pattern) {
		if (pattern[0] == '*' && pattern[1] == '*') {
			pattern += 2;
			for (const char *t = text;; t++) {
				if (sim_glob_match(pattern, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (*pattern == '*') {
			pattern++;
			for (const char *t = text;; t++) {
				if (sim_glob_match(pattern, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		}
		if (*pattern != *text)
			return false;
		pattern++;
		text++;
	}
	return *text == '\0';
}

bool sim_faults_match(const char *method, const char *path, sim_fault *out)
{
	for (size_t i = 0; i < sim.faults.len; i++) {
		sim_fault *f = sim.faults.items[i];
		if (strcmp(f->method, "*") != 0 && strcasecmp(f->method, method) != 0)
			continue;
		if (!sim_glob_match(f->path, path))
			continue;
		f->seen++;
		if (f->seen <= f->after)
			continue;
		if (f->rate < 1.0 && sim_rand_unit() >= f->rate)
			continue;
		f->applied++;
		*out = *f;
		out->path = NULL;
		if (f->count > 0 && f->applied >= f->count) {
			free(f->path);
			free(f);
			sim_vec_remove_at(&sim.faults, i);
		}
		return true;
	}
	return false;
}

json_t *sim_fault_to_json(const sim_fault *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "method", json_string(f->method));
	json_object_set_new(o, "path", json_string(f->path ? f->path : ""));
	json_object_set_new(o, "mode", json_string(mode_names[f->mode]));
	json_object_set_new(o, "status", json_integer(f->status));
	json_object_set_new(o, "retry_after", json_integer(f->retry_after));
	json_object_set_new(o, "latency_ms", json_integer(f->latency_ms));
	json_object_set_new(o, "rate", json_real(f->rate));
	json_object_set_new(o, "count", json_integer(f->count));
	json_object_set_new(o, "after", json_integer(f->after));
	json_object_set_new(o, "when", json_string(f->when_after ? "after" : "before"));
	json_object_set_new(o, "seen", json_integer(f->seen));
	json_object_set_new(o, "applied", json_integer(f->applied));
	return o;
}

json_t *sim_faults_json(void)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sim.faults.len; i++)
		json_array_append_new(a, sim_fault_to_json(sim.faults.items[i]));
	return a;
}

static bool get_int(json_t *obj, const char *name, long long min, long long max, long long *out,
		    json_t *errors)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		char msg[128];
		snprintf(msg, sizeof msg, "Input should be an integer from %lld to %lld", min, max);
		sim_verr(errors, "int_type", "body", name, msg, json_incref(v));
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

sim_fault *sim_fault_from_json(json_t *obj, json_t *errors)
{
	sim_fault f = {0};
	snprintf(f.method, sizeof f.method, "*");
	f.status = 503;
	f.rate = 1.0;
	f.latency_ms = 200;

	json_t *v = json_object_get(obj, "method");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v) || strlen(json_string_value(v)) == 0 ||
		    strlen(json_string_value(v)) >= sizeof f.method)
			sim_verr(errors, "string_type", "body", "method",
				 "Input should be an HTTP method or \"*\"", json_incref(v));
		else
			snprintf(f.method, sizeof f.method, "%s", json_string_value(v));
	}
	v = json_object_get(obj, "path");
	if (!v || !json_is_string(v) || json_string_value(v)[0] != '/')
		sim_verr(errors, v ? "string_type" : "missing", "body", "path",
			 v ? "Input should be a path starting with /" : "Field required",
			 v ? json_incref(v) : NULL);
	v = json_object_get(obj, "mode");
	int mode = -1;
	if (v && json_is_string(v)) {
		for (int i = 0; i < 5; i++)
			if (strcmp(json_string_value(v), mode_names[i]) == 0)
				mode = i;
	}
	if (mode < 0)
		sim_verr(errors, v ? "enum" : "missing", "body", "mode",
			 v ? "Input should be 'status', 'drop', 'truncate', 'malformed' or "
			     "'latency'"
			   : "Field required",
			 v ? json_incref(v) : NULL);
	long long status = 503, retry_after = 0, latency = 200, count = 0, after = 0;
	get_int(obj, "status", 100, 599, &status, errors);
	get_int(obj, "retry_after", 0, 86400, &retry_after, errors);
	get_int(obj, "latency_ms", 0, 600000, &latency, errors);
	get_int(obj, "count", 0, 1000000000, &count, errors);
	get_int(obj, "after", 0, 1000000000, &after, errors);
	v = json_object_get(obj, "rate");
	if (v && !json_is_null(v)) {
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
			sim_verr(errors, "float_type", "body", "rate",
				 "Input should be a number from 0 to 1", json_incref(v));
		else
			f.rate = json_number_value(v);
	}
	v = json_object_get(obj, "when");
	if (v && !json_is_null(v)) {
		if (json_is_string(v) && strcmp(json_string_value(v), "after") == 0)
			f.when_after = true;
		else if (!json_is_string(v) || strcmp(json_string_value(v), "before") != 0)
			sim_verr(errors, "enum", "body", "when",
				 "Input should be 'before' or 'after'", json_incref(v));
	}
	if (json_array_size(errors) > 0)
		return NULL;
	f.mode = (sim_fault_mode)mode;
	f.status = (unsigned int)status;
	f.retry_after = (int)retry_after;
	f.latency_ms = (long)latency;
	f.count = count;
	f.after = after;
	f.path = sim_xstrdup(json_string_value(json_object_get(obj, "path")));
	sim_fault *out = sim_xmalloc(sizeof *out);
	*out = f;
	return out;
}

sim_fault *sim_fault_from_arg(const char *arg)
{
	json_t *obj = NULL;
	if (arg[0] == '{') {
		obj = json_loads(arg, 0, NULL);
	} else {
		/* METHOD,PATH,MODE[,key=value...] */
		char *copy = sim_xstrdup(arg);
		char *save = NULL;
		char *method = strtok_r(copy, ",", &save);
		char *path = method ? strtok_r(NULL, ",", &save) : NULL;
		char *mode = path ? strtok_r(NULL, ",", &save) : NULL;
		if (mode) {
			obj = json_pack("{s:s,s:s,s:s}", "method", method, "path", path, "mode",
					mode);
			char *kv;
			while ((kv = strtok_r(NULL, ",", &save)) != NULL) {
				char *eq = strchr(kv, '=');
				if (!eq)
					continue;
				*eq = '\0';
				const char *val = eq + 1;
				if (strcmp(kv, "when") == 0) {
					json_object_set_new(obj, kv, json_string(val));
				} else if (strcmp(kv, "rate") == 0) {
					json_object_set_new(obj, kv, json_real(strtod(val, NULL)));
				} else {
					json_object_set_new(obj, kv,
							    json_integer(strtoll(val, NULL, 10)));
				}
			}
		}
		free(copy);
	}
	if (!obj)
		return NULL;
	json_t *errors = json_array();
	sim_fault *f = sim_fault_from_json(obj, errors);
	if (!f) {
		char *text = json_dumps(errors, JSON_COMPACT);
		sim_warn("bad --fault %s: %s", arg, text ? text : "");
		free(text);
	}
	json_decref(errors);
	json_decref(obj);
	return f;
}

long long sim_faults_add(sim_fault *f)
{
	f->id = ++sim.next_fault_id;
	sim_vec_push(&sim.faults, f);
	return f->id;
}

bool sim_faults_remove(long long id)
{
	for (size_t i = 0; i < sim.faults.len; i++) {
		sim_fault *f = sim.faults.items[i];
		if (f->id == id) {
			free(f->path);
			free(f);
			sim_vec_remove_at(&sim.faults, i);
			return true;
		}
	}
	return false;
}

void sim_faults_clear(void)
{
	for (size_t i = 0; i < sim.faults.len; i++) {
		sim_fault *f = sim.faults.items[i];
		free(f->path);
		free(f);
	}
	sim.faults.len = 0;
}
