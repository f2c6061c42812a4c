/*
 * What exec, scp and rsync share about the fan-out: the fleet of targets
 * and its run, the per-pod lines, the JSON fields and the exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_api.h"

const char *cli_fanout_status_word(const lium_fanout_result *res)
{
	if (res->status == LIUM_OK)
		return "ok";
	if (res->status == LIUM_EREMOTE)
		return "failed";
	if (!res->started)
		return "not_started";
	if (res->status == LIUM_ETIMEOUT)
		return "timeout";
	if (res->status == LIUM_ECANCELLED)
		return "cancelled";
	return "error";
}

void cli_fanout_report(const lium_fanout *f, const char *const *labels, size_t n)
{
	size_t i, ok = 0;

	if (cli_out.quiet || cli_out.json)
		return;
	for (i = 0; i < n; i++) {
		const lium_fanout_result *res = lium_fanout_result_at(f, i);
		double secs = (double)res->duration_ms / 1000.0;
		if (res->status == LIUM_OK) {
			ok++;
			if (n > 1)
				fprintf(stderr, "%s\xe2\x9c\x93%s %s  %s  %.1fs\n",
					cli_ce(CLI_C_GREEN), cli_ce(CLI_C_RESET), labels[i],
					res->exit_code >= 0 ? "exit 0" : "done", secs);
		} else if (res->status == LIUM_EREMOTE) {
			if (res->signal[0])
				fprintf(stderr, "%s\xe2\x9c\x97%s %s  killed by SIG%s  %.1fs\n",
					cli_ce(CLI_C_RED), cli_ce(CLI_C_RESET), labels[i],
					res->signal, secs);
			else
				fprintf(stderr, "%s\xe2\x9c\x97%s %s  exit %d  %.1fs\n",
					cli_ce(CLI_C_RED), cli_ce(CLI_C_RESET), labels[i],
					res->exit_code, secs);
		} else {
			fprintf(stderr, "%s\xe2\x9c\x97%s %s  %s\n", cli_ce(CLI_C_RED),
				cli_ce(CLI_C_RESET), labels[i],
				res->error.message[0] ? res->error.message
						      : lium_status_str(res->status));
		}
	}
	if (n > 1)
		fprintf(stderr, "%zu/%zu succeeded\n", ok, n);
}

void cli_fanout_json_result(struct cli_json *j, const lium_fanout_result *res, const lium_pod *p)
{
	cli_json_kstring(j, "pod", p->id);
	cli_json_kstring(j, "huid", p->huid);
	cli_json_kstring(j, "name", p->name);
	cli_json_kstring(j, "status", cli_fanout_status_word(res));
	cli_json_key(j, "exit_code");
	if (res->exit_code >= 0)
		cli_json_int(j, res->exit_code);
	else
		cli_json_null(j);
	cli_json_kstring(j, "signal", res->signal[0] ? res->signal : NULL);
	cli_json_kstring(j, "error",
			 res->status == LIUM_OK || res->status == LIUM_EREMOTE
				 ? NULL
				 : (res->error.message[0] ? res->error.message
							  : lium_status_str(res->status)));
	cli_json_knumber(j, "seconds", (double)res->duration_ms / 1000.0);
}

int cli_fanout_exit(const lium_fanout *f, size_t n)
{
	size_t i, ok = 0, remote = 0;
	int first = 0;

	for (i = 0; i < n; i++) {
		const lium_fanout_result *res = lium_fanout_result_at(f, i);
		if (res->status == LIUM_OK)
			ok++;
		else if (res->status == LIUM_EREMOTE)
			remote++;
		else if (!first)
			first = cli_exit_for_status(res->status);
	}
	if (ok == n)
		return CLI_EXIT_OK;
	if (cli_interrupted)
		return CLI_EXIT_INTERRUPTED;
	if (ok > 0)
		return CLI_EXIT_PARTIAL;
	if (remote == n)
		return CLI_EXIT_REMOTE;
	return first ? first : CLI_EXIT_FAIL;
}

int cli_fleet_open(struct cli_fleet *fl, struct cli_ctx *ctx, const char *what, const char *spec)
{
	size_t i;
	int rc;

	memset(fl, 0, sizeof *fl);
	fl->ctx = ctx;
	fl->what = what;
	if ((rc = cli_pods_fetch(ctx, &fl->pods)) != 0)
		return rc;
	if ((rc = cli_pods_select(fl->pods, spec, &fl->sel, &fl->n)) != 0)
		return rc;
	fl->key_path = cli_ssh_key_path(ctx);
	fl->known_hosts = cli_known_hosts_path();
	fl->labels = lium_calloc(fl->n, sizeof *fl->labels);
	fl->targets = lium_calloc(fl->n, sizeof *fl->targets);
	fl->prepare_err = lium_calloc(fl->n, sizeof *fl->prepare_err);
	fl->eps = lium_calloc(fl->n, sizeof *fl->eps);
	fl->keys = lium_calloc(2 * fl->n, sizeof *fl->keys);
	if (!fl->labels || !fl->targets || !fl->prepare_err || !fl->eps || !fl->keys)
		return cli_fail(CLI_EXIT_FAIL, what, "out of memory");
	cli_pod_labels(fl->pods, fl->sel, fl->n, fl->labels);
	/* A pod without SSH access yet is no error here: its op reports it. */
	for (i = 0; i < fl->n; i++)
		if (cli_pod_ssh_options(cli_fleet_pod(fl, i), fl->key_path, fl->known_hosts,
					&fl->eps[i], &fl->keys[2 * i], &fl->targets[i],
					&fl->prepare_err[i]) != LIUM_OK)
			fl->targets[i].host = NULL;
	return 0;
}

