/*
 * lium: argument vectors for OpenSSH and rsync with the pinned host keys
 * (internal).
 */
#ifndef LIUM_CLI_SSHARGS_H
#define LIUM_CLI_SSHARGS_H

#include <stdarg.h>

#include "cli_api.h"

/* A growable NULL-terminated argv. */
struct cli_argv {
	char **v;
	size_t n;
	int failed;
};

void cli_argv_add(struct cli_argv *a, const char *s);
void cli_argv_addf(struct cli_argv *a, const char *fmt, ...) LIUM_PRINTF_LIKE(2, 3);
void cli_argv_dispose(struct cli_argv *a);

/*
 * The OpenSSH options that pin a pod's host key: -i KEY, -p PORT,
 * UserKnownHostsFile=lium's known_hosts, GlobalKnownHostsFile=/dev/null,
 * HostKeyAlias=<pod id>, StrictHostKeyChecking=yes, UpdateHostKeys=no,
 * CheckHostIP=no.
 */
void cli_ssh_common_args(struct cli_argv *a, const char *key, const char *known_hosts,
			 const char *alias, unsigned int port);

/* Make sure the pod's host key is pinned (a libssh login when it is not yet). */
lium_status cli_pod_pin(struct cli_ctx *ctx, const lium_pod *pod, lium_error *err);

#endif /* LIUM_CLI_SSHARGS_H */
