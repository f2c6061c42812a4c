/*
 * liblium-core: parsing of the `ssh_connect_cmd` the API gives for a pod.
 */
#ifndef LIUM_CORE_SSHCMD_H
#define LIUM_CORE_SSHCMD_H

#include "common.h"
#include "error.h"

LIUM_BEGIN_DECLS

/** SSH coordinates of a pod. */
typedef struct lium_ssh_endpoint {
	char user[64];     /**< "root" when the command names none */
	char host[256];    /**< host name, IPv4 or IPv6 (no brackets) */
	unsigned int port; /**< 22 when the command names none */
} lium_ssh_endpoint;

/**
 * Parse a command such as `ssh root@203.0.113.10 -p 40022`, following
 * OpenSSH's command line: words split and quoted as by a POSIX shell; the
 * program is `ssh` (any directory); options before or after the
 * destination, up to the remote command (or `--`); `-p N`, `-pN`, `-l USER`,
 * `-o Port=N`, `-o User=U` (other `-o` pairs, `-i FILE`, `-J`, flags such as
 * `-tt` are accepted and ignored); for each of user and port the first value
 * given wins, as in OpenSSH.  Destinations: `host`, `user@host` (the last
 * `@` separates), `user@[v6addr]`, a bare IPv6 address, and
 * `ssh://[user@]host[:port][/]`.  An unknown option letter is an error,
 * since it is unknown whether it takes an argument.
 *
 * @param[in]  cmd  the command; not NULL
 * @param[out] out  the endpoint; unchanged on failure
 * @param[out] err  may be NULL; on LIUM_EPARSE err->position is the byte
 *                  offset of the problem
 * @return LIUM_OK, LIUM_EPARSE (not ssh, no destination, bad port or option,
 *         unterminated quote, a user or host too long), LIUM_EINVAL (NULL
 *         argument).  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_sshcmd_parse(const char *cmd, lium_ssh_endpoint *out,
					       lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_CORE_SSHCMD_H */
