/*
 * liblium-utils: SSH sessions, remote exec, SFTP transfers, port forwarding
 * and pinned host keys (on libssh).
 *
 * A lium_ssh is one authenticated SSH connection to one host.  Everything
 * that runs over it (exec, SFTP, port forwarding) opens its own channel, so
 * a session can be reused for many commands and transfers.
 *
 * Host keys are always checked, against lium's own known_hosts file (OpenSSH
 * format), under an alias chosen by the caller (lium uses the pod id, so a
 * key is pinned per pod even when pods reuse an address).  The first
 * connection to an alias stores the key; a different key later is refused
 * with LIUM_ECONFLICT.  There is no way to switch the check off.
 *
 * Threading: functions on different sessions may run in parallel on
 * different threads.  One session is used by one thread at a time, except
 * lium_ssh_cancel(), which may be called from any thread or a signal handler.
 * While a port forward runs (lium_ssh_forward_start()), its thread owns the
 * session: other calls on it return LIUM_EINVAL until the forward is stopped.
 *
 * Every blocking call waits with poll() on the connection and on the cancel
 * descriptors, so cancellation and the timeouts below interrupt any of them.
 */
#ifndef LIUM_UTILS_SSH_H
#define LIUM_UTILS_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

LIUM_BEGIN_DECLS

/** An authenticated SSH connection (opaque).  Free with lium_ssh_free(). */
typedef struct lium_ssh lium_ssh;

/**
 * Asks for the passphrase of an encrypted private key.
 *
 * @param[in]  key_name  the key's file path, or "(key text)" for
 *                       lium_ssh_options::key_text
 * @param[out] buf       where to write the passphrase, NUL-terminated
 * @param[in]  size      size of buf, terminator included
 * @param[in]  userdata  lium_ssh_options::passphrase_userdata
 * @return 0 when buf holds a passphrase; any other value to give up on this
 *         key (it is then skipped as unusable)
 *
 * Called on the thread that runs lium_ssh_connect(), at most once per
 * encrypted key and connection attempt.  A wrong passphrase fails that key.
 */
typedef int (*lium_ssh_passphrase_cb)(const char *key_name, char *buf, size_t size, void *userdata);

/** Whether lium_ssh_connect() asks ssh-agent for keys. */
typedef enum lium_ssh_agent_mode {
	/** Use the agent named by SSH_AUTH_SOCK when set, after the explicit keys. */
	LIUM_SSH_AGENT_AUTO = 0,
	/** Never use an agent. */
	LIUM_SSH_AGENT_NEVER = 1
} lium_ssh_agent_mode;

/** Version of lium_ssh_options this header describes. */
#define LIUM_SSH_OPTIONS_VERSION 1

/**
 * How to reach and authenticate to a host.  Initialise with
 * LIUM_SSH_OPTIONS_INIT and set the fields you need; the strings are only
 * read during lium_ssh_connect() (they are copied as needed).
 */
