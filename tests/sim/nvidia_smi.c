/*
 * celium-sim-nvidia-smi: the nvidia-smi of a sandbox pod.
 *
 * Reads the pod's GPUs from the file named by CELIUM_SIM_GPU_FILE (written
 * by celium-sim) and answers the common forms: no arguments (the summary
 * table), -L, and --query-gpu=... --format=csv[,noheader][,nounits], with
 * -i and -l/-lms.  Utilisation, memory, temperature, power and clocks follow
 * smooth functions of the time, so monitoring code sees them change.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_GPUS 64

typedef struct gpu {
	int index;
	char name[96];
	long mem_mib;
	int power_limit;
	char uuid[64];
	char bus[32];
} gpu;

static gpu gpus[MAX_GPUS];
static int ngpus;
static char driver[32] = "550.127.05";
static char cuda[16] = "12.4";
static unsigned long seed;

static void copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int load(void)
{
	const char *path = getenv("CELIUM_SIM_GPU_FILE");
	if (!path) {
		fputs("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
		      "driver. Make sure that the latest NVIDIA driver is installed and running.\n",
		      stdout);
		return 9;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 9;
	}
	char line[512];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "driver=", 7) == 0) {
			copy(driver, sizeof driver, line + 7);
		} else if (strncmp(line, "cuda=", 5) == 0) {
			copy(cuda, sizeof cuda, line + 5);
		} else if (strncmp(line, "seed=", 5) == 0) {
			seed = strtoul(line + 5, NULL, 10);
		} else if (strncmp(line, "gpu|", 4) == 0 && ngpus < MAX_GPUS) {
			gpu *g = &gpus[ngpus];
			char *save = NULL;
			char *tok = strtok_r(line + 4, "|", &save);
			int field = 0;
			while (tok) {
				switch (field) {
				case 0:
					g->index = atoi(tok);
					break;
				case 1:
					copy(g->name, sizeof g->name, tok);
					break;
				case 2:
					g->mem_mib = atol(tok);
					break;
				case 3:
					g->power_limit = atoi(tok);
					break;
				case 4:
					copy(g->uuid, sizeof g->uuid, tok);
					break;
				case 5:
					copy(g->bus, sizeof g->bus, tok);
					break;
				}
				field++;
				tok = strtok_r(NULL, "|", &save);
			}
			if (field >= 6)
				ngpus++;
		}
	}
	fclose(f);
	return 0;
}

/* ---- the simulated readings ------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double noise(long step, int i)
{
	uint64_t x = (uint64_t)step * 0x9e3779b97f4a7c15ull ^
		     ((uint64_t)i + seed) * 0xbf58476d1ce4e5b9ull;
	x ^= x >> 31;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 29;
	return (double)(x >> 11) / 9007199254740992.0;
}

static double util(const gpu *g, double t)
{
	double phase = (double)(g->index * 37 + (int)(seed % 97));
	double u = 55.0 + 35.0 * sin(t / 11.0 + phase) +
		   12.0 * (noise((long)(t / 2.0), g->index) - 0.5);
	if (u < 0)
		u = 0;
	if (u > 100)
		u = 100;
	return u;
}

typedef struct reading {
	int util, mem_util, temp, fan, sm_clock, mem_clock;
	long mem_used;
	double power;
} reading;

static reading read_gpu(const gpu *g, double t)
{
	reading r;
	double u = util(g, t);
	r.util = (int)lround(u);
	r.mem_used = (long)((double)g->mem_mib * (0.04 + 0.80 * u / 100.0));
	r.mem_util = (int)lround(u * 0.6);
	r.temp = (int)lround(31.0 + u * 0.45 + 3.0 * noise((long)(t / 5.0), g->index + 100));
	r.fan = (int)lround(30.0 + u * 0.5);
	r.power = round(((double)g->power_limit * (0.09 + 0.83 * u / 100.0)) * 100.0) / 100.0;
	r.sm_clock = (int)lround(1980.0 * (0.35 + 0.65 * u / 100.0));
	r.mem_clock = u > 2 ? 2619 : 1593;
	return r;
}

/* ---- --query-gpu ------------------------------------------------------- */

typedef struct field {
	const char *name;
	const char *alias;
	const char *unit; /* shown in the header and after values */
} field;

