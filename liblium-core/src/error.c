/*
 * Status strings and lium_error helpers.
 */
#include <stdio.h>
#include <string.h>

#include "lium/core/error.h"

static const struct {
	lium_status code;
	const char *name;
	const char *text;
} status_table[] = {
	{LIUM_OK, "ok", "success"},
	{LIUM_EGENERIC, "error", "error"},
	{LIUM_ENOMEM, "no_memory", "out of memory"},
	{LIUM_EINVAL, "invalid_argument", "invalid argument"},
	{LIUM_EPARSE, "parse", "parse error"},
	{LIUM_EVALIDATION, "validation", "validation failed"},
	{LIUM_ENOTFOUND, "not_found", "not found"},
	{LIUM_EAUTH, "auth", "authentication failed"},
	{LIUM_EHTTP, "http", "HTTP error"},
	{LIUM_ENETWORK, "network", "network error"},
	{LIUM_ETIMEOUT, "timeout", "timed out"},
	{LIUM_ESSH, "ssh", "SSH error"},
	{LIUM_EDOCKER, "docker", "Docker error"},
	{LIUM_EIO, "io", "I/O error"},
	{LIUM_ECANCELLED, "cancelled", "cancelled"},
	{LIUM_ECONFLICT, "conflict", "conflict"},
	{LIUM_EREMOTE, "remote_failed", "remote command failed"},
};

const char *lium_status_str(lium_status status)
{
	size_t i;

	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].code == status)
			return status_table[i].text;
	return "unknown error";
}

const char *lium_status_name(lium_status status)
{
	size_t i;

	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].code == status)
			return status_table[i].name;
	return "unknown";
}

void lium_error_clear(lium_error *err)
{
	if (!err)
		return;
	err->code = LIUM_OK;
	err->cause = 0;
	err->position = LIUM_ERROR_NO_POSITION;
	err->path[0] = '\0';
	err->message[0] = '\0';
}

lium_status lium_error_setv(lium_error *err, lium_status code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	lium_error_clear(err);
	err->code = code;
	if (fmt)
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
	else
		snprintf(err->message, sizeof(err->message), "%s", lium_status_str(code));
	return code;
}

lium_status lium_error_set(lium_error *err, lium_status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lium_error_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

lium_status lium_error_prefix(lium_error *err, const char *fmt, ...)
{
	char prefix[LIUM_ERROR_MESSAGE_MAX];
	char joined[2 * LIUM_ERROR_MESSAGE_MAX + 2];
	va_list ap;

	if (!err)
		return LIUM_EGENERIC;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (err->message[0])
		snprintf(joined, sizeof(joined), "%s: %s", prefix, err->message);
	else
		snprintf(joined, sizeof(joined), "%s", prefix);
	memcpy(err->message, joined, sizeof(err->message) - 1);
	err->message[sizeof(err->message) - 1] = '\0';
	return err->code;
}
