/*
 * Offers: the query (filter language plus the official flags), one GET
 * /executors, Pareto layers from liblium-core, and a stable sort by layer,
 * then the sort key.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offers.h"

void cli_offer_query_init(struct cli_offer_query *q)
{
	memset(q, 0, sizeof *q);
}

void cli_offer_query_dispose(struct cli_offer_query *q)
{
	lium_buf_dispose(&q->expr);
	lium_filter_free(q->filter);
	q->filter = NULL;
}

/* One condition `field op value` appended to the expression. */
static void add_cond(struct cli_offer_query *q, const char *field_op, const char *arg)
{
	if (q->expr.size)
		lium_buf_putc(&q->expr, ' ');
	lium_buf_puts(&q->expr, field_op);
	lium_buf_puts(&q->expr, arg);
}

int cli_offer_query_option(struct cli_offer_query *q, int which, const char *arg)
{
	unsigned long n;
	double d;

	switch (which) {
	case CLI_OQ_GPU:
		if (!*arg || strpbrk(arg, " \t[],"))
			return cli_usage_error("--gpu: '%s' is not a GPU type (e.g. H100, RTX4090)",
					       arg);
		add_cond(q, "gpu=", arg);
		return 0;
	case CLI_OQ_COUNT:
		if (cli_parse_uint("--count", arg, 1, 1024, &n) != 0)
			return CLI_EXIT_USAGE;
		add_cond(q, "count=", arg);
		return 0;
	case CLI_OQ_MIN_CUDA:
		if (cli_parse_double("--min-cuda", arg, &d) != 0)
			return CLI_EXIT_USAGE;
		if (!(d > 0))
			return cli_usage_error("--min-cuda must be positive");
		add_cond(q, "cuda>=", arg);
		return 0;
	case CLI_OQ_COUNTRY:
		if (!*arg || strpbrk(arg, " \t[],"))
			return cli_usage_error("--country: '%s' is not a country code", arg);
		add_cond(q, "country=", arg);
		return 0;
	case CLI_OQ_MAX_PRICE:
		if (cli_parse_double("--max-price", arg, &d) != 0)
			return CLI_EXIT_USAGE;
		if (!(d > 0))
			return cli_usage_error("--max-price must be positive");
		add_cond(q, "price<=", arg);
		return 0;
	case CLI_OQ_LAT:
		if (cli_parse_double("--lat", arg, &q->lat) != 0)
			return CLI_EXIT_USAGE;
		if (q->lat < -90 || q->lat > 90)
			return cli_usage_error("--lat must be between -90 and 90");
		q->have_lat = 1;
		return 0;
	case CLI_OQ_LON:
		if (cli_parse_double("--lon", arg, &q->lon) != 0)
			return CLI_EXIT_USAGE;
		if (q->lon < -180 || q->lon > 180)
			return cli_usage_error("--lon must be between -180 and 180");
		q->have_lon = 1;
		return 0;
	case CLI_OQ_MAX_DISTANCE:
		if (cli_parse_uint("--max-distance", arg, 1, 100000, &q->max_distance) != 0)
			return CLI_EXIT_USAGE;
		return 0;
	default:
		return cli_usage_error("internal: unknown option");
	}
}

