/*
 * The Docker Engine client: HTTP over the engine's Unix socket (or TCP)
 * with libcurl, JSON with jansson.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lium/utils/docker.h"
#include "lium/utils/fs.h"
#include "docker_int.h"

#define DEFAULT_SOCKET     "/var/run/docker.sock"
#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_REQUEST_MS 60000
#define RESPONSE_MAX       (64u << 20)
#define ERROR_BODY_MAX     (1u << 20)
#define CONFIG_MAX         (4u << 20)
#define UPLOAD_BUFFER      (512 * 1024)

struct lium_docker {
	CURL *curl;
	char *host;
	char *socket_path;
	char *base_url;
	char *api_prefix;
	char *config_dir;
	char *ca, *cert, *key;
	long connect_ms, request_ms;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_OK;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static lium_status nomem(lium_error *err)
{
	return lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Client */

static lium_status parse_host(lium_docker *d, const char *host, lium_error *err)
{
	lium_buf b = LIUM_BUF_INIT;
	const char *tls_verify = getenv("DOCKER_TLS_VERIFY");
	int tls = tls_verify && *tls_verify;
	const char *rest;

	if (strncmp(host, "unix://", 7) == 0) {
		if (host[7] != '/')
			return lium_error_set(err, LIUM_EINVAL,
					      "Docker host %s: the socket path must be absolute",
					      host);
		d->socket_path = lium_strdup(host + 7);
		d->base_url = lium_strdup("http://localhost");
		d->host = lium_strdup(host);
		return d->socket_path && d->base_url && d->host ? LIUM_OK : nomem(err);
	}
	if (strncmp(host, "tcp://", 6) == 0) {
		rest = host + 6;
	} else if (strncmp(host, "http://", 7) == 0) {
		rest = host + 7;
		tls = 0;
	} else if (strncmp(host, "https://", 8) == 0) {
		rest = host + 8;
		tls = 1;
	} else {
		return lium_error_set(err, LIUM_EINVAL,
				      "Docker host %s is not supported (unix://, tcp://, http:// "
				      "and https:// are)",
				      host);
	}
	{
		size_t n = strcspn(rest, "/");
		const char *colon = memchr(rest, ':', n);
		if (n == 0)
			return lium_error_set(err, LIUM_EINVAL, "Docker host %s has no address",
					      host);
		if (lium_buf_printf(&b, "%s://%.*s%s", tls ? "https" : "http", (int)n, rest,
				    colon ? "" : (tls ? ":2376" : ":2375")) != LIUM_OK)
			return nomem(err);
	}
	d->base_url = lium_buf_detach(&b);
	d->host = lium_strdup(host);
	if (!d->base_url || !d->host)
		return nomem(err);
	if (tls) {
		const char *certs = getenv("DOCKER_CERT_PATH");
		lium_buf dir = LIUM_BUF_INIT, p = LIUM_BUF_INIT;
		if (certs && *certs) {
			if (lium_buf_puts(&dir, certs) != LIUM_OK)
				return nomem(err);
		} else if (d->config_dir) {
			if (lium_buf_puts(&dir, d->config_dir) != LIUM_OK)
				return nomem(err);
		} else {
			lium_status st = lium_fs_expand_user("~/.docker", &dir, err);
			if (st != LIUM_OK)
				return st;
		}
		lium_buf_printf(&p, "%s/ca.pem", dir.ptr);
		d->ca = lium_buf_detach(&p);
		lium_buf_printf(&p, "%s/cert.pem", dir.ptr);
		d->cert = lium_buf_detach(&p);
		lium_buf_printf(&p, "%s/key.pem", dir.ptr);
		d->key = lium_buf_detach(&p);
		lium_buf_dispose(&dir);
		if (!d->ca || !d->cert || !d->key)
			return nomem(err);
	}
	return LIUM_OK;
}

lium_status lium_docker_new(lium_docker **out, const lium_docker_options *opts, lium_error *err)
{
	lium_docker_options defaults = LIUM_DOCKER_OPTIONS_INIT;
	const lium_docker_options *o = opts ? opts : &defaults;
	const char *host = o->host;
	lium_docker *d;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "docker_new: out is NULL");
	*out = NULL;
	if (o->version < 1)
		return lium_error_set(err, LIUM_EINVAL, "docker options: bad version");
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return lium_error_set(err, LIUM_EGENERIC, "libcurl initialisation failed: %s",
				      curl_easy_strerror(curl_init_result));
	d = lium_calloc(1, sizeof(*d));
	if (!d)
		return nomem(err);
	d->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_MS;
	d->request_ms = o->request_timeout_ms > 0 ? o->request_timeout_ms : DEFAULT_REQUEST_MS;
	if (o->config_dir && !(d->config_dir = lium_strdup(o->config_dir))) {
		st = nomem(err);
		goto fail;
	}
	if (!host || !*host)
		host = getenv("DOCKER_HOST");
	if (!host || !*host)
		host = "unix://" DEFAULT_SOCKET;
	if ((st = parse_host(d, host, err)) != LIUM_OK)
		goto fail;
	if (o->api_version && *o->api_version) {
		lium_buf b = LIUM_BUF_INIT;
		const char *v = o->api_version[0] == 'v' ? o->api_version + 1 : o->api_version;
		if (strspn(v, "0123456789.") != strlen(v)) {
			st = lium_error_set(err, LIUM_EINVAL, "bad Docker API version %s",
					    o->api_version);
			goto fail;
		}
		if (lium_buf_printf(&b, "/v%s", v) != LIUM_OK) {
			st = nomem(err);
			goto fail;
		}
		d->api_prefix = lium_buf_detach(&b);
	} else {
		d->api_prefix = lium_strdup("");
	}
	d->curl = curl_easy_init();
	if (!d->api_prefix || !d->curl) {
		st = nomem(err);
		goto fail;
	}
	*out = d;
	return LIUM_OK;
