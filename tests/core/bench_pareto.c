/*
 * Benchmark: Pareto frontier and layers of 1k, 10k and 100k synthetic offers
 * drawn from a realistic GPU catalogue, over the nine default metrics.
 *
 * Prints wall times (best of a few runs).  Fails when a result is wrong (the
 * frontier must equal layer 1, and sampled rows must satisfy the frontier
 * properties), and, with LIUM_BENCH_STRICT=1, when the 100k frontier takes
 * 100 ms or more.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lium/core.h"

/* One GPU model: per-GPU VRAM (GiB, as the API's MiB / 1024), dense BF16
 * TFLOPS, memory bandwidth (GB/s), PCIe host bandwidth (MB/s), typical
 * market price per GPU-hour (USD), and how common it is. */
typedef struct gpu_model {
	const char *machine_name;
	double vram, tflops, membw, pcie, price;
	unsigned int weight;
} gpu_model;

static const gpu_model catalogue[] = {
	{"NVIDIA B200", 179.1, 2250, 8000, 64000, 4.60, 3},
	{"NVIDIA H200", 139.8, 989, 4800, 64000, 3.20, 6},
	{"NVIDIA H100 80GB HBM3", 79.6, 989, 3350, 64000, 2.10, 14},
	{"NVIDIA H100 PCIe", 79.6, 756, 2000, 64000, 1.85, 5},
	{"NVIDIA A100-SXM4-80GB", 79.6, 312, 2039, 32000, 1.20, 10},
	{"NVIDIA A100-PCIE-40GB", 39.4, 312, 1555, 32000, 0.85, 4},
	{"NVIDIA L40S", 44.4, 362, 864, 32000, 0.85, 8},
	{"NVIDIA RTX 6000 Ada Generation", 47.5, 364, 960, 32000, 0.80, 5},
	{"NVIDIA RTX A6000", 47.5, 155, 768, 32000, 0.50, 8},
	{"NVIDIA A40", 44.4, 150, 696, 32000, 0.45, 4},
	{"NVIDIA GeForce RTX 5090", 31.4, 210, 1792, 64000, 0.65, 9},
	{"NVIDIA GeForce RTX 4090", 23.6, 165, 1008, 32000, 0.35, 18},
	{"NVIDIA GeForce RTX 3090", 23.6, 71, 936, 16000, 0.20, 6},
};
#define NMODELS (sizeof(catalogue) / sizeof(catalogue[0]))

static uint64_t rng = 20260521;

