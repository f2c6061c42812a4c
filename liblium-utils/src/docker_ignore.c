/*
 * .dockerignore: the pattern rules of Docker's build context (the
 * moby/patternmatcher semantics), so that `lium` sends the same files the
 * docker CLI would.
 *
 * A pattern is classified like Docker does it: an exact path, a prefix
 * (ending in a double star), a suffix (starting with a double star), or a
 * general glob where `*` and `?` do not cross '/', a double star matches
 * any number of whole directories, `[...]` is a character class and `\`
 * escapes.
 */
#include <string.h>

#include "docker_int.h"

enum kind { K_EXACT, K_PREFIX, K_SUFFIX, K_GLOB };

struct pattern {
	char *text; /* cleaned, without the '!' */
	int exception;
	enum kind kind;
};

struct lium__ignore {
	struct pattern *pats;
	size_t count, cap;
	int has_exceptions;
};

lium_status lium__ignore_new(lium__ignore **out, lium_error *err)
{
	*out = lium_calloc(1, sizeof(**out));
	return *out ? LIUM_OK : lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

void lium__ignore_free(lium__ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->count; i++)
		lium_free(ig->pats[i].text);
	lium_free(ig->pats);
	lium_free(ig);
}

size_t lium__ignore_count(const lium__ignore *ig)
{
	return ig ? ig->count : 0;
}

const char *lium__ignore_pattern(const lium__ignore *ig, size_t i, int *exception)
{
	if (!ig || i >= ig->count)
		return NULL;
	if (exception)
		*exception = ig->pats[i].exception;
	return ig->pats[i].text;
}

int lium__ignore_has_exceptions(const lium__ignore *ig)
{
	return ig && ig->has_exceptions;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Lexical path cleaning, as Go's path.Clean: "a//./b/../c/" is "a/c". */
static lium_status clean_path(const char *in, size_t len, lium_buf *out)
{
	int rooted = len > 0 && in[0] == '/';
	size_t i = 0;
	lium_buf_clear(out);
	if (rooted && lium_buf_putc(out, '/') != LIUM_OK)
		return LIUM_ENOMEM;
	while (i < len) {
		size_t j = i;
		while (j < len && in[j] != '/')
			j++;
		if (j == i || (j - i == 1 && in[i] == '.')) {
			/* empty or "." */
		} else if (j - i == 2 && in[i] == '.' && in[i + 1] == '.') {
			/* ".." removes the last element unless that is itself "..". */
			size_t base = rooted ? 1 : 0;
			size_t start = out->size;
			while (start > base && out->ptr[start - 1] != '/')
				start--;
			if (out->size > base &&
			    !(out->size - start == 2 && out->ptr[start] == '.' &&
			      out->ptr[start + 1] == '.')) {
				lium_buf_truncate(out, start > base ? start - 1 : base);
			} else if (!rooted) {
				if ((out->size > base && lium_buf_putc(out, '/') != LIUM_OK) ||
				    lium_buf_puts(out, "..") != LIUM_OK)
					return LIUM_ENOMEM;
			}
		} else {
			if (out->size > (size_t)(rooted ? 1 : 0) &&
			    lium_buf_putc(out, '/') != LIUM_OK)
				return LIUM_ENOMEM;
			if (lium_buf_put(out, in + i, j - i) != LIUM_OK)
				return LIUM_ENOMEM;
		}
		i = j + 1;
	}
	if (out->size == 0 && lium_buf_putc(out, '.') != LIUM_OK)
		return LIUM_ENOMEM;
	return LIUM_OK;
}

/* Length of a [...] class starting at p (p[0] == '['), or 0 when unterminated. */
static size_t class_len(const char *p)
{
	size_t i = 1;
	if (p[i] == '^')
		i++;
	if (p[i] == ']')
		i++;
	for (; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1])
			i++;
		else if (p[i] == ']')
			return i + 1;
	}
	return 0;
}

