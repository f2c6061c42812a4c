/*
 * liblium-api: pods (rented containers).
 *
 * Endpoints: GET /pods, GET /pods/{id}, DELETE /pods/{id}, POST
 * /pods/{id}/reboot, GET /pods/{id}/logs, PUT /pods/{id}/switch-template,
 * POST and DELETE /pods/{id}/schedule-removal, POST
 * /pods/{id}/install-jupyter.  Pods are created with lium_executors_rent().
 */
#ifndef LIUM_API_PODS_H
#define LIUM_API_PODS_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * List the caller's pods (GET /pods) in server order; each pod is finished
 * with lium_pod_finish().  The nested executor's price_per_hour is the pod's
 * price and its price_per_gpu that price divided by the GPU count.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_pod_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_list(lium_client *client, lium_pod_list **out,
					   lium_error *err);

/**
 * One pod (GET /pods/{pod_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[out] out     freed with lium_pod_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_get(lium_client *client, const char *pod_id, lium_pod **out,
					  lium_error *err);

/**
 * Several pods at once (GET /pods/{id} for each id), up to
 * lium_client_options::max_parallel requests in flight together, each
 * retried on its own under the retry policy.
 *
 * Without `statuses` the call is all-or-nothing: LIUM_OK means every pod was
 * fetched and `*out` holds them in the order of `pod_ids`; on any failure
 * `*out` is NULL and `err` describes the first failed id (in id order).
 *
 * With `statuses` (an array of `count` entries) partial results are allowed:
 * statuses[i] receives the outcome for pod_ids[i], `*out` holds the pods that
 * were fetched, in id order (failed ids are left out), and the call returns
 * LIUM_OK unless something failed for the batch as a whole (then `*out` is
 * NULL); `err`, when a pod failed, describes the first failure.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_ids   pod UUIDs, none NULL
 * @param[in]  count     entries in pod_ids (0 gives an empty list)
 * @param[out] out       freed with lium_pod_list_free()
 * @param[out] statuses  optional per-id results
 * @param[out] err       may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_get_many(lium_client *client, const char *const *pod_ids,
					       size_t count, lium_pod_list **out,
					       lium_status *statuses, lium_error *err);

/**
 * Terminate a pod (DELETE /pods/{pod_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_delete(lium_client *client, const char *pod_id,
					     lium_error *err);

/**
 * Reboot a pod (POST /pods/{pod_id}/reboot), body `{}` or, with a volume,
 * `{"volume_id": "..."}`.  Not retried once sent (a reboot is not repeated
 * behind the caller's back).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[in] volume_id  volume to attach on reboot, or NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_reboot(lium_client *client, const char *pod_id,
					     const char *volume_id, lium_error *err);

/**
 * Receives one log line.
 *
 * @param[in] line      the line, NUL-terminated, without line terminator;
 *                      valid during the call
 * @param[in] len       its length in bytes
 * @param[in] userdata  the userdata given to lium_pods_logs()
 * @return 0 to continue, non-zero to stop the stream (the call then returns
 *         LIUM_OK)
 */
typedef int (*lium_log_line_fn)(const char *line, size_t len, void *userdata);

/** Current version of lium_logs_options. */
#define LIUM_LOGS_OPTIONS_VERSION 1

/** Options of lium_pods_logs(). */
typedef struct lium_logs_options {
	/** LIUM_LOGS_OPTIONS_VERSION. */
	unsigned int version;
	/** `tail`: lines of history; 0 = 100. */
	unsigned int tail;
	/**
	 * `follow`: non-zero keeps the stream open until the server closes it,
	 * the callback stops it or the cancel flag is raised.  No timeout applies
	 * to a followed stream (the connect timeout does).
	 */
	int follow;
} lium_logs_options;

/** Initialiser for lium_logs_options: tail 100, no follow. */
#define LIUM_LOGS_OPTIONS_INIT                    \
	{                                         \
		LIUM_LOGS_OPTIONS_VERSION, 100, 0 \
	}

