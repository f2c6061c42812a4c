/*
 * liblium-api: SSH public keys registered with the account.
 *
 * Endpoints: GET /ssh-keys, POST /ssh-keys, DELETE /ssh-keys/{id}.
 */
#ifndef LIUM_API_SSH_KEYS_H
#define LIUM_API_SSH_KEYS_H

#include "client.h"

LIUM_BEGIN_DECLS

/**
 * List the account's SSH keys (GET /ssh-keys).  A response that is not a
 * list (or an `{"items": [...]}` object) counts as no keys, as the official
 * client does.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[out] out  freed with lium_ssh_key_list_free(); NULL on failure
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_ssh_keys_list(lium_client *client, lium_ssh_key_list **out,
					       lium_error *err);

/**
 * Register an SSH public key (POST /ssh-keys, body `{"name", "public_key"}`).
 * Not retried once sent.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  name        key name, not NULL (the CLI uses "cli-<user>@<host>")
 * @param[in]  public_key  one OpenSSH public key line, not NULL
 * @param[out] out         the created key, freed with lium_ssh_key_free(); may
 *                         be NULL when not wanted
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL or an error of client.h
 */
LIUM_API_EXPORT lium_status lium_ssh_keys_add(lium_client *client, const char *name,
					      const char *public_key, lium_ssh_key **out,
					      lium_error *err);

/**
 * Remove a registered key (DELETE /ssh-keys/{key_id}).  Not used by the
 * official client; a server without this route answers 404 or 405.
 *
 * @param[in]  client  the client, not NULL; one thread at a time
 * @param[in]  key_id  SSH key id, not NULL
 * @param[out] err     may be NULL; describes the failure
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOTFOUND or another error of client.h
 */
LIUM_API_EXPORT lium_status lium_ssh_keys_delete(lium_client *client, const char *key_id,
						 lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_API_SSH_KEYS_H */
