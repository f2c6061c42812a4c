/*
 * Times and durations: civil conversions, ISO 8601, durations, and the
 * "when" grammar of --until / --at.  No clock and no time zone database are
 * read; the caller passes "now" and the UTC offset.
 */
#include <string.h>

#include "lium/core/time.h"
#include "text_int.h"

/* Times beyond roughly 31 million years either way are clamped before the
 * civil conversion so that every intermediate fits and the year fits in an
 * int. */
#define TIME_CLAMP INT64_C(1000000000000000)

/* The longest duration accepted: 100 years.  Larger values are typing
 * mistakes, and the limit keeps now + duration far from overflow. */
#define DURATION_MAX (INT64_C(100) * 366 * 86400)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); valid for any year that fits, not just 1970-9999. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int64_t m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

lium_time lium_time_from_civil(const lium_civil *c)
{
	int64_t y, m;

	if (!c)
		return LIUM_TIME_NONE;
	/* Months outside 1-12 are carried into the year; days, hours, minutes
	 * and seconds out of range simply add up, so callers may write
	 * "day + 1" without normalising. */
	m = (int64_t)c->month - 1;
	y = (int64_t)c->year + floor_div(m, 12);
	m = m - floor_div(m, 12) * 12 + 1;
	return days_from_civil(y, m, 1) * 86400 + ((int64_t)c->day - 1) * 86400 +
	       (int64_t)c->hour * 3600 + (int64_t)c->minute * 60 + (int64_t)c->second;
}

void lium_time_to_civil(lium_time t, lium_civil *out)
{
	int64_t days, secs, y, m, d;

	if (!out)
		return;
	if (t > TIME_CLAMP)
		t = TIME_CLAMP;
	if (t < -TIME_CLAMP)
		t = -TIME_CLAMP;
	days = floor_div(t, 86400);
	secs = t - days * 86400;
	civil_from_days(days, &y, &m, &d);
	out->year = (int)y;
	out->month = (int)m;
	out->day = (int)d;
	out->hour = (int)(secs / 3600);
	out->minute = (int)(secs / 60 % 60);
	out->second = (int)(secs % 60);
}

/* --- durations ---------------------------------------------------------- */

static const struct {
	const char *name;
	int64_t seconds;
} duration_units[] = {
	{"s", 1},         {"sec", 1},        {"secs", 1},     {"second", 1},  {"seconds", 1},
	{"m", 60},        {"min", 60},       {"mins", 60},    {"minute", 60}, {"minutes", 60},
	{"h", 3600},      {"hr", 3600},      {"hrs", 3600},   {"hour", 3600}, {"hours", 3600},
	{"d", 86400},     {"day", 86400},    {"days", 86400}, {"w", 604800},  {"wk", 604800},
	{"week", 604800}, {"weeks", 604800},
};

static int64_t unit_seconds(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
		if (lium__text_ncaseeq(s, n, duration_units[i].name))
			return duration_units[i].seconds;
	return 0;
}

static lium_status parse_error_at(lium_error *err, size_t pos, const char *what)
{
	lium_error_set(err, LIUM_EPARSE, "%s at column %zu", what, pos + 1);
	if (err)
		err->position = pos;
	return LIUM_EPARSE;
}

/* Parses text[from..to) as a duration; positions in errors are offsets into
 * text. */