static const field fields[] = {
	{"index", NULL, NULL},
	{"name", "gpu_name", NULL},
	{"uuid", "gpu_uuid", NULL},
	{"pci.bus_id", "gpu_bus_id", NULL},
	{"driver_version", NULL, NULL},
	{"count", NULL, NULL},
	{"memory.total", NULL, "MiB"},
	{"memory.used", NULL, "MiB"},
	{"memory.free", NULL, "MiB"},
	{"memory.reserved", NULL, "MiB"},
	{"utilization.gpu", NULL, "%"},
	{"utilization.memory", NULL, "%"},
	{"temperature.gpu", NULL, NULL},
	{"temperature.memory", NULL, NULL},
	{"power.draw", NULL, "W"},
	{"power.limit", NULL, "W"},
	{"power.max_limit", NULL, "W"},
	{"fan.speed", NULL, "%"},
	{"clocks.sm", "clocks.current.sm", "MHz"},
	{"clocks.mem", "clocks.current.memory", "MHz"},
	{"clocks.max.sm", "clocks.max.graphics", "MHz"},
	{"pstate", NULL, NULL},
	{"compute_cap", NULL, NULL},
	{"persistence_mode", NULL, NULL},
	{"timestamp", NULL, NULL},
	{"mig.mode.current", NULL, NULL},
	{"cuda_version", NULL, NULL},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *compute_cap(const char *name)
{
	if (strstr(name, "B200"))
		return "10.0";
	if (strstr(name, "5090"))
		return "12.0";
	if (strstr(name, "H100") || strstr(name, "H200"))
		return "9.0";
	if (strstr(name, "4090") || strstr(name, "L40") || strstr(name, "Ada"))
		return "8.9";
	if (strstr(name, "A100"))
		return "8.0";
	if (strstr(name, "V100"))
		return "7.0";
	return "8.6";
}

static void value(char *out, size_t n, size_t f, const gpu *g, const reading *r, bool units,
		  double t)
{
	const char *u = fields[f].unit;
	char num[64];
	const char *name = fields[f].name;
	if (strcmp(name, "index") == 0) {
		snprintf(out, n, "%d", g->index);
		return;
	}
	if (strcmp(name, "name") == 0) {
		snprintf(out, n, "%s", g->name);
		return;
	}
	if (strcmp(name, "uuid") == 0) {
		snprintf(out, n, "%s", g->uuid);
		return;
	}
	if (strcmp(name, "pci.bus_id") == 0) {
		snprintf(out, n, "%s", g->bus);
		return;
	}
	if (strcmp(name, "driver_version") == 0) {
		snprintf(out, n, "%s", driver);
		return;
	}
	if (strcmp(name, "cuda_version") == 0) {
		snprintf(out, n, "%s", cuda);
		return;
	}
	if (strcmp(name, "count") == 0) {
		snprintf(out, n, "%d", ngpus);
		return;
	}
	if (strcmp(name, "pstate") == 0) {
		snprintf(out, n, "%s", r->util > 2 ? "P0" : "P8");
		return;
	}
	if (strcmp(name, "compute_cap") == 0) {
		snprintf(out, n, "%s", compute_cap(g->name));
		return;
	}
	if (strcmp(name, "persistence_mode") == 0) {
		snprintf(out, n, "Enabled");
		return;
	}
	if (strcmp(name, "mig.mode.current") == 0) {
		snprintf(out, n, "[N/A]");
		return;
	}
	if (strcmp(name, "temperature.memory") == 0) {
		snprintf(out, n, "%d", r->temp + 6);
		return;
	}
	if (strcmp(name, "temperature.gpu") == 0) {
		snprintf(out, n, "%d", r->temp);
		return;
	}
	if (strcmp(name, "timestamp") == 0) {
		time_t secs = (time_t)t;
		struct tm tm;
		localtime_r(&secs, &tm);
		char buf[32];
		strftime(buf, sizeof buf, "%Y/%m/%d %H:%M:%S", &tm);
		snprintf(out, n, "%s.%03d", buf, (int)((t - floor(t)) * 1000.0));
		return;
	}
	if (strcmp(name, "memory.total") == 0)
		snprintf(num, sizeof num, "%ld", g->mem_mib);
	else if (strcmp(name, "memory.used") == 0)
		snprintf(num, sizeof num, "%ld", r->mem_used);
	else if (strcmp(name, "memory.free") == 0)
		snprintf(num, sizeof num, "%ld", g->mem_mib - r->mem_used - 512);
	else if (strcmp(name, "memory.reserved") == 0)
		snprintf(num, sizeof num, "%d", 512);
	else if (strcmp(name, "utilization.gpu") == 0)
		snprintf(num, sizeof num, "%d", r->util);
	else if (strcmp(name, "utilization.memory") == 0)
		snprintf(num, sizeof num, "%d", r->mem_util);
	else if (strcmp(name, "power.draw") == 0)
		snprintf(num, sizeof num, "%.2f", r->power);
	else if (strcmp(name, "power.limit") == 0 || strcmp(name, "power.max_limit") == 0)
		snprintf(num, sizeof num, "%.2f", (double)g->power_limit);
	else if (strcmp(name, "fan.speed") == 0)
		snprintf(num, sizeof num, "%d", r->fan);
	else if (strcmp(name, "clocks.sm") == 0)
		snprintf(num, sizeof num, "%d", r->sm_clock);
	else if (strcmp(name, "clocks.mem") == 0)
		snprintf(num, sizeof num, "%d", r->mem_clock);
	else if (strcmp(name, "clocks.max.sm") == 0)
		snprintf(num, sizeof num, "%d", 1980);
	else
		snprintf(num, sizeof num, "[N/A]");
	if (units && u)
		snprintf(out, n, "%s %s", num, u);
	else
		snprintf(out, n, "%s", num);
}

static int find_field(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0 ||
		    (fields[i].alias && strcmp(fields[i].alias, name) == 0))
			return (int)i;
	return -1;
}

