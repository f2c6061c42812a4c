/*
 * Option parsing with the global options merged in, prompts, signals,
 * clocks and small parsers.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

enum { G_JSON = 0x10000, G_QUIET, G_VERBOSE, G_NO_COLOR, G_PROFILE, G_API_URL, G_HELP };

static const struct cli_opt global_opts[] = {{"json", 0, 0, G_JSON},
					     {"quiet", 'q', 0, G_QUIET},
					     {"verbose", 'v', 0, G_VERBOSE},
					     {"no-color", 0, 0, G_NO_COLOR},
					     {"no-colour", 0, 0, G_NO_COLOR},
					     {"profile", 0, 1, G_PROFILE},
					     {"api-url", 0, 1, G_API_URL},
					     {"help", 'h', 0, G_HELP},
					     {NULL, 0, 0, 0}};

struct parser_priv {
	struct option *longopts;
	int *ids; /* id per long option */
	int short_ids[256];
	char optstring[256];
};

static void add_opts(struct parser_priv *pp, size_t *n, size_t *so, const struct cli_opt *o)
{
	for (; o && (o->name || o->short_name); o++) {
		if (o->name) {
			pp->longopts[*n].name = o->name;
			pp->longopts[*n].has_arg = o->has_arg ? required_argument : no_argument;
			pp->longopts[*n].flag = NULL;
			pp->longopts[*n].val = 0x20000 + (int)*n;
			pp->ids[*n] = o->id;
			(*n)++;
		}
		if (o->short_name && *so + 3 < sizeof pp->optstring &&
		    !pp->short_ids[(unsigned char)o->short_name]) {
			pp->optstring[(*so)++] = (char)o->short_name;
			if (o->has_arg)
				pp->optstring[(*so)++] = ':';
			pp->short_ids[(unsigned char)o->short_name] = o->id;
		}
	}
}

void cli_parser_init(struct cli_parser *p, struct cli_ctx *ctx, int argc, char **argv,
		     const struct cli_opt *opts, int stop_at_operand)
{
	struct parser_priv *pp = lium_calloc(1, sizeof *pp);
	size_t n = 0, so = 0, total = 0;
	const struct cli_opt *o;

	memset(p, 0, sizeof *p);
	p->ctx = ctx;
	p->argc = argc;
	p->argv = argv;
	p->stop_at_operand = stop_at_operand;
	p->priv = pp;
	if (!pp)
		return;
	for (o = opts; o && (o->name || o->short_name); o++)
		total++;
	for (o = global_opts; o->name; o++)
		total++;
	pp->longopts = lium_calloc(total + 1, sizeof *pp->longopts);
	pp->ids = lium_calloc(total + 1, sizeof *pp->ids);
	if (!pp->longopts || !pp->ids)
		return;
	if (stop_at_operand)
		pp->optstring[so++] = '+';
	pp->optstring[so++] = ':';
	/* Command options first, so that they win over a global short letter. */
	add_opts(pp, &n, &so, opts);
	add_opts(pp, &n, &so, global_opts);
	pp->optstring[so] = '\0';
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
}

void cli_parser_dispose(struct cli_parser *p)
{
	struct parser_priv *pp = p->priv;

	if (!pp)
		return;
	lium_free(pp->longopts);
	lium_free(pp->ids);
	lium_free(pp);
	p->priv = NULL;
}

static int handle_global(struct cli_parser *p, int id)
{
	switch (id) {
	case G_JSON:
		cli_out.json = 1;
		return 1;
	case G_QUIET:
		cli_out.quiet = 1;
		return 1;
	case G_VERBOSE:
		cli_out.verbose++;
		return 1;
	case G_NO_COLOR:
		p->ctx->no_color = 1;
		cli_out.color = 0;
		cli_out.color_err = 0;
		return 1;
	case G_PROFILE:
		p->ctx->profile = optarg;
		return 1;
	case G_API_URL:
		p->ctx->api_url = optarg;
		return 1;
	default:
		return 0;
	}
}

