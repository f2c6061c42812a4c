/*
 * lium config get|set|unset|show|path|edit|reset|keys
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lium/utils/process.h>

#include "cli.h"

enum { O_REVEAL = 1, O_YES };

static const char *type_name(enum cli_key_type t)
{
	switch (t) {
	case CLI_KT_SECRET:
		return "secret";
	case CLI_KT_URL:
		return "url";
	case CLI_KT_PATH:
		return "path";
	case CLI_KT_ENUM:
		return "choice";
	case CLI_KT_INT:
		return "integer";
	case CLI_KT_DURATION:
		return "duration";
	case CLI_KT_BOOL:
		return "boolean";
	case CLI_KT_NUMBER:
		return "number";
	case CLI_KT_STRING:
	default:
		return "string";
	}
}

/* The value as shown: secrets redacted unless reveal. */
static const char *shown(const struct cli_key *k, const char *v, int reveal, char *tmp,
			 size_t tmpsz)
{
	if (!v)
		return NULL;
	if (k->type == CLI_KT_SECRET && !reveal) {
		cli_redact(v, tmp, tmpsz);
		return tmp;
	}
	return v;
}

static int check_key(const char *key)
{
	lium_error err;

	if (cli_config_key(key))
		return 0;
	cli_config_validate(key, "x", &err);
	return cli_fail(CLI_EXIT_USAGE, "config", "%s", err.message);
}

static char *file_path(void)
{
	char *dir = cli_config_dir();
	lium_buf b = LIUM_BUF_INIT;

	lium_buf_printf(&b, "%s/config.yaml", dir);
	lium_free(dir);
	return lium_buf_detach(&b);
}

/* Load for reading and writing: a profile named by --profile may be new. */
static int load(struct cli_ctx *ctx, struct cli_config **cfg)
{
	lium_error err;
	lium_status st = cli_config_load(cfg, ctx->profile, &err);

	if (st != LIUM_OK) {
		int code = st == LIUM_EPARSE || st == LIUM_EVALIDATION ? CLI_EXIT_USAGE
								       : cli_exit_for_status(st);
		return cli_fail(code, "config", "%s", err.message);
	}
	if (ctx->api_url &&
	    cli_config_set_flag(*cfg, "api.base_url", ctx->api_url, &err) != LIUM_OK) {
		cli_config_free(*cfg);
		*cfg = NULL;
		return cli_fail(CLI_EXIT_USAGE, "--api-url", "%s", err.message);
	}
	return 0;
}

static int save(struct cli_config *cfg)
{
	lium_error err;

	if (cli_config_save(cfg, &err) != LIUM_OK)
		return cli_fail(CLI_EXIT_FAIL, "config", "%s", err.message);
	return 0;
}

static int cmd_get(struct cli_ctx *ctx, const char *key, int reveal)
{
	struct cli_config *cfg;
	const struct cli_key *k;
	const char *v;
	char tmp[64];
	int rc;

	if ((rc = check_key(key)) != 0)
		return rc;
	if ((rc = load(ctx, &cfg)) != 0)
		return rc;
	k = cli_config_key(key);
	v = shown(k, cli_config_get(cfg, key), reveal, tmp, sizeof tmp);
	if (cli_out.json) {
		struct cli_json j;
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_kstring(&j, "key", key);
		cli_json_kstring(&j, "value", v);
		cli_json_kstring(&j, "source", cli_source_name(cli_config_source(cfg, key)));
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
		rc = v ? 0 : CLI_EXIT_NOTFOUND;
	} else if (v) {
		printf("%s\n", v);
	} else {
		rc = cli_fail(CLI_EXIT_NOTFOUND, "config", "%s is not set", key);
	}
	cli_config_free(cfg);
	return rc;
}

