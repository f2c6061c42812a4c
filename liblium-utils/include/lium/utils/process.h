/*
 * liblium-utils: Spawning local processes with an argv (no shell).
 *
 * lium runs a few local programs: rsync for `lium rsync`, OpenSSH's `ssh`
 * for an interactive `lium ssh`, credential helpers for Docker.  This module
 * starts them from an argv array (never through /bin/sh, so arguments with
 * spaces, quotes or `$` reach the program untouched), connects their
 * standard streams as the caller asks, and waits for them with an optional
 * timeout.
 *
 * Typical use:
 *
 *     const char *argv[] = {"rsync", "-az", src, dst, NULL};
 *     lium_process_options o = LIUM_PROCESS_OPTIONS_INIT;
 *     lium_buf err_text = LIUM_BUF_INIT;
 *     lium_process_exit ex;
 *     o.stderr_mode = LIUM_PROCESS_CAPTURE;
 *     o.stderr_buf = &err_text;
 *     o.timeout_ms = 600000;
 *     st = lium_process_run(argv, &o, &ex, &err);
 *     if (st == LIUM_OK && !(ex.exited && ex.code == 0)) ...
 *
 * Threads: every function may be called from several threads at once, each
 * on its own lium_process.  A lium_process itself is not shared between
 * threads without the caller's own locking.  The library installs no signal
 * handler; a program that reaps every child itself (a SIGCHLD handler calling
 * waitpid(-1, ...), or SIGCHLD set to SIG_IGN) takes the exit status away
 * from lium_process_wait(), which then reports LIUM_EIO.
 */
#ifndef LIUM_UTILS_PROCESS_H
#define LIUM_UTILS_PROCESS_H

#include "common.h"

LIUM_BEGIN_DECLS

/** A started child process.  Opaque; released with lium_process_free(). */
typedef struct lium_process lium_process;

/**
 * How one standard stream of the child is connected.  Each mode says which
 * of the three streams it is valid for; another stream rejects it with
 * LIUM_EINVAL.
 */
typedef enum lium_process_stdio {
	/** All: share the caller's descriptor (the default). */
	LIUM_PROCESS_INHERIT = 0,
	/** All: /dev/null. */
	LIUM_PROCESS_NULL = 1,
	/** stdin: fed from stdin_data/stdin_len, then closed (end of file). */
	LIUM_PROCESS_BUFFER = 2,
	/**
	 * All: a file named by stdin_path / stdout_path / stderr_path.  stdin
	 * reads it; stdout and stderr create or truncate it (mode 0666 less the
	 * umask).
	 */
	LIUM_PROCESS_FILE = 3,
	/** stdout, stderr: appended to stdout_buf / stderr_buf. */
	LIUM_PROCESS_CAPTURE = 4,
	/** stdout, stderr: handed to on_output as the data arrives. */
	LIUM_PROCESS_CALLBACK = 5,
	/** stderr: wherever stdout goes (the shell's `2>&1`). */
	LIUM_PROCESS_TO_STDOUT = 6,
	/** All: an open descriptor of the caller (stdin_fd, ...), duplicated. */
	LIUM_PROCESS_FD = 7
} lium_process_stdio;

/**
 * Receives output of a stream in LIUM_PROCESS_CALLBACK mode.
 *
 * Called from lium_process_wait() (or lium_process_run()) on the calling
 * thread.  With LIUM_PROCESS_LINES each call carries whole lines.
 *
 * @param[in] stream    1 for stdout, 2 for stderr
 * @param[in] data      the bytes (not NUL-terminated); valid during the call
 * @param[in] len       their number, > 0
 * @param[in] userdata  lium_process_options::userdata
 * @return 0 to go on; anything else stops the child (SIGTERM, then SIGKILL
 *         after the grace period) and the wait returns LIUM_ECANCELLED.
 */
typedef int (*lium_process_output_fn)(int stream, const char *data, size_t len, void *userdata);

