/*
 * liblium-api: export macro and version.
 */
#ifndef LIUM_API_COMMON_H
#define LIUM_API_COMMON_H

#include <lium/core.h>

/** Marks a symbol exported from liblium-api (hidden visibility otherwise). */
#if defined(__GNUC__) || defined(__clang__)
#define LIUM_API_EXPORT __attribute__((visibility("default")))
#else
#define LIUM_API_EXPORT
#endif

LIUM_BEGIN_DECLS

/**
 * The version of liblium-api this program runs against, e.g. "0.1.0".
 * @return a static string.  Thread-safe.
 */
LIUM_API_EXPORT const char *lium_api_version(void);

LIUM_END_DECLS

#endif /* LIUM_API_COMMON_H */
