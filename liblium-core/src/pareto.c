/*
 * Pareto frontier and non-dominated layers.
 *
 * Every value is first turned into a key: oriented so that larger is better,
 * NaN mapped to -inf (the worst), and, for a dimension with a tolerance,
 * snapped to a fixed geometric grid.  Dominance is then plain Pareto
 * dominance on keys, which is a strict partial order (transitive), so the
 * frontier and the layers are well defined and the fast algorithms below
 * give the same answer as the all-pairs definition.  Pairwise "within
 * tolerance means equal" is not transitive (three offers can dominate each
 * other in a cycle, leaving no frontier at all); see pareto.h.
 *
 * Frontier and layers: rows are sorted once by a score that every dominator
 * beats (a sum of per-dimension normalised keys, ties broken
 * lexicographically), so a row can only be dominated by rows before it.
 * Rows are then placed in that order into layers, each row into the layer
 * after the deepest layer holding one of its dominators; because of
 * transitivity "some member of layer k dominates p" is monotone in k, so that
 * layer is found by binary search (the ENS-BS scheme).  With max_layer = 1
 * this is sort-filter-skyline.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lium/core/alloc.h"
#include "lium/core/pareto.h"
#include "text_int.h"

/* Below this relative tolerance the grid step would fall under the
 * resolution of a double's exponent arithmetic; compare exactly instead. */
#define MIN_TOLERANCE 1e-12

/* INFINITY and NAN are floats; spelled as doubles once here. */
#define D_INF ((double)INFINITY)
#define D_NAN ((double)NAN)

typedef struct dimkey {
	int maximize;
	double step; /* log1p(tolerance), 0 for exact */
	double base; /* grid offset that keeps positive keys above zero */
} dimkey;

static int dims_valid(size_t m, const lium_pareto_dim *dims)
{
	size_t i;

	if (m < 1 || m > LIUM_PARETO_MAX_DIMS || !dims)
		return 0;
	for (i = 0; i < m; i++) {
		if (dims[i].direction != LIUM_MINIMIZE && dims[i].direction != LIUM_MAXIMIZE)
			return 0;
		if (!(dims[i].tolerance >= 0.0) || isinf(dims[i].tolerance))
			return 0;
	}
	return 1;
}

static void dimkeys_init(dimkey *dk, size_t m, const lium_pareto_dim *dims)
{
	size_t i;

	for (i = 0; i < m; i++) {
		dk[i].maximize = dims[i].direction == LIUM_MAXIMIZE;
		if (dims[i].tolerance >= MIN_TOLERANCE) {
			dk[i].step = log1p(dims[i].tolerance);
			/* ln(DBL_TRUE_MIN) is about -744.4. */
			dk[i].base = ceil(746.0 / dk[i].step) + 2.0;
		} else {
			dk[i].step = 0.0;
			dk[i].base = 0.0;
		}
	}
}

static double key_of(double v, const dimkey *dk)
{
	double k;

	if (isnan(v))
		return -D_INF;
	if (!dk->maximize)
		v = -v;
	if (dk->step == 0.0 || v == 0.0 || isinf(v))
		return v + 0.0; /* also turns -0.0 into 0.0 */
	/* Grid cell of |v| on the geometric grid (1 + tolerance)^k, shifted
	 * so that every positive value has a positive key; negative values
	 * mirror it, so that more negative is worse. */
	k = dk->base + floor(log(fabs(v)) / dk->step);
	return v > 0 ? k : -k;
}

static uint32_t compare_keys(const double *a, const double *b, size_t m, int *dominates)
{
	uint32_t better = 0;
	int worse = 0;
	size_t i;

	for (i = 0; i < m; i++) {
		if (a[i] > b[i])
			better |= (uint32_t)1 << i;
		else if (a[i] < b[i])
			worse = 1;
	}
	*dominates = !worse && better != 0;
	return better;
}

/* The hot loop: does a dominate b?  Leaves at the first dimension where a is
 * worse, which for most pairs is the first or second. */
static int key_dominates(const double *a, const double *b, size_t m)
{
	int better = 0;
	size_t i;

	for (i = 0; i < m; i++) {
		if (a[i] < b[i])
			return 0;
		better |= a[i] > b[i];
	}
	return better;
}

