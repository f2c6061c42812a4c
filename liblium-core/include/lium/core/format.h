/*
 * liblium-core: formatting of sizes, prices, spans and GPU names.
 */
#ifndef LIUM_CORE_FORMAT_H
#define LIUM_CORE_FORMAT_H

#include "buf.h"
#include "common.h"
#include "error.h"

LIUM_BEGIN_DECLS

/**
 * Append a decimal byte size: `512 B`, `1.0 KB`, `9.8 GB`, `80 GB`, `1.2 TB`
 * (1 GB = 1e9 bytes): one decimal below ten units, whole numbers above.
 *
 * @return LIUM_OK, LIUM_EINVAL (out NULL), LIUM_ENOMEM.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_format_bytes(uint64_t bytes, lium_buf *out);

/**
 * Append a binary byte size: `512 B`, `1.5 GiB`, `80 GiB` (1 GiB = 2^30
 * bytes), with the same rounding as lium_format_bytes().
 *
 * @return LIUM_OK, LIUM_EINVAL (out NULL), LIUM_ENOMEM.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_format_bytes_iec(uint64_t bytes, lium_buf *out);

/**
 * Append a price in USD with two decimals: `$2.10`; negative prices keep the
 * sign (`-$2.50`); a price that rounds to zero is `$0.00`; NaN and infinity
 * give `n/a`.
 *
 * @return LIUM_OK, LIUM_EINVAL (out NULL), LIUM_ENOMEM.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_format_price(double usd, lium_buf *out);

/**
 * Append an uptime or age the way `lium ps` shows it: `<m>m` (whole minutes)
 * under an hour, `<h.h>h` under a day, else `<d.d>d`.  Negative spans (a
 * clock running behind the server's) give `0m`.
 *
 * @return LIUM_OK, LIUM_EINVAL (out NULL), LIUM_ENOMEM.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_format_span(int64_t seconds, lium_buf *out);

/**
 * Parse a size with an optional unit: `80`, `80GB`, `1.5TB`, `512MiB`.
 * Units (any case, a blank before the unit is allowed): B, KB, MB, GB, TB,
 * PB (decimal, 1 GB = 1e9 bytes) and KiB, MiB, GiB, TiB, PiB (binary); a
 * bare number is bytes.  Surrounding blanks are ignored.  Locale-independent.
 *
 * @param[in]  text   e.g. "2TB"; not NULL
 * @param[out] bytes  the size in bytes; unchanged on failure
 * @param[out] err    may be NULL; on LIUM_EPARSE err->position is the byte
 *                    offset of the problem
 * @return LIUM_OK, LIUM_EPARSE, or LIUM_EINVAL (NULL argument).  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_parse_bytes(const char *text, double *bytes, lium_error *err);

/**
 * The short GPU type of a machine name, the way the official client derives
 * it: "NVIDIA GeForce RTX 4090" -> "RTX4090", "NVIDIA H100 80GB HBM3" ->
 * "H100", "NVIDIA RTX A6000" -> "A6000", "GH200" -> "H200"; otherwise the
 * last word; an empty name gives "Unknown".
 *
 * @param[in]  machine_name  may be NULL (gives "Unknown")
 * @param[out] out           the type, truncated to outsz - 1 bytes
 * @param[in]  outsz         size of out
 * @return 1 when one of the GPU rules matched, 0 when the last-word fallback
 *         (or "Unknown") was used.
 */
LIUM_CORE_EXPORT int lium_gpu_type_extract(const char *machine_name, char *out, size_t outsz);

LIUM_END_DECLS

#endif /* LIUM_CORE_FORMAT_H */
