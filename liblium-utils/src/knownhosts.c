/*
 * lium's own known_hosts file: lookup, trust-on-first-use pinning, export
 * for OpenSSH, and removal.
 *
 * Writers take an flock() on "<file>.lock" (a separate file, because the
 * known_hosts file itself is replaced by rename and a lock on a replaced
 * inode would protect nothing), re-read the file, and replace it with a
 * temporary copy that was fsync()ed first.  Readers never lock: rename()
 * guarantees they see either the old or the new file, never a torn line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh_int.h"

static atomic_uint kh_tmp_counter;

void lium__kh_list_dispose(lium__kh_list *list)
{
	size_t i;

	if (list == NULL) {
		return;
	}
	for (i = 0; i < list->n; i++) {
		lium_free(list->v[i].type);
		lium_free(list->v[i].b64);
	}
	lium_free(list->v);
	list->v = NULL;
	list->n = 0;
}

int lium__kh_alias_ok(const char *alias)
{
	size_t len;
	const char *p;

	if (alias == NULL) {
		return 0;
	}
	len = strlen(alias);
	if (len == 0 || len > 255) {
		return 0;
	}
	for (p = alias; *p != '\0'; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			continue;
		}
		if (strchr("-_.:[]@", c) == NULL) {
			return 0;
		}
	}
	/* A leading marker character would change how OpenSSH reads the line. */
	return alias[0] != '@' && alias[0] != '|' && alias[0] != '#' && alias[0] != '!';
}

/* The whole file in buf; *exists is 0 (and buf empty) when it is missing. */
static lium_status kh_read(const char *path, lium_buf *buf, int *exists, lium_error *err)
{
	int fd;
	char chunk[8192];

	*exists = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			return LIUM_OK;
		}
		lium_error_set(err, LIUM_EIO, "cannot read %s: %s", path, strerror(errno));
		if (err != NULL) {
			err->cause = errno;
		}
		return LIUM_EIO;
	}
	*exists = 1;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			int e = errno;
			if (e == EINTR) {
				continue;
			}
			close(fd);
			lium_error_set(err, LIUM_EIO, "cannot read %s: %s", path, strerror(e));
			if (err != NULL) {
				err->cause = e;
			}
			return LIUM_EIO;
		}
		if (n == 0) {
			break;
		}
		if (lium_buf_put(buf, chunk, (size_t)n) != LIUM_OK) {
			close(fd);
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");
		}
	}
	close(fd);
	return LIUM_OK;
}

/* Splits a line into whitespace-separated fields, in place. */
static size_t kh_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0' && n < max) {
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		f[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			p++;
		}
		if (*p != '\0') {
			*p++ = '\0';
		}
	}
	return n;
}

/* Whether the comma-separated host list names alias (exact match; negated,
 * wildcard and hashed names never match: lium writes plain names only). */
static int kh_hosts_match(const char *hosts, const char *alias)
{
	size_t alen = strlen(alias);
	const char *p = hosts;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == alen && memcmp(p, alias, alen) == 0) {
			return 1;
		}
		if (comma == NULL) {
			break;
		}
		p = comma + 1;
	}
	return 0;
}

/*
 * Calls fn for every line of content (without its newline), with its 1-based
 * number; fn returns nonzero to stop.
 */
typedef int (*kh_line_fn)(const char *line, size_t len, size_t lineno, void *ud);

static void kh_each_line(const lium_buf *content, kh_line_fn fn, void *ud)
{
	const char *p = content->ptr;
	const char *end = p != NULL ? p + content->size : NULL;
	size_t lineno = 0;

	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (fn(p, len, lineno, ud) != 0) {
			return;
		}
		p += len + 1;
	}
}

struct kh_find_ctx {
	const char *alias;
	lium__kh_list *out;
	lium_status status;
};

