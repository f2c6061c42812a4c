/*
 * Offers, machines, default images, estimates, and renting without ever
 * creating two pods.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"

static lium_status decode_executors(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_executors_decode(json, len, out, err);
}

static lium_status decode_machines(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_machines_decode(json, len, out, err);
}

static lium_status build_executor_query(lium_buf *p, const lium_executor_filter *f)
{
	lium_status st = LIUM_OK;
	size_t i;

	st = lium__query_uint(p, "size", f && f->size ? f->size : 1000u);
	if (!f || st != LIUM_OK)
		return st;
	if (f->machine_names && f->machine_name_count) {
		lium_buf names = LIUM_BUF_INIT;

		for (i = 0; i < f->machine_name_count && st == LIUM_OK; i++) {
			if (!f->machine_names[i])
				continue;
			if (names.size)
				st = lium_buf_putc(&names, ',');
			if (st == LIUM_OK)
				st = lium_buf_puts(&names, f->machine_names[i]);
		}
		if (st == LIUM_OK && names.size)
			st = lium__query(p, "machine_names", lium_buf_cstr(&names));
		lium_buf_dispose(&names);
	}
	if (st == LIUM_OK && f->gpu_count_min)
		st = lium__query_uint(p, "gpu_count_gte", f->gpu_count_min);
	if (st == LIUM_OK && f->gpu_count_max)
		st = lium__query_uint(p, "gpu_count_lte", f->gpu_count_max);
	if (st == LIUM_OK && f->has_location) {
		st = lium__query_double(p, "lat", f->lat);
		if (st == LIUM_OK)
			st = lium__query_double(p, "lon", f->lon);
		if (st == LIUM_OK && f->max_distance_mile)
			st = lium__query_uint(p, "max_distance_mile", f->max_distance_mile);
	}
	if (st == LIUM_OK && f->price_min > 0)
		st = lium__query_double(p, "price_per_hour_gte", f->price_min);
	if (st == LIUM_OK && f->price_max > 0)
		st = lium__query_double(p, "price_per_hour_lte", f->price_max);
	if (st == LIUM_OK && f->page)
		st = lium__query_uint(p, "page", f->page);
	return st;
}

LIUM_API_EXPORT lium_status lium_executors_list(lium_client *client,
						const lium_executor_filter *filter,
						lium_executor_list **out, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_executors_list: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "lium_executors_list: client is NULL");
	if (filter && (filter->version < 1 || filter->version > LIUM_EXECUTOR_FILTER_VERSION))
		return lium_error_set(err, LIUM_EINVAL,
				      "executor filter version %u is not supported",
				      filter->version);
	st = lium_buf_puts(&path, "/executors");
	if (st == LIUM_OK)
		st = build_executor_query(&path, filter);
	if (st != LIUM_OK)
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
	else
		st = lium__get_decode(client, lium_buf_cstr(&path), decode_executors, out, err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_machines_list(lium_client *client, lium_machine_list **out,
					       lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_machines_list: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "lium_machines_list: client is NULL");
	return lium__get_decode(client, "/machines", decode_machines, out, err);
}

LIUM_API_EXPORT lium_status lium_executors_default_images(lium_client *client,
							  const char *gpu_model,
							  const char *driver_version,
							  lium_docker_image_list **out,
							  lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL,
				      "lium_executors_default_images: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	st = lium_buf_puts(&path, "/executors/default-docker-image");
	if (st == LIUM_OK)
		st = lium__query(&path, "gpu_model", gpu_model ? gpu_model : "");
	if (st == LIUM_OK)
		st = lium__query(&path, "driver_version", driver_version ? driver_version : "");
	if (st != LIUM_OK)
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
	else
		st = lium__get_decode(client, lium_buf_cstr(&path), lium__decode_docker_images, out,
				      err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_executors_estimate(lium_client *client, const char *executor_id,
						    const char *template_id, lium_estimate **out,
						    lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_executors_estimate: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	if ((st = lium__need(executor_id, "executor id", err)) != LIUM_OK ||
	    (st = lium__need(template_id, "template id", err)) != LIUM_OK)
		return st;
	st = lium_buf_puts(&path, "/executors/deployment-estimate");
	if (st == LIUM_OK)
		st = lium__query(&path, "executor_id", executor_id);
	if (st == LIUM_OK)
		st = lium__query(&path, "template_id", template_id);
	if (st != LIUM_OK)
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
	else
		st = lium__get_decode(client, lium_buf_cstr(&path), lium__decode_estimate_obj, out,
				      err);
	lium_buf_dispose(&path);
	return st;
}

/* --- renting ---------------------------------------------------------------- */

