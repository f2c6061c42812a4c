/*
 * Unit tests of the CLI's output module: display widths, tables, the JSON
 * writer, colour decisions, exit codes; and of the listing state files.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

static void test_output__display_width(void **state)
{
	(void)state;
	assert_int_equal(cli_display_width("abc"), 3);
	assert_int_equal(cli_display_width(""), 0);
	assert_int_equal(cli_display_width(NULL), 0);
	/* U+00D7 MULTIPLICATION SIGN is one column, two bytes. */
	assert_int_equal(cli_display_width("8\xc3\x97H100"), 6);
	/* CJK is two columns per character. */
	assert_int_equal(cli_display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);
	/* e + COMBINING ACUTE ACCENT is one column. */
	assert_int_equal(cli_display_width("e\xcc\x81"), 1);
	/* BLACK STAR is one column; an emoji two. */
	assert_int_equal(cli_display_width("\xe2\x98\x85"), 1);
	assert_int_equal(cli_display_width("\xf0\x9f\x9a\x80"), 2);
	/* ANSI colour escapes take no room. */
	assert_int_equal(cli_display_width("\033[1;31mred\033[0m"), 3);
	/* An invalid byte still takes a column. */
	assert_int_equal(cli_display_width("a\xff"
					   "b"),
			 3);
}

static char *capture_table(const struct cli_table *t, int header)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cli_table_print(t, f, header, 2);
	fclose(f);
	return text;
}

static void test_output__table_aligns_utf8_columns(void **state)
{
	struct cli_table *t = cli_table_new(3);
	char *text;

	(void)state;
	memset(&cli_out, 0, sizeof cli_out);
	cli_table_column(t, 0, "Id", CLI_LEFT);
	cli_table_column(t, 1, "Config", CLI_LEFT);
	cli_table_column(t, 2, "$/h", CLI_RIGHT);
	cli_table_row(t);
	cli_table_cell(t, CLI_C_NONE, "\xe2\x98\x85 zesty-eagle-d2");
	cli_table_cell(t, CLI_C_NONE, "8\xc3\x97H100");
	cli_table_cell(t, CLI_C_GREEN, "%.2f", 16.8);
	cli_table_row(t);
	cli_table_cell(t, CLI_C_NONE, "  \xe6\x97\xa5\xe6\x9c\xac");
	cli_table_cell(t, CLI_C_NONE, "RTX4090");
	cli_table_cell(t, CLI_C_NONE, "%.2f", 0.32);
	assert_int_equal(cli_table_rows(t), 2);
	text = capture_table(t, 1);
	assert_string_equal(text, "Id                Config     $/h\n"
				  "\xe2\x98\x85 zesty-eagle-d2  8\xc3\x97H100   16.80\n"
				  "  \xe6\x97\xa5\xe6\x9c\xac            RTX4090   0.32\n");
	free(text);

	/* With colour on, escapes surround the cell but the padding is the same. */
	cli_out.color = 1;
	text = capture_table(t, 0);
	assert_non_null(strstr(text, "\033[32m16.80\033[0m"));
	assert_non_null(strstr(text, "RTX4090   0.32\n"));
	free(text);
	cli_out.color = 0;
	cli_table_free(t);
}

static char *json_of(struct cli_json *j)
{
	return lium_strdup(lium_buf_cstr(&j->buf));
}

static void test_output__json_writer_pretty_and_compact(void **state)
{
	struct cli_json j;
	char *s;

	(void)state;
	cli_json_init(&j, 0);
	cli_json_begin_object(&j);
	cli_json_kstring(&j, "name", "a\"b\\c\n\x01");
	cli_json_kint(&j, "n", -3);
	cli_json_knumber(&j, "price", 2.1);
	cli_json_knumber(&j, "nan", (double)NAN);
	cli_json_kbool(&j, "ok", 1);
	cli_json_kstring(&j, "none", NULL);
	cli_json_key(&j, "list");
	cli_json_begin_array(&j);
	cli_json_int(&j, 1);
	cli_json_begin_object(&j);
	cli_json_end_object(&j);
	cli_json_begin_array(&j);
	cli_json_end_array(&j);
	cli_json_end_array(&j);
	cli_json_ktime(&j, "t", 0);
	cli_json_ktime(&j, "never", LIUM_TIME_NONE);
	cli_json_end_object(&j);
	s = json_of(&j);
	assert_string_equal(s, "{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":-3,\"price\":2.1,"
			       "\"nan\":null,\"ok\":true,\"none\":null,\"list\":[1,{},[]],"
			       "\"t\":\"1970-01-01T00:00:00+00:00\",\"never\":null}");
	lium_free(s);
	cli_json_dispose(&j);

	cli_json_init(&j, 1);
	cli_json_begin_array(&j);
	cli_json_begin_object(&j);
	cli_json_kstring(&j, "config", "8\xc3\x97H100");
	cli_json_kstring(&j, "bad", "x\xff");
	cli_json_end_object(&j);
	cli_json_end_array(&j);
	s = json_of(&j);
	assert_string_equal(s, "[\n  {\n    \"config\": \"8\xc3\x97H100\",\n"
			       "    \"bad\": \"x\\ufffd\"\n  }\n]");
	lium_free(s);
	cli_json_dispose(&j);
}

static void test_output__json_numbers_round_trip(void **state)
{
	static const double values[] = {0.1, 16.8, 1e-7, 123456789.123, 2.0 / 3.0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct cli_json j;
		cli_json_init(&j, 0);
		cli_json_number(&j, values[i]);
		assert_true(strtod(lium_buf_cstr(&j.buf), NULL) == values[i]);
		cli_json_dispose(&j);
	}
}

