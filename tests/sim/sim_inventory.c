/*
 * celium-sim: the executor inventory.  Generated executors come from a
 * seeded catalogue (executor i depends only on the seed and i, so a larger
 * --executors keeps the first ones); a JSON file can replace them.  Every
 * executor is rendered once, at start-up, so that listing is a copy.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

typedef struct gpu_model {
	const char *name;
	long vram_mib;
	double price_lo, price_hi;
	int pcie, mem_speed, tflops, power;
	int weight;
	bool datacenter;
	int min_driver; /* index into drivers[] */
} gpu_model;

static const gpu_model models[] = {
	{"NVIDIA H100 80GB HBM3", 81559, 1.85, 2.60, 32000, 3350, 989, 700, 14, true, 1},
	{"NVIDIA H100 PCIe", 81559, 1.55, 2.10, 32000, 2000, 756, 350, 5, true, 1},
	{"NVIDIA H200", 143771, 2.55, 3.40, 32000, 4800, 989, 700, 8, true, 2},
	{"NVIDIA B200", 183359, 3.80, 5.20, 32000, 8000, 2250, 1000, 4, true, 3},
	{"NVIDIA A100-SXM4-80GB", 81920, 0.95, 1.45, 16000, 2039, 312, 400, 9, true, 0},
	{"NVIDIA A100 80GB PCIe", 81920, 0.85, 1.25, 16000, 1935, 312, 300, 4, true, 0},
	{"NVIDIA L40S", 46068, 0.70, 1.05, 16000, 864, 362, 350, 7, true, 1},
	{"NVIDIA L40", 46068, 0.60, 0.90, 16000, 864, 181, 300, 2, true, 0},
	{"NVIDIA GeForce RTX 4090", 24564, 0.28, 0.45, 16000, 1008, 83, 450, 16, false, 0},
	{"NVIDIA GeForce RTX 5090", 32607, 0.55, 0.85, 32000, 1792, 105, 575, 8, false, 3},
	{"NVIDIA RTX A6000", 49140, 0.40, 0.60, 16000, 768, 39, 300, 6, true, 0},
	{"NVIDIA RTX 6000 Ada Generation", 49140, 0.70, 1.00, 16000, 960, 91, 300, 4, true, 1},
	{"NVIDIA GeForce RTX 3090", 24576, 0.16, 0.28, 16000, 936, 36, 350, 6, false, 0},
	{"NVIDIA A40", 46068, 0.35, 0.55, 16000, 696, 37, 300, 3, true, 0},
	{"Tesla V100-SXM2-32GB", 32768, 0.20, 0.35, 15760, 900, 15, 300, 2, true, 0},
};
#define NMODELS (sizeof models / sizeof models[0])

typedef struct driver {
	const char *version;
	double cuda;
} driver;

static const driver drivers[] = {
	{"535.183.01", 12.2}, {"550.127.05", 12.4}, {"560.35.03", 12.6},
	{"570.124.06", 12.8}, {"575.57.08", 12.9},
};
#define NDRIVERS (sizeof drivers / sizeof drivers[0])

typedef struct place {
	const char *country, *code, *region, *city, *tz;
	double lat, lon;
	int weight;
} place;

