/*
 * liblium-api: offers ("executors"), the machine catalogue, default images,
 * deployment estimates and renting.
 *
 * Endpoints: GET /executors, GET /machines, GET
 * /executors/default-docker-image, GET /executors/deployment-estimate, POST
 * /executors/{id}/rent.
 */
#ifndef LIUM_API_EXECUTORS_H
#define LIUM_API_EXECUTORS_H

#include "client.h"

LIUM_BEGIN_DECLS

/** Current version of lium_executor_filter. */
#define LIUM_EXECUTOR_FILTER_VERSION 1

/**
 * Server-side filters of GET /executors.  Each one that is set becomes a
 * query parameter; unset ones (NULL, 0, has_location 0) are not sent.
 */
typedef struct lium_executor_filter {
	/** LIUM_EXECUTOR_FILTER_VERSION. */
	unsigned int version;
	/** Full machine names, sent comma-joined as `machine_names`. */
	const char *const *machine_names;
	/** Entries in machine_names. */
	size_t machine_name_count;
	/** `gpu_count_gte`; 0 = not sent. */
	unsigned int gpu_count_min;
	/** `gpu_count_lte`; 0 = not sent.  Set both to N for "exactly N". */
	unsigned int gpu_count_max;
	/** Non-zero: send `lat`, `lon` (and `max_distance_mile` when set). */
	int has_location;
	/** Latitude, degrees. */
	double lat;
	/** Longitude, degrees. */
	double lon;
	/** `max_distance_mile` (miles); 0 = not sent. */
	unsigned int max_distance_mile;
	/** `price_per_hour_gte`, USD/h; 0 = not sent. */
	double price_min;
	/** `price_per_hour_lte`, USD/h; 0 = not sent. */
	double price_max;
	/**
	 * `size`: the most executors one response holds; 0 = 1000, the official
	 * client's value.  A larger market needs a larger size or `page`.
	 */
	unsigned int size;
	/** `page` (1-based) of `size` executors; 0 = not sent (the first page). */
	unsigned int page;
} lium_executor_filter;

/** Initialiser for lium_executor_filter: no filter, size 1000. */
#define LIUM_EXECUTOR_FILTER_INIT                                                           \
	{                                                                                   \
		LIUM_EXECUTOR_FILTER_VERSION, NULL, 0, 0, 0, 0, 0.0, 0.0, 0, 0.0, 0.0, 0, 0 \
	}

/**
 * List rentable executors (GET /executors), in server order, each finished
 * with lium_executor_finish() (HUID, GPU type, prices).
 *
 * @param[in]  client  the client
 * @param[in]  filter  filters, or NULL for none
 * @param[out] out     the list, freed with lium_executor_list_free(); NULL on failure
 * @param[out] err     may be NULL
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_executors_list(lium_client *client,
						const lium_executor_filter *filter,
						lium_executor_list **out, lium_error *err);

/**
 * The machine catalogue (GET /machines): full machine names with their short
 * GPU type (lium_gpu_type_extract()).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_machine_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_machines_list(lium_client *client, lium_machine_list **out,
					       lium_error *err);

/**
 * Default Docker images for a GPU model and driver (GET
 * /executors/default-docker-image?gpu_model=&driver_version=).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  gpu_model       e.g. "NVIDIA H100 80GB HBM3"; NULL sends ""
 * @param[in]  driver_version  e.g. "570.124.06"; NULL sends ""
 * @param[out] out  freed with lium_docker_image_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_executors_default_images(lium_client *client,
							  const char *gpu_model,
							  const char *driver_version,
							  lium_docker_image_list **out,
							  lium_error *err);

/**
 * Estimated deployment time of a template on an executor (GET
 * /executors/deployment-estimate?executor_id=&template_id=).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  executor_id  executor UUID, not NULL
 * @param[in]  template_id  template UUID, not NULL
 * @param[out] out  freed with lium_estimate_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_executors_estimate(lium_client *client, const char *executor_id,
						    const char *template_id, lium_estimate **out,
						    lium_error *err);

/** Current version of lium_rent_options. */
#define LIUM_RENT_OPTIONS_VERSION 1

/** What to rent (the body of POST /executors/{id}/rent). */
typedef struct lium_rent_options {
	/** LIUM_RENT_OPTIONS_VERSION. */
	unsigned int version;
	/** `pod_name`; NULL = the executor's HUID (what the CLI uses). */
	const char *pod_name;
	/** `template_id`; exactly one of template_id and dockerfile_content is set. */
	const char *template_id;
	/** `dockerfile_content`: Dockerfile text built on the node. */
	const char *dockerfile_content;
	/** `volume_id` to attach, or NULL. */
	const char *volume_id;
	/** OpenSSH public key lines for `user_public_key`; at least one. */
	const char *const *public_keys;
	/** Entries in public_keys. */
	size_t public_key_count;
	/** `initial_port_count`; 0 sends null. */
	unsigned int initial_port_count;
} lium_rent_options;

/** Initialiser for lium_rent_options. */
#define LIUM_RENT_OPTIONS_INIT                                                \
	{                                                                     \
		LIUM_RENT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0 \
	}

/**
 * Rent an executor: create a pod (POST /executors/{executor_id}/rent).  The
 * body always carries every key (`pod_name`, `template_id`,
 * `dockerfile_content`, `volume_id`, `user_public_key`,
 * `initial_port_count`), unset ones as null.
 *
 * Renting never creates two pods.  The POST is not retried blindly:
 *
 * 1. Before the POST the client lists the pods (GET /pods) and keeps their ids.
 * 2. When the POST fails in a way that leaves it unknown whether the pod was
 *    created (a timeout, a dropped or cut-off response, HTTP 5xx or 429, a
 *    2xx whose body does not decode or lacks an id), the client waits the
 *    retry delay and lists the pods again.  A pod whose id was not there
 *    before and that runs on this executor (or, when the server sends no
 *    executor, that has the requested name) is the one this call created:
 *    it is returned with LIUM_OK.
 * 3. Only when that listing succeeded and shows no such pod is the POST sent
 *    again (within the retry policy).  When the listing itself fails, the
 *    original error is returned and its message says that the pod may exist.
 * 4. A failure that cannot have created anything (connect failed, HTTP 4xx
 *    other than 429) is returned (4xx) or retried (connect) directly.
 *
 * Each POST goes out on a new connection, so that libcurl's own silent
 * resend on a dead reused connection cannot repeat it.
 *
 * @param[in]  client       the client
 * @param[in]  executor_id  executor UUID, not NULL
 * @param[in]  opts         what to rent, not NULL
 * @param[out] out          the new pod (the server's response, or the pod
 *                          found in step 2), freed with lium_pod_free(); NULL
 *                          on failure
 * @param[out] err          may be NULL
 * @return LIUM_OK; LIUM_EINVAL (missing executor id, no public key, both or
 *         neither of template_id / dockerfile_content); an error of client.h
 */
LIUM_API_EXPORT lium_status lium_executors_rent(lium_client *client, const char *executor_id,
						const lium_rent_options *opts, lium_pod **out,
						lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_EXECUTORS_H */
