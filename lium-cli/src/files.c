/*
 * Files: thin wrappers over liblium-utils' fs module with the CLI's
 * conventions (allocated strings, private files, parent directories made).
 */
#include <stdio.h>

#include <lium/utils/fs.h>

#include "cli.h"

/* Config and listings are small; anything bigger is not ours. */
#define CLI_MAX_FILE (4u * 1024u * 1024u)

static char *xdg(lium_fs_dir_kind kind)
{
	lium_buf b = LIUM_BUF_INIT;

	if (lium_fs_xdg_dir(kind, NULL, 0, &b, NULL) != LIUM_OK) {
		/* No home at all: fall back to a relative directory rather than abort. */
		lium_buf_clear(&b);
		lium_buf_puts(&b, ".lium");
	}
	return lium_buf_detach(&b);
}

char *cli_config_dir(void)
{
	return xdg(LIUM_FS_CONFIG);
}

char *cli_state_dir(void)
{
	return xdg(LIUM_FS_STATE);
}

char *cli_expand_home(const char *path)
{
	lium_buf b = LIUM_BUF_INIT;

	if (!path)
		return NULL;
	if (lium_fs_expand_user(path, &b, NULL) != LIUM_OK) {
		lium_buf_clear(&b);
		lium_buf_puts(&b, path);
	}
	return lium_buf_detach(&b);
}

int cli_mkdirs(const char *path, unsigned int mode, lium_error *err)
{
	return lium_fs_mkdirs(path, mode, err);
}

lium_status cli_read_file(const char *path, lium_buf *out, lium_error *err)
{
	lium_status st = lium_fs_read_file(path, CLI_MAX_FILE, out, err);

	if (st == LIUM_OK && !out->ptr && lium_buf_puts(out, "") != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return st;
}

int cli_write_file_atomic(const char *path, const char *data, size_t len, unsigned int mode,
			  lium_error *err)
{
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;

	o.mode = mode;
	o.create_dirs = 1;
	return lium_fs_write_atomic(path, data, len, &o, err);
}
