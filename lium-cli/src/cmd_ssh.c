/*
 * lium ssh TARGET [CMD...] [-- SSH-ARGS...]
 *
 * Hands the terminal over to OpenSSH (exec), with the pod's host key pinned:
 * UserKnownHostsFile is lium's own known_hosts, HostKeyAlias the pod id and
 * StrictHostKeyChecking=yes.  A pod never seen before is pinned first over
 * libssh (trust on first use), so OpenSSH always checks against a pin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_api.h"
#include "sshargs.h"

/* OpenSSH options that take a value (ssh(1) synopsis). */
static int ssh_opt_takes_value(char c)
{
	return c && strchr("BbcDEeFIiJLlmOoPpQRSWw", c) != NULL;
}

void cli_ssh_common_args(struct cli_argv *a, const char *key, const char *known_hosts,
			 const char *alias, unsigned int port)
{
	char portbuf[16];

	if (key) {
		cli_argv_add(a, "-i");
		cli_argv_add(a, key);
	}
	snprintf(portbuf, sizeof portbuf, "%u", port ? port : 22);
	cli_argv_add(a, "-p");
	cli_argv_add(a, portbuf);
	cli_argv_add(a, "-o");
	cli_argv_addf(a, "UserKnownHostsFile=%s", known_hosts);
	cli_argv_add(a, "-o");
	cli_argv_add(a, "GlobalKnownHostsFile=/dev/null");
	cli_argv_add(a, "-o");
	cli_argv_addf(a, "HostKeyAlias=%s", alias);
	cli_argv_add(a, "-o");
	cli_argv_add(a, "StrictHostKeyChecking=yes");
	cli_argv_add(a, "-o");
	cli_argv_add(a, "UpdateHostKeys=no");
	cli_argv_add(a, "-o");
	cli_argv_add(a, "CheckHostIP=no");
}

void cli_argv_add(struct cli_argv *a, const char *s)
{
	char **n;

	if (a->failed)
		return;
	n = lium_realloc(a->v, (a->n + 2) * sizeof *n);
	if (!n) {
		a->failed = 1;
		return;
	}
	a->v = n;
	a->v[a->n] = lium_strdup(s);
	if (!a->v[a->n])
		a->failed = 1;
	a->n++;
	a->v[a->n] = NULL;
}

void cli_argv_addf(struct cli_argv *a, const char *fmt, ...)
{
	lium_buf b = LIUM_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	lium_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cli_argv_add(a, lium_buf_cstr(&b));
	lium_buf_dispose(&b);
}

void cli_argv_dispose(struct cli_argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		lium_free(a->v[i]);
	lium_free(a->v);
	memset(a, 0, sizeof *a);
}

lium_status cli_pod_pin(struct cli_ctx *ctx, const lium_pod *pod, lium_error *err)
{
	lium_buf lines = LIUM_BUF_INIT;
	char *kh = cli_known_hosts_path();
	lium_ssh *ssh = NULL;
	lium_status st;

	st = lium_ssh_known_hosts_export(kh, pod->id, NULL, 0, &lines, NULL);
	lium_buf_dispose(&lines);
	lium_free(kh);
	if (st == LIUM_OK)
		return LIUM_OK;
	/* Not pinned yet: a libssh login pins it (and proves the key works). */
	st = cli_pod_connect(ctx, pod, -1, 20000, &ssh, err);
	lium_ssh_free(ssh);
	return st;
}

