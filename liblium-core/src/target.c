/*
 * Target lists: `all`, `1`, `1,3,5`, `2-4`, names, HUIDs, ids, unique id
 * prefixes.  Unlike the official client, a piece that matches nothing is an
 * error, never silently dropped: acting on fewer pods than the user named
 * (or on the wrong one) is worse than stopping.
 */
#include <stdio.h>
#include <string.h>

#include "lium/core/alloc.h"
#include "lium/core/target.h"
#include "text_int.h"

/* Ids shorter than this are not matched as prefixes: "1a" would match far
 * too much, and short digit strings are indices anyway. */
#define MIN_PREFIX 4

typedef struct resolver {
	const lium_target_candidate *cands;
	size_t n;
	size_t *out;
	size_t count;
	unsigned char *seen;
	lium_error *err;
} resolver;

static void add(resolver *r, size_t idx)
{
	if (r->seen[idx])
		return;
	r->seen[idx] = 1;
	r->out[r->count++] = idx;
}

static lium_status piece_error(resolver *r, lium_status code, size_t pos, const char *piece,
			       size_t len, const char *why)
{
	lium_error_set(r->err, code, "target '%.*s': %s", (int)(len > 64 ? 64 : len), piece, why);
	if (r->err)
		r->err->position = pos;
	return code;
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!lium__is_digit(s[i]))
			return 0;
	return 1;
}

/* Parses a run of digits; values that do not fit saturate (and are then out
 * of range anyway). */
static size_t to_index(const char *s, size_t len)
{
	size_t v = 0, i;

	for (i = 0; i < len; i++) {
		size_t d = (size_t)(s[i] - '0');

		if (v > ((size_t)-1 - d) / 10)
			return (size_t)-1;
		v = v * 10 + d;
	}
	return v;
}

static int eqn(const char *field, const char *piece, size_t len)
{
	return field && strlen(field) == len && memcmp(field, piece, len) == 0;
}

typedef enum match_kind { BY_ID = 0, BY_NAME = 1, BY_HUID = 2 } match_kind;

static const char *field_of(const lium_target_candidate *c, match_kind k)
{
	return k == BY_ID ? c->id : k == BY_NAME ? c->name : c->huid;
}

/* Exact id, then name, then HUID.  Two candidates with the same name or
 * HUID (HUIDs have only 25 600 values) make the piece ambiguous: better to
 * ask for the id than to act on the wrong pod. */
static lium_status match_exact(resolver *r, const char *piece, size_t len, size_t pos, int *matched)
{
	static const char *const kind_name[] = {"id", "name", "HUID"};
	size_t i;
	int k;

	*matched = 0;
	for (k = BY_ID; k <= BY_HUID; k++) {
		size_t first = 0, hits = 0;

		for (i = 0; i < r->n; i++) {
			if (eqn(field_of(&r->cands[i], (match_kind)k), piece, len)) {
				if (hits++ == 0)
					first = i;
			}
		}
		if (hits == 1) {
			add(r, first);
			*matched = 1;
			return LIUM_OK;
		}
		if (hits > 1) {
			char why[64];

			snprintf(why, sizeof(why), "the %s of more than one; use the id",
				 kind_name[k]);
			return piece_error(r, LIUM_EVALIDATION, pos, piece, len, why);
		}
	}
	return LIUM_OK;
}

static int has_prefix_ci(const char *field, const char *piece, size_t len)
{
	size_t i;

	if (!field)
		return 0;
	for (i = 0; i < len; i++)
		if (field[i] == '\0' || lium__lower(field[i]) != lium__lower(piece[i]))
			return 0;
	return 1;
}