fail:
	lium_docker_free(d);
	return st;
}

void lium_docker_free(lium_docker *d)
{
	if (!d)
		return;
	if (d->curl)
		curl_easy_cleanup(d->curl);
	lium_free(d->host);
	lium_free(d->socket_path);
	lium_free(d->base_url);
	lium_free(d->api_prefix);
	lium_free(d->config_dir);
	lium_free(d->ca);
	lium_free(d->cert);
	lium_free(d->key);
	lium_free(d);
}

const char *lium_docker_host(const lium_docker *d)
{
	return d ? d->host : NULL;
}

/* ------------------------------------------------------------------ */
/* Requests */

enum resp_mode { RESP_BUFFER, RESP_STREAM, RESP_RAW };

struct req {
	lium_docker *d;
	enum resp_mode mode;
	long status;
	int status_known;
	lium_buf body;
	lium_buf line;
	lium_docker_event_fn on_event;
	void *userdata;
	lium_docker_write_fn write;
	void *write_ud;
	int cancelled;
	int nomem;
	int too_big;
	lium_buf stream_error;
	lium_buf aux_id;
	lium_buf built_id;
	lium_buf digest;
	/* request body: a build context */
	lium__docker_context *ctx;
	lium_status body_status;
	lium_error body_err;
};

static void req_init(struct req *r, lium_docker *d, enum resp_mode mode)
{
	memset(r, 0, sizeof(*r));
	r->d = d;
	r->mode = mode;
}

static void req_dispose(struct req *r)
{
	lium_buf_dispose(&r->body);
	lium_buf_dispose(&r->line);
	lium_buf_dispose(&r->stream_error);
	lium_buf_dispose(&r->aux_id);
	lium_buf_dispose(&r->built_id);
	lium_buf_dispose(&r->digest);
}

static int64_t json_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return -1;
}

static const char *json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void set_buf(lium_buf *b, const char *s, struct req *r)
{
	lium_buf_clear(b);
	if (s && lium_buf_puts(b, s) != LIUM_OK)
		r->nomem = 1;
}

