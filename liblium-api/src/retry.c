/*
 * Time, sleeping, randomness and the retry rules.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"

uint64_t lium__now_ms(lium_client *c)
{
	struct timespec ts;

	if (c->clock.monotonic_ms)
		return c->clock.monotonic_ms(c->clock.userdata);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t lium__realtime_s(lium_client *c)
{
	if (c->clock.realtime_s)
		return c->clock.realtime_s(c->clock.userdata);
	return (int64_t)time(NULL);
}

int lium__cancelled(const lium_client *c)
{
	return c->cancel && *c->cancel;
}

lium_status lium__sleep_ms(lium_client *c, uint64_t ms, lium_error *err)
{
	if (lium__cancelled(c))
		return lium_error_set(err, LIUM_ECANCELLED, "cancelled");
	if (c->clock.sleep_ms) {
		c->clock.sleep_ms(ms, c->clock.userdata);
	} else {
		/* Short slices, so that a raised cancel flag ends the wait soon. */
		while (ms > 0) {
			uint64_t slice = ms > 100 ? 100 : ms;
			struct timespec ts;

			ts.tv_sec = 0;
			ts.tv_nsec = (long)(slice * 1000000u);
			while (nanosleep(&ts, &ts) != 0)
				;
			ms -= slice;
			if (lium__cancelled(c))
				break;
		}
	}
	if (lium__cancelled(c))
		return lium_error_set(err, LIUM_ECANCELLED, "cancelled");
	return LIUM_OK;
}

uint32_t lium__random(lium_client *c)
{
	uint64_t x;

	if (c->clock.random_u32)
		return c->clock.random_u32(c->clock.userdata);
	/* xorshift64*: jitter needs spread, not unpredictability. */
	x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return (uint32_t)((x * 2685821657736338717ull) >> 32);
}

/* Uniform in [lo, hi]. */
static uint64_t uniform(lium_client *c, uint64_t lo, uint64_t hi)
{
	uint64_t span;

	if (hi <= lo)
		return lo;
	span = hi - lo + 1;
	return lo + (uint64_t)(((uint64_t)lium__random(c) * span) >> 32);
}

uint64_t lium__backoff_ms(lium_client *c, unsigned int attempt, uint64_t *prev_delay)
{
	uint64_t base = c->retry.base_delay_ms, cap = c->retry.max_delay_ms, exp = base, d;
	unsigned int i;

	for (i = 1; i < attempt && exp < cap; i++)
		exp *= 2;
	if (exp > cap)
		exp = cap;
	switch (c->retry.jitter) {
	case LIUM_JITTER_NONE:
		d = exp;
		break;
	case LIUM_JITTER_DECORRELATED: {
		uint64_t prev = (prev_delay && *prev_delay) ? *prev_delay : base;

		d = uniform(c, base, prev * 3);
		if (d > cap)
			d = cap;
		break;
	}
	case LIUM_JITTER_FULL:
	default:
		d = uniform(c, 0, exp);
		break;
	}
	if (prev_delay)
		*prev_delay = d;
	return d;
}

const char *lium__header_find(const lium_buf *headers, const char *name, size_t *len)
{
	const char *p = lium_buf_cstr(headers);
	size_t nlen = strlen(name);

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);

		if (llen > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			const char *end = p + llen;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
				end--;
			if (len)
				*len = (size_t)(end - v);
			return v;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}

static int month_index(const char *m)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int i;

	for (i = 0; i < 12; i++)
		if (strncasecmp(m, names[i], 3) == 0)
			return i + 1;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t lium__parse_retry_after(const char *value, int64_t now_s)
{
	char wk[16], mon[16], zone[16];
	int day, year, hh, mm, ss;
	const char *p = value;

	while (*p == ' ')
		p++;
	if (isdigit((unsigned char)*p)) {
		char *end;
		unsigned long long secs = strtoull(p, &end, 10);

		while (*end == ' ' || *end == '\r')
			end++;
		if (*end)
			return -1;
		if (secs > 86400ull * 365)
			secs = 86400ull * 365;
		return (int64_t)secs * 1000;
	}
	/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", and RFC 850 with a
	 * two-digit year, "Sunday, 06-Nov-94 08:49:37 GMT". */
	if (sscanf(p, "%15[A-Za-z], %d %15[A-Za-z] %d %d:%d:%d %15s", wk, &day, mon, &year, &hh,
		   &mm, &ss, zone) != 8 &&
	    sscanf(p, "%15[A-Za-z], %d-%15[A-Za-z]-%d %d:%d:%d %15s", wk, &day, mon, &year, &hh,
		   &mm, &ss, zone) != 8)
		return -1;
	if (year < 100)
		year += year < 70 ? 2000 : 1900;
	if (!month_index(mon) || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
	    strcmp(zone, "GMT") != 0)
		return -1;
	{
		int64_t when = days_from_civil(year, month_index(mon), day) * 86400 + hh * 3600 +
			       mm * 60 + ss;

		return when <= now_s ? 0 : (when - now_s) * 1000;
	}
}

int64_t lium__retry_after_ms(lium_client *c, const lium_http_response *resp)
{
	size_t len;
	const char *v = lium__header_find(&resp->headers, "Retry-After", &len);
	char tmp[64];

	if (!v || !len || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	return lium__parse_retry_after(tmp, lium__realtime_s(c));
}

/* CURLcode numbers, spelled out so the seam shares the meaning. */
int lium__transport_not_sent(long cause)
{
	return cause == CURLE_COULDNT_RESOLVE_PROXY || cause == CURLE_COULDNT_RESOLVE_HOST ||
	       cause == CURLE_COULDNT_CONNECT || cause == CURLE_SSL_CONNECT_ERROR;
}

int lium__transport_retryable(long cause)
{
	return lium__transport_not_sent(cause) || cause == CURLE_OPERATION_TIMEDOUT ||
	       cause == CURLE_GOT_NOTHING || cause == CURLE_SEND_ERROR ||
	       cause == CURLE_RECV_ERROR || cause == CURLE_PARTIAL_FILE || cause == CURLE_HTTP2 ||
	       cause == CURLE_HTTP2_STREAM;
}

int lium__status_retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}
