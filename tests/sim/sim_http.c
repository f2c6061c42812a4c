/*
 * celium-sim: the HTTP side.  libmicrohttpd runs one thread per
 * connection, so a handler may sleep (latency faults) or stream (pod logs)
 * without holding up other clients.  Every handler runs under sim.lock.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static struct MHD_Daemon *daemon_handle;

typedef struct conn_ctx {
	char *uri;
	sim_str body;
	bool too_big;
	bool started;
} conn_ctx;

/* ---- responses -------------------------------------------------------- */

void sim_resp_json(sim_resp *r, unsigned int status, json_t *body)
{
	free(r->body);
	r->status = status;
	r->body = json_dumps(body, SIM_JSON_FLAGS | JSON_ENCODE_ANY);
	r->len = r->body ? strlen(r->body) : 0;
	r->content_type = "application/json";
	json_decref(body);
}

void sim_resp_detail(sim_resp *r, unsigned int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	json_t *o = json_object();
	json_object_set_new(o, "detail", json_string(msg ? msg : "error"));
	free(msg);
	sim_resp_json(r, status, o);
}

void sim_resp_422(sim_resp *r, json_t *errors)
{
	json_t *o = json_object();
	json_object_set_new(o, "detail", errors);
	sim_resp_json(r, 422, o);
}

const char *sim_query(const sim_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- routing ---------------------------------------------------------- */

typedef struct route {
	const char *method;
	const char *pattern;
	sim_handler handler;
} route;

static const route routes[] = {
	{"GET", "executors", sim_h_executors},
	{"GET", "executors/default-docker-image", sim_h_default_image},
	{"GET", "executors/deployment-estimate", sim_h_estimate},
	{"POST", "executors/:/rent", sim_h_rent},
	{"GET", "machines", sim_h_machines},
	{"GET", "pods", sim_h_pods_list},
	{"GET", "pods/:", sim_h_pod_get},
	{"DELETE", "pods/:", sim_h_pod_delete},
	{"POST", "pods/:/reboot", sim_h_pod_reboot},
	{"GET", "pods/:/logs", sim_h_pod_logs},
	{"PUT", "pods/:/switch-template", sim_h_pod_switch},
	{"POST", "pods/:/schedule-removal", sim_h_pod_schedule},
	{"DELETE", "pods/:/schedule-removal", sim_h_pod_unschedule},
	{"POST", "pods/:/install-jupyter", sim_h_pod_jupyter},
	{"POST", "pods/:/backup", sim_h_pod_backup},
	{"POST", "pods/:/restore", sim_h_pod_restore},
	{"GET", "pods/:/restore-logs", sim_h_pod_restore_logs},
	{"GET", "templates", sim_h_templates_list},
	{"GET", "templates/:", sim_h_template_get},
	{"POST", "templates", sim_h_template_create},
	{"PUT", "templates/:", sim_h_template_update},
	{"DELETE", "templates/:", sim_h_template_delete},
	{"GET", "ssh-keys", sim_h_sshkeys_list},
	{"POST", "ssh-keys", sim_h_sshkey_create},
	{"DELETE", "ssh-keys/:", sim_h_sshkey_delete},
	{"GET", "volumes", sim_h_volumes_list},
	{"GET", "volumes/:", sim_h_volume_get},
	{"POST", "volumes", sim_h_volume_create},
	{"PUT", "volumes/:", sim_h_volume_update},
	{"DELETE", "volumes/:", sim_h_volume_delete},
	{"POST", "backup-configs", sim_h_backup_config_create},
	{"GET", "backup-configs", sim_h_backup_configs_list},
	{"GET", "backup-configs/pod/:", sim_h_backup_config_of_pod},
	{"DELETE", "backup-configs/:", sim_h_backup_config_delete},
	{"GET", "backup-logs/pod/:", sim_h_backup_logs_of_pod},
	{"GET", "users/me", sim_h_users_me},
	{"POST", "tao/create-transfer", sim_h_tao_transfer},
	{"GET", "tmc-pay/currencies", sim_h_tmc_currencies},
	{"POST", "tmc-pay/create-invoice", sim_h_tmc_invoice},
};

static bool pattern_matches(const char *pattern, const sim_req *r)
{
	int i = 0;
	const char *p = pattern;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (i >= r->nsegs)
			return false;
		if (!(n == 1 && p[0] == ':')) {
			if (strlen(r->segs[i]) != n || strncmp(r->segs[i], p, n) != 0)
				return false;
		} else if (r->segs[i][0] == '\0') {
			return false;
		}
		i++;
		p += n;
		if (*p == '/')
			p++;
	}
	return i == r->nsegs;
}