/* Docker's classification of a cleaned pattern; -1 for a syntax error. */
static int classify(const char *p)
{
	enum kind k = K_EXACT;
	size_t n = strlen(p);
	for (size_t i = 0, tok = 0; i < n; tok++) {
		char c = p[i];
		if (c == '*') {
			if (p[i + 1] == '*') {
				i += 2;
				if (p[i] == '/')
					i++;
				if (i >= n)
					k = k == K_EXACT ? K_PREFIX : K_GLOB;
				else
					k = K_GLOB;
				if (tok == 0)
					k = K_SUFFIX;
				continue;
			}
			k = K_GLOB;
			i++;
		} else if (c == '?') {
			k = K_GLOB;
			i++;
		} else if (c == '\\') {
			if (i + 1 >= n)
				return -1;
			k = K_GLOB;
			i += 2;
		} else if (c == '[') {
			size_t cl = class_len(p + i);
			if (!cl)
				return -1;
			k = K_GLOB;
			i += cl;
		} else {
			i++;
		}
	}
	return (int)k;
}

static lium_status add_clean(lium__ignore *ig, const char *raw, size_t len, size_t line,
			     lium_error *err)
{
	lium_buf clean = LIUM_BUF_INIT, full = LIUM_BUF_INIT;
	int exception = 0;
	int kind;
	const char *body;

	while (len && is_space((unsigned char)raw[0])) {
		raw++;
		len--;
	}
	while (len && is_space((unsigned char)raw[len - 1]))
		len--;
	if (len == 0)
		return LIUM_OK;
	if (raw[0] == '!') {
		exception = 1;
		raw++;
		len--;
		while (len && is_space((unsigned char)raw[0])) {
			raw++;
			len--;
		}
	}
	if (len == 0) {
		lium_error_set(err, LIUM_EPARSE,
			       ".dockerignore line %zu: illegal exclusion pattern \"!\"", line);
		if (err)
			err->position = line;
		return LIUM_EPARSE;
	}
	if (clean_path(raw, len, &clean) != LIUM_OK)
		goto oom;
	body = clean.ptr;
	if (clean.size > 1 && body[0] == '/')
		body++;
	if (lium_buf_puts(&full, body) != LIUM_OK)
		goto oom;
	kind = classify(full.ptr);
	if (kind < 0) {
		lium_error_set(err, LIUM_EPARSE,
			       ".dockerignore line %zu: syntax error in pattern %s", line,
			       full.ptr);
		if (err)
			err->position = line;
		lium_buf_dispose(&clean);
		lium_buf_dispose(&full);
		return LIUM_EPARSE;
	}
	if (ig->count == ig->cap) {
		size_t ncap = ig->cap ? ig->cap * 2 : 16;
		struct pattern *np = lium_realloc(ig->pats, ncap * sizeof(*np));
		if (!np)
			goto oom;
		ig->pats = np;
		ig->cap = ncap;
	}
	ig->pats[ig->count].text = lium_buf_detach(&full);
	if (!ig->pats[ig->count].text)
		goto oom;
	ig->pats[ig->count].exception = exception;
	ig->pats[ig->count].kind = (enum kind)kind;
	ig->count++;
	if (exception)
		ig->has_exceptions = 1;
	lium_buf_dispose(&clean);
	return LIUM_OK;
oom:
	lium_buf_dispose(&clean);
	lium_buf_dispose(&full);
	return lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

lium_status lium__ignore_add(lium__ignore *ig, const char *pattern, lium_error *err)
{
	if (!ig || !pattern)
		return lium_error_set(err, LIUM_EINVAL, "ignore: bad argument");
	return add_clean(ig, pattern, strlen(pattern), 0, err);
}

lium_status lium__ignore_load(lium__ignore *ig, const char *text, size_t len, lium_error *err)
{
	size_t i = 0, line = 0;
	if (!ig || (!text && len))
		return lium_error_set(err, LIUM_EINVAL, "ignore: bad argument");
	/* A UTF-8 byte order mark at the start is not part of the first pattern. */
	if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
	    (unsigned char)text[2] == 0xBF)
		i = 3;
	while (i < len) {
		size_t j = i;
		lium_status st;
		while (j < len && text[j] != '\n')
			j++;
		line++;
		/* Comments are recognised before blanks are trimmed, as Docker does. */
		if (text[i] != '#' && (st = add_clean(ig, text + i, j - i, line, err)) != LIUM_OK)
			return st;
		i = j + 1;
	}
	return LIUM_OK;
}

/* ------------------------------------------------------------------ */
/* Matching */

static size_t utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1;
}

