/*
 * liblium-api: decoding Celium JSON documents into core models without
 * talking to a server, e.g. for a listing cached on disk, a response a
 * program fetched itself, or a fuzzer.  The endpoint functions decode their
 * responses with these same functions.
 *
 * Decoding is tolerant of what real servers send: unknown fields are
 * ignored, missing fields and nulls take the documented defaults, numbers
 * sent as strings ("8") are accepted, `ports_mapping` may be an object or a
 * JSON string holding one, `specs: null` and an empty `machine_name` are
 * fine.  A list may be a bare JSON array or an object `{"items": [...]}`.
 * A value of the wrong type is rejected with LIUM_EPARSE, err->path set to
 * where it was ("[3].specs.gpu.count") and err->message to
 * "<path>: expected a number" or similar.  Malformed JSON gives LIUM_EPARSE
 * with err->position (byte offset) set.
 *
 * Large lists are decoded element by element, so memory stays near the
 * size of the decoded objects rather than of a whole JSON tree.
 *
 * Every function is thread-safe (no shared state).
 */
#ifndef LIUM_API_DECODE_H
#define LIUM_API_DECODE_H

#include "common.h"

LIUM_BEGIN_DECLS

/**
 * Decode a GET /executors response; each executor finished.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_executor_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_executors_decode(const char *json, size_t len,
						  lium_executor_list **out, lium_error *err);

/**
 * Decode a GET /pods response; each pod finished.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_pod_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_pods_decode(const char *json, size_t len, lium_pod_list **out,
					     lium_error *err);

/**
 * Decode one pod object (GET /pods/{id}, the rent response).
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_pod_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_pod_decode(const char *json, size_t len, lium_pod **out,
					    lium_error *err);

/**
 * Decode a GET /templates response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_template_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_templates_decode(const char *json, size_t len,
						  lium_template_list **out, lium_error *err);

/**
 * Decode one template object.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_template_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_template_decode(const char *json, size_t len, lium_template **out,
						 lium_error *err);

/**
 * Decode a GET /volumes response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_volume_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_volumes_decode(const char *json, size_t len,
						lium_volume_list **out, lium_error *err);

/**
 * Decode a GET /ssh-keys response (strictly: a non-list is an error here).
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_ssh_key_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_ssh_keys_decode(const char *json, size_t len,
						 lium_ssh_key_list **out, lium_error *err);

/**
 * Decode a GET /users/me response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_user_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_user_decode(const char *json, size_t len, lium_user **out,
					     lium_error *err);

/**
 * Decode a GET /backup-configs response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_backup_config_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_backup_configs_decode(const char *json, size_t len,
						       lium_backup_config_list **out,
						       lium_error *err);

/**
 * Decode a GET /backup-logs/pod/{id} response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_backup_log_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_backup_logs_decode(const char *json, size_t len,
						    lium_backup_log_list **out, lium_error *err);

/**
 * Decode a GET /pods/{id}/restore-logs response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_restore_log_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_restore_logs_decode(const char *json, size_t len,
						     lium_restore_log_list **out, lium_error *err);

/**
 * Decode a GET /machines response.
 *
 * @param[in]  json  the document; need not be NUL-terminated
 * @param[in]  len   its length in bytes
 * @param[out] out   the result, freed with lium_machine_list_free(); NULL on failure
 * @param[out] err   may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EPARSE (err->path or err->position say where);
 *         LIUM_ENOMEM; LIUM_EINVAL when out is NULL
 */
LIUM_API_EXPORT lium_status lium_machines_decode(const char *json, size_t len,
						 lium_machine_list **out, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_DECODE_H */
