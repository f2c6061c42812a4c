/*
 * liblium-utils: Running one operation on many targets at once.
 */
#ifndef LIUM_UTILS_FANOUT_H
#define LIUM_UTILS_FANOUT_H

#include "common.h"

LIUM_BEGIN_DECLS

LIUM_END_DECLS

#endif /* LIUM_UTILS_FANOUT_H */
