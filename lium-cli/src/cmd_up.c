/*
 * lium up [OFFER] [-t TEMPLATE] [--image IMAGE] [-n NAME] [--volume SPEC]
 *         [-e K=V] [--ports N] [--ttl DUR | --until TIME] [--max-price USD]
 *         [--no-wait] [--timeout DUR] [-y]
 *
 * Resolve the offer and the template, show the estimate, confirm, rent
 * exactly once (liblium-api's rent never creates two pods, and this command
 * never calls it twice), schedule the removal, then wait until the pod runs
 * and an SSH login with the pinned host key really works.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "offers.h"

enum {
	O_TEMPLATE = 1,
	O_IMAGE,
	O_NAME,
	O_VOLUME,
	O_ENV,
	O_PORTS,
	O_TTL,
	O_UNTIL,
	O_MAX_PRICE,
	O_NO_WAIT,
	O_TIMEOUT,
	O_YES,
	O_GPU,
	O_COUNT,
	O_COUNTRY,
	O_INTERNAL_PORTS,
	O_ENTRYPOINT,
	O_CMD,
	O_DOCKERFILE,
	O_SSH_NAME,
	O_JUPYTER
};

struct up_opts {
	const char *template_arg, *image, *name, *volume, *ttl, *until, *timeout;
	const char *entrypoint, *cmd, *dockerfile, *ssh_name;
	unsigned int internal_ports[32];
	size_t ninternal;
	int jupyter;
	lium_buf dockerfile_text;
	const char **env;
	size_t nenv;
	unsigned long ports;
	double max_price;
	int has_max_price, no_wait, yes;
	lium_time remove_at; /* --until, absolute */
	int64_t ttl_seconds; /* --ttl, from the moment the pod exists */
	int64_t wait_seconds;
};

static int is_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int looks_like_query(const char *s)
{
	return strpbrk(s, "=<>") != NULL || strstr(s, " in ") || strstr(s, " notin ");
}

/* Find the offer by row of the last `lium ls`, id, HUID, or a query's best. */
static int pick_offer(struct cli_ctx *ctx, const char *offer, struct cli_offer_query *q,
		      int have_flags, struct cli_offers *set, const lium_executor **out)
{
	struct cli_listing seen;
	lium_error err;
	int rc;

	*out = NULL;
	if (offer && is_digits(offer)) {
		unsigned long row = strtoul(offer, NULL, 10);
		const char *id;
		const lium_executor *e;
		if (cli_listing_load("offers", &seen, &err) != LIUM_OK)
			return cli_fail(CLI_EXIT_NOTFOUND, "up",
					"offer %s: no listing to pick from; run 'lium ls' first",
					offer);
		if (row < 1 || row > seen.count) {
			rc = cli_fail(CLI_EXIT_NOTFOUND, "up",
				      "offer %s: row out of range (the last 'lium ls' showed %zu)",
				      offer, seen.count);
			cli_listing_dispose(&seen);
			return rc;
		}
		if ((rc = cli_offers_load(ctx, q, "price_gpu", set)) != 0) {
			cli_listing_dispose(&seen);
			return rc;
		}
		id = seen.rows[row - 1].id;
		e = cli_offers_find(set, id);
		if (!e) {
			rc = cli_fail(CLI_EXIT_NOTFOUND, "up",
				      "offer %s (%s, row %lu of the last 'lium ls') is no longer "
				      "available; run 'lium ls' again",
				      offer, seen.rows[row - 1].huid, row);
			cli_listing_dispose(&seen);
			return rc;
		}
		cli_listing_dispose(&seen);
		*out = e;
		return 0;
	}
	if (offer && !looks_like_query(offer)) {
		const lium_executor *e;
		if ((rc = cli_offers_load(ctx, q, "price_gpu", set)) != 0)
			return rc;
		e = cli_offers_find(set, offer);
		if (!e)
			return cli_fail(CLI_EXIT_NOTFOUND, "up",
					"no offer has the id or HUID '%s' (see 'lium ls')", offer);
		*out = e;
		return 0;
	}
	/* A query: the best offer is the first of the frontier, cheapest first. */
	(void)have_flags;
	if ((rc = cli_offer_query_finish(q, offer)) != 0)
		return rc;
	if ((rc = cli_offers_load(ctx, q, "price_gpu", set)) != 0)
		return rc;
	if (set->count == 0)
		return cli_fail(CLI_EXIT_NOTFOUND, "up", "no offer matches '%s'",
				lium_buf_cstr(&q->expr));
	*out = set->rows[0].e;
	return 0;
}

