/*
 * lium/utils/docker.h against a real dockerd (and a real docker-registry)
 * that tests/utils/dockerd_fixture.c starts: build FROM scratch with a
 * .dockerignore (cross-checked with the docker CLI), inspect, tag, list,
 * save, remove, engine errors, push with credentials.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <lium/utils/docker.h>
#include <lium/utils/fs.h>
#include <lium/utils/process.h>

#include "dockerd_fixture.h"

static dockerd_fixture fx;
static char work[256];
static int registry_started;

/* ------------------------------------------------------------------ */
/* helpers */

static lium_docker *client(void)
{
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker *d = NULL;
	lium_error err;
	o.host = fx.host;
	o.config_dir = work; /* no config.json there: no credentials */
	if (lium_docker_new(&d, &o, &err) != LIUM_OK)
		fail_msg("lium_docker_new: %s", err.message);
	return d;
}

static void put_file(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	o.mode = 0644;
	o.create_dirs = 1;
	assert_int_equal(lium_fs_write_atomic(path, text, strlen(text), &o, NULL), LIUM_OK);
}

static void run_ok(const char *const *argv, const char *cwd, const char *const *env, lium_buf *out)
{
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	lium_buf errb = LIUM_BUF_INIT;
	lium_error err;
	o.cwd = cwd;
	o.env = env;
	if (out) {
		o.stdout_mode = LIUM_PROCESS_CAPTURE;
		o.stdout_buf = out;
	} else {
		o.stdout_mode = LIUM_PROCESS_NULL;
	}
	o.stderr_mode = LIUM_PROCESS_CAPTURE;
	o.stderr_buf = &errb;
	o.timeout_ms = 120000;
	if (lium_process_run(argv, &o, &ex, &err) != LIUM_OK)
		fail_msg("%s: %s", argv[0], err.message);
	if (!ex.exited || ex.code != 0)
		fail_msg("%s failed (%d): %s", argv[0], ex.code, lium_buf_cstr(&errb));
	lium_buf_dispose(&errb);
}

struct events {
	int context, stream, status, error, aux;
	lium_buf text;
	lium_buf aux_id;
	int64_t context_entries;
	int cancel_on_stream;
};

static int on_event(const lium_docker_event *ev, void *userdata)
{
	struct events *e = userdata;
	assert_true(ev->json != NULL || ev->kind == LIUM_DOCKER_EVENT_CONTEXT);
	switch (ev->kind) {
	case LIUM_DOCKER_EVENT_CONTEXT:
		e->context++;
		e->context_entries = ev->current;
		break;
	case LIUM_DOCKER_EVENT_STREAM:
		e->stream++;
		lium_buf_puts(&e->text, ev->text);
		if (e->cancel_on_stream)
			return 1;
		break;
	case LIUM_DOCKER_EVENT_STATUS:
		e->status++;
		lium_buf_printf(&e->text, "[%s %s]\n", ev->text, ev->id ? ev->id : "");
		break;
	case LIUM_DOCKER_EVENT_ERROR:
		e->error++;
		lium_buf_printf(&e->text, "ERROR %s\n", ev->text);
		break;
	case LIUM_DOCKER_EVENT_AUX:
		e->aux++;
		if (ev->image_id)
			lium_buf_puts(&e->aux_id, ev->image_id);
		break;
	}
	return 0;
}

static void events_dispose(struct events *e)
{
	lium_buf_dispose(&e->text);
	lium_buf_dispose(&e->aux_id);
}

static int save_to_file(const void *data, size_t len, void *userdata)
{
	return fwrite(data, 1, len, userdata) == len ? 0 : 1;
}

/* The sorted file list of all layers of an image, through our own save. */
static void image_files(lium_docker *d, const char *image, const char *tag, lium_buf *out)
{
	char dir[512], tarpath[600];
	const char *xargv[] = {"tar", "-xf", tarpath, "-C", dir, NULL};
	const char *largv[] = {"sh", "-c",
			       "for l in */layer.tar; do tar -tf \"$l\"; done | sort -u", NULL};
	FILE *f;
	lium_error err;
	snprintf(dir, sizeof(dir), "%s/save-%s", work, tag);
	snprintf(tarpath, sizeof(tarpath), "%s/save-%s.tar", work, tag);
	assert_int_equal(mkdir(dir, 0755), 0);
	f = fopen(tarpath, "wb");
	assert_non_null(f);
	if (lium_docker_image_save(d, image, save_to_file, f, &err) != LIUM_OK)
		fail_msg("save %s: %s", image, err.message);
	assert_int_equal(fclose(f), 0);
	run_ok(xargv, NULL, NULL, NULL);
	run_ok(largv, dir, NULL, out);
}