typedef struct lium_ssh_options {
	/** LIUM_SSH_OPTIONS_VERSION. */
	unsigned int version;
	/** Host name or address (required).  IPv6 without brackets. */
	const char *host;
	/** TCP port; 0 means 22. */
	unsigned int port;
	/** Login user; NULL means "root". */
	const char *user;
	/**
	 * Private key files to try, in order, NULL-terminated; may be NULL.
	 * ed25519, RSA and ECDSA keys in OpenSSH or PEM format; encrypted keys
	 * go through passphrase_cb.
	 */
	const char *const *key_paths;
	/** A private key given as text (same formats), tried first; may be NULL. */
	const char *key_text;
	/** Passphrase source for encrypted keys; NULL: encrypted keys are skipped. */
	lium_ssh_passphrase_cb passphrase_cb;
	/** Passed to passphrase_cb. */
	void *passphrase_userdata;
	/** A lium_ssh_agent_mode: whether ssh-agent is tried after the keys. */
	int agent;
	/**
	 * lium's known_hosts file (OpenSSH format), required.  Created (mode
	 * 0600, parent directories 0700) when the first key is pinned.
	 */
	const char *known_hosts_path;
	/**
	 * The name the host key is pinned under, e.g. the pod id; NULL means
	 * the OpenSSH convention "host" (port 22) or "[host]:port".  Letters,
	 * digits and "-_.:[]@" only.
	 */
	const char *host_alias;
	/**
	 * TCP connect, handshake and authentication together; 0 means 15000 ms.
	 * Resolving a host name comes first and is not covered (nor
	 * cancellable): pass an address where that matters.
	 */
	unsigned int connect_timeout_ms;
	/**
	 * After connecting: the longest any wait for the server may go without
	 * receiving a byte before it fails with LIUM_ETIMEOUT; 0 means no limit.
	 * With keepalives on, a healthy but quiet server answers them, so this
	 * then only catches dead connections; without keepalives, a command that
	 * prints nothing for this long also times out.
	 */
	unsigned int io_timeout_ms;
	/**
	 * When nothing was received for this long, send a keepalive request the
	 * server must answer; 0 turns keepalives off.  Three unanswered intervals
	 * in a row fail the wait with LIUM_ENETWORK ("server not responding").
	 */
	unsigned int keepalive_interval_ms;
	/**
	 * A descriptor that becomes readable to cancel (e.g. the read end of a
	 * pipe a signal handler writes to, or lium_fanout's); -1 for none.  It
	 * is polled, never read, so one descriptor can cancel many sessions.
	 */
	int cancel_fd;
} lium_ssh_options;

/** Default options: port 22, agent AUTO, 15 s connect timeout, no cancel fd. */
#define LIUM_SSH_OPTIONS_INIT                                                     \
	{                                                                         \
		LIUM_SSH_OPTIONS_VERSION, NULL, 22, NULL, NULL, NULL, NULL, NULL, \
			LIUM_SSH_AGENT_AUTO, NULL, NULL, 0, 0, 0, -1              \
	}

/**
 * Connect, check or pin the host key, and authenticate.
 *
 * The host key the server offers must match the entries pinned for the
 * alias in options->known_hosts_path.  With no entry, the key is pinned
 * (trust on first use): the line "<alias> <type> <base64>" is added with a
 * lock held and the file replaced atomically, so concurrent connections
 * never lose or tear entries.  A different key fails with LIUM_ECONFLICT
 * and a message naming the file and the line to remove; the file is left
 * untouched.
 *
 * Authentication tries key_text, then each of key_paths, then the agent (see
 * lium_ssh_options::agent).
 *
 * @param[out] out      the session on success; NULL on failure
 * @param[in]  options  see lium_ssh_options; not retained
 * @param[out] err      may be NULL
 * @return LIUM_OK; LIUM_EINVAL (missing host or known_hosts path, bad alias
 *         or version); LIUM_ENETWORK (resolve or connect failed, connection
 *         closed); LIUM_ETIMEOUT; LIUM_ECONFLICT (host key changed);
 *         LIUM_EAUTH (no key was accepted); LIUM_EIO (a key file or the
 *         known_hosts file could not be read or written); LIUM_ESSH (protocol
 *         failure); LIUM_ECANCELLED; LIUM_ENOMEM.
 *         Thread-safe (each call makes its own session).
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_connect(lium_ssh **out, const lium_ssh_options *options,
					       lium_error *err);

/**
 * Disconnect and release a session (open channels are closed first).
 *
 * @param[in] ssh  may be NULL.  Not while another thread uses it.
 */
LIUM_UTILS_EXPORT void lium_ssh_free(lium_ssh *ssh);

/**
 * Cancel whatever the session is doing, and everything it does from now on:
 * the current and later calls fail with LIUM_ECANCELLED.  Only free the
 * session after this.
 *
 * @param[in] ssh  may be NULL.  Async-signal-safe and thread-safe.
 */
LIUM_UTILS_EXPORT void lium_ssh_cancel(lium_ssh *ssh);

/**
 * Whether the host key was pinned by this connection (first use) rather
 * than matched against an existing entry.
 *
 * @param[in] ssh  a connected session; NULL gives 0
 * @return 1 when newly pinned, 0 otherwise
 */
