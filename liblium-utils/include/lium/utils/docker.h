/*
 * liblium-utils: The Docker Engine API over its Unix socket.
 *
 * A small client of the local Docker Engine, on libcurl: ping and version,
 * image builds from a context directory (the tar stream is made in process
 * and sent as it is made, .dockerignore honoured), tag, push with the
 * credentials of ~/.docker/config.json, inspect, list, save and remove.
 *
 * The engine is found like the docker CLI finds it: an explicit host in
 * the options, else $DOCKER_HOST, else unix:///var/run/docker.sock.
 * unix:// hosts are reached over the socket; tcp:// (and http://, https://)
 * hosts over TCP, with TLS when $DOCKER_TLS_VERIFY is set (certificates
 * from $DOCKER_CERT_PATH, default ~/.docker: ca.pem, cert.pem, key.pem).
 * ssh:// and npipe:// hosts are not supported (LIUM_EINVAL).
 *
 * Errors: whatever the engine reports (an error status with a
 * `{"message": ...}` body, or an error event in a build or push stream) is
 * LIUM_EDOCKER with the engine's message in lium_error::message and the
 * HTTP status in lium_error::cause (0 for an error event in a stream, whose
 * HTTP status was 200).  An engine that cannot be reached is LIUM_ENETWORK
 * (the message names the socket or address); LIUM_ETIMEOUT when a request
 * runs out of time; LIUM_ECANCELLED when an event callback stops it.
 *
 * Threads: a lium_docker is used by one thread at a time (it holds one
 * libcurl handle and its connection).  Different lium_docker handles may be
 * used from different threads at once.
 */
#ifndef LIUM_UTILS_DOCKER_H
#define LIUM_UTILS_DOCKER_H

#include "common.h"

LIUM_BEGIN_DECLS

/** A Docker Engine client.  Opaque; released with lium_docker_free(). */
typedef struct lium_docker lium_docker;

/** Version of lium_docker_options this header describes. */
#define LIUM_DOCKER_OPTIONS_VERSION 1

/** How to reach the engine.  Initialise with LIUM_DOCKER_OPTIONS_INIT. */
typedef struct lium_docker_options {
	/** LIUM_DOCKER_OPTIONS_VERSION. */
	unsigned int version;
	/**
	 * The engine: "unix:///path/to/docker.sock", "tcp://host:2375",
	 * "https://host:2376"; NULL for $DOCKER_HOST, else
	 * unix:///var/run/docker.sock.
	 */
	const char *host;
	/**
	 * API version to ask for, e.g. "1.41": requests go to /v1.41/...;
	 * NULL uses the engine's own (unversioned paths).
	 */
	const char *api_version;
	/**
	 * Directory of the docker CLI configuration (config.json, certificates);
	 * NULL for $DOCKER_CONFIG, else ~/.docker.
	 */
	const char *config_dir;
	/** Milliseconds to connect; 0 for 10000. */
	int connect_timeout_ms;
	/**
	 * Milliseconds for a whole short request (ping, version, inspect,
	 * list, tag, remove); 0 for 60000.  Builds, pushes and saves have no
	 * overall limit (a callback may stop them).
	 */
	int request_timeout_ms;
} lium_docker_options;

/** Initialiser for lium_docker_options: everything from the environment. */
#define LIUM_DOCKER_OPTIONS_INIT                       \
	{                                              \
		.version = LIUM_DOCKER_OPTIONS_VERSION \
	}

/**
 * Create a client.  Nothing is sent yet; use lium_docker_ping() to check
 * that the engine answers.
 *
 * @param[out] out   the client; NULL on failure.  Free with lium_docker_free().
 * @param[in]  opts  may be NULL (everything from the environment); copied
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_EINVAL (an unsupported or malformed host);
 *         LIUM_ENOMEM.  Thread-safe.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_new(lium_docker **out, const lium_docker_options *opts,
					      lium_error *err);

/** Release a client and its connection.  NULL is ignored. */
LIUM_UTILS_EXPORT void lium_docker_free(lium_docker *d);

/**
 * The engine address in use, e.g. "unix:///var/run/docker.sock".  Borrowed;
 * valid until the client is freed.  NULL for NULL.
 */
LIUM_UTILS_EXPORT const char *lium_docker_host(const lium_docker *d);

/**
 * Check that the engine answers (GET /_ping).
 *
 * @return LIUM_OK; LIUM_ENETWORK (nothing listens); LIUM_ETIMEOUT;
 *         LIUM_EDOCKER (the engine answered with an error).
 */