int lium_pareto_dominates(const double *a, const double *b, size_t m, const lium_pareto_dim *dims,
			  uint32_t *better_mask)
{
	dimkey dk[LIUM_PARETO_MAX_DIMS];
	double ka[LIUM_PARETO_MAX_DIMS], kb[LIUM_PARETO_MAX_DIMS];
	uint32_t mask;
	size_t i;
	int dom;

	if (better_mask)
		*better_mask = 0;
	if (!a || !b || !dims_valid(m, dims))
		return 0;
	dimkeys_init(dk, m, dims);
	for (i = 0; i < m; i++) {
		ka[i] = key_of(a[i], &dk[i]);
		kb[i] = key_of(b[i], &dk[i]);
	}
	mask = compare_keys(ka, kb, m, &dom);
	if (better_mask)
		*better_mask = mask;
	return dom;
}

/* --- keys and presort ----------------------------------------------------- */

typedef struct keyset {
	size_t n, m;
	double *keys;                      /* n * m, row-major */
	size_t *order;                     /* rows by descending score */
	double *score;                     /* per row */
	uint64_t *code;                    /* per row: quantised keys, see swar_could_dominate() */
	uint64_t guard;                    /* the guard bit of every lane */
	size_t lane;                       /* bits per lane, guard included */
	size_t levels;                     /* quantisation levels per dimension */
	size_t nthr[LIUM_PARETO_MAX_DIMS]; /* thresholds in use per dimension */
	/* Cells of the large layers: up to three dimensions, each cut into
	 * blevels coarse levels (see layer_dominates()). */
	size_t nbdims, bdim[3], blevels[3], ncells;
} keyset;

static void keyset_free(keyset *ks)
{
	lium_free(ks->keys);
	lium_free(ks->order);
	lium_free(ks->score);
	lium_free(ks->code);
	memset(ks, 0, sizeof(*ks));
}

/*
 * A cheap necessary condition for dominance.  Each key is quantised to one of
 * 2^b levels by thresholds taken from a sample of its dimension (so the
 * levels are roughly equally full whatever the distribution), and the levels
 * of a row are packed into one 64-bit word, one lane of b + 1 bits per
 * dimension, the top bit of each lane a guard.  Since quantising is
 * monotone, q can only dominate p if every lane of q is >= that of p, which
 * one subtraction tests for all lanes at once: (q | guards) - p keeps a
 * lane's guard bit exactly when that lane did not borrow.  Most pairs of
 * incomparable rows fail it, so the full comparison runs rarely.
 */
static int swar_could_dominate(uint64_t q, uint64_t p, uint64_t guard)
{
	return (((q | guard) - p) & guard) == guard;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

#define SWAR_SAMPLE 2048

static lium_status keyset_codes(keyset *ks)
{
	size_t n = ks->n, m = ks->m, lane = 64 / m, bits, levels, i, r;
	double *sample, *thr;
	lium_status st = LIUM_OK;

	/* Lanes of at most 8 bits: 128 levels are plenty, and finer levels
	 * would need bigger samples to mean anything. */
	if (lane > 8)
		lane = 8;
	bits = lane - 1;
	levels = (size_t)1 << bits;
	ks->code = lium_calloc(n, sizeof(uint64_t));
	sample = lium_malloc(SWAR_SAMPLE * sizeof(double));
	thr = lium_malloc(levels * sizeof(double));
	if (!ks->code || !sample || !thr) {
		st = LIUM_ENOMEM;
		goto done;
	}
	ks->guard = 0;
	ks->lane = lane;
	ks->levels = levels;
	for (i = 0; i < m; i++)
		ks->guard |= (uint64_t)1 << (i * lane + bits);
	for (i = 0; i < m; i++) {
		size_t ns = 0, stride = n > SWAR_SAMPLE ? n / SWAR_SAMPLE : 1, nthr = 0, j;

		for (r = 0; r < n && ns < SWAR_SAMPLE; r += stride) {
			double k = ks->keys[r * m + i];

			if (isfinite(k))
				sample[ns++] = k;
		}
		qsort(sample, ns, sizeof(double), cmp_double);
		/* levels - 1 thresholds at evenly spaced sample quantiles;
		 * repeated values collapse so no level is wasted on them. */
		for (j = 1; j < levels && ns > 0; j++) {
			double t = sample[j * ns / levels];

			if (nthr == 0 || t > thr[nthr - 1])
				thr[nthr++] = t;
		}
		for (r = 0; r < n; r++) {
			double k = ks->keys[r * m + i];
			size_t lo = 0, hi = nthr;

			/* level = number of thresholds <= k */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (thr[mid] <= k)
					lo = mid + 1;
				else
					hi = mid;
			}
			ks->code[r] |= (uint64_t)lo << (i * lane);
		}
		ks->nthr[i] = nthr;
	}
	/* The cells use the dimensions with the most distinct levels, each cut
	 * into at most 8 coarse levels: at most 512 cells. */
	ks->nbdims = 0;
	ks->ncells = 1;
	while (ks->nbdims < 3) {
		size_t best = m, d;

		for (i = 0; i < m; i++) {
			int used = 0;

			for (d = 0; d < ks->nbdims; d++)
				used |= ks->bdim[d] == i;
			if (!used && ks->nthr[i] > 0 && (best == m || ks->nthr[i] > ks->nthr[best]))
				best = i;
		}
		if (best == m)
			break;
		ks->bdim[ks->nbdims] = best;
		ks->blevels[ks->nbdims] = ks->nthr[best] + 1 < 8 ? ks->nthr[best] + 1 : 8;
		ks->ncells *= ks->blevels[ks->nbdims];
		ks->nbdims++;
	}
done:
	lium_free(sample);
	lium_free(thr);
	return st;
}

