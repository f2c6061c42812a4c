/*
 * Pareto frontier, layers and explanations: golden cases, the tolerance
 * rules, and property tests on random data (fixed seeds) checked against a
 * naive all-pairs reference.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

/* --- a small deterministic PRNG (splitmix64) ------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

/* --- reference: all pairs, repeated peeling --------------------------------- */

/* All pairs, once per data set, through the public pairwise function: the
 * fast algorithms must agree with it. */
typedef struct dommat {
	size_t n;
	unsigned char *d;
} dommat;

static dommat dommat_make(const double *v, size_t n, size_t m, const lium_pareto_dim *dims)
{
	dommat D;
	size_t a, b;

	D.n = n;
	D.d = malloc(n * n + 1);
	assert_non_null(D.d);
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			D.d[a * n + b] = (unsigned char)lium_pareto_dominates(v + a * m, v + b * m,
									      m, dims, NULL);
	return D;
}

static int dom(const dommat *D, size_t a, size_t b)
{
	return D->d[a * D->n + b];
}

static void naive_layers(const dommat *D, uint32_t *layer)
{
	size_t n = D->n, left = n, i, j;
	uint32_t k = 0;
	unsigned char *in_next = calloc(n, 1);

	assert_non_null(in_next);
	for (i = 0; i < n; i++)
		layer[i] = 0;
	while (left > 0) {
		k++;
		for (i = 0; i < n; i++) {
			int dominated = 0;

			in_next[i] = 0;
			if (layer[i])
				continue;
			for (j = 0; j < n && !dominated; j++)
				dominated = j != i && layer[j] == 0 && dom(D, j, i);
			in_next[i] = !dominated;
		}
		for (i = 0; i < n; i++) {
			if (in_next[i]) {
				layer[i] = k;
				left--;
			}
		}
	}
	free(in_next);
}

/* The properties the header promises, checked with all pairs. */
static void check_layer_properties(const dommat *D, const uint32_t *layer)
{
	size_t n = D->n, i, j;

	for (i = 0; i < n; i++) {
		int by_prev = 0;

		assert_true(layer[i] >= 1);
		for (j = 0; j < n; j++) {
			if (j == i || !dom(D, j, i))
				continue;
			/* Nobody in the same or a deeper layer dominates i. */
			assert_true(layer[j] < layer[i]);
			if (layer[j] == layer[i] - 1)
				by_prev = 1;
		}
		/* Layer k > 1: some member of layer k-1 dominates it. */
		if (layer[i] > 1)
			assert_true(by_prev);
	}
}

static void check_frontier_properties(const dommat *D, const size_t *front, size_t count)
{
	size_t n = D->n, i, j;
	unsigned char *on = calloc(n, 1);

	assert_non_null(on);
	for (i = 0; i < count; i++) {
		if (i > 0)
			assert_true(front[i] > front[i - 1]);
		on[front[i]] = 1;
	}
	for (i = 0; i < n; i++) {
		if (on[i]) {
			/* Nothing returned is dominated by anything. */
			for (j = 0; j < n; j++)
				assert_false(j != i && dom(D, j, i));
		} else {
			/* Everything dropped is dominated by a frontier row. */
			int found = 0;

			for (j = 0; j < count && !found; j++)
				found = dom(D, front[j], i);
			assert_true(found);
		}
	}
	free(on);
}

/* Random matrices of several shapes: continuous, few distinct values (many
 * ties), anti-correlated (large frontiers), with NaN and infinities. */
