/*
 * Spawning local processes: fork and execve with the standard streams
 * wired as asked, and a poll loop that moves input and output while
 * waiting (with an optional timeout).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lium/utils/process.h"
#include "process_int.h"

extern char **environ;

#define CHUNK          65536
#define LINE_MAX_PIECE 65536
#define DRAIN_QUIET_MS 200
#define DEFAULT_GRACE  2000
#define DEFAULT_PATH   "/usr/local/bin:/bin:/usr/bin"

/* Steps the child reports through the error pipe when it cannot exec. */
enum child_step { STEP_DUP = 1, STEP_CHDIR, STEP_EXEC, STEP_PGRP };

enum stop_reason { STOP_NONE = 0, STOP_TIMEOUT, STOP_CANCEL, STOP_NOMEM, STOP_FREE };

struct lium_process {
	pid_t pid;
	int pidfd;
	int in_fd, out_fd, err_fd;
	const unsigned char *in_data;
	size_t in_len, in_off;
	lium_process_stdio out_mode, err_mode;
	lium_buf *out_buf, *err_buf;
	lium_process_output_fn on_output;
	void *userdata;
	unsigned int flags;
	int grace_ms;
	lium_buf line[2];
	int64_t start_ms;
	int reaped;
	int status_done; /* a previous wait completed: repeat its result */
	int done_reason;
	lium_process_exit ex;
};

int64_t lium__process_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* ------------------------------------------------------------------ */
/* Environment and PATH */

static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');
	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static int env_overridden(const char *entry, const char *const *changes)
{
	size_t n = env_name_len(entry);
	if (!changes)
		return 0;
	for (size_t i = 0; changes[i]; i++) {
		if (env_name_len(changes[i]) == n && strncmp(changes[i], entry, n) == 0)
			return 1;
	}
	return 0;
}

lium_status lium__process_build_env(const char *const *changes, int clear_env, char ***out,
				    lium_error *err)
{
	size_t count = 0, k = 0;
	char **envp;

	*out = NULL;
	if (!clear_env && environ) {
		while (environ[count])
			count++;
	}
	if (changes) {
		for (size_t i = 0; changes[i]; i++)
			count++;
	}
	envp = lium_calloc(count + 1, sizeof(*envp));
	if (!envp)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	if (!clear_env && environ) {
		for (size_t i = 0; environ[i]; i++) {
			if (!env_overridden(environ[i], changes))
				envp[k++] = environ[i];
		}
	}
	if (changes) {
		for (size_t i = 0; changes[i]; i++) {
			/* A later change to the same name wins over an earlier one. */
			int later = 0;
			size_t n = env_name_len(changes[i]);
			for (size_t j = i + 1; changes[j]; j++) {
				if (env_name_len(changes[j]) == n &&
				    strncmp(changes[j], changes[i], n) == 0)
					later = 1;
			}
			if (!later && strchr(changes[i], '='))
				envp[k++] = (char *)changes[i];
		}
	}
	envp[k] = NULL;
	*out = envp;
	return LIUM_OK;
}

static const char *changes_path(const char *const *changes, int clear_env)
{
	const char *found = NULL;
	if (changes) {
		for (size_t i = 0; changes[i]; i++) {
			if (strncmp(changes[i], "PATH", 4) == 0 &&
			    (changes[i][4] == '=' || changes[i][4] == '\0'))
				found = changes[i][4] == '=' ? changes[i] + 5 : NULL;
		}
		if (found)
			return found;
	}
	(void)clear_env;
	return NULL;
}

static int is_executable_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return access(path, X_OK) == 0;
}