static void split_path(sim_req *r, char *copy)
{
	r->nsegs = 0;
	char *p = copy;
	while (*p == '/')
		p++;
	if (!*p)
		return;
	for (;;) {
		if (r->nsegs == (int)(sizeof r->segs / sizeof r->segs[0])) {
			r->nsegs = -1; /* too deep: matches nothing */
			return;
		}
		r->segs[r->nsegs++] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		p = slash + 1;
	}
}

/* ---- the request log -------------------------------------------------- */

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	(void)kind;
	json_t *obj = cls;
	char name[128];
	size_t n = strlen(key);
	if (n >= sizeof name)
		n = sizeof name - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] - 'A' + 'a' : key[i]);
	name[n] = '\0';
	json_object_set_new(obj, name, json_string(value ? value : ""));
	return MHD_YES;
}

static json_t *log_request(const sim_req *r, bool key_ok)
{
	json_t *e = json_object();
	json_object_set_new(e, "seq", json_integer(++sim.next_seq));
	json_object_set_new(e, "method", json_string(r->method));
	json_object_set_new(e, "path", json_string(r->path));
	json_object_set_new(e, "query", json_string(r->query));
	json_object_set_new(e, "status", json_null());
	json_object_set_new(e, "api_key_ok", json_boolean(key_ok));
	if (r->body_len == 0)
		json_object_set_new(e, "body", json_null());
	else if (r->json) /* a copy: r->json is released without the lock */
		json_object_set_new(e, "body", json_deep_copy(r->json));
	else {
		json_t *str = json_stringn(r->body, r->body_len);
		json_object_set_new(e, "body",
				    str ? str : json_string("(a body that is not UTF-8)"));
	}
	json_t *headers = json_object();
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_header, headers);
	json_object_set_new(e, "headers", headers);
	char ts[32];
	sim_iso_time(sim_now(), ts);
	json_object_set_new(e, "time", json_string(ts));
	json_array_append(sim.requests, e);
	return e; /* the caller holds a reference */
}

/* ---- the control API (/_sim/...) -------------------------------------- */

static bool from_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return in6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

