/*
 * liblium-api: templates (a Docker image and how to start it).
 *
 * Endpoints: GET /templates, GET /templates/{id}, POST /templates, PUT
 * /templates/{id}, DELETE /templates/{id}.
 */
#ifndef LIUM_API_TEMPLATES_H
#define LIUM_API_TEMPLATES_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * List templates (GET /templates): public ones and the caller's.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_template_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_templates_list(lium_client *client, lium_template_list **out,
						lium_error *err);

/**
 * One template (GET /templates/{template_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  template_id  template UUID, not NULL
 * @param[out] out  freed with lium_template_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_templates_get(lium_client *client, const char *template_id,
					       lium_template **out, lium_error *err);

/** Current version of lium_template_spec. */
#define LIUM_TEMPLATE_SPEC_VERSION 1

/**
 * The body of POST /templates and PUT /templates/{id}.  Every key is always
 * sent; unset fields take the official client's defaults, shown per field.
 * All pointers are borrowed for the duration of the call.
 */
typedef struct lium_template_spec {
	/** LIUM_TEMPLATE_SPEC_VERSION. */
	unsigned int version;
	/** `name`, required. */
	const char *name;
	/** `docker_image`, repository without tag, required. */
	const char *docker_image;
	/** `docker_image_tag`; NULL = "latest". */
	const char *docker_image_tag;
	/** `docker_image_digest`; NULL = "". */
	const char *docker_image_digest;
	/** `internal_ports`; NULL = [22, 8000]; non-NULL with count 0 = []. */
	const unsigned int *internal_ports;
	/** Entries in internal_ports. */
	size_t internal_port_count;
	/** `startup_commands` (the start command); NULL = "". */
	const char *startup_commands;
	/** `category`; NULL = "UBUNTU". */
	const char *category;
	/** `container_start_immediately`; default 1. */
	int container_start_immediately;
	/** `description`; NULL = name. */
	const char *description;
	/** `entrypoint`; NULL = "". */
	const char *entrypoint;
	/** `environment` object; NULL or count 0 = {}. */
	const lium_kv *environment;
	/** Entries in environment. */
	size_t environment_count;
	/** `is_private`; default 1. */
	int is_private;
	/** `one_time_template` (deleted with its pod); default 0. */
	int one_time_template;
	/** `is_temporary` (a backend clone marker); default 0. */
	int is_temporary;
	/** `readme`; NULL = name. */
	const char *readme;
	/** `volumes` mount paths; NULL = ["/workspace"]; non-NULL with count 0 = []. */
	const char *const *volumes;
	/** Entries in volumes. */
	size_t volume_count;
} lium_template_spec;

/** Initialiser for lium_template_spec with the official defaults. */
#define LIUM_TEMPLATE_SPEC_INIT                                                                   \
	{                                                                                         \
		LIUM_TEMPLATE_SPEC_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 1, NULL, \
			NULL, NULL, 0, 1, 0, 0, NULL, NULL, 0                                     \
	}

/**
 * Fill a spec from an existing template, to change a few fields and send it
 * back with lium_templates_update() (the API replaces the whole object).
 * The spec borrows the template's strings and arrays: keep the template
 * alive while the spec is in use.
 *
 * @param[out] spec  overwritten entirely
 * @param[in]  tmpl  the template, not NULL
 * @return LIUM_OK or LIUM_EINVAL
 */
LIUM_API_EXPORT lium_status lium_template_spec_from_template(lium_template_spec *spec,
							     const lium_template *tmpl);

/**
 * Create a template (POST /templates).  Not retried once sent (it would
 * create a second template).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  spec  the template, name and docker_image required
 * @param[out] out   the created template, freed with lium_template_free();
 *                   NULL on failure; may be NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_templates_create(lium_client *client,
						  const lium_template_spec *spec,
						  lium_template **out, lium_error *err);

/**
 * Replace a template (PUT /templates/{template_id}) with the full body built
 * from spec.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  template_id  template UUID, not NULL
 * @param[in]  spec  the whole template, name and docker_image required; borrowed
 * @param[out] out  the updated template, freed with lium_template_free();
 *                  may be NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_templates_update(lium_client *client, const char *template_id,
						  const lium_template_spec *spec,
						  lium_template **out, lium_error *err);

/**
 * Delete one of the caller's templates (DELETE /templates/{template_id}).
 * The official client never deletes templates (one-time templates go with
 * their pod); a server without this route answers 404 or 405.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  template_id  template UUID, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_templates_delete(lium_client *client, const char *template_id,
						  lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_TEMPLATES_H */
