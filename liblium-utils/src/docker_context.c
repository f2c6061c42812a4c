/*
 * The build context as a tar stream made on demand: the directory is walked
 * once up front (names and metadata only), then the archive is produced
 * piece by piece as the HTTP request body asks for bytes, so no temporary
 * file is written and memory stays small whatever the context's size.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "docker_int.h"
#include "tar_int.h"

#define IGNORE_FILE_MAX (1u << 20)

struct entry {
	char *name;   /* path inside the archive */
	char *source; /* path on disk */
	char *link;   /* symlink target */
	char type;
	unsigned int mode;
	uint64_t size;
	int64_t mtime;
};

struct lium__docker_context {
	char *dir;
	char *dockerfile;
	struct entry *entries;
	size_t count, cap;
	uint64_t data_bytes;
	/* streaming state */
	size_t next;
	lium_buf pending;
	size_t pending_off;
	int fd;
	const struct entry *current;
	uint64_t remaining;
	int trailer_done;
};

static lium_status nomem(lium_error *err)
{
	return lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

static lium_status io_error(lium_error *err, int e, const char *what, const char *path)
{
	lium_status st = lium_error_set(err, e == ENOENT ? LIUM_ENOTFOUND : LIUM_EIO,
					"build context: %s %s: %s", what, path, strerror(e));
	if (err)
		err->cause = e;
	return st;
}

static lium_status add_entry(lium__docker_context *c, const char *name, const char *source,
			     const struct stat *st, lium_error *err)
{
	struct entry *e;
	if (c->count == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct entry *ne = lium_realloc(c->entries, ncap * sizeof(*ne));
		if (!ne)
			return nomem(err);
		c->entries = ne;
		c->cap = ncap;
	}
	e = &c->entries[c->count];
	memset(e, 0, sizeof(*e));
	e->name = lium_strdup(name);
	e->source = lium_strdup(source);
	if (!e->name || !e->source)
		goto oom;
	e->mode = (unsigned int)(st->st_mode & 07777);
	e->mtime = (int64_t)st->st_mtime;
	if (S_ISDIR(st->st_mode)) {
		e->type = LIUM__TAR_DIR;
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(source, target, sizeof(target) - 1);
		if (n < 0) {
			lium_status s = io_error(err, errno, "cannot read link", source);
			lium_free(e->name);
			lium_free(e->source);
			return s;
		}
		target[n] = '\0';
		e->type = LIUM__TAR_SYMLINK;
		e->link = lium_strdup(target);
		if (!e->link)
			goto oom;
	} else if (S_ISFIFO(st->st_mode)) {
		e->type = LIUM__TAR_FIFO;
	} else {
		e->type = LIUM__TAR_FILE;
		e->size = (uint64_t)st->st_size;
		c->data_bytes += e->size;
	}
	c->count++;
	return LIUM_OK;
oom:
	lium_free(e->name);
	lium_free(e->source);
	lium_free(e->link);
	return nomem(err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Walk dir/rel in byte order of names, as Go's filepath.Walk does. */
static lium_status walk(lium__docker_context *c, const lium__ignore *ig, const char *rel,
			lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT, child = LIUM_BUF_INIT, abs = LIUM_BUF_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	struct dirent *de;
	lium_status st = LIUM_OK;

	if (lium_buf_printf(&path, "%s%s%s", c->dir, *rel ? "/" : "", rel) != LIUM_OK)
		return nomem(err);
	d = opendir(path.ptr);
	if (!d) {
		st = io_error(err, errno, "cannot open directory", path.ptr);
		lium_buf_dispose(&path);
		return st;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = lium_realloc(names, ncap * sizeof(*nn));
			if (!nn) {
				st = nomem(err);
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = lium_strdup(de->d_name))) {
			st = nomem(err);
			goto out;
		}
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);

	for (size_t i = 0; i < n && st == LIUM_OK; i++) {
		struct stat sb;
		int skip;
		lium_buf_clear(&child);
		lium_buf_clear(&abs);
		if (lium_buf_printf(&child, "%s%s%s", rel, *rel ? "/" : "", names[i]) != LIUM_OK ||
		    lium_buf_printf(&abs, "%s/%s", path.ptr, names[i]) != LIUM_OK) {
			st = nomem(err);
			break;
		}
		if (lstat(abs.ptr, &sb) != 0) {
			st = io_error(err, errno, "cannot stat", abs.ptr);
			break;
		}
		if (S_ISSOCK(sb.st_mode) || S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode))
			continue; /* not meaningful in an image; tar cannot carry sockets */
		skip = lium__ignore_matches(ig, child.ptr);
		if (skip) {
			/*
			 * An excluded directory is still walked when an exception
			 * pattern names something inside it; the directory entry
			 * itself stays out.
			 */
			if (S_ISDIR(sb.st_mode) && lium__ignore_has_exceptions(ig) &&
			    lium__ignore_dir_has_exception(ig, child.ptr))
				st = walk(c, ig, child.ptr, err);
			continue;
		}
		st = add_entry(c, child.ptr, abs.ptr, &sb, err);
		if (st == LIUM_OK && S_ISDIR(sb.st_mode))
			st = walk(c, ig, child.ptr, err);
	}
out:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		lium_free(names[i]);
	lium_free(names);
	lium_buf_dispose(&path);
	lium_buf_dispose(&child);
	lium_buf_dispose(&abs);
	return st;
}

/* Is `path` (cleaned, absolute) inside `dir` (cleaned, absolute)?  Sets *rel. */
static int inside(const char *dir, const char *path, const char **rel)
{
	size_t dl = strlen(dir);
	if (strncmp(path, dir, dl) != 0 || path[dl] != '/')
		return 0;
	*rel = path + dl + 1;
	return **rel != '\0';
}

static lium_status resolve_dockerfile(lium__docker_context *c, const char *dockerfile,
				      lium__ignore *ig, lium_error *err)
{
	lium_buf want = LIUM_BUF_INIT;
	char real[PATH_MAX];
	const char *rel = NULL;
	struct stat sb;
	lium_status st = LIUM_OK;

	if (!dockerfile || !*dockerfile)
		dockerfile = "Dockerfile";
	if (dockerfile[0] == '/')
		st = lium_buf_puts(&want, dockerfile) == LIUM_OK ? LIUM_OK : nomem(err);
	else
		st = lium_buf_printf(&want, "%s/%s", c->dir, dockerfile) == LIUM_OK ? LIUM_OK
										    : nomem(err);
	if (st != LIUM_OK)
		goto out;
	if (!realpath(want.ptr, real) || stat(real, &sb) != 0) {
		st = io_error(err, errno, "cannot find the Dockerfile", want.ptr);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = lium_error_set(err, LIUM_EINVAL, "build context: %s is not a file", want.ptr);
		goto out;
	}
	if (inside(c->dir, real, &rel)) {
		/*
		 * The docker CLI always sends the Dockerfile and .dockerignore,
		 * even when .dockerignore excludes them (the daemon reads and then
		 * drops them); it adds exceptions for them.
		 */
		lium_buf ex = LIUM_BUF_INIT;
		if (lium__ignore_matches(ig, ".dockerignore") &&
		    (st = lium__ignore_add(ig, "!.dockerignore", err)) != LIUM_OK)
			goto out;
		if (lium__ignore_matches(ig, rel)) {
			if (lium_buf_printf(&ex, "!%s", rel) != LIUM_OK) {
				st = nomem(err);
				goto out;
			}
			st = lium__ignore_add(ig, ex.ptr, err);
			lium_buf_dispose(&ex);
			if (st != LIUM_OK)
				goto out;
		}
		c->dockerfile = lium_strdup(rel);
		if (!c->dockerfile)
			st = nomem(err);
	} else {
		/* Outside the context: sent under a generated name, as docker does. */
		unsigned char rnd[10];
		lium_buf name = LIUM_BUF_INIT;
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			/* Only uniqueness inside this archive matters. */
			unsigned long v =
				(unsigned long)getpid() * 2654435761u ^ (unsigned long)c->count;
			for (size_t i = 0; i < sizeof(rnd); i++)
				rnd[i] = (unsigned char)(v >> (8 * (i % sizeof(v))));
		}
		if (lium_buf_puts(&name, ".dockerfile.") != LIUM_OK)
			st = nomem(err);
		for (size_t i = 0; i < sizeof(rnd) && st == LIUM_OK; i++) {
			if (lium_buf_printf(&name, "%02x", rnd[i]) != LIUM_OK)
				st = nomem(err);
		}
		if (st == LIUM_OK)
			st = add_entry(c, name.ptr, real, &sb, err);
		if (st == LIUM_OK) {
			c->entries[c->count - 1].mode = 0644;
			c->dockerfile = lium_buf_detach(&name);
			if (!c->dockerfile)
				st = nomem(err);
		}
		lium_buf_dispose(&name);
	}
out:
	lium_buf_dispose(&want);
	return st;
}

