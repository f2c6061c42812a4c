/*
 * lium: the CLI's glue to liblium-api and liblium-utils (internal).
 */
#ifndef LIUM_CLI_API_H
#define LIUM_CLI_API_H

#include <lium/api.h>
#include <lium/utils.h>

#include "cli.h"

/*
 * The API client for this run, made from the configuration on first use:
 * X-Source "cli", the -v trace hook (key redacted), Ctrl-C as cancel flag.
 * Prints the error and returns its exit code on failure (no API key: 3).
 */
int cli_client(struct cli_ctx *ctx, lium_client **out);

/* Report an API failure of `what`, with a hint for authentication errors. */
int cli_api_fail(lium_status st, const lium_error *err, const char *what);

/* GET /pods, with a progress line on a terminal.  Prints errors. */
int cli_pods_fetch(struct cli_ctx *ctx, lium_pod_list **out);

/*
 * Resolve a target list against the pods, in the order of the last `lium ps`
 * listing (pods that appeared since come after it).  `all` is every pod.  A
 * piece that matches nothing, or a row whose pod no longer exists, is an
 * error naming it.  Prints errors; returns 0 or an exit code.
 * *idx (indices into pods->items) is freed with lium_free().
 */
int cli_pods_select(const lium_pod_list *pods, const char *spec, size_t **idx, size_t *n);

/* Remember the pods as the last listing (rows in this order). */
void cli_pods_remember(const lium_pod_list *pods);

/* "8×H100", "RTX4090" or "-" for a pod or an offer. */
void cli_pod_config(const lium_pod *p, char *out, size_t outsz);
void cli_offer_config(const lium_executor *e, char *out, size_t outsz);

/* lium's known_hosts file ($XDG_STATE_HOME/lium/known_hosts); allocated. */
char *cli_known_hosts_path(void);

/* The private SSH key to use (config ssh.key_path or the usual files); allocated or NULL. */
char *cli_ssh_key_path(struct cli_ctx *ctx);

/*
 * Connect to a pod with the pinned host key (alias = pod id) and the user's
 * key.  Prints nothing; fills err.
 */
lium_status cli_pod_connect(struct cli_ctx *ctx, const lium_pod *pod, int cancel_fd,
			    unsigned int connect_timeout_ms, lium_ssh **out, lium_error *err);

#endif /* LIUM_CLI_API_H */