/* One JSON object of a build or push stream. */
static void handle_line(struct req *r, char *line, size_t len)
{
	json_t *o, *detail, *aux;
	lium_docker_event ev;
	const char *s;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = '\0';
	if (len == 0)
		return;
	o = json_loadb(line, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.current = ev.total = ev.size = -1;
	ev.json = line;
	detail = json_object_get(o, "errorDetail");
	aux = json_object_get(o, "aux");
	if (json_is_object(detail) || json_str(o, "error")) {
		ev.kind = LIUM_DOCKER_EVENT_ERROR;
		ev.text = json_is_object(detail) ? json_str(detail, "message") : NULL;
		if (!ev.text)
			ev.text = json_str(o, "error");
		if (!ev.text)
			ev.text = "unknown error";
		if (r->stream_error.size == 0)
			set_buf(&r->stream_error, ev.text, r);
	} else if (json_is_object(aux)) {
		ev.kind = LIUM_DOCKER_EVENT_AUX;
		ev.image_id = json_str(aux, "ID");
		ev.tag = json_str(aux, "Tag");
		ev.digest = json_str(aux, "Digest");
		ev.size = json_int(aux, "Size");
		if (ev.image_id)
			set_buf(&r->aux_id, ev.image_id, r);
		if (ev.digest)
			set_buf(&r->digest, ev.digest, r);
	} else if ((s = json_str(o, "stream")) != NULL) {
		static const char built[] = "Successfully built ";
		ev.kind = LIUM_DOCKER_EVENT_STREAM;
		ev.text = s;
		if (strncmp(s, built, sizeof(built) - 1) == 0) {
			const char *id = s + sizeof(built) - 1;
			size_t n = strcspn(id, " \r\n");
			lium_buf_clear(&r->built_id);
			if (lium_buf_put(&r->built_id, id, n) != LIUM_OK)
				r->nomem = 1;
		}
	} else if ((s = json_str(o, "status")) != NULL) {
		json_t *pd = json_object_get(o, "progressDetail");
		ev.kind = LIUM_DOCKER_EVENT_STATUS;
		ev.text = s;
		ev.id = json_str(o, "id");
		ev.progress = json_str(o, "progress");
		if (json_is_object(pd)) {
			ev.current = json_int(pd, "current");
			ev.total = json_int(pd, "total");
		}
	} else {
		json_decref(o);
		return;
	}
	if (r->on_event && !r->cancelled && r->on_event(&ev, r->userdata))
		r->cancelled = 1;
	json_decref(o);
}

static void drain_lines(struct req *r, int final)
{
	size_t start = 0;
	for (size_t i = 0; i < r->line.size && !r->cancelled; i++) {
		if (r->line.ptr[i] != '\n')
			continue;
		r->line.ptr[i] = '\0';
		handle_line(r, r->line.ptr + start, i - start);
		start = i + 1;
	}
	if (r->cancelled)
		return;
	if (final && start < r->line.size) {
		handle_line(r, r->line.ptr + start, r->line.size - start);
		start = r->line.size;
	}
	if (start) {
		size_t left = r->line.size - start;
		memmove(r->line.ptr, r->line.ptr + start, left);
		lium_buf_truncate(&r->line, left);
	}
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct req *r = userdata;
	size_t n = size * nmemb;
	if (!r->status_known) {
		curl_easy_getinfo(r->d->curl, CURLINFO_RESPONSE_CODE, &r->status);
		r->status_known = 1;
	}
	if (r->status >= 400 || r->mode == RESP_BUFFER) {
		size_t cap = r->status >= 400 ? ERROR_BODY_MAX : RESPONSE_MAX;
		if (r->body.size + n > cap) {
			r->too_big = 1;
			return 0;
		}
		if (lium_buf_put(&r->body, ptr, n) != LIUM_OK) {
			r->nomem = 1;
			return 0;
		}
		return n;
	}
	if (r->mode == RESP_RAW) {
		if (r->write(ptr, n, r->write_ud)) {
			r->cancelled = 1;
			return 0;
		}
		return n;
	}
	if (lium_buf_put(&r->line, ptr, n) != LIUM_OK) {
		r->nomem = 1;
		return 0;
	}
	drain_lines(r, 0);
	return r->cancelled || r->nomem ? 0 : n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct req *r = userdata;
	size_t n = 0;
	r->body_status = lium__docker_context_read(r->ctx, buf, size * nitems, &n, &r->body_err);
	return r->body_status == LIUM_OK ? n : CURL_READFUNC_ABORT;
}

/* The engine's message from an error body: {"message": "..."} or the text. */
static lium_status engine_error(struct req *r, lium_error *err)
{
	json_t *o = r->body.size ? json_loadb(r->body.ptr, r->body.size, 0, NULL) : NULL;
	const char *msg = json_is_object(o) ? json_str(o, "message") : NULL;
	lium_status st;
	if (msg) {
		st = lium_error_set(err, LIUM_EDOCKER, "%s", msg);
	} else if (r->body.size) {
		size_t n = r->body.size;
		while (n && (r->body.ptr[n - 1] == '\n' || r->body.ptr[n - 1] == '\r'))
			n--;
		st = lium_error_set(err, LIUM_EDOCKER, "%.*s", (int)(n > 400 ? 400 : n),
				    r->body.ptr);
	} else {
		st = lium_error_set(err, LIUM_EDOCKER, "the Docker engine answered HTTP %ld",
				    r->status);
	}
	if (err)
		err->cause = r->status;
	json_decref(o);
	return st;
}

/* Percent-encode for a path: keeps unreserved characters and / : @. */
static lium_status escape_path(lium_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/:@", c)) {
			if (lium_buf_putc(out, (char)c) != LIUM_OK)
				return LIUM_ENOMEM;
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			if (lium_buf_put(out, e, 3) != LIUM_OK)
				return LIUM_ENOMEM;
		}
	}
	return LIUM_OK;
}

/* Append "&name=value" (or "?name=value" first) with the value escaped. */
static lium_status add_query(lium_buf *url, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	lium_status st;
	if (!esc)
		return LIUM_ENOMEM;
	st = lium_buf_printf(url, "%c%s=%s", strchr(url->ptr ? url->ptr : "", '?') ? '&' : '?',
			     name, esc);
	curl_free(esc);
	return st;
}

