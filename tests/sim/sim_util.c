/*
 * celium-sim: containers, ids, time, files and body validation.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "sim.h"

void *sim_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("celium-sim: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *sim_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fputs("celium-sim: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *sim_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("celium-sim: out of memory\n", stderr);
		abort();
	}
	return q;
}

char *sim_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = sim_xmalloc(n);
	memcpy(p, s, n);
	return p;
}

char *sim_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = NULL;
	if (vasprintf(&out, fmt, ap) < 0) {
		fputs("celium-sim: out of memory\n", stderr);
		abort();
	}
	va_end(ap);
	return out;
}

void sim_vec_push(sim_vec *v, void *item)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->items = sim_xrealloc(v->items, v->cap * sizeof(void *));
	}
	v->items[v->len++] = item;
}

void sim_vec_remove_at(sim_vec *v, size_t i)
{
	if (i >= v->len)
		return;
	memmove(v->items + i, v->items + i + 1, (v->len - i - 1) * sizeof(void *));
	v->len--;
}

void sim_vec_free(sim_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

void sim_str_add(sim_str *s, const char *data, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->len + n + 1)
			cap *= 2;
		s->data = sim_xrealloc(s->data, cap);
		s->cap = cap;
	}
	memcpy(s->data + s->len, data, n);
	s->len += n;
	s->data[s->len] = '\0';
}

void sim_str_adds(sim_str *s, const char *text)
{
	sim_str_add(s, text, strlen(text));
}

void sim_str_addf(sim_str *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *tmp = NULL;
	int n = vasprintf(&tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("celium-sim: out of memory\n", stderr);
		abort();
	}
	sim_str_add(s, tmp, (size_t)n);
	free(tmp);
}

char *sim_str_steal(sim_str *s, size_t *len)
{
	if (!s->data)
		sim_str_add(s, "", 0);
	char *out = s->data;
	if (len)
		*len = s->len;
	s->data = NULL;
	s->len = s->cap = 0;
	return out;
}

uint64_t sim_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t sim_rand_next(void)
{
	sim.rng += 0x9e3779b97f4a7c15ull;
	return sim_mix64(sim.rng);
}

double sim_rand_unit(void)
{
	return (double)(sim_rand_next() >> 11) / 9007199254740992.0;
}

void sim_uuid_from(uint64_t a, uint64_t b, char out[SIM_ID_LEN])
{
	unsigned char u[16];
	for (int i = 0; i < 8; i++) {
		u[i] = (unsigned char)(a >> (i * 8));
		u[8 + i] = (unsigned char)(b >> (i * 8));
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(out, SIM_ID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

void sim_uuid_new(char out[SIM_ID_LEN])
{
	uint64_t a = sim_rand_next();
	uint64_t b = sim_rand_next();
	sim_uuid_from(a, b, out);
}

bool sim_uuid_normalize(const char *s, char out[SIM_ID_LEN])
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!isxdigit((unsigned char)c)) {
			return false;
		}
		out[i] = (char)tolower((unsigned char)c);
	}
	out[36] = '\0';
	return true;
}

double sim_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + sim.clock_offset;
}

void sim_iso_time(double t, char out[32])
{
	time_t secs = (time_t)floor(t);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool parse_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

bool sim_parse_iso_time(const char *s, double *out)
{
	int y, mo, d, h, mi, sec;
	const char *p = s;
	if (!parse_digits(&p, 4, &y) || *p++ != '-' || !parse_digits(&p, 2, &mo) || *p++ != '-' ||
	    !parse_digits(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!parse_digits(&p, 2, &h) || *p++ != ':' || !parse_digits(&p, 2, &mi))
		return false;
	sec = 0;
	if (*p == ':') {
		p++;
		if (!parse_digits(&p, 2, &sec))
			return false;
	}
	double frac = 0.0;
	if (*p == '.') {
		p++;
		double scale = 0.1;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p)) {
			frac += (*p - '0') * scale;
			scale /= 10.0;
			p++;
		}
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int oh, om = 0;
		p++;
		if (!parse_digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (*p && !parse_digits(&p, 2, &om))
			return false;
		offset = sign * (oh * 3600L + om * 60L);
	}
	if (*p != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*out = (double)t + frac - (double)offset;
	return true;
}

int sim_mkdirs(const char *path, mode_t mode)
{
	char *tmp = sim_xstrdup(path);
	int rc = 0;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	if (rc == 0 && mkdir(tmp, mode) != 0 && errno != EEXIST)
		rc = -1;
	free(tmp);
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int sim_rmtree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

int sim_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = sim_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

char *sim_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	sim_str s = {0};
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			free(s.data);
			return NULL;
		}
		if (n == 0)
			break;
		sim_str_add(&s, buf, (size_t)n);
	}
	close(fd);
	return sim_str_steal(&s, len);
}

static _Thread_local uint64_t usage_bytes, usage_files;

static int usage_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode)) {
		usage_bytes += (uint64_t)st->st_size;
		usage_files++;
	}
	return 0;
}

void sim_dir_usage(const char *path, uint64_t *bytes, uint64_t *files)
{
	usage_bytes = usage_files = 0;
	nftw(path, usage_entry, 16, FTW_PHYS);
	*bytes = usage_bytes;
	*files = usage_files;
}

int sim_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	socklen_t alen = sizeof a;
	int port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

void sim_log(const char *fmt, ...)
{
	if (sim.opt.quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("celium-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void sim_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("celium-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- validation ------------------------------------------------------ */

