/*
 * lium init [--api-key KEY] [--ssh-key PATH] [--key-name NAME]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

enum { O_API_KEY = 1, O_SSH_KEY, O_KEY_NAME };

int cli_cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"api-key", 0, 1, O_API_KEY},
					      {"ssh-key", 0, 1, O_SSH_KEY},
					      {"key-name", 0, 1, O_KEY_NAME},
					      {NULL, 0, 0, 0}};
	struct cli_parser p;
	struct cli_config *cfg;
	lium_client *client;
	lium_user *user = NULL;
	const char *api_key = NULL, *ssh_key = NULL, *key_name = NULL;
	char *asked = NULL, *key_path = NULL, name[80];
	lium_buf pub = LIUM_BUF_INIT;
	int c, idx, rc, save_key = 0, created = 0, registered = 0;
	lium_error err;
	lium_status st;

	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_API_KEY:
			api_key = p.arg;
			break;
		case O_SSH_KEY:
			ssh_key = p.arg;
			break;
		case O_KEY_NAME:
			key_name = p.arg;
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("init"), stdout);
			return 0;
		default:
			cli_parser_dispose(&p);
			return CLI_EXIT_USAGE;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	if (idx < argc)
		return cli_usage_error("unexpected argument '%s'", argv[idx]);
	if (api_key && cli_config_validate("api.api_key", api_key, &err) != LIUM_OK)
		return cli_usage_error("--api-key: %s", err.message);
	if (key_name && (!*key_name || strlen(key_name) > 64))
		return cli_usage_error("--key-name: 1 to 64 characters");

	ctx->allow_new_profile = 1;
	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		return rc;

	/* 1. The API key: the flag, else the configuration, else ask. */
	if (api_key) {
		save_key = 1;
	} else if (cli_config_get(cfg, "api.api_key")) {
		api_key = cli_config_get(cfg, "api.api_key");
	} else if (cli_out.tty_in) {
		asked = cli_prompt_line("Lium API key (https://lium.io/api-keys; not echoed): ", 1);
		if (!asked || !*asked) {
			rc = cli_fail(CLI_EXIT_USAGE, "init",
				      "no API key entered; nothing changed");
			goto out;
		}
		if (cli_config_validate("api.api_key", asked, &err) != LIUM_OK) {
			rc = cli_fail(CLI_EXIT_USAGE, "init", "%s", err.message);
			goto out;
		}
		api_key = asked;
		save_key = 1;
	} else {
		rc = cli_usage_error("no API key: pass --api-key KEY or set LIUM_API_KEY (stdin is "
				     "not a terminal, so lium does not ask)");
		goto out;
	}
	if ((rc = cli_client_with_key(ctx, api_key, &client)) != 0)
		goto out;
	cli_progress("Checking the API key...");
	st = lium_users_me(client, &user, &err);
	cli_progress_done();
	if (st != LIUM_OK) {
		rc = st == LIUM_EAUTH ? cli_fail(CLI_EXIT_AUTH, "init",
						 "the API key was rejected: %s", err.message)
				      : cli_api_fail(st, &err, "init");
		goto out;
	}

	/* 2. The SSH key: the flag, else the configured or usual one, else a new one. */
	if (ssh_key) {
		key_path = cli_expand_home(ssh_key);
	} else {
		key_path = cli_key_find(ctx);
		if (!key_path)
			key_path = cli_expand_home("~/.ssh/id_ed25519");
	}
	if (!cli_key_exists(key_path)) {
		cli_info("Creating an ed25519 SSH key at %s", key_path);
		if ((st = cli_key_generate(key_path, &err)) != LIUM_OK) {
			rc = cli_fail(cli_exit_for_status(st), "init", "%s", err.message);
			goto out;
		}
		created = 1;
	}
	if ((st = cli_key_public(key_path, &pub, &err)) != LIUM_OK) {
		rc = cli_fail(cli_exit_for_status(st), "init", "%s", err.message);
		goto out;
	}

	/* 3. Register it unless the account has it. */
	if (key_name)
		snprintf(name, sizeof name, "%s", key_name);
	else
		cli_key_default_name(name, sizeof name);
	cli_progress("Registering the SSH key...");
	st = cli_key_register(client, lium_buf_cstr(&pub), name, &registered, &err);
	cli_progress_done();
	if (st != LIUM_OK) {
		rc = cli_api_fail(st, &err, "init");
		goto out;
	}

	/* 4. Save what was chosen; the file is written once, atomically. */
	if (save_key && cli_config_file_set(cfg, "api.api_key", api_key, &err) != LIUM_OK) {
		rc = cli_fail(CLI_EXIT_USAGE, "init", "%s", err.message);
		goto out;
	}
	if (cli_config_file_set(cfg, "ssh.key_path", key_path, &err) != LIUM_OK) {
		rc = cli_fail(CLI_EXIT_USAGE, "init", "%s", err.message);
		goto out;
	}
	if (cli_config_save(cfg, &err) != LIUM_OK) {
		rc = cli_fail(CLI_EXIT_FAIL, "init", "%s", err.message);
		goto out;
	}

	if (cli_out.json) {
		struct cli_json j;
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_key(&j, "user");
		cli_json_begin_object(&j);
		cli_json_kstring(&j, "id", user->id);
		cli_json_kstring(&j, "email", user->email);
		cli_json_knumber(&j, "balance", user->balance);
		cli_json_end_object(&j);
		cli_json_kstring(&j, "ssh_key", key_path);
		cli_json_kstring(&j, "public_key", lium_buf_cstr(&pub));
		cli_json_kbool(&j, "key_created", created);
		cli_json_kbool(&j, "key_registered", registered);
		cli_json_kstring(&j, "key_name", registered ? name : NULL);
		cli_json_kstring(&j, "config", cli_config_path(cfg));
		cli_json_kstring(&j, "profile", cli_config_profile(cfg));
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
	} else if (!cli_out.quiet) {
		printf("API key:  ok (%s, balance $%.2f)\n", user->email ? user->email : "account",
		       user->balance);
		printf("SSH key:  %s%s\n", key_path, created ? " (new)" : "");
		printf("          %s\n", registered ? "registered with the account"
						    : "already registered with the account");
		printf("Config:   %s%s%s\n", cli_config_path(cfg),
		       cli_config_profile(cfg) ? ", profile " : "",
		       cli_config_profile(cfg) ? cli_config_profile(cfg) : "");
		printf("\nNext: lium ls, then lium up <row>\n");
	}
	rc = 0;
out:
	lium_user_free(user);
	lium_buf_dispose(&pub);
	lium_free(key_path);
	lium_free(asked);
	return rc;
}
