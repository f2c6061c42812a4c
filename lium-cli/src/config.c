/*
 * Configuration: $XDG_CONFIG_HOME/lium/config.yaml with named profiles,
 * layered as defaults < file (top level < profile) < LIUM_* environment <
 * flags.  The official CLI's ~/.lium/config.ini is read when no YAML file
 * exists, and written out as YAML by the first change.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "cli.h"

static const struct cli_key keys[] = {
	{"api.api_key", CLI_KT_SECRET, NULL, NULL, 0, 0, "LIUM_API_KEY",
	 "API key (https://lium.io/api-keys)"},
	{"api.base_url", CLI_KT_URL, "https://lium.io/api", NULL, 0, 0, "LIUM_BASE_URL",
	 "base URL of the Celium API"},
	{"api.timeout", CLI_KT_INT, "30", NULL, 1, 3600, NULL, "seconds per API request"},
	{"ssh.key_path", CLI_KT_PATH, NULL, NULL, 0, 0, NULL,
	 "private SSH key (default: ~/.ssh/id_ed25519, id_rsa or id_ecdsa)"},
	{"ui.color", CLI_KT_ENUM, "auto", "auto,always,never", 0, 0, NULL,
	 "colour on a terminal (NO_COLOR and --no-color always win)"},
	{"ui.theme", CLI_KT_ENUM, "auto", "auto,dark,light", 0, 0, NULL,
	 "kept for the official CLI's config"},
	{"ls.sort", CLI_KT_ENUM, "download", "download,upload,price_gpu,price_total,loc,id,gpu", 0,
	 0, NULL, "default sort key of lium ls"},
	{"ls.pareto", CLI_KT_STRING, NULL, NULL, 0, 0, NULL,
	 "metrics of the Pareto frontier of lium ls, e.g. price,vram,tflops or down~10"},
	{"template.default_id", CLI_KT_STRING, NULL, NULL, 0, 0, NULL,
	 "template lium up uses when -t is not given"},
	{"up.wait_timeout", CLI_KT_DURATION, "20m", NULL, 0, 0, NULL,
	 "how long lium up waits for a pod to accept SSH"},
	{"up.max_price", CLI_KT_NUMBER, NULL, NULL, 0, 0, NULL,
	 "refuse offers above this many USD per hour (lium up --max-price)"},
	{"exec.parallel", CLI_KT_INT, "64", NULL, 1, 1024, NULL,
	 "pods lium exec/scp/rsync work on at once"},
	{"exec.timeout", CLI_KT_DURATION, NULL, NULL, 0, 0, NULL,
	 "default time limit of lium exec per pod"},
};

#define NKEYS (sizeof keys / sizeof keys[0])

const struct cli_key *cli_config_keys(size_t *count)
{
	*count = NKEYS;
	return keys;
}

const struct cli_key *cli_config_key(const char *name)
{
	size_t i;

	for (i = 0; name && i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static size_t key_index(const struct cli_key *k)
{
	return (size_t)(k - keys);
}

struct entry {
	char *profile; /* NULL = top level */
	char *key;
	char *value;
};

struct cli_config {
	char *path;     /* the YAML file */
	char *ini_path; /* the official CLI's file */
	char *profile;  /* selected profile or NULL */
	int exists;     /* the YAML file exists */
	int from_ini;   /* file layer came from config.ini */
	struct entry *entries;
	size_t nentries;
	char **profiles; /* profile names in the file */
	size_t nprofiles;
	/* effective values */
	const char *value[NKEYS];
	enum cli_source source[NKEYS];
	char *owned[NKEYS]; /* values from env/flags */
};

const char *cli_source_name(enum cli_source src)
{
	switch (src) {
	case CLI_SRC_FILE:
		return "file";
	case CLI_SRC_PROFILE:
		return "profile";
	case CLI_SRC_INI:
		return "config.ini";
	case CLI_SRC_ENV:
		return "env";
	case CLI_SRC_FLAG:
		return "flag";
	case CLI_SRC_DEFAULT:
	default:
		return "default";
	}
}