static double *random_matrix(size_t n, size_t m, int kind)
{
	double *v = malloc(n * m * sizeof(double));
	size_t r, c;

	assert_non_null(v);
	for (r = 0; r < n; r++) {
		double t = rng_unit();

		for (c = 0; c < m; c++) {
			double x;

			switch (kind) {
			case 0:
				x = rng_unit() * 100.0;
				break;
			case 1:
				x = (double)rng_below(4);
				break;
			case 2:
				/* Near the plane sum = const: many incomparable rows. */
				x = (c % 2 ? t : 1.0 - t) * 10.0 + rng_unit();
				break;
			default:
				x = rng_unit() * 10.0 - 5.0;
				if (rng_below(20) == 0)
					x = (double)NAN;
				else if (rng_below(30) == 0)
					x = rng_below(2) ? (double)INFINITY : -(double)INFINITY;
				else if (rng_below(10) == 0)
					x = 0.0;
				break;
			}
			v[r * m + c] = x;
		}
	}
	return v;
}

static void random_dims(lium_pareto_dim *dims, size_t m, int with_tolerance)
{
	size_t c;

	for (c = 0; c < m; c++) {
		dims[c].direction = rng_below(2) ? LIUM_MAXIMIZE : LIUM_MINIMIZE;
		dims[c].tolerance = with_tolerance ? 0.02 + 0.1 * rng_unit() : 0.0;
	}
}

/* --- tests --------------------------------------------------------------- */

static void test_pareto__dominates_basic(void **state)
{
	lium_pareto_dim d[3] = {{LIUM_MINIMIZE, 0}, {LIUM_MAXIMIZE, 0}, {LIUM_MAXIMIZE, 0}};
	double a[3] = {1.0, 80.0, 10.0}, b[3] = {2.0, 80.0, 10.0}, c[3] = {0.5, 40.0, 10.0};
	uint32_t mask = 99;

	(void)state;
	assert_true(lium_pareto_dominates(a, b, 3, d, &mask));
	assert_int_equal(mask, 1u); /* only the price is better */
	assert_false(lium_pareto_dominates(b, a, 3, d, &mask));
	assert_int_equal(mask, 0u);
	/* Incomparable: a has more VRAM, c is cheaper. */
	assert_false(lium_pareto_dominates(a, c, 3, d, &mask));
	assert_int_equal(mask, 2u);
	assert_false(lium_pareto_dominates(c, a, 3, d, &mask));
	assert_int_equal(mask, 1u);
	/* Equal rows never dominate each other. */
	assert_false(lium_pareto_dominates(a, a, 3, d, &mask));
	assert_int_equal(mask, 0u);
	/* Invalid arguments: not a dominance. */
	assert_false(lium_pareto_dominates(a, b, 0, d, NULL));
	assert_false(lium_pareto_dominates(a, b, LIUM_PARETO_MAX_DIMS + 1, d, NULL));
	assert_false(lium_pareto_dominates(NULL, b, 3, d, NULL));
	assert_false(lium_pareto_dominates(a, b, 3, NULL, NULL));
}

static void test_pareto__nan_is_worst(void **state)
{
	lium_pareto_dim dmax = {LIUM_MAXIMIZE, 0}, dmin = {LIUM_MINIMIZE, 0};
	double nan = (double)NAN, one = 1.0, ninf = -(double)INFINITY, pinf = (double)INFINITY;

	(void)state;
	assert_true(lium_pareto_dominates(&one, &nan, 1, &dmax, NULL));
	assert_false(lium_pareto_dominates(&nan, &one, 1, &dmax, NULL));
	assert_true(lium_pareto_dominates(&one, &nan, 1, &dmin, NULL));
	assert_false(lium_pareto_dominates(&nan, &one, 1, &dmin, NULL));
	/* NaN is as bad as the worst infinity, not worse. */
	assert_false(lium_pareto_dominates(&ninf, &nan, 1, &dmax, NULL));
	assert_false(lium_pareto_dominates(&nan, &ninf, 1, &dmax, NULL));
	/* A +inf price is as bad as an unknown (NaN) one. */
	assert_false(lium_pareto_dominates(&pinf, &nan, 1, &dmin, NULL));
	assert_false(lium_pareto_dominates(&nan, &pinf, 1, &dmin, NULL));
	assert_false(lium_pareto_dominates(&nan, &nan, 1, &dmax, NULL));
}

