/*
 * The offer filter language: `gpu=H100 count>=4 price<=2.5 country in [US,DE]`.
 *
 * A hand-written scanner and recursive-descent parser compile the text into
 * a list of conditions; matching is a loop over them.  Every error names the
 * byte position and what was expected there.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lium/core/alloc.h"
#include "lium/core/filter.h"
#include "lium/core/time.h"
#include "text_int.h"

/* --- fields ------------------------------------------------------------- */

typedef enum ftype {
	FT_GPU,     /* GPU names: short type, bare digits, full machine name */
	FT_NUM,     /* plain number */
	FT_SIZE,    /* GB (as lium shows them), units GB TB MB GiB TiB MiB */
	FT_SPEED,   /* Mbps, units Mbps Gbps Kbps */
	FT_PRICE,   /* USD, optional '$' */
	FT_TEXT,    /* case-insensitive text, '*' and '?' wildcards */
	FT_COUNTRY, /* code or display name */
	FT_BOOL,    /* true/false, yes/no, 1/0, on/off */
	FT_VERSION, /* dotted numbers compared piece by piece */
	FT_MINUTES  /* a duration, compared in minutes */
} ftype;

typedef enum fid {
	F_GPU,
	F_COUNT,
	F_PRICE,
	F_PRICE_TOTAL,
	F_VRAM,
	F_RAM,
	F_DISK,
	F_CPU,
	F_DOWN,
	F_UP,
	F_PCIE,
	F_MEMBW,
	F_TFLOPS,
	F_CUDA,
	F_DRIVER,
	F_COUNTRY,
	F_CITY,
	F_REGION,
	F_TIER,
	F_DIND,
	F_PORTS,
	F_UPTIME,
	F_HUID,
	F_ID,
	F_STATUS,
	F__COUNT
} fid;

typedef struct field {
	const char *name;
	ftype type;
	const char *aliases; /* space-separated */
} field;

/* Indexed by fid. */
static const field fields[F__COUNT] = {
	{"gpu", FT_GPU, "gpu_type machine machine_name model"},
	{"count", FT_NUM, "gpus gpu_count"},
	{"price", FT_PRICE, "price_gpu price_per_gpu"},
	{"price_total", FT_PRICE, "total_price price_hour price_per_hour"},
	{"vram", FT_SIZE, "vram_gb"},
	{"ram", FT_SIZE, "ram_gb memory"},
	{"disk", FT_SIZE, "disk_gb storage"},
	{"cpu", FT_NUM, "cpus cores cpu_count"},
	{"down", FT_SPEED, "net_down download dl"},
	{"up", FT_SPEED, "net_up upload ul"},
	{"pcie", FT_NUM, "pcie_speed"},
	{"membw", FT_NUM, "memory_bandwidth bandwidth mem_bw"},
	{"tflops", FT_NUM, "flops"},
	{"cuda", FT_VERSION, "max_cuda cuda_version"},
	{"driver", FT_VERSION, "driver_version"},
	{"country", FT_COUNTRY, "country_code cc location loc"},
	{"city", FT_TEXT, ""},
	{"region", FT_TEXT, ""},
	{"tier", FT_TEXT, ""},
	{"dind", FT_BOOL, "docker_in_docker sysbox"},
	{"ports", FT_NUM, "available_ports"},
	{"uptime", FT_MINUTES, "uptime_minutes"},
	{"huid", FT_TEXT, ""},
	{"id", FT_TEXT, "executor_id"},
	{"status", FT_TEXT, ""},
};

static const char *const field_names[F__COUNT] = {
	"gpu",  "count", "price", "price_total", "vram", "ram",    "disk",    "cpu",  "down",
	"up",   "pcie",  "membw", "tflops",      "cuda", "driver", "country", "city", "region",
	"tier", "dind",  "ports", "uptime",      "huid", "id",     "status",
};

const char *const *lium_filter_fields(size_t *count)
{
	if (count)
		*count = F__COUNT;
	return field_names;
}

static int lookup_field(const char *name, size_t len, fid *out)
{
	size_t f;

	for (f = 0; f < F__COUNT; f++) {
		const char *a = fields[f].aliases;

		if (lium__text_ncaseeq(name, len, fields[f].name)) {
			*out = (fid)f;
			return 1;
		}
		while (*a) {
			size_t n = 0, i;

			while (a[n] && a[n] != ' ')
				n++;
			if (n == len) {
				for (i = 0; i < n && lium__lower(name[i]) == a[i]; i++)
					;
				if (i == n) {
					*out = (fid)f;
					return 1;
				}
			}
			a += n;
			while (*a == ' ')
				a++;
		}
	}
	return 0;
}

