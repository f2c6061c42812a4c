/*
 * The sshd test fixture (see sshd_fixture.h).
 */
#define _GNU_SOURCE
#include "sshd_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SSHD_PATH "/usr/sbin/sshd"

static sshd_fixture_keys g_keys;
static int g_keys_state; /* 0 not made, 1 ok, -1 failed */

static const char *tmp_root(void)
{
	const char *t = getenv("TMPDIR");
	return t != NULL && t[0] != '\0' ? t : "/tmp";
}

int sshd_fixture_run(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return -1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D) {
		rmdir(path);
	} else {
		unlink(path);
	}
	return 0;
}

void sshd_fixture_rmtree(const char *path)
{
	if (path != NULL && path[0] != '\0') {
		nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
	}
}

static void remove_keys(void)
{
	if (g_keys_state == 1) {
		sshd_fixture_rmtree(g_keys.dir);
	}
}

static int keygen(const char *type, const char *bits, const char *pass, const char *path)
{
	const char *argv[16];
	int i = 0;

	argv[i++] = "ssh-keygen";
	argv[i++] = "-q";
	argv[i++] = "-t";
	argv[i++] = type;
	if (bits != NULL) {
		argv[i++] = "-b";
		argv[i++] = bits;
	}
	argv[i++] = "-N";
	argv[i++] = pass;
	argv[i++] = "-C";
	argv[i++] = "lium-test";
	argv[i++] = "-f";
	argv[i++] = path;
	argv[i] = NULL;
	unlink(path);
	return sshd_fixture_run(argv);
}

const sshd_fixture_keys *sshd_fixture_client_keys(void)
{
	if (g_keys_state != 0) {
		return g_keys_state == 1 ? &g_keys : NULL;
	}
	g_keys_state = -1;
	snprintf(g_keys.dir, sizeof(g_keys.dir), "%s/lium-keys-XXXXXX", tmp_root());
	if (mkdtemp(g_keys.dir) == NULL) {
		perror("sshd_fixture: mkdtemp");
		return NULL;
	}
	snprintf(g_keys.ed25519, sizeof(g_keys.ed25519), "%s/id_ed25519", g_keys.dir);
	snprintf(g_keys.rsa, sizeof(g_keys.rsa), "%s/id_rsa", g_keys.dir);
	snprintf(g_keys.ecdsa, sizeof(g_keys.ecdsa), "%s/id_ecdsa", g_keys.dir);
	snprintf(g_keys.ed25519_pass, sizeof(g_keys.ed25519_pass), "%s/id_ed25519_pass",
		 g_keys.dir);
	snprintf(g_keys.unauthorized, sizeof(g_keys.unauthorized), "%s/id_unauthorized",
		 g_keys.dir);
	if (keygen("ed25519", NULL, "", g_keys.ed25519) != 0 ||
	    keygen("rsa", "2048", "", g_keys.rsa) != 0 ||
	    keygen("ecdsa", "256", "", g_keys.ecdsa) != 0 ||
	    keygen("ed25519", NULL, SSHD_FIXTURE_PASSPHRASE, g_keys.ed25519_pass) != 0 ||
	    keygen("ed25519", NULL, "", g_keys.unauthorized) != 0) {
		fprintf(stderr, "sshd_fixture: ssh-keygen failed\n");
		sshd_fixture_rmtree(g_keys.dir);
		return NULL;
	}
	g_keys_state = 1;
	atexit(remove_keys);
	return &g_keys;
}

/*
 * useradd leaves the password "!" (locked), and sshd without PAM refuses
 * every login of a locked account, keys included.  "*" keeps password
 * logins impossible but the account usable.
 */
static void unlock_user(void)
{
	struct spwd *sp = getspnam(SSHD_FIXTURE_USER);

	if (sp != NULL && sp->sp_pwdp != NULL && sp->sp_pwdp[0] == '!') {
		const char *argv[] = {"usermod", "-p", "*", SSHD_FIXTURE_USER, NULL};
		(void)sshd_fixture_run(argv);
	}
}

/* The login user: liumtest when root (created if missing), else ourselves. */
static int pick_user(sshd_fixture *f)
{
	struct passwd *pw;
	int tries;

	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		if (pw == NULL) {
			fprintf(stderr, "sshd_fixture: who am I?\n");
			return -1;
		}
		snprintf(f->user, sizeof(f->user), "%s", pw->pw_name);
		f->uid = pw->pw_uid;
		f->gid = pw->pw_gid;
		return 0;
	}
	for (tries = 0; tries < 20; tries++) {
		pw = getpwnam(SSHD_FIXTURE_USER);
		if (pw != NULL) {
			unlock_user();
			snprintf(f->user, sizeof(f->user), "%s", pw->pw_name);
			f->uid = pw->pw_uid;
			f->gid = pw->pw_gid;
			return 0;
		}
		{
			/* Other tests may be creating it at the same moment: retry. */
			const char *argv[] = {"useradd",         "-m", "-s", "/bin/sh",
					      SSHD_FIXTURE_USER, NULL};
			(void)sshd_fixture_run(argv);
		}
		usleep(100000);
	}
	fprintf(stderr, "sshd_fixture: cannot create user %s\n", SSHD_FIXTURE_USER);
	return -1;
}

