/*
 * Unit tests of the build-context pieces: the tar writer (checked against
 * GNU tar), the .dockerignore matcher (golden cases of Docker's rules) and
 * the context stream (extracted with GNU tar and compared).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include <lium/utils/fs.h>
#include <lium/utils/process.h>

#include "docker_int.h"
#include "tar_int.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lium-dctx-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	umask(022);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	const char *argv[] = {"rm", "-rf", tmpdir, NULL};
	(void)state;
	return lium_process_run(argv, NULL, NULL, NULL) == LIUM_OK ? 0 : -1;
}

static void put_file(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	o.mode = mode;
	o.create_dirs = 1;
	assert_int_equal(lium_fs_write_atomic(path, text, strlen(text), &o, NULL), LIUM_OK);
}

static void run_ok(const char *const *argv, lium_buf *out)
{
	lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	lium_buf errb = LIUM_BUF_INIT;
	if (out) {
		o.stdout_mode = LIUM_PROCESS_CAPTURE;
		o.stdout_buf = out;
	}
	o.stderr_mode = LIUM_PROCESS_CAPTURE;
	o.stderr_buf = &errb;
	assert_int_equal(lium_process_run(argv, &o, &ex, NULL), LIUM_OK);
	if (!ex.exited || ex.code != 0)
		print_message("%s failed: %s\n", argv[0], lium_buf_cstr(&errb));
	assert_true(ex.exited && ex.code == 0);
	lium_buf_dispose(&errb);
}

/* ------------------------------------------------------------------ */
/* tar writer */

static int checksum_ok(const unsigned char *h)
{
	unsigned int sum = 0, want;
	char field[9];
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	memcpy(field, h + 148, 8);
	field[8] = '\0';
	return sscanf(field, "%o", &want) == 1 && want == sum;
}

static void test_tar__header_matches_gnu_tar_ustar(void **state)
{
	/* GNU tar writing the same member in ustar format gives the same bytes. */
	char dir[512], out[PATH_MAX];
	const char *argv[] = {"tar",
			      "--format=ustar",
			      "--owner=0",
			      "--group=0",
			      "--numeric-owner",
			      "--mtime=@1700000000",
			      "-C",
			      dir,
			      "-cf",
			      out,
			      "hello.txt",
			      NULL};
	lium_buf gnu = LIUM_BUF_INIT, ours = LIUM_BUF_INIT;
	lium__tar_entry e;
	(void)state;
	snprintf(dir, sizeof(dir), "%s/gnu", tmpdir);
	snprintf(out, sizeof(out), "%s/gnu.tar", tmpdir);
	put_file(dir, "hello.txt", "hello", 0644);
	run_ok(argv, NULL);
	assert_int_equal(lium_fs_read_file(out, 0, &gnu, NULL), LIUM_OK);

	memset(&e, 0, sizeof(e));
	e.name = "hello.txt";
	e.type = LIUM__TAR_FILE;
	e.mode = 0644;
	e.size = 5;
	e.mtime = 1700000000;
	assert_int_equal(lium__tar_header(&ours, &e, NULL), LIUM_OK);
	assert_int_equal(ours.size, 512);
	assert_true(checksum_ok((const unsigned char *)ours.ptr));
	assert_memory_equal(ours.ptr, gnu.ptr, 512);
	/* Data, padding and the trailer line up with GNU tar's archive too. */
	assert_int_equal(lium__tar_padding(5), 507);
	assert_int_equal(lium__tar_padding(512), 0);
	assert_int_equal(lium__tar_padding(0), 0);
	lium_buf_dispose(&gnu);
	lium_buf_dispose(&ours);
}

