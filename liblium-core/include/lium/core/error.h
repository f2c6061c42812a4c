/*
 * liblium-core: status codes and the error detail structure.
 *
 * Every fallible function in the lium libraries returns a lium_status.  The
 * detail goes into an optional caller-owned lium_error passed as the last
 * parameter: there is no thread-local "last error" and errno is never an
 * output channel.
 */
#ifndef LIUM_CORE_ERROR_H
#define LIUM_CORE_ERROR_H

#include <stdarg.h>

#include "common.h"

LIUM_BEGIN_DECLS

/**
 * Status codes.  LIUM_OK is zero, failures are negative.  The values never
 * change once released; new codes are only appended.
 */
typedef enum lium_status {
	LIUM_OK = 0,           /**< success */
	LIUM_EGENERIC = -1,    /**< unspecified failure */
	LIUM_ENOMEM = -2,      /**< out of memory */
	LIUM_EINVAL = -3,      /**< invalid argument from the caller */
	LIUM_EPARSE = -4,      /**< malformed input (text, JSON, a command) */
	LIUM_EVALIDATION = -5, /**< well-formed but rejected (HTTP 409/422, a rule) */
	LIUM_ENOTFOUND = -6,   /**< no such object (HTTP 404, unmatched target) */
	LIUM_EAUTH = -7,       /**< authentication failed (HTTP 401/403) */
	LIUM_EHTTP = -8,       /**< any other HTTP error status */
	LIUM_ENETWORK = -9,    /**< transport failure: DNS, connect, reset */
	LIUM_ETIMEOUT = -10,   /**< an operation ran out of time */
	LIUM_ESSH = -11,       /**< SSH or SFTP failure */
	LIUM_EDOCKER = -12,    /**< the Docker engine reported a failure */
	LIUM_EIO = -13,        /**< local file or process failure */
	LIUM_ECANCELLED = -14, /**< cancelled by the caller (e.g. SIGINT) */
	LIUM_ECONFLICT = -15,  /**< state conflict, e.g. a changed host key */
	LIUM_EREMOTE = -16     /**< a remote command ran and exited non-zero */
} lium_status;

/** Size of lium_error::message, terminating NUL included. */
#define LIUM_ERROR_MESSAGE_MAX 512
/** Size of lium_error::path, terminating NUL included. */
#define LIUM_ERROR_PATH_MAX 128
/** lium_error::position when no position applies. */
#define LIUM_ERROR_NO_POSITION ((size_t)-1)

/**
 * Detail about a failure.  Caller-owned (usually on the stack), filled by
 * the function that failed.  Fixed-size so that reporting an error never
 * allocates.
 */
typedef struct lium_error {
	/** The status the function returned. */
	lium_status code;
	/**
	 * The underlying code, or 0: the HTTP status for LIUM_EHTTP and the other
	 * HTTP mappings, a CURLcode for LIUM_ENETWORK/LIUM_ETIMEOUT from the API
	 * client, a libssh error code for LIUM_ESSH, errno for LIUM_EIO, the exit
	 * status for LIUM_EREMOTE.
	 */
	long cause;
	/** For parsers: 0-based byte offset of the problem in the input. */
	size_t position;
	/** For decoders: the field path, e.g. "[3].specs.gpu.count"; or "". */
	char path[LIUM_ERROR_PATH_MAX];
	/** Human-readable, one line, never contains a secret. */
	char message[LIUM_ERROR_MESSAGE_MAX];
} lium_error;

/**
 * A short static English description of a status ("not found").
 *
 * @param[in] status  any value; unknown values give "unknown error"
 * @return a static string, never NULL.  Thread-safe.
 */
LIUM_CORE_EXPORT const char *lium_status_str(lium_status status);

/**
 * A stable lower-case identifier for a status, for JSON output
 * ("not_found", "auth", ...).
 *
 * @return a static string, never NULL.  Thread-safe.
 */
LIUM_CORE_EXPORT const char *lium_status_name(lium_status status);

/**
 * Reset an error to "no error": code LIUM_OK, cause 0, no position, empty
 * path and message.
 *
 * @param[out] err  may be NULL (then nothing happens)
 */
LIUM_CORE_EXPORT void lium_error_clear(lium_error *err);

/**
 * Fill an error and return its code, so that a failing function can
 * `return lium_error_set(err, LIUM_EPARSE, "...")`.  The message is
 * formatted like printf and truncated to fit.  The cause, position and path
 * are reset; set them afterwards when they apply.
 *
 * @param[out] err   may be NULL (then only the code is returned)
 * @param[in]  code  the status to report
 * @param[in]  fmt   printf-style format
 * @return code
 */
LIUM_CORE_EXPORT lium_status lium_error_set(lium_error *err, lium_status code, const char *fmt, ...)
	LIUM_PRINTF_LIKE(3, 4);

/** va_list variant of lium_error_set(). */
LIUM_CORE_EXPORT lium_status lium_error_setv(lium_error *err, lium_status code, const char *fmt,
					     va_list ap) LIUM_PRINTF_LIKE(3, 0);

/**
 * Prepend context to an existing message: "what: <old message>".  Useful when
 * an upper layer adds what it was doing.  The code is kept.
 *
 * @param[in,out] err  may be NULL
 * @return err->code, or LIUM_EGENERIC when err is NULL
 */
LIUM_CORE_EXPORT lium_status lium_error_prefix(lium_error *err, const char *fmt, ...)
	LIUM_PRINTF_LIKE(2, 3);

LIUM_END_DECLS

#endif /* LIUM_CORE_ERROR_H */