static uint64_t next_u64(void)
{
	uint64_t z = (rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double unit(void)
{
	return ((double)(next_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double normal(void)
{
	return sqrt(-2.0 * log(unit())) * cos(6.283185307179586 * unit());
}

/* Multiplicative noise: a value within a few sigma of 1. */
static double noise(double sigma)
{
	return exp(sigma * normal());
}

static const gpu_model *pick_model(void)
{
	unsigned int total = 0, r;
	size_t i;

	for (i = 0; i < NMODELS; i++)
		total += catalogue[i].weight;
	r = (unsigned int)(next_u64() % total);
	for (i = 0; i < NMODELS; i++) {
		if (r < catalogue[i].weight)
			return &catalogue[i];
		r -= catalogue[i].weight;
	}
	return &catalogue[0];
}

static lium_executor_list *make_offers(size_t n)
{
	static const unsigned int counts[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 8};
	static const double ram_per_gpu[] = {32, 64, 64, 128, 128, 256};
	static const double disk_sizes[] = {500, 1000, 1800, 2000, 3600, 4000, 7200, 14308};
	lium_executor_list *list = NULL;
	size_t i;

	if (lium_executor_list_new(&list) != LIUM_OK)
		return NULL;
	for (i = 0; i < n; i++) {
		const gpu_model *g = pick_model();
		lium_executor *e;
		char id[40];
		double down;

		if (lium_executor_list_add(list, &e) != LIUM_OK)
			break;
		snprintf(id, sizeof(id), "%08llx-0000-4000-8000-%012llx",
			 (unsigned long long)(next_u64() & 0xffffffffu),
			 (unsigned long long)(next_u64() & 0xffffffffffffull));
		e->id = lium_strdup(id);
		e->machine_name = lium_strdup(g->machine_name);
		e->gpu_count = counts[next_u64() % 10];
		/* The card's VRAM is fixed per model; compute and memory
		 * bandwidth are measured, so they scatter a little; PCIe is
		 * sometimes a generation lower than the card allows. */
		e->vram_gb = g->vram;
		e->tflops = round(g->tflops * noise(0.03));
		e->memory_bandwidth = round(g->membw * noise(0.02));
		e->pcie_speed = g->pcie / ((next_u64() % 5 == 0) ? 2.0 : 1.0) * noise(0.01);
		e->ram_gb = ram_per_gpu[next_u64() % 6] * e->gpu_count;
		e->disk_gb = disk_sizes[next_u64() % 8] * (e->gpu_count > 2 ? 2 : 1);
		/* Network: log-normal around 1 Gbps; upload tracks download. */
		down = fmin(20000.0, 900.0 * noise(0.8));
		e->net_down_mbps = round(down);
		e->net_up_mbps = round(fmin(20000.0, down * noise(0.3)));
		/* Price: the model's market rate with hosts' spread, a premium
		 * for big boxes, and a few unpriced offers. */
		e->price_per_gpu = next_u64() % 200 == 0
					   ? 0.0
					   : round(g->price * noise(0.18) *
						   (e->gpu_count >= 8 ? 1.05 : 1.0) * 100.0) /
						     100.0;
		lium_executor_finish(e);
	}
	return list;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int check(int ok, const char *what, size_t n)
{
	if (!ok)
		fprintf(stderr, "bench_pareto: n=%zu: %s\n", n, what);
	return ok;
}

/* Sampled properties: frontier rows undominated, dropped rows dominated by
 * a frontier row.  Sampling keeps this linear-ish at 100k. */
static int verify(const lium_executor *const *offers, size_t n, const size_t *front, size_t count,
		  const uint32_t *layer)
{
	lium_pareto_dim dims[LIUM_PARETO_MAX_DIMS];
	size_t ncrit, i, j, k = 0, samples = n < 400 ? n : 400;
	const lium_criterion *crit = lium_offer_default_criteria(&ncrit);
	double *v = malloc(n * ncrit * sizeof(double));
	unsigned char *on = calloc(n, 1);
	int ok = v && on;

	for (i = 0; ok && i < ncrit; i++) {
		dims[i].direction = crit[i].direction;
		dims[i].tolerance = crit[i].tolerance;
	}
	for (i = 0; ok && i < n; i++)
		for (j = 0; j < ncrit; j++)
			v[i * ncrit + j] = lium_executor_metric(offers[i], crit[j].metric);
	for (i = 0; ok && i < count; i++)
		on[front[i]] = 1;
	for (i = 0; ok && i < n; i++)
		if (layer[i] == 1)
			ok = check(k < count && front[k++] == i, "frontier differs from layer 1",
				   n);
	ok = ok && check(k == count, "frontier differs from layer 1", n);
	for (i = 0; ok && i < samples; i++) {
		size_t r = (size_t)(next_u64() % n);
		int hit = 0;

		if (on[r]) {
			for (j = 0; j < n && !hit; j++)
				hit = lium_pareto_dominates(v + j * ncrit, v + r * ncrit, ncrit,
							    dims, NULL);
			ok = check(!hit, "a frontier offer is dominated", n);
		} else {
			for (j = 0; j < count && !hit; j++)
				hit = lium_pareto_dominates(v + front[j] * ncrit, v + r * ncrit,
							    ncrit, dims, NULL);
			ok = check(hit != 0, "a dropped offer is not dominated by the frontier", n);
		}
	}
	free(v);
	free(on);
	return ok;
}

int main(void)
{
	static const size_t sizes[] = {1000, 10000, 100000};
	const char *strict = getenv("LIUM_BENCH_STRICT");
	int failed = 0;
	size_t s;

	printf("Pareto benchmark: synthetic offers from %zu GPU models, 9 default metrics\n",
	       NMODELS);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s], count = 0, i;
		lium_executor_list *list = make_offers(n);
		const lium_executor *const *offers;
		size_t *front = malloc(n * sizeof(size_t));
		uint32_t *layer = malloc(n * sizeof(uint32_t)), nlayers = 0;
		double best_front = 1e300, best_layers = 1e300;
		int run, runs = n >= 100000 ? 3 : 5;

		if (!list || list->count != n || !front || !layer) {
			fprintf(stderr, "bench_pareto: out of memory\n");
			return 1;
		}
		offers = (const lium_executor *const *)list->items;
		for (run = 0; run < runs; run++) {
			double t0 = now_ms(), t1;

			if (lium_offers_frontier(offers, n, NULL, 0, front, &count, NULL) !=
			    LIUM_OK)
				return 1;
			t1 = now_ms();
			if (t1 - t0 < best_front)
				best_front = t1 - t0;
			t0 = now_ms();
			if (lium_offers_layers(offers, n, NULL, 0, 0, layer, NULL) != LIUM_OK)
				return 1;
			t1 = now_ms();
			if (t1 - t0 < best_layers)
				best_layers = t1 - t0;
		}
		for (i = 0; i < n; i++)
			if (layer[i] > nlayers)
				nlayers = layer[i];
		printf("n=%-6zu frontier %8.2f ms (%zu offers on it)   layers %8.2f ms (%u "
		       "layers)\n",
		       n, best_front, count, best_layers, nlayers);
		if (!verify(offers, n, front, count, layer))
			failed = 1;
		if (n == 100000) {
			printf("goal: 100k frontier under 100 ms: %s\n",
			       best_front < 100.0 ? "met" : "NOT met");
			if (best_front >= 100.0 && strict && strcmp(strict, "1") == 0)
				failed = 1;
		}
		free(front);
		free(layer);
		lium_executor_list_free(list);
	}
	return failed;
}
