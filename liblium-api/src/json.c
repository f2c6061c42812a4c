/*
 * Tolerant JSON decoding with field paths, list streaming, and the small
 * encoding helpers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

void lium__jd_init(lium__jd *d, lium_error *err)
{
	d->err = err;
	d->path[0] = '\0';
	d->len = 0;
}

static void path_append(lium__jd *d, const char *s)
{
	size_t n = strlen(s);

	/* A path too deep to keep is cut; the message still names its start. */
	if (d->len + n >= sizeof(d->path))
		n = sizeof(d->path) - 1 - d->len;
	memcpy(d->path + d->len, s, n);
	d->len += n;
	d->path[d->len] = '\0';
}

size_t lium__jd_push_key(lium__jd *d, const char *key)
{
	size_t mark = d->len;

	if (d->len)
		path_append(d, ".");
	path_append(d, key);
	return mark;
}

size_t lium__jd_push_index(lium__jd *d, size_t index)
{
	size_t mark = d->len;
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "[%zu]", index);
	path_append(d, tmp);
	return mark;
}

void lium__jd_pop(lium__jd *d, size_t mark)
{
	d->len = mark;
	d->path[mark] = '\0';
}

lium_status lium__jd_fail(lium__jd *d, const char *key, const char *what)
{
	size_t mark = d->len;

	if (key)
		lium__jd_push_key(d, key);
	if (d->err) {
		if (d->len)
			lium_error_set(d->err, LIUM_EPARSE, "%s: %s", d->path, what);
		else
			lium_error_set(d->err, LIUM_EPARSE, "%s", what);
		memcpy(d->err->path, d->path, d->len + 1);
	}
	lium__jd_pop(d, mark);
	return LIUM_EPARSE;
}

lium_status lium__jd_nomem(lium__jd *d)
{
	return lium_error_set(d->err, LIUM_ENOMEM, "out of memory while decoding");
}

static json_t *member(json_t *obj, const char *key)
{
	json_t *v;

	if (!obj || !json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return (v && json_is_null(v)) ? NULL : v;
}

/* Parse a whole string as a number, blanks around allowed; 0 on failure. */
static int parse_number_text(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v))
		return 0;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end)
		return 0;
	*out = v;
	return 1;
}

static int is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

lium_status lium__jd_value_double(lium__jd *d, json_t *v, const char *key, double *out,
				  int *present)
{
	*present = 0;
	if (!v || json_is_null(v))
		return LIUM_OK;
	if (json_is_integer(v)) {
		*out = (double)json_integer_value(v);
	} else if (json_is_real(v)) {
		*out = json_real_value(v);
	} else if (json_is_string(v)) {
		/* Some servers send numbers as strings ("8", "12.8"); "" is absent. */
		if (is_blank(json_string_value(v)))
			return LIUM_OK;
		if (!parse_number_text(json_string_value(v), out))
			return lium__jd_fail(d, key, "expected a number");
	} else {
		return lium__jd_fail(d, key, "expected a number");
	}
	*present = 1;
	return LIUM_OK;
}

lium_status lium__jd_double(lium__jd *d, json_t *obj, const char *key, double *out)
{
	int present;
	double v = 0;
	lium_status st = lium__jd_value_double(d, member(obj, key), key, &v, &present);

	if (st == LIUM_OK && present)
		*out = v;
	return st;
}

/* An integral value in [lo, hi]; integers and integral reals or strings. */
static lium_status value_integer(lium__jd *d, json_t *v, const char *key, double lo, double hi,
				 const char *what, int64_t *out, int *present)
{
	double x = 0;
	lium_status st;

	*present = 0;
	if (v && json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if ((double)i < lo || (double)i > hi)
			return lium__jd_fail(d, key, what);
		*out = (int64_t)i;
		*present = 1;
		return LIUM_OK;
	}
	st = lium__jd_value_double(d, v, key, &x, present);
	if (st != LIUM_OK || !*present)
		return st;
	if (x != floor(x) || x < lo || x > hi) {
		*present = 0;
		return lium__jd_fail(d, key, what);
	}
	*out = (int64_t)x;
	return LIUM_OK;
}

