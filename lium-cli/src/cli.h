/*
 * lium: shared declarations of the command-line tool (internal; every
 * function here is cli_*, the library calls are lium_*).
 */
#ifndef LIUM_CLI_H
#define LIUM_CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lium/core.h>

/* Exit codes: the table in the README and in lium(1). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_AUTH = 3,
	CLI_EXIT_NOTFOUND = 4,
	CLI_EXIT_REMOTE = 5,
	CLI_EXIT_PARTIAL = 6,
	CLI_EXIT_TIMEOUT = 7,
	CLI_EXIT_API = 8,
	CLI_EXIT_REFUSED = 9,
	CLI_EXIT_INTERRUPTED = 130
};

/* The exit code for a library status (the one table). */
int cli_exit_for_status(lium_status status);
/* Stable identifier of an exit code for JSON errors ("usage", "auth"). */
const char *cli_exit_name(int code);

/* ------------------------------------------------------------------ */
/* Output: colour, tables, JSON, messages.                             */
/* ------------------------------------------------------------------ */

enum cli_color {
	CLI_C_NONE = 0,
	CLI_C_RESET,
	CLI_C_BOLD,
	CLI_C_DIM,
	CLI_C_RED,
	CLI_C_GREEN,
	CLI_C_YELLOW,
	CLI_C_BLUE,
	CLI_C_MAGENTA,
	CLI_C_CYAN
};

/* Process-wide output settings, decided once in main(). */
struct cli_output {
	int color;           /* colour escapes on stdout */
	int color_err;       /* colour escapes on stderr */
	int json;            /* --json: machine output */
	int quiet;           /* -q: no informational messages */
	int verbose;         /* -v */
	int tty_out;         /* stdout is a terminal */
	int tty_err;         /* stderr is a terminal */
	int tty_in;          /* stdin is a terminal */
	const char *command; /* for messages: "ls" */
};

extern struct cli_output cli_out;

/*
 * Decide colour: mode is "auto", "always" or "never"; NO_COLOR (set and
 * non-empty) and no_color_flag always win.  Colour needs a terminal even
 * in "always" mode only when force_tty is 0.
 */
void cli_output_init(int no_color_flag, const char *mode);

/* The escape for a colour on stdout (or stderr), "" when colour is off. */
const char *cli_c(enum cli_color c);
const char *cli_ce(enum cli_color c);

/* Display width of UTF-8 text in terminal columns (ANSI escapes count 0). */
size_t cli_display_width(const char *s);
/* Width of one code point: 0, 1 or 2. */
int cli_codepoint_width(uint32_t cp);

/* Messages on stderr.  cli_info is silenced by -q and --json. */
void cli_info(const char *fmt, ...) LIUM_PRINTF_LIKE(1, 2);
void cli_warn(const char *fmt, ...) LIUM_PRINTF_LIKE(1, 2);
/*
 * Report a failure: `lium: <what>: <why>` on stderr, or in --json mode the
 * object {"error":{"code","exit","message","what"}}.  Returns code.
 */
int cli_fail(int code, const char *what, const char *fmt, ...) LIUM_PRINTF_LIKE(3, 4);
/* cli_fail() with the exit code and message of a library error. */
int cli_fail_status(lium_status st, const lium_error *err, const char *what);
/* A usage error for the current command, with the "Try" hint.  Returns 2. */
int cli_usage_error(const char *fmt, ...) LIUM_PRINTF_LIKE(1, 2);

/* A table printed with aligned columns. */
struct cli_table;

enum cli_align { CLI_LEFT = 0, CLI_RIGHT = 1 };

struct cli_table *cli_table_new(size_t ncols);
void cli_table_free(struct cli_table *t);
/* Column header and alignment. */
void cli_table_column(struct cli_table *t, size_t col, const char *header, enum cli_align align);
/* Start a new row; cells are then set left to right. */
int cli_table_row(struct cli_table *t);
/* Set the next cell of the current row (text is copied). */
int cli_table_cell(struct cli_table *t, enum cli_color color, const char *fmt, ...)
	LIUM_PRINTF_LIKE(3, 4);
