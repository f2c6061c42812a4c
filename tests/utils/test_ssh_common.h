/*
 * Helpers shared by the SSH, SFTP, forwarding, known-hosts and fan-out
 * tests and benchmarks (header-only).
 */
#ifndef LIUM_TESTS_SSH_COMMON_H
#define LIUM_TESTS_SSH_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lium/utils/ssh.h>

#include "sshd_fixture.h"

/* ctest's "skip" return code (SKIP_RETURN_CODE 77 on the test). */
#define TEST_SKIP 77

/* Options to log in to a fixture with the given keys (NULL: ed25519). */
static inline void test_ssh_options(lium_ssh_options *o, const sshd_fixture *f,
				    const char *const *keys, const char *alias)
{
	static const char *def[2];
	lium_ssh_options d = LIUM_SSH_OPTIONS_INIT;

	*o = d;
	def[0] = f->keys->ed25519;
	def[1] = NULL;
	o->host = "127.0.0.1";
	o->port = f->port;
	o->user = f->user;
	o->key_paths = keys != NULL ? keys : def;
	o->agent = LIUM_SSH_AGENT_NEVER;
	o->known_hosts_path = f->known_hosts;
	o->host_alias = alias;
	o->connect_timeout_ms = 20000;
}

/*
 * Factor for upper bounds on elapsed time: LIUM_TEST_TIME_SCALE, set where
 * the tests run under valgrind, else 1.  Lower bounds never stretch.
 */
static inline double test_time_scale(void)
{
	const char *s = getenv("LIUM_TEST_TIME_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;

	return v > 1.0 ? v : 1.0;
}

static inline double test_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whole file into a malloc'ed buffer; NULL when unreadable. */
static inline char *test_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;
	size_t n = 0;

	if (fp == NULL) {
		return NULL;
	}
	for (;;) {
		size_t got;
		if (n + 65536 + 1 > cap) {
			char *p;
			cap = cap != 0 ? cap * 2 : 131072;
			p = realloc(buf, cap);
			if (p == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0) {
			break;
		}
	}
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL) {
		*len = n;
	}
	return buf;
}

static inline int test_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	const char *p = data;

	if (fd < 0) {
		return -1;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Deterministic pseudo-random bytes (xorshift), for test files. */
static inline void test_fill(unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 2654435761u + 88172645463325252ull;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		p[i] = (unsigned char)(x >> ((i & 7) * 8));
	}
}

/* `sha256sum <path>` of a local file through coreutils: 64 hex chars. */
static inline int test_sha256(const char *path, char out[65])
{
	char cmd[1200];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	p = popen(cmd, "r");
	if (p == NULL) {
		return -1;
	}
	ok = fscanf(p, "%64s", out) == 1;
	pclose(p);
	return ok ? 0 : -1;
}

#endif /* LIUM_TESTS_SSH_COMMON_H */
