/*
 * SFTP (protocol version 3, as OpenSSH speaks it) over a session channel,
 * and the file and tree transfers built on it.
 *
 * lium speaks the protocol itself instead of using libssh's sftp module:
 * libssh 0.10 has no asynchronous writes, and a transfer that waits for each
 * write's answer before sending the next runs at one block per round trip.
 * Here reads and writes are pipelined, several requests in flight, which is
 * what OpenSSH's sftp client does too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh_int.h"

enum {
	FXP_INIT = 1,
	FXP_VERSION = 2,
	FXP_OPEN = 3,
	FXP_CLOSE = 4,
	FXP_READ = 5,
	FXP_WRITE = 6,
	FXP_LSTAT = 7,
	FXP_FSTAT = 8,
	FXP_SETSTAT = 9,
	FXP_FSETSTAT = 10,
	FXP_OPENDIR = 11,
	FXP_READDIR = 12,
	FXP_REMOVE = 13,
	FXP_MKDIR = 14,
	FXP_REALPATH = 16,
	FXP_STAT = 17,
	FXP_READLINK = 19,
	FXP_SYMLINK = 20,
	FXP_STATUS = 101,
	FXP_HANDLE = 102,
	FXP_DATA = 103,
	FXP_NAME = 104,
	FXP_ATTRS = 105,
	FXP_EXTENDED = 200,
	FXP_EXTENDED_REPLY = 201
};

enum {
	FX_OK = 0,
	FX_EOF = 1,
	FX_NO_SUCH_FILE = 2,
	FX_PERMISSION_DENIED = 3,
	FX_FAILURE = 4,
	FX_BAD_MESSAGE = 5,
	FX_OP_UNSUPPORTED = 8
};

#define FXF_READ  0x01u
#define FXF_WRITE 0x02u
#define FXF_CREAT 0x08u
#define FXF_TRUNC 0x10u

#define ATTR_SIZE        0x01u
#define ATTR_UIDGID      0x02u
#define ATTR_PERMISSIONS 0x04u
#define ATTR_ACMODTIME   0x08u
#define ATTR_EXTENDED    0x80000000u

/* Block size and requests in flight.  OpenSSH's server takes up to 256 KiB
 * per request (it says how much through limits@openssh.com). */
#define SFTP_CHUNK        (64u * 1024u)
#define SFTP_MAX_INFLIGHT 48u
#define SFTP_MAX_PACKET   (1024u * 1024u)
#define SFTP_RX_MIN_ROOM  (256u * 1024u)

struct lium__sftp {
	lium_ssh *ssh;
	ssh_channel ch;
	uint32_t next_id;
	unsigned char *rx;
	size_t rx_off;
	size_t rx_len;
	size_t rx_cap;
	unsigned char *tx;
	size_t tx_len;
	size_t tx_cap;
	uint32_t read_chunk;
	uint32_t write_chunk;
};

struct sattr {
	uint32_t flags;
	uint64_t size;
	uint32_t perm;
	uint32_t atime;
	uint32_t mtime;
};

/* A reply: its type and payload after the type byte.  The payload points
 * into the receive buffer and is valid until the next receive. */
struct reply {
	uint8_t type;
	uint32_t id;
	const unsigned char *p;
	size_t left;
};

static void set_cause(lium_error *err, long cause)
{
	if (err != NULL) {
		err->cause = cause;
	}
}

/* ------------------------------------------------------------- encoding */

static int tx_reserve(lium__sftp *s, size_t extra)
{
	size_t need = s->tx_len + extra;
	unsigned char *p;
	size_t cap;

	if (need <= s->tx_cap) {
		return 0;
	}
	cap = s->tx_cap != 0 ? s->tx_cap : 1024;
	while (cap < need) {
		cap *= 2;
	}
	p = lium_realloc(s->tx, cap);
	if (p == NULL) {
		return -1;
	}
	s->tx = p;
	s->tx_cap = cap;
	return 0;
}

