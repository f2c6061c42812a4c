/*
 * HUIDs: adjective-noun-xx from the MD5 of an id, as the official client
 * computes them (word lists and slicing from the API reference, section 9).
 */
#include <stdio.h>
#include <string.h>

#include "lium/core/huid.h"

static const char *const adj10[10] = {"swift",  "brave",  "calm",  "eager", "gentle",
				      "cosmic", "golden", "lunar", "zesty", "noble"};
static const char *const noun10[10] = {"hawk",  "lion",  "eagle",  "fox",   "wolf",
				       "shark", "raven", "matrix", "comet", "orbit"};

static const char *const adj30[30] = {"swift",  "silent", "brave",  "bright",  "calm",     "clever",
				      "eager",  "fierce", "gentle", "grand",   "happy",    "jolly",
				      "kind",   "lively", "merry",  "noble",   "proud",    "silly",
				      "witty",  "zesty",  "cosmic", "digital", "electric", "frozen",
				      "golden", "hydro",  "iron",   "laser",   "lunar",    "solar"};
static const char *const noun30[30] = {"hawk",   "lion",    "tiger",  "eagle",  "fox",    "wolf",
				       "shark",  "viper",   "cobra",  "falcon", "jaguar", "leopard",
				       "lynx",   "panther", "puma",   "cougar", "condor", "raven",
				       "photon", "quasar",  "vector", "matrix", "cipher", "pixel",
				       "comet",  "nebula",  "nova",   "orbit",  "axiom",  "sphinx"};

static unsigned int hex4(const char *h)
{
	unsigned int v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = h[i];

		v = v * 16 + (unsigned int)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

char *lium_huid_variant_of(const char *id, lium_huid_variant variant, char out[LIUM_HUID_MAX])
{
	const char *const *adj = variant == LIUM_HUID_LEGACY30 ? adj30 : adj10;
	const char *const *noun = variant == LIUM_HUID_LEGACY30 ? noun30 : noun10;
	unsigned int words = variant == LIUM_HUID_LEGACY30 ? 30 : 10;
	char h[33];

	if (!id || !id[0]) {
		snprintf(out, LIUM_HUID_MAX, "%s",
			 variant == LIUM_HUID_LEGACY30 ? "invalid-id-huid" : "invalid");
		return out;
	}
	lium_md5_hex(id, strlen(id), h);
	snprintf(out, LIUM_HUID_MAX, "%s-%s-%c%c", adj[hex4(h) % words], noun[hex4(h + 4) % words],
		 h[30], h[31]);
	return out;
}

char *lium_huid(const char *id, char out[LIUM_HUID_MAX])
{
	return lium_huid_variant_of(id, LIUM_HUID_OFFICIAL, out);
}

int lium_huid_is_valid(const char *s)
{
	size_t i = 0, n;

	if (!s)
		return 0;
	for (n = 0; n < 2; n++) {
		size_t start = i;

		while (s[i] >= 'a' && s[i] <= 'z')
			i++;
		if (i == start || s[i] != '-')
			return 0;
		i++;
	}
	for (n = 0; n < 2; n++, i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}