/* --- compiled form ----------------------------------------------------- */

typedef enum fop { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOTIN } fop;

static const char *const op_text[] = {"=", "!=", "<", "<=", ">", ">=", "in", "notin"};

/* Numbers are kept exactly, as millionths (six decimals are more than any
 * price, size or speed needs), so that the normalised text reads back as
 * the very same filter; `num` is the same value as a double for matching. */
#define MICRO INT64_C(1000000)
/* The largest magnitude a number may have, in millionths: 1e12. */
#define MICRO_MAX (INT64_C(1000000000000) * MICRO)

typedef struct fvalue {
	int64_t micro; /* numbers, booleans (0/1), minutes, in millionths */
	double num;    /* micro / 1e6 */
	char *str;     /* text, GPU names, countries, versions */
} fvalue;

typedef struct cond {
	fid field;
	fop op;
	fvalue *vals;
	size_t nvals;
} cond;

struct lium_filter {
	cond *conds;
	size_t count;
};

void lium_filter_free(lium_filter *f)
{
	size_t i, j;

	if (!f)
		return;
	for (i = 0; i < f->count; i++) {
		for (j = 0; j < f->conds[i].nvals; j++)
			lium_free(f->conds[i].vals[j].str);
		lium_free(f->conds[i].vals);
	}
	lium_free(f->conds);
	lium_free(f);
}

/* --- parser ------------------------------------------------------------ */

typedef struct parser {
	const char *s;
	size_t i;
	lium_error *err;
	lium_filter *f;
} parser;

#define fail(p, pos, ...) lium__parse_fail((p)->err, (pos), __VA_ARGS__)

static void skip_ws(parser *p)
{
	while (lium__is_space(p->s[p->i]))
		p->i++;
}

static int is_ident_start(char c)
{
	return lium__is_alpha(c) || c == '_';
}

static int is_ident(char c)
{
	return is_ident_start(c) || lium__is_digit(c);
}

/* Characters that end an unquoted value. */
static int ends_word(char c)
{
	return c == '\0' || lium__is_space(c) || strchr("[],=!<>\"'", c) != NULL;
}

static int at_word(const parser *p, const char *word)
{
	size_t n = strlen(word);

	return lium__text_ncaseeq(p->s + p->i, n, word) && !is_ident(p->s[p->i + n]);
}

static lium_status oom(parser *p)
{
	return lium_error_set(p->err, LIUM_ENOMEM, "out of memory");
}

static lium_status unknown_field(parser *p, size_t pos, size_t len)
{
	char known[320];
	size_t f, k = 0;

	for (f = 0; f < F__COUNT; f++) {
		size_t n = strlen(field_names[f]);

		if (k + n + 3 >= sizeof(known))
			break;
		if (f > 0) {
			known[k++] = ',';
			known[k++] = ' ';
		}
		memcpy(known + k, field_names[f], n);
		k += n;
	}
	known[k] = '\0';
	lium_error_set(p->err, LIUM_EPARSE, "unknown field '%.*s' at column %zu (known fields: %s)",
		       (int)(len > 32 ? 32 : len), p->s + pos, pos + 1, known);
	if (p->err)
		p->err->position = pos;
	return LIUM_EPARSE;
}