static lium_status perform(lium_docker *d, const char *method, const char *path,
			   struct curl_slist *headers, struct req *r, long timeout_ms,
			   lium_error *err)
{
	lium_buf url = LIUM_BUF_INIT;
	struct curl_slist *h = headers, *extra;
	CURLcode rc;
	CURL *c = d->curl;

	if (lium_buf_printf(&url, "%s%s%s", d->base_url, d->api_prefix, path) != LIUM_OK)
		return nomem(err);
	/* No "Expect: 100-continue" round trip before a build context. */
	extra = curl_slist_append(h, "Expect:");
	if (!extra) {
		lium_buf_dispose(&url);
		return nomem(err);
	}
	h = extra;
	if (r->ctx) {
		extra = curl_slist_append(h, "Transfer-Encoding: chunked");
		if (!extra) {
			curl_slist_free_all(h);
			lium_buf_dispose(&url);
			return nomem(err);
		}
		h = extra;
	}

	curl_easy_reset(c);
	d->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url.ptr);
	if (d->socket_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, d->connect_ms);
	if (timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lium/" LIUM_VERSION_STRING);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (d->ca) {
		curl_easy_setopt(c, CURLOPT_CAINFO, d->ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, d->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, d->key);
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (r->ctx) {
			curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(c, CURLOPT_READDATA, r);
			curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, (long)UPLOAD_BUFFER);
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		}
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	lium_buf_dispose(&url);
	if (!r->status_known)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->mode == RESP_STREAM && !r->cancelled && r->status < 400)
		drain_lines(r, 1);

	if (r->cancelled)
		return lium_error_set(err, LIUM_ECANCELLED, "Docker request %s %s cancelled",
				      method, path);
	if (r->nomem)
		return nomem(err);
	if (r->body_status != LIUM_OK) {
		if (err)
			*err = r->body_err;
		return r->body_status;
	}
	if (r->too_big)
		return lium_error_set(err, LIUM_EPARSE, "Docker %s %s: the answer is too large",
				      method, path);
	if (r->status >= 400)
		return engine_error(r, err);
	if (rc != CURLE_OK) {
		lium_status code = rc == CURLE_OPERATION_TIMEDOUT ? LIUM_ETIMEOUT : LIUM_ENETWORK;
		lium_error_set(err, code, "cannot talk to the Docker engine at %s: %s", d->host,
			       d->errbuf[0] ? d->errbuf : curl_easy_strerror(rc));
		if (err)
			err->cause = (long)rc;
		return code;
	}
	return LIUM_OK;
}