static lium_status duration_span(const char *text, size_t from, size_t to, int64_t *seconds,
				 lium_error *err)
{
	double total = 0.0;
	size_t i = from;
	int groups = 0;

	if (from >= to)
		return parse_error_at(err, from, "expected a duration such as 90m, 6h or 1h30m");
	while (i < to) {
		double v;
		size_t n = lium__text_number(text + i, &v), u;
		int64_t mult;

		if (n == 0 || i + n > to)
			return parse_error_at(err, i,
					      groups ? "expected a number after the last unit"
						     : "expected a number");
		i += n;
		while (i < to && lium__is_space(text[i]))
			i++;
		u = i;
		while (u < to && lium__is_alpha(text[u]))
			u++;
		if (u == i) {
			/* A lone number is minutes, as in the official client's
			 * --ttl; "1h30" is ambiguous and rejected. */
			if (i >= to && groups == 0) {
				total += v * 60.0;
				groups++;
				break;
			}
			return parse_error_at(err, i, "expected a unit (s, m, h, d or w)");
		}
		mult = unit_seconds(text + i, u - i);
		if (mult == 0) {
			lium_error_set(
				err, LIUM_EPARSE,
				"unknown unit '%.*s' at column %zu (expected s, m, h, d or w)",
				(int)(u - i > 16 ? 16 : u - i), text + i, i + 1);
			if (err)
				err->position = i;
			return LIUM_EPARSE;
		}
		total += v * (double)mult;
		groups++;
		i = u;
		while (i < to && lium__is_space(text[i]))
			i++;
		if (total > (double)DURATION_MAX)
			break;
	}
	if (!(total <= (double)DURATION_MAX))
		return parse_error_at(err, from, "duration is longer than 100 years");
	/* Round to the nearest second: 1.5d is exact, 0.1h is 360 s. */
	*seconds = (int64_t)(total + 0.5);
	if (*seconds <= 0)
		return parse_error_at(err, from, "duration must be at least one second");
	return LIUM_OK;
}

static void trim(const char *text, size_t *from, size_t *to)
{
	size_t a = 0, b = strlen(text);

	while (a < b && lium__is_space(text[a]))
		a++;
	while (b > a && lium__is_space(text[b - 1]))
		b--;
	*from = a;
	*to = b;
}

lium_status lium_duration_parse(const char *text, int64_t *seconds, lium_error *err)
{
	size_t from, to;
	int64_t s = 0;
	lium_status st;

	if (!text || !seconds)
		return lium_error_set(err, LIUM_EINVAL, "no duration given");
	trim(text, &from, &to);
	if ((st = duration_span(text, from, to, &s, err)) != LIUM_OK)
		return st;
	*seconds = s;
	return LIUM_OK;
}

lium_status lium_duration_format(int64_t seconds, lium_buf *out)
{
	static const struct {
		char unit;
		int64_t size;
	} units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
	uint64_t s;
	size_t i;
	lium_status st;

	if (!out)
		return LIUM_EINVAL;
	if (seconds < 0) {
		if ((st = lium_buf_putc(out, '-')) != LIUM_OK)
			return st;
		s = (uint64_t)(-(seconds + 1)) + 1u;
	} else {
		s = (uint64_t)seconds;
	}
	if (s == 0)
		return lium_buf_puts(out, "0s");
	for (i = 0; i < 4; i++) {
		uint64_t size = (uint64_t)units[i].size;

		if (s >= size) {
			uint64_t q = s / size, rest = s % size;

			if ((st = lium_buf_printf(out, "%llu%c", (unsigned long long)q,
						  units[i].unit)) != LIUM_OK)
				return st;
			/* Two units at most: "2d3h", not "2d3h4m5s". */
			if (i + 1 < 4) {
				uint64_t next = (uint64_t)units[i + 1].size;

				if (rest / next > 0)
					return lium_buf_printf(out, "%llu%c",
							       (unsigned long long)(rest / next),
							       units[i + 1].unit);
			}
			return LIUM_OK;
		}
	}
	return LIUM_OK;
}

/* --- ISO 8601 ------------------------------------------------------------ */

typedef struct datetime {
	lium_civil c;
	int has_time;
	int has_offset;
	int32_t offset; /* seconds east of UTC */
} datetime;

static lium_status expect_digits(const char *text, size_t *i, size_t n, int64_t *v,
				 const char *what, lium_error *err)
{
	size_t got = lium__text_uint(text + *i, n, n, v);

	if (got != n) {
		lium_error_set(err, LIUM_EPARSE, "expected %s at column %zu", what, *i + 1);
		if (err)
			err->position = *i;
		return LIUM_EPARSE;
	}
	*i += n;
	return LIUM_OK;
}

