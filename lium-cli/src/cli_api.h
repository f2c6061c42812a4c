/*
 * lium: the CLI's glue to liblium-api and liblium-utils (internal).
 */
#ifndef LIUM_CLI_API_H
#define LIUM_CLI_API_H

#include <lium/api.h>
#include <lium/utils.h>

#include "cli.h"

/*
 * The API client for this run, made from the configuration on first use:
 * X-Source "cli", the -v trace hook (key redacted), Ctrl-C as cancel flag.
 * Prints the error and returns its exit code on failure (no API key: 3).
 */
int cli_client(struct cli_ctx *ctx, lium_client **out);
/* The same with an explicit API key (replaces the run's client). */
int cli_client_with_key(struct cli_ctx *ctx, const char *key, lium_client **out);

/* Report an API failure of `what`, with a hint for authentication errors. */
int cli_api_fail(lium_status st, const lium_error *err, const char *what);

/* GET /pods, with a progress line on a terminal.  Prints errors. */
int cli_pods_fetch(struct cli_ctx *ctx, lium_pod_list **out);

/*
 * Resolve a target list against the pods, in the order of the last `lium ps`
 * listing (pods that appeared since come after it).  `all` is every pod.  A
 * piece that matches nothing, or a row whose pod no longer exists, is an
 * error naming it.  Prints errors; returns 0 or an exit code.
 * *idx (indices into pods->items) is freed with lium_free().
 */
int cli_pods_select(const lium_pod_list *pods, const char *spec, size_t **idx, size_t *n);

/* Remember the pods as the last listing (rows in this order). */
void cli_pods_remember(const lium_pod_list *pods);

/* "8×H100", "RTX4090" or "-" for a pod or an offer. */
void cli_pod_config(const lium_pod *p, char *out, size_t outsz);
void cli_offer_config(const lium_executor *e, char *out, size_t outsz);

/* lium's known_hosts file ($XDG_STATE_HOME/lium/known_hosts); allocated. */
char *cli_known_hosts_path(void);

/* The private SSH key to use (config ssh.key_path or the usual files); allocated or NULL. */
char *cli_ssh_key_path(struct cli_ctx *ctx);

/*
 * SSH options for a pod: endpoint from ssh_connect_cmd (stored in *ep, which
 * must outlive the options), the user's key (*keys[0], caller-provided
 * array of 2), lium's known_hosts and the pod id as host-key alias.
 * Returns LIUM_ENOTFOUND when the pod has no SSH access yet.
 */
lium_status cli_pod_ssh_options(const lium_pod *pod, const char *key_path, const char *known_hosts,
				lium_ssh_endpoint *ep, const char **keys, lium_ssh_options *o,
				lium_error *err);

/* A label per pod for prefixed output: the names when they are unique, else HUIDs. */
void cli_pod_labels(const lium_pod_list *pods, const size_t *sel, size_t n, const char **labels);

/*
 * Connect to a pod with the pinned host key (alias = pod id) and the user's
 * key.  Prints nothing; fills err.
 */
lium_status cli_pod_connect(struct cli_ctx *ctx, const lium_pod *pod, int cancel_fd,
			    unsigned int connect_timeout_ms, lium_ssh **out, lium_error *err);

/* Fan-out results (exec, scp, rsync). */
const char *cli_fanout_status_word(const lium_fanout_result *res);
/* A line per pod on stderr (✓/✗, exit status or error, time) and a summary. */
void cli_fanout_report(const lium_fanout *f, const char *const *labels, size_t n);
/* Members pod, huid, name, status, exit_code, signal, error, seconds. */
void cli_fanout_json_result(struct cli_json *j, const lium_fanout_result *res, const lium_pod *p);
/*
 * 0 all succeeded; 6 some did; 5 none did and every one ran and failed;
 * 130 interrupted; else the exit code of the first failure.
 */
int cli_fanout_exit(const lium_fanout *f, size_t n);

/*
 * A fleet: what exec, scp and rsync share around their fan-out.  The pods
 * of a target list, a label and SSH options per target, and the runner.
 * A zeroed struct may be closed.
 */
struct cli_fleet {
	struct cli_ctx *ctx;
	const char *what; /* the command, for error messages */
	lium_pod_list *pods;
	size_t *sel; /* per target: its index in pods->items */
	size_t n;
	const char **labels;
	lium_ssh_options *targets; /* per target; host == NULL: see prepare_err */
	lium_error *prepare_err;   /* why a target has no SSH options */
	lium_ssh_endpoint *eps;    /* per target; the options point into it */
	const char **keys;         /* two slots per target, as cli_pod_ssh_options wants */
	char *key_path, *known_hosts;
	lium_fanout *fanout; /* set by cli_fleet_run */
};

/*
 * Fetch the pods, resolve `spec` and prepare every target's label and SSH
 * options.  Prints errors (as `what`); returns 0 or an exit code.  The
 * fleet is closed with cli_fleet_close() either way.
 */
int cli_fleet_open(struct cli_fleet *fl, struct cli_ctx *ctx, const char *what, const char *spec);

/* The pod of target i. */
const lium_pod *cli_fleet_pod(const struct cli_fleet *fl, size_t i);

/*
 * Run op over the targets with fo, whose labels this sets; a concurrency of
 * 0 takes exec.parallel from the configuration.  Ctrl-C cancels the run.
 * Returns 0 when every target has a result (cancelled and timed-out runs
 * included), else prints the failure and returns its exit code.
 */
int cli_fleet_run(struct cli_fleet *fl, lium_fanout_options *fo, lium_fanout_op op, void *userdata);

/* In an op: LIUM_OK when target i has SSH options, else why not (copied to *err). */
lium_status cli_fleet_check(const struct cli_fleet *fl, size_t i, lium_error *err);

/* In an op: connect to target i, cancelled with the run. */
lium_status cli_fleet_connect(const struct cli_fleet *fl, size_t i, lium_fanout_ctx *ctx,
			      lium_ssh **out, lium_error *err);

/* A command's own members of target i's JSON result. */
typedef void (*cli_fleet_json_fn)(struct cli_json *j, size_t i, void *userdata);

/*
 * With --json the document {"results": [...], "ok": N, "failed": M}, each
 * result cli_fanout_json_result's members then extra's (extra may be NULL);
 * else cli_fanout_report.  Returns cli_fanout_exit.
 */
int cli_fleet_finish(const struct cli_fleet *fl, cli_fleet_json_fn extra, void *userdata);

/* Free what the fleet holds, its fan-out included, and zero it. */
void cli_fleet_close(struct cli_fleet *fl);

#endif /* LIUM_CLI_API_H */
