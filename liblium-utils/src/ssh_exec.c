/*
 * Remote command execution on a session channel: streamed stdout/stderr,
 * stdin from memory or a callback, environment as a quoted export prefix,
 * exit status or signal, timeout and cancellation.
 */
#include <string.h>

#include <libssh/callbacks.h>

#include "ssh_int.h"

#define EXEC_READ_CHUNK  32768u
#define EXEC_WRITE_CHUNK 32768u

lium_status lium_ssh_shell_quote(const char *s, lium_buf *out)
{
	const char *p;

	if (out == NULL) {
		return LIUM_EINVAL;
	}
	if (s == NULL) {
		s = "";
	}
	if (lium_buf_putc(out, '\'') != LIUM_OK) {
		return LIUM_ENOMEM;
	}
	for (p = s; *p != '\0'; p++) {
		lium_status st = *p == '\'' ? lium_buf_puts(out, "'\\''") : lium_buf_putc(out, *p);
		if (st != LIUM_OK) {
			return LIUM_ENOMEM;
		}
	}
	return lium_buf_putc(out, '\'') == LIUM_OK ? LIUM_OK : LIUM_ENOMEM;
}

static int env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9')) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_')) {
			return 0;
		}
	}
	return 1;
}

static lium_status build_command(const lium_ssh_exec_options *o, lium_buf *cmd, lium_error *err)
{
	size_t i;

	for (i = 0; o->env != NULL && o->env[i] != NULL; i++) {
		const char *kv = o->env[i];
		const char *eq = strchr(kv, '=');
		if (eq == NULL || !env_name_ok(kv, (size_t)(eq - kv))) {
			return lium_error_set(
				err, LIUM_EINVAL,
				"ssh exec: bad environment entry '%.64s' (want NAME=value)", kv);
		}
		if (lium_buf_puts(cmd, "export ") != LIUM_OK ||
		    lium_buf_put(cmd, kv, (size_t)(eq - kv)) != LIUM_OK ||
		    lium_buf_putc(cmd, '=') != LIUM_OK ||
		    lium_ssh_shell_quote(eq + 1, cmd) != LIUM_OK ||
		    lium_buf_puts(cmd, "; ") != LIUM_OK) {
			return lium_error_set(err, LIUM_ENOMEM, "out of memory");
		}
	}
	if (lium_buf_puts(cmd, o->command) != LIUM_OK) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	return LIUM_OK;
}

struct exec_state {
	lium_ssh_exec_result *res;
	int got_exit;
};

static void on_exit_status(ssh_session session, ssh_channel channel, int status, void *userdata)
{
	struct exec_state *es = userdata;

	(void)session;
	(void)channel;
	es->res->exit_code = status;
	es->got_exit = 1;
}

static void on_exit_signal(ssh_session session, ssh_channel channel, const char *signal, int core,
			   const char *errmsg, const char *lang, void *userdata)
{
	struct exec_state *es = userdata;
	size_t n;

	(void)session;
	(void)channel;
	(void)errmsg;
	(void)lang;
	es->res->exit_code = -1;
	es->res->core_dumped = core != 0;
	n = signal != NULL ? strlen(signal) : 0;
	if (n >= sizeof(es->res->signal)) {
		n = sizeof(es->res->signal) - 1;
	}
	if (n > 0) {
		memcpy(es->res->signal, signal, n);
	}
	es->res->signal[n] = '\0';
	es->got_exit = 1;
}

/* Deliver a chunk to the callback and the capture buffer. */
static lium_status deliver(const lium_ssh_exec_options *o, int is_stderr, const char *data,
			   size_t len, lium_error *err)
{
	lium_ssh_output_cb cb = is_stderr ? o->on_stderr : o->on_stdout;
	lium_buf *buf = is_stderr ? o->stderr_buf : o->stdout_buf;

	if (cb != NULL) {
		cb(data, len, o->output_userdata);
	}
	if (buf != NULL && lium_buf_put(buf, data, len) != LIUM_OK) {
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	return LIUM_OK;
}

/* Stop a command that ran out of time or was cancelled: ask for SIGTERM and
 * close the channel without waiting for the answer. */
static void abandon(ssh_channel ch)
{
	if (ssh_channel_is_open(ch)) {
		(void)ssh_channel_request_send_signal(ch, "TERM");
		(void)ssh_channel_close(ch);
	}
}

/* Drain a channel stream; *eof set when it ended. */
static lium_status drain(lium_ssh *ssh, ssh_channel ch, const lium_ssh_exec_options *o,
			 int is_stderr, char *buf, int *eof, int *progress, lium_error *err)
{
	for (;;) {
		int n = ssh_channel_read_nonblocking(ch, buf, EXEC_READ_CHUNK, is_stderr);
		if (n == SSH_EOF) {
			*eof = 1;
			return LIUM_OK;
		}
		if (n < 0) {
			return lium__ssh_error(ssh, err, "reading command output");
		}
		if (n == 0) {
			if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch)) {
				*eof = 1;
			}
			return LIUM_OK;
		}
		*progress = 1;
		if (deliver(o, is_stderr, buf, (size_t)n, err) != LIUM_OK) {
			return LIUM_ENOMEM;
		}
	}
}