int sshd_fixture_chown(const sshd_fixture *f, const char *path)
{
	if (geteuid() != 0) {
		return 0;
	}
	return chown(path, f->uid, f->gid);
}

static unsigned int free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned int port = 0;

	if (fd < 0) {
		return 0;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0) {
		port = ntohs(sin.sin_port);
	}
	close(fd);
	return port;
}

unsigned int sshd_fixture_closed_port(void)
{
	return free_port();
}

int sshd_fixture_blackhole(unsigned int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0) {
		return -1;
	}
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int append_pub(FILE *out, const char *key)
{
	char path[SSHD_FIXTURE_PATH_MAX + 8];
	char line[4096];
	FILE *in;

	snprintf(path, sizeof(path), "%s.pub", key);
	in = fopen(path, "r");
	if (in == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		fputs(line, out);
	}
	fclose(in);
	return 0;
}

static int write_config(sshd_fixture *f)
{
	char text[4096];
	const char *verbose = getenv("LIUM_TEST_SSHD_VERBOSE");

	snprintf(text, sizeof(text),
		 "Port %u\n"
		 "ListenAddress 127.0.0.1\n"
		 "HostKey %s\n"
		 "PidFile none\n"
		 "AuthorizedKeysFile %s/authorized_keys\n"
		 "PubkeyAuthentication yes\n"
		 "PasswordAuthentication no\n"
		 "KbdInteractiveAuthentication no\n"
		 "UsePAM no\n"
		 "StrictModes no\n"
		 "MaxStartups 1000\n"
		 "MaxSessions 1000\n"
		 "MaxAuthTries 20\n"
		 "LoginGraceTime 60\n"
		 "AllowUsers %s\n"
		 "PermitRootLogin prohibit-password\n"
		 "Subsystem sftp internal-sftp\n"
		 "AllowTcpForwarding yes\n"
		 "X11Forwarding no\n"
		 "PrintMotd no\n"
		 "PrintLastLog no\n"
		 "UseDNS no\n"
		 "LogLevel %s\n",
		 f->port, f->host_key, f->dir, f->user,
		 verbose != NULL && verbose[0] == '1' ? "DEBUG1" : "ERROR");
	return write_file(f->config, text, 0644);
}

static int write_authorized_keys(sshd_fixture *f)
{
	char path[SSHD_FIXTURE_PATH_MAX + 32];
	FILE *out;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/authorized_keys", f->dir);
	out = fopen(path, "w");
	if (out == NULL) {
		return -1;
	}
	rc |= append_pub(out, f->keys->ed25519);
	rc |= append_pub(out, f->keys->rsa);
	rc |= append_pub(out, f->keys->ecdsa);
	rc |= append_pub(out, f->keys->ed25519_pass);
	fclose(out);
	chmod(path, 0644);
	return rc;
}

/* Whether something on port answers with an SSH banner. */
static int banner_ok(unsigned int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[64];
	struct pollfd p;
	ssize_t n;
	int ok = 0;

	if (fd < 0) {
		return 0;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 2000) > 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			ok = n >= 4 && memcmp(buf, "SSH-", 4) == 0;
		}
	}
	close(fd);
	return ok;
}

static int log_says(const sshd_fixture *f, const char *what)
{
	char buf[8192];
	int fd = open(f->log, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return 0;
	}
	buf[n] = '\0';
	return strstr(buf, what) != NULL;
}

static void print_log(const sshd_fixture *f)
{
	char buf[4096];
	int fd = open(f->log, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stderr);
	}
	close(fd);
}

static int spawn(sshd_fixture *f)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int logfd;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(1);
		}
		setpgid(0, 0);
		logfd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (logfd >= 0) {
			dup2(logfd, 1);
			dup2(logfd, 2);
		}
		execl(SSHD_PATH, SSHD_PATH, "-D", "-e", "-f", f->config, (char *)NULL);
		_exit(127);
	}
	f->pid = pid;
	return 0;
}

/* Start on f->port; 1 when the port was taken (caller picks another). */
static int launch(sshd_fixture *f)
{
	int i;

	if (write_config(f) != 0 || spawn(f) != 0) {
		return -1;
	}
	for (i = 0; i < 400; i++) {
		int status;
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			f->pid = 0;
			if (log_says(f, "Address already in use")) {
				return 1;
			}
			fprintf(stderr, "sshd_fixture: sshd exited early; its log:\n");
			print_log(f);
			return -1;
		}
		if (banner_ok(f->port)) {
			return 0;
		}
		usleep(25000);
	}
	fprintf(stderr, "sshd_fixture: sshd did not answer on port %u\n", f->port);
	print_log(f);
	return -1;
}

