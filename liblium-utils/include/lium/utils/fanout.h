/*
 * liblium-utils: running one operation on many targets at once.
 *
 * A lium_fanout runs an operation (a callback) for targets 0..n-1 on a
 * bounded pool of worker threads, collects a result per target, and
 * streams the targets' output line by line through one output callback:
 * lines are whole (a partial line is held back until its newline or the end
 * of the target), each carries its target's label, and callbacks never
 * overlap, so lines never interleave.
 *
 * lium_fanout_cancel() (async-signal-safe) stops everything: no target
 * starts any more, and running operations see their cancel descriptor
 * become readable; the ready-made SSH operation passes it to its session,
 * which then closes at once.  A fail-fast run and the overall timeout use
 * the same path.
 *
 * Typical use (`lium exec all 'cmd'`):
 *
 *     lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
 *     fo.labels = names; fo.on_line = print_line;
 *     lium_fanout_new(&f, &fo, &err);
 *     lium_fanout_ssh_exec ex = LIUM_FANOUT_SSH_EXEC_INIT;
 *     ex.targets = ssh_options; ex.command = "nvidia-smi";
 *     lium_fanout_run(f, n, lium_fanout_ssh_exec_op, &ex, &err);
 *     for (i = 0; i < n; i++) use(lium_fanout_result_at(f, i));
 *     lium_fanout_free(f);
 */
#ifndef LIUM_UTILS_FANOUT_H
#define LIUM_UTILS_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "ssh.h"

LIUM_BEGIN_DECLS

/** A fan-out runner (opaque).  Free with lium_fanout_free(). */
typedef struct lium_fanout lium_fanout;

/** The per-target context handed to an operation (opaque, borrowed). */
typedef struct lium_fanout_ctx lium_fanout_ctx;

/** Which output stream a line came from. */
typedef enum lium_fanout_stream {
	LIUM_FANOUT_STDOUT = 1, /**< standard output */
	LIUM_FANOUT_STDERR = 2  /**< standard error */
} lium_fanout_stream;

/** One line of a target's output, handed to lium_fanout_line_cb. */
typedef struct lium_fanout_line {
	/** The target's index. */
	size_t index;
	/** The target's label (lium_fanout_options::labels, or "#<index>"). */
	const char *label;
	/** The stream it came from. */
	lium_fanout_stream stream;
	/** The line without its newline (nor a "\r" before it); not NUL-terminated. */
	const char *text;
	/** Length of text. */
	size_t len;
	/**
	 * Nonzero when the line had no newline: the last line of a target's
	 * output that did not end in one, or a piece of a line longer than
	 * lium_fanout_options::max_line.
	 */
	int partial;
	/**
	 * The line ready to print, "<label>: <text>\n" (a trailing "\r" of the
	 * text dropped, as in text), NUL-terminated.  Write it with one write()
	 * call and lines stay whole even on a shared terminal.
	 */
	const char *formatted;
	/** Length of formatted. */
	size_t formatted_len;
} lium_fanout_line;

/**
 * Receives output lines.  Calls never overlap (they are made under one
 * lock, from the worker threads), so the callback needs no locking of its
 * own; it should be quick, since it holds back every other target's output.
 *
 * @param[in] line      valid during the call
 * @param[in] userdata  lium_fanout_options::line_userdata
 */
typedef void (*lium_fanout_line_cb)(const lium_fanout_line *line, void *userdata);

/** How one target ended. */
typedef struct lium_fanout_result {
	/**
	 * LIUM_OK; the operation's failure (e.g. LIUM_EREMOTE for a non-zero exit,
	 * LIUM_ENETWORK, LIUM_EAUTH); LIUM_ECANCELLED when cancelled or stopped by
	 * fail-fast; LIUM_ETIMEOUT when the overall timeout cut it short.
	 */
	lium_status status;
	/** Nonzero when the operation was started for this target. */
	int started;
	/** The remote exit status, or -1 when none (see lium_fanout_ctx_set_exit()). */
	int exit_code;
	/** The signal that ended the remote command ("KILL"), or "". */
	char signal[32];
	/** Wall time of the operation in milliseconds (0 when not started). */
	uint64_t duration_ms;
	/** Detail of a failure (message, cause); code LIUM_OK on success. */
	lium_error error;
} lium_fanout_result;

/**
 * Receives each target's result as it finishes (under the same lock as
 * lium_fanout_line_cb, after the target's last line).
 *
 * @param[in] index     the target
 * @param[in] result    valid during the call
 * @param[in] userdata  lium_fanout_options::line_userdata
 */
typedef void (*lium_fanout_done_cb)(size_t index, const lium_fanout_result *result, void *userdata);