/* Print header and rows; gap = spaces between columns. */
void cli_table_print(const struct cli_table *t, FILE *out, int header, size_t gap);
size_t cli_table_rows(const struct cli_table *t);

/* JSON writer into a lium_buf. */
struct cli_json {
	lium_buf buf;
	int pretty;
	int depth;
	int need_comma[64];
	int after_key;
	int failed;
};

void cli_json_init(struct cli_json *j, int pretty);
void cli_json_dispose(struct cli_json *j);
void cli_json_begin_object(struct cli_json *j);
void cli_json_end_object(struct cli_json *j);
void cli_json_begin_array(struct cli_json *j);
void cli_json_end_array(struct cli_json *j);
void cli_json_key(struct cli_json *j, const char *key);
void cli_json_string(struct cli_json *j, const char *s);
void cli_json_number(struct cli_json *j, double v);
void cli_json_int(struct cli_json *j, long long v);
void cli_json_bool(struct cli_json *j, int v);
void cli_json_null(struct cli_json *j);
/* A time as ISO 8601, or null for LIUM_TIME_NONE. */
void cli_json_time(struct cli_json *j, lium_time t);
/* key + value shorthands */
void cli_json_kstring(struct cli_json *j, const char *key, const char *s);
void cli_json_knumber(struct cli_json *j, const char *key, double v);
void cli_json_kint(struct cli_json *j, const char *key, long long v);
void cli_json_kbool(struct cli_json *j, const char *key, int v);
void cli_json_ktime(struct cli_json *j, const char *key, lium_time t);
/* Write the document and a newline; returns 0 or -1 on a write error. */
int cli_json_print(struct cli_json *j, FILE *out);
/*
 * A results document, {"results": [ one object per item ], "ok": N,
 * "failed": M}: _begin initialises j (pretty) and opens the array; _end
 * closes it with the counts, prints it on stdout and disposes j.
 */
void cli_json_results_begin(struct cli_json *j);
void cli_json_results_end(struct cli_json *j, size_t ok, size_t n);
/* Append a JSON string literal (quoted, escaped) to a buffer. */
void cli_json_quote(lium_buf *buf, const char *s);

/* Progress line on stderr, only on a terminal and not with -q/--json. */
void cli_progress(const char *fmt, ...) LIUM_PRINTF_LIKE(1, 2);
void cli_progress_done(void);

/* ------------------------------------------------------------------ */
/* Files and paths.                                                    */
/* ------------------------------------------------------------------ */

/* XDG base directories (with the spec's defaults); allocated strings. */
char *cli_config_dir(void);
char *cli_state_dir(void);
/* ~/... expansion; allocated. */
char *cli_expand_home(const char *path);
/* Write a whole file atomically with the given mode (temp + rename). */
int cli_write_file_atomic(const char *path, const char *data, size_t len, unsigned int mode,
			  lium_error *err);
/* Read a whole file (NUL-terminated).  LIUM_ENOTFOUND when missing. */
lium_status cli_read_file(const char *path, lium_buf *out, lium_error *err);
/* mkdir -p with mode for the new directories. */
int cli_mkdirs(const char *path, unsigned int mode, lium_error *err);

/* ------------------------------------------------------------------ */
/* Configuration.                                                      */
/* ------------------------------------------------------------------ */

enum cli_source {
	CLI_SRC_DEFAULT = 0,
	CLI_SRC_FILE,    /* config.yaml, top level */
	CLI_SRC_PROFILE, /* config.yaml, profiles.<name> */
	CLI_SRC_INI,     /* imported ~/.lium/config.ini */
	CLI_SRC_ENV,
	CLI_SRC_FLAG
};

enum cli_key_type {
	CLI_KT_STRING = 0,
	CLI_KT_SECRET,
	CLI_KT_URL,
	CLI_KT_PATH,
	CLI_KT_ENUM,
	CLI_KT_INT,
	CLI_KT_DURATION,
	CLI_KT_BOOL,
	CLI_KT_NUMBER
};

