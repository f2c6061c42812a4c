/*
 * liblium-utils: Files: XDG paths, ~ expansion, atomic writes, advisory locks.
 *
 * Where lium keeps its files (DESIGN.md, "Files on a user's machine"):
 *
 *     config  $XDG_CONFIG_HOME/lium   (default ~/.config/lium)
 *     state   $XDG_STATE_HOME/lium    (default ~/.local/state/lium)
 *     cache   $XDG_CACHE_HOME/lium    (default ~/.cache/lium)
 *
 * Files that must never be seen half-written (the config, the listings, the
 * pinned host keys) are replaced atomically with lium_fs_write_atomic(), and
 * read back with a size limit with lium_fs_read_file().  Two lium processes
 * that update the same state file take an advisory lock around it with
 * lium_fs_lock_acquire().
 *
 * Threads: every function is safe to call from several threads at once, as
 * long as no thread changes the environment (HOME, XDG_*) meanwhile.
 */
#ifndef LIUM_UTILS_FS_H
#define LIUM_UTILS_FS_H

#include "common.h"

LIUM_BEGIN_DECLS

/** The three XDG base directories lium uses. */
typedef enum lium_fs_dir_kind {
	LIUM_FS_CONFIG = 0, /**< $XDG_CONFIG_HOME, default $HOME/.config */
	LIUM_FS_STATE = 1,  /**< $XDG_STATE_HOME, default $HOME/.local/state */
	LIUM_FS_CACHE = 2   /**< $XDG_CACHE_HOME, default $HOME/.cache */
} lium_fs_dir_kind;

/** Flag for lium_fs_xdg_dir(): create the directory (mode 0700) when missing. */
#define LIUM_FS_CREATE 0x1u

/**
 * The home directory of the calling user: $HOME when it is set and
 * absolute, else the password database entry of the effective user.
 *
 * @param[out] out  receives the path (replaces its contents), without a
 *                  trailing slash unless it is "/"
 * @param[out] err  may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND (no usable home); LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_home_dir(lium_buf *out, lium_error *err);

/**
 * An application directory under an XDG base directory, e.g.
 * "/home/ann/.config/lium".
 *
 * The base is the XDG variable of `kind` when it is set to an absolute
 * path (the XDG specification says relative values are to be ignored), else
 * its default under the home directory.  With LIUM_FS_CREATE the
 * directory and any missing parent are created with mode 0700; an existing
 * directory is left as it is.
 *
 * @param[in]  kind   LIUM_FS_CONFIG, LIUM_FS_STATE or LIUM_FS_CACHE
 * @param[in]  app    the subdirectory, NULL for "lium", "" for the base
 *                    directory itself; must not contain "/.." tricks
 * @param[in]  flags  0 or LIUM_FS_CREATE
 * @param[out] out    receives the path (replaces its contents)
 * @param[out] err    may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND (no home directory); LIUM_EIO (the
 *         directory could not be created, or a non-directory is in the way;
 *         cause is errno); LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_xdg_dir(lium_fs_dir_kind kind, const char *app,
					      unsigned int flags, lium_buf *out, lium_error *err);

/**
 * Expand a leading `~` the way a shell does: "~" and "~/x" use the home
 * directory (lium_fs_home_dir()), "~ann" and "~ann/x" the home of user
 * "ann".  Any other path, and a `~` that is not the first character, is
 * copied unchanged.
 *
 * @param[in]  path  the path
 * @param[out] out   receives the result (replaces its contents)
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND (no such user, or no home directory);
 *         LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_expand_user(const char *path, lium_buf *out, lium_error *err);

/**
 * Create a directory and its missing parents (mkdir -p).  Directories that
 * already exist are left as they are.
 *
 * @param[in]  path  the directory
 * @param[in]  mode  for the directories created, e.g. 0700 (the umask
 *                   applies, as for mkdir)
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_EIO (cause is errno; the message names the
 *         component that failed); LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_mkdirs(const char *path, unsigned int mode, lium_error *err);

/** Version of lium_fs_write_options this header describes. */
#define LIUM_FS_WRITE_OPTIONS_VERSION 1

