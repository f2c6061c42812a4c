/*
 * lium ps [TARGET] [--watch] [--interval SECONDS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_api.h"

enum { O_WATCH = 1, O_INTERVAL, O_FORMAT };

static enum cli_color state_color(lium_pod_state s)
{
	switch (s) {
	case LIUM_POD_RUNNING:
		return CLI_C_GREEN;
	case LIUM_POD_PENDING:
	case LIUM_POD_STARTING:
		return CLI_C_YELLOW;
	case LIUM_POD_FAILED:
	case LIUM_POD_STOPPED:
	case LIUM_POD_DELETING:
		return CLI_C_RED;
	default:
		return CLI_C_NONE;
	}
}

/* Seconds since the pod was created, or -1. */
static int64_t age_of(const lium_pod *p, lium_time now)
{
	if (p->created_at == LIUM_TIME_NONE || now < p->created_at)
		return p->created_at == LIUM_TIME_NONE ? -1 : 0;
	return now - p->created_at;
}

static double spent_of(const lium_pod *p, lium_time now)
{
	int64_t age = age_of(p, now);

	if (age < 0)
		return 0;
	return floor((double)age / 3600.0 * p->price_per_hour * 100.0 + 0.5) / 100.0;
}

static void fmt_span(int64_t s, char *out, size_t outsz)
{
	lium_buf b = LIUM_BUF_INIT;

	if (s < 0 || lium_format_span(s, &b) != LIUM_OK)
		snprintf(out, outsz, "-");
	else
		snprintf(out, outsz, "%s", lium_buf_cstr(&b));
	lium_buf_dispose(&b);
}

static void fmt_ttl(const lium_pod *p, lium_time now, char *out, size_t outsz)
{
	lium_buf b = LIUM_BUF_INIT;

	if (p->removal_scheduled_at == LIUM_TIME_NONE)
		snprintf(out, outsz, "-");
	else if (p->removal_scheduled_at <= now)
		snprintf(out, outsz, "overdue");
	else if (lium_duration_format(p->removal_scheduled_at - now, &b) == LIUM_OK)
		snprintf(out, outsz, "%s", lium_buf_cstr(&b));
	else
		snprintf(out, outsz, "?");
	lium_buf_dispose(&b);
}

static void json_pod(struct cli_json *j, const lium_pod *p, size_t index, lium_time now)
{
	char config[64];
	lium_ssh_endpoint ep;
	size_t k;
	int64_t age = age_of(p, now);

	cli_pod_config(p, config, sizeof config);
	cli_json_begin_object(j);
	cli_json_kint(j, "index", (long long)index);
	cli_json_kstring(j, "id", p->id);
	cli_json_kstring(j, "huid", p->huid);
	cli_json_kstring(j, "name", p->name);
	cli_json_kstring(j, "status", p->status);
	cli_json_kstring(j, "gpu_type", p->executor ? p->executor->gpu_type : p->gpu_name);
	cli_json_kint(j, "gpu_count", p->gpu_count);
	cli_json_kstring(j, "config", config);
	cli_json_kstring(j, "template", p->template_name);
	cli_json_knumber(j, "price_per_hour", p->price_per_hour);
	cli_json_knumber(j, "spent_usd", spent_of(p, now));
	cli_json_key(j, "uptime_seconds");
	if (age >= 0)
		cli_json_int(j, age);
	else
		cli_json_null(j);
	cli_json_ktime(j, "created_at", p->created_at);
	cli_json_key(j, "ip");
	if (p->executor && p->executor->ip_address)
		cli_json_string(j, p->executor->ip_address);
	else if (p->ssh_connect_cmd && lium_sshcmd_parse(p->ssh_connect_cmd, &ep, NULL) == LIUM_OK)
		cli_json_string(j, ep.host);
	else
		cli_json_null(j);
	cli_json_key(j, "ports");
	cli_json_begin_object(j);
	for (k = 0; k < p->port_count; k++) {
		char key[16];
		snprintf(key, sizeof key, "%u", p->ports[k].internal_port);
		cli_json_kint(j, key, p->ports[k].external_port);
	}
	cli_json_end_object(j);
	cli_json_kstring(j, "ssh_cmd", p->ssh_connect_cmd);
	cli_json_ktime(j, "removal_scheduled_at", p->removal_scheduled_at);
	cli_json_key(j, "ttl_seconds");
	if (p->removal_scheduled_at != LIUM_TIME_NONE)
		cli_json_int(j, p->removal_scheduled_at - now);
	else
		cli_json_null(j);
	cli_json_kstring(j, "jupyter_url", p->jupyter_url);
	cli_json_end_object(j);
}