static json_t *parse_body(struct req *r, const char *what, lium_error *err)
{
	json_error_t jerr;
	json_t *o = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.size, 0, &jerr);
	if (!o) {
		lium_error_set(err, LIUM_EPARSE, "Docker %s: malformed JSON: %s", what, jerr.text);
		if (err)
			err->position = (size_t)jerr.position;
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* ping, version */

lium_status lium_docker_ping(lium_docker *d, lium_error *err)
{
	struct req r;
	lium_status st;
	if (!d)
		return lium_error_set(err, LIUM_EINVAL, "docker_ping: client is NULL");
	req_init(&r, d, RESP_BUFFER);
	st = perform(d, "GET", "/_ping", NULL, &r, d->request_ms, err);
	req_dispose(&r);
	return st;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_str(o, key);
	return s ? lium_strdup(s) : NULL;
}

void lium_docker_version_info_free(lium_docker_version_info *v)
{
	if (!v)
		return;
	lium_free(v->version);
	lium_free(v->api_version);
	lium_free(v->min_api_version);
	lium_free(v->os);
	lium_free(v->arch);
	lium_free(v->kernel_version);
	lium_free(v->git_commit);
	lium_free(v->go_version);
	lium_free(v);
}

lium_status lium_docker_version(lium_docker *d, lium_docker_version_info **out, lium_error *err)
{
	struct req r;
	lium_status st;
	json_t *o;
	lium_docker_version_info *v;

	if (out)
		*out = NULL;
	if (!d || !out)
		return lium_error_set(err, LIUM_EINVAL, "docker_version: bad argument");
	req_init(&r, d, RESP_BUFFER);
	st = perform(d, "GET", "/version", NULL, &r, d->request_ms, err);
	if (st != LIUM_OK) {
		req_dispose(&r);
		return st;
	}
	o = parse_body(&r, "version", err);
	req_dispose(&r);
	if (!o)
		return LIUM_EPARSE;
	if (!json_is_object(o) || !json_str(o, "Version")) {
		json_decref(o);
		return lium_error_set(err, LIUM_EPARSE, "Docker version: no Version field");
	}
	v = lium_calloc(1, sizeof(*v));
	if (!v) {
		json_decref(o);
		return nomem(err);
	}
	v->version = dup_str(o, "Version");
	v->api_version = dup_str(o, "ApiVersion");
	v->min_api_version = dup_str(o, "MinAPIVersion");
	v->os = dup_str(o, "Os");
	v->arch = dup_str(o, "Arch");
	v->kernel_version = dup_str(o, "KernelVersion");
	v->git_commit = dup_str(o, "GitCommit");
	v->go_version = dup_str(o, "GoVersion");
	json_decref(o);
	if (!v->version) {
		lium_docker_version_info_free(v);
		return nomem(err);
	}
	*out = v;
	return LIUM_OK;
}

/* ------------------------------------------------------------------ */
/* Credentials */

/* config.json of the docker CLI; *text stays empty when there is none. */
static lium_status read_docker_config(lium_docker *d, lium_buf *text, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	const char *env = getenv("DOCKER_CONFIG");
	lium_status st;
	lium_error e2;

	if (d->config_dir)
		st = lium_buf_puts(&path, d->config_dir) == LIUM_OK ? LIUM_OK : LIUM_ENOMEM;
	else if (env && *env)
		st = lium_buf_puts(&path, env) == LIUM_OK ? LIUM_OK : LIUM_ENOMEM;
	else
		st = lium_fs_expand_user("~/.docker", &path, &e2);
	if (st == LIUM_ENOTFOUND) {
		/* No home directory: no configuration either. */
		lium_buf_dispose(&path);
		return LIUM_OK;
	}
	if (st != LIUM_OK || lium_buf_puts(&path, "/config.json") != LIUM_OK) {
		lium_buf_dispose(&path);
		return nomem(err);
	}
	st = lium_fs_read_file(path.ptr, CONFIG_MAX, text, err);
	lium_buf_dispose(&path);
	if (st == LIUM_ENOTFOUND) {
		lium_buf_clear(text);
		return LIUM_OK;
	}
	return st;
}

/* ------------------------------------------------------------------ */
/* Build */

static lium_status json_map_query(lium_buf *url, const char *name, const char *const *items,
				  int from_env)
{
	json_t *o = json_object();
	char *text;
	lium_status st;
	if (!o)
		return LIUM_ENOMEM;
	for (size_t i = 0; items[i]; i++) {
		const char *eq = strchr(items[i], '=');
		char *key = lium_strndup(items[i], eq ? (size_t)(eq - items[i]) : strlen(items[i]));
		const char *value = eq ? eq + 1 : (from_env ? getenv(items[i]) : "");
		if (!key) {
			json_decref(o);
			return LIUM_ENOMEM;
		}
		if (value)
			json_object_set_new(o, key, json_string(value));
		lium_free(key);
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return LIUM_ENOMEM;
	st = add_query(url, name, text);
	free(text);
	return st;
}

lium_status lium_docker_build(lium_docker *d, const char *context_dir,
			      const lium_docker_build_options *opts, lium_buf *image_id,
			      lium_error *err)
{
	lium_docker_build_options defaults = LIUM_DOCKER_BUILD_OPTIONS_INIT;
	const lium_docker_build_options *o = opts ? opts : &defaults;
	lium__docker_context *ctx = NULL;
	lium_buf url = LIUM_BUF_INIT, config = LIUM_BUF_INIT, hdr = LIUM_BUF_INIT;
	struct curl_slist *headers = NULL, *h;
	struct req r;
	lium_status st;

	if (!d || !context_dir)
		return lium_error_set(err, LIUM_EINVAL, "docker_build: bad argument");
	if (o->version < 1)
		return lium_error_set(err, LIUM_EINVAL, "docker build options: bad version");
	req_init(&r, d, RESP_STREAM);
	if ((st = lium__docker_context_new(&ctx, context_dir, o->dockerfile, err)) != LIUM_OK)
		goto out;
	if (o->on_event) {
		lium_docker_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.kind = LIUM_DOCKER_EVENT_CONTEXT;
		ev.current = (int64_t)lium__docker_context_entries(ctx);
		ev.total = (int64_t)lium__docker_context_data_bytes(ctx);
		ev.size = -1;
		ev.text = context_dir;
		if (o->on_event(&ev, o->userdata)) {
			st = lium_error_set(err, LIUM_ECANCELLED, "docker build cancelled");
			goto out;
		}
	}

	st = LIUM_ENOMEM;
	if (lium_buf_puts(&url, "/build") != LIUM_OK)
		goto out;
	if (add_query(&url, "dockerfile", lium__docker_context_dockerfile(ctx)) != LIUM_OK)
		goto out;
	for (size_t i = 0; o->tags && o->tags[i]; i++) {
		if (add_query(&url, "t", o->tags[i]) != LIUM_OK)
			goto out;
	}
	if (o->build_args && json_map_query(&url, "buildargs", o->build_args, 1) != LIUM_OK)
		goto out;
	if (o->labels && json_map_query(&url, "labels", o->labels, 0) != LIUM_OK)
		goto out;
	if (o->target && add_query(&url, "target", o->target) != LIUM_OK)
		goto out;
	if (o->platform && add_query(&url, "platform", o->platform) != LIUM_OK)
		goto out;
	if (o->no_cache && add_query(&url, "nocache", "1") != LIUM_OK)
		goto out;
	if (o->pull && add_query(&url, "pull", "1") != LIUM_OK)
		goto out;
	if (add_query(&url, "rm", o->keep_intermediate ? "0" : "1") != LIUM_OK)
		goto out;

	if (!(h = curl_slist_append(headers, "Content-Type: application/x-tar")))
		goto out;
	headers = h;
	if ((st = read_docker_config(d, &config, err)) != LIUM_OK)
		goto out;
	if (config.size) {
		if ((st = lium__docker_config_header(config.ptr, config.size, &hdr, err)) !=
		    LIUM_OK)
			goto out;
		if (hdr.size) {
			lium_buf line = LIUM_BUF_INIT;
			st = LIUM_ENOMEM;
			if (lium_buf_printf(&line, "X-Registry-Config: %s", hdr.ptr) != LIUM_OK)
				goto out;
			h = curl_slist_append(headers, line.ptr);
			lium__docker_secret_dispose(&line);
			if (!h)
				goto out;
			headers = h;
		}
	}

	r.ctx = ctx;
	r.on_event = o->on_event;
	r.userdata = o->userdata;
	st = perform(d, "POST", url.ptr, headers, &r, 0, err);
	headers = NULL; /* perform() freed the list */
	if (st != LIUM_OK)
		goto out;
	if (r.stream_error.size) {
		st = lium_error_set(err, LIUM_EDOCKER, "%s", r.stream_error.ptr);
		goto out;
	}
	if (image_id) {
		const lium_buf *id = r.aux_id.size ? &r.aux_id : &r.built_id;
		lium_buf_clear(image_id);
		if (id->size == 0) {
			st = lium_error_set(err, LIUM_EDOCKER,
					    "the Docker engine did not report the image id");
			goto out;
		}
		if (lium_buf_put(image_id, id->ptr, id->size) != LIUM_OK) {
			st = nomem(err);
			goto out;
		}
	}
	st = LIUM_OK;
out:
	if (st == LIUM_ENOMEM && err && err->code != LIUM_ENOMEM)
		nomem(err);
	curl_slist_free_all(headers);
	lium__docker_secret_dispose(&hdr);
	lium__docker_secret_dispose(&config);
	lium_buf_dispose(&url);
	req_dispose(&r);
	lium__docker_context_free(ctx);
	return st;
}

/* ------------------------------------------------------------------ */
/* tag, push */

/* "repo:tag" -> repo and tag ("latest" when absent); a ':' before the last '/' is a port. */
static lium_status split_repo_tag(const char *ref, lium_buf *repo, lium_buf *tag)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	/* A digest ("repo@sha256:...") names content, not a tag. */
	if (strchr(ref, '@'))
		return LIUM_EINVAL;
	if (colon) {
		if (lium_buf_put(repo, ref, (size_t)(colon - ref)) != LIUM_OK ||
		    lium_buf_puts(tag, colon + 1) != LIUM_OK)
			return LIUM_ENOMEM;
	} else {
		if (lium_buf_puts(repo, ref) != LIUM_OK || lium_buf_puts(tag, "latest") != LIUM_OK)
			return LIUM_ENOMEM;
	}
	return LIUM_OK;
}

lium_status lium_docker_tag(lium_docker *d, const char *image, const char *repo_tag,
			    lium_error *err)
{
	lium_buf url = LIUM_BUF_INIT, repo = LIUM_BUF_INIT, tag = LIUM_BUF_INIT;
	struct req r;
	lium_status st;

	if (!d || !image || !*image || !repo_tag || !*repo_tag)
		return lium_error_set(err, LIUM_EINVAL, "docker_tag: bad argument");
	req_init(&r, d, RESP_BUFFER);
	st = split_repo_tag(repo_tag, &repo, &tag);
	if (st == LIUM_EINVAL || (st == LIUM_OK && (repo.size == 0 || tag.size == 0))) {
		st = lium_error_set(err, LIUM_EINVAL, "docker_tag: %s is not repo[:tag]", repo_tag);
		goto out;
	}
	if (st != LIUM_OK || lium_buf_puts(&url, "/images/") != LIUM_OK ||
	    escape_path(&url, image) != LIUM_OK || lium_buf_puts(&url, "/tag") != LIUM_OK ||
	    add_query(&url, "repo", repo.ptr) != LIUM_OK ||
	    add_query(&url, "tag", tag.ptr) != LIUM_OK) {
		st = nomem(err);
		goto out;
	}
	st = perform(d, "POST", url.ptr, NULL, &r, d->request_ms, err);
out:
	lium_buf_dispose(&url);
	lium_buf_dispose(&repo);
	lium_buf_dispose(&tag);
	req_dispose(&r);
	return st;
}

lium_status lium_docker_push(lium_docker *d, const char *image,
			     const lium_docker_push_options *opts, lium_buf *digest,
			     lium_error *err)
{
	lium_docker_push_options defaults = LIUM_DOCKER_PUSH_OPTIONS_INIT;
	const lium_docker_push_options *o = opts ? opts : &defaults;
	lium_buf url = LIUM_BUF_INIT, repo = LIUM_BUF_INIT, tag = LIUM_BUF_INIT;
	lium_buf registry = LIUM_BUF_INIT, config = LIUM_BUF_INIT, auth = LIUM_BUF_INIT;
	lium_buf line = LIUM_BUF_INIT;
	lium__docker_cred cred;
	struct curl_slist *headers = NULL;
	struct req r;
	lium_status st;
	int found = 0;

	memset(&cred, 0, sizeof(cred));
	if (!d || !image || !*image)
		return lium_error_set(err, LIUM_EINVAL, "docker_push: bad argument");
	if (o->version < 1)
		return lium_error_set(err, LIUM_EINVAL, "docker push options: bad version");
	req_init(&r, d, RESP_STREAM);
	st = split_repo_tag(image, &repo, &tag);
	if (st == LIUM_EINVAL || (st == LIUM_OK && (repo.size == 0 || tag.size == 0))) {
		st = lium_error_set(err, LIUM_EINVAL, "docker_push: %s is not repo[:tag]", image);
		goto out;
	}
	if (st != LIUM_OK)
		goto out;
	st = LIUM_ENOMEM;
	if (lium__docker_registry_of(repo.ptr, &registry) != LIUM_OK)
		goto out;

	if (o->username || o->identity_token) {
		cred.username = o->username ? lium_strdup(o->username) : NULL;
		cred.password = o->password ? lium_strdup(o->password) : NULL;
		cred.identitytoken = o->identity_token ? lium_strdup(o->identity_token) : NULL;
		cred.serveraddress = lium_strdup(registry.ptr);
		found = 1;
	} else {
		if ((st = read_docker_config(d, &config, err)) != LIUM_OK)
			goto out;
		if (config.size &&
		    (st = lium__docker_cred_lookup(config.ptr, config.size, registry.ptr, &cred,
						   &found, err)) != LIUM_OK)
			goto out;
	}
	st = LIUM_ENOMEM;
	if (lium__docker_cred_header(found ? &cred : NULL, &auth) != LIUM_OK ||
	    lium_buf_printf(&line, "X-Registry-Auth: %s", auth.ptr) != LIUM_OK ||
	    !(headers = curl_slist_append(NULL, line.ptr)))
		goto out;
	if (lium_buf_puts(&url, "/images/") != LIUM_OK || escape_path(&url, repo.ptr) != LIUM_OK ||
	    lium_buf_puts(&url, "/push") != LIUM_OK || add_query(&url, "tag", tag.ptr) != LIUM_OK)
		goto out;

	r.on_event = o->on_event;
	r.userdata = o->userdata;
	st = perform(d, "POST", url.ptr, headers, &r, 0, err);
	headers = NULL;
	if (st != LIUM_OK)
		goto out;
	if (r.stream_error.size) {
		st = lium_error_set(err, LIUM_EDOCKER, "%s", r.stream_error.ptr);
		goto out;
	}
	if (digest) {
		lium_buf_clear(digest);
		if (r.digest.size && lium_buf_put(digest, r.digest.ptr, r.digest.size) != LIUM_OK) {
			st = nomem(err);
			goto out;
		}
	}
	st = LIUM_OK;
out:
	if (st == LIUM_ENOMEM && err && err->code != LIUM_ENOMEM)
		nomem(err);
	curl_slist_free_all(headers);
	if (cred.password)
		memset(cred.password, 0, strlen(cred.password));
	lium__docker_cred_dispose(&cred);
	lium__docker_secret_dispose(&line);
	lium__docker_secret_dispose(&auth);
	lium__docker_secret_dispose(&config);
	lium_buf_dispose(&registry);
	lium_buf_dispose(&url);
	lium_buf_dispose(&repo);
	lium_buf_dispose(&tag);
	req_dispose(&r);
	return st;
}

/* ------------------------------------------------------------------ */
/* Images */

void lium_docker_image_info_free(lium_docker_image_info *img)
{
	if (!img)
		return;
	lium_free(img->id);
	for (size_t i = 0; i < img->repo_tags_count; i++)
		lium_free(img->repo_tags[i]);
	lium_free(img->repo_tags);
	for (size_t i = 0; i < img->repo_digests_count; i++)
		lium_free(img->repo_digests[i]);
	lium_free(img->repo_digests);
	lium_free(img->architecture);
	lium_free(img->os);
	lium_free(img);
}

static int strings_of(json_t *arr, char ***out, size_t *count)
{
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0, k = 0;
	*out = NULL;
	*count = 0;
	if (n == 0)
		return 0;
	*out = lium_calloc(n, sizeof(char *));
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_string(v))
			continue;
		if (!((*out)[k] = lium_strdup(json_string_value(v))))
			return -1;
		k++;
		*count = k;
	}
	return 0;
}