lium_status lium__docker_context_new(lium__docker_context **out, const char *dir,
				     const char *dockerfile, lium_error *err)
{
	lium__docker_context *c;
	lium__ignore *ig = NULL;
	lium_buf ignore_path = LIUM_BUF_INIT, text = LIUM_BUF_INIT;
	char real[PATH_MAX];
	struct stat sb;
	lium_status st;

	*out = NULL;
	if (!dir || !*dir)
		return lium_error_set(err, LIUM_EINVAL, "build context: no directory");
	if (!realpath(dir, real) || stat(real, &sb) != 0)
		return io_error(err, errno, "cannot open", dir);
	if (!S_ISDIR(sb.st_mode))
		return lium_error_set(err, LIUM_EINVAL, "build context: %s is not a directory",
				      dir);
	c = lium_calloc(1, sizeof(*c));
	if (!c)
		return nomem(err);
	c->fd = -1;
	c->dir = lium_strdup(real);
	if (!c->dir) {
		st = nomem(err);
		goto fail;
	}
	if ((st = lium__ignore_new(&ig, err)) != LIUM_OK)
		goto fail;
	if (lium_buf_printf(&ignore_path, "%s/.dockerignore", c->dir) != LIUM_OK) {
		st = nomem(err);
		goto fail;
	}
	{
		int fd = open(ignore_path.ptr, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			char chunk[8192];
			ssize_t n;
			while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
				if (text.size + (size_t)n > IGNORE_FILE_MAX ||
				    lium_buf_put(&text, chunk, (size_t)n) != LIUM_OK) {
					close(fd);
					st = lium_error_set(err, LIUM_EIO,
							    "build context: %s is too large",
							    ignore_path.ptr);
					goto fail;
				}
			}
			close(fd);
			if (n < 0) {
				st = io_error(err, errno, "cannot read", ignore_path.ptr);
				goto fail;
			}
			if ((st = lium__ignore_load(ig, text.ptr, text.size, err)) != LIUM_OK)
				goto fail;
		} else if (errno != ENOENT) {
			st = io_error(err, errno, "cannot open", ignore_path.ptr);
			goto fail;
		}
	}
	if ((st = resolve_dockerfile(c, dockerfile, ig, err)) != LIUM_OK)
		goto fail;
	/* A Dockerfile from outside the context is the first entry. */
	if ((st = walk(c, ig, "", err)) != LIUM_OK)
		goto fail;
	lium__ignore_free(ig);
	lium_buf_dispose(&ignore_path);
	lium_buf_dispose(&text);
	*out = c;
	return LIUM_OK;
