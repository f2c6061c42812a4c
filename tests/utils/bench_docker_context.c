/*
 * Benchmark: how fast a build context of many small files becomes a tar
 * stream (the walk with .dockerignore, then the stream itself), against
 * GNU tar writing the same tree to /dev/null.
 *
 * Prints figures; fails only when the stream is wrong (its size is checked
 * against what the entries add up to).
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

#include <lium/utils/fs.h>
#include <lium/utils/process.h>

#include "docker_int.h"

#define DIRS          100
#define FILES_PER_DIR 100
#define IGNORED_EVERY 10 /* every tenth file is a "*.log" that .dockerignore drops */

static char tmpdir[256];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_tree(const char *root, uint64_t *bytes, size_t *files)
{
	char path[PATH_MAX];
	char *data = malloc(16384);
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	FILE *f;
	assert_non_null(data);
	for (int i = 0; i < 16384; i++)
		data[i] = (char)('a' + (i * 7) % 26);
	o.mode = 0644;
	snprintf(path, sizeof(path), "%s/Dockerfile", root);
	assert_int_equal(lium_fs_write_atomic(path, "FROM scratch\nCOPY . /\n", 22, &o, NULL),
			 LIUM_OK);
	snprintf(path, sizeof(path), "%s/.dockerignore", root);
	assert_int_equal(lium_fs_write_atomic(path, "**/*.log\n", 9, &o, NULL), LIUM_OK);
	*bytes = 22 + 9;
	*files = 2;
	for (int d = 0; d < DIRS; d++) {
		snprintf(path, sizeof(path), "%s/pkg%03d", root, d);
		assert_int_equal(mkdir(path, 0755), 0);
		for (int i = 0; i < FILES_PER_DIR; i++) {
			/* 512 B .. 16 KiB, a typical source tree. */
			size_t size = 512u + (size_t)((d * 131 + i * 977) % 16000);
			int ignored = i % IGNORED_EVERY == 0;
			snprintf(path, sizeof(path), "%s/pkg%03d/file%03d.%s", root, d, i,
				 ignored ? "log" : "c");
			f = fopen(path, "wb");
			assert_non_null(f);
			assert_int_equal(fwrite(data, 1, size, f), size);
			fclose(f);
			if (!ignored) {
				*bytes += size;
				(*files)++;
			}
		}
	}
	free(data);
}

static void bench_docker_context__many_small_files(void **state)
{
	char root[512], tarcmd[1024];
	const char *targv[] = {"sh", "-c", tarcmd, NULL};
	lium__docker_context *c;
	uint64_t bytes = 0, streamed = 0;
	size_t files = 0, n;
	char *buf = malloc(512 * 1024);
	double t0, t1, t2, t3, best = 1e9, gnu;
	lium_status st;
	(void)state;
	assert_non_null(buf);
	snprintf(root, sizeof(root), "%s/ctx", tmpdir);
	assert_int_equal(mkdir(root, 0755), 0);
	make_tree(root, &bytes, &files);

	/* Three rounds; the page cache is warm after the first. */
	for (int round = 0; round < 3; round++) {
		t0 = now_s();
		assert_int_equal(lium__docker_context_new(&c, root, NULL, NULL), LIUM_OK);
		t1 = now_s();
		streamed = 0;
		do {
			st = lium__docker_context_read(c, buf, 512 * 1024, &n, NULL);
			streamed += n;
		} while (st == LIUM_OK && n > 0);
		t2 = now_s();
		assert_int_equal(st, LIUM_OK);
		assert_int_equal(lium__docker_context_data_bytes(c), bytes);
		/* Directories: DIRS entries; files: files entries. */
		assert_int_equal(lium__docker_context_entries(c), files + DIRS);
		lium__docker_context_free(c);
		if (t2 - t0 < best)
			best = t2 - t0;
		printf("round %d: walk %.1f ms, stream %.1f ms, %llu bytes of tar\n", round + 1,
		       (t1 - t0) * 1e3, (t2 - t1) * 1e3, (unsigned long long)streamed);
	}
	/*
	 * Through a pipe: GNU tar writing straight to /dev/null notices it and
	 * skips reading the files.
	 */
	snprintf(tarcmd, sizeof(tarcmd), "tar --exclude='*.log' -cf - -C '%s' . | cat > /dev/null",
		 root);
	t3 = now_s();
	assert_int_equal(lium_process_run(targv, NULL, NULL, NULL), LIUM_OK);
	gnu = now_s() - t3;

	printf("build context: %zu files, %.1f MiB of data, %.1f MiB of tar\n", files,
	       (double)bytes / 1048576.0, (double)streamed / 1048576.0);
	printf("lium tar stream (walk + .dockerignore + stream), best of 3: %.1f ms, "
	       "%.0f MB/s, %.0f files/s\n",
	       best * 1e3, (double)streamed / best / 1e6, (double)files / best);
	printf("GNU tar -cf - | cat > /dev/null (same tree): %.1f ms, %.0f MB/s\n", gnu * 1e3,
	       (double)streamed / gnu / 1e6);
	free(buf);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lium-bench-ctx-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	const char *argv[] = {"rm", "-rf", tmpdir, NULL};
	(void)state;
	return lium_process_run(argv, NULL, NULL, NULL) == LIUM_OK ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bench_docker_context__many_small_files),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
