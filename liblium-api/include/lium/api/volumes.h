/*
 * liblium-api: storage volumes.
 *
 * Endpoints: GET /volumes, GET /volumes/{id}, POST /volumes, PUT
 * /volumes/{id}, DELETE /volumes/{id}.
 */
#ifndef LIUM_API_VOLUMES_H
#define LIUM_API_VOLUMES_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * List volumes (GET /volumes).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_volume_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_volumes_list(lium_client *client, lium_volume_list **out,
					      lium_error *err);

/**
 * One volume (GET /volumes/{volume_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  volume_id  volume UUID, not NULL
 * @param[out] out  freed with lium_volume_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_volumes_get(lium_client *client, const char *volume_id,
					     lium_volume **out, lium_error *err);

/**
 * Create a volume (POST /volumes, body `{"name", "description"}`).  Not
 * retried once sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  name         not NULL
 * @param[in]  description  NULL sends ""
 * @param[out] out          the created volume, freed with lium_volume_free();
 *                          may be NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_volumes_create(lium_client *client, const char *name,
						const char *description, lium_volume **out,
						lium_error *err);

/**
 * Rename or re-describe a volume (PUT /volumes/{volume_id}); only the keys
 * given are sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  volume_id  volume UUID, not NULL
 * @param[in]  name         new name, or NULL to keep
 * @param[in]  description  new description, or NULL to keep
 * @param[out] out          the updated volume; may be NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK; LIUM_EINVAL when both are NULL; an error of client.h
 */
LIUM_API_EXPORT lium_status lium_volumes_update(lium_client *client, const char *volume_id,
						const char *name, const char *description,
						lium_volume **out, lium_error *err);

/**
 * Delete a volume (DELETE /volumes/{volume_id}).
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  volume_id  volume UUID, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_volumes_delete(lium_client *client, const char *volume_id,
						lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_VOLUMES_H */