/**
 * The operation run for each target, on a worker thread.
 *
 * It should watch for cancellation: pass lium_fanout_ctx_cancel_fd() to
 * anything that can wait (e.g. lium_ssh_options::cancel_fd), or poll
 * lium_fanout_ctx_cancelled().  An operation that ignores it delays
 * cancellation, fail-fast and the overall timeout.
 *
 * @param[in]  index     the target, 0..n-1
 * @param[in]  ctx       output and cancellation for this target; valid
 *                       during the call only
 * @param[in]  userdata  as given to lium_fanout_run()
 * @param[out] err       the target's error detail (never NULL)
 * @return LIUM_OK, or a failure (the target's status)
 */
typedef lium_status (*lium_fanout_op)(size_t index, lium_fanout_ctx *ctx, void *userdata,
				      lium_error *err);

/** Version of lium_fanout_options this header describes. */
#define LIUM_FANOUT_OPTIONS_VERSION 1

/** Runner options.  Initialise with LIUM_FANOUT_OPTIONS_INIT. */
typedef struct lium_fanout_options {
	/** LIUM_FANOUT_OPTIONS_VERSION. */
	unsigned int version;
	/**
	 * Most targets running at once (worker threads); 0 means 64.  Each
	 * running SSH target holds two descriptors (socket and cancel eventfd):
	 * keep 2 x concurrency well under RLIMIT_NOFILE.
	 */
	unsigned int concurrency;
	/** Overall limit in ms, from the start of the run; 0 means none. */
	unsigned int timeout_ms;
	/** Nonzero: the first failing target cancels the others. */
	int fail_fast;
	/**
	 * Labels, one per target of every run (at least n entries); NULL means
	 * "#<index>".  Copied at the start of each run.
	 */
	const char *const *labels;
	/** Output lines; NULL discards output. */
	lium_fanout_line_cb on_line;
	/** Per-target results as they come; may be NULL. */
	lium_fanout_done_cb on_done;
	/** Passed to on_line and on_done. */
	void *line_userdata;
	/** Longest line passed whole; longer ones come in pieces.  0 means 64 KiB. */
	size_t max_line;
} lium_fanout_options;

/** Default runner options: 64 at once, no timeout, no fail-fast. */
#define LIUM_FANOUT_OPTIONS_INIT                                                \
	{                                                                       \
		LIUM_FANOUT_OPTIONS_VERSION, 0, 0, 0, NULL, NULL, NULL, NULL, 0 \
	}

/**
 * Create a runner.
 *
 * @param[out] out      the runner; NULL on failure
 * @param[in]  options  copied (labels only by pointer, read during runs)
 * @param[out] err      may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM, LIUM_EIO (no pipe)
 */
LIUM_UTILS_EXPORT lium_status lium_fanout_new(lium_fanout **out, const lium_fanout_options *options,
					      lium_error *err);

/**
 * Run `op` for targets 0..n-1, at most `concurrency` at once, and wait for
 * all of them.  A target that fails, hangs until its own timeout or cannot
 * be reached occupies one worker only: the others go on.  Results are kept
 * until the next run or lium_fanout_free().
 *
 * @param[in]  fanout    the runner; one run at a time
 * @param[in]  n         number of targets (0 is allowed)
 * @param[in]  op        the operation
 * @param[in]  userdata  passed to op
 * @param[out] err       may be NULL
 * @return LIUM_OK when the run went through (look at the results: targets
 *         may have failed); LIUM_ECANCELLED when lium_fanout_cancel() was
 *         called; LIUM_ETIMEOUT when the overall timeout struck; LIUM_EINVAL;
 *         LIUM_ENOMEM.  A fail-fast stop returns LIUM_OK (the failing
 *         target's result says why).
 */
LIUM_UTILS_EXPORT lium_status lium_fanout_run(lium_fanout *fanout, size_t n, lium_fanout_op op,
					      void *userdata, lium_error *err);

/**
 * The result of target `index` of the last run.
 *
 * @param[in] fanout  the runner
 * @param[in] index   0..n-1
 * @return borrowed until the next run or lium_fanout_free(); NULL when
 *         index is out of range
 */
LIUM_UTILS_EXPORT const lium_fanout_result *lium_fanout_result_at(const lium_fanout *fanout,
								  size_t index);

/**
 * Counts over the last run's results.
 *
 * @param[in]  fanout       the runner
 * @param[out] succeeded    may be NULL; targets with LIUM_OK
 * @param[out] failed       may be NULL; started targets that failed
 * @param[out] not_started  may be NULL; targets never started
 */
LIUM_UTILS_EXPORT void lium_fanout_counts(const lium_fanout *fanout, size_t *succeeded,
					  size_t *failed, size_t *not_started);

