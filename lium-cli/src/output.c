/*
 * Output: colour decisions, UTF-8 aware tables, the JSON writer, messages,
 * and the exit-code table.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct cli_output cli_out;

/* ------------------------------------------------------------------ */
/* Exit codes                                                           */
/* ------------------------------------------------------------------ */

int cli_exit_for_status(lium_status status)
{
	switch (status) {
	case LIUM_OK:
		return CLI_EXIT_OK;
	case LIUM_EINVAL:
		return CLI_EXIT_USAGE;
	case LIUM_EAUTH:
		return CLI_EXIT_AUTH;
	case LIUM_ENOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case LIUM_EREMOTE:
		return CLI_EXIT_REMOTE;
	case LIUM_ETIMEOUT:
		return CLI_EXIT_TIMEOUT;
	case LIUM_EHTTP:
	case LIUM_ENETWORK:
		return CLI_EXIT_API;
	case LIUM_EVALIDATION:
	case LIUM_ECONFLICT:
		return CLI_EXIT_REFUSED;
	case LIUM_ECANCELLED:
		return CLI_EXIT_INTERRUPTED;
	case LIUM_EGENERIC:
	case LIUM_ENOMEM:
	case LIUM_EPARSE:
	case LIUM_ESSH:
	case LIUM_EDOCKER:
	case LIUM_EIO:
	default:
		return CLI_EXIT_FAIL;
	}
}

const char *cli_exit_name(int code)
{
	switch (code) {
	case CLI_EXIT_OK:
		return "ok";
	case CLI_EXIT_USAGE:
		return "usage";
	case CLI_EXIT_AUTH:
		return "auth";
	case CLI_EXIT_NOTFOUND:
		return "not_found";
	case CLI_EXIT_REMOTE:
		return "remote_failed";
	case CLI_EXIT_PARTIAL:
		return "partial";
	case CLI_EXIT_TIMEOUT:
		return "timeout";
	case CLI_EXIT_API:
		return "api";
	case CLI_EXIT_REFUSED:
		return "refused";
	case CLI_EXIT_INTERRUPTED:
		return "interrupted";
	default:
		return "failure";
	}
}

/* ------------------------------------------------------------------ */
/* Colour                                                               */
/* ------------------------------------------------------------------ */

void cli_output_init(int no_color_flag, const char *mode)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	int allowed = !no_color_flag && !(nc && *nc);
	int dumb = term && strcmp(term, "dumb") == 0;

	cli_out.tty_out = isatty(STDOUT_FILENO);
	cli_out.tty_err = isatty(STDERR_FILENO);
	cli_out.tty_in = isatty(STDIN_FILENO);
	if (mode && strcmp(mode, "never") == 0)
		allowed = 0;
	if (mode && strcmp(mode, "always") == 0) {
		cli_out.color = allowed;
		cli_out.color_err = allowed;
		return;
	}
	cli_out.color = allowed && !dumb && cli_out.tty_out;
	cli_out.color_err = allowed && !dumb && cli_out.tty_err;
}

static const char *color_seq(enum cli_color c)
{
	switch (c) {
	case CLI_C_RESET:
		return "\033[0m";
	case CLI_C_BOLD:
		return "\033[1m";
	case CLI_C_DIM:
		return "\033[2m";
	case CLI_C_RED:
		return "\033[31m";
	case CLI_C_GREEN:
		return "\033[32m";
	case CLI_C_YELLOW:
		return "\033[33m";
	case CLI_C_BLUE:
		return "\033[34m";
	case CLI_C_MAGENTA:
		return "\033[35m";
	case CLI_C_CYAN:
		return "\033[36m";
	case CLI_C_NONE:
	default:
		return "";
	}
}

const char *cli_c(enum cli_color c)
{
	return cli_out.color ? color_seq(c) : "";
}

const char *cli_ce(enum cli_color c)
{
	return cli_out.color_err ? color_seq(c) : "";
}

/* ------------------------------------------------------------------ */
/* Display width                                                        */
/* ------------------------------------------------------------------ */

struct cp_range {
	uint32_t lo, hi;
};