int cli_offer_query_pareto(struct cli_offer_query *q, const char *list, const char *what)
{
	const char *p = list;
	size_t n = 0, i;

	if (!list || !*list)
		return cli_usage_error("%s: no metrics given", what);
	while (*p) {
		char name[32];
		size_t len = strcspn(p, ",~");
		double tol = 0;
		lium_metric m;

		if (len == 0 || len >= sizeof name)
			return cli_usage_error("%s: empty or overlong metric in '%s'", what, list);
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (lium_metric_parse(name, &m) != LIUM_OK) {
			lium_buf known = LIUM_BUF_INIT;
			int rc;
			for (i = 0; i < LIUM_METRIC__COUNT; i++)
				lium_buf_printf(&known, "%s%s", i ? ", " : "",
						lium_metric_name((lium_metric)i));
			rc = cli_usage_error("%s: unknown metric '%s' (known: %s)", what, name,
					     lium_buf_cstr(&known));
			lium_buf_dispose(&known);
			return rc;
		}
		if (*p == '~') {
			char *end;
			tol = strtod(p + 1, &end);
			if (end == p + 1 || !(tol >= 0 && tol < 100) || (*end && *end != ','))
				return cli_usage_error(
					"%s: '%s~' needs a tolerance in percent, 0 to 99", what,
					name);
			p = end;
		}
		for (i = 0; i < n; i++)
			if (q->crit[i].metric == m)
				return cli_usage_error("%s: metric '%s' given twice", what, name);
		q->crit[n].metric = m;
		q->crit[n].direction = lium_metric_direction(m);
		q->crit[n].tolerance = tol / 100.0;
		n++;
		if (*p == ',' && *++p == '\0')
			return cli_usage_error("%s: trailing comma in '%s'", what, list);
	}
	q->ncrit = n;
	return 0;
}

const lium_criterion *cli_offer_query_criteria(const struct cli_offer_query *q, size_t *n)
{
	if (q->ncrit) {
		*n = q->ncrit;
		return q->crit;
	}
	return lium_offer_default_criteria(n);
}

int cli_offer_query_finish(struct cli_offer_query *q, const char *expr)
{
	lium_error err;
	lium_status st;

	if (q->have_lat != q->have_lon)
		return cli_usage_error("--lat and --lon must be given together");
	if (q->max_distance && !q->have_lat)
		return cli_usage_error("--max-distance needs --lat and --lon");
	if (expr && *expr) {
		if (q->expr.size)
			lium_buf_putc(&q->expr, ' ');
		lium_buf_puts(&q->expr, expr);
	}
	st = lium_filter_parse(&q->filter, lium_buf_cstr(&q->expr), &err);
	if (st == LIUM_OK)
		return 0;
	if (st != LIUM_EPARSE && st != LIUM_EINVAL && st != LIUM_EVALIDATION)
		return cli_fail_status(st, &err, cli_out.command);
	if (!cli_out.json && err.position != LIUM_ERROR_NO_POSITION &&
	    err.position <= q->expr.size) {
		/* Point at the problem under the query as typed. */
		char *head = lium_strndup(lium_buf_cstr(&q->expr), err.position);
		cli_fail(CLI_EXIT_USAGE, cli_out.command, "invalid query: %s", err.message);
		fprintf(stderr, "  %s\n  %*s^\n", lium_buf_cstr(&q->expr),
			(int)cli_display_width(head), "");
		lium_free(head);
		return CLI_EXIT_USAGE;
	}
	return cli_fail(CLI_EXIT_USAGE, cli_out.command, "invalid query: %s", err.message);
}

static const char *const sort_keys[] = {"download", "upload", "price_gpu", "price_total",
					"loc",      "id",     "gpu"};

int cli_offer_sort_valid(const char *sort)
{
	size_t i;

	for (i = 0; sort && i < sizeof sort_keys / sizeof sort_keys[0]; i++)
		if (strcmp(sort, sort_keys[i]) == 0)
			return 1;
	return 0;
}

static int sort_key; /* index into sort_keys, for the comparator */

static const char *loc_of(const lium_executor *e)
{
	if (e->location.country && *e->location.country)
		return e->location.country;
	if (e->location.country_code && *e->location.country_code)
		return e->location.country_code;
	return NULL;
}

