/*
 * Parsing of `ssh_connect_cmd` ("ssh root@203.0.113.10 -p 40022") into user,
 * host and port, following OpenSSH's own command-line rules closely enough
 * that any command the server could reasonably send is understood: options
 * before and after the destination, first value wins, ssh:// URLs.
 */
#include <string.h>

#include "lium/core/sshcmd.h"
#include "text_int.h"

/* Long enough for any user@host the fixed-size endpoint can hold plus an
 * ssh:// prefix and a port; longer words are rejected, not truncated. */
#define TOKEN_MAX 512

typedef struct token {
	char text[TOKEN_MAX];
	size_t len;
	size_t pos; /* byte offset of the word in the command */
	int too_long;
} token;

typedef struct parser {
	const char *cmd;
	size_t i;
	lium_error *err;
} parser;

#define fail(p, pos, ...) lium__parse_fail((p)->err, (pos), __VA_ARGS__)

static void tok_put(token *t, char c)
{
	if (t->len + 1 < TOKEN_MAX)
		t->text[t->len++] = c;
	else
		t->too_long = 1;
	t->text[t->len] = '\0';
}

/* Reads the next shell word, with POSIX sh quoting.  *got is 0 at the end. */
static lium_status next_token(parser *p, token *t, int *got)
{
	const char *s = p->cmd;
	size_t i = p->i;

	*got = 0;
	while (lium__is_space(s[i]))
		i++;
	if (s[i] == '\0') {
		p->i = i;
		return LIUM_OK;
	}
	t->len = 0;
	t->text[0] = '\0';
	t->pos = i;
	t->too_long = 0;
	while (s[i] && !lium__is_space(s[i])) {
		if (s[i] == '\'') {
			size_t q = i++;

			while (s[i] && s[i] != '\'')
				tok_put(t, s[i++]);
			if (s[i] != '\'')
				return fail(p, q, "unterminated single quote");
			i++;
		} else if (s[i] == '"') {
			size_t q = i++;

			while (s[i] && s[i] != '"') {
				if (s[i] == '\\' && s[i + 1] && strchr("\\\"$`\n", s[i + 1]))
					i++;
				tok_put(t, s[i++]);
			}
			if (s[i] != '"')
				return fail(p, q, "unterminated double quote");
			i++;
		} else if (s[i] == '\\') {
			if (s[i + 1] == '\0')
				return fail(p, i, "dangling backslash");
			tok_put(t, s[i + 1]);
			i += 2;
		} else {
			tok_put(t, s[i++]);
		}
	}
	p->i = i;
	if (t->too_long)
		return fail(p, t->pos, "word too long");
	*got = 1;
	return LIUM_OK;
}

static lium_status parse_port(parser *p, const char *text, size_t pos, unsigned int *port)
{
	unsigned long v = 0;
	size_t i;

	if (!text[0])
		return fail(p, pos, "expected a port number");
	for (i = 0; text[i]; i++) {
		if (!lium__is_digit(text[i]) || v > 65535)
			return fail(p, pos, "invalid port '%.16s' (expected 1-65535)", text);
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v < 1 || v > 65535)
		return fail(p, pos, "invalid port '%.16s' (expected 1-65535)", text);
	*port = (unsigned int)v;
	return LIUM_OK;
}

typedef struct result {
	lium_ssh_endpoint ep;
	int have_user, have_port, have_host;
} result;

static lium_status set_user(parser *p, result *r, const char *user, size_t len, size_t pos)
{
	size_t i;

	if (r->have_user)
		return LIUM_OK;
	if (len == 0)
		return fail(p, pos, "empty user name");
	if (len >= sizeof(r->ep.user))
		return fail(p, pos, "user name too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)user[i] < 0x21 || user[i] == 0x7f)
			return fail(p, pos, "invalid character in user name");
	memcpy(r->ep.user, user, len);
	r->ep.user[len] = '\0';
	r->have_user = 1;
	return LIUM_OK;
}

static lium_status set_host(parser *p, result *r, const char *host, size_t len, size_t pos)
{
	size_t i;

	if (len == 0)
		return fail(p, pos, "empty host name");
	if (len >= sizeof(r->ep.host))
		return fail(p, pos, "host name too long");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c < 0x21 || c == 0x7f || c == '/' || c == '@' || c == '[' || c == ']')
			return fail(p, pos, "invalid character in host name");
	}
	memcpy(r->ep.host, host, len);
	r->ep.host[len] = '\0';
	r->have_host = 1;
	return LIUM_OK;
}