lium_status lium__jd_int64(lium__jd *d, json_t *obj, const char *key, int64_t *out)
{
	int present;
	int64_t v = 0;
	lium_status st = value_integer(d, member(obj, key), key, -9.2e18, 9.2e18,
				       "expected an integer", &v, &present);

	if (st == LIUM_OK && present)
		*out = v;
	return st;
}

lium_status lium__jd_value_uint(lium__jd *d, json_t *v, const char *key, unsigned int *out,
				int *present)
{
	int64_t x = 0;
	lium_status st = value_integer(d, v, key, 0, 4294967295.0,
				       "expected a non-negative integer", &x, present);

	if (st == LIUM_OK && *present)
		*out = (unsigned int)x;
	return st;
}

lium_status lium__jd_uint(lium__jd *d, json_t *obj, const char *key, unsigned int *out)
{
	int present;
	unsigned int v = 0;
	lium_status st = lium__jd_value_uint(d, member(obj, key), key, &v, &present);

	if (st == LIUM_OK && present)
		*out = v;
	return st;
}

lium_status lium__jd_int(lium__jd *d, json_t *obj, const char *key, int *out)
{
	int present;
	int64_t v = 0;
	lium_status st = value_integer(d, member(obj, key), key, -2147483648.0, 2147483647.0,
				       "expected an integer", &v, &present);

	if (st == LIUM_OK && present)
		*out = (int)v;
	return st;
}

lium_status lium__jd_bool(lium__jd *d, json_t *obj, const char *key, int *out)
{
	json_t *v = member(obj, key);

	if (!v)
		return LIUM_OK;
	if (json_is_boolean(v)) {
		*out = json_is_true(v) ? 1 : 0;
		return LIUM_OK;
	}
	if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
		*out = (int)json_integer_value(v);
		return LIUM_OK;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "1")) {
			*out = 1;
			return LIUM_OK;
		}
		if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "0")) {
			*out = 0;
			return LIUM_OK;
		}
		if (!*s)
			return LIUM_OK;
	}
	return lium__jd_fail(d, key, "expected a boolean");
}