/* ------------------------------------------------------------------ */
/* Validation                                                           */
/* ------------------------------------------------------------------ */

static void list_keys(lium_buf *b)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		lium_buf_printf(b, "%s%s", i ? ", " : "", keys[i].name);
}

static int in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

static lium_status validate_value(const struct cli_key *k, const char *v, lium_error *err)
{
	char *end;

	if (!v || !*v)
		return lium_error_set(err, LIUM_EVALIDATION, "%s: empty value", k->name);
	if (strchr(v, '\n') || strchr(v, '\r'))
		return lium_error_set(err, LIUM_EVALIDATION, "%s: value has a line break", k->name);
	switch (k->type) {
	case CLI_KT_ENUM:
		if (!in_choices(k->choices, v)) {
			lium_buf b = LIUM_BUF_INIT;
			const char *p;
			for (p = k->choices; *p; p++)
				lium_buf_puts(&b, *p == ',' ? ", " : (char[]){*p, 0});
			lium_error_set(err, LIUM_EVALIDATION, "%s: invalid value '%s' (valid: %s)",
				       k->name, v, lium_buf_cstr(&b));
			lium_buf_dispose(&b);
			return LIUM_EVALIDATION;
		}
		return LIUM_OK;
	case CLI_KT_INT: {
		long n;
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || *end || end == v || n < k->min || n > k->max)
			return lium_error_set(err, LIUM_EVALIDATION,
					      "%s: invalid value '%s' (valid: an integer from "
					      "%ld to %ld)",
					      k->name, v, k->min, k->max);
		return LIUM_OK;
	}
	case CLI_KT_NUMBER: {
		double d;
		errno = 0;
		d = strtod(v, &end);
		if (errno || *end || end == v || !(d > 0) || d > 1e9)
			return lium_error_set(err, LIUM_EVALIDATION,
					      "%s: invalid value '%s' (valid: a positive number)",
					      k->name, v);
		return LIUM_OK;
	}
	case CLI_KT_DURATION: {
		int64_t s;
		if (lium_duration_parse(v, &s, NULL) != LIUM_OK)
			return lium_error_set(err, LIUM_EVALIDATION,
					      "%s: invalid value '%s' (valid: a duration such as "
					      "90s, 20m, 1h30m, 2d)",
					      k->name, v);
		return LIUM_OK;
	}
	case CLI_KT_URL: {
		const char *host;
		if (strncmp(v, "http://", 7) == 0)
			host = v + 7;
		else if (strncmp(v, "https://", 8) == 0)
			host = v + 8;
		else
			host = NULL;
		if (!host || !*host || *host == '/' || strpbrk(v, " \t?#"))
			return lium_error_set(err, LIUM_EVALIDATION,
					      "%s: invalid value '%s' (valid: an http:// or "
					      "https:// URL)",
					      k->name, v);
		return LIUM_OK;
	}
	case CLI_KT_BOOL:
		if (!in_choices("true,false,yes,no,on,off,1,0", v))
			return lium_error_set(err, LIUM_EVALIDATION,
					      "%s: invalid value '%s' (valid: true, false)",
					      k->name, v);
		return LIUM_OK;
	case CLI_KT_SECRET:
		if (strpbrk(v, " \t"))
			return lium_error_set(err, LIUM_EVALIDATION,
					      "%s: invalid value (contains blanks)", k->name);
		return LIUM_OK;
	case CLI_KT_PATH:
	case CLI_KT_STRING:
	default:
		return LIUM_OK;
	}
}

lium_status cli_config_validate(const char *key, const char *value, lium_error *err)
{
	const struct cli_key *k = cli_config_key(key);

	if (!k) {
		lium_buf b = LIUM_BUF_INIT;
		list_keys(&b);
		lium_error_set(err, LIUM_EVALIDATION, "unknown key '%s' (valid keys: %s)",
			       key ? key : "", lium_buf_cstr(&b));
		lium_buf_dispose(&b);
		return LIUM_EVALIDATION;
	}
	return validate_value(k, value, err);
}