static json_t *rent_body(const lium_rent_options *o, const char *pod_name)
{
	json_t *body = json_object(), *keys = json_array();
	size_t i;
	int bad = !body || !keys;

	for (i = 0; !bad && i < o->public_key_count; i++)
		bad = json_array_append_new(keys, json_string(o->public_keys[i])) != 0;
	if (!bad)
		bad = json_object_set_new(body, "pod_name", json_string(pod_name)) ||
		      json_object_set_new(body, "template_id",
					  lium__json_str_or_null(o->template_id)) ||
		      json_object_set_new(body, "dockerfile_content",
					  lium__json_str_or_null(o->dockerfile_content)) ||
		      json_object_set_new(body, "volume_id",
					  lium__json_str_or_null(o->volume_id)) ||
		      json_object_set_new(body, "user_public_key", json_incref(keys)) ||
		      json_object_set_new(body, "initial_port_count",
					  o->initial_port_count
						  ? json_integer((json_int_t)o->initial_port_count)
						  : json_null());
	json_decref(keys);
	if (bad) {
		json_decref(body);
		return NULL;
	}
	return body;
}

static int in_snapshot(const lium_pod_list *before, const char *id)
{
	size_t i;

	for (i = 0; before && i < before->count; i++)
		if (before->items[i]->id && strcmp(before->items[i]->id, id) == 0)
			return 1;
	return 0;
}

/* Index of the pod the ambiguous rent created, or -1. */
static long find_new_pod(const lium_pod_list *before, const lium_pod_list *after,
			 const char *executor_id, const char *pod_name)
{
	size_t i;

	for (i = 0; i < after->count; i++) {
		const lium_pod *p = after->items[i];
		const char *ex =
			p->executor_id ? p->executor_id : (p->executor ? p->executor->id : NULL);

		if (!p->id || in_snapshot(before, p->id))
			continue;
		if (ex ? strcmp(ex, executor_id) == 0 : (p->name && strcmp(p->name, pod_name) == 0))
			return (long)i;
	}
	return -1;
}

/* Take item i out of a list; the caller owns it afterwards. */
static lium_pod *take_pod(lium_pod_list *list, size_t i)
{
	lium_pod *p = list->items[i];

	memmove(&list->items[i], &list->items[i + 1], (list->count - i - 1) * sizeof(*list->items));
	list->count--;
	return p;
}

typedef enum rent_outcome {
	RENT_FINAL,     /* nothing was created, or we know what was: report */
	RENT_NOT_SENT,  /* nothing can have been created: try again */
	RENT_AMBIGUOUS, /* a pod may exist: look before trying again */
	RENT_2XX_BAD    /* the server said yes, but its answer is unusable */
} rent_outcome;

static rent_outcome classify_rent(lium_status st, const lium_http_response *resp,
				  const lium_error *e)
{
	if (st == LIUM_ENETWORK || st == LIUM_ETIMEOUT)
		return lium__transport_not_sent(e->cause) ? RENT_NOT_SENT : RENT_AMBIGUOUS;
	if (st == LIUM_EHTTP || st == LIUM_EAUTH || st == LIUM_ENOTFOUND ||
	    st == LIUM_EVALIDATION) {
		if (resp->status >= 500 || resp->status == 429)
			return RENT_AMBIGUOUS;
		return RENT_FINAL;
	}
	return RENT_FINAL;
}

