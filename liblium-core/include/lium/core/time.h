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
 * d, w (`90m`, `6h`, `2d`, `1h30m`, `1.5d`, `1h 30m`; also the words sec,
 * min, hr, hour(s), day(s), week(s)); a lone bare number is minutes, as for
 * the official client's --ttl.  Numbers may have decimals; the total is
 * rounded to the nearest second.  Case-insensitive, surrounding blanks
 * ignored, locale-independent.
 *
 * @param[in]  text     the duration; not NULL
 * @param[out] seconds  the duration in seconds, 1 s to 100 years; unchanged
 *                      on failure
 * @param[out] err      may be NULL; on LIUM_EPARSE err->position is the byte
 *                      offset of the problem and the message says what was
 *                      expected there
 * @return LIUM_OK, LIUM_EPARSE (also for zero, negative or over 100 years),
 *         or LIUM_EINVAL (NULL argument).  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_duration_parse(const char *text, int64_t *seconds,
						 lium_error *err);

/**
 * Append a duration in compact form: the largest unit and the next one when
 * it is not zero (`45s`, `5m`, `1m30s`, `1h30m`, `2d3h`; 3601 s is `1h`);
 * `0s` for zero; negative values get a leading `-`.
 *
 * @param[in]     seconds  any value
 * @param[in,out] out      appended to
 * @return LIUM_OK, LIUM_EINVAL (out NULL), LIUM_ENOMEM.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_duration_format(int64_t seconds, lium_buf *out);

/**
 * Parse an ISO 8601 / RFC 3339 timestamp as the Celium API sends them:
 * `2026-05-21T08:00:00Z`, `...T08:00:00.123456+00:00`, `...T08:00:00-05:00`,
 * `-0500` or `-05`, a space (or `t`) instead of `T`, seconds optional, or no
 * offset at all (taken as UTC, as the official client does).  A date alone
 * (`2026-05-21`) is midnight UTC.  Fractions of a second are dropped; a leap
 * second (`:60`) counts as the next second.  Surrounding blanks are ignored.
 *
 * @param[in]  text  the timestamp; not NULL
 * @param[out] out   the instant; unchanged on failure
 * @param[out] err   may be NULL; on LIUM_EPARSE err->position is the byte
 *                   offset of the problem
 * @return LIUM_OK, LIUM_EPARSE (also for a date or time out of range),
 *         LIUM_EINVAL (NULL argument).  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_time_parse_iso8601(const char *text, lium_time *out,
						     lium_error *err);

/**
 * Append a time as `YYYY-MM-DDTHH:MM:SS+00:00` (the form the Celium API
 * accepts for removal_scheduled_at).
 *
 * @param[in]     t    a time in years 0000-9999
 * @param[in,out] out  appended to
 * @return LIUM_OK; LIUM_EINVAL for LIUM_TIME_NONE, a year outside 0-9999 or
 *         out NULL; LIUM_ENOMEM.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_status lium_time_format_iso8601(lium_time t, lium_buf *out);

/**
 * Parse a point in time given by a person, for `--until` / `--at`:
 *
 * - a duration (`90m`, `6h`, `1h30m`, also `in 2h`): now + duration;
 * - `HH:MM[:SS]` or `today HH:MM`: today, local time; an `HH:MM` that has
 *   already passed today means tomorrow, `today HH:MM` in the past is an error;
 * - `tomorrow HH:MM[:SS]`: tomorrow, local time;
 * - `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`: local time;
 * - full ISO 8601 with `T` and an offset or `Z`: that instant.
 *
 * Keywords are case-insensitive.  Core reads no clock and no time zone
 * database: around a daylight-saving change, pass the offset that applies
 * at the resulting time if it matters.
 *
 * @param[in]  text        the text; not NULL
 * @param[in]  now         the current time
 * @param[in]  utc_offset  seconds east of UTC of the local zone (e.g. 3600
 *                         for CET); used for local-time forms
 * @param[out] out         the instant; unchanged on failure
 * @param[out] err         may be NULL; err->position is the byte offset of
 *                         the problem
 * @return LIUM_OK; LIUM_EPARSE for text that is not a time; LIUM_EVALIDATION
 *         when the result is not after `now`; LIUM_EINVAL for NULL, `now`
 *         LIUM_TIME_NONE or an offset beyond +-24 h.  Thread-safe.
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

/**
 * Convert broken-down UTC to a time (proleptic Gregorian calendar, any year
 * that fits, 1970-9999 tested day by day).  Fields out of range carry over
 * arithmetically: month 13 is January of the next year, day 32 of December
 * is January 1st, hour 24 the next day.
 *
 * @param[in] c  may be NULL (gives LIUM_TIME_NONE)
 * @return the time.  Thread-safe.
 */
LIUM_CORE_EXPORT lium_time lium_time_from_civil(const lium_civil *c);
/**
 * Convert a time to broken-down UTC (proleptic Gregorian).  Times beyond
 * about 31 million years either way are clamped.
 *
 * @param[in]  t    any time
 * @param[out] out  may be NULL (then nothing happens)
 */
LIUM_CORE_EXPORT void lium_time_to_civil(lium_time t, lium_civil *out);

LIUM_END_DECLS

#endif /* LIUM_CORE_TIME_H */
