/*
 * Registry credentials for push (and for pulls during a build): the
 * docker CLI's ~/.docker/config.json, and the X-Registry-Auth header the
 * engine expects.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker_int.h"
#include "lium/utils/process.h"

#define HELPER_OUTPUT_MAX (64u * 1024u)
#define HELPER_TIMEOUT_MS 30000
#define DOCKER_HUB_KEY    "https://index.docker.io/v1/"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

lium_status lium__base64_encode(lium_buf *out, const void *data, size_t len, int url)
{
	const unsigned char *p = data;
	const char *alpha = url ? b64_url : b64_std;
	size_t i = 0;
	if (lium_buf_grow(out, (len + 2) / 3 * 4) != LIUM_OK)
		return LIUM_ENOMEM;
	for (; i + 2 < len; i += 3) {
		unsigned int v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 | p[i + 2];
		char q[4] = {alpha[v >> 18], alpha[(v >> 12) & 63], alpha[(v >> 6) & 63],
			     alpha[v & 63]};
		lium_buf_put(out, q, 4);
	}
	if (i < len) {
		unsigned int v = (unsigned int)p[i] << 16;
		char q[4];
		if (i + 1 < len)
			v |= (unsigned int)p[i + 1] << 8;
		q[0] = alpha[v >> 18];
		q[1] = alpha[(v >> 12) & 63];
		q[2] = i + 1 < len ? alpha[(v >> 6) & 63] : '=';
		q[3] = '=';
		lium_buf_put(out, q, 4);
	}
	return LIUM_OK;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

lium_status lium__base64_decode(lium_buf *out, const char *text, size_t len)
{
	unsigned int acc = 0;
	int bits = 0;
	while (len > 0 && (text[len - 1] == '=' || text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(text[i]);
		if (v < 0)
			return LIUM_EPARSE;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (lium_buf_putc(out, (char)((acc >> bits) & 0xFF)) != LIUM_OK)
				return LIUM_ENOMEM;
		}
	}
	/* Leftover bits must be zero padding, and a lone sextet is not base64. */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return LIUM_EPARSE;
	return LIUM_OK;
}

lium_status lium__docker_registry_of(const char *image, lium_buf *out)
{
	const char *slash = strchr(image, '/');
	if (slash) {
		size_t n = (size_t)(slash - image);
		const char *dot = memchr(image, '.', n);
		const char *colon = memchr(image, ':', n);
		if (dot || colon || (n == 9 && memcmp(image, "localhost", 9) == 0))
			return lium_buf_put(out, image, n);
	}
	return lium_buf_puts(out, "docker.io");
}

/* "https://host:5000/v2/" -> "host:5000" (borrowed span). */
static void key_host(const char *key, const char **start, size_t *len)
{
	const char *p = key, *end;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	end = strchr(p, '/');
	*start = p;
	*len = end ? (size_t)(end - p) : strlen(p);
}

static int key_matches(const char *key, const char *registry)
{
	const char *h;
	size_t n;
	key_host(key, &h, &n);
	if (strlen(registry) == n && memcmp(h, registry, n) == 0)
		return 1;
	if (strcmp(registry, "docker.io") == 0) {
		static const char *const hub[] = {"index.docker.io", "registry-1.docker.io",
						  "registry.hub.docker.com"};
		for (size_t i = 0; i < sizeof(hub) / sizeof(hub[0]); i++) {
			if (strlen(hub[i]) == n && memcmp(h, hub[i], n) == 0)
				return 1;
		}
	}
	return 0;
}

static char *dup_json_string(json_t *obj, const char *name);

/* username and password of an "auths" entry: base64 "auth" or the two fields. */
static lium_status entry_userpass(json_t *v, const char *key, lium__docker_cred *cred,
				  lium_error *err)
{
	json_t *auth = json_object_get(v, "auth");
	if (json_is_string(auth) && *json_string_value(auth)) {
		lium_buf plain = LIUM_BUF_INIT;
		const char *a = json_string_value(auth);
		char *colon;
		if (lium__base64_decode(&plain, a, strlen(a)) != LIUM_OK || !plain.ptr ||
		    !(colon = strchr(plain.ptr, ':'))) {
			lium_buf_dispose(&plain);
			return lium_error_set(err, LIUM_EPARSE,
					      "docker config.json: the auth of %s is not base64 of "
					      "user:password",
					      key);
		}
		*colon = '\0';
		cred->username = lium_strdup(plain.ptr);
		cred->password = lium_strdup(colon + 1);
		lium__docker_secret_dispose(&plain);
	} else {
		cred->username = dup_json_string(v, "username");
		cred->password = dup_json_string(v, "password");
	}
	cred->identitytoken = dup_json_string(v, "identitytoken");
	cred->serveraddress = lium_strdup(key);
	return LIUM_OK;
}