LIUM_UTILS_EXPORT lium_status lium_docker_ping(lium_docker *d, lium_error *err);

/** What the engine says about itself (GET /version).  Strings may be NULL. */
typedef struct lium_docker_version_info {
	char *version;         /**< engine version, e.g. "20.10.24" */
	char *api_version;     /**< newest API version, e.g. "1.41" */
	char *min_api_version; /**< oldest API version accepted */
	char *os;              /**< e.g. "linux" */
	char *arch;            /**< e.g. "amd64" */
	char *kernel_version;  /**< kernel of the engine's host */
	char *git_commit;      /**< engine build commit */
	char *go_version;      /**< Go toolchain of the engine */
} lium_docker_version_info;

/**
 * Ask the engine for its version.
 *
 * @param[in]  d    the client
 * @param[out] out  the answer; NULL on failure.  Free with
 *                  lium_docker_version_info_free().
 * @param[out] err  may be NULL
 * @return LIUM_OK; the errors of lium_docker_ping(); LIUM_EPARSE (not the
 *         JSON the API documents); LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_version(lium_docker *d, lium_docker_version_info **out,
						  lium_error *err);

/** Release a version answer.  NULL is ignored. */
LIUM_UTILS_EXPORT void lium_docker_version_info_free(lium_docker_version_info *v);

/* ------------------------------------------------------------------ */
/* Progress events of builds and pushes */

/** What a progress event carries. */
typedef enum lium_docker_event_kind {
	/** Build output text (`text`), e.g. "Step 1/3 : FROM scratch\n". */
	LIUM_DOCKER_EVENT_STREAM = 1,
	/** A status line (`text`), with `id`, `progress`, `current`, `total` when given. */
	LIUM_DOCKER_EVENT_STATUS = 2,
	/** The engine reports a failure (`text`); the call returns LIUM_EDOCKER. */
	LIUM_DOCKER_EVENT_ERROR = 3,
	/** A result: `image_id` of a build; `tag`, `digest`, `size` of a push. */
	LIUM_DOCKER_EVENT_AUX = 4,
	/**
	 * Before a build is sent: the context, `current` entries and `total`
	 * bytes of file data (after .dockerignore).
	 */
	LIUM_DOCKER_EVENT_CONTEXT = 5
} lium_docker_event_kind;

/**
 * One event of a build or push stream.  Every pointer is borrowed, valid
 * only during the callback; absent fields are NULL or -1.
 */
typedef struct lium_docker_event {
	lium_docker_event_kind kind; /**< what this is */
	const char *text;            /**< stream text, status text or error message */
	const char *id;              /**< STATUS: layer or image id */
	const char *progress;        /**< STATUS: the engine's progress bar text */
	int64_t current;             /**< STATUS: bytes done; CONTEXT: entries */
	int64_t total;               /**< STATUS: bytes in all; CONTEXT: bytes */
	const char *image_id;        /**< AUX of a build: "sha256:..." */
	const char *tag;             /**< AUX of a push */
	const char *digest;          /**< AUX of a push: "sha256:..." */
	int64_t size;                /**< AUX of a push: manifest size */
	const char *json;            /**< the event as the engine sent it (one JSON object) */
} lium_docker_event;

/**
 * Receives progress events, on the thread that called the build or push.
 *
 * @return 0 to go on; anything else aborts the request, and the call
 *         returns LIUM_ECANCELLED.
 */
typedef int (*lium_docker_event_fn)(const lium_docker_event *ev, void *userdata);

/* ------------------------------------------------------------------ */
/* Build */

/** Version of lium_docker_build_options this header describes. */
#define LIUM_DOCKER_BUILD_OPTIONS_VERSION 1

/** How to build.  Initialise with LIUM_DOCKER_BUILD_OPTIONS_INIT. */
typedef struct lium_docker_build_options {
	/** LIUM_DOCKER_BUILD_OPTIONS_VERSION. */
	unsigned int version;
	/**
	 * The Dockerfile: a path relative to the context directory, or an
	 * absolute path (one outside the context is sent under a generated
	 * name, as `docker build -f` does); NULL for "Dockerfile".
	 */
	const char *dockerfile;
	/** NULL-terminated names to tag the image with ("app:1"), or NULL. */
	const char *const *tags;
	/**
	 * NULL-terminated build arguments, or NULL: "NAME=value", or a bare
	 * "NAME" that takes its value from the environment (skipped when
	 * unset), like `docker build --build-arg`.
	 */
	const char *const *build_args;
	/** NULL-terminated "key=value" labels for the image, or NULL. */
	const char *const *labels;
	/** Stage of a multi-stage build to stop at, or NULL. */
	const char *target;
	/** Platform to build for ("linux/amd64"), or NULL. */
	const char *platform;
	/** Non-zero: do not use the build cache. */
	int no_cache;
	/** Non-zero: always pull newer base images. */
	int pull;
	/** Non-zero: keep the intermediate containers (rm=false). */
	int keep_intermediate;
	/** Progress events, or NULL. */
	lium_docker_event_fn on_event;
	/** Passed to on_event. */
	void *userdata;
} lium_docker_build_options;

