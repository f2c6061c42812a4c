/*
 * lium down (rm) TARGETS | --all [-y] [--in DURATION | --at TIME]
 * lium reboot TARGETS | --all [-y] [--volume-id ID]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_api.h"

enum { O_ALL = 1, O_YES, O_IN, O_AT, O_VOLUME };

enum action { ACT_DOWN, ACT_SCHEDULE, ACT_REBOOT };

struct result {
	const lium_pod *pod;
	lium_status st;
	lium_error err;
};

static void describe_pods(lium_buf *b, const lium_pod_list *pods, const size_t *sel, size_t n)
{
	size_t i;
	double total = 0;

	for (i = 0; i < n; i++) {
		const lium_pod *p = pods->items[sel[i]];
		total += p->price_per_hour;
		if (i < 5)
			lium_buf_printf(b, "%s%s", i ? ", " : "", p->huid);
	}
	if (n > 5)
		lium_buf_printf(b, " and %zu more", n - 5);
	lium_buf_printf(b, "; $%.2f/h", total);
}

static int run(struct cli_ctx *ctx, enum action act, const char *spec, int all, int yes,
	       lium_time when, const char *volume_id)
{
	const char *verb = act == ACT_REBOOT ? "reboot" : "down";
	lium_pod_list *pods = NULL;
	lium_client *client;
	size_t *sel = NULL, n = 0, i, ok = 0;
	struct result *res = NULL;
	char *kh = NULL;
	int rc;

	if ((rc = cli_client(ctx, &client)) != 0)
		return rc;
	if ((rc = cli_pods_fetch(ctx, &pods)) != 0)
		return rc;
	if (all) {
		size_t live = 0;
		for (i = 0; i < pods->count; i++)
			live += pods->items[i]->state != LIUM_POD_DELETING;
		if (live == 0) {
			if (cli_out.json)
				printf("{\"results\": [], \"ok\": 0, \"failed\": 0}\n");
			else
				cli_info("You have no pods.");
			lium_pod_list_free(pods);
			return 0;
		}
		rc = cli_pods_select(pods, "all", &sel, &n);
	} else {
		rc = cli_pods_select(pods, spec, &sel, &n);
	}
	if (rc != 0)
		goto out;

	if (!yes) {
		lium_buf q = LIUM_BUF_INIT;
		if (act == ACT_REBOOT)
			lium_buf_printf(&q, "Reboot %zu pod%s (", n, n == 1 ? "" : "s");
		else if (act == ACT_SCHEDULE)
			lium_buf_printf(&q, "Schedule removal of %zu pod%s (", n,
					n == 1 ? "" : "s");
		else
			lium_buf_printf(&q, "Remove %zu pod%s (", n, n == 1 ? "" : "s");
		describe_pods(&q, pods, sel, n);
		lium_buf_puts(&q, ")?");
		rc = cli_confirm(lium_buf_cstr(&q));
		lium_buf_dispose(&q);
		if (rc == CLI_EXIT_FAIL)
			rc = cli_fail(CLI_EXIT_FAIL, verb, "cancelled; nothing changed");
		if (rc != 0)
			goto out;
	}

	res = lium_calloc(n, sizeof *res);
	kh = cli_known_hosts_path();
	for (i = 0; i < n; i++) {
		const lium_pod *p = pods->items[sel[i]];
		res[i].pod = p;
		if (cli_interrupted) {
			res[i].st = lium_error_set(&res[i].err, LIUM_ECANCELLED, "interrupted");
			continue;
		}
		cli_progress("%s %s (%zu/%zu)...",
			     act == ACT_REBOOT     ? "Rebooting"
			     : act == ACT_SCHEDULE ? "Scheduling"
						   : "Removing",
			     p->huid, i + 1, n);
		if (act == ACT_REBOOT)
			res[i].st = lium_pods_reboot(client, p->id, volume_id, &res[i].err);
		else if (act == ACT_SCHEDULE)
			res[i].st = lium_pods_schedule_removal(client, p->id, when, &res[i].err);
		else
			res[i].st = lium_pods_delete(client, p->id, &res[i].err);
		/* A removed pod's id is never reused: forget its pinned host key. */
		if (act == ACT_DOWN && res[i].st == LIUM_OK)
			lium_ssh_known_hosts_remove(kh, p->id, NULL, NULL);
		if (res[i].st == LIUM_OK)
			ok++;
	}
	cli_progress_done();

	if (cli_out.json) {
		struct cli_json j;
		cli_json_results_begin(&j);
		for (i = 0; i < n; i++) {
			cli_json_begin_object(&j);
			cli_json_kstring(&j, "id", res[i].pod->id);
			cli_json_kstring(&j, "huid", res[i].pod->huid);
			cli_json_kstring(&j, "name", res[i].pod->name);
			cli_json_kbool(&j, "ok", res[i].st == LIUM_OK);
			cli_json_kstring(&j, "action",
					 act == ACT_REBOOT     ? "reboot"
					 : act == ACT_SCHEDULE ? "schedule_removal"
							       : "remove");
			if (act == ACT_SCHEDULE)
				cli_json_ktime(&j, "removal_scheduled_at", when);
			cli_json_kstring(&j, "error",
					 res[i].st == LIUM_OK ? NULL : res[i].err.message);
			cli_json_end_object(&j);
		}
		cli_json_results_end(&j, ok, n);
	} else {
		lium_buf t = LIUM_BUF_INIT;
		if (act == ACT_SCHEDULE)
			lium_time_format_iso8601(when, &t);
		for (i = 0; i < n; i++) {
			const lium_pod *p = res[i].pod;
			if (res[i].st != LIUM_OK)
				continue;
			if (cli_out.quiet)
				continue;
			if (act == ACT_REBOOT)
				printf("Rebooting %s (%s)\n", p->huid, p->name ? p->name : "");
			else if (act == ACT_SCHEDULE)
				printf("%s (%s) will be removed at %s\n", p->huid,
				       p->name ? p->name : "", lium_buf_cstr(&t));
			else
				printf("Removed %s (%s)\n", p->huid, p->name ? p->name : "");
		}
		lium_buf_dispose(&t);
	}
	/* Failures on stderr, one line each; the exit status tells the rest. */
	rc = 0;
	for (i = 0; i < n; i++) {
		if (res[i].st == LIUM_OK)
			continue;
		if (!cli_out.json)
			cli_fail(cli_exit_for_status(res[i].st), verb, "%s (%s): %s",
				 res[i].pod->huid, res[i].pod->name ? res[i].pod->name : "",
				 res[i].err.message);
		if (!rc)
			rc = res[i].st == LIUM_EAUTH ? CLI_EXIT_AUTH
						     : cli_exit_for_status(res[i].st);
	}
	if (rc && ok)
		rc = CLI_EXIT_PARTIAL;
	if (rc && cli_out.json && !ok)
		cli_fail(rc, verb, "%s: %s", res[0].pod->huid, res[0].err.message);