static lium_status expect_char(const char *text, size_t *i, char c, const char *what,
			       lium_error *err)
{
	if (text[*i] != c) {
		lium_error_set(err, LIUM_EPARSE, "expected %s at column %zu", what, *i + 1);
		if (err)
			err->position = *i;
		return LIUM_EPARSE;
	}
	(*i)++;
	return LIUM_OK;
}

static lium_status range_error(lium_error *err, size_t pos, const char *what)
{
	lium_error_set(err, LIUM_EPARSE, "%s out of range at column %zu", what, pos + 1);
	if (err)
		err->position = pos;
	return LIUM_EPARSE;
}

/* HH:MM[:SS[.frac]] at text[*i]. */
static lium_status parse_clock(const char *text, size_t *i, lium_civil *c, lium_error *err)
{
	int64_t hh, mm, ss = 0;
	size_t start = *i, n;
	lium_status st;

	/* One or two digits for the hour: "9:30" is as clear as "09:30". */
	n = lium__text_uint(text + *i, 1, 2, &hh);
	if (n == 0)
		return parse_error_at(err, *i, "expected an hour (HH:MM)");
	*i += n;
	if ((st = expect_char(text, i, ':', "':' after the hour", err)) != LIUM_OK)
		return st;
	if ((st = expect_digits(text, i, 2, &mm, "two digits of minutes", err)) != LIUM_OK)
		return st;
	if (text[*i] == ':') {
		(*i)++;
		if ((st = expect_digits(text, i, 2, &ss, "two digits of seconds", err)) != LIUM_OK)
			return st;
		if ((text[*i] == '.' || text[*i] == ',') && lium__is_digit(text[*i + 1])) {
			(*i)++;
			while (lium__is_digit(text[*i]))
				(*i)++;
		}
	}
	if (hh > 23)
		return range_error(err, start, "hour");
	if (mm > 59)
		return range_error(err, start + n + 1, "minute");
	if (ss > 60)
		return range_error(err, start + n + 4, "second");
	c->hour = (int)hh;
	c->minute = (int)mm;
	c->second = (int)ss;
	return LIUM_OK;
}

/* YYYY-MM-DD */
static lium_status parse_date(const char *text, size_t *i, lium_civil *c, lium_error *err)
{
	int64_t y, m, d;
	size_t start = *i;
	lium_status st;

	if ((st = expect_digits(text, i, 4, &y, "a four-digit year (YYYY-MM-DD)", err)) != LIUM_OK)
		return st;
	if ((st = expect_char(text, i, '-', "'-' after the year", err)) != LIUM_OK)
		return st;
	if ((st = expect_digits(text, i, 2, &m, "two digits of month", err)) != LIUM_OK)
		return st;
	if ((st = expect_char(text, i, '-', "'-' after the month", err)) != LIUM_OK)
		return st;
	if ((st = expect_digits(text, i, 2, &d, "two digits of day", err)) != LIUM_OK)
		return st;
	if (m < 1 || m > 12)
		return range_error(err, start + 5, "month");
	if (d < 1 || d > days_in_month(y, m))
		return range_error(err, start + 8, "day");
	c->year = (int)y;
	c->month = (int)m;
	c->day = (int)d;
	return LIUM_OK;
}

/* Z, +HH, +HHMM, +HH:MM (or -) at text[*i]; nothing there is no offset. */
static lium_status parse_offset(const char *text, size_t *i, datetime *dt, lium_error *err)
{
	int64_t oh, om = 0;
	size_t start = *i;
	int sign;
	lium_status st;

	if (text[*i] == 'Z' || text[*i] == 'z') {
		(*i)++;
		dt->has_offset = 1;
		dt->offset = 0;
		return LIUM_OK;
	}
	if (text[*i] != '+' && text[*i] != '-')
		return LIUM_OK;
	sign = text[*i] == '-' ? -1 : 1;
	(*i)++;
	if ((st = expect_digits(text, i, 2, &oh, "two digits of UTC offset hours", err)) != LIUM_OK)
		return st;
	if (text[*i] == ':') {
		(*i)++;
		if ((st = expect_digits(text, i, 2, &om, "two digits of UTC offset minutes",
					err)) != LIUM_OK)
			return st;
	} else if (lium__is_digit(text[*i])) {
		if ((st = expect_digits(text, i, 2, &om, "two digits of UTC offset minutes",
					err)) != LIUM_OK)
			return st;
	}
	if (oh > 23 || om > 59)
		return range_error(err, start, "UTC offset");
	dt->has_offset = 1;
	dt->offset = (int32_t)(sign * (oh * 3600 + om * 60));
	return LIUM_OK;
}