/* A template's version for ranking: the tag's numbers before the first '-'. */
static double tag_version(const char *tag)
{
	double v = 0, scale = 1;
	const char *p = tag;

	while (p && *p && *p != '-') {
		char *end;
		long n = strtol(p, &end, 10);
		if (end == p)
			break;
		v += (double)n * scale;
		scale /= 1000.0;
		p = *end == '.' ? end + 1 : end;
		if (*end != '.')
			break;
	}
	return v;
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (!hay)
		return 0;
	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/*
 * The official CLI's default template: the node's default images (pytorch
 * first) matched against the templates, else the newest PyTorch template,
 * else the first one.
 */
static const lium_template *default_template(lium_client *client, const lium_executor *e,
					     const lium_template_list *tl)
{
	lium_docker_image_list *imgs = NULL;
	const lium_template *best = NULL;
	size_t i, j, pass;

	if (lium_executors_default_images(client, e->gpu_model, e->driver_version, &imgs, NULL) ==
	    LIUM_OK) {
		for (pass = 0; pass < 2 && !best; pass++)
			for (i = 0; i < imgs->count && !best; i++) {
				const lium_docker_image *im = imgs->items[i];
				if (pass == 0 && !contains_ci(im->docker_image, "pytorch"))
					continue;
				for (j = 0; j < tl->count && !best; j++) {
					const lium_template *t = tl->items[j];
					if (t->docker_image && im->docker_image &&
					    strcmp(t->docker_image, im->docker_image) == 0 &&
					    strcmp(t->docker_image_tag ? t->docker_image_tag
								       : "latest",
						   im->docker_image_tag ? im->docker_image_tag
									: "latest") == 0)
						best = t;
				}
			}
		lium_docker_image_list_free(imgs);
	}
	for (i = 0; !best && i < tl->count; i++) {
		const lium_template *t = tl->items[i];
		if (!contains_ci(t->category, "pytorch") &&
		    !contains_ci(t->docker_image, "pytorch"))
			continue;
		if (!best || tag_version(t->docker_image_tag) > tag_version(best->docker_image_tag))
			best = t;
	}
	if (!best && tl->count)
		best = tl->items[0];
	return best;
}

static void print_estimate(lium_client *client, const lium_executor *e, const char *template_id)
{
	lium_estimate *est = NULL;

	if (!template_id ||
	    lium_executors_estimate(client, e->id, template_id, &est, NULL) != LIUM_OK)
		return;
	if (est->estimated_seconds > 0) {
		long long s = (long long)est->estimated_seconds;
		if (est->docker_image_size > 0)
			cli_info("Est. deploy time: ~%lldm %llds (image: ~%.1f GB, download: %.0f "
				 "Mbps)",
				 s / 60, s % 60, (double)est->docker_image_size / 1e9,
				 e->net_down_mbps);
		else
			cli_info("Est. deploy time: ~%lldm %llds", s / 60, s % 60);
	}
	if (est->is_slow_machine && est->warning_message && *est->warning_message)
		cli_warn("%s", est->warning_message);
	lium_estimate_free(est);
}

/* Sleep up to ms, in steps, returning early on Ctrl-C. */
static void nap(unsigned int ms)
{
	while (ms && !cli_interrupted) {
		unsigned int step = ms > 100 ? 100 : ms;
		usleep(step * 1000u);
		ms -= step;
	}
}

static int interrupted_msg(const lium_pod *pod, double price)
{
	return cli_fail(CLI_EXIT_INTERRUPTED, "up",
			"interrupted while waiting: pod %s (%s) exists and costs $%.2f/h; "
			"remove it with: lium down %s",
			pod->huid, pod->name ? pod->name : "", price, pod->huid);
}

/*
 * Wait until the pod is RUNNING with SSH access, then until `true` runs over
 * SSH with the pinned host key.  *ready_out receives the last pod state.
 */
static int wait_ready(struct cli_ctx *ctx, lium_client *client, const lium_pod *rented,
		      int64_t timeout_s, double price, lium_pod **ready_out)
{
	lium_time start = cli_now();
	lium_pod *pod = NULL;
	lium_error err;
	lium_status st;
	unsigned int attempt = 0;
	int ssh_phase = 0;

	*ready_out = NULL;
	for (;;) {
		int64_t elapsed = cli_now() - start;
		if (cli_interrupted) {
			cli_progress_done();
			lium_pod_free(pod);
			return interrupted_msg(rented, price);
		}
		if (elapsed > timeout_s) {
			cli_progress_done();
			cli_fail(CLI_EXIT_TIMEOUT, "up",
				 "pod %s is not ready after %llds (status %s%s); it exists and "
				 "costs $%.2f/h: check 'lium ps', remove it with 'lium down %s'",
				 rented->huid, (long long)timeout_s,
				 pod && pod->status ? pod->status : "unknown",
				 ssh_phase ? ", SSH not answering" : "", price, rented->huid);
			lium_pod_free(pod);
			return CLI_EXIT_TIMEOUT;
		}
		if (!ssh_phase) {
			lium_pod_free(pod);
			pod = NULL;
			st = lium_pods_get(client, rented->id, &pod, &err);
			if (st == LIUM_ECANCELLED)
				continue;
			if (st != LIUM_OK) {
				/* A failed poll is not fatal: the pod exists; try again. */
				cli_progress("Waiting for %s: %s (%llds)", rented->huid,
					     err.message, (long long)elapsed);
				nap(2000);
				continue;
			}
			cli_progress("Waiting for %s: %s (%llds)", rented->huid,
				     pod->status ? pod->status : "?", (long long)elapsed);
			if (pod->state == LIUM_POD_FAILED || pod->state == LIUM_POD_STOPPED ||
			    pod->state == LIUM_POD_DELETING) {
				cli_progress_done();
				cli_fail(CLI_EXIT_FAIL, "up",
					 "pod %s did not start (status %s); remove it with 'lium "
					 "down "
					 "%s'",
					 rented->huid, pod->status ? pod->status : "?",
					 rented->huid);
				lium_pod_free(pod);
				return CLI_EXIT_FAIL;
			}
			if (lium_pod_is_ready(pod)) {
				ssh_phase = 1;
				continue;
			}
			nap(elapsed < 10 ? 1000 : 3000);
			continue;
		}
		/* RUNNING: prove that a login works (this also pins the host key). */
		{
			lium_ssh *ssh = NULL;
			lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
			lium_ssh_exec_result res;
			attempt++;
			cli_progress("Waiting for %s: SSH login (attempt %u, %llds)", rented->huid,
				     attempt, (long long)elapsed);
			st = cli_pod_connect(ctx, pod, -1, 10000, &ssh, &err);
			if (st == LIUM_OK) {
				eo.command = "true";
				eo.timeout_ms = 15000;
				st = lium_ssh_exec(ssh, &eo, &res, &err);
				if (st == LIUM_OK && res.exit_code != 0)
					st = lium_error_set(&err, LIUM_EREMOTE, "`true` exited %d",
							    res.exit_code);
			}
			lium_ssh_free(ssh);
			if (st == LIUM_OK) {
				cli_progress_done();
				*ready_out = pod;
				return 0;
			}
			if (st == LIUM_ECONFLICT) {
				cli_progress_done();
				cli_fail(CLI_EXIT_REFUSED, "up", "%s: %s", rented->huid,
					 err.message);
				lium_pod_free(pod);
				return CLI_EXIT_REFUSED;
			}
			if (cli_out.verbose)
				cli_warn("SSH to %s: %s", rented->huid, err.message);
			nap(2000);
		}
	}
}

static void json_pod(struct cli_json *j, const lium_pod *p, const char *name, double price)
{
	cli_json_begin_object(j);
	cli_json_kstring(j, "id", p->id);
	cli_json_kstring(j, "huid", p->huid);
	cli_json_kstring(j, "name", p->name ? p->name : name);
	cli_json_kstring(j, "status", p->status);
	cli_json_kstring(j, "ssh_cmd", p->ssh_connect_cmd);
	cli_json_knumber(j, "price_per_hour", price);
	cli_json_ktime(j, "removal_scheduled_at", p->removal_scheduled_at);
	cli_json_end_object(j);
}

static int parse_volume(lium_client *client, const char *spec, char **volume_id, char **new_name,
			char **new_desc)
{
	*volume_id = *new_name = *new_desc = NULL;
	if (strncmp(spec, "id:", 3) == 0) {
		lium_volume_list *vl = NULL;
		lium_volume *v;
		lium_error err;
		lium_status st;
		if (!spec[3])
			return cli_usage_error("--volume: the volume is missing after 'id:'");
		st = lium_volumes_list(client, &vl, &err);
		if (st != LIUM_OK)
			return cli_api_fail(st, &err, "up");
		v = lium_volume_list_find(vl, spec + 3);
		if (!v) {
			lium_volume_list_free(vl);
			return cli_fail(CLI_EXIT_NOTFOUND, "up", "--volume: no volume '%s'",
					spec + 3);
		}
		*volume_id = lium_strdup(v->id);
		lium_volume_list_free(vl);
		return 0;
	}
	if (strncmp(spec, "new:", 4) == 0) {
		char *copy = lium_strdup(spec + 4), *tok, *save = NULL;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');
			if (!eq) {
				lium_free(copy);
				return cli_usage_error("--volume: '%s' is not key=value", tok);
			}
			*eq = '\0';
			if (strcmp(tok, "name") == 0) {
				lium_free(*new_name);
				*new_name = lium_strdup(eq + 1);
			} else if (strcmp(tok, "desc") == 0) {
				lium_free(*new_desc);
				*new_desc = lium_strdup(eq + 1);
			} else {
				lium_free(copy);
				return cli_usage_error(
					"--volume: unknown parameter '%s' (name, desc)", tok);
			}
		}
		lium_free(copy);
		if (!*new_name || !**new_name)
			return cli_usage_error("--volume new: needs name=<NAME>");
		return 0;
	}
	return cli_usage_error("--volume: '%s' is not id:<volume> or new:name=<NAME>", spec);
}

