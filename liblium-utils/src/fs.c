/*
 * Files: XDG directories, ~ expansion, atomic replacement, whole-file reads
 * and flock(2) lock files.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lium/utils/fs.h"

#define PWBUF_DEFAULT 16384
#define READ_CHUNK    65536

static lium_status nomem(lium_error *err)
{
	return lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

static lium_status errno_status(lium_error *err, int e, const char *action, const char *what)
{
	lium_status code = e == ENOENT ? LIUM_ENOTFOUND : LIUM_EIO;
	lium_error_set(err, code, "%s %s: %s", action, what, strerror(e));
	if (err)
		err->cause = e;
	return code;
}

static lium_status set_path(lium_buf *out, const char *s, size_t len, lium_error *err)
{
	lium_buf_clear(out);
	/* Keep "/" but drop other trailing slashes. */
	while (len > 1 && s[len - 1] == '/')
		len--;
	if (lium_buf_put(out, s, len) != LIUM_OK)
		return nomem(err);
	return LIUM_OK;
}

/* The home directory of a user from the password database; name NULL = us. */
static lium_status passwd_home(const char *name, lium_buf *out, lium_error *err)
{
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t bufsize = sz > 0 ? (size_t)sz : PWBUF_DEFAULT;
	char *buf;
	int rc;

	for (;;) {
		buf = lium_malloc(bufsize);
		if (!buf)
			return nomem(err);
		rc = name ? getpwnam_r(name, &pw, buf, bufsize, &res)
			  : getpwuid_r(geteuid(), &pw, buf, bufsize, &res);
		if (rc != ERANGE || bufsize > (1u << 20))
			break;
		lium_free(buf);
		bufsize *= 4;
	}
	if (rc != 0 || !res || !pw.pw_dir || pw.pw_dir[0] != '/') {
		lium_free(buf);
		if (name)
			return lium_error_set(err, LIUM_ENOTFOUND, "no such user: %s", name);
		return lium_error_set(err, LIUM_ENOTFOUND,
				      "no home directory: HOME is unset and user %ld has none",
				      (long)geteuid());
	}
	{
		lium_status s = set_path(out, pw.pw_dir, strlen(pw.pw_dir), err);
		lium_free(buf);
		return s;
	}
}

lium_status lium_fs_home_dir(lium_buf *out, lium_error *err)
{
	const char *home = getenv("HOME");
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "home_dir: out is NULL");
	if (home && home[0] == '/')
		return set_path(out, home, strlen(home), err);
	return passwd_home(NULL, out, err);
}

lium_status lium_fs_mkdirs(const char *path, unsigned int mode, lium_error *err)
{
	lium_buf b = LIUM_BUF_INIT;
	size_t len;
	if (!path || !*path)
		return lium_error_set(err, LIUM_EINVAL, "mkdirs: empty path");
	len = strlen(path);
	if (lium_buf_put(&b, path, len) != LIUM_OK)
		return nomem(err);
	/* Walk the components left to right, creating each one in turn. */
	for (size_t i = 1; i <= len; i++) {
		struct stat st;
		if (i < len && b.ptr[i] != '/')
			continue;
		if (i < len && b.ptr[i - 1] == '/')
			continue;
		b.ptr[i] = '\0';
		if (mkdir(b.ptr, (mode_t)mode) != 0) {
			int e = errno;
			if (e != EEXIST || stat(b.ptr, &st) != 0 || !S_ISDIR(st.st_mode)) {
				lium_status s;
				if (e == EEXIST)
					e = ENOTDIR;
				s = lium_error_set(err, LIUM_EIO, "cannot create directory %s: %s",
						   b.ptr, strerror(e));
				if (err)
					err->cause = e;
				lium_buf_dispose(&b);
				return s;
			}
		}
		if (i < len)
			b.ptr[i] = '/';
	}
	lium_buf_dispose(&b);
	return LIUM_OK;
}