static void test_pareto__tolerance_grid(void **state)
{
	/* With 10 %, the grid lines are 1.1^k: 1.1^7 = 1.9487 and
	 * 1.1^8 = 2.1436, so 2.0 and 2.1 share a cell and 2.2 does not. */
	lium_pareto_dim d[2] = {{LIUM_MINIMIZE, 0.1}, {LIUM_MAXIMIZE, 0.0}};
	double a[2] = {2.1, 81.0}, b[2] = {2.0, 80.0}, c[2] = {2.2, 81.0};
	uint32_t mask;
	size_t i;

	(void)state;
	/* a is 5 % dearer (within tolerance) and has more VRAM: it wins. */
	assert_true(lium_pareto_dominates(a, b, 2, d, &mask));
	assert_int_equal(mask, 2u);
	/* c is 10 % dearer: a real difference, so no dominance either way. */
	assert_false(lium_pareto_dominates(c, b, 2, d, NULL));
	assert_false(lium_pareto_dominates(b, c, 2, d, NULL));

	/* Differences beyond tolerance * max(|a|,|b|) always count, for any
	 * magnitude and sign. */
	rng_state = 7;
	for (i = 0; i < 20000; i++) {
		lium_pareto_dim t = {rng_below(2) ? LIUM_MAXIMIZE : LIUM_MINIMIZE,
				     0.001 + 0.3 * rng_unit()};
		double x = (rng_unit() - 0.3) * pow(10.0, (double)rng_below(12) - 4.0);
		double y = x + (x >= 0 ? 1 : -1) * fabs(x) * t.tolerance * (1.0 + rng_unit());

		/* y is further from x than tolerance * max(|x|,|y|) only when
		 * it moved away from zero by more than that; recheck. */
		if (!(fabs(y - x) > t.tolerance * fmax(fabs(x), fabs(y))))
			continue;
		assert_true(lium_pareto_dominates(&x, &y, 1, &t, NULL) ||
			    lium_pareto_dominates(&y, &x, 1, &t, NULL));
	}
	/* Tiny tolerances compare exactly. */
	{
		lium_pareto_dim e = {LIUM_MAXIMIZE, 1e-15};
		double p = 1.0, q = 1.0 + 1e-14;

		assert_true(lium_pareto_dominates(&q, &p, 1, &e, NULL));
	}
}

static void test_pareto__tolerance_cycle_is_consistent(void **state)
{
	/* Under "within 10 % means equal" these three rows dominate each other
	 * in a cycle.  The grid keeps dominance transitive: there is a
	 * frontier, and the properties hold. */
	double v[9] = {121, 110, 100, 100, 121, 110, 110, 100, 121};
	lium_pareto_dim d[3] = {{LIUM_MAXIMIZE, 0.1}, {LIUM_MAXIMIZE, 0.1}, {LIUM_MAXIMIZE, 0.1}};
	size_t front[3], count = 0;
	uint32_t layer[3];

	dommat D = dommat_make(v, 3, 3, d);

	(void)state;
	assert_int_equal(lium_pareto_frontier(v, 3, 3, d, front, &count, NULL), LIUM_OK);
	assert_true(count >= 1);
	check_frontier_properties(&D, front, count);
	assert_int_equal(lium_pareto_layers(v, 3, 3, d, 0, layer, NULL), LIUM_OK);
	check_layer_properties(&D, layer);
	free(D.d);
}

