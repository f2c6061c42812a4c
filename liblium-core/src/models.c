/*
 * Domain models: lists, constructors, destructors, derived values, lookups.
 */
#include <string.h>

#include "lium/core/alloc.h"
#include "lium/core/format.h"
#include "lium/core/models.h"

static void free_location(lium_location *l)
{
	lium_free(l->country);
	lium_free(l->country_code);
	lium_free(l->iso_code);
	lium_free(l->region);
	lium_free(l->city);
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		lium_free(v[i]);
	lium_free(v);
}

/* --- per-type init and release of the fields --------------------------- */

static void executor_init(lium_executor *e)
{
	e->available_ports = -1;
}

static void executor_fini(lium_executor *e)
{
	lium_free(e->id);
	lium_free(e->machine_name);
	lium_free(e->gpu_type);
	lium_free(e->gpu_model);
	lium_free(e->cpu_model);
	lium_free(e->cuda_version);
	lium_free(e->driver_version);
	free_location(&e->location);
	lium_free(e->status);
	lium_free(e->ip_address);
	lium_free(e->tier);
	lium_free(e->os);
}

static void template_init(lium_template *t)
{
	t->created_at = LIUM_TIME_NONE;
	t->updated_at = LIUM_TIME_NONE;
}

static void template_fini(lium_template *t)
{
	size_t i;

	lium_free(t->id);
	lium_free(t->name);
	lium_free(t->description);
	lium_free(t->docker_image);
	lium_free(t->docker_image_tag);
	lium_free(t->docker_image_digest);
	lium_free(t->category);
	lium_free(t->status);
	lium_free(t->user_id);
	lium_free(t->entrypoint);
	lium_free(t->startup_commands);
	lium_free(t->readme);
	lium_free(t->internal_ports);
	free_strv(t->volumes, t->volume_count);
	for (i = 0; i < t->environment_count; i++) {
		lium_free(t->environment[i].key);
		lium_free(t->environment[i].value);
	}
	lium_free(t->environment);
}

static void pod_init(lium_pod *p)
{
	p->created_at = LIUM_TIME_NONE;
	p->updated_at = LIUM_TIME_NONE;
	p->removal_scheduled_at = LIUM_TIME_NONE;
}

static void pod_fini(lium_pod *p)
{
	lium_free(p->id);
	lium_free(p->name);
	lium_free(p->status);
	lium_free(p->ssh_connect_cmd);
	lium_free(p->ports);
	lium_free(p->jupyter_status);
	lium_free(p->jupyter_url);
	lium_executor_free(p->executor);
	lium_template_free(p->template_);
	lium_free(p->template_name);
	lium_free(p->executor_id);
	lium_free(p->gpu_name);
}

static void volume_init(lium_volume *v)
{
	v->created_at = LIUM_TIME_NONE;
	v->updated_at = LIUM_TIME_NONE;
	v->last_metrics_update = LIUM_TIME_NONE;
}

static void volume_fini(lium_volume *v)
{
	lium_free(v->id);
	lium_free(v->name);
	lium_free(v->description);
}

static void backup_config_init(lium_backup_config *c)
{
	c->is_active = 1;
	c->created_at = LIUM_TIME_NONE;
	c->updated_at = LIUM_TIME_NONE;
}

static void backup_config_fini(lium_backup_config *c)
{
	lium_free(c->id);
	lium_free(c->pod_id);
	lium_free(c->pod_executor_id);
	lium_free(c->backup_path);
}

static void backup_log_init(lium_backup_log *l)
{
	l->started_at = LIUM_TIME_NONE;
	l->completed_at = LIUM_TIME_NONE;
	l->created_at = LIUM_TIME_NONE;
}

static void backup_log_fini(lium_backup_log *l)
{
	lium_free(l->id);
	lium_free(l->backup_config_id);
	lium_free(l->status);
	lium_free(l->error_message);
	lium_free(l->backup_volume_id);
}

static void restore_log_init(lium_restore_log *l)
{
	l->started_at = LIUM_TIME_NONE;
	l->completed_at = LIUM_TIME_NONE;
	l->created_at = LIUM_TIME_NONE;
}

static void restore_log_fini(lium_restore_log *l)
{
	lium_free(l->id);
	lium_free(l->backup_id);
	lium_free(l->pod_id);
	lium_free(l->status);
	lium_free(l->error_message);
	lium_free(l->restore_path);
	free_strv(l->logs, l->log_count);
}

