/*
 * The ready-made fan-out operation: connect, run one command, stream its
 * output as lines of the target, report the exit status.
 */
#include <string.h>

#include "lium/utils/fanout.h"
#include "ssh_int.h"

static void to_stdout(const char *data, size_t len, void *userdata)
{
	(void)lium_fanout_ctx_emit(userdata, LIUM_FANOUT_STDOUT, data, len);
}

static void to_stderr(const char *data, size_t len, void *userdata)
{
	(void)lium_fanout_ctx_emit(userdata, LIUM_FANOUT_STDERR, data, len);
}

/* The smaller of a configured limit (0 = none) and the run's time left. */
static unsigned int bounded(unsigned int limit_ms, long left_ms)
{
	if (left_ms < 0) {
		return limit_ms;
	}
	if (left_ms == 0) {
		left_ms = 1;
	}
	if (limit_ms == 0 || (unsigned long)left_ms < limit_ms) {
		return left_ms > 0x7fffffffL ? 0x7fffffffu : (unsigned int)left_ms;
	}
	return limit_ms;
}

lium_status lium_fanout_ssh_exec_op(size_t index, lium_fanout_ctx *ctx, void *userdata,
				    lium_error *err)
{
	const lium_fanout_ssh_exec *ex = userdata;
	lium_ssh_options so;
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_ssh_exec_result res;
	lium_ssh *ssh = NULL;
	lium_status st;

	if (ex == NULL || ex->version < 1 || ex->version > LIUM_FANOUT_SSH_EXEC_VERSION ||
	    ex->targets == NULL || ex->command == NULL || ctx == NULL) {
		return lium_error_set(err, LIUM_EINVAL,
				      "fanout ssh exec: needs a version, targets and a command");
	}
	so = ex->targets[index];
	so.cancel_fd = lium_fanout_ctx_cancel_fd(ctx);
	so.connect_timeout_ms = bounded(so.connect_timeout_ms != 0 ? so.connect_timeout_ms : 15000u,
					lium_fanout_ctx_time_left_ms(ctx));
	st = lium_ssh_connect(&ssh, &so, err);
	if (st != LIUM_OK) {
		return st;
	}
	eo.command = ex->command;
	eo.env = ex->env;
	eo.stdin_data = ex->stdin_data;
	eo.stdin_len = ex->stdin_len;
	eo.on_stdout = to_stdout;
	eo.on_stderr = to_stderr;
	eo.output_userdata = ctx;
	eo.timeout_ms = bounded(ex->timeout_ms, lium_fanout_ctx_time_left_ms(ctx));
	eo.pty = ex->pty;
	st = lium_ssh_exec(ssh, &eo, &res, err);
	lium_ssh_free(ssh);
	if (st != LIUM_OK) {
		return st;
	}
	lium_fanout_ctx_set_exit(ctx, res.exit_code, res.signal);
	if (res.signal[0] != '\0') {
		st = lium_error_set(err, LIUM_EREMOTE, "command killed by signal %s", res.signal);
		if (err != NULL) {
			err->cause = -1;
		}
		return st;
	}
	if (res.exit_code != 0) {
		st = lium_error_set(err, LIUM_EREMOTE, "command exited with status %d",
				    res.exit_code);
		if (err != NULL) {
			err->cause = res.exit_code;
		}
		return st;
	}
	return LIUM_OK;
}