static bool selected(const gpu *g, const char *ids)
{
	if (!ids)
		return true;
	char *copy = strdup(ids);
	bool hit = false;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok && !hit;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end = NULL;
		long v = strtol(tok, &end, 10);
		if (*tok && !*end)
			hit = v == g->index;
		else
			hit = strcmp(tok, g->uuid) == 0 || strcmp(tok, g->bus) == 0;
	}
	free(copy);
	return hit;
}

static int query(const char *spec, const char *format, const char *ids, bool header_once,
		 bool *printed_header)
{
	bool csv = false, noheader = false, nounits = false;
	if (format) {
		char *copy = strdup(format);
		char *save = NULL;
		for (char *tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (strcmp(tok, "csv") == 0)
				csv = true;
			else if (strcmp(tok, "noheader") == 0)
				noheader = true;
			else if (strcmp(tok, "nounits") == 0)
				nounits = true;
			else {
				printf("\"%s\" is not a valid format option.\n", tok);
				free(copy);
				return 2;
			}
		}
		free(copy);
	}
	if (!csv) {
		fputs("Missing --format option. Please run 'nvidia-smi -h' for help.\n", stdout);
		return 2;
	}
	int sel[64];
	int nsel = 0;
	char *copy = strdup(spec);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		int f = find_field(tok);
		if (f < 0) {
			printf("Field \"%s\" is not a valid field to query.\n\n", tok);
			free(copy);
			return 2;
		}
		if (nsel < 64)
			sel[nsel++] = f;
	}
	free(copy);
	if (nsel == 0) {
		fputs("Missing --query-gpu fields.\n", stdout);
		return 2;
	}
	if (!noheader && !(header_once && *printed_header)) {
		for (int i = 0; i < nsel; i++) {
			const field *f = &fields[sel[i]];
			printf("%s%s", i ? ", " : "", f->name);
			if (f->unit)
				printf(" [%s]", f->unit);
		}
		putchar('\n');
		*printed_header = true;
	}
	double t = now_s();
	int shown = 0;
	for (int k = 0; k < ngpus; k++) {
		const gpu *g = &gpus[k];
		if (!selected(g, ids))
			continue;
		reading r = read_gpu(g, t);
		for (int i = 0; i < nsel; i++) {
			char v[160];
			value(v, sizeof v, (size_t)sel[i], g, &r, !nounits, t);
			printf("%s%s", i ? ", " : "", v);
		}
		putchar('\n');
		shown++;
	}
	if (shown == 0) {
		fputs("No devices were found\n", stdout);
		return 6;
	}
	return 0;
}

/* ---- the summary table and -L -------------------------------------------- */

/* One row of the three-column part: cells padded (or cut) to their width. */
static void row3(const char *left, const char *mid, const char *right)
{
	printf("|%-41.41s|%-24.24s|%-22.22s|\n", left, mid, right);
}

static void row1(const char *text)
{
	printf("|%-89.89s|\n", text);
}