static void ssh_key_init(lium_ssh_key *k)
{
	k->created_at = LIUM_TIME_NONE;
}

static void ssh_key_fini(lium_ssh_key *k)
{
	lium_free(k->id);
	lium_free(k->name);
	lium_free(k->public_key);
	lium_free(k->user_id);
}

static void schedule_init(lium_schedule *s)
{
	s->removal_scheduled_at = LIUM_TIME_NONE;
}

static void schedule_fini(lium_schedule *s)
{
	lium_free(s->pod_id);
	lium_free(s->pod_name);
	lium_free(s->status);
}

static void machine_init(lium_machine *m)
{
	(void)m;
}

static void machine_fini(lium_machine *m)
{
	lium_free(m->name);
	lium_free(m->gpu_type);
}

static void docker_image_init(lium_docker_image *d)
{
	(void)d;
}

static void docker_image_fini(lium_docker_image *d)
{
	lium_free(d->docker_image);
	lium_free(d->docker_image_tag);
}

static void currency_init(lium_currency *c)
{
	(void)c;
}

static void currency_fini(lium_currency *c)
{
	lium_free(c->code);
	lium_free(c->network);
}

static void user_init(lium_user *u)
{
	(void)u;
}

static void user_fini(lium_user *u)
{
	lium_free(u->id);
	lium_free(u->email);
	lium_free(u->stripe_customer_id);
}

static void estimate_init(lium_estimate *e)
{
	(void)e;
}

static void estimate_fini(lium_estimate *e)
{
	lium_free(e->warning_message);
}

static void invoice_init(lium_invoice *inv)
{
	inv->expires_at = LIUM_TIME_NONE;
}

static void invoice_fini(lium_invoice *inv)
{
	lium_free(inv->invoice_id);
	lium_free(inv->deposit_address);
	lium_free(inv->crypto_amount);
	lium_free(inv->crypto_currency);
	lium_free(inv->crypto_network);
	lium_free(inv->fiat_currency);
	lium_free(inv->exchange_rate);
	lium_free(inv->hosted_invoice_url);
}

/* --- generic object and list code, instantiated per type --------------- */

#define DEFINE_OBJECT(T)                                  \
	static lium_##T *T##_alloc(void)                  \
	{                                                 \
		lium_##T *o = lium_calloc(1, sizeof(*o)); \
		if (o)                                    \
			T##_init(o);                      \
		return o;                                 \
	}                                                 \
	static void T##_release(lium_##T *o)              \
	{                                                 \
		if (!o)                                   \
			return;                           \
		T##_fini(o);                              \
		lium_free(o);                             \
	}

#define DEFINE_STANDALONE(T)                         \
	lium_status lium_##T##_new(lium_##T **out)   \
	{                                            \
		if (!out)                            \
			return LIUM_EINVAL;          \
		*out = T##_alloc();                  \
		return *out ? LIUM_OK : LIUM_ENOMEM; \
	}                                            \
	void lium_##T##_free(lium_##T *o)            \
	{                                            \
		T##_release(o);                      \
	}

#define DEFINE_LIST(T)                                                           \
	lium_status lium_##T##_list_new(lium_##T##_list **out)                   \
	{                                                                        \
		if (!out)                                                        \
			return LIUM_EINVAL;                                      \
		*out = lium_calloc(1, sizeof(**out));                            \
		return *out ? LIUM_OK : LIUM_ENOMEM;                             \
	}                                                                        \
	lium_status lium_##T##_list_add(lium_##T##_list *list, lium_##T **out)   \
	{                                                                        \
		lium_##T *o;                                                     \
		if (out)                                                         \
			*out = NULL;                                             \
		if (!list)                                                       \
			return LIUM_EINVAL;                                      \
		if (list->count == list->capacity) {                             \
			size_t cap = list->capacity ? list->capacity * 2 : 8;    \
			lium_##T **items;                                        \
			if (cap > (size_t)-1 / sizeof(void *))                   \
				return LIUM_ENOMEM;                              \
			items = lium_realloc(list->items, cap * sizeof(void *)); \
			if (!items)                                              \
				return LIUM_ENOMEM;                              \
			list->items = items;                                     \
			list->capacity = cap;                                    \
		}                                                                \
		o = T##_alloc();                                                 \
		if (!o)                                                          \
			return LIUM_ENOMEM;                                      \
		list->items[list->count++] = o;                                  \
		if (out)                                                         \
			*out = o;                                                \
		return LIUM_OK;                                                  \
	}                                                                        \
	void lium_##T##_list_free(lium_##T##_list *list)                         \
	{                                                                        \
		size_t i;                                                        \
		if (!list)                                                       \
			return;                                                  \
		for (i = 0; i < list->count; i++)                                \
			T##_release(list->items[i]);                             \
		lium_free(list->items);                                          \
		lium_free(list);                                                 \
	}