lium_status lium_fs_xdg_dir(lium_fs_dir_kind kind, const char *app, unsigned int flags,
			    lium_buf *out, lium_error *err)
{
	static const char *const vars[] = {"XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"};
	static const char *const defaults[] = {".config", ".local/state", ".cache"};
	const char *base;
	lium_status st;

	if (!out || (int)kind < 0 || (int)kind > 2)
		return lium_error_set(err, LIUM_EINVAL, "xdg_dir: bad argument");
	if (!app)
		app = "lium";
	if (app[0] == '/' || strstr(app, "..") != NULL)
		return lium_error_set(err, LIUM_EINVAL, "xdg_dir: bad application name %s", app);
	base = getenv(vars[kind]);
	if (base && base[0] == '/') {
		if ((st = set_path(out, base, strlen(base), err)) != LIUM_OK)
			return st;
	} else {
		if ((st = lium_fs_home_dir(out, err)) != LIUM_OK)
			return st;
		if ((out->size == 0 || out->ptr[out->size - 1] != '/') &&
		    lium_buf_putc(out, '/') != LIUM_OK)
			return nomem(err);
		if (lium_buf_puts(out, defaults[kind]) != LIUM_OK)
			return nomem(err);
	}
	if (*app) {
		if ((out->ptr[out->size - 1] != '/' && lium_buf_putc(out, '/') != LIUM_OK) ||
		    lium_buf_puts(out, app) != LIUM_OK)
			return nomem(err);
	}
	if (flags & LIUM_FS_CREATE)
		return lium_fs_mkdirs(out->ptr, 0700, err);
	return LIUM_OK;
}

lium_status lium_fs_expand_user(const char *path, lium_buf *out, lium_error *err)
{
	const char *slash;
	lium_status st;

	if (!path || !out)
		return lium_error_set(err, LIUM_EINVAL, "expand_user: bad argument");
	if (path[0] != '~') {
		lium_buf_clear(out);
		return lium_buf_puts(out, path) == LIUM_OK ? LIUM_OK : nomem(err);
	}
	slash = strchr(path, '/');
	if (slash == path + 1 || path[1] == '\0') {
		st = lium_fs_home_dir(out, err);
	} else {
		size_t n = slash ? (size_t)(slash - path - 1) : strlen(path + 1);
		char *name = lium_strndup(path + 1, n);
		if (!name)
			return nomem(err);
		st = passwd_home(name, out, err);
		lium_free(name);
	}
	if (st != LIUM_OK)
		return st;
	if (slash) {
		/* "/" as home plus "/x" must not give "//x". */
		if (out->size == 1 && out->ptr[0] == '/')
			slash++;
		if (lium_buf_puts(out, slash) != LIUM_OK)
			return nomem(err);
	}
	return LIUM_OK;
}

/* ------------------------------------------------------------------ */
/* Atomic writes */

/*
 * Follow symbolic links (a few levels, dangling ones included) so that a
 * dotfile kept as a link keeps being one.
 */