static void control(sim_req *r, sim_resp *resp)
{
	/* segs[0] is "_sim" */
	const char *what = r->nsegs > 1 ? r->segs[1] : "";
	bool get = strcmp(r->method, "GET") == 0;
	bool post = strcmp(r->method, "POST") == 0;
	bool del = strcmp(r->method, "DELETE") == 0;

	if (strcmp(what, "health") == 0 && r->nsegs == 2 && get) {
		json_t *o = json_object();
		json_object_set_new(o, "ok", json_true());
		json_object_set_new(o, "instance", json_string(sim.instance));
		json_object_set_new(o, "pid", json_integer(getpid()));
		json_object_set_new(o, "guardian_pid", json_integer(sim.guardian_pid));
		json_object_set_new(o, "state_dir", json_string(sim.state_dir));
		json_object_set_new(o, "pod_user", json_string(sim.pod_user));
		json_object_set_new(o, "executors", json_integer((json_int_t)sim.nexecs));
		json_object_set_new(o, "clock_offset_s", json_real(sim.clock_offset));
		sim_resp_json(resp, 200, o);
		return;
	}
	if (strcmp(what, "faults") == 0) {
		if (r->nsegs == 2 && get) {
			sim_resp_json(resp, 200, sim_faults_json());
		} else if (r->nsegs == 2 && post) {
			json_t *errors = json_array();
			if (!r->json || !json_is_object(r->json)) {
				sim_verr(errors, "model_attributes_type", "body", NULL,
					 "Input should be a JSON object", NULL);
				sim_resp_422(resp, errors);
				return;
			}
			sim_fault *f = sim_fault_from_json(r->json, errors);
			if (!f) {
				sim_resp_422(resp, errors);
				return;
			}
			json_decref(errors);
			long long id = sim_faults_add(f);
			json_t *o = sim_fault_to_json(f);
			json_object_set_new(o, "id", json_integer(id));
			sim_resp_json(resp, 200, o);
		} else if (r->nsegs == 2 && del) {
			sim_faults_clear();
			sim_resp_json(resp, 200, json_pack("{s:b}", "ok", 1));
		} else if (r->nsegs == 3 && del) {
			char *end = NULL;
			long long id = strtoll(r->segs[2], &end, 10);
			if (!*r->segs[2] || *end || !sim_faults_remove(id)) {
				sim_resp_detail(resp, 404, "Fault not found");
				return;
			}
			sim_resp_json(resp, 200, json_pack("{s:b}", "ok", 1));
		} else {
			sim_resp_detail(resp, 405, "Method Not Allowed");
		}
		return;
	}
	if (strcmp(what, "requests") == 0 && r->nsegs == 2) {
		if (get) {
			sim_resp_json(resp, 200, json_deep_copy(sim.requests));
		} else if (del) {
			json_array_clear(sim.requests);
			sim_resp_json(resp, 200, json_pack("{s:b}", "ok", 1));
		} else {
			sim_resp_detail(resp, 405, "Method Not Allowed");
		}
		return;
	}
	if (strcmp(what, "pods") == 0 && r->nsegs >= 3) {
		const char *id = r->segs[2];
		if (r->nsegs == 3 && get) {
			sim_h_sim_pod_info(r, resp, id);
		} else if (r->nsegs == 4 && post && strcmp(r->segs[3], "state") == 0) {
			sim_h_sim_pod_state(r, resp, id);
		} else if (r->nsegs == 4 && post && strcmp(r->segs[3], "ssh") == 0) {
			sim_h_sim_pod_ssh(r, resp, id);
		} else {
			sim_resp_detail(resp, 404, "Not Found");
		}
		return;
	}
	if (strcmp(what, "clock") == 0 && r->nsegs == 2 && (post || get)) {
		if (post) {
			json_t *adv = r->json ? json_object_get(r->json, "advance_s") : NULL;
			if (!adv || !json_is_number(adv) || json_number_value(adv) < 0) {
				json_t *errors = json_array();
				sim_verr(errors, "float_type", "body", "advance_s",
					 "Input should be a non-negative number",
					 adv ? json_incref(adv) : NULL);
				sim_resp_422(resp, errors);
				return;
			}
			sim.clock_offset += json_number_value(adv);
			sim_wake();
		}
		json_t *o = json_object();
		json_object_set_new(o, "offset_s", json_real(sim.clock_offset));
		char ts[32];
		sim_iso_time(sim_now(), ts);
		json_object_set_new(o, "now", json_string(ts));
		sim_resp_json(resp, 200, o);
		return;
	}
	if (strcmp(what, "balance") == 0 && r->nsegs == 2 && post) {
		json_t *bal = r->json ? json_object_get(r->json, "balance") : NULL;
		json_t *key = r->json ? json_object_get(r->json, "api_key") : NULL;
		if (!bal || !json_is_number(bal) || (key && !json_is_string(key))) {
			json_t *errors = json_array();
			sim_verr(errors, "float_type", "body", "balance",
				 "Input should be a valid number", bal ? json_incref(bal) : NULL);
			sim_resp_422(resp, errors);
			return;
		}
		const char *k = key ? json_string_value(key) : NULL;
		int uid = -1;
		for (size_t i = 0; i < sim.users.len; i++) {
			sim_user *u = sim.users.items[i];
			if (!k || strcmp(u->api_key, k) == 0) {
				uid = (int)i;
				break;
			}
		}
		if (uid < 0) {
			sim_resp_detail(resp, 404, "No user with that API key");
			return;
		}
		/* Set the balance as seen now: credit absorbs what pods have cost. */
		sim_user *u = sim.users.items[uid];
		double current = sim_user_balance(uid);
		u->credit += json_number_value(bal) - current;
		json_t *o = json_object();
		json_object_set_new(o, "balance", json_real(sim_user_balance(uid)));
		sim_resp_json(resp, 200, o);
		return;
	}
	sim_resp_detail(resp, 404, "Not Found");
}

