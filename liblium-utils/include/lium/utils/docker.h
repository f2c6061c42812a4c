/*
 * liblium-utils: The Docker Engine API over its Unix socket.
 */
#ifndef LIUM_UTILS_DOCKER_H
#define LIUM_UTILS_DOCKER_H

#include "common.h"

LIUM_BEGIN_DECLS

LIUM_END_DECLS

#endif /* LIUM_UTILS_DOCKER_H */
