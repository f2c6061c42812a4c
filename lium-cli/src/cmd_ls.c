/*
 * lium ls [QUERY...] [--sort KEY] [--limit N] [--pareto METRICS] [--explain OFFER]
 *
 * One GET /executors, the filter, Pareto layers, a stable sort, the table,
 * and the listing remembered for `lium up N`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_api.h"
#include "offers.h"

enum {
	O_SORT = 1,
	O_LIMIT,
	O_EXPLAIN,
	O_PARETO,
	O_GPU,
	O_COUNT,
	O_MIN_CUDA,
	O_COUNTRY,
	O_MAX_PRICE,
	O_LAT,
	O_LON,
	O_MAX_DISTANCE,
	O_FORMAT
};

static const char *country_of(const lium_executor *e)
{
	if (e->location.country && *e->location.country)
		return e->location.country;
	if (e->location.country_code && *e->location.country_code)
		return e->location.country_code;
	if (e->location.iso_code && *e->location.iso_code)
		return e->location.iso_code;
	return NULL;
}

static double rounded(double v)
{
	return floor(v + 0.5);
}

static void json_offer(struct cli_json *j, const struct cli_offer *o, size_t index)
{
	const lium_executor *e = o->e;
	char config[64];

	cli_offer_config(e, config, sizeof config);
	cli_json_begin_object(j);
	cli_json_kint(j, "index", (long long)index);
	cli_json_kstring(j, "id", e->id);
	cli_json_kstring(j, "huid", e->huid);
	cli_json_kstring(j, "config", config);
	cli_json_kstring(j, "gpu_type", e->gpu_type);
	cli_json_kint(j, "gpu_count", e->gpu_count);
	cli_json_knumber(j, "price_per_gpu_hour", e->price_per_gpu);
	cli_json_knumber(j, "price_per_hour", e->price_per_hour);
	cli_json_kstring(j, "country", country_of(e));
	cli_json_knumber(j, "vram_gb", rounded(e->vram_gb));
	cli_json_knumber(j, "ram_gb", rounded(e->ram_gb));
	cli_json_knumber(j, "disk_gb", rounded(e->disk_gb));
	cli_json_knumber(j, "upload_mbps", rounded(e->net_up_mbps));
	cli_json_knumber(j, "download_mbps", rounded(e->net_down_mbps));
	cli_json_key(j, "available_ports");
	if (e->available_ports >= 0)
		cli_json_int(j, e->available_ports);
	else
		cli_json_null(j);
	cli_json_kbool(j, "docker_in_docker", e->docker_in_docker);
	cli_json_kbool(j, "is_pareto", o->layer == 1);
	cli_json_kint(j, "layer", o->layer);
	cli_json_key(j, "max_cuda_version");
	if (e->max_cuda_version > 0)
		cli_json_number(j, e->max_cuda_version);
	else
		cli_json_null(j);
	cli_json_kstring(j, "tier", e->tier);
	cli_json_end_object(j);
}

static void print_table(const struct cli_offer *rows, size_t n, size_t frontier)
{
	struct cli_table *t = cli_table_new(13);
	size_t i;

	printf("%sOffers%s  (%zu shown, \xe2\x98\x85 %zu optimal)\n", cli_c(CLI_C_BOLD),
	       cli_c(CLI_C_RESET), n, frontier);
	cli_table_column(t, 0, "", CLI_RIGHT);
	cli_table_column(t, 1, "Id", CLI_LEFT);
	cli_table_column(t, 2, "Config", CLI_LEFT);
	cli_table_column(t, 3, "Tier", CLI_LEFT);
	cli_table_column(t, 4, "Max CUDA", CLI_RIGHT);
	cli_table_column(t, 5, "$/GPU\xc2\xb7h", CLI_RIGHT);
	cli_table_column(t, 6, "Location", CLI_LEFT);
	cli_table_column(t, 7, "VRAM (GB)", CLI_RIGHT);
	cli_table_column(t, 8, "RAM (GB)", CLI_RIGHT);
	cli_table_column(t, 9, "Disk (GB)", CLI_RIGHT);
	cli_table_column(t, 10, "Upload (Mbps)", CLI_RIGHT);
	cli_table_column(t, 11, "Download (Mbps)", CLI_RIGHT);
	cli_table_column(t, 12, "Ports", CLI_RIGHT);
	for (i = 0; i < n; i++) {
		const lium_executor *e = rows[i].e;
		const char *country = country_of(e);
		char config[64];

		cli_offer_config(e, config, sizeof config);
		cli_table_row(t);
		cli_table_cell(t, CLI_C_DIM, "%zu", i + 1);
		cli_table_cell(t, rows[i].layer == 1 ? CLI_C_BOLD : CLI_C_NONE, "%s %s%s",
			       rows[i].layer == 1 ? "\xe2\x98\x85" : " ", e->huid,
			       e->docker_in_docker ? " (DinD)" : "");
		cli_table_cell(t, CLI_C_NONE, "%s", config);
		if (e->tier && strcmp(e->tier, "spot") == 0)
			cli_table_cell(t, CLI_C_YELLOW, "spot");
		else if (e->tier && strcmp(e->tier, "secure") == 0)
			cli_table_cell(t, CLI_C_GREEN, "secure");
		else
			cli_table_cell(t, CLI_C_DIM, "%s", e->tier && *e->tier ? e->tier : "-");
		if (e->max_cuda_version > 0)
			cli_table_cell(t, CLI_C_NONE, "%.1f", e->max_cuda_version);
		else
			cli_table_cell(t, CLI_C_DIM, "-");
		cli_table_cell(t, CLI_C_NONE, "%.2f", e->price_per_gpu);
		cli_table_cell(t, country ? CLI_C_NONE : CLI_C_DIM, "%s", country ? country : "-");
		cli_table_cell(t, CLI_C_NONE, "%.0f", rounded(e->vram_gb));
		cli_table_cell(t, CLI_C_NONE, "%.0f", rounded(e->ram_gb));
		cli_table_cell(t, CLI_C_NONE, "%.0f", rounded(e->disk_gb));
		if (e->net_up_mbps > 0)
			cli_table_cell(t, CLI_C_NONE, "%.0f", rounded(e->net_up_mbps));
		else
			cli_table_cell(t, CLI_C_DIM, "-");
		if (e->net_down_mbps > 0)
			cli_table_cell(t, e->net_down_mbps < 100 ? CLI_C_YELLOW : CLI_C_NONE,
				       "%.0f", rounded(e->net_down_mbps));
		else
			cli_table_cell(t, CLI_C_DIM, "-");
		if (e->available_ports >= 0)
			cli_table_cell(t, CLI_C_NONE, "%d", e->available_ports);
		else
			cli_table_cell(t, CLI_C_DIM, "-");
	}
	cli_table_print(t, stdout, 1, 2);
	cli_table_free(t);
	if (!cli_out.quiet)
		printf("\nTip: lium up <row>   # e.g. lium up 1\n");
}

static void remember(const struct cli_offer *rows, size_t n)
{
	struct cli_listing l;
	size_t i;

	memset(&l, 0, sizeof l);
	l.kind = lium_strdup("offers");
	l.when = cli_now();
	for (i = 0; i < n; i++) {
		char config[64];
		cli_offer_config(rows[i].e, config, sizeof config);
		cli_listing_add(&l, rows[i].e->id, rows[i].e->huid, config);
	}
	if (cli_listing_save(&l, NULL) != LIUM_OK)
		cli_warn("could not remember the listing; 'lium up <row>' will not work");
	cli_listing_dispose(&l);
}

static int explain(struct cli_offers *set, const struct cli_offer_query *q, const char *target)
{
	lium_target_candidate *cands = lium_calloc(set->count + 1, sizeof *cands);
	const lium_executor **offers = lium_calloc(set->count + 1, sizeof(const lium_executor *));
	size_t *res = NULL, nres = 0, i, dom = 0, ncrit;
	const lium_criterion *crit = cli_offer_query_criteria(q, &ncrit);
	uint32_t mask = 0;
	const struct cli_offer *me, *other = NULL;
	lium_error err;
	lium_status st;
	int rc = 0;

	for (i = 0; i < set->count; i++) {
		cands[i].id = set->rows[i].e->id;
		cands[i].huid = set->rows[i].e->huid;
		offers[i] = set->rows[i].e;
	}
	st = lium_targets_resolve(target, cands, set->count, &res, &nres, &err);
	if (st != LIUM_OK || nres != 1) {
		lium_free(res);
		lium_free(cands);
		lium_free(offers);
		if (st == LIUM_OK)
			return cli_usage_error("--explain takes one offer, '%s' names %zu", target,
					       nres);
		return cli_fail(st == LIUM_ENOTFOUND ? CLI_EXIT_NOTFOUND : CLI_EXIT_USAGE,
				"ls --explain", "%s", err.message);
	}
	me = &set->rows[res[0]];
	st = lium_offers_explain(offers, set->count, crit, ncrit, res[0], &dom, &mask, &err);
	if (st == LIUM_OK)
		other = &set->rows[dom];
	else if (st != LIUM_ENOTFOUND)
		rc = cli_fail_status(st, &err, "ls --explain");

	if (rc == 0 && cli_out.json) {
		struct cli_json j;
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_key(&j, "offer");
		json_offer(&j, me, res[0] + 1);
		cli_json_kbool(&j, "on_frontier", other == NULL);
		cli_json_kint(&j, "layer", me->layer);
		cli_json_key(&j, "dominated_by");
		if (other)
			json_offer(&j, other, dom + 1);
		else
			cli_json_null(&j);
		cli_json_key(&j, "better_on");
		cli_json_begin_array(&j);
		for (i = 0; other && i < ncrit; i++)
			if (mask & (1u << i))
				cli_json_string(&j, lium_metric_name(crit[i].metric));
		cli_json_end_array(&j);
		cli_json_key(&j, "metrics");
		cli_json_begin_object(&j);
		for (i = 0; i < ncrit; i++) {
			cli_json_key(&j, lium_metric_name(crit[i].metric));
			cli_json_begin_object(&j);
			cli_json_knumber(&j, "offer", lium_executor_metric(me->e, crit[i].metric));
			if (other)
				cli_json_knumber(&j, "dominator",
						 lium_executor_metric(other->e, crit[i].metric));
			cli_json_kstring(&j, "better",
					 crit[i].direction == LIUM_MINIMIZE ? "lower" : "higher");
			cli_json_end_object(&j);
		}
		cli_json_end_object(&j);
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
	} else if (rc == 0) {
		char config[64];
		cli_offer_config(me->e, config, sizeof config);
		if (!other) {
			printf("%s (row %zu, %s, $%.2f/GPU\xc2\xb7h) is on the Pareto frontier: no "
			       "other offer is at least as good on every criterion and better on "
			       "one.\n",
			       me->e->huid, res[0] + 1, config, me->e->price_per_gpu);
		} else {
			struct cli_table *t = cli_table_new(4);
			char oconfig[64];
			cli_offer_config(other->e, oconfig, sizeof oconfig);
			printf("%s (row %zu, %s) is not on the Pareto frontier (layer %u).\n"
			       "It is dominated by %s (row %zu, %s), which is at least as good on "
			       "every criterion and better on:",
			       me->e->huid, res[0] + 1, config, me->layer, other->e->huid, dom + 1,
			       oconfig);
			for (i = 0; i < ncrit; i++)
				if (mask & (1u << i))
					printf(" %s", lium_metric_name(crit[i].metric));
			printf(".\n\n");
			cli_table_column(t, 0, "Criterion", CLI_LEFT);
			cli_table_column(t, 1, me->e->huid, CLI_RIGHT);
			cli_table_column(t, 2, other->e->huid, CLI_RIGHT);
			cli_table_column(t, 3, "Better", CLI_LEFT);
			for (i = 0; i < ncrit; i++) {
				double a = lium_executor_metric(me->e, crit[i].metric);
				double b = lium_executor_metric(other->e, crit[i].metric);
				cli_table_row(t);
				cli_table_cell(
					t, CLI_C_NONE, "%s (%s)", lium_metric_name(crit[i].metric),
					crit[i].direction == LIUM_MINIMIZE ? "lower" : "higher");
				cli_table_cell(t, CLI_C_NONE, "%.4g", a);
				cli_table_cell(t, (mask & (1u << i)) ? CLI_C_GREEN : CLI_C_NONE,
					       "%.4g", b);
				cli_table_cell(t, CLI_C_NONE, "%s",
					       (mask & (1u << i)) ? other->e->huid : "");
			}
			cli_table_print(t, stdout, 1, 2);
			cli_table_free(t);
		}
	}
	lium_free(res);
	lium_free(cands);
	lium_free(offers);
	return rc;
}

int cli_cmd_ls(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"sort", 0, 1, O_SORT},
					      {"limit", 0, 1, O_LIMIT},
					      {"explain", 0, 1, O_EXPLAIN},
					      {"pareto", 0, 1, O_PARETO},
					      {"gpu", 0, 1, O_GPU},
					      {"count", 0, 1, O_COUNT},
					      {"min-cuda", 0, 1, O_MIN_CUDA},
					      {"country", 0, 1, O_COUNTRY},
					      {"max-price", 0, 1, O_MAX_PRICE},
					      {"lat", 0, 1, O_LAT},
					      {"lon", 0, 1, O_LON},
					      {"max-distance", 0, 1, O_MAX_DISTANCE},
					      {"format", 0, 1, O_FORMAT},
					      {NULL, 0, 0, 0}};
	struct cli_parser p;
	struct cli_offer_query q;
	struct cli_offers set;
	struct cli_config *cfg;
	const char *sort = NULL, *explain_target = NULL, *pareto = NULL;
	unsigned long limit = 0;
	int c, rc, idx, i;
	lium_buf query = LIUM_BUF_INIT;

	cli_offer_query_init(&q);
	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_SORT:
			sort = p.arg;
			break;
		case O_LIMIT:
			if ((rc = cli_parse_uint("--limit", p.arg, 1, 1000000, &limit)) != 0)
				goto usage;
			break;
		case O_EXPLAIN:
			explain_target = p.arg;
			break;
		case O_PARETO:
			pareto = p.arg;
			break;
		case O_FORMAT:
			if (strcmp(p.arg, "json") == 0) {
				cli_out.json = 1;
			} else if (strcmp(p.arg, "table") != 0) {
				rc = cli_usage_error("--format: '%s' is not table or json", p.arg);
				goto usage;
			}
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("ls"), stdout);
			return 0;
		case CLI_OPT_ERROR:
			rc = CLI_EXIT_USAGE;
			goto usage;
		default:
			if ((rc = cli_offer_query_option(&q, c - O_GPU, p.arg)) != 0)
				goto usage;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	for (i = idx; i < argc; i++)
		lium_buf_printf(&query, "%s%s", i > idx ? " " : "", argv[i]);

	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		goto out;
	if (!sort)
		sort = cli_config_get(cfg, "ls.sort");
	if (!cli_offer_sort_valid(sort)) {
		rc = cli_usage_error(
			"--sort: invalid key '%s' (valid: download, upload, price_gpu, "
			"price_total, loc, id, gpu)",
			sort);
		goto out;
	}
	if (pareto && (rc = cli_offer_query_pareto(&q, pareto, "--pareto")) != 0)
		goto out;
	if (!pareto && (pareto = cli_config_get(cfg, "ls.pareto")) != NULL &&
	    (rc = cli_offer_query_pareto(&q, pareto, "config ls.pareto")) != 0)
		goto out;
	if ((rc = cli_offer_query_finish(&q, lium_buf_cstr(&query))) != 0)
		goto out;
	if ((rc = cli_offers_load(ctx, &q, sort, &set)) != 0)
		goto out;

	if (explain_target) {
		rc = explain(&set, &q, explain_target);
	} else {
		size_t shown = set.count, frontier = 0, k;
		if (limit && limit < shown)
			shown = limit;
		for (k = 0; k < shown; k++)
			frontier += set.rows[k].layer == 1;
		remember(set.rows, shown);
		if (cli_out.json) {
			struct cli_json j;
			cli_json_init(&j, 1);
			cli_json_begin_array(&j);
			for (k = 0; k < shown; k++)
				json_offer(&j, &set.rows[k], k + 1);
			cli_json_end_array(&j);
			if (cli_json_print(&j, stdout) != 0)
				rc = CLI_EXIT_FAIL;
			cli_json_dispose(&j);
		} else if (shown == 0) {
			cli_info("No offers match%s%s.", lium_buf_cstr(&query)[0] ? " " : "",
				 lium_buf_cstr(&query));
		} else {
			print_table(set.rows, shown, frontier);
		}
	}
	cli_offers_dispose(&set);
out:
	cli_offer_query_dispose(&q);
	lium_buf_dispose(&query);
	return rc;
usage:
	cli_parser_dispose(&p);
	cli_offer_query_dispose(&q);
	lium_buf_dispose(&query);
	return rc;
}
