/*
 * liblium-core: target lists (`1`, `1,3,5`, `2-4`, names, HUIDs, ids, unique
 * id prefixes, `all`).
 */
#ifndef LIUM_CORE_TARGET_H
#define LIUM_CORE_TARGET_H

#include "common.h"
#include "error.h"
#include "models.h"

LIUM_BEGIN_DECLS

/** One thing a target can name; all strings may be NULL. */
typedef struct lium_target_candidate {
	const char *id;   /**< server id (UUID) */
	const char *name; /**< name */
	const char *huid; /**< human-readable id computed from id */
} lium_target_candidate;

/**
 * Resolve a target list against candidates (e.g. the pods of `lium ps`, in
 * that order).  Pieces are separated by commas; each piece is
 *
 * - `all` (any case): every candidate;
 * - `N`: the N-th candidate, 1-based (a number out of range may still be a
 *   name: a pod called "7");
 * - `N-M`: candidates N to M inclusive;
 * - an exact id, else an exact name, else an exact HUID; a name or HUID
 *   that two candidates share is ambiguous (HUIDs have only 25 600 values);
 * - a prefix of exactly one id (at least 4 characters, any case).
 *
 * Blanks around pieces are ignored.
 * The result has no duplicates and keeps the order of first mention.  A
 * piece that matches nothing, an ambiguous prefix, an index out of range or
 * an empty piece is an error that names the piece; nothing is dropped
 * silently.
 *
 * @param[in]  spec       the target list
 * @param[in]  cands      n candidates
 * @param[out] indices    0-based indices, allocated; free with lium_free()
 * @param[out] count      number of indices (>= 1 on success)
 * @param[out] err        may be NULL; err->position is the byte offset of
 *                        the failing piece, and the message quotes it
 * @return LIUM_OK, LIUM_ENOTFOUND (no match, out of range, empty list with
 *         `all`), LIUM_EVALIDATION (ambiguous prefix, name or HUID),
 *         LIUM_EPARSE (empty list or piece, reversed range), LIUM_EINVAL,
 *         LIUM_ENOMEM.  On failure *indices is NULL and *count 0.
 *         Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_targets_resolve(const char *spec,
						  const lium_target_candidate *cands, size_t n,
						  size_t **indices, size_t *count, lium_error *err);

/**
 * lium_targets_resolve() against a pod list (id, pod_name, huid; the HUIDs
 * as lium_pod_finish() computed them).  Same results and errors; LIUM_EINVAL
 * for a NULL list.
 */
LIUM_CORE_EXPORT lium_status lium_pod_targets_resolve(const char *spec, const lium_pod_list *pods,
						      size_t **indices, size_t *count,
						      lium_error *err);

/**
 * lium_targets_resolve() against an executor list (id, huid; executors have
 * no names).  Same results and errors; LIUM_EINVAL for a NULL list.
 */
LIUM_CORE_EXPORT lium_status lium_executor_targets_resolve(const char *spec,
							   const lium_executor_list *list,
							   size_t **indices, size_t *count,
							   lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_CORE_TARGET_H */