/* --internal-ports 22,8000: integers 1-65535; 22 comes first when missing. */
static int parse_ports(const char *list, struct up_opts *o)
{
	char *copy = lium_strdup(list), *tok, *save = NULL;
	int have22 = 0;

	o->ninternal = 1; /* slot 0 is for 22 */
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v;
		while (*tok == ' ')
			tok++;
		v = strtol(tok, &end, 10);
		while (*end == ' ')
			end++;
		if (end == tok || *end || v < 1 || v > 65535 || o->ninternal >= 32) {
			lium_free(copy);
			return cli_usage_error(
				"--internal-ports: '%s' is not a list of ports (e.g. "
				"22,8000,8080)",
				list);
		}
		if (v == 22)
			have22 = 1;
		else
			o->internal_ports[o->ninternal++] = (unsigned int)v;
	}
	lium_free(copy);
	o->internal_ports[0] = 22;
	(void)have22;
	return 0;
}

/* --dockerfile: UTF-8 text, not empty, at most 64 KiB (the API's limits). */
static int read_dockerfile(struct up_opts *o)
{
	lium_error err;
	const unsigned char *p;

	if (lium_fs_read_file(o->dockerfile, 65536, &o->dockerfile_text, &err) != LIUM_OK)
		return cli_usage_error("--dockerfile: %s", err.message);
	if (!o->dockerfile_text.size)
		return cli_usage_error("--dockerfile: %s is empty", o->dockerfile);
	for (p = (const unsigned char *)o->dockerfile_text.ptr; *p; p++)
		if (*p >= 0x80) {
			int n = (*p & 0xE0) == 0xC0   ? 1
				: (*p & 0xF0) == 0xE0 ? 2
				: (*p & 0xF8) == 0xF0 ? 3
						      : -1;
			int i;
			for (i = 1; n > 0 && i <= n; i++)
				if ((p[i] & 0xC0) != 0x80)
					n = -1;
			if (n < 0)
				return cli_usage_error("--dockerfile: %s is not UTF-8 text",
						       o->dockerfile);
			p += n;
		}
	if ((size_t)((const char *)p - o->dockerfile_text.ptr) != o->dockerfile_text.size)
		return cli_usage_error("--dockerfile: %s holds a NUL byte", o->dockerfile);
	return 0;
}