struct stdin_state {
	const char *pending;
	size_t pending_len;
	size_t data_off;
	int done;
	char chunk[EXEC_WRITE_CHUNK];
};

static lium_status feed_stdin(lium_ssh *ssh, ssh_channel ch, const lium_ssh_exec_options *o,
			      struct stdin_state *in, int *progress, lium_error *err)
{
	while (!in->done) {
		uint32_t window;
		int w;

		if (in->pending_len == 0) {
			if (o->stdin_cb != NULL) {
				size_t len = 0;
				lium_status st;
				window = ssh_channel_window_size(ch);
				if (window == 0) {
					return LIUM_OK;
				}
				st = o->stdin_cb(in->chunk,
						 window < sizeof(in->chunk) ? window
									    : sizeof(in->chunk),
						 &len, o->stdin_userdata);
				if (st != LIUM_OK) {
					return lium_error_set(
						err, st, "ssh %s: the stdin callback failed (%s)",
						ssh->alias, lium_status_str(st));
				}
				if (len == 0) {
					in->done = 1;
					break;
				}
				in->pending = in->chunk;
				in->pending_len = len;
			} else {
				const char *data = o->stdin_data;
				if (data == NULL || in->data_off >= o->stdin_len) {
					in->done = 1;
					break;
				}
				in->pending = data + in->data_off;
				in->pending_len = o->stdin_len - in->data_off;
				if (in->pending_len > EXEC_WRITE_CHUNK) {
					in->pending_len = EXEC_WRITE_CHUNK;
				}
				in->data_off += in->pending_len;
			}
		}
		window = ssh_channel_window_size(ch);
		if (window == 0) {
			return LIUM_OK;
		}
		w = ssh_channel_write(
			ch, in->pending,
			(uint32_t)(in->pending_len < window ? in->pending_len : window));
		if (w < 0) {
			if (ssh_channel_is_closed(ch) || ssh_channel_is_eof(ch)) {
				/* The command ended without reading all its input. */
				in->done = 1;
				in->pending_len = 0;
				return LIUM_OK;
			}
			return lium__ssh_error(ssh, err, "writing command input");
		}
		if (w == 0) {
			return LIUM_OK;
		}
		*progress = 1;
		in->pending += w;
		in->pending_len -= (size_t)w;
	}
	if (ssh_channel_is_open(ch) && ssh_channel_send_eof(ch) == SSH_ERROR &&
	    !ssh_channel_is_closed(ch)) {
		return lium__ssh_error(ssh, err, "closing command input");
	}
	*progress = 1;
	return LIUM_OK;
}

/* Repeat a non-blocking libssh request until it is no longer SSH_AGAIN. */
#define RETRY_AGAIN(ssh, deadline, err, st, call)                        \
	do {                                                             \
		int rc_;                                                 \
		for (;;) {                                               \
			rc_ = (call);                                    \
			if (rc_ != SSH_AGAIN) {                          \
				break;                                   \
			}                                                \
			(st) = lium__ssh_wait((ssh), (deadline), (err)); \
			if ((st) != LIUM_OK) {                           \
				break;                                   \
			}                                                \
		}                                                        \
		if ((st) == LIUM_OK && rc_ != SSH_OK) {                  \
			(st) = LIUM_ESSH;                                \
		}                                                        \
	} while (0)

