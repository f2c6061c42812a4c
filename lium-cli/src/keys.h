/*
 * lium: the user's SSH key (internal).
 */
#ifndef LIUM_CLI_KEYS_H
#define LIUM_CLI_KEYS_H

#include "cli_api.h"

/* ssh-keygen -t ed25519 -N "" -f path (mode 0600, parent made 0700). */
int cli_key_generate(const char *path, lium_error *err);
/* The configured or usual private key, if one exists; allocated or NULL. */
char *cli_key_find(struct cli_ctx *ctx);
int cli_key_exists(const char *path);
/* The public key line of a private key (its .pub, else ssh-keygen -y). */
lium_status cli_key_public(const char *key_path, lium_buf *out, lium_error *err);
/* Whether two key lines hold the same key (type and data; comments ignored). */
int cli_key_same(const char *a, const char *b);
/* "cli-<user>@<host>", characters outside [A-Za-z0-9._@-] replaced, <= 64. */
void cli_key_default_name(char *out, size_t outsz);
/* Register the key unless the account has it already (*registered says which). */
lium_status cli_key_register(lium_client *client, const char *public_key, const char *name,
			     int *registered, lium_error *err);

#endif /* LIUM_CLI_KEYS_H */
