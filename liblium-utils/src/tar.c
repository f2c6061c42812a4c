/*
 * A tar writer: POSIX ustar headers, with a pax extended header ahead of an
 * entry whose path, link, size, ids or time do not fit ustar's fields.
 */
#include <stdio.h>
#include <string.h>

#include "tar_int.h"

/* Offsets and widths of the ustar header fields (POSIX.1-1988). */
#define F_NAME     0
#define W_NAME     100
#define F_MODE     100
#define F_UID      108
#define F_GID      116
#define F_SIZE     124
#define F_MTIME    136
#define F_CHKSUM   148
#define F_TYPE     156
#define F_LINKNAME 157
#define F_MAGIC    257
#define F_VERSION  263
#define F_UNAME    265
#define F_GNAME    297
#define F_DEVMAJOR 329
#define F_DEVMINOR 337
#define F_PREFIX   345
#define W_PREFIX   155

/* True when v fits in a NUL-terminated octal field of `width` bytes. */
static int fits_octal(uint64_t v, size_t width)
{
	size_t digits = width - 1;
	return digits >= 22 || v < ((uint64_t)1 << (3 * digits));
}

static void put_octal(unsigned char *field, size_t width, uint64_t v)
{
	size_t digits = width - 1;
	field[digits] = '\0';
	for (size_t i = digits; i > 0; i--) {
		field[i - 1] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

static void put_str(unsigned char *field, size_t width, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > width)
		n = width;
	/* Fixed-width fields: a full field has no terminator, by design. */
	for (size_t i = 0; i < n; i++)
		field[i] = (unsigned char)s[i];
}

static size_t count_digits(size_t v)
{
	size_t d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* One pax record: "<len> <key>=<value>\n", where len counts itself. */
static lium_status pax_record(lium_buf *b, const char *key, const char *value)
{
	size_t base = strlen(key) + strlen(value) + 3; /* ' ', '=', '\n' */
	size_t len = base + count_digits(base);
	if (count_digits(len) != count_digits(base))
		len = base + count_digits(len);
	return lium_buf_printf(b, "%zu %s=%s\n", len, key, value);
}

static void finish_header(unsigned char *h)
{
	unsigned int sum = 0;
	memset(h + F_CHKSUM, ' ', 8);
	for (size_t i = 0; i < LIUM__TAR_BLOCK; i++)
		sum += h[i];
	/* Six octal digits, a NUL and a space, as POSIX and GNU tar write it. */
	put_octal(h + F_CHKSUM, 7, sum);
	h[F_CHKSUM + 7] = ' ';
}

static void fill_common(unsigned char *h, char type, unsigned int mode, uint64_t uid, uint64_t gid,
			uint64_t size, int64_t mtime, const char *uname, const char *gname)
{
	put_octal(h + F_MODE, 8, mode & 07777u);
	put_octal(h + F_UID, 8, fits_octal(uid, 8) ? uid : 0);
	put_octal(h + F_GID, 8, fits_octal(gid, 8) ? gid : 0);
	put_octal(h + F_SIZE, 12, fits_octal(size, 12) ? size : 0);
	put_octal(h + F_MTIME, 12,
		  mtime >= 0 && fits_octal((uint64_t)mtime, 12) ? (uint64_t)mtime : 0);
	h[F_TYPE] = (unsigned char)type;
	put_str(h + F_MAGIC, 6, "ustar"); /* "ustar\0": the NUL is already there */
	h[F_VERSION] = '0';
	h[F_VERSION + 1] = '0';
	put_str(h + F_UNAME, 32, uname);
	put_str(h + F_GNAME, 32, gname);
	put_octal(h + F_DEVMAJOR, 8, 0);
	put_octal(h + F_DEVMINOR, 8, 0);
}

size_t lium__tar_padding(uint64_t size)
{
	return (size_t)((LIUM__TAR_BLOCK - size % LIUM__TAR_BLOCK) % LIUM__TAR_BLOCK);
}

lium_status lium__tar_trailer(lium_buf *out)
{
	static const char zeros[2 * LIUM__TAR_BLOCK];
	return lium_buf_put(out, zeros, sizeof(zeros));
}

lium_status lium__tar_header(lium_buf *out, const lium__tar_entry *e, lium_error *err)
{
	unsigned char h[LIUM__TAR_BLOCK];
	lium_buf path = LIUM_BUF_INIT, pax = LIUM_BUF_INIT;
	const char *name_part = NULL;
	size_t prefix_len = 0;
	int long_path = 0;
	lium_status st = LIUM_OK;
	char num[32];

	if (!out || !e || !e->name || !*e->name)
		return lium_error_set(err, LIUM_EINVAL, "tar: entry without a name");
	if (lium_buf_puts(&path, e->name) != LIUM_OK ||
	    (e->type == LIUM__TAR_DIR && lium_buf_putc(&path, '/') != LIUM_OK))
		goto oom;

	/* Fit the path in name[100], or split it at a '/' into prefix[155] and name. */
	if (path.size <= W_NAME) {
		name_part = path.ptr;
	} else {
		for (size_t i = 1; i < path.size; i++) {
			if (path.ptr[i] != '/' || path.size - i - 1 > W_NAME)
				continue;
			if (i <= W_PREFIX && path.size - i - 1 > 0) {
				prefix_len = i;
				name_part = path.ptr + i + 1;
			}
			break;
		}
		if (!name_part)
			long_path = 1;
	}

	if (long_path && pax_record(&pax, "path", path.ptr) != LIUM_OK)
		goto oom;
	if (e->linkname && strlen(e->linkname) > W_NAME &&
	    pax_record(&pax, "linkpath", e->linkname) != LIUM_OK)
		goto oom;
	if (!fits_octal(e->size, 12)) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->size);
		if (pax_record(&pax, "size", num) != LIUM_OK)
			goto oom;
	}
	if (!fits_octal(e->uid, 8)) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->uid);
		if (pax_record(&pax, "uid", num) != LIUM_OK)
			goto oom;
	}
	if (!fits_octal(e->gid, 8)) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->gid);
		if (pax_record(&pax, "gid", num) != LIUM_OK)
			goto oom;
	}
	if (e->mtime < 0 || !fits_octal((uint64_t)e->mtime, 12)) {
		snprintf(num, sizeof(num), "%lld", (long long)e->mtime);
		if (pax_record(&pax, "mtime", num) != LIUM_OK)
			goto oom;
	}

	if (pax.size) {
		/* The extended header is an entry of its own, typeflag 'x'. */
		const char *slash = strrchr(e->name, '/');
		const char *base = slash ? slash + 1 : e->name;
		char xname[W_NAME + 1];
		size_t blen = strlen(base);
		if (blen > 80)
			base += blen - 80;
		snprintf(xname, sizeof(xname), "PaxHeaders.0/%s", base);
		memset(h, 0, sizeof(h));
		put_str(h + F_NAME, W_NAME, xname);
		fill_common(h, 'x', 0644, 0, 0, pax.size, e->mtime, NULL, NULL);
		finish_header(h);
		if (lium_buf_put(out, h, sizeof(h)) != LIUM_OK ||
		    lium_buf_put(out, pax.ptr, pax.size) != LIUM_OK)
			goto oom;
		{
			static const char zeros[LIUM__TAR_BLOCK];
			if (lium_buf_put(out, zeros, lium__tar_padding(pax.size)) != LIUM_OK)
				goto oom;
		}
	}

	memset(h, 0, sizeof(h));
	if (long_path) {
		/* Readers take the pax path; the ustar name keeps a truncated copy. */
		memcpy(h + F_NAME, path.ptr, W_NAME);
	} else {
		put_str(h + F_NAME, W_NAME, name_part);
		if (prefix_len)
			memcpy(h + F_PREFIX, path.ptr, prefix_len);
	}
	fill_common(h, e->type, e->mode, e->uid, e->gid, e->type == LIUM__TAR_FILE ? e->size : 0,
		    e->mtime, e->uname, e->gname);
	if (e->linkname)
		put_str(h + F_LINKNAME, W_NAME, e->linkname);
	finish_header(h);
	if (lium_buf_put(out, h, sizeof(h)) != LIUM_OK)
		goto oom;
	goto done;
oom:
	st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
done:
	lium_buf_dispose(&path);
	lium_buf_dispose(&pax);
	return st;
}