/* ------------------------------------------------------------------ */
/* The file layer                                                       */
/* ------------------------------------------------------------------ */

static int same_profile(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static struct entry *find_entry(const struct cli_config *cfg, const char *profile, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->nentries; i++)
		if (same_profile(cfg->entries[i].profile, profile) &&
		    strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	return NULL;
}

static int has_profile(const struct cli_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i], name) == 0)
			return 1;
	return 0;
}

static lium_status add_profile(struct cli_config *cfg, const char *name)
{
	char **n;

	if (has_profile(cfg, name))
		return LIUM_OK;
	n = lium_realloc(cfg->profiles, (cfg->nprofiles + 1) * sizeof *n);
	if (!n)
		return LIUM_ENOMEM;
	cfg->profiles = n;
	n[cfg->nprofiles] = lium_strdup(name);
	if (!n[cfg->nprofiles])
		return LIUM_ENOMEM;
	cfg->nprofiles++;
	return LIUM_OK;
}

static lium_status put_entry(struct cli_config *cfg, const char *profile, const char *key,
			     const char *value)
{
	struct entry *e = find_entry(cfg, profile, key);
	char *v;

	if (!value) {
		if (e) {
			lium_free(e->profile);
			lium_free(e->key);
			lium_free(e->value);
			*e = cfg->entries[--cfg->nentries];
		}
		return LIUM_OK;
	}
	v = lium_strdup(value);
	if (!v)
		return LIUM_ENOMEM;
	if (e) {
		lium_free(e->value);
		e->value = v;
		return LIUM_OK;
	}
	e = lium_realloc(cfg->entries, (cfg->nentries + 1) * sizeof *e);
	if (!e) {
		lium_free(v);
		return LIUM_ENOMEM;
	}
	cfg->entries = e;
	e = &cfg->entries[cfg->nentries];
	e->profile = profile ? lium_strdup(profile) : NULL;
	e->key = lium_strdup(key);
	e->value = v;
	if (!e->key || (profile && !e->profile)) {
		lium_free(e->profile);
		lium_free(e->key);
		lium_free(e->value);
		return LIUM_ENOMEM;
	}
	cfg->nentries++;
	if (profile)
		return add_profile(cfg, profile);
	return LIUM_OK;
}

/* ------------------------------------------------------------------ */
/* YAML reading                                                         */
/* ------------------------------------------------------------------ */

struct yctx {
	struct cli_config *cfg;
	yaml_document_t *doc;
	const char *path;
	lium_error *err;
};

static lium_status yfail(struct yctx *y, yaml_node_t *n, const char *fmt, ...)
	LIUM_PRINTF_LIKE(3, 4);

