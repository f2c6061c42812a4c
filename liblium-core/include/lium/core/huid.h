/*
 * liblium-core: human-readable ids ("HUIDs") and MD5.
 *
 * A HUID such as "gentle-fox-19" is computed from an object's id exactly as
 * the official Celium client does: MD5 of the id's bytes, an adjective from
 * the first four hex digits, a noun from the next four, and the last two hex
 * digits as suffix.  The API never returns HUIDs.
 */
#ifndef LIUM_CORE_HUID_H
#define LIUM_CORE_HUID_H

#include "common.h"

LIUM_BEGIN_DECLS

/** Buffer size that holds any HUID, terminator included. */
#define LIUM_HUID_MAX 32

/** Word lists. */
typedef enum lium_huid_variant {
	LIUM_HUID_OFFICIAL = 0, /**< 10 adjectives x 10 nouns; "invalid" for "" */
	LIUM_HUID_LEGACY30 = 1  /**< older 30 x 30 lists; "invalid-id-huid" for "" */
} lium_huid_variant;

/**
 * Compute the official HUID of an id.
 *
 * @param[in]  id   the id as received (case-sensitive); NULL or "" gives
 *                  "invalid"
 * @param[out] out  at least LIUM_HUID_MAX bytes
 * @return out.  Thread-safe.
 */
LIUM_CORE_EXPORT char *lium_huid(const char *id, char out[LIUM_HUID_MAX]);

/** lium_huid() with a chosen word list. */
LIUM_CORE_EXPORT char *lium_huid_variant_of(const char *id, lium_huid_variant variant,
					    char out[LIUM_HUID_MAX]);

/**
 * Whether a string has the shape of a HUID: `word-word-xx` with lower-case
 * letters and two lower-case hex digits.
 */
LIUM_CORE_EXPORT int lium_huid_is_valid(const char *s);

/** MD5 digest of len bytes. */
LIUM_CORE_EXPORT void lium_md5(const void *data, size_t len, unsigned char digest[16]);

/** MD5 as 32 lower-case hex digits plus terminator. */
LIUM_CORE_EXPORT void lium_md5_hex(const void *data, size_t len, char hex[33]);

LIUM_END_DECLS

#endif /* LIUM_CORE_HUID_H */
