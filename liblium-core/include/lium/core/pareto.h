/*
 * liblium-core: Pareto frontier and non-dominated layers.
 *
 * Classic dominance over a chosen set of metrics, each minimised or
 * maximised, each with an optional relative tolerance: A dominates B when A
 * is nowhere worse than B and somewhere better.  Layer 1 is the frontier (no
 * row dominates it); layer k+1 is the frontier of what remains after removing
 * layers 1..k.  Equivalently, a row's layer is the length of the longest
 * chain of dominators ending at it.
 *
 * Tolerances.  The tempting rule "values closer than tolerance * max(|a|,|b|)
 * count as equal" is not transitive: with 10 % tolerance the rows
 * (121, 110, 100), (100, 121, 110) and (110, 100, 121) dominate each other in
 * a cycle, so no row would be on the frontier at all.  lium keeps dominance
 * transitive instead by comparing values on a fixed geometric grid: with
 * tolerance t > 0 a value v is replaced by the index of its grid cell
 * [(1+t)^k, (1+t)^(k+1)) (mirrored for negative values; 0 is its own cell),
 * and two values in the same cell are equal.  Consequences, all tested:
 *
 * - values that differ by more than t * max(|a|,|b|) always compare as
 *   different; values that differ by less compare as equal unless a grid
 *   line lies between them;
 * - the result of comparing two rows never depends on the other rows, so
 *   lium_pareto_dominates(), the frontier, the layers and the explanation
 *   always agree with each other;
 * - everything off the frontier is dominated by a frontier row, nothing on
 *   it is dominated by any row, and every row of layer k > 1 is dominated by
 *   a row of layer k-1 and by no row of layer >= k.
 *
 * A tolerance below 1e-12 compares exactly.  NaN counts as the worst possible
 * value of its metric (equal to -inf when maximising, +inf when minimising).
 * Rows that are equal on every metric never dominate each other.
 *
 * Algorithm: rows are sorted once by a score every dominator beats, then
 * placed into layers in that order, finding each row's layer by binary
 * search over the layers built so far (sort-filter-skyline for the frontier;
 * ENS-BS for layers).  Comparisons go through a 64-bit code of quantised
 * values that rules out most non-dominating pairs with one subtraction, and
 * large layers are split into cells so that a row is only compared with the
 * cells that could dominate it.  Typical cost O(n log n + n * f) for a
 * frontier of f rows, with a small constant; 100 000 offers over the nine
 * default metrics take tens of milliseconds (tests/core/bench_pareto.c).
 *
 * Known difference from the official client (`lium ls`, API reference
 * section 14): its ordering is an ad-hoc relation (download speed first with
 * a 10 % band, special rules for equal prices, a US location bonus, a 100 Mbps
 * floor) that is neither transitive nor a Pareto order.  lium does not copy
 * it: it uses classic dominance on the criteria given (by default the nine of
 * lium_offer_default_criteria()), so its frontier can differ from the
 * official star markers.
 *
 * The generic functions work on a row-major matrix of doubles; the
 * lium_offers_* functions on executors with named metrics.  All functions are
 * thread-safe (they touch nothing but their arguments) and allocate only
 * temporary memory, through the lium allocator.
 */
#ifndef LIUM_CORE_PARETO_H
#define LIUM_CORE_PARETO_H

#include "buf.h"
#include "common.h"
#include "error.h"
#include "models.h"

LIUM_BEGIN_DECLS

/** Whether smaller or larger values are better. */
typedef enum lium_direction { LIUM_MINIMIZE = 0, LIUM_MAXIMIZE = 1 } lium_direction;

/** One dimension of the generic matrix. */
typedef struct lium_pareto_dim {
	lium_direction direction; /**< whether smaller or larger is better */
	/**
	 * Relative tolerance, finite and >= 0: values in the same cell of the
	 * geometric grid (1 + tolerance)^k count as equal (see the top of this
	 * header).  0 compares exactly.
	 */
	double tolerance;
} lium_pareto_dim;