/* qsort has no context argument; the sort runs on a copy of what it needs. */
typedef struct sortrec {
	double score;
	const double *row;
	size_t index;
	size_t m;
} sortrec;

static int cmp_sortrec(const void *pa, const void *pb)
{
	const sortrec *a = pa, *b = pb;
	size_t i;

	if (a->score > b->score)
		return -1;
	if (a->score < b->score)
		return 1;
	/* Equal scores (rounding, or equal rows): lexicographically larger
	 * first, so that a dominator still precedes what it dominates. */
	for (i = 0; i < a->m; i++) {
		if (a->row[i] > b->row[i])
			return -1;
		if (a->row[i] < b->row[i])
			return 1;
	}
	return a->index < b->index ? -1 : a->index > b->index;
}

static lium_status keyset_build(keyset *ks, const double *values, size_t n, size_t m,
				const lium_pareto_dim *dims, int want_order)
{
	dimkey dk[LIUM_PARETO_MAX_DIMS];
	double lo[LIUM_PARETO_MAX_DIMS], hi[LIUM_PARETO_MAX_DIMS];
	sortrec *recs = NULL;
	size_t r, i;

	memset(ks, 0, sizeof(*ks));
	ks->n = n;
	ks->m = m;
	if (n > ((size_t)-1) / sizeof(double) / m)
		return LIUM_ENOMEM;
	ks->keys = lium_malloc(n * m * sizeof(double));
	if (!ks->keys)
		return LIUM_ENOMEM;
	dimkeys_init(dk, m, dims);
	for (i = 0; i < m; i++) {
		lo[i] = D_INF;
		hi[i] = -D_INF;
	}
	for (r = 0; r < n; r++) {
		double *row = ks->keys + r * m;

		for (i = 0; i < m; i++) {
			double k = key_of(values[r * m + i], &dk[i]);

			row[i] = k;
			if (isfinite(k)) {
				if (k < lo[i])
					lo[i] = k;
				if (k > hi[i])
					hi[i] = k;
			}
		}
	}
	if (!want_order)
		return LIUM_OK;

	ks->order = lium_malloc(n * sizeof(size_t));
	ks->score = lium_malloc(n * sizeof(double));
	recs = lium_malloc(n * sizeof(sortrec));
	if (!ks->order || !ks->score || !recs) {
		lium_free(recs);
		return LIUM_ENOMEM;
	}
	/* Normalising each dimension to [0, 1] keeps one large-valued metric
	 * (PCIe in MB/s) from drowning the others, which makes the presort a
	 * far better filter; infinities land just outside the range. */
	for (r = 0; r < n; r++) {
		const double *row = ks->keys + r * m;
		double s = 0.0;

		for (i = 0; i < m; i++) {
			double k = row[i];

			if (k == -D_INF)
				s -= 1.0;
			else if (k == D_INF)
				s += 2.0;
			else if (hi[i] > lo[i])
				s += (k - lo[i]) / (hi[i] - lo[i]);
		}
		recs[r].score = s;
		recs[r].row = row;
		recs[r].index = r;
		recs[r].m = m;
	}
	qsort(recs, n, sizeof(*recs), cmp_sortrec);
	for (r = 0; r < n; r++) {
		ks->order[r] = recs[r].index;
		ks->score[recs[r].index] = recs[r].score;
	}
	lium_free(recs);
	return keyset_codes(ks);
}

