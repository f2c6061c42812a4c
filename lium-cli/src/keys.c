/*
 * The user's SSH key: finding or making one (ssh-keygen through the process
 * API), reading its public half, and registering it with the account once.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

static int exists(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0;
}

int cli_key_generate(const char *path, lium_error *err)
{
	lium_process_options po = LIUM_PROCESS_OPTIONS_INIT;
	lium_process_exit ex;
	lium_buf out = LIUM_BUF_INIT, dir = LIUM_BUF_INIT;
	const char *slash = strrchr(path, '/');
	const char *argv[] = {"ssh-keygen", "-q",   "-t", "ed25519", "-N", "",
			      "-C",         "lium", "-f", path,      NULL};
	lium_status st;

	if (slash && slash != path) {
		lium_buf_put(&dir, path, (size_t)(slash - path));
		st = lium_fs_mkdirs(lium_buf_cstr(&dir), 0700, err);
		lium_buf_dispose(&dir);
		if (st != LIUM_OK)
			return st;
	}
	po.stdin_mode = LIUM_PROCESS_NULL;
	po.stdout_mode = LIUM_PROCESS_CAPTURE;
	po.stdout_buf = &out;
	po.stderr_mode = LIUM_PROCESS_TO_STDOUT;
	po.timeout_ms = 60000;
	st = lium_process_run(argv, &po, &ex, err);
	if (st == LIUM_ENOTFOUND) {
		st = lium_error_set(err, LIUM_ENOTFOUND,
				    "ssh-keygen is not installed (apt-get install openssh-client)");
	} else if (st == LIUM_OK && !(ex.exited && ex.code == 0)) {
		st = lium_error_set(err, LIUM_EIO, "ssh-keygen failed: %s", lium_buf_cstr(&out));
	} else if (st == LIUM_OK) {
		/* ssh-keygen makes the key 0600; make sure, as the key is a secret. */
		chmod(path, 0600);
	}
	lium_buf_dispose(&out);
	return st;
}

char *cli_key_find(struct cli_ctx *ctx)
{
	return cli_ssh_key_path(ctx);
}

lium_status cli_key_public(const char *key_path, lium_buf *out, lium_error *err)
{
	lium_buf pub = LIUM_BUF_INIT, text = LIUM_BUF_INIT;
	lium_status st;
	char *line, *save = NULL;

	lium_buf_printf(&pub, "%s.pub", key_path);
	st = lium_fs_read_file(lium_buf_cstr(&pub), 65536, &text, NULL);
	lium_buf_dispose(&pub);
	if (st != LIUM_OK) {
		/* No .pub beside it: derive the public key from the private one. */
		lium_process_options po = LIUM_PROCESS_OPTIONS_INIT;
		lium_process_exit ex;
		const char *argv[] = {"ssh-keygen", "-y", "-f", key_path, NULL};
		lium_buf_clear(&text);
		po.stdin_mode = LIUM_PROCESS_NULL;
		po.stdout_mode = LIUM_PROCESS_CAPTURE;
		po.stdout_buf = &text;
		po.stderr_mode = LIUM_PROCESS_NULL;
		po.timeout_ms = 30000;
		st = lium_process_run(argv, &po, &ex, err);
		if (st == LIUM_OK && !(ex.exited && ex.code == 0))
			st = lium_error_set(
				err, LIUM_EIO,
				"cannot read the public key of %s (no %s.pub, and "
				"ssh-keygen -y failed; is it protected by a passphrase?)",
				key_path, key_path);
		if (st != LIUM_OK) {
			lium_buf_dispose(&text);
			return st;
		}
	}
	for (line = strtok_r(text.ptr ? text.ptr : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "ssh-", 4) == 0 || strncmp(line, "ecdsa-", 6) == 0) {
			size_t len = strlen(line);
			while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
				len--;
			lium_buf_put(out, line, len);
			lium_buf_dispose(&text);
			return LIUM_OK;
		}
	}
	lium_buf_dispose(&text);
	return lium_error_set(err, LIUM_EPARSE, "no public key found for %s", key_path);
}

/* "type base64" of a key line, without the comment. */
static size_t key_material(const char *line, const char **start)
{
	const char *p = line, *sp;

	while (*p == ' ')
		p++;
	*start = p;
	sp = strchr(p, ' ');
	if (!sp)
		return strlen(p);
	sp++;
	while (*sp && *sp != ' ' && *sp != '\n' && *sp != '\r')
		sp++;
	return (size_t)(sp - p);
}

int cli_key_same(const char *a, const char *b)
{
	const char *sa, *sb;
	size_t la, lb;

	if (!a || !b)
		return 0;
	la = key_material(a, &sa);
	lb = key_material(b, &sb);
	return la == lb && la > 0 && memcmp(sa, sb, la) == 0;
}

void cli_key_default_name(char *out, size_t outsz)
{
	char host[128] = "localhost";
	const char *user = getenv("USER");
	struct passwd *pw;
	size_t i;

	if (!user || !*user) {
		pw = getpwuid(getuid());
		user = pw && pw->pw_name ? pw->pw_name : "user";
	}
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	{
		/* The API takes names up to 64 characters; longer ones are cut. */
		lium_buf b = LIUM_BUF_INIT;
		size_t max = outsz > 65 ? 64 : outsz - 1;
		lium_buf_printf(&b, "cli-%s@%s", user, host);
		lium_buf_truncate(&b, max);
		memcpy(out, lium_buf_cstr(&b), b.size + 1);
		lium_buf_dispose(&b);
	}
	for (i = 0; out[i]; i++)
		if (!(isalnum((unsigned char)out[i]) || strchr("._@-", out[i])))
			out[i] = '-';
}

lium_status cli_key_register(lium_client *client, const char *public_key, const char *name,
			     int *registered, lium_error *err)
{
	lium_ssh_key_list *keys = NULL;
	lium_status st;
	size_t i;

	*registered = 0;
	st = lium_ssh_keys_list(client, &keys, err);
	if (st != LIUM_OK)
		return st;
	for (i = 0; i < keys->count; i++) {
		if (cli_key_same(keys->items[i]->public_key, public_key)) {
			lium_ssh_key_list_free(keys);
			return LIUM_OK;
		}
	}
	lium_ssh_key_list_free(keys);
	st = lium_ssh_keys_add(client, name, public_key, NULL, err);
	if (st == LIUM_OK)
		*registered = 1;
	return st;
}

int cli_key_exists(const char *path)
{
	return exists(path);
}