/* Install Jupyter on the first exposed port that is not 22, and wait for it. */
static int install_jupyter(lium_client *client, const lium_pod *pod, char **url)
{
	lium_time start = cli_now();
	unsigned int port = 0;
	lium_error err;
	lium_status st;
	size_t i;

	*url = NULL;
	for (i = 0; i < pod->port_count && !port; i++)
		if (pod->ports[i].internal_port != 22)
			port = pod->ports[i].internal_port;
	if (!port)
		return cli_fail(CLI_EXIT_FAIL, "up",
				pod->port_count ? "no suitable port for Jupyter (only SSH port 22)"
						: "no ports allocated to the pod for Jupyter");
	st = lium_pods_install_jupyter(client, pod->id, port, &err);
	if (st != LIUM_OK)
		return cli_api_fail(st, &err, "up --jupyter");
	while (cli_now() - start < 120 && !cli_interrupted) {
		lium_pod *p = NULL;
		cli_progress("Installing Jupyter on %s (%llds)", pod->huid,
			     (long long)(cli_now() - start));
		if (lium_pods_get(client, pod->id, &p, NULL) == LIUM_OK && p->jupyter_status) {
			if (strcmp(p->jupyter_status, "SUCCESS") == 0) {
				cli_progress_done();
				*url = lium_strdup(p->jupyter_url ? p->jupyter_url : "");
				lium_pod_free(p);
				return 0;
			}
			if (strcmp(p->jupyter_status, "FAILED") == 0) {
				cli_progress_done();
				lium_pod_free(p);
				return cli_fail(CLI_EXIT_FAIL, "up",
						"Jupyter installation failed on %s", pod->huid);
			}
		}
		lium_pod_free(p);
		nap(3000);
	}
	cli_progress_done();
	if (cli_interrupted)
		return CLI_EXIT_INTERRUPTED;
	return cli_fail(CLI_EXIT_TIMEOUT, "up",
			"Jupyter installation timed out; see 'lium ps %s --json'", pod->huid);
}

static int do_up(struct cli_ctx *ctx, const char *offer, struct cli_offer_query *q, int have_flags,
		 struct up_opts *o)
{
	lium_rent_options ro = LIUM_RENT_OPTIONS_INIT;
	struct cli_offers set;
	struct cli_config *cfg;
	lium_client *client;
	lium_template_list *tl = NULL;
	lium_template *fetched = NULL, *created_tmpl = NULL;
	const lium_template *tmpl = NULL;
	const lium_executor *e = NULL;
	lium_pod *pod = NULL, *ready = NULL;
	lium_volume *vol = NULL;
	lium_buf pub = LIUM_BUF_INIT, image = LIUM_BUF_INIT, tag = LIUM_BUF_INIT,
		 tname = LIUM_BUF_INIT;
	char *key = NULL, *volume_id = NULL, *vol_name = NULL, *vol_desc = NULL;
	char *jupyter_url = NULL;
	const char *public_keys[1];
	char config[64], keyname[80];
	const char *pod_name;
	lium_error err;
	lium_status st;
	int rc, registered;
	double price;

	memset(&set, 0, sizeof set);
	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		return rc;
	if ((rc = cli_client(ctx, &client)) != 0)
		return rc;
	if (!o->has_max_price && cli_config_get(cfg, "up.max_price")) {
		o->max_price = strtod(cli_config_get(cfg, "up.max_price"), NULL);
		o->has_max_price = 1;
	}

	/* The SSH key first: without one the pod would be unreachable. */
	key = cli_ssh_key_path(ctx);
	if (!key || !cli_key_exists(key)) {
		rc = cli_fail(CLI_EXIT_USAGE, "up", "no SSH key%s%s: run 'lium init' first",
			      key ? " at " : "", key ? key : "");
		goto out;
	}
	if ((st = cli_key_public(key, &pub, &err)) != LIUM_OK) {
		rc = cli_fail(cli_exit_for_status(st), "up", "%s", err.message);
		goto out;
	}