/** Flag: on_output receives whole lines (see lium_process_options::flags). */
#define LIUM_PROCESS_LINES 0x1u
/**
 * Flag: the child leads a new process group, and timeouts, cancellation and
 * lium_process_kill() signal the whole group (rsync and the ssh it starts,
 * say).  Do not use it for a child that reads the terminal: a background
 * process group is stopped when it does.
 */
#define LIUM_PROCESS_NEW_PGROUP 0x2u

/** Version of lium_process_options this header describes. */
#define LIUM_PROCESS_OPTIONS_VERSION 1

/**
 * How to start a child.  Initialise with LIUM_PROCESS_OPTIONS_INIT (all
 * streams inherited, the caller's environment and directory, no timeout),
 * then set what differs.  Every pointer here must stay valid until the wait
 * returns (the buffers, stdin_data and the callback are used while waiting).
 */
typedef struct lium_process_options {
	/** LIUM_PROCESS_OPTIONS_VERSION. */
	unsigned int version;
	/** Working directory of the child, or NULL for the caller's. */
	const char *cwd;
	/**
	 * NULL-terminated list of changes to the environment, or NULL:
	 * "NAME=value" adds or replaces NAME, a bare "NAME" removes it.  The
	 * caller's environment is the base unless clear_env is set.
	 */
	const char *const *env;
	/** Non-zero: start from an empty environment (then apply env). */
	int clear_env;

	/** How stdin is connected: INHERIT, NULL, BUFFER, FILE or FD. */
	lium_process_stdio stdin_mode;
	/** LIUM_PROCESS_BUFFER: the bytes to feed (borrowed). */
	const void *stdin_data;
	/** LIUM_PROCESS_BUFFER: their number. */
	size_t stdin_len;
	/** LIUM_PROCESS_FILE: the file to read. */
	const char *stdin_path;
	/** LIUM_PROCESS_FD: the descriptor to duplicate. */
	int stdin_fd;

	/** How stdout is connected: INHERIT, NULL, FILE, CAPTURE, CALLBACK or FD. */
	lium_process_stdio stdout_mode;
	/** LIUM_PROCESS_CAPTURE: output is appended here (caller-owned). */
	lium_buf *stdout_buf;
	/** LIUM_PROCESS_FILE: the file to write. */
	const char *stdout_path;
	/** LIUM_PROCESS_FD: the descriptor to duplicate. */
	int stdout_fd;

	/** How stderr is connected: any stdout mode, or TO_STDOUT. */
	lium_process_stdio stderr_mode;
	/** LIUM_PROCESS_CAPTURE: output is appended here (caller-owned). */
	lium_buf *stderr_buf;
	/** LIUM_PROCESS_FILE: the file to write. */
	const char *stderr_path;
	/** LIUM_PROCESS_FD: the descriptor to duplicate. */
	int stderr_fd;

	/** LIUM_PROCESS_CALLBACK: the receiver of output. */
	lium_process_output_fn on_output;
	/** Passed to on_output. */
	void *userdata;
	/** LIUM_PROCESS_LINES, LIUM_PROCESS_NEW_PGROUP, or 0. */
	unsigned int flags;
	/**
	 * lium_process_run() only: how long the child may run, in
	 * milliseconds; 0 or less waits for ever.
	 */
	int timeout_ms;
	/**
	 * Milliseconds between SIGTERM and SIGKILL when lium stops a child (a
	 * timeout, a cancelling callback, lium_process_free()): 0 means the
	 * default of 2000, a negative value sends SIGKILL at once.
	 */
	int kill_grace_ms;
} lium_process_options;

/** Initialiser for lium_process_options: everything inherited, no timeout. */
#define LIUM_PROCESS_OPTIONS_INIT                       \
	{                                               \
		.version = LIUM_PROCESS_OPTIONS_VERSION \
	}

