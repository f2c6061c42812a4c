/*
 * celium-sim: child processes.
 *
 * Every login session of a pod carries CELIUM_SIM_TAG=<instance>/<pod> in
 * its environment (sshd's SetEnv), and so does everything it starts.  sshd
 * puts each session in a new session and process group, so a process group
 * cannot catch them all; the tag can, also for processes that detached
 * themselves.  sshd's own processes overwrite their environment with their
 * process title, so they are found as descendants of the listener instead.
 * Three mechanisms stop them:
 *   - deleting a pod or shutting down kills the tagged processes;
 *   - sshd listeners die with the main thread (PR_SET_PDEATHSIG) and a
 *     guardian process kills the tagged rest when the sandbox is SIGKILLed;
 *   - a new run on the same state directory kills what an older run left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

extern char **environ;

static int guardian_fd = -1;

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL};

pid_t sim_spawn(const char *const argv[], const char *const envp[], const char *out_path)
{
	int outfd = open(out_path ? out_path : "/dev/null",
			 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (outfd < 0 || nullfd < 0) {
		if (outfd >= 0)
			close(outfd);
		if (nullfd >= 0)
			close(nullfd);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here on: other threads exist. */
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(nullfd, 0);
		dup2(outfd, 1);
		dup2(outfd, 2);
		closefrom(3);
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		for (int s = 1; s < 32; s++)
			if (s != SIGKILL && s != SIGSTOP)
				sigaction(s, &dfl, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(argv[0], (char *const *)argv, (char *const *)(envp ? envp : default_env));
		_exit(127);
	}
	close(outfd);
	close(nullfd);
	return pid;
}

int sim_run(const char *const argv[], const char *out_path)
{
	pid_t pid = sim_spawn(argv, NULL, out_path);
	if (pid < 0)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *sim_find_program(const char *name, const char *const extra_dirs[])
{
	static _Thread_local char path[4096];
	const char *env = getenv("PATH");
	char *dirs = sim_xasprintf(
		"%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin", env ? env : "");
	char *save = NULL;
	const char *found = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		snprintf(path, sizeof path, "%s/%s", d, name);
		if (access(path, X_OK) == 0)
			found = path;
	}
	free(dirs);
	for (size_t i = 0; !found && extra_dirs && extra_dirs[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", extra_dirs[i], name);
		if (access(path, X_OK) == 0)
			found = path;
	}
	return found;
}

/* ---- finding and killing ------------------------------------------------ */

static bool environ_has(pid_t pid, const char *prefix)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	static _Thread_local char buf[256 * 1024];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	size_t plen = strlen(prefix);
	for (size_t off = 0; off < len;) {
		const char *entry = buf + off;
		size_t elen = strnlen(entry, len - off);
		if (elen >= plen && memcmp(entry, prefix, plen) == 0)
			return true;
		off += elen + 1;
	}
	return false;
}

typedef struct proc_entry {
	pid_t pid, ppid;
	char state;
} proc_entry;

static size_t list_procs(proc_entry **out)
{
	DIR *d = opendir("/proc");
	size_t n = 0, cap = 0;
	proc_entry *v = NULL;
	if (!d) {
		*out = NULL;
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		const char *rp = strrchr(buf, ')');
		if (!rp || rp[1] != ' ')
			continue;
		char state = rp[2];
		long ppid = strtol(rp + 4, NULL, 10);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = sim_xrealloc(v, cap * sizeof *v);
		}
		v[n].pid = (pid_t)pid;
		v[n].ppid = (pid_t)ppid;
		v[n].state = state;
		n++;
	}
	closedir(d);
	*out = v;
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int sim_kill_tagged(const char *tag_prefix, pid_t root)
{
	int killed = 0;
	pid_t self = getpid();
	for (int round = 0; round < 25; round++) {
		proc_entry *procs;
		size_t n = list_procs(&procs);
		bool *mark = sim_xcalloc(n ? n : 1, sizeof(bool));
		/* the tree below root, then everything carrying the tag */
		if (root > 0) {
			for (size_t i = 0; i < n; i++)
				mark[i] = procs[i].pid == root;
			bool grew = true;
			while (grew) {
				grew = false;
				for (size_t i = 0; i < n; i++) {
					if (mark[i])
						continue;
					for (size_t k = 0; k < n; k++) {
						if (mark[k] && procs[i].ppid == procs[k].pid) {
							mark[i] = true;
							grew = true;
							break;
						}
					}
				}
			}
		}
		int hits = 0;
		for (size_t i = 0; i < n; i++) {
			if (procs[i].pid == self || procs[i].state == 'Z' || procs[i].state == 'X')
				continue;
			if (!mark[i] && tag_prefix && environ_has(procs[i].pid, tag_prefix))
				mark[i] = true;
			if (mark[i]) {
				if (kill(procs[i].pid, SIGKILL) == 0)
					hits++;
			}
		}
		free(mark);
		free(procs);
		killed += hits;
		if (hits == 0)
			break;
		root = 0; /* the tree is gone; what is left carries the tag */
		sleep_ms(10);
	}
	return killed;
}

/* ---- the pod user ------------------------------------------------------- */