LIUM_UTILS_EXPORT int lium_ssh_host_key_was_new(const lium_ssh *ssh);

/**
 * The fingerprint of the server's host key, e.g. "SHA256:abc...".
 *
 * @param[in]  ssh  a connected session
 * @param[out] out  receives the fingerprint (appended)
 * @param[out] err  may be NULL
 * @return LIUM_OK, LIUM_EINVAL, LIUM_ENOMEM
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_host_key_fingerprint(const lium_ssh *ssh, lium_buf *out,
							    lium_error *err);

/* ------------------------------------------------------------------ exec */

/**
 * Receives a chunk of a remote command's output, as it arrives (chunks are
 * not line-aligned).
 *
 * @param[in] data      the bytes; not NUL-terminated; valid during the call
 * @param[in] len       at least 1
 * @param[in] userdata  lium_ssh_exec_options::output_userdata
 */
typedef void (*lium_ssh_output_cb)(const char *data, size_t len, void *userdata);

/**
 * Supplies the remote command's standard input.
 *
 * @param[out] buf       where to put the next bytes
 * @param[in]  size      room in buf (at least 1)
 * @param[out] len       bytes written to buf; 0 means end of input
 * @param[in]  userdata  lium_ssh_exec_options::stdin_userdata
 * @return LIUM_OK, or a failure that aborts the command with that status
 *
 * Called whenever the channel can take more data.  It may block, but output
 * is not processed meanwhile.
 */
typedef lium_status (*lium_ssh_stdin_cb)(char *buf, size_t size, size_t *len, void *userdata);

/** Version of lium_ssh_exec_options this header describes. */
#define LIUM_SSH_EXEC_OPTIONS_VERSION 1

/** What to run and how.  Initialise with LIUM_SSH_EXEC_OPTIONS_INIT. */
typedef struct lium_ssh_exec_options {
	/** LIUM_SSH_EXEC_OPTIONS_VERSION. */
	unsigned int version;
	/** The command line, run by the user's login shell (required). */
	const char *command;
	/**
	 * Environment variables "NAME=value", NULL-terminated; may be NULL.
	 * Most sshd configurations refuse the SSH "env" request, so they are
	 * sent as a prefix of the command: `export NAME='value'; ` with each
	 * value single-quoted for a POSIX shell.  NAME must match
	 * [A-Za-z_][A-Za-z0-9_]*; the value may hold any byte but NUL.
	 */
	const char *const *env;
	/** Standard input bytes (used when stdin_cb is NULL); may be NULL. */
	const void *stdin_data;
	/** Length of stdin_data. */
	size_t stdin_len;
	/** Standard input source; overrides stdin_data.  NULL and no data: empty input. */
	lium_ssh_stdin_cb stdin_cb;
	/** Passed to stdin_cb. */
	void *stdin_userdata;
	/** Receives stdout chunks; may be NULL. */
	lium_ssh_output_cb on_stdout;
	/** Receives stderr chunks; may be NULL. */
	lium_ssh_output_cb on_stderr;
	/** Passed to on_stdout and on_stderr. */
	void *output_userdata;
	/** When not NULL, stdout is also appended here. */
	lium_buf *stdout_buf;
	/** When not NULL, stderr is also appended here. */
	lium_buf *stderr_buf;
	/**
	 * Limit for the whole command in ms; 0 means none.  On expiry the command
	 * is sent SIGTERM (servers that support the "signal" request) and the
	 * channel is closed; without a pty a command that ignores both may keep
	 * running on the server.
	 */
	unsigned int timeout_ms;
	/**
	 * Nonzero: run on a pseudo-terminal ("xterm", 80x24).  stderr is then
	 * merged into stdout, and closing the channel hangs the command up.
	 */
	int pty;
} lium_ssh_exec_options;

/** Default exec options: no environment, empty stdin, no timeout, no pty. */
#define LIUM_SSH_EXEC_OPTIONS_INIT                                                                \
	{                                                                                         \
		LIUM_SSH_EXEC_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, \
			NULL, NULL, 0, 0                                                          \
	}