/* A raw value: quoted or a bare word.  *out is allocated. */
static lium_status read_raw(parser *p, const char *after, char **out, size_t *pos)
{
	const char *s = p->s;
	size_t start = p->i;
	lium_buf b = LIUM_BUF_INIT;

	*out = NULL;
	*pos = start;
	if (s[start] == '"' || s[start] == '\'') {
		char q = s[start];
		size_t i = start + 1;

		while (s[i] && s[i] != q) {
			if (q == '"' && s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			if (lium_buf_putc(&b, s[i]) != LIUM_OK) {
				lium_buf_dispose(&b);
				return oom(p);
			}
			i++;
		}
		if (s[i] != q) {
			lium_buf_dispose(&b);
			return fail(p, start, "unterminated string");
		}
		p->i = i + 1;
		if (!ends_word(s[p->i]) && s[p->i] != '"' && s[p->i] != '\'') {
			lium_buf_dispose(&b);
			return fail(p, p->i, "expected a blank after the closing quote");
		}
	} else {
		size_t i = start;

		while (!ends_word(s[i]))
			i++;
		if (i == start) {
			if (s[i] == '\0')
				return fail(p, i, "expected a value %s, found the end", after);
			return fail(p, i, "expected a value %s, found '%c'", after, s[i]);
		}
		if (lium_buf_put(&b, s + start, i - start) != LIUM_OK) {
			lium_buf_dispose(&b);
			return oom(p);
		}
		p->i = i;
	}
	if (!(*out = lium_buf_detach(&b)))
		return oom(p);
	return LIUM_OK;
}

typedef struct unit {
	const char *name;
	int64_t mul, div; /* value * mul / div is the value in the base unit */
} unit;

/* Sizes: lium shows binary gigabytes labelled GB, as the official client
 * does; so GB and GiB are the same unit here. */
static const unit size_units[] = {{"gb", 1, 1},    {"gib", 1, 1},    {"g", 1, 1},
				  {"tb", 1024, 1}, {"tib", 1024, 1}, {"t", 1024, 1},
				  {"mb", 1, 1024}, {"mib", 1, 1024}, {NULL, 0, 0}};
static const unit speed_units[] = {{"mbps", 1, 1},      {"mbit", 1, 1},    {"mbit/s", 1, 1},
				   {"m", 1, 1},         {"gbps", 1000, 1}, {"gbit", 1000, 1},
				   {"gbit/s", 1000, 1}, {"g", 1000, 1},    {"kbps", 1, 1000},
				   {"kbit", 1, 1000},   {NULL, 0, 0}};
static const unit price_units[] = {
	{"/h", 1, 1}, {"/hr", 1, 1}, {"/hour", 1, 1}, {"usd", 1, 1}, {NULL, 0, 0}};

static const char *unit_list(ftype t)
{
	switch (t) {
	case FT_SIZE:
		return "GB, TB, MB, GiB, TiB or MiB";
	case FT_SPEED:
		return "Mbps, Gbps or Kbps";
	case FT_PRICE:
		return "a price in USD such as 2.5 or $2.50";
	default:
		return "a plain number";
	}
}

/* Reads digits[.digits] as millionths, rounding past the sixth decimal.
 * Returns the bytes consumed (0: no number); *too_big when over MICRO_MAX. */
static size_t read_micro(const char *s, int64_t *out, int *too_big)
{
	int64_t v = 0;
	size_t i = 0, dec = 0;
	int any = 0, round_up = 0;

	*too_big = 0;
	while (lium__is_digit(s[i])) {
		any = 1;
		if (v <= MICRO_MAX / 10)
			v = v * 10 + (s[i] - '0');
		else
			*too_big = 1;
		i++;
	}
	if (*too_big || v > MICRO_MAX / MICRO)
		*too_big = 1;
	v *= *too_big ? 0 : MICRO;
	if (s[i] == '.' && lium__is_digit(s[i + 1])) {
		int64_t scale = MICRO / 10;

		i++;
		while (lium__is_digit(s[i])) {
			any = 1;
			if (dec < 6) {
				v += (s[i] - '0') * scale;
				scale /= 10;
			} else if (dec == 6) {
				round_up = s[i] >= '5';
			}
			dec++;
			i++;
		}
	}
	if (!any)
		return 0;
	*out = v + round_up;
	return i;
}

static lium_status to_number(parser *p, fid f, const char *raw, size_t pos, int64_t *out)
{
	ftype t = fields[f].type;
	const unit *units = t == FT_SIZE    ? size_units
			    : t == FT_SPEED ? speed_units
			    : t == FT_PRICE ? price_units
					    : NULL;
	size_t i = 0, n, u;
	int64_t v = 0;
	int neg = 0, too_big = 0;

	if (t == FT_PRICE && raw[i] == '$')
		i++;
	if (raw[i] == '-' || raw[i] == '+') {
		neg = raw[i] == '-';
		i++;
	}
	n = read_micro(raw + i, &v, &too_big);
	if (n == 0)
		return fail(p, pos + i, "expected a number for '%s', found '%.24s'", fields[f].name,
			    raw);
	if (too_big)
		return fail(p, pos + i, "number too large for '%s' (at most 1e12)", fields[f].name);
	i += n;
	if (raw[i] != '\0') {
		for (u = 0; units && units[u].name; u++)
			if (lium__text_casecmp(raw + i, units[u].name) == 0)
				break;
		if (!units || !units[u].name)
			return fail(p, pos + i, "unknown unit '%.16s' for '%s' (expected %s)",
				    raw + i, fields[f].name, unit_list(t));
		if (v > MICRO_MAX / units[u].mul)
			return fail(p, pos, "number too large for '%s' (at most 1e12)",
				    fields[f].name);
		v = (v * units[u].mul + units[u].div / 2) / units[u].div;
	}
	*out = neg ? -v : v;
	return LIUM_OK;
}

static int is_version(const char *s)
{
	size_t i = 0;

	for (;;) {
		if (!lium__is_digit(s[i]))
			return 0;
		while (lium__is_digit(s[i]))
			i++;
		if (s[i] == '\0')
			return 1;
		if (s[i] != '.')
			return 0;
		i++;
	}
}

static lium_status convert(parser *p, fid f, char *raw, size_t pos, fvalue *v)
{
	lium_status st;

	v->num = 0;
	v->micro = 0;
	v->str = NULL;
	switch (fields[f].type) {
	case FT_NUM:
	case FT_SIZE:
	case FT_SPEED:
	case FT_PRICE:
		st = to_number(p, f, raw, pos, &v->micro);
		v->num = (double)v->micro / (double)MICRO;
		lium_free(raw);
		return st;
	case FT_MINUTES: {
		int64_t secs = 0;
		lium_error sub;

		lium_error_clear(&sub);
		st = lium_duration_parse(raw, &secs, &sub);
		lium_free(raw);
		if (st != LIUM_OK)
			return fail(
				p,
				pos + (sub.position == LIUM_ERROR_NO_POSITION ? 0 : sub.position),
				"expected a duration such as 90m, 6h or 2d for 'uptime'");
		v->micro = (secs * MICRO + 30) / 60;
		v->num = (double)v->micro / (double)MICRO;
		return LIUM_OK;
	}
	case FT_BOOL: {
		static const char *const yes[] = {"true", "yes", "1", "on"};
		static const char *const no[] = {"false", "no", "0", "off"};
		size_t k;

		for (k = 0; k < 4; k++) {
			if (lium__text_casecmp(raw, yes[k]) == 0 ||
			    lium__text_casecmp(raw, no[k]) == 0) {
				v->num = lium__text_casecmp(raw, yes[k]) == 0 ? 1 : 0;
				lium_free(raw);
				return LIUM_OK;
			}
		}
		lium_free(raw);
		return fail(p, pos, "expected true or false for '%s'", fields[f].name);
	}
	case FT_VERSION:
		if (!is_version(raw)) {
			lium_free(raw);
			return fail(p, pos, "expected a version such as 12.4 for '%s'",
				    fields[f].name);
		}
		v->str = raw;
		return LIUM_OK;
	case FT_GPU:
	case FT_TEXT:
	case FT_COUNTRY:
	default:
		if (raw[0] == '\0') {
			lium_free(raw);
			return fail(p, pos, "expected a non-empty value for '%s'", fields[f].name);
		}
		v->str = raw;
		return LIUM_OK;
	}
}

static lium_status add_value(parser *p, cond *c, fid f, const char *after)
{
	fvalue *vals;
	char *raw;
	size_t pos;
	lium_status st;

	if ((st = read_raw(p, after, &raw, &pos)) != LIUM_OK)
		return st;
	vals = lium_realloc(c->vals, (c->nvals + 1) * sizeof(*vals));
	if (!vals) {
		lium_free(raw);
		return oom(p);
	}
	c->vals = vals;
	if ((st = convert(p, f, raw, pos, &c->vals[c->nvals])) != LIUM_OK)
		return st;
	c->nvals++;
	return LIUM_OK;
}

static lium_status parse_list(parser *p, cond *c, fid f)
{
	size_t open = p->i;
	lium_status st;

	p->i++; /* '[' */
	skip_ws(p);
	if (p->s[p->i] == ']')
		return fail(p, p->i, "expected a value in the list, found ']'");
	for (;;) {
		skip_ws(p);
		if ((st = add_value(p, c, f, "in the list")) != LIUM_OK)
			return st;
		skip_ws(p);
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == ']') {
			p->i++;
			return LIUM_OK;
		}
		if (p->s[p->i] == '\0')
			return fail(p, p->i,
				    "expected ',' or ']' to close the list opened at column %zu",
				    open + 1);
		return fail(p, p->i, "expected ',' or ']' in the list, found '%c'", p->s[p->i]);
	}
}