static void test_pareto__layers_golden(void **state)
{
	/* price (min), vram (max) */
	double v[] = {
		1.0, 24,  /* 0: cheap, small         -> layer 1 */
		2.0, 80,  /* 1: mid                  -> layer 1 */
		4.0, 141, /* 2: dear, big            -> layer 1 */
		2.5, 80,  /* 3: dominated by 1       -> layer 2 */
		3.0, 48,  /* 4: dominated by 1 and 3 -> layer 3 */
		2.0, 80,  /* 5: equal to 1           -> layer 1 */
		5.0, 141, /* 6: dominated by 2       -> layer 2 */
		9.0, 10,  /* 7: dominated by all     -> layer 4 */
	};
	lium_pareto_dim d[2] = {{LIUM_MINIMIZE, 0}, {LIUM_MAXIMIZE, 0}};
	uint32_t layer[8], expect[8] = {1, 1, 1, 2, 3, 1, 2, 4}, capped[8];
	uint32_t expect_capped[8] = {1, 1, 1, 2, 0, 1, 2, 0};
	size_t front[8], count, dominator = 99, i;
	uint32_t mask;

	(void)state;
	assert_int_equal(lium_pareto_layers(v, 8, 2, d, 0, layer, NULL), LIUM_OK);
	for (i = 0; i < 8; i++)
		assert_int_equal(layer[i], expect[i]);
	assert_int_equal(lium_pareto_layers(v, 8, 2, d, 2, capped, NULL), LIUM_OK);
	for (i = 0; i < 8; i++)
		assert_int_equal(capped[i], expect_capped[i]);
	assert_int_equal(lium_pareto_frontier(v, 8, 2, d, front, &count, NULL), LIUM_OK);
	assert_int_equal(count, 4);
	assert_int_equal(front[0], 0);
	assert_int_equal(front[1], 1);
	assert_int_equal(front[2], 2);
	assert_int_equal(front[3], 5);

	/* Row 4 (3.0, 48) is dominated by 1, 3 and 5; 1 and 5 are on the
	 * frontier and better on both; the lower index wins. */
	assert_int_equal(lium_pareto_find_dominator(v, 8, 2, d, 4, &dominator, &mask, NULL),
			 LIUM_OK);
	assert_int_equal(dominator, 1);
	assert_int_equal(mask, 3u);
	/* Row 6 is dominated only by row 2, on price. */
	assert_int_equal(lium_pareto_find_dominator(v, 8, 2, d, 6, &dominator, &mask, NULL),
			 LIUM_OK);
	assert_int_equal(dominator, 2);
	assert_int_equal(mask, 1u);
	/* A frontier row has no dominator. */
	assert_int_equal(lium_pareto_find_dominator(v, 8, 2, d, 0, &dominator, &mask, NULL),
			 LIUM_ENOTFOUND);
}

static void test_pareto__presort_ties(void **state)
{
	/* The presort score is a sum of normalised values; with a huge range
	 * on the second dimension, rows 1 and 2 get exactly the same score
	 * although row 1 dominates row 2.  The tie must still put row 1 first. */
	double v[] = {10, 1e300, 5, 2, 5, 1, 0, 0};
	lium_pareto_dim d[2] = {{LIUM_MAXIMIZE, 0}, {LIUM_MAXIMIZE, 0}};
	uint32_t layer[4];

	(void)state;
	assert_int_equal(lium_pareto_layers(v, 4, 2, d, 0, layer, NULL), LIUM_OK);
	assert_int_equal(layer[0], 1);
	assert_int_equal(layer[1], 2);
	assert_int_equal(layer[2], 3);
	assert_int_equal(layer[3], 4);
}

