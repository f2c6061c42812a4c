/*
 * A private dockerd (and docker-registry) for the Docker tests.  Plain
 * fork/exec and sockets, so that the fixture does not depend on the code
 * under test.
 */
#define _GNU_SOURCE

#include "dockerd_fixture.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 90000
#define STOP_TIMEOUT_MS  30000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Full path of a program on PATH plus the sbin directories, or "" */
static void find_program(const char *name, char *out, size_t size)
{
	const char *env = getenv("PATH");
	char path[4096];
	char *save = NULL, *dir;
	snprintf(path, sizeof(path), "%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin",
		 env ? env : "");
	out[0] = '\0';
	for (dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char cand[4200];
		snprintf(cand, sizeof(cand), "%s/%s", dir, name);
		if (access(cand, X_OK) == 0 && strlen(cand) < size) {
			memcpy(out, cand, strlen(cand) + 1);
			return;
		}
	}
}

static void print_log_tail(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	long size, from;
	char buf[4096];
	size_t n;
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	from = size > (long)max ? size - (long)max : 0;
	fseek(f, from, SEEK_SET);
	fprintf(stderr, "---- end of %s ----\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "---- ----\n");
	fclose(f);
}

/* Start argv with output to log, in its own session; returns the pid or -1. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int devnull = open("/dev/null", O_RDONLY);
		const char *path = getenv("PATH");
		char newpath[4096];
		setsid();
		if (fd < 0 || devnull < 0)
			_exit(126);
		dup2(devnull, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		/* dockerd looks for containerd and runc on PATH. */
		snprintf(newpath, sizeof(newpath),
			 "%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
		setenv("PATH", newpath, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Returns 1 when the child has exited (and reaps it). */
static int exited(pid_t pid)
{
	int st;
	return waitpid(pid, &st, WNOHANG) == pid;
}

static void stop_pid(pid_t pid, const char *what)
{
	long long until;
	int st;
	if (pid <= 0)
		return;
	if (kill(pid, SIGTERM) != 0 && errno == ESRCH) {
		waitpid(pid, &st, WNOHANG);
		return;
	}
	until = now_ms() + STOP_TIMEOUT_MS;
	while (now_ms() < until) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		sleep_ms(50);
	}
	fprintf(stderr, "dockerd fixture: %s (pid %ld) ignored SIGTERM; killing it\n", what,
		(long)pid);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* GET path over the engine's socket; 1 when it answers 200 with "OK". */
static int ping_unix(const char *sock)
{
	struct sockaddr_un sa;
	char buf[1024];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	static const char req[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		close(fd);
		return 0;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return 0;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return strstr(buf, " 200 ") != NULL && strstr(buf, "\r\n\r\nOK") != NULL;
}

/* HTTP status of GET /v2/ on the registry, or 0 when it does not answer. */
static int registry_status(int port)
{
	struct sockaddr_in sa;
	char buf[512];
	size_t got = 0;
	ssize_t n;
	int code = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	static const char req[] = "GET /v2/ HTTP/1.0\r\nHost: registry\r\n\r\n";
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return 0;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/%*s %d", &code) != 1)
		return 0;
	return code;
}

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int port = -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

int dockerd_fixture_start(dockerd_fixture *f)
{
	char dockerd[512], data[200], exec_root[200], pidfile[200];
	long long until;

	memset(f, 0, sizeof(*f));
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: dockerd needs root, and this test runs as uid %ld\n",
			(long)geteuid());
		return DOCKERD_FIXTURE_SKIP;
	}
	find_program("dockerd", dockerd, sizeof(dockerd));
	if (!dockerd[0]) {
		fprintf(stderr, "dockerd fixture: dockerd not found: install the docker.io "
				"package\n");
		return -1;
	}
	/* Short fixed base: the sockets' paths must fit sun_path. */
	snprintf(f->dir, sizeof(f->dir), "/tmp/lium-dockerd-XXXXXX");
	if (!mkdtemp(f->dir)) {
		perror("dockerd fixture: mkdtemp");
		return -1;
	}
	snprintf(f->sock, sizeof(f->sock), "%s/docker.sock", f->dir);
	snprintf(f->host, sizeof(f->host), "unix://%s", f->sock);
	snprintf(f->log, sizeof(f->log), "%s/dockerd.log", f->dir);
	snprintf(data, sizeof(data), "%s/data", f->dir);
	snprintf(exec_root, sizeof(exec_root), "%s/exec", f->dir);
	snprintf(pidfile, sizeof(pidfile), "%s/docker.pid", f->dir);
	{
		char *argv[] = {dockerd,
				"--iptables=false",
				"--bridge=none",
				"--storage-driver=vfs",
				"--host",
				f->host,
				"--data-root",
				data,
				"--exec-root",
				exec_root,
				"--pidfile",
				pidfile,
				NULL};
		f->pid = spawn(argv, f->log);
	}
	if (f->pid < 0) {
		perror("dockerd fixture: fork");
		f->pid = 0;
		return -1;
	}
	until = now_ms() + START_TIMEOUT_MS;
	while (now_ms() < until) {
		if (exited(f->pid)) {
			fprintf(stderr,
				"SKIP: dockerd exited at start; this machine cannot run it\n");
			print_log_tail(f->log, 3000);
			f->pid = 0;
			dockerd_fixture_stop(f);
			return DOCKERD_FIXTURE_SKIP;
		}
		if (ping_unix(f->sock))
			return 0;
		sleep_ms(100);
	}
	fprintf(stderr, "dockerd fixture: no answer on %s after %d s\n", f->sock,
		START_TIMEOUT_MS / 1000);
	print_log_tail(f->log, 3000);
	dockerd_fixture_stop(f);
	return -1;
}

int dockerd_fixture_start_registry(dockerd_fixture *f)
{
	char registry[512], conf[256], htpasswd[256], storage[256], log[256], cfgjson[256];
	char text[2048], userpass[80], b64[160];
	const char *setting, *hash;
	long long until;

	find_program("docker-registry", registry, sizeof(registry));
	if (!registry[0]) {
		fprintf(stderr, "dockerd fixture: docker-registry not found: install the "
				"docker-registry package\n");
		return -1;
	}
	f->registry_port = free_port();
	if (f->registry_port <= 0)
		return -1;
	snprintf(f->registry, sizeof(f->registry), "127.0.0.1:%d", f->registry_port);
	snprintf(f->user, sizeof(f->user), "lium");
	snprintf(f->password, sizeof(f->password), "pw-%ld-%lld", (long)getpid(), now_ms());
	snprintf(conf, sizeof(conf), "%s/registry.yml", f->dir);
	snprintf(htpasswd, sizeof(htpasswd), "%s/htpasswd", f->dir);
	snprintf(storage, sizeof(storage), "%s/registry-data", f->dir);
	snprintf(log, sizeof(log), "%s/registry.log", f->dir);

	/* The registry's htpasswd accepts bcrypt only. */
	setting = crypt_gensalt("$2b$", 5, NULL, 0);
	hash = setting ? crypt(f->password, setting) : NULL;
	if (!hash || hash[0] != '$') {
		fprintf(stderr, "dockerd fixture: bcrypt is not available\n");
		return -1;
	}
	snprintf(text, sizeof(text), "%s:%s\n", f->user, hash);
	if (write_text(htpasswd, text, 0600) != 0)
		return -1;
	snprintf(text, sizeof(text),
		 "version: 0.1\n"
		 "log:\n  level: warn\n"
		 "storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"
		 "http:\n  addr: 127.0.0.1:%d\n"
		 "auth:\n  htpasswd:\n    realm: lium-test\n    path: %s\n",
		 storage, f->registry_port, htpasswd);
	if (write_text(conf, text, 0600) != 0)
		return -1;

	/* DOCKER_CONFIG for the client: "auths" with base64 user:password. */
	snprintf(f->config_dir, sizeof(f->config_dir), "%s/docker-config", f->dir);
	if (mkdir(f->config_dir, 0700) != 0)
		return -1;
	snprintf(userpass, sizeof(userpass), "%s:%s", f->user, f->password);
	{
		static const char tbl[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		size_t n = strlen(userpass), o = 0;
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)(unsigned char)userpass[i] << 16;
			if (i + 1 < n)
				v |= (unsigned)(unsigned char)userpass[i + 1] << 8;
			if (i + 2 < n)
				v |= (unsigned char)userpass[i + 2];
			b64[o++] = tbl[v >> 18];
			b64[o++] = tbl[(v >> 12) & 63];
			b64[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
			b64[o++] = i + 2 < n ? tbl[v & 63] : '=';
		}
		b64[o] = '\0';
	}
	snprintf(cfgjson, sizeof(cfgjson), "%s/config.json", f->config_dir);
	snprintf(text, sizeof(text), "{\n  \"auths\": {\n    \"%s\": {\"auth\": \"%s\"}\n  }\n}\n",
		 f->registry, b64);
	if (write_text(cfgjson, text, 0600) != 0)
		return -1;

	{
		char *argv[] = {registry, "serve", conf, NULL};
		f->registry_pid = spawn(argv, log);
	}
	if (f->registry_pid < 0) {
		f->registry_pid = 0;
		return -1;
	}
	until = now_ms() + 30000;
	while (now_ms() < until) {
		int code;
		if (exited(f->registry_pid)) {
			fprintf(stderr, "dockerd fixture: docker-registry exited at start\n");
			print_log_tail(log, 3000);
			f->registry_pid = 0;
			return -1;
		}
		code = registry_status(f->registry_port);
		if (code == 401 || code == 200)
			return 0;
		sleep_ms(50);
	}
	fprintf(stderr, "dockerd fixture: docker-registry did not answer on %s\n", f->registry);
	print_log_tail(log, 3000);
	return -1;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Detach whatever dockerd left mounted under dir (after a SIGKILL, say). */
static void unmount_below(const char *dir)
{
	size_t dl = strlen(dir);
	for (int round = 0; round < 8; round++) {
		FILE *m = fopen("/proc/self/mountinfo", "r");
		char line[4096], point[4096];
		int found = 0;
		if (!m)
			return;
		while (fgets(line, sizeof(line), m)) {
			if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
				continue;
			if (strncmp(point, dir, dl) == 0 &&
			    (point[dl] == '/' || point[dl] == '\0')) {
				if (umount2(point, MNT_DETACH) == 0)
					found = 1;
			}
		}
		fclose(m);
		if (!found)
			return;
	}
}

void dockerd_fixture_stop(dockerd_fixture *f)
{
	char pidpath[256];
	FILE *pf;
	long cpid = 0;

	if (f->registry_pid > 0)
		stop_pid(f->registry_pid, "docker-registry");
	f->registry_pid = 0;
	if (!f->dir[0])
		return;
	/* dockerd stops its managed containerd; remember it in case it does not. */
	snprintf(pidpath, sizeof(pidpath), "%s/exec/containerd/containerd.pid", f->dir);
	pf = fopen(pidpath, "r");
	if (pf) {
		if (fscanf(pf, "%ld", &cpid) != 1)
			cpid = 0;
		fclose(pf);
	}
	if (f->pid > 0)
		stop_pid(f->pid, "dockerd");
	f->pid = 0;
	if (cpid > 0 && kill((pid_t)cpid, 0) == 0) {
		/* Still there: only if it is the containerd of our directory. */
		char cmdpath[64], cmd[4096];
		size_t n;
		FILE *c;
		snprintf(cmdpath, sizeof(cmdpath), "/proc/%ld/cmdline", cpid);
		c = fopen(cmdpath, "r");
		if (c) {
			n = fread(cmd, 1, sizeof(cmd) - 1, c);
			fclose(c);
			for (size_t i = 0; i < n; i++)
				if (cmd[i] == '\0')
					cmd[i] = ' ';
			cmd[n] = '\0';
			if (strstr(cmd, "containerd") && strstr(cmd, f->dir)) {
				kill((pid_t)cpid, SIGKILL);
				sleep_ms(200);
			}
		}
	}
	unmount_below(f->dir);
	nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	f->dir[0] = '\0';
}