/* Zero-width: combining marks, zero-width spaces and joiners, variation selectors. */
static const struct cp_range zero_width[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489},   {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
	{0x0E31, 0x0E31}, {0x0E34, 0x0E3A},   {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
	{0x202A, 0x202E}, {0x2060, 0x2064},   {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
	{0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

/* Double width: East Asian wide and full-width forms, most emoji. */
static const struct cp_range wide[] = {
	{0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
	{0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
	{0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
	{0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
	{0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
	{0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
	{0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
	{0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
	{0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
	{0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
	{0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
	{0x17000, 0x18AFF}, {0x1B000, 0x1B16F}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
	{0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
	{0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_ranges(uint32_t cp, const struct cp_range *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int cli_codepoint_width(uint32_t cp)
{
	if (cp == 0)
		return 0;
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

/*
 * Decode one UTF-8 sequence; an invalid byte decodes as itself (width 1) so
 * that broken text still lines up roughly.
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2;
		v = c & 0x1Fu;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		v = c & 0x0Fu;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4;
		v = c & 0x07u;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	*cp = v;
	return len;
}

size_t cli_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	if (!s)
		return 0;
	while (*p) {
		uint32_t cp;
		if (*p == 0x1B && p[1] == '[') {
			/* CSI: skip to the final byte. */
			p += 2;
			while (*p && !(*p >= 0x40 && *p <= 0x7E))
				p++;
			if (*p)
				p++;
			continue;
		}
		p += utf8_decode(p, &cp);
		w += (size_t)cli_codepoint_width(cp);
	}
	return w;
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */
/* ------------------------------------------------------------------ */

void cli_info(const char *fmt, ...)
{
	va_list ap;

	if (cli_out.quiet || cli_out.json)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%slium: warning: ", cli_ce(CLI_C_YELLOW));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", cli_ce(CLI_C_RESET));
}

static int fail_v(int code, const char *what, const char *fmt, va_list ap) LIUM_PRINTF_LIKE(3, 0);

static int fail_v(int code, const char *what, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (cli_out.json) {
		lium_buf b = LIUM_BUF_INIT;
		lium_buf_puts(&b, "{\"error\":{\"code\":");
		cli_json_quote(&b, cli_exit_name(code));
		lium_buf_printf(&b, ",\"exit\":%d,\"what\":", code);
		cli_json_quote(&b, what ? what : "");
		lium_buf_puts(&b, ",\"message\":");
		cli_json_quote(&b, msg);
		lium_buf_puts(&b, "}}\n");
		fputs(lium_buf_cstr(&b), stderr);
		lium_buf_dispose(&b);
		return code;
	}
	if (what && *what)
		fprintf(stderr, "%slium: %s: %s%s\n", cli_ce(CLI_C_RED), what, msg,
			cli_ce(CLI_C_RESET));
	else
		fprintf(stderr, "%slium: %s%s\n", cli_ce(CLI_C_RED), msg, cli_ce(CLI_C_RESET));
	return code;
}

int cli_fail(int code, const char *what, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fail_v(code, what, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_fail_status(lium_status st, const lium_error *err, const char *what)
{
	const char *msg = err && err->message[0] ? err->message : lium_status_str(st);

	return cli_fail(cli_exit_for_status(st), what, "%s", msg);
}

int cli_usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	const char *cmd = cli_out.command;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (cli_out.json)
		return cli_fail(CLI_EXIT_USAGE, cmd ? cmd : "usage", "%s", msg);
	fprintf(stderr, "%slium: %s%s%s%s\n", cli_ce(CLI_C_RED), cmd ? cmd : "", cmd ? ": " : "",
		msg, cli_ce(CLI_C_RESET));
	if (cmd)
		fprintf(stderr, "Try 'lium help %s'.\n", cmd);
	else
		fprintf(stderr, "Try 'lium help'.\n");
	return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------------ */
/* Progress                                                             */
/* ------------------------------------------------------------------ */

static int progress_shown;

void cli_progress(const char *fmt, ...)
{
	va_list ap;

	if (!cli_out.tty_err || cli_out.quiet || cli_out.json)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = 1;
}

void cli_progress_done(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress_shown = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Tables                                                               */
/* ------------------------------------------------------------------ */

struct cli_cell {
	char *text;
	enum cli_color color;
};

struct cli_table {
	size_t ncols;
	char **headers;
	enum cli_align *align;
	struct cli_cell *cells; /* nrows * ncols */
	size_t nrows, cap;
	size_t cur; /* next column of the current row */
};

struct cli_table *cli_table_new(size_t ncols)
{
	struct cli_table *t = lium_calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->headers = lium_calloc(ncols, sizeof *t->headers);
	t->align = lium_calloc(ncols, sizeof *t->align);
	if (!t->headers || !t->align) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	if (!t)
		return;
	if (t->headers)
		for (i = 0; i < t->ncols; i++)
			lium_free(t->headers[i]);
	for (i = 0; i < t->nrows * t->ncols; i++)
		lium_free(t->cells[i].text);
	lium_free(t->headers);
	lium_free(t->align);
	lium_free(t->cells);
	lium_free(t);
}

void cli_table_column(struct cli_table *t, size_t col, const char *header, enum cli_align align)
{
	if (!t || col >= t->ncols)
		return;
	lium_free(t->headers[col]);
	t->headers[col] = lium_strdup(header ? header : "");
	t->align[col] = align;
}

int cli_table_row(struct cli_table *t)
{
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct cli_cell *n = lium_realloc(t->cells, ncap * t->ncols * sizeof *n);
		if (!n)
			return -1;
		t->cells = n;
		t->cap = ncap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof *t->cells);
	t->nrows++;
	t->cur = 0;
	return 0;
}

int cli_table_cell(struct cli_table *t, enum cli_color color, const char *fmt, ...)
{
	lium_buf b = LIUM_BUF_INIT;
	va_list ap;
	struct cli_cell *c;

	if (!t->nrows || t->cur >= t->ncols)
		return -1;
	va_start(ap, fmt);
	lium_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	c = &t->cells[(t->nrows - 1) * t->ncols + t->cur++];
	c->text = lium_buf_detach(&b);
	c->color = color;
	return c->text ? 0 : -1;
}

size_t cli_table_rows(const struct cli_table *t)
{
	return t ? t->nrows : 0;
}

static void put_padded(FILE *out, const char *text, enum cli_color color, size_t width,
		       enum cli_align align, int last)
{
	size_t w = cli_display_width(text);
	size_t pad = width > w ? width - w : 0;

	if (align == CLI_RIGHT)
		fprintf(out, "%*s", (int)pad, "");
	if (color != CLI_C_NONE)
		fprintf(out, "%s%s%s", cli_c(color), text, cli_c(CLI_C_RESET));
	else
		fputs(text, out);
	if (align == CLI_LEFT && !last)
		fprintf(out, "%*s", (int)pad, "");
}

void cli_table_print(const struct cli_table *t, FILE *out, int header, size_t gap)
{
	size_t *width, r, c, last;

	if (!t || !t->ncols)
		return;
	width = lium_calloc(t->ncols, sizeof *width);
	if (!width)
		return;
	for (c = 0; c < t->ncols; c++) {
		if (header)
			width[c] = cli_display_width(t->headers[c]);
		for (r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c].text;
			size_t w = cli_display_width(s ? s : "");
			if (w > width[c])
				width[c] = w;
		}
	}
	/* The last column that has any content: no trailing blanks after it. */
	last = t->ncols - 1;
	if (header) {
		for (c = 0; c < t->ncols; c++) {
			if (c)
				fprintf(out, "%*s", (int)gap, "");
			fputs(cli_c(CLI_C_BOLD), out);
			put_padded(out, t->headers[c] ? t->headers[c] : "", CLI_C_NONE, width[c],
				   t->align[c], c == last);
			fputs(cli_c(CLI_C_RESET), out);
		}
		fputc('\n', out);
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const struct cli_cell *cell = &t->cells[r * t->ncols + c];
			if (c)
				fprintf(out, "%*s", (int)gap, "");
			put_padded(out, cell->text ? cell->text : "", cell->color, width[c],
				   t->align[c], c == last);
		}
		fputc('\n', out);
	}
	lium_free(width);
}

/* ------------------------------------------------------------------ */
/* JSON writer                                                          */
/* ------------------------------------------------------------------ */

void cli_json_init(struct cli_json *j, int pretty)
{
	memset(j, 0, sizeof *j);
	j->pretty = pretty;
}

void cli_json_dispose(struct cli_json *j)
{
	lium_buf_dispose(&j->buf);
}

static void json_put(struct cli_json *j, const char *s)
{
	if (lium_buf_puts(&j->buf, s) != LIUM_OK)
		j->failed = 1;
}

static void json_newline(struct cli_json *j)
{
	int i;

	if (!j->pretty)
		return;
	json_put(j, "\n");
	for (i = 0; i < j->depth; i++)
		json_put(j, "  ");
}

/* Separator and indentation before a value or a key. */
static void json_pre(struct cli_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			json_put(j, ",");
		json_newline(j);
		j->need_comma[j->depth] = 1;
	}
}

static void json_open(struct cli_json *j, const char *c)
{
	json_pre(j);
	json_put(j, c);
	if (j->depth < 63)
		j->depth++;
	j->need_comma[j->depth] = 0;
}

static void json_close(struct cli_json *j, const char *c)
{
	int had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		json_newline(j);
	json_put(j, c);
}

void cli_json_begin_object(struct cli_json *j)
{
	json_open(j, "{");
}

void cli_json_end_object(struct cli_json *j)
{
	json_close(j, "}");
}

void cli_json_begin_array(struct cli_json *j)
{
	json_open(j, "[");
}

void cli_json_end_array(struct cli_json *j)
{
	json_close(j, "]");
}

void cli_json_quote(lium_buf *buf, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	lium_buf_putc(buf, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			lium_buf_puts(buf, "\\\"");
			break;
		case '\\':
			lium_buf_puts(buf, "\\\\");
			break;
		case '\n':
			lium_buf_puts(buf, "\\n");
			break;
		case '\r':
			lium_buf_puts(buf, "\\r");
			break;
		case '\t':
			lium_buf_puts(buf, "\\t");
			break;
		case '\b':
			lium_buf_puts(buf, "\\b");
			break;
		case '\f':
			lium_buf_puts(buf, "\\f");
			break;
		default:
			if (*p < 0x20 || *p == 0x7F) {
				lium_buf_printf(buf, "\\u%04x", (unsigned int)*p);
			} else if (*p >= 0x80) {
				/* Keep valid UTF-8; replace invalid bytes so the output parses. */
				uint32_t cp;
				size_t n = utf8_decode(p, &cp);
				if (cp == 0xFFFD && n == 1) {
					lium_buf_puts(buf, "\\ufffd");
				} else {
					lium_buf_put(buf, p, n);
					p += n - 1;
				}
			} else {
				lium_buf_putc(buf, (char)*p);
			}
		}
	}
	lium_buf_putc(buf, '"');
}

void cli_json_key(struct cli_json *j, const char *key)
{
	json_pre(j);
	cli_json_quote(&j->buf, key);
	json_put(j, j->pretty ? ": " : ":");
	j->after_key = 1;
}

void cli_json_string(struct cli_json *j, const char *s)
{
	if (!s) {
		cli_json_null(j);
		return;
	}
	json_pre(j);
	cli_json_quote(&j->buf, s);
}

void cli_json_number(struct cli_json *j, double v)
{
	char tmp[64];

	if (!isfinite(v)) {
		cli_json_null(j);
		return;
	}
	/* The shortest of %.15g / %.17g that reads back exactly. */
	snprintf(tmp, sizeof tmp, "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof tmp, "%.17g", v);
	json_pre(j);
	json_put(j, tmp);
}

void cli_json_int(struct cli_json *j, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof tmp, "%lld", v);
	json_pre(j);
	json_put(j, tmp);
}

void cli_json_bool(struct cli_json *j, int v)
{
	json_pre(j);
	json_put(j, v ? "true" : "false");
}

void cli_json_null(struct cli_json *j)
{
	json_pre(j);
	json_put(j, "null");
}

void cli_json_time(struct cli_json *j, lium_time t)
{
	lium_buf b = LIUM_BUF_INIT;

	if (t == LIUM_TIME_NONE || lium_time_format_iso8601(t, &b) != LIUM_OK) {
		cli_json_null(j);
	} else {
		cli_json_string(j, lium_buf_cstr(&b));
	}
	lium_buf_dispose(&b);
}

void cli_json_kstring(struct cli_json *j, const char *key, const char *s)
{
	cli_json_key(j, key);
	cli_json_string(j, s);
}

void cli_json_knumber(struct cli_json *j, const char *key, double v)
{
	cli_json_key(j, key);
	cli_json_number(j, v);
}

void cli_json_kint(struct cli_json *j, const char *key, long long v)
{
	cli_json_key(j, key);
	cli_json_int(j, v);
}

void cli_json_kbool(struct cli_json *j, const char *key, int v)
{
	cli_json_key(j, key);
	cli_json_bool(j, v);
}

void cli_json_ktime(struct cli_json *j, const char *key, lium_time t)
{
	cli_json_key(j, key);
	cli_json_time(j, t);
}

int cli_json_print(struct cli_json *j, FILE *out)
{
	if (j->failed)
		return -1;
	if (fputs(lium_buf_cstr(&j->buf), out) < 0 || fputc('\n', out) < 0)
		return -1;
	return fflush(out) == 0 ? 0 : -1;
}

void cli_json_results_begin(struct cli_json *j)
{
	cli_json_init(j, 1);
	cli_json_begin_object(j);
	cli_json_key(j, "results");
	cli_json_begin_array(j);
}

void cli_json_results_end(struct cli_json *j, size_t ok, size_t n)
{
	cli_json_end_array(j);
	cli_json_kint(j, "ok", (long long)ok);
	cli_json_kint(j, "failed", (long long)(n - ok));
	cli_json_end_object(j);
	cli_json_print(j, stdout);
	cli_json_dispose(j);
}
