/*
 * liblium-core: a growable byte buffer used to hand strings to callers.
 */
#ifndef LIUM_CORE_BUF_H
#define LIUM_CORE_BUF_H

#include <stdarg.h>

#include "common.h"
#include "error.h"

LIUM_BEGIN_DECLS

/**
 * A growable, always NUL-terminated buffer (once it holds memory).
 *
 * Caller-owned: initialise with LIUM_BUF_INIT, release with
 * lium_buf_dispose().  `ptr` may be NULL while nothing was written; use
 * lium_buf_cstr() to read it as a string.
 */
typedef struct lium_buf {
	char *ptr;    /**< contents, NUL-terminated when not NULL */
	size_t size;  /**< bytes used, terminator excluded */
	size_t asize; /**< bytes allocated */
} lium_buf;

/** Static initialiser for an empty buffer. */
#define LIUM_BUF_INIT      \
	{                  \
		NULL, 0, 0 \
	}

/** Make room for `extra` more bytes (plus the terminator). */
LIUM_CORE_EXPORT lium_status lium_buf_grow(lium_buf *buf, size_t extra);
/** Append len bytes of data (may contain NUL bytes). */
LIUM_CORE_EXPORT lium_status lium_buf_put(lium_buf *buf, const void *data, size_t len);
/** Append a NUL-terminated string; NULL appends nothing. */
LIUM_CORE_EXPORT lium_status lium_buf_puts(lium_buf *buf, const char *s);
/** Append one byte. */
LIUM_CORE_EXPORT lium_status lium_buf_putc(lium_buf *buf, char c);
/** Append printf-style formatted text. */
LIUM_CORE_EXPORT lium_status lium_buf_printf(lium_buf *buf, const char *fmt, ...)
	LIUM_PRINTF_LIKE(2, 3);
/** va_list variant of lium_buf_printf(). */
LIUM_CORE_EXPORT lium_status lium_buf_vprintf(lium_buf *buf, const char *fmt, va_list ap)
	LIUM_PRINTF_LIKE(2, 0);
/** Forget the contents but keep the memory; NULL is ignored. */
LIUM_CORE_EXPORT void lium_buf_clear(lium_buf *buf);
/** Shorten to len bytes (no-op when already shorter). */
LIUM_CORE_EXPORT void lium_buf_truncate(lium_buf *buf, size_t len);
/** Release the memory and reset to LIUM_BUF_INIT; NULL is ignored. */
LIUM_CORE_EXPORT void lium_buf_dispose(lium_buf *buf);
/**
 * Take the contents out as a string the caller frees with lium_free(); the
 * buffer is reset.  Never NULL unless out of memory (an empty buffer gives
 * an allocated "").
 */
LIUM_CORE_EXPORT char *lium_buf_detach(lium_buf *buf);
/** The contents as a string: "" while nothing was written.  Borrowed. */
LIUM_CORE_EXPORT const char *lium_buf_cstr(const lium_buf *buf);

LIUM_END_DECLS

#endif /* LIUM_CORE_BUF_H */