/** How a remote command ended. */
typedef struct lium_ssh_exec_result {
	/** The exit status (0..255), or -1 when it ended by a signal or none came. */
	int exit_code;
	/** The signal that ended it without "SIG", e.g. "KILL"; "" when none. */
	char signal[32];
	/** Nonzero when the server says it dumped core. */
	int core_dumped;
} lium_ssh_exec_result;

/**
 * Run a command on a new channel of the session, streaming its output, and
 * wait for it to end.
 *
 * A command that ran and ended is LIUM_OK whatever its exit status: look at
 * result.  Output callbacks run on the calling thread.
 *
 * @param[in]  ssh      a connected session
 * @param[in]  options  the command and its I/O; not retained
 * @param[out] result   may be NULL; set on LIUM_OK (exit_code -1 otherwise)
 * @param[out] err      may be NULL
 * @return LIUM_OK; LIUM_EINVAL (bad options or environment name);
 *         LIUM_ETIMEOUT (timeout_ms or io_timeout_ms); LIUM_ECANCELLED;
 *         LIUM_ENETWORK (connection lost); LIUM_ESSH (channel refused, or the
 *         channel closed without an exit status); LIUM_ENOMEM; or the status
 *         a stdin_cb returned.  After LIUM_ETIMEOUT the session stays usable.
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_exec(lium_ssh *ssh, const lium_ssh_exec_options *options,
					    lium_ssh_exec_result *result, lium_error *err);

/**
 * Append a string quoted for a POSIX shell: 'it'\''s' style.
 *
 * @param[in]  s    the string; NULL is treated as ""
 * @param[out] out  appended to
 * @return LIUM_OK or LIUM_ENOMEM.  Thread-safe.
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_shell_quote(const char *s, lium_buf *out);

/* ------------------------------------------------------------------ SFTP */

/** Progress of a transfer, handed to lium_ssh_progress_cb. */
typedef struct lium_ssh_progress {
	/** The source path of the file being transferred (local or remote). */
	const char *path;
	/** Bytes of this file done so far. */
	uint64_t file_done;
	/** Size of this file. */
	uint64_t file_total;
	/** Bytes of all files done so far. */
	uint64_t bytes_done;
	/** Size of all files (known before the first byte moves). */
	uint64_t bytes_total;
	/** Files finished so far. */
	size_t files_done;
	/** Files in the transfer (directories and links not counted). */
	size_t files_total;
} lium_ssh_progress;

/**
 * Progress report: called when a file starts, after each block, and when it
 * ends (file_done == file_total).
 *
 * @param[in] progress  valid during the call
 * @param[in] userdata  lium_ssh_transfer_options::progress_userdata
 * @return 0 to go on; nonzero to stop the transfer with LIUM_ECANCELLED
 */
typedef int (*lium_ssh_progress_cb)(const lium_ssh_progress *progress, void *userdata);

/** Version of lium_ssh_transfer_options this header describes. */
#define LIUM_SSH_TRANSFER_OPTIONS_VERSION 1

/** Transfer options.  Initialise with LIUM_SSH_TRANSFER_OPTIONS_INIT. */
typedef struct lium_ssh_transfer_options {
	/** LIUM_SSH_TRANSFER_OPTIONS_VERSION. */
	unsigned int version;
	/** Progress callback; may be NULL. */
	lium_ssh_progress_cb progress;
	/** Passed to progress. */
	void *progress_userdata;
	/** Nonzero: keep modification times too (permission bits are always kept). */
	int preserve_times;
} lium_ssh_transfer_options;

/** Default transfer options: no progress, times kept. */
#define LIUM_SSH_TRANSFER_OPTIONS_INIT                           \
	{                                                        \
		LIUM_SSH_TRANSFER_OPTIONS_VERSION, NULL, NULL, 1 \
	}