static void test_tar__long_paths_split_or_pax(void **state)
{
	char name[400];
	lium_buf h = LIUM_BUF_INIT;
	lium__tar_entry e;
	(void)state;
	memset(&e, 0, sizeof(e));
	e.type = LIUM__TAR_FILE;
	e.mode = 0600;

	/* 150 bytes with a '/' at 60: fits as prefix + name, no pax header. */
	memset(name, 'a', 150);
	name[60] = '/';
	name[150] = '\0';
	e.name = name;
	assert_int_equal(lium__tar_header(&h, &e, NULL), LIUM_OK);
	assert_int_equal(h.size, 512);
	assert_int_equal(h.ptr[156], '0');
	assert_memory_equal(h.ptr + 345, name, 60);
	assert_int_equal(h.ptr[345 + 60], '\0');
	assert_memory_equal(h.ptr, name + 61, 89);

	/* 300 bytes without a usable '/': a pax "path" record first. */
	lium_buf_clear(&h);
	memset(name, 'b', 300);
	name[300] = '\0';
	e.name = name;
	assert_int_equal(lium__tar_header(&h, &e, NULL), LIUM_OK);
	assert_int_equal(h.size, 3 * 512);
	assert_int_equal(h.ptr[156], 'x');
	assert_true(checksum_ok((const unsigned char *)h.ptr));
	assert_true(checksum_ok((const unsigned char *)h.ptr + 1024));
	/* "310 path=bbb...\n": the length counts itself. */
	assert_memory_equal(h.ptr + 512, "310 path=", 9);
	assert_int_equal(h.ptr[512 + 309], '\n');
	assert_int_equal(h.ptr[1024 + 156], '0');
	lium_buf_dispose(&h);
}

static void test_tar__big_size_ids_and_time_use_pax(void **state)
{
	lium_buf h = LIUM_BUF_INIT;
	lium__tar_entry e;
	char size_field[13];
	(void)state;
	memset(&e, 0, sizeof(e));
	e.name = "huge.bin";
	e.type = LIUM__TAR_FILE;
	e.mode = 0644;
	e.size = 10ull << 30; /* 10 GiB does not fit 11 octal digits */
	e.uid = 3000000;      /* nor in 7 */
	e.mtime = -1;
	assert_int_equal(lium__tar_header(&h, &e, NULL), LIUM_OK);
	assert_int_equal(h.ptr[156], 'x');
	assert_non_null(strstr(h.ptr + 512, "size=10737418240\n"));
	assert_non_null(strstr(h.ptr + 512, "uid=3000000\n"));
	assert_non_null(strstr(h.ptr + 512, "mtime=-1\n"));
	memcpy(size_field, h.ptr + 1024 + 124, 12);
	size_field[12] = '\0';
	assert_string_equal(size_field, "00000000000");
	assert_int_equal(lium__tar_trailer(&h), LIUM_OK);
	assert_int_equal(h.size % 512, 0);
	assert_int_equal(lium__tar_header(&h, NULL, NULL), LIUM_EINVAL);
	lium_buf_dispose(&h);
}

/* ------------------------------------------------------------------ */
/* .dockerignore */

struct golden {
	const char *patterns; /* the .dockerignore text */
	const char *path;
	int excluded;
};