struct cli_key {
	const char *name; /* "api.api_key" */
	enum cli_key_type type;
	const char *deflt;   /* built-in default or NULL */
	const char *choices; /* for enums: "auto,always,never" */
	long min, max;       /* for ints */
	const char *env;     /* extra environment variable, e.g. LIUM_API_KEY */
	const char *help;
};

struct cli_config;

/* The known keys, NULL-terminated by name. */
const struct cli_key *cli_config_keys(size_t *count);
const struct cli_key *cli_config_key(const char *name);

/*
 * Load the layered configuration: defaults < file (top level, then the
 * profile) < environment < flags (set later with cli_config_set_flag).
 * profile may be NULL (then LIUM_PROFILE, else the top level only).
 * A missing file is fine; a malformed one is an error (LIUM_EPARSE with
 * "path:line: ...").  When the YAML file is missing and ~/.lium/config.ini
 * exists, it is read as the file layer.
 */
lium_status cli_config_load(struct cli_config **out, const char *profile, lium_error *err);
/* Load from explicit paths and an environment lookup (for tests). */
lium_status cli_config_load_from(struct cli_config **out, const char *yaml_path,
				 const char *ini_path, const char *profile,
				 const char *(*getenv_fn)(const char *), lium_error *err);
void cli_config_free(struct cli_config *cfg);

/* Effective value (NULL when unset) and where it came from. */
const char *cli_config_get(const struct cli_config *cfg, const char *key);
enum cli_source cli_config_source(const struct cli_config *cfg, const char *key);
const char *cli_source_name(enum cli_source src);
/* The value a file layer holds for a key in the selected profile (no env). */
const char *cli_config_file_value(const struct cli_config *cfg, const char *key);

/* Override from a command-line flag (highest layer). */
lium_status cli_config_set_flag(struct cli_config *cfg, const char *key, const char *value,
				lium_error *err);

/*
 * Check a value for a key: unknown keys and invalid values are
 * LIUM_EVALIDATION with the valid keys/values in the message.
 */
lium_status cli_config_validate(const char *key, const char *value, lium_error *err);

/* Change the file layer of the selected profile (value NULL = unset). */
lium_status cli_config_file_set(struct cli_config *cfg, const char *key, const char *value,
				lium_error *err);
/* Write the file layer back atomically (0600). */
lium_status cli_config_save(struct cli_config *cfg, lium_error *err);
/* Render the file layer as YAML (what save writes). */
lium_status cli_config_render(const struct cli_config *cfg, lium_buf *out, lium_error *err);

const char *cli_config_path(const struct cli_config *cfg);
const char *cli_config_profile(const struct cli_config *cfg);
int cli_config_file_exists(const struct cli_config *cfg);
int cli_config_imported_ini(const struct cli_config *cfg);
/* Names of the profiles in the file (borrowed; count out). */
const char *const *cli_config_profiles(const struct cli_config *cfg, size_t *count);

/* Redact a secret for display: first 4 + "…" + last 4, or "****". */
void cli_redact(const char *secret, char *out, size_t outsz);

/* ------------------------------------------------------------------ */
/* State: the last listings.                                           */
/* ------------------------------------------------------------------ */

struct cli_listing_row {
	char *id;
	char *huid;
	char *label; /* e.g. "8×H100" or the pod name */
};

struct cli_listing {
	char *kind;     /* "offers" or "pods" */
	lium_time when; /* when it was shown */
	struct cli_listing_row *rows;
	size_t count;
};

/* Save a listing to $XDG_STATE_HOME/lium/<kind>.json (atomic, 0600). */
lium_status cli_listing_save(const struct cli_listing *l, lium_error *err);
/* Load it; LIUM_ENOTFOUND when never saved. */
lium_status cli_listing_load(const char *kind, struct cli_listing *out, lium_error *err);
void cli_listing_dispose(struct cli_listing *l);
lium_status cli_listing_add(struct cli_listing *l, const char *id, const char *huid,
			    const char *label);

