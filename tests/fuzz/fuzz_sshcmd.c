/*
 * Fuzz target: ssh_connect_cmd parsing.  A parsed endpoint has a user, a
 * host without blanks and a port in 1-65535; errors point inside the input.
 */
#include "fuzz_common.h"

#include "lium/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	lium_ssh_endpoint ep;
	lium_error err;
	lium_status st;
	size_t i;

	lium_error_clear(&err);
	memset(&ep, 0, sizeof(ep));
	st = lium_sshcmd_parse(text, &ep, &err);
	if (st == LIUM_OK) {
		FUZZ_CHECK(ep.user[0] != '\0' && ep.host[0] != '\0');
		FUZZ_CHECK(ep.port >= 1 && ep.port <= 65535);
		FUZZ_CHECK(memchr(ep.user, '\0', sizeof(ep.user)) != NULL);
		FUZZ_CHECK(memchr(ep.host, '\0', sizeof(ep.host)) != NULL);
		for (i = 0; ep.host[i]; i++)
			FUZZ_CHECK(ep.host[i] != ' ' && ep.host[i] != '\t' && ep.host[i] != '\n');
	} else {
		FUZZ_CHECK(st == LIUM_EPARSE && err.position <= strlen(text));
	}
	free(text);
	return 0;
}