static int ordered_type(ftype t)
{
	return t != FT_GPU && t != FT_TEXT && t != FT_COUNTRY && t != FT_BOOL;
}

static lium_status parse_cond(parser *p)
{
	size_t start = p->i, len, oppos;
	const char *after = "after the operator";
	cond c;
	fid f;
	lium_status st;
	cond *conds;

	memset(&c, 0, sizeof(c));
	if (!is_ident_start(p->s[p->i]))
		return fail(p, p->i,
			    "expected a field name such as gpu, count or price, found '%c'",
			    p->s[p->i]);
	while (is_ident(p->s[p->i]))
		p->i++;
	len = p->i - start;
	if (!lookup_field(p->s + start, len, &f))
		return unknown_field(p, start, len);
	c.field = f;
	skip_ws(p);
	oppos = p->i;
	{
		const char *s = p->s + p->i;

		if (s[0] == '=' && s[1] == '=') {
			c.op = OP_EQ;
			p->i += 2;
		} else if (s[0] == '!' && s[1] == '=') {
			c.op = OP_NE;
			p->i += 2;
		} else if (s[0] == '<' && s[1] == '=') {
			c.op = OP_LE;
			p->i += 2;
		} else if (s[0] == '>' && s[1] == '=') {
			c.op = OP_GE;
			p->i += 2;
		} else if (s[0] == '=' || s[0] == ':') {
			c.op = OP_EQ;
			p->i++;
		} else if (s[0] == '<') {
			c.op = OP_LT;
			p->i++;
		} else if (s[0] == '>') {
			c.op = OP_GT;
			p->i++;
		} else if (at_word(p, "in")) {
			c.op = OP_IN;
			p->i += 2;
		} else if (at_word(p, "notin")) {
			c.op = OP_NOTIN;
			p->i += 5;
		} else if (at_word(p, "not")) {
			size_t save = p->i;

			p->i += 3;
			skip_ws(p);
			if (!at_word(p, "in")) {
				p->i = save;
				return fail(p, save, "expected 'in' after 'not'");
			}
			c.op = OP_NOTIN;
			p->i += 2;
		} else if (fields[f].type == FT_BOOL &&
			   (s[0] == '\0' || oppos > start + len || lium__is_space(s[0]))) {
			/* A bare boolean field ("dind") means field=true. */
			fvalue *v = lium_calloc(1, sizeof(*v));

			if (!v)
				return oom(p);
			v->num = 1;
			c.op = OP_EQ;
			p->i = start + len;
			c.vals = v;
			c.nvals = 1;
			goto append;
		} else {
			return fail(p, p->i,
				    "expected an operator (= != < <= > >= in notin) after '%.*s'",
				    (int)(len > 32 ? 32 : len), p->s + start);
		}
	}
	if (!ordered_type(fields[f].type) && c.op >= OP_LT && c.op <= OP_GE)
		return fail(p, oppos, "operator '%s' does not apply to '%s' (use = != in notin)",
			    op_text[c.op], fields[f].name);
	skip_ws(p);
	if (p->s[p->i] == '[') {
		if (c.op == OP_EQ)
			c.op = OP_IN;
		else if (c.op == OP_NE)
			c.op = OP_NOTIN;
		else if (c.op != OP_IN && c.op != OP_NOTIN) {
			st = fail(p, p->i, "a list needs = != in or notin, not '%s'",
				  op_text[c.op]);
			goto fail;
		}
		if ((st = parse_list(p, &c, f)) != LIUM_OK)
			goto fail;
	} else {
		if (c.op == OP_IN || c.op == OP_NOTIN)
			after = c.op == OP_IN ? "after 'in'" : "after 'notin'";
		if ((st = add_value(p, &c, f, after)) != LIUM_OK)
			goto fail;
		/* `gpu=H100,A100` is short for `gpu in [H100,A100]`. */
		while (p->s[p->i] == ',' &&
		       (c.op == OP_EQ || c.op == OP_NE || c.op == OP_IN || c.op == OP_NOTIN)) {
			p->i++;
			if (c.op == OP_EQ)
				c.op = OP_IN;
			else if (c.op == OP_NE)
				c.op = OP_NOTIN;
			if ((st = add_value(p, &c, f, "after ','")) != LIUM_OK)
				goto fail;
		}
		if (p->s[p->i] == ',') {
			st = fail(p, p->i, "a list of values needs = != in or notin, not '%s'",
				  op_text[c.op]);
			goto fail;
		}
	}
append:
	conds = lium_realloc(p->f->conds, (p->f->count + 1) * sizeof(*conds));
	if (!conds) {
		st = oom(p);
		goto fail;
	}
	p->f->conds = conds;
	p->f->conds[p->f->count++] = c;
	return LIUM_OK;
fail : {
	size_t j;

	for (j = 0; j < c.nvals; j++)
		lium_free(c.vals[j].str);
	lium_free(c.vals);
	return st;
}
}

