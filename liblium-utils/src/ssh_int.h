/*
 * liblium-utils: internals shared by the SSH, SFTP, port forwarding, known
 * hosts and fan-out sources.  Never installed.
 */
#ifndef LIUM_UTILS_SSH_INT_H
#define LIUM_UTILS_SSH_INT_H

#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "lium/utils/ssh.h"

/* An SFTP conversation on a channel of a session (sftp.c). */
typedef struct lium__sftp lium__sftp;

/* pollfd slots lium__ssh_poll() fills in before the caller's own. */
#define LIUM__SSH_POLL_RESERVED 3

struct lium_ssh {
	ssh_session session;
	/* An event holding only this session, so that it can be pumped while no
	 * channel is being read (libssh has no other public way). */
	ssh_event event;
	int fd;
	int cancel_fd;
	int wake[2];
	atomic_int cancelled;
	atomic_int busy;
	char *host;
	unsigned int port;
	char *user;
	char *alias;
	char *known_hosts;
	unsigned int io_timeout_ms;
	unsigned int keepalive_ms;
	int64_t last_rx_ms;
	/* Bytes libssh read from the socket (ssh_set_counters), and the value
	 * lium__ssh_poll() saw last. */
	struct ssh_counter_struct rx_counter;
	uint64_t rx_seen;
	unsigned int keepalives_unanswered;
	int key_was_new;
	char fingerprint[128];
	lium__sftp *sftp;
	/* Set once the connection is known dead: later calls fail at once. */
	lium_status dead;
};

/* Milliseconds on the monotonic clock. */
int64_t lium__ssh_now_ms(void);

/* A deadline timeout_ms from now, or -1 (none) when timeout_ms is 0. */
int64_t lium__ssh_deadline(unsigned int timeout_ms);

/*
 * Wait until the connection (or a caller descriptor) is ready, taking care
 * of cancellation, keepalives and the I/O timeout.  fds has nfds entries;
 * the first LIUM__SSH_POLL_RESERVED are filled in here, the rest are the
 * caller's and keep their revents.  deadline_ms is absolute (monotonic) or
 * -1.  Returns LIUM_OK when something is ready, LIUM_ETIMEOUT at the
 * deadline or after io_timeout_ms of silence, LIUM_ECANCELLED, or
 * LIUM_ENETWORK when keepalives went unanswered.
 */
lium_status lium__ssh_poll(lium_ssh *ssh, struct pollfd *fds, size_t nfds, int64_t deadline_ms,
			   lium_error *err);

/* lium__ssh_poll() with no descriptors of the caller's. */
lium_status lium__ssh_wait(lium_ssh *ssh, int64_t deadline_ms, lium_error *err);

/* Read and process whatever arrived on the connection, without waiting. */
lium_status lium__ssh_pump(lium_ssh *ssh, lium_error *err);

/* Translate the session's libssh error: LIUM_ENETWORK when the connection is
 * gone (and mark it dead), else LIUM_ESSH.  `what` prefixes the message. */
lium_status lium__ssh_error(lium_ssh *ssh, lium_error *err, const char *what);

/* LIUM_OK when the session can start an operation. */
lium_status lium__ssh_usable(lium_ssh *ssh, lium_error *err);

/* Whether cancellation was requested (own flag or cancel_fd readable). */
int lium__ssh_is_cancelled(lium_ssh *ssh);

void lium__sftp_free(lium__sftp *sftp);

/* ----------------------------------------------------------- known hosts */

typedef struct lium__kh_entry {
	char *type;
	char *b64;
	size_t line;
} lium__kh_entry;

typedef struct lium__kh_list {
	lium__kh_entry *v;
	size_t n;
} lium__kh_list;

void lium__kh_list_dispose(lium__kh_list *list);

/* Entries pinned for alias; a missing file is an empty list. */
lium_status lium__kh_lookup(const char *path, const char *alias, lium__kh_list *out,
			    lium_error *err);

/*
 * Pin type/b64 for alias unless another connection pinned something
 * meanwhile: under the lock, re-read; when alias has entries, return them in
 * *existing and set *pinned to 0; else append atomically and set *pinned 1.
 */
lium_status lium__kh_pin(const char *path, const char *alias, const char *type, const char *b64,
			 lium__kh_list *existing, int *pinned, lium_error *err);

/* Whether an alias has only characters that are safe in a known_hosts line. */
int lium__kh_alias_ok(const char *alias);

#endif /* LIUM_UTILS_SSH_INT_H */