static int has_tag(const lium_docker_image_info *img, const char *tag)
{
	for (size_t i = 0; i < img->repo_tags_count; i++) {
		if (strcmp(img->repo_tags[i], tag) == 0)
			return 1;
	}
	return 0;
}

/* The context of the main build: what .dockerignore keeps and drops. */
static void make_context(const char *ctx)
{
	put_file(ctx, "Dockerfile", "FROM scratch\nCOPY . /\n");
	put_file(ctx, ".dockerignore",
		 "# secrets and build output stay out of the image\n"
		 "*.key\n"
		 "build\n"
		 "!build/keep.txt\n"
		 "**/cache\n"
		 "docs/*.tmp\n"
		 "Dockerfile\n");
	put_file(ctx, "app.txt", "the application\n");
	put_file(ctx, "server.key", "secret\n");
	put_file(ctx, "sub/nested.key", "kept: *.key is top-level only\n");
	put_file(ctx, "build/out.bin", "build output\n");
	put_file(ctx, "build/keep.txt", "kept by an exception\n");
	put_file(ctx, "a/b/cache/blob", "cached\n");
	put_file(ctx, "cache/top", "cached\n");
	put_file(ctx, "docs/readme.md", "docs\n");
	put_file(ctx, "docs/draft.tmp", "draft\n");
	put_file(ctx, "docs/deeper/x.tmp", "kept: docs/*.tmp is one level\n");
}

/* ------------------------------------------------------------------ */
/* tests */

static void test_docker__ping_and_version(void **state)
{
	lium_docker *d = client();
	lium_docker_version_info *v = NULL;
	lium_error err;
	(void)state;
	assert_string_equal(lium_docker_host(d), fx.host);
	if (lium_docker_ping(d, &err) != LIUM_OK)
		fail_msg("ping: %s", err.message);
	assert_int_equal(lium_docker_version(d, &v, &err), LIUM_OK);
	assert_non_null(v->version);
	assert_non_null(v->api_version);
	assert_string_equal(v->os, "linux");
	lium_docker_version_info_free(v);
	lium_docker_free(d);
}

static void test_docker__docker_host_from_environment(void **state)
{
	lium_docker *d;
	char *saved = getenv("DOCKER_HOST") ? strdup(getenv("DOCKER_HOST")) : NULL;
	(void)state;
	setenv("DOCKER_HOST", fx.host, 1);
	assert_int_equal(lium_docker_new(&d, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_docker_host(d), fx.host);
	assert_int_equal(lium_docker_ping(d, NULL), LIUM_OK);
	lium_docker_free(d);

	unsetenv("DOCKER_HOST");
	assert_int_equal(lium_docker_new(&d, NULL, NULL), LIUM_OK);
	assert_string_equal(lium_docker_host(d), "unix:///var/run/docker.sock");
	lium_docker_free(d);
	if (saved) {
		setenv("DOCKER_HOST", saved, 1);
		free(saved);
	}
}

static void test_docker__api_version_prefix(void **state)
{
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker *d;
	lium_error err;
	(void)state;
	o.host = fx.host;
	o.api_version = "1.41";
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	assert_int_equal(lium_docker_ping(d, NULL), LIUM_OK);
	lium_docker_free(d);
	/* A version newer than the engine knows: the engine's own message. */
	o.api_version = "9.99";
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	assert_int_equal(lium_docker_ping(d, &err), LIUM_EDOCKER);
	assert_int_equal(err.cause, 400);
	assert_non_null(strstr(err.message, "9.99"));
	lium_docker_free(d);
	o.api_version = "1.41; rm -rf";
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_EINVAL);
}