static lium_status image_from_json(json_t *o, lium_docker_image_info **out, lium_error *err)
{
	lium_docker_image_info *img;
	json_t *created;
	*out = NULL;
	if (!json_is_object(o) || !json_str(o, "Id"))
		return lium_error_set(err, LIUM_EPARSE, "Docker image: no Id field");
	img = lium_calloc(1, sizeof(*img));
	if (!img)
		return nomem(err);
	img->id = dup_str(o, "Id");
	img->architecture = dup_str(o, "Architecture");
	img->os = dup_str(o, "Os");
	img->size = json_int(o, "Size");
	created = json_object_get(o, "Created");
	if (json_is_integer(created)) {
		img->created = (int64_t)json_integer_value(created);
	} else if (json_is_string(created)) {
		lium_time t;
		if (lium_time_parse_iso8601(json_string_value(created), &t, NULL) == LIUM_OK)
			img->created = t;
	}
	if (img->created < 0)
		img->created = 0;
	if (!img->id ||
	    strings_of(json_object_get(o, "RepoTags"), &img->repo_tags, &img->repo_tags_count) ||
	    strings_of(json_object_get(o, "RepoDigests"), &img->repo_digests,
		       &img->repo_digests_count)) {
		lium_docker_image_info_free(img);
		return nomem(err);
	}
	*out = img;
	return LIUM_OK;
}