/* [user@]host, [user@][v6], or ssh://[user@]host[:port][/] */
static lium_status parse_destination(parser *p, result *r, const token *t)
{
	const char *s = t->text, *at, *host, *end;
	size_t pos = t->pos;
	lium_status st;
	int uri = 0;

	if (t->len >= 6 && lium__lower(s[0]) == 's' && lium__lower(s[1]) == 's' &&
	    lium__lower(s[2]) == 'h' && s[3] == ':' && s[4] == '/' && s[5] == '/') {
		uri = 1;
		s += 6;
		pos += 6;
	}
	end = s + strlen(s);
	if (uri) {
		const char *slash = strchr(s, '/');

		/* A path after the authority is allowed by RFC 3986 but means
		 * nothing to ssh; only an empty one is accepted. */
		if (slash) {
			if (slash[1] != '\0')
				return fail(p, pos + (size_t)(slash - s),
					    "unexpected path in ssh:// URL");
			end = slash;
		}
	}
	/* The user ends at the last '@', as in OpenSSH. */
	at = NULL;
	{
		const char *c;

		for (c = s; c < end; c++)
			if (*c == '@')
				at = c;
	}
	host = s;
	if (at) {
		if ((st = set_user(p, r, s, (size_t)(at - s), pos)) != LIUM_OK)
			return st;
		host = at + 1;
	}
	if (host < end && *host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close)
			return fail(p, pos + (size_t)(host - s),
				    "expected ']' after the IPv6 address");
		if ((st = set_host(p, r, host + 1, (size_t)(close - host - 1),
				   pos + (size_t)(host - s) + 1)) != LIUM_OK)
			return st;
		host = close + 1;
		if (host == end)
			return LIUM_OK;
		if (!uri || *host != ':')
			return fail(p, pos + (size_t)(host - s),
				    "unexpected text after the IPv6 address");
	} else if (uri) {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		const char *hend = colon ? colon : end;

		if ((st = set_host(p, r, host, (size_t)(hend - host), pos + (size_t)(host - s))) !=
		    LIUM_OK)
			return st;
		host = hend;
		if (host == end)
			return LIUM_OK;
	} else {
		/* A bare IPv6 address ("root@2001:db8::1") is a valid ssh
		 * destination; a colon never introduces a port here. */
		return set_host(p, r, host, (size_t)(end - host), pos + (size_t)(host - s));
	}
	/* ":port" of a URL */
	{
		char port[16];
		size_t n = (size_t)(end - host - 1);
		unsigned int v = 0;

		if (n >= sizeof(port))
			n = sizeof(port) - 1;
		memcpy(port, host + 1, n);
		port[n] = '\0';
		if ((st = parse_port(p, port, pos + (size_t)(host - s) + 1, &v)) != LIUM_OK)
			return st;
		if (!r->have_port) {
			r->ep.port = v;
			r->have_port = 1;
		}
	}
	return LIUM_OK;
}

/* -o "Key=Value" / "Key Value": Port and User matter; the rest is ignored. */
static lium_status parse_o(parser *p, result *r, const char *arg, size_t pos)
{
	size_t k = 0, v;
	lium_status st;

	while (arg[k] && arg[k] != '=' && !lium__is_space(arg[k]))
		k++;
	if (k == 0)
		return fail(p, pos, "expected Key=Value after -o");
	v = k;
	while (lium__is_space(arg[v]))
		v++;
	if (arg[v] == '=')
		v++;
	while (lium__is_space(arg[v]))
		v++;
	if (lium__text_ncaseeq(arg, k, "port")) {
		unsigned int port = 0;

		if ((st = parse_port(p, arg + v, pos + v, &port)) != LIUM_OK)
			return st;
		if (!r->have_port) {
			r->ep.port = port;
			r->have_port = 1;
		}
	} else if (lium__text_ncaseeq(arg, k, "user")) {
		return set_user(p, r, arg + v, strlen(arg + v), pos + v);
	}
	return LIUM_OK;
}