out:
	lium_free(kh);
	lium_free(res);
	lium_free(sel);
	lium_pod_list_free(pods);
	return rc;
}

static int parse_and_run(struct cli_ctx *ctx, int argc, char **argv, int reboot)
{
	static const struct cli_opt down_opts[] = {{"all", 'a', 0, O_ALL},
						   {"yes", 'y', 0, O_YES},
						   {"in", 0, 1, O_IN},
						   {"at", 0, 1, O_AT},
						   {NULL, 0, 0, 0}};
	static const struct cli_opt reboot_opts[] = {{"all", 'a', 0, O_ALL},
						     {"yes", 'y', 0, O_YES},
						     {"volume-id", 0, 1, O_VOLUME},
						     {NULL, 0, 0, 0}};
	struct cli_parser p;
	const char *in = NULL, *at = NULL, *volume = NULL;
	int c, idx, all = 0, yes = 0;
	lium_time when = LIUM_TIME_NONE;
	lium_error err;

	cli_parser_init(&p, ctx, argc, argv, reboot ? reboot_opts : down_opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_ALL:
			all = 1;
			break;
		case O_YES:
			yes = 1;
			break;
		case O_IN:
			in = p.arg;
			break;
		case O_AT:
			at = p.arg;
			break;
		case O_VOLUME:
			volume = p.arg;
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find(reboot ? "reboot" : "down"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (all && idx < argc)
		return cli_usage_error("give TARGETS or --all, not both");
	if (!all && idx >= argc)
		return cli_usage_error("missing TARGETS (or --all)");
	if (in && at)
		return cli_usage_error("--in and --at cannot be combined");
	if (in) {
		int64_t secs;
		if (lium_duration_parse(in, &secs, &err) != LIUM_OK)
			return cli_usage_error("--in: invalid duration '%s' (e.g. 45m, 6h, 2d)",
					       in);
		when = cli_now() + secs;
	}
	if (at) {
		lium_time now = cli_now();
		lium_status st = lium_when_parse(at, now, cli_utc_offset(now), &when, &err);
		if (st == LIUM_EVALIDATION)
			return cli_usage_error("--at: '%s' is not in the future", at);
		if (st != LIUM_OK)
			return cli_usage_error("--at: invalid time '%s': %s", at, err.message);
	}
	if (volume) {
		while (*volume == ' ')
			volume++;
		if (!*volume)
			return cli_usage_error("--volume-id: empty id");
	}
	{
		/* `lium down a b` means `lium down a,b`. */
		lium_buf spec = LIUM_BUF_INIT;
		int i, rc;
		for (i = idx; i < argc; i++)
			lium_buf_printf(&spec, "%s%s", i > idx ? "," : "", argv[i]);
		rc = run(ctx,
			 reboot                   ? ACT_REBOOT
			 : when != LIUM_TIME_NONE ? ACT_SCHEDULE
						  : ACT_DOWN,
			 all ? NULL : lium_buf_cstr(&spec), all, yes, when, volume);
		lium_buf_dispose(&spec);
		return rc;
	}
}

int cli_cmd_down(struct cli_ctx *ctx, int argc, char **argv)
{
	return parse_and_run(ctx, argc, argv, 0);
}

int cli_cmd_reboot(struct cli_ctx *ctx, int argc, char **argv)
{
	return parse_and_run(ctx, argc, argv, 1);
}
