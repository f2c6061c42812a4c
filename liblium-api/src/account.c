/*
 * The account's other resources: SSH keys, the user, volumes, backups and
 * restores, payments.
 */
#include <math.h>
#include <string.h>

#include "api_int.h"

#define CHECK_CLIENT(client, err)                                                    \
	do {                                                                         \
		if (!(client))                                                       \
			return lium_error_set((err), LIUM_EINVAL, "client is NULL"); \
	} while (0)

/* "<prefix>/<id><suffix>" */
static lium_status id_path(lium_buf *path, const char *prefix, const char *id, const char *what,
			   const char *suffix, lium_error *err)
{
	lium_status st = lium__need(id, what, err);

	if (st != LIUM_OK)
		return st;
	if (lium_buf_puts(path, prefix) != LIUM_OK || lium__path_segment(path, id) != LIUM_OK ||
	    (suffix && lium_buf_puts(path, suffix) != LIUM_OK))
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	return LIUM_OK;
}

/* --- SSH keys ----------------------------------------------------------------- */

LIUM_API_EXPORT lium_status lium_ssh_keys_list(lium_client *client, lium_ssh_key_list **out,
					       lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_ssh_keys_list: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	return lium__get_decode(client, "/ssh-keys", lium__decode_ssh_keys_lenient, out, err);
}

LIUM_API_EXPORT lium_status lium_ssh_keys_add(lium_client *client, const char *name,
					      const char *public_key, lium_ssh_key **out,
					      lium_error *err)
{
	lium_status st;

	if (out)
		*out = NULL;
	CHECK_CLIENT(client, err);
	if ((st = lium__need(name, "key name", err)) != LIUM_OK ||
	    (st = lium__need(public_key, "public key", err)) != LIUM_OK)
		return st;
	return lium__send_decode(client, "POST", "/ssh-keys",
				 json_pack("{s:s, s:s}", "name", name, "public_key", public_key),
				 LIUM__RETRY_UNSENT, lium__decode_ssh_key_obj, out, err);
}

/* A DELETE whose answer is not needed. */
static lium_status delete_at(lium_client *client, const char *prefix, const char *id,
			     const char *what, lium_error *err);

LIUM_API_EXPORT lium_status lium_ssh_keys_delete(lium_client *client, const char *key_id,
						 lium_error *err)
{
	return delete_at(client, "/ssh-keys", key_id, "key id", err);
}

/* --- the user ------------------------------------------------------------------- */

LIUM_API_EXPORT lium_status lium_users_me(lium_client *client, lium_user **out, lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_users_me: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	return lium__get_decode(client, "/users/me", lium__decode_user_obj, out, err);
}

LIUM_API_EXPORT lium_status lium_users_balance(lium_client *client, double *usd, lium_error *err)
{
	lium_user *u = NULL;
	lium_status st;

	if (!usd)
		return lium_error_set(err, LIUM_EINVAL, "lium_users_balance: usd is NULL");
	*usd = 0;
	st = lium_users_me(client, &u, err);
	if (st == LIUM_OK)
		*usd = u->balance;
	lium_user_free(u);
	return st;
}

/* --- volumes -------------------------------------------------------------------- */

static lium_status decode_volumes(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_volumes_decode(json, len, out, err);
}

LIUM_API_EXPORT lium_status lium_volumes_list(lium_client *client, lium_volume_list **out,
					      lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_volumes_list: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	return lium__get_decode(client, "/volumes", decode_volumes, out, err);
}

