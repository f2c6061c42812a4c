/*
 * The celium-sim test fixture (see sim_fixture.h).
 */
#define _GNU_SOURCE
#include "sim_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#ifndef LIUM_SIM_DEFAULT_BIN
#define LIUM_SIM_DEFAULT_BIN "celium-sim"
#endif

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void remove_tree(const char *path)
{
	if (path && *path)
		nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

int sim_fixture_start(sim_fixture *f, const char *const *extra_args)
{
	memset(f, 0, sizeof *f);
	pthread_once(&curl_once, curl_init);
	const char *bin = getenv("LIUM_SIM_BIN");
	if (!bin || !*bin)
		bin = LIUM_SIM_DEFAULT_BIN;
	const char *tmp = getenv("TMPDIR");
	snprintf(f->state_dir, sizeof f->state_dir, "%s/celium-sim-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->state_dir)) {
		fprintf(stderr, "sim_fixture: mkdtemp %s: %s\n", f->state_dir, strerror(errno));
		f->state_dir[0] = '\0';
		return -1;
	}
	snprintf(f->api_key, sizeof f->api_key, "%s", SIM_FIXTURE_DEFAULT_API_KEY);
	size_t nextra = 0;
	bool keyed = false;
	for (; extra_args && extra_args[nextra]; nextra++) {
		if (!keyed && strcmp(extra_args[nextra], "--api-key") == 0 &&
		    extra_args[nextra + 1]) {
			snprintf(f->api_key, sizeof f->api_key, "%s", extra_args[nextra + 1]);
			keyed = true;
		}
	}
	char url_file[4200];
	snprintf(url_file, sizeof url_file, "%s/url", f->state_dir);
	const char *verbose = getenv("LIUM_SIM_VERBOSE");
	bool quiet = !(verbose && *verbose && strcmp(verbose, "0") != 0);
	const char **argv = calloc(nextra + 12, sizeof *argv);
	if (!argv)
		return -1;
	size_t n = 0;
	argv[n++] = bin;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--state-dir";
	argv[n++] = f->state_dir;
	argv[n++] = "--url-file";
	argv[n++] = url_file;
	if (quiet)
		argv[n++] = "--quiet";
	for (size_t i = 0; i < nextra; i++)
		argv[n++] = extra_args[i];
	argv[n] = NULL;

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		free(argv);
		remove_tree(f->state_dir);
		return -1;
	}
	if (pid == 0) {
		/* The sandbox must not outlive the test, even a SIGKILLed one. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execv(bin, (char *const *)argv);
		fprintf(stderr, "sim_fixture: cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	free(argv);
	f->pid = (int)pid;

	const char *t = getenv("LIUM_SIM_START_TIMEOUT");
	double limit = t && atof(t) > 0 ? atof(t) : 60.0;
	double start = now_s();
	for (;;) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "sim_fixture: %s exited during start-up (status %d)\n", bin,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			f->pid = 0;
			remove_tree(f->state_dir);
			return -1;
		}
		FILE *uf = fopen(url_file, "r");
		if (uf) {
			char line[256] = "";
			bool ok = fgets(line, sizeof line, uf) != NULL;
			fclose(uf);
			line[strcspn(line, "\r\n")] = '\0';
			if (ok && strncmp(line, "http", 4) == 0) {
				snprintf(f->url, sizeof f->url, "%s", line);
				break;
			}
		}
		if (now_s() - start > limit) {
			fprintf(stderr, "sim_fixture: %s did not start within %.0f s\n", bin,
				limit);
			sim_fixture_stop(f);
			return -1;
		}
		sleep_ms(10);
	}
	for (int attempt = 0; attempt < 100; attempt++) {
		long status = 0;
		char *body = NULL;
		if (sim_fixture_request(f, "GET", "/_sim/health", NULL, &body, &status) == 0 &&
		    status == 200) {
			free(body);
			return 0;
		}
		free(body);
		sleep_ms(20);
	}
	fprintf(stderr, "sim_fixture: %s does not answer /_sim/health\n", f->url);
	sim_fixture_stop(f);
	return -1;
}

void sim_fixture_stop(sim_fixture *f)
{
	if (f->pid > 0) {
		pid_t pid = (pid_t)f->pid;
		kill(pid, SIGTERM);
		double start = now_s();
		int status = 0;
		f->exit_status = -1;
		for (;;) {
			pid_t r = waitpid(pid, &status, WNOHANG);
			if (r == pid) {
				if (WIFEXITED(status))
					f->exit_status = WEXITSTATUS(status);
				break;
			}
			if (r < 0 && errno == ECHILD)
				break;
			if (now_s() - start > 10.0) {
				fprintf(stderr, "sim_fixture: celium-sim %d ignored SIGTERM\n",
					f->pid);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
			sleep_ms(10);
		}
		if (f->exit_status != 0)
			fprintf(stderr, "sim_fixture: celium-sim %d ended with status %d\n", f->pid,
				f->exit_status);
		f->pid = 0;
	}
	remove_tree(f->state_dir);
	f->state_dir[0] = '\0';
}

typedef struct growbuf {
	char *data;
	size_t len, cap;
} growbuf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	growbuf *b = userdata;
	size_t n = size * nmemb;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

int sim_fixture_http(const sim_fixture *f, const char *method, const char *path,
		     const char *json_body, const char *api_key, sim_http_result *out)
{
	memset(out, 0, sizeof *out);
	pthread_once(&curl_once, curl_init);
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	char *url = malloc(strlen(f->url) + strlen(path) + 1);
	if (!url) {
		curl_easy_cleanup(c);
		return -1;
	}
	strcpy(url, f->url);
	strcat(url, path);
	struct curl_slist *headers = NULL;
	const char *key = api_key ? api_key : f->api_key;
	char keyhdr[200];
	if (*key) {
		snprintf(keyhdr, sizeof keyhdr, "X-API-KEY: %s", key);
		headers = curl_slist_append(headers, keyhdr);
	}
	if (json_body)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Expect:");
	growbuf body = {0}, head = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lium-sim-fixture");
	if (json_body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	double total = 0;
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &total);
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	free(url);
	out->status = status;
	out->curl_code = (int)rc;
	out->seconds = total;
	out->body = body.data ? body.data : calloc(1, 1);
	out->body_len = body.len;
	out->headers = head.data ? head.data : calloc(1, 1);
	return rc == CURLE_OK ? 0 : -1;
}

void sim_http_result_free(sim_http_result *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
}

int sim_fixture_request(const sim_fixture *f, const char *method, const char *path,
			const char *json_body, char **response_body, long *http_status)
{
	sim_http_result res;
	int rc = sim_fixture_http(f, method, path, json_body, NULL, &res);
	if (http_status)
		*http_status = rc == 0 ? res.status : 0;
	if (response_body) {
		*response_body = rc == 0 ? res.body : NULL;
		if (rc == 0)
			res.body = NULL;
	}
	sim_http_result_free(&res);
	return rc;
}
