/*
 * list_offers: print the offers of the Celium marketplace, cheapest first.
 *
 *   LIUM_API_KEY=...  [LIUM_BASE_URL=...]  list_offers [GPU-COUNT]
 *
 * Exits 0 on success, 1 on any failure (with a message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>

#include <lium/api.h>

static int by_price(const void *a, const void *b)
{
	const lium_executor *x = *(const lium_executor *const *)a;
	const lium_executor *y = *(const lium_executor *const *)b;

	return (x->price_per_hour > y->price_per_hour) - (x->price_per_hour < y->price_per_hour);
}

int main(int argc, char **argv)
{
	lium_client_options opts = LIUM_CLIENT_OPTIONS_INIT;
	lium_executor_filter filter = LIUM_EXECUTOR_FILTER_INIT;
	lium_client *client = NULL;
	lium_executor_list *offers = NULL;
	lium_error err;
	size_t i;

	opts.base_url = getenv("LIUM_BASE_URL"); /* NULL: https://lium.io/api */
	opts.api_key = getenv("LIUM_API_KEY");
	if (!opts.api_key) {
		fprintf(stderr, "list_offers: set LIUM_API_KEY\n");
		return 1;
	}
	if (argc > 1)
		filter.gpu_count_min = filter.gpu_count_max = (unsigned int)atoi(argv[1]);
	if (lium_client_new(&client, &opts, &err) != LIUM_OK ||
	    lium_executors_list(client, &filter, &offers, &err) != LIUM_OK) {
		fprintf(stderr, "list_offers: %s\n", err.message);
		lium_client_free(client);
		return 1;
	}
	qsort(offers->items, offers->count, sizeof(*offers->items), by_price);
	printf("%-18s %-10s %5s %9s  %s\n", "ID", "GPU", "COUNT", "$/HOUR", "WHERE");
	for (i = 0; i < offers->count; i++) {
		const lium_executor *e = offers->items[i];

		printf("%-18s %-10s %5u %9.2f  %s\n", e->huid, e->gpu_type, e->gpu_count,
		       e->price_per_hour, e->location.country ? e->location.country : "?");
	}
	lium_executor_list_free(offers);
	lium_client_free(client);
	return 0;
}
