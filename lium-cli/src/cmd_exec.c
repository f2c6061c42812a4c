/*
 * lium exec TARGETS [CMD...] [--script FILE] [-e K=V]... [--timeout DUR]
 *           [--fail-fast] [--parallel N] [--json | --jsonl]
 *
 * Runs through liblium-utils' fan-out: every pod at once (bounded), output
 * streamed as whole lines prefixed with the pod's label, a result per pod.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_api.h"

enum { O_SCRIPT = 1, O_ENV, O_TIMEOUT, O_FAIL_FAST, O_PARALLEL, O_JSONL };

struct run {
	struct cli_fleet fl;
	lium_fanout_ssh_exec ex;
	int prefix; /* prefix lines with the label */
	int jsonl;
	lium_buf *out_text, *err_text; /* --json: collected output per target */
	int json;
};

static const enum cli_color label_colors[] = {CLI_C_CYAN, CLI_C_MAGENTA, CLI_C_BLUE, CLI_C_GREEN,
					      CLI_C_YELLOW};

static void on_line(const lium_fanout_line *line, void *userdata)
{
	struct run *r = userdata;
	FILE *f = line->stream == LIUM_FANOUT_STDERR ? stderr : stdout;
	lium_buf b = LIUM_BUF_INIT;

	if (r->json) {
		lium_buf *dst = line->stream == LIUM_FANOUT_STDERR ? &r->err_text[line->index]
								   : &r->out_text[line->index];
		lium_buf_put(dst, line->text, line->len);
		if (!line->partial)
			lium_buf_putc(dst, '\n');
		return;
	}
	if (r->jsonl) {
		char *text = lium_strndup(line->text, line->len);
		lium_buf_puts(&b, "{\"type\":\"line\",\"pod\":");
		cli_json_quote(&b, cli_fleet_pod(&r->fl, line->index)->huid);
		lium_buf_puts(&b, ",\"label\":");
		cli_json_quote(&b, line->label);
		lium_buf_printf(&b, ",\"stream\":\"%s\",\"text\":",
				line->stream == LIUM_FANOUT_STDERR ? "stderr" : "stdout");
		cli_json_quote(&b, text);
		lium_buf_puts(&b, "}\n");
		lium_free(text);
		f = stdout;
	} else if (r->prefix) {
		int tty = f == stdout ? cli_out.color : cli_out.color_err;
		enum cli_color c =
			label_colors[line->index % (sizeof label_colors / sizeof label_colors[0])];
		/* Composed first and written at once, so lines stay whole. */
		lium_buf_printf(&b, "%s%s%s: ", tty ? (f == stdout ? cli_c(c) : cli_ce(c)) : "",
				line->label, tty ? "\033[0m" : "");
		lium_buf_put(&b, line->text, line->len);
		lium_buf_putc(&b, '\n');
	} else {
		lium_buf_put(&b, line->text, line->len);
		if (!line->partial)
			lium_buf_putc(&b, '\n');
	}
	fwrite(b.ptr, 1, b.size, f);
	fflush(f);
	lium_buf_dispose(&b);
}

static lium_status exec_op(size_t index, lium_fanout_ctx *ctx, void *userdata, lium_error *err)
{
	struct run *r = userdata;
	lium_status st = cli_fleet_check(&r->fl, index, err);

	if (st != LIUM_OK)
		return st;
	return lium_fanout_ssh_exec_op(index, ctx, &r->ex, err);
}

/* --json: each result with the output it collected. */
static void json_output(struct cli_json *j, size_t i, void *userdata)
{
	const struct run *r = userdata;

	cli_json_kstring(j, "stdout", lium_buf_cstr(&r->out_text[i]));
	cli_json_kstring(j, "stderr", lium_buf_cstr(&r->err_text[i]));
}

/* --jsonl: a result line per pod (the output went out as it came), then the counts. */
static void print_jsonl_results(const struct cli_fleet *fl)
{
	size_t i, ok = 0;

	for (i = 0; i < fl->n; i++) {
		const lium_fanout_result *res = lium_fanout_result_at(fl->fanout, i);
		struct cli_json j;
		cli_json_init(&j, 0);
		cli_json_begin_object(&j);
		cli_json_kstring(&j, "type", "result");
		cli_fanout_json_result(&j, res, cli_fleet_pod(fl, i));
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
		ok += res->status == LIUM_OK;
	}
	printf("{\"type\":\"summary\",\"ok\":%zu,\"failed\":%zu}\n", ok, fl->n - ok);
}

static int valid_env(const char *kv)
{
	const char *eq = strchr(kv, '=');
	const char *p;

	if (!eq || eq == kv)
		return 0;
	if (!(isalpha((unsigned char)kv[0]) || kv[0] == '_'))
		return 0;
	for (p = kv; p < eq; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			return 0;
	return 1;
}

static int run_exec(struct cli_ctx *ctx, const char *spec, const char *command,
		    const char *const *env, unsigned int timeout_ms, int fail_fast,
		    unsigned long parallel, int jsonl)
{
	lium_fanout_options fo = LIUM_FANOUT_OPTIONS_INIT;
	lium_fanout_ssh_exec ex = LIUM_FANOUT_SSH_EXEC_INIT;
	struct run r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = cli_fleet_open(&r.fl, ctx, "exec", spec)) != 0)
		goto out;
	r.out_text = lium_calloc(r.fl.n, sizeof *r.out_text);
	r.err_text = lium_calloc(r.fl.n, sizeof *r.err_text);
	if (!r.out_text || !r.err_text) {
		rc = cli_fail(CLI_EXIT_FAIL, "exec", "out of memory");
		goto out;
	}
	ex.targets = r.fl.targets;
	ex.command = command;
	ex.env = env;
	ex.timeout_ms = timeout_ms;
	r.ex = ex;
	r.prefix = r.fl.n > 1;
	r.jsonl = jsonl;
	r.json = cli_out.json && !jsonl;

	fo.concurrency = (unsigned int)parallel; /* 0: exec.parallel */
	fo.fail_fast = fail_fast;
	fo.on_line = on_line;
	fo.line_userdata = &r;
	if ((rc = cli_fleet_run(&r.fl, &fo, exec_op, &r)) != 0)
		goto out;
	if (jsonl) {
		print_jsonl_results(&r.fl);
		rc = cli_fanout_exit(r.fl.fanout, r.fl.n);
	} else {
		rc = cli_fleet_finish(&r.fl, json_output, &r);
	}
	if (rc == CLI_EXIT_INTERRUPTED && !cli_out.json)
		cli_fail(rc, "exec", "interrupted; the commands were stopped");
