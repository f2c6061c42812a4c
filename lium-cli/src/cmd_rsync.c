/*
 * lium rsync TARGETS SRC [DST] [--delete] [--exclude PAT]... [-n] [-d]
 *
 * The system rsync over OpenSSH with the pod's pinned host key, for every
 * pod at once through the fan-out runner; rsync's output comes back as
 * prefixed lines.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_api.h"
#include "sshargs.h"

enum { O_DELETE = 1, O_EXCLUDE, O_DRY_RUN, O_DOWNLOAD };

struct sync_run {
	struct cli_fleet fl;
	const char *src, *dst;
	int download, delete_extra, dry_run;
	const char *const *excludes;
	size_t nexcludes;
};

static int emit_output(int stream, const char *data, size_t len, void *userdata)
{
	lium_fanout_ctx *ctx = userdata;

	lium_fanout_ctx_emit(ctx, stream == 2 ? LIUM_FANOUT_STDERR : LIUM_FANOUT_STDOUT, data, len);
	return lium_fanout_ctx_cancelled(ctx) ? 1 : 0;
}

/* rsync must exist on the pod; install it the way the official CLI does when missing. */
static lium_status ensure_remote_rsync(lium_ssh *ssh, lium_fanout_ctx *ctx, lium_error *err)
{
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_ssh_exec_result res;
	lium_status st;

	eo.command = "command -v rsync >/dev/null 2>&1";
	eo.timeout_ms = 30000;
	st = lium_ssh_exec(ssh, &eo, &res, err);
	if (st != LIUM_OK || res.exit_code == 0)
		return st;
	{
		static const char msg[] = "rsync is missing on the pod; installing it\n";
		lium_fanout_ctx_emit(ctx, LIUM_FANOUT_STDERR, msg, sizeof msg - 1);
	}
	eo.command = "(apt-get update -qq && apt-get install -y -qq rsync) >/dev/null 2>&1 && "
		     "command -v rsync >/dev/null";
	eo.timeout_ms = 300000;
	st = lium_ssh_exec(ssh, &eo, &res, err);
	if (st != LIUM_OK)
		return st;
	if (res.exit_code != 0)
		return lium_error_set(
			err, LIUM_EREMOTE,
			"rsync is not installed on the pod and could not be installed");
	return LIUM_OK;
}

static lium_status sync_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct sync_run *r = userdata;
	const lium_pod *pod = cli_fleet_pod(&r->fl, index);
	const lium_ssh_endpoint *ep = &r->fl.eps[index];
	lium_process_options po = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	struct cli_argv sshv, a;
	lium_ssh *ssh = NULL;
	lium_buf rsh = LIUM_BUF_INIT, remote = LIUM_BUF_INIT, local = LIUM_BUF_INIT;
	lium_status st;
	size_t i;
	struct stat sb;

	/* A libssh login first: pins a new pod's key and checks that rsync is there. */
	st = cli_fleet_connect(&r->fl, index, ctx, &ssh, err);
	if (st == LIUM_OK)
		st = ensure_remote_rsync(ssh, ctx, err);
	lium_ssh_free(ssh);
	if (st != LIUM_OK)
		return st;

	memset(&sshv, 0, sizeof sshv);
	memset(&a, 0, sizeof a);
	cli_argv_add(&sshv, "ssh");
	cli_ssh_common_args(&sshv, r->fl.key_path, r->fl.known_hosts, pod->id, ep->port);
	cli_argv_add(&sshv, "-o");
	cli_argv_add(&sshv, "BatchMode=yes");
	cli_argv_add(&sshv, "-o");
	cli_argv_add(&sshv, "ConnectTimeout=20");
	for (i = 0; i < sshv.n; i++) {
		if (i)
			lium_buf_putc(&rsh, ' ');
		lium_ssh_shell_quote(sshv.v[i], &rsh);
	}

	cli_argv_add(&a, "rsync");
	cli_argv_add(&a, "-az");
	if (cli_out.verbose)
		cli_argv_add(&a, "-v");
	if (r->delete_extra)
		cli_argv_add(&a, "--delete");
	if (r->dry_run) {
		cli_argv_add(&a, "--dry-run");
		cli_argv_add(&a, "--itemize-changes");
	}
	for (i = 0; i < r->nexcludes; i++)
		cli_argv_addf(&a, "--exclude=%s", r->excludes[i]);
	cli_argv_add(&a, "-e");
	cli_argv_add(&a, lium_buf_cstr(&rsh));
	if (!r->download) {
		/* A directory's contents are synchronised, as the official CLI does. */
		lium_buf_puts(&local, r->src);
		if (stat(r->src, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    r->src[strlen(r->src) - 1] != '/')
			lium_buf_putc(&local, '/');
		lium_buf_printf(&remote, "%s@%s:%s", ep->user,
				strchr(ep->host, ':') ? "" : ep->host, r->dst);
		if (strchr(ep->host, ':')) {
			lium_buf_clear(&remote);
			lium_buf_printf(&remote, "%s@[%s]:%s", ep->user, ep->host, r->dst);
		}
		cli_argv_add(&a, lium_buf_cstr(&local));
		cli_argv_add(&a, lium_buf_cstr(&remote));
	} else {
		if (strchr(ep->host, ':'))
			lium_buf_printf(&remote, "%s@[%s]:%s", ep->user, ep->host, r->src);
		else
			lium_buf_printf(&remote, "%s@%s:%s", ep->user, ep->host, r->src);
		lium_buf_printf(&local, "%s/%s/", r->dst, r->fl.labels[index]);
		cli_argv_add(&a, lium_buf_cstr(&remote));
		cli_argv_add(&a, lium_buf_cstr(&local));
	}
	if (sshv.failed || a.failed) {
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		goto done;
	}
	if (r->download && lium_fs_mkdirs(lium_buf_cstr(&local), 0755, err) != LIUM_OK) {
		st = err->code;
		goto done;
	}
	if (cli_out.verbose) {
		lium_buf line = LIUM_BUF_INIT;
		lium_buf_puts(&line, "+ ");
		lium_process_format_argv((const char *const *)a.v, &line);
		lium_buf_putc(&line, '\n');
		lium_fanout_ctx_emit(ctx, LIUM_FANOUT_STDERR, line.ptr, line.size);
		lium_buf_dispose(&line);
	}
	po.stdin_mode = LIUM_PROCESS_NULL;
	po.stdout_mode = LIUM_PROCESS_CALLBACK;
	po.stderr_mode = LIUM_PROCESS_CALLBACK;
	po.on_output = emit_output;
	po.userdata = ctx;
	po.flags = LIUM_PROCESS_LINES;
	st = lium_process_run((const char *const *)a.v, &po, &ex, err);
	if (st == LIUM_ENOTFOUND) {
		st = lium_error_set(err, LIUM_ENOTFOUND, "rsync is not installed here");
	} else if (st == LIUM_OK && !(ex.exited && ex.code == 0)) {
		lium_buf why = LIUM_BUF_INIT;
		lium_process_describe_exit(&ex, &why);
		lium_fanout_ctx_set_exit(ctx, ex.exited ? ex.code : -1, NULL);
		st = lium_error_set(err, LIUM_EIO, "rsync %s", lium_buf_cstr(&why));
		if (ex.exited)
			err->cause = ex.code;
		lium_buf_dispose(&why);
	} else if (st == LIUM_OK) {
		lium_fanout_ctx_set_exit(ctx, 0, NULL);
	}
done:
	cli_argv_dispose(&sshv);
	cli_argv_dispose(&a);
	lium_buf_dispose(&rsh);
	lium_buf_dispose(&remote);
	lium_buf_dispose(&local);
	return st;
}