lium_status lium_docker_image_inspect(lium_docker *d, const char *name,
				      lium_docker_image_info **out, lium_error *err)
{
	lium_buf url = LIUM_BUF_INIT;
	struct req r;
	lium_status st;
	json_t *o;

	if (out)
		*out = NULL;
	if (!d || !name || !*name || !out)
		return lium_error_set(err, LIUM_EINVAL, "docker_image_inspect: bad argument");
	if (lium_buf_puts(&url, "/images/") != LIUM_OK || escape_path(&url, name) != LIUM_OK ||
	    lium_buf_puts(&url, "/json") != LIUM_OK) {
		lium_buf_dispose(&url);
		return nomem(err);
	}
	req_init(&r, d, RESP_BUFFER);
	st = perform(d, "GET", url.ptr, NULL, &r, d->request_ms, err);
	lium_buf_dispose(&url);
	if (st == LIUM_OK) {
		o = parse_body(&r, "image inspect", err);
		st = o ? image_from_json(o, out, err) : LIUM_EPARSE;
		json_decref(o);
	}
	req_dispose(&r);
	return st;
}

void lium_docker_image_info_list_free(lium_docker_image_info_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		lium_docker_image_info_free(list->items[i]);
	lium_free(list->items);
	lium_free(list);
}

lium_status lium_docker_images(lium_docker *d, const char *reference,
			       lium_docker_image_info_list **out, lium_error *err)
{
	lium_buf url = LIUM_BUF_INIT;
	struct req r;
	lium_status st;
	json_t *arr = NULL;
	lium_docker_image_info_list *list = NULL;
	size_t n;

	if (out)
		*out = NULL;
	if (!d || !out)
		return lium_error_set(err, LIUM_EINVAL, "docker_images: bad argument");
	if (lium_buf_puts(&url, "/images/json") != LIUM_OK) {
		lium_buf_dispose(&url);
		return nomem(err);
	}
	if (reference && *reference) {
		json_t *f = json_pack("{s:[s]}", "reference", reference);
		char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
		json_decref(f);
		if (!text || add_query(&url, "filters", text) != LIUM_OK) {
			free(text);
			lium_buf_dispose(&url);
			return nomem(err);
		}
		free(text);
	}
	req_init(&r, d, RESP_BUFFER);
	st = perform(d, "GET", url.ptr, NULL, &r, d->request_ms, err);
	lium_buf_dispose(&url);
	if (st != LIUM_OK)
		goto out;
	arr = parse_body(&r, "image list", err);
	if (!arr) {
		st = LIUM_EPARSE;
		goto out;
	}
	if (!json_is_array(arr)) {
		st = lium_error_set(err, LIUM_EPARSE, "Docker image list: not an array");
		goto out;
	}
	n = json_array_size(arr);
	list = lium_calloc(1, sizeof(*list));
	if (list) {
		/* Spelled out for the static analyser, which cannot see inside lium_calloc. */
		list->items = NULL;
		list->count = 0;
	}
	if (!list || (n && !(list->items = lium_calloc(n, sizeof(void *))))) {
		st = nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n && list->items; i++) {
		st = image_from_json(json_array_get(arr, i), &list->items[list->count], err);
		if (st != LIUM_OK)
			goto out;
		list->count++;
	}
	*out = list;
	list = NULL;
	st = LIUM_OK;
out:
	lium_docker_image_info_list_free(list);
	json_decref(arr);
	req_dispose(&r);
	return st;
}