static const place places[] = {
	{"United States", "US", "Virginia", "Ashburn", "America/New_York", 39.04, -77.49, 10},
	{"United States", "US", "Texas", "Dallas", "America/Chicago", 32.78, -96.80, 7},
	{"United States", "US", "California", "San Jose", "America/Los_Angeles", 37.34, -121.89, 7},
	{"United States", "US", "Illinois", "Chicago", "America/Chicago", 41.88, -87.63, 4},
	{"United States", "US", "Oregon", "Hillsboro", "America/Los_Angeles", 45.52, -122.99, 3},
	{"Canada", "CA", "Quebec", "Montreal", "America/Toronto", 45.50, -73.57, 4},
	{"Germany", "DE", "Hesse", "Frankfurt am Main", "Europe/Berlin", 50.11, 8.68, 6},
	{"France", "FR", "Ile-de-France", "Paris", "Europe/Paris", 48.86, 2.35, 4},
	{"Netherlands", "NL", "North Holland", "Amsterdam", "Europe/Amsterdam", 52.37, 4.90, 4},
	{"United Kingdom", "GB", "England", "London", "Europe/London", 51.51, -0.13, 4},
	{"Finland", "FI", "Uusimaa", "Helsinki", "Europe/Helsinki", 60.17, 24.94, 3},
	{"Sweden", "SE", "Stockholm", "Stockholm", "Europe/Stockholm", 59.33, 18.07, 2},
	{"Poland", "PL", "Masovia", "Warsaw", "Europe/Warsaw", 52.23, 21.01, 2},
	{"Norway", "NO", "Oslo", "Oslo", "Europe/Oslo", 59.91, 10.75, 1},
	{"Iceland", "IS", "Capital Region", "Reykjavik", "Atlantic/Reykjavik", 64.15, -21.94, 1},
	{"Japan", "JP", "Tokyo", "Tokyo", "Asia/Tokyo", 35.68, 139.69, 3},
	{"Singapore", "SG", "Central", "Singapore", "Asia/Singapore", 1.35, 103.82, 2},
	{"South Korea", "KR", "Seoul", "Seoul", "Asia/Seoul", 37.57, 126.98, 2},
	{"Australia", "AU", "New South Wales", "Sydney", "Australia/Sydney", -33.87, 151.21, 1},
	{"Brazil", "BR", "Sao Paulo", "Sao Paulo", "America/Sao_Paulo", -23.55, -46.63, 1},
	{"India", "IN", "Maharashtra", "Mumbai", "Asia/Kolkata", 19.08, 72.88, 1},
};
#define NPLACES (sizeof places / sizeof places[0])

static const char *const dc_cpus[] = {
	"AMD EPYC 9654 96-Core Processor",          "AMD EPYC 9554 64-Core Processor",
	"AMD EPYC 7543 32-Core Processor",          "Intel(R) Xeon(R) Platinum 8480+",
	"Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
};
static const char *const desk_cpus[] = {
	"AMD Ryzen 9 7950X 16-Core Processor",
	"AMD Ryzen Threadripper PRO 5975WX 32-Cores",
	"Intel(R) Core(TM) i9-13900K",
	"AMD EPYC 7543 32-Core Processor",
};
static const char *const oses[] = {"Ubuntu 22.04.4 LTS", "Ubuntu 22.04.5 LTS",
				   "Ubuntu 24.04.1 LTS"};

/* A small private generator so that executor i depends on (seed, i) only. */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *g)
{
	g->s += 0x9e3779b97f4a7c15ull;
	return sim_mix64(g->s);
}

static double rng_unit(rng *g)
{
	return (double)(rng_next(g) >> 11) / 9007199254740992.0;
}

static double rng_range(rng *g, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(g);
}

static int rng_int(rng *g, int lo, int hi)
{
	return lo + (int)(rng_next(g) % (uint64_t)(hi - lo + 1));
}

static double round_to(double x, double step)
{
	return round(x / step) * step;
}

static void set_gpu_info(sim_executor *e, const char *name, long cap, int power, const char *cuda)
{
	snprintf(e->gpu.name, sizeof e->gpu.name, "%s", name);
	e->gpu.capacity_mib = cap;
	e->gpu.power_limit_w = power;
	snprintf(e->gpu.cuda, sizeof e->gpu.cuda, "%s", cuda);
}