static void test_dockerignore__golden_cases(void **state)
{
	static const struct golden cases[] = {
		/* plain names, and a pattern excludes what is under a directory */
		{"app.txt", "app.txt", 1},
		{"app.txt", "dir/app.txt", 0},
		{"docs", "docs/a/b.md", 1},
		{"docs", "docsx", 0},
		/* '*' and '?' stop at '/' */
		{"*", "file", 1},
		{"*", "dir/file", 1}, /* through the parent "dir" */
		{"*.go", "main.go", 1},
		{"*.go", "cmd/main.go", 0},
		{"a?c", "abc", 1},
		{"a?c", "a/c", 0},
		{"a?c",
		 "a\xc3\xa9"
		 "c",
		 1}, /* '?' is one character, not one byte */
		/* "**" */
		{"**", "anything/at/all", 1},
		{"**/", "file", 1},
		{"**/file", "file", 1},
		{"**/file", "a/b/file", 1},
		{"**/file", "file.txt", 0},
		{"**/*.go", "a/b/c.go", 1},
		{"**/*.go", "c.go", 1},
		{"dir/**", "dir/a/b", 1},
		{"dir/**", "dirx/a", 0},
		{"abc/**/def", "abc/def", 1},
		{"abc/**/def", "abc/x/y/def", 1},
		{"abc/**/def", "abc/x/y/defg", 0},
		{"**/node_modules", "web/node_modules/x/y.js", 1},
		{"**.txt", "a/b.txt", 1}, /* Docker's suffix rule */
		/* classes and escapes */
		{"[a-c]x", "bx", 1},
		{"[a-c]x", "dx", 0},
		{"[^a]x", "bx", 1},
		{"[^a]x", "ax", 0},
		{"\\*", "*", 1},
		{"\\*", "a", 0},
		{"a\\?b", "a?b", 1},
		{"a\\?b", "axb", 0},
		/* cleaning */
		{"./a//b/", "a/b", 1},
		{"/abs", "abs", 1},
		{"a/../b", "b", 1},
		{"a/../b", "a", 0},
		{"  spaced  ", "spaced", 1},
		/* comments: only a '#' in the first column */
		{"# app.txt", "app.txt", 0},
		{"# app.txt", "# app.txt", 0},
		{"  # app.txt", "# app.txt", 1},
		{"\xef\xbb\xbf"
		 "app.txt",
		 "app.txt", 1}, /* a byte order mark is skipped */
		{"app.txt\r\n", "app.txt", 1},
		/* exceptions: the last matching pattern decides */
		{"*.md\n!README.md", "README.md", 0},
		{"*.md\n!README.md", "NOTES.md", 1},
		{"*.md\n!README.md\nREADME.md", "README.md", 1},
		{"docs\n!docs/keep.md", "docs/keep.md", 0},
		{"docs\n!docs/keep.md", "docs/drop.md", 1},
		{"!  app.txt\napp.txt", "app.txt", 1},
		{"", "anything", 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lium__ignore *ig;
		lium_error err;
		int got;
		assert_int_equal(lium__ignore_new(&ig, NULL), LIUM_OK);
		if (lium__ignore_load(ig, cases[i].patterns, strlen(cases[i].patterns), &err) !=
		    LIUM_OK)
			fail_msg("case %zu: load failed: %s", i, err.message);
		got = lium__ignore_matches(ig, cases[i].path);
		if (got != cases[i].excluded)
			fail_msg("case %zu: patterns \"%s\", path \"%s\": got %d, want %d", i,
				 cases[i].patterns, cases[i].path, got, cases[i].excluded);
		lium__ignore_free(ig);
	}
}

static void test_dockerignore__cleaned_patterns(void **state)
{
	static const char text[] = "# comment\n\n  ./a//b/  \n!  ./c/../d\n/e\n**/f/\n";
	static const char *const want[] = {"a/b", "!d", "e", "**/f"};
	lium__ignore *ig;
	(void)state;
	assert_int_equal(lium__ignore_new(&ig, NULL), LIUM_OK);
	assert_int_equal(lium__ignore_load(ig, text, strlen(text), NULL), LIUM_OK);
	assert_int_equal(lium__ignore_count(ig), 4);
	for (size_t i = 0; i < 4; i++) {
		int exc = 0;
		const char *p = lium__ignore_pattern(ig, i, &exc);
		char got[64];
		snprintf(got, sizeof(got), "%s%s", exc ? "!" : "", p);
		assert_string_equal(got, want[i]);
	}
	assert_true(lium__ignore_has_exceptions(ig));
	assert_true(lium__ignore_dir_has_exception(ig, "d"));
	assert_false(lium__ignore_dir_has_exception(ig, "a"));
	lium__ignore_free(ig);
}

static void test_dockerignore__syntax_errors(void **state)
{
	static const char *const bad[] = {"ok\n!\n", "ok\nfine\n[abc\n", "abc\\"};
	static const size_t lines[] = {2, 3, 1};
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		lium__ignore *ig;
		lium_error err;
		assert_int_equal(lium__ignore_new(&ig, NULL), LIUM_OK);
		assert_int_equal(lium__ignore_load(ig, bad[i], strlen(bad[i]), &err), LIUM_EPARSE);
		assert_int_equal(err.position, lines[i]);
		assert_non_null(strstr(err.message, ".dockerignore line"));
		lium__ignore_free(ig);
	}
}

/* ------------------------------------------------------------------ */
/* The context stream */

