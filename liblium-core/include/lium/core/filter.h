/*
 * liblium-core: the offer filter language.
 *
 *     gpu=H100 count>=4 price<=2.5 vram>=80 country in [US,DE] cuda>=12.4
 *
 * An expression is a list of conditions that must all hold.  A condition is
 * `field op value` with op one of = != < <= > >= (also `==`), or
 * `field in [a,b]` / `field notin [a,b]`.  Numbers take units where they make
 * sense (GB, TB, GiB for sizes; Mbps, Gbps for speeds).  GPU names match
 * case-insensitively by short type (H100, RTX4090, 4090) or full machine
 * name.  See lium_filter_fields() for the fields.
 */
#ifndef LIUM_CORE_FILTER_H
#define LIUM_CORE_FILTER_H

#include "buf.h"
#include "common.h"
#include "error.h"
#include "models.h"

LIUM_BEGIN_DECLS

/** A compiled filter expression. */
typedef struct lium_filter lium_filter;

/**
 * Compile an expression.  An empty expression matches everything.
 *
 * @param[out] out   the filter, or NULL on failure; free with lium_filter_free()
 * @param[in]  expr  the expression
 * @param[out] err   may be NULL; on LIUM_EPARSE, err->position is the byte
 *                   offset of the problem and the message says what was
 *                   expected; an unknown field is rejected with the list of
 *                   known fields
 * @return LIUM_OK, LIUM_EPARSE, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_filter_parse(lium_filter **out, const char *expr,
					       lium_error *err);

/** Whether an offer satisfies every condition.  Thread-safe. */
LIUM_CORE_EXPORT int lium_filter_match(const lium_filter *filter, const lium_executor *e);

/** The expression in normalised form, e.g. `gpu=H100 count>=4`. */
LIUM_CORE_EXPORT lium_status lium_filter_to_string(const lium_filter *filter, lium_buf *out);

/** Free a filter; NULL is ignored. */
LIUM_CORE_EXPORT void lium_filter_free(lium_filter *filter);

/**
 * The field names the language knows, in a fixed order.
 *
 * @param[out] count  number of names
 * @return a static array of static strings
 */
LIUM_CORE_EXPORT const char *const *lium_filter_fields(size_t *count);

LIUM_END_DECLS

#endif /* LIUM_CORE_FILTER_H */
