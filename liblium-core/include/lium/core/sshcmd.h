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
 * Parse a command such as `ssh root@203.0.113.10 -p 40022`.  Accepts the
 * options before or after the destination, `-p N`, `-pN`, `-o ...` pairs
 * (ignored), `-i FILE` (ignored), quoted words, `ssh://user@host:port` and
 * `[v6addr]`.
 *
 * @param[in]  cmd  the command
 * @param[out] out  the endpoint
 * @param[out] err  may be NULL; position of the problem on LIUM_EPARSE
 * @return LIUM_OK, LIUM_EPARSE (no destination, bad port, not ssh), LIUM_EINVAL
 */
LIUM_CORE_EXPORT lium_status lium_sshcmd_parse(const char *cmd, lium_ssh_endpoint *out,
					       lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_CORE_SSHCMD_H */
