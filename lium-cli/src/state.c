/*
 * State: the last listings the user saw ($XDG_STATE_HOME/lium/<kind>.json),
 * so that `lium up 3` and `lium exec 2` mean the rows on the screen.
 *
 * The files are JSON written by our writer and read back with libyaml (a
 * JSON document is valid YAML flow syntax), which keeps jansson out of the
 * executable.
 */
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "cli.h"

static char *listing_path(const char *kind)
{
	char *dir = cli_state_dir();
	lium_buf b = LIUM_BUF_INIT;

	lium_buf_printf(&b, "%s/%s.json", dir, kind);
	lium_free(dir);
	return lium_buf_detach(&b);
}

void cli_listing_dispose(struct cli_listing *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->count; i++) {
		lium_free(l->rows[i].id);
		lium_free(l->rows[i].huid);
		lium_free(l->rows[i].label);
	}
	lium_free(l->rows);
	lium_free(l->kind);
	memset(l, 0, sizeof *l);
}

lium_status cli_listing_add(struct cli_listing *l, const char *id, const char *huid,
			    const char *label)
{
	struct cli_listing_row *r = lium_realloc(l->rows, (l->count + 1) * sizeof *r);

	if (!r)
		return LIUM_ENOMEM;
	l->rows = r;
	r = &l->rows[l->count];
	r->id = lium_strdup(id ? id : "");
	r->huid = lium_strdup(huid ? huid : "");
	r->label = lium_strdup(label ? label : "");
	if (!r->id || !r->huid || !r->label) {
		lium_free(r->id);
		lium_free(r->huid);
		lium_free(r->label);
		return LIUM_ENOMEM;
	}
	l->count++;
	return LIUM_OK;
}

lium_status cli_listing_save(const struct cli_listing *l, lium_error *err)
{
	struct cli_json j;
	char *path = listing_path(l->kind);
	lium_status st;
	size_t i;

	cli_json_init(&j, 0);
	cli_json_begin_object(&j);
	cli_json_kstring(&j, "kind", l->kind);
	cli_json_ktime(&j, "time", l->when);
	cli_json_key(&j, "rows");
	cli_json_begin_array(&j);
	for (i = 0; i < l->count; i++) {
		cli_json_begin_object(&j);
		cli_json_kstring(&j, "id", l->rows[i].id);
		cli_json_kstring(&j, "huid", l->rows[i].huid);
		cli_json_kstring(&j, "label", l->rows[i].label);
		cli_json_end_object(&j);
	}
	cli_json_end_array(&j);
	cli_json_end_object(&j);
	lium_buf_putc(&j.buf, '\n');
	if (j.failed)
		st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
	else
		st = cli_write_file_atomic(path, j.buf.ptr, j.buf.size, 0600, err);
	cli_json_dispose(&j);
	lium_free(path);
	return st;
}

static const char *node_str(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return v && v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value
								: NULL;
	}
	return NULL;
}

static yaml_node_t *node_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

lium_status cli_listing_load(const char *kind, struct cli_listing *out, lium_error *err)
{
	char *path = listing_path(kind);
	lium_buf text = LIUM_BUF_INIT;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *rows;
	lium_status st;
	const char *t;

	memset(out, 0, sizeof *out);
	st = cli_read_file(path, &text, err);
	if (st != LIUM_OK) {
		lium_free(path);
		lium_buf_dispose(&text);
		return st;
	}
	if (!yaml_parser_initialize(&parser)) {
		lium_free(path);
		lium_buf_dispose(&text);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text.ptr, text.size);
	if (!yaml_parser_load(&parser, &doc)) {
		st = lium_error_set(err, LIUM_EPARSE, "%s: malformed state file", path);
		goto done_parser;
	}
	root = yaml_document_get_root_node(&doc);
	rows = node_get(&doc, root, "rows");
	if (!root || !rows || rows->type != YAML_SEQUENCE_NODE) {
		st = lium_error_set(err, LIUM_EPARSE, "%s: malformed state file", path);
		goto done_doc;
	}
	out->kind = lium_strdup(kind);
	out->when = LIUM_TIME_NONE;
	t = node_str(&doc, root, "time");
	if (t)
		lium_time_parse_iso8601(t, &out->when, NULL);
	{
		yaml_node_item_t *it;
		for (it = rows->data.sequence.items.start; it < rows->data.sequence.items.top;
		     it++) {
			yaml_node_t *row = yaml_document_get_node(&doc, *it);
			st = cli_listing_add(out, node_str(&doc, row, "id"),
					     node_str(&doc, row, "huid"),
					     node_str(&doc, row, "label"));
			if (st != LIUM_OK) {
				lium_error_set(err, st, "out of memory");
				break;
			}
		}
	}
	if (st != LIUM_OK)
		cli_listing_dispose(out);
done_doc:
	yaml_document_delete(&doc);
done_parser:
	yaml_parser_delete(&parser);
	lium_free(path);
	lium_buf_dispose(&text);
	return st;
}