static void on_line(const lium_fanout_line *line, void *userdata)
{
	FILE *f = line->stream == LIUM_FANOUT_STDERR ? stderr : stdout;

	(void)userdata;
	if (cli_out.json)
		f = stderr;
	fwrite(line->formatted, 1, line->formatted_len, f);
	fflush(f);
}

static const char *base_name(const char *path, lium_buf *tmp)
{
	size_t len = strlen(path);
	const char *s;

	while (len > 1 && path[len - 1] == '/')
		len--;
	lium_buf_put(tmp, path, len);
	s = strrchr(lium_buf_cstr(tmp), '/');
	return s ? s + 1 : lium_buf_cstr(tmp);
}

int cli_cmd_rsync(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"delete", 0, 0, O_DELETE},
					      {"exclude", 0, 1, O_EXCLUDE},
					      {"dry-run", 'n', 0, O_DRY_RUN},
					      {"download", 'd', 0, O_DOWNLOAD},
					      {NULL, 0, 0, 0}};
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	struct cli_parser p;
	struct sync_run r;
	const char **excludes = lium_calloc((size_t)argc + 1, sizeof *excludes);
	lium_buf namebuf = LIUM_BUF_INIT;
	lium_status st;
	int c, idx, rc = 0;
	struct stat sb;

	memset(&r, 0, sizeof r);
	if (!excludes)
		return cli_fail(CLI_EXIT_FAIL, "rsync", "out of memory");
	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_DELETE:
			r.delete_extra = 1;
			break;
		case O_EXCLUDE:
			excludes[r.nexcludes++] = p.arg;
			break;
		case O_DRY_RUN:
			r.dry_run = 1;
			break;
		case O_DOWNLOAD:
			r.download = 1;
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			lium_free(excludes);
			cli_help_print(cli_command_find("rsync"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			lium_free(excludes);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	r.excludes = excludes;
	if (argc - idx < 2) {
		rc = cli_usage_error(argc - idx < 1 ? "missing TARGETS and SRC" : "missing SRC");
		goto out;
	}
	if (argc - idx > 3) {
		rc = cli_usage_error("unexpected argument '%s'", argv[idx + 3]);
		goto out;
	}
	r.src = argv[idx + 1];
	if (!*r.src) {
		rc = cli_usage_error("SRC is empty");
		goto out;
	}
	if (!r.download && stat(r.src, &sb) != 0) {
		rc = cli_usage_error("SRC '%s' does not exist", r.src);
		goto out;
	}
	r.dst = argc - idx > 2 ? argv[idx + 2] : (r.download ? "." : base_name(r.src, &namebuf));
	{
		lium_buf found = LIUM_BUF_INIT;
		st = lium_process_find_executable("rsync", NULL, &found, NULL);
		lium_buf_dispose(&found);
		if (st != LIUM_OK) {
			rc = cli_fail(CLI_EXIT_FAIL, "rsync",
				      "rsync is not installed here (apt-get install rsync)");
			goto out;
		}
	}
	if ((rc = cli_fleet_open(&r.fl, ctx, "rsync", argv[idx])) != 0)
		goto out;
	fo.on_line = on_line;
	if ((rc = cli_fleet_run(&r.fl, &fo, sync_op, &r)) != 0)
		goto out;
	rc = cli_fleet_finish(&r.fl, NULL, NULL);
out:
	cli_fleet_close(&r.fl);
	lium_free(excludes);
	lium_buf_dispose(&namebuf);
	return rc;
}