/* OpenSSH's option letters: those that take an argument and those that do
 * not.  Anything else is an error, since we could not tell whether the next
 * word belongs to it. */
static const char ssh_arg_opts[] = "BbcDEeFIiJLlmOoPpQRSWw";
static const char ssh_flag_opts[] = "46AaCfGgKkMNnqsTtVvXxYy";

static lium_status parse_option(parser *p, result *r, token *t, int *consumed_next)
{
	size_t j;
	lium_status st;

	*consumed_next = 0;
	for (j = 1; j < t->len; j++) {
		char c = t->text[j];
		char arg[TOKEN_MAX];
		size_t argpos;

		if (strchr(ssh_flag_opts, c))
			continue;
		if (!strchr(ssh_arg_opts, c)) {
			char opt[3] = {'-', c, '\0'};

			return fail(p, t->pos + j, "unknown ssh option '%s'", opt);
		}
		if (t->text[j + 1]) {
			memcpy(arg, t->text + j + 1, t->len - j);
			argpos = t->pos + j + 1;
		} else {
			token next;
			int got;
			char opt[3] = {'-', c, '\0'};

			if ((st = next_token(p, &next, &got)) != LIUM_OK)
				return st;
			if (!got)
				return fail(p, t->pos + j, "option '%s' needs an argument", opt);
			memcpy(arg, next.text, next.len + 1);
			argpos = next.pos;
			*consumed_next = 1;
		}
		if (c == 'p') {
			unsigned int port = 0;

			if ((st = parse_port(p, arg, argpos, &port)) != LIUM_OK)
				return st;
			if (!r->have_port) {
				r->ep.port = port;
				r->have_port = 1;
			}
		} else if (c == 'l') {
			if ((st = set_user(p, r, arg, strlen(arg), argpos)) != LIUM_OK)
				return st;
		} else if (c == 'o') {
			if ((st = parse_o(p, r, arg, argpos)) != LIUM_OK)
				return st;
		}
		return LIUM_OK;
	}
	return LIUM_OK;
}

static int is_ssh_program(const token *t)
{
	const char *base = strrchr(t->text, '/');

	base = base ? base + 1 : t->text;
	return strcmp(base, "ssh") == 0 || strcmp(base, "ssh.exe") == 0;
}

lium_status lium_sshcmd_parse(const char *cmd, lium_ssh_endpoint *out, lium_error *err)
{
	parser p;
	result r;
	token t;
	int got, end_of_options = 0;
	lium_status st;

	if (!cmd || !out)
		return lium_error_set(err, LIUM_EINVAL, "no ssh command given");
	p.cmd = cmd;
	p.i = 0;
	p.err = err;
	memset(&r, 0, sizeof(r));

	if ((st = next_token(&p, &t, &got)) != LIUM_OK)
		return st;
	if (!got)
		return fail(&p, p.i, "expected an ssh command");
	if (!is_ssh_program(&t))
		return fail(&p, t.pos, "expected 'ssh'");

	for (;;) {
		if ((st = next_token(&p, &t, &got)) != LIUM_OK)
			return st;
		if (!got)
			break;
		if (!end_of_options && t.len > 1 && t.text[0] == '-') {
			int consumed;

			if (strcmp(t.text, "--") == 0) {
				end_of_options = 1;
				continue;
			}
			if ((st = parse_option(&p, &r, &t, &consumed)) != LIUM_OK)
				return st;
			continue;
		}
		if (r.have_host)
			break; /* the remote command starts here */
		if ((st = parse_destination(&p, &r, &t)) != LIUM_OK)
			return st;
		/* OpenSSH reads options again after the destination, up to the
		 * remote command; "--" only matters before it. */
		end_of_options = 0;
	}
	if (!r.have_host)
		return fail(&p, p.i, "expected a destination (user@host)");
	if (!r.have_user)
		memcpy(r.ep.user, "root", 5);
	if (!r.have_port)
		r.ep.port = 22;
	*out = r.ep;
	return LIUM_OK;
}
