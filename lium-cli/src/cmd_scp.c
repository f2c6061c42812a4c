/*
 * lium scp TARGETS SRC [DST] [-d]
 *
 * SFTP (liblium-utils) to or from many pods at once through the fan-out
 * runner, with one progress line for all of them on a terminal.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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
	const lium_pod_list *pods;
	const size_t *sel;
	size_t n;
	int download;
	const char *src;
	char **dst; /* per target */
	lium_ssh_options *targets;
	lium_error *prepare_err;
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
		for (i = 0; i < x->n; i++) {
			done += x->done[i];
			total += x->total[i];
		}
		human(done, a, sizeof a);
		human(total, b, sizeof b);
		cli_progress("%s %zu pod%s: %3.0f%% (%s of %s)",
			     x->download ? "Downloading from" : "Uploading to", x->n,
			     x->n == 1 ? "" : "s",
			     total ? 100.0 * (double)done / (double)total : 0.0, a, b);
	}
	pthread_mutex_unlock(&x->mu);
	return cli_interrupted ? 1 : 0;
}

static lium_status xfer_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct xfer *x = userdata;
	lium_ssh_transfer_options to = LIUM_SSH_TRANSFER_OPTIONS_INIT;
	lium_ssh_options so;
	lium_ssh *ssh = NULL;
	lium_status st;

	if (!x->targets[index].host) {
		*err = x->prepare_err[index];
		return err->code;
	}
	so = x->targets[index];
	so.cancel_fd = lium_fanout_ctx_cancel_fd(ctx);
	st = lium_ssh_connect(&ssh, &so, err);
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

static void cancel_fanout(void *arg)
{
	lium_fanout_cancel(arg);
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
	lium_pod_list *pods = NULL;
	lium_fanout *f = NULL;
	lium_ssh_endpoint *eps = NULL;
	const char **keys = NULL, **labels = NULL;
	size_t *sel = NULL, n = 0, i;
	char *key = NULL, *kh = NULL, *name = NULL;
	struct cli_config *cfg;
	struct xfer x;
	lium_error err;
	lium_status st;
	int rc;

	memset(&x, 0, sizeof x);
	pthread_mutex_init(&x.mu, NULL);
	if ((rc = cli_pods_fetch(ctx, &pods)) != 0)
		goto out;
	if ((rc = cli_pods_select(pods, spec, &sel, &n)) != 0)
		goto out;
	if (download && n > 1 && dst && !is_dir(dst)) {
		rc = cli_usage_error("with several pods, DST must be an existing directory "
				     "('%s' is not)",
				     dst);
		goto out;
	}
	key = cli_ssh_key_path(ctx);
	kh = cli_known_hosts_path();
	x.pods = pods;
	x.sel = sel;
	x.n = n;
	x.download = download;
	x.src = src;
	x.dst = lium_calloc(n, sizeof *x.dst);
	x.targets = lium_calloc(n, sizeof *x.targets);
	x.prepare_err = lium_calloc(n, sizeof *x.prepare_err);
	x.slots = lium_calloc(n, sizeof *x.slots);
	x.done = lium_calloc(n, sizeof *x.done);
	x.total = lium_calloc(n, sizeof *x.total);
	eps = lium_calloc(n, sizeof *eps);
	keys = lium_calloc(2 * n, sizeof *keys);
	labels = lium_calloc(n, sizeof *labels);
	if (!x.dst || !x.targets || !x.prepare_err || !x.slots || !x.done || !x.total || !eps ||
	    !keys || !labels) {
		rc = cli_fail(CLI_EXIT_FAIL, "scp", "out of memory");
		goto out;
	}
	cli_pod_labels(pods, sel, n, labels);
	name = lium_strdup(base_name(src));
	for (i = 0; i < n; i++) {
		const lium_pod *p = pods->items[sel[i]];
		lium_buf d = LIUM_BUF_INIT;
		x.slots[i].x = &x;
		x.slots[i].index = i;
		if (cli_pod_ssh_options(p, key, kh, &eps[i], &keys[2 * i], &x.targets[i],
					&x.prepare_err[i]) != LIUM_OK)
			x.targets[i].host = NULL;
		if (!download)
			lium_buf_puts(&d, dst ? dst : name);
		else if (n == 1)
			lium_buf_puts(&d, dst ? dst : ".");
		else
			lium_buf_printf(&d, "%s/%s-%s", dst ? dst : ".", p->huid, name);
		x.dst[i] = lium_buf_detach(&d);
	}

	if (cli_ctx_config(ctx, &cfg) == 0)
		fo.concurrency =
			(unsigned int)strtoul(cli_config_get(cfg, "exec.parallel"), NULL, 10);
	fo.labels = labels;
	st = lium_fanout_new(&f, &fo, &err);
	if (st != LIUM_OK) {
		rc = cli_fail_status(st, &err, "scp");
		goto out;
	}
	cli_signals_install();
	cli_on_interrupt(cancel_fanout, f);
	st = lium_fanout_run(f, n, xfer_op, &x, &err);
	cli_on_interrupt(NULL, NULL);
	cli_progress_done();
	if (st != LIUM_OK && st != LIUM_ECANCELLED && st != LIUM_ETIMEOUT) {
		rc = cli_fail_status(st, &err, "scp");
		goto out;
	}
	if (cli_out.json) {
		struct cli_json j;
		size_t ok = 0;
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_key(&j, "results");
		cli_json_begin_array(&j);
		for (i = 0; i < n; i++) {
			const lium_fanout_result *res = lium_fanout_result_at(f, i);
			cli_json_begin_object(&j);
			cli_fanout_json_result(&j, res, pods->items[sel[i]]);
			cli_json_kstring(&j, "source", src);
			cli_json_kstring(&j, "destination", x.dst[i]);
			cli_json_kint(&j, "bytes", (long long)x.done[i]);
			cli_json_end_object(&j);
			ok += res->status == LIUM_OK;
		}
		cli_json_end_array(&j);
		cli_json_kint(&j, "ok", (long long)ok);
		cli_json_kint(&j, "failed", (long long)(n - ok));
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
	} else {
		cli_fanout_report(f, labels, n);
	}
	rc = cli_fanout_exit(f, n);
out:
	if (x.dst)
		for (i = 0; i < n; i++)
			lium_free(x.dst[i]);
	lium_fanout_free(f);
	lium_free(x.dst);
	lium_free(x.targets);
	lium_free(x.prepare_err);
	lium_free(x.slots);
	lium_free(x.done);
	lium_free(x.total);
	pthread_mutex_destroy(&x.mu);
	lium_free(eps);
	lium_free(keys);
	lium_free(labels);
	lium_free(name);
	lium_free(key);
	lium_free(kh);
	lium_free(sel);
	lium_pod_list_free(pods);
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