/**
 * Read a pod's container logs (GET /pods/{pod_id}/logs?tail=N&follow=...)
 * and hand each line to `on_line` as it arrives.
 *
 * The server sends an event-stream-like text.  Empty lines are skipped; a
 * line `data: {"log": "..."}` gives the `log` string (one trailing newline
 * removed); a `data:` line whose JSON has no `log` key is dropped; a `data:`
 * line that is not JSON, and any other line, is passed on verbatim.
 *
 * Retries (under the policy) happen only before any of the body arrived, so
 * no line is delivered twice.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in] pod_id    pod UUID, not NULL
 * @param[in] opts      options, or NULL for LIUM_LOGS_OPTIONS_INIT
 * @param[in] on_line   receives the lines, not NULL
 * @param[in] userdata  passed to on_line
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK (also when on_line stopped the stream), LIUM_EINVAL,
 *         LIUM_ENOTFOUND (no such pod) or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_logs(lium_client *client, const char *pod_id,
					   const lium_logs_options *opts, lium_log_line_fn on_line,
					   void *userdata, lium_error *err);

/**
 * Parse a complete logs response body the way lium_pods_logs() does, for
 * programs that fetched it themselves.
 *
 * @param[in] text     the body
 * @param[in] len      its length
 * @param[in] on_line  receives the lines; returning non-zero stops
 * @param[in] userdata  passed to on_line
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_API_EXPORT lium_status lium_logs_parse(const char *text, size_t len, lium_log_line_fn on_line,
					    void *userdata, lium_error *err);

/**
 * Switch a pod to another template (PUT /pods/{pod_id}/switch-template, body
 * `{"template_id": "..."}`).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[in]  template_id  template UUID, not NULL
 * @param[out] out  the updated pod as the server describes it (status
 *                  defaults to PENDING), freed with lium_pod_free(); may be
 *                  NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_switch_template(lium_client *client, const char *pod_id,
						      const char *template_id, lium_pod **out,
						      lium_error *err);

/**
 * Schedule a pod's removal (POST /pods/{pod_id}/schedule-removal, body
 * `{"removal_scheduled_at": "YYYY-MM-DDTHH:MM:SS+00:00"}`).  Setting the
 * same time twice has the same effect, so this POST is retried like a GET.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[in] when  the instant, seconds since the epoch (UTC)
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_schedule_removal(lium_client *client, const char *pod_id,
						       lium_time when, lium_error *err);

/**
 * Cancel a scheduled removal (DELETE /pods/{pod_id}/schedule-removal).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_cancel_removal(lium_client *client, const char *pod_id,
						     lium_error *err);

/**
 * Start installing Jupyter in a pod (POST /pods/{pod_id}/install-jupyter,
 * body `{"jupyter_internal_port": port}`).  Progress shows in the pod's
 * jupyter_status and jupyter_url (poll lium_pods_get()).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[in] internal_port  container port for Jupyter, 1-65535
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_install_jupyter(lium_client *client, const char *pod_id,
						      unsigned int internal_port, lium_error *err);

/**
 * Wait until a pod is ready (lium_pod_is_ready(): RUNNING with an
 * ssh_connect_cmd), polling GET /pods/{pod_id}.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id         pod UUID, not NULL
 * @param[in]  timeout_ms     give up after this long; 0 = wait forever
 * @param[in]  poll_ms        pause between polls; 0 = 2000
 * @param[out] out            the ready pod, freed with lium_pod_free(); may
 *                            be NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK; LIUM_ETIMEOUT; LIUM_EGENERIC when the pod reached FAILED,
 *         STOPPED or DELETING; LIUM_ECANCELLED; another error of client.h
 */
LIUM_API_EXPORT lium_status lium_pods_wait_ready(lium_client *client, const char *pod_id,
						 uint64_t timeout_ms, uint64_t poll_ms,
						 lium_pod **out, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_PODS_H */
