/*
 * lium: command-line tool for the Celium GPU marketplace.
 *
 * main() parses the global options, finds the command and runs it.  Help
 * and version never load the configuration or touch the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lium/api.h>
#include <lium/core.h>
#include <lium/utils.h>

#include "cli.h"

int cli_cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parser p;
	int c;

	cli_parser_init(&p, ctx, argc, argv, NULL, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		if (c == CLI_OPT_HELP) {
			cli_help_print(cli_command_find("version"), stdout);
			cli_parser_dispose(&p);
			return CLI_EXIT_OK;
		}
		cli_parser_dispose(&p);
		return CLI_EXIT_USAGE;
	}
	if (cli_parser_index(&p) < argc) {
		cli_parser_dispose(&p);
		return cli_usage_error("unexpected argument '%s'", argv[cli_parser_index(&p)]);
	}
	cli_parser_dispose(&p);
	if (cli_out.json) {
		printf("{\"lium\":\"%s\",\"liblium-core\":\"%s\",\"liblium-api\":\"%s\","
		       "\"liblium-utils\":\"%s\"}\n",
		       LIUM_VERSION_STRING, lium_version(NULL, NULL, NULL), lium_api_version(),
		       lium_utils_version());
	} else {
		printf("lium %s (liblium-core %s, liblium-api %s, liblium-utils %s)\n",
		       LIUM_VERSION_STRING, lium_version(NULL, NULL, NULL), lium_api_version(),
		       lium_utils_version());
	}
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *cmd;

	(void)ctx;
	if (argc < 2) {
		cli_help_main(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		argv[1] = (char *)"help";
	cmd = cli_command_find(argv[1]);
	if (!cmd)
		return cli_usage_error("no such command '%s'", argv[1]);
	cli_help_print(cmd, stdout);
	return CLI_EXIT_OK;
}

int cli_ctx_config(struct cli_ctx *ctx, struct cli_config **out)
{
	lium_error err;
	lium_status st;

	*out = NULL;
	if (!ctx->cfg) {
		st = cli_config_load(&ctx->cfg, ctx->profile, &err);
		if (st != LIUM_OK) {
			int code = st == LIUM_EPARSE || st == LIUM_EVALIDATION
					   ? CLI_EXIT_USAGE
					   : cli_exit_for_status(st);
			return cli_fail(code, "config", "%s", err.message);
		}
		if (cli_config_profile(ctx->cfg) && !ctx->allow_new_profile) {
			size_t n, i;
			const char *const *names = cli_config_profiles(ctx->cfg, &n);
			int found = 0;
			for (i = 0; i < n; i++)
				found |= strcmp(names[i], cli_config_profile(ctx->cfg)) == 0;
			if (!found) {
				lium_buf b = LIUM_BUF_INIT;
				for (i = 0; i < n; i++)
					lium_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
				cli_fail(CLI_EXIT_USAGE, "config",
					 "no profile '%s' in %s (profiles: %s)",
					 cli_config_profile(ctx->cfg), cli_config_path(ctx->cfg),
					 n ? lium_buf_cstr(&b) : "none");
				lium_buf_dispose(&b);
				cli_config_free(ctx->cfg);
				ctx->cfg = NULL;
				return CLI_EXIT_USAGE;
			}
		}
		if (ctx->api_url &&
		    cli_config_set_flag(ctx->cfg, "api.base_url", ctx->api_url, &err) != LIUM_OK) {
			cli_config_free(ctx->cfg);
			ctx->cfg = NULL;
			return cli_fail(CLI_EXIT_USAGE, "--api-url", "%s", err.message);
		}
		cli_output_init(ctx->no_color, cli_config_get(ctx->cfg, "ui.color"));
	}
	*out = ctx->cfg;
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"version", 'V', 0, 'V'}, {NULL, 0, 0, 0}};
	struct cli_ctx ctx;
	struct cli_parser p;
	const struct cli_command *cmd;
	int c, idx, rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.argv0 = argv[0];
	cli_output_init(0, NULL);

	cli_parser_init(&p, &ctx, argc, argv, opts, 1);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case 'V':
			cli_parser_dispose(&p);
			return cli_cmd_version(&ctx, 1, argv);
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_main(stdout);
			return CLI_EXIT_OK;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (idx >= argc) {
		cli_help_main(stderr);
		return CLI_EXIT_USAGE;
	}
	cmd = cli_command_find(argv[idx]);
	if (!cmd)
		return cli_usage_error("unknown command '%s'", argv[idx]);
	cli_out.command = cmd->name;
	if (!cmd->fn)
		return cli_fail(CLI_EXIT_FAIL, cmd->name, "not available in this build yet");
	rc = cmd->fn(&ctx, argc - idx, argv + idx);
	lium_client_free(ctx.client);
	cli_config_free(ctx.cfg);
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAIL;
	return rc;
}