void sim_verr(json_t *errors, const char *type, const char *where, const char *field,
	      const char *msg, json_t *input)
{
	json_t *loc = json_array();
	json_array_append_new(loc, json_string(where));
	if (field)
		json_array_append_new(loc, json_string(field));
	json_t *e = json_object();
	json_object_set_new(e, "type", json_string(type));
	json_object_set_new(e, "loc", loc);
	json_object_set_new(e, "msg", json_string(msg));
	json_object_set_new(e, "input", input ? input : json_null());
	json_array_append_new(errors, e);
}

static bool json_is_int_like(const json_t *v)
{
	if (json_is_integer(v))
		return true;
	if (json_is_real(v)) {
		double d = json_real_value(v);
		return floor(d) == d && fabs(d) < 9.0e15;
	}
	return false;
}

static void check_field(json_t *obj, const sim_field *f, json_t *errors)
{
	json_t *v = json_object_get(obj, f->name);
	if (!v) {
		if (f->required)
			sim_verr(errors, "missing", "body", f->name, "Field required",
				 json_incref(obj));
		return;
	}
	if (json_is_null(v)) {
		if (!f->nullable && f->required)
			sim_verr(errors, "missing", "body", f->name, "Field required",
				 json_incref(obj));
		else if (!f->nullable)
			sim_verr(errors, "none_forbidden", "body", f->name,
				 "Input should not be None", json_null());
		return;
	}
	switch (f->type) {
	case SIM_F_STR:
		if (!json_is_string(v))
			sim_verr(errors, "string_type", "body", f->name,
				 "Input should be a valid string", json_incref(v));
		break;
	case SIM_F_UUID: {
		char norm[SIM_ID_LEN];
		if (!json_is_string(v))
			sim_verr(errors, "uuid_type", "body", f->name,
				 "UUID input should be a string, bytes or UUID object",
				 json_incref(v));
		else if (!sim_uuid_normalize(json_string_value(v), norm))
			sim_verr(errors, "uuid_parsing", "body", f->name,
				 "Input should be a valid UUID, invalid character or length",
				 json_incref(v));
		break;
	}
	case SIM_F_INT:
		if (!json_is_int_like(v))
			sim_verr(errors, "int_type", "body", f->name,
				 "Input should be a valid integer", json_incref(v));
		break;
	case SIM_F_NUM:
		if (!json_is_number(v))
			sim_verr(errors, "float_type", "body", f->name,
				 "Input should be a valid number", json_incref(v));
		break;
	case SIM_F_BOOL:
		if (!json_is_boolean(v))
			sim_verr(errors, "bool_type", "body", f->name,
				 "Input should be a valid boolean", json_incref(v));
		break;
	case SIM_F_STR_ARRAY:
	case SIM_F_INT_ARRAY: {
		if (!json_is_array(v)) {
			sim_verr(errors, "list_type", "body", f->name,
				 "Input should be a valid list", json_incref(v));
			break;
		}
		size_t i;
		json_t *it;
		json_array_foreach(v, i, it)
		{
			bool ok = f->type == SIM_F_STR_ARRAY ? json_is_string(it)
							     : json_is_int_like(it);
			if (!ok) {
				char *fld = sim_xasprintf("%s", f->name);
				json_t *e = json_object();
				json_t *loc = json_array();
				json_array_append_new(loc, json_string("body"));
				json_array_append_new(loc, json_string(fld));
				json_array_append_new(loc, json_integer((json_int_t)i));
				free(fld);
				json_object_set_new(e, "type",
						    json_string(f->type == SIM_F_STR_ARRAY
									? "string_type"
									: "int_type"));
				json_object_set_new(e, "loc", loc);
				json_object_set_new(e, "msg",
						    json_string(f->type == SIM_F_STR_ARRAY
									? "Input should be a valid "
									  "string"
									: "Input should be a valid "
									  "integer"));
				json_object_set_new(e, "input", json_incref(it));
				json_array_append_new(errors, e);
			}
		}
		break;
	}
	case SIM_F_STR_MAP: {
		if (!json_is_object(v)) {
			sim_verr(errors, "dict_type", "body", f->name,
				 "Input should be a valid dictionary", json_incref(v));
			break;
		}
		const char *k;
		json_t *it;
		json_object_foreach(v, k, it)
		{
			if (!json_is_string(it)) {
				json_t *e = json_object();
				json_t *loc = json_array();
				json_array_append_new(loc, json_string("body"));
				json_array_append_new(loc, json_string(f->name));
				json_array_append_new(loc, json_string(k));
				json_object_set_new(e, "type", json_string("string_type"));
				json_object_set_new(e, "loc", loc);
				json_object_set_new(e, "msg",
						    json_string("Input should be a valid string"));
				json_object_set_new(e, "input", json_incref(it));
				json_array_append_new(errors, e);
			}
		}
		break;
	}
	}
}