int cli_cmd_ssh(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parser p;
	struct cli_argv a;
	lium_pod_list *pods = NULL;
	size_t *sel = NULL, n = 0;
	const lium_pod *pod;
	lium_ssh_endpoint ep;
	char *key = NULL, *kh = NULL;
	const char *target;
	lium_error err;
	lium_status st;
	int c, idx, rc, i, dashdash = -1;

	/* Everything after TARGET is ssh's: lium options go before it. */
	cli_parser_init(&p, ctx, argc, argv, NULL, 1);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		cli_parser_dispose(&p);
		if (c == CLI_OPT_HELP) {
			cli_help_print(cli_command_find("ssh"), stdout);
			return 0;
		}
		return CLI_EXIT_USAGE;
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (idx >= argc)
		return cli_usage_error("missing TARGET");
	target = argv[idx];
	if (strcmp(target, "--") == 0)
		return cli_usage_error("missing TARGET before --");
	for (i = idx + 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}

	if ((rc = cli_pods_fetch(ctx, &pods)) != 0)
		return rc;
	if ((rc = cli_pods_select(pods, target, &sel, &n)) != 0)
		goto out;
	if (n != 1) {
		rc = cli_usage_error("ssh takes one pod; '%s' names %zu", target, n);
		goto out;
	}
	pod = pods->items[sel[0]];
	if (!pod->ssh_connect_cmd || !*pod->ssh_connect_cmd || pod->state != LIUM_POD_RUNNING) {
		rc = cli_fail(CLI_EXIT_FAIL, "ssh", "%s is %s and has no SSH access yet%s",
			      pod->huid, pod->status ? pod->status : "not running",
			      pod->state == LIUM_POD_PENDING || pod->state == LIUM_POD_STARTING
				      ? " (wait, or see 'lium ps')"
				      : "");
		goto out;
	}
	if (lium_sshcmd_parse(pod->ssh_connect_cmd, &ep, &err) != LIUM_OK) {
		rc = cli_fail(CLI_EXIT_API, "ssh", "%s: bad ssh_connect_cmd: %s", pod->huid,
			      err.message);
		goto out;
	}
	st = cli_pod_pin(ctx, pod, &err);
	if (st != LIUM_OK) {
		rc = cli_fail(cli_exit_for_status(st), "ssh", "%s: %s", pod->huid, err.message);
		goto out;
	}

	key = cli_ssh_key_path(ctx);
	kh = cli_known_hosts_path();
	memset(&a, 0, sizeof a);
	cli_argv_add(&a, "ssh");
	cli_ssh_common_args(&a, key, kh, pod->id, ep.port);
	/* After `--`: ssh's own options first, then the remote command. */
	i = dashdash >= 0 ? dashdash + 1 : argc;
	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *o = argv[i] + 1;
		int needs_value = 0;
		cli_argv_add(&a, argv[i]);
		/* A cluster such as -vL: a value letter takes the rest, or the next word. */
		for (; *o; o++)
			if (ssh_opt_takes_value(*o)) {
				needs_value = o[1] == '\0';
				break;
			}
		if (needs_value && i + 1 < argc)
			cli_argv_add(&a, argv[++i]);
		i++;
	}
	cli_argv_addf(&a, "%s@%s", ep.user, ep.host);
	/* Words between TARGET and `--` are the command, then what follows ssh's options. */
	{
		int end = dashdash >= 0 ? dashdash : argc;
		int j;
		for (j = idx + 1; j < end; j++)
			cli_argv_add(&a, argv[j]);
	}
	for (; i < argc; i++)
		cli_argv_add(&a, argv[i]);
	if (a.failed) {
		cli_argv_dispose(&a);
		rc = cli_fail(CLI_EXIT_FAIL, "ssh", "out of memory");
		goto out;
	}
	if (cli_out.verbose) {
		lium_buf line = LIUM_BUF_INIT;
		lium_process_format_argv((const char *const *)a.v, &line);
		fprintf(stderr, "%s+ %s%s\n", cli_ce(CLI_C_DIM), lium_buf_cstr(&line),
			cli_ce(CLI_C_RESET));
		lium_buf_dispose(&line);
	}
	lium_free(key);
	lium_free(kh);
	key = kh = NULL;
	lium_free(sel);
	sel = NULL;
	/* The pod list is not needed by ssh; free it before handing over. */
	lium_pod_list_free(pods);
	pods = NULL;
	lium_client_free(ctx->client);
	ctx->client = NULL;
	st = lium_process_exec((const char *const *)a.v, NULL, &err);
	cli_argv_dispose(&a);
	if (st == LIUM_ENOTFOUND)
		rc = cli_fail(CLI_EXIT_FAIL, "ssh", "OpenSSH's ssh is not installed (%s)",
			      err.message);
	else
		rc = cli_fail(cli_exit_for_status(st), "ssh", "%s", err.message);
out:
	lium_free(key);
	lium_free(kh);
	lium_free(sel);
	lium_pod_list_free(pods);
	return rc;
}
