/*
 * The allocator hook.  Every lium library allocates through these.
 */
#include <stdlib.h>
#include <string.h>

#include "lium/core/alloc.h"

static void *default_malloc(size_t size, void *ud)
{
	(void)ud;
	return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *ud)
{
	(void)ud;
	return realloc(ptr, size);
}

static void default_free(void *ptr, void *ud)
{
	(void)ud;
	free(ptr);
}

static lium_allocator allocator = {default_malloc, default_realloc, default_free, NULL};

lium_status lium_allocator_set(const lium_allocator *a)
{
	if (!a) {
		allocator.malloc = default_malloc;
		allocator.realloc = default_realloc;
		allocator.free = default_free;
		allocator.userdata = NULL;
		return LIUM_OK;
	}
	if (!a->malloc || !a->realloc || !a->free)
		return LIUM_EINVAL;
	allocator = *a;
	return LIUM_OK;
}

void *lium_malloc(size_t size)
{
	return allocator.malloc(size ? size : 1, allocator.userdata);
}

void *lium_calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	total = n * size;
	p = lium_malloc(total);
	if (p)
		memset(p, 0, total > 0 ? total : 1);
	return p;
}

void *lium_realloc(void *ptr, size_t size)
{
	return allocator.realloc(ptr, size ? size : 1, allocator.userdata);
}

void lium_free(void *ptr)
{
	if (ptr)
		allocator.free(ptr, allocator.userdata);
}

char *lium_strndup(const char *s, size_t n)
{
	size_t len = 0;
	char *p;

	if (!s)
		return NULL;
	while (len < n && s[len])
		len++;
	p = lium_malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *lium_strdup(const char *s)
{
	return s ? lium_strndup(s, strlen(s)) : NULL;
}
