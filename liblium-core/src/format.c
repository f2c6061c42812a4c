/*
 * Formatting of sizes, prices and spans, and parsing of sizes.
 */
#include <math.h>
#include <string.h>

#include "lium/core/format.h"
#include "text_int.h"

static lium_status format_size(uint64_t bytes, double base, const char *const *units, size_t nunits,
			       lium_buf *out)
{
	double v = (double)bytes;
	size_t u = 0;

	if (!out)
		return LIUM_EINVAL;
	if (bytes < (uint64_t)base)
		return lium_buf_printf(out, "%llu B", (unsigned long long)bytes);
	while (u + 1 < nunits && v >= base) {
		v /= base;
		u++;
	}
	/* One decimal below ten ("9.8 GB"), whole numbers above ("512 GB"); a
	 * value that rounds up to the base moves to the next unit so that
	 * 999.96 MB prints as 1.0 GB, not 1000 MB. */
	if (v < 9.95)
		return lium_buf_printf(out, "%.1f %s", v, units[u]);
	if (v >= base - 0.5 && u + 1 < nunits)
		return lium_buf_printf(out, "%.1f %s", v / base, units[u + 1]);
	return lium_buf_printf(out, "%.0f %s", v, units[u]);
}

lium_status lium_format_bytes(uint64_t bytes, lium_buf *out)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};

	return format_size(bytes, 1000.0, units, sizeof(units) / sizeof(units[0]), out);
}

lium_status lium_format_bytes_iec(uint64_t bytes, lium_buf *out)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

	return format_size(bytes, 1024.0, units, sizeof(units) / sizeof(units[0]), out);
}

lium_status lium_format_price(double usd, lium_buf *out)
{
	if (!out)
		return LIUM_EINVAL;
	if (isnan(usd) || isinf(usd))
		return lium_buf_puts(out, "n/a");
	/* Round first so that -0.001 prints as $0.00, not -$0.00. */
	usd = round(usd * 100.0) / 100.0;
	if (usd < 0)
		return lium_buf_printf(out, "-$%.2f", -usd);
	return lium_buf_printf(out, "$%.2f", usd + 0.0);
}

lium_status lium_format_span(int64_t seconds, lium_buf *out)
{
	if (!out)
		return LIUM_EINVAL;
	/* A creation time slightly in the future (clock skew) is "0m". */
	if (seconds < 0)
		seconds = 0;
	if (seconds < 3600)
		return lium_buf_printf(out, "%lldm", (long long)(seconds / 60));
	if (seconds < 86400)
		return lium_buf_printf(out, "%.1fh", (double)seconds / 3600.0);
	return lium_buf_printf(out, "%.1fd", (double)seconds / 86400.0);
}

static const struct {
	const char *name;
	double bytes;
} size_units[] = {
	{"b", 1.0},
	{"kb", 1e3},
	{"mb", 1e6},
	{"gb", 1e9},
	{"tb", 1e12},
	{"pb", 1e15},
	{"kib", 1024.0},
	{"mib", 1048576.0},
	{"gib", 1073741824.0},
	{"tib", 1099511627776.0},
	{"pib", 1125899906842624.0},
};

lium_status lium_parse_bytes(const char *text, double *bytes, lium_error *err)
{
	size_t i = 0, n, u;
	double v;

	if (!text || !bytes)
		return lium_error_set(err, LIUM_EINVAL, "no size given");
	while (lium__is_space(text[i]))
		i++;
	n = lium__text_number(text + i, &v);
	if (n == 0) {
		lium_error_set(err, LIUM_EPARSE, "expected a size such as 80GB at column %zu",
			       i + 1);
		if (err)
			err->position = i;
		return LIUM_EPARSE;
	}
	i += n;
	while (lium__is_space(text[i]))
		i++;
	u = i;
	while (lium__is_alpha(text[u]))
		u++;
	if (u > i) {
		size_t k;
		int found = 0;

		for (k = 0; k < sizeof(size_units) / sizeof(size_units[0]); k++) {
			if (lium__text_ncaseeq(text + i, u - i, size_units[k].name)) {
				v *= size_units[k].bytes;
				found = 1;
				break;
			}
		}
		if (!found) {
			lium_error_set(
				err, LIUM_EPARSE,
				"unknown size unit '%.*s' at column %zu (expected B, KB, MB, "
				"GB, TB, KiB, MiB, GiB or TiB)",
				(int)(u - i > 16 ? 16 : u - i), text + i, i + 1);
			if (err)
				err->position = i;
			return LIUM_EPARSE;
		}
	}
	i = u;
	while (lium__is_space(text[i]))
		i++;
	if (text[i] != '\0') {
		lium_error_set(err, LIUM_EPARSE, "unexpected text after the size at column %zu",
			       i + 1);
		if (err)
			err->position = i;
		return LIUM_EPARSE;
	}
	*bytes = v;
	return LIUM_OK;
}
