/*
 * Unit tests of the CLI's configuration: layering, profiles, validation,
 * the YAML round trip and the import of the official config.ini.
 */
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

static char tmpdir[256];
static char yaml_path[300];
static char ini_path[300];

/* A fake environment: pairs of name, value. */
static const char *fake_env[16];

static const char *env_lookup(const char *name)
{
	size_t i;

	for (i = 0; i + 1 < sizeof fake_env / sizeof fake_env[0] && fake_env[i]; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lium-cfgtest-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(yaml_path, sizeof yaml_path, "%s/lium/config.yaml", tmpdir);
	snprintf(ini_path, sizeof ini_path, "%s/config.ini", tmpdir);
	memset(fake_env, 0, sizeof fake_env);
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct cli_config *load_ok(const char *profile)
{
	struct cli_config *cfg = NULL;
	lium_error err;
	lium_status st = cli_config_load_from(&cfg, yaml_path, ini_path, profile, env_lookup, &err);

	if (st != LIUM_OK)
		fail_msg("load failed: %s", err.message);
	return cfg;
}

static void write_yaml(const char *text)
{
	char dir[300];

	snprintf(dir, sizeof dir, "%s/lium", tmpdir);
	mkdir(dir, 0700);
	write_text(yaml_path, text);
}

static void test_config__defaults_without_file(void **state)
{
	struct cli_config *cfg = load_ok(NULL);

	(void)state;
	assert_string_equal(cli_config_get(cfg, "api.base_url"), "https://lium.io/api");
	assert_int_equal(cli_config_source(cfg, "api.base_url"), CLI_SRC_DEFAULT);
	assert_null(cli_config_get(cfg, "api.api_key"));
	assert_string_equal(cli_config_get(cfg, "ls.sort"), "download");
	assert_false(cli_config_file_exists(cfg));
	cli_config_free(cfg);
}

static void test_config__layers_file_profile_env_flag(void **state)
{
	struct cli_config *cfg;
	lium_error err;

	(void)state;
	write_yaml("api:\n"
		   "  api_key: top-key-0123456789\n"
		   "  base_url: http://127.0.0.1:9/api\n"
		   "ls:\n"
		   "  sort: price_gpu\n"
		   "profiles:\n"
		   "  work:\n"
		   "    api:\n"
		   "      api_key: work-key-0123456789\n");
	cfg = load_ok(NULL);
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "top-key-0123456789");
	assert_int_equal(cli_config_source(cfg, "api.api_key"), CLI_SRC_FILE);
	cli_config_free(cfg);

	/* The profile overrides the top level only where it says something. */
	cfg = load_ok("work");
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "work-key-0123456789");
	assert_int_equal(cli_config_source(cfg, "api.api_key"), CLI_SRC_PROFILE);
	assert_string_equal(cli_config_get(cfg, "ls.sort"), "price_gpu");
	cli_config_free(cfg);

	/* LIUM_PROFILE selects it too. */
	fake_env[0] = "LIUM_PROFILE";
	fake_env[1] = "work";
	cfg = load_ok(NULL);
	assert_string_equal(cli_config_profile(cfg), "work");
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "work-key-0123456789");
	cli_config_free(cfg);

	/* The environment beats the file: official names and LIUM_<SECTION>_<KEY>. */
	fake_env[2] = "LIUM_API_KEY";
	fake_env[3] = "env-key-0123456789";
	fake_env[4] = "LIUM_BASE_URL";
	fake_env[5] = "http://127.0.0.1:10/api";
	fake_env[6] = "LIUM_LS_SORT";
	fake_env[7] = "gpu";
	cfg = load_ok(NULL);
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "env-key-0123456789");
	assert_int_equal(cli_config_source(cfg, "api.api_key"), CLI_SRC_ENV);
	assert_string_equal(cli_config_get(cfg, "api.base_url"), "http://127.0.0.1:10/api");
	assert_string_equal(cli_config_get(cfg, "ls.sort"), "gpu");

	/* Flags beat everything. */
	assert_int_equal(cli_config_set_flag(cfg, "api.base_url", "http://127.0.0.1:11", &err),
			 LIUM_OK);
	assert_string_equal(cli_config_get(cfg, "api.base_url"), "http://127.0.0.1:11");
	assert_int_equal(cli_config_source(cfg, "api.base_url"), CLI_SRC_FLAG);
	assert_int_equal(cli_config_set_flag(cfg, "api.base_url", "ftp://x", &err),
			 LIUM_EVALIDATION);
	cli_config_free(cfg);
}

static void test_config__specific_env_name_wins_over_short(void **state)
{
	struct cli_config *cfg;

	(void)state;
	fake_env[0] = "LIUM_API_KEY";
	fake_env[1] = "short-name-key-01234";
	fake_env[2] = "LIUM_API_API_KEY";
	fake_env[3] = "long-name-key-012345";
	cfg = load_ok(NULL);
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "long-name-key-012345");
	cli_config_free(cfg);
}