static char *dup_json_string(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	return s && *s ? lium_strdup(s) : NULL;
}

void lium__docker_cred_dispose(lium__docker_cred *cred)
{
	if (!cred)
		return;
	lium_free(cred->username);
	lium_free(cred->password);
	lium_free(cred->identitytoken);
	lium_free(cred->serveraddress);
	memset(cred, 0, sizeof(*cred));
}

/* Run docker-credential-<helper> get; *found stays 0 when it knows nothing. */
static lium_status run_helper(const char *helper, const char *server, lium__docker_cred *cred,
			      int *found, lium_error *err)
{
	lium_buf prog = LIUM_BUF_INIT, out = LIUM_BUF_INIT, errtext = LIUM_BUF_INIT;
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	lium_status st;
	const char *argv[3];
	json_t *root = NULL;

	if (lium_buf_printf(&prog, "docker-credential-%s", helper) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	argv[0] = prog.ptr;
	argv[1] = "get";
	argv[2] = NULL;
	o.stdin_mode = LIUM_PROCESS_BUFFER;
	o.stdin_data = server;
	o.stdin_len = strlen(server);
	o.stdout_mode = LIUM_PROCESS_CAPTURE;
	o.stdout_buf = &out;
	o.stderr_mode = LIUM_PROCESS_CAPTURE;
	o.stderr_buf = &errtext;
	o.timeout_ms = HELPER_TIMEOUT_MS;
	st = lium_process_run(argv, &o, &ex, err);
	if (st == LIUM_ENOTFOUND) {
		/* No such helper installed: the config's auths may still know. */
		st = LIUM_OK;
		goto out;
	}
	if (st != LIUM_OK)
		goto out;
	if (!ex.exited || ex.code != 0) {
		/* The helper's protocol: a non-zero exit means "no credentials". */
		goto out;
	}
	if (out.size > HELPER_OUTPUT_MAX) {
		st = lium_error_set(err, LIUM_EPARSE, "%s: output too large", prog.ptr);
		goto out;
	}
	root = json_loadb(lium_buf_cstr(&out), out.size, 0, NULL);
	if (!json_is_object(root)) {
		st = lium_error_set(err, LIUM_EPARSE, "%s: output is not a JSON object", prog.ptr);
		goto out;
	}
	{
		char *user = dup_json_string(root, "Username");
		char *secret = dup_json_string(root, "Secret");
		if (user && strcmp(user, "<token>") == 0) {
			cred->identitytoken = secret;
			lium_free(user);
		} else {
			cred->username = user;
			cred->password = secret;
		}
		cred->serveraddress = lium_strdup(server);
		*found = cred->username || cred->password || cred->identitytoken;
	}
out:
	json_decref(root);
	lium_buf_dispose(&prog);
	lium_buf_dispose(&out);
	lium_buf_dispose(&errtext);
	return st;
}

lium_status lium__docker_cred_lookup(const char *config_text, size_t len, const char *registry,
				     lium__docker_cred *cred, int *found, lium_error *err)
{
	json_error_t jerr;
	json_t *root, *auths, *helpers, *store;
	const char *helper = NULL;
	lium_status st = LIUM_OK;

	memset(cred, 0, sizeof(*cred));
	*found = 0;
	root = json_loadb(config_text, len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		lium_error_set(err, LIUM_EPARSE, "docker config.json: %s (line %d)",
			       root ? "not a JSON object" : jerr.text, root ? 0 : jerr.line);
		if (err)
			err->position = root ? 0 : (size_t)jerr.position;
		return LIUM_EPARSE;
	}

	helpers = json_object_get(root, "credHelpers");
	if (json_is_object(helpers)) {
		const char *key;
		json_t *v;
		json_object_foreach(helpers, key, v)
		{
			if (json_is_string(v) && key_matches(key, registry))
				helper = json_string_value(v);
		}
	}
	store = json_object_get(root, "credsStore");
	if (!helper && json_is_string(store) && *json_string_value(store))
		helper = json_string_value(store);
	if (helper) {
		const char *server = strcmp(registry, "docker.io") == 0 ? DOCKER_HUB_KEY : registry;
		st = run_helper(helper, server, cred, found, err);
		if (st != LIUM_OK || *found)
			goto out;
		lium__docker_cred_dispose(cred);
	}

	auths = json_object_get(root, "auths");
	if (json_is_object(auths)) {
		const char *key;
		json_t *v;
		json_object_foreach(auths, key, v)
		{
			if (!json_is_object(v) || !key_matches(key, registry))
				continue;
			lium__docker_cred_dispose(cred);
			if ((st = entry_userpass(v, key, cred, err)) != LIUM_OK)
				goto out;
			*found = 1;
			break;
		}
	}
out:
	json_decref(root);
	if (st != LIUM_OK) {
		lium__docker_cred_dispose(cred);
		*found = 0;
	}
	return st;
}

static json_t *cred_json(const lium__docker_cred *cred);
static lium_status encode_json(json_t *o, lium_buf *out);

lium_status lium__docker_cred_header(const lium__docker_cred *cred, lium_buf *out)
{
	json_t *o = cred_json(cred);
	lium_status st = encode_json(o, out);
	json_decref(o);
	return st;
}

static json_t *cred_json(const lium__docker_cred *cred)
{
	json_t *o = json_object();
	if (!o || !cred)
		return o;
	if (cred->username)
		json_object_set_new(o, "username", json_string(cred->username));
	if (cred->password)
		json_object_set_new(o, "password", json_string(cred->password));
	if (cred->identitytoken)
		json_object_set_new(o, "identitytoken", json_string(cred->identitytoken));
	if (cred->serveraddress)
		json_object_set_new(o, "serveraddress", json_string(cred->serveraddress));
	return o;
}

static lium_status encode_json(json_t *o, lium_buf *out)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	lium_status st;
	if (!text)
		return LIUM_ENOMEM;
	st = lium__base64_encode(out, text, strlen(text), 1);
	memset(text, 0, strlen(text));
	free(text);
	return st;
}