static void table(const char *ids)
{
	double t = now_s();
	time_t secs = (time_t)t;
	struct tm tm;
	localtime_r(&secs, &tm);
	char date[64];
	strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
	char rule[128], cells[128], buf[3][160];
	memset(rule, '-', 89);
	rule[89] = '\0';
	printf("%s\n+%s+\n", date, rule);
	snprintf(buf[0], sizeof buf[0], " NVIDIA-SMI %-23s Driver Version: %-15s CUDA Version: %s",
		 driver, driver, cuda);
	row1(buf[0]);
	snprintf(cells, sizeof cells, "|%.41s+%.24s+%.22s|", rule, rule, rule);
	puts(cells);
	row3(" GPU  Name                 Persistence-M", " Bus-Id          Disp.A",
	     " Volatile Uncorr. ECC");
	row3(" Fan  Temp   Perf          Pwr:Usage/Cap", "           Memory-Usage",
	     " GPU-Util  Compute M.");
	row3("", "", "               MIG M.");
	char eq[128];
	memset(eq, '=', 89);
	eq[89] = '\0';
	printf("|%.41s+%.24s+%.22s|\n", eq, eq, eq);
	for (int k = 0; k < ngpus; k++) {
		const gpu *g = &gpus[k];
		if (!selected(g, ids))
			continue;
		reading r = read_gpu(g, t);
		snprintf(buf[0], sizeof buf[0], " %3d  %-26.26s     On  ", g->index, g->name);
		snprintf(buf[1], sizeof buf[1], " %18s Off ", g->bus);
		snprintf(buf[2], sizeof buf[2], " %20s", "0");
		row3(buf[0], buf[1], buf[2]);
		char power[32], mem[48];
		snprintf(power, sizeof power, "%.0fW / %dW", r.power, g->power_limit);
		snprintf(mem, sizeof mem, "%ldMiB / %ldMiB", r.mem_used, g->mem_mib);
		snprintf(buf[0], sizeof buf[0], " %3d%%  %3dC    %s %22s ", r.fan, r.temp,
			 r.util > 2 ? "P0" : "P8", power);
		snprintf(buf[1], sizeof buf[1], " %22s ", mem);
		snprintf(buf[2], sizeof buf[2], " %7d%%     Default ", r.util);
		row3(buf[0], buf[1], buf[2]);
		row3("", "", "             Disabled");
		printf("+%.41s+%.24s+%.22s+\n", rule, rule, rule);
	}
	printf("\n+%s+\n", rule);
	row1(" Processes:");
	row1("  GPU   GI   CI              PID   Type   Process name                        GPU "
	     "Memory");
	row1("        ID   ID                                                               Usage");
	printf("|%s|\n", eq);
	row1("  No running processes found");
	printf("+%s+\n", rule);
}

static void list(const char *ids)
{
	for (int k = 0; k < ngpus; k++)
		if (selected(&gpus[k], ids))
			printf("GPU %d: %s (UUID: %s)\n", gpus[k].index, gpus[k].name,
			       gpus[k].uuid);
}

static void help(void)
{
	fputs("NVIDIA System Management Interface -- celium-sim stand-in\n\n"
	      "    nvidia-smi [-i ID] [-L] [--query-gpu=FIELDS --format=csv[,noheader][,nounits]]\n"
	      "               [-l SEC | -lms MS]\n",
	      stdout);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *format = NULL, *ids = NULL;
	bool do_list = false;
	long loop_ms = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strncmp(a, "--query-gpu=", 12) == 0) {
			spec = a + 12;
		} else if (strcmp(a, "--query-gpu") == 0 && next) {
			spec = next;
			i++;
		} else if (strncmp(a, "--format=", 9) == 0) {
			format = a + 9;
		} else if (strcmp(a, "--format") == 0 && next) {
			format = next;
			i++;
		} else if (strncmp(a, "--id=", 5) == 0) {
			ids = a + 5;
		} else if ((strcmp(a, "-i") == 0 || strcmp(a, "--id") == 0) && next) {
			ids = next;
			i++;
		} else if (strcmp(a, "-L") == 0 || strcmp(a, "--list-gpus") == 0) {
			do_list = true;
		} else if (strncmp(a, "--loop=", 7) == 0) {
			loop_ms = atol(a + 7) * 1000;
		} else if ((strcmp(a, "-l") == 0 || strcmp(a, "--loop") == 0)) {
			loop_ms = next && atol(next) > 0 ? atol(next) * 1000 : 5000;
			if (next && atol(next) > 0)
				i++;
		} else if (strncmp(a, "--loop-ms=", 10) == 0) {
			loop_ms = atol(a + 10);
		} else if (strcmp(a, "-lms") == 0 || strcmp(a, "--loop-ms") == 0) {
			loop_ms = next && atol(next) > 0 ? atol(next) : 5000;
			if (next && atol(next) > 0)
				i++;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help();
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			int rc = load();
			if (rc)
				return rc;
			printf("NVIDIA-SMI version  : %s (celium-sim)\nDRIVER version      : "
			       "%s\nCUDA Version        : %s\n",
			       driver, driver, cuda);
			return 0;
		} else {
			fputs("Invalid combination of input arguments. Please run 'nvidia-smi -h' "
			      "for "
			      "help.\n\n",
			      stdout);
			return 2;
		}
	}
	int rc = load();
	if (rc)
		return rc;
	if (ngpus == 0) {
		fputs("No devices were found\n", stdout);
		return 6;
	}
	bool printed_header = false;
	for (;;) {
		if (spec)
			rc = query(spec, format, ids, true, &printed_header);
		else if (do_list)
			list(ids);
		else
			table(ids);
		fflush(stdout);
		if (rc != 0 || loop_ms <= 0)
			return rc;
		sleep_ms(loop_ms);
	}
}