/**
 * Upload a local file or directory tree over SFTP.
 *
 * Destination: when `remote` ends with '/' or names an existing remote
 * directory, the source goes inside it under its base name; otherwise
 * `remote` is the destination path itself.  Missing parent directories are
 * created (mkdir -p).  A tree is merged into an existing directory.
 * Relative remote paths (and "~/...") are relative to the login directory.
 *
 * Regular files keep their permission bits (mode & 0777) and, with
 * preserve_times, their modification time; directories keep theirs (set
 * after their contents are written); symbolic links are recreated as links;
 * other file types are skipped.  Existing files are overwritten.  Writes are
 * pipelined (several requests in flight).
 *
 * @param[in]  ssh      a connected session
 * @param[in]  local    a file or directory
 * @param[in]  remote   destination, see above
 * @param[in]  options  may be NULL for the defaults
 * @param[out] err      may be NULL; the message names the failing path
 * @return LIUM_OK; LIUM_EINVAL; LIUM_EIO (local file); LIUM_ESSH (the server
 *         refused an operation, e.g. permission denied; cause holds the SFTP
 *         status); LIUM_ENOTFOUND (remote parent could not be found/made);
 *         LIUM_ETIMEOUT; LIUM_ENETWORK; LIUM_ECANCELLED; LIUM_ENOMEM.
 *         A failure can leave a partial copy.
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_upload(lium_ssh *ssh, const char *local, const char *remote,
					      const lium_ssh_transfer_options *options,
					      lium_error *err);

/**
 * Download a remote file or directory tree over SFTP.  The mirror image of
 * lium_ssh_upload(): the same destination rule (an existing local directory
 * or a trailing '/' receives the source under its base name), mkdir -p of
 * the local parents, modes (& 0777) and times kept, links recreated, reads
 * pipelined.
 *
 * @param[in]  ssh      a connected session
 * @param[in]  remote   a remote file or directory
 * @param[in]  local    destination, see above
 * @param[in]  options  may be NULL for the defaults
 * @param[out] err      may be NULL
 * @return as lium_ssh_upload(); LIUM_ENOTFOUND when `remote` does not exist
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_download(lium_ssh *ssh, const char *remote,
						const char *local,
						const lium_ssh_transfer_options *options,
						lium_error *err);

/* ------------------------------------------------------- port forwarding */

/** A running local port forward (opaque).  Free with lium_ssh_forward_free(). */
typedef struct lium_ssh_forward lium_ssh_forward;

/** Version of lium_ssh_forward_options this header describes. */
#define LIUM_SSH_FORWARD_OPTIONS_VERSION 1

/** Forward options.  Initialise with LIUM_SSH_FORWARD_OPTIONS_INIT. */
typedef struct lium_ssh_forward_options {
	/** LIUM_SSH_FORWARD_OPTIONS_VERSION. */
	unsigned int version;
	/** Local port to listen on, on 127.0.0.1; 0 picks a free one. */
	unsigned int local_port;
	/** Host to reach, as the server resolves it; NULL means "127.0.0.1". */
	const char *remote_host;
	/** Port to reach on remote_host (required). */
	unsigned int remote_port;
	/** Most connections relayed at once; more wait in the backlog.  0 means 256. */
	unsigned int max_connections;
} lium_ssh_forward_options;

/** Default forward options: a free local port, remote host 127.0.0.1. */
#define LIUM_SSH_FORWARD_OPTIONS_INIT                           \
	{                                                       \
		LIUM_SSH_FORWARD_OPTIONS_VERSION, 0, NULL, 0, 0 \
	}

/**
 * Listen on 127.0.0.1:<local_port> and relay each accepted connection through
 * the session (a "direct-tcpip" channel) to remote_host:remote_port as seen
 * from the server, until stopped.  Many connections are relayed at once, by
 * one thread this function starts, which owns the session until the forward
 * ends.  A connection the server refuses is closed at once; the forward
 * keeps listening.
 *
 * @param[out] out      the running forward; NULL on failure
 * @param[in]  ssh      a connected session, borrowed: keep it alive until
 *                      lium_ssh_forward_free()
 * @param[in]  options  not retained
 * @param[out] err      may be NULL
 * @return LIUM_OK; LIUM_EINVAL (no remote port, session busy); LIUM_EIO (the
 *         port could not be bound, e.g. in use); LIUM_ENOMEM
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_forward_start(lium_ssh_forward **out, lium_ssh *ssh,
						     const lium_ssh_forward_options *options,
						     lium_error *err);

/**
 * The local port the forward listens on.
 *
 * @param[in] fwd  may be NULL (gives 0).  Thread-safe.
 */
