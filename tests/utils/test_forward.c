/*
 * Local port forwarding through a real sshd to a TCP echo server on
 * loopback: data both ways, many connections at once, half-close, a refused
 * target, the session being busy, and the server going away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "test_ssh_common.h"

static sshd_fixture fx;

/* ------------------------------------------------------------ echo server */

struct echo_server {
	int fd;
	unsigned int port;
	pthread_t thread;
	int stop[2];
	int connections;
	pthread_mutex_t mu;
};

static void *echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		ssize_t off = 0;
		if (n <= 0) {
			break;
		}
		while (off < n) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0) {
				close(fd);
				return NULL;
			}
			off += w;
		}
	}
	close(fd);
	return NULL;
}

static void *echo_accept(void *arg)
{
	struct echo_server *s = arg;

	for (;;) {
		struct pollfd p[2];
		int c;
		pthread_t th;
		p[0].fd = s->fd;
		p[0].events = POLLIN;
		p[1].fd = s->stop[0];
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0 || p[1].revents != 0) {
			break;
		}
		c = accept(s->fd, NULL, NULL);
		if (c < 0) {
			continue;
		}
		pthread_mutex_lock(&s->mu);
		s->connections++;
		pthread_mutex_unlock(&s->mu);
		if (pthread_create(&th, NULL, echo_conn, (void *)(intptr_t)c) == 0) {
			pthread_detach(th);
		} else {
			close(c);
		}
	}
	return NULL;
}

static void echo_start(struct echo_server *s)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s->fd, 128), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sin, &sl), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pipe(s->stop), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, echo_accept, s), 0);
}

static void echo_stop(struct echo_server *s)
{
	ssize_t n = write(s->stop[1], "x", 1);

	(void)n;
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->mu);
}

static struct echo_server echo;

static int group_setup(void **state)
{
	(void)state;
	if (sshd_fixture_start(&fx) != 0) {
		return -1;
	}
	echo_start(&echo);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	echo_stop(&echo);
	sshd_fixture_stop(&fx);
	return 0;
}

static lium_ssh *connect_default(void)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;

	test_ssh_options(&o, &fx, NULL, "fwd-host");
	if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
		fail_msg("connect: %s", err.message);
	}
	return ssh;
}

static int dial(unsigned int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0) {
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send len bytes through the tunnel while reading the echo; half-close
 * after sending and read to EOF.  Returns 0 when the echo matches. */
static int echo_round_trip(unsigned int port, size_t len, uint64_t seed)
{
	unsigned char *out = malloc(len);
	unsigned char *in = malloc(len + 1);
	size_t sent = 0;
	size_t got = 0;
	int fd = dial(port);
	int rc = -1;
	int closed_wr = 0;

	if (out == NULL || in == NULL || fd < 0) {
		goto done;
	}
	test_fill(out, len, seed);
	for (;;) {
		struct pollfd p;
		p.fd = fd;
		p.events = POLLIN;
		if (sent < len) {
			p.events |= POLLOUT;
		} else if (!closed_wr) {
			shutdown(fd, SHUT_WR);
			closed_wr = 1;
		}
		if (poll(&p, 1, 10000) <= 0) {
			goto done; /* stalled */
		}
		if ((p.revents & POLLOUT) != 0) {
			size_t chunk = len - sent < 16384 ? len - sent : 16384;
			ssize_t w = write(fd, out + sent, chunk);
			if (w > 0) {
				sent += (size_t)w;
			}
		}
		if ((p.revents & (POLLIN | POLLHUP)) != 0) {
			ssize_t n = read(fd, in + got, len + 1 - got);
			if (n < 0) {
				goto done;
			}
			if (n == 0) {
				break;
			}
			got += (size_t)n;
		}
	}
	rc = got == len && memcmp(in, out, len) == 0 ? 0 : -1;
done:
	if (fd >= 0) {
		close(fd);
	}
	free(out);
	free(in);
	return rc;
}

static lium_ssh_forward *start_forward(lium_ssh *ssh, unsigned int remote_port)
{
	lium_ssh_forward_options fo = LIUM_SSH_FORWARD_OPTIONS_INIT;
	lium_ssh_forward *fwd = NULL;
	lium_error err;

	fo.remote_port = remote_port;
	if (lium_ssh_forward_start(&fwd, ssh, &fo, &err) != LIUM_OK) {
		fail_msg("forward: %s", err.message);
	}
	assert_true(lium_ssh_forward_port(fwd) > 0);
	return fwd;
}

static void test_forward__echo_through_tunnel(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_forward *fwd = start_forward(ssh, echo.port);
	lium_error err;
	int before;

	(void)state;
	pthread_mutex_lock(&echo.mu);
	before = echo.connections;
	pthread_mutex_unlock(&echo.mu);
	assert_int_equal(echo_round_trip(lium_ssh_forward_port(fwd), 5, 1), 0);
	assert_int_equal(echo_round_trip(lium_ssh_forward_port(fwd), 3u * 1024u * 1024u + 7u, 2),
			 0);
	assert_int_equal(echo_round_trip(lium_ssh_forward_port(fwd), 0, 3), 0);
	pthread_mutex_lock(&echo.mu);
	/* The echo server really saw the connections (they came through sshd). */
	assert_int_equal(echo.connections - before, 3);
	pthread_mutex_unlock(&echo.mu);
	assert_int_equal(lium_ssh_forward_wait(fwd, 0, &err), LIUM_ETIMEOUT);
	assert_int_equal(lium_ssh_forward_stop(fwd, &err), LIUM_OK);
	lium_ssh_forward_free(fwd);
	lium_ssh_free(ssh);
}

struct client_job {
	unsigned int port;
	size_t len;
	uint64_t seed;
	int rc;
};

static void *client_thread(void *arg)
{
	struct client_job *j = arg;

	j->rc = echo_round_trip(j->port, j->len, j->seed);
	return NULL;
}

static void test_forward__many_connections_at_once(void **state)
{
	enum { N = 40 };
	lium_ssh *ssh = connect_default();
	lium_ssh_forward *fwd = start_forward(ssh, echo.port);
	struct client_job jobs[N];
	pthread_t th[N];
	double t0 = test_now();
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		jobs[i].port = lium_ssh_forward_port(fwd);
		jobs[i].len = 100000u + (size_t)i * 7919u;
		jobs[i].seed = (uint64_t)(100 + i);
		jobs[i].rc = -2;
		assert_int_equal(pthread_create(&th[i], NULL, client_thread, &jobs[i]), 0);
	}
	/* Join them all before checking: a failed assertion leaves the test
	 * while threads still write into jobs[]. */
	for (i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(jobs[i].rc, 0);
	}
	print_message("%d concurrent tunnelled connections: %.2f s\n", N, test_now() - t0);
	lium_ssh_forward_free(fwd);
	lium_ssh_free(ssh);
}

