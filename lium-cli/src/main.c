/*
 * lium: command-line tool for the Celium GPU marketplace.
 */
#include <stdio.h>
#include <string.h>

#include <lium/api.h>
#include <lium/core.h>
#include <lium/utils.h>

static void cli_usage(FILE *out)
{
	fputs("usage: lium [--version] [--help] <command> [options] [args]\n", out);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("lium %s (liblium-core %s, liblium-api %s, liblium-utils %s)\n",
		       LIUM_VERSION_STRING, lium_version(NULL, NULL, NULL), lium_api_version(),
		       lium_utils_version());
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_usage(stdout);
		return 0;
	}
	cli_usage(stderr);
	return 2;
}
