/*
 * liblium-api: backups and restores of pod data.
 *
 * Endpoints: POST /backup-configs, GET /backup-configs, GET
 * /backup-configs/pod/{pod_id}, DELETE /backup-configs/{id}, GET
 * /backup-logs/pod/{pod_id}, POST /pods/{id}/backup, POST
 * /pods/{id}/restore, GET /pods/{id}/restore-logs.
 */
#ifndef LIUM_API_BACKUPS_H
#define LIUM_API_BACKUPS_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * Create a pod's backup configuration (POST /backup-configs, body
 * `{"pod_id", "backup_frequency_hours", "retention_days", "backup_path"}`).
 * Not retried once sent.  A server that already has one answers with an
 * error whose message contains "Backup configuration already exists".
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id           not NULL
 * @param[in]  frequency_hours  hours between backups, > 0 (the CLI uses 6)
 * @param[in]  retention_days   days to keep, > 0 (the CLI uses 7)
 * @param[in]  backup_path      path in the pod; NULL = "/root"
 * @param[out] out              freed with lium_backup_config_free(); may be NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_config_create(lium_client *client, const char *pod_id,
						       unsigned int frequency_hours,
						       unsigned int retention_days,
						       const char *backup_path,
						       lium_backup_config **out, lium_error *err);

/**
 * All backup configurations (GET /backup-configs).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_backup_config_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_config_list(lium_client *client,
						     lium_backup_config_list **out,
						     lium_error *err);

/**
 * A pod's backup configuration (GET /backup-configs/pod/{pod_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[out] out  freed with lium_backup_config_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK; LIUM_ENOTFOUND when the pod has no configuration (the
 *         server's 404); another error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_config_get_for_pod(lium_client *client, const char *pod_id,
							    lium_backup_config **out,
							    lium_error *err);

/**
 * Delete a backup configuration (DELETE /backup-configs/{config_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  config_id  backup configuration id, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_config_delete(lium_client *client, const char *config_id,
						       lium_error *err);

/**
 * A pod's backup runs, newest first (GET /backup-logs/pod/{pod_id}); the
 * server may send a bare list or `{"items": [...]}`.  A 404 gives an empty
 * list.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[out] out  freed with lium_backup_log_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_logs(lium_client *client, const char *pod_id,
					      lium_backup_log_list **out, lium_error *err);

/**
 * Start a backup now (POST /pods/{pod_id}/backup, body `{"name",
 * "description"}`).  Not retried once sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[in]  name          backup name, not NULL
 * @param[in]  description   NULL sends ""
 * @param[out] backup_log_id receives the `backup_log_id` of the response
 *                           (appended); may be NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_now(lium_client *client, const char *pod_id,
					     const char *name, const char *description,
					     lium_buf *backup_log_id, lium_error *err);

/**
 * Restore a backup into a pod (POST /pods/{pod_id}/restore, body
 * `{"backup_id", "restore_path"}`).  Not retried once sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[in]  backup_id       not NULL
 * @param[in]  restore_path    NULL = "/root"
 * @param[out] restore_log_id  receives the `restore_log_id` of the response
 *                             (appended) when the server sends one; may be NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_restore(lium_client *client, const char *pod_id,
						 const char *backup_id, const char *restore_path,
						 lium_buf *restore_log_id, lium_error *err);

/**
 * A pod's restore runs (GET /pods/{pod_id}/restore-logs); a bare list or
 * `{"items": [...]}`.  A 404 gives an empty list.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  pod_id  pod UUID, not NULL
 * @param[out] out  freed with lium_restore_log_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_backups_restore_logs(lium_client *client, const char *pod_id,
						      lium_restore_log_list **out, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_BACKUPS_H */