lium_status lium_filter_parse(lium_filter **out, const char *expr, lium_error *err)
{
	parser p;
	lium_status st;

	if (out)
		*out = NULL;
	if (!out || !expr)
		return lium_error_set(err, LIUM_EINVAL, "no filter expression given");
	p.s = expr;
	p.i = 0;
	p.err = err;
	if (!(p.f = lium_calloc(1, sizeof(*p.f))))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	for (;;) {
		skip_ws(&p);
		if (p.s[p.i] == '\0')
			break;
		if ((st = parse_cond(&p)) != LIUM_OK) {
			lium_filter_free(p.f);
			return st;
		}
		if (p.s[p.i] != '\0' && !lium__is_space(p.s[p.i])) {
			st = fail(&p, p.i, "expected a blank between conditions, found '%c'",
				  p.s[p.i]);
			lium_filter_free(p.f);
			return st;
		}
		skip_ws(&p);
		/* "and" / "&&" between conditions reads naturally and changes
		 * nothing: all conditions must hold anyway. */
		if (at_word(&p, "and") || (p.s[p.i] == '&' && p.s[p.i + 1] == '&')) {
			size_t at = p.i;

			p.i += p.s[p.i] == '&' ? 2 : 3;
			skip_ws(&p);
			if (p.s[p.i] == '\0') {
				st = fail(&p, at, "expected a condition after '%.*s'",
					  p.s[at] == '&' ? 2 : 3, p.s + at);
				lium_filter_free(p.f);
				return st;
			}
		}
	}
	*out = p.f;
	return LIUM_OK;
}

