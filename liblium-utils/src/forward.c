/*
 * Local port forwarding: a listener on 127.0.0.1 whose connections are
 * relayed through "direct-tcpip" channels of one session, by one thread.
 *
 * Channel data arrives through libssh's data callback straight into each
 * connection's buffer, whichever channel's read made libssh process the
 * packet; relying on ssh_channel_read() per channel instead can leave data
 * sitting in another channel's buffer with nothing left to wake the loop.
 * When a connection's buffer is full the callback takes nothing, libssh
 * keeps the bytes and stops growing the window, which holds the sender back.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>

#include "ssh_int.h"

#define FWD_OUT_LIMIT   (512u * 1024u)
#define FWD_READ_CHUNK  (32u * 1024u)
#define FWD_DEFAULT_MAX 256u
#define FWD_PUMP_ROUNDS 32

enum { CONN_OPENING, CONN_OPEN };

struct conn {
	struct lium_ssh_forward *fwd;
	int fd;
	ssh_channel ch;
	int state;
	struct ssh_channel_callbacks_struct cb;
	unsigned char *out;
	size_t out_off;
	size_t out_len;
	size_t out_cap;
	/* Socket bytes the channel did not take yet (only while libssh holds
	 * writes back, e.g. during a key re-exchange). */
	unsigned char *in;
	size_t in_off;
	size_t in_len;
	int local_eof;
	int remote_eof;
	int remote_closed;
	int wr_shut;
	int dead;
	char src_ip[INET6_ADDRSTRLEN];
	int src_port;
};

struct lium_ssh_forward {
	lium_ssh *ssh;
	pthread_t thread;
	int thread_started;
	int listen_fd;
	unsigned int port;
	char *remote_host;
	unsigned int remote_port;
	unsigned int max_conns;
	int stop[2];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int finished;
	lium_status result;
	lium_error error;
	struct conn **conns;
	size_t n_conns;
	size_t cap_conns;
	unsigned char *buf;
};

static void set_cause(lium_error *err, long cause)
{
	if (err != NULL) {
		err->cause = cause;
	}
}

static int conn_append(struct conn *c, const void *data, size_t len)
{
	if (c->out_off > 0 && c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap != 0 ? c->out_cap : 16384;
		unsigned char *p;
		if (c->out_off > 0) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (cap < c->out_len + len) {
			cap *= 2;
		}
		if (cap > c->out_cap) {
			p = lium_realloc(c->out, cap);
			if (p == NULL) {
				return -1;
			}
			c->out = p;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

static int on_data(ssh_session session, ssh_channel channel, void *data, uint32_t len,
		   int is_stderr, void *userdata)
{
	struct conn *c = userdata;
	size_t pending = c->out_len - c->out_off;
	size_t take;

	(void)session;
	(void)channel;
	if (is_stderr) {
		return (int)len; /* direct-tcpip has no stderr; drop anything */
	}
	if (c->dead || pending >= FWD_OUT_LIMIT) {
		return c->dead ? (int)len : 0;
	}
	take = FWD_OUT_LIMIT - pending;
	if (take > len) {
		take = len;
	}
	if (conn_append(c, data, take) != 0) {
		c->dead = 1;
		return (int)len;
	}
	return (int)take;
}

static void on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct conn *c = userdata;

	(void)session;
	(void)channel;
	c->remote_eof = 1;
}

static void on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct conn *c = userdata;

	(void)session;
	(void)channel;
	c->remote_eof = 1;
	c->remote_closed = 1;
}

static void conn_free(struct conn *c)
{
	if (c == NULL) {
		return;
	}
	if (c->ch != NULL) {
		ssh_remove_channel_callbacks(c->ch, &c->cb);
		if (ssh_channel_is_open(c->ch)) {
			(void)ssh_channel_close(c->ch);
		}
		ssh_channel_free(c->ch);
	}
	if (c->fd >= 0) {
		close(c->fd);
	}
	lium_free(c->out);
	lium_free(c->in);
	lium_free(c);
}

static void accept_new(struct lium_ssh_forward *f)
{
	while (f->n_conns < f->max_conns) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct conn *c;
		int one = 1;
		int fd = accept(f->listen_fd, (struct sockaddr *)&ss, &sl);

		if (fd < 0) {
			return; /* EAGAIN, or a connection that went away already */
		}
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (f->n_conns == f->cap_conns) {
			size_t cap = f->cap_conns != 0 ? f->cap_conns * 2 : 16;
			struct conn **v = lium_realloc(f->conns, cap * sizeof(struct conn *));
			if (v == NULL) {
				close(fd);
				return;
			}
			f->conns = v;
			f->cap_conns = cap;
		}
		c = lium_calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->fwd = f;
		c->fd = fd;
		c->state = CONN_OPENING;
		snprintf(c->src_ip, sizeof(c->src_ip), "127.0.0.1");
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *sin =
				(const struct sockaddr_in *)(const void *)&ss;
			inet_ntop(AF_INET, &sin->sin_addr, c->src_ip, sizeof(c->src_ip));
			c->src_port = ntohs(sin->sin_port);
		}
		c->ch = ssh_channel_new(f->ssh->session);
		if (c->ch == NULL) {
			conn_free(c);
			return;
		}
		c->cb.userdata = c;
		c->cb.channel_data_function = on_data;
		c->cb.channel_eof_function = on_eof;
		c->cb.channel_close_function = on_close;
		ssh_callbacks_init(&c->cb);
		ssh_set_channel_callbacks(c->ch, &c->cb);
		f->conns[f->n_conns++] = c;
	}
}