static void generate_one(sim_executor *e, uint64_t seed, size_t i)
{
	rng g = {sim_mix64(seed ^ sim_mix64((uint64_t)i + 0x51u))};
	uint64_t id_hi = rng_next(&g);
	uint64_t id_lo = rng_next(&g);
	sim_uuid_from(id_hi, id_lo, e->id);

	int total = 0;
	for (size_t k = 0; k < NMODELS; k++)
		total += models[k].weight;
	int pick = rng_int(&g, 0, total - 1);
	const gpu_model *m = &models[0];
	for (size_t k = 0; k < NMODELS; k++) {
		if (pick < models[k].weight) {
			m = &models[k];
			break;
		}
		pick -= models[k].weight;
	}
	static const int counts[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 8};
	int count = counts[rng_int(&g, 0, 9)];
	if (strstr(m->name, "B200") && count < 8 && rng_unit(&g) < 0.6)
		count = 8;

	total = 0;
	for (size_t k = 0; k < NPLACES; k++)
		total += places[k].weight;
	pick = rng_int(&g, 0, total - 1);
	const place *pl = &places[0];
	for (size_t k = 0; k < NPLACES; k++) {
		if (pick < places[k].weight) {
			pl = &places[k];
			break;
		}
		pick -= places[k].weight;
	}
	const driver *drv = &drivers[rng_int(&g, m->min_driver, (int)NDRIVERS - 1)];
	char cuda[8];
	snprintf(cuda, sizeof cuda, "%.1f", drv->cuda);

	double price = round_to(rng_range(&g, m->price_lo, m->price_hi), 0.01);
	double lat = round_to(pl->lat + rng_range(&g, -0.3, 0.3), 0.01);
	double lon = round_to(pl->lon + rng_range(&g, -0.3, 0.3), 0.01);

	static const double link_speeds[] = {100, 500, 1000, 1000, 2500, 2500, 10000, 10000};
	double link = link_speeds[rng_int(&g, 0, 7)];
	double spec_down = round_to(link * rng_range(&g, 0.85, 0.99), 1);
	double spec_up = round_to(link * rng_range(&g, 0.80, 0.99), 1);
	double eff_down = round_to(spec_down * rng_range(&g, 0.30, 0.92), 1);
	double eff_up = round_to(spec_up * rng_range(&g, 0.30, 0.92), 1);
	if (rng_unit(&g) < 0.05) { /* a congested node: never Pareto-optimal */
		eff_down = round_to(rng_range(&g, 20, 95), 1);
		eff_up = round_to(rng_range(&g, 10, 80), 1);
	}
	bool null_speeds = rng_unit(&g) < 0.02;
	bool null_cuda = rng_unit(&g) < 0.03;
	double tier_roll = rng_unit(&g);
	const char *tier = tier_roll < 0.03 ? NULL : tier_roll < 0.60 ? "secure" : "spot";
	bool dind = rng_unit(&g) < 0.15;
	int ports = rng_int(&g, 5, 150);

	const char *cpu = m->datacenter ? dc_cpus[rng_int(&g, 0, 4)] : desk_cpus[rng_int(&g, 0, 3)];
	int cpu_count = m->datacenter ? count * rng_int(&g, 12, 24) : count * rng_int(&g, 4, 16);
	double ram_gb =
		m->datacenter ? count * rng_range(&g, 120, 256) : count * rng_range(&g, 32, 128);
	double disk_tb =
		m->datacenter ? count * rng_range(&g, 1.0, 4.0) : count * rng_range(&g, 0.5, 2.0);
	json_int_t ram_kib = (json_int_t)(round(ram_gb) * 1048576.0);
	json_int_t disk_kib = (json_int_t)(round(disk_tb * 1000.0) * 1048576.0);
	double ram_util = round_to(rng_range(&g, 1, 20), 0.1);
	double disk_util = round_to(rng_range(&g, 2, 40), 0.1);

	json_t *details = json_array();
	for (int k = 0; k < count; k++) {
		char gpu_uuid[SIM_ID_LEN];
		uint64_t u_hi = rng_next(&g);
		uint64_t u_lo = rng_next(&g);
		sim_uuid_from(u_hi, u_lo, gpu_uuid);
		char *uuid = sim_xasprintf("GPU-%s", gpu_uuid);
		json_t *d = json_object();
		json_object_set_new(d, "name", json_string(m->name));
		json_object_set_new(d, "capacity", json_integer(m->vram_mib));
		json_object_set_new(d, "cuda", json_string(cuda));
		json_object_set_new(d, "pcie_speed", json_integer(m->pcie));
		json_object_set_new(d, "memory_speed", json_integer(m->mem_speed));
		json_object_set_new(d, "graphics_speed", json_integer(m->tflops));
		json_object_set_new(d, "power_limit", json_integer(m->power));
		json_object_set_new(d, "gpu_utilization", json_real(0.0));
		json_object_set_new(d, "memory_utilization", json_real(0.0));
		json_object_set_new(d, "uuid", json_string(uuid));
		json_array_append_new(details, d);
		free(uuid);
	}
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "machine_name", json_string(m->name));
	json_object_set_new(o, "executor_ip_address", json_string("127.0.0.1"));
	json_object_set_new(o, "price_per_gpu", json_real(price));
	json_object_set_new(o, "status", json_string("available"));
	json_object_set_new(o, "location",
			    json_pack("{s:s,s:s,s:s,s:s,s:s,s:n,s:f,s:f,s:s}", "country",
				      pl->country, "country_code", pl->code, "region", pl->region,
				      "region_name", pl->region, "city", pl->city, "zip", "lat",
				      lat, "lon", lon, "timezone", pl->tz));
	json_t *specs = json_object();
	json_object_set_new(specs, "gpu",
			    json_pack("{s:i,s:s,s:s,s:o}", "count", count, "driver", drv->version,
				      "cuda_driver", cuda, "details", details));
	json_object_set_new(specs, "cpu",
			    json_pack("{s:i,s:s,s:f}", "count", cpu_count, "model", cpu,
				      "utilization", round_to(rng_range(&g, 0.5, 15), 0.1)));
	json_int_t ram_used = (json_int_t)((double)ram_kib * ram_util / 100.0);
	json_object_set_new(specs, "ram",
			    json_pack("{s:I,s:I,s:I,s:I,s:f}", "total", ram_kib, "used", ram_used,
				      "free", ram_kib - ram_used, "available", ram_kib - ram_used,
				      "utilization", ram_util));
	json_int_t disk_used = (json_int_t)((double)disk_kib * disk_util / 100.0);
	json_object_set_new(specs, "hard_disk",
			    json_pack("{s:I,s:I,s:I,s:f}", "total", disk_kib, "used", disk_used,
				      "free", disk_kib - disk_used, "utilization", disk_util));
	json_object_set_new(
		specs, "network",
		json_pack("{s:f,s:f}", "upload_speed", spec_up, "download_speed", spec_down));
	json_object_set_new(specs, "os", json_string(oses[rng_int(&g, 0, 2)]));
	json_object_set_new(specs, "sysbox_runtime", json_boolean(dind));
	json_object_set_new(specs, "available_port_count", json_integer(ports));
	json_object_set_new(o, "specs", specs);
	json_object_set_new(o, "effective_upload_speed_mbps",
			    null_speeds ? json_null() : json_real(eff_up));
	json_object_set_new(o, "effective_download_speed_mbps",
			    null_speeds ? json_null() : json_real(eff_down));
	json_object_set_new(o, "max_cuda_version", null_cuda ? json_null() : json_real(drv->cuda));
	json_object_set_new(o, "tier", tier ? json_string(tier) : json_null());
	json_object_set_new(o, "uptime_in_minutes", json_integer(rng_int(&g, 60, 200000)));

	e->json = json_dumps(o, SIM_JSON_FLAGS);
	e->json_len = strlen(e->json);
	json_decref(o);
	e->machine_name = sim_xstrdup(m->name);
	e->gpu_count = count;
	e->price_per_gpu = price;
	e->has_loc = true;
	e->lat = lat;
	e->lon = lon;
	e->download_mbps = null_speeds ? 0.0 : eff_down;
	e->available_ports = ports;
	snprintf(e->driver, sizeof e->driver, "%s", drv->version);
	set_gpu_info(e, m->name, m->vram_mib, m->power, cuda);
}