/* ---- the main handler ------------------------------------------------- */

typedef struct truncated_body {
	char *data;
	size_t len;
	size_t cut;
} truncated_body;

static ssize_t truncated_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	truncated_body *t = cls;
	if (pos >= t->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = t->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, t->data + pos, n);
	return (ssize_t)n;
}

static void truncated_free(void *cls)
{
	truncated_body *t = cls;
	free(t->data);
	free(t);
}

static ssize_t cut_stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void free_cb(void *p)
{
	free(p);
}

static void add_common_headers(struct MHD_Response *mr, const sim_resp *resp)
{
	if (resp->content_type)
		MHD_add_response_header(mr, "Content-Type", resp->content_type);
	if (resp->retry_after > 0) {
		char v[24];
		snprintf(v, sizeof v, "%d", resp->retry_after);
		MHD_add_response_header(mr, "Retry-After", v);
	}
	if (resp->location)
		MHD_add_response_header(mr, "Location", resp->location);
	MHD_add_response_header(mr, "Server", "celium-sim");
}

static void apply_status_fault(sim_resp *resp, const sim_fault *f)
{
	if (resp->reader_free && resp->reader_cls)
		resp->reader_free(resp->reader_cls);
	resp->reader = NULL;
	resp->reader_cls = NULL;
	resp->reader_free = NULL;
	const char *reason = MHD_get_reason_phrase_for(f->status);
	if (f->status == 429)
		sim_resp_detail(resp, 429, "Rate limit exceeded");
	else
		sim_resp_detail(resp, f->status, "%s", reason && *reason ? reason : "Error");
	resp->retry_after = f->retry_after;
}