static void test_output__color_rules(void **state)
{
	(void)state;
	/* The test's stdout is not a terminal under ctest. */
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	cli_output_init(0, "auto");
	assert_int_equal(cli_out.color, isatty(STDOUT_FILENO));
	cli_output_init(0, "always");
	assert_true(cli_out.color);
	assert_string_equal(cli_c(CLI_C_RED), "\033[31m");
	cli_output_init(1, "always");
	assert_false(cli_out.color);
	assert_string_equal(cli_c(CLI_C_RED), "");
	setenv("NO_COLOR", "1", 1);
	cli_output_init(0, "always");
	assert_false(cli_out.color);
	assert_false(cli_out.color_err);
	/* An empty NO_COLOR does not count (no-color.org). */
	setenv("NO_COLOR", "", 1);
	cli_output_init(0, "always");
	assert_true(cli_out.color);
	cli_output_init(0, "never");
	assert_false(cli_out.color);
	unsetenv("NO_COLOR");
	memset(&cli_out, 0, sizeof cli_out);
}

static void test_output__exit_codes(void **state)
{
	(void)state;
	assert_int_equal(cli_exit_for_status(LIUM_OK), 0);
	assert_int_equal(cli_exit_for_status(LIUM_EGENERIC), 1);
	assert_int_equal(cli_exit_for_status(LIUM_EINVAL), 2);
	assert_int_equal(cli_exit_for_status(LIUM_EAUTH), 3);
	assert_int_equal(cli_exit_for_status(LIUM_ENOTFOUND), 4);
	assert_int_equal(cli_exit_for_status(LIUM_EREMOTE), 5);
	assert_int_equal(cli_exit_for_status(LIUM_ETIMEOUT), 7);
	assert_int_equal(cli_exit_for_status(LIUM_EHTTP), 8);
	assert_int_equal(cli_exit_for_status(LIUM_ENETWORK), 8);
	assert_int_equal(cli_exit_for_status(LIUM_EVALIDATION), 9);
	assert_int_equal(cli_exit_for_status(LIUM_ECONFLICT), 9);
	assert_int_equal(cli_exit_for_status(LIUM_ECANCELLED), 130);
	assert_int_equal(cli_exit_for_status(LIUM_ESSH), 1);
	assert_string_equal(cli_exit_name(6), "partial");
	assert_string_equal(cli_exit_name(2), "usage");
}

static void test_output__json_error_on_stderr(void **state)
{
	char path[] = "/tmp/lium-errtest-XXXXXX";
	int fd = mkstemp(path), saved;
	lium_buf text = LIUM_BUF_INIT;

	(void)state;
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	memset(&cli_out, 0, sizeof cli_out);
	cli_out.json = 1;
	assert_int_equal(cli_fail(CLI_EXIT_NOTFOUND, "exec", "no pod matches '%s'", "x\"y"), 4);
	cli_out.json = 0;
	assert_int_equal(cli_fail(CLI_EXIT_AUTH, "ls", "invalid API key"), 3);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(cli_read_file(path, &text, NULL), LIUM_OK);
	assert_string_equal(lium_buf_cstr(&text),
			    "{\"error\":{\"code\":\"not_found\",\"exit\":4,\"what\":\"exec\","
			    "\"message\":\"no pod matches 'x\\\"y'\"}}\n"
			    "lium: ls: invalid API key\n");
	lium_buf_dispose(&text);
	unlink(path);
}

static void test_output__listing_round_trip(void **state)
{
	char dir[] = "/tmp/lium-statetest-XXXXXX";
	struct cli_listing l, back;
	char path[300];
	struct stat st;
	lium_error err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	memset(&l, 0, sizeof l);
	l.kind = lium_strdup("offers");
	l.when = 1780000000;
	assert_int_equal(cli_listing_add(&l, "id-1", "zesty-eagle-d2", "8\xc3\x97H100"), LIUM_OK);
	assert_int_equal(cli_listing_add(&l, "id \"2\"", "calm-fox-fa", "tab\there"), LIUM_OK);
	assert_int_equal(cli_listing_save(&l, &err), LIUM_OK);
	snprintf(path, sizeof path, "%s/lium/offers.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(cli_listing_load("offers", &back, &err), LIUM_OK);
	assert_int_equal(back.count, 2);
	assert_int_equal(back.when, 1780000000);
	assert_string_equal(back.rows[0].id, "id-1");
	assert_string_equal(back.rows[0].label, "8\xc3\x97H100");
	assert_string_equal(back.rows[1].id, "id \"2\"");
	assert_string_equal(back.rows[1].huid, "calm-fox-fa");
	assert_string_equal(back.rows[1].label, "tab\there");
	cli_listing_dispose(&back);
	cli_listing_dispose(&l);

	assert_int_equal(cli_listing_load("pods", &back, &err), LIUM_ENOTFOUND);
	unlink(path);
	snprintf(path, sizeof path, "%s/lium", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("XDG_STATE_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output__display_width),
		cmocka_unit_test(test_output__table_aligns_utf8_columns),
		cmocka_unit_test(test_output__json_writer_pretty_and_compact),
		cmocka_unit_test(test_output__json_numbers_round_trip),
		cmocka_unit_test(test_output__color_rules),
		cmocka_unit_test(test_output__exit_codes),
		cmocka_unit_test(test_output__json_error_on_stderr),
		cmocka_unit_test(test_output__listing_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