static int launch_any_port(sshd_fixture *f, unsigned int first)
{
	int tries;

	f->port = first != 0 ? first : free_port();
	for (tries = 0; tries < 10; tries++) {
		int rc = launch(f);
		if (rc <= 0) {
			return rc;
		}
		f->port = free_port();
	}
	return -1;
}

int sshd_fixture_start(sshd_fixture *f)
{
	memset(f, 0, sizeof(*f));
	if (access(SSHD_PATH, X_OK) != 0) {
		fprintf(stderr, "sshd_fixture: %s is not installed\n", SSHD_PATH);
		return 77;
	}
	f->keys = sshd_fixture_client_keys();
	if (f->keys == NULL || pick_user(f) != 0) {
		return -1;
	}
	if (geteuid() == 0) {
		mkdir("/run/sshd", 0755);
	}
	snprintf(f->dir, sizeof(f->dir), "%s/lium-sshd-XXXXXX", tmp_root());
	if (mkdtemp(f->dir) == NULL) {
		perror("sshd_fixture: mkdtemp");
		return -1;
	}
	chmod(f->dir, 0755);
	snprintf(f->config, sizeof(f->config), "%s/sshd_config", f->dir);
	snprintf(f->host_key, sizeof(f->host_key), "%s/host_ed25519", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/sshd.log", f->dir);
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	snprintf(f->known_hosts, sizeof(f->known_hosts), "%s/client/known_hosts", f->dir);
	if (mkdir(f->home, 0755) != 0 || sshd_fixture_chown(f, f->home) != 0) {
		perror("sshd_fixture: home");
		goto fail;
	}
	if (keygen("ed25519", NULL, "", f->host_key) != 0) {
		fprintf(stderr, "sshd_fixture: ssh-keygen (host key) failed\n");
		goto fail;
	}
	if (write_authorized_keys(f) != 0) {
		fprintf(stderr, "sshd_fixture: cannot write authorized_keys\n");
		goto fail;
	}
	if (launch_any_port(f, 0) != 0) {
		goto fail;
	}
	return 0;
fail:
	sshd_fixture_rmtree(f->dir);
	f->dir[0] = '\0';
	return -1;
}

/* PIDs whose parent is `parent`, from /proc. */
static size_t children_of(pid_t parent, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (d == NULL) {
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		char path[300];
		char buf[512];
		char *rp;
		int fd;
		ssize_t len;
		long ppid;
		char *end = NULL;
		pid_t pid = (pid_t)strtol(de->d_name, &end, 10);

		if (pid <= 0 || end == NULL || *end != '\0') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			continue;
		}
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0) {
			continue;
		}
		buf[len] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces or parens. */
		rp = strrchr(buf, ')');
		if (rp == NULL || rp[1] != ' ' || rp[2] == '\0' || rp[3] != ' ') {
			continue;
		}
		ppid = strtol(rp + 4, &end, 10);
		if (end == rp + 4) {
			continue;
		}
		if ((pid_t)ppid == parent) {
			out[n++] = pid;
		}
	}
	closedir(d);
	return n;
}

/* Signal a process's descendants (deepest first), then the process. */
static void kill_tree(pid_t pid, int sig)
{
	pid_t kids[512];
	size_t n = children_of(pid, kids, 512);
	size_t i;

	kill(pid, SIGSTOP); /* no new children while we look */
	for (i = 0; i < n; i++) {
		kill_tree(kids[i], sig);
	}
	kill(pid, sig);
	kill(pid, SIGCONT);
}

static void reap(sshd_fixture *f, int sig)
{
	int i;

	if (f->pid <= 0) {
		return;
	}
	kill_tree(f->pid, sig);
	for (i = 0; i < 200; i++) {
		if (waitpid(f->pid, NULL, WNOHANG) == f->pid) {
			f->pid = 0;
			return;
		}
		usleep(10000);
	}
	kill_tree(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	f->pid = 0;
}

void sshd_fixture_kill(sshd_fixture *f)
{
	reap(f, SIGKILL);
}

void sshd_fixture_stop(sshd_fixture *f)
{
	if (f == NULL) {
		return;
	}
	reap(f, SIGTERM);
	if (f->dir[0] != '\0' && getenv("LIUM_TEST_SSHD_KEEP") == NULL) {
		sshd_fixture_rmtree(f->dir);
	}
	f->dir[0] = '\0';
}

int sshd_fixture_restart(sshd_fixture *f, int new_host_key)
{
	reap(f, SIGTERM);
	if (new_host_key && keygen("ed25519", NULL, "", f->host_key) != 0) {
		return -1;
	}
	return launch_any_port(f, f->port);
}