static void test_pareto__invalid_arguments(void **state)
{
	double v[2] = {1, 2};
	lium_pareto_dim d = {LIUM_MAXIMIZE, 0}, bad = {LIUM_MAXIMIZE, -1};
	lium_pareto_dim nan_tol = {LIUM_MAXIMIZE, (double)NAN};
	lium_pareto_dim bad_dir = {(lium_direction)7, 0};
	uint32_t layer[2];
	size_t idx[2], count = 5, dominator;
	lium_error err;

	(void)state;
	assert_int_equal(lium_pareto_layers(v, 2, 1, &bad, 0, layer, &err), LIUM_EINVAL);
	assert_int_equal(err.code, LIUM_EINVAL);
	assert_int_equal(lium_pareto_layers(v, 2, 1, &nan_tol, 0, layer, NULL), LIUM_EINVAL);
	assert_int_equal(lium_pareto_layers(v, 2, 1, &bad_dir, 0, layer, NULL), LIUM_EINVAL);
	assert_int_equal(lium_pareto_layers(v, 2, 0, &d, 0, layer, NULL), LIUM_EINVAL);
	assert_int_equal(lium_pareto_layers(NULL, 2, 1, &d, 0, layer, NULL), LIUM_EINVAL);
	assert_int_equal(lium_pareto_layers(v, 2, 1, &d, 0, NULL, NULL), LIUM_EINVAL);
	assert_int_equal(lium_pareto_layers(NULL, 0, 1, &d, 0, NULL, NULL), LIUM_OK);
	assert_int_equal(lium_pareto_frontier(v, 0, 1, &d, idx, &count, NULL), LIUM_OK);
	assert_int_equal(count, 0);
	assert_int_equal(lium_pareto_frontier(v, 2, 1, &d, idx, NULL, NULL), LIUM_EINVAL);
	assert_int_equal(lium_pareto_find_dominator(v, 2, 1, &d, 2, &dominator, NULL, NULL),
			 LIUM_EINVAL);
	/* One dimension: the frontier is the best value, ties included. */
	assert_int_equal(lium_pareto_frontier(v, 2, 1, &d, idx, &count, NULL), LIUM_OK);
	assert_int_equal(count, 1);
	assert_int_equal(idx[0], 1);
}

/* Random data, every shape, with and without tolerances: the fast layers
 * equal the naive peeling exactly, and the stated properties hold. */