LIUM_UTILS_EXPORT unsigned int lium_ssh_forward_port(const lium_ssh_forward *fwd);

/**
 * Wait until the forward ends by itself (the connection to the server was
 * lost, or the session was cancelled) or is stopped, for at most timeout_ms.
 *
 * @param[in]  fwd         the forward
 * @param[in]  timeout_ms  -1 waits without limit
 * @param[out] err         may be NULL; why the forward ended
 * @return LIUM_ETIMEOUT when it is still running; otherwise the status it
 *         ended with: LIUM_OK when stopped, LIUM_ENETWORK, LIUM_ECANCELLED...
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_forward_wait(lium_ssh_forward *fwd, int timeout_ms,
						    lium_error *err);

/**
 * Stop the forward: close the listener and every relayed connection, and
 * join its thread; the session can be used again afterwards (unless the
 * forward ended because the session failed).
 *
 * @param[in]  fwd  may be NULL.  Thread-safe with respect to the forward
 *                  thread; not async-signal-safe (to stop from a signal
 *                  handler, cancel the session or its cancel_fd instead)
 * @param[out] err  may be NULL
 * @return the status the forward ended with (LIUM_OK when it was running
 *         until now)
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_forward_stop(lium_ssh_forward *fwd, lium_error *err);

/**
 * Stop (as lium_ssh_forward_stop()) and release a forward.
 *
 * @param[in] fwd  may be NULL
 */
LIUM_UTILS_EXPORT void lium_ssh_forward_free(lium_ssh_forward *fwd);

/* ----------------------------------------------------- pinned host keys */

/**
 * The pinned host key lines of an alias, for handing to OpenSSH: each entry
 * for `alias` in the known_hosts file, as "<name> <type> <base64>\n", where
 * <name> is `as_host` ("host", or "[host]:port" when as_port is not 22) or,
 * when as_host is NULL, the alias itself (then use ssh -o HostKeyAlias).
 *
 * Write the result to a temporary file and pass it to ssh/rsync with
 * -o UserKnownHostsFile=<file> -o StrictHostKeyChecking=yes.
 *
 * @param[in]  known_hosts_path  lium's known_hosts file
 * @param[in]  alias             the alias used when connecting
 * @param[in]  as_host           may be NULL, see above
 * @param[in]  as_port           0 means 22
 * @param[out] out               lines appended
 * @param[out] err               may be NULL
 * @return LIUM_OK; LIUM_ENOTFOUND (no entry, or no file); LIUM_EIO; LIUM_EINVAL;
 *         LIUM_ENOMEM.  Thread-safe.
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_known_hosts_export(const char *known_hosts_path,
							  const char *alias, const char *as_host,
							  unsigned int as_port, lium_buf *out,
							  lium_error *err);

/**
 * Forget the pinned keys of an alias (e.g. after a pod was terminated):
 * removes every line naming only that alias, under the same lock and with
 * the same atomic replacement as pinning.
 *
 * @param[in]  known_hosts_path  lium's known_hosts file
 * @param[in]  alias             the alias
 * @param[out] removed           may be NULL; number of lines removed
 * @param[out] err               may be NULL
 * @return LIUM_OK (also when nothing matched or there is no file); LIUM_EIO;
 *         LIUM_EINVAL; LIUM_ENOMEM.  Thread-safe.
 */
LIUM_UTILS_EXPORT lium_status lium_ssh_known_hosts_remove(const char *known_hosts_path,
							  const char *alias, size_t *removed,
							  lium_error *err);

LIUM_END_DECLS

#endif /* LIUM_UTILS_SSH_H */