static lium_status yfail(struct yctx *y, yaml_node_t *n, const char *fmt, ...)
{
	char msg[LIUM_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return lium_error_set(y->err, LIUM_EPARSE, "%s:%lu: %s", y->path,
			      n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int is_null_scalar(yaml_node_t *n)
{
	const char *s = scalar(n);

	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

static lium_status yaml_value(struct yctx *y, const char *profile, const char *key, yaml_node_t *vn)
{
	const struct cli_key *k = cli_config_key(key);
	lium_error verr;
	lium_status st;

	if (!k) {
		lium_buf b = LIUM_BUF_INIT;
		list_keys(&b);
		st = yfail(y, vn, "unknown key '%s' (valid keys: %s)", key, lium_buf_cstr(&b));
		lium_buf_dispose(&b);
		return st;
	}
	if (is_null_scalar(vn))
		return LIUM_OK;
	if (!scalar(vn))
		return yfail(y, vn, "%s: expected a single value", key);
	if (validate_value(k, scalar(vn), &verr) != LIUM_OK)
		return yfail(y, vn, "%s", verr.message);
	st = put_entry(y->cfg, profile, key, scalar(vn));
	return st == LIUM_OK ? LIUM_OK : lium_error_set(y->err, st, "out of memory");
}

/* A mapping of `section: {option: value}` or `section.option: value`. */
static lium_status yaml_settings(struct yctx *y, const char *profile, yaml_node_t *map, int top)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "expected a mapping of settings");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(y->doc, p->value);
		const char *k = scalar(kn);
		lium_status st;

		if (!k)
			return yfail(y, kn, "expected a key");
		if (top && strcmp(k, "profiles") == 0) {
			yaml_node_pair_t *q;
			if (is_null_scalar(vn))
				continue;
			if (vn->type != YAML_MAPPING_NODE)
				return yfail(y, vn, "profiles: expected a mapping of names");
			for (q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top;
			     q++) {
				yaml_node_t *pn = yaml_document_get_node(y->doc, q->key);
				yaml_node_t *pv = yaml_document_get_node(y->doc, q->value);
				const char *name = scalar(pn);
				if (!name || !*name)
					return yfail(y, pn, "profiles: expected a name");
				if (add_profile(y->cfg, name) != LIUM_OK)
					return lium_error_set(y->err, LIUM_ENOMEM, "out of memory");
				if (is_null_scalar(pv))
					continue;
				st = yaml_settings(y, name, pv, 0);
				if (st != LIUM_OK)
					return st;
			}
			continue;
		}
		if (!strchr(k, '.') && vn->type == YAML_MAPPING_NODE) {
			yaml_node_pair_t *q;
			st = LIUM_OK;
			for (q = vn->data.mapping.pairs.start;
			     st == LIUM_OK && q < vn->data.mapping.pairs.top; q++) {
				yaml_node_t *on = yaml_document_get_node(y->doc, q->key);
				yaml_node_t *ov = yaml_document_get_node(y->doc, q->value);
				lium_buf full = LIUM_BUF_INIT;
				if (!scalar(on))
					return yfail(y, on, "expected a key");
				lium_buf_printf(&full, "%s.%s", k, scalar(on));
				st = yaml_value(y, profile, lium_buf_cstr(&full), ov);
				lium_buf_dispose(&full);
			}
		} else if (!strchr(k, '.') && is_null_scalar(vn)) {
			st = LIUM_OK; /* an empty section */
		} else {
			st = yaml_value(y, profile, k, vn);
		}
		if (st != LIUM_OK)
			return st;
	}
	return LIUM_OK;
}

static lium_status load_yaml(struct cli_config *cfg, const char *text, size_t len, lium_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct yctx y;
	lium_status st = LIUM_OK;

	if (!yaml_parser_initialize(&parser))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		st = lium_error_set(err, LIUM_EPARSE, "%s:%lu: %s", cfg->path,
				    (unsigned long)parser.problem_mark.line + 1,
				    parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		return st;
	}
	root = yaml_document_get_root_node(&doc);
	y.cfg = cfg;
	y.doc = &doc;
	y.path = cfg->path;
	y.err = err;
	if (root && !(root->type == YAML_SCALAR_NODE && is_null_scalar(root)))
		st = yaml_settings(&y, NULL, root, 1);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return st;
}

/* ------------------------------------------------------------------ */
/* The official CLI's INI file                                          */
/* ------------------------------------------------------------------ */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Keys this tool does not know (update.*, funding.*) are left behind. */
static lium_status load_ini(struct cli_config *cfg, char *text)
{
	char section[64] = "default";
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line), *sep, *k, *v;
		lium_buf full = LIUM_BUF_INIT;
		lium_status st = LIUM_OK;

		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *e = strchr(l, ']');
			if (e) {
				*e = '\0';
				snprintf(section, sizeof section, "%s", trim(l + 1));
			}
			continue;
		}
		sep = strpbrk(l, "=:");
		if (!sep)
			continue;
		*sep = '\0';
		k = trim(l);
		v = trim(sep + 1);
		lium_buf_printf(&full, "%s.%s", section, k);
		if (cli_config_key(lium_buf_cstr(&full)) &&
		    validate_value(cli_config_key(lium_buf_cstr(&full)), v, NULL) == LIUM_OK)
			st = put_entry(cfg, NULL, lium_buf_cstr(&full), v);
		lium_buf_dispose(&full);
		if (st != LIUM_OK)
			return st;
	}
	return LIUM_OK;
}