static void apply_malformed_fault(sim_resp *resp)
{
	if (resp->reader_free && resp->reader_cls)
		resp->reader_free(resp->reader_cls);
	resp->reader = NULL;
	resp->reader_cls = NULL;
	resp->reader_free = NULL;
	free(resp->body);
	resp->body =
		sim_xstrdup("{\"detail\": \"celium-sim malformed response\", \"items\": [1, 2,");
	resp->len = strlen(resp->body);
	resp->status = 200;
	resp->content_type = "application/json";
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static bool json_content_type(const char *ct)
{
	while (*ct == ' ')
		ct++;
	size_t n = strcspn(ct, ";");
	while (n > 0 && ct[n - 1] == ' ')
		n--;
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return true;
	/* application/<anything>+json */
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	       strncasecmp(ct + n - 5, "+json", 5) == 0;
}

static enum MHD_Result handle(conn_ctx *c, struct MHD_Connection *conn, const char *url,
			      const char *method)
{
	sim_req r = {0};
	sim_resp resp = {0};
	r.conn = conn;
	r.user = -1;
	snprintf(r.method, sizeof r.method, "%s", method);
	r.path = sim_xstrdup(url && *url ? url : "/");
	const char *q = c->uri ? strchr(c->uri, '?') : NULL;
	r.query = sim_xstrdup(q ? q + 1 : "");
	r.body_len = c->body.len;
	r.body = c->body.data ? c->body.data : (char *)"";
	r.body_too_big = c->too_big;
	if (r.body_len) {
		r.json = json_loadb(r.body, r.body_len, JSON_DECODE_ANY, NULL);
		/*
		 * FastAPI parses a body as JSON without a Content-Type or with a
		 * JSON one; any other type (libcurl's default form encoding,
		 * say) reaches the model as bytes and fails validation.
		 */
		const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		if (ct && !json_content_type(ct)) {
			r.not_json_type = true;
			json_decref(r.json);
			r.json = NULL;
		}
	}
	char *segcopy = sim_xstrdup(r.path);
	split_path(&r, segcopy);

	bool is_control = r.nsegs > 0 && strcmp(r.segs[0], "_sim") == 0;
	if (is_control) {
		/* the control API takes `curl -d '{...}'` as it comes */
		if (r.not_json_type)
			r.json = json_loadb(r.body, r.body_len, JSON_DECODE_ANY, NULL);
		if (!from_loopback(conn)) {
			sim_resp_detail(&resp, 403,
					"The control API answers loopback clients only");
		} else {
			pthread_mutex_lock(&sim.lock);
			control(&r, &resp);
			pthread_mutex_unlock(&sim.lock);
		}
		goto send;
	}

	/* The API proper. */
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-KEY");
	pthread_mutex_lock(&sim.lock);
	for (size_t i = 0; key && i < sim.users.len; i++) {
		sim_user *u = sim.users.items[i];
		if (strcmp(u->api_key, key) == 0) {
			r.user = (int)i;
			break;
		}
	}
	json_t *entry = log_request(&r, r.user >= 0);
	sim_fault fault;
	bool faulted = sim_faults_match(r.method, r.path, &fault);
	pthread_mutex_unlock(&sim.lock);

	bool fault_done = false;
	bool skip_handler = false;
	if (faulted && !fault.when_after) {
		switch (fault.mode) {
		case SIM_FAULT_LATENCY:
			sleep_ms(fault.latency_ms);
			fault_done = true;
			break;
		case SIM_FAULT_DROP:
			goto drop;
		case SIM_FAULT_STATUS:
			apply_status_fault(&resp, &fault);
			goto record;
		case SIM_FAULT_MALFORMED:
			apply_malformed_fault(&resp);
			goto record;
		case SIM_FAULT_TRUNCATE:
			/*
			 * A GET has no side effect, so the real body is cut;
			 * anything else must not act before the fault.
			 */
			if (strcmp(r.method, "GET") != 0) {
				skip_handler = true;
				sim_resp_json(&resp, 200,
					      json_pack("{s:s}", "detail",
							"celium-sim truncated response"));
			}
			break;
		}
	}

	{
		const route *match = NULL;
		bool path_known = false;
		for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
			if (!pattern_matches(routes[i].pattern, &r))
				continue;
			path_known = true;
			if (strcmp(routes[i].method, r.method) == 0) {
				match = &routes[i];
				break;
			}
		}
		if (skip_handler) {
			/* the fault answers */
		} else if (!path_known) {
			sim_resp_detail(&resp, 404, "Not Found");
		} else if (!match) {
			sim_resp_detail(&resp, 405, "Method Not Allowed");
		} else if (r.body_too_big) {
			sim_resp_detail(&resp, 413, "Request body too large");
		} else if (!key || !*key) {
			sim_resp_detail(&resp, 401,
					"Not authenticated: the X-API-KEY header is "
					"missing");
		} else if (r.user < 0) {
			sim_resp_detail(&resp, 401, "Invalid API key");
		} else {
			pthread_mutex_lock(&sim.lock);
			match->handler(&r, &resp);
			pthread_mutex_unlock(&sim.lock);
		}
	}

	if (faulted && !fault_done && (fault.when_after || fault.mode == SIM_FAULT_TRUNCATE)) {
		switch (fault.mode) {
		case SIM_FAULT_LATENCY:
			sleep_ms(fault.latency_ms);
			break;
		case SIM_FAULT_DROP:
			goto drop;
		case SIM_FAULT_STATUS:
			apply_status_fault(&resp, &fault);
			break;
		case SIM_FAULT_MALFORMED:
			apply_malformed_fault(&resp);
			break;
		case SIM_FAULT_TRUNCATE:
			if (resp.reader) {
				if (resp.reader_free && resp.reader_cls)
					resp.reader_free(resp.reader_cls);
				resp.reader = cut_stream_reader;
				resp.reader_cls = NULL;
				resp.reader_free = NULL;
			} else {
				truncated_body *t = sim_xcalloc(1, sizeof *t);
				t->data = resp.body;
				t->len = resp.len;
				t->cut = resp.len / 2;
				resp.body = NULL;
				resp.reader = truncated_reader;
				resp.reader_cls = t;
				resp.reader_free = truncated_free;
				resp.len = t->len;
			}
			break;
		}
	}

record:
	pthread_mutex_lock(&sim.lock);
	json_object_set_new(entry, "status", json_integer(resp.status));
	if (faulted)
		json_object_set_new(entry, "fault", json_integer(fault.id));
	json_decref(entry);
	pthread_mutex_unlock(&sim.lock);
	sim_log("%s %s%s%s -> %u", r.method, r.path, *r.query ? "?" : "", r.query, resp.status);
	goto send;

drop:
	pthread_mutex_lock(&sim.lock);
	json_object_set_new(entry, "status", json_integer(0));
	json_object_set_new(entry, "fault", json_integer(fault.id));
	json_decref(entry);
	pthread_mutex_unlock(&sim.lock);
	sim_log("%s %s -> connection dropped (fault %lld)", r.method, r.path, fault.id);
	if (resp.reader_free && resp.reader_cls)
		resp.reader_free(resp.reader_cls);
	free(resp.body);
	free(resp.location);
	json_decref(r.json);
	free(r.path);
	free(r.query);
	free(segcopy);
	return MHD_NO;

send:;
	struct MHD_Response *mr;
	if (resp.reader) {
		bool truncated = resp.reader == truncated_reader;
		mr = MHD_create_response_from_callback(truncated ? resp.len : MHD_SIZE_UNKNOWN,
						       16 * 1024, resp.reader, resp.reader_cls,
						       resp.reader_free);
	} else {
		if (!resp.body) {
			resp.body = sim_xstrdup("");
			resp.len = 0;
		}
		mr = MHD_create_response_from_buffer_with_free_callback(resp.len, resp.body,
									free_cb);
		resp.body = NULL;
	}
	enum MHD_Result ret = MHD_NO;
	if (mr) {
		add_common_headers(mr, &resp);
		ret = MHD_queue_response(conn, resp.status ? resp.status : 500, mr);
		MHD_destroy_response(mr);
	}
	free(resp.body);
	free(resp.location);
	json_decref(r.json);
	free(r.path);
	free(r.query);
	free(segcopy);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	conn_ctx *c = *con_cls;
	if (!c) {
		c = sim_xcalloc(1, sizeof *c);
		*con_cls = c;
	}
	if (!c->started) {
		c->started = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (c->body.len + *upload_data_size > SIM_MAX_BODY)
			c->too_big = true;
		else
			sim_str_add(&c->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return handle(c, conn, url, method);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	conn_ctx *c = sim_xcalloc(1, sizeof *c);
	c->uri = sim_xstrdup(uri ? uri : "/");
	return c;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	conn_ctx *c = *con_cls;
	if (!c)
		return;
	free(c->uri);
	free(c->body.data);
	free(c);
	*con_cls = NULL;
}

static int listen_socket(const char *host, int port, int *family, int *bound_port)
{
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%d", port);
	int rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		hints.ai_flags = AI_PASSIVE;
		rc = getaddrinfo(host, portstr, &hints, &res);
	}
	if (rc != 0) {
		sim_warn("cannot resolve --host %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 512) == 0) {
			*family = ai->ai_family;
			struct sockaddr_storage ss;
			socklen_t sl = sizeof ss;
			getsockname(fd, (struct sockaddr *)&ss, &sl);
			if (ss.ss_family == AF_INET)
				*bound_port = ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
			else
				*bound_port =
					ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
			break;
		}
		sim_warn("cannot listen on %s:%d: %s", host, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int sim_http_start(void)
{
	int family = AF_INET, port = 0;
	int fd = listen_socket(sim.opt.host, sim.opt.port, &family, &port);
	if (fd < 0)
		return -1;
	unsigned int flags =
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (!sim.opt.quiet)
		flags |= MHD_USE_ERROR_LOG;
	daemon_handle =
		MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET,
				 fd, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300, MHD_OPTION_END);
	if (!daemon_handle) {
		sim_warn("cannot start the HTTP server");
		close(fd);
		return -1;
	}
	const char *shown = sim.opt.host;
	if (strcmp(shown, "0.0.0.0") == 0)
		shown = "127.0.0.1";
	else if (strcmp(shown, "::") == 0)
		shown = "::1";
	if (strchr(shown, ':'))
		sim.url = sim_xasprintf("http://[%s]:%d", shown, port);
	else
		sim.url = sim_xasprintf("http://%s:%d", shown, port);
	return 0;
}

void sim_http_stop(void)
{
	if (daemon_handle)
		MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
}