static void test_docker__unreachable_and_bad_hosts(void **state)
{
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker *d;
	lium_error err;
	char sock[600];
	(void)state;
	snprintf(sock, sizeof(sock), "unix://%s/nobody.sock", work);
	o.host = sock;
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	assert_int_equal(lium_docker_ping(d, &err), LIUM_ENETWORK);
	assert_non_null(strstr(err.message, "nobody.sock"));
	lium_docker_free(d);

	o.host = "tcp://127.0.0.1:1";
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	assert_int_equal(lium_docker_ping(d, &err), LIUM_ENETWORK);
	lium_docker_free(d);

	o.host = "ssh://user@host";
	assert_int_equal(lium_docker_new(&d, &o, &err), LIUM_EINVAL);
	assert_null(d);
	o.host = "unix://relative.sock";
	assert_int_equal(lium_docker_new(&d, &o, &err), LIUM_EINVAL);
}

static void test_docker__build_scratch_with_dockerignore(void **state)
{
	char ctx[512];
	const char *tags[] = {"lium-test/app:1", NULL};
	lium_docker_build_options o = LIUM_DOCKER_BUILD_OPTIONS_INIT;
	lium_docker *d = client();
	lium_buf id = LIUM_BUF_INIT, files = LIUM_BUF_INIT;
	struct events ev;
	lium_docker_image_info *img = NULL;
	lium_error err;
	(void)state;
	memset(&ev, 0, sizeof(ev));
	snprintf(ctx, sizeof(ctx), "%s/ctx-main", work);
	make_context(ctx);
	o.tags = tags;
	o.on_event = on_event;
	o.userdata = &ev;
	if (lium_docker_build(d, ctx, &o, &id, &err) != LIUM_OK)
		fail_msg("build: %s", err.message);
	assert_int_equal(strncmp(id.ptr, "sha256:", 7), 0);
	assert_int_equal(ev.context, 1);
	assert_true(ev.stream >= 2);
	assert_non_null(strstr(lium_buf_cstr(&ev.text), "Step 1/2 : FROM scratch"));
	assert_int_equal(ev.error, 0);
	assert_string_equal(lium_buf_cstr(&ev.aux_id), id.ptr);

	/* inspect: same id, the tag, a size, a recent creation time */
	assert_int_equal(lium_docker_image_inspect(d, "lium-test/app:1", &img, &err), LIUM_OK);
	assert_string_equal(img->id, id.ptr);
	assert_true(has_tag(img, "lium-test/app:1"));
	assert_true(img->size > 0);
	assert_true(img->created > (int64_t)time(NULL) - 3600);
	assert_string_equal(img->os, "linux");
	lium_docker_image_info_free(img);

	/* The image holds exactly what .dockerignore let through. */
	image_files(d, "lium-test/app:1", "main", &files);
	assert_string_equal(lium_buf_cstr(&files), ".dockerignore\n"
						   "a/\n"
						   "a/b/\n"
						   "app.txt\n"
						   "build/\n"
						   "build/keep.txt\n"
						   "docs/\n"
						   "docs/deeper/\n"
						   "docs/deeper/x.tmp\n"
						   "docs/readme.md\n"
						   "sub/\n"
						   "sub/nested.key\n");
	lium_buf_dispose(&files);
	lium_buf_dispose(&id);
	events_dispose(&ev);
	lium_docker_free(d);
}

static void test_docker__same_files_as_docker_cli(void **state)
{
	/* The docker CLI builds the same context: the images hold the same files. */
	char ctx[512], dockerhost[256], cfg[300];
	const char *argv[] = {"docker", "build", "-q", "-t", "lium-test/cli:1", ctx, NULL};
	const char *env[] = {dockerhost, "DOCKER_BUILDKIT=0", cfg, NULL};
	lium_docker *d = client();
	lium_buf ours = LIUM_BUF_INIT, theirs = LIUM_BUF_INIT, out = LIUM_BUF_INIT;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx-main", work);
	snprintf(dockerhost, sizeof(dockerhost), "DOCKER_HOST=%s", fx.host);
	snprintf(cfg, sizeof(cfg), "DOCKER_CONFIG=%s", work);
	run_ok(argv, NULL, env, &out);
	image_files(d, "lium-test/app:1", "ours", &ours);
	image_files(d, "lium-test/cli:1", "cli", &theirs);
	assert_string_equal(lium_buf_cstr(&ours), lium_buf_cstr(&theirs));
	assert_int_equal(lium_docker_image_remove(d, "lium-test/cli:1", 0, NULL), LIUM_OK);
	lium_buf_dispose(&ours);
	lium_buf_dispose(&theirs);
	lium_buf_dispose(&out);
	lium_docker_free(d);
}