static lium_status resolve_links(const char *path, lium_buf *out, lium_error *err)
{
	lium_buf cur = LIUM_BUF_INIT;
	if (lium_buf_puts(&cur, path) != LIUM_OK)
		return nomem(err);
	for (int depth = 0; depth < 16; depth++) {
		struct stat st;
		char target[PATH_MAX];
		ssize_t n;
		if (lstat(cur.ptr, &st) != 0 || !S_ISLNK(st.st_mode))
			break;
		n = readlink(cur.ptr, target, sizeof(target) - 1);
		if (n <= 0)
			break;
		target[n] = '\0';
		if (target[0] == '/') {
			lium_buf_clear(&cur);
		} else {
			char *sl = strrchr(cur.ptr, '/');
			if (sl)
				lium_buf_truncate(&cur, (size_t)(sl - cur.ptr) + 1);
			else
				lium_buf_clear(&cur);
		}
		if (lium_buf_puts(&cur, target) != LIUM_OK) {
			lium_buf_dispose(&cur);
			return nomem(err);
		}
	}
	lium_buf_clear(out);
	if (lium_buf_put(out, cur.ptr, cur.size) != LIUM_OK) {
		lium_buf_dispose(&cur);
		return nomem(err);
	}
	lium_buf_dispose(&cur);
	return LIUM_OK;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

lium_status lium_fs_write_atomic(const char *path, const void *data, size_t len,
				 const lium_fs_write_options *opts, lium_error *err)
{
	lium_fs_write_options defaults = LIUM_FS_WRITE_OPTIONS_INIT;
	const lium_fs_write_options *o = opts ? opts : &defaults;
	lium_buf target = LIUM_BUF_INIT, dir = LIUM_BUF_INIT, tmp = LIUM_BUF_INIT;
	const char *base, *sl;
	lium_status st;
	int fd = -1, dfd, e;

	if (!path || !*path || (len > 0 && !data))
		return lium_error_set(err, LIUM_EINVAL, "write_atomic: bad argument");
	if (o->version < 1)
		return lium_error_set(err, LIUM_EINVAL, "write_atomic: bad options version");
	if ((st = resolve_links(path, &target, err)) != LIUM_OK)
		return st;
	if (!target.ptr)
		return lium_error_set(err, LIUM_EINVAL, "write_atomic: empty path");

	sl = strrchr(target.ptr, '/');
	if (sl) {
		base = sl + 1;
		if (lium_buf_put(&dir, target.ptr,
				 sl == target.ptr ? 1 : (size_t)(sl - target.ptr)) != LIUM_OK)
			goto oom;
	} else {
		base = target.ptr;
		if (lium_buf_puts(&dir, ".") != LIUM_OK)
			goto oom;
	}
	if (!*base) {
		st = lium_error_set(err, LIUM_EINVAL, "write_atomic: %s names a directory", path);
		goto out;
	}
	if (o->create_dirs && (st = lium_fs_mkdirs(dir.ptr, 0700, err)) != LIUM_OK)
		goto out;

	if (lium_buf_printf(&tmp, "%s/.%s.tmp-XXXXXX", dir.ptr, base) != LIUM_OK)
		goto oom;
	fd = mkostemp(tmp.ptr, O_CLOEXEC);
	if (fd < 0) {
		st = errno_status(err, errno, "cannot create a temporary file in", dir.ptr);
		lium_buf_clear(&tmp);
		goto out;
	}
	if (fchmod(fd, (mode_t)(o->mode & 07777)) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		st = errno_status(err, errno, "cannot write", target.ptr);
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e != 0) {
		st = errno_status(err, errno, "cannot write", target.ptr);
		goto out;
	}
	if (rename(tmp.ptr, target.ptr) != 0) {
		st = errno_status(err, errno, "cannot replace", target.ptr);
		goto out;
	}
	lium_buf_clear(&tmp); /* renamed: nothing to remove any more */
	/* The rename is durable only once the directory entry is on disk. */
	dfd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0 && errno != EINVAL) {
			st = errno_status(err, errno, "cannot sync directory", dir.ptr);
			close(dfd);
			goto out;
		}
		close(dfd);
	}
	st = LIUM_OK;
	goto out;
oom:
	st = nomem(err);
out:
	if (fd >= 0)
		close(fd);
	if (tmp.size)
		unlink(tmp.ptr);
	lium_buf_dispose(&tmp);
	lium_buf_dispose(&dir);
	lium_buf_dispose(&target);
	return st;
}