int sim_setup_pod_user(void)
{
	if (!sim.is_root) {
		struct passwd *pw = getpwuid(getuid());
		if (!pw) {
			sim_warn("cannot find the current user in the password database");
			return -1;
		}
		sim.pod_uid = pw->pw_uid;
		sim.pod_gid = pw->pw_gid;
		snprintf(sim.pod_user, sizeof sim.pod_user, "%s", pw->pw_name);
		snprintf(sim.pod_shell, sizeof sim.pod_shell, "%s",
			 pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
		return 0;
	}
	const char *user = "liumtest";
	static const char *const sbin[] = {"/usr/sbin", "/sbin", NULL};
	for (int attempt = 0; attempt < 20 && !getpwnam(user); attempt++) {
		const char *useradd = sim_find_program("useradd", sbin);
		if (!useradd) {
			sim_warn("useradd not found: cannot create the pod user %s", user);
			return -1;
		}
		/* Another process may be creating it right now: retry on failure. */
		const char *argv[] = {useradd, "-m", "-s", "/bin/bash", "-c", "celium-sim pod user",
				      user,    NULL};
		if (sim_run(argv, NULL) != 0)
			sleep_ms(100);
	}
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		sim_warn("cannot create the pod user %s", user);
		return -1;
	}
	sim.pod_uid = pw->pw_uid;
	sim.pod_gid = pw->pw_gid;
	snprintf(sim.pod_user, sizeof sim.pod_user, "%s", user);
	snprintf(sim.pod_shell, sizeof sim.pod_shell, "%s",
		 pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	struct stat st;
	if (pw->pw_dir && stat(pw->pw_dir, &st) != 0) {
		if (sim_mkdirs(pw->pw_dir, 0755) == 0 &&
		    chown(pw->pw_dir, pw->pw_uid, pw->pw_gid) != 0)
			sim_warn("chown %s failed", pw->pw_dir);
	}
	/*
	 * sshd without PAM refuses accounts whose password field starts with
	 * "!" (useradd's default): "*" keeps password logins impossible while
	 * allowing keys.
	 */
	struct spwd *sp = getspnam(user);
	if (sp && sp->sp_pwdp && sp->sp_pwdp[0] == '!') {
		const char *usermod = sim_find_program("usermod", sbin);
		const char *argv[] = {usermod ? usermod : "/usr/sbin/usermod", "-p", "*", user,
				      NULL};
		if (sim_run(argv, NULL) != 0)
			sim_warn("could not unlock the account %s for key logins", user);
	}
	return 0;
}

/* ---- leftovers and the guardian ----------------------------------------- */

static bool cmdline_mentions(pid_t pid, const char *text)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	size_t len = 0;
	char *buf = sim_read_file(path, &len);
	if (!buf)
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	bool hit = strstr(buf, text) != NULL;
	free(buf);
	return hit;
}

static void kill_recorded_sshds(const char *state_dir)
{
	char *pods = sim_xasprintf("%s/pods", state_dir);
	DIR *d = opendir(pods);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char *pidfile = sim_xasprintf("%s/%s/sshd.pid", pods, de->d_name);
			char *text = sim_read_file(pidfile, NULL);
			if (text) {
				long pid = strtol(text, NULL, 10);
				/* pids are reused: only an sshd of this state dir */
				if (pid > 1 && cmdline_mentions((pid_t)pid, state_dir))
					kill((pid_t)pid, SIGKILL);
				free(text);
			}
			free(pidfile);
		}
		closedir(d);
	}
	free(pods);
}

void sim_reap_leftovers(void)
{
	char *path = sim_xasprintf("%s/instance", sim.state_dir);
	char *old = sim_read_file(path, NULL);
	if (old) {
		old[strcspn(old, "\r\n")] = '\0';
		if (*old) {
			char *prefix = sim_xasprintf("CELIUM_SIM_TAG=%s/", old);
			kill_recorded_sshds(sim.state_dir);
			int n = sim_kill_tagged(prefix, 0);
			if (n > 0)
				sim_log("killed %d process(es) left by an earlier run", n);
			free(prefix);
		}
		free(old);
	}
	const char *stale[] = {"pods", "backups", "volumes"};
	for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
		char *dir = sim_xasprintf("%s/%s", sim.state_dir, stale[i]);
		sim_rmtree(dir);
		free(dir);
	}
	char *text = sim_xasprintf("%s\n", sim.instance);
	if (sim_write_file(path, text, strlen(text), 0644) != 0)
		sim_warn("cannot write %s", path);
	free(text);
	free(path);
}

int sim_start_guardian(void)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	char *prefix = sim_xasprintf("CELIUM_SIM_TAG=%s/", sim.instance);
	char *state_dir = sim_xstrdup(sim.state_dir);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		free(prefix);
		free(state_dir);
		return -1;
	}
	if (pid == 0) {
		/* Still single-threaded: the HTTP server starts after this. */
		close(fds[1]);
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		prctl(PR_SET_NAME, "celium-sim-grd");
		char c;
		for (;;) {
			ssize_t n = read(fds[0], &c, 1);
			if (n == 0 || (n < 0 && errno != EINTR))
				break;
		}
		kill_recorded_sshds(state_dir);
		sim_kill_tagged(prefix, 0);
		free(prefix);
		free(state_dir);
		_exit(0);
	}
	close(fds[0]);
	free(prefix);
	free(state_dir);
	guardian_fd = fds[1];
	sim.guardian_pid = pid;
	return 0;
}

void sim_stop_guardian(void)
{
	if (guardian_fd >= 0)
		close(guardian_fd);
	guardian_fd = -1;
	if (sim.guardian_pid > 0) {
		int status;
		while (waitpid(sim.guardian_pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	sim.guardian_pid = 0;
}