/* --- layers ----------------------------------------------------------------- */

/* A list of rows: their codes contiguous (the scan reads nothing else) and
 * their row numbers, for the full comparison of the few that pass. */
typedef struct rowlist {
	uint64_t *code;
	uint32_t *row;
	size_t count, cap;
} rowlist;

/* One layer.  Small layers are one list; a layer that grows past
 * BUCKET_AT rows is split into cells by the coarse levels of a few
 * dimensions, so that a query only scans the cells whose levels are all at
 * least the row's own (nothing else can dominate it).  The best key per
 * dimension rules out many queries without touching any member. */
typedef struct lyr {
	rowlist flat;
	rowlist *cells; /* NULL while flat */
	double best[LIUM_PARETO_MAX_DIMS];
	size_t count;
} lyr;

#define BUCKET_AT 256

static lium_status rowlist_add(rowlist *l, uint64_t code, uint32_t row)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		uint64_t *c = lium_realloc(l->code, cap * sizeof(*c));
		uint32_t *r;

		if (!c)
			return LIUM_ENOMEM;
		l->code = c;
		r = lium_realloc(l->row, cap * sizeof(*r));
		if (!r)
			return LIUM_ENOMEM;
		l->row = r;
		l->cap = cap;
	}
	l->code[l->count] = code;
	l->row[l->count] = row;
	l->count++;
	return LIUM_OK;
}

static void rowlist_free(rowlist *l)
{
	lium_free(l->code);
	lium_free(l->row);
	memset(l, 0, sizeof(*l));
}

/* Whether a row of the list dominates p.  The filter runs four codes at a
 * time without branching; the exact comparison only for those that pass. */
static int rowlist_dominates(const rowlist *l, const keyset *ks, const double *p, uint64_t pc)
{
	const uint64_t g = ks->guard, *c = l->code;
	size_t j = 0, k, n = l->count, m = ks->m;

	for (; j + 4 <= n; j += 4) {
		uint64_t x0 = ((c[j] | g) - pc) & g, x1 = ((c[j + 1] | g) - pc) & g;
		uint64_t x2 = ((c[j + 2] | g) - pc) & g, x3 = ((c[j + 3] | g) - pc) & g;

		if ((x0 == g) | (x1 == g) | (x2 == g) | (x3 == g)) {
			for (k = j; k < j + 4; k++)
				if (swar_could_dominate(c[k], pc, g) &&
				    key_dominates(ks->keys + (size_t)l->row[k] * m, p, m))
					return 1;
		}
	}
	for (; j < n; j++)
		if (swar_could_dominate(c[j], pc, g) &&
		    key_dominates(ks->keys + (size_t)l->row[j] * m, p, m))
			return 1;
	return 0;
}

/* Coarse level of a code on bucket dimension d. */
static size_t cell_level(const keyset *ks, uint64_t code, size_t d)
{
	size_t lvl = (size_t)(code >> (ks->bdim[d] * ks->lane)) & ((ks->levels) - 1);

	return lvl * ks->blevels[d] / (ks->nthr[ks->bdim[d]] + 1);
}

static size_t cell_of(const keyset *ks, uint64_t code)
{
	size_t d, id = 0, stride = 1;

	for (d = 0; d < ks->nbdims; d++) {
		id += cell_level(ks, code, d) * stride;
		stride *= ks->blevels[d];
	}
	return id;
}

static int layer_dominates(const lyr *l, const keyset *ks, const double *p, uint64_t pc)
{
	size_t j, d, from[3], at[3], id;

	/* p beats every member on some dimension: nobody here dominates it. */
	for (j = 0; j < ks->m; j++)
		if (p[j] > l->best[j])
			return 0;
	if (!l->cells)
		return rowlist_dominates(&l->flat, ks, p, pc);
	/* Visit the cells at or above p's coarse level on every bucket
	 * dimension, like an odometer. */
	for (d = 0; d < ks->nbdims; d++)
		from[d] = at[d] = cell_level(ks, pc, d);
	for (;;) {
		size_t stride = 1;

		id = 0;
		for (d = 0; d < ks->nbdims; d++) {
			id += at[d] * stride;
			stride *= ks->blevels[d];
		}
		if (l->cells[id].count && rowlist_dominates(&l->cells[id], ks, p, pc))
			return 1;
		for (d = 0; d < ks->nbdims; d++) {
			if (++at[d] < ks->blevels[d])
				break;
			at[d] = from[d];
		}
		if (d == ks->nbdims)
			return 0;
	}
}

