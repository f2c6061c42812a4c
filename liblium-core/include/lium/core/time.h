/*
 * liblium-core: times, durations and their text forms.
 *
 * Core never reads a clock: the caller passes "now" (and, for local times,
 * the UTC offset) in.  Times are seconds since the Unix epoch, UTC.
 */
#ifndef LIUM_CORE_TIME_H
#define LIUM_CORE_TIME_H

#include "buf.h"
#include "common.h"
#include "error.h"

LIUM_BEGIN_DECLS

/** Seconds since 1970-01-01T00:00:00Z. */
typedef int64_t lium_time;

/** "No time": a field that was absent or null. */
#define LIUM_TIME_NONE INT64_MIN

/**
 * Parse a duration: one or more `<number><unit>` groups with units s, m, h,
 * d, w (`90m`, `6h`, `2d`, `1h30m`, `1.5d`); a bare number is minutes.
 * Case-insensitive, surrounding blanks ignored.
 *
 * @param[in]  text     the duration
 * @param[out] seconds  the duration in seconds, > 0
 * @param[out] err      may be NULL; position of the problem on LIUM_EPARSE
 * @return LIUM_OK, LIUM_EPARSE, or LIUM_EINVAL (NULL argument)
 */
LIUM_CORE_EXPORT lium_status lium_duration_parse(const char *text, int64_t *seconds,
						 lium_error *err);

/**
 * Format a duration compactly: `45s`, `5m`, `1h30m`, `2d3h`.
 */
LIUM_CORE_EXPORT lium_status lium_duration_format(int64_t seconds, lium_buf *out);

/**
 * Parse an ISO 8601 / RFC 3339 timestamp as the Celium API sends them:
 * `2026-05-21T08:00:00Z`, `...T08:00:00.123456+00:00`, `...T08:00:00-05:00`,
 * a space instead of `T`, or no offset at all (taken as UTC, as the official
 * client does).  A date alone (`2026-05-21`) is midnight UTC.  Fractions of
 * a second are dropped.
 */
LIUM_CORE_EXPORT lium_status lium_time_parse_iso8601(const char *text, lium_time *out,
						     lium_error *err);

/**
 * Format a time as `YYYY-MM-DDTHH:MM:SS+00:00` (the form the Celium API
 * accepts for removal_scheduled_at).
 */
LIUM_CORE_EXPORT lium_status lium_time_format_iso8601(lium_time t, lium_buf *out);

/**
 * Parse a point in time given by a person, for `--until` / `--at`:
 *
 * - a duration (`90m`, `6h`, `1h30m`): now + duration;
 * - `HH:MM[:SS]` or `today HH:MM`: today, local time; an `HH:MM` that has
 *   already passed today means tomorrow, `today HH:MM` in the past is an error;
 * - `tomorrow HH:MM[:SS]`: tomorrow, local time;
 * - `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`: local time;
 * - full ISO 8601 with `T` and an offset or `Z`: that instant.
 *
 * @param[in]  text        the text
 * @param[in]  now         the current time
 * @param[in]  utc_offset  seconds east of UTC of the local zone (e.g. 3600
 *                         for CET); used for local-time forms
 * @param[out] out         the instant
 * @param[out] err         may be NULL
 * @return LIUM_OK; LIUM_EPARSE for text that is not a time; LIUM_EVALIDATION
 *         when the result is not after `now`
 */
LIUM_CORE_EXPORT lium_status lium_when_parse(const char *text, lium_time now, int32_t utc_offset,
					     lium_time *out, lium_error *err);

/** Broken-down UTC time. */
typedef struct lium_civil {
	int year;   /**< e.g. 2026 */
	int month;  /**< 1-12 */
	int day;    /**< 1-31 */
	int hour;   /**< 0-23 */
	int minute; /**< 0-59 */
	int second; /**< 0-60 */
} lium_civil;

/** Convert broken-down UTC to a time (proleptic Gregorian). */
LIUM_CORE_EXPORT lium_time lium_time_from_civil(const lium_civil *c);
/** Convert a time to broken-down UTC. */
LIUM_CORE_EXPORT void lium_time_to_civil(lium_time t, lium_civil *out);

LIUM_END_DECLS

#endif /* LIUM_CORE_TIME_H */