	if ((rc = pick_offer(ctx, offer, q, have_flags, &set, &e)) != 0 || !e)
		goto out;
	price = e->price_per_hour;
	cli_offer_config(e, config, sizeof config);
	if (o->ports && e->available_ports >= 0 && (unsigned long)e->available_ports < o->ports) {
		rc = cli_fail(CLI_EXIT_REFUSED, "up",
			      "offer %s has %d open ports, fewer than --ports %lu", e->huid,
			      e->available_ports, o->ports);
		goto out;
	}
	if (o->has_max_price && price > o->max_price + 1e-9) {
		rc = cli_fail(CLI_EXIT_REFUSED, "up",
			      "offer %s costs $%.2f/h, above the limit of $%.2f/h (--max-price); "
			      "nothing rented",
			      e->huid, price, o->max_price);
		goto out;
	}

	/* The template: -t (id, else name or HUID), --image (made after the confirmation), default. */
	if (!o->image && !o->dockerfile) {
		const char *want = o->template_arg ? o->template_arg
						   : cli_config_get(cfg, "template.default_id");
		if (want && lium_templates_get(client, want, &fetched, &err) == LIUM_OK) {
			tmpl = fetched;
		} else {
			st = lium_templates_list(client, &tl, &err);
			if (st != LIUM_OK) {
				rc = cli_api_fail(st, &err, "up");
				goto out;
			}
			if (want) {
				tmpl = lium_template_list_find(tl, want);
				if (!tmpl) {
					rc = cli_fail(
						CLI_EXIT_NOTFOUND, "up",
						"no template '%s' (give its id, name or HUID)",
						want);
					goto out;
				}
			} else {
				tmpl = default_template(client, e, tl);
				if (!tmpl) {
					rc = cli_fail(CLI_EXIT_NOTFOUND, "up",
						      "no template available for %s", e->huid);
					goto out;
				}
			}
		}
	} else if (o->image) {
		const char *colon = strrchr(o->image, ':');
		const char *slash = strrchr(o->image, '/');
		if (colon && (!slash || colon > slash)) {
			lium_buf_put(&image, o->image, (size_t)(colon - o->image));
			lium_buf_puts(&tag, colon + 1);
		} else {
			lium_buf_puts(&image, o->image);
			lium_buf_puts(&tag, "latest");
		}
		if (!image.size || !tag.size) {
			rc = cli_usage_error("--image: '%s' is not IMAGE[:TAG]", o->image);
			goto out;
		}
	}
	if (o->volume &&
	    (rc = parse_volume(client, o->volume, &volume_id, &vol_name, &vol_desc)) != 0)
		goto out;

	pod_name = o->name ? o->name : e->huid;
	if (!cli_out.json && !cli_out.quiet) {
		const char *country =
			e->location.country ? e->location.country : e->location.country_code;
		fprintf(stderr, "Offer:    %s (%s%s%s) at $%.2f/h\n", e->huid, config,
			country ? ", " : "", country ? country : "", price);
		if (tmpl)
			fprintf(stderr, "Template: %s (%s:%s)\n",
				tmpl->name ? tmpl->name : tmpl->id,
				tmpl->docker_image ? tmpl->docker_image : "?",
				tmpl->docker_image_tag ? tmpl->docker_image_tag : "latest");
		else if (o->dockerfile)
			fprintf(stderr, "Build:    %s (built on the node)\n", o->dockerfile);
		else
			fprintf(stderr, "Image:    %s:%s (one-time template)\n",
				lium_buf_cstr(&image), lium_buf_cstr(&tag));
		fprintf(stderr, "Pod name: %s\n", pod_name);
		if (o->ttl)
			fprintf(stderr, "Removal:  %s after it starts\n", o->ttl);
		else if (o->until)
			fprintf(stderr, "Removal:  at %s\n", o->until);
		print_estimate(client, e, tmpl ? tmpl->id : NULL);
	}
	if (!o->yes) {
		char question[256];
		snprintf(question, sizeof question, "Rent %s (%s) at $%.2f/h?", e->huid, config,
			 price);
		rc = cli_confirm(question);
		if (rc == CLI_EXIT_FAIL)
			rc = cli_fail(CLI_EXIT_FAIL, "up", "cancelled; nothing rented");
		if (rc != 0)
			goto out;
	}

