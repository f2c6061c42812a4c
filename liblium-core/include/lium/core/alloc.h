/*
 * liblium-core: the allocator hook.
 *
 * Every allocation made by liblium-core, liblium-api and liblium-utils goes
 * through these functions, so a program can route them to its own allocator
 * (or count them in tests).  Memory handed to the caller by any lium function
 * is released with lium_free() unless the function names another _free.
 */
#ifndef LIUM_CORE_ALLOC_H
#define LIUM_CORE_ALLOC_H

#include "common.h"
#include "error.h"

LIUM_BEGIN_DECLS

/**
 * A custom allocator.  All three functions are required.  `realloc` must
 * behave like C's realloc (NULL pointer = malloc; it is never called with
 * size 0).  `free` must accept NULL.
 */
typedef struct lium_allocator {
	/** Allocate size bytes; NULL on failure. */
	void *(*malloc)(size_t size, void *userdata);
	/** Resize ptr (may be NULL) to size bytes; NULL on failure. */
	void *(*realloc)(void *ptr, size_t size, void *userdata);
	/** Release ptr (may be NULL). */
	void (*free)(void *ptr, void *userdata);
	void *userdata; /**< passed to every call */
} lium_allocator;

/**
 * Install an allocator, or restore the C library's with NULL.
 *
 * Not thread-safe: call it once, before any other lium function, and do not
 * change it while lium memory is alive.
 *
 * @param[in] allocator  copied; NULL restores malloc/realloc/free
 * @return LIUM_OK, or LIUM_EINVAL when a function pointer is missing
 */
LIUM_CORE_EXPORT lium_status lium_allocator_set(const lium_allocator *allocator);

/** Allocate size bytes (size 0 allocates 1). NULL on failure. */
LIUM_CORE_EXPORT void *lium_malloc(size_t size);
/** Allocate n*size zeroed bytes, with an overflow check. NULL on failure. */
LIUM_CORE_EXPORT void *lium_calloc(size_t n, size_t size);
/** Resize; like realloc but size 0 is treated as 1. NULL on failure (ptr kept). */
LIUM_CORE_EXPORT void *lium_realloc(void *ptr, size_t size);
/** Release memory from any lium allocation function; NULL is ignored. */
LIUM_CORE_EXPORT void lium_free(void *ptr);
/** Duplicate a string; NULL in gives NULL out. */
LIUM_CORE_EXPORT char *lium_strdup(const char *s);
/** Duplicate at most n bytes of a string and terminate it; NULL in, NULL out. */
LIUM_CORE_EXPORT char *lium_strndup(const char *s, size_t n);

LIUM_END_DECLS

#endif /* LIUM_CORE_ALLOC_H */
