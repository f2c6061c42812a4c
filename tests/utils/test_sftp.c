/*
 * SFTP transfers against a real sshd: files and trees there and back,
 * checked by checksum (remote sha256sum and local comparison), modes and
 * times kept, many small files, progress and cancellation, destination
 * rules, errors.  The big-file check (1 GiB by default) is
 * utils.sftp_big, label "big".
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/time.h>

#include <cmocka.h>

#include "test_ssh_common.h"

static sshd_fixture fx;
static lium_ssh *ssh;
static char local_dir[SSHD_FIXTURE_DIR_MAX + 16];

static int group_setup(void **state)
{
	lium_ssh_options o;
	lium_error err;

	(void)state;
	if (sshd_fixture_start(&fx) != 0) {
		return -1;
	}
	snprintf(local_dir, sizeof(local_dir), "%s/local", fx.dir);
	if (mkdir(local_dir, 0755) != 0) {
		return -1;
	}
	test_ssh_options(&o, &fx, NULL, "sftp-host");
	if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
		fprintf(stderr, "connect: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	lium_ssh_free(ssh);
	sshd_fixture_stop(&fx);
	return 0;
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void make_file(const char *path, size_t size, mode_t mode, uint64_t seed)
{
	unsigned char *data = malloc(size + 1);
	struct timeval tv[2];

	assert_non_null(data);
	test_fill(data, size, seed);
	assert_int_equal(test_write_file(path, data, size, mode), 0);
	free(data);
	/* A fixed time in the past, to see that it is kept. */
	tv[0].tv_sec = 1600000000 + (time_t)(seed % 1000);
	tv[0].tv_usec = 0;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
}

/* sha256 of a "remote" file, computed by the server side. */
static void remote_sha256(const char *path, char out[65])
{
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf cmd = LIUM_BUF_INIT;
	lium_buf o = LIUM_BUF_INIT;
	lium_ssh_exec_result res;
	lium_error err;

	assert_int_equal(lium_buf_puts(&cmd, "sha256sum "), LIUM_OK);
	assert_int_equal(lium_ssh_shell_quote(path, &cmd), LIUM_OK);
	eo.command = lium_buf_cstr(&cmd);
	eo.stdout_buf = &o;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	assert_true(o.size >= 64);
	memcpy(out, o.ptr, 64);
	out[64] = '\0';
	lium_buf_dispose(&cmd);
	lium_buf_dispose(&o);
}

/* Compare two trees: names, types, permission bits, contents, link
 * targets, file modification times. */
static void compare_trees(const char *a, const char *b)
{
	struct stat sa;
	struct stat sb;

	assert_int_equal(lstat(a, &sa), 0);
	if (lstat(b, &sb) != 0) {
		fail_msg("%s is missing", b);
	}
	assert_int_equal(sa.st_mode & S_IFMT, sb.st_mode & S_IFMT);
	if (S_ISLNK(sa.st_mode)) {
		char ta[512];
		char tb[512];
		ssize_t la = readlink(a, ta, sizeof(ta) - 1);
		ssize_t lb = readlink(b, tb, sizeof(tb) - 1);
		assert_true(la > 0 && lb > 0);
		ta[la] = '\0';
		tb[lb] = '\0';
		assert_string_equal(ta, tb);
		return;
	}
	if ((sa.st_mode & 0777) != (sb.st_mode & 0777)) {
		fail_msg("%s mode %o, %s mode %o", a, (unsigned)(sa.st_mode & 0777), b,
			 (unsigned)(sb.st_mode & 0777));
	}
	if (S_ISREG(sa.st_mode)) {
		size_t la;
		size_t lb;
		char *ca = test_read_file(a, &la);
		char *cb = test_read_file(b, &lb);
		assert_non_null(ca);
		assert_non_null(cb);
		assert_int_equal(la, lb);
		assert_memory_equal(ca, cb, la);
		assert_int_equal(sa.st_mtime, sb.st_mtime);
		free(ca);
		free(cb);
		return;
	}
	if (S_ISDIR(sa.st_mode)) {
		DIR *d = opendir(a);
		struct dirent *de;
		size_t na = 0;
		size_t nb = 0;
		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			char pa[1024];
			char pb[1024];
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
				continue;
			}
			na++;
			snprintf(pa, sizeof(pa), "%s/%s", a, de->d_name);
			snprintf(pb, sizeof(pb), "%s/%s", b, de->d_name);
			compare_trees(pa, pb);
		}
		closedir(d);
		d = opendir(b);
		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
				nb++;
			}
		}
		closedir(d);
		assert_int_equal(na, nb);
	}
}