/** The largest number of dimensions supported. */
#define LIUM_PARETO_MAX_DIMS 32

/**
 * Whether row a dominates row b, with the same comparison the frontier and
 * layer functions use.
 *
 * @param[in]  a, b         rows of m values; NULL gives 0
 * @param[in]  m            dimensions (1..LIUM_PARETO_MAX_DIMS)
 * @param[in]  dims         m dimensions
 * @param[out] better_mask  may be NULL; bit i set where a is better on dim i
 *                          (also when a does not dominate b)
 * @return 1 when a dominates b, else 0 (also for invalid arguments)
 */
LIUM_CORE_EXPORT int lium_pareto_dominates(const double *a, const double *b, size_t m,
					   const lium_pareto_dim *dims, uint32_t *better_mask);

/**
 * Non-dominated layers of n rows.
 *
 * @param[in]  values     n * m values, row-major
 * @param[in]  n          rows
 * @param[in]  m          dimensions (1..LIUM_PARETO_MAX_DIMS)
 * @param[in]  dims       m dimensions
 * @param[in]  max_layer  stop after this many layers (0 = all); rows beyond
 *                        get layer 0
 * @param[out] layer      n entries (caller-allocated): 1 for the frontier, 2, 3, ...
 * @param[out] err        may be NULL
 * @return LIUM_OK, LIUM_EINVAL (NULL pointer with n > 0, bad m or dims),
 *         LIUM_ENOMEM.  n = 0 succeeds and writes nothing.
 */
LIUM_CORE_EXPORT lium_status lium_pareto_layers(const double *values, size_t n, size_t m,
						const lium_pareto_dim *dims, uint32_t max_layer,
						uint32_t *layer, lium_error *err);

/**
 * The frontier: indices of the non-dominated rows, ascending.  Same as the
 * rows lium_pareto_layers() puts in layer 1, but cheaper.
 *
 * @param[in]  values, n, m, dims  as for lium_pareto_layers()
 * @param[out] indices  caller-allocated, room for n indices
 * @param[out] count    number written (>= 1 when n >= 1)
 * @param[out] err      may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_pareto_frontier(const double *values, size_t n, size_t m,
						  const lium_pareto_dim *dims, size_t *indices,
						  size_t *count, lium_error *err);

/**
 * One row that dominates row `target`.  It is always a frontier row (one
 * exists for every row off the frontier); among the frontier rows that
 * dominate the target, the one better on the most dimensions, then the
 * lowest index.  O(n * m) plus the dominators among themselves.
 *
 * @param[in]  values, n, m, dims  as for lium_pareto_layers()
 * @param[in]  target       row to explain, < n
 * @param[out] dominator    its index
 * @param[out] better_mask  may be NULL; dims on which it is better
 * @param[out] err          may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND when target is on the frontier;
 *         LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_pareto_find_dominator(const double *values, size_t n, size_t m,
							const lium_pareto_dim *dims, size_t target,
							size_t *dominator, uint32_t *better_mask,
							lium_error *err);

/** Metrics of an offer. */
typedef enum lium_metric {
	LIUM_METRIC_PRICE = 0,        /**< USD per GPU-hour (0 counts as +inf) */
	LIUM_METRIC_VRAM,             /**< GiB per GPU */
	LIUM_METRIC_TFLOPS,           /**< details[0].graphics_speed */
	LIUM_METRIC_MEMORY_BANDWIDTH, /**< details[0].memory_speed */
	LIUM_METRIC_RAM,              /**< GiB */
	LIUM_METRIC_DISK,             /**< GiB */
	LIUM_METRIC_NET_DOWN,         /**< effective Mbps */
	LIUM_METRIC_NET_UP,           /**< effective Mbps */
	LIUM_METRIC_PCIE,             /**< MB/s */
	LIUM_METRIC_PRICE_TOTAL,      /**< USD per hour (0 counts as +inf) */
	LIUM_METRIC_GPU_COUNT,
	LIUM_METRIC_CPU_COUNT,
	LIUM_METRIC_CUDA,  /**< max CUDA version */
	LIUM_METRIC_PORTS, /**< available ports */
	LIUM_METRIC__COUNT
} lium_metric;