lium_status lium_ssh_exec(lium_ssh *ssh, const lium_ssh_exec_options *o,
			  lium_ssh_exec_result *result, lium_error *err)
{
	lium_ssh_exec_result local_result;
	struct exec_state es;
	struct ssh_channel_callbacks_struct cbs;
	struct stdin_state *in = NULL;
	lium_buf cmd = LIUM_BUF_INIT;
	ssh_channel ch = NULL;
	char *buf = NULL;
	int64_t deadline;
	int out_eof = 0;
	int err_eof = 0;
	lium_status st;

	memset(&cbs, 0, sizeof(cbs));
	if (result == NULL) {
		result = &local_result;
	}
	memset(result, 0, sizeof(*result));
	result->exit_code = -1;
	if (o == NULL || o->version < 1 || o->version > LIUM_SSH_EXEC_OPTIONS_VERSION ||
	    o->command == NULL) {
		return lium_error_set(err, LIUM_EINVAL,
				      "ssh exec: options need a version and a command");
	}
	st = lium__ssh_usable(ssh, err);
	if (st != LIUM_OK) {
		return st;
	}
	st = build_command(o, &cmd, err);
	if (st != LIUM_OK) {
		lium_buf_dispose(&cmd);
		return st;
	}
	deadline = lium__ssh_deadline(o->timeout_ms);
	in = lium_calloc(1, sizeof(*in));
	buf = lium_malloc(EXEC_READ_CHUNK);
	ch = ssh_channel_new(ssh->session);
	if (in == NULL || buf == NULL || ch == NULL) {
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		goto out;
	}
	memset(&es, 0, sizeof(es));
	es.res = result;
	cbs.userdata = &es;
	cbs.channel_exit_status_function = on_exit_status;
	cbs.channel_exit_signal_function = on_exit_signal;
	ssh_callbacks_init(&cbs);
	ssh_set_channel_callbacks(ch, &cbs);

	st = LIUM_OK;
	RETRY_AGAIN(ssh, deadline, err, st, ssh_channel_open_session(ch));
	if (st == LIUM_ESSH) {
		st = lium__ssh_error(ssh, err, "opening a channel");
	}
	if (st == LIUM_OK && o->pty) {
		RETRY_AGAIN(ssh, deadline, err, st,
			    ssh_channel_request_pty_size(ch, "xterm", 80, 24));
		if (st == LIUM_ESSH) {
			st = lium__ssh_error(ssh, err, "requesting a terminal");
		}
	}
	if (st == LIUM_OK) {
		RETRY_AGAIN(ssh, deadline, err, st,
			    ssh_channel_request_exec(ch, lium_buf_cstr(&cmd)));
		if (st == LIUM_ESSH) {
			st = lium__ssh_error(ssh, err, "starting the command");
		}
	}

	while (st == LIUM_OK) {
		int progress = 0;

		st = drain(ssh, ch, o, 0, buf, &out_eof, &progress, err);
		if (st == LIUM_OK) {
			st = drain(ssh, ch, o, 1, buf, &err_eof, &progress, err);
		}
		if (st == LIUM_OK && !in->done && !ssh_channel_is_closed(ch)) {
			st = feed_stdin(ssh, ch, o, in, &progress, err);
		}
		if (st != LIUM_OK) {
			break;
		}
		if (out_eof && err_eof && (es.got_exit || ssh_channel_is_closed(ch))) {
			break;
		}
		if (ssh_channel_is_closed(ch) && !progress) {
			break;
		}
		if (!progress) {
			st = lium__ssh_wait(ssh, deadline, err);
		}
	}
	if (st == LIUM_OK && !es.got_exit) {
		if ((ssh_get_status(ssh->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) {
			st = lium__ssh_error(ssh, err, "running the command");
		} else {
			st = lium_error_set(err, LIUM_ESSH,
					    "ssh %s: the command's channel closed without an exit "
					    "status",
					    ssh->alias);
		}
	}
	if (st == LIUM_ETIMEOUT && deadline >= 0 && lium__ssh_now_ms() >= deadline) {
		lium_error_set(err, LIUM_ETIMEOUT, "ssh %s: command timed out after %u ms",
			       ssh->alias, o->timeout_ms);
	}
	if (st != LIUM_OK) {
		abandon(ch);
		result->exit_code = -1;
	}
out:
	if (ch != NULL) {
		if (st == LIUM_OK && ssh_channel_is_open(ch)) {
			(void)ssh_channel_close(ch);
		}
		ssh_remove_channel_callbacks(ch, &cbs);
		ssh_channel_free(ch);
	}
	lium_free(in);
	lium_free(buf);
	lium_buf_dispose(&cmd);
	return st;
}
