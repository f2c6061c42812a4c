/*
 * Pods: listing, details (one or many at once), actions, logs, waiting.
 */
#include <string.h>

#include "api_int.h"

static lium_status decode_pods(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_pods_decode(json, len, out, err);
}

/* "/pods/<id>" plus an optional suffix ("/reboot"). */
static lium_status pod_path(lium_buf *path, const char *pod_id, const char *suffix, lium_error *err)
{
	lium_status st = lium__need(pod_id, "pod id", err);

	if (st != LIUM_OK)
		return st;
	st = lium_buf_puts(path, "/pods");
	if (st == LIUM_OK)
		st = lium__path_segment(path, pod_id);
	if (st == LIUM_OK && suffix)
		st = lium_buf_puts(path, suffix);
	if (st != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return LIUM_OK;
}

LIUM_API_EXPORT lium_status lium_pods_list(lium_client *client, lium_pod_list **out,
					   lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_list: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_list: client is NULL");
	return lium__get_decode(client, "/pods", decode_pods, out, err);
}

LIUM_API_EXPORT lium_status lium_pods_get(lium_client *client, const char *pod_id, lium_pod **out,
					  lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_get: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_get: client is NULL");
	st = pod_path(&path, pod_id, NULL, err);
	if (st == LIUM_OK)
		st = lium__get_decode(client, lium_buf_cstr(&path), lium__decode_pod_obj, out, err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_pods_get_many(lium_client *client, const char *const *pod_ids,
					       size_t count, lium_pod_list **out,
					       lium_status *statuses, lium_error *err)
{
	lium_buf *paths = NULL;
	lium__request *reqs = NULL;
	lium_http_response *resps = NULL;
	lium_status *sts = NULL;
	lium_error *errs = NULL;
	lium_pod_list *list = NULL;
	lium_status st = LIUM_OK;
	long first_failed = -1;
	size_t i;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_get_many: out is NULL");
	*out = NULL;
	if (!client || (count && !pod_ids))
		return lium_error_set(err, LIUM_EINVAL, "lium_pods_get_many: missing argument");
	for (i = 0; i < count; i++)
		if (!pod_ids[i] || !pod_ids[i][0])
			return lium_error_set(err, LIUM_EINVAL, "pod id %zu is missing", i + 1);
	if (lium_pod_list_new(&list) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	if (!count) {
		*out = list;
		return LIUM_OK;
	}
	paths = lium_calloc(count, sizeof(*paths));
	reqs = lium_calloc(count, sizeof(*reqs));
	resps = lium_calloc(count, sizeof(*resps));
	sts = lium_calloc(count, sizeof(*sts));
	errs = lium_calloc(count, sizeof(*errs));
	if (!paths || !reqs || !resps || !sts || !errs) {
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < count; i++) {
		lium__request r = LIUM__REQUEST_INIT;

		st = pod_path(&paths[i], pod_ids[i], NULL, err);
		if (st != LIUM_OK)
			goto done;
		r.method = "GET";
		r.path = lium_buf_cstr(&paths[i]);
		reqs[i] = r;
	}
	st = lium__call_many(client, reqs, count, resps, sts, errs);
	if (st != LIUM_OK) {
		lium_error_set(err, st, "out of memory");
		goto done;
	}
	for (i = 0; i < count; i++) {
		if (sts[i] == LIUM_OK) {
			lium_pod *p = NULL;

			if (lium_pod_list_add(list, &p) != LIUM_OK) {
				st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
				goto done;
			}
			p->index = list->count - 1;
			{
				json_t *doc = NULL;
				lium__jd d;

				lium__jd_init(&d, &errs[i]);
				sts[i] = lium__json_parse(lium_buf_cstr(&resps[i].body),
							  resps[i].body.size, &doc, &errs[i]);
				if (sts[i] == LIUM_OK)
					sts[i] = lium__dec_pod(&d, doc, p);
				json_decref(doc);
			}
			if (sts[i] != LIUM_OK) {
				lium__context(&errs[i], "GET", reqs[i].path);
				lium_pod_free(list->items[--list->count]);
			}
		}
		if (statuses)
			statuses[i] = sts[i];
		if (sts[i] != LIUM_OK && first_failed < 0)
			first_failed = (long)i;
	}
	if (first_failed >= 0) {
		if (err)
			*err = errs[first_failed];
		if (!statuses)
			st = sts[first_failed];
	}
done:
	if (paths)
		for (i = 0; i < count; i++)
			lium_buf_dispose(&paths[i]);
	if (resps)
		for (i = 0; i < count; i++)
			lium__response_dispose(&resps[i]);
	lium_free(paths);
	lium_free(reqs);
	lium_free(resps);
	lium_free(sts);
	lium_free(errs);
	if (st != LIUM_OK) {
		lium_pod_list_free(list);
		return st;
	}
	*out = list;
	return LIUM_OK;
}

/* An action on a pod whose response body is not needed. */
static lium_status pod_action(lium_client *client, const char *method, const char *pod_id,
			      const char *suffix, json_t *body, lium__retry_class retry,
			      lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!client) {
		json_decref(body);
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	}
	st = pod_path(&path, pod_id, suffix, err);
	if (st == LIUM_OK) {
		st = lium__send_decode(client, method, lium_buf_cstr(&path), body, retry, NULL,
				       NULL, err);
		body = NULL;
	}
	json_decref(body);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_pods_delete(lium_client *client, const char *pod_id,
					     lium_error *err)
{
	return pod_action(client, "DELETE", pod_id, NULL, NULL, LIUM__RETRY_IDEMPOTENT, err);
}

LIUM_API_EXPORT lium_status lium_pods_reboot(lium_client *client, const char *pod_id,
					     const char *volume_id, lium_error *err)
{
	json_t *body = json_object();

	if (!body ||
	    (volume_id && json_object_set_new(body, "volume_id", json_string(volume_id)))) {
		json_decref(body);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	return pod_action(client, "POST", pod_id, "/reboot", body, LIUM__RETRY_UNSENT, err);
}

LIUM_API_EXPORT lium_status lium_pods_switch_template(lium_client *client, const char *pod_id,
						      const char *template_id, lium_pod **out,
						      lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	json_t *body;
	lium_pod *pod = NULL;
	lium_status st;

	if (out)
		*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	if ((st = lium__need(template_id, "template id", err)) != LIUM_OK)
		return st;
	st = pod_path(&path, pod_id, "/switch-template", err);
	if (st != LIUM_OK)
		return st;
	body = json_pack("{s:s}", "template_id", template_id);
	st = lium__send_decode(client, "PUT", lium_buf_cstr(&path), body, LIUM__RETRY_IDEMPOTENT,
			       out ? lium__decode_pod_obj : NULL, out ? (void *)&pod : NULL, err);
	lium_buf_dispose(&path);
	if (st != LIUM_OK)
		return st;
	if (out) {
		/* The answer describes a pod going back to pending. */
		if (!pod->status) {
			pod->status = lium_strdup("PENDING");
			if (!pod->status) {
				lium_pod_free(pod);
				return lium_error_set(err, LIUM_ENOMEM, "out of memory");
			}
		}
		if (!pod->id) {
			pod->id = lium_strdup(pod_id);
			if (!pod->id) {
				lium_pod_free(pod);
				return lium_error_set(err, LIUM_ENOMEM, "out of memory");
			}
		}
		lium_pod_finish(pod);
		*out = pod;
	}
	return LIUM_OK;
}

LIUM_API_EXPORT lium_status lium_pods_schedule_removal(lium_client *client, const char *pod_id,
						       lium_time when, lium_error *err)
{
	lium_buf text = LIUM_BUF_INIT;
	json_t *body;
	lium_status st;

	if (when == LIUM_TIME_NONE)
		return lium_error_set(err, LIUM_EINVAL, "no removal time given");
	st = lium_time_format_iso8601(when, &text);
	if (st != LIUM_OK) {
		lium_buf_dispose(&text);
		return lium_error_set(err, st, "removal time cannot be formatted");
	}
	body = json_pack("{s:s}", "removal_scheduled_at", lium_buf_cstr(&text));
	lium_buf_dispose(&text);
	if (!body)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	/* Setting the same time again changes nothing: safe to retry. */
	return pod_action(client, "POST", pod_id, "/schedule-removal", body, LIUM__RETRY_IDEMPOTENT,
			  err);
}

LIUM_API_EXPORT lium_status lium_pods_cancel_removal(lium_client *client, const char *pod_id,
						     lium_error *err)
{
	return pod_action(client, "DELETE", pod_id, "/schedule-removal", NULL,
			  LIUM__RETRY_IDEMPOTENT, err);
}

LIUM_API_EXPORT lium_status lium_pods_install_jupyter(lium_client *client, const char *pod_id,
						      unsigned int internal_port, lium_error *err)
{
	json_t *body;

	if (internal_port == 0 || internal_port > 65535)
		return lium_error_set(err, LIUM_EINVAL, "Jupyter port %u is not a port number",
				      internal_port);
	body = json_pack("{s:I}", "jupyter_internal_port", (json_int_t)internal_port);
	if (!body)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return pod_action(client, "POST", pod_id, "/install-jupyter", body, LIUM__RETRY_UNSENT,
			  err);
}

LIUM_API_EXPORT lium_status lium_pods_wait_ready(lium_client *client, const char *pod_id,
						 uint64_t timeout_ms, uint64_t poll_ms,
						 lium_pod **out, lium_error *err)
{
	uint64_t start;
	lium_status st;

	if (out)
		*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	if ((st = lium__need(pod_id, "pod id", err)) != LIUM_OK)
		return st;
	if (!poll_ms)
		poll_ms = 2000;
	start = lium__now_ms(client);
	for (;;) {
		lium_pod *pod = NULL;
		uint64_t elapsed, pause;

		st = lium_pods_get(client, pod_id, &pod, err);
		if (st != LIUM_OK)
			return st;
		if (lium_pod_is_ready(pod)) {
			if (out)
				*out = pod;
			else
				lium_pod_free(pod);
			return LIUM_OK;
		}
		if (pod->state == LIUM_POD_FAILED || pod->state == LIUM_POD_STOPPED ||
		    pod->state == LIUM_POD_DELETING) {
			st = lium_error_set(err, LIUM_EGENERIC,
					    "pod %s is %s and will not become ready", pod_id,
					    pod->status ? pod->status : "?");
			lium_pod_free(pod);
			return st;
		}
		lium_pod_free(pod);
		elapsed = lium__now_ms(client) - start;
		if (timeout_ms && elapsed >= timeout_ms)
			return lium_error_set(err, LIUM_ETIMEOUT,
					      "pod %s was not ready after %llu s", pod_id,
					      (unsigned long long)(timeout_ms / 1000));
		pause = poll_ms;
		if (timeout_ms && timeout_ms - elapsed < pause)
			pause = timeout_ms - elapsed;
		if (lium__sleep_ms(client, pause, err) != LIUM_OK)
			return LIUM_ECANCELLED;
	}
}