static int cmp_by_id(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	return strcmp(sim.execs[ia].id, sim.execs[ib].id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void build_indexes(bool catalogue_names)
{
	sim.exec_by_id = sim_xcalloc(sim.nexecs, sizeof(size_t));
	for (size_t i = 0; i < sim.nexecs; i++)
		sim.exec_by_id[i] = i;
	qsort(sim.exec_by_id, sim.nexecs, sizeof(size_t), cmp_by_id);

	sim_vec names = {0};
	if (catalogue_names) {
		for (size_t k = 0; k < NMODELS; k++)
			sim_vec_push(&names, sim_xstrdup(models[k].name));
	}
	for (size_t i = 0; i < sim.nexecs; i++) {
		bool seen = false;
		for (size_t k = 0; k < names.len && !seen; k++)
			seen = strcmp(names.items[k], sim.execs[i].machine_name) == 0;
		if (!seen)
			sim_vec_push(&names, sim_xstrdup(sim.execs[i].machine_name));
	}
	qsort(names.items, names.len, sizeof(void *), cmp_str);
	sim.machine_names = names;
}

int sim_inventory_generate(long count, uint64_t seed)
{
	sim.nexecs = (size_t)count;
	sim.execs = sim_xcalloc(sim.nexecs ? sim.nexecs : 1, sizeof(sim_executor));
	for (size_t i = 0; i < sim.nexecs; i++)
		generate_one(&sim.execs[i], seed, i);
	build_indexes(true);
	return 0;
}

static double num_at(json_t *o, const char *path)
{
	char *copy = sim_xstrdup(path);
	char *save = NULL;
	json_t *cur = o;
	for (char *tok = strtok_r(copy, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, tok);
	free(copy);
	return cur && json_is_number(cur) ? json_number_value(cur) : (double)NAN;
}

int sim_inventory_load(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	if (!doc) {
		sim_warn("%s:%d: %s", path, err.line, err.text);
		return -1;
	}
	json_t *arr = doc;
	if (json_is_object(doc) && json_is_array(json_object_get(doc, "items")))
		arr = json_object_get(doc, "items");
	if (!json_is_array(arr)) {
		sim_warn("%s: expected a JSON array of executors", path);
		json_decref(doc);
		return -1;
	}
	sim.nexecs = json_array_size(arr);
	sim.execs = sim_xcalloc(sim.nexecs ? sim.nexecs : 1, sizeof(sim_executor));
	for (size_t i = 0; i < sim.nexecs; i++) {
		json_t *o = json_array_get(arr, i);
		sim_executor *e = &sim.execs[i];
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!json_is_object(o) || !id || strlen(id) >= SIM_ID_LEN || !*id) {
			sim_warn("%s: executor %zu has no usable \"id\"", path, i);
			json_decref(doc);
			return -1;
		}
		snprintf(e->id, sizeof e->id, "%s", id);
		const char *mn = json_string_value(json_object_get(o, "machine_name"));
		e->machine_name = sim_xstrdup(mn ? mn : "");
		double count = num_at(o, "specs.gpu.count");
		e->gpu_count = isnan(count) || count < 1 ? 1 : (int)count;
		double price = num_at(o, "price_per_gpu");
		e->price_per_gpu = isnan(price) ? 0.0 : price;
		e->lat = num_at(o, "location.lat");
		e->lon = num_at(o, "location.lon");
		e->has_loc = !isnan(e->lat) && !isnan(e->lon);
		double down = num_at(o, "effective_download_speed_mbps");
		e->download_mbps = isnan(down) ? 0.0 : down;
		double ports = num_at(o, "specs.available_port_count");
		e->available_ports = isnan(ports) ? 10 : (int)ports;
		const char *drv = json_string_value(json_object_get(
			json_object_get(json_object_get(o, "specs"), "gpu"), "driver"));
		snprintf(e->driver, sizeof e->driver, "%s", drv ? drv : "");
		json_t *d0 = json_array_get(
			json_object_get(json_object_get(json_object_get(o, "specs"), "gpu"),
					"details"),
			0);
		const char *gname = json_string_value(json_object_get(d0, "name"));
		double cap = num_at(d0 ? d0 : o, "capacity");
		double power = num_at(d0 ? d0 : o, "power_limit");
		const char *cuda = json_string_value(json_object_get(d0, "cuda"));
		set_gpu_info(e, gname ? gname : e->machine_name, isnan(cap) ? 24576 : (long)cap,
			     isnan(power) ? 300 : (int)power, cuda ? cuda : "12.4");
		e->json = json_dumps(o, SIM_JSON_FLAGS);
		e->json_len = strlen(e->json);
	}
	json_decref(doc);
	build_indexes(false);
	return 0;
}

sim_executor *sim_executor_find(const char *id)
{
	size_t lo = 0, hi = sim.nexecs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(sim.execs[sim.exec_by_id[mid]].id, id);
		if (c == 0)
			return &sim.execs[sim.exec_by_id[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void sim_inventory_free(void)
{
	for (size_t i = 0; i < sim.nexecs; i++) {
		free(sim.execs[i].json);
		free(sim.execs[i].machine_name);
	}
	free(sim.execs);
	free(sim.exec_by_id);
	for (size_t i = 0; i < sim.machine_names.len; i++)
		free(sim.machine_names.items[i]);
	sim_vec_free(&sim.machine_names);
	sim.execs = NULL;
	sim.nexecs = 0;
}

/* ---- GET /executors --------------------------------------------------- */

typedef struct names_acc {
	sim_vec names;
} names_acc;

static enum MHD_Result collect_names(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	names_acc *acc = cls;
	if (strcmp(key, "machine_names") != 0 || !value)
		return MHD_YES;
	char *copy = sim_xstrdup(value);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*tok)
			sim_vec_push(&acc->names, sim_xstrdup(tok));
	}
	free(copy);
	return MHD_YES;
}

static double miles_between(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 3958.8 * 2.0 * atan2(sqrt(a), sqrt(1.0 - a));
}

void sim_h_executors(sim_req *r, sim_resp *resp)
{
	json_t *errors = json_array();
	long long size = 0, page = 1, gte = 0, lte = 0;
	double lat = 0, lon = 0, maxd = 0, plte = 0, pgte = 0;
	bool has_size, has_page, has_gte, has_lte, has_lat, has_lon, has_maxd, has_plte, has_pgte;
	sim_query_int(r, "size", &size, &has_size, errors);
	sim_query_int(r, "page", &page, &has_page, errors);
	sim_query_int(r, "gpu_count_gte", &gte, &has_gte, errors);
	sim_query_int(r, "gpu_count_lte", &lte, &has_lte, errors);
	sim_query_num(r, "lat", &lat, &has_lat, errors);
	sim_query_num(r, "lon", &lon, &has_lon, errors);
	sim_query_num(r, "max_distance_mile", &maxd, &has_maxd, errors);
	sim_query_num(r, "price_per_hour_lte", &plte, &has_plte, errors);
	sim_query_num(r, "price_per_hour_gte", &pgte, &has_pgte, errors);
	if (has_size && size < 1)
		sim_verr(errors, "greater_than_equal", "query", "size",
			 "Input should be greater than or equal to 1",
			 json_string(sim_query(r, "size")));
	if (has_page && page < 1)
		sim_verr(errors, "greater_than_equal", "query", "page",
			 "Input should be greater than or equal to 1",
			 json_string(sim_query(r, "page")));
	if (has_lat && (lat < -90 || lat > 90))
		sim_verr(errors, "less_than_equal", "query", "lat",
			 "Input should be between -90 and 90", json_string(sim_query(r, "lat")));
	if (has_lon && (lon < -180 || lon > 180))
		sim_verr(errors, "less_than_equal", "query", "lon",
			 "Input should be between -180 and 180", json_string(sim_query(r, "lon")));
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);

	names_acc acc = {0};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_names, &acc);
	bool by_distance = has_lat && has_lon && has_maxd;

	sim_str out = {0};
	sim_str_add(&out, "[", 1);
	long long skip = has_size ? (page - 1) * size : 0;
	long long emitted = 0;
	for (size_t i = 0; i < sim.nexecs; i++) {
		const sim_executor *e = &sim.execs[i];
		if (e->rented_by)
			continue;
		if (acc.names.len) {
			bool ok = false;
			for (size_t k = 0; k < acc.names.len && !ok; k++)
				ok = strcasecmp(acc.names.items[k], e->machine_name) == 0;
			if (!ok)
				continue;
		}
		if (has_gte && e->gpu_count < gte)
			continue;
		if (has_lte && e->gpu_count > lte)
			continue;
		double total = e->price_per_gpu * e->gpu_count;
		if (has_plte && total > plte + 1e-9)
			continue;
		if (has_pgte && total < pgte - 1e-9)
			continue;
		if (by_distance && (!e->has_loc || miles_between(lat, lon, e->lat, e->lon) > maxd))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		if (has_size && emitted >= size)
			break;
		if (emitted++)
			sim_str_add(&out, ",", 1);
		sim_str_add(&out, e->json, e->json_len);
	}
	sim_str_add(&out, "]", 1);
	for (size_t k = 0; k < acc.names.len; k++)
		free(acc.names.items[k]);
	sim_vec_free(&acc.names);
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = sim_str_steal(&out, &resp->len);
}

void sim_h_machines(sim_req *r, sim_resp *resp)
{
	(void)r;
	json_t *a = json_array();
	for (size_t i = 0; i < sim.machine_names.len; i++)
		json_array_append_new(
			a, json_pack("{s:s}", "name", (const char *)sim.machine_names.items[i]));
	sim_resp_json(resp, 200, a);
}

static bool require_query(const sim_req *r, const char *name, json_t *errors)
{
	if (sim_query(r, name))
		return true;
	sim_verr(errors, "missing", "query", name, "Field required", NULL);
	return false;
}

void sim_h_default_image(sim_req *r, sim_resp *resp)
{
	json_t *errors = json_array();
	require_query(r, "gpu_model", errors);
	require_query(r, "driver_version", errors);
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);
	const char *model = sim_query(r, "gpu_model");
	const char *drv = sim_query(r, "driver_version");
	int major = *drv ? atoi(drv) : 999;
	bool blackwell =
		strstr(model, "B200") || strstr(model, "5090") || strstr(model, "RTX PRO 6000");
	json_t *a = json_array();
	if (blackwell && major >= 570) {
		json_array_append_new(a, json_pack("{s:s,s:s}", "docker_image", "daturaai/pytorch",
						   "docker_image_tag",
						   "2.7.0-py3.11-cuda12.8.1-devel-ubuntu24.04"));
		json_array_append_new(a, json_pack("{s:s,s:s}", "docker_image", "daturaai/ubuntu",
						   "docker_image_tag", "24.04-cuda12.8"));
	} else if (major >= 555) {
		json_array_append_new(a, json_pack("{s:s,s:s}", "docker_image", "daturaai/ubuntu",
						   "docker_image_tag", "22.04-cuda12.4"));
		json_array_append_new(a, json_pack("{s:s,s:s}", "docker_image", "daturaai/pytorch",
						   "docker_image_tag",
						   "2.6.0-py3.11-cuda12.5.1-devel-ubuntu24.04"));
	} else if (major >= 530) {
		json_array_append_new(a, json_pack("{s:s,s:s}", "docker_image", "daturaai/pytorch",
						   "docker_image_tag",
						   "2.4.0-py3.11-cuda12.1.1-devel-ubuntu22.04"));
		json_array_append_new(a, json_pack("{s:s,s:s}", "docker_image", "daturaai/ubuntu",
						   "docker_image_tag", "22.04-cuda12.1"));
	}
	sim_resp_json(resp, 200, a);
}