LIUM_API_EXPORT lium_status lium_executors_rent(lium_client *client, const char *executor_id,
						const lium_rent_options *opts, lium_pod **out,
						lium_error *err)
{
	lium_error local;
	lium_error *e = err ? err : &local;
	char huid[LIUM_HUID_MAX];
	const char *pod_name;
	lium_buf path = LIUM_BUF_INIT, body = LIUM_BUF_INIT;
	lium_pod_list *before = NULL;
	lium__request req = LIUM__REQUEST_INIT;
	lium_http_response resp;
	json_t *jbody;
	uint64_t start, prev = 0;
	unsigned int attempt = 0;
	lium_status st;
	size_t i;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_executors_rent: out is NULL");
	*out = NULL;
	if (!client || !opts)
		return lium_error_set(err, LIUM_EINVAL, "lium_executors_rent: missing argument");
	if (opts->version < 1 || opts->version > LIUM_RENT_OPTIONS_VERSION)
		return lium_error_set(err, LIUM_EINVAL, "rent options version %u is not supported",
				      opts->version);
	if ((st = lium__need(executor_id, "executor id", err)) != LIUM_OK)
		return st;
	if (!opts->template_id == !opts->dockerfile_content)
		return lium_error_set(err, LIUM_EINVAL,
				      "renting needs exactly one of a template and a Dockerfile");
	if (!opts->public_keys || !opts->public_key_count)
		return lium_error_set(err, LIUM_EINVAL,
				      "renting needs at least one SSH public key");
	for (i = 0; i < opts->public_key_count; i++)
		if (!opts->public_keys[i] || !opts->public_keys[i][0])
			return lium_error_set(err, LIUM_EINVAL, "SSH public key %zu is empty",
					      i + 1);
	pod_name = opts->pod_name ? opts->pod_name : lium_huid(executor_id, huid);

	jbody = rent_body(opts, pod_name);
	if (!jbody || lium_buf_puts(&path, "/executors") != LIUM_OK ||
	    lium__path_segment(&path, executor_id) != LIUM_OK ||
	    lium_buf_puts(&path, "/rent") != LIUM_OK) {
		json_decref(jbody);
		lium_buf_dispose(&path);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	st = lium__json_dump(jbody, &body, err);
	json_decref(jbody);
	if (st != LIUM_OK)
		goto done;

	/* The snapshot that tells a pod this call created from older ones. */
	st = lium_pods_list(client, &before, err);
	if (st != LIUM_OK) {
		lium_error_prefix(err, "renting: listing pods first");
		goto done;
	}

	req.method = "POST";
	req.path = lium_buf_cstr(&path);
	req.body = lium_buf_cstr(&body);
	req.body_len = body.size;
	req.retry = LIUM__RETRY_NEVER;
	lium__response_init(&resp);
	start = lium__now_ms(client);
	for (;;) {
		rent_outcome outcome;
		lium_pod_list *after = NULL;
		lium_error lerr;
		uint64_t delay;
		int64_t ra;
		int can_retry;
		long found;

		attempt++;
		st = lium__call(client, &req, &resp, e);
		if (st == LIUM_OK) {
			lium_pod *pod = NULL;

			st = lium__decode_pod_obj(lium_buf_cstr(&resp.body), resp.body.size, &pod,
						  e);
			if (st == LIUM_OK && pod->id && pod->id[0]) {
				*out = pod;
				break;
			}
			if (st == LIUM_OK) {
				st = lium_error_set(e, LIUM_EPARSE,
						    "POST %s: the response has no pod id",
						    req.path);
			} else {
				lium__context(e, "POST", req.path);
			}
			lium_pod_free(pod);
			outcome = RENT_2XX_BAD;
		} else {
			outcome = classify_rent(st, &resp, e);
		}
		if (outcome == RENT_FINAL)
			break;

		delay = lium__backoff_ms(client, attempt, &prev);
		ra = resp.status ? lium__retry_after_ms(client, &resp) : -1;
		if (ra >= 0 && (uint64_t)ra > delay)
			delay = (uint64_t)ra;
		can_retry = attempt < client->retry.max_attempts &&
			    lium__now_ms(client) - start + delay < client->retry.max_total_ms;

		if (outcome == RENT_NOT_SENT) {
			if (!can_retry)
				break;
			lium__trace(client, LIUM_TRACE_INFO,
				    "* rent not sent (%s); retry %u in %llu ms", e->message,
				    attempt + 1, (unsigned long long)delay);
			if (lium__sleep_ms(client, delay, e) != LIUM_OK) {
				st = LIUM_ECANCELLED;
				break;
			}
			continue;
		}

		/* Ambiguous: give the server the backoff delay, then look. */
		lium__trace(client, LIUM_TRACE_INFO,
			    "* rent outcome unknown (%s); looking for the pod in %llu ms",
			    e->message, (unsigned long long)(can_retry ? delay : 0));
		if (can_retry && lium__sleep_ms(client, delay, NULL) != LIUM_OK) {
			st = lium_error_set(e, LIUM_ECANCELLED,
					    "renting cancelled; the pod may have been created");
			break;
		}
		lium_error_clear(&lerr);
		if (lium_pods_list(client, &after, &lerr) != LIUM_OK) {
			size_t len = strlen(e->message);

			snprintf(e->message + len, sizeof(e->message) - len,
				 "; the pod may have been created, and listing pods to check "
				 "failed: %s",
				 lerr.message);
			break;
		}
		found = find_new_pod(before, after, executor_id, pod_name);
		if (found >= 0) {
			*out = take_pod(after, (size_t)found);
			lium_pod_list_free(after);
			lium__trace(client, LIUM_TRACE_INFO,
				    "* found pod %s created by the failed rent request",
				    (*out)->id);
			lium_error_clear(e);
			st = LIUM_OK;
			break;
		}
		lium_pod_list_free(after);
		if (outcome == RENT_2XX_BAD || !can_retry)
			break;
		lium__trace(client, LIUM_TRACE_INFO, "* no pod was created; rent attempt %u",
			    attempt + 1);
	}
	lium__response_dispose(&resp);
done:
	lium_pod_list_free(before);
	lium_buf_dispose(&path);
	lium_buf_dispose(&body);
	return st;
}
