/*
 * liblium-core: Pareto frontier and non-dominated layers.
 *
 * Classic dominance over a chosen set of metrics, each minimised or
 * maximised, each with an optional relative tolerance: A dominates B when A
 * is nowhere worse than B by more than the tolerance and somewhere better by
 * more than it.  Layer 1 is the frontier (no point dominates it); layer k+1
 * is the frontier of what remains after removing layers 1..k.
 *
 * The generic functions work on a row-major matrix of doubles; the
 * lium_offers_* functions on executors with named metrics.  NaN counts as the
 * worst possible value of its metric.
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
	lium_direction direction;
	/**
	 * Relative tolerance, >= 0: values closer than tolerance * max(|a|,|b|)
	 * count as equal.  0 compares exactly.
	 */
	double tolerance;
} lium_pareto_dim;

/** The largest number of dimensions supported. */
#define LIUM_PARETO_MAX_DIMS 32

/**
 * Whether row a dominates row b.
 *
 * @param[in]  a, b         rows of m values
 * @param[in]  m            dimensions (1..LIUM_PARETO_MAX_DIMS)
 * @param[in]  dims         m dimensions
 * @param[out] better_mask  may be NULL; bit i set where a is better on dim i
 * @return 1 when a dominates b, else 0
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
 * @param[out] layer      n entries: 1 for the frontier, 2, 3, ...
 * @param[out] err        may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_pareto_layers(const double *values, size_t n, size_t m,
						const lium_pareto_dim *dims, uint32_t max_layer,
						uint32_t *layer, lium_error *err);

/**
 * The frontier: indices of the non-dominated rows, ascending.
 *
 * @param[out] indices  room for n indices
 * @param[out] count    number written
 */
LIUM_CORE_EXPORT lium_status lium_pareto_frontier(const double *values, size_t n, size_t m,
						  const lium_pareto_dim *dims, size_t *indices,
						  size_t *count, lium_error *err);

/**
 * One row that dominates row `target`, preferring one on the frontier.
 *
 * @param[out] dominator    its index
 * @param[out] better_mask  may be NULL; dims on which it is better
 * @return LIUM_OK, or LIUM_ENOTFOUND when target is on the frontier
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
	lium_metric metric;
	lium_direction direction;
	double tolerance; /**< relative, as in lium_pareto_dim */
} lium_criterion;

/** Short name of a metric ("price", "vram", "down", ...); static. */
LIUM_CORE_EXPORT const char *lium_metric_name(lium_metric metric);

/** Metric from its name (and a few aliases); LIUM_ENOTFOUND if unknown. */
LIUM_CORE_EXPORT lium_status lium_metric_parse(const char *name, lium_metric *out);

/** Natural direction of a metric (price: minimise, the rest: maximise). */
LIUM_CORE_EXPORT lium_direction lium_metric_direction(lium_metric metric);

/** The value of a metric for an offer (prices of 0 are +inf). */
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
 * Layers of offers (see lium_pareto_layers()).
 *
 * @param[in]  offers     n offers (e.g. `(const lium_executor *const *)list->items`)
 * @param[in]  criteria   NULL for the defaults
 * @param[in]  ncriteria  number of criteria (ignored when criteria is NULL)
 * @param[in]  max_layer  0 for all layers, 1 for just the frontier
 * @param[out] layer      n entries
 */
LIUM_CORE_EXPORT lium_status lium_offers_layers(const lium_executor *const *offers, size_t n,
						const lium_criterion *criteria, size_t ncriteria,
						uint32_t max_layer, uint32_t *layer,
						lium_error *err);

/**
 * Why offer `target` is not on the frontier: an offer that dominates it and
 * the criteria on which it is better (bit i = criteria[i]).
 *
 * @return LIUM_OK; LIUM_ENOTFOUND when target is on the frontier
 */
LIUM_CORE_EXPORT lium_status lium_offers_explain(const lium_executor *const *offers, size_t n,
						 const lium_criterion *criteria, size_t ncriteria,
						 size_t target, size_t *dominator,
						 uint32_t *better_mask, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_CORE_PARETO_H */