static int cmd_set(struct cli_ctx *ctx, const char *key, const char *value)
{
	struct cli_config *cfg;
	const struct cli_key *k;
	char *asked = NULL;
	lium_error err;
	int rc;

	if ((rc = check_key(key)) != 0)
		return rc;
	k = cli_config_key(key);
	if (!value) {
		if (!cli_out.tty_in)
			return cli_usage_error("set %s: no value given (and stdin is not a "
					       "terminal to ask for one)",
					       key);
		asked = cli_prompt_line(k->type == CLI_KT_SECRET ? "Value (not echoed): "
								 : "Value: ",
					k->type == CLI_KT_SECRET);
		if (!asked || !*asked) {
			lium_free(asked);
			return cli_fail(CLI_EXIT_FAIL, "config",
					"no value entered; nothing "
					"changed");
		}
		value = asked;
	}
	if (cli_config_validate(key, value, &err) != LIUM_OK) {
		lium_free(asked);
		return cli_fail(CLI_EXIT_USAGE, "config", "%s", err.message);
	}
	if ((rc = load(ctx, &cfg)) != 0) {
		lium_free(asked);
		return rc;
	}
	if (cli_config_file_set(cfg, key, value, &err) != LIUM_OK)
		rc = cli_fail(cli_exit_for_status(err.code), "config", "%s", err.message);
	else
		rc = save(cfg);
	if (rc == 0 && cli_config_source(cfg, key) == CLI_SRC_ENV)
		cli_warn("%s is overridden by the environment", key);
	lium_free(asked);
	cli_config_free(cfg);
	return rc;
}

static int cmd_unset(struct cli_ctx *ctx, const char *key)
{
	struct cli_config *cfg;
	lium_error err;
	int rc;

	if ((rc = check_key(key)) != 0)
		return rc;
	if ((rc = load(ctx, &cfg)) != 0)
		return rc;
	if (!cli_config_file_value(cfg, key)) {
		cli_info("%s was not set in %s", key, cli_config_path(cfg));
		cli_config_free(cfg);
		return 0;
	}
	if (cli_config_file_set(cfg, key, NULL, &err) != LIUM_OK)
		rc = cli_fail(cli_exit_for_status(err.code), "config", "%s", err.message);
	else
		rc = save(cfg);
	cli_config_free(cfg);
	return rc;
}

static int cmd_show(struct cli_ctx *ctx, int reveal)
{
	struct cli_config *cfg;
	const struct cli_key *keys;
	size_t n, i, np;
	const char *const *profiles;
	char tmp[64];
	int rc;

	if ((rc = load(ctx, &cfg)) != 0)
		return rc;
	keys = cli_config_keys(&n);
	profiles = cli_config_profiles(cfg, &np);
	if (cli_out.json) {
		struct cli_json j;
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_kstring(&j, "path", cli_config_path(cfg));
		cli_json_kbool(&j, "exists", cli_config_file_exists(cfg));
		cli_json_kbool(&j, "imported_ini", cli_config_imported_ini(cfg));
		cli_json_kstring(&j, "profile", cli_config_profile(cfg));
		cli_json_key(&j, "profiles");
		cli_json_begin_array(&j);
		for (i = 0; i < np; i++)
			cli_json_string(&j, profiles[i]);
		cli_json_end_array(&j);
		cli_json_key(&j, "values");
		cli_json_begin_object(&j);
		for (i = 0; i < n; i++) {
			cli_json_key(&j, keys[i].name);
			cli_json_begin_object(&j);
			cli_json_kstring(&j, "value",
					 shown(&keys[i], cli_config_get(cfg, keys[i].name), reveal,
					       tmp, sizeof tmp));
			cli_json_kstring(&j, "source",
					 cli_source_name(cli_config_source(cfg, keys[i].name)));
			cli_json_end_object(&j);
		}
		cli_json_end_object(&j);
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
	} else {
		struct cli_table *t = cli_table_new(3);
		printf("# %s%s%s%s\n", cli_config_path(cfg),
		       cli_config_file_exists(cfg) ? "" : " (not created yet)",
		       cli_config_profile(cfg) ? ", profile " : "",
		       cli_config_profile(cfg) ? cli_config_profile(cfg) : "");
		if (cli_config_imported_ini(cfg))
			printf("# values from ~/.lium/config.ini (imported on the first change)\n");
		cli_table_column(t, 0, "KEY", CLI_LEFT);
		cli_table_column(t, 1, "VALUE", CLI_LEFT);
		cli_table_column(t, 2, "SOURCE", CLI_LEFT);
		for (i = 0; i < n; i++) {
			const char *v = shown(&keys[i], cli_config_get(cfg, keys[i].name), reveal,
					      tmp, sizeof tmp);
			cli_table_row(t);
			cli_table_cell(t, CLI_C_NONE, "%s", keys[i].name);
			cli_table_cell(t, v ? CLI_C_NONE : CLI_C_DIM, "%s", v ? v : "-");
			cli_table_cell(t, CLI_C_DIM, "%s",
				       cli_source_name(cli_config_source(cfg, keys[i].name)));
		}
		cli_table_print(t, stdout, 1, 2);
		cli_table_free(t);
		if (np) {
			printf("\nProfiles:");
			for (i = 0; i < np; i++)
				printf(" %s", profiles[i]);
			printf("\n");
		}
	}
	cli_config_free(cfg);
	return 0;
}