/* --- matching ------------------------------------------------------------ */

/* '*' any run, '?' one character, case-insensitive. */
static int glob_ci(const char *pat, const char *s)
{
	const char *star = NULL, *mark = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == '?' || (*pat && lium__lower(*pat) == lium__lower(*s))) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static int text_eq(const char *pattern, const char *value)
{
	if (!value)
		return 0;
	if (strpbrk(pattern, "*?"))
		return glob_ci(pattern, value);
	return lium__text_casecmp(pattern, value) == 0;
}

/* Upper case without blanks, '-' or '_': "rtx 4090" and "RTX4090" agree. */
static void squeeze(const char *s, char *out, size_t outsz)
{
	size_t k = 0;

	for (; s && *s && k + 1 < outsz; s++)
		if (!lium__is_space(*s) && *s != '-' && *s != '_')
			out[k++] = lium__upper(*s);
	out[k] = '\0';
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!lium__is_digit(*s))
			return 0;
	return 1;
}

static int gpu_matches(const char *v, const lium_executor *e)
{
	char want[96], type[96], rtx[100];

	if (strpbrk(v, "*?"))
		return (e->gpu_type && glob_ci(v, e->gpu_type)) ||
		       (e->machine_name && glob_ci(v, e->machine_name)) ||
		       (e->gpu_model && glob_ci(v, e->gpu_model));
	squeeze(v, want, sizeof(want));
	squeeze(e->gpu_type, type, sizeof(type));
	if (type[0] && strcmp(want, type) == 0)
		return 1;
	/* Bare digits name a consumer card: "4090" is the RTX4090. */
	if (all_digits(want)) {
		snprintf(rtx, sizeof(rtx), "RTX%s", want);
		if (strcmp(rtx, type) == 0)
			return 1;
	}
	if (e->machine_name) {
		squeeze(e->machine_name, type, sizeof(type));
		if (strcmp(want, type) == 0)
			return 1;
	}
	if (e->gpu_model) {
		squeeze(e->gpu_model, type, sizeof(type));
		if (strcmp(want, type) == 0)
			return 1;
	}
	return 0;
}

static int country_matches(const char *v, const lium_executor *e)
{
	return text_eq(v, e->location.country_code) || text_eq(v, e->location.iso_code) ||
	       text_eq(v, e->location.country);
}

