/*
 * The CLI's glue to the libraries: the API client made from the
 * configuration, pod listing and target selection, SSH connections with the
 * pinned host keys.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli_api.h"

static void trace_line(lium_trace_kind kind, const char *line, void *userdata)
{
	(void)userdata;
	/* -v: requests, responses and retries; -vv adds headers and bodies. */
	if (cli_out.verbose < 2 && kind != LIUM_TRACE_REQUEST && kind != LIUM_TRACE_RESPONSE &&
	    kind != LIUM_TRACE_INFO)
		return;
	fprintf(stderr, "%s%s%s\n", cli_ce(CLI_C_DIM), line, cli_ce(CLI_C_RESET));
}

int cli_client_with_key(struct cli_ctx *ctx, const char *key, lium_client **out)
{
	lium_client_options o = LIUM_CLIENT_OPTIONS_INIT;
	struct cli_config *cfg;
	const char *timeout;
	lium_error err;
	lium_status st;
	int rc;

	*out = NULL;
	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		return rc;
	if (!key || !*key)
		return cli_fail(CLI_EXIT_AUTH, cli_out.command,
				"no API key configured: run 'lium init' or set LIUM_API_KEY");
	lium_client_free(ctx->client);
	ctx->client = NULL;
	o.base_url = cli_config_get(cfg, "api.base_url");
	o.api_key = key;
	o.source = "cli";
	o.client_version = LIUM_VERSION_STRING;
	o.user_agent = "lium-cli/" LIUM_VERSION_STRING;
	timeout = cli_config_get(cfg, "api.timeout");
	if (timeout)
		o.timeout_ms = strtol(timeout, NULL, 10) * 1000L; /* validated by config */
	if (cli_out.verbose)
		o.trace = trace_line;
	o.cancel = &cli_interrupted;
	st = lium_client_new(&ctx->client, &o, &err);
	if (st != LIUM_OK)
		return cli_fail_status(st, &err, "api");
	*out = ctx->client;
	return 0;
}

int cli_client(struct cli_ctx *ctx, lium_client **out)
{
	struct cli_config *cfg;
	int rc;

	*out = NULL;
	if (ctx->client) {
		*out = ctx->client;
		return 0;
	}
	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		return rc;
	return cli_client_with_key(ctx, cli_config_get(cfg, "api.api_key"), out);
}

int cli_api_fail(lium_status st, const lium_error *err, const char *what)
{
	const char *msg = err && err->message[0] ? err->message : lium_status_str(st);

	if (st == LIUM_EAUTH)
		return cli_fail(CLI_EXIT_AUTH, what,
				"%s (check the API key: lium init, or LIUM_API_KEY)", msg);
	if (st == LIUM_ECANCELLED)
		return cli_fail(CLI_EXIT_INTERRUPTED, what, "interrupted");
	if (st == LIUM_EPARSE)
		return cli_fail(CLI_EXIT_API, what, "unexpected response from the API: %s", msg);
	return cli_fail_status(st, err, what);
}

int cli_pods_fetch(struct cli_ctx *ctx, lium_pod_list **out)
{
	lium_client *client;
	lium_error err;
	lium_status st;
	int rc;

	*out = NULL;
	if ((rc = cli_client(ctx, &client)) != 0)
		return rc;
	cli_progress("Loading pods...");
	st = lium_pods_list(client, out, &err);
	cli_progress_done();
	if (st != LIUM_OK)
		return cli_api_fail(st, &err, cli_out.command);
	return 0;
}

static int is_all(const char *spec)
{
	while (*spec == ' ')
		spec++;
	return strncasecmp(spec, "all", 3) == 0 && spec[3 + strspn(spec + 3, " ")] == '\0';
}

