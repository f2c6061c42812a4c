/*
 * Helpers for celium-sim's own tests (see sim_test_util.h).
 */
#define _GNU_SOURCE
#include "sim_test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double st_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void st_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *st_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

json_t *st_req(const sim_fixture *f, const char *method, const char *path, const char *body,
	       const char *key, long *status)
{
	sim_http_result r;
	int rc = sim_fixture_http(f, method, path, body, key, &r);
	if (status)
		*status = rc == 0 ? r.status : 0;
	json_t *j = rc == 0 ? json_loadb(r.body, r.body_len, JSON_DECODE_ANY, NULL) : NULL;
	sim_http_result_free(&r);
	return j;
}

json_t *st_getf(const sim_fixture *f, long *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *path = NULL;
	if (vasprintf(&path, fmt, ap) < 0)
		path = NULL;
	va_end(ap);
	json_t *j = path ? st_req(f, "GET", path, NULL, NULL, status) : NULL;
	free(path);
	return j;
}

char *st_tempdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = NULL;
	if (asprintf(&path, "%s/sim-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return NULL;
	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	return path;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void st_rmtree(const char *path)
{
	if (path && *path)
		nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

int st_run(const char *const argv[], char **output, double timeout_s)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	double end = st_now() + timeout_s;
	for (;;) {
		struct pollfd p = {fds[0], POLLIN, 0};
		int left = (int)((end - st_now()) * 1000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		if (len + 1024 > cap) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fds[0], buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	buf[len] = '\0';
	int status;
	waitpid(pid, &status, 0);
	if (output)
		*output = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *st_keygen(const char *dir, const char *name)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	const char *argv[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "",
			      "-C",         name, "-f", path,      NULL};
	char *out = NULL;
	int rc = st_run(argv, &out, 30);
	free(out);
	char *pub = NULL;
	if (rc == 0) {
		char *pubpath = NULL;
		if (asprintf(&pubpath, "%s.pub", path) >= 0) {
			FILE *f = fopen(pubpath, "r");
			if (f) {
				char line[1024];
				if (fgets(line, sizeof line, f)) {
					line[strcspn(line, "\r\n")] = '\0';
					pub = strdup(line);
				}
				fclose(f);
			}
			free(pubpath);
		}
	}
	free(path);
	return pub;
}

char *st_rent_body(const char *name, const char *template_id, const char *pubkey)
{
	json_t *b = json_pack("{s:s,s:s,s:n,s:n,s:[s],s:n}", "pod_name", name, "template_id",
			      template_id ? template_id : ST_DEFAULT_TEMPLATE, "dockerfile_content",
			      "volume_id", "user_public_key", pubkey, "initial_port_count");
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return text;
}

char *st_rent(const sim_fixture *f, const char *name, const char *pubkey, char **executor_id)
{
	long status;
	json_t *execs = st_req(f, "GET", "/executors", NULL, NULL, &status);
	if (!json_is_array(execs) || json_array_size(execs) == 0) {
		json_decref(execs);
		return NULL;
	}
	const char *eid = st_str(json_array_get(execs, 0), "id");
	char *path = NULL;
	if (asprintf(&path, "/executors/%s/rent", eid) < 0)
		path = NULL;
	char *body = st_rent_body(name, NULL, pubkey);
	json_t *pod = path ? st_req(f, "POST", path, body, NULL, &status) : NULL;
	char *id = status == 200 && json_is_object(pod) ? strdup(st_str(pod, "id")) : NULL;
	if (executor_id)
		*executor_id = strdup(eid);
	json_decref(pod);
	json_decref(execs);
	free(path);
	free(body);
	return id;
}

json_t *st_wait_status(const sim_fixture *f, const char *pod_id, const char *want, double timeout_s)
{
	double end = st_now() + timeout_s;
	while (st_now() < end) {
		long status;
		json_t *pod = st_getf(f, &status, "/pods/%s", pod_id);
		if (status == 200 && strcmp(st_str(pod, "status"), want) == 0)
			return pod;
		json_decref(pod);
		st_sleep_ms(50);
	}
	return NULL;
}

bool st_wait_gone(const sim_fixture *f, const char *pod_id, double timeout_s)
{
	double end = st_now() + timeout_s;
	while (st_now() < end) {
		long status;
		json_t *pod = st_getf(f, &status, "/pods/%s", pod_id);
		json_decref(pod);
		if (status == 404)
			return true;
		st_sleep_ms(50);
	}
	return false;
}

int st_ssh_port(const char *cmd)
{
	const char *p = cmd ? strstr(cmd, " -p ") : NULL;
	return p ? atoi(p + 4) : 0;
}

int st_ssh(const char *identity, const char *known_hosts, const char *user, int port,
	   const char *command, char **output)
{
	char portstr[16], khf[4200], dest[128];
	snprintf(portstr, sizeof portstr, "%d", port);
	snprintf(khf, sizeof khf, "UserKnownHostsFile=%s", known_hosts);
	snprintf(dest, sizeof dest, "%s@127.0.0.1", user);
	const char *argv[] = {"ssh",
			      "-F",
			      "/dev/null",
			      "-i",
			      identity,
			      "-o",
			      "IdentitiesOnly=yes",
			      "-o",
			      "BatchMode=yes",
			      "-o",
			      "StrictHostKeyChecking=yes",
			      "-o",
			      khf,
			      "-o",
			      "ConnectTimeout=10",
			      "-o",
			      "LogLevel=ERROR",
			      "-p",
			      portstr,
			      dest,
			      command,
			      NULL};
	return st_run(argv, output, 60);
}

char *st_known_hosts(const sim_fixture *f, const char *dir, const char *pod_id, int port)
{
	long status;
	json_t *info = st_getf(f, &status, "/_sim/pods/%s", pod_id);
	const char *key = st_str(info, "host_key");
	char *path = NULL;
	if (status != 200 || !*key || asprintf(&path, "%s/known_hosts", dir) < 0) {
		json_decref(info);
		return NULL;
	}
	FILE *fp = fopen(path, "w");
	if (fp) {
		/* the comment (third field) is dropped: "type base64" is enough */
		char *copy = strdup(key);
		char *sp = strchr(copy, ' ');
		if (sp)
			sp = strchr(sp + 1, ' ');
		if (sp)
			*sp = '\0';
		fprintf(fp, "[127.0.0.1]:%d %s\n", port, copy);
		free(copy);
		fclose(fp);
	}
	json_decref(info);
	return path;
}

bool st_pid_alive(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	char buf[512] = "";
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

int st_count_tagged(const char *tag_prefix)
{
	char want[256];
	snprintf(want, sizeof want, "CELIUM_SIM_TAG=%s", tag_prefix);
	size_t wlen = strlen(want);
	int count = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *de;
	static char buf[256 * 1024];
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || !st_pid_alive((int)pid))
			continue;
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/environ", pid);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		for (ssize_t off = 0; off < n;) {
			const char *e = buf + off;
			size_t elen = strnlen(e, (size_t)(n - off));
			if (elen >= wlen && memcmp(e, want, wlen) == 0) {
				count++;
				break;
			}
			off += (ssize_t)elen + 1;
		}
	}
	closedir(d);
	return count;
}
