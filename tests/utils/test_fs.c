/*
 * Tests of lium/utils/fs.h on the real file system: XDG directories,
 * ~ expansion, atomic writes (including a write that fails half way), reads
 * with a limit, and lock files contended between processes.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <lium/utils/fs.h>
#include <lium/utils/process.h>

static char tmpdir[256];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lium-fs-XXXXXX",
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

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

/* Number of entries in a directory whose name starts with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void test_fs__xdg_env_overrides_and_defaults(void **state)
{
	lium_buf out = LIUM_BUF_INIT;
	(void)state;
	setenv("HOME", "/home/ann/", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CACHE_HOME");
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_CONFIG, NULL, 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.config/lium");
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, NULL, 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.local/state/lium");
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_CACHE, "other", 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.cache/other");
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_CACHE, "", 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.cache");

	setenv("XDG_CONFIG_HOME", "/etc/xdg-conf//", 1);
	setenv("XDG_STATE_HOME", "/var/st", 1);
	setenv("XDG_CACHE_HOME", "relative/cache", 1); /* ignored, per the XDG spec */
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_CONFIG, NULL, 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/etc/xdg-conf/lium");
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, NULL, 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/var/st/lium");
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_CACHE, NULL, 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.cache/lium");
	setenv("XDG_STATE_HOME", "", 1); /* empty is unset */
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, NULL, 0, &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.local/state/lium");

	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, "../x", 0, &out, NULL), LIUM_EINVAL);
	assert_int_equal(lium_fs_xdg_dir((lium_fs_dir_kind)7, NULL, 0, &out, NULL), LIUM_EINVAL);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CACHE_HOME");
	lium_buf_dispose(&out);
}

static void test_fs__home_falls_back_to_passwd(void **state)
{
	lium_buf out = LIUM_BUF_INIT;
	char *saved = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	(void)state;
	unsetenv("HOME");
	assert_int_equal(lium_fs_home_dir(&out, NULL), LIUM_OK);
	assert_true(out.ptr[0] == '/');
	setenv("HOME", "not/absolute", 1);
	{
		lium_buf again = LIUM_BUF_INIT;
		assert_int_equal(lium_fs_home_dir(&again, NULL), LIUM_OK);
		assert_string_equal(again.ptr, out.ptr);
		lium_buf_dispose(&again);
	}
	if (saved) {
		setenv("HOME", saved, 1);
		free(saved);
	}
	lium_buf_dispose(&out);
}

static void test_fs__xdg_create_mode_0700(void **state)
{
	char base[PATH_MAX], blocker[PATH_MAX];
	lium_buf out = LIUM_BUF_INIT;
	struct stat st;
	lium_error err;
	(void)state;
	path_in(base, sizeof(base), "xdg/state");
	setenv("XDG_STATE_HOME", base, 1);
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, NULL, LIUM_FS_CREATE, &out, NULL), LIUM_OK);
	assert_int_equal(stat(out.ptr, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(base, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again: an existing directory is fine. */
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, NULL, LIUM_FS_CREATE, &out, NULL), LIUM_OK);

	/* A file where the directory should be. */
	path_in(blocker, sizeof(blocker), "xdg/file");
	assert_int_equal(lium_fs_write_atomic(blocker, "x", 1, NULL, NULL), LIUM_OK);
	setenv("XDG_STATE_HOME", blocker, 1);
	assert_int_equal(lium_fs_xdg_dir(LIUM_FS_STATE, NULL, LIUM_FS_CREATE, &out, &err),
			 LIUM_EIO);
	assert_int_equal(err.cause, ENOTDIR);
	assert_non_null(strstr(err.message, blocker));
	unsetenv("XDG_STATE_HOME");
	lium_buf_dispose(&out);
}