static int cmp_double(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int cmp_str(const char *a, const char *b)
{
	/* Missing values sort last. */
	if (!a || !*a)
		return (b && *b) ? 1 : 0;
	if (!b || !*b)
		return -1;
	return strcmp(a, b);
}

static int cmp_offers(const void *pa, const void *pb)
{
	const struct cli_offer *a = pa, *b = pb;
	int c = 0;

	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	switch (sort_key) {
	case 0:
		c = cmp_double(b->e->spec_down_mbps, a->e->spec_down_mbps);
		break;
	case 1:
		c = cmp_double(b->e->spec_up_mbps, a->e->spec_up_mbps);
		break;
	case 2:
		c = cmp_double(a->e->price_per_gpu, b->e->price_per_gpu);
		break;
	case 3:
		c = cmp_double(a->e->price_per_hour, b->e->price_per_hour);
		break;
	case 4:
		c = cmp_str(loc_of(a->e), loc_of(b->e));
		break;
	case 5:
		c = strcmp(a->e->huid, b->e->huid);
		break;
	case 6:
		c = cmp_str(a->e->gpu_type, b->e->gpu_type);
		if (!c && a->e->gpu_count != b->e->gpu_count)
			c = a->e->gpu_count < b->e->gpu_count ? -1 : 1;
		break;
	default:
		break;
	}
	if (c)
		return c;
	/* qsort is not stable: ties keep the server's order explicitly. */
	return a->api_index < b->api_index ? -1 : a->api_index > b->api_index ? 1 : 0;
}

/* Page size of GET /executors: the official client's value. */
#define PAGE_SIZE 1000u
/* A bound on pages, in case a server repeats itself in some other way. */
#define MAX_PAGES 100u

/* A sorted set of offer ids, to spot an offer that appears on two pages. */
struct idset {
	const char **ids;
	size_t n, cap;
};

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int idset_has(const struct idset *s, const char *id)
{
	return id && s->n && bsearch(&id, s->ids, s->n, sizeof *s->ids, cmp_id) != NULL;
}

static lium_status idset_add_page(struct idset *s, const lium_executor_list *page)
{
	size_t i;

	if (s->n + page->count > s->cap) {
		size_t cap = s->n + page->count + 64;
		const char **n = lium_realloc(s->ids, cap * sizeof *n);
		if (!n)
			return LIUM_ENOMEM;
		s->ids = n;
		s->cap = cap;
	}
	for (i = 0; i < page->count; i++)
		if (page->items[i]->id)
			s->ids[s->n++] = page->items[i]->id;
	qsort(s->ids, s->n, sizeof *s->ids, cmp_id);
	return LIUM_OK;
}

static lium_status add_page(struct cli_offers *set, lium_executor_list *page)
{
	lium_executor_list **n = lium_realloc(set->pages, (set->npages + 1) * sizeof *n);

	if (!n)
		return LIUM_ENOMEM;
	set->pages = n;
	set->pages[set->npages++] = page;
	return LIUM_OK;
}

/*
 * Pages of offers (`page=N`, which the official client never asks for)
 * while a page comes back full.  A server that ignores `page` repeats the first page: nothing new
 * on a page ends the loop.
 */
static int fetch_pages(lium_client *client, const struct cli_offer_query *q, struct cli_offers *set)
{
	lium_executor_filter f = LIUM_EXECUTOR_FILTER_INIT;
	lium_executor_list *page = NULL;
	struct idset seen = {NULL, 0, 0};
	lium_error err;
	lium_status st;
	unsigned int n;

	f.size = PAGE_SIZE;
	if (q->have_lat) {
		f.has_location = 1;
		f.lat = q->lat;
		f.lon = q->lon;
		f.max_distance_mile = (unsigned int)q->max_distance;
	}
	st = lium_executors_list(client, &f, &page, &err);
	if (st != LIUM_OK)
		return cli_api_fail(st, &err, cli_out.command);
	if (add_page(set, page) != LIUM_OK) {
		lium_executor_list_free(page);
		return cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
	}
	set->total = page->count;
	if (page->count >= PAGE_SIZE && idset_add_page(&seen, page) != LIUM_OK)
		return cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
	for (n = 2; page->count >= PAGE_SIZE && n <= MAX_PAGES; n++) {
		size_t i, fresh = 0;

		f.page = n;
		page = NULL;
		st = lium_executors_list(client, &f, &page, &err);
		if (st != LIUM_OK) {
			lium_free(seen.ids);
			return cli_api_fail(st, &err, cli_out.command);
		}
		for (i = 0; i < page->count; i++)
			if (!idset_has(&seen, page->items[i]->id))
				fresh++;
		if (!fresh) {
			/* The server ignored `page` (or ran out): nothing new, stop. */
			lium_executor_list_free(page);
			break;
		}
		if (add_page(set, page) != LIUM_OK || idset_add_page(&seen, page) != LIUM_OK) {
			if (set->pages[set->npages - 1] != page)
				lium_executor_list_free(page);
			lium_free(seen.ids);
			return cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
		}
		set->total += page->count;
	}
	lium_free(seen.ids);
	return 0;
}

int cli_offers_load(struct cli_ctx *ctx, const struct cli_offer_query *q, const char *sort,
		    struct cli_offers *out)
{
	lium_client *client;
	const lium_executor **kept = NULL;
	uint32_t *layer = NULL;
	lium_error err;
	lium_status st;
	size_t i, p, n = 0, api_index = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = cli_client(ctx, &client)) != 0)
		return rc;
	cli_progress("Loading offers...");
	rc = fetch_pages(client, q, out);
	cli_progress_done();
	if (rc != 0) {
		cli_offers_dispose(out);
		return rc;
	}

	kept = lium_calloc(out->total + 1, sizeof(const lium_executor *));
	out->rows = lium_calloc(out->total + 1, sizeof *out->rows);
	layer = lium_calloc(out->total + 1, sizeof *layer);
	if (!kept || !out->rows || !layer) {
		rc = cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
		goto fail;
	}
	for (p = 0; p < out->npages; p++) {
		struct idset before = {NULL, 0, 0};
		size_t q2;
		/* An offer that moved between pages while we read them counts once. */
		for (q2 = 0; q2 < p; q2++)
			if (idset_add_page(&before, out->pages[q2]) != LIUM_OK) {
				lium_free(before.ids);
				rc = cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
				goto fail;
			}
		for (i = 0; i < out->pages[p]->count; i++, api_index++) {
			const lium_executor *e = out->pages[p]->items[i];
			if (p > 0 && idset_has(&before, e->id))
				continue;
			if (q->filter && !lium_filter_match(q->filter, e))
				continue;
			kept[n] = e;
			out->rows[n].e = e;
			out->rows[n].api_index = api_index;
			n++;
		}
		lium_free(before.ids);
	}
	if (n) {
		size_t ncrit;
		const lium_criterion *crit = cli_offer_query_criteria(q, &ncrit);

		st = lium_offers_layers(kept, n, crit, ncrit, 0, layer, &err);
		if (st != LIUM_OK) {
			rc = cli_fail_status(st, &err, cli_out.command);
			goto fail;
		}
	}
	for (i = 0; i < n; i++)
		out->rows[i].layer = layer[i];
	out->count = n;
	for (i = 0; i < sizeof sort_keys / sizeof sort_keys[0]; i++)
		if (strcmp(sort, sort_keys[i]) == 0)
			sort_key = (int)i;
	qsort(out->rows, n, sizeof *out->rows, cmp_offers);
	lium_free(kept);
	lium_free(layer);
	return 0;
fail:
	lium_free(kept);
	lium_free(layer);
	cli_offers_dispose(out);
	return rc;
}

const lium_executor *cli_offers_find(const struct cli_offers *set, const char *key)
{
	size_t p;

	if (!key)
		return NULL;
	/* Ids first over every page, then HUIDs, as lium_executor_list_find() does. */
	for (p = 0; p < set->npages; p++) {
		size_t i;
		for (i = 0; i < set->pages[p]->count; i++)
			if (set->pages[p]->items[i]->id &&
			    strcmp(set->pages[p]->items[i]->id, key) == 0)
				return set->pages[p]->items[i];
	}
	for (p = 0; p < set->npages; p++) {
		const lium_executor *e = lium_executor_list_find(set->pages[p], key);
		if (e)
			return e;
	}
	return NULL;
}

void cli_offers_dispose(struct cli_offers *set)
{
	size_t p;

	for (p = 0; p < set->npages; p++)
		lium_executor_list_free(set->pages[p]);
	lium_free(set->pages);
	lium_free(set->rows);
	memset(set, 0, sizeof *set);
}