/**
 * Cancel the run in progress (or the next one): no more targets start and
 * running operations are told to stop.  Permanent for this runner.
 *
 * @param[in] fanout  may be NULL.  Async-signal-safe and thread-safe; the
 *                    runner must stay alive during the call.
 */
LIUM_UTILS_EXPORT void lium_fanout_cancel(lium_fanout *fanout);

/**
 * Release a runner.  Not during a run.
 *
 * @param[in] fanout  may be NULL
 */
LIUM_UTILS_EXPORT void lium_fanout_free(lium_fanout *fanout);

/* ------------------------------------------------- for operations (ctx) */

/**
 * Emit output bytes of a target; they are split into lines (a trailing
 * partial line waits for more).
 *
 * @param[in] ctx     the target's context
 * @param[in] stream  LIUM_FANOUT_STDOUT or LIUM_FANOUT_STDERR
 * @param[in] data    the bytes (may hold NUL bytes and several lines)
 * @param[in] len     their length
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM.  Call from the operation's thread.
 */
LIUM_UTILS_EXPORT lium_status lium_fanout_ctx_emit(lium_fanout_ctx *ctx, lium_fanout_stream stream,
						   const char *data, size_t len);

/**
 * A descriptor that becomes readable when the run is cancelled (by
 * lium_fanout_cancel(), fail-fast or the overall timeout).  Poll it; never
 * read or close it.
 *
 * @param[in] ctx  the target's context
 * @return the descriptor
 */
LIUM_UTILS_EXPORT int lium_fanout_ctx_cancel_fd(const lium_fanout_ctx *ctx);

/**
 * Whether the run was cancelled.
 *
 * @param[in] ctx  the target's context
 * @return nonzero when cancelled
 */
LIUM_UTILS_EXPORT int lium_fanout_ctx_cancelled(const lium_fanout_ctx *ctx);

/**
 * Milliseconds left before the overall timeout, or -1 when there is none
 * (0 when it passed).  Operations can size their own timeouts with it.
 *
 * @param[in] ctx  the target's context
 */
LIUM_UTILS_EXPORT long lium_fanout_ctx_time_left_ms(const lium_fanout_ctx *ctx);

/**
 * Record the remote exit status of the target (reported in its result).
 *
 * @param[in] ctx        the target's context
 * @param[in] exit_code  0..255, or -1
 * @param[in] signal     the signal name, or NULL
 */
LIUM_UTILS_EXPORT void lium_fanout_ctx_set_exit(lium_fanout_ctx *ctx, int exit_code,
						const char *signal);

/* --------------------------------------------- the ready-made SSH exec */

/** Version of lium_fanout_ssh_exec this header describes. */
#define LIUM_FANOUT_SSH_EXEC_VERSION 1

/**
 * What lium_fanout_ssh_exec_op() runs.  Initialise with
 * LIUM_FANOUT_SSH_EXEC_INIT.
 */
typedef struct lium_fanout_ssh_exec {
	/** LIUM_FANOUT_SSH_EXEC_VERSION. */
	unsigned int version;
	/**
	 * One lium_ssh_options per target (at least n entries): host, port,
	 * user, keys, known_hosts path and alias.  cancel_fd is replaced by the
	 * run's.
	 */
	const lium_ssh_options *targets;
	/** The command (see lium_ssh_exec_options::command). */
	const char *command;
	/** Environment "NAME=value", NULL-terminated; may be NULL. */
	const char *const *env;
	/** Standard input for every target; may be NULL. */
	const void *stdin_data;
	/** Length of stdin_data. */
	size_t stdin_len;
	/** Per-target limit for the command, after connecting; 0 means none. */
	unsigned int timeout_ms;
	/** Nonzero: run on a pseudo-terminal (see lium_ssh_exec_options::pty). */
	int pty;
} lium_fanout_ssh_exec;

/** Default SSH exec: no command yet, no environment, no input, no timeout. */
#define LIUM_FANOUT_SSH_EXEC_INIT                                             \
	{                                                                     \
		LIUM_FANOUT_SSH_EXEC_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0 \
	}

/**
 * An operation for lium_fanout_run(): connect to targets[index], run the
 * command streaming its output as lines, and report the exit status.
 *
 * @param[in]  index     the target
 * @param[in]  ctx       the target's context
 * @param[in]  userdata  a const lium_fanout_ssh_exec *
 * @param[out] err       the target's error
 * @return LIUM_OK when the command exited 0; LIUM_EREMOTE when it exited
 *         non-zero or by a signal (err->cause holds the exit status); any
 *         lium_ssh_connect() or lium_ssh_exec() failure otherwise.
 */
LIUM_UTILS_EXPORT lium_status lium_fanout_ssh_exec_op(size_t index, lium_fanout_ctx *ctx,
						      void *userdata, lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_UTILS_FANOUT_H */