lium_status lium_process_find_executable(const char *name, const char *path, lium_buf *out,
					 lium_error *err)
{
	lium_buf cand = LIUM_BUF_INIT;
	const char *p;

	if (!name || !*name || !out)
		return lium_error_set(err, LIUM_EINVAL, "find_executable: missing argument");
	if (strchr(name, '/')) {
		if (!is_executable_file(name))
			return lium_error_set(err, LIUM_ENOTFOUND, "%s: no such executable file",
					      name);
		lium_buf_clear(out);
		if (lium_buf_puts(out, name) != LIUM_OK)
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");
		return LIUM_OK;
	}
	if (!path)
		path = getenv("PATH");
	if (!path)
		path = DEFAULT_PATH;
	p = path;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		lium_buf_clear(&cand);
		if (dlen == 0) {
			if (lium_buf_puts(&cand, "./") != LIUM_OK)
				goto nomem;
		} else if (lium_buf_put(&cand, p, dlen) != LIUM_OK ||
			   (p[dlen - 1] != '/' && lium_buf_putc(&cand, '/') != LIUM_OK)) {
			goto nomem;
		}
		if (lium_buf_puts(&cand, name) != LIUM_OK)
			goto nomem;
		if (is_executable_file(cand.ptr)) {
			lium_buf_clear(out);
			if (lium_buf_put(out, cand.ptr, cand.size) != LIUM_OK)
				goto nomem;
			lium_buf_dispose(&cand);
			return LIUM_OK;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	lium_buf_dispose(&cand);
	return lium_error_set(err, LIUM_ENOTFOUND, "%s: not found on PATH", name);
nomem:
	lium_buf_dispose(&cand);
	return lium_error_set(err, LIUM_ENOMEM, "out of memory");
}

/*
 * The program to run: on PATH for a bare name; relative to the child's
 * directory for "./tool" when a working directory is given.
 */
static lium_status resolve_program(const char *argv0, const lium_process_options *o, lium_buf *exe,
				   lium_error *err)
{
	lium_buf rel = LIUM_BUF_INIT;
	lium_status st;
	if (!o->cwd || argv0[0] == '/' || !strchr(argv0, '/'))
		return lium_process_find_executable(argv0, changes_path(o->env, o->clear_env), exe,
						    err);
	if (lium_buf_printf(&rel, "%s/%s", o->cwd, argv0) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	st = lium_process_find_executable(rel.ptr, NULL, exe, err);
	lium_buf_dispose(&rel);
	return st;
}

/* ------------------------------------------------------------------ */
/* The child side: only async-signal-safe calls from here to execve. */

static void child_fail(int errfd, int step)
{
	int msg[2] = {step, errno};
	ssize_t w = write(errfd, msg, sizeof(msg));
	(void)w;
	_exit(127);
}

static void child_mark_cloexec(int errfd)
{
#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	{
		struct rlimit rl;
		int max = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			max = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
		for (int fd = 3; fd < max; fd++) {
			if (fd != errfd)
				(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
	}
}

struct child_plan {
	int src[3]; /* descriptor for 0,1,2, or -1 to inherit */
	int err_to_out;
	int new_pgroup;
	const char *cwd;
	const char *path;
	char *const *argv;
	char *const *envp;
	int errfd;
};

static void child_run(const struct child_plan *plan)
{
	int tmp[3] = {-1, -1, -1};
	sigset_t none;
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int s = 1; s < NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &dfl, NULL);
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (plan->new_pgroup && setpgid(0, 0) != 0)
		child_fail(plan->errfd, STEP_PGRP);

	/* Lift every source above 2 first so that no dup2 clobbers another. */
	for (int i = 0; i < 3; i++) {
		if (plan->src[i] >= 0) {
			tmp[i] = fcntl(plan->src[i], F_DUPFD_CLOEXEC, 3);
			if (tmp[i] < 0)
				child_fail(plan->errfd, STEP_DUP);
		}
	}
	for (int i = 0; i < 3; i++) {
		if (tmp[i] >= 0 && dup2(tmp[i], i) < 0)
			child_fail(plan->errfd, STEP_DUP);
	}
	if (plan->err_to_out && dup2(1, 2) < 0)
		child_fail(plan->errfd, STEP_DUP);
	if (plan->cwd && chdir(plan->cwd) != 0)
		child_fail(plan->errfd, STEP_CHDIR);
	child_mark_cloexec(plan->errfd);
	execve(plan->path, plan->argv, plan->envp);
	child_fail(plan->errfd, STEP_EXEC);
}

/* ------------------------------------------------------------------ */
/* Spawning */

static int mode_valid(int stream, lium_process_stdio m)
{
	switch (m) {
	case LIUM_PROCESS_INHERIT:
	case LIUM_PROCESS_NULL:
	case LIUM_PROCESS_FILE:
	case LIUM_PROCESS_FD:
		return 1;
	case LIUM_PROCESS_BUFFER:
		return stream == 0;
	case LIUM_PROCESS_CAPTURE:
	case LIUM_PROCESS_CALLBACK:
		return stream != 0;
	case LIUM_PROCESS_TO_STDOUT:
		return stream == 2;
	}
	return 0;
}

static lium_status check_options(const lium_process_options *o, lium_error *err)
{
	static const char *names[3] = {"stdin", "stdout", "stderr"};
	lium_process_stdio modes[3] = {o->stdin_mode, o->stdout_mode, o->stderr_mode};
	const char *paths[3] = {o->stdin_path, o->stdout_path, o->stderr_path};
	lium_buf *bufs[3] = {NULL, o->stdout_buf, o->stderr_buf};

	if (o->version < 1)
		return lium_error_set(err, LIUM_EINVAL, "process options: bad version %u",
				      o->version);
	for (int i = 0; i < 3; i++) {
		if (!mode_valid(i, modes[i]))
			return lium_error_set(err, LIUM_EINVAL,
					      "process options: mode %d is not valid for %s",
					      (int)modes[i], names[i]);
		if (modes[i] == LIUM_PROCESS_FILE && !paths[i])
			return lium_error_set(err, LIUM_EINVAL, "process options: %s_path is NULL",
					      names[i]);
		if (modes[i] == LIUM_PROCESS_CAPTURE && !bufs[i])
			return lium_error_set(err, LIUM_EINVAL, "process options: %s_buf is NULL",
					      names[i]);
		if (modes[i] == LIUM_PROCESS_CALLBACK && !o->on_output)
			return lium_error_set(err, LIUM_EINVAL,
					      "process options: on_output is NULL");
	}
	if (o->stdin_mode == LIUM_PROCESS_BUFFER && o->stdin_len > 0 && !o->stdin_data)
		return lium_error_set(err, LIUM_EINVAL, "process options: stdin_data is NULL");
	return LIUM_OK;
}

static lium_status open_for(const char *path, int flags, const char *what, int *fd, lium_error *err)
{
	*fd = open(path, flags | O_CLOEXEC, 0666);
	if (*fd < 0) {
		int e = errno;
		lium_status st =
			lium_error_set(err, e == ENOENT ? LIUM_ENOTFOUND : LIUM_EIO,
				       "cannot open %s for %s: %s", path, what, strerror(e));
		if (err)
			err->cause = e;
		return st;
	}
	return LIUM_OK;
}

static lium_status make_pipe(int fds[2], lium_error *err)
{
	if (pipe2(fds, O_CLOEXEC) != 0) {
		int e = errno;
		lium_error_set(err, LIUM_EIO, "pipe: %s", strerror(e));
		if (err)
			err->cause = e;
		return LIUM_EIO;
	}
	return LIUM_OK;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, (long)pid, 0L);
	if (fd >= 0) {
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
#else
	(void)pid;
#endif
	return -1;
}

lium_status lium_process_spawn(lium_process **out, const char *const *argv,
			       const lium_process_options *opts, lium_error *err)
{
	lium_process_options defaults = LIUM_PROCESS_OPTIONS_INIT;
	const lium_process_options *o = opts ? opts : &defaults;
	lium_process *p = NULL;
	lium_buf exe = LIUM_BUF_INIT;
	char **envp = NULL;
	int own[3] = {-1, -1, -1};    /* child ends we opened and must close */
	int parent[3] = {-1, -1, -1}; /* our ends of the pipes */
	int errpipe[2] = {-1, -1};
	struct child_plan plan;
	lium_status st;
	pid_t pid;

	if (out)
		*out = NULL;
	if (!out || !argv || !argv[0])
		return lium_error_set(err, LIUM_EINVAL, "spawn: missing argument");
	if ((st = check_options(o, err)) != LIUM_OK)
		return st;

	st = resolve_program(argv[0], o, &exe, err);
	if (st != LIUM_OK)
		goto fail;
	if ((st = lium__process_build_env(o->env, o->clear_env, &envp, err)) != LIUM_OK)
		goto fail;

	p = lium_calloc(1, sizeof(*p));
	if (!p) {
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		goto fail;
	}
	p->pid = -1;
	p->pidfd = p->in_fd = p->out_fd = p->err_fd = -1;

	memset(&plan, 0, sizeof(plan));
	plan.src[0] = plan.src[1] = plan.src[2] = -1;

	/* stdin */
	switch (o->stdin_mode) {
	case LIUM_PROCESS_NULL:
		st = open_for("/dev/null", O_RDONLY, "stdin", &own[0], err);
		break;
	case LIUM_PROCESS_FILE:
		st = open_for(o->stdin_path, O_RDONLY, "stdin", &own[0], err);
		break;
	case LIUM_PROCESS_FD:
		plan.src[0] = o->stdin_fd;
		break;
	case LIUM_PROCESS_BUFFER: {
		int fds[2];
		if ((st = make_pipe(fds, err)) == LIUM_OK) {
			own[0] = fds[0];
			parent[0] = fds[1];
		}
		break;
	}
	default:
		break;
	}
	if (st != LIUM_OK)
		goto fail;
	if (own[0] >= 0)
		plan.src[0] = own[0];

	/* stdout and stderr */
	for (int i = 1; i <= 2; i++) {
		lium_process_stdio m = i == 1 ? o->stdout_mode : o->stderr_mode;
		const char *path = i == 1 ? o->stdout_path : o->stderr_path;
		const char *what = i == 1 ? "stdout" : "stderr";
		switch (m) {
		case LIUM_PROCESS_NULL:
			st = open_for("/dev/null", O_WRONLY, what, &own[i], err);
			break;
		case LIUM_PROCESS_FILE:
			st = open_for(path, O_WRONLY | O_CREAT | O_TRUNC, what, &own[i], err);
			break;
		case LIUM_PROCESS_FD:
			plan.src[i] = i == 1 ? o->stdout_fd : o->stderr_fd;
			break;
		case LIUM_PROCESS_CAPTURE:
		case LIUM_PROCESS_CALLBACK: {
			int fds[2];
			if ((st = make_pipe(fds, err)) == LIUM_OK) {
				own[i] = fds[1];
				parent[i] = fds[0];
			}
			break;
		}
		case LIUM_PROCESS_TO_STDOUT:
			plan.err_to_out = 1;
			break;
		default:
			break;
		}
		if (st != LIUM_OK)
			goto fail;
		if (own[i] >= 0)
			plan.src[i] = own[i];
	}

	if ((st = make_pipe(errpipe, err)) != LIUM_OK)
		goto fail;

	plan.new_pgroup = (o->flags & LIUM_PROCESS_NEW_PGROUP) != 0;
	plan.cwd = o->cwd;
	plan.path = exe.ptr;
	plan.argv = (char *const *)argv;
	plan.envp = envp;
	plan.errfd = errpipe[1];

	p->start_ms = lium__process_now_ms();
	pid = fork();
	if (pid < 0) {
		int e = errno;
		st = lium_error_set(err, LIUM_EIO, "fork: %s", strerror(e));
		if (err)
			err->cause = e;
		goto fail;
	}
	if (pid == 0)
		child_run(&plan);

	p->pid = pid;
	close_fd(&errpipe[1]);
	for (int i = 0; i < 3; i++)
		close_fd(&own[i]);

	{
		int msg[2] = {0, 0};
		size_t got = 0;
		while (got < sizeof(msg)) {
			ssize_t n = read(errpipe[0], (char *)msg + got, sizeof(msg) - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close_fd(&errpipe[0]);
		if (got > 0) {
			int wst;
			const char *what = msg[0] == STEP_CHDIR  ? "cannot change to directory"
					   : msg[0] == STEP_EXEC ? "cannot execute"
					   : msg[0] == STEP_PGRP
						   ? "cannot create a process group"
						   : "cannot set up the standard streams";
			const char *obj = msg[0] == STEP_CHDIR ? o->cwd : exe.ptr;
			while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
				;
			p->pid = -1;
			st = lium_error_set(err, LIUM_EIO, "%s %s: %s", what, obj ? obj : "",
					    strerror(msg[1]));
			if (err)
				err->cause = msg[1];
			goto fail;
		}
	}

	p->pidfd = open_pidfd(pid);
	p->in_fd = parent[0];
	p->out_fd = parent[1];
	p->err_fd = parent[2];
	for (int i = 0; i < 3; i++) {
		if (parent[i] >= 0)
			set_nonblock(parent[i]);
	}
	p->in_data = o->stdin_data;
	p->in_len = o->stdin_mode == LIUM_PROCESS_BUFFER ? o->stdin_len : 0;
	p->out_mode = o->stdout_mode;
	p->err_mode = o->stderr_mode;
	p->out_buf = o->stdout_buf;
	p->err_buf = o->stderr_buf;
	p->on_output = o->on_output;
	p->userdata = o->userdata;
	p->flags = o->flags;
	p->grace_ms = o->kill_grace_ms == 0 ? DEFAULT_GRACE : o->kill_grace_ms;
	lium_free(envp);
	lium_buf_dispose(&exe);
	*out = p;
	return LIUM_OK;

fail:
	for (int i = 0; i < 3; i++) {
		close_fd(&own[i]);
		close_fd(&parent[i]);
	}
	close_fd(&errpipe[0]);
	close_fd(&errpipe[1]);
	lium_free(envp);
	lium_buf_dispose(&exe);
	lium_free(p);
	return st;
}

/* ------------------------------------------------------------------ */
/* Waiting */

/*
 * Writing to a pipe whose reader has gone raises SIGPIPE, which would kill
 * a program that did not ignore it.  Block it on this thread around the
 * write and swallow the one our write raised.
 */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	int was_pending;
	ssize_t n;
	int e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	(void)sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	e = errno;
	if (n < 0 && e == EPIPE && !was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

static void fill_exit(lium_process *p, int wstatus)
{
	p->ex.exited = WIFEXITED(wstatus) ? 1 : 0;
	p->ex.code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 0;
	p->ex.signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	p->ex.duration_ms = lium__process_now_ms() - p->start_ms;
}

/* Returns 1 once reaped, 0 while running, -1 on error (errno set). */
static int try_reap(lium_process *p)
{
	int wst;
	pid_t r;
	if (p->reaped)
		return 1;
	do {
		r = waitpid(p->pid, &wst, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0)
		return -1;
	p->reaped = 1;
	close_fd(&p->pidfd);
	fill_exit(p, wst);
	return 1;
}

static void signal_child(lium_process *p, int signo)
{
	if (p->reaped || p->pid <= 0)
		return;
	if (p->flags & LIUM_PROCESS_NEW_PGROUP)
		(void)kill(-p->pid, signo);
	else
		(void)kill(p->pid, signo);
}

/* Hand data to the sink of a stream; returns 0, or a stop reason. */
static int deliver(lium_process *p, int stream, const char *data, size_t len, int muted)
{
	lium_process_stdio mode = stream == 1 ? p->out_mode : p->err_mode;
	if (mode == LIUM_PROCESS_CAPTURE) {
		lium_buf *b = stream == 1 ? p->out_buf : p->err_buf;
		if (len && lium_buf_put(b, data, len) != LIUM_OK)
			return STOP_NOMEM;
		return 0;
	}
	if (muted || len == 0)
		return 0;
	if (!(p->flags & LIUM_PROCESS_LINES))
		return p->on_output(stream, data, len, p->userdata) ? STOP_CANCEL : 0;

	{
		lium_buf *lb = &p->line[stream - 1];
		size_t start = 0;
		for (size_t i = 0; i < len; i++) {
			if (data[i] != '\n')
				continue;
			if (lb->size) {
				if (lium_buf_put(lb, data + start, i + 1 - start) != LIUM_OK)
					return STOP_NOMEM;
				if (p->on_output(stream, lb->ptr, lb->size, p->userdata))
					return STOP_CANCEL;
				lium_buf_clear(lb);
			} else if (p->on_output(stream, data + start, i + 1 - start, p->userdata)) {
				return STOP_CANCEL;
			}
			start = i + 1;
		}
		if (start < len && lium_buf_put(lb, data + start, len - start) != LIUM_OK)
			return STOP_NOMEM;
		if (lb->size >= LINE_MAX_PIECE) {
			int r = p->on_output(stream, lb->ptr, lb->size, p->userdata);
			lium_buf_clear(lb);
			if (r)
				return STOP_CANCEL;
		}
	}
	return 0;
}

/* At end of file, a pending partial line goes out as it is. */
static int flush_line(lium_process *p, int stream, int muted)
{
	lium_buf *lb = &p->line[stream - 1];
	int r = 0;
	if (lb->size && !muted && (p->flags & LIUM_PROCESS_LINES) &&
	    (stream == 1 ? p->out_mode : p->err_mode) == LIUM_PROCESS_CALLBACK)
		r = p->on_output(stream, lb->ptr, lb->size, p->userdata) ? STOP_CANCEL : 0;
	lium_buf_clear(lb);
	return r;
}

/* Read what a pipe has; returns a stop reason or 0.  Sets *got when data came. */
static int pump_read(lium_process *p, int stream, int muted, int *got)
{
	int *fd = stream == 1 ? &p->out_fd : &p->err_fd;
	char chunk[CHUNK];
	for (int rounds = 0; rounds < 16 && *fd >= 0; rounds++) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));
		if (n > 0) {
			int r = deliver(p, stream, chunk, (size_t)n, muted);
			*got = 1;
			if (r)
				return r;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		close_fd(fd);
		return flush_line(p, stream, muted);
	}
	return 0;
}

static void pump_write(lium_process *p)
{
	while (p->in_fd >= 0 && p->in_off < p->in_len) {
		size_t want = p->in_len - p->in_off;
		ssize_t n = write_nosigpipe(p->in_fd, p->in_data + p->in_off,
					    want > CHUNK ? CHUNK : want);
		if (n > 0) {
			p->in_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* The child closed its stdin: what it did not read is dropped. */
		close_fd(&p->in_fd);
		return;
	}
	if (p->in_fd >= 0 && p->in_off >= p->in_len)
		close_fd(&p->in_fd);
}

static lium_status stop_status(int reason, lium_process *p, lium_error *err)
{
	switch (reason) {
	case STOP_TIMEOUT:
		return lium_error_set(err, LIUM_ETIMEOUT, "process %ld timed out after %lld ms",
				      (long)p->pid, (long long)p->ex.duration_ms);
	case STOP_CANCEL:
		return lium_error_set(err, LIUM_ECANCELLED, "process %ld stopped by the caller",
				      (long)p->pid);
	case STOP_NOMEM:
		return lium_error_set(err, LIUM_ENOMEM, "out of memory capturing output");
	default:
		return LIUM_OK;
	}
}

static lium_status wait_loop(lium_process *p, int timeout_ms, int initial_reason, int *reason_out,
			     lium_error *err)
{
	int64_t now = lium__process_now_ms();
	int64_t deadline = timeout_ms >= 0 ? now + timeout_ms : -1;
	int64_t kill_at = -1;     /* when SIGKILL follows the SIGTERM */
	int64_t quiet_until = -1; /* end of the drain after the child exited */
	int reason = initial_reason;
	int backoff = 1;

	if (reason) {
		signal_child(p, p->grace_ms < 0 ? SIGKILL : SIGTERM);
		kill_at = now + (p->grace_ms < 0 ? 0 : p->grace_ms);
	}
	for (;;) {
		struct pollfd pfd[4];
		nfds_t n = 0;
		int idx_in = -1, idx_out = -1, idx_err = -1;
		int64_t wake = -1;
		int r, got = 0;
		int muted = reason != 0;

		if (!p->reaped) {
			r = try_reap(p);
			if (r < 0) {
				int e = errno;
				lium_error_set(err, LIUM_EIO, "waitpid %ld: %s", (long)p->pid,
					       strerror(e));
				if (err)
					err->cause = e;
				return LIUM_EIO;
			}
			if (r == 1) {
				close_fd(&p->in_fd);
				quiet_until = lium__process_now_ms() + DRAIN_QUIET_MS;
			}
		}
		if (p->reaped && p->out_fd < 0 && p->err_fd < 0)
			break;

		now = lium__process_now_ms();
		if (!p->reaped && !reason && deadline >= 0 && now >= deadline) {
			reason = STOP_TIMEOUT;
			p->ex.timed_out = 1;
			signal_child(p, p->grace_ms < 0 ? SIGKILL : SIGTERM);
			kill_at = now + (p->grace_ms < 0 ? 0 : p->grace_ms);
			continue;
		}
		if (!p->reaped && kill_at >= 0 && now >= kill_at) {
			signal_child(p, SIGKILL);
			kill_at = -1;
		}
		if (p->reaped && quiet_until >= 0 && now >= quiet_until) {
			/* Silent pipes held open by a grandchild: stop waiting on them. */
			flush_line(p, 1, muted);
			flush_line(p, 2, muted);
			close_fd(&p->out_fd);
			close_fd(&p->err_fd);
			break;
		}

		if (p->in_fd >= 0) {
			idx_in = (int)n;
			pfd[n].fd = p->in_fd;
			pfd[n++].events = POLLOUT;
		}
		if (p->out_fd >= 0) {
			idx_out = (int)n;
			pfd[n].fd = p->out_fd;
			pfd[n++].events = POLLIN;
		}
		if (p->err_fd >= 0) {
			idx_err = (int)n;
			pfd[n].fd = p->err_fd;
			pfd[n++].events = POLLIN;
		}
		if (!p->reaped && p->pidfd >= 0) {
			pfd[n].fd = p->pidfd;
			pfd[n++].events = POLLIN;
		}

		if (p->reaped)
			wake = quiet_until;
		else {
			if (!reason && deadline >= 0)
				wake = deadline;
			if (kill_at >= 0 && (wake < 0 || kill_at < wake))
				wake = kill_at;
			if (p->pidfd < 0) {
				/* No pidfd: poll the child's state with a growing interval. */
				int64_t t = now + backoff;
				if (wake < 0 || t < wake)
					wake = t;
				if (backoff < 50)
					backoff *= 2;
			}
		}
		{
			int ms = -1;
			if (wake >= 0) {
				int64_t d = wake - now;
				ms = d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
			}
			r = poll(pfd, n, ms);
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			lium_error_set(err, LIUM_EIO, "poll: %s", strerror(e));
			if (err)
				err->cause = e;
			return LIUM_EIO;
		}
		if (idx_in >= 0 && pfd[idx_in].revents)
			pump_write(p);
		if (idx_out >= 0 && pfd[idx_out].revents) {
			int s = pump_read(p, 1, muted, &got);
			if (s && !reason) {
				reason = s;
				signal_child(p, p->grace_ms < 0 ? SIGKILL : SIGTERM);
				kill_at = lium__process_now_ms() +
					  (p->grace_ms < 0 ? 0 : p->grace_ms);
			}
		}
		if (idx_err >= 0 && pfd[idx_err].revents) {
			int s = pump_read(p, 2, reason != 0, &got);
			if (s && !reason) {
				reason = s;
				signal_child(p, p->grace_ms < 0 ? SIGKILL : SIGTERM);
				kill_at = lium__process_now_ms() +
					  (p->grace_ms < 0 ? 0 : p->grace_ms);
			}
		}
		if (got && p->reaped)
			quiet_until = lium__process_now_ms() + DRAIN_QUIET_MS;
	}
	*reason_out = reason;
	return stop_status(reason, p, err);
}

lium_status lium_process_wait(lium_process *p, int timeout_ms, lium_process_exit *ex,
			      lium_error *err)
{
	lium_status st;
	int reason = STOP_NONE;
	if (!p)
		return lium_error_set(err, LIUM_EINVAL, "wait: process is NULL");
	if (p->status_done) {
		if (ex)
			*ex = p->ex;
		return stop_status(p->done_reason, p, err);
	}
	st = wait_loop(p, timeout_ms, STOP_NONE, &reason, err);
	if (p->reaped && st != LIUM_EIO) {
		p->status_done = 1;
		p->done_reason = reason;
	}
	if (ex)
		*ex = p->ex;
	return st;
}

lium_status lium_process_kill(lium_process *p, int signo, lium_error *err)
{
	if (!p || signo <= 0 || signo >= NSIG)
		return lium_error_set(err, LIUM_EINVAL, "kill: bad argument");
	if (p->reaped)
		return LIUM_OK;
	if (((p->flags & LIUM_PROCESS_NEW_PGROUP) ? kill(-p->pid, signo) : kill(p->pid, signo)) !=
		    0 &&
	    errno != ESRCH) {
		int e = errno;
		lium_error_set(err, LIUM_EIO, "kill %ld: %s", (long)p->pid, strerror(e));
		if (err)
			err->cause = e;
		return LIUM_EIO;
	}
	return LIUM_OK;
}

int lium_process_pid(const lium_process *p)
{
	return p ? (int)p->pid : -1;
}

void lium_process_free(lium_process *p)
{
	if (!p)
		return;
	/*
	 * The caller's buffers and callback may be gone by now, so nothing is
	 * delivered: close our ends first, then stop and reap the child.
	 */
	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	if (!p->reaped && p->pid > 0 && try_reap(p) == 0) {
		int64_t until;
		signal_child(p, p->grace_ms < 0 ? SIGKILL : SIGTERM);
		until = lium__process_now_ms() + (p->grace_ms < 0 ? 0 : p->grace_ms);
		while (try_reap(p) == 0 && lium__process_now_ms() < until) {
			struct timespec ts = {0, 5 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (!p->reaped) {
			int wst;
			signal_child(p, SIGKILL);
			while (waitpid(p->pid, &wst, 0) < 0 && errno == EINTR)
				;
		}
	}
	close_fd(&p->pidfd);
	lium_buf_dispose(&p->line[0]);
	lium_buf_dispose(&p->line[1]);
	lium_free(p);
}

lium_status lium_process_run(const char *const *argv, const lium_process_options *opts,
			     lium_process_exit *ex, lium_error *err)
{
	lium_process *p;
	lium_status st = lium_process_spawn(&p, argv, opts, err);
	if (st != LIUM_OK)
		return st;
	st = lium_process_wait(p, opts && opts->timeout_ms > 0 ? opts->timeout_ms : -1, ex, err);
	lium_process_free(p);
	return st;
}

/* ------------------------------------------------------------------ */
/* exec */

lium_status lium_process_exec(const char *const *argv, const lium_process_options *opts,
			      lium_error *err)
{
	lium_process_options defaults = LIUM_PROCESS_OPTIONS_INIT;
	const lium_process_options *o = opts ? opts : &defaults;
	lium_buf exe = LIUM_BUF_INIT;
	char **envp = NULL;
	int here = -1;
	int e;
	lium_status st;

	if (!argv || !argv[0])
		return lium_error_set(err, LIUM_EINVAL, "exec: missing argument");
	if (o->stdin_mode != LIUM_PROCESS_INHERIT || o->stdout_mode != LIUM_PROCESS_INHERIT ||
	    o->stderr_mode != LIUM_PROCESS_INHERIT)
		return lium_error_set(err, LIUM_EINVAL, "exec: the standard streams are inherited");
	st = resolve_program(argv[0], o, &exe, err);
	if (st != LIUM_OK)
		return st;
	if ((st = lium__process_build_env(o->env, o->clear_env, &envp, err)) != LIUM_OK) {
		lium_buf_dispose(&exe);
		return st;
	}
	if (o->cwd) {
		here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (chdir(o->cwd) != 0) {
			e = errno;
			st = lium_error_set(err, LIUM_EIO, "cannot change to directory %s: %s",
					    o->cwd, strerror(e));
			if (err)
				err->cause = e;
			goto out;
		}
	}
	fflush(NULL);
	if (exe.ptr)
		execve(exe.ptr, (char *const *)argv, envp);
	e = errno;
	st = lium_error_set(err, LIUM_EIO, "cannot execute %s: %s", exe.ptr, strerror(e));
	if (err)
		err->cause = e;
	if (here >= 0 && fchdir(here) != 0) {
		/* Nothing better to do: the error already says exec failed. */
	}
out:
	if (here >= 0)
		close(here);
	lium_free(envp);
	lium_buf_dispose(&exe);
	return st;
}

/* ------------------------------------------------------------------ */
/* Text */

const char *lium__process_signal_name(int signo)
{
	switch (signo) {
	case SIGHUP:
		return "SIGHUP";
	case SIGINT:
		return "SIGINT";
	case SIGQUIT:
		return "SIGQUIT";
	case SIGILL:
		return "SIGILL";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGABRT:
		return "SIGABRT";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGKILL:
		return "SIGKILL";
	case SIGUSR1:
		return "SIGUSR1";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGUSR2:
		return "SIGUSR2";
	case SIGPIPE:
		return "SIGPIPE";
	case SIGALRM:
		return "SIGALRM";
	case SIGTERM:
		return "SIGTERM";
	case SIGCHLD:
		return "SIGCHLD";
	case SIGCONT:
		return "SIGCONT";
	case SIGSTOP:
		return "SIGSTOP";
	case SIGTSTP:
		return "SIGTSTP";
	case SIGTTIN:
		return "SIGTTIN";
	case SIGTTOU:
		return "SIGTTOU";
	case SIGXCPU:
		return "SIGXCPU";
	case SIGXFSZ:
		return "SIGXFSZ";
	case SIGSYS:
		return "SIGSYS";
	default:
		return NULL;
	}
}

lium_status lium_process_describe_exit(const lium_process_exit *ex, lium_buf *out)
{
	lium_status st;
	if (!ex || !out)
		return LIUM_EINVAL;
	if (ex->timed_out && (st = lium_buf_puts(out, "timed out and was ")) != LIUM_OK)
		return st;
	if (ex->exited)
		return lium_buf_printf(out, "%s with status %d",
				       ex->timed_out ? "stopped, exiting" : "exited", ex->code);
	if (ex->signal) {
		const char *name = lium__process_signal_name(ex->signal);
		if (name)
			return lium_buf_printf(out, "killed by signal %d (%s)", ex->signal, name);
		return lium_buf_printf(out, "killed by signal %d", ex->signal);
	}
	return lium_buf_puts(out, "still running");
}

static int shell_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_@%+=:,./-", c)))
			return 0;
	}
	return 1;
}

lium_status lium_process_format_argv(const char *const *argv, lium_buf *out)
{
	if (!argv || !out)
		return LIUM_EINVAL;
	for (size_t i = 0; argv[i]; i++) {
		const char *s = argv[i];
		if (i && lium_buf_putc(out, ' ') != LIUM_OK)
			return LIUM_ENOMEM;
		if (shell_safe(s)) {
			if (lium_buf_puts(out, s) != LIUM_OK)
				return LIUM_ENOMEM;
			continue;
		}
		if (lium_buf_putc(out, '\'') != LIUM_OK)
			return LIUM_ENOMEM;
		for (; *s; s++) {
			if (*s == '\'' ? lium_buf_puts(out, "'\\''") != LIUM_OK
				       : lium_buf_putc(out, *s) != LIUM_OK)
				return LIUM_ENOMEM;
		}
		if (lium_buf_putc(out, '\'') != LIUM_OK)
			return LIUM_ENOMEM;
	}
	return LIUM_OK;
}