/* Does byte c match the class at p (p[0] == '[')? */
static int class_match(const char *p, size_t len, unsigned char c)
{
	size_t i = 1, end = len - 1; /* p[end] == ']' */
	int negate = 0, hit = 0;
	if (p[i] == '^') {
		negate = 1;
		i++;
	}
	for (int first = 1; i < end; first = 0) {
		unsigned char lo, hi;
		if (p[i] == '\\' && i + 1 < end)
			i++;
		else if (p[i] == ']' && !first)
			break;
		lo = (unsigned char)p[i++];
		hi = lo;
		if (i + 1 < end && p[i] == '-') {
			i++;
			if (p[i] == '\\' && i + 1 < end)
				i++;
			hi = (unsigned char)p[i++];
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	return hit != negate;
}

static int glob_match(const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			const char *q = p + 2;
			if (*q == '/')
				q++;
			if (!*q)
				return 1;
			/* Docker's regexp here is "(.*" "/)?": nothing, or up to a '/'. */
			if (glob_match(q, s))
				return 1;
			for (const char *t = s; *t; t++) {
				if (*t == '/' && glob_match(q, t + 1))
					return 1;
			}
			return 0;
		}
		if (p[0] == '*') {
			const char *q = p + 1;
			for (const char *t = s;; t++) {
				if (glob_match(q, t))
					return 1;
				if (!*t || *t == '/')
					return 0;
			}
		}
		if (p[0] == '?') {
			if (!*s || *s == '/')
				return 0;
			s += utf8_len((unsigned char)*s);
			p++;
			continue;
		}
		if (p[0] == '[') {
			size_t cl = class_len(p);
			if (!cl || !*s || !class_match(p, cl, (unsigned char)*s))
				return 0;
			p += cl;
			s++;
			continue;
		}
		if (p[0] == '\\' && p[1])
			p++;
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

static int pattern_match(const struct pattern *pat, const char *path)
{
	const char *t = pat->text;
	size_t tl = strlen(t), pl = strlen(path);
	switch (pat->kind) {
	case K_EXACT:
		return strcmp(path, t) == 0;
	case K_PREFIX:
		return strncmp(path, t, tl - 2) == 0;
	case K_SUFFIX: {
		const char *suffix = t + 2;
		size_t sl = tl - 2;
		if (pl >= sl && memcmp(path + pl - sl, suffix, sl) == 0)
			return 1;
		return sl > 0 && suffix[0] == '/' && strcmp(path, suffix + 1) == 0;
	}
	case K_GLOB:
		return glob_match(t, path);
	}
	return 0;
}

int lium__ignore_matches(const lium__ignore *ig, const char *path)
{
	int matched = 0;
	const char *last_slash;
	if (!ig || !path)
		return 0;
	last_slash = strrchr(path, '/');
	for (size_t i = 0; i < ig->count; i++) {
		const struct pattern *pat = &ig->pats[i];
		int m;
		/* Only a pattern that could change the verdict is evaluated. */
		if (pat->exception != matched)
			continue;
		m = pattern_match(pat, path);
		if (!m && last_slash) {
			/* Or one of the parent directories: "a", "a/b" for "a/b/c". */
			size_t plen = (size_t)(last_slash - path);
			char *parent = lium_strndup(path, plen);
			if (parent) {
				for (size_t k = 0; k <= plen && !m; k++) {
					if (k == plen || parent[k] == '/') {
						char save = parent[k];
						parent[k] = '\0';
						m = pattern_match(pat, parent);
						parent[k] = save;
					}
				}
				lium_free(parent);
			}
		}
		if (m)
			matched = !pat->exception;
	}
	return matched;
}

int lium__ignore_dir_has_exception(const lium__ignore *ig, const char *dir)
{
	size_t dl;
	if (!ig || !dir)
		return 0;
	dl = strlen(dir);
	for (size_t i = 0; i < ig->count; i++) {
		const struct pattern *pat = &ig->pats[i];
		size_t tl = strlen(pat->text);
		/* Docker's test: strings.HasPrefix(pattern + "/", dir + "/"). */
		if (!pat->exception || tl + 1 < dl + 1)
			continue;
		if (memcmp(pat->text, dir, dl) == 0 && (tl == dl || pat->text[dl] == '/'))
			return 1;
	}
	return 0;
}
