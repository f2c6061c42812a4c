/*
 * Templates: listing, details, create and replace with the official defaults.
 */
#include <string.h>

#include "api_int.h"

static lium_status decode_templates(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_templates_decode(json, len, out, err);
}

static lium_status template_path(lium_buf *path, const char *id, lium_error *err)
{
	lium_status st = lium__need(id, "template id", err);

	if (st != LIUM_OK)
		return st;
	if (lium_buf_puts(path, "/templates") != LIUM_OK || lium__path_segment(path, id) != LIUM_OK)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return LIUM_OK;
}

LIUM_API_EXPORT lium_status lium_templates_list(lium_client *client, lium_template_list **out,
						lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_templates_list: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	return lium__get_decode(client, "/templates", decode_templates, out, err);
}

LIUM_API_EXPORT lium_status lium_templates_get(lium_client *client, const char *template_id,
					       lium_template **out, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_templates_get: out is NULL");
	*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	st = template_path(&path, template_id, err);
	if (st == LIUM_OK)
		st = lium__get_decode(client, lium_buf_cstr(&path), lium__decode_template_obj, out,
				      err);
	lium_buf_dispose(&path);
	return st;
}

/* Non-NULL and empty: "send an empty list" rather than "use the default". */
static const unsigned int no_ports[1];
static const char *const no_volumes[1];

LIUM_API_EXPORT lium_status lium_template_spec_from_template(lium_template_spec *spec,
							     const lium_template *t)
{
	lium_template_spec init = LIUM_TEMPLATE_SPEC_INIT;

	if (!spec || !t)
		return LIUM_EINVAL;
	*spec = init;
	spec->name = t->name;
	spec->docker_image = t->docker_image;
	spec->docker_image_tag = t->docker_image_tag;
	spec->docker_image_digest = t->docker_image_digest;
	/* An existing template's lists are sent as they are, empty included. */
	spec->internal_ports = t->internal_ports ? t->internal_ports : no_ports;
	spec->internal_port_count = t->internal_port_count;
	spec->startup_commands = t->startup_commands;
	spec->category = t->category;
	spec->container_start_immediately = t->container_start_immediately;
	spec->description = t->description;
	spec->entrypoint = t->entrypoint;
	spec->environment = t->environment;
	spec->environment_count = t->environment_count;
	spec->is_private = t->is_private;
	spec->one_time_template = t->one_time_template;
	spec->readme = t->readme;
	spec->volumes = t->volumes ? (const char *const *)t->volumes : no_volumes;
	spec->volume_count = t->volume_count;
	return LIUM_OK;
}

static int set_str(json_t *o, const char *key, const char *value)
{
	return json_object_set_new(o, key, json_string(value)) != 0;
}

static int set_bool(json_t *o, const char *key, int value)
{
	return json_object_set_new(o, key, json_boolean(value)) != 0;
}

static json_t *spec_body(const lium_template_spec *s)
{
	json_t *o = json_object(), *ports = json_array(), *env = json_object(),
	       *vols = json_array();
	int bad = !o || !ports || !env || !vols;
	size_t i;

	if (!bad && s->internal_ports) {
		for (i = 0; i < s->internal_port_count && !bad; i++)
			bad = json_array_append_new(ports, json_integer(s->internal_ports[i])) != 0;
	} else if (!bad) {
		bad = json_array_append_new(ports, json_integer(22)) ||
		      json_array_append_new(ports, json_integer(8000));
	}
	for (i = 0; !bad && s->environment && i < s->environment_count; i++)
		if (s->environment[i].key)
			bad = set_str(env, s->environment[i].key,
				      s->environment[i].value ? s->environment[i].value : "");
	if (!bad && s->volumes) {
		for (i = 0; i < s->volume_count && !bad; i++)
			if (s->volumes[i])
				bad = json_array_append_new(vols, json_string(s->volumes[i])) != 0;
	} else if (!bad) {
		bad = json_array_append_new(vols, json_string("/workspace")) != 0;
	}
	if (!bad)
		bad = set_str(o, "name", s->name) || set_str(o, "docker_image", s->docker_image) ||
		      set_str(o, "docker_image_digest",
			      s->docker_image_digest ? s->docker_image_digest : "") ||
		      set_str(o, "docker_image_tag",
			      s->docker_image_tag ? s->docker_image_tag : "latest") ||
		      json_object_set(o, "internal_ports", ports) ||
		      set_str(o, "startup_commands",
			      s->startup_commands ? s->startup_commands : "") ||
		      set_str(o, "category", s->category ? s->category : "UBUNTU") ||
		      set_bool(o, "container_start_immediately", s->container_start_immediately) ||
		      set_str(o, "description", s->description ? s->description : s->name) ||
		      set_str(o, "entrypoint", s->entrypoint ? s->entrypoint : "") ||
		      json_object_set(o, "environment", env) ||
		      set_bool(o, "is_private", s->is_private) ||
		      set_bool(o, "one_time_template", s->one_time_template) ||
		      set_bool(o, "is_temporary", s->is_temporary) ||
		      set_str(o, "readme", s->readme ? s->readme : s->name) ||
		      json_object_set(o, "volumes", vols);
	json_decref(ports);
	json_decref(env);
	json_decref(vols);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static lium_status check_spec(const lium_template_spec *spec, lium_error *err)
{
	lium_status st;

	if (!spec)
		return lium_error_set(err, LIUM_EINVAL, "template spec is NULL");
	if (spec->version < 1 || spec->version > LIUM_TEMPLATE_SPEC_VERSION)
		return lium_error_set(err, LIUM_EINVAL, "template spec version %u is not supported",
				      spec->version);
	if ((st = lium__need(spec->name, "template name", err)) != LIUM_OK ||
	    (st = lium__need(spec->docker_image, "Docker image", err)) != LIUM_OK)
		return st;
	return LIUM_OK;
}

LIUM_API_EXPORT lium_status lium_templates_create(lium_client *client,
						  const lium_template_spec *spec,
						  lium_template **out, lium_error *err)
{
	json_t *body;
	lium_status st;

	if (out)
		*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	if ((st = check_spec(spec, err)) != LIUM_OK)
		return st;
	body = spec_body(spec);
	if (!body)
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return lium__send_decode(client, "POST", "/templates", body, LIUM__RETRY_UNSENT,
				 lium__decode_template_obj, out, err);
}

LIUM_API_EXPORT lium_status lium_templates_update(lium_client *client, const char *template_id,
						  const lium_template_spec *spec,
						  lium_template **out, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	json_t *body;
	lium_status st;

	if (out)
		*out = NULL;
	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	if ((st = check_spec(spec, err)) != LIUM_OK)
		return st;
	st = template_path(&path, template_id, err);
	if (st == LIUM_OK) {
		body = spec_body(spec);
		if (!body)
			st = lium_error_set(err, LIUM_ENOMEM, "out of memory");
		else
			st = lium__send_decode(client, "PUT", lium_buf_cstr(&path), body,
					       LIUM__RETRY_IDEMPOTENT, lium__decode_template_obj,
					       out, err);
	}
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_templates_delete(lium_client *client, const char *template_id,
						  lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!client)
		return lium_error_set(err, LIUM_EINVAL, "client is NULL");
	st = template_path(&path, template_id, err);
	if (st == LIUM_OK)
		st = lium__send_decode(client, "DELETE", lium_buf_cstr(&path), NULL,
				       LIUM__RETRY_IDEMPOTENT, NULL, NULL, err);
	lium_buf_dispose(&path);
	return st;
}