/* ------------------------------------------------------------------ */
/* Prompts and signals.                                                */
/* ------------------------------------------------------------------ */

/*
 * Ask a yes/no question on the terminal (default no).  Without a terminal
 * it prints a usage error telling to pass -y and returns CLI_EXIT_USAGE;
 * returns 0 when the answer was yes, CLI_EXIT_FAIL when no.
 */
int cli_confirm(const char *question);
/* Read a line from the terminal, hidden when secret; allocated or NULL. */
char *cli_prompt_line(const char *question, int secret);

/* Set by the SIGINT/SIGTERM handler. */
extern volatile sig_atomic_t cli_interrupted;
void cli_signals_install(void);
/*
 * Call fn(arg) from the SIGINT/SIGTERM handler (fn must be
 * async-signal-safe, e.g. lium_fanout_cancel); NULL removes it.
 */
void cli_on_interrupt(void (*fn)(void *), void *arg);

/* Current time (UTC seconds) and the local UTC offset. */
lium_time cli_now(void);
int32_t cli_utc_offset(lium_time at);

/* ------------------------------------------------------------------ */
/* Option parsing (getopt_long with the global options merged in).     */
/* ------------------------------------------------------------------ */

struct cli_opt {
	const char *name; /* long name, or NULL */
	int short_name;   /* short letter, or 0 */
	int has_arg;      /* 0 none, 1 required */
	int id;           /* value returned */
};

enum {
	CLI_OPT_END = -1,
	CLI_OPT_ERROR = -2, /* message printed: exit 2 */
	CLI_OPT_HELP = -3   /* --help given */
};

struct cli_ctx;

struct cli_parser {
	struct cli_ctx *ctx;
	int argc;
	char **argv;
	const char *arg;     /* the option's argument */
	int stop_at_operand; /* '+' mode */
	void *priv;
};

void cli_parser_init(struct cli_parser *p, struct cli_ctx *ctx, int argc, char **argv,
		     const struct cli_opt *opts, int stop_at_operand);
/* Next command option id; handles the global options itself. */
int cli_parser_next(struct cli_parser *p);
/* Index of the first operand after the options. */
int cli_parser_index(const struct cli_parser *p);
void cli_parser_dispose(struct cli_parser *p);

/* Parse helpers that print a usage error on failure (return 0 / 2). */
int cli_parse_uint(const char *opt, const char *text, unsigned long min, unsigned long max,
		   unsigned long *out);
int cli_parse_double(const char *opt, const char *text, double *out);

/* ------------------------------------------------------------------ */
/* Commands.                                                           */
/* ------------------------------------------------------------------ */

/* Global state of one run of lium. */
struct cli_ctx {
	const char *profile;
	const char *api_url;
	int no_color;
	struct cli_config *cfg;     /* loaded on demand */
	struct lium_client *client; /* created on demand (cli_api.h) */
	const char *argv0;
	int allow_new_profile; /* init: --profile may name a profile to create */
};

typedef int (*cli_cmd_fn)(struct cli_ctx *ctx, int argc, char **argv);

struct cli_command {
	const char *name;
	const char *alias;
	cli_cmd_fn fn;
	const char *summary;
	const char *usage; /* full help text (usage line first) */
};

/* The command table (terminated by a NULL name). */
extern const struct cli_command cli_commands[];
const struct cli_command *cli_command_find(const char *name);
void cli_help_print(const struct cli_command *cmd, FILE *out);
void cli_help_main(FILE *out);

/* The configuration, loaded on first use (prints errors; NULL on failure). */
int cli_ctx_config(struct cli_ctx *ctx, struct cli_config **out);

int cli_cmd_help(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_version(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_config(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_init(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ls(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_up(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ps(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_exec(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ssh(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_scp(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_rsync(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_down(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_reboot(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_logs(struct cli_ctx *ctx, int argc, char **argv);

#endif /* LIUM_CLI_H */