/* -1, 0, 1 comparing dotted versions numerically ("12.10" > "12.9"). */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		double x = 0, y = 0;
		size_t n;

		while (*a == '0' && lium__is_digit(a[1]))
			a++;
		while (*b == '0' && lium__is_digit(b[1]))
			b++;
		n = 0;
		while (lium__is_digit(a[n]))
			x = x * 10 + (a[n++] - '0');
		a += n;
		n = 0;
		while (lium__is_digit(b[n]))
			y = y * 10 + (b[n++] - '0');
		b += n;
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		else if (*a)
			return 0; /* not a version: stop comparing */
		if (*b == '.')
			b++;
		else if (*b)
			return 0;
	}
	return 0;
}

static double num_value(fid f, const lium_executor *e)
{
	const double nan = (double)NAN;

	switch (f) {
	case F_COUNT:
		return (double)e->gpu_count;
	case F_PRICE:
		return e->price_per_gpu > 0 ? e->price_per_gpu : nan;
	case F_PRICE_TOTAL:
		return e->price_per_hour > 0 ? e->price_per_hour : nan;
	/* Sizes compare as lium shows them: whole GB, so that an "80GB" H100
	 * reporting 79.6 GiB passes vram>=80. */
	case F_VRAM:
		return round(e->vram_gb);
	case F_RAM:
		return round(e->ram_gb);
	case F_DISK:
		return round(e->disk_gb);
	case F_CPU:
		return e->cpu_count ? (double)e->cpu_count : nan;
	case F_DOWN:
		return e->net_down_mbps;
	case F_UP:
		return e->net_up_mbps;
	case F_PCIE:
		return e->pcie_speed;
	case F_MEMBW:
		return e->memory_bandwidth;
	case F_TFLOPS:
		return e->tflops;
	case F_PORTS:
		return e->available_ports >= 0 ? (double)e->available_ports : nan;
	case F_UPTIME:
		return e->uptime_minutes > 0 ? e->uptime_minutes : nan;
	case F_DIND:
		return e->docker_in_docker ? 1.0 : 0.0;
	default:
		return nan;
	}
}

static int num_cmp_ok(double x, fop op, double v)
{
	double scale = fmax(1.0, fmax(fabs(x), fabs(v)));
	int eq = fabs(x - v) <= 1e-9 * scale;

	if (isnan(x))
		return op == OP_NE || op == OP_NOTIN;
	switch (op) {
	case OP_EQ:
	case OP_IN:
		return eq;
	case OP_NE:
	case OP_NOTIN:
		return !eq;
	case OP_LT:
		return x < v && !eq;
	case OP_LE:
		return x < v || eq;
	case OP_GT:
		return x > v && !eq;
	case OP_GE:
		return x > v || eq;
	default:
		return 0;
	}
}

static int version_ok(const char *have, fop op, const char *want)
{
	int c;

	if (!have || !is_version(have))
		return op == OP_NE || op == OP_NOTIN;
	c = version_cmp(have, want);
	switch (op) {
	case OP_EQ:
	case OP_IN:
		return c == 0;
	case OP_NE:
	case OP_NOTIN:
		return c != 0;
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	default:
		return 0;
	}
}

static const char *cuda_text(const lium_executor *e, char *buf, size_t bufsz)
{
	if (e->max_cuda_version > 0) {
		/* max_cuda_version comes as a JSON number such as 12.8; one
		 * decimal is how CUDA versions are written. */
		snprintf(buf, bufsz, "%.1f", e->max_cuda_version);
		return buf;
	}
	if (e->cuda_version && e->cuda_version[0])
		return e->cuda_version;
	return NULL;
}

static const char *text_value(fid f, const lium_executor *e)
{
	switch (f) {
	case F_CITY:
		return e->location.city;
	case F_REGION:
		return e->location.region;
	case F_TIER:
		return e->tier;
	case F_HUID:
		return e->huid[0] ? e->huid : NULL;
	case F_ID:
		return e->id;
	case F_STATUS:
		return e->status;
	default:
		return NULL;
	}
}

static int value_matches(const cond *c, const fvalue *v, const lium_executor *e)
{
	switch (fields[c->field].type) {
	case FT_GPU:
		return gpu_matches(v->str, e);
	case FT_COUNTRY:
		return country_matches(v->str, e);
	case FT_TEXT:
		return text_eq(v->str, text_value(c->field, e));
	default:
		return 0;
	}
}