static void test_fs__expand_user(void **state)
{
	lium_buf out = LIUM_BUF_INIT;
	struct stat st;
	lium_error err;
	(void)state;
	setenv("HOME", "/home/ann", 1);
	assert_int_equal(lium_fs_expand_user("~", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann");
	assert_int_equal(lium_fs_expand_user("~/.ssh/id_ed25519", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/home/ann/.ssh/id_ed25519");
	assert_int_equal(lium_fs_expand_user("~root/x y", &out, NULL), LIUM_OK);
	assert_int_equal(stat("/root", &st), 0);
	assert_string_equal(out.ptr, "/root/x y");
	assert_int_equal(lium_fs_expand_user("~root", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/root");
	assert_int_equal(lium_fs_expand_user("~lium-no-such-user/x", &out, &err), LIUM_ENOTFOUND);
	assert_non_null(strstr(err.message, "lium-no-such-user"));
	assert_int_equal(lium_fs_expand_user("a/~/b", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "a/~/b");
	assert_int_equal(lium_fs_expand_user("/~x", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/~x");
	assert_int_equal(lium_fs_expand_user("", &out, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&out), "");
	setenv("HOME", "/", 1);
	assert_int_equal(lium_fs_expand_user("~/etc", &out, NULL), LIUM_OK);
	assert_string_equal(out.ptr, "/etc");
	lium_buf_dispose(&out);
}

static void test_fs__write_atomic_new_and_replace(void **state)
{
	char path[PATH_MAX];
	lium_buf got = LIUM_BUF_INIT;
	struct stat st;
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	(void)state;
	path_in(path, sizeof(path), "secret.yaml");
	assert_int_equal(lium_fs_write_atomic(path, "api_key: abc\n", 13, NULL, NULL), LIUM_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(lium_fs_read_file(path, 0, &got, NULL), LIUM_OK);
	assert_string_equal(got.ptr, "api_key: abc\n");

	/* Replace with a wider mode, exactly as asked (the umask is 022 here). */
	o.mode = 0664;
	assert_int_equal(lium_fs_write_atomic(path, "v2", 2, &o, NULL), LIUM_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0664);
	assert_int_equal(lium_fs_read_file(path, 0, &got, NULL), LIUM_OK);
	assert_string_equal(got.ptr, "v2");

	/* Empty contents. */
	assert_int_equal(lium_fs_write_atomic(path, NULL, 0, NULL, NULL), LIUM_OK);
	assert_int_equal(lium_fs_read_file(path, 0, &got, NULL), LIUM_OK);
	assert_int_equal(got.size, 0);
	/* No temporary file is left behind. */
	assert_int_equal(count_entries(tmpdir, ".secret.yaml"), 0);
	lium_buf_dispose(&got);
}

static void test_fs__write_atomic_dirs_and_errors(void **state)
{
	char path[PATH_MAX], dirpath[PATH_MAX];
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	lium_buf got = LIUM_BUF_INIT;
	lium_error err;
	(void)state;
	path_in(path, sizeof(path), "deep/er/file");
	assert_int_equal(lium_fs_write_atomic(path, "x", 1, NULL, &err), LIUM_ENOTFOUND);
	o.create_dirs = 1;
	assert_int_equal(lium_fs_write_atomic(path, "x", 1, &o, NULL), LIUM_OK);
	assert_int_equal(lium_fs_read_file(path, 0, &got, NULL), LIUM_OK);
	assert_string_equal(got.ptr, "x");

	/* Replacing a directory fails, and leaves no temporary file. */
	path_in(dirpath, sizeof(dirpath), "deep/er");
	assert_int_equal(lium_fs_write_atomic(dirpath, "x", 1, NULL, &err), LIUM_EIO);
	assert_non_null(strstr(err.message, "deep/er"));
	path_in(dirpath, sizeof(dirpath), "deep");
	assert_int_equal(count_entries(dirpath, ".er.tmp"), 0);
	assert_int_equal(lium_fs_write_atomic("", "x", 1, NULL, NULL), LIUM_EINVAL);
	assert_int_equal(lium_fs_write_atomic(path, NULL, 3, NULL, NULL), LIUM_EINVAL);
	lium_buf_dispose(&got);
}

static void test_fs__write_atomic_keeps_symlink(void **state)
{
	char real[PATH_MAX], link[PATH_MAX];
	lium_buf got = LIUM_BUF_INIT;
	struct stat st;
	(void)state;
	path_in(real, sizeof(real), "dotfiles-config.yaml");
	path_in(link, sizeof(link), "config-link.yaml");
	assert_int_equal(lium_fs_write_atomic(real, "old", 3, NULL, NULL), LIUM_OK);
	assert_int_equal(symlink("dotfiles-config.yaml", link), 0);
	assert_int_equal(lium_fs_write_atomic(link, "new", 3, NULL, NULL), LIUM_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lium_fs_read_file(real, 0, &got, NULL), LIUM_OK);
	assert_string_equal(got.ptr, "new");
	lium_buf_dispose(&got);
}

static void test_fs__failed_write_leaves_old_file(void **state)
{
	/*
	 * A file size limit makes the write fail half way (EFBIG), as a full
	 * disk would.  Done in a child so the limit does not stay with us.
	 */
	char path[PATH_MAX];
	lium_buf got = LIUM_BUF_INIT;
	pid_t pid;
	int wst;
	(void)state;
	path_in(path, sizeof(path), "state.json");
	assert_int_equal(lium_fs_write_atomic(path, "{\"old\":true}", 12, NULL, NULL), LIUM_OK);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};
		size_t n = 1u << 20;
		char *big = malloc(n);
		lium_error err;
		lium_status st;
		signal(SIGXFSZ, SIG_IGN);
		if (!big || setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(10);
		memset(big, 'n', n);
		st = lium_fs_write_atomic(path, big, n, NULL, &err);
		free(big);
		_exit(st == LIUM_EIO && err.cause == EFBIG ? 0 : 11);
	}
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);
	assert_int_equal(lium_fs_read_file(path, 0, &got, NULL), LIUM_OK);
	assert_string_equal(got.ptr, "{\"old\":true}");
	assert_int_equal(count_entries(tmpdir, ".state.json"), 0);
	lium_buf_dispose(&got);
}

static void test_fs__read_file_limits(void **state)
{
	char path[PATH_MAX];
	lium_buf got = LIUM_BUF_INIT;
	lium_error err;
	char data[100];
	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i % 7 == 0 ? 0 : 'a' + (int)(i % 26));
	path_in(path, sizeof(path), "binary.bin");
	assert_int_equal(lium_fs_write_atomic(path, data, sizeof(data), NULL, NULL), LIUM_OK);
	assert_int_equal(lium_fs_read_file(path, 100, &got, NULL), LIUM_OK);
	assert_int_equal(got.size, 100);
	assert_memory_equal(got.ptr, data, 100);
	assert_int_equal(lium_fs_read_file(path, 99, &got, &err), LIUM_EIO);
	assert_int_equal(err.cause, EFBIG);
	assert_int_equal(got.size, 0);
	assert_non_null(strstr(err.message, "99"));

	path_in(path, sizeof(path), "missing");
	assert_int_equal(lium_fs_read_file(path, 0, &got, &err), LIUM_ENOTFOUND);
	assert_int_equal(err.cause, ENOENT);
	assert_int_equal(lium_fs_read_file(tmpdir, 0, &got, &err), LIUM_EIO);
	assert_int_equal(err.cause, EISDIR);

	/* A file whose size stat cannot tell: the limit still holds. */
	assert_int_equal(lium_fs_read_file("/proc/self/status", 1 << 20, &got, NULL), LIUM_OK);
	assert_non_null(strstr(got.ptr, "Pid:"));
	assert_int_equal(lium_fs_read_file("/proc/self/status", 10, &got, &err), LIUM_EIO);
	assert_int_equal(err.cause, EFBIG);
	lium_buf_dispose(&got);
}

/* A child that holds the lock until told to let go (or killed). */
static pid_t holder_start(const char *path, int *to_child, int *from_child, int crash)
{
	int a[2], b[2];
	pid_t pid;
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lium_fs_lock *l;
		char c;
		close(a[1]);
		close(b[0]);
		if (lium_fs_lock_acquire(&l, path, 5000, NULL) != LIUM_OK)
			_exit(3);
		if (write(b[1], "L", 1) != 1)
			_exit(4);
		if (read(a[0], &c, 1) < 0)
			_exit(5);
		if (crash)
			_exit(0); /* no unlock: the kernel must release it */
		lium_fs_lock_free(l);
		if (write(b[1], "U", 1) != 1)
			_exit(4);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	*to_child = a[1];
	*from_child = b[0];
	{
		char c = 0;
		assert_int_equal(read(b[0], &c, 1), 1);
		assert_int_equal(c, 'L');
	}
	return pid;
}

static void test_fs__lock_contended_between_processes(void **state)
{
	char path[PATH_MAX];
	int to_child, from_child, wst;
	lium_fs_lock *l = NULL;
	lium_error err;
	pid_t pid;
	int64_t t0;
	char msg[64];
	(void)state;
	path_in(path, sizeof(path), "listings.lock");
	pid = holder_start(path, &to_child, &from_child, 0);

	assert_int_equal(lium_fs_lock_try(&l, path, &err), LIUM_ECONFLICT);
	assert_null(l);
	snprintf(msg, sizeof(msg), "process %ld", (long)pid);
	assert_non_null(strstr(err.message, msg));

	t0 = now_ms();
	assert_int_equal(lium_fs_lock_acquire(&l, path, 150, &err), LIUM_ETIMEOUT);
	assert_true(now_ms() - t0 >= 145);
	assert_true(now_ms() - t0 < 3000);
	assert_non_null(strstr(err.message, path));

	/* Released 200 ms from now: a waiting acquire gets it then. */
	t0 = now_ms();
	{
		pid_t releaser = fork();
		assert_true(releaser >= 0);
		if (releaser == 0) {
			usleep(200000);
			if (write(to_child, "x", 1) != 1)
				_exit(1);
			_exit(0);
		}
		assert_int_equal(lium_fs_lock_acquire(&l, path, 10000, &err), LIUM_OK);
		assert_true(now_ms() - t0 >= 150);
		assert_int_equal(waitpid(releaser, &wst, 0), releaser);
	}
	assert_non_null(l);
	assert_string_equal(lium_fs_lock_path(l), path);
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);

	/* Held by us: a second acquisition in this process conflicts too. */
	{
		lium_fs_lock *again = NULL;
		assert_int_equal(lium_fs_lock_try(&again, path, &err), LIUM_ECONFLICT);
		snprintf(msg, sizeof(msg), "process %ld", (long)getpid());
		assert_non_null(strstr(err.message, msg));
	}
	lium_fs_lock_free(l);
	assert_int_equal(lium_fs_lock_try(&l, path, NULL), LIUM_OK);
	lium_fs_lock_free(l);
	lium_fs_lock_free(NULL);
	close(to_child);
	close(from_child);
}

static void test_fs__lock_released_when_holder_dies(void **state)
{
	char path[PATH_MAX];
	int to_child, from_child, wst;
	lium_fs_lock *l = NULL;
	pid_t pid;
	(void)state;
	path_in(path, sizeof(path), "crash.lock");
	pid = holder_start(path, &to_child, &from_child, 1);
	assert_int_equal(lium_fs_lock_try(&l, path, NULL), LIUM_ECONFLICT);
	assert_int_equal(write(to_child, "x", 1), 1);
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	/* Blocking acquire (no timeout) returns at once now. */
	assert_int_equal(lium_fs_lock_acquire(&l, path, -1, NULL), LIUM_OK);
	lium_fs_lock_free(l);
	close(to_child);
	close(from_child);
}

static void test_fs__lock_bad_arguments(void **state)
{
	lium_fs_lock *l = (lium_fs_lock *)(uintptr_t)1;
	lium_error err;
	(void)state;
	assert_int_equal(lium_fs_lock_acquire(&l, NULL, 0, NULL), LIUM_EINVAL);
	assert_null(l);
	assert_int_equal(lium_fs_lock_acquire(&l, "/nonexistent/dir/x.lock", 0, &err),
			 LIUM_ENOTFOUND);
	assert_null(lium_fs_lock_path(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs__xdg_env_overrides_and_defaults),
		cmocka_unit_test(test_fs__home_falls_back_to_passwd),
		cmocka_unit_test(test_fs__xdg_create_mode_0700),
		cmocka_unit_test(test_fs__expand_user),
		cmocka_unit_test(test_fs__write_atomic_new_and_replace),
		cmocka_unit_test(test_fs__write_atomic_dirs_and_errors),
		cmocka_unit_test(test_fs__write_atomic_keeps_symlink),
		cmocka_unit_test(test_fs__failed_write_leaves_old_file),
		cmocka_unit_test(test_fs__read_file_limits),
		cmocka_unit_test(test_fs__lock_contended_between_processes),
		cmocka_unit_test(test_fs__lock_released_when_holder_dies),
		cmocka_unit_test(test_fs__lock_bad_arguments),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