static void test_pareto__random_matches_naive(void **state)
{
	int round;

	(void)state;
	rng_state = 12345;
	for (round = 0; round < 48; round++) {
		size_t n = 1 + rng_below(160), m = 1 + rng_below(6), i;
		int kind = round % 4, tol = (round / 4) % 2;
		double *v = random_matrix(n, m, kind);
		lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
		uint32_t *fast = malloc(n * sizeof(uint32_t)), *slow = malloc(n * sizeof(uint32_t));
		uint32_t *capped = malloc(n * sizeof(uint32_t));
		size_t *front = malloc(n * sizeof(size_t)), count = 0, k = 0;

		assert_non_null(fast);
		assert_non_null(slow);
		assert_non_null(capped);
		assert_non_null(front);
		dommat D;

		random_dims(dims, m, tol);
		D = dommat_make(v, n, m, dims);
		assert_int_equal(lium_pareto_layers(v, n, m, dims, 0, fast, NULL), LIUM_OK);
		naive_layers(&D, slow);
		for (i = 0; i < n; i++)
			assert_int_equal(fast[i], slow[i]);
		check_layer_properties(&D, fast);

		assert_int_equal(lium_pareto_frontier(v, n, m, dims, front, &count, NULL), LIUM_OK);
		for (i = 0; i < n; i++)
			if (fast[i] == 1)
				assert_int_equal(front[k++], i);
		assert_int_equal(k, count);
		check_frontier_properties(&D, front, count);

		assert_int_equal(lium_pareto_layers(v, n, m, dims, 3, capped, NULL), LIUM_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(capped[i], fast[i] <= 3 ? fast[i] : 0);

		/* Every row off the frontier gets a frontier dominator. */
		for (i = 0; i < n; i++) {
			size_t dmt = n;
			uint32_t mask = 0, want;
			lium_status st =
				lium_pareto_find_dominator(v, n, m, dims, i, &dmt, &mask, NULL);

			if (fast[i] == 1) {
				assert_int_equal(st, LIUM_ENOTFOUND);
				continue;
			}
			assert_int_equal(st, LIUM_OK);
			assert_int_equal(fast[dmt], 1);
			assert_true(lium_pareto_dominates(v + dmt * m, v + i * m, m, dims, &want));
			assert_int_equal(mask, want);
		}
		free(D.d);
		free(v);
		free(fast);
		free(slow);
		free(capped);
		free(front);
	}
}

/* Many dimensions (the packed codes get narrower lanes), against the naive
 * reference. */
static void test_pareto__many_dimensions(void **state)
{
	static const size_t ms[] = {8, 9, 10, 12, 16, 21, 31, 32};
	size_t r;

	(void)state;
	rng_state = 4242;
	for (r = 0; r < sizeof(ms) / sizeof(ms[0]); r++) {
		size_t n = 150, m = ms[r], i;
		double *v = random_matrix(n, m, (int)(r % 4));
		lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
		uint32_t *fast = malloc(n * sizeof(uint32_t)), *slow = malloc(n * sizeof(uint32_t));
		dommat D;

		assert_non_null(fast);
		assert_non_null(slow);
		random_dims(dims, m, (int)(r % 2));
		D = dommat_make(v, n, m, dims);
		assert_int_equal(lium_pareto_layers(v, n, m, dims, 0, fast, NULL), LIUM_OK);
		naive_layers(&D, slow);
		for (i = 0; i < n; i++)
			assert_int_equal(fast[i], slow[i]);
		free(D.d);
		free(v);
		free(fast);
		free(slow);
	}
}

/* Larger inputs: the properties, checked with all pairs. */
static void test_pareto__random_large_properties(void **state)
{
	int round;

	(void)state;
	rng_state = 99;
	for (round = 0; round < 5; round++) {
		size_t n = 700, m = round == 4 ? 20 : 3 + (size_t)round * 2;
		double *v = random_matrix(n, m, round % 4);
		lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
		uint32_t *layer = malloc(n * sizeof(uint32_t));
		size_t *front = malloc(n * sizeof(size_t)), count = 0;

		assert_non_null(layer);
		assert_non_null(front);
		dommat D;

		random_dims(dims, m, round % 2);
		D = dommat_make(v, n, m, dims);
		assert_int_equal(lium_pareto_frontier(v, n, m, dims, front, &count, NULL), LIUM_OK);
		check_frontier_properties(&D, front, count);
		assert_int_equal(lium_pareto_layers(v, n, m, dims, 0, layer, NULL), LIUM_OK);
		check_layer_properties(&D, layer);
		free(D.d);
		free(v);
		free(layer);
		free(front);
	}
}

/* --- offers ---------------------------------------------------------------- */

typedef struct node {
	const char *id;
	double price, down, up, ram;
	const char *cc;
} node;

static lium_executor_list *make_offers(const node *nodes, size_t n)
{
	lium_executor_list *list = NULL;
	size_t i;

	assert_int_equal(lium_executor_list_new(&list), LIUM_OK);
	for (i = 0; i < n; i++) {
		lium_executor *e;

		assert_int_equal(lium_executor_list_add(list, &e), LIUM_OK);
		e->id = lium_strdup(nodes[i].id);
		e->machine_name = lium_strdup("NVIDIA H100 80GB HBM3");
		e->gpu_count = 1;
		e->vram_gb = 80;
		e->disk_gb = 10000;
		e->pcie_speed = 32000;
		e->memory_bandwidth = 3350;
		e->tflops = 989;
		e->price_per_gpu = nodes[i].price;
		e->net_down_mbps = nodes[i].down;
		e->net_up_mbps = nodes[i].up;
		e->ram_gb = nodes[i].ram;
		e->location.country_code = lium_strdup(nodes[i].cc);
		lium_executor_finish(e);
	}
	return list;
}

static void test_pareto__offers_reference_example(void **state)
{
	/* The five nodes of the API reference, section 14.4. */
	static const node nodes[] = {
		{"A", 2.00, 1000, 900, 1024, "US"}, {"B", 1.80, 1050, 900, 1024, "US"},
		{"C", 2.50, 1020, 900, 2048, "DE"}, {"D", 3.00, 1100, 1000, 1024, "FR"},
		{"E", 0.90, 80, 60, 1024, "US"},
	};
	lium_executor_list *list = make_offers(nodes, 5);
	const lium_executor *const *offers = (const lium_executor *const *)list->items;
	uint32_t layer[5], mask = 0;
	size_t front[5], count = 0, dominator = 99, ncrit = 0;
	const lium_criterion *crit = lium_offer_default_criteria(&ncrit);

	(void)state;
	assert_int_equal(ncrit, 9);
	assert_int_equal(crit[0].metric, LIUM_METRIC_PRICE);
	assert_int_equal(crit[0].direction, LIUM_MINIMIZE);
	assert_int_equal(lium_offers_layers(offers, 5, NULL, 0, 0, layer, NULL), LIUM_OK);
	/* Classic dominance: B beats A (cheaper, faster download); C (RAM),
	 * D (network) and E (price) are each best somewhere.  The official
	 * client also drops E for its 80 Mbps download (a known difference). */
	assert_int_equal(layer[0], 2);
	assert_int_equal(layer[1], 1);
	assert_int_equal(layer[2], 1);
	assert_int_equal(layer[3], 1);
	assert_int_equal(layer[4], 1);
	assert_int_equal(lium_offers_frontier(offers, 5, NULL, 0, front, &count, NULL), LIUM_OK);
	assert_int_equal(count, 4);
	assert_int_equal(lium_offers_explain(offers, 5, NULL, 0, 0, &dominator, &mask, NULL),
			 LIUM_OK);
	assert_int_equal(dominator, 1);
	/* Better on price (criterion 0) and download (criterion 6). */
	assert_int_equal(mask, (1u << 0) | (1u << 6));
	assert_int_equal(lium_offers_explain(offers, 5, NULL, 0, 1, &dominator, &mask, NULL),
			 LIUM_ENOTFOUND);

	/* Price only: E alone is best. */
	{
		lium_criterion price = {LIUM_METRIC_PRICE, LIUM_MINIMIZE, 0};

		assert_int_equal(lium_offers_frontier(offers, 5, &price, 1, front, &count, NULL),
				 LIUM_OK);
		assert_int_equal(count, 1);
		assert_int_equal(front[0], 4);
	}
	/* With a 10 % tolerance on download, B's 5 % edge over A no longer
	 * counts, but its price still does. */
	{
		lium_criterion c2[2] = {{LIUM_METRIC_PRICE, LIUM_MINIMIZE, 0},
					{LIUM_METRIC_NET_DOWN, LIUM_MAXIMIZE, 0.1}};

		assert_int_equal(lium_offers_explain(offers, 5, c2, 2, 0, &dominator, &mask, NULL),
				 LIUM_OK);
		assert_int_equal(dominator, 1);
		assert_int_equal(mask, 1u);
	}
	lium_executor_list_free(list);
}

static void test_pareto__offers_price_zero_is_worst(void **state)
{
	static const node nodes[] = {
		{"priced", 2.0, 1000, 900, 1024, "US"},
		{"unpriced", 0.0, 1000, 900, 1024, "US"},
	};
	lium_executor_list *list = make_offers(nodes, 2);
	const lium_executor *const *offers = (const lium_executor *const *)list->items;
	size_t front[2], count = 0, dominator = 9;
	uint32_t mask;

	(void)state;
	assert_true(isinf(lium_executor_metric(offers[1], LIUM_METRIC_PRICE)));
	assert_true(isinf(lium_executor_metric(offers[1], LIUM_METRIC_PRICE_TOTAL)));
	assert_int_equal(lium_offers_frontier(offers, 2, NULL, 0, front, &count, NULL), LIUM_OK);
	assert_int_equal(count, 1);
	assert_int_equal(front[0], 0);
	assert_int_equal(lium_offers_explain(offers, 2, NULL, 0, 1, &dominator, &mask, NULL),
			 LIUM_OK);
	assert_int_equal(dominator, 0);
	assert_int_equal(mask, 1u);
	lium_executor_list_free(list);
}

static void test_pareto__metric_names(void **state)
{
	int m;
	lium_metric got;

	(void)state;
	for (m = 0; m < LIUM_METRIC__COUNT; m++) {
		const char *name = lium_metric_name((lium_metric)m);

		assert_string_not_equal(name, "unknown");
		assert_int_equal(lium_metric_parse(name, &got), LIUM_OK);
		assert_int_equal(got, m);
	}
	assert_string_equal(lium_metric_name(LIUM_METRIC__COUNT), "unknown");
	assert_int_equal(lium_metric_parse("NET_DOWN", &got), LIUM_OK);
	assert_int_equal(got, LIUM_METRIC_NET_DOWN);
	assert_int_equal(lium_metric_parse("memory_bandwidth", &got), LIUM_OK);
	assert_int_equal(got, LIUM_METRIC_MEMORY_BANDWIDTH);
	assert_int_equal(lium_metric_parse("colour", &got), LIUM_ENOTFOUND);
	assert_int_equal(lium_metric_parse(NULL, &got), LIUM_EINVAL);
	assert_int_equal(lium_metric_direction(LIUM_METRIC_PRICE), LIUM_MINIMIZE);
	assert_int_equal(lium_metric_direction(LIUM_METRIC_PRICE_TOTAL), LIUM_MINIMIZE);
	assert_int_equal(lium_metric_direction(LIUM_METRIC_VRAM), LIUM_MAXIMIZE);
	assert_true(isnan(lium_executor_metric(NULL, LIUM_METRIC_VRAM)));
}

static void test_pareto__offers_invalid(void **state)
{
	lium_criterion bad = {LIUM_METRIC__COUNT, LIUM_MAXIMIZE, 0};
	lium_criterion neg = {LIUM_METRIC_VRAM, LIUM_MAXIMIZE, -0.5};
	lium_executor *e = NULL;
	const lium_executor *offers[1];
	uint32_t layer[1];
	size_t dominator;

	(void)state;
	assert_int_equal(lium_executor_new(&e), LIUM_OK);
	offers[0] = e;
	assert_int_equal(lium_offers_layers(offers, 1, &bad, 1, 0, layer, NULL), LIUM_EINVAL);
	assert_int_equal(lium_offers_layers(offers, 1, &neg, 1, 0, layer, NULL), LIUM_EINVAL);
	assert_int_equal(lium_offers_layers(offers, 1, NULL, 0, 0, NULL, NULL), LIUM_EINVAL);
	assert_int_equal(lium_offers_layers(offers, 1, NULL, 0, 0, layer, NULL), LIUM_OK);
	assert_int_equal(layer[0], 1);
	assert_int_equal(lium_offers_explain(offers, 1, NULL, 0, 1, &dominator, NULL, NULL),
			 LIUM_EINVAL);
	lium_executor_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pareto__dominates_basic),
		cmocka_unit_test(test_pareto__nan_is_worst),
		cmocka_unit_test(test_pareto__tolerance_grid),
		cmocka_unit_test(test_pareto__tolerance_cycle_is_consistent),
		cmocka_unit_test(test_pareto__layers_golden),
		cmocka_unit_test(test_pareto__presort_ties),
		cmocka_unit_test(test_pareto__invalid_arguments),
		cmocka_unit_test(test_pareto__random_matches_naive),
		cmocka_unit_test(test_pareto__many_dimensions),
		cmocka_unit_test(test_pareto__random_large_properties),
		cmocka_unit_test(test_pareto__offers_reference_example),
		cmocka_unit_test(test_pareto__offers_price_zero_is_worst),
		cmocka_unit_test(test_pareto__metric_names),
		cmocka_unit_test(test_pareto__offers_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