static lium_status layer_add(lyr *l, const keyset *ks, uint32_t row)
{
	const double *p = ks->keys + (size_t)row * ks->m;
	uint64_t code = ks->code[row];
	lium_status st;
	size_t j;

	if (l->count == 0) {
		for (j = 0; j < ks->m; j++)
			l->best[j] = p[j];
	} else {
		for (j = 0; j < ks->m; j++)
			if (p[j] > l->best[j])
				l->best[j] = p[j];
	}
	l->count++;
	if (l->cells)
		return rowlist_add(&l->cells[cell_of(ks, code)], code, row);
	if ((st = rowlist_add(&l->flat, code, row)) != LIUM_OK)
		return st;
	if (l->flat.count >= BUCKET_AT && ks->ncells > 1) {
		if (!(l->cells = lium_calloc(ks->ncells, sizeof(rowlist))))
			return LIUM_ENOMEM;
		for (j = 0; j < l->flat.count; j++)
			if ((st = rowlist_add(&l->cells[cell_of(ks, l->flat.code[j])],
					      l->flat.code[j], l->flat.row[j])) != LIUM_OK)
				return st;
		rowlist_free(&l->flat);
	}
	return LIUM_OK;
}

static void layer_free(lyr *l, const keyset *ks)
{
	size_t c;

	rowlist_free(&l->flat);
	if (l->cells) {
		for (c = 0; c < ks->ncells; c++)
			rowlist_free(&l->cells[c]);
		lium_free(l->cells);
	}
}

static lium_status layers_of_keys(const keyset *ks, uint32_t max_layer, uint32_t *out)
{
	lyr *layers = NULL;
	size_t nlayers = 0, cap = 0, r, m = ks->m;
	lium_status st = LIUM_OK;

	for (r = 0; r < ks->n; r++) {
		size_t idx = ks->order[r];
		const double *p = ks->keys + idx * m;
		size_t lo = 0, hi = nlayers + 1;

		if (max_layer && hi > (size_t)max_layer + 1)
			hi = (size_t)max_layer + 1;
		/* Invariant: p is dominated by a member of layer lo (layer 0
		 * stands for "nothing") and by none of layer hi. */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (layer_dominates(&layers[mid - 1], ks, p, ks->code[idx]))
				lo = mid;
			else
				hi = mid;
		}
		if (max_layer && lo >= (size_t)max_layer) {
			out[idx] = 0;
			continue;
		}
		if (lo == nlayers) {
			if (nlayers == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				lyr *nl = lium_realloc(layers, ncap * sizeof(*nl));

				if (!nl) {
					st = LIUM_ENOMEM;
					goto done;
				}
				memset(nl + cap, 0, (ncap - cap) * sizeof(*nl));
				layers = nl;
				cap = ncap;
			}
			nlayers++;
		}
		if ((st = layer_add(&layers[lo], ks, (uint32_t)idx)) != LIUM_OK)
			goto done;
		out[idx] = (uint32_t)(lo + 1);
	}
done:
	for (r = 0; r < nlayers; r++)
		layer_free(&layers[r], ks);
	lium_free(layers);
	return st;
}

static lium_status check_args(const double *values, size_t n, size_t m, const lium_pareto_dim *dims,
			      const void *out, lium_error *err)
{
	if (n > 0 && (!values || !out))
		return lium_error_set(err, LIUM_EINVAL, "missing values or output");
	if (!dims_valid(m, dims))
		return lium_error_set(err, LIUM_EINVAL,
				      "need 1 to %d dimensions, each with a direction and a "
				      "finite tolerance >= 0",
				      LIUM_PARETO_MAX_DIMS);
	if ((uint64_t)n > UINT32_MAX)
		return lium_error_set(err, LIUM_EINVAL, "too many rows");
	return LIUM_OK;
}

lium_status lium_pareto_layers(const double *values, size_t n, size_t m,
			       const lium_pareto_dim *dims, uint32_t max_layer, uint32_t *layer,
			       lium_error *err)
{
	keyset ks;
	lium_status st;

	if ((st = check_args(values, n, m, dims, layer, err)) != LIUM_OK)
		return st;
	if (n == 0)
		return LIUM_OK;
	if ((st = keyset_build(&ks, values, n, m, dims, 1)) == LIUM_OK)
		st = layers_of_keys(&ks, max_layer, layer);
	keyset_free(&ks);
	if (st != LIUM_OK)
		return lium_error_set(err, st, "out of memory");
	return LIUM_OK;
}

