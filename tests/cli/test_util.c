/*
 * Unit tests of the CLI's option parser (global options merged into every
 * command, the stop-at-operand mode of exec and ssh) and number parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

enum { O_SORT = 1, O_YES };

static const struct cli_opt opts[] = {
	{"sort", 0, 1, O_SORT}, {"yes", 'y', 0, O_YES}, {NULL, 0, 0, 0}};

static int setup(void **state)
{
	(void)state;
	memset(&cli_out, 0, sizeof cli_out);
	/* Error messages go to stderr; keep the test output readable. */
	return 0;
}

static void test_util__global_options_anywhere(void **state)
{
	char *argv[] = {"ls",         "--json",    "gpu=H100", "-q", "--sort",
			"gpu",        "--profile", "work",     "-y", "--api-url=http://127.0.0.1:9",
			"--no-color", NULL};
	struct cli_ctx ctx;
	struct cli_parser p;
	int c, sort = 0, yes = 0;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	cli_out.color = 1;
	cli_parser_init(&p, &ctx, 11, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		if (c == O_SORT) {
			assert_string_equal(p.arg, "gpu");
			sort = 1;
		} else if (c == O_YES) {
			yes = 1;
		} else {
			fail_msg("unexpected option result %d", c);
		}
	}
	assert_true(sort && yes);
	assert_true(cli_out.json);
	assert_true(cli_out.quiet);
	assert_false(cli_out.color);
	assert_true(ctx.no_color);
	assert_string_equal(ctx.profile, "work");
	assert_string_equal(ctx.api_url, "http://127.0.0.1:9");
	/* The operand was moved behind the options. */
	assert_int_equal(cli_parser_index(&p), 10);
	assert_string_equal(argv[cli_parser_index(&p)], "gpu=H100");
	cli_parser_dispose(&p);
}

static void test_util__stop_at_operand_keeps_command_options(void **state)
{
	char *argv[] = {"exec", "-v", "all", "ls", "-la", "--json", NULL};
	struct cli_ctx ctx;
	struct cli_parser p;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	cli_parser_init(&p, &ctx, 6, argv, opts, 1);
	assert_int_equal(cli_parser_next(&p), CLI_OPT_END);
	assert_int_equal(cli_out.verbose, 1);
	assert_int_equal(cli_parser_index(&p), 2);
	cli_parser_dispose(&p);
	/* The second pass, from TARGETS on: `ls -la --json` is the command. */
	cli_parser_init(&p, &ctx, 4, argv + 2, opts, 1);
	assert_int_equal(cli_parser_next(&p), CLI_OPT_END);
	assert_int_equal(cli_parser_index(&p), 1);
	assert_false(cli_out.json);
	cli_parser_dispose(&p);
}

static void test_util__errors_and_help(void **state)
{
	char *unknown[] = {"ls", "--bogus", NULL};
	char *missing[] = {"ls", "--sort", NULL};
	char *help[] = {"ls", "-h", NULL};
	char *short_unknown[] = {"ls", "-Z", NULL};
	struct cli_ctx ctx;
	struct cli_parser p;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	cli_out.command = "ls";
	cli_parser_init(&p, &ctx, 2, unknown, opts, 0);
	assert_int_equal(cli_parser_next(&p), CLI_OPT_ERROR);
	cli_parser_dispose(&p);
	cli_parser_init(&p, &ctx, 2, missing, opts, 0);
	assert_int_equal(cli_parser_next(&p), CLI_OPT_ERROR);
	cli_parser_dispose(&p);
	cli_parser_init(&p, &ctx, 2, short_unknown, opts, 0);
	assert_int_equal(cli_parser_next(&p), CLI_OPT_ERROR);
	cli_parser_dispose(&p);
	cli_parser_init(&p, &ctx, 2, help, opts, 0);
	assert_int_equal(cli_parser_next(&p), CLI_OPT_HELP);
	cli_parser_dispose(&p);
}

static void test_util__numbers(void **state)
{
	unsigned long v = 0;
	double d = 0;

	(void)state;
	cli_out.command = "ls";
	assert_int_equal(cli_parse_uint("--limit", "5", 1, 10, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cli_parse_uint("--limit", "0", 1, 10, &v), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_uint("--limit", "11", 1, 10, &v), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_uint("--limit", "-1", 0, 10, &v), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_uint("--limit", "5x", 0, 10, &v), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_uint("--limit", "", 0, 10, &v), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_double("--max-price", "2.5", &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(cli_parse_double("--max-price", "cheap", &d), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_double("--max-price", "inf", &d), CLI_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_util__global_options_anywhere, setup),
		cmocka_unit_test_setup(test_util__stop_at_operand_keeps_command_options, setup),
		cmocka_unit_test_setup(test_util__errors_and_help, setup),
		cmocka_unit_test_setup(test_util__numbers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