DEFINE_OBJECT(executor)
DEFINE_OBJECT(pod)
DEFINE_OBJECT(template)
DEFINE_OBJECT(volume)
DEFINE_OBJECT(backup_config)
DEFINE_OBJECT(backup_log)
DEFINE_OBJECT(restore_log)
DEFINE_OBJECT(ssh_key)
DEFINE_OBJECT(schedule)
DEFINE_OBJECT(machine)
DEFINE_OBJECT(docker_image)
DEFINE_OBJECT(currency)
DEFINE_OBJECT(user)
DEFINE_OBJECT(estimate)
DEFINE_OBJECT(invoice)

DEFINE_LIST(executor)
DEFINE_LIST(pod)
DEFINE_LIST(template)
DEFINE_LIST(volume)
DEFINE_LIST(backup_config)
DEFINE_LIST(backup_log)
DEFINE_LIST(restore_log)
DEFINE_LIST(ssh_key)
DEFINE_LIST(schedule)
DEFINE_LIST(machine)
DEFINE_LIST(docker_image)
DEFINE_LIST(currency)

DEFINE_STANDALONE(executor)
DEFINE_STANDALONE(template)
DEFINE_STANDALONE(pod)
DEFINE_STANDALONE(user)
DEFINE_STANDALONE(estimate)
DEFINE_STANDALONE(invoice)
DEFINE_STANDALONE(volume)
DEFINE_STANDALONE(backup_config)
DEFINE_STANDALONE(ssh_key)

/* --- derived values ---------------------------------------------------- */

void lium_executor_finish(lium_executor *e)
{
	char type[64];

	if (!e)
		return;
	lium_huid(e->id, e->huid);
	if (e->gpu_count == 0)
		e->gpu_count = 1;
	if (!e->gpu_type) {
		int matched = lium_gpu_type_extract(e->machine_name, type, sizeof(type));

		/* The official client prefers details[0].name when the machine
		 * name only yielded its last word. */
		if (!matched && e->gpu_model && e->gpu_model[0])
			lium_gpu_type_extract(e->gpu_model, type, sizeof(type));
		e->gpu_type = lium_strdup(type);
	}
	if (e->price_per_hour <= 0 && e->price_per_gpu > 0)
		e->price_per_hour = e->price_per_gpu * e->gpu_count;
	else if (e->price_per_gpu <= 0 && e->price_per_hour > 0)
		e->price_per_gpu = e->price_per_hour / e->gpu_count;
}

static int ascii_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
	} while (ca && ca == cb);
	return ca - cb;
}

lium_pod_state lium_pod_state_parse(const char *status)
{
	static const struct {
		const char *name;
		lium_pod_state state;
	} states[] = {
		{"PENDING", LIUM_POD_PENDING}, {"STARTING", LIUM_POD_STARTING},
		{"RUNNING", LIUM_POD_RUNNING}, {"STOPPED", LIUM_POD_STOPPED},
		{"FAILED", LIUM_POD_FAILED},   {"DELETING", LIUM_POD_DELETING},
	};
	size_t i;

	if (!status || !status[0])
		return LIUM_POD_UNKNOWN;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (ascii_casecmp(status, states[i].name) == 0)
			return states[i].state;
	return LIUM_POD_OTHER;
}

const char *lium_pod_state_str(lium_pod_state state)
{
	switch (state) {
	case LIUM_POD_PENDING:
		return "PENDING";
	case LIUM_POD_STARTING:
		return "STARTING";
	case LIUM_POD_RUNNING:
		return "RUNNING";
	case LIUM_POD_STOPPED:
		return "STOPPED";
	case LIUM_POD_FAILED:
		return "FAILED";
	case LIUM_POD_DELETING:
		return "DELETING";
	case LIUM_POD_OTHER:
		return "OTHER";
	case LIUM_POD_UNKNOWN:
	default:
		return "UNKNOWN";
	}
}

