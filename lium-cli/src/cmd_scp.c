/*
 * lium scp TARGETS SRC [DST] [-d]
 *
 * SFTP (liblium-utils) to or from many pods at once through the fan-out
 * runner, with one progress line for all of them on a terminal.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli_api.h"

enum { O_DOWNLOAD = 1, O_RECURSIVE };

struct xfer_slot {
	struct xfer *x;
	size_t index;
};

struct xfer {
	struct cli_fleet fl;
	int download;
	const char *src;
	char **dst; /* per target */
	struct xfer_slot *slots;
	pthread_mutex_t mu;
	uint64_t *done, *total;
	uint64_t last_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void human(uint64_t bytes, char *out, size_t outsz)
{
	lium_buf b = LIUM_BUF_INIT;

	if (lium_format_bytes(bytes, &b) == LIUM_OK)
		snprintf(out, outsz, "%s", lium_buf_cstr(&b));
	else
		snprintf(out, outsz, "%llu B", (unsigned long long)bytes);
	lium_buf_dispose(&b);
}

static int on_progress(const lium_ssh_progress *pr, void *userdata)
{
	struct xfer_slot *slot = userdata;
	struct xfer *x = slot->x;
	uint64_t t = now_ms(), done = 0, total = 0;
	size_t i;

	pthread_mutex_lock(&x->mu);
	x->done[slot->index] = pr->bytes_done;
	x->total[slot->index] = pr->bytes_total;
	if (t - x->last_ms >= 100) {
		char a[32], b[32];
		x->last_ms = t;
		for (i = 0; i < x->fl.n; i++) {
			done += x->done[i];
			total += x->total[i];
		}
		human(done, a, sizeof a);
		human(total, b, sizeof b);
		cli_progress("%s %zu pod%s: %3.0f%% (%s of %s)",
			     x->download ? "Downloading from" : "Uploading to", x->fl.n,
			     x->fl.n == 1 ? "" : "s",
			     total ? 100.0 * (double)done / (double)total : 0.0, a, b);
	}
	pthread_mutex_unlock(&x->mu);
	return cli_interrupted ? 1 : 0;
}

static lium_status xfer_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct xfer *x = userdata;
	lium_ssh_transfer_options to = LIUM_SSH_TRANSFER_OPTIONS_INIT;
	lium_ssh *ssh = NULL;
	lium_status st;

	st = cli_fleet_connect(&x->fl, index, ctx, &ssh, err);
	if (st != LIUM_OK)
		return st;
	to.progress = on_progress;
	to.progress_userdata = &x->slots[index];
	if (x->download)
		st = lium_ssh_download(ssh, x->src, x->dst[index], &to, err);
	else
		st = lium_ssh_upload(ssh, x->src, x->dst[index], &to, err);
	lium_ssh_free(ssh);
	return st;
}

/* --json: where each transfer went and how much of it. */
static void json_transfer(struct cli_json *j, size_t i, void *userdata)
{
	const struct xfer *x = userdata;

	cli_json_kstring(j, "source", x->src);
	cli_json_kstring(j, "destination", x->dst[i]);
	cli_json_kint(j, "bytes", (long long)x->done[i]);
}

static const char *base_name(const char *path)
{
	const char *end = path + strlen(path);
	const char *s;

	while (end > path + 1 && end[-1] == '/')
		end--;
	for (s = end; s > path && s[-1] != '/'; s--)
		;
	return s;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int run_scp(struct cli_ctx *ctx, const char *spec, const char *src, const char *dst,
		   int download)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	char *name = NULL;
	struct xfer x;
	size_t i, n;
	int rc;

	memset(&x, 0, sizeof x);
	pthread_mutex_init(&x.mu, NULL);
	if ((rc = cli_fleet_open(&x.fl, ctx, "scp", spec)) != 0)
		goto out;
	n = x.fl.n;
	if (download && n > 1 && dst && !is_dir(dst)) {
		rc = cli_usage_error("with several pods, DST must be an existing directory "
				     "('%s' is not)",
				     dst);
		goto out;
	}
	x.download = download;
	x.src = src;
	x.dst = lium_calloc(n, sizeof *x.dst);
	x.slots = lium_calloc(n, sizeof *x.slots);
	x.done = lium_calloc(n, sizeof *x.done);
	x.total = lium_calloc(n, sizeof *x.total);
	if (!x.dst || !x.slots || !x.done || !x.total) {
		rc = cli_fail(CLI_EXIT_FAIL, "scp", "out of memory");
		goto out;
	}
	name = lium_strdup(base_name(src));
	for (i = 0; i < n; i++) {
		lium_buf d = LIUM_BUF_INIT;
		x.slots[i].x = &x;
		x.slots[i].index = i;
		if (!download)
			lium_buf_puts(&d, dst ? dst : name);
		else if (n == 1)
			lium_buf_puts(&d, dst ? dst : ".");
		else
			lium_buf_printf(&d, "%s/%s-%s", dst ? dst : ".",
					cli_fleet_pod(&x.fl, i)->huid, name);
		x.dst[i] = lium_buf_detach(&d);
	}

	if ((rc = cli_fleet_run(&x.fl, &fo, xfer_op, &x)) != 0)
		goto out;
	rc = cli_fleet_finish(&x.fl, json_transfer, &x);
out:
	if (x.dst)
		for (i = 0; i < x.fl.n; i++)
			lium_free(x.dst[i]);
	lium_free(x.dst);
	lium_free(x.slots);
	lium_free(x.done);
	lium_free(x.total);
	pthread_mutex_destroy(&x.mu);
	lium_free(name);
	cli_fleet_close(&x.fl);
	return rc;
}

int cli_cmd_scp(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"download", 'd', 0, O_DOWNLOAD},
					      {"recursive", 'r', 0, O_RECURSIVE},
					      {NULL, 0, 0, 0}};
	struct cli_parser p;
	int c, idx, download = 0;
	struct stat st;

	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_DOWNLOAD:
			download = 1;
			break;
		case O_RECURSIVE:
			/* Directories are always copied recursively; -r is accepted for habit. */
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("scp"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (argc - idx < 2)
		return cli_usage_error(argc - idx < 1 ? "missing TARGETS and SRC" : "missing SRC");
	if (argc - idx > 3)
		return cli_usage_error("unexpected argument '%s'", argv[idx + 3]);
	if (!argv[idx + 1][0])
		return cli_usage_error("SRC is empty");
	if (!download && stat(argv[idx + 1], &st) != 0)
		return cli_usage_error("SRC '%s' does not exist", argv[idx + 1]);
	return run_scp(ctx, argv[idx], argv[idx + 1], argc - idx > 2 ? argv[idx + 2] : NULL,
		       download);
}
