/*
 * liblium-utils: SSH sessions, remote exec, SFTP transfers, port forwarding and pinned host keys (libssh).
 */
#ifndef LIUM_UTILS_SSH_H
#define LIUM_UTILS_SSH_H

#include "common.h"

LIUM_BEGIN_DECLS

LIUM_END_DECLS

#endif /* LIUM_UTILS_SSH_H */
