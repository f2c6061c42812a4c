/*
 * lium_buf: a growable NUL-terminated byte buffer.
 */
#include <stdio.h>
#include <string.h>

#include "lium/core/alloc.h"
#include "lium/core/buf.h"

lium_status lium_buf_grow(lium_buf *buf, size_t extra)
{
	size_t need, cap;
	char *p;

	if (!buf)
		return LIUM_EINVAL;
	if (extra > (size_t)-1 - buf->size - 1)
		return LIUM_ENOMEM;
	need = buf->size + extra + 1;
	if (need <= buf->asize)
		return LIUM_OK;
	cap = buf->asize ? buf->asize : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	p = lium_realloc(buf->ptr, cap);
	if (!p)
		return LIUM_ENOMEM;
	if (!buf->ptr)
		p[0] = '\0';
	buf->ptr = p;
	buf->asize = cap;
	return LIUM_OK;
}

lium_status lium_buf_put(lium_buf *buf, const void *data, size_t len)
{
	lium_status st = lium_buf_grow(buf, len);

	if (st != LIUM_OK)
		return st;
	if (len)
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
	return LIUM_OK;
}

lium_status lium_buf_puts(lium_buf *buf, const char *s)
{
	return lium_buf_put(buf, s, s ? strlen(s) : 0);
}

lium_status lium_buf_putc(lium_buf *buf, char c)
{
	return lium_buf_put(buf, &c, 1);
}

lium_status lium_buf_vprintf(lium_buf *buf, const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	lium_status st;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return LIUM_EINVAL;
	st = lium_buf_grow(buf, (size_t)n);
	if (st != LIUM_OK)
		return st;
	vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, ap);
	buf->size += (size_t)n;
	return LIUM_OK;
}

lium_status lium_buf_printf(lium_buf *buf, const char *fmt, ...)
{
	va_list ap;
	lium_status st;

	va_start(ap, fmt);
	st = lium_buf_vprintf(buf, fmt, ap);
	va_end(ap);
	return st;
}

void lium_buf_clear(lium_buf *buf)
{
	if (!buf)
		return;
	buf->size = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

void lium_buf_truncate(lium_buf *buf, size_t len)
{
	if (!buf || len >= buf->size)
		return;
	buf->size = len;
	buf->ptr[len] = '\0';
}

void lium_buf_dispose(lium_buf *buf)
{
	if (!buf)
		return;
	lium_free(buf->ptr);
	buf->ptr = NULL;
	buf->size = 0;
	buf->asize = 0;
}

char *lium_buf_detach(lium_buf *buf)
{
	char *p;

	if (!buf)
		return NULL;
	if (!buf->ptr)
		return lium_strdup("");
	p = buf->ptr;
	buf->ptr = NULL;
	buf->size = 0;
	buf->asize = 0;
	return p;
}

const char *lium_buf_cstr(const lium_buf *buf)
{
	return buf && buf->ptr ? buf->ptr : "";
}