static void test_forward__refused_target_and_busy_session(void **state)
{
	lium_ssh *ssh = connect_default();
	lium_ssh_forward *fwd = start_forward(ssh, sshd_fixture_closed_port());
	lium_ssh_forward *second = NULL;
	lium_ssh_forward_options fo = LIUM_SSH_FORWARD_OPTIONS_INIT;
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_ssh_exec_result res;
	lium_error err;
	char buf[16];
	int fd;
	int i;

	(void)state;
	/* Nothing listens there: each connection is closed, the forward stays. */
	for (i = 0; i < 3; i++) {
		struct pollfd p;
		fd = dial(lium_ssh_forward_port(fwd));
		assert_true(fd >= 0);
		p.fd = fd;
		p.events = POLLIN;
		assert_int_equal(poll(&p, 1, 5000), 1);
		assert_true(read(fd, buf, sizeof(buf)) <= 0);
		close(fd);
	}
	assert_int_equal(lium_ssh_forward_wait(fwd, 0, &err), LIUM_ETIMEOUT);

	/* The forward thread owns the session meanwhile. */
	eo.command = "true";
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_EINVAL);
	fo.remote_port = echo.port;
	assert_int_equal(lium_ssh_forward_start(&second, ssh, &fo, &err), LIUM_EINVAL);
	assert_null(second);
	assert_int_equal(lium_ssh_forward_stop(fwd, &err), LIUM_OK);
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	lium_ssh_forward_free(fwd);

	/* A local port already taken. */
	fwd = start_forward(ssh, echo.port);
	fo.local_port = lium_ssh_forward_port(fwd);
	{
		lium_ssh *other = connect_default();
		assert_int_equal(lium_ssh_forward_start(&second, other, &fo, &err), LIUM_EIO);
		assert_null(second);
		lium_ssh_free(other);
	}
	fo.remote_port = 0;
	assert_int_equal(lium_ssh_forward_start(&second, ssh, &fo, &err), LIUM_EINVAL);
	lium_ssh_forward_free(fwd);
	lium_ssh_free(ssh);
}

static void test_forward__ends_when_the_server_dies(void **state)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_ssh_forward *fwd;
	lium_error err;
	lium_status st;
	double t0;

	(void)state;
	test_ssh_options(&o, &fx, NULL, "fwd-host");
	o.keepalive_interval_ms = 200;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	fwd = start_forward(ssh, echo.port);
	assert_int_equal(echo_round_trip(lium_ssh_forward_port(fwd), 1000, 9), 0);
	sshd_fixture_kill(&fx);
	t0 = test_now();
	st = lium_ssh_forward_wait(fwd, 5000, &err);
	assert_true(st == LIUM_ENETWORK || st == LIUM_ESSH);
	assert_true(test_now() - t0 < 4.0);
	lium_ssh_forward_free(fwd);
	lium_ssh_free(ssh);
	assert_int_equal(sshd_fixture_restart(&fx, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward__echo_through_tunnel),
		cmocka_unit_test(test_forward__many_connections_at_once),
		cmocka_unit_test(test_forward__refused_target_and_busy_session),
		cmocka_unit_test(test_forward__ends_when_the_server_dies),
	};

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