LIUM_API_EXPORT lium_status lium_volumes_get(lium_client *client, const char *volume_id,
					     lium_volume **out, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_volumes_get: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	st = id_path(&path, "/volumes", volume_id, "volume id", NULL, err);
	if (st == LIUM_OK)
		st = lium__get_decode(client, lium_buf_cstr(&path), lium__decode_volume_obj, out,
				      err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_volumes_create(lium_client *client, const char *name,
						const char *description, lium_volume **out,
						lium_error *err)
{
	lium_status st;

	if (out)
		*out = NULL;
	CHECK_CLIENT(client, err);
	if ((st = lium__need(name, "volume name", err)) != LIUM_OK)
		return st;
	return lium__send_decode(client, "POST", "/volumes",
				 json_pack("{s:s, s:s}", "name", name, "description",
					   description ? description : ""),
				 LIUM__RETRY_UNSENT, lium__decode_volume_obj, out, err);
}

LIUM_API_EXPORT lium_status lium_volumes_update(lium_client *client, const char *volume_id,
						const char *name, const char *description,
						lium_volume **out, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	json_t *body;
	lium_status st;

	if (out)
		*out = NULL;
	CHECK_CLIENT(client, err);
	if (!name && !description)
		return lium_error_set(err, LIUM_EINVAL, "nothing to change in the volume");
	st = id_path(&path, "/volumes", volume_id, "volume id", NULL, err);
	if (st != LIUM_OK)
		return st;
	body = json_object();
	if (!body || (name && json_object_set_new(body, "name", json_string(name))) ||
	    (description && json_object_set_new(body, "description", json_string(description)))) {
		json_decref(body);
		lium_buf_dispose(&path);
		return lium_error_set(err, LIUM_ENOMEM, "out of memory");
	}
	st = lium__send_decode(client, "PUT", lium_buf_cstr(&path), body, LIUM__RETRY_IDEMPOTENT,
			       lium__decode_volume_obj, out, err);
	lium_buf_dispose(&path);
	return st;
}

/* A DELETE whose answer is not needed. */
static lium_status delete_at(lium_client *client, const char *prefix, const char *id,
			     const char *what, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	CHECK_CLIENT(client, err);
	st = id_path(&path, prefix, id, what, NULL, err);
	if (st == LIUM_OK)
		st = lium__send_decode(client, "DELETE", lium_buf_cstr(&path), NULL,
				       LIUM__RETRY_IDEMPOTENT, NULL, NULL, err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_volumes_delete(lium_client *client, const char *volume_id,
						lium_error *err)
{
	return delete_at(client, "/volumes", volume_id, "volume id", err);
}

/* --- backups -------------------------------------------------------------------- */

static lium_status decode_backup_configs(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_backup_configs_decode(json, len, out, err);
}

static lium_status decode_backup_logs(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_backup_logs_decode(json, len, out, err);
}

static lium_status decode_restore_logs(const char *json, size_t len, void *out, lium_error *err)
{
	return lium_restore_logs_decode(json, len, out, err);
}

LIUM_API_EXPORT lium_status lium_backups_config_create(lium_client *client, const char *pod_id,
						       unsigned int frequency_hours,
						       unsigned int retention_days,
						       const char *backup_path,
						       lium_backup_config **out, lium_error *err)
{
	lium_status st;

	if (out)
		*out = NULL;
	CHECK_CLIENT(client, err);
	if ((st = lium__need(pod_id, "pod id", err)) != LIUM_OK)
		return st;
	if (!frequency_hours || !retention_days)
		return lium_error_set(err, LIUM_EINVAL,
				      "backup frequency and retention must be at least 1");
	return lium__send_decode(client, "POST", "/backup-configs",
				 json_pack("{s:s, s:I, s:I, s:s}", "pod_id", pod_id,
					   "backup_frequency_hours", (json_int_t)frequency_hours,
					   "retention_days", (json_int_t)retention_days,
					   "backup_path", backup_path ? backup_path : "/root"),
				 LIUM__RETRY_UNSENT, lium__decode_backup_config_obj, out, err);
}

LIUM_API_EXPORT lium_status lium_backups_config_list(lium_client *client,
						     lium_backup_config_list **out, lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_backups_config_list: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	return lium__get_decode(client, "/backup-configs", decode_backup_configs, out, err);
}

LIUM_API_EXPORT lium_status lium_backups_config_get_for_pod(lium_client *client, const char *pod_id,
							    lium_backup_config **out,
							    lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL,
				      "lium_backups_config_get_for_pod: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	st = id_path(&path, "/backup-configs/pod", pod_id, "pod id", NULL, err);
	if (st == LIUM_OK)
		st = lium__get_decode(client, lium_buf_cstr(&path), lium__decode_backup_config_obj,
				      out, err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_backups_config_delete(lium_client *client, const char *config_id,
						       lium_error *err)
{
	return delete_at(client, "/backup-configs", config_id, "backup config id", err);
}

/* GET a pod's log list where 404 means "none yet". */
static lium_status logs_or_empty(lium_client *client, const char *prefix, const char *pod_id,
				 const char *suffix, lium__decode_fn decode, void *out,
				 lium_status (*make_empty)(void *out), lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	lium_status st;

	CHECK_CLIENT(client, err);
	st = id_path(&path, prefix, pod_id, "pod id", suffix, err);
	if (st == LIUM_OK) {
		st = lium__get_decode(client, lium_buf_cstr(&path), decode, out, err);
		if (st == LIUM_ENOTFOUND) {
			lium_error_clear(err);
			st = make_empty(out);
			if (st != LIUM_OK)
				lium_error_set(err, st, "out of memory");
		}
	}
	lium_buf_dispose(&path);
	return st;
}

static lium_status empty_backup_logs(void *out)
{
	return lium_backup_log_list_new(out);
}

static lium_status empty_restore_logs(void *out)
{
	return lium_restore_log_list_new(out);
}

LIUM_API_EXPORT lium_status lium_backups_logs(lium_client *client, const char *pod_id,
					      lium_backup_log_list **out, lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_backups_logs: out is NULL");
	*out = NULL;
	return logs_or_empty(client, "/backup-logs/pod", pod_id, NULL, decode_backup_logs, out,
			     empty_backup_logs, err);
}

LIUM_API_EXPORT lium_status lium_backups_restore_logs(lium_client *client, const char *pod_id,
						      lium_restore_log_list **out, lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_backups_restore_logs: out is NULL");
	*out = NULL;
	return logs_or_empty(client, "/pods", pod_id, "/restore-logs", decode_restore_logs, out,
			     empty_restore_logs, err);
}

/* Decoder for a response of which one string field is wanted. */
typedef struct field_out {
	const char *key;
	lium_buf *out;
	int required;
} field_out;

static lium_status decode_field(const char *json, size_t len, void *out, lium_error *err)
{
	field_out *f = out;

	return lium__decode_field_str(json, len, f->key, f->out, f->required, err);
}

LIUM_API_EXPORT lium_status lium_backups_now(lium_client *client, const char *pod_id,
					     const char *name, const char *description,
					     lium_buf *backup_log_id, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	field_out f = {"backup_log_id", backup_log_id, 0};
	lium_status st;

	CHECK_CLIENT(client, err);
	if ((st = lium__need(name, "backup name", err)) != LIUM_OK)
		return st;
	st = id_path(&path, "/pods", pod_id, "pod id", "/backup", err);
	if (st == LIUM_OK)
		st = lium__send_decode(client, "POST", lium_buf_cstr(&path),
				       json_pack("{s:s, s:s}", "name", name, "description",
						 description ? description : ""),
				       LIUM__RETRY_UNSENT, backup_log_id ? decode_field : NULL, &f,
				       err);
	lium_buf_dispose(&path);
	return st;
}

LIUM_API_EXPORT lium_status lium_backups_restore(lium_client *client, const char *pod_id,
						 const char *backup_id, const char *restore_path,
						 lium_buf *restore_log_id, lium_error *err)
{
	lium_buf path = LIUM_BUF_INIT;
	field_out f = {"restore_log_id", restore_log_id, 0};
	lium_status st;

	CHECK_CLIENT(client, err);
	if ((st = lium__need(backup_id, "backup id", err)) != LIUM_OK)
		return st;
	st = id_path(&path, "/pods", pod_id, "pod id", "/restore", err);
	if (st == LIUM_OK)
		st = lium__send_decode(
			client, "POST", lium_buf_cstr(&path),
			json_pack("{s:s, s:s}", "backup_id", backup_id, "restore_path",
				  restore_path ? restore_path : "/root"),
			LIUM__RETRY_UNSENT, restore_log_id ? decode_field : NULL, &f, err);
	lium_buf_dispose(&path);
	return st;
}

/* --- payments ------------------------------------------------------------------- */

LIUM_API_EXPORT lium_status lium_payments_currencies(lium_client *client, int refresh,
						     lium_currency_list **out, lium_error *err)
{
	if (!out)
		return lium_error_set(err, LIUM_EINVAL, "lium_payments_currencies: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	return lium__get_decode(
		client, refresh ? "/tmc-pay/currencies?refresh=true" : "/tmc-pay/currencies",
		lium__decode_currencies, out, err);
}

LIUM_API_EXPORT lium_status lium_payments_create_invoice(lium_client *client, double amount_usd,
							 const char *currency, const char *network,
							 lium_invoice **out, lium_error *err)
{
	lium_status st;

	if (!out)
		return lium_error_set(err, LIUM_EINVAL,
				      "lium_payments_create_invoice: out is NULL");
	*out = NULL;
	CHECK_CLIENT(client, err);
	if (!(amount_usd > 0) || !isfinite(amount_usd))
		return lium_error_set(err, LIUM_EINVAL, "the amount must be a positive number");
	if ((st = lium__need(currency, "currency", err)) != LIUM_OK ||
	    (st = lium__need(network, "network", err)) != LIUM_OK)
		return st;
	return lium__send_decode(client, "POST", "/tmc-pay/create-invoice",
				 json_pack("{s:f, s:s, s:s}", "amount", amount_usd,
					   "crypto_currency", currency, "crypto_network", network),
				 LIUM__RETRY_UNSENT, lium__decode_invoice_obj, out, err);
}

LIUM_API_EXPORT lium_status lium_payments_tao_transfer(lium_client *client, double amount,
						       lium_buf *url, lium_error *err)
{
	field_out f = {"url", url, 1};

	CHECK_CLIENT(client, err);
	if (!url)
		return lium_error_set(err, LIUM_EINVAL, "lium_payments_tao_transfer: url is NULL");
	if (!(amount > 0) || !isfinite(amount))
		return lium_error_set(err, LIUM_EINVAL, "the amount must be a positive number");
	/* A whole number goes out as an integer, as the official client sends 10. */
	return lium__send_decode(client, "POST", "/tao/create-transfer",
				 amount == floor(amount) && amount < 9e15
					 ? json_pack("{s:I}", "amount", (json_int_t)amount)
					 : json_pack("{s:f}", "amount", amount),
				 LIUM__RETRY_UNSENT, decode_field, &f, err);
}
