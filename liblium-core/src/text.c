/*
 * ASCII, locale-independent text helpers for the parsers.
 */
#include <stdarg.h>
#include <stdio.h>

#include "text_int.h"

int lium__text_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)lium__lower(*a++);
		cb = (unsigned char)lium__lower(*b++);
	} while (ca && ca == cb);
	return ca - cb;
}

int lium__text_ncaseeq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] == '\0' || lium__lower(a[i]) != lium__lower(b[i]))
			return 0;
	return b[n] == '\0';
}

static double pow10_of(unsigned int e)
{
	/* Powers up to 1e22 are exact doubles, so one correctly rounded
	 * multiplication or division gives the nearest double. */
	double r = 1.0;
	double base = 10.0;

	while (e) {
		if (e & 1u)
			r *= base;
		base *= base;
		e >>= 1;
	}
	return r;
}

size_t lium__text_number(const char *s, double *value)
{
	uint64_t mant = 0;
	int ndig = 0, exp10 = 0;
	size_t i = 0;
	int any = 0;
	double v;

	while (lium__is_digit(s[i])) {
		unsigned int d = (unsigned int)(s[i] - '0');

		any = 1;
		if (ndig < 19) {
			mant = mant * 10u + d;
			if (mant)
				ndig++;
		} else if (exp10 < 400) {
			exp10++;
		}
		i++;
	}
	if (s[i] == '.' && lium__is_digit(s[i + 1])) {
		i++;
		while (lium__is_digit(s[i])) {
			unsigned int d = (unsigned int)(s[i] - '0');

			any = 1;
			if (ndig < 19) {
				mant = mant * 10u + d;
				if (mant)
					ndig++;
				exp10--;
			}
			i++;
		}
	}
	if (!any)
		return 0;
	v = (double)mant;
	if (exp10 > 0)
		v *= pow10_of((unsigned int)exp10);
	else if (exp10 < 0)
		v /= pow10_of((unsigned int)-exp10);
	if (value)
		*value = v;
	return i;
}

size_t lium__text_uint(const char *s, size_t min_digits, size_t max_digits, int64_t *value)
{
	int64_t v = 0;
	size_t i = 0;

	while (i < max_digits && lium__is_digit(s[i])) {
		v = v * 10 + (s[i] - '0');
		i++;
	}
	if (i < min_digits)
		return 0;
	if (value)
		*value = v;
	return i;
}

lium_status lium__parse_fail(lium_error *err, size_t pos, const char *fmt, ...)
{
	char what[LIUM_ERROR_MESSAGE_MAX];
	va_list ap;

	if (!err)
		return LIUM_EPARSE;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	lium_error_set(err, LIUM_EPARSE, "%s at column %zu", what, pos + 1);
	err->position = pos;
	return LIUM_EPARSE;
}
