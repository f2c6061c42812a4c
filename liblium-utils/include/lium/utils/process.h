/*
 * liblium-utils: Spawning local processes with an argv (no shell).
 */
#ifndef LIUM_UTILS_PROCESS_H
#define LIUM_UTILS_PROCESS_H

#include "common.h"

LIUM_BEGIN_DECLS

LIUM_END_DECLS

#endif /* LIUM_UTILS_PROCESS_H */