/* ------------------------------------------------------------------ */
/* Layering                                                             */
/* ------------------------------------------------------------------ */

static const char *std_getenv(const char *name)
{
	return getenv(name);
}

static void env_name(const char *key, char *out, size_t outsz)
{
	size_t i, o = 0;

	o = (size_t)snprintf(out, outsz, "LIUM_");
	for (i = 0; key[i] && o + 1 < outsz; i++)
		out[o++] = key[i] == '.' ? '_' : (char)toupper((unsigned char)key[i]);
	out[o] = '\0';
}

static lium_status resolve(struct cli_config *cfg, const char *(*getenv_fn)(const char *),
			   lium_error *err)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct cli_key *k = &keys[i];
		struct entry *e;
		char name[96];
		const char *v;

		cfg->value[i] = k->deflt;
		cfg->source[i] = CLI_SRC_DEFAULT;
		if ((e = find_entry(cfg, NULL, k->name)) != NULL) {
			cfg->value[i] = e->value;
			cfg->source[i] = cfg->from_ini ? CLI_SRC_INI : CLI_SRC_FILE;
		}
		if (cfg->profile && (e = find_entry(cfg, cfg->profile, k->name)) != NULL) {
			cfg->value[i] = e->value;
			cfg->source[i] = CLI_SRC_PROFILE;
		}
		/* LIUM_<SECTION>_<OPTION> first, then the official short names. */
		env_name(k->name, name, sizeof name);
		v = getenv_fn(name);
		if ((!v || !*v) && k->env) {
			v = getenv_fn(k->env);
			if (v && *v)
				snprintf(name, sizeof name, "%s", k->env);
		}
		if (v && *v) {
			lium_error verr;
			if (validate_value(k, v, &verr) != LIUM_OK)
				return lium_error_set(err, LIUM_EVALIDATION, "%s: %s", name,
						      verr.message);
			lium_free(cfg->owned[i]);
			cfg->owned[i] = lium_strdup(v);
			if (!cfg->owned[i])
				return lium_error_set(err, LIUM_ENOMEM, "out of memory");
			cfg->value[i] = cfg->owned[i];
			cfg->source[i] = CLI_SRC_ENV;
		}
	}
	return LIUM_OK;
}

lium_status cli_config_load_from(struct cli_config **out, const char *yaml_path,
				 const char *ini_path, const char *profile,
				 const char *(*getenv_fn)(const char *), lium_error *err)
{
	struct cli_config *cfg;
	lium_buf text = LIUM_BUF_INIT;
	lium_status st;
	lium_error rerr;

	*out = NULL;
	if (!getenv_fn)
		getenv_fn = std_getenv;
	cfg = lium_calloc(1, sizeof *cfg);
	if (!cfg)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	cfg->path = lium_strdup(yaml_path);
	cfg->ini_path = ini_path ? lium_strdup(ini_path) : NULL;
	if (!profile || !*profile)
		profile = getenv_fn("LIUM_PROFILE");
	if (profile && *profile)
		cfg->profile = lium_strdup(profile);

	st = cli_read_file(yaml_path, &text, &rerr);
	if (st == LIUM_OK) {
		cfg->exists = 1;
		st = load_yaml(cfg, text.ptr, text.size, err);
	} else if (st == LIUM_ENOTFOUND) {
		st = LIUM_OK;
		lium_buf_clear(&text);
		if (ini_path && cli_read_file(ini_path, &text, NULL) == LIUM_OK) {
			cfg->from_ini = 1;
			st = load_ini(cfg, text.ptr);
			if (st != LIUM_OK)
				lium_error_set(err, st, "out of memory");
		}
	} else {
		if (err)
			*err = rerr;
	}
	lium_buf_dispose(&text);
	if (st == LIUM_OK)
		st = resolve(cfg, getenv_fn, err);
	if (st != LIUM_OK) {
		cli_config_free(cfg);
		return st;
	}
	*out = cfg;
	return LIUM_OK;
}

