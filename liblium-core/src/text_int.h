/*
 * Internal text helpers shared by the parsers of liblium-core.  They are
 * ASCII-only and locale-independent on purpose: the CLI may call setlocale()
 * and a user's locale must not change how `2.5` or `H100` is read.
 */
#ifndef LIUM_CORE_TEXT_INT_H
#define LIUM_CORE_TEXT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lium/core/error.h"

static inline int lium__is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int lium__is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int lium__is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline char lium__lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static inline char lium__upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/** ASCII case-insensitive comparison of two NUL-terminated strings. */
int lium__text_casecmp(const char *a, const char *b);

/** ASCII case-insensitive comparison of a[0..n) with the string b. */
int lium__text_ncaseeq(const char *a, size_t n, const char *b);

/**
 * Read an unsigned decimal number `digits[.digits]` or `.digits` at s.
 * Locale-independent; exact for up to 19 significant digits when the value
 * is representable (the division by a power of ten is correctly rounded).
 *
 * @return the number of bytes consumed, 0 when s does not start a number
 */
size_t lium__text_number(const char *s, double *value);

/**
 * Read up to max_digits decimal digits (at least min_digits) as an integer.
 * @return bytes consumed, 0 when fewer than min_digits digits
 */
size_t lium__text_uint(const char *s, size_t min_digits, size_t max_digits, int64_t *value);

/**
 * Report a parse error: code LIUM_EPARSE, err->position = pos, and the
 * message formatted from fmt followed by " at column <pos + 1>".
 *
 * @return LIUM_EPARSE
 */
lium_status lium__parse_fail(lium_error *err, size_t pos, const char *fmt, ...)
	LIUM_PRINTF_LIKE(3, 4);

#endif /* LIUM_CORE_TEXT_INT_H */