void lium_pod_finish(lium_pod *p)
{
	if (!p)
		return;
	lium_huid(p->id, p->huid);
	p->state = lium_pod_state_parse(p->status);
	if (p->executor && p->executor->gpu_count)
		p->gpu_count = p->executor->gpu_count;
}

int lium_pod_is_ready(const lium_pod *p)
{
	return p && p->state == LIUM_POD_RUNNING && p->ssh_connect_cmd && p->ssh_connect_cmd[0];
}

unsigned int lium_pod_external_port(const lium_pod *p, unsigned int internal_port)
{
	size_t i;

	if (!p)
		return 0;
	for (i = 0; i < p->port_count; i++)
		if (p->ports[i].internal_port == internal_port)
			return p->ports[i].external_port;
	return 0;
}

/* --- lookups ----------------------------------------------------------- */

static int eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

lium_executor *lium_executor_list_find(const lium_executor_list *list, const char *key)
{
	size_t i;

	if (!list || !key)
		return NULL;
	for (i = 0; i < list->count; i++)
		if (eq(list->items[i]->id, key))
			return list->items[i];
	for (i = 0; i < list->count; i++)
		if (eq(list->items[i]->huid, key))
			return list->items[i];
	return NULL;
}

/* id, then name, then HUID: a name that looks like someone else's HUID
 * still finds the pod the user named. */
#define FIND_ID_NAME_HUID(T)                                                         \
	lium_##T *lium_##T##_list_find(const lium_##T##_list *list, const char *key) \
	{                                                                            \
		size_t i;                                                            \
		if (!list || !key)                                                   \
			return NULL;                                                 \
		for (i = 0; i < list->count; i++)                                    \
			if (eq(list->items[i]->id, key))                             \
				return list->items[i];                               \
		for (i = 0; i < list->count; i++)                                    \
			if (eq(list->items[i]->name, key))                           \
				return list->items[i];                               \
		for (i = 0; i < list->count; i++)                                    \
			if (eq(list->items[i]->huid, key))                           \
				return list->items[i];                               \
		return NULL;                                                         \
	}

FIND_ID_NAME_HUID(pod)
FIND_ID_NAME_HUID(template)
FIND_ID_NAME_HUID(volume)

lium_ssh_key *lium_ssh_key_list_find(const lium_ssh_key_list *list, const char *key)
{
	size_t i;

	if (!list || !key)
		return NULL;
	for (i = 0; i < list->count; i++)
		if (eq(list->items[i]->id, key))
			return list->items[i];
	for (i = 0; i < list->count; i++)
		if (eq(list->items[i]->name, key))
			return list->items[i];
	return NULL;
}

lium_status lium_schedules_from_pods(const lium_pod_list *pods, lium_schedule_list **out,
				     lium_error *err)
{
	lium_schedule_list *list = NULL;
	lium_status st;
	size_t i;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "no output list");
	*out = NULL;
	if (!pods)
		return lium_error_set(err, LIUM_EINVAL, "no pod list");
	if ((st = lium_schedule_list_new(&list)) != LIUM_OK)
		return lium_error_set(err, st, "out of memory");
	for (i = 0; i < pods->count; i++) {
		const lium_pod *p = pods->items[i];
		lium_schedule *s;

		if (p->removal_scheduled_at == LIUM_TIME_NONE)
			continue;
		if ((st = lium_schedule_list_add(list, &s)) != LIUM_OK)
			goto fail;
		memcpy(s->huid, p->huid, sizeof(s->huid));
		s->removal_scheduled_at = p->removal_scheduled_at;
		if ((p->id && !(s->pod_id = lium_strdup(p->id))) ||
		    (p->name && !(s->pod_name = lium_strdup(p->name))) ||
		    (p->status && !(s->status = lium_strdup(p->status)))) {
			st = LIUM_ENOMEM;
			goto fail;
		}
	}
	*out = list;
	return LIUM_OK;
fail:
	lium_schedule_list_free(list);
	return lium_error_set(err, st, "out of memory");
}