lium_status lium__docker_config_header(const char *config_text, size_t len, lium_buf *out,
				       lium_error *err)
{
	json_t *root = json_loadb(config_text, len, 0, NULL);
	json_t *auths = json_object_get(root, "auths");
	json_t *map;
	const char *key;
	json_t *v;
	lium_status st = LIUM_OK;

	if (!json_is_object(root)) {
		json_decref(root);
		return lium_error_set(err, LIUM_EPARSE, "docker config.json is not a JSON object");
	}
	map = json_object();
	if (!map) {
		json_decref(root);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	if (json_is_object(auths)) {
		json_object_foreach(auths, key, v)
		{
			lium__docker_cred cred;
			const char *h;
			size_t n;
			char *host;
			memset(&cred, 0, sizeof(cred));
			if (!json_is_object(v))
				continue;
			if ((st = entry_userpass(v, key, &cred, err)) != LIUM_OK)
				break;
			/* The engine looks registries up by host name. */
			key_host(key, &h, &n);
			host = lium_strndup(h, n);
			if (host && (cred.username || cred.identitytoken))
				json_object_set_new(map,
						    strcmp(host, "index.docker.io") == 0
							    ? DOCKER_HUB_KEY
							    : host,
						    cred_json(&cred));
			lium_free(host);
			if (cred.password)
				memset(cred.password, 0, strlen(cred.password));
			lium__docker_cred_dispose(&cred);
		}
	}
	if (st == LIUM_OK && json_object_size(map) > 0 && encode_json(map, out) != LIUM_OK)
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
	json_decref(map);
	json_decref(root);
	return st;
}

/* Secrets do not linger in freed memory. */
void lium__docker_secret_dispose(lium_buf *b)
{
	if (b->ptr)
		memset(b->ptr, 0, b->size);
	lium_buf_dispose(b);
}
