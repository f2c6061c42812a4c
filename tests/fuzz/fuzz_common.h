/*
 * Shared bits of the libFuzzer targets: the entry point's prototype, a
 * NUL-terminated copy of the input, and a check that stops the run.
 */
#ifndef LIUM_FUZZ_COMMON_H
#define LIUM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the parsers promise; a violation is reported as a crash. */
#define FUZZ_CHECK(cond)                  \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* The input as a C string (parsers take NUL-terminated text); an embedded
 * NUL simply ends it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif /* LIUM_FUZZ_COMMON_H */