/** How a child ended. */
typedef struct lium_process_exit {
	/** Non-zero when the child called exit(): then `code` holds the status. */
	int exited;
	/** The exit status, 0-255, when `exited`. */
	int code;
	/** The signal that ended the child, or 0. */
	int signal;
	/** Non-zero when lium stopped the child because its time ran out. */
	int timed_out;
	/** Milliseconds from the start to the end of the child. */
	int64_t duration_ms;
} lium_process_exit;

/**
 * Start a program.
 *
 * argv[0] names the program: a name without '/' is looked up on PATH (the
 * child's PATH when opts->env sets one, else the caller's), like execvp
 * but resolved before the child starts, so that "no such program" comes back
 * as LIUM_ENOTFOUND instead of an exit status of 127.  No shell is involved.
 * A relative path with a '/' ("./tool", "bin/tool") is taken relative to
 * opts->cwd when that is set, as the child sees it.
 *
 * Descriptors of the caller other than the three standard ones are not
 * inherited, signal dispositions are reset to their defaults and the signal
 * mask is cleared in the child.
 *
 * @param[out] out   the new process; NULL on failure.  Free it with
 *                   lium_process_free() after lium_process_wait().
 * @param[in]  argv  NULL-terminated argument vector, argv[0] non-NULL;
 *                   copied, not kept
 * @param[in]  opts  may be NULL (everything inherited); see
 *                   lium_process_options for what must outlive the wait
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_EINVAL (a NULL argument, a mode on the wrong
 *         stream, a missing buffer, path or callback); LIUM_ENOTFOUND (the
 *         program is not on PATH or does not exist); LIUM_EIO (a file could
 *         not be opened, the working directory is unusable, fork or exec
 *         failed; cause is errno); LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_process_spawn(lium_process **out, const char *const *argv,
						 const lium_process_options *opts, lium_error *err);

/**
 * Wait for a child to end, moving its input and output meanwhile.
 *
 * While it waits, this function feeds LIUM_PROCESS_BUFFER input, fills
 * capture buffers and calls on_output.  After the child has exited it
 * drains its pipes until they close, or until they stay silent for 200 ms
 * (a grandchild that keeps the pipe open does not block the caller).
 *
 * When timeout_ms passes first, the child is stopped (SIGTERM, then SIGKILL
 * after the grace period) and reaped, `ex` is filled with timed_out set,
 * and LIUM_ETIMEOUT is returned.
 *
 * Calling it again after it returned LIUM_OK gives the same exit again.
 *
 * @param[in,out] p           the process
 * @param[in]     timeout_ms  milliseconds from now; negative waits for ever;
 *                            0 stops a child that is still running at once
 * @param[out]    ex          may be NULL; how the child ended
 * @param[out]    err         may be NULL
 * @return LIUM_OK when the child ended on its own, whatever its exit status
 *         (look at `ex`); LIUM_ETIMEOUT; LIUM_ECANCELLED (on_output asked
 *         to stop; `ex` is filled); LIUM_EIO (waitpid failed); LIUM_ENOMEM
 *         (a capture buffer could not grow; the child is stopped);
 *         LIUM_EINVAL (p is NULL).
 */
LIUM_UTILS_EXPORT lium_status lium_process_wait(lium_process *p, int timeout_ms,
						lium_process_exit *ex, lium_error *err);

/**
 * Send a signal to a child (to its group with LIUM_PROCESS_NEW_PGROUP).
 * Does nothing once the child has been reaped.
 *
 * @param[in]  p      the process
 * @param[in]  signo  e.g. SIGTERM, SIGINT
 * @param[out] err    may be NULL
 * @return LIUM_OK; LIUM_EINVAL (p NULL or a bad signal); LIUM_EIO.
 */
LIUM_UTILS_EXPORT lium_status lium_process_kill(lium_process *p, int signo, lium_error *err);

/**
 * The process id of a child, or -1 for NULL.  Thread-safe.
 */
LIUM_UTILS_EXPORT int lium_process_pid(const lium_process *p);