lium_status lium_docker_image_remove(lium_docker *d, const char *name, int force, lium_error *err)
{
	lium_buf url = LIUM_BUF_INIT;
	struct req r;
	lium_status st;

	if (!d || !name || !*name)
		return lium_error_set(err, LIUM_EINVAL, "docker_image_remove: bad argument");
	if (lium_buf_puts(&url, "/images/") != LIUM_OK || escape_path(&url, name) != LIUM_OK ||
	    add_query(&url, "force", force ? "1" : "0") != LIUM_OK) {
		lium_buf_dispose(&url);
		return nomem(err);
	}
	req_init(&r, d, RESP_BUFFER);
	st = perform(d, "DELETE", url.ptr, NULL, &r, d->request_ms, err);
	lium_buf_dispose(&url);
	req_dispose(&r);
	return st;
}

lium_status lium_docker_image_save(lium_docker *d, const char *name, lium_docker_write_fn write,
				   void *userdata, lium_error *err)
{
	lium_buf url = LIUM_BUF_INIT;
	struct req r;
	lium_status st;

	if (!d || !name || !*name || !write)
		return lium_error_set(err, LIUM_EINVAL, "docker_image_save: bad argument");
	if (lium_buf_puts(&url, "/images/") != LIUM_OK || escape_path(&url, name) != LIUM_OK ||
	    lium_buf_puts(&url, "/get") != LIUM_OK) {
		lium_buf_dispose(&url);
		return nomem(err);
	}
	req_init(&r, d, RESP_RAW);
	r.write = write;
	r.write_ud = userdata;
	st = perform(d, "GET", url.ptr, NULL, &r, 0, err);
	lium_buf_dispose(&url);
	req_dispose(&r);
	return st;
}