static void test_config__bad_env_value_is_rejected(void **state)
{
	struct cli_config *cfg = NULL;
	lium_error err;

	(void)state;
	fake_env[0] = "LIUM_UI_COLOR";
	fake_env[1] = "sometimes";
	assert_int_equal(cli_config_load_from(&cfg, yaml_path, ini_path, NULL, env_lookup, &err),
			 LIUM_EVALIDATION);
	assert_null(cfg);
	assert_non_null(strstr(err.message, "LIUM_UI_COLOR"));
	assert_non_null(strstr(err.message, "auto, always, never"));
}

static void test_config__unknown_key_in_file_names_line_and_keys(void **state)
{
	struct cli_config *cfg = NULL;
	lium_error err;

	(void)state;
	write_yaml("api:\n  base_url: https://lium.io/api\nssh:\n  keypath: ~/.ssh/id\n");
	assert_int_equal(cli_config_load_from(&cfg, yaml_path, ini_path, NULL, env_lookup, &err),
			 LIUM_EPARSE);
	assert_null(cfg);
	assert_non_null(strstr(err.message, "config.yaml:4:"));
	assert_non_null(strstr(err.message, "unknown key 'ssh.keypath'"));
	assert_non_null(strstr(err.message, "ssh.key_path"));
}

static void test_config__invalid_value_in_file_is_rejected(void **state)
{
	struct cli_config *cfg = NULL;
	lium_error err;

	(void)state;
	write_yaml("ls:\n  sort: cheapest\n");
	assert_int_equal(cli_config_load_from(&cfg, yaml_path, ini_path, NULL, env_lookup, &err),
			 LIUM_EPARSE);
	assert_non_null(strstr(err.message, ":2:"));
	assert_non_null(strstr(err.message, "download, upload, price_gpu"));

	write_yaml("api: [1, 2\n");
	assert_int_equal(cli_config_load_from(&cfg, yaml_path, ini_path, NULL, env_lookup, &err),
			 LIUM_EPARSE);
	assert_non_null(strstr(err.message, "config.yaml:"));
}

static void test_config__validate_lists_valid_values(void **state)
{
	lium_error err;

	(void)state;
	assert_int_equal(cli_config_validate("ui.color", "always", &err), LIUM_OK);
	assert_int_equal(cli_config_validate("ui.color", "blue", &err), LIUM_EVALIDATION);
	assert_non_null(strstr(err.message, "auto, always, never"));
	assert_int_equal(cli_config_validate("nope", "x", &err), LIUM_EVALIDATION);
	assert_non_null(strstr(err.message, "api.api_key"));
	assert_int_equal(cli_config_validate("exec.parallel", "0", &err), LIUM_EVALIDATION);
	assert_non_null(strstr(err.message, "1 to 1024"));
	assert_int_equal(cli_config_validate("exec.parallel", "8", &err), LIUM_OK);
	assert_int_equal(cli_config_validate("up.wait_timeout", "1h30m", &err), LIUM_OK);
	assert_int_equal(cli_config_validate("up.wait_timeout", "soon", &err), LIUM_EVALIDATION);
	assert_int_equal(cli_config_validate("api.base_url", "lium.io", &err), LIUM_EVALIDATION);
	assert_int_equal(cli_config_validate("up.max_price", "-1", &err), LIUM_EVALIDATION);
	assert_int_equal(cli_config_validate("up.max_price", "2.5", &err), LIUM_OK);
	assert_int_equal(cli_config_validate("api.api_key", "", &err), LIUM_EVALIDATION);
}

