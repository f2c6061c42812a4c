/*
 * lium logs POD [-n N] [-f]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_api.h"

enum { O_TAIL = 1, O_FOLLOW };

struct sink {
	struct cli_json *json; /* --json without -f: collect */
	int jsonl;             /* --json with -f: one object per line */
	int failed;
};

static int on_line(const char *line, size_t len, void *userdata)
{
	struct sink *s = userdata;

	if (s->json) {
		cli_json_string(s->json, line);
		return 0;
	}
	if (s->jsonl) {
		lium_buf b = LIUM_BUF_INIT;
		lium_buf_puts(&b, "{\"line\":");
		cli_json_quote(&b, line);
		lium_buf_puts(&b, "}\n");
		fputs(lium_buf_cstr(&b), stdout);
		lium_buf_dispose(&b);
	} else {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	}
	/* Followed logs must appear as they come, even into a pipe. */
	if (fflush(stdout) != 0) {
		s->failed = 1;
		return 1;
	}
	return 0;
}

int cli_cmd_logs(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"tail", 'n', 1, O_TAIL}, {"follow", 'f', 0, O_FOLLOW}, {NULL, 0, 0, 0}};
	lium_logs_options lo = LIUM_LOGS_OPTIONS_INIT;
	struct cli_parser p;
	lium_pod_list *pods = NULL;
	lium_client *client;
	size_t *sel = NULL, n = 0;
	unsigned long tail = 100;
	struct cli_json j;
	struct sink sink;
	lium_error err;
	lium_status st;
	const lium_pod *pod;
	int c, idx, rc, follow = 0;

	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_TAIL:
			if (cli_parse_uint("--tail", p.arg, 1, 1000000, &tail) != 0) {
				cli_parser_dispose(&p);
				return CLI_EXIT_USAGE;
			}
			break;
		case O_FOLLOW:
			follow = 1;
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("logs"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (idx >= argc)
		return cli_usage_error("missing POD");
	if (argc - idx > 1)
		return cli_usage_error("unexpected argument '%s'", argv[idx + 1]);
	if ((rc = cli_client(ctx, &client)) != 0)
		return rc;
	if ((rc = cli_pods_fetch(ctx, &pods)) != 0)
		return rc;
	if ((rc = cli_pods_select(pods, argv[idx], &sel, &n)) != 0)
		goto out;
	if (n != 1) {
		rc = cli_usage_error("logs takes one pod; '%s' names %zu", argv[idx], n);
		goto out;
	}
	pod = pods->items[sel[0]];
	lo.tail = (unsigned int)tail;
	lo.follow = follow;
	memset(&sink, 0, sizeof sink);
	if (cli_out.json && !follow) {
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_kstring(&j, "pod", pod->id);
		cli_json_kstring(&j, "huid", pod->huid);
		cli_json_key(&j, "lines");
		cli_json_begin_array(&j);
		sink.json = &j;
	} else if (cli_out.json) {
		sink.jsonl = 1;
	}
	if (follow) {
		cli_signals_install();
		cli_info("Following the logs of %s (%s); Ctrl-C to stop.", pod->huid,
			 pod->name ? pod->name : "");
	}
	st = lium_pods_logs(client, pod->id, &lo, on_line, &sink, &err);
	if (sink.json) {
		cli_json_end_array(&j);
		cli_json_end_object(&j);
		if (st == LIUM_OK)
			cli_json_print(&j, stdout);
		cli_json_dispose(&j);
	}
	if (st == LIUM_ECANCELLED || (st == LIUM_OK && cli_interrupted))
		rc = CLI_EXIT_INTERRUPTED;
	else if (st != LIUM_OK)
		rc = cli_api_fail(st, &err, "logs");
	else if (sink.failed)
		rc = CLI_EXIT_FAIL;
out:
	lium_free(sel);
	lium_pod_list_free(pods);
	return rc;
}