/** A metric with its direction and tolerance. */
typedef struct lium_criterion {
	lium_metric metric;       /**< what is compared */
	lium_direction direction; /**< whether smaller or larger is better */
	double tolerance;         /**< relative, as in lium_pareto_dim */
} lium_criterion;

/**
 * Short name of a metric: "price", "vram", "tflops", "membw", "ram", "disk",
 * "down", "up", "pcie", "price_total", "count", "cpu", "cuda", "ports" (the
 * filter language's field names); "unknown" for other values.  Static.
 */
LIUM_CORE_EXPORT const char *lium_metric_name(lium_metric metric);

/**
 * Metric from its name or an alias ("net_down", "download", "price_gpu",
 * "memory_bandwidth", "gpus", ...), case-insensitive.
 *
 * @return LIUM_OK, LIUM_ENOTFOUND if unknown, LIUM_EINVAL for NULL
 */
LIUM_CORE_EXPORT lium_status lium_metric_parse(const char *name, lium_metric *out);

/** Natural direction of a metric (price: minimise, the rest: maximise). */
LIUM_CORE_EXPORT lium_direction lium_metric_direction(lium_metric metric);

/**
 * The value of a metric for an offer, in the unit of the model field.
 * Unknown values: a price of 0 is +inf (an unknown price is no bargain, as in
 * the official client); an unknown CUDA version (0) or port count (-1) is
 * NaN, i.e. the worst.  A NULL offer gives NaN.
 */
LIUM_CORE_EXPORT double lium_executor_metric(const lium_executor *e, lium_metric metric);

/**
 * The default criteria for offers: price per GPU-hour (min); VRAM, TFLOPS,
 * memory bandwidth, RAM, disk, network down, network up, PCIe (max); no
 * tolerance.
 *
 * @param[out] count  number of criteria (9)
 * @return a static array
 */
LIUM_CORE_EXPORT const lium_criterion *lium_offer_default_criteria(size_t *count);

/**
 * Layers of offers (see lium_pareto_layers()), metric values from
 * lium_executor_metric().
 *
 * @param[in]  offers     n offers (e.g. `(const lium_executor *const *)list->items`)
 * @param[in]  criteria   NULL for the defaults
 * @param[in]  ncriteria  number of criteria (ignored when criteria is NULL)
 * @param[in]  max_layer  0 for all layers, 1 for just the frontier
 * @param[out] layer      n entries (caller-allocated)
 * @param[out] err        may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_offers_layers(const lium_executor *const *offers, size_t n,
						const lium_criterion *criteria, size_t ncriteria,
						uint32_t max_layer, uint32_t *layer,
						lium_error *err);

/**
 * The frontier of offers: indices (ascending) of the offers no other offer
 * dominates.
 *
 * @param[in]  offers, n, criteria, ncriteria  as for lium_offers_layers()
 * @param[out] indices  caller-allocated, room for n indices
 * @param[out] count    number written
 * @param[out] err      may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_offers_frontier(const lium_executor *const *offers, size_t n,
						  const lium_criterion *criteria, size_t ncriteria,
						  size_t *indices, size_t *count, lium_error *err);

/**
 * Why offer `target` is not on the frontier: a frontier offer that dominates
 * it (see lium_pareto_find_dominator()) and the criteria on which it is
 * better (bit i = criteria[i], or the i-th default criterion).
 *
 * @param[in]  offers, n, criteria, ncriteria  as for lium_offers_layers()
 * @param[in]  target       index of the offer to explain, < n
 * @param[out] dominator    index of the dominating offer
 * @param[out] better_mask  may be NULL
 * @param[out] err          may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND when target is on the frontier;
 *         LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_offers_explain(const lium_executor *const *offers, size_t n,
						 const lium_criterion *criteria, size_t ncriteria,
						 size_t target, size_t *dominator,
						 uint32_t *better_mask, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_CORE_PARETO_H */