	/* Side effects start here, after the confirmation. */
	if (o->image) {
		lium_template_spec spec = LIUM_TEMPLATE_SPEC_INIT;
		lium_kv *kv = lium_calloc(o->nenv + 1, sizeof *kv);
		unsigned int ports[1] = {22};
		char hex[33];
		size_t i;
		lium_buf seed = LIUM_BUF_INIT;
		lium_buf_printf(&seed, "%s:%s|%s|%s", lium_buf_cstr(&image), lium_buf_cstr(&tag),
				o->entrypoint ? o->entrypoint : "", o->cmd ? o->cmd : "");
		for (i = 0; i < o->nenv; i++) {
			char *eq = strchr(o->env[i], '=');
			kv[i].key = lium_strndup(o->env[i], (size_t)(eq - o->env[i]));
			kv[i].value = eq + 1;
			lium_buf_printf(&seed, "|%s", o->env[i]);
		}
		lium_md5_hex(seed.ptr, seed.size, hex);
		lium_buf_dispose(&seed);
		lium_buf_printf(&tname, "ephemeral-%.8s", hex);
		spec.name = lium_buf_cstr(&tname);
		spec.docker_image = lium_buf_cstr(&image);
		spec.docker_image_tag = lium_buf_cstr(&tag);
		spec.internal_ports = o->ninternal ? o->internal_ports : ports;
		spec.internal_port_count = o->ninternal ? o->ninternal : 1;
		spec.entrypoint = o->entrypoint;
		spec.startup_commands = o->cmd;
		spec.environment = kv;
		spec.environment_count = o->nenv;
		spec.is_private = 1;
		spec.one_time_template = 1;
		cli_progress("Creating a template for %s...", o->image);
		st = lium_templates_create(client, &spec, &created_tmpl, &err);
		cli_progress_done();
		for (i = 0; i < o->nenv; i++)
			lium_free(kv[i].key);
		lium_free(kv);
		if (st != LIUM_OK) {
			rc = cli_api_fail(st, &err, "up");
			goto out;
		}
		tmpl = created_tmpl;
	}
	if (vol_name) {
		cli_progress("Creating volume %s...", vol_name);
		st = lium_volumes_create(client, vol_name, vol_desc ? vol_desc : "", &vol, &err);
		cli_progress_done();
		if (st != LIUM_OK) {
			rc = cli_api_fail(st, &err, "up");
			goto out;
		}
		volume_id = lium_strdup(vol->id);
	}
	if (o->ssh_name)
		snprintf(keyname, sizeof keyname, "%s", o->ssh_name);
	else
		cli_key_default_name(keyname, sizeof keyname);
	st = cli_key_register(client, lium_buf_cstr(&pub), keyname, &registered, &err);
	if (st != LIUM_OK)
		cli_warn("could not register the SSH key (%s); renting anyway", err.message);

	public_keys[0] = lium_buf_cstr(&pub);
	ro.pod_name = pod_name;
	ro.template_id = tmpl ? tmpl->id : NULL;
	ro.dockerfile_content = o->dockerfile ? lium_buf_cstr(&o->dockerfile_text) : NULL;
	ro.volume_id = volume_id;
	ro.public_keys = public_keys;
	ro.public_key_count = 1;
	ro.initial_port_count = (unsigned int)o->ports;
	/* From here on Ctrl-C must not leave an unknown pod behind without a word. */
	cli_signals_install();
	cli_progress("Renting %s...", e->huid);
	/* Exactly one call: the library resolves an uncertain outcome itself. */
	st = lium_executors_rent(client, e->id, &ro, &pod, &err);
	cli_progress_done();
	if (st != LIUM_OK) {
		rc = cli_api_fail(st, &err, "up");
		if (st != LIUM_EAUTH && st != LIUM_EVALIDATION && st != LIUM_ENOTFOUND &&
		    !cli_out.json)
			fprintf(stderr,
				"The rent may or may not have happened: check 'lium ps' before "
				"trying again.\n");
		goto out;
	}
	if (!cli_out.json)
		cli_info("Rented %s: pod %s (%s), $%.2f/h", e->huid, pod->huid,
			 pod->name ? pod->name : pod_name, price);

	/* The removal is scheduled as soon as the pod exists. */
	if (o->ttl_seconds || o->remove_at != LIUM_TIME_NONE) {
		lium_time when = o->ttl_seconds ? cli_now() + o->ttl_seconds : o->remove_at;
		st = lium_pods_schedule_removal(client, pod->id, when, &err);
		if (st != LIUM_OK) {
			rc = cli_fail(cli_exit_for_status(st), "up",
				      "pod %s exists but its removal could not be scheduled (%s); "
				      "schedule it with 'lium down %s --in %s' or remove it with "
				      "'lium down %s'",
				      pod->huid, err.message, pod->huid, o->ttl ? o->ttl : "1h",
				      pod->huid);
			goto out;
		}
		pod->removal_scheduled_at = when;
	}

	if (o->no_wait) {
		if (cli_out.json) {
			struct cli_json j;
			cli_json_init(&j, 1);
			cli_json_begin_object(&j);
			cli_json_key(&j, "pod");
			json_pod(&j, pod, pod_name, price);
			cli_json_kbool(&j, "ready", 0);
			cli_json_end_object(&j);
			cli_json_print(&j, stdout);
			cli_json_dispose(&j);
		} else if (!cli_out.quiet) {
			printf("Pod %s is starting.  Follow it with: lium ps %s\n", pod->huid,
			       pod->huid);
		}
		rc = 0;
		goto out;
	}