const lium_pod *cli_fleet_pod(const struct cli_fleet *fl, size_t i)
{
	return fl->pods->items[fl->sel[i]];
}

static void cancel_fanout(void *arg)
{
	lium_fanout_cancel(arg);
}

int cli_fleet_run(struct cli_fleet *fl, lium_fanout_options *fo, lium_fanout_op op, void *userdata)
{
	struct cli_config *cfg;
	lium_error err;
	lium_status st;

	if (!fo->concurrency && cli_ctx_config(fl->ctx, &cfg) == 0)
		fo->concurrency =
			(unsigned int)strtoul(cli_config_get(cfg, "exec.parallel"), NULL, 10);
	fo->labels = fl->labels;
	st = lium_fanout_new(&fl->fanout, fo, &err);
	if (st != LIUM_OK)
		return cli_fail_status(st, &err, fl->what);
	cli_signals_install();
	cli_on_interrupt(cancel_fanout, fl->fanout);
	st = lium_fanout_run(fl->fanout, fl->n, op, userdata, &err);
	cli_on_interrupt(NULL, NULL);
	/* Clears scp's progress line; nothing when none was shown. */
	cli_progress_done();
	/* A cancelled or timed-out run still has a result per target. */
	if (st != LIUM_OK && st != LIUM_ECANCELLED && st != LIUM_ETIMEOUT)
		return cli_fail_status(st, &err, fl->what);
	return 0;
}

lium_status cli_fleet_check(const struct cli_fleet *fl, size_t i, lium_error *err)
{
	if (fl->targets[i].host)
		return LIUM_OK;
	*err = fl->prepare_err[i];
	return err->code;
}

lium_status cli_fleet_connect(const struct cli_fleet *fl, size_t i, lium_fanout_ctx *ctx,
			      lium_ssh **out, lium_error *err)
{
	lium_ssh_options so;
	lium_status st;

	*out = NULL;
	if ((st = cli_fleet_check(fl, i, err)) != LIUM_OK)
		return st;
	so = fl->targets[i];
	so.cancel_fd = lium_fanout_ctx_cancel_fd(ctx);
	return lium_ssh_connect(out, &so, err);
}

int cli_fleet_finish(const struct cli_fleet *fl, cli_fleet_json_fn extra, void *userdata)
{
	if (cli_out.json) {
		struct cli_json j;
		size_t i, ok = 0;
		cli_json_results_begin(&j);
		for (i = 0; i < fl->n; i++) {
			const lium_fanout_result *res = lium_fanout_result_at(fl->fanout, i);
			cli_json_begin_object(&j);
			cli_fanout_json_result(&j, res, cli_fleet_pod(fl, i));
			if (extra)
				extra(&j, i, userdata);
			cli_json_end_object(&j);
			ok += res->status == LIUM_OK;
		}
		cli_json_results_end(&j, ok, fl->n);
	} else {
		cli_fanout_report(fl->fanout, fl->labels, fl->n);
	}
	return cli_fanout_exit(fl->fanout, fl->n);
}

void cli_fleet_close(struct cli_fleet *fl)
{
	lium_fanout_free(fl->fanout);
	lium_free(fl->labels);
	lium_free(fl->targets);
	lium_free(fl->prepare_err);
	lium_free(fl->eps);
	lium_free(fl->keys);
	lium_free(fl->key_path);
	lium_free(fl->known_hosts);
	lium_free(fl->sel);
	lium_pod_list_free(fl->pods);
	memset(fl, 0, sizeof *fl);
}
