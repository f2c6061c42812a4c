/*
 * liblium-utils internals of the Docker Engine client: the .dockerignore
 * matcher, the build-context tar stream, base64 and registry credentials.
 */
#ifndef LIUM_UTILS_DOCKER_INT_H
#define LIUM_UTILS_DOCKER_INT_H

#include <lium/core.h>

/* ------------------------------------------------------------------ */
/* .dockerignore (the rules of Docker's pattern matcher) */

/** A compiled list of .dockerignore patterns. */
typedef struct lium__ignore lium__ignore;

/** An empty list: nothing is ignored. */
lium_status lium__ignore_new(lium__ignore **out, lium_error *err);

/**
 * Add the patterns of a .dockerignore file: one per line, `#` starts a
 * comment line, blanks around a pattern are dropped, `!` makes an
 * exception, paths are cleaned (`./a//b/` is `a/b`) and a leading `/` is
 * dropped.  LIUM_EPARSE (with the line number in position) for a pattern
 * Docker rejects: a lone `!`, an unterminated `[`, a trailing `\`.
 */
lium_status lium__ignore_load(lium__ignore *ig, const char *text, size_t len, lium_error *err);

/** Add one pattern, with the same cleaning as a line of the file. */
lium_status lium__ignore_add(lium__ignore *ig, const char *pattern, lium_error *err);

/**
 * Whether a context path ('/'-separated, relative, cleaned) is excluded:
 * the last pattern that matches the path or one of its parent directories
 * decides, an exception (`!`) re-including it.
 */
int lium__ignore_matches(const lium__ignore *ig, const char *path);

/** Whether any pattern is an exception (`!...`). */
int lium__ignore_has_exceptions(const lium__ignore *ig);

/**
 * For an excluded directory: whether an exception pattern names something
 * inside it (the pattern starts with "dir/"), so the walk must go on into
 * it.  This is Docker's rule, literal prefixes only.
 */
int lium__ignore_dir_has_exception(const lium__ignore *ig, const char *dir);

/** Number of patterns (for tests). */
size_t lium__ignore_count(const lium__ignore *ig);

/** The cleaned text of pattern i, with its `!` (for tests). */
const char *lium__ignore_pattern(const lium__ignore *ig, size_t i, int *exception);

void lium__ignore_free(lium__ignore *ig);

/* ------------------------------------------------------------------ */
/* Build context as a tar stream */

/** A build context being streamed.  Opaque. */
typedef struct lium__docker_context lium__docker_context;

/**
 * Walk a context directory, apply its .dockerignore (keeping the
 * Dockerfile and .dockerignore themselves, as the docker CLI does), and
 * prepare the tar stream.  Nothing is read from the files yet.
 *
 * @param dir         the context directory
 * @param dockerfile  NULL or "" for "Dockerfile"; a path relative to dir,
 *                    or absolute.  One outside the context is added under
 *                    a generated name.
 */
lium_status lium__docker_context_new(lium__docker_context **out, const char *dir,
				     const char *dockerfile, lium_error *err);

/** The Dockerfile's name inside the archive (for the `dockerfile` parameter). */
const char *lium__docker_context_dockerfile(const lium__docker_context *c);

/** Number of entries in the archive. */
size_t lium__docker_context_entries(const lium__docker_context *c);

/** The name of entry i (without the trailing "/" of a directory), for tests. */
const char *lium__docker_context_entry_name(const lium__docker_context *c, size_t i);

/** Bytes of file data in the archive. */
uint64_t lium__docker_context_data_bytes(const lium__docker_context *c);

/**
 * Copy the next bytes of the tar stream into buf.  *n is 0 at the end.  A
 * file that cannot be read, or that shrank since the walk, is LIUM_EIO.
 */
lium_status lium__docker_context_read(lium__docker_context *c, void *buf, size_t len, size_t *n,
				      lium_error *err);

void lium__docker_context_free(lium__docker_context *c);

/* ------------------------------------------------------------------ */
/* base64 */

/** Append the base64 of data; url selects the URL-safe alphabet (with '=' padding). */
lium_status lium__base64_encode(lium_buf *out, const void *data, size_t len, int url);

/** Decode standard or URL-safe base64 (padding optional); LIUM_EPARSE on bad input. */
lium_status lium__base64_decode(lium_buf *out, const char *text, size_t len);

/* ------------------------------------------------------------------ */
/* Registry credentials (~/.docker/config.json) */

/** Credentials for one registry. */
/* Overwrite a buffer holding a secret, then release it. */
void lium__docker_secret_dispose(lium_buf *b);

typedef struct lium__docker_cred {
	char *username;
	char *password;
	char *identitytoken;
	char *serveraddress;
} lium__docker_cred;

/**
 * The registry host of an image reference: "registry.example.com:5000"
 * for "registry.example.com:5000/team/app:1", "docker.io" for "ubuntu" and
 * "ann/app".  Appended to out.
 */
lium_status lium__docker_registry_of(const char *image, lium_buf *out);

/**
 * Look the credentials of a registry up in a Docker config.json text:
 * "auths" entries (base64 "auth", or "username"/"password", or
 * "identitytoken"), keys compared without scheme and path; for docker.io
 * the key "https://index.docker.io/v1/" also matches.  When config.json
 * names a credential helper for the registry ("credHelpers", or
 * "credsStore"), it is run (docker-credential-<name> get).  *found is set
 * to 0 when nothing is known about the registry (not an error).
 */
lium_status lium__docker_cred_lookup(const char *config_text, size_t len, const char *registry,
				     lium__docker_cred *cred, int *found, lium_error *err);

void lium__docker_cred_dispose(lium__docker_cred *cred);

/**
 * The X-Registry-Config value of a build: base64url of a JSON map from
 * registry to credentials, for every "auths" entry of config.json.  out
 * stays empty when there are none.
 */
lium_status lium__docker_config_header(const char *config_text, size_t len, lium_buf *out,
				       lium_error *err);

/** The X-Registry-Auth value for credentials: base64url of their JSON. */
lium_status lium__docker_cred_header(const lium__docker_cred *cred, lium_buf *out);

#endif /* LIUM_UTILS_DOCKER_INT_H */