/* Move bytes between one connection's socket and its channel.  Returns 1
 * when anything moved. */
static int conn_step(struct lium_ssh_forward *f, struct conn *c, short revents)
{
	int moved = 0;

	if (c->state == CONN_OPENING) {
		int rc = ssh_channel_open_forward(c->ch, f->remote_host, (int)f->remote_port,
						  c->src_ip, c->src_port);
		if (rc == SSH_AGAIN) {
			return 0;
		}
		if (rc != SSH_OK) {
			/* Refused by the server (nothing listens there, or not
			 * allowed): drop this connection only. */
			c->dead = 1;
			return 1;
		}
		c->state = CONN_OPEN;
		moved = 1;
	}
	/* Channel to socket. */
	if (c->out_len > c->out_off) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w > 0) {
			c->out_off += (size_t)w;
			moved = 1;
		} else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			c->dead = 1;
			return 1;
		}
	}
	if (c->out_len == c->out_off && !c->remote_closed) {
		/* Bytes libssh kept while the buffer was full. */
		int n;
		while (c->out_len - c->out_off < FWD_OUT_LIMIT &&
		       (n = ssh_channel_read_nonblocking(c->ch, f->buf, FWD_READ_CHUNK, 0)) > 0) {
			if (conn_append(c, f->buf, (size_t)n) != 0) {
				c->dead = 1;
				return 1;
			}
			moved = 1;
		}
	}
	if (c->remote_eof && c->out_len == c->out_off && !c->wr_shut) {
		(void)shutdown(c->fd, SHUT_WR);
		c->wr_shut = 1;
		moved = 1;
	}
	/* Socket to channel, no more than the window allows. */
	if (c->in_len > c->in_off && !c->remote_closed) {
		int w = ssh_channel_write(c->ch, c->in + c->in_off,
					  (uint32_t)(c->in_len - c->in_off));
		if (w < 0) {
			c->dead = 1;
			return 1;
		}
		c->in_off += (size_t)w;
		moved |= w > 0;
	}
	if (!c->local_eof && !c->remote_closed && c->in_len == c->in_off &&
	    (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
		uint32_t window = ssh_channel_window_size(c->ch);
		if (window > 0) {
			size_t want = window < FWD_READ_CHUNK ? window : FWD_READ_CHUNK;
			ssize_t n = recv(c->fd, f->buf, want, 0);
			if (n > 0) {
				int w = ssh_channel_write(c->ch, f->buf, (uint32_t)n);
				if (w < 0) {
					c->dead = 1;
					return 1;
				}
				if (w < n) {
					if (c->in == NULL) {
						c->in = lium_malloc(FWD_READ_CHUNK);
						if (c->in == NULL) {
							c->dead = 1;
							return 1;
						}
					}
					memcpy(c->in, f->buf + w, (size_t)(n - w));
					c->in_off = 0;
					c->in_len = (size_t)(n - w);
				}
				moved = 1;
			} else if (n == 0) {
				c->local_eof = 1;
				(void)ssh_channel_send_eof(c->ch);
				moved = 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				c->dead = 1;
				return 1;
			}
		}
	}
	if ((c->local_eof || c->remote_closed) && c->remote_eof && c->out_len == c->out_off) {
		c->dead = 1;
		moved = 1;
	}
	return moved;
}