int cli_pods_select(const lium_pod_list *pods, const char *spec, size_t **idx, size_t *n)
{
	struct cli_listing seen;
	lium_target_candidate *cands;
	size_t *map, ncands = 0, i, j, *res = NULL, nres = 0;
	unsigned char *listed;
	lium_error err;
	lium_status st;

	*idx = NULL;
	*n = 0;
	if (!spec || !*spec)
		return cli_usage_error("missing TARGETS (all, 1,2, 2-4, a name, HUID or id)");
	if (is_all(spec)) {
		/* `all` means the pods that are still there: not those being removed. */
		*idx = lium_calloc(pods->count + 1, sizeof **idx);
		if (!*idx)
			return cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
		for (i = 0; i < pods->count; i++)
			if (pods->items[i]->state != LIUM_POD_DELETING)
				(*idx)[(*n)++] = i;
		if (*n == 0) {
			lium_free(*idx);
			*idx = NULL;
			return cli_fail(CLI_EXIT_NOTFOUND, cli_out.command, "you have no pods");
		}
		return 0;
	}
	if (cli_listing_load("pods", &seen, NULL) != LIUM_OK)
		memset(&seen, 0, sizeof seen);
	cands = lium_calloc(seen.count + pods->count + 1, sizeof *cands);
	map = lium_calloc(seen.count + pods->count + 1, sizeof *map);
	listed = lium_calloc(pods->count + 1, 1);
	if (!cands || !map || !listed) {
		lium_free(cands);
		lium_free(map);
		lium_free(listed);
		cli_listing_dispose(&seen);
		return cli_fail(CLI_EXIT_FAIL, cli_out.command, "out of memory");
	}
	/* Rows of the last listing first: `2` is the second row the user saw. */
	for (i = 0; i < seen.count; i++) {
		size_t found = (size_t)-1;
		for (j = 0; j < pods->count; j++)
			if (pods->items[j]->id && strcmp(pods->items[j]->id, seen.rows[i].id) == 0)
				found = j;
		if (found != (size_t)-1 && !listed[found]) {
			listed[found] = 1;
			cands[ncands].id = pods->items[found]->id;
			cands[ncands].name = pods->items[found]->name;
			cands[ncands].huid = pods->items[found]->huid;
			map[ncands++] = found;
		} else {
			cands[ncands].id = seen.rows[i].id;
			cands[ncands].huid = seen.rows[i].huid;
			map[ncands++] = (size_t)-1;
		}
	}
	for (j = 0; j < pods->count; j++) {
		if (listed[j])
			continue;
		cands[ncands].id = pods->items[j]->id;
		cands[ncands].name = pods->items[j]->name;
		cands[ncands].huid = pods->items[j]->huid;
		map[ncands++] = j;
	}
	st = lium_targets_resolve(spec, cands, ncands, &res, &nres, &err);
	if (st == LIUM_OK) {
		for (i = 0; i < nres; i++) {
			if (map[res[i]] == (size_t)-1) {
				int rc = cli_fail(CLI_EXIT_NOTFOUND, cli_out.command,
						  "target '%s': pod %s (row %zu of the last 'lium "
						  "ps') no longer exists",
						  spec, cands[res[i]].huid, res[i] + 1);
				lium_free(res);
				lium_free(cands);
				lium_free(map);
				lium_free(listed);
				cli_listing_dispose(&seen);
				return rc;
			}
			res[i] = map[res[i]];
		}
		*idx = res;
		*n = nres;
	}
	lium_free(cands);
	lium_free(map);
	lium_free(listed);
	cli_listing_dispose(&seen);
	if (st == LIUM_EPARSE || st == LIUM_EINVAL)
		return cli_fail(CLI_EXIT_USAGE, cli_out.command, "%s", err.message);
	if (st == LIUM_EVALIDATION)
		return cli_fail(CLI_EXIT_USAGE, cli_out.command, "%s", err.message);
	if (st == LIUM_ENOTFOUND)
		return cli_fail(CLI_EXIT_NOTFOUND, cli_out.command, "%s (see 'lium ps')",
				err.message);
	if (st != LIUM_OK)
		return cli_fail_status(st, &err, cli_out.command);
	return 0;
}

void cli_pods_remember(const lium_pod_list *pods)
{
	struct cli_listing l;
	size_t i;

	memset(&l, 0, sizeof l);
	l.kind = lium_strdup("pods");
	l.when = cli_now();
	for (i = 0; i < pods->count; i++)
		cli_listing_add(&l, pods->items[i]->id, pods->items[i]->huid, pods->items[i]->name);
	/* Best effort: a read-only state directory must not fail the listing. */
	if (cli_listing_save(&l, NULL) != LIUM_OK && cli_out.verbose)
		cli_warn("could not remember the pod listing");
	cli_listing_dispose(&l);
}