lium_status lium_fs_read_file(const char *path, size_t max_size, lium_buf *out, lium_error *err)
{
	struct stat st;
	int fd;
	size_t limit = max_size ? max_size : SIZE_MAX;
	lium_status s = LIUM_OK;

	if (!path || !out)
		return lium_error_set(err, LIUM_EINVAL, "read_file: bad argument");
	lium_buf_clear(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_status(err, errno, "cannot open", path);
	if (fstat(fd, &st) != 0) {
		s = errno_status(err, errno, "cannot stat", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		s = errno_status(err, EISDIR, "cannot read", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)limit)
		goto too_big;
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    lium_buf_grow(out, (size_t)st.st_size) != LIUM_OK) {
		s = nomem(err);
		goto out;
	}
	for (;;) {
		ssize_t n;
		if (lium_buf_grow(out, READ_CHUNK) != LIUM_OK) {
			s = nomem(err);
			goto out;
		}
		n = read(fd, out->ptr + out->size, READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			s = errno_status(err, errno, "cannot read", path);
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > limit - out->size)
			goto too_big;
		out->size += (size_t)n;
		out->ptr[out->size] = '\0';
	}
	goto out;
too_big:
	lium_buf_clear(out);
	s = lium_error_set(err, LIUM_EIO, "%s is larger than the limit of %zu bytes", path, limit);
	if (err)
		err->cause = EFBIG;
out:
	if (s != LIUM_OK)
		lium_buf_clear(out);
	close(fd);
	return s;
}

/* ------------------------------------------------------------------ */
/* Lock files */

struct lium_fs_lock {
	int fd;
	char *path;
};

static long holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;
	char *end;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && pid > 0 ? pid : 0;
}

static lium_status lock_busy(lium_status code, const char *path, int fd, lium_error *err)
{
	long pid = holder_pid(fd);
	if (pid)
		return lium_error_set(err, code, "%s is locked by process %ld", path, pid);
	return lium_error_set(err, code, "%s is locked by another process", path);
}

static lium_status lock_take(lium_fs_lock **out, const char *path, int timeout_ms, int conflict,
			     lium_error *err)
{
	lium_fs_lock *l;
	int fd, backoff = 1;
	int64_t deadline = 0;

	if (out)
		*out = NULL;
	if (!out || !path || !*path)
		return lium_error_set(err, LIUM_EINVAL, "lock: bad argument");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno_status(err, errno, "cannot open lock file", path);
	if (timeout_ms > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + timeout_ms;
	}
	for (;;) {
		int rc = flock(fd, timeout_ms < 0 ? LOCK_EX : LOCK_EX | LOCK_NB);
		struct timespec ts;
		int64_t now;
		if (rc == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			lium_status s = errno_status(err, errno, "cannot lock", path);
			close(fd);
			return s;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (timeout_ms == 0 || now >= deadline) {
			lium_status s =
				lock_busy(conflict ? LIUM_ECONFLICT : LIUM_ETIMEOUT, path, fd, err);
			close(fd);
			return s;
		}
		{
			int64_t left = deadline - now;
			int64_t ms = backoff < left ? backoff : left;
			struct timespec nap = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
			nanosleep(&nap, NULL);
			if (backoff < 50)
				backoff *= 2;
		}
	}
	/* Record the holder for the error messages of those who wait. */
	{
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) < 0) {
			/* Only diagnostics are lost. */
		}
	}
	l = lium_calloc(1, sizeof(*l));
	if (!l || !(l->path = lium_strdup(path))) {
		lium_free(l);
		close(fd);
		return nomem(err);
	}
	l->fd = fd;
	*out = l;
	return LIUM_OK;
}

lium_status lium_fs_lock_acquire(lium_fs_lock **out, const char *path, int timeout_ms,
				 lium_error *err)
{
	return lock_take(out, path, timeout_ms, 0, err);
}

lium_status lium_fs_lock_try(lium_fs_lock **out, const char *path, lium_error *err)
{
	return lock_take(out, path, 0, 1, err);
}

const char *lium_fs_lock_path(const lium_fs_lock *lock)
{
	return lock ? lock->path : NULL;
}

void lium_fs_lock_free(lium_fs_lock *lock)
{
	if (!lock)
		return;
	/* Clear the holder's pid before letting go, then unlock by closing. */
	if (ftruncate(lock->fd, 0) != 0) {
		/* Stale diagnostics only. */
	}
	close(lock->fd);
	lium_free(lock->path);
	lium_free(lock);
}