/**
 * Release a process.  A child still running is stopped (SIGTERM, the grace
 * period, SIGKILL) and reaped first, so no zombie is left behind.
 *
 * @param[in] p  may be NULL
 */
LIUM_UTILS_EXPORT void lium_process_free(lium_process *p);

/**
 * Start a program and wait for it: lium_process_spawn() then
 * lium_process_wait() with opts->timeout_ms, then lium_process_free().
 *
 * @param[in]  argv  as for lium_process_spawn()
 * @param[in]  opts  may be NULL
 * @param[out] ex    may be NULL; how the child ended
 * @param[out] err   may be NULL
 * @return any status of lium_process_spawn() or lium_process_wait().  A
 *         program that ran and exited non-zero is LIUM_OK: look at `ex`.
 */
LIUM_UTILS_EXPORT lium_status lium_process_run(const char *const *argv,
					       const lium_process_options *opts,
					       lium_process_exit *ex, lium_error *err);

/**
 * Find an executable file on a search path, as execvp would.
 *
 * A name containing '/' is returned as is when it names an executable
 * regular file.  Otherwise each directory of `path` (':'-separated; an empty
 * entry means the current directory) is tried in order.
 *
 * @param[in]  name  the program, e.g. "rsync"
 * @param[in]  path  the search path, or NULL for the caller's PATH (and
 *                   "/usr/local/bin:/bin:/usr/bin" when PATH is unset)
 * @param[out] out   receives the full path (replaces its contents)
 * @param[out] err   may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND; LIUM_EINVAL; LIUM_ENOMEM.  Thread-safe
 *         as long as no other thread changes PATH meanwhile.
 */
LIUM_UTILS_EXPORT lium_status lium_process_find_executable(const char *name, const char *path,
							   lium_buf *out, lium_error *err);

/**
 * Replace the calling process with a program: for handing the terminal to
 * OpenSSH in an interactive `lium ssh`.
 *
 * Flushes every stdio stream first, applies opts->cwd and opts->env /
 * opts->clear_env, looks argv[0] up on PATH, and execs it; the standard
 * streams stay as they are (the stream modes of opts must be
 * LIUM_PROCESS_INHERIT).  Only returns on failure, with the calling
 * process's working directory restored.
 *
 * Not thread-safe: call it from a program that has no other threads
 * running, as exec ends them all.
 *
 * @param[in]  argv  NULL-terminated argument vector
 * @param[in]  opts  may be NULL
 * @param[out] err   may be NULL
 * @return on failure only: LIUM_ENOTFOUND, LIUM_EINVAL, LIUM_EIO (cause is
 *         errno), LIUM_ENOMEM.
 */
LIUM_UTILS_EXPORT lium_status lium_process_exec(const char *const *argv,
						const lium_process_options *opts, lium_error *err);

/**
 * Describe how a child ended, for messages: "exited with status 3",
 * "killed by signal 9 (SIGKILL)", "timed out and was killed by signal 15
 * (SIGTERM)".
 *
 * @param[in]  ex    the exit information
 * @param[out] out   the text is appended
 * @return LIUM_OK, LIUM_EINVAL or LIUM_ENOMEM.  Thread-safe.
 */
LIUM_UTILS_EXPORT lium_status lium_process_describe_exit(const lium_process_exit *ex,
							 lium_buf *out);

/**
 * Append an argv as one line a POSIX shell would split back into the same
 * words (each word single-quoted when it needs quoting), for --verbose
 * traces and error messages.
 *
 * @param[in]  argv  NULL-terminated argument vector
 * @param[out] out   the text is appended
 * @return LIUM_OK, LIUM_EINVAL or LIUM_ENOMEM.  Thread-safe.
 */
LIUM_UTILS_EXPORT lium_status lium_process_format_argv(const char *const *argv, lium_buf *out);

LIUM_END_DECLS

#endif /* LIUM_UTILS_PROCESS_H */