void cli_offer_config(const lium_executor *e, char *out, size_t outsz)
{
	const char *type = e->gpu_type && *e->gpu_type ? e->gpu_type : "?";

	snprintf(out, outsz, "%u\xc3\x97%s", e->gpu_count ? e->gpu_count : 1, type);
}

void cli_pod_config(const lium_pod *p, char *out, size_t outsz)
{
	const char *type = NULL;
	unsigned int n = p->gpu_count;

	if (p->executor && p->executor->gpu_type && *p->executor->gpu_type)
		type = p->executor->gpu_type;
	if (!type && p->gpu_name && *p->gpu_name)
		type = p->gpu_name;
	if (!type) {
		snprintf(out, outsz, "-");
		return;
	}
	if (n > 1)
		snprintf(out, outsz, "%u\xc3\x97%s", n, type);
	else
		snprintf(out, outsz, "%s", type);
}

char *cli_known_hosts_path(void)
{
	char *dir = cli_state_dir();
	lium_buf b = LIUM_BUF_INIT;

	lium_buf_printf(&b, "%s/known_hosts", dir);
	lium_free(dir);
	return lium_buf_detach(&b);
}

char *cli_ssh_key_path(struct cli_ctx *ctx)
{
	static const char *const candidates[] = {"~/.ssh/id_ed25519", "~/.ssh/id_rsa",
						 "~/.ssh/id_ecdsa"};
	struct cli_config *cfg;
	const char *configured = NULL;
	size_t i;

	if (cli_ctx_config(ctx, &cfg) == 0)
		configured = cli_config_get(cfg, "ssh.key_path");
	if (configured && *configured)
		return cli_expand_home(configured);
	for (i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		char *p = cli_expand_home(candidates[i]);
		if (p && access(p, R_OK) == 0)
			return p;
		lium_free(p);
	}
	return NULL;
}

lium_status cli_pod_ssh_options(const lium_pod *pod, const char *key_path, const char *known_hosts,
				lium_ssh_endpoint *ep, const char **keys, lium_ssh_options *o,
				lium_error *err)
{
	lium_ssh_options init = LIUM_SSH_OPTIONS_INIT;
	lium_status st;

	*o = init;
	if (!pod->ssh_connect_cmd || !*pod->ssh_connect_cmd)
		return lium_error_set(err, LIUM_ENOTFOUND, "%s has no SSH access yet (status %s)",
				      pod->huid, pod->status ? pod->status : "unknown");
	st = lium_sshcmd_parse(pod->ssh_connect_cmd, ep, err);
	if (st != LIUM_OK)
		return st;
	keys[0] = key_path;
	keys[1] = NULL;
	o->host = ep->host;
	o->port = ep->port;
	o->user = ep->user;
	o->key_paths = key_path ? keys : NULL;
	o->known_hosts_path = known_hosts;
	o->host_alias = pod->id;
	o->keepalive_interval_ms = 15000;
	return LIUM_OK;
}

void cli_pod_labels(const lium_pod_list *pods, const size_t *sel, size_t n, const char **labels)
{
	size_t i, j;
	int unique = 1;

	for (i = 0; i < n && unique; i++) {
		const char *a = pods->items[sel[i]]->name;
		if (!a || !*a)
			unique = 0;
		for (j = 0; unique && j < i; j++)
			if (strcmp(a, pods->items[sel[j]]->name) == 0)
				unique = 0;
	}
	for (i = 0; i < n; i++)
		labels[i] = unique ? pods->items[sel[i]]->name : pods->items[sel[i]]->huid;
}

lium_status cli_pod_connect(struct cli_ctx *ctx, const lium_pod *pod, int cancel_fd,
			    unsigned int connect_timeout_ms, lium_ssh **out, lium_error *err)
{
	lium_ssh_options o;
	lium_ssh_endpoint ep;
	const char *keys[2];
	char *key, *kh;
	lium_status st;

	*out = NULL;
	key = cli_ssh_key_path(ctx);
	kh = cli_known_hosts_path();
	st = cli_pod_ssh_options(pod, key, kh, &ep, keys, &o, err);
	if (st == LIUM_OK) {
		o.connect_timeout_ms = connect_timeout_ms;
		o.cancel_fd = cancel_fd;
		st = lium_ssh_connect(out, &o, err);
	}
	lium_free(key);
	lium_free(kh);
	return st;
}