static void put_u32_at(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_u32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int put_u8(lium__sftp *s, uint8_t v)
{
	if (tx_reserve(s, 1) != 0) {
		return -1;
	}
	s->tx[s->tx_len++] = v;
	return 0;
}

static int put_u32(lium__sftp *s, uint32_t v)
{
	if (tx_reserve(s, 4) != 0) {
		return -1;
	}
	put_u32_at(s->tx + s->tx_len, v);
	s->tx_len += 4;
	return 0;
}

static int put_u64(lium__sftp *s, uint64_t v)
{
	if (put_u32(s, (uint32_t)(v >> 32)) != 0) {
		return -1;
	}
	return put_u32(s, (uint32_t)v);
}

static int put_str(lium__sftp *s, const void *data, size_t len)
{
	if (len > UINT32_MAX || put_u32(s, (uint32_t)len) != 0 || tx_reserve(s, len) != 0) {
		return -1;
	}
	if (len > 0) {
		memcpy(s->tx + s->tx_len, data, len);
	}
	s->tx_len += len;
	return 0;
}

static int put_cstr(lium__sftp *s, const char *str)
{
	return put_str(s, str, strlen(str));
}

static int put_attrs(lium__sftp *s, const struct sattr *a)
{
	if (put_u32(s, a->flags) != 0) {
		return -1;
	}
	if ((a->flags & ATTR_SIZE) != 0 && put_u64(s, a->size) != 0) {
		return -1;
	}
	if ((a->flags & ATTR_PERMISSIONS) != 0 && put_u32(s, a->perm) != 0) {
		return -1;
	}
	if ((a->flags & ATTR_ACMODTIME) != 0 &&
	    (put_u32(s, a->atime) != 0 || put_u32(s, a->mtime) != 0)) {
		return -1;
	}
	return 0;
}

/* Start a packet: length placeholder, type, and a fresh request id. */
static int begin(lium__sftp *s, uint8_t type, uint32_t *id)
{
	uint32_t this_id = s->next_id;

	if (id != NULL) {
		*id = this_id;
		s->next_id++;
	}
	s->tx_len = 0;
	if (put_u32(s, 0) != 0 || put_u8(s, type) != 0) {
		return -1;
	}
	return id != NULL ? put_u32(s, this_id) : 0;
}

static int get_u32(struct reply *r, uint32_t *v)
{
	if (r->left < 4) {
		return -1;
	}
	*v = get_u32_at(r->p);
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int get_u64(struct reply *r, uint64_t *v)
{
	uint32_t hi;
	uint32_t lo;

	if (get_u32(r, &hi) != 0 || get_u32(r, &lo) != 0) {
		return -1;
	}
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static int get_str(struct reply *r, const unsigned char **data, size_t *len)
{
	uint32_t n;

	if (get_u32(r, &n) != 0 || n > r->left) {
		return -1;
	}
	*data = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static int get_attrs(struct reply *r, struct sattr *a)
{
	uint32_t count;
	uint32_t uid;
	uint32_t gid;
	uint32_t i;

	memset(a, 0, sizeof(*a));
	if (get_u32(r, &a->flags) != 0) {
		return -1;
	}
	if ((a->flags & ATTR_SIZE) != 0 && get_u64(r, &a->size) != 0) {
		return -1;
	}
	if ((a->flags & ATTR_UIDGID) != 0 && (get_u32(r, &uid) != 0 || get_u32(r, &gid) != 0)) {
		return -1;
	}
	if ((a->flags & ATTR_PERMISSIONS) != 0 && get_u32(r, &a->perm) != 0) {
		return -1;
	}
	if ((a->flags & ATTR_ACMODTIME) != 0 &&
	    (get_u32(r, &a->atime) != 0 || get_u32(r, &a->mtime) != 0)) {
		return -1;
	}
	if ((a->flags & ATTR_EXTENDED) != 0) {
		if (get_u32(r, &count) != 0) {
			return -1;
		}
		for (i = 0; i < count; i++) {
			const unsigned char *name;
			const unsigned char *value;
			size_t nl;
			size_t vl;
			if (get_str(r, &name, &nl) != 0 || get_str(r, &value, &vl) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------ transport */

static lium_status protocol_error(lium__sftp *s, lium_error *err, const char *what)
{
	return lium_error_set(err, LIUM_ESSH, "sftp %s: malformed reply from the server (%s)",
			      s->ssh->alias, what);
}

static lium_status send_packet(lium__sftp *s, lium_error *err)
{
	const unsigned char *p = s->tx;
	size_t left = s->tx_len;

	put_u32_at(s->tx, (uint32_t)(s->tx_len - 4));
	while (left > 0) {
		uint32_t window = ssh_channel_window_size(s->ch);
		lium_status st;

		if (window > 0) {
			int n = ssh_channel_write(s->ch, p,
						  (uint32_t)(left < window ? left : window));
			if (n < 0) {
				return lium__ssh_error(s->ssh, err, "sftp write");
			}
			p += n;
			left -= (size_t)n;
			if (n > 0) {
				continue;
			}
		}
		st = lium__ssh_wait(s->ssh, -1, err);
		if (st != LIUM_OK) {
			return st;
		}
		/* Let libssh read the window adjustment. */
		if (ssh_channel_poll(s->ch, 0) == SSH_ERROR) {
			return lium__ssh_error(s->ssh, err, "sftp");
		}
	}
	return LIUM_OK;
}

/* Discard anything on the channel's stderr (servers may log there). */
static void drop_stderr(lium__sftp *s)
{
	char junk[1024];

	while (ssh_channel_read_nonblocking(s->ch, junk, sizeof(junk), 1) > 0) {
	}
}

static lium_status recv_packet(lium__sftp *s, struct reply *r, lium_error *err)
{
	memset(r, 0, sizeof(*r));
	for (;;) {
		size_t avail = s->rx_len - s->rx_off;
		int n;

		if (avail >= 4) {
			uint32_t plen = get_u32_at(s->rx + s->rx_off);
			if (plen < 1 || plen > SFTP_MAX_PACKET) {
				return protocol_error(s, err, "packet length");
			}
			if (avail >= 4 + (size_t)plen) {
				r->type = s->rx[s->rx_off + 4];
				r->p = s->rx + s->rx_off + 5;
				r->left = plen - 1;
				r->id = 0;
				s->rx_off += 4 + (size_t)plen;
				if (r->type != FXP_VERSION && get_u32(r, &r->id) != 0) {
					return protocol_error(s, err, "request id");
				}
				return LIUM_OK;
			}
		}
		/* Make room: move the partial packet to the front, grow if needed. */
		if (s->rx_off > 0) {
			memmove(s->rx, s->rx + s->rx_off, avail);
			s->rx_len = avail;
			s->rx_off = 0;
		}
		if (s->rx_cap - s->rx_len < SFTP_RX_MIN_ROOM) {
			size_t cap = s->rx_cap * 2;
			unsigned char *p = lium_realloc(s->rx, cap);
			if (p == NULL) {
				return lium_error_set(err, LIUM_ENOMEM, "out of memory");
			}
			s->rx = p;
			s->rx_cap = cap;
		}
		n = ssh_channel_read_nonblocking(s->ch, s->rx + s->rx_len,
						 (uint32_t)(s->rx_cap - s->rx_len), 0);
		if (n > 0) {
			s->rx_len += (size_t)n;
			continue;
		}
		if (n == SSH_EOF ||
		    (n == 0 && (ssh_channel_is_closed(s->ch) || ssh_channel_is_eof(s->ch)))) {
			if ((ssh_get_status(s->ssh->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) !=
			    0) {
				return lium__ssh_error(s->ssh, err, "sftp");
			}
			return lium_error_set(err, LIUM_ESSH,
					      "sftp %s: the server closed the channel",
					      s->ssh->alias);
		}
		if (n < 0) {
			return lium__ssh_error(s->ssh, err, "sftp read");
		}
		drop_stderr(s);
		{
			lium_status st = lium__ssh_wait(s->ssh, -1, err);
			if (st != LIUM_OK) {
				return st;
			}
		}
	}
}

static const char *fx_name(uint32_t code)
{
	switch (code) {
	case FX_EOF:
		return "end of file";
	case FX_NO_SUCH_FILE:
		return "no such file";
	case FX_PERMISSION_DENIED:
		return "permission denied";
	case FX_FAILURE:
		return "failure";
	case FX_BAD_MESSAGE:
		return "bad message";
	case FX_OP_UNSUPPORTED:
		return "operation not supported";
	default:
		return "error";
	}
}

/* Parse a STATUS reply; *code receives the SFTP status. */
static lium_status parse_status(lium__sftp *s, struct reply *r, uint32_t *code, const char **msg,
				size_t *msg_len, lium_error *err)
{
	const unsigned char *m = NULL;
	size_t ml = 0;

	if (get_u32(r, code) != 0) {
		return protocol_error(s, err, "status");
	}
	/* The message is optional in practice for very old servers. */
	if (get_str(r, &m, &ml) != 0) {
		m = NULL;
		ml = 0;
	}
	*msg = (const char *)m;
	*msg_len = ml;
	return LIUM_OK;
}

/* Turn a failure STATUS into an error naming the operation and path. */
static lium_status status_error(lium__sftp *s, struct reply *r, const char *op, const char *path,
				lium_error *err)
{
	uint32_t code = FX_FAILURE;
	const char *msg = NULL;
	size_t ml = 0;
	lium_status st;

	if (r->type != FXP_STATUS) {
		return protocol_error(s, err, op);
	}
	st = parse_status(s, r, &code, &msg, &ml, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (ml == 0 || ml > 200) {
		msg = fx_name(code);
		ml = strlen(msg);
	}
	st = code == FX_NO_SUCH_FILE ? LIUM_ENOTFOUND : LIUM_ESSH;
	lium_error_set(err, st, "sftp %s: %s %s: %.*s", s->ssh->alias, op, path, (int)ml, msg);
	set_cause(err, (long)code);
	return st;
}

/* Send the packet in tx and wait for the reply to it. */
static lium_status call(lium__sftp *s, uint32_t id, struct reply *r, lium_error *err)
{
	lium_status st = send_packet(s, err);

	if (st == LIUM_OK) {
		st = recv_packet(s, r, err);
	}
	if (st == LIUM_OK && r->id != id) {
		st = protocol_error(s, err, "unexpected request id");
	}
	return st;
}

/* A call whose only answer is a STATUS; OK unless the status is a failure. */
static lium_status call_status(lium__sftp *s, uint32_t id, const char *op, const char *path,
			       uint32_t *code_out, lium_error *err)
{
	struct reply r;
	lium_status st = call(s, id, &r, err);
	uint32_t code = FX_FAILURE;
	const char *msg;
	size_t ml;

	if (st != LIUM_OK) {
		return st;
	}
	if (r.type != FXP_STATUS) {
		return protocol_error(s, err, op);
	}
	{
		struct reply copy = r;
		st = parse_status(s, &copy, &code, &msg, &ml, err);
	}
	if (st != LIUM_OK) {
		return st;
	}
	if (code_out != NULL) {
		*code_out = code;
	}
	if (code == FX_OK) {
		return LIUM_OK;
	}
	return status_error(s, &r, op, path, err);
}

static lium_status oom(lium_error *err)
{
	return lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------ open/init */

void lium__sftp_free(lium__sftp *s)
{
	if (s == NULL) {
		return;
	}
	if (s->ch != NULL) {
		if (ssh_channel_is_open(s->ch)) {
			(void)ssh_channel_close(s->ch);
		}
		ssh_channel_free(s->ch);
	}
	lium_free(s->rx);
	lium_free(s->tx);
	lium_free(s);
}

/* Drop the cached SFTP channel: after a failure mid-transfer, replies to
 * requests in flight would otherwise be read as answers to the next ones. */
static void sftp_drop(lium_ssh *ssh)
{
	lium__sftp_free(ssh->sftp);
	ssh->sftp = NULL;
}

static lium_status query_limits(lium__sftp *s, lium_error *err)
{
	struct reply r;
	uint32_t id;
	uint64_t max_packet;
	uint64_t max_read;
	uint64_t max_write;
	lium_status st;

	if (begin(s, FXP_EXTENDED, &id) != 0 || put_cstr(s, "limits@openssh.com") != 0) {
		return oom(err);
	}
	st = call(s, id, &r, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (r.type != FXP_EXTENDED_REPLY || get_u64(&r, &max_packet) != 0 ||
	    get_u64(&r, &max_read) != 0 || get_u64(&r, &max_write) != 0) {
		return LIUM_OK;
	}
	/* Requests carry ~100 bytes of header besides the data. */
	if (max_read > 1024 && max_read < s->read_chunk) {
		s->read_chunk = (uint32_t)max_read;
	}
	if (max_write > 1024 && max_write < s->write_chunk) {
		s->write_chunk = (uint32_t)max_write;
	}
	if (max_packet > 2048 && max_packet - 1024 < s->write_chunk) {
		s->write_chunk = (uint32_t)(max_packet - 1024);
	}
	return LIUM_OK;
}

static lium_status sftp_open(lium_ssh *ssh, lium__sftp **out, lium_error *err)
{
	lium__sftp *s;
	struct reply r;
	lium_status st = LIUM_OK;
	uint32_t version;
	int has_limits = 0;
	int rc;

	*out = NULL;
	s = lium_calloc(1, sizeof(*s));
	if (s == NULL) {
		return oom(err);
	}
	s->ssh = ssh;
	s->next_id = 1;
	s->read_chunk = SFTP_CHUNK;
	s->write_chunk = SFTP_CHUNK;
	s->rx_cap = 2 * SFTP_RX_MIN_ROOM;
	s->rx = lium_malloc(s->rx_cap);
	s->ch = ssh_channel_new(ssh->session);
	if (s->rx == NULL || s->ch == NULL) {
		lium__sftp_free(s);
		return oom(err);
	}
	for (;;) {
		rc = ssh_channel_open_session(s->ch);
		if (rc != SSH_AGAIN) {
			break;
		}
		st = lium__ssh_wait(ssh, -1, err);
		if (st != LIUM_OK) {
			goto fail;
		}
	}
	if (rc != SSH_OK) {
		st = lium__ssh_error(ssh, err, "opening an SFTP channel");
		goto fail;
	}
	for (;;) {
		rc = ssh_channel_request_subsystem(s->ch, "sftp");
		if (rc != SSH_AGAIN) {
			break;
		}
		st = lium__ssh_wait(ssh, -1, err);
		if (st != LIUM_OK) {
			goto fail;
		}
	}
	if (rc != SSH_OK) {
		st = lium__ssh_error(ssh, err, "starting the SFTP subsystem");
		goto fail;
	}
	if (begin(s, FXP_INIT, NULL) != 0 || put_u32(s, 3) != 0) {
		st = oom(err);
		goto fail;
	}
	st = send_packet(s, err);
	if (st == LIUM_OK) {
		st = recv_packet(s, &r, err);
	}
	if (st != LIUM_OK) {
		goto fail;
	}
	if (r.type != FXP_VERSION || get_u32(&r, &version) != 0 || version < 3) {
		st = protocol_error(s, err, "version");
		goto fail;
	}
	while (r.left > 0) {
		const unsigned char *name;
		const unsigned char *data;
		size_t nl;
		size_t dl;
		if (get_str(&r, &name, &nl) != 0 || get_str(&r, &data, &dl) != 0) {
			break;
		}
		if (nl == 18 && memcmp(name, "limits@openssh.com", 18) == 0) {
			has_limits = 1;
		}
	}
	if (has_limits) {
		st = query_limits(s, err);
		if (st != LIUM_OK) {
			goto fail;
		}
	}
	*out = s;
	return LIUM_OK;
fail:
	lium__sftp_free(s);
	return st;
}

static lium_status sftp_get(lium_ssh *ssh, lium__sftp **out, lium_error *err)
{
	lium_status st;

	if (ssh->sftp == NULL) {
		st = sftp_open(ssh, &ssh->sftp, err);
		if (st != LIUM_OK) {
			return st;
		}
	}
	*out = ssh->sftp;
	if (*out == NULL) {
		lium_error_set(err, LIUM_ESSH, "sftp: no channel");
		return LIUM_ESSH;
	}
	return LIUM_OK;
}

/* ----------------------------------------------------------- operations */

/* stat (follow links) or lstat; *exists 0 when there is no such file. */
static lium_status op_stat(lium__sftp *s, const char *path, int follow, struct sattr *a,
			   int *exists, lium_error *err)
{
	struct reply r;
	uint32_t id;
	lium_status st;

	*exists = 0;
	if (begin(s, follow ? FXP_STAT : FXP_LSTAT, &id) != 0 || put_cstr(s, path) != 0) {
		return oom(err);
	}
	st = call(s, id, &r, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (r.type == FXP_ATTRS) {
		if (get_attrs(&r, a) != 0) {
			return protocol_error(s, err, "attributes");
		}
		*exists = 1;
		return LIUM_OK;
	}
	if (r.type == FXP_STATUS) {
		struct reply copy = r;
		uint32_t code = FX_FAILURE;
		const char *msg;
		size_t ml;
		st = parse_status(s, &copy, &code, &msg, &ml, err);
		if (st == LIUM_OK && code == FX_NO_SUCH_FILE) {
			return LIUM_OK;
		}
	}
	return status_error(s, &r, "stat", path, err);
}

static lium_status op_handle(lium__sftp *s, uint32_t id, const char *op, const char *path,
			     char **handle, size_t *handle_len, lium_error *err)
{
	struct reply r;
	const unsigned char *h;
	size_t hl;
	lium_status st = call(s, id, &r, err);

	if (st != LIUM_OK) {
		return st;
	}
	if (r.type != FXP_HANDLE) {
		return status_error(s, &r, op, path, err);
	}
	if (get_str(&r, &h, &hl) != 0 || hl == 0 || hl > 256) {
		return protocol_error(s, err, "handle");
	}
	*handle = lium_malloc(hl);
	if (*handle == NULL) {
		return oom(err);
	}
	memcpy(*handle, h, hl);
	*handle_len = hl;
	return LIUM_OK;
}

static lium_status op_open(lium__sftp *s, const char *path, uint32_t pflags, const struct sattr *a,
			   char **handle, size_t *handle_len, lium_error *err)
{
	uint32_t id;
	struct sattr none = {0, 0, 0, 0, 0};

	if (begin(s, FXP_OPEN, &id) != 0 || put_cstr(s, path) != 0 || put_u32(s, pflags) != 0 ||
	    put_attrs(s, a != NULL ? a : &none) != 0) {
		return oom(err);
	}
	return op_handle(s, id, "open", path, handle, handle_len, err);
}

static lium_status op_close(lium__sftp *s, const char *handle, size_t hl, const char *path,
			    lium_error *err)
{
	uint32_t id;

	if (begin(s, FXP_CLOSE, &id) != 0 || put_str(s, handle, hl) != 0) {
		return oom(err);
	}
	return call_status(s, id, "close", path, NULL, err);
}

static lium_status op_mkdir(lium__sftp *s, const char *path, const struct sattr *a, uint32_t *code,
			    lium_error *err)
{
	uint32_t id;

	if (begin(s, FXP_MKDIR, &id) != 0 || put_cstr(s, path) != 0 || put_attrs(s, a) != 0) {
		return oom(err);
	}
	return call_status(s, id, "mkdir", path, code, err);
}

static lium_status op_setstat(lium__sftp *s, const char *path, const struct sattr *a,
			      lium_error *err)
{
	uint32_t id;

	if (begin(s, FXP_SETSTAT, &id) != 0 || put_cstr(s, path) != 0 || put_attrs(s, a) != 0) {
		return oom(err);
	}
	return call_status(s, id, "setstat", path, NULL, err);
}

static lium_status op_remove(lium__sftp *s, const char *path, lium_error *err)
{
	uint32_t id;

	if (begin(s, FXP_REMOVE, &id) != 0 || put_cstr(s, path) != 0) {
		return oom(err);
	}
	return call_status(s, id, "remove", path, NULL, err);
}

static lium_status op_symlink(lium__sftp *s, const char *target, const char *link, lium_error *err)
{
	uint32_t id;

	/* OpenSSH's server takes the target first (the reverse of the draft),
	 * and every client follows it. */
	if (begin(s, FXP_SYMLINK, &id) != 0 || put_cstr(s, target) != 0 || put_cstr(s, link) != 0) {
		return oom(err);
	}
	return call_status(s, id, "symlink", link, NULL, err);
}

/* READLINK or REALPATH: the single name of a NAME reply. */
static lium_status op_name(lium__sftp *s, uint8_t type, const char *path, lium_buf *out,
			   lium_error *err)
{
	struct reply r;
	uint32_t id;
	uint32_t count;
	const unsigned char *name;
	size_t nl;
	lium_status st;

	if (begin(s, type, &id) != 0 || put_cstr(s, path) != 0) {
		return oom(err);
	}
	st = call(s, id, &r, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (r.type != FXP_NAME) {
		return status_error(s, &r, type == FXP_READLINK ? "readlink" : "realpath", path,
				    err);
	}
	if (get_u32(&r, &count) != 0 || count < 1 || get_str(&r, &name, &nl) != 0) {
		return protocol_error(s, err, "name");
	}
	if (lium_buf_put(out, name, nl) != LIUM_OK) {
		return oom(err);
	}
	return LIUM_OK;
}

/* --------------------------------------------------------------- paths */

/* Remote paths: "~" and "~/x" mean the login directory, which is where
 * relative paths already start for SFTP. */
static lium_status remote_norm(const char *in, lium_buf *out)
{
	if (strcmp(in, "~") == 0 || in[0] == '\0') {
		return lium_buf_puts(out, ".");
	}
	if (strncmp(in, "~/", 2) == 0) {
		in += 2;
		while (*in == '/') {
			in++;
		}
		return lium_buf_puts(out, in[0] != '\0' ? in : ".");
	}
	return lium_buf_puts(out, in);
}

static int ends_with_slash(const char *p)
{
	size_t n = strlen(p);
	return n > 0 && p[n - 1] == '/';
}

/* Strip trailing slashes (keeping a lone "/"). */
static void strip_slashes(lium_buf *b)
{
	while (b->size > 1 && b->ptr[b->size - 1] == '/') {
		lium_buf_truncate(b, b->size - 1);
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* dir + "/" + name, where dir "." or "" gives name alone. */
static lium_status path_join(const char *dir, const char *name, lium_buf *out)
{
	lium_buf_clear(out);
	if (name[0] == '\0') {
		return lium_buf_puts(out, dir);
	}
	if (dir[0] == '\0' || strcmp(dir, ".") == 0) {
		return lium_buf_puts(out, name);
	}
	if (lium_buf_puts(out, dir) != LIUM_OK) {
		return LIUM_ENOMEM;
	}
	if (!ends_with_slash(dir) && lium_buf_putc(out, '/') != LIUM_OK) {
		return LIUM_ENOMEM;
	}
	return lium_buf_puts(out, name);
}

/* The directory part of path into out ("." when there is none). */
static lium_status dir_name(const char *path, lium_buf *out)
{
	const char *slash = strrchr(path, '/');

	lium_buf_clear(out);
	if (slash == NULL) {
		return lium_buf_puts(out, ".");
	}
	if (slash == path) {
		return lium_buf_puts(out, "/");
	}
	return lium_buf_put(out, path, (size_t)(slash - path));
}

static lium_status remote_mkdir_p(lium__sftp *s, const char *path, lium_error *err)
{
	struct sattr a;
	int exists;
	lium_status st;
	lium_buf parent = LIUM_BUF_INIT;
	uint32_t code = FX_OK;
	struct sattr none = {0, 0, 0, 0, 0};

	if (path[0] == '\0' || strcmp(path, ".") == 0 || strcmp(path, "/") == 0) {
		return LIUM_OK;
	}
	st = op_stat(s, path, 1, &a, &exists, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (exists) {
		if ((a.flags & ATTR_PERMISSIONS) != 0 && !S_ISDIR(a.perm)) {
			return lium_error_set(err, LIUM_ESSH,
					      "sftp %s: %s exists and is not a directory",
					      s->ssh->alias, path);
		}
		return LIUM_OK;
	}
	if (dir_name(path, &parent) != LIUM_OK) {
		lium_buf_dispose(&parent);
		return oom(err);
	}
	st = remote_mkdir_p(s, lium_buf_cstr(&parent), err);
	lium_buf_dispose(&parent);
	if (st != LIUM_OK) {
		return st;
	}
	st = op_mkdir(s, path, &none, &code, err);
	if (st != LIUM_OK) {
		/* Someone else may have made it meanwhile. */
		lium_error tmp;
		if (op_stat(s, path, 1, &a, &exists, &tmp) == LIUM_OK && exists &&
		    S_ISDIR(a.perm)) {
			lium_error_clear(err);
			return LIUM_OK;
		}
	}
	return st;
}

static lium_status local_mkdir_p(const char *path, lium_error *err)
{
	struct stat sb;
	lium_buf parent = LIUM_BUF_INIT;
	lium_status st;

	if (path[0] == '\0' || strcmp(path, ".") == 0 || strcmp(path, "/") == 0) {
		return LIUM_OK;
	}
	if (stat(path, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			return lium_error_set(err, LIUM_EIO, "%s exists and is not a directory",
					      path);
		}
		return LIUM_OK;
	}
	if (dir_name(path, &parent) != LIUM_OK) {
		lium_buf_dispose(&parent);
		return oom(err);
	}
	st = local_mkdir_p(lium_buf_cstr(&parent), err);
	lium_buf_dispose(&parent);
	if (st != LIUM_OK) {
		return st;
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		int e = errno;
		lium_error_set(err, LIUM_EIO, "cannot create directory %s: %s", path, strerror(e));
		set_cause(err, e);
		return LIUM_EIO;
	}
	return LIUM_OK;
}

/* ---------------------------------------------------------- tree lists */

enum { ENT_FILE, ENT_DIR, ENT_LINK };

struct entry {
	char *rel; /* "" for the root of the transfer */
	int kind;
	uint32_t mode;
	uint64_t size;
	uint32_t atime;
	uint32_t mtime;
};

struct plan {
	struct entry *v;
	size_t n;
	size_t cap;
	uint64_t bytes;
	size_t files;
};

static void plan_dispose(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		lium_free(p->v[i].rel);
	}
	lium_free(p->v);
	memset(p, 0, sizeof(*p));
}

static int plan_add(struct plan *p, const char *rel, int kind, uint32_t mode, uint64_t size,
		    uint32_t atime, uint32_t mtime)
{
	struct entry *e;

	if (p->n == p->cap) {
		size_t cap = p->cap != 0 ? p->cap * 2 : 64;
		struct entry *v = lium_realloc(p->v, cap * sizeof(*v));
		if (v == NULL) {
			return -1;
		}
		p->v = v;
		p->cap = cap;
	}
	e = &p->v[p->n];
	e->rel = lium_strdup(rel);
	if (e->rel == NULL) {
		return -1;
	}
	e->kind = kind;
	e->mode = mode & 07777;
	e->size = size;
	e->atime = atime;
	e->mtime = mtime;
	p->n++;
	if (kind == ENT_FILE) {
		p->bytes += size;
		p->files++;
	}
	return 0;
}

static uint32_t time32(time_t t)
{
	return t < 0 ? 0u : (t > (time_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t);
}

static lium_status scan_local(struct plan *p, const char *path, const char *rel, lium_error *err)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;
	lium_buf child = LIUM_BUF_INIT;
	lium_buf crel = LIUM_BUF_INIT;
	lium_status st = LIUM_OK;
	int kind;

	if (lstat(path, &sb) != 0) {
		int e = errno;
		lium_error_set(err, LIUM_EIO, "cannot read %s: %s", path, strerror(e));
		set_cause(err, e);
		return LIUM_EIO;
	}
	if (S_ISREG(sb.st_mode)) {
		kind = ENT_FILE;
	} else if (S_ISDIR(sb.st_mode)) {
		kind = ENT_DIR;
	} else if (S_ISLNK(sb.st_mode)) {
		kind = ENT_LINK;
	} else {
		return LIUM_OK; /* devices, sockets, fifos: skipped */
	}
	if (plan_add(p, rel, kind, (uint32_t)sb.st_mode, (uint64_t)sb.st_size, time32(sb.st_atime),
		     time32(sb.st_mtime)) != 0) {
		return oom(err);
	}
	if (kind != ENT_DIR) {
		return LIUM_OK;
	}
	d = opendir(path);
	if (d == NULL) {
		int e = errno;
		lium_error_set(err, LIUM_EIO, "cannot list %s: %s", path, strerror(e));
		set_cause(err, e);
		return LIUM_EIO;
	}
	while (st == LIUM_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		if (path_join(path, de->d_name, &child) != LIUM_OK ||
		    path_join(rel, de->d_name, &crel) != LIUM_OK) {
			st = oom(err);
			break;
		}
		st = scan_local(p, lium_buf_cstr(&child), lium_buf_cstr(&crel), err);
	}
	closedir(d);
	lium_buf_dispose(&child);
	lium_buf_dispose(&crel);
	return st;
}

static int attr_kind(const struct sattr *a)
{
	if ((a->flags & ATTR_PERMISSIONS) == 0) {
		return ENT_FILE;
	}
	if (S_ISDIR(a->perm)) {
		return ENT_DIR;
	}
	if (S_ISLNK(a->perm)) {
		return ENT_LINK;
	}
	if (S_ISREG(a->perm)) {
		return ENT_FILE;
	}
	return -1;
}

static lium_status scan_remote_dir(lium__sftp *s, struct plan *p, const char *path, const char *rel,
				   lium_error *err);

static lium_status scan_remote(lium__sftp *s, struct plan *p, const char *path, const char *rel,
			       const struct sattr *a, lium_error *err)
{
	int kind = attr_kind(a);

	if (kind < 0) {
		return LIUM_OK;
	}
	if (plan_add(p, rel, kind, a->perm, a->size, a->atime, a->mtime) != 0) {
		return oom(err);
	}
	if (kind == ENT_DIR) {
		return scan_remote_dir(s, p, path, rel, err);
	}
	return LIUM_OK;
}

struct name_entry {
	char *name;
	struct sattr a;
};

static lium_status scan_remote_dir(lium__sftp *s, struct plan *p, const char *path, const char *rel,
				   lium_error *err)
{
	char *handle = NULL;
	size_t hl = 0;
	struct name_entry *names = NULL;
	size_t n_names = 0;
	size_t cap = 0;
	lium_buf child = LIUM_BUF_INIT;
	lium_buf crel = LIUM_BUF_INIT;
	uint32_t id;
	lium_status st;
	size_t i;

	if (begin(s, FXP_OPENDIR, &id) != 0 || put_cstr(s, path) != 0) {
		return oom(err);
	}
	st = op_handle(s, id, "opendir", path, &handle, &hl, err);
	if (st != LIUM_OK) {
		return st;
	}
	/* Read the whole listing before descending: the handle stays open only
	 * for this directory. */
	for (;;) {
		struct reply r;
		uint32_t count;
		uint32_t k;

		if (begin(s, FXP_READDIR, &id) != 0 || put_str(s, handle, hl) != 0) {
			st = oom(err);
			break;
		}
		st = call(s, id, &r, err);
		if (st != LIUM_OK) {
			break;
		}
		if (r.type == FXP_STATUS) {
			struct reply copy = r;
			uint32_t code = FX_FAILURE;
			const char *msg;
			size_t ml;
			st = parse_status(s, &copy, &code, &msg, &ml, err);
			if (st == LIUM_OK && code != FX_EOF) {
				st = status_error(s, &r, "readdir", path, err);
			}
			break;
		}
		if (r.type != FXP_NAME || get_u32(&r, &count) != 0) {
			st = protocol_error(s, err, "readdir");
			break;
		}
		for (k = 0; k < count && st == LIUM_OK; k++) {
			const unsigned char *nm;
			const unsigned char *ln;
			size_t nl;
			size_t ll;
			struct sattr a;
			if (get_str(&r, &nm, &nl) != 0 || get_str(&r, &ln, &ll) != 0 ||
			    get_attrs(&r, &a) != 0) {
				st = protocol_error(s, err, "readdir entry");
				break;
			}
			if ((nl == 1 && nm[0] == '.') ||
			    (nl == 2 && nm[0] == '.' && nm[1] == '.') ||
			    memchr(nm, '/', nl) != NULL || memchr(nm, '\0', nl) != NULL) {
				continue;
			}
			if (n_names == cap) {
				size_t ncap = cap != 0 ? cap * 2 : 32;
				struct name_entry *v = lium_realloc(names, ncap * sizeof(*v));
				if (v == NULL) {
					st = oom(err);
					break;
				}
				names = v;
				cap = ncap;
			}
			names[n_names].name = lium_strndup((const char *)nm, nl);
			if (names[n_names].name == NULL) {
				st = oom(err);
				break;
			}
			names[n_names].a = a;
			n_names++;
		}
		if (st != LIUM_OK) {
			break;
		}
	}
	if (st == LIUM_OK) {
		st = op_close(s, handle, hl, path, err);
	}
	for (i = 0; st == LIUM_OK && i < n_names; i++) {
		if (path_join(path, names[i].name, &child) != LIUM_OK ||
		    path_join(rel, names[i].name, &crel) != LIUM_OK) {
			st = oom(err);
			break;
		}
		st = scan_remote(s, p, lium_buf_cstr(&child), lium_buf_cstr(&crel), &names[i].a,
				 err);
	}
	for (i = 0; i < n_names; i++) {
		lium_free(names[i].name);
	}
	lium_free(names);
	lium_free(handle);
	lium_buf_dispose(&child);
	lium_buf_dispose(&crel);
	return st;
}

/* ------------------------------------------------------------ progress */

struct prog {
	const lium_ssh_transfer_options *o;
	lium_ssh_progress p;
};

static lium_status report(struct prog *pr, lium_error *err)
{
	if (pr->o->progress != NULL && pr->o->progress(&pr->p, pr->o->progress_userdata) != 0) {
		return lium_error_set(err, LIUM_ECANCELLED,
				      "transfer cancelled by the progress callback");
	}
	return LIUM_OK;
}

/* ------------------------------------------------------------ pipelines */

struct req {
	uint64_t off;
	uint32_t id;
	uint32_t len;
};

static struct req *req_take(struct req *v, size_t *n, uint32_t id, struct req *out)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (v[i].id == id) {
			*out = v[i];
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			return out;
		}
	}
	return NULL;
}

static lium_status io_error(const char *what, const char *path, lium_error *err)
{
	int e = errno;

	lium_error_set(err, LIUM_EIO, "cannot %s %s: %s", what, path, strerror(e));
	set_cause(err, e);
	return LIUM_EIO;
}

static lium_status put_file(lium__sftp *s, const char *local, const char *remote,
			    const struct entry *e, struct prog *pr, lium_error *err)
{
	struct req inflight[SFTP_MAX_INFLIGHT];
	size_t n_inflight = 0;
	struct sattr a;
	char *handle = NULL;
	size_t hl = 0;
	uint64_t off = 0;
	int eof = 0;
	int fd;
	lium_status st;
	lium_error oe;

	fd = open(local, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return io_error("open", local, err);
	}
	memset(&a, 0, sizeof(a));
	a.flags = ATTR_PERMISSIONS;
	a.perm = (e->mode & 0777) | 0600;
	lium_error_clear(&oe);
	st = op_open(s, remote, FXF_WRITE | FXF_CREAT | FXF_TRUNC, &a, &handle, &hl, &oe);
	if (st == LIUM_ESSH && oe.cause == FX_PERMISSION_DENIED) {
		/* A read-only file from an earlier copy: replace it, as cp and
		 * rsync do, when the directory allows. */
		lium_error ignored;
		if (op_remove(s, remote, &ignored) == LIUM_OK) {
			st = op_open(s, remote, FXF_WRITE | FXF_CREAT | FXF_TRUNC, &a, &handle, &hl,
				     &oe);
		}
	}
	if (st != LIUM_OK) {
		if (err != NULL) {
			*err = oe;
		}
		close(fd);
		return st;
	}
	pr->p.path = local;
	pr->p.file_done = 0;
	pr->p.file_total = e->size;
	st = report(pr, err);
	while (st == LIUM_OK && (!eof || n_inflight > 0)) {
		while (!eof && n_inflight < SFTP_MAX_INFLIGHT && st == LIUM_OK) {
			uint32_t id;
			size_t hdr;
			ssize_t got;

			if (begin(s, FXP_WRITE, &id) != 0 || put_str(s, handle, hl) != 0 ||
			    put_u64(s, off) != 0 || put_u32(s, 0) != 0 ||
			    tx_reserve(s, s->write_chunk) != 0) {
				st = oom(err);
				break;
			}
			hdr = s->tx_len;
			do {
				got = pread(fd, s->tx + hdr, s->write_chunk, (off_t)off);
			} while (got < 0 && errno == EINTR);
			if (got < 0) {
				st = io_error("read", local, err);
				break;
			}
			if (got == 0) {
				eof = 1;
				break;
			}
			put_u32_at(s->tx + hdr - 4, (uint32_t)got);
			s->tx_len = hdr + (size_t)got;
			st = send_packet(s, err);
			inflight[n_inflight].id = id;
			inflight[n_inflight].off = off;
			inflight[n_inflight].len = (uint32_t)got;
			n_inflight++;
			off += (uint64_t)got;
			if ((size_t)got < s->write_chunk && off >= e->size) {
				eof = 1;
			}
		}
		if (st == LIUM_OK && n_inflight > 0) {
			struct reply r;
			struct req done;
			uint32_t code = FX_FAILURE;
			const char *msg;
			size_t ml;

			st = recv_packet(s, &r, err);
			if (st != LIUM_OK) {
				break;
			}
			if (req_take(inflight, &n_inflight, r.id, &done) == NULL ||
			    r.type != FXP_STATUS) {
				st = protocol_error(s, err, "write reply");
				break;
			}
			{
				struct reply copy = r;
				st = parse_status(s, &copy, &code, &msg, &ml, err);
			}
			if (st == LIUM_OK && code != FX_OK) {
				st = status_error(s, &r, "write", remote, err);
			}
			if (st == LIUM_OK) {
				pr->p.file_done += done.len;
				pr->p.bytes_done += done.len;
				st = report(pr, err);
			}
		}
	}
	close(fd);
	if (st == LIUM_OK) {
		a.flags = ATTR_PERMISSIONS;
		a.perm = e->mode & 0777;
		if (pr->o->preserve_times) {
			a.flags |= ATTR_ACMODTIME;
			a.atime = e->atime;
			a.mtime = e->mtime;
		}
		/* fsetstat before close: a 0400 file can still be adjusted. */
		{
			uint32_t id;
			if (begin(s, FXP_FSETSTAT, &id) != 0 || put_str(s, handle, hl) != 0 ||
			    put_attrs(s, &a) != 0) {
				st = oom(err);
			} else {
				st = call_status(s, id, "setstat", remote, NULL, err);
			}
		}
	}
	if (st == LIUM_OK) {
		st = op_close(s, handle, hl, remote, err);
	}
	lium_free(handle);
	if (st == LIUM_OK) {
		pr->p.files_done++;
		if (pr->p.file_done < pr->p.file_total) {
			/* The file shrank while it was read. */
			pr->p.file_total = pr->p.file_done;
		}
		st = report(pr, err);
	}
	return st;
}

static lium_status get_file(lium__sftp *s, const char *remote, const char *local,
			    const struct entry *e, struct prog *pr, lium_error *err)
{
	struct req inflight[SFTP_MAX_INFLIGHT];
	size_t n_inflight = 0;
	char *handle = NULL;
	size_t hl = 0;
	uint64_t next = 0;
	uint64_t end = e->size;
	uint64_t written_end = 0;
	int eof = 0;
	int fd;
	lium_status st;

	st = op_open(s, remote, FXF_READ, NULL, &handle, &hl, err);
	if (st != LIUM_OK) {
		return st;
	}
	(void)unlink(local);
	fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		st = io_error("create", local, err);
		(void)op_close(s, handle, hl, remote, NULL);
		lium_free(handle);
		return st;
	}
	pr->p.path = remote;
	pr->p.file_done = 0;
	pr->p.file_total = e->size;
	st = report(pr, err);
	/* Ask for blocks up to the size the listing gave, and at least one so
	 * that an empty or shrunken file answers EOF. */
	while (st == LIUM_OK && (n_inflight > 0 || (!eof && (next < end || next == 0)))) {
		while (st == LIUM_OK && !eof && n_inflight < SFTP_MAX_INFLIGHT &&
		       (next < end || (next == 0 && n_inflight == 0))) {
			uint32_t id;
			uint32_t len = s->read_chunk;
			if (next + len > end && end > next) {
				len = (uint32_t)(end - next);
			}
			if (begin(s, FXP_READ, &id) != 0 || put_str(s, handle, hl) != 0 ||
			    put_u64(s, next) != 0 || put_u32(s, len) != 0) {
				st = oom(err);
				break;
			}
			st = send_packet(s, err);
			inflight[n_inflight].id = id;
			inflight[n_inflight].off = next;
			inflight[n_inflight].len = len;
			n_inflight++;
			next += len;
		}
		if (st == LIUM_OK && n_inflight > 0) {
			struct reply r;
			struct req done;

			st = recv_packet(s, &r, err);
			if (st != LIUM_OK) {
				break;
			}
			if (req_take(inflight, &n_inflight, r.id, &done) == NULL) {
				st = protocol_error(s, err, "read reply");
				break;
			}
			if (r.type == FXP_DATA) {
				const unsigned char *data;
				size_t dl;
				size_t put = 0;
				if (get_str(&r, &data, &dl) != 0 || dl > done.len) {
					st = protocol_error(s, err, "data");
					break;
				}
				while (put < dl) {
					ssize_t w = pwrite(fd, data + put, dl - put,
							   (off_t)(done.off + put));
					if (w < 0) {
						if (errno == EINTR) {
							continue;
						}
						st = io_error("write", local, err);
						break;
					}
					put += (size_t)w;
				}
				if (st != LIUM_OK) {
					break;
				}
				if (done.off + dl > written_end) {
					written_end = done.off + dl;
				}
				pr->p.file_done += dl;
				pr->p.bytes_done += dl;
				if (dl < done.len && !eof && n_inflight < SFTP_MAX_INFLIGHT) {
					/* A short read: ask again for the rest. */
					uint32_t id;
					if (begin(s, FXP_READ, &id) != 0 ||
					    put_str(s, handle, hl) != 0 ||
					    put_u64(s, done.off + dl) != 0 ||
					    put_u32(s, (uint32_t)(done.len - dl)) != 0) {
						st = oom(err);
						break;
					}
					st = send_packet(s, err);
					inflight[n_inflight].id = id;
					inflight[n_inflight].off = done.off + dl;
					inflight[n_inflight].len = (uint32_t)(done.len - dl);
					n_inflight++;
				}
				if (st == LIUM_OK) {
					st = report(pr, err);
				}
			} else if (r.type == FXP_STATUS) {
				struct reply copy = r;
				uint32_t code = FX_FAILURE;
				const char *msg;
				size_t ml;
				st = parse_status(s, &copy, &code, &msg, &ml, err);
				if (st == LIUM_OK && code == FX_EOF) {
					eof = 1;
				} else if (st == LIUM_OK) {
					st = status_error(s, &r, "read", remote, err);
				}
			} else {
				st = protocol_error(s, err, "read reply");
			}
		}
	}
	if (st == LIUM_OK) {
		st = op_close(s, handle, hl, remote, err);
	}
	lium_free(handle);
	if (st == LIUM_OK && ftruncate(fd, (off_t)written_end) != 0) {
		st = io_error("truncate", local, err);
	}
	if (st == LIUM_OK && fchmod(fd, (mode_t)(e->mode & 0777)) != 0) {
		st = io_error("chmod", local, err);
	}
	if (st == LIUM_OK && pr->o->preserve_times) {
		struct timespec ts[2];
		ts[0].tv_sec = (time_t)e->atime;
		ts[0].tv_nsec = 0;
		ts[1].tv_sec = (time_t)e->mtime;
		ts[1].tv_nsec = 0;
		if (futimens(fd, ts) != 0) {
			st = io_error("set times of", local, err);
		}
	}
	if (close(fd) != 0 && st == LIUM_OK) {
		st = io_error("close", local, err);
	}
	if (st == LIUM_OK) {
		pr->p.files_done++;
		pr->p.file_total = pr->p.file_done;
		st = report(pr, err);
	}
	return st;
}

/* ------------------------------------------------------------ transfers */

static const lium_ssh_transfer_options default_transfer = LIUM_SSH_TRANSFER_OPTIONS_INIT;

static lium_status check_transfer_args(lium_ssh *ssh, const char *a, const char *b,
				       const lium_ssh_transfer_options **o, lium_error *err)
{
	if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0') {
		return lium_error_set(err, LIUM_EINVAL, "sftp: missing source or destination");
	}
	if (*o == NULL) {
		*o = &default_transfer;
	} else if ((*o)->version < 1 || (*o)->version > LIUM_SSH_TRANSFER_OPTIONS_VERSION) {
		return lium_error_set(err, LIUM_EINVAL, "sftp: bad transfer options version");
	}
	return lium__ssh_usable(ssh, err);
}

lium_status lium_ssh_upload(lium_ssh *ssh, const char *local, const char *remote,
			    const lium_ssh_transfer_options *o, lium_error *err)
{
	lium__sftp *s = NULL;
	lium_buf src = LIUM_BUF_INIT;
	lium_buf dest = LIUM_BUF_INIT;
	lium_buf parent = LIUM_BUF_INIT;
	lium_buf rpath = LIUM_BUF_INIT;
	lium_buf lpath = LIUM_BUF_INIT;
	struct plan plan;
	struct prog pr;
	lium_status st;
	size_t i;

	memset(&plan, 0, sizeof(plan));
	st = check_transfer_args(ssh, local, remote, &o, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (lium_buf_puts(&src, local) != LIUM_OK || remote_norm(remote, &rpath) != LIUM_OK) {
		st = oom(err);
		goto out;
	}
	strip_slashes(&src);
	st = scan_local(&plan, lium_buf_cstr(&src), "", err);
	if (st != LIUM_OK) {
		goto out;
	}
	st = sftp_get(ssh, &s, err);
	if (st != LIUM_OK) {
		goto out;
	}
	/* Where it goes: inside an existing directory (or one named with a
	 * trailing slash) under the source's name, else exactly there. */
	{
		struct sattr a;
		int exists = 0;
		int into = ends_with_slash(remote) || strcmp(lium_buf_cstr(&rpath), ".") == 0;

		strip_slashes(&rpath);
		if (!into) {
			st = op_stat(s, lium_buf_cstr(&rpath), 1, &a, &exists, err);
			if (st != LIUM_OK) {
				goto out;
			}
			into = exists && (a.flags & ATTR_PERMISSIONS) != 0 && S_ISDIR(a.perm);
		}
		if (into) {
			if (lium_buf_puts(&parent, lium_buf_cstr(&rpath)) != LIUM_OK ||
			    path_join(lium_buf_cstr(&rpath), base_name(lium_buf_cstr(&src)),
				      &dest) != LIUM_OK) {
				st = oom(err);
				goto out;
			}
		} else if (lium_buf_puts(&dest, lium_buf_cstr(&rpath)) != LIUM_OK ||
			   dir_name(lium_buf_cstr(&rpath), &parent) != LIUM_OK) {
			st = oom(err);
			goto out;
		}
	}
	st = remote_mkdir_p(s, lium_buf_cstr(&parent), err);
	if (st != LIUM_OK) {
		goto out;
	}
	pr.o = o;
	memset(&pr.p, 0, sizeof(pr.p));
	pr.p.bytes_total = plan.bytes;
	pr.p.files_total = plan.files;
	for (i = 0; st == LIUM_OK && i < plan.n; i++) {
		const struct entry *e = &plan.v[i];

		if (path_join(lium_buf_cstr(&dest), e->rel, &rpath) != LIUM_OK ||
		    path_join(lium_buf_cstr(&src), e->rel, &lpath) != LIUM_OK) {
			st = oom(err);
			break;
		}
		if (e->kind == ENT_DIR) {
			struct sattr a = {ATTR_PERMISSIONS, 0, 0700, 0, 0};
			struct sattr cur;
			int exists = 0;
			uint32_t code = FX_OK;
			st = op_stat(s, lium_buf_cstr(&rpath), 1, &cur, &exists, err);
			if (st == LIUM_OK && !exists) {
				st = op_mkdir(s, lium_buf_cstr(&rpath), &a, &code, err);
			} else if (st == LIUM_OK && !S_ISDIR(cur.perm)) {
				st = lium_error_set(err, LIUM_ESSH,
						    "sftp %s: %s exists and is not a directory",
						    ssh->alias, lium_buf_cstr(&rpath));
			}
		} else if (e->kind == ENT_FILE) {
			st = put_file(s, lium_buf_cstr(&lpath), lium_buf_cstr(&rpath), e, &pr, err);
		} else {
			char tbuf[PATH_MAX];
			ssize_t tl = readlink(lium_buf_cstr(&lpath), tbuf, sizeof(tbuf) - 1);
			struct sattr cur;
			int exists = 0;
			if (tl < 0) {
				st = io_error("read link", lium_buf_cstr(&lpath), err);
				break;
			}
			tbuf[tl] = '\0';
			st = op_stat(s, lium_buf_cstr(&rpath), 0, &cur, &exists, err);
			if (st == LIUM_OK && exists) {
				st = op_remove(s, lium_buf_cstr(&rpath), err);
			}
			if (st == LIUM_OK) {
				st = op_symlink(s, tbuf, lium_buf_cstr(&rpath), err);
			}
		}
	}
	/* Directory modes last, deepest first, so that read-only directories
	 * could still be filled. */
	for (i = plan.n; st == LIUM_OK && i > 0; i--) {
		const struct entry *e = &plan.v[i - 1];
		struct sattr a = {ATTR_PERMISSIONS, 0, 0, 0, 0};
		if (e->kind != ENT_DIR) {
			continue;
		}
		a.perm = e->mode & 0777;
		if (o->preserve_times) {
			a.flags |= ATTR_ACMODTIME;
			a.atime = e->atime;
			a.mtime = e->mtime;
		}
		if (path_join(lium_buf_cstr(&dest), e->rel, &rpath) != LIUM_OK) {
			st = oom(err);
			break;
		}
		st = op_setstat(s, lium_buf_cstr(&rpath), &a, err);
	}
out:
	if (st != LIUM_OK) {
		/* Replies to requests still in flight would be read as answers
		 * to the next ones: start over on a fresh channel. */
		sftp_drop(ssh);
	}
	plan_dispose(&plan);
	lium_buf_dispose(&src);
	lium_buf_dispose(&dest);
	lium_buf_dispose(&parent);
	lium_buf_dispose(&rpath);
	lium_buf_dispose(&lpath);
	return st;
}

lium_status lium_ssh_download(lium_ssh *ssh, const char *remote, const char *local,
			      const lium_ssh_transfer_options *o, lium_error *err)
{
	lium__sftp *s = NULL;
	lium_buf src = LIUM_BUF_INIT;
	lium_buf dest = LIUM_BUF_INIT;
	lium_buf parent = LIUM_BUF_INIT;
	lium_buf rpath = LIUM_BUF_INIT;
	lium_buf lpath = LIUM_BUF_INIT;
	lium_buf name = LIUM_BUF_INIT;
	struct plan plan;
	struct prog pr;
	struct sattr top;
	int exists = 0;
	lium_status st;
	size_t i;

	memset(&plan, 0, sizeof(plan));
	st = check_transfer_args(ssh, remote, local, &o, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (remote_norm(remote, &src) != LIUM_OK || lium_buf_puts(&lpath, local) != LIUM_OK) {
		st = oom(err);
		goto out;
	}
	strip_slashes(&src);
	st = sftp_get(ssh, &s, err);
	if (st != LIUM_OK) {
		goto out;
	}
	st = op_stat(s, lium_buf_cstr(&src), 1, &top, &exists, err);
	if (st != LIUM_OK) {
		goto out;
	}
	if (!exists) {
		st = lium_error_set(err, LIUM_ENOTFOUND, "sftp %s: %s: no such file", ssh->alias,
				    lium_buf_cstr(&src));
		goto out;
	}
	st = scan_remote(s, &plan, lium_buf_cstr(&src), "", &top, err);
	if (st != LIUM_OK) {
		goto out;
	}
	{
		struct stat sb;
		const char *bn = base_name(lium_buf_cstr(&src));
		int into = ends_with_slash(local) || (stat(local, &sb) == 0 && S_ISDIR(sb.st_mode));

		if (bn[0] == '\0' || strcmp(bn, ".") == 0 || strcmp(bn, "..") == 0) {
			/* "~" or "dir/..": name it after the real directory. */
			st = op_name(s, FXP_REALPATH, lium_buf_cstr(&src), &name, err);
			if (st != LIUM_OK) {
				goto out;
			}
			bn = base_name(lium_buf_cstr(&name));
			if (bn[0] == '\0') {
				bn = "root";
			}
		}
		strip_slashes(&lpath);
		if (into) {
			if (lium_buf_puts(&parent, lium_buf_cstr(&lpath)) != LIUM_OK ||
			    path_join(lium_buf_cstr(&lpath), bn, &dest) != LIUM_OK) {
				st = oom(err);
				goto out;
			}
		} else if (lium_buf_puts(&dest, lium_buf_cstr(&lpath)) != LIUM_OK ||
			   dir_name(lium_buf_cstr(&lpath), &parent) != LIUM_OK) {
			st = oom(err);
			goto out;
		}
	}
	st = local_mkdir_p(lium_buf_cstr(&parent), err);
	if (st != LIUM_OK) {
		goto out;
	}
	pr.o = o;
	memset(&pr.p, 0, sizeof(pr.p));
	pr.p.bytes_total = plan.bytes;
	pr.p.files_total = plan.files;
	for (i = 0; st == LIUM_OK && i < plan.n; i++) {
		const struct entry *e = &plan.v[i];
		struct stat sb;

		if (path_join(lium_buf_cstr(&src), e->rel, &rpath) != LIUM_OK ||
		    path_join(lium_buf_cstr(&dest), e->rel, &lpath) != LIUM_OK) {
			st = oom(err);
			break;
		}
		if (e->kind == ENT_DIR) {
			if (mkdir(lium_buf_cstr(&lpath), 0700) != 0) {
				if (errno != EEXIST || stat(lium_buf_cstr(&lpath), &sb) != 0 ||
				    !S_ISDIR(sb.st_mode)) {
					st = io_error("create directory", lium_buf_cstr(&lpath),
						      err);
				}
			}
		} else if (e->kind == ENT_FILE) {
			st = get_file(s, lium_buf_cstr(&rpath), lium_buf_cstr(&lpath), e, &pr, err);
		} else {
			lium_buf_clear(&name);
			st = op_name(s, FXP_READLINK, lium_buf_cstr(&rpath), &name, err);
			if (st == LIUM_OK) {
				(void)unlink(lium_buf_cstr(&lpath));
				if (symlink(lium_buf_cstr(&name), lium_buf_cstr(&lpath)) != 0) {
					st = io_error("create link", lium_buf_cstr(&lpath), err);
				}
			}
		}
	}
	for (i = plan.n; st == LIUM_OK && i > 0; i--) {
		const struct entry *e = &plan.v[i - 1];
		if (e->kind != ENT_DIR) {
			continue;
		}
		if (path_join(lium_buf_cstr(&dest), e->rel, &lpath) != LIUM_OK) {
			st = oom(err);
			break;
		}
		if (o->preserve_times) {
			struct timespec ts[2];
			ts[0].tv_sec = (time_t)e->atime;
			ts[0].tv_nsec = 0;
			ts[1].tv_sec = (time_t)e->mtime;
			ts[1].tv_nsec = 0;
			if (utimensat(AT_FDCWD, lium_buf_cstr(&lpath), ts, 0) != 0) {
				st = io_error("set times of", lium_buf_cstr(&lpath), err);
				break;
			}
		}
		if (chmod(lium_buf_cstr(&lpath), (mode_t)(e->mode & 0777)) != 0) {
			st = io_error("chmod", lium_buf_cstr(&lpath), err);
		}
	}
out:
	if (st != LIUM_OK) {
		sftp_drop(ssh);
	}
	plan_dispose(&plan);
	lium_buf_dispose(&src);
	lium_buf_dispose(&dest);
	lium_buf_dispose(&parent);
	lium_buf_dispose(&rpath);
	lium_buf_dispose(&lpath);
	lium_buf_dispose(&name);
	return st;
}