/* YYYY-MM-DD[(T|t| )HH:MM[:SS[.frac]]][offset] starting at text[*i]. */
static lium_status parse_datetime(const char *text, size_t *i, size_t end, datetime *dt,
				  lium_error *err)
{
	lium_status st;

	memset(dt, 0, sizeof(*dt));
	if ((st = parse_date(text, i, &dt->c, err)) != LIUM_OK)
		return st;
	if (*i < end && (text[*i] == 'T' || text[*i] == 't' || text[*i] == ' ')) {
		size_t sep = *i;

		(*i)++;
		while (text[sep] == ' ' && *i < end && text[*i] == ' ')
			(*i)++;
		if ((st = parse_clock(text, i, &dt->c, err)) != LIUM_OK)
			return st;
		dt->has_time = 1;
		while (*i < end && text[*i] == ' ' && *i + 1 < end &&
		       (text[*i + 1] == '+' || text[*i + 1] == '-' || text[*i + 1] == 'Z'))
			(*i)++;
		if ((st = parse_offset(text, i, dt, err)) != LIUM_OK)
			return st;
	}
	return LIUM_OK;
}

static lium_status trailing_error(lium_error *err, size_t pos)
{
	return parse_error_at(err, pos, "unexpected text after the time");
}

lium_status lium_time_parse_iso8601(const char *text, lium_time *out, lium_error *err)
{
	size_t from, to, i;
	datetime dt;
	lium_status st;

	if (!text || !out)
		return lium_error_set(err, LIUM_EINVAL, "no time given");
	trim(text, &from, &to);
	if (from == to)
		return parse_error_at(err, from, "expected a date (YYYY-MM-DD)");
	i = from;
	if ((st = parse_datetime(text, &i, to, &dt, err)) != LIUM_OK)
		return st;
	if (i != to)
		return trailing_error(err, i);
	/* No offset: UTC, as the official client reads naive API timestamps. */
	*out = lium_time_from_civil(&dt.c) - dt.offset;
	return LIUM_OK;
}

lium_status lium_time_format_iso8601(lium_time t, lium_buf *out)
{
	lium_civil c;

	if (!out)
		return LIUM_EINVAL;
	/* Four-digit years only: that is all RFC 3339 can express. */
	if (t == LIUM_TIME_NONE || t < INT64_C(-62167219200) || t > INT64_C(253402300799))
		return LIUM_EINVAL;
	lium_time_to_civil(t, &c);
	return lium_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", c.year, c.month, c.day,
			       c.hour, c.minute, c.second);
}

/* --- when ---------------------------------------------------------------- */

static lium_status not_future(lium_error *err, size_t pos, lium_time t, lium_time now)
{
	lium_buf b = LIUM_BUF_INIT, n = LIUM_BUF_INIT;

	if (lium_time_format_iso8601(t, &b) == LIUM_OK &&
	    lium_time_format_iso8601(now, &n) == LIUM_OK)
		lium_error_set(err, LIUM_EVALIDATION, "%s is not in the future (now is %s)",
			       lium_buf_cstr(&b), lium_buf_cstr(&n));
	else
		lium_error_set(err, LIUM_EVALIDATION, "the time is not in the future");
	if (err)
		err->position = pos;
	lium_buf_dispose(&b);
	lium_buf_dispose(&n);
	return LIUM_EVALIDATION;
}

static int starts_word(const char *s, size_t n, const char *word)
{
	size_t len = strlen(word);

	return n >= len && lium__text_ncaseeq(s, len, word) && (n == len || lium__is_space(s[len]));
}

/* Local midnight of the day containing `now`, as an instant. */
static lium_time local_midnight(lium_time now, int32_t utc_offset)
{
	int64_t local = now + utc_offset;

	return floor_div(local, 86400) * 86400 - utc_offset;
}

