/*
 * What exec, scp and rsync share about fan-out results: the per-pod lines,
 * the JSON fields and the exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli_api.h"

const char *cli_fanout_status_word(const lium_fanout_result *res)
{
	if (res->status == LIUM_OK)
		return "ok";
	if (res->status == LIUM_EREMOTE)
		return "failed";
	if (!res->started)
		return "not_started";
	if (res->status == LIUM_ETIMEOUT)
		return "timeout";
	if (res->status == LIUM_ECANCELLED)
		return "cancelled";
	return "error";
}

void cli_fanout_report(const lium_fanout *f, const char *const *labels, size_t n)
{
	size_t i, ok = 0;

	if (cli_out.quiet || cli_out.json)
		return;
	for (i = 0; i < n; i++) {
		const lium_fanout_result *res = lium_fanout_result_at(f, i);
		double secs = (double)res->duration_ms / 1000.0;
		if (res->status == LIUM_OK) {
			ok++;
			if (n > 1)
				fprintf(stderr, "%s\xe2\x9c\x93%s %s  %s  %.1fs\n",
					cli_ce(CLI_C_GREEN), cli_ce(CLI_C_RESET), labels[i],
					res->exit_code >= 0 ? "exit 0" : "done", secs);
		} else if (res->status == LIUM_EREMOTE) {
			if (res->signal[0])
				fprintf(stderr, "%s\xe2\x9c\x97%s %s  killed by SIG%s  %.1fs\n",
					cli_ce(CLI_C_RED), cli_ce(CLI_C_RESET), labels[i],
					res->signal, secs);
			else
				fprintf(stderr, "%s\xe2\x9c\x97%s %s  exit %d  %.1fs\n",
					cli_ce(CLI_C_RED), cli_ce(CLI_C_RESET), labels[i],
					res->exit_code, secs);
		} else {
			fprintf(stderr, "%s\xe2\x9c\x97%s %s  %s\n", cli_ce(CLI_C_RED),
				cli_ce(CLI_C_RESET), labels[i],
				res->error.message[0] ? res->error.message
						      : lium_status_str(res->status));
		}
	}
	if (n > 1)
		fprintf(stderr, "%zu/%zu succeeded\n", ok, n);
}

void cli_fanout_json_result(struct cli_json *j, const lium_fanout_result *res, const lium_pod *p)
{
	cli_json_kstring(j, "pod", p->id);
	cli_json_kstring(j, "huid", p->huid);
	cli_json_kstring(j, "name", p->name);
	cli_json_kstring(j, "status", cli_fanout_status_word(res));
	cli_json_key(j, "exit_code");
	if (res->exit_code >= 0)
		cli_json_int(j, res->exit_code);
	else
		cli_json_null(j);
	cli_json_kstring(j, "signal", res->signal[0] ? res->signal : NULL);
	cli_json_kstring(j, "error",
			 res->status == LIUM_OK || res->status == LIUM_EREMOTE
				 ? NULL
				 : (res->error.message[0] ? res->error.message
							  : lium_status_str(res->status)));
	cli_json_knumber(j, "seconds", (double)res->duration_ms / 1000.0);
}

int cli_fanout_exit(const lium_fanout *f, size_t n)
{
	size_t i, ok = 0, remote = 0;
	int first = 0;

	for (i = 0; i < n; i++) {
		const lium_fanout_result *res = lium_fanout_result_at(f, i);
		if (res->status == LIUM_OK)
			ok++;
		else if (res->status == LIUM_EREMOTE)
			remote++;
		else if (!first)
			first = cli_exit_for_status(res->status);
	}
	if (ok == n)
		return CLI_EXIT_OK;
	if (cli_interrupted)
		return CLI_EXIT_INTERRUPTED;
	if (ok > 0)
		return CLI_EXIT_PARTIAL;
	if (remote == n)
		return CLI_EXIT_REMOTE;
	return first ? first : CLI_EXIT_FAIL;
}