static void test_sftp__file_round_trip(void **state)
{
	char src[512];
	char remote[512];
	char back[512];
	char h1[65];
	char h2[65];
	char h3[65];
	struct stat st;
	lium_error err;
	size_t size = 20u * 1024u * 1024u + 777u;

	(void)state;
	path_in(src, sizeof(src), local_dir, "big.bin");
	make_file(src, size, 0640, 1);
	/* Parents that do not exist yet are made. */
	snprintf(remote, sizeof(remote), "%s/a/b/c/big-copy.bin", fx.home);
	assert_int_equal(lium_ssh_upload(ssh, src, remote, NULL, &err), LIUM_OK);
	assert_int_equal(test_sha256(src, h1), 0);
	remote_sha256(remote, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(stat(remote, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(st.st_uid, fx.uid);
	assert_int_equal(st.st_mtime, 1600000001);

	snprintf(back, sizeof(back), "%s/down/again/big.bin", local_dir);
	assert_int_equal(lium_ssh_download(ssh, remote, back, NULL, &err), LIUM_OK);
	assert_int_equal(test_sha256(back, h3), 0);
	assert_string_equal(h1, h3);
	compare_trees(src, back);

	/* Overwriting an existing file with a shorter one truncates it. */
	make_file(src, 1000, 0600, 2);
	assert_int_equal(lium_ssh_upload(ssh, src, remote, NULL, &err), LIUM_OK);
	assert_int_equal(lium_ssh_download(ssh, remote, back, NULL, &err), LIUM_OK);
	compare_trees(src, back);
}

static void test_sftp__empty_and_odd_sizes(void **state)
{
	static const size_t sizes[] = {0, 1, 4095, 65535, 65536, 65537, 262144, 1000003};
	char src[512];
	char remote[512];
	char back[512];
	lium_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(src, sizeof(src), "%s/odd-%zu", local_dir, sizes[i]);
		snprintf(remote, sizeof(remote), "%s/odd/odd-%zu", fx.home, sizes[i]);
		snprintf(back, sizeof(back), "%s/odd-back/odd-%zu", local_dir, sizes[i]);
		make_file(src, sizes[i], 0644, 10 + i);
		assert_int_equal(lium_ssh_upload(ssh, src, remote, NULL, &err), LIUM_OK);
		assert_int_equal(lium_ssh_download(ssh, remote, back, NULL, &err), LIUM_OK);
		compare_trees(src, back);
	}
}

static void make_tree(const char *root)
{
	char p[600];

	assert_int_equal(mkdir(root, 0755), 0);
	path_in(p, sizeof(p), root, "sub");
	assert_int_equal(mkdir(p, 0750), 0);
	path_in(p, sizeof(p), root, "sub/deeper");
	assert_int_equal(mkdir(p, 0700), 0);
	path_in(p, sizeof(p), root, "empty-dir");
	assert_int_equal(mkdir(p, 0755), 0);
	path_in(p, sizeof(p), root, "readme.txt");
	make_file(p, 1234, 0644, 21);
	path_in(p, sizeof(p), root, "run.sh");
	make_file(p, 99, 0755, 22);
	path_in(p, sizeof(p), root, "sub/secret");
	make_file(p, 300000, 0600, 23);
	path_in(p, sizeof(p), root, "sub/deeper/ro");
	make_file(p, 70000, 0444, 24);
	path_in(p, sizeof(p), root, "sub/deeper/empty");
	make_file(p, 0, 0640, 25);
	path_in(p, sizeof(p), root, "link-to-readme");
	assert_int_equal(symlink("readme.txt", p), 0);
	/* Directory times last, after their contents changed. */
	{
		struct timeval tv[2];
		tv[0].tv_sec = 1500000000;
		tv[0].tv_usec = 0;
		tv[1] = tv[0];
		path_in(p, sizeof(p), root, "sub/deeper");
		assert_int_equal(utimes(p, tv), 0);
	}
}

static void test_sftp__tree_round_trip(void **state)
{
	char src[512];
	char remote_parent[512];
	char remote[600];
	char back_parent[512];
	char back[600];
	char h1[65];
	char h2[65];
	struct stat st;
	lium_error err;

	(void)state;
	path_in(src, sizeof(src), local_dir, "tree");
	make_tree(src);
	/* A trailing slash: into that directory, under the source's name. */
	snprintf(remote_parent, sizeof(remote_parent), "%s/trees/", fx.home);
	assert_int_equal(lium_ssh_upload(ssh, src, remote_parent, NULL, &err), LIUM_OK);
	snprintf(remote, sizeof(remote), "%s/trees/tree", fx.home);
	compare_trees(src, remote);
	{
		char f[700];
		snprintf(f, sizeof(f), "%s/sub/secret", remote);
		remote_sha256(f, h2);
		snprintf(f, sizeof(f), "%s/sub/secret", src);
		assert_int_equal(test_sha256(f, h1), 0);
		assert_string_equal(h1, h2);
		snprintf(f, sizeof(f), "%s/sub/deeper", remote);
		assert_int_equal(stat(f, &st), 0);
		assert_int_equal(st.st_mtime, 1500000000);
	}

	/* Back into an existing local directory. */
	path_in(back_parent, sizeof(back_parent), local_dir, "tree-back");
	assert_int_equal(mkdir(back_parent, 0755), 0);
	assert_int_equal(lium_ssh_download(ssh, remote, back_parent, NULL, &err), LIUM_OK);
	snprintf(back, sizeof(back), "%s/tree", back_parent);
	compare_trees(src, back);

	/* Uploading again merges into the existing tree. */
	assert_int_equal(lium_ssh_upload(ssh, src, remote_parent, NULL, &err), LIUM_OK);
	compare_trees(src, remote);
}

static void test_sftp__many_small_files(void **state)
{
	char src[512];
	char p[700];
	char remote[512];
	char back[512];
	lium_error err;
	double t0;
	double up;
	double down;
	int d;
	int i;

	(void)state;
	path_in(src, sizeof(src), local_dir, "small");
	assert_int_equal(mkdir(src, 0755), 0);
	for (d = 0; d < 10; d++) {
		snprintf(p, sizeof(p), "%s/d%d", src, d);
		assert_int_equal(mkdir(p, 0755), 0);
		for (i = 0; i < 50; i++) {
			snprintf(p, sizeof(p), "%s/d%d/f%03d.txt", src, d, i);
			make_file(p, (size_t)(d * 50 + i) % 300, 0644,
				  (uint64_t)(1000 + d * 50 + i));
		}
	}
	snprintf(remote, sizeof(remote), "%s/small-copy", fx.home);
	t0 = test_now();
	assert_int_equal(lium_ssh_upload(ssh, src, remote, NULL, &err), LIUM_OK);
	up = test_now() - t0;
	compare_trees(src, remote);
	path_in(back, sizeof(back), local_dir, "small-back");
	t0 = test_now();
	assert_int_equal(lium_ssh_download(ssh, remote, back, NULL, &err), LIUM_OK);
	down = test_now() - t0;
	compare_trees(src, back);
	print_message("500 small files: upload %.2f s, download %.2f s\n", up, down);
}

struct progress_log {
	size_t calls;
	uint64_t last_total_done;
	uint64_t bytes_total;
	size_t files_done;
	size_t files_total;
	int monotonic;
	size_t stop_after;
};

static int on_progress(const lium_ssh_progress *p, void *userdata)
{
	struct progress_log *l = userdata;

	if (p->bytes_done < l->last_total_done || p->file_done > p->file_total) {
		l->monotonic = 0;
	}
	l->calls++;
	l->last_total_done = p->bytes_done;
	l->bytes_total = p->bytes_total;
	l->files_done = p->files_done;
	l->files_total = p->files_total;
	assert_non_null(p->path);
	return l->stop_after != 0 && l->calls >= l->stop_after;
}

static void test_sftp__progress_and_cancel(void **state)
{
	char src[512];
	char remote[512];
	char back[512];
	lium_ssh_transfer_options to = LIUM_SSH_TRANSFER_OPTIONS_INIT;
	struct progress_log log;
	lium_error err;

	(void)state;
	path_in(src, sizeof(src), local_dir, "tree-progress");
	make_tree(src);
	memset(&log, 0, sizeof(log));
	log.monotonic = 1;
	to.progress = on_progress;
	to.progress_userdata = &log;
	snprintf(remote, sizeof(remote), "%s/progress", fx.home);
	assert_int_equal(lium_ssh_upload(ssh, src, remote, &to, &err), LIUM_OK);
	assert_true(log.monotonic);
	assert_int_equal(log.files_total, 5);
	assert_int_equal(log.files_done, 5);
	assert_int_equal(log.bytes_total, 1234 + 99 + 300000 + 70000 + 0);
	assert_int_equal(log.last_total_done, log.bytes_total);
	assert_true(log.calls > 10);

	memset(&log, 0, sizeof(log));
	log.monotonic = 1;
	log.stop_after = 3;
	path_in(back, sizeof(back), local_dir, "progress-back");
	assert_int_equal(lium_ssh_download(ssh, remote, back, &to, &err), LIUM_ECANCELLED);
	assert_int_equal(log.calls, 3);
	/* The next transfer works (on a fresh SFTP channel). */
	log.stop_after = 0;
	sshd_fixture_rmtree(back);
	assert_int_equal(lium_ssh_download(ssh, remote, back, &to, &err), LIUM_OK);
	compare_trees(src, back);
}

static void test_sftp__destination_rules(void **state)
{
	char src[512];
	char dir[512];
	char p[700];
	char name[64];
	lium_error err;
	struct stat st;
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_buf out = LIUM_BUF_INIT;
	lium_ssh_exec_result res;

	(void)state;
	path_in(src, sizeof(src), local_dir, "rules.txt");
	make_file(src, 4321, 0644, 31);
	/* An existing directory: inside it. */
	snprintf(dir, sizeof(dir), "%s/rules", fx.home);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(sshd_fixture_chown(&fx, dir), 0);
	assert_int_equal(lium_ssh_upload(ssh, src, dir, NULL, &err), LIUM_OK);
	snprintf(p, sizeof(p), "%s/rules.txt", dir);
	assert_int_equal(stat(p, &st), 0);
	/* A new name: exactly there. */
	snprintf(p, sizeof(p), "%s/renamed.txt", dir);
	assert_int_equal(lium_ssh_upload(ssh, src, p, NULL, &err), LIUM_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4321);

	/* "~/" is the login directory. */
	snprintf(name, sizeof(name), "lium-sftp-test-%ld.txt", (long)getpid());
	snprintf(p, sizeof(p), "~/%s", name);
	assert_int_equal(lium_ssh_upload(ssh, src, p, NULL, &err), LIUM_OK);
	snprintf(p, sizeof(p), "test -s ~/%s && rm ~/%s", name, name);
	eo.command = p;
	eo.stdout_buf = &out;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	lium_buf_dispose(&out);

	/* Downloading a file into an existing local directory. */
	snprintf(p, sizeof(p), "%s/rules.txt", dir);
	assert_int_equal(lium_ssh_download(ssh, p, local_dir, NULL, &err), LIUM_OK);
	snprintf(p, sizeof(p), "%s/rules.txt", local_dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4321);
}

static void test_sftp__errors(void **state)
{
	char p[600];
	char src[512];
	lium_error err;

	(void)state;
	snprintf(p, sizeof(p), "%s/no/such/file", fx.home);
	assert_int_equal(lium_ssh_download(ssh, p, local_dir, NULL, &err), LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "no/such/file"));

	assert_int_equal(lium_ssh_upload(ssh, "/nonexistent/lium-src", fx.home, NULL, &err),
			 LIUM_EIO);
	assert_non_null(strstr(err.message, "/nonexistent/lium-src"));

	path_in(src, sizeof(src), local_dir, "denied.txt");
	make_file(src, 10, 0644, 41);
	if (geteuid() == 0) {
		/* The login user may not write into root's directories. */
		assert_int_equal(lium_ssh_upload(ssh, src, "/root/lium-denied.txt", NULL, &err),
				 LIUM_ESSH);
		assert_int_equal(err.cause, 3); /* SSH_FX_PERMISSION_DENIED */
		assert_non_null(strstr(err.message, "/root/lium-denied.txt"));
	}
	/* A file where a directory is needed. */
	snprintf(p, sizeof(p), "%s/file-not-dir", fx.home);
	assert_int_equal(lium_ssh_upload(ssh, src, p, NULL, &err), LIUM_OK);
	snprintf(p, sizeof(p), "%s/file-not-dir/x/y", fx.home);
	assert_int_equal(lium_ssh_upload(ssh, src, p, NULL, &err), LIUM_ESSH);

	assert_int_equal(lium_ssh_upload(ssh, NULL, p, NULL, &err), LIUM_EINVAL);
	assert_int_equal(lium_ssh_download(ssh, "", p, NULL, &err), LIUM_EINVAL);
	/* The session is still fine. */
	snprintf(p, sizeof(p), "%s/after-errors.txt", fx.home);
	assert_int_equal(lium_ssh_upload(ssh, src, p, NULL, &err), LIUM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sftp__file_round_trip),
		cmocka_unit_test(test_sftp__empty_and_odd_sizes),
		cmocka_unit_test(test_sftp__tree_round_trip),
		cmocka_unit_test(test_sftp__many_small_files),
		cmocka_unit_test(test_sftp__progress_and_cancel),
		cmocka_unit_test(test_sftp__destination_rules),
		cmocka_unit_test(test_sftp__errors),
	};

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