bool sim_validate_body(sim_req *r, const sim_field *fields, size_t n, sim_resp *resp)
{
	json_t *errors = json_array();
	sim_check_body(r, fields, n, errors);
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return true;
	}
	sim_resp_422(resp, errors);
	return false;
}

bool sim_check_body(sim_req *r, const sim_field *fields, size_t n, json_t *errors)
{
	if (r->body_len == 0) {
		sim_verr(errors, "missing", "body", NULL, "Field required", NULL);
	} else if (r->not_json_type) {
		json_t *text = json_stringn(r->body, r->body_len);
		sim_verr(errors, "model_attributes_type", "body", NULL,
			 "Input should be a valid dictionary or object to extract fields from",
			 text ? text : json_string("(bytes)"));
	} else if (!r->json) {
		json_error_t jerr;
		json_t *tmp = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &jerr);
		json_decref(tmp);
		json_t *e = json_object();
		json_t *loc = json_array();
		json_array_append_new(loc, json_string("body"));
		json_array_append_new(loc, json_integer(jerr.position));
		json_object_set_new(e, "type", json_string("json_invalid"));
		json_object_set_new(e, "loc", loc);
		json_object_set_new(e, "msg", json_string("JSON decode error"));
		json_object_set_new(e, "input", json_object());
		json_t *ctx = json_object();
		json_object_set_new(ctx, "error", json_string(jerr.text));
		json_object_set_new(e, "ctx", ctx);
		json_array_append_new(errors, e);
	} else if (!json_is_object(r->json)) {
		sim_verr(errors, "model_attributes_type", "body", NULL,
			 "Input should be a valid dictionary or object to extract fields from",
			 json_incref(r->json));
	} else {
		for (size_t i = 0; i < n; i++)
			check_field(r->json, &fields[i], errors);
		return true;
	}
	return false;
}

bool sim_query_int(const sim_req *r, const char *name, long long *out, bool *present,
		   json_t *errors)
{
	const char *v = sim_query(r, name);
	*present = v != NULL;
	if (!v)
		return true;
	char *end = NULL;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno) {
		sim_verr(errors, "int_parsing", "query", name,
			 "Input should be a valid integer, unable to parse string as an integer",
			 json_string(v));
		return false;
	}
	*out = x;
	return true;
}

bool sim_query_num(const sim_req *r, const char *name, double *out, bool *present, json_t *errors)
{
	const char *v = sim_query(r, name);
	*present = v != NULL;
	if (!v)
		return true;
	char *end = NULL;
	errno = 0;
	double x = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(x)) {
		sim_verr(errors, "float_parsing", "query", name,
			 "Input should be a valid number, unable to parse string as a number",
			 json_string(v));
		return false;
	}
	*out = x;
	return true;
}

bool sim_query_bool(const sim_req *r, const char *name, bool *out, bool *present, json_t *errors)
{
	const char *v = sim_query(r, name);
	*present = v != NULL;
	if (!v)
		return true;
	static const char *const yes[] = {"true", "1", "yes", "on", "t", "y"};
	static const char *const no[] = {"false", "0", "no", "off", "f", "n"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	sim_verr(errors, "bool_parsing", "query", name,
		 "Input should be a valid boolean, unable to interpret input", json_string(v));
	return false;
}
