/*
 * liblium-utils internals shared by the process and Docker modules.
 */
#ifndef LIUM_UTILS_PROCESS_INT_H
#define LIUM_UTILS_PROCESS_INT_H

#include "lium/utils/process.h"

/** CLOCK_MONOTONIC in milliseconds. */
int64_t lium__process_now_ms(void);

/**
 * The environment for a child: the caller's (unless clear_env) with the
 * changes applied ("NAME=value" sets, "NAME" removes).  The array is
 * allocated with lium_malloc and freed with lium_free(); its strings are
 * borrowed from environ and from changes.
 */
lium_status lium__process_build_env(const char *const *changes, int clear_env, char ***out,
				    lium_error *err);

/** "SIGTERM" for SIGTERM, NULL for a signal without a well-known name. */
const char *lium__process_signal_name(int signo);

#endif /* LIUM_UTILS_PROCESS_INT_H */
