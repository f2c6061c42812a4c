/*
 * liblium-utils: Files: XDG paths, ~ expansion, atomic writes, advisory locks.
 */
#ifndef LIUM_UTILS_FS_H
#define LIUM_UTILS_FS_H

#include "common.h"

LIUM_BEGIN_DECLS

LIUM_END_DECLS

#endif /* LIUM_UTILS_FS_H */