static int kh_find_line(const char *line, size_t len, size_t lineno, void *ud)
{
	struct kh_find_ctx *ctx = ud;
	char *copy;
	char *f[4];
	size_t nf;
	lium__kh_entry *grown;

	if (len == 0 || len > 65536) {
		return 0;
	}
	copy = lium_strndup(line, len);
	if (copy == NULL) {
		ctx->status = LIUM_ENOMEM;
		return 1;
	}
	if (len > 0 && copy[len - 1] == '\r') {
		copy[len - 1] = '\0';
	}
	nf = kh_fields(copy, f, 4);
	/* Comments, markers (@cert-authority, @revoked) and hashed names are not
	 * lium's: skip them. */
	if (nf < 3 || f[0][0] == '#' || f[0][0] == '@' || f[0][0] == '|' ||
	    !kh_hosts_match(f[0], ctx->alias)) {
		lium_free(copy);
		return 0;
	}
	grown = lium_realloc(ctx->out->v, (ctx->out->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		lium_free(copy);
		ctx->status = LIUM_ENOMEM;
		return 1;
	}
	ctx->out->v = grown;
	grown[ctx->out->n].type = lium_strdup(f[1]);
	grown[ctx->out->n].b64 = lium_strdup(f[2]);
	grown[ctx->out->n].line = lineno;
	ctx->out->n++;
	lium_free(copy);
	if (grown[ctx->out->n - 1].type == NULL || grown[ctx->out->n - 1].b64 == NULL) {
		ctx->status = LIUM_ENOMEM;
		return 1;
	}
	return 0;
}

static lium_status kh_find(const lium_buf *content, const char *alias, lium__kh_list *out,
			   lium_error *err)
{
	struct kh_find_ctx ctx;

	ctx.alias = alias;
	ctx.out = out;
	ctx.status = LIUM_OK;
	kh_each_line(content, kh_find_line, &ctx);
	if (ctx.status != LIUM_OK) {
		lium__kh_list_dispose(out);
		return lium_error_set(err, ctx.status, "out of memory");
	}
	return LIUM_OK;
}

lium_status lium__kh_lookup(const char *path, const char *alias, lium__kh_list *out,
			    lium_error *err)
{
	lium_buf content = LIUM_BUF_INIT;
	int exists;
	lium_status st;

	out->v = NULL;
	out->n = 0;
	st = kh_read(path, &content, &exists, err);
	if (st == LIUM_OK) {
		st = kh_find(&content, alias, out, err);
	}
	lium_buf_dispose(&content);
	return st;
}

/* mkdir -p of the directory part of path, new directories mode 0700. */
static lium_status kh_mkdir_parents(const char *path, lium_error *err)
{
	char *dir = lium_strdup(path);
	char *p;
	lium_status st = LIUM_OK;

	if (dir == NULL) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	p = strrchr(dir, '/');
	if (p == NULL || p == dir) {
		lium_free(dir);
		return LIUM_OK;
	}
	*p = '\0';
	for (p = dir + 1; st == LIUM_OK; p++) {
		char saved = *p;
		if (saved != '/' && saved != '\0') {
			continue;
		}
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			st = lium_error_set(err, LIUM_EIO, "cannot create directory %s: %s", dir,
					    strerror(e));
			if (err != NULL) {
				err->cause = e;
			}
		}
		*p = saved;
		if (saved == '\0') {
			break;
		}
	}
	lium_free(dir);
	return st;
}

static lium_status kh_lock(const char *path, int *lock_fd, lium_error *err)
{
	lium_buf lock_path = LIUM_BUF_INIT;
	int fd;

	*lock_fd = -1;
	if (lium_buf_printf(&lock_path, "%s.lock", path) != LIUM_OK) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	fd = open(lium_buf_cstr(&lock_path), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		lium_error_set(err, LIUM_EIO, "cannot open lock file %s: %s",
			       lium_buf_cstr(&lock_path), strerror(e));
		if (err != NULL) {
			err->cause = e;
		}
		lium_buf_dispose(&lock_path);
		return LIUM_EIO;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			lium_error_set(err, LIUM_EIO, "cannot lock %s: %s",
				       lium_buf_cstr(&lock_path), strerror(e));
			lium_buf_dispose(&lock_path);
			return LIUM_EIO;
		}
	}
	lium_buf_dispose(&lock_path);
	*lock_fd = fd;
	return LIUM_OK;
}

static void kh_unlock(int lock_fd)
{
	if (lock_fd >= 0) {
		(void)flock(lock_fd, LOCK_UN);
		close(lock_fd);
	}
}

/* Replace path by content: temp file in the same directory, fsync, rename,
 * fsync of the directory. */
