/*
 * liblium-utils: export macro and version.
 */
#ifndef LIUM_UTILS_COMMON_H
#define LIUM_UTILS_COMMON_H

#include <lium/core.h>

/** Marks a symbol exported from liblium-utils (hidden visibility otherwise). */
#if defined(__GNUC__) || defined(__clang__)
#define LIUM_UTILS_EXPORT __attribute__((visibility("default")))
#else
#define LIUM_UTILS_EXPORT
#endif

LIUM_BEGIN_DECLS

/**
 * The version of liblium-utils this program runs against, e.g. "0.1.0".
 * @return a static string.  Thread-safe.
 */
LIUM_UTILS_EXPORT const char *lium_utils_version(void);

LIUM_END_DECLS

#endif /* LIUM_UTILS_COMMON_H */