static lium_status resolve_piece(resolver *r, const char *piece, size_t len, size_t pos)
{
	const char *dash;
	lium_status st;
	int matched;

	if (len == 3 && lium__text_ncaseeq(piece, 3, "all")) {
		size_t i;

		if (r->n == 0)
			return piece_error(r, LIUM_ENOTFOUND, pos, piece, len,
					   "there is nothing to select");
		for (i = 0; i < r->n; i++)
			add(r, i);
		return LIUM_OK;
	}

	if (all_digits(piece, len)) {
		size_t k = to_index(piece, len);

		if (k >= 1 && k <= r->n) {
			add(r, k - 1);
			return LIUM_OK;
		}
		/* An out-of-range number may still be someone's name. */
		if ((st = match_exact(r, piece, len, pos, &matched)) != LIUM_OK || matched)
			return st;
		if (r->n == 0)
			return piece_error(r, LIUM_ENOTFOUND, pos, piece, len,
					   "index out of range (the list is empty)");
		{
			char why[64];

			snprintf(why, sizeof(why), "index out of range (1..%zu)", r->n);
			return piece_error(r, LIUM_ENOTFOUND, pos, piece, len, why);
		}
	}

	dash = memchr(piece, '-', len);
	if (dash && all_digits(piece, (size_t)(dash - piece)) &&
	    all_digits(dash + 1, len - (size_t)(dash - piece) - 1)) {
		size_t a = to_index(piece, (size_t)(dash - piece));
		size_t b = to_index(dash + 1, len - (size_t)(dash - piece) - 1), i;

		if ((st = match_exact(r, piece, len, pos, &matched)) != LIUM_OK || matched)
			return st;
		if (a > b) {
			lium_error_set(r->err, LIUM_EPARSE, "target '%.*s': reversed range",
				       (int)(len > 64 ? 64 : len), piece);
			if (r->err)
				r->err->position = pos;
			return LIUM_EPARSE;
		}
		if (a < 1 || b > r->n) {
			lium_error_set(r->err, LIUM_ENOTFOUND,
				       "target '%.*s': range out of range (1..%zu)",
				       (int)(len > 64 ? 64 : len), piece, r->n);
			if (r->err)
				r->err->position = pos;
			return LIUM_ENOTFOUND;
		}
		for (i = a; i <= b; i++)
			add(r, i - 1);
		return LIUM_OK;
	}

	if ((st = match_exact(r, piece, len, pos, &matched)) != LIUM_OK || matched)
		return st;

	if (len >= MIN_PREFIX) {
		size_t i, hits = 0, first = 0;

		for (i = 0; i < r->n; i++) {
			if (has_prefix_ci(r->cands[i].id, piece, len)) {
				if (hits++ == 0)
					first = i;
			}
		}
		if (hits == 1) {
			add(r, first);
			return LIUM_OK;
		}
		if (hits > 1) {
			lium_error_set(r->err, LIUM_EVALIDATION,
				       "target '%.*s': ambiguous id prefix (%zu matches)",
				       (int)(len > 64 ? 64 : len), piece, hits);
			if (r->err)
				r->err->position = pos;
			return LIUM_EVALIDATION;
		}
		return piece_error(r, LIUM_ENOTFOUND, pos, piece, len,
				   "no index, id, name, HUID or id prefix matches");
	}
	return piece_error(r, LIUM_ENOTFOUND, pos, piece, len,
			   "no index, id, name or HUID matches (id prefixes need 4 characters)");
}

lium_status lium_targets_resolve(const char *spec, const lium_target_candidate *cands, size_t n,
				 size_t **indices, size_t *count, lium_error *err)
{
	resolver r;
	size_t i = 0, cap;
	lium_status st = LIUM_OK;

	if (indices)
		*indices = NULL;
	if (count)
		*count = 0;
	if (!spec || !indices || !count || (n > 0 && !cands))
		return lium_error_set(err, LIUM_EINVAL, "no target list given");

	while (lium__is_space(spec[i]))
		i++;
	if (spec[i] == '\0')
		return lium__parse_fail(err, i, "empty target list");

	memset(&r, 0, sizeof(r));
	r.cands = cands;
	r.n = n;
	r.err = err;
	cap = n ? n : 1;
	r.out = lium_calloc(cap, sizeof(*r.out));
	r.seen = lium_calloc(cap, 1);
	if (!r.out || !r.seen) {
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		goto done;
	}

	for (;;) {
		size_t start = i, end, pstart;

		while (spec[i] && spec[i] != ',')
			i++;
		end = i;
		pstart = start;
		while (pstart < end && lium__is_space(spec[pstart]))
			pstart++;
		while (end > pstart && lium__is_space(spec[end - 1]))
			end--;
		if (end == pstart) {
			st = lium__parse_fail(err, pstart, "empty piece in the target list");
			goto done;
		}
		if ((st = resolve_piece(&r, spec + pstart, end - pstart, pstart)) != LIUM_OK)
			goto done;
		if (spec[i] == '\0')
			break;
		i++; /* the comma */
	}
	*indices = r.out;
	*count = r.count;
	r.out = NULL;
done:
	lium_free(r.out);
	lium_free(r.seen);
	return st;
}

lium_status lium_pod_targets_resolve(const char *spec, const lium_pod_list *pods, size_t **indices,
				     size_t *count, lium_error *err)
{
	lium_target_candidate *c = NULL;
	size_t i, n = pods ? pods->count : 0;
	lium_status st;

	if (indices)
		*indices = NULL;
	if (count)
		*count = 0;
	if (!pods)
		return lium_error_set(err, LIUM_EINVAL, "no pod list given");
	if (n && !(c = lium_calloc(n, sizeof(*c))))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		c[i].id = pods->items[i]->id;
		c[i].name = pods->items[i]->name;
		c[i].huid = pods->items[i]->huid[0] ? pods->items[i]->huid : NULL;
	}
	st = lium_targets_resolve(spec, c, n, indices, count, err);
	lium_free(c);
	return st;
}

lium_status lium_executor_targets_resolve(const char *spec, const lium_executor_list *list,
					  size_t **indices, size_t *count, lium_error *err)
{
	lium_target_candidate *c = NULL;
	size_t i, n = list ? list->count : 0;
	lium_status st;

	if (indices)
		*indices = NULL;
	if (count)
		*count = 0;
	if (!list)
		return lium_error_set(err, LIUM_EINVAL, "no executor list given");
	if (n && !(c = lium_calloc(n, sizeof(*c))))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		c[i].id = list->items[i]->id;
		c[i].huid = list->items[i]->huid[0] ? list->items[i]->huid : NULL;
	}
	st = lium_targets_resolve(spec, c, n, indices, count, err);
	lium_free(c);
	return st;
}