lium_status lium_pareto_frontier(const double *values, size_t n, size_t m,
				 const lium_pareto_dim *dims, size_t *indices, size_t *count,
				 lium_error *err)
{
	uint32_t *layer;
	size_t i, k = 0;
	lium_status st;

	if (count)
		*count = 0;
	if (!count)
		return lium_error_set(err, LIUM_EINVAL, "missing count");
	if ((st = check_args(values, n, m, dims, indices, err)) != LIUM_OK)
		return st;
	if (n == 0)
		return LIUM_OK;
	if (!(layer = lium_malloc(n * sizeof(*layer))))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	if ((st = lium_pareto_layers(values, n, m, dims, 1, layer, err)) == LIUM_OK) {
		for (i = 0; i < n; i++)
			if (layer[i] == 1)
				indices[k++] = i;
		*count = k;
	}
	lium_free(layer);
	return st;
}

lium_status lium_pareto_find_dominator(const double *values, size_t n, size_t m,
				       const lium_pareto_dim *dims, size_t target,
				       size_t *dominator, uint32_t *better_mask, lium_error *err)
{
	keyset ks;
	size_t *cand = NULL, ncand = 0, r, best = 0;
	int best_bits = -1;
	const double *t;
	lium_status st;

	if (better_mask)
		*better_mask = 0;
	if ((st = check_args(values, n, m, dims, dominator, err)) != LIUM_OK)
		return st;
	if (!dominator || target >= n)
		return lium_error_set(err, LIUM_EINVAL, "target out of range");
	if ((st = keyset_build(&ks, values, n, m, dims, 0)) != LIUM_OK)
		return lium_error_set(err, st, "out of memory");
	if (!(cand = lium_malloc(n * sizeof(*cand)))) {
		keyset_free(&ks);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	t = ks.keys + target * m;
	for (r = 0; r < n; r++)
		if (key_dominates(ks.keys + r * m, t, m))
			cand[ncand++] = r;
	if (ncand == 0) {
		st = lium_error_set(err, LIUM_ENOTFOUND, "row %zu is on the frontier", target);
		goto done;
	}
	/* The dominators of the target that nothing else dominates are frontier
	 * members: whatever dominated one of them would dominate the target
	 * too (transitivity) and so be a candidate itself.  Of those, the one
	 * better on the most dimensions gives the most telling explanation. */
	for (r = 0; r < ncand; r++) {
		const double *c = ks.keys + cand[r] * m;
		size_t q;
		int dominated = 0, bits = 0;
		uint32_t mask;

		for (q = 0; q < ncand && !dominated; q++)
			dominated = key_dominates(ks.keys + cand[q] * m, c, m);
		if (dominated)
			continue;
		mask = compare_keys(c, t, m, &dominated);
		while (mask) {
			bits += (int)(mask & 1u);
			mask >>= 1;
		}
		if (bits > best_bits) {
			best_bits = bits;
			best = cand[r];
		}
	}
	*dominator = best;
	if (better_mask) {
		int dom;

		*better_mask = compare_keys(ks.keys + best * m, t, m, &dom);
	}
done:
	lium_free(cand);
	keyset_free(&ks);
	return st;
}

/* --- offers ------------------------------------------------------------------ */

static const struct {
	lium_metric metric;
	const char *name;
} metric_names[] = {
	{LIUM_METRIC_PRICE, "price"},     {LIUM_METRIC_VRAM, "vram"},
	{LIUM_METRIC_TFLOPS, "tflops"},   {LIUM_METRIC_MEMORY_BANDWIDTH, "membw"},
	{LIUM_METRIC_RAM, "ram"},         {LIUM_METRIC_DISK, "disk"},
	{LIUM_METRIC_NET_DOWN, "down"},   {LIUM_METRIC_NET_UP, "up"},
	{LIUM_METRIC_PCIE, "pcie"},       {LIUM_METRIC_PRICE_TOTAL, "price_total"},
	{LIUM_METRIC_GPU_COUNT, "count"}, {LIUM_METRIC_CPU_COUNT, "cpu"},
	{LIUM_METRIC_CUDA, "cuda"},       {LIUM_METRIC_PORTS, "ports"},
};

static const struct {
	const char *alias;
	lium_metric metric;
} metric_aliases[] = {
	{"price_gpu", LIUM_METRIC_PRICE},
	{"price_per_gpu", LIUM_METRIC_PRICE},
	{"memory_bandwidth", LIUM_METRIC_MEMORY_BANDWIDTH},
	{"bandwidth", LIUM_METRIC_MEMORY_BANDWIDTH},
	{"mem_bw", LIUM_METRIC_MEMORY_BANDWIDTH},
	{"net_down", LIUM_METRIC_NET_DOWN},
	{"download", LIUM_METRIC_NET_DOWN},
	{"net_up", LIUM_METRIC_NET_UP},
	{"upload", LIUM_METRIC_NET_UP},
	{"pcie_speed", LIUM_METRIC_PCIE},
	{"price_hour", LIUM_METRIC_PRICE_TOTAL},
	{"price_per_hour", LIUM_METRIC_PRICE_TOTAL},
	{"total_price", LIUM_METRIC_PRICE_TOTAL},
	{"gpu_count", LIUM_METRIC_GPU_COUNT},
	{"gpus", LIUM_METRIC_GPU_COUNT},
	{"cpu_count", LIUM_METRIC_CPU_COUNT},
	{"cpus", LIUM_METRIC_CPU_COUNT},
	{"cores", LIUM_METRIC_CPU_COUNT},
	{"max_cuda", LIUM_METRIC_CUDA},
	{"max_cuda_version", LIUM_METRIC_CUDA},
	{"vram_gb", LIUM_METRIC_VRAM},
	{"ram_gb", LIUM_METRIC_RAM},
	{"disk_gb", LIUM_METRIC_DISK},
};

const char *lium_metric_name(lium_metric metric)
{
	size_t i;

	for (i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++)
		if (metric_names[i].metric == metric)
			return metric_names[i].name;
	return "unknown";
}

lium_status lium_metric_parse(const char *name, lium_metric *out)
{
	size_t i;

	if (!name || !out)
		return LIUM_EINVAL;
	for (i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++) {
		if (lium__text_casecmp(name, metric_names[i].name) == 0) {
			*out = metric_names[i].metric;
			return LIUM_OK;
		}
	}
	for (i = 0; i < sizeof(metric_aliases) / sizeof(metric_aliases[0]); i++) {
		if (lium__text_casecmp(name, metric_aliases[i].alias) == 0) {
			*out = metric_aliases[i].metric;
			return LIUM_OK;
		}
	}
	return LIUM_ENOTFOUND;
}

lium_direction lium_metric_direction(lium_metric metric)
{
	return (metric == LIUM_METRIC_PRICE || metric == LIUM_METRIC_PRICE_TOTAL) ? LIUM_MINIMIZE
										  : LIUM_MAXIMIZE;
}

double lium_executor_metric(const lium_executor *e, lium_metric metric)
{
	if (!e)
		return D_NAN;
	switch (metric) {
	case LIUM_METRIC_PRICE:
		/* An unknown price is no bargain: the official client, too,
		 * ranks it as infinitely expensive. */
		return e->price_per_gpu > 0 ? e->price_per_gpu : D_INF;
	case LIUM_METRIC_PRICE_TOTAL:
		return e->price_per_hour > 0 ? e->price_per_hour : D_INF;
	case LIUM_METRIC_VRAM:
		return e->vram_gb;
	case LIUM_METRIC_TFLOPS:
		return e->tflops;
	case LIUM_METRIC_MEMORY_BANDWIDTH:
		return e->memory_bandwidth;
	case LIUM_METRIC_RAM:
		return e->ram_gb;
	case LIUM_METRIC_DISK:
		return e->disk_gb;
	case LIUM_METRIC_NET_DOWN:
		return e->net_down_mbps;
	case LIUM_METRIC_NET_UP:
		return e->net_up_mbps;
	case LIUM_METRIC_PCIE:
		return e->pcie_speed;
	case LIUM_METRIC_GPU_COUNT:
		return (double)e->gpu_count;
	case LIUM_METRIC_CPU_COUNT:
		return (double)e->cpu_count;
	case LIUM_METRIC_CUDA:
		return e->max_cuda_version > 0 ? e->max_cuda_version : D_NAN;
	case LIUM_METRIC_PORTS:
		return e->available_ports >= 0 ? (double)e->available_ports : D_NAN;
	case LIUM_METRIC__COUNT:
	default:
		return D_NAN;
	}
}

static const lium_criterion default_criteria[] = {
	{LIUM_METRIC_PRICE, LIUM_MINIMIZE, 0.0},
	{LIUM_METRIC_VRAM, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_TFLOPS, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_MEMORY_BANDWIDTH, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_RAM, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_DISK, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_NET_DOWN, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_NET_UP, LIUM_MAXIMIZE, 0.0},
	{LIUM_METRIC_PCIE, LIUM_MAXIMIZE, 0.0},
};

const lium_criterion *lium_offer_default_criteria(size_t *count)
{
	if (count)
		*count = sizeof(default_criteria) / sizeof(default_criteria[0]);
	return default_criteria;
}

/* The offers as a matrix, one column per criterion. */
static lium_status offers_matrix(const lium_executor *const *offers, size_t n,
				 const lium_criterion **criteria, size_t *ncriteria,
				 lium_pareto_dim *dims, double **values, lium_error *err)
{
	size_t r, c, m;
	double *v;

	*values = NULL;
	if (!*criteria)
		*criteria = lium_offer_default_criteria(ncriteria);
	m = *ncriteria;
	if (m < 1 || m > LIUM_PARETO_MAX_DIMS)
		return lium_error_set(err, LIUM_EINVAL, "need 1 to %d criteria",
				      LIUM_PARETO_MAX_DIMS);
	if (n > 0 && !offers)
		return lium_error_set(err, LIUM_EINVAL, "no offers given");
	for (c = 0; c < m; c++) {
		const lium_criterion *k = &(*criteria)[c];

		if ((int)k->metric < 0 || k->metric >= LIUM_METRIC__COUNT)
			return lium_error_set(err, LIUM_EINVAL, "unknown metric %d",
					      (int)k->metric);
		dims[c].direction = k->direction;
		dims[c].tolerance = k->tolerance;
	}
	if (!dims_valid(m, dims))
		return lium_error_set(
			err, LIUM_EINVAL,
			"each criterion needs a direction and a finite tolerance >= 0");
	if (n == 0)
		return LIUM_OK;
	if (n > ((size_t)-1) / sizeof(double) / m)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	if (!(v = lium_malloc(n * m * sizeof(double))))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	for (r = 0; r < n; r++)
		for (c = 0; c < m; c++)
			v[r * m + c] = lium_executor_metric(offers[r], (*criteria)[c].metric);
	*values = v;
	return LIUM_OK;
}

lium_status lium_offers_layers(const lium_executor *const *offers, size_t n,
			       const lium_criterion *criteria, size_t ncriteria, uint32_t max_layer,
			       uint32_t *layer, lium_error *err)
{
	lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
	double *values;
	lium_status st;

	if (n > 0 && !layer)
		return lium_error_set(err, LIUM_EINVAL, "no output array");
	if ((st = offers_matrix(offers, n, &criteria, &ncriteria, dims, &values, err)) != LIUM_OK)
		return st;
	if (n > 0)
		st = lium_pareto_layers(values, n, ncriteria, dims, max_layer, layer, err);
	lium_free(values);
	return st;
}

lium_status lium_offers_frontier(const lium_executor *const *offers, size_t n,
				 const lium_criterion *criteria, size_t ncriteria, size_t *indices,
				 size_t *count, lium_error *err)
{
	lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
	double *values;
	lium_status st;

	if (count)
		*count = 0;
	if (!count || (n > 0 && !indices))
		return lium_error_set(err, LIUM_EINVAL, "no output array");
	if ((st = offers_matrix(offers, n, &criteria, &ncriteria, dims, &values, err)) != LIUM_OK)
		return st;
	if (n > 0)
		st = lium_pareto_frontier(values, n, ncriteria, dims, indices, count, err);
	lium_free(values);
	return st;
}

lium_status lium_offers_explain(const lium_executor *const *offers, size_t n,
				const lium_criterion *criteria, size_t ncriteria, size_t target,
				size_t *dominator, uint32_t *better_mask, lium_error *err)
{
	lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
	double *values;
	lium_status st;

	if (better_mask)
		*better_mask = 0;
	if (!dominator || target >= n)
		return lium_error_set(err, LIUM_EINVAL, "target out of range");
	if ((st = offers_matrix(offers, n, &criteria, &ncriteria, dims, &values, err)) != LIUM_OK)
		return st;
	st = lium_pareto_find_dominator(values, n, ncriteria, dims, target, dominator, better_mask,
					err);
	lium_free(values);
	return st;
}
