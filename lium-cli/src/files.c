/*
 * Files: XDG directories, ~ expansion, whole-file reads and atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* $VAR when it is an absolute path (the XDG spec ignores relative ones). */
static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	lium_buf b = LIUM_BUF_INIT;

	if (v && v[0] == '/')
		lium_buf_printf(&b, "%s/lium", v);
	else
		lium_buf_printf(&b, "%s/%s/lium", home_dir(), fallback);
	return lium_buf_detach(&b);
}

char *cli_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *cli_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

char *cli_expand_home(const char *path)
{
	lium_buf b = LIUM_BUF_INIT;

	if (!path)
		return NULL;
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		lium_buf_printf(&b, "%s%s", home_dir(), path + 1);
	else
		lium_buf_puts(&b, path);
	return lium_buf_detach(&b);
}

int cli_mkdirs(const char *path, unsigned int mode, lium_error *err)
{
	char *p = lium_strdup(path);
	char *s;

	if (!p)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	for (s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
				int e = errno;
				lium_error_set(err, LIUM_EIO, "cannot create %s: %s", p,
					       strerror(e));
				if (err)
					err->cause = e;
				lium_free(p);
				return LIUM_EIO;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	lium_free(p);
	return LIUM_OK;
}

lium_status cli_read_file(const char *path, lium_buf *out, lium_error *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;

	if (!f) {
		int e = errno;
		lium_status st = e == ENOENT ? LIUM_ENOTFOUND : LIUM_EIO;
		lium_error_set(err, st, "cannot read %s: %s", path, strerror(e));
		if (err)
			err->cause = e;
		return st;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (lium_buf_put(out, chunk, n) != LIUM_OK) {
			fclose(f);
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");
		}
	}
	if (ferror(f)) {
		fclose(f);
		return lium_error_set(err, LIUM_EIO, "cannot read %s", path);
	}
	fclose(f);
	/* An empty file still reads as "". */
	if (!out->ptr && lium_buf_puts(out, "") != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return LIUM_OK;
}

int cli_write_file_atomic(const char *path, const char *data, size_t len, unsigned int mode,
			  lium_error *err)
{
	lium_buf tmp = LIUM_BUF_INIT;
	char *dir, *slash;
	int fd, e;
	size_t off = 0;

	dir = lium_strdup(path);
	if (!dir)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (cli_mkdirs(dir, 0700, err) != LIUM_OK) {
			lium_free(dir);
			return LIUM_EIO;
		}
	}
	lium_free(dir);

	lium_buf_printf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp.ptr);
	if (fd < 0) {
		e = errno;
		lium_buf_dispose(&tmp);
		lium_error_set(err, LIUM_EIO, "cannot write %s: %s", path, strerror(e));
		return LIUM_EIO;
	}
	if (fchmod(fd, (mode_t)mode) != 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.ptr, path) != 0)
		goto fail;
	lium_buf_dispose(&tmp);
	return LIUM_OK;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.ptr);
	lium_buf_dispose(&tmp);
	lium_error_set(err, LIUM_EIO, "cannot write %s: %s", path, strerror(e));
	if (err)
		err->cause = e;
	return LIUM_EIO;
}