static lium_status kh_replace(const char *path, const lium_buf *content, lium_error *err)
{
	lium_buf tmp = LIUM_BUF_INIT;
	int fd;
	const char *p;
	size_t left;
	int e = 0;
	const char *what = "write";

	if (lium_buf_printf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
			    atomic_fetch_add(&kh_tmp_counter, 1u)) != LIUM_OK) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	fd = open(lium_buf_cstr(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		what = "create";
		goto fail;
	}
	p = content->ptr;
	left = content->size;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			e = errno;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (e == 0 && fsync(fd) != 0) {
		e = errno;
	}
	if (close(fd) != 0 && e == 0) {
		e = errno;
	}
	if (e == 0 && rename(lium_buf_cstr(&tmp), path) != 0) {
		e = errno;
		what = "rename";
	}
	if (e != 0) {
		unlink(lium_buf_cstr(&tmp));
		goto fail;
	}
	{
		/* Make the rename itself durable. */
		char *dir = lium_strdup(path);
		char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
		int dfd;
		if (slash != NULL) {
			if (slash == dir) {
				slash[1] = '\0';
			} else {
				*slash = '\0';
			}
			dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		lium_free(dir);
	}
	lium_buf_dispose(&tmp);
	return LIUM_OK;
fail:
	lium_error_set(err, LIUM_EIO, "cannot %s %s: %s", what, path, strerror(e));
	if (err != NULL) {
		err->cause = e;
	}
	lium_buf_dispose(&tmp);
	return LIUM_EIO;
}

lium_status lium__kh_pin(const char *path, const char *alias, const char *type, const char *b64,
			 lium__kh_list *existing, int *pinned, lium_error *err)
{
	lium_buf content = LIUM_BUF_INIT;
	int lock_fd = -1;
	int exists;
	lium_status st;

	existing->v = NULL;
	existing->n = 0;
	*pinned = 0;
	st = kh_mkdir_parents(path, err);
	if (st == LIUM_OK) {
		st = kh_lock(path, &lock_fd, err);
	}
	if (st == LIUM_OK) {
		st = kh_read(path, &content, &exists, err);
	}
	if (st == LIUM_OK) {
		st = kh_find(&content, alias, existing, err);
	}
	if (st == LIUM_OK && existing->n == 0) {
		if (content.size > 0 && content.ptr[content.size - 1] != '\n') {
			st = lium_buf_putc(&content, '\n');
		}
		if (st == LIUM_OK) {
			st = lium_buf_printf(&content, "%s %s %s\n", alias, type, b64);
		}
		if (st != LIUM_OK) {
			st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		} else {
			st = kh_replace(path, &content, err);
			if (st == LIUM_OK) {
				*pinned = 1;
			}
		}
	}
	kh_unlock(lock_fd);
	lium_buf_dispose(&content);
	if (st != LIUM_OK) {
		lium__kh_list_dispose(existing);
	}
	return st;
}

lium_status lium_ssh_known_hosts_export(const char *known_hosts_path, const char *alias,
					const char *as_host, unsigned int as_port, lium_buf *out,
					lium_error *err)
{
	lium__kh_list list;
	lium_buf name = LIUM_BUF_INIT;
	lium_status st;
	size_t i;

	if (known_hosts_path == NULL || out == NULL || !lium__kh_alias_ok(alias)) {
		return lium_error_set(err, LIUM_EINVAL,
				      "known hosts export: missing path or bad alias");
	}
	if (as_host != NULL && (as_host[0] == '\0' || strpbrk(as_host, " \t\r\n,") != NULL)) {
		return lium_error_set(err, LIUM_EINVAL, "known hosts export: bad host name");
	}
	st = lium__kh_lookup(known_hosts_path, alias, &list, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (list.n == 0) {
		return lium_error_set(err, LIUM_ENOTFOUND, "no host key pinned for %s in %s", alias,
				      known_hosts_path);
	}
	if (as_host == NULL) {
		st = lium_buf_puts(&name, alias);
	} else if (as_port == 0 || as_port == 22) {
		st = lium_buf_puts(&name, as_host);
	} else {
		st = lium_buf_printf(&name, "[%s]:%u", as_host, as_port);
	}
	for (i = 0; st == LIUM_OK && i < list.n; i++) {
		st = lium_buf_printf(out, "%s %s %s\n", lium_buf_cstr(&name), list.v[i].type,
				     list.v[i].b64);
	}
	lium_buf_dispose(&name);
	lium__kh_list_dispose(&list);
	if (st != LIUM_OK) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	return LIUM_OK;
}

struct kh_remove_ctx {
	const char *alias;
	lium_buf *kept;
	size_t removed;
	lium_status status;
};

static int kh_remove_line(const char *line, size_t len, size_t lineno, void *ud)
{
	struct kh_remove_ctx *ctx = ud;
	size_t alen = strlen(ctx->alias);

	(void)lineno;
	if (len > alen && memcmp(line, ctx->alias, alen) == 0 &&
	    (line[alen] == ' ' || line[alen] == '\t')) {
		ctx->removed++;
		return 0;
	}
	if (lium_buf_put(ctx->kept, line, len) != LIUM_OK ||
	    lium_buf_putc(ctx->kept, '\n') != LIUM_OK) {
		ctx->status = LIUM_ENOMEM;
		return 1;
	}
	return 0;
}

lium_status lium_ssh_known_hosts_remove(const char *known_hosts_path, const char *alias,
					size_t *removed, lium_error *err)
{
	lium_buf content = LIUM_BUF_INIT;
	lium_buf kept = LIUM_BUF_INIT;
	struct kh_remove_ctx ctx;
	int lock_fd = -1;
	int exists = 0;
	lium_status st;

	if (removed != NULL) {
		*removed = 0;
	}
	if (known_hosts_path == NULL || !lium__kh_alias_ok(alias)) {
		return lium_error_set(err, LIUM_EINVAL,
				      "known hosts remove: missing path or bad alias");
	}
	st = kh_lock(known_hosts_path, &lock_fd, err);
	if (st == LIUM_OK) {
		st = kh_read(known_hosts_path, &content, &exists, err);
	}
	ctx.alias = alias;
	ctx.kept = &kept;
	ctx.removed = 0;
	ctx.status = LIUM_OK;
	if (st == LIUM_OK && exists) {
		kh_each_line(&content, kh_remove_line, &ctx);
		if (ctx.status != LIUM_OK) {
			st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		} else if (ctx.removed > 0) {
			st = kh_replace(known_hosts_path, &kept, err);
		}
	}
	kh_unlock(lock_fd);
	lium_buf_dispose(&content);
	lium_buf_dispose(&kept);
	if (st == LIUM_OK && removed != NULL) {
		*removed = ctx.removed;
	}
	return st;
}