static void test_config__save_round_trips_and_is_private(void **state)
{
	struct cli_config *cfg;
	struct stat st;
	lium_error err;
	const char *odd = "a: \"quoted\" # not a comment\\ \xc3\xa9";

	(void)state;
	cfg = load_ok(NULL);
	assert_int_equal(cli_config_file_set(cfg, "api.api_key", "k-0123456789abcdef", &err),
			 LIUM_OK);
	assert_int_equal(cli_config_file_set(cfg, "template.default_id", odd, &err), LIUM_OK);
	assert_int_equal(cli_config_file_set(cfg, "ui.color", "never", &err), LIUM_OK);
	assert_int_equal(cli_config_file_set(cfg, "ui.color", "purple", &err), LIUM_EVALIDATION);
	assert_int_equal(cli_config_save(cfg, &err), LIUM_OK);
	cli_config_free(cfg);

	assert_int_equal(stat(yaml_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	cfg = load_ok(NULL);
	assert_true(cli_config_file_exists(cfg));
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "k-0123456789abcdef");
	assert_string_equal(cli_config_get(cfg, "template.default_id"), odd);
	assert_string_equal(cli_config_get(cfg, "ui.color"), "never");

	/* Unset removes the key from the file. */
	assert_int_equal(cli_config_file_set(cfg, "ui.color", NULL, &err), LIUM_OK);
	assert_string_equal(cli_config_get(cfg, "ui.color"), "auto");
	assert_int_equal(cli_config_save(cfg, &err), LIUM_OK);
	cli_config_free(cfg);
	cfg = load_ok(NULL);
	assert_int_equal(cli_config_source(cfg, "ui.color"), CLI_SRC_DEFAULT);
	cli_config_free(cfg);
}

static void test_config__set_in_profile_keeps_top_level(void **state)
{
	struct cli_config *cfg;
	lium_error err;
	size_t n;
	const char *const *names;

	(void)state;
	write_yaml("api:\n  api_key: top-key-0123456789\n");
	cfg = load_ok("staging");
	assert_int_equal(cli_config_file_set(cfg, "api.base_url", "http://127.0.0.1:8/api", &err),
			 LIUM_OK);
	assert_int_equal(cli_config_save(cfg, &err), LIUM_OK);
	cli_config_free(cfg);

	cfg = load_ok(NULL);
	assert_string_equal(cli_config_get(cfg, "api.base_url"), "https://lium.io/api");
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "top-key-0123456789");
	names = cli_config_profiles(cfg, &n);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "staging");
	cli_config_free(cfg);

	cfg = load_ok("staging");
	assert_string_equal(cli_config_get(cfg, "api.base_url"), "http://127.0.0.1:8/api");
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "top-key-0123456789");
	cli_config_free(cfg);
}

static void test_config__imports_official_ini(void **state)
{
	struct cli_config *cfg;
	lium_error err;

	(void)state;
	write_text(ini_path, "[api]\n"
			     "api_key = ini-key-0123456789\n"
			     "\n"
			     "[ssh]\n"
			     "key_path = /home/u/.ssh/id_ed25519\n"
			     "[update]\n"
			     "auto_check = false\n"
			     "[ui]\n"
			     "theme = dark\n");
	cfg = load_ok(NULL);
	assert_true(cli_config_imported_ini(cfg));
	assert_false(cli_config_file_exists(cfg));
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "ini-key-0123456789");
	assert_int_equal(cli_config_source(cfg, "api.api_key"), CLI_SRC_INI);
	assert_string_equal(cli_config_get(cfg, "ssh.key_path"), "/home/u/.ssh/id_ed25519");
	assert_string_equal(cli_config_get(cfg, "ui.theme"), "dark");

	/* The first change writes everything out as YAML. */
	assert_int_equal(cli_config_file_set(cfg, "ls.sort", "gpu", &err), LIUM_OK);
	assert_int_equal(cli_config_save(cfg, &err), LIUM_OK);
	cli_config_free(cfg);
	cfg = load_ok(NULL);
	assert_false(cli_config_imported_ini(cfg));
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "ini-key-0123456789");
	assert_int_equal(cli_config_source(cfg, "api.api_key"), CLI_SRC_FILE);
	assert_string_equal(cli_config_get(cfg, "ls.sort"), "gpu");
	cli_config_free(cfg);
}

static void test_config__yaml_wins_over_ini(void **state)
{
	struct cli_config *cfg;

	(void)state;
	write_text(ini_path, "[api]\napi_key = ini-key-0123456789\n");
	write_yaml("api:\n  base_url: http://127.0.0.1:7\n");
	cfg = load_ok(NULL);
	assert_false(cli_config_imported_ini(cfg));
	assert_null(cli_config_get(cfg, "api.api_key"));
	cli_config_free(cfg);
}

static void test_config__flat_dotted_keys_and_nulls(void **state)
{
	struct cli_config *cfg;

	(void)state;
	write_yaml("api.api_key: \"dotted-0123456789\"\nssh:\n  key_path: ~\nprofiles:\n"
		   "  empty:\n");
	cfg = load_ok("empty");
	assert_string_equal(cli_config_get(cfg, "api.api_key"), "dotted-0123456789");
	assert_null(cli_config_get(cfg, "ssh.key_path"));
	cli_config_free(cfg);
}

static void test_config__redact(void **state)
{
	char out[64];

	(void)state;
	cli_redact("abcd0123456789wxyz", out, sizeof out);
	assert_string_equal(out, "abcd...wxyz");
	assert_null(strstr(out, "0123456789"));
	cli_redact("short", out, sizeof out);
	assert_string_equal(out, "****");
	cli_redact("", out, sizeof out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config__defaults_without_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__layers_file_profile_env_flag, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__specific_env_name_wins_over_short,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_config__bad_env_value_is_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_config__unknown_key_in_file_names_line_and_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config__invalid_value_in_file_is_rejected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_config__validate_lists_valid_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__save_round_trips_and_is_private, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__set_in_profile_keeps_top_level, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__imports_official_ini, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config__yaml_wins_over_ini, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config__flat_dotted_keys_and_nulls, setup,
						teardown),
		cmocka_unit_test(test_config__redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
