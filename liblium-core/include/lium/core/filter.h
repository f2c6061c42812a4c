/*
 * liblium-core: the offer filter language.
 *
 *     gpu=H100 count>=4 price<=2.5 vram>=80 country in [US,DE] cuda>=12.4
 *
 * An expression is a list of conditions, separated by blanks (an `and` or
 * `&&` between them is allowed and changes nothing), that must all hold.  A
 * condition is `field op value` with op one of = != < <= > >= (also `==`, and
 * `:` for `=`), or `field in [a,b]` / `field notin [a,b]` (also `not in`).
 * `field=a,b` is short for `field in [a,b]`, `field!=a,b` for notin.  A
 * boolean field alone (`dind`) means `dind=true`.  Field names and keywords
 * are case-insensitive.  Values are bare words or quoted with '...' or "...".
 *
 * Fields (aliases in parentheses) and how they compare:
 *
 * - gpu (gpu_type, machine, model): = != in notin.  Matches the short type
 *   (H100, h100, RTX4090, "RTX 4090"), bare digits for a consumer card
 *   (4090 = RTX4090), or the full machine name ("NVIDIA H100 80GB HBM3"),
 *   ignoring case, blanks, '-' and '_'.  `*` and `?` are wildcards.
 * - count (gpus), cpu (cores), ports, pcie (MB/s), membw (GB/s), tflops:
 *   plain numbers.
 * - price (price_gpu; USD per GPU-hour), price_total (USD per hour): a
 *   number, optionally written `$2.50` or `2.5/h`.
 * - vram, ram, disk: sizes in GB as lium shows them (the official client's
 *   binary gigabytes, rounded to whole GB, so an "80GB" H100 reporting
 *   79.6 GiB has vram 80).  Units GB = GiB, TB = TiB = 1024 GB,
 *   MB = MiB = 1/1024 GB; a bare number is GB.
 * - down (net_down, download), up (net_up, upload): effective speed in Mbps;
 *   units Mbps, Gbps (1000), Kbps; a bare number is Mbps.
 * - cuda (max CUDA version), driver: versions compared piece by piece
 *   (`driver>=560`, `cuda>=12.4`).
 * - country (country_code, cc): the ISO code or the display name.
 * - city, region, tier, huid, id, status: text, case-insensitive, with `*`
 *   and `?` wildcards (`id=c0ffee*`).
 * - dind (docker_in_docker): true/false, yes/no, 1/0, on/off.
 * - uptime: a duration (`uptime>=2d`, `90m`); a bare number is minutes.
 *
 * Numbers are decimals (`2.5`, `.5`, an optional sign; no exponents) kept
 * exactly to six decimals (more are rounded), at most 1e12; they compare
 * with a relative slack of 1e-9.  A value the offer does not have (price 0,
 * unknown CUDA version or driver, ports -1, cpu 0, uptime 0) satisfies only
 * != and notin.
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

/**
 * Whether an offer satisfies every condition.
 *
 * @param[in] filter  a compiled filter; NULL gives 0
 * @param[in] e       the offer (values from lium_executor_finish()); NULL gives 0
 * @return 1 or 0.  Thread-safe: a filter may be shared by threads.
 */
LIUM_CORE_EXPORT int lium_filter_match(const lium_filter *filter, const lium_executor *e);

/**
 * Append the expression in normalised form to out: canonical field names,
 * numbers in the base unit (`vram>=2TB` gives `vram>=2048`), lists as
 * `in [a,b]`, text quoted where needed, conditions separated by one blank.
 * Parsing the result gives a filter that selects the same offers.
 *
 * @return LIUM_OK, LIUM_EINVAL (NULL argument), LIUM_ENOMEM
 */
LIUM_CORE_EXPORT lium_status lium_filter_to_string(const lium_filter *filter, lium_buf *out);

/** Free a filter; NULL is ignored. */
LIUM_CORE_EXPORT void lium_filter_free(lium_filter *filter);

/**
 * The canonical field names the language knows, in a fixed order (gpu,
 * count, price, price_total, vram, ram, disk, cpu, down, up, pcie, membw,
 * tflops, cuda, driver, country, city, region, tier, dind, ports, uptime,
 * huid, id, status); new names are only appended.
 *
 * @param[out] count  may be NULL; number of names
 * @return a static array of static strings.  Thread-safe.
 */
LIUM_CORE_EXPORT const char *const *lium_filter_fields(size_t *count);

LIUM_END_DECLS

#endif /* LIUM_CORE_FILTER_H */