fail:
	lium__ignore_free(ig);
	lium_buf_dispose(&ignore_path);
	lium_buf_dispose(&text);
	lium__docker_context_free(c);
	return st;
}

const char *lium__docker_context_dockerfile(const lium__docker_context *c)
{
	return c ? c->dockerfile : NULL;
}

size_t lium__docker_context_entries(const lium__docker_context *c)
{
	return c ? c->count : 0;
}

const char *lium__docker_context_entry_name(const lium__docker_context *c, size_t i)
{
	return c && i < c->count ? c->entries[i].name : NULL;
}

uint64_t lium__docker_context_data_bytes(const lium__docker_context *c)
{
	return c ? c->data_bytes : 0;
}

lium_status lium__docker_context_read(lium__docker_context *c, void *buf, size_t len, size_t *n,
				      lium_error *err)
{
	unsigned char *dst = buf;
	size_t done = 0;

	*n = 0;
	while (done < len) {
		if (c->pending_off < c->pending.size) {
			size_t k = c->pending.size - c->pending_off;
			if (k > len - done)
				k = len - done;
			memcpy(dst + done, c->pending.ptr + c->pending_off, k);
			c->pending_off += k;
			done += k;
			continue;
		}
		lium_buf_clear(&c->pending);
		c->pending_off = 0;

		if (c->current && c->remaining > 0) {
			size_t want = len - done;
			ssize_t r;
			if (want > c->remaining)
				want = (size_t)c->remaining;
			r = read(c->fd, dst + done, want);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				lium_status st =
					r < 0 ? io_error(err, errno, "cannot read",
							 c->current->source)
					      : lium_error_set(err, LIUM_EIO,
							       "build context: %s shrank while "
							       "being sent",
							       c->current->source);
				return st;
			}
			c->remaining -= (uint64_t)r;
			done += (size_t)r;
			continue;
		}
		if (c->current) {
			/* End of a file's data: pad to the block boundary. */
			size_t pad = lium__tar_padding(c->current->size);
			if (c->fd >= 0) {
				close(c->fd);
				c->fd = -1;
			}
			c->current = NULL;
			if (pad) {
				if (lium_buf_grow(&c->pending, pad) != LIUM_OK)
					return nomem(err);
				memset(c->pending.ptr, 0, pad);
				c->pending.size = pad;
			}
			continue;
		}
		if (c->next < c->count) {
			const struct entry *e = &c->entries[c->next++];
			lium__tar_entry te;
			lium_status st;
			memset(&te, 0, sizeof(te));
			te.name = e->name;
			te.type = e->type;
			te.mode = e->mode;
			te.size = e->size;
			te.mtime = e->mtime;
			te.linkname = e->link;
			/* Owned by root in the image, as the docker CLI sends it. */
			if ((st = lium__tar_header(&c->pending, &te, err)) != LIUM_OK)
				return st;
			if (e->type == LIUM__TAR_FILE) {
				c->current = e;
				c->remaining = e->size;
				if (e->size > 0) {
					c->fd = open(e->source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
					if (c->fd < 0)
						return io_error(err, errno, "cannot open",
								e->source);
				}
			}
			continue;
		}
		if (!c->trailer_done) {
			c->trailer_done = 1;
			if (lium__tar_trailer(&c->pending) != LIUM_OK)
				return nomem(err);
			continue;
		}
		break;
	}
	*n = done;
	return LIUM_OK;
}

void lium__docker_context_free(lium__docker_context *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++) {
		lium_free(c->entries[i].name);
		lium_free(c->entries[i].source);
		lium_free(c->entries[i].link);
	}
	lium_free(c->entries);
	if (c->fd >= 0)
		close(c->fd);
	lium_buf_dispose(&c->pending);
	lium_free(c->dir);
	lium_free(c->dockerfile);
	lium_free(c);
}