lium_status cli_config_load(struct cli_config **out, const char *profile, lium_error *err)
{
	char *dir = cli_config_dir();
	char *ini = cli_expand_home("~/.lium/config.ini");
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	lium_buf_printf(&path, "%s/config.yaml", dir);
	st = cli_config_load_from(out, lium_buf_cstr(&path), ini, profile, NULL, err);
	lium_buf_dispose(&path);
	lium_free(dir);
	lium_free(ini);
	return st;
}

void cli_config_free(struct cli_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nentries; i++) {
		lium_free(cfg->entries[i].profile);
		lium_free(cfg->entries[i].key);
		lium_free(cfg->entries[i].value);
	}
	for (i = 0; i < cfg->nprofiles; i++)
		lium_free(cfg->profiles[i]);
	for (i = 0; i < NKEYS; i++)
		lium_free(cfg->owned[i]);
	lium_free(cfg->entries);
	lium_free(cfg->profiles);
	lium_free(cfg->path);
	lium_free(cfg->ini_path);
	lium_free(cfg->profile);
	lium_free(cfg);
}

const char *cli_config_get(const struct cli_config *cfg, const char *key)
{
	const struct cli_key *k = cli_config_key(key);

	return cfg && k ? cfg->value[key_index(k)] : NULL;
}

enum cli_source cli_config_source(const struct cli_config *cfg, const char *key)
{
	const struct cli_key *k = cli_config_key(key);

	return cfg && k ? cfg->source[key_index(k)] : CLI_SRC_DEFAULT;
}

const char *cli_config_file_value(const struct cli_config *cfg, const char *key)
{
	struct entry *e = find_entry(cfg, cfg->profile, key);

	return e ? e->value : NULL;
}

lium_status cli_config_set_flag(struct cli_config *cfg, const char *key, const char *value,
				lium_error *err)
{
	const struct cli_key *k = cli_config_key(key);
	lium_status st;
	size_t i;

	st = cli_config_validate(key, value, err);
	if (st != LIUM_OK)
		return st;
	i = key_index(k);
	lium_free(cfg->owned[i]);
	cfg->owned[i] = lium_strdup(value);
	if (!cfg->owned[i])
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	cfg->value[i] = cfg->owned[i];
	cfg->source[i] = CLI_SRC_FLAG;
	return LIUM_OK;
}

lium_status cli_config_file_set(struct cli_config *cfg, const char *key, const char *value,
				lium_error *err)
{
	const struct cli_key *k = cli_config_key(key);
	lium_status st;
	size_t i;

	if (value) {
		st = cli_config_validate(key, value, err);
		if (st != LIUM_OK)
			return st;
	} else if (!k) {
		return cli_config_validate(key, "x", err);
	}
	st = put_entry(cfg, cfg->profile, key, value);
	if (st != LIUM_OK)
		return lium_error_set(err, st, "out of memory");
	/* Re-derive the effective value unless env or a flag overrides it. */
	i = key_index(k);
	if (cfg->source[i] != CLI_SRC_ENV && cfg->source[i] != CLI_SRC_FLAG) {
		struct entry *e;
		cfg->value[i] = k->deflt;
		cfg->source[i] = CLI_SRC_DEFAULT;
		if ((e = find_entry(cfg, NULL, key)) != NULL) {
			cfg->value[i] = e->value;
			cfg->source[i] = CLI_SRC_FILE;
		}
		if (cfg->profile && (e = find_entry(cfg, cfg->profile, key)) != NULL) {
			cfg->value[i] = e->value;
			cfg->source[i] = CLI_SRC_PROFILE;
		}
	}
	return LIUM_OK;
}