static void print_table(FILE *out, const lium_pod_list *pods, const size_t *sel, size_t n,
			lium_time now)
{
	struct cli_table *t = cli_table_new(11);
	double total = 0;
	size_t i;

	cli_table_column(t, 0, "", CLI_RIGHT);
	cli_table_column(t, 1, "Pod", CLI_LEFT);
	cli_table_column(t, 2, "Name", CLI_LEFT);
	cli_table_column(t, 3, "Status", CLI_LEFT);
	cli_table_column(t, 4, "Config", CLI_LEFT);
	cli_table_column(t, 5, "Template", CLI_LEFT);
	cli_table_column(t, 6, "$/h", CLI_RIGHT);
	cli_table_column(t, 7, "Spent", CLI_RIGHT);
	cli_table_column(t, 8, "Uptime", CLI_RIGHT);
	cli_table_column(t, 9, "TTL", CLI_RIGHT);
	cli_table_column(t, 10, "SSH", CLI_LEFT);
	for (i = 0; i < n; i++) {
		const lium_pod *p = pods->items[sel[i]];
		char config[64], span[32], ttl[32];
		lium_ssh_endpoint ep;

		cli_pod_config(p, config, sizeof config);
		fmt_span(age_of(p, now), span, sizeof span);
		fmt_ttl(p, now, ttl, sizeof ttl);
		total += p->price_per_hour;
		cli_table_row(t);
		cli_table_cell(t, CLI_C_DIM, "%zu", sel[i] + 1);
		cli_table_cell(t, CLI_C_BOLD, "%s", p->huid);
		cli_table_cell(t, CLI_C_NONE, "%s", p->name ? p->name : "-");
		cli_table_cell(t, state_color(p->state), "%s",
			       p->status ? p->status : lium_pod_state_str(p->state));
		cli_table_cell(t, CLI_C_NONE, "%s", config);
		cli_table_cell(t, CLI_C_NONE, "%s", p->template_name ? p->template_name : "-");
		cli_table_cell(t, CLI_C_NONE, "$%.2f", p->price_per_hour);
		cli_table_cell(t, CLI_C_NONE, "$%.2f", spent_of(p, now));
		cli_table_cell(t, CLI_C_NONE, "%s", span);
		cli_table_cell(t,
			       p->removal_scheduled_at != LIUM_TIME_NONE ? CLI_C_YELLOW : CLI_C_DIM,
			       "%s", ttl);
		if (p->ssh_connect_cmd &&
		    lium_sshcmd_parse(p->ssh_connect_cmd, &ep, NULL) == LIUM_OK)
			cli_table_cell(t, CLI_C_NONE, "%s@%s:%u", ep.user, ep.host, ep.port);
		else
			cli_table_cell(t, CLI_C_DIM, "-");
	}
	fprintf(out, "%sPods%s  (%zu, $%.2f/h)\n", cli_c(CLI_C_BOLD), cli_c(CLI_C_RESET), n, total);
	cli_table_print(t, out, 1, 2);
	cli_table_free(t);
}

/* One listing; *sel_out etc. describe what was shown. */
static int show(struct cli_ctx *ctx, const char *target, FILE *out)
{
	lium_pod_list *pods = NULL;
	size_t *sel = NULL, n = 0, i;
	lium_time now;
	int rc;

	if ((rc = cli_pods_fetch(ctx, &pods)) != 0)
		return rc;
	now = cli_now();
	if (target) {
		rc = cli_pods_select(pods, target, &sel, &n);
		if (rc != 0) {
			lium_pod_list_free(pods);
			return rc;
		}
	} else {
		sel = lium_calloc(pods->count + 1, sizeof *sel);
		for (i = 0; i < pods->count; i++)
			sel[i] = i;
		n = pods->count;
		/* `lium exec 2` means the second row of this listing. */
		cli_pods_remember(pods);
	}
	if (cli_out.json) {
		struct cli_json j;
		cli_json_init(&j, 1);
		cli_json_begin_array(&j);
		for (i = 0; i < n; i++)
			json_pod(&j, pods->items[sel[i]], sel[i] + 1, now);
		cli_json_end_array(&j);
		if (cli_json_print(&j, out) != 0)
			rc = CLI_EXIT_FAIL;
		cli_json_dispose(&j);
	} else if (n == 0) {
		fprintf(out, "No pods.  Rent one with: lium ls, then lium up <row>\n");
	} else {
		print_table(out, pods, sel, n, now);
	}
	lium_free(sel);
	lium_pod_list_free(pods);
	return rc;
}

static int watch(struct cli_ctx *ctx, const char *target, unsigned long interval)
{
	cli_signals_install();
	while (!cli_interrupted) {
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		int rc;
		unsigned long waited;
		time_t t = time(NULL);
		struct tm tm;
		char stamp[32];

		if (!mem)
			return cli_fail(CLI_EXIT_FAIL, "ps", "out of memory");
		localtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		fprintf(mem, "Every %lus: lium ps   %s   (Ctrl-C to stop)\n\n", interval, stamp);
		rc = show(ctx, target, mem);
		fclose(mem);
		/* Render off-screen, then replace the screen in one write. */
		fputs("\033[H\033[2J", stdout);
		fwrite(text, 1, len, stdout);
		fflush(stdout);
		free(text);
		if (rc != 0 && rc != CLI_EXIT_API)
			return rc;
		for (waited = 0; waited < interval * 10 && !cli_interrupted; waited++)
			usleep(100000);
	}
	return 0;
}

int cli_cmd_ps(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"watch", 'w', 0, O_WATCH},
					      {"interval", 0, 1, O_INTERVAL},
					      {"format", 0, 1, O_FORMAT},
					      {NULL, 0, 0, 0}};
	struct cli_parser p;
	unsigned long interval = 5;
	int c, idx, do_watch = 0;

	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_WATCH:
			do_watch = 1;
			break;
		case O_INTERVAL:
			if (cli_parse_uint("--interval", p.arg, 1, 3600, &interval) != 0) {
				cli_parser_dispose(&p);
				return CLI_EXIT_USAGE;
			}
			break;
		case O_FORMAT:
			if (strcmp(p.arg, "json") == 0) {
				cli_out.json = 1;
			} else if (strcmp(p.arg, "table") != 0) {
				cli_parser_dispose(&p);
				return cli_usage_error("--format: '%s' is not table or json",
						       p.arg);
			}
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("ps"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (argc - idx > 1)
		return cli_usage_error("unexpected argument '%s'", argv[idx + 1]);
	if (do_watch) {
		if (cli_out.json)
			return cli_usage_error("--watch cannot be combined with --json");
		if (!cli_out.tty_out)
			return cli_usage_error("--watch needs a terminal on stdout");
		return watch(ctx, idx < argc ? argv[idx] : NULL, interval);
	}
	return show(ctx, idx < argc ? argv[idx] : NULL, stdout);
}