static lium_status stream_to_file(lium__docker_context *c, const char *path, size_t chunk)
{
	FILE *f = fopen(path, "wb");
	char *buf = malloc(chunk);
	lium_status st = LIUM_OK;
	size_t n;
	assert_non_null(f);
	assert_non_null(buf);
	do {
		st = lium__docker_context_read(c, buf, chunk, &n, NULL);
		if (st == LIUM_OK && n)
			fwrite(buf, 1, n, f);
	} while (st == LIUM_OK && n > 0);
	fclose(f);
	free(buf);
	return st;
}

static void make_context(const char *ctx)
{
	char path[PATH_MAX], longdir[512];
	struct timeval tv[2] = {{1600000000, 0}, {1600000000, 0}};
	put_file(ctx, "Dockerfile", "FROM scratch\nCOPY . /\n", 0644);
	put_file(ctx, ".dockerignore",
		 "# build outputs and secrets\nsecret*\nbuild/\n!build/keep.txt\n*.log\n", 0644);
	put_file(ctx, "app.txt", "application data\n", 0751);
	put_file(ctx, "secret.key", "do not send\n", 0600);
	put_file(ctx, "top.log", "excluded\n", 0644);
	put_file(ctx, "logs/a.log", "a nested log is kept: '*.log' is top-level only\n", 0644);
	put_file(ctx, "build/out.bin", "excluded\n", 0644);
	put_file(ctx, "build/keep.txt", "kept by an exception\n", 0644);
	snprintf(path, sizeof(path), "%s/empty", ctx);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/link", ctx);
	assert_int_equal(symlink("app.txt", path), 0);
	/* A path longer than ustar's 255 bytes: needs a pax header. */
	snprintf(longdir, sizeof(longdir), "deep/%0120d/%0120d/%050d", 1, 2, 3);
	{
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), "%s/file-with-a-long-name.txt", longdir);
		put_file(ctx, rel, "deep data\n", 0644);
	}
	snprintf(path, sizeof(path), "%s/app.txt", ctx);
	assert_int_equal(utimes(path, tv), 0);
	/* A file of a few blocks and an odd size, to exercise chunking. */
	{
		char *big = malloc(300001);
		assert_non_null(big);
		for (int i = 0; i < 300000; i++)
			big[i] = (char)('a' + i % 23);
		big[300000] = '\0';
		put_file(ctx, "big.txt", big, 0644);
		free(big);
	}
}

static void test_context__entries_follow_dockerignore(void **state)
{
	char ctx[512];
	lium__docker_context *c;
	lium_buf names = LIUM_BUF_INIT;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx1", tmpdir);
	make_context(ctx);
	assert_int_equal(lium__docker_context_new(&c, ctx, NULL, NULL), LIUM_OK);
	assert_string_equal(lium__docker_context_dockerfile(c), "Dockerfile");
	for (size_t i = 0; i < lium__docker_context_entries(c); i++) {
		const char *n = lium__docker_context_entry_name(c, i);
		if (strncmp(n, "deep", 4) == 0)
			continue;
		lium_buf_printf(&names, "%s,", n);
	}
	/* byte order; build/ itself is excluded but its exception is walked into */
	assert_string_equal(lium_buf_cstr(&names), ".dockerignore,Dockerfile,app.txt,big.txt,"
						   "build/keep.txt,empty,link,logs,logs/a.log,");
	lium__docker_context_free(c);
	lium_buf_dispose(&names);
}