/* ------------------------------------------------------------------ */
/* YAML writing                                                         */
/* ------------------------------------------------------------------ */

static int plain_ok(const char *v)
{
	static const char *const words[] = {"true",  "false", "yes", "no",   "on",    "off",
					    "null",  "y",     "n",   "True", "False", "Null",
					    "~",     "Yes",   "No",  "On",   "Off",   "TRUE",
					    "FALSE", "NULL",  "YES", "NO",   "ON",    "OFF"};
	size_t i;
	const char *p;

	if (!*v || strchr("-?:,[]{}#&*!|>'\"%@` ", v[0]))
		return 0;
	for (p = v; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_./+-@~=", *p) ||
		      (*p == ':' && p[1] && p[1] != ' ')))
			return 0;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(v, words[i]) == 0)
			return 0;
	return 1;
}

static void put_scalar(lium_buf *b, const char *v)
{
	if (plain_ok(v)) {
		lium_buf_puts(b, v);
		return;
	}
	/* JSON string syntax is valid YAML double-quoted syntax. */
	cli_json_quote(b, v);
}

static void render_layer(const struct cli_config *cfg, const char *profile, lium_buf *b,
			 const char *indent)
{
	char section[32] = "";
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		struct entry *e = find_entry(cfg, profile, keys[i].name);
		const char *dot = strchr(keys[i].name, '.');
		size_t slen = (size_t)(dot - keys[i].name);

		if (!e)
			continue;
		if (strlen(section) != slen || strncmp(section, keys[i].name, slen) != 0) {
			snprintf(section, sizeof section, "%.*s", (int)slen, keys[i].name);
			lium_buf_printf(b, "%s%s:\n", indent, section);
		}
		lium_buf_printf(b, "%s  %s: ", indent, dot + 1);
		put_scalar(b, e->value);
		lium_buf_putc(b, '\n');
	}
}

lium_status cli_config_render(const struct cli_config *cfg, lium_buf *out, lium_error *err)
{
	size_t i;

	lium_buf_puts(out, "# lium configuration (see `lium help config`).\n");
	render_layer(cfg, NULL, out, "");
	if (cfg->nprofiles) {
		lium_buf_puts(out, "profiles:\n");
		for (i = 0; i < cfg->nprofiles; i++) {
			lium_buf_puts(out, "  ");
			put_scalar(out, cfg->profiles[i]);
			lium_buf_puts(out, ":\n");
			render_layer(cfg, cfg->profiles[i], out, "    ");
		}
	}
	if (!out->ptr)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return LIUM_OK;
}

lium_status cli_config_save(struct cli_config *cfg, lium_error *err)
{
	lium_buf b = LIUM_BUF_INIT;
	lium_status st;

	st = cli_config_render(cfg, &b, err);
	if (st == LIUM_OK)
		st = cli_write_file_atomic(cfg->path, b.ptr, b.size, 0600, err);
	lium_buf_dispose(&b);
	if (st == LIUM_OK) {
		cfg->exists = 1;
		cfg->from_ini = 0;
	}
	return st;
}

const char *cli_config_path(const struct cli_config *cfg)
{
	return cfg->path;
}

const char *cli_config_profile(const struct cli_config *cfg)
{
	return cfg->profile;
}

int cli_config_file_exists(const struct cli_config *cfg)
{
	return cfg->exists;
}

int cli_config_imported_ini(const struct cli_config *cfg)
{
	return cfg->from_ini;
}

const char *const *cli_config_profiles(const struct cli_config *cfg, size_t *count)
{
	*count = cfg->nprofiles;
	return (const char *const *)cfg->profiles;
}

void cli_redact(const char *secret, char *out, size_t outsz)
{
	size_t n = secret ? strlen(secret) : 0;

	if (n >= 16)
		snprintf(out, outsz, "%.4s...%s", secret, secret + n - 4);
	else
		snprintf(out, outsz, "%s", n ? "****" : "");
}