int cli_parser_next(struct cli_parser *p)
{
	struct parser_priv *pp = p->priv;

	if (!pp || !pp->longopts)
		return CLI_OPT_ERROR;
	for (;;) {
		int longindex = -1;
		int c = getopt_long(p->argc, p->argv, pp->optstring, pp->longopts, &longindex);
		int id;

		if (c == -1)
			return CLI_OPT_END;
		if (c == '?') {
			if (optopt && optopt < 0x10000)
				cli_usage_error("unknown option '-%c'", optopt);
			else
				cli_usage_error("unknown option '%s'", p->argv[optind - 1]);
			return CLI_OPT_ERROR;
		}
		if (c == ':') {
			if (optopt && optopt < 0x10000)
				cli_usage_error("option '-%c' needs a value", optopt);
			else
				cli_usage_error("option '%s' needs a value", p->argv[optind - 1]);
			return CLI_OPT_ERROR;
		}
		if (c >= 0x20000)
			id = pp->ids[c - 0x20000];
		else
			id = pp->short_ids[(unsigned char)c];
		p->arg = optarg;
		if (id == G_HELP)
			return CLI_OPT_HELP;
		if (handle_global(p, id))
			continue;
		return id;
	}
}

int cli_parser_index(const struct cli_parser *p)
{
	(void)p;
	return optind;
}

int cli_parse_uint(const char *opt, const char *text, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!text || !*text || *text == '-' || *text == '+')
		return cli_usage_error("%s: '%s' is not a number", opt, text ? text : "");
	v = strtoul(text, &end, 10);
	if (errno || *end)
		return cli_usage_error("%s: '%s' is not a number", opt, text);
	if (v < min || v > max)
		return cli_usage_error("%s: %lu is out of range (%lu to %lu)", opt, v, min, max);
	*out = v;
	return 0;
}

int cli_parse_double(const char *opt, const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	if (!text || !*text)
		return cli_usage_error("%s: empty value", opt);
	v = strtod(text, &end);
	if (errno || *end || !isfinite(v))
		return cli_usage_error("%s: '%s' is not a number", opt, text);
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Prompts                                                              */
/* ------------------------------------------------------------------ */

static char *read_line(FILE *in)
{
	lium_buf b = LIUM_BUF_INIT;
	int c;

	while ((c = fgetc(in)) != EOF && c != '\n')
		lium_buf_putc(&b, (char)c);
	if (c == EOF && b.size == 0) {
		lium_buf_dispose(&b);
		return NULL;
	}
	return lium_buf_detach(&b);
}

int cli_confirm(const char *question)
{
	char *answer;
	int yes;

	if (!cli_out.tty_in)
		return cli_usage_error("'%s' needs a confirmation: pass -y (stdin is not a "
				       "terminal, so lium does not prompt)",
				       question);
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	answer = read_line(stdin);
	yes = answer &&
	      (strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0 || strcmp(answer, "yes") == 0 ||
	       strcmp(answer, "YES") == 0 || strcmp(answer, "Yes") == 0);
	lium_free(answer);
	if (cli_interrupted)
		return CLI_EXIT_INTERRUPTED;
	return yes ? 0 : CLI_EXIT_FAIL;
}

char *cli_prompt_line(const char *question, int secret)
{
	struct termios old, quiet;
	int restore = 0;
	char *line;

	if (!cli_out.tty_in)
		return NULL;
	fprintf(stderr, "%s", question);
	fflush(stderr);
	if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	line = read_line(stdin);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return line;
}

/* ------------------------------------------------------------------ */
/* Signals and clocks                                                   */
/* ------------------------------------------------------------------ */

volatile sig_atomic_t cli_interrupted;

static void (*volatile interrupt_hook)(void *);
static void *volatile interrupt_arg;

void cli_on_interrupt(void (*fn)(void *), void *arg)
{
	interrupt_hook = NULL;
	interrupt_arg = arg;
	interrupt_hook = fn;
}

static void on_signal(int sig)
{
	void (*fn)(void *) = interrupt_hook;

	(void)sig;
	cli_interrupted = 1;
	if (fn)
		fn(interrupt_arg);
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking reads and sleeps return so we can clean up. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

lium_time cli_now(void)
{
	return (lium_time)time(NULL);
}

int32_t cli_utc_offset(lium_time at)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	return (int32_t)tm.tm_gmtoff;
}