static void test_context__stream_extracts_with_gnu_tar(void **state)
{
	char ctx[512], tarpath[PATH_MAX], out[PATH_MAX];
	const char *xargv[] = {"tar", "-xf", tarpath, "-C", out, NULL};
	const char *dargv[] = {"diff", "-r", "--no-dereference", ctx, out, NULL};
	lium__docker_context *c;
	lium_buf listing = LIUM_BUF_INIT;
	struct stat st;
	char p[PATH_MAX + 32], linkbuf[64];
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx1", tmpdir);
	snprintf(tarpath, sizeof(tarpath), "%s/ctx1.tar", tmpdir);
	snprintf(out, sizeof(out), "%s/ctx1-out", tmpdir);
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(lium__docker_context_new(&c, ctx, NULL, NULL), LIUM_OK);
	/* Odd small reads cross header, data and padding boundaries. */
	assert_int_equal(stream_to_file(c, tarpath, 777), LIUM_OK);
	lium__docker_context_free(c);
	run_ok(xargv, NULL);

	/* What was sent is identical to the source; what was excluded is absent. */
	snprintf(p, sizeof(p), "%s/secret.key", out);
	assert_int_equal(stat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/top.log", out);
	assert_int_equal(stat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/build/out.bin", out);
	assert_int_equal(stat(p, &st), -1);
	{
		/* Remove the excluded files from the source copy, then compare trees. */
		char q[PATH_MAX + 32];
		snprintf(q, sizeof(q), "%s/secret.key", ctx);
		unlink(q);
		snprintf(q, sizeof(q), "%s/top.log", ctx);
		unlink(q);
		snprintf(q, sizeof(q), "%s/build/out.bin", ctx);
		unlink(q);
	}
	run_ok(dargv, &listing);
	assert_string_equal(lium_buf_cstr(&listing), "");
	/* Modes, times and links survive. */
	snprintf(p, sizeof(p), "%s/app.txt", out);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0751);
	assert_int_equal(st.st_mtime, 1600000000);
	snprintf(p, sizeof(p), "%s/link", out);
	assert_int_equal(readlink(p, linkbuf, sizeof(linkbuf)), 7);
	assert_memory_equal(linkbuf, "app.txt", 7);
	lium_buf_dispose(&listing);
}

static void test_context__listing_by_gnu_tar(void **state)
{
	/* Owner 0:0 as the docker CLI sends; directories end with '/'. */
	char ctx[512], tarpath[PATH_MAX];
	const char *argv[] = {"tar", "-tvf", tarpath, "--numeric-owner", NULL};
	lium__docker_context *c;
	lium_buf listing = LIUM_BUF_INIT;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx1", tmpdir);
	snprintf(tarpath, sizeof(tarpath), "%s/ctx1b.tar", tmpdir);
	assert_int_equal(lium__docker_context_new(&c, ctx, NULL, NULL), LIUM_OK);
	assert_int_equal(stream_to_file(c, tarpath, 65536), LIUM_OK);
	lium__docker_context_free(c);
	run_ok(argv, &listing);
	{
		/* The line of app.txt: mode, owner 0/0, size 17. */
		const char *end = strstr(listing.ptr, " app.txt\n");
		const char *start = end;
		assert_non_null(end);
		while (start > listing.ptr && start[-1] != '\n')
			start--;
		assert_int_equal(strncmp(start, "-rwxr-x--x 0/0 ", 15), 0);
		assert_non_null(strstr(start, " 17 "));
	}
	assert_non_null(strstr(listing.ptr, " empty/\n"));
	assert_non_null(strstr(listing.ptr, " link -> app.txt\n"));
	assert_non_null(strstr(listing.ptr, "/file-with-a-long-name.txt\n"));
	assert_null(strstr(listing.ptr, "secret"));
	lium_buf_dispose(&listing);
}

static void test_context__dockerfile_always_sent(void **state)
{
	char ctx[512];
	lium__docker_context *c;
	lium_buf names = LIUM_BUF_INIT;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx2", tmpdir);
	put_file(ctx, "Dockerfile.dev", "FROM scratch\n", 0644);
	put_file(ctx, ".dockerignore", "*\n!app.txt\n", 0644);
	put_file(ctx, "app.txt", "x", 0644);
	put_file(ctx, "other.txt", "y", 0644);
	put_file(ctx, "sub/inner.txt", "z", 0644);
	assert_int_equal(lium__docker_context_new(&c, ctx, "Dockerfile.dev", NULL), LIUM_OK);
	for (size_t i = 0; i < lium__docker_context_entries(c); i++)
		lium_buf_printf(&names, "%s,", lium__docker_context_entry_name(c, i));
	assert_string_equal(lium_buf_cstr(&names), ".dockerignore,Dockerfile.dev,app.txt,");
	assert_string_equal(lium__docker_context_dockerfile(c), "Dockerfile.dev");
	lium__docker_context_free(c);
	lium_buf_dispose(&names);
}

static void test_context__dockerfile_outside_context(void **state)
{
	char ctx[512], df[PATH_MAX];
	lium__docker_context *c;
	const char *first;
	lium_error err;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx3", tmpdir);
	snprintf(df, sizeof(df), "%s/elsewhere/Dockerfile", tmpdir);
	put_file(ctx, "app.txt", "x", 0644);
	put_file(tmpdir, "elsewhere/Dockerfile", "FROM scratch\n", 0644);
	assert_int_equal(lium__docker_context_new(&c, ctx, df, NULL), LIUM_OK);
	first = lium__docker_context_entry_name(c, 0);
	assert_int_equal(strncmp(first, ".dockerfile.", 12), 0);
	assert_int_equal(strlen(first), 12 + 20);
	assert_string_equal(lium__docker_context_dockerfile(c), first);
	assert_string_equal(lium__docker_context_entry_name(c, 1), "app.txt");
	lium__docker_context_free(c);

	assert_int_equal(lium__docker_context_new(&c, ctx, "missing/Dockerfile", &err),
			 LIUM_ENOTFOUND);
	assert_null(c);
	assert_non_null(strstr(err.message, "Dockerfile"));
	assert_int_equal(lium__docker_context_new(&c, "/nonexistent/ctx", NULL, &err),
			 LIUM_ENOTFOUND);
}

static void test_context__bad_dockerignore_is_parse_error(void **state)
{
	char ctx[512];
	lium__docker_context *c;
	lium_error err;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx4", tmpdir);
	put_file(ctx, "Dockerfile", "FROM scratch\n", 0644);
	put_file(ctx, ".dockerignore", "good\n[unterminated\n", 0644);
	assert_int_equal(lium__docker_context_new(&c, ctx, NULL, &err), LIUM_EPARSE);
	assert_int_equal(err.position, 2);
}

static void test_context__file_shrinking_is_an_error(void **state)
{
	char ctx[512], path[PATH_MAX + 16], tarpath[PATH_MAX];
	lium__docker_context *c;
	lium_error err;
	char buf[4096];
	size_t n;
	lium_status st;
	(void)state;
	snprintf(ctx, sizeof(ctx), "%s/ctx5", tmpdir);
	snprintf(tarpath, sizeof(tarpath), "%s/ctx5.tar", tmpdir);
	put_file(ctx, "Dockerfile", "FROM scratch\n", 0644);
	put_file(ctx, "data.bin", "0123456789abcdef", 0644);
	assert_int_equal(lium__docker_context_new(&c, ctx, NULL, NULL), LIUM_OK);
	snprintf(path, sizeof(path), "%s/data.bin", ctx);
	assert_int_equal(truncate(path, 4), 0);
	do {
		st = lium__docker_context_read(c, buf, sizeof(buf), &n, &err);
	} while (st == LIUM_OK && n > 0);
	assert_int_equal(st, LIUM_EIO);
	assert_non_null(strstr(err.message, "data.bin"));
	lium__docker_context_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar__header_matches_gnu_tar_ustar),
		cmocka_unit_test(test_tar__long_paths_split_or_pax),
		cmocka_unit_test(test_tar__big_size_ids_and_time_use_pax),
		cmocka_unit_test(test_dockerignore__golden_cases),
		cmocka_unit_test(test_dockerignore__cleaned_patterns),
		cmocka_unit_test(test_dockerignore__syntax_errors),
		cmocka_unit_test(test_context__entries_follow_dockerignore),
		cmocka_unit_test(test_context__stream_extracts_with_gnu_tar),
		cmocka_unit_test(test_context__listing_by_gnu_tar),
		cmocka_unit_test(test_context__dockerfile_always_sent),
		cmocka_unit_test(test_context__dockerfile_outside_context),
		cmocka_unit_test(test_context__bad_dockerignore_is_parse_error),
		cmocka_unit_test(test_context__file_shrinking_is_an_error),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