static int cmd_keys(void)
{
	const struct cli_key *keys;
	size_t n, i;

	keys = cli_config_keys(&n);
	if (cli_out.json) {
		struct cli_json j;
		cli_json_init(&j, 1);
		cli_json_begin_array(&j);
		for (i = 0; i < n; i++) {
			cli_json_begin_object(&j);
			cli_json_kstring(&j, "key", keys[i].name);
			cli_json_kstring(&j, "type", type_name(keys[i].type));
			cli_json_kstring(&j, "default", keys[i].deflt);
			cli_json_kstring(&j, "choices", keys[i].choices);
			cli_json_kstring(&j, "description", keys[i].help);
			cli_json_end_object(&j);
		}
		cli_json_end_array(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
	} else {
		struct cli_table *t = cli_table_new(4);
		cli_table_column(t, 0, "KEY", CLI_LEFT);
		cli_table_column(t, 1, "TYPE", CLI_LEFT);
		cli_table_column(t, 2, "DEFAULT", CLI_LEFT);
		cli_table_column(t, 3, "MEANING", CLI_LEFT);
		for (i = 0; i < n; i++) {
			cli_table_row(t);
			cli_table_cell(t, CLI_C_NONE, "%s", keys[i].name);
			if (keys[i].choices)
				cli_table_cell(t, CLI_C_NONE, "%s", keys[i].choices);
			else
				cli_table_cell(t, CLI_C_NONE, "%s", type_name(keys[i].type));
			cli_table_cell(t, CLI_C_NONE, "%s", keys[i].deflt ? keys[i].deflt : "-");
			cli_table_cell(t, CLI_C_NONE, "%s", keys[i].help);
		}
		cli_table_print(t, stdout, 1, 2);
		cli_table_free(t);
	}
	return 0;
}

/* Run the editor through the shell, as git does: $EDITOR may carry arguments. */
static int run_editor(const char *path)
{
	const char *editor = getenv("VISUAL");
	lium_buf cmd = LIUM_BUF_INIT;
	lium_process_exit ex;
	lium_error err;
	lium_status st;
	const char *argv[6];

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	lium_buf_printf(&cmd, "%s \"$1\"", editor);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = lium_buf_cstr(&cmd);
	argv[3] = "sh";
	argv[4] = path;
	argv[5] = NULL;
	st = lium_process_run(argv, NULL, &ex, &err);
	lium_buf_dispose(&cmd);
	if (st != LIUM_OK)
		return -1;
	return ex.exited ? ex.code : 128 + ex.signal;
}

static int cmd_edit(void)
{
	struct cli_config *cfg = NULL, *check = NULL;
	lium_buf text = LIUM_BUF_INIT, tmp = LIUM_BUF_INIT;
	lium_error err;
	int rc, fd;

	char *path = file_path();

	/* A broken file must stay editable: read it raw, without parsing. */
	if (cli_read_file(path, &text, NULL) != LIUM_OK) {
		lium_buf_clear(&text);
		if (cli_config_load(&cfg, NULL, NULL) == LIUM_OK) {
			cli_config_render(cfg, &text, NULL);
			cli_config_free(cfg);
		}
	}
	cfg = NULL;
	/* Edit a copy beside the file; it replaces the file only once it parses. */
	lium_buf_printf(&tmp, "%s.edit-XXXXXX", path);
	{
		char *dir = lium_strdup(path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		cli_mkdirs(dir, 0700, NULL);
		lium_free(dir);
	}
	fd = mkstemp(tmp.ptr);
	if (fd < 0 || fchmod(fd, 0600) != 0 ||
	    write(fd, lium_buf_cstr(&text), text.size) != (ssize_t)text.size) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp.ptr);
		}
		rc = cli_fail(CLI_EXIT_FAIL, "config", "cannot write a temporary copy: %s",
			      strerror(errno));
		goto out;
	}
	close(fd);
	rc = run_editor(tmp.ptr);
	if (rc != 0) {
		unlink(tmp.ptr);
		rc = cli_fail(CLI_EXIT_FAIL, "config",
			      "the editor failed (status %d); nothing "
			      "changed",
			      rc);
		goto out;
	}
	if (cli_config_load_from(&check, tmp.ptr, NULL, NULL, NULL, &err) != LIUM_OK) {
		rc = cli_fail(CLI_EXIT_USAGE, "config",
			      "%s; nothing changed (the edited copy is %s)", err.message, tmp.ptr);
		goto out;
	}
	if (rename(tmp.ptr, path) != 0) {
		rc = cli_fail(CLI_EXIT_FAIL, "config", "cannot replace %s: %s", path,
			      strerror(errno));
		unlink(tmp.ptr);
	}
