/*
 * liblium-core: common definitions shared by every public header.
 */
#ifndef LIUM_CORE_COMMON_H
#define LIUM_CORE_COMMON_H

#include <stddef.h>
#include <stdint.h>

/**
 * @def LIUM_CORE_EXPORT
 * Marks a symbol exported from liblium-core.  The library is built with
 * hidden visibility; only symbols carrying this macro (and matching the
 * version script, `lium_*`) are visible to programs.
 */
#if defined(__GNUC__) || defined(__clang__)
#define LIUM_CORE_EXPORT            __attribute__((visibility("default")))
#define LIUM_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define LIUM_WARN_UNUSED            __attribute__((warn_unused_result))
#else
#define LIUM_CORE_EXPORT
#define LIUM_PRINTF_LIKE(fmt, args)
#define LIUM_WARN_UNUSED
#endif

#ifdef __cplusplus
#define LIUM_BEGIN_DECLS extern "C" {
#define LIUM_END_DECLS   }
#else
#define LIUM_BEGIN_DECLS
#define LIUM_END_DECLS
#endif

LIUM_BEGIN_DECLS

/**
 * The version of liblium-core this program runs against, e.g. "0.1.0".
 *
 * @param[out] major  may be NULL
 * @param[out] minor  may be NULL
 * @param[out] patch  may be NULL
 * @return a static string; never NULL.  Thread-safe.
 */
LIUM_CORE_EXPORT const char *lium_version(int *major, int *minor, int *patch);

LIUM_END_DECLS

#endif /* LIUM_CORE_COMMON_H */