static void test_docker__tag_list_remove(void **state)
{
	lium_docker *d = client();
	lium_docker_image_info_list *list = NULL;
	lium_docker_image_info *img = NULL;
	lium_error err;
	int seen = 0;
	(void)state;
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", "lium-test/app:2", &err), LIUM_OK);
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", "lium-test/other", &err), LIUM_OK);

	/* A reference filter shows the matching names only. */
	assert_int_equal(lium_docker_images(d, "lium-test/app", &list, &err), LIUM_OK);
	assert_int_equal(list->count, 1);
	assert_true(has_tag(list->items[0], "lium-test/app:1"));
	assert_true(has_tag(list->items[0], "lium-test/app:2"));
	assert_false(has_tag(list->items[0], "lium-test/other:latest"));
	assert_true(list->items[0]->created > 0);
	assert_true(list->items[0]->size > 0);
	lium_docker_image_info_list_free(list);

	assert_int_equal(lium_docker_images(d, NULL, &list, &err), LIUM_OK);
	for (size_t i = 0; i < list->count; i++) {
		if (has_tag(list->items[i], "lium-test/app:2")) {
			seen++;
			assert_true(has_tag(list->items[i], "lium-test/other:latest"));
		}
	}
	assert_int_equal(seen, 1);
	lium_docker_image_info_list_free(list);

	/* Removing one name only untags; the image stays under the others. */
	assert_int_equal(lium_docker_image_remove(d, "lium-test/app:2", 0, &err), LIUM_OK);
	assert_int_equal(lium_docker_image_remove(d, "lium-test/other", 0, &err), LIUM_OK);
	assert_int_equal(lium_docker_image_inspect(d, "lium-test/app:1", &img, &err), LIUM_OK);
	assert_false(has_tag(img, "lium-test/app:2"));
	lium_docker_image_info_free(img);
	assert_int_equal(lium_docker_image_inspect(d, "lium-test/app:2", &img, &err), LIUM_EDOCKER);
	assert_int_equal(err.cause, 404);
	assert_non_null(strstr(err.message, "No such image"));
	assert_null(img);

	/* A digest is not a tag: refused before asking the engine. */
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", "lium-test/app@sha256:00", &err),
			 LIUM_EINVAL);
	assert_int_equal(lium_docker_push(d, "lium-test/app@sha256:00", NULL, NULL, &err),
			 LIUM_EINVAL);
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", "lium-test/app:", &err),
			 LIUM_EINVAL);

	/* Bad names come back with the engine's words. */
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", "UPPER/case", &err), LIUM_EDOCKER);
	/* Engine 20.10 answers 500 here, newer ones 400: the message is what counts. */
	assert_true(err.cause == 400 || err.cause == 500);
	assert_non_null(strstr(err.message, "must be lowercase"));
	assert_int_equal(lium_docker_tag(d, "lium-test/none:9", "lium-test/x:1", &err),
			 LIUM_EDOCKER);
	assert_int_equal(err.cause, 404);
	lium_docker_free(d);
}

static void test_docker__bad_dockerfile_reports_engine_message(void **state)
{
	char ctx[512];
	lium_docker *d = client();
	lium_buf id = LIUM_BUF_INIT;
	struct events ev;
	lium_docker_build_options o = LIUM_DOCKER_BUILD_OPTIONS_INIT;
	lium_error err;
	(void)state;
	memset(&ev, 0, sizeof(ev));
	o.on_event = on_event;
	o.userdata = &ev;
	snprintf(ctx, sizeof(ctx), "%s/ctx-bad", work);
	put_file(ctx, "Dockerfile", "FORM scratch\n");
	assert_int_equal(lium_docker_build(d, ctx, &o, &id, &err), LIUM_EDOCKER);
	assert_non_null(strstr(err.message, "unknown instruction"));

	/* A step that fails: an error event, the engine's message. */
	put_file(ctx, "Dockerfile", "FROM scratch\nCOPY missing.txt /\n");
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(lium_docker_build(d, ctx, &o, &id, &err), LIUM_EDOCKER);
	assert_non_null(strstr(err.message, "missing.txt"));
	assert_int_equal(ev.error, 1);
	assert_int_equal(err.cause, 0);

	/* No Dockerfile at all: found before anything is sent. */
	{
		char df[600];
		snprintf(df, sizeof(df), "%s/Dockerfile", ctx);
		assert_int_equal(unlink(df), 0);
	}
	assert_int_equal(lium_docker_build(d, ctx, &o, &id, &err), LIUM_ENOTFOUND);
	events_dispose(&ev);
	lium_buf_dispose(&id);
	lium_docker_free(d);
}