	rc = wait_ready(ctx, client, pod, o->wait_seconds, price, &ready);
	if (rc != 0 || !ready)
		goto out;
	if (ready->removal_scheduled_at == LIUM_TIME_NONE)
		ready->removal_scheduled_at = pod->removal_scheduled_at;
	if (o->jupyter && (rc = install_jupyter(client, ready, &jupyter_url)) != 0)
		goto out;
	if (cli_out.json) {
		struct cli_json j;
		lium_buf cmd = LIUM_BUF_INIT;
		lium_buf_printf(&cmd, "lium ssh %s", ready->huid);
		cli_json_init(&j, 1);
		cli_json_begin_object(&j);
		cli_json_key(&j, "pod");
		json_pod(&j, ready, pod_name, price);
		cli_json_kbool(&j, "ready", 1);
		cli_json_kstring(&j, "ssh", lium_buf_cstr(&cmd));
		cli_json_kstring(&j, "jupyter_url", jupyter_url);
		cli_json_end_object(&j);
		cli_json_print(&j, stdout);
		cli_json_dispose(&j);
		lium_buf_dispose(&cmd);
	} else {
		lium_ssh_endpoint ep;
		printf("%sPod %s (%s) is ready.%s\n", cli_c(CLI_C_GREEN), ready->huid,
		       ready->name ? ready->name : pod_name, cli_c(CLI_C_RESET));
		printf("  connect:  lium ssh %s\n", ready->huid);
		if (lium_sshcmd_parse(ready->ssh_connect_cmd, &ep, NULL) == LIUM_OK)
			printf("  or:       ssh -i %s -p %u %s@%s\n", key, ep.port, ep.user,
			       ep.host);
		if (jupyter_url)
			printf("  jupyter:  %s\n", jupyter_url);
		printf("  run:      lium exec %s 'nvidia-smi'\n", ready->huid);
		printf("  remove:   lium down %s\n", ready->huid);
	}
	rc = 0;
out:
	cli_offers_dispose(&set);
	lium_template_list_free(tl);
	lium_template_free(fetched);
	lium_template_free(created_tmpl);
	lium_volume_free(vol);
	lium_pod_free(pod);
	lium_pod_free(ready);
	lium_free(jupyter_url);
	lium_buf_dispose(&pub);
	lium_buf_dispose(&image);
	lium_buf_dispose(&tag);
	lium_buf_dispose(&tname);
	lium_free(key);
	lium_free(volume_id);
	lium_free(vol_name);
	lium_free(vol_desc);
	return rc;
}