/** Initialiser for lium_docker_build_options. */
#define LIUM_DOCKER_BUILD_OPTIONS_INIT                       \
	{                                                    \
		.version = LIUM_DOCKER_BUILD_OPTIONS_VERSION \
	}

/**
 * Build an image from a context directory (POST /build).
 *
 * The context is walked, filtered by its .dockerignore with Docker's rules
 * (`*`, `?`, `**`, `[...]`, `\` escapes, `!` exceptions, `#` comments; a
 * pattern that matches a directory excludes what is in it), and sent as a
 * tar stream made while it is sent: no temporary file, memory independent
 * of the context's size.  The Dockerfile and .dockerignore are always sent,
 * as the docker CLI does.  Registry credentials of config.json go along
 * (X-Registry-Config) for base images from private registries.
 *
 * @param[in]  d            the client
 * @param[in]  context_dir  the context directory
 * @param[in]  opts         may be NULL
 * @param[out] image_id     may be NULL; receives the new image's id
 *                          ("sha256:...", replacing the contents)
 * @param[out] err          may be NULL
 * @return LIUM_OK; LIUM_EDOCKER (the engine's message: a bad Dockerfile,
 *         a failing step...); LIUM_EPARSE (a .dockerignore pattern Docker
 *         rejects; position is its line); LIUM_ENOTFOUND (no context
 *         directory or no Dockerfile); LIUM_EIO (a context file cannot be
 *         read); LIUM_ECANCELLED; LIUM_ENETWORK; LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_build(lium_docker *d, const char *context_dir,
						const lium_docker_build_options *opts,
						lium_buf *image_id, lium_error *err);

/* ------------------------------------------------------------------ */
/* Images */

/**
 * Give an image another name (POST /images/{name}/tag).
 *
 * @param[in] image     an image id or name ("sha256:...", "app:1")
 * @param[in] repo_tag  the new name, "repo[:tag]" (tag "latest" when
 *                      absent), e.g. "127.0.0.1:5000/team/app:1"
 * @return LIUM_OK; LIUM_EDOCKER (e.g. no such image: cause 404; an invalid
 *         name: cause 400, or 500 from older engines); LIUM_EINVAL; LIUM_ENETWORK; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_tag(lium_docker *d, const char *image,
					      const char *repo_tag, lium_error *err);

/** Version of lium_docker_push_options this header describes. */
#define LIUM_DOCKER_PUSH_OPTIONS_VERSION 1

/** How to push.  Initialise with LIUM_DOCKER_PUSH_OPTIONS_INIT. */
typedef struct lium_docker_push_options {
	/** LIUM_DOCKER_PUSH_OPTIONS_VERSION. */
	unsigned int version;
	/**
	 * Explicit credentials, used instead of config.json when username
	 * (with password) or identity_token is set.
	 */
	const char *username;
	/** With username. */
	const char *password;
	/** An OAuth identity token instead of a password. */
	const char *identity_token;
	/** Progress events, or NULL. */
	lium_docker_event_fn on_event;
	/** Passed to on_event. */
	void *userdata;
} lium_docker_push_options;

/** Initialiser for lium_docker_push_options. */
#define LIUM_DOCKER_PUSH_OPTIONS_INIT                       \
	{                                                   \
		.version = LIUM_DOCKER_PUSH_OPTIONS_VERSION \
	}