void sim_h_estimate(sim_req *r, sim_resp *resp)
{
	json_t *errors = json_array();
	require_query(r, "executor_id", errors);
	require_query(r, "template_id", errors);
	if (json_array_size(errors) > 0) {
		sim_resp_422(resp, errors);
		return;
	}
	json_decref(errors);
	char eid[SIM_ID_LEN], tid[SIM_ID_LEN];
	const sim_executor *e = NULL;
	if (sim_uuid_normalize(sim_query(r, "executor_id"), eid))
		e = sim_executor_find(eid);
	if (!e)
		e = sim_executor_find(sim_query(r, "executor_id"));
	if (!e) {
		sim_resp_detail(resp, 404, "Executor not found");
		return;
	}
	const sim_template *t = NULL;
	if (sim_uuid_normalize(sim_query(r, "template_id"), tid))
		t = sim_template_find(tid, r->user);
	if (!t) {
		sim_resp_detail(resp, 404, "Template not found");
		return;
	}
	uint64_t h = 1469598103934665603ull;
	for (const char *p = e->id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = t->id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	bool cached = (h % 4) == 0;
	double down = e->download_mbps > 0 ? e->download_mbps : 100.0;
	long long size = t->image_size;
	double seconds = 20.0;
	if (!cached && size > 0)
		seconds += (double)size * 8.0 / (down * 1e6) * 1.15;
	bool slow = e->download_mbps < 200.0;
	json_t *o = json_object();
	json_object_set_new(o, "estimated_seconds", json_integer((json_int_t)ceil(seconds)));
	json_object_set_new(o, "is_slow_machine", json_boolean(slow));
	if (slow) {
		char *msg = sim_xasprintf("This machine has a slow network connection (%.0f Mbps); "
					  "the deployment may take longer than usual.",
					  e->download_mbps);
		json_object_set_new(o, "warning_message", json_string(msg));
		free(msg);
	} else {
		json_object_set_new(o, "warning_message", json_null());
	}
	json_object_set_new(o, "is_cached_template", json_boolean(cached));
	json_object_set_new(o, "docker_image_size", size > 0 ? json_integer(size) : json_null());
	sim_resp_json(resp, 200, o);
}