static void finish(struct lium_ssh_forward *f, lium_status st, const lium_error *err)
{
	pthread_mutex_lock(&f->mu);
	if (!f->finished) {
		f->finished = 1;
		f->result = st;
		if (err != NULL && st != LIUM_OK) {
			f->error = *err;
		}
	}
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void *forward_main(void *arg)
{
	struct lium_ssh_forward *f = arg;
	struct pollfd *fds = NULL;
	size_t fds_cap = 0;
	lium_error err;
	lium_status st = LIUM_OK;
	size_t i;

	lium_error_clear(&err);
	for (;;) {
		size_t nfds = LIUM__SSH_POLL_RESERVED + 2 + f->n_conns;
		size_t polled = f->n_conns;
		int round;

		if (nfds > fds_cap || fds == NULL) {
			struct pollfd *p = lium_realloc(fds, nfds * sizeof(*p));
			if (p == NULL) {
				st = lium_error_set(&err, LIUM_ENOMEM, "out of memory");
				break;
			}
			fds = p;
			fds_cap = nfds;
		}
		fds[LIUM__SSH_POLL_RESERVED].fd = f->stop[0];
		fds[LIUM__SSH_POLL_RESERVED].events = POLLIN;
		fds[LIUM__SSH_POLL_RESERVED + 1].fd = f->n_conns < f->max_conns ? f->listen_fd : -1;
		fds[LIUM__SSH_POLL_RESERVED + 1].events = POLLIN;
		for (i = 0; i < f->n_conns; i++) {
			struct conn *c = f->conns[i];
			struct pollfd *p = &fds[LIUM__SSH_POLL_RESERVED + 2 + i];
			p->fd = c->fd;
			p->events = 0;
			if (c->out_len > c->out_off) {
				p->events |= POLLOUT;
			}
			if (c->state == CONN_OPEN && !c->local_eof && !c->remote_closed &&
			    ssh_channel_window_size(c->ch) > 0) {
				p->events |= POLLIN;
			}
		}
		st = lium__ssh_poll(f->ssh, fds, nfds, -1, &err);
		if (st != LIUM_OK) {
			break;
		}
		if (fds[LIUM__SSH_POLL_RESERVED].revents != 0) {
			break;
		}
		/* Process what the server sent: data lands in the connections'
		 * buffers through on_data(). */
		for (round = 0; round < FWD_PUMP_ROUNDS; round++) {
			uint64_t before = f->ssh->rx_counter.in_bytes;
			st = lium__ssh_pump(f->ssh, &err);
			if (st != LIUM_OK || f->ssh->rx_counter.in_bytes == before) {
				break;
			}
		}
		if (st != LIUM_OK) {
			break;
		}
		if (fds[LIUM__SSH_POLL_RESERVED + 1].revents != 0) {
			accept_new(f);
		}
		{
			size_t kept = 0;
			for (i = 0; i < f->n_conns; i++) {
				struct conn *c = f->conns[i];
				short rev = 0;
				if (i < polled) {
					rev = fds[LIUM__SSH_POLL_RESERVED + 2 + i].revents;
				}
				(void)conn_step(f, c, rev);
			}
			/* Connections accepted in this round have no pollfd yet;
			 * conn_step() above ran for them with no events. */
			for (i = 0; i < f->n_conns; i++) {
				if (f->conns[i]->dead) {
					conn_free(f->conns[i]);
				} else {
					f->conns[kept++] = f->conns[i];
				}
			}
			f->n_conns = kept;
		}
		if (f->ssh->dead != LIUM_OK) {
			st = lium_error_set(&err, f->ssh->dead, "ssh %s: connection lost",
					    f->ssh->alias);
			break;
		}
	}
	for (i = 0; i < f->n_conns; i++) {
		conn_free(f->conns[i]);
	}
	f->n_conns = 0;
	lium_free(fds);
	finish(f, st, &err);
	return NULL;
}

lium_status lium_ssh_forward_start(lium_ssh_forward **out, lium_ssh *ssh,
				   const lium_ssh_forward_options *o, lium_error *err)
{
	struct lium_ssh_forward *f;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int one = 1;
	int expected = 0;
	lium_status st;
	int i;

	if (out == NULL) {
		return lium_error_set(err, LIUM_EINVAL, "port forward: out is NULL");
	}
	*out = NULL;
	if (o == NULL || o->version < 1 || o->version > LIUM_SSH_FORWARD_OPTIONS_VERSION ||
	    o->remote_port == 0 || o->remote_port > 65535 || o->local_port > 65535) {
		return lium_error_set(err, LIUM_EINVAL,
				      "port forward: options need a version and valid ports");
	}
	st = lium__ssh_usable(ssh, err);
	if (st != LIUM_OK) {
		return st;
	}
	if (!atomic_compare_exchange_strong(&ssh->busy, &expected, 1)) {
		return lium_error_set(err, LIUM_EINVAL, "port forward: session busy");
	}
	f = lium_calloc(1, sizeof(*f));
	if (f == NULL) {
		atomic_store(&ssh->busy, 0);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	f->ssh = ssh;
	f->listen_fd = -1;
	f->stop[0] = f->stop[1] = -1;
	f->remote_port = o->remote_port;
	f->max_conns = o->max_connections != 0 ? o->max_connections : FWD_DEFAULT_MAX;
	f->remote_host = lium_strdup(o->remote_host != NULL ? o->remote_host : "127.0.0.1");
	f->buf = lium_malloc(FWD_READ_CHUNK);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (f->remote_host == NULL || f->buf == NULL) {
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		goto fail;
	}
	if (pipe(f->stop) != 0) {
		f->stop[0] = f->stop[1] = -1;
		st = lium_error_set(err, LIUM_EIO, "pipe: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		(void)fcntl(f->stop[i], F_SETFD, FD_CLOEXEC);
		(void)fcntl(f->stop[i], F_SETFL, fcntl(f->stop[i], F_GETFL) | O_NONBLOCK);
	}
	f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (f->listen_fd < 0) {
		st = lium_error_set(err, LIUM_EIO, "port forward: socket: %s", strerror(errno));
		goto fail;
	}
	(void)fcntl(f->listen_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(f->listen_fd, F_SETFL, fcntl(f->listen_fd, F_GETFL) | O_NONBLOCK);
	(void)setsockopt(f->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)o->local_port);
	if (bind(f->listen_fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(f->listen_fd, 128) != 0 ||
	    getsockname(f->listen_fd, (struct sockaddr *)&sin, &sl) != 0) {
		int e = errno;
		st = lium_error_set(err, LIUM_EIO,
				    "port forward: cannot listen on 127.0.0.1:%u: %s",
				    o->local_port, strerror(e));
		set_cause(err, e);
		goto fail;
	}
	f->port = ntohs(sin.sin_port);
	if (pthread_create(&f->thread, NULL, forward_main, f) != 0) {
		st = lium_error_set(err, LIUM_ENOMEM, "port forward: cannot start a thread");
		goto fail;
	}
	f->thread_started = 1;
	*out = f;
	return LIUM_OK;
fail:
	lium_ssh_forward_free(f);
	return st;
}

unsigned int lium_ssh_forward_port(const lium_ssh_forward *fwd)
{
	return fwd != NULL ? fwd->port : 0;
}

static lium_status report_end(struct lium_ssh_forward *f, lium_error *err)
{
	if (f->result != LIUM_OK && err != NULL) {
		*err = f->error;
	}
	return f->result;
}

lium_status lium_ssh_forward_wait(lium_ssh_forward *fwd, int timeout_ms, lium_error *err)
{
	lium_status st;

	if (fwd == NULL) {
		return lium_error_set(err, LIUM_EINVAL, "port forward: NULL");
	}
	pthread_mutex_lock(&fwd->mu);
	if (timeout_ms < 0) {
		while (!fwd->finished) {
			pthread_cond_wait(&fwd->cv, &fwd->mu);
		}
	} else {
		int64_t end = lium__ssh_now_ms() + timeout_ms;
		while (!fwd->finished) {
			int64_t left = end - lium__ssh_now_ms();
			struct timespec ts;
			if (left <= 0) {
				break;
			}
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(left / 1000);
			ts.tv_nsec += (long)(left % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&fwd->cv, &fwd->mu, &ts);
		}
	}
	if (!fwd->finished) {
		pthread_mutex_unlock(&fwd->mu);
		return lium_error_set(err, LIUM_ETIMEOUT, "port forward still running");
	}
	st = report_end(fwd, err);
	pthread_mutex_unlock(&fwd->mu);
	return st;
}

lium_status lium_ssh_forward_stop(lium_ssh_forward *fwd, lium_error *err)
{
	lium_status st;

	if (fwd == NULL) {
		return LIUM_OK;
	}
	if (fwd->thread_started) {
		if (fwd->stop[1] >= 0) {
			ssize_t n = write(fwd->stop[1], "s", 1);
			(void)n;
		}
		pthread_join(fwd->thread, NULL);
		fwd->thread_started = 0;
		atomic_store(&fwd->ssh->busy, 0);
	}
	if (fwd->listen_fd >= 0) {
		close(fwd->listen_fd);
		fwd->listen_fd = -1;
	}
	pthread_mutex_lock(&fwd->mu);
	st = fwd->finished ? report_end(fwd, err) : LIUM_OK;
	pthread_mutex_unlock(&fwd->mu);
	return st;
}

void lium_ssh_forward_free(lium_ssh_forward *fwd)
{
	int i;

	if (fwd == NULL) {
		return;
	}
	if (fwd->thread_started) {
		(void)lium_ssh_forward_stop(fwd, NULL);
	} else if (fwd->ssh != NULL) {
		atomic_store(&fwd->ssh->busy, 0);
	}
	if (fwd->listen_fd >= 0) {
		close(fwd->listen_fd);
	}
	for (i = 0; i < 2; i++) {
		if (fwd->stop[i] >= 0) {
			close(fwd->stop[i]);
		}
	}
	pthread_mutex_destroy(&fwd->mu);
	pthread_cond_destroy(&fwd->cv);
	lium_free(fwd->remote_host);
	lium_free(fwd->buf);
	lium_free(fwd->conns);
	lium_free(fwd);
}