int cli_cmd_up(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"template", 't', 1, O_TEMPLATE},
					      {"template_id", 0, 1, O_TEMPLATE},
					      {"image", 0, 1, O_IMAGE},
					      {"name", 'n', 1, O_NAME},
					      {"volume", 0, 1, O_VOLUME},
					      {"env", 'e', 1, O_ENV},
					      {"ports", 'p', 1, O_PORTS},
					      {"ttl", 0, 1, O_TTL},
					      {"until", 0, 1, O_UNTIL},
					      {"max-price", 0, 1, O_MAX_PRICE},
					      {"no-wait", 0, 0, O_NO_WAIT},
					      {"timeout", 0, 1, O_TIMEOUT},
					      {"yes", 'y', 0, O_YES},
					      {"gpu", 0, 1, O_GPU},
					      {"count", 'c', 1, O_COUNT},
					      {"country", 0, 1, O_COUNTRY},
					      {"internal-ports", 0, 1, O_INTERNAL_PORTS},
					      {"entrypoint", 0, 1, O_ENTRYPOINT},
					      {"cmd", 0, 1, O_CMD},
					      {"dockerfile", 0, 1, O_DOCKERFILE},
					      {"ssh-name", 0, 1, O_SSH_NAME},
					      {"jupyter", 0, 0, O_JUPYTER},
					      {NULL, 0, 0, 0}};
	struct cli_parser p;
	struct cli_offer_query q;
	struct cli_config *cfg;
	struct up_opts o;
	lium_buf offer = LIUM_BUF_INIT;
	int c, idx, i, rc = 0, have_flags = 0;
	lium_error err;

	memset(&o, 0, sizeof o);
	o.remove_at = LIUM_TIME_NONE;
	o.env = lium_calloc((size_t)argc + 1, sizeof *o.env);
	cli_offer_query_init(&q);
	cli_parser_init(&p, ctx, argc, argv, opts, 0);
	while ((c = cli_parser_next(&p)) != CLI_OPT_END) {
		switch (c) {
		case O_TEMPLATE:
			o.template_arg = p.arg;
			break;
		case O_IMAGE:
			o.image = p.arg;
			break;
		case O_NAME:
			if (!*p.arg) {
				rc = cli_usage_error("--name: empty name");
				goto parse_fail;
			}
			o.name = p.arg;
			break;
		case O_VOLUME:
			o.volume = p.arg;
			break;
		case O_ENV: {
			const char *eq = strchr(p.arg, '=');
			if (!eq || eq == p.arg) {
				rc = cli_usage_error("-e: '%s' is not KEY=VALUE", p.arg);
				goto parse_fail;
			}
			o.env[o.nenv++] = p.arg;
			break;
		}
		case O_PORTS:
			if (cli_parse_uint("--ports", p.arg, 1, 1000, &o.ports) != 0) {
				rc = CLI_EXIT_USAGE;
				goto parse_fail;
			}
			break;
		case O_TTL:
			o.ttl = p.arg;
			break;
		case O_UNTIL:
			o.until = p.arg;
			break;
		case O_MAX_PRICE:
			if (cli_parse_double("--max-price", p.arg, &o.max_price) != 0) {
				rc = CLI_EXIT_USAGE;
				goto parse_fail;
			}
			if (!(o.max_price > 0)) {
				rc = cli_usage_error("--max-price must be positive");
				goto parse_fail;
			}
			o.has_max_price = 1;
			break;
		case O_NO_WAIT:
			o.no_wait = 1;
			break;
		case O_TIMEOUT:
			o.timeout = p.arg;
			break;
		case O_YES:
			o.yes = 1;
			break;
		case O_GPU:
			have_flags = 1;
			if ((rc = cli_offer_query_option(&q, CLI_OQ_GPU, p.arg)) != 0)
				goto parse_fail;
			break;
		case O_COUNT:
			have_flags = 1;
			if ((rc = cli_offer_query_option(&q, CLI_OQ_COUNT, p.arg)) != 0)
				goto parse_fail;
			break;
		case O_COUNTRY:
			have_flags = 1;
			if ((rc = cli_offer_query_option(&q, CLI_OQ_COUNTRY, p.arg)) != 0)
				goto parse_fail;
			break;
		case O_INTERNAL_PORTS:
			if ((rc = parse_ports(p.arg, &o)) != 0)
				goto parse_fail;
			break;
		case O_ENTRYPOINT:
			o.entrypoint = p.arg;
			break;
		case O_CMD:
			o.cmd = p.arg;
			break;
		case O_DOCKERFILE:
			o.dockerfile = p.arg;
			break;
		case O_SSH_NAME:
			if (!*p.arg || strlen(p.arg) > 64) {
				rc = cli_usage_error("--ssh-name: 1 to 64 characters");
				goto parse_fail;
			}
			o.ssh_name = p.arg;
			break;
		case O_JUPYTER:
			o.jupyter = 1;
			break;
		case CLI_OPT_HELP:
			cli_parser_dispose(&p);
			cli_help_print(cli_command_find("up"), stdout);
			goto done;
		default:
			rc = CLI_EXIT_USAGE;
			goto parse_fail;
		}
	}
	idx = cli_parser_index(&p);
	cli_parser_dispose(&p);
	for (i = idx; i < argc; i++)
		lium_buf_printf(&offer, "%s%s", i > idx ? " " : "", argv[i]);

	if (offer.size && have_flags && !looks_like_query(lium_buf_cstr(&offer))) {
		rc = cli_usage_error("give OFFER or --gpu/--count/--country, not both");
		goto done;
	}
	if (!offer.size && !have_flags) {
		rc = cli_usage_error("missing OFFER (a row of 'lium ls', an offer HUID or id, or a "
				     "query such as gpu=H100)");
		goto done;
	}
	if (o.ttl && o.until) {
		rc = cli_usage_error("--ttl and --until cannot be combined");
		goto done;
	}
	if (o.image && o.template_arg) {
		rc = cli_usage_error("--image and --template cannot be combined");
		goto done;
	}
	if (o.dockerfile && (o.image || o.template_arg)) {
		rc = cli_usage_error("--dockerfile cannot be combined with --image or --template");
		goto done;
	}
	if ((o.nenv || o.ninternal || o.entrypoint || o.cmd) && !o.image) {
		rc = cli_usage_error("-e, --internal-ports, --entrypoint and --cmd need --image (a "
				     "template carries its own)");
		goto done;
	}
	if (o.dockerfile && (rc = read_dockerfile(&o)) != 0)
		goto done;
	if (o.ttl && lium_duration_parse(o.ttl, &o.ttl_seconds, &err) != LIUM_OK) {
		rc = cli_usage_error("--ttl: invalid duration '%s' (e.g. 45m, 6h, 2d)", o.ttl);
		goto done;
	}
	if (o.until) {
		lium_time now = cli_now();
		lium_status st =
			lium_when_parse(o.until, now, cli_utc_offset(now), &o.remove_at, &err);
		if (st == LIUM_EVALIDATION) {
			rc = cli_usage_error("--until: '%s' is not in the future", o.until);
			goto done;
		}
		if (st != LIUM_OK) {
			rc = cli_usage_error("--until: invalid time '%s': %s", o.until,
					     err.message);
			goto done;
		}
	}
	if ((rc = cli_ctx_config(ctx, &cfg)) != 0)
		goto done;
	{
		const char *wt = o.timeout ? o.timeout : cli_config_get(cfg, "up.wait_timeout");
		if (lium_duration_parse(wt, &o.wait_seconds, &err) != LIUM_OK) {
			rc = cli_usage_error("--timeout: invalid duration '%s'", wt);
			goto done;
		}
	}
	if (!o.yes && !cli_out.tty_in) {
		rc = cli_usage_error("renting needs a confirmation: pass -y (stdin is not a "
				     "terminal, so lium does not prompt)");
		goto done;
	}
	rc = do_up(ctx, offer.size ? lium_buf_cstr(&offer) : NULL, &q, have_flags, &o);
	goto done;
parse_fail:
	cli_parser_dispose(&p);
done:
	cli_offer_query_dispose(&q);
	lium_buf_dispose(&offer);
	lium_free(o.env);
	lium_buf_dispose(&o.dockerfile_text);
	return rc;
}