/**
 * Push an image to its registry (POST /images/{name}/push).
 *
 * The registry is the first component of the name when it has a '.' or a
 * ':' or is "localhost" (else Docker Hub).  Its credentials come from
 * config.json: a credential helper ("credHelpers" or "credsStore", run as
 * docker-credential-<name> get), else "auths" (base64 "auth", or
 * "username" and "password", or "identitytoken"); they travel base64url
 * JSON-encoded in X-Registry-Auth, never in a URL or a message.
 *
 * @param[in]  image   "repo[:tag]"; tag "latest" when absent
 * @param[in]  opts    may be NULL
 * @param[out] digest  may be NULL; receives the pushed manifest's digest
 *                     ("sha256:...") when the engine reports one
 * @return LIUM_OK; LIUM_EDOCKER (the engine's or the registry's message:
 *         unauthorized, no such image...); LIUM_EPARSE (a malformed
 *         config.json); LIUM_ECANCELLED; LIUM_ENETWORK; LIUM_EINVAL;
 *         LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_push(lium_docker *d, const char *image,
					       const lium_docker_push_options *opts,
					       lium_buf *digest, lium_error *err);

/** An image, as inspect or list describe it.  Fields only ever get appended. */
typedef struct lium_docker_image_info {
	char *id;                  /**< "sha256:..." */
	char **repo_tags;          /**< names, e.g. "app:1" */
	size_t repo_tags_count;    /**< entries in repo_tags */
	char **repo_digests;       /**< "repo@sha256:..." after a push or pull */
	size_t repo_digests_count; /**< entries in repo_digests */
	int64_t size;              /**< bytes */
	int64_t created;           /**< seconds since the epoch, or 0 */
	char *architecture;        /**< inspect only, else NULL */
	char *os;                  /**< inspect only, else NULL */
} lium_docker_image_info;

/**
 * Describe an image (GET /images/{name}/json).
 *
 * @param[in]  name  an id, a name, or "repo@sha256:..."
 * @param[out] out   the image; NULL on failure.  Free with
 *                   lium_docker_image_info_free().
 * @return LIUM_OK; LIUM_EDOCKER (cause 404 for no such image);
 *         LIUM_EPARSE; LIUM_ENETWORK; LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_image_inspect(lium_docker *d, const char *name,
							lium_docker_image_info **out,
							lium_error *err);

/** Release an image description.  NULL is ignored. */
LIUM_UTILS_EXPORT void lium_docker_image_info_free(lium_docker_image_info *img);

/** A list of images. */
typedef struct lium_docker_image_info_list {
	lium_docker_image_info **items; /**< the images */
	size_t count;                   /**< their number */
} lium_docker_image_info_list;

/**
 * List images (GET /images/json).
 *
 * @param[in]  reference  NULL for all images, or a reference filter as
 *                        `docker images <reference>` takes it ("app",
 *                        "app:1", "team/app*")
 * @param[out] out        the list; NULL on failure.  Free with
 *                        lium_docker_image_info_list_free().
 * @return LIUM_OK; LIUM_EDOCKER; LIUM_EPARSE; LIUM_ENETWORK; LIUM_EINVAL;
 *         LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_images(lium_docker *d, const char *reference,
						 lium_docker_image_info_list **out,
						 lium_error *err);

/** Release an image list.  NULL is ignored. */
LIUM_UTILS_EXPORT void lium_docker_image_info_list_free(lium_docker_image_info_list *list);

/**
 * Remove an image or one of its names (DELETE /images/{name}).  Removing a
 * name of an image that has others only untags it.
 *
 * @param[in] name   an id or a name
 * @param[in] force  non-zero: also when containers use it, or it has
 *                   several names and an id is given
 * @return LIUM_OK; LIUM_EDOCKER (cause 404 for no such image, 409 when in
 *         use); LIUM_ENETWORK; LIUM_EINVAL.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_image_remove(lium_docker *d, const char *name, int force,
						       lium_error *err);

/**
 * Receives bytes of a saved image archive.
 *
 * @return 0 to go on; anything else aborts (LIUM_ECANCELLED).
 */
typedef int (*lium_docker_write_fn)(const void *data, size_t len, void *userdata);

/**
 * Save an image as a tar archive, the format of `docker save` and `docker
 * load` (GET /images/get), handing it to a callback as it arrives.  For
 * carrying an image to a pod without a registry.
 *
 * @param[in] name      an id or a name
 * @param[in] write     receives the archive
 * @param[in] userdata  passed to write
 * @return LIUM_OK; LIUM_EDOCKER (cause 404 for no such image);
 *         LIUM_ECANCELLED; LIUM_ENETWORK; LIUM_EINVAL.
 */
LIUM_UTILS_EXPORT lium_status lium_docker_image_save(lium_docker *d, const char *name,
						     lium_docker_write_fn write, void *userdata,
						     lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_UTILS_DOCKER_H */
