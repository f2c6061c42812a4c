/*
 * Test fixture: a real OpenSSH sshd on a free 127.0.0.1 port.
 *
 * Each fixture has its own directory (host key, sshd_config, log,
 * authorized_keys, a "home" directory the login user can write, and a
 * known_hosts path for lium), and logs in as the unprivileged user
 * `liumtest` when the tests run as root (created with useradd when missing),
 * or as the current user otherwise.
 *
 * The client keys (ed25519, RSA, ECDSA, and an ed25519 key protected by
 * SSHD_FIXTURE_PASSPHRASE) are generated once per test process and shared
 * by every fixture; all of them are authorized.
 *
 * sshd runs in the foreground (-D -e) as a child of the test, dies with it
 * (PR_SET_PDEATHSIG) and is stopped by PID.
 */
#ifndef LIUM_TESTS_SSHD_FIXTURE_H
#define LIUM_TESTS_SSHD_FIXTURE_H

#include <sys/types.h>

#define SSHD_FIXTURE_PATH_MAX   512
#define SSHD_FIXTURE_DIR_MAX    256
#define SSHD_FIXTURE_PASSPHRASE "lium test passphrase"
#define SSHD_FIXTURE_USER       "liumtest"

typedef struct sshd_fixture_keys {
	char dir[SSHD_FIXTURE_DIR_MAX];
	char ed25519[SSHD_FIXTURE_PATH_MAX];
	char rsa[SSHD_FIXTURE_PATH_MAX];
	char ecdsa[SSHD_FIXTURE_PATH_MAX];
	char ed25519_pass[SSHD_FIXTURE_PATH_MAX];
	char unauthorized[SSHD_FIXTURE_PATH_MAX];
} sshd_fixture_keys;

typedef struct sshd_fixture {
	pid_t pid;
	unsigned int port;
	char dir[SSHD_FIXTURE_DIR_MAX];
	char config[SSHD_FIXTURE_PATH_MAX];
	char host_key[SSHD_FIXTURE_PATH_MAX];
	char log[SSHD_FIXTURE_PATH_MAX];
	/* A directory owned by the login user, for files the tests move. */
	char home[SSHD_FIXTURE_DIR_MAX + 16];
	/* Where lium's known_hosts for this fixture lives (not created). */
	char known_hosts[SSHD_FIXTURE_DIR_MAX + 64];
	char user[64];
	uid_t uid;
	gid_t gid;
	const sshd_fixture_keys *keys;
} sshd_fixture;

/* The shared client keys; generated on first use.  NULL on failure. */
const sshd_fixture_keys *sshd_fixture_client_keys(void);

/*
 * Start a server.  Returns 0, or -1 with a message on stderr.  When the
 * machine cannot run sshd at all (no /usr/sbin/sshd), returns 77 so that a
 * test can report a skip with that reason.
 */
int sshd_fixture_start(sshd_fixture *f);

/* Stop the server and everything it started, and remove its directory. */
void sshd_fixture_stop(sshd_fixture *f);

/* Stop and start again on the same port when possible, optionally with a
 * new host key.  Returns 0 or -1. */
int sshd_fixture_restart(sshd_fixture *f, int new_host_key);

/* Kill the server and its session processes with SIGKILL (a crash). */
void sshd_fixture_kill(sshd_fixture *f);

/* Make a file or directory under the fixture owned by the login user. */
int sshd_fixture_chown(const sshd_fixture *f, const char *path);

/* A 127.0.0.1 port nothing listens on (found free, then released). */
unsigned int sshd_fixture_closed_port(void);

/* A listening socket that never accepts or answers: connections complete
 * but no SSH banner ever comes.  Returns the fd (close it when done). */
int sshd_fixture_blackhole(unsigned int *port);

/* Run argv quietly; returns its exit status, or -1. */
int sshd_fixture_run(const char *const argv[]);

/* rm -rf of a directory tree. */
void sshd_fixture_rmtree(const char *path);

#endif /* LIUM_TESTS_SSHD_FIXTURE_H */