lium_status lium__jd_str(lium__jd *d, json_t *obj, const char *key, char **out)
{
	json_t *v = member(obj, key);
	char *s;

	if (!v)
		return LIUM_OK;
	if (json_is_string(v)) {
		s = lium_strndup(json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		char tmp[32];

		/* Ids and amounts sometimes arrive as numbers; keep their text. */
		snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
		s = lium_strdup(tmp);
	} else if (json_is_real(v)) {
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
		s = lium_strdup(tmp);
	} else {
		return lium__jd_fail(d, key, "expected a string");
	}
	if (!s)
		return lium__jd_nomem(d);
	lium_free(*out);
	*out = s;
	return LIUM_OK;
}

lium_status lium__jd_time(lium__jd *d, json_t *obj, const char *key, lium_time *out)
{
	json_t *v = member(obj, key);
	lium_time t;

	if (!v)
		return LIUM_OK;
	if (json_is_string(v)) {
		if (is_blank(json_string_value(v)))
			return LIUM_OK;
		if (lium_time_parse_iso8601(json_string_value(v), &t, NULL) != LIUM_OK)
			return lium__jd_fail(d, key, "expected an ISO 8601 time");
		*out = t;
		return LIUM_OK;
	}
	if (json_is_integer(v)) {
		*out = (lium_time)json_integer_value(v);
		return LIUM_OK;
	}
	return lium__jd_fail(d, key, "expected an ISO 8601 time");
}

lium_status lium__jd_obj(lium__jd *d, json_t *obj, const char *key, json_t **out)
{
	json_t *v = member(obj, key);

	*out = NULL;
	if (!v)
		return LIUM_OK;
	if (!json_is_object(v))
		return lium__jd_fail(d, key, "expected an object");
	*out = v;
	return LIUM_OK;
}

lium_status lium__jd_arr(lium__jd *d, json_t *obj, const char *key, json_t **out)
{
	json_t *v = member(obj, key);

	*out = NULL;
	if (!v)
		return LIUM_OK;
	if (!json_is_array(v))
		return lium__jd_fail(d, key, "expected a list");
	*out = v;
	return LIUM_OK;
}

/* --- whole documents ------------------------------------------------------ */

static lium_status syntax_error(lium_error *err, size_t base, const json_error_t *jerr)
{
	size_t pos = base + (jerr->position > 0 ? (size_t)jerr->position : 0);

	lium_error_set(err, LIUM_EPARSE, "invalid JSON at byte %zu: %s", pos, jerr->text);
	if (err)
		err->position = pos;
	return LIUM_EPARSE;
}

lium_status lium__json_parse(const char *json, size_t len, json_t **out, lium_error *err)
{
	json_error_t jerr;

	*out = NULL;
	if (!json || !len)
		return lium_error_set(err, LIUM_EPARSE, "empty response where JSON was expected");
	*out = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	if (!*out)
		return syntax_error(err, 0, &jerr);
	return LIUM_OK;
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static lium_status each_of_array(json_t *arr, void *list, lium__elem_fn fn, lium__jd *d)
{
	size_t i;
	json_t *v;
	lium_status st;

	json_array_foreach(arr, i, v)
	{
		size_t mark = lium__jd_push_index(d, i);

		st = fn(d, v, list);
		lium__jd_pop(d, mark);
		if (st != LIUM_OK)
			return st;
	}
	return LIUM_OK;
}

lium_status lium__decode_list(const char *json, size_t len, void *list, lium__elem_fn fn,
			      int lenient, lium_error *err)
{
	lium__jd d;
	size_t i, n = 0;
	json_error_t jerr;
	lium_status st;

	lium__jd_init(&d, err);
	if (!json)
		len = 0;
	i = skip_ws(json, len, 0);
	if (i == len)
		return lium_error_set(err, LIUM_EPARSE, "empty response where a list was expected");

	if (json[i] != '[') {
		json_t *doc, *items;

		st = lium__json_parse(json, len, &doc, err);
		if (st != LIUM_OK)
			return st;
		items = json_is_object(doc) ? json_object_get(doc, "items") : NULL;
		if (items && json_is_array(items)) {
			size_t mark = lium__jd_push_key(&d, "items");

			st = each_of_array(items, list, fn, &d);
			lium__jd_pop(&d, mark);
		} else if (items && !json_is_null(items)) {
			st = lium__jd_fail(&d, "items", "expected a list");
		} else if (lenient) {
			st = LIUM_OK;
		} else {
			st = lium__jd_fail(&d, NULL, "expected a list");
		}
		json_decref(doc);
		return st;
	}

	/*
	 * Element by element: only one element's tree exists at a time, so a
	 * 10k-executor listing never needs a tree of the whole document.
	 */
	i = skip_ws(json, len, i + 1);
	if (i < len && json[i] == ']') {
		i++;
	} else {
		for (;;) {
			json_t *elem;
			size_t mark;

			if (i >= len)
				return lium_error_set(err, LIUM_EPARSE,
						      "invalid JSON: the list ends early");
			elem = json_loadb(json + i, len - i,
					  JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
			if (!elem)
				return syntax_error(err, i, &jerr);
			i += (size_t)jerr.position;
			mark = lium__jd_push_index(&d, n);
			st = fn(&d, elem, list);
			lium__jd_pop(&d, mark);
			json_decref(elem);
			if (st != LIUM_OK)
				return st;
			n++;
			i = skip_ws(json, len, i);
			if (i < len && json[i] == ',') {
				i = skip_ws(json, len, i + 1);
				continue;
			}
			if (i < len && json[i] == ']') {
				i++;
				break;
			}
			lium_error_set(err, LIUM_EPARSE,
				       "invalid JSON at byte %zu: expected ',' or ']'", i);
			if (err)
				err->position = i;
			return LIUM_EPARSE;
		}
	}
	i = skip_ws(json, len, i);
	if (i != len) {
		lium_error_set(err, LIUM_EPARSE, "invalid JSON at byte %zu: data after the list",
			       i);
		if (err)
			err->position = i;
		return LIUM_EPARSE;
	}
	return LIUM_OK;
}

lium_status lium__decode_field_str(const char *json, size_t len, const char *key, lium_buf *out,
				   int required, lium_error *err)
{
	json_t *doc = NULL;
	char *s = NULL;
	lium__jd d;
	lium_status st;

	if (!out)
		return LIUM_OK;
	lium__jd_init(&d, err);
	if (!len && !required)
		return LIUM_OK;
	st = lium__json_parse(json, len, &doc, err);
	if (st != LIUM_OK)
		return st;
	if (!json_is_object(doc)) {
		st = lium__jd_fail(&d, NULL, "expected an object");
	} else {
		st = lium__jd_str(&d, doc, key, &s);
		if (st == LIUM_OK && !s && required)
			st = lium__jd_fail(&d, key, "missing");
		if (st == LIUM_OK && s)
			st = lium_buf_puts(out, s);
	}
	lium_free(s);
	json_decref(doc);
	return st;
}

/* --- encoding ----------------------------------------------------------- */

lium_status lium__json_dump(json_t *json, lium_buf *out, lium_error *err)
{
	size_t need;

	if (!json)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory building a request");
	need = json_dumpb(json, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!need)
		return lium_error_set(err, LIUM_EINVAL, "a request body could not be encoded");
	lium_buf_clear(out);
	if (lium_buf_grow(out, need) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory building a request");
	if (json_dumpb(json, out->ptr, need, JSON_COMPACT | JSON_ENCODE_ANY) != need)
		return lium_error_set(err, LIUM_EINVAL, "a request body could not be encoded");
	out->size = need;
	out->ptr[need] = '\0';
	return LIUM_OK;
}

json_t *lium__json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* --- URLs ---------------------------------------------------------------- */

static int unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

static lium_status put_encoded(lium_buf *b, const char *s, int plus_for_space)
{
	static const char hex[] = "0123456789ABCDEF";
	lium_status st = LIUM_OK;

	for (; *s && st == LIUM_OK; s++) {
		unsigned char ch = (unsigned char)*s;

		if (unreserved(ch)) {
			st = lium_buf_putc(b, (char)ch);
		} else if (ch == ' ' && plus_for_space) {
			st = lium_buf_putc(b, '+');
		} else {
			char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};

			st = lium_buf_put(b, esc, 3);
		}
	}
	return st;
}

lium_status lium__path_segment(lium_buf *b, const char *segment)
{
	lium_status st = lium_buf_putc(b, '/');

	return st ? st : put_encoded(b, segment, 0);
}

lium_status lium__query(lium_buf *b, const char *key, const char *value)
{
	lium_status st = lium_buf_putc(b, memchr(b->ptr ? b->ptr : "", '?', b->size) ? '&' : '?');

	if (st == LIUM_OK)
		st = put_encoded(b, key, 1);
	if (st == LIUM_OK)
		st = lium_buf_putc(b, '=');
	if (st == LIUM_OK)
		st = put_encoded(b, value ? value : "", 1);
	return st;
}

lium_status lium__query_double(lium_buf *b, const char *key, double value)
{
	char tmp[64];
	int prec;

	/* The shortest text that reads back as the same double, like Python;
	 * whole numbers without an exponent. */
	if (value == floor(value) && fabs(value) < 1e15) {
		snprintf(tmp, sizeof(tmp), "%.0f", value);
		return lium__query(b, key, tmp);
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, value);
		if (strtod(tmp, NULL) == value)
			break;
	}
	return lium__query(b, key, tmp);
}

lium_status lium__query_uint(lium_buf *b, const char *key, unsigned long value)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%lu", value);
	return lium__query(b, key, tmp);
}
