/*
 * Helpers shared by celium-sim's own tests: JSON requests over the fixture,
 * waiting for pods, SSH keys and commands.  Tests only; not installed.
 */
#ifndef LIUM_TESTS_SIM_TEST_UTIL_H
#define LIUM_TESTS_SIM_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "sim_fixture.h"

/** The default template (PyTorch) the official CLI knows by id. */
#define ST_DEFAULT_TEMPLATE "1948937e-5049-47ad-8e26-bcf1a4549d70"

/**
 * Sends a request and parses the JSON answer.  `key`: NULL = the fixture's
 * key, "" = none.  Returns the parsed body (NULL if not JSON); *status gets
 * the HTTP status (0 on transport failure).
 */
json_t *st_req(const sim_fixture *f, const char *method, const char *path, const char *body,
	       const char *key, long *status);
/** st_req with a printf-formatted path. */
json_t *st_getf(const sim_fixture *f, long *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** A temporary directory (mkdtemp) that st_rmtree() removes. */
char *st_tempdir(void);
void st_rmtree(const char *path);

/**
 * Generates an ed25519 key pair with ssh-keygen in `dir` named `name`.
 * Returns the public key line (malloc'd) or NULL.
 */
char *st_keygen(const char *dir, const char *name);

/** Runs argv (no shell), captures stdout+stderr; returns the exit status or -1. */
int st_run(const char *const argv[], char **output, double timeout_s);

/** Rent body for `pubkey` and `template_id` (NULL: the default template). */
char *st_rent_body(const char *name, const char *template_id, const char *pubkey);

/** Rents the first free executor; returns the pod id (malloc'd) or NULL. */
char *st_rent(const sim_fixture *f, const char *name, const char *pubkey, char **executor_id);

/** Polls GET /pods/{id} until status == `want`; returns the pod or NULL. */
json_t *st_wait_status(const sim_fixture *f, const char *pod_id, const char *want,
		       double timeout_s);

/** Polls until GET /pods/{id} is a 404. */
bool st_wait_gone(const sim_fixture *f, const char *pod_id, double timeout_s);

/** Port from "ssh user@host -p PORT". */
int st_ssh_port(const char *cmd);

/**
 * Runs `command` on a pod over OpenSSH (BatchMode, the given identity,
 * StrictHostKeyChecking=yes against `known_hosts`).
 */
int st_ssh(const char *identity, const char *known_hosts, const char *user, int port,
	   const char *command, char **output);

/** Writes a known_hosts file pinning the pod's host key from /_sim/pods/<id>. */
char *st_known_hosts(const sim_fixture *f, const char *dir, const char *pod_id, int port);

/** True while a process with this pid exists (and is not a zombie). */
bool st_pid_alive(int pid);

/** Number of processes whose environment holds CELIUM_SIM_TAG=<prefix>... */
int st_count_tagged(const char *tag_prefix);

/** Seconds on a monotonic clock. */
double st_now(void);
void st_sleep_ms(long ms);

/** Looks up a string member; "" when absent. */
const char *st_str(json_t *obj, const char *key);

#endif
