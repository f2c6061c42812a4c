/*
 * Fuzz target: the offer filter language.  Besides not crashing, a filter
 * that parses must normalise to a text that parses to the same filter (same
 * text again, same matches), and an error must point inside the input.
 */
#include "fuzz_common.h"

#include "lium/core.h"

static lium_executor_list *offers;

static void make_offers(void)
{
	static const char *const names[] = {"NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090",
					    "NVIDIA RTX A6000", ""};
	size_t i;

	if (lium_executor_list_new(&offers) != LIUM_OK)
		abort();
	for (i = 0; i < 4; i++) {
		lium_executor *e;

		if (lium_executor_list_add(offers, &e) != LIUM_OK)
			abort();
		e->id = lium_strdup(i == 3 ? "" : "c0ffee00-1234-4abc-8def-0123456789ab");
		e->machine_name = lium_strdup(names[i]);
		e->gpu_count = (unsigned int)(1u << i);
		e->vram_gb = 23.99 * (double)(i + 1);
		e->ram_gb = 128.0 * (double)i;
		e->price_per_gpu = i == 2 ? 0.0 : 0.3 * (double)(i + 1);
		e->net_down_mbps = 900.0 / (double)(i + 1);
		e->max_cuda_version = i == 1 ? 0.0 : 12.4;
		e->driver_version = i == 0 ? lium_strdup("550.54.15") : NULL;
		e->location.country_code = lium_strdup(i % 2 ? "US" : "DE");
		e->location.city = i == 3 ? NULL : lium_strdup("San Jose");
		e->docker_in_docker = (int)(i & 1u);
		e->available_ports = (int)i - 1;
		e->uptime_minutes = 100.0 * (double)i;
		lium_executor_finish(e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	lium_filter *f = NULL, *g = NULL;
	lium_error err;
	lium_status st;

	if (!offers)
		make_offers();
	lium_error_clear(&err);
	st = lium_filter_parse(&f, text, &err);
	if (st == LIUM_OK) {
		lium_buf a = LIUM_BUF_INIT, b = LIUM_BUF_INIT;
		size_t i;

		FUZZ_CHECK(f != NULL);
		FUZZ_CHECK(lium_filter_to_string(f, &a) == LIUM_OK);
		FUZZ_CHECK(lium_filter_parse(&g, lium_buf_cstr(&a), NULL) == LIUM_OK);
		FUZZ_CHECK(lium_filter_to_string(g, &b) == LIUM_OK);
		FUZZ_CHECK(strcmp(lium_buf_cstr(&a), lium_buf_cstr(&b)) == 0);
		for (i = 0; i < offers->count; i++)
			FUZZ_CHECK(lium_filter_match(f, offers->items[i]) ==
				   lium_filter_match(g, offers->items[i]));
		lium_buf_dispose(&a);
		lium_buf_dispose(&b);
	} else {
		FUZZ_CHECK(f == NULL);
		FUZZ_CHECK(st == LIUM_EPARSE || st == LIUM_ENOMEM);
		FUZZ_CHECK(err.code == st && err.message[0] != '\0');
		FUZZ_CHECK(st != LIUM_EPARSE || err.position <= strlen(text));
	}
	lium_filter_free(f);
	lium_filter_free(g);
	free(text);
	return 0;
}