static int looks_like_date(const char *s, size_t n)
{
	return n >= 5 && lium__is_digit(s[0]) && lium__is_digit(s[1]) && lium__is_digit(s[2]) &&
	       lium__is_digit(s[3]) && s[4] == '-';
}

static int looks_like_clock(const char *s, size_t n)
{
	return (n >= 2 && lium__is_digit(s[0]) && s[1] == ':') ||
	       (n >= 3 && lium__is_digit(s[0]) && lium__is_digit(s[1]) && s[2] == ':');
}

lium_status lium_when_parse(const char *text, lium_time now, int32_t utc_offset, lium_time *out,
			    lium_error *err)
{
	size_t from, to, i;
	lium_time t;
	lium_status st;

	if (!text || !out)
		return lium_error_set(err, LIUM_EINVAL, "no time given");
	if (now == LIUM_TIME_NONE || now > TIME_CLAMP || now < -TIME_CLAMP || utc_offset > 86400 ||
	    utc_offset < -86400)
		return lium_error_set(err, LIUM_EINVAL, "current time or UTC offset out of range");
	trim(text, &from, &to);
	if (from == to)
		return parse_error_at(err, from,
				      "expected a duration (90m, 1h30m), a time (23:00, tomorrow "
				      "09:00) or a date (2026-12-01 18:00)");

	if (starts_word(text + from, to - from, "today") ||
	    starts_word(text + from, to - from, "tomorrow")) {
		int tomorrow = lium__lower(text[from + 2]) == 'm';
		lium_civil c = {1970, 1, 1, 0, 0, 0};

		i = from + (tomorrow ? 8 : 5);
		while (i < to && lium__is_space(text[i]))
			i++;
		if (i >= to)
			return parse_error_at(err, i, "expected a time (HH:MM)");
		if ((st = parse_clock(text, &i, &c, err)) != LIUM_OK)
			return st;
		if (i != to)
			return trailing_error(err, i);
		t = local_midnight(now, utc_offset) + (tomorrow ? 86400 : 0) + c.hour * 3600 +
		    c.minute * 60 + c.second;
		if (t <= now)
			return not_future(err, from, t, now);
		*out = t;
		return LIUM_OK;
	}

	if (looks_like_clock(text + from, to - from)) {
		lium_civil c = {1970, 1, 1, 0, 0, 0};

		i = from;
		if ((st = parse_clock(text, &i, &c, err)) != LIUM_OK)
			return st;
		if (i != to)
			return trailing_error(err, i);
		t = local_midnight(now, utc_offset) + c.hour * 3600 + c.minute * 60 + c.second;
		/* A bare clock time that has passed means the next one. */
		if (t <= now)
			t += 86400;
		*out = t;
		return LIUM_OK;
	}

	if (looks_like_date(text + from, to - from)) {
		datetime dt;

		i = from;
		if ((st = parse_datetime(text, &i, to, &dt, err)) != LIUM_OK)
			return st;
		if (i != to)
			return trailing_error(err, i);
		t = lium_time_from_civil(&dt.c) - (dt.has_offset ? dt.offset : utc_offset);
		if (t <= now)
			return not_future(err, from, t, now);
		*out = t;
		return LIUM_OK;
	}

	/* "in 2h" reads naturally in a shell and means the same as "2h". */
	i = from;
	if (starts_word(text + from, to - from, "in")) {
		i += 2;
		while (i < to && lium__is_space(text[i]))
			i++;
	}
	{
		int64_t secs = 0;
		lium_error sub;

		lium_error_clear(&sub);
		if ((st = duration_span(text, i, to, &secs, &sub)) != LIUM_OK) {
			lium_error_set(err, st,
				       "%s; expected a duration (90m, 1h30m), a time (23:00, "
				       "tomorrow 09:00) or a date (2026-12-01 18:00)",
				       sub.message);
			if (err)
				err->position = sub.position;
			return st;
		}
		*out = now + secs;
	}
	return LIUM_OK;
}