out:
	if (r.out_text && r.err_text)
		for (i = 0; i < r.fl.n; i++) {
			lium_buf_dispose(&r.out_text[i]);
			lium_buf_dispose(&r.err_text[i]);
		}
	lium_free(r.out_text);
	lium_free(r.err_text);
	cli_fleet_close(&r.fl);
	return rc;
}

int cli_cmd_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"script", 's', 1, O_SCRIPT},
					      {"env", 'e', 1, O_ENV},
					      {"timeout", 0, 1, O_TIMEOUT},
					      {"fail-fast", 0, 0, O_FAIL_FAST},
					      {"parallel", 'P', 1, O_PARALLEL},
					      {"jsonl", 0, 0, O_JSONL},
					      {NULL, 0, 0, 0}};
	struct cli_parser p;
	struct cli_config *cfg;
	const char *script = NULL, *timeout = NULL, *targets = NULL;
	const char **env = lium_calloc((size_t)argc + 1, sizeof *env);
	size_t nenv = 0;
	unsigned long parallel = 0;
	unsigned int timeout_ms = 0;
	lium_buf cmd = LIUM_BUF_INIT;
	int c, pass, rc = 0, fail_fast = 0, jsonl = 0;
	char **av = argv;
	int ac = argc;

	if (!env)
		return cli_fail(CLI_EXIT_FAIL, "exec", "out of memory");
	/*
	 * Options before TARGETS and between TARGETS and CMD; everything from
	 * the first word of CMD on belongs to CMD.
	 */
	for (pass = 0; pass < 2; pass++) {
		int idx;
		cli_parser_init(&p, ctx, ac, av, opts, 1);
		while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
			switch (c) {
			case O_SCRIPT:
				script = p.arg;
				break;
			case O_ENV:
				if (!valid_env(p.arg)) {
					rc = cli_usage_error("-e: '%s' is not NAME=VALUE", p.arg);
					goto parsed;
				}
				env[nenv++] = p.arg;
				break;
			case O_TIMEOUT:
				timeout = p.arg;
				break;
			case O_FAIL_FAST:
				fail_fast = 1;
				break;
			case O_PARALLEL:
				if (cli_parse_uint("--parallel", p.arg, 1, 1024, &parallel) != 0) {
					rc = CLI_EXIT_USAGE;
					goto parsed;
				}
				break;
			case O_JSONL:
				jsonl = 1;
				break;
			case CLI_OPT_HELP:
				cli_parser_dispose(&p);
				lium_free(env);
				cli_help_print(cli_command_find("exec"), stdout);
				return 0;
			default:
				rc = CLI_EXIT_USAGE;
				goto parsed;
			}
		}
		idx = cli_parser_index(&p);
		cli_parser_dispose(&p);
		if (pass == 0) {
			if (idx >= ac) {
				rc = cli_usage_error("missing TARGETS");
				goto done;
			}
			targets = av[idx];
			/* The second pass sees TARGETS as its argv[0]. */
			av += idx;
			ac -= idx;
		} else {
			int i;
			for (i = idx; i < ac; i++)
				lium_buf_printf(&cmd, "%s%s", i > idx ? " " : "", av[i]);
		}
	}
	goto check;
parsed:
	cli_parser_dispose(&p);
	goto done;
check:
	if (script && cmd.size) {
		rc = cli_usage_error("give CMD or --script, not both");
		goto done;
	}
	if (!script && !cmd.size) {
		rc = cli_usage_error("missing CMD (or --script FILE)");
		goto done;
	}
	if (script) {
		lium_error err;
		if (cli_read_file(script, &cmd, &err) != LIUM_OK) {
			rc = cli_fail(CLI_EXIT_USAGE, "exec", "--script: %s", err.message);
			goto done;
		}
		if (!cmd.size) {
			rc = cli_usage_error("--script: %s is empty", script);
			goto done;
		}
	}
	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		goto done;
	if (!timeout)
		timeout = cli_config_get(cfg, "exec.timeout");
	if (timeout) {
		int64_t secs;
		if (lium_duration_parse(timeout, &secs, NULL) != LIUM_OK || secs > 30 * 86400) {
			rc = cli_usage_error("--timeout: invalid duration '%s' (e.g. 30s, 10m)",
					     timeout);
			goto done;
		}
		timeout_ms = (unsigned int)(secs * 1000);
	}
	rc = run_exec(ctx, targets, lium_buf_cstr(&cmd), nenv ? env : NULL, timeout_ms, fail_fast,
		      parallel, jsonl);
done:
	lium_buf_dispose(&cmd);
	lium_free(env);
	return rc;
}