static void test_docker__build_args_labels_target(void **state)
{
	char ctx[512], fmt[] = "{{.Config.Labels.version}} {{.Config.Labels.stage}}";
	char dockerhost[256], cfg[300];
	const char *tags[] = {"lium-test/args:1", NULL};
	const char *args[] = {"VERSION=1.2.3", "LIUM_TEST_FROM_ENV", "LIUM_TEST_UNSET", NULL};
	const char *labels[] = {"stage=first", NULL};
	const char *argv[] = {"docker", "image", "inspect", "-f", fmt, "lium-test/args:1", NULL};
	const char *env[] = {dockerhost, cfg, NULL};
	lium_docker_build_options o = LIUM_DOCKER_BUILD_OPTIONS_INIT;
	lium_docker *d = client();
	lium_buf id = LIUM_BUF_INIT, out = LIUM_BUF_INIT, files = LIUM_BUF_INIT;
	lium_error err;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx-args", work);
	snprintf(dockerhost, sizeof(dockerhost), "DOCKER_HOST=%s", fx.host);
	snprintf(cfg, sizeof(cfg), "DOCKER_CONFIG=%s", work);
	put_file(ctx, "build/Dockerfile.multi",
		 "FROM scratch AS first\n"
		 "ARG VERSION\n"
		 "ARG LIUM_TEST_FROM_ENV\n"
		 "LABEL version=$VERSION\n"
		 "COPY one.txt /\n"
		 "FROM first AS second\n"
		 "COPY two.txt /\n");
	put_file(ctx, "one.txt", "1");
	put_file(ctx, "two.txt", "2");
	setenv("LIUM_TEST_FROM_ENV", "from-env", 1);
	unsetenv("LIUM_TEST_UNSET");
	o.dockerfile = "build/Dockerfile.multi";
	o.tags = tags;
	o.build_args = args;
	o.labels = labels;
	o.target = "first";
	if (lium_docker_build(d, ctx, &o, &id, &err) != LIUM_OK)
		fail_msg("build: %s", err.message);
	run_ok(argv, NULL, env, &out);
	assert_string_equal(lium_buf_cstr(&out), "1.2.3 first\n");
	/* The target stage stops before two.txt. */
	image_files(d, "lium-test/args:1", "args", &files);
	assert_non_null(strstr(lium_buf_cstr(&files), "one.txt\n"));
	assert_null(strstr(lium_buf_cstr(&files), "two.txt"));
	assert_int_equal(lium_docker_image_remove(d, id.ptr, 1, &err), LIUM_OK);
	lium_buf_dispose(&id);
	lium_buf_dispose(&out);
	lium_buf_dispose(&files);
	lium_docker_free(d);
}

static void test_docker__event_callback_cancels_build(void **state)
{
	char ctx[512];
	lium_docker *d = client();
	struct events ev;
	lium_docker_build_options o = LIUM_DOCKER_BUILD_OPTIONS_INIT;
	lium_error err;
	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.cancel_on_stream = 1;
	o.on_event = on_event;
	o.userdata = &ev;
	snprintf(ctx, sizeof(ctx), "%s/ctx-main", work);
	assert_int_equal(lium_docker_build(d, ctx, &o, NULL, &err), LIUM_ECANCELLED);
	assert_int_equal(ev.stream, 1);
	/* The client is still usable afterwards. */
	assert_int_equal(lium_docker_ping(d, NULL), LIUM_OK);
	events_dispose(&ev);
	lium_docker_free(d);
}

static void ensure_registry(void)
{
	if (!registry_started) {
		if (dockerd_fixture_start_registry(&fx) != 0)
			fail_msg("the registry fixture did not start");
		registry_started = 1;
	}
}