static int cond_matches(const cond *c, const lium_executor *e)
{
	ftype t = fields[c->field].type;
	size_t i;

	if (t == FT_VERSION) {
		char buf[32];
		const char *have =
			c->field == F_CUDA ? cuda_text(e, buf, sizeof(buf)) : e->driver_version;

		if (c->op == OP_IN || c->op == OP_NOTIN) {
			for (i = 0; i < c->nvals; i++)
				if (version_ok(have, OP_EQ, c->vals[i].str))
					return c->op == OP_IN;
			return c->op == OP_NOTIN;
		}
		return version_ok(have, c->op, c->vals[0].str);
	}
	if (t == FT_GPU || t == FT_COUNTRY || t == FT_TEXT) {
		int any = 0;

		for (i = 0; i < c->nvals && !any; i++)
			any = value_matches(c, &c->vals[i], e);
		return (c->op == OP_EQ || c->op == OP_IN) ? any : !any;
	}
	{
		double x = num_value(c->field, e);

		if (c->op == OP_IN || c->op == OP_NOTIN) {
			for (i = 0; i < c->nvals; i++)
				if (num_cmp_ok(x, OP_EQ, c->vals[i].num))
					return c->op == OP_IN;
			return c->op == OP_NOTIN;
		}
		return num_cmp_ok(x, c->op, c->vals[0].num);
	}
}

int lium_filter_match(const lium_filter *f, const lium_executor *e)
{
	size_t i;

	if (!f || !e)
		return 0;
	for (i = 0; i < f->count; i++)
		if (!cond_matches(&f->conds[i], e))
			return 0;
	return 1;
}

/* --- normalised text ------------------------------------------------------ */

static lium_status put_number(lium_buf *out, int64_t micro)
{
	char frac[8];
	uint64_t m = micro < 0 ? (uint64_t)(-(micro + 1)) + 1u : (uint64_t)micro;
	int k;

	/* Exact decimal: integer part, then up to six decimals without
	 * trailing zeros. */
	snprintf(frac, sizeof(frac), "%06llu", (unsigned long long)(m % (uint64_t)MICRO));
	for (k = 5; k >= 0 && frac[k] == '0'; k--)
		frac[k] = '\0';
	return lium_buf_printf(out, "%s%llu%s%s", micro < 0 ? "-" : "",
			       (unsigned long long)(m / (uint64_t)MICRO), frac[0] ? "." : "", frac);
}

static lium_status put_text(lium_buf *out, const char *s)
{
	const char *c;
	lium_status st;

	for (c = s; *c; c++)
		if (ends_word(*c) || *c == '\\')
			break;
	if (*c == '\0' && *s)
		return lium_buf_puts(out, s);
	if ((st = lium_buf_putc(out, '"')) != LIUM_OK)
		return st;
	for (c = s; *c; c++) {
		if ((*c == '"' || *c == '\\') && (st = lium_buf_putc(out, '\\')) != LIUM_OK)
			return st;
		if ((st = lium_buf_putc(out, *c)) != LIUM_OK)
			return st;
	}
	return lium_buf_putc(out, '"');
}

static lium_status put_value(lium_buf *out, const cond *c, const fvalue *v)
{
	switch (fields[c->field].type) {
	case FT_BOOL:
		return lium_buf_puts(out, v->num != 0 ? "true" : "false");
	case FT_GPU:
	case FT_TEXT:
	case FT_COUNTRY:
	case FT_VERSION:
		return put_text(out, v->str);
	default:
		return put_number(out, v->micro);
	}
}

lium_status lium_filter_to_string(const lium_filter *f, lium_buf *out)
{
	size_t i, j;
	lium_status st = LIUM_OK;

	if (!f || !out)
		return LIUM_EINVAL;
	for (i = 0; i < f->count && st == LIUM_OK; i++) {
		const cond *c = &f->conds[i];
		int list = c->op == OP_IN || c->op == OP_NOTIN;

		if (i > 0 && (st = lium_buf_putc(out, ' ')) != LIUM_OK)
			break;
		if ((st = lium_buf_puts(out, fields[c->field].name)) != LIUM_OK)
			break;
		if (list)
			st = lium_buf_printf(out, " %s [", op_text[c->op]);
		else
			st = lium_buf_puts(out, op_text[c->op]);
		for (j = 0; j < c->nvals && st == LIUM_OK; j++) {
			if (j > 0 && (st = lium_buf_putc(out, ',')) != LIUM_OK)
				break;
			st = put_value(out, c, &c->vals[j]);
		}
		if (st == LIUM_OK && list)
			st = lium_buf_putc(out, ']');
	}
	return st;
}