out:
	cli_config_free(check);
	lium_free(path);
	lium_buf_dispose(&text);
	lium_buf_dispose(&tmp);
	return rc;
}

static int cmd_reset(int yes)
{
	char *path = file_path();
	struct stat st;
	int rc = 0;

	if (stat(path, &st) != 0) {
		cli_info("%s does not exist; nothing to reset", path);
		lium_free(path);
		return 0;
	}
	if (!yes) {
		char q[1200];
		snprintf(q, sizeof q, "Delete %s?", path);
		rc = cli_confirm(q);
		if (rc != 0) {
			lium_free(path);
			return rc;
		}
	}
	if (unlink(path) != 0)
		rc = cli_fail(CLI_EXIT_FAIL, "config", "cannot delete %s: %s", path,
			      strerror(errno));
	lium_free(path);
	return rc;
}

int cli_cmd_config(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"reveal", 0, 0, O_REVEAL},
		{"yes", 'y', 0, O_YES},
		{"confirm", 0, 0, O_YES}, /* the official CLI's spelling */
		{NULL, 0, 0, 0}};
	struct cli_parser p;
	int c, reveal = 0, yes = 0, idx, nargs;
	const char *sub;
	char **args;

	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_REVEAL:
			reveal = 1;
			break;
		case O_YES:
			yes = 1;
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("config"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (idx >= argc)
		return cli_usage_error("missing subcommand (get, set, unset, show, path, edit, "
				       "reset, keys)");
	sub = argv[idx];
	args = argv + idx + 1;
	nargs = argc - idx - 1;

#define NARGS(lo, hi, what)                                                                    \
	do {                                                                                   \
		if (nargs < (lo))                                                              \
			return cli_usage_error("%s: missing %s", sub, what);                   \
		if (nargs > (hi))                                                              \
			return cli_usage_error("%s: unexpected argument '%s'", sub, args[hi]); \
	} while (0)

	if (strcmp(sub, "get") == 0) {
		NARGS(1, 1, "KEY");
		return cmd_get(ctx, args[0], reveal);
	}
	if (strcmp(sub, "set") == 0) {
		NARGS(1, 2, "KEY");
		return cmd_set(ctx, args[0], nargs > 1 ? args[1] : NULL);
	}
	if (strcmp(sub, "unset") == 0) {
		NARGS(1, 1, "KEY");
		return cmd_unset(ctx, args[0]);
	}
	if (strcmp(sub, "show") == 0 || strcmp(sub, "list") == 0) {
		NARGS(0, 0, "");
		return cmd_show(ctx, reveal);
	}
	if (strcmp(sub, "path") == 0) {
		char *path;
		NARGS(0, 0, "");
		path = file_path();
		if (cli_out.json) {
			struct cli_json j;
			cli_json_init(&j, 1);
			cli_json_begin_object(&j);
			cli_json_kstring(&j, "path", path);
			cli_json_end_object(&j);
			cli_json_print(&j, stdout);
			cli_json_dispose(&j);
		} else {
			printf("%s\n", path);
		}
		lium_free(path);
		return 0;
	}
	if (strcmp(sub, "edit") == 0) {
		NARGS(0, 0, "");
		(void)ctx;
		return cmd_edit();
	}
	if (strcmp(sub, "reset") == 0) {
		NARGS(0, 0, "");
		return cmd_reset(yes);
	}
	if (strcmp(sub, "keys") == 0) {
		NARGS(0, 0, "");
		return cmd_keys();
	}
#undef NARGS
	return cli_usage_error("unknown subcommand '%s' (get, set, unset, show, path, edit, "
			       "reset, keys)",
			       sub);
}