/* GET a manifest from the registry with curl(1) and basic auth; the digest header. */
static void registry_digest(const char *repo, const char *tag, lium_buf *digest)
{
	char url[256], user[80];
	const char *argv[] = {
		"curl",      "-sf", "-u",
		user,        "-H",  "Accept: application/vnd.docker.distribution.manifest.v2+json",
		"-D",        "-",   "-o",
		"/dev/null", url,   NULL};
	lium_buf out = LIUM_BUF_INIT;
	const char *h;
	snprintf(url, sizeof(url), "http://%s/v2/%s/manifests/%s", fx.registry, repo, tag);
	snprintf(user, sizeof(user), "%s:%s", fx.user, fx.password);
	run_ok(argv, NULL, NULL, &out);
	h = strstr(lium_buf_cstr(&out), "Docker-Content-Digest: ");
	if (!h)
		h = strstr(lium_buf_cstr(&out), "docker-content-digest: ");
	assert_non_null(h);
	h += strlen("Docker-Content-Digest: ");
	lium_buf_put(digest, h, strcspn(h, "\r\n"));
	lium_buf_dispose(&out);
}

static void test_docker__push_with_config_credentials(void **state)
{
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker_push_options po = LIUM_DOCKER_PUSH_OPTIONS_INIT;
	lium_docker *d;
	char name[128];
	lium_buf digest = LIUM_BUF_INIT, remote = LIUM_BUF_INIT;
	lium_docker_image_info *img = NULL;
	struct events ev;
	lium_error err;
	int found = 0;
	(void)state;
	ensure_registry();
	memset(&ev, 0, sizeof(ev));
	o.host = fx.host;
	o.config_dir = fx.config_dir;
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	snprintf(name, sizeof(name), "%s/lium/app:1", fx.registry);
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", name, &err), LIUM_OK);
	po.on_event = on_event;
	po.userdata = &ev;
	if (lium_docker_push(d, name, &po, &digest, &err) != LIUM_OK)
		fail_msg("push: %s", err.message);
	assert_int_equal(strncmp(digest.ptr, "sha256:", 7), 0);
	assert_true(ev.status > 0);
	assert_int_equal(ev.error, 0);

	/* The registry has it under that digest, and the engine records it. */
	registry_digest("lium/app", "1", &remote);
	assert_string_equal(remote.ptr, digest.ptr);
	assert_int_equal(lium_docker_image_inspect(d, name, &img, &err), LIUM_OK);
	for (size_t i = 0; i < img->repo_digests_count; i++)
		found += strstr(img->repo_digests[i], digest.ptr) != NULL;
	assert_int_equal(found, 1);
	lium_docker_image_info_free(img);
	lium_buf_dispose(&digest);
	lium_buf_dispose(&remote);
	events_dispose(&ev);
	lium_docker_free(d);
}

static void test_docker__push_rejected_credentials(void **state)
{
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker_push_options po = LIUM_DOCKER_PUSH_OPTIONS_INIT;
	lium_docker *d;
	char name[128];
	lium_error err;
	(void)state;
	ensure_registry();
	o.host = fx.host;
	o.config_dir = fx.config_dir;
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	snprintf(name, sizeof(name), "%s/lium/denied:1", fx.registry);
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", name, &err), LIUM_OK);

	/* Explicit credentials win over config.json: wrong ones are refused. */
	po.username = fx.user;
	po.password = "wrong-password";
	assert_int_equal(lium_docker_push(d, name, &po, NULL, &err), LIUM_EDOCKER);
	assert_non_null(strstr(err.message, "auth"));
	assert_null(strstr(err.message, "wrong-password"));
	lium_docker_free(d);

	/* No credentials at all (an empty config directory). */
	o.config_dir = work;
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	assert_int_equal(lium_docker_push(d, name, NULL, NULL, &err), LIUM_EDOCKER);
	assert_non_null(strstr(err.message, "auth"));
	assert_int_equal(lium_docker_image_remove(d, name, 0, NULL), LIUM_OK);
	lium_docker_free(d);
}

