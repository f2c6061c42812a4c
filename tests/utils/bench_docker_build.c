/*
 * Benchmark: an image build of a context of many small files through the
 * real dockerd the fixture starts, lium_docker_build() against the docker
 * CLI's legacy builder on the same tree and engine.  Prints figures; fails
 * only when a build fails or the two images differ in what they hold.
 */
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

#define DIRS          30
#define FILES_PER_DIR 100

static dockerd_fixture fx;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Time of the first build output: the engine has the whole context by then. */
static int first_output(const lium_docker_event *ev, void *userdata)
{
	double *t = userdata;
	if (ev->kind == LIUM_DOCKER_EVENT_STREAM && *t == 0)
		*t = now_s();
	return 0;
}

static uint64_t make_tree(const char *root, size_t *files)
{
	char path[PATH_MAX];
	char data[8192];
	uint64_t bytes = 0;
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	o.mode = 0644;
	o.create_dirs = 1;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	snprintf(path, sizeof(path), "%s/Dockerfile", root);
	assert_int_equal(lium_fs_write_atomic(path, "FROM scratch\nCOPY . /src/\n", 25, &o, NULL),
			 LIUM_OK);
	snprintf(path, sizeof(path), "%s/.dockerignore", root);
	assert_int_equal(lium_fs_write_atomic(path, "**/*.o\n", 7, &o, NULL), LIUM_OK);
	*files = 2;
	for (int d = 0; d < DIRS; d++) {
		for (int i = 0; i < FILES_PER_DIR; i++) {
			size_t size = 256u + (size_t)((d * 131 + i * 977) % 7900);
			FILE *f;
			snprintf(path, sizeof(path), "%s/mod%02d/f%03d.%s", root, d, i,
				 i % 10 == 0 ? "o" : "c");
			if (i == 0) {
				char dir[PATH_MAX];
				snprintf(dir, sizeof(dir), "%s/mod%02d", root, d);
				assert_int_equal(lium_fs_mkdirs(dir, 0755, NULL), LIUM_OK);
			}
			f = fopen(path, "wb");
			assert_non_null(f);
			assert_int_equal(fwrite(data, 1, size, f), size);
			fclose(f);
			if (i % 10 != 0) {
				bytes += size;
				(*files)++;
			}
		}
	}
	return bytes;
}

static void bench_docker_build__lium_against_docker_cli(void **state)
{
	char root[512], dockerhost[300], cfg[400], work[300];
	const char *tags[] = {"lium-bench/lium:1", NULL};
	const char *argv[] = {"docker",           "build", "-q", "--no-cache", "-t",
			      "lium-bench/cli:1", root,    NULL};
	const char *env[] = {dockerhost, "DOCKER_BUILDKIT=0", cfg, NULL};
	lium_docker_options o = LIUM_DOCKER_OPTIONS_INIT;
	lium_docker_build_options bo = LIUM_DOCKER_BUILD_OPTIONS_INIT;
	lium_process_options po = LIUM_PROCESS_OPTIONS_INIT;
	lium_docker_image_info *a = NULL, *b = NULL;
	lium_process_exit ex;
	lium_docker *d;
	lium_error err;
	lium_buf id = LIUM_BUF_INIT;
	size_t files = 0;
	uint64_t bytes;
	double t0, lium_t0, lium_s, cli_s, first = 0;
	(void)state;
	snprintf(work, sizeof(work), "%s/bench", fx.dir);
	snprintf(root, sizeof(root), "%s/ctx", work);
	snprintf(dockerhost, sizeof(dockerhost), "DOCKER_HOST=%s", fx.host);
	snprintf(cfg, sizeof(cfg), "DOCKER_CONFIG=%s", work);
	bytes = make_tree(root, &files);
	o.host = fx.host;
	o.config_dir = work;
	assert_int_equal(lium_docker_new(&d, &o, NULL), LIUM_OK);

	bo.tags = tags;
	bo.no_cache = 1;
	bo.on_event = first_output;
	bo.userdata = &first;
	t0 = lium_t0 = now_s();
	if (lium_docker_build(d, root, &bo, &id, &err) != LIUM_OK)
		fail_msg("lium build: %s", err.message);
	lium_s = now_s() - t0;

	po.env = env;
	po.stdout_mode = LIUM_PROCESS_NULL;
	po.stderr_mode = LIUM_PROCESS_NULL;
	t0 = now_s();
	assert_int_equal(lium_process_run(argv, &po, &ex, NULL), LIUM_OK);
	cli_s = now_s() - t0;
	assert_true(ex.exited && ex.code == 0);

	/* Same content, so the same layer: equal image sizes. */
	assert_int_equal(lium_docker_image_inspect(d, "lium-bench/lium:1", &a, NULL), LIUM_OK);
	assert_int_equal(lium_docker_image_inspect(d, "lium-bench/cli:1", &b, NULL), LIUM_OK);
	assert_int_equal(a->size, b->size);

	printf("context: %zu files, %.1f MiB after .dockerignore\n", files,
	       (double)bytes / 1048576.0);
	printf("lium_docker_build (streamed context, no cache): %.0f ms, of which %.0f ms "
	       "until the engine had the whole context\n",
	       lium_s * 1e3, (first - lium_t0) * 1e3);
	printf("docker build, legacy builder (same engine):       %.0f ms\n", cli_s * 1e3);
	lium_docker_image_info_free(a);
	lium_docker_image_info_free(b);
	lium_buf_dispose(&id);
	lium_docker_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bench_docker_build__lium_against_docker_cli),
	};
	int rc = dockerd_fixture_start(&fx);
	if (rc == DOCKERD_FIXTURE_SKIP)
		return DOCKERD_FIXTURE_SKIP;
	if (rc != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dockerd_fixture_stop(&fx);
	return rc;
}
