/*
 * A small program built against an installed lium: it must compile with the
 * installed headers only, link through the package metadata, and run.
 */
#include <stdio.h>
#include <string.h>

#include <lium/core.h>
#ifndef CONSUMER_CORE_ONLY
#include <lium/api.h>
#include <lium/utils.h>
#endif

int main(void)
{
	char huid[LIUM_HUID_MAX];
	lium_error err;
	lium_buf buf = LIUM_BUF_INIT;
	int ok = 1;

	lium_error_clear(&err);
	lium_huid("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", huid);
	if (strcmp(huid, "gentle-fox-19") != 0) {
		fprintf(stderr, "consumer: unexpected HUID %s\n", huid);
		ok = 0;
	}
#ifdef CONSUMER_CORE_ONLY
	if (lium_buf_printf(&buf, "core %s", lium_version(NULL, NULL, NULL)) != LIUM_OK)
		ok = 0;
#else
	if (lium_buf_printf(&buf, "core %s api %s utils %s", lium_version(NULL, NULL, NULL),
			    lium_api_version(), lium_utils_version()) != LIUM_OK)
		ok = 0;
#endif
	printf("consumer: %s, huid %s\n", lium_buf_cstr(&buf), huid);
	lium_buf_dispose(&buf);
	return ok ? 0 : 1;
}
