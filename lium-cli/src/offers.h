/*
 * lium: loading, filtering, ranking and sorting offers (shared by ls and up).
 */
#ifndef LIUM_CLI_OFFERS_H
#define LIUM_CLI_OFFERS_H

#include "cli_api.h"

/* One offer with its Pareto layer (1 = frontier). */
struct cli_offer {
	const lium_executor *e;
	uint32_t layer;
	size_t api_index; /* position in the server's answer */
};

/* The offers that passed the filter, in display order. */
struct cli_offers {
	lium_executor_list **pages; /* every page the server sent */
	size_t npages;
	size_t total; /* offers over all pages (duplicates skipped) */
	struct cli_offer *rows;
	size_t count;
};

/* A query: the filter expression plus the server-side location filter. */
struct cli_offer_query {
	lium_buf expr;
	int have_lat, have_lon;
	double lat, lon;
	unsigned long max_distance;
	lium_filter *filter;
	/* Pareto criteria from --pareto or ls.pareto; ncrit 0 = core's defaults. */
	lium_criterion crit[LIUM_METRIC__COUNT];
	size_t ncrit;
};

/* The official flags, in this order, for cli_offer_query_option(). */
enum {
	CLI_OQ_GPU = 0,
	CLI_OQ_COUNT,
	CLI_OQ_MIN_CUDA,
	CLI_OQ_COUNTRY,
	CLI_OQ_MAX_PRICE,
	CLI_OQ_LAT,
	CLI_OQ_LON,
	CLI_OQ_MAX_DISTANCE
};

void cli_offer_query_init(struct cli_offer_query *q);
void cli_offer_query_dispose(struct cli_offer_query *q);
/* Add an official flag (--gpu, --count, ...); prints usage errors. */
int cli_offer_query_option(struct cli_offer_query *q, int which, const char *arg);
/* Add the positional query and compile it; prints usage errors (with a caret). */
int cli_offer_query_finish(struct cli_offer_query *q, const char *expr);

int cli_offer_sort_valid(const char *sort);

/*
 * Set the Pareto criteria from a list such as "price,vram,tflops" or
 * "price,down~10" (a metric with a tolerance in percent).  `what` names the
 * source in errors (--pareto, ls.pareto).  Prints usage errors.
 */
int cli_offer_query_pareto(struct cli_offer_query *q, const char *list, const char *what);
/* The criteria in effect (q's, else core's defaults). */
const lium_criterion *cli_offer_query_criteria(const struct cli_offer_query *q, size_t *n);

/* GET /executors, filter, layers, sort.  Prints errors. */
int cli_offers_load(struct cli_ctx *ctx, const struct cli_offer_query *q, const char *sort,
		    struct cli_offers *out);
void cli_offers_dispose(struct cli_offers *set);
/* Any offer the server sent (filtered or not) by exact id, then HUID. */
const lium_executor *cli_offers_find(const struct cli_offers *set, const char *key);

#endif /* LIUM_CLI_OFFERS_H */