/** How lium_fs_write_atomic() writes.  Initialise with LIUM_FS_WRITE_OPTIONS_INIT. */
typedef struct lium_fs_write_options {
	/** LIUM_FS_WRITE_OPTIONS_VERSION. */
	unsigned int version;
	/**
	 * Permission bits of the new file, applied exactly (the umask does
	 * not narrow them).  LIUM_FS_WRITE_OPTIONS_INIT sets 0600, right for
	 * secrets; use 0644 for files others may read.
	 */
	unsigned int mode;
	/** Non-zero: create missing parent directories (mode 0700). */
	int create_dirs;
} lium_fs_write_options;

/** Initialiser: mode 0600, no parent directories created. */
#define LIUM_FS_WRITE_OPTIONS_INIT                                     \
	{                                                              \
		.version = LIUM_FS_WRITE_OPTIONS_VERSION, .mode = 0600 \
	}

/**
 * Replace a file's contents atomically: readers see the old file or the
 * new one, never a mix, and a crash or a full disk leaves the old file.
 *
 * Writes a temporary file in the same directory (created with the final
 * mode from the start, so a secret is never readable by others), fsyncs
 * it, renames it over `path` and fsyncs the directory.  On failure the
 * temporary file is removed and the old file is untouched.  When `path`
 * is a symbolic link, the file it points to is replaced and the link kept.
 *
 * @param[in]  path  the file
 * @param[in]  data  the new contents; may be NULL when len is 0
 * @param[in]  len   their size
 * @param[in]  opts  may be NULL (LIUM_FS_WRITE_OPTIONS_INIT)
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND (the directory does not exist and
 *         create_dirs is off); LIUM_EIO (cause is errno: no space, a
 *         read-only file system, EISDIR...); LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_write_atomic(const char *path, const void *data, size_t len,
						   const lium_fs_write_options *opts,
						   lium_error *err);

/**
 * Read a whole file.
 *
 * @param[in]  path      the file
 * @param[in]  max_size  the largest size accepted, in bytes; 0 for no limit
 * @param[out] out       receives the contents (replaces them; NUL bytes
 *                       in the file are kept, out->size is the length)
 * @param[out] err       may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND (no such file; cause ENOENT); LIUM_EIO
 *         (cause is errno; EFBIG when the file exceeds max_size, which
 *         leaves `out` empty); LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_read_file(const char *path, size_t max_size, lium_buf *out,
						lium_error *err);

/**
 * A held advisory lock (flock(2), exclusive) on a lock file.  Opaque;
 * released with lium_fs_lock_free().  The lock is also released when the
 * process ends, however it ends, so a crash never leaves it held.
 */
typedef struct lium_fs_lock lium_fs_lock;

/**
 * Take an exclusive lock on a lock file, waiting up to timeout_ms.
 *
 * The file is created (mode 0600) when missing and never deleted (deleting
 * a lock file races with processes that opened it).  After taking the lock
 * the holder writes its process id into it, so that a waiter's error can
 * name the holder.  Locks conflict between processes, and between two
 * acquisitions in the same process.
 *
 * @param[out] out         the lock; NULL on failure
 * @param[in]  path        the lock file, e.g. "<state>/listings.lock"
 * @param[in]  timeout_ms  how long to wait: 0 tries once, negative waits
 *                         for ever
 * @param[out] err         may be NULL
 * @return LIUM_OK; LIUM_ETIMEOUT (still held by another when the time ran
 *         out; the message names the holder's pid when known; with
 *         timeout_ms 0 this means "busy"); LIUM_EIO (cause is errno);
 *         LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_lock_acquire(lium_fs_lock **out, const char *path,
						   int timeout_ms, lium_error *err);

/**
 * Try once to take a lock: lium_fs_lock_acquire() with no waiting, except
 * that a lock held elsewhere is reported as LIUM_ECONFLICT.
 *
 * @return LIUM_OK; LIUM_ECONFLICT (held by another; the message names the
 *         holder's pid when known); LIUM_EIO; LIUM_EINVAL; LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_fs_lock_try(lium_fs_lock **out, const char *path,
					       lium_error *err);

/**
 * The path of a held lock's file.  Borrowed; valid until the lock is freed.
 */
LIUM_UTILS_EXPORT const char *lium_fs_lock_path(const lium_fs_lock *lock);

/**
 * Release a lock and free it.  The lock file stays.
 *
 * @param[in] lock  may be NULL
 */
LIUM_UTILS_EXPORT void lium_fs_lock_free(lium_fs_lock *lock);

LIUM_END_DECLS

#endif /* LIUM_UTILS_FS_H */