static void test_docker__push_with_credential_helper(void **state)
{
	/* config.json names a helper; the helper (a script on PATH) knows the secret. */
	char bindir[512], helper[600], cfgdir[512], script[512], name[128], path[4096];
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker *d;
	lium_buf digest = LIUM_BUF_INIT;
	lium_error err;
	const char *old_path = getenv("PATH");
	char *saved = old_path ? strdup(old_path) : NULL;
	(void)state;
	ensure_registry();
	snprintf(bindir, sizeof(bindir), "%s/helper-bin", work);
	snprintf(helper, sizeof(helper), "%s/docker-credential-liumtest", bindir);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n"
		 "[ \"$server\" = \"%s\" ] || exit 1\n"
		 "printf '{\"ServerURL\":\"%%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}' "
		 "\"$server\"\n",
		 fx.registry, fx.user, fx.password);
	put_file(bindir, "docker-credential-liumtest", script);
	assert_int_equal(chmod(helper, 0755), 0);
	snprintf(cfgdir, sizeof(cfgdir), "%s/helper-config", work);
	put_file(cfgdir, "config.json", "{\"auths\": {}, \"credsStore\": \"liumtest\"}\n");
	snprintf(path, sizeof(path), "%s:%s", bindir, saved ? saved : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	o.host = fx.host;
	o.config_dir = cfgdir;
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);
	snprintf(name, sizeof(name), "%s/lium/helper:1", fx.registry);
	assert_int_equal(lium_docker_tag(d, "lium-test/app:1", name, &err), LIUM_OK);
	if (lium_docker_push(d, name, NULL, &digest, &err) != LIUM_OK)
		fail_msg("push with helper: %s", err.message);
	assert_int_equal(strncmp(digest.ptr, "sha256:", 7), 0);
	lium_docker_free(d);
	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	}
	lium_buf_dispose(&digest);
}

static void test_docker__save_missing_image(void **state)
{
	lium_docker *d = client();
	FILE *f = tmpfile();
	lium_error err;
	(void)state;
	assert_int_equal(lium_docker_image_save(d, "lium-test/none:1", save_to_file, f, &err),
			 LIUM_EDOCKER);
	assert_int_equal(err.cause, 404);
	fclose(f);
	assert_int_equal(lium_docker_image_remove(d, "lium-test/none:1", 0, &err), LIUM_EDOCKER);
	assert_int_equal(err.cause, 404);
	lium_docker_free(d);
}

static void test_docker__remove_last_name_deletes(void **state)
{
	lium_docker *d = client();
	lium_docker_image_info *img = NULL;
	lium_error err;
	(void)state;
	assert_int_equal(lium_docker_image_inspect(d, "lium-test/app:1", &img, &err), LIUM_OK);
	lium_docker_image_info_free(img);
	assert_int_equal(lium_docker_image_remove(d, "lium-test/app:1", 1, &err), LIUM_OK);
	assert_int_equal(lium_docker_image_inspect(d, "lium-test/app:1", &img, &err), LIUM_EDOCKER);
	assert_int_equal(err.cause, 404);
	lium_docker_free(d);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(work, sizeof(work), "%s/work", fx.dir);
	return mkdir(work, 0700);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker__ping_and_version),
		cmocka_unit_test(test_docker__docker_host_from_environment),
		cmocka_unit_test(test_docker__api_version_prefix),
		cmocka_unit_test(test_docker__unreachable_and_bad_hosts),
		cmocka_unit_test(test_docker__build_scratch_with_dockerignore),
		cmocka_unit_test(test_docker__same_files_as_docker_cli),
		cmocka_unit_test(test_docker__tag_list_remove),
		cmocka_unit_test(test_docker__bad_dockerfile_reports_engine_message),
		cmocka_unit_test(test_docker__build_args_labels_target),
		cmocka_unit_test(test_docker__event_callback_cancels_build),
		cmocka_unit_test(test_docker__push_with_config_credentials),
		cmocka_unit_test(test_docker__push_rejected_credentials),
		cmocka_unit_test(test_docker__push_with_credential_helper),
		cmocka_unit_test(test_docker__save_missing_image),
		cmocka_unit_test(test_docker__remove_last_name_deletes),
	};
	int rc = dockerd_fixture_start(&fx);
	if (rc == DOCKERD_FIXTURE_SKIP)
		return DOCKERD_FIXTURE_SKIP;
	if (rc != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, group_setup, NULL);
	dockerd_fixture_stop(&fx);
	return rc;
}
