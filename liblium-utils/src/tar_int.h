/*
 * A small tar writer (POSIX ustar, with pax extended headers for what does
 * not fit), used to stream Docker build contexts.
 */
#ifndef LIUM_UTILS_TAR_INT_H
#define LIUM_UTILS_TAR_INT_H

#include <lium/core.h>

/** Size of a tar block. */
#define LIUM__TAR_BLOCK 512

/** Entry types (the ustar typeflag). */
#define LIUM__TAR_FILE    '0'
#define LIUM__TAR_SYMLINK '2'
#define LIUM__TAR_DIR     '5'
#define LIUM__TAR_FIFO    '6'

/** One member of an archive. */
typedef struct lium__tar_entry {
	/** Relative '/'-separated path; for a directory without the trailing '/'. */
	const char *name;
	/** LIUM__TAR_FILE, LIUM__TAR_DIR, LIUM__TAR_SYMLINK or LIUM__TAR_FIFO. */
	char type;
	/** Permission bits (07777). */
	unsigned int mode;
	/** Size of the data that follows, for LIUM__TAR_FILE; 0 otherwise. */
	uint64_t size;
	/** Modification time, seconds since the epoch. */
	int64_t mtime;
	/** Target of a symbolic link, else NULL. */
	const char *linkname;
	/** Owner ids. */
	uint64_t uid, gid;
	/** Owner names, or NULL. */
	const char *uname, *gname;
} lium__tar_entry;

/**
 * Append the header of an entry to out: a pax extended header first when a
 * field does not fit the ustar header (a long path or link, a size of 8 GiB
 * or more, large ids, a negative or far mtime), then the ustar header.
 * The caller then writes `size` bytes of data and lium__tar_padding(size)
 * zero bytes.
 */
lium_status lium__tar_header(lium_buf *out, const lium__tar_entry *e, lium_error *err);

/** Zero bytes needed after `size` bytes of data to reach a block boundary. */
size_t lium__tar_padding(uint64_t size);

/** Append the end-of-archive marker (two zero blocks). */
lium_status lium__tar_trailer(lium_buf *out);

#endif /* LIUM_UTILS_TAR_INT_H */
