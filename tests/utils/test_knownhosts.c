/*
 * Pinned host keys against a real sshd: trust on first use, a changed key
 * refused with the file untouched, concurrent first connections, export for
 * OpenSSH (checked by OpenSSH itself), removal.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_ssh_common.h"

static sshd_fixture fx;

static int group_setup(void **state)
{
	(void)state;
	return sshd_fixture_start(&fx) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	sshd_fixture_stop(&fx);
	return 0;
}

/* A fresh known_hosts path (in a directory that does not exist yet). */
static void fresh_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/state-%s/lium/known_hosts", fx.dir, name);
}

static lium_status connect_as(const char *kh, const char *alias, int *was_new, lium_error *err)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_status st;

	test_ssh_options(&o, &fx, NULL, alias);
	o.known_hosts_path = kh;
	st = lium_ssh_connect(&ssh, &o, err);
	if (st == LIUM_OK && was_new != NULL) {
		*was_new = lium_ssh_host_key_was_new(ssh);
	}
	lium_ssh_free(ssh);
	return st;
}

/* "ssh-ed25519 AAAA..." of the fixture's current host key. */
static void host_pub(char *out, size_t size)
{
	char path[SSHD_FIXTURE_PATH_MAX + 8];
	char *text;
	char *sp;

	snprintf(path, sizeof(path), "%s.pub", fx.host_key);
	text = test_read_file(path, NULL);
	assert_non_null(text);
	sp = strchr(text, ' ');
	assert_non_null(sp);
	sp = strchr(sp + 1, ' ');
	if (sp != NULL) {
		*sp = '\0';
	}
	snprintf(out, size, "%s", text);
	free(text);
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0;
	const char *p = text;
	size_t plen = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, plen) == 0) {
			n++;
		}
		p = strchr(p, '\n');
		if (p != NULL) {
			p++;
		}
	}
	return n;
}

static void test_knownhosts__first_use_pins_then_matches(void **state)
{
	char kh[SSHD_FIXTURE_PATH_MAX];
	char pub[1024];
	char want[1200];
	char *text;
	struct stat sb;
	lium_error err;
	int was_new = -1;

	(void)state;
	fresh_path(kh, sizeof(kh), "tofu");
	assert_int_equal(connect_as(kh, "pod-a", &was_new, &err), LIUM_OK);
	assert_int_equal(was_new, 1);
	host_pub(pub, sizeof(pub));
	snprintf(want, sizeof(want), "pod-a %s\n", pub);
	text = test_read_file(kh, NULL);
	assert_non_null(text);
	assert_string_equal(text, want);
	assert_int_equal(stat(kh, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(text);

	assert_int_equal(connect_as(kh, "pod-a", &was_new, &err), LIUM_OK);
	assert_int_equal(was_new, 0);
	text = test_read_file(kh, NULL);
	assert_string_equal(text, want);
	free(text);

	/* Another alias on the same server gets its own entry. */
	assert_int_equal(connect_as(kh, "pod-b", &was_new, &err), LIUM_OK);
	assert_int_equal(was_new, 1);
	text = test_read_file(kh, NULL);
	assert_int_equal(count_lines(text, "pod-"), 2);
	free(text);
}

static void test_knownhosts__default_alias_and_foreign_lines(void **state)
{
	char kh[SSHD_FIXTURE_PATH_MAX];
	char dir[SSHD_FIXTURE_DIR_MAX + 32];
	char prefix[64];
	const char *foreign = "# a comment\n"
			      "|1|abc=|def= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHashed\n"
			      "@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICa\n"
			      "other-pod ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther";
	char *text;
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/state-foreign", fx.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(kh, sizeof(kh), "%s/known_hosts", dir);
	/* No trailing newline on purpose: pinning must not glue lines. */
	assert_int_equal(test_write_file(kh, foreign, strlen(foreign), 0600), 0);
	test_ssh_options(&o, &fx, NULL, NULL);
	o.known_hosts_path = kh;
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	assert_int_equal(lium_ssh_host_key_was_new(ssh), 1);
	lium_ssh_free(ssh);
	text = test_read_file(kh, NULL);
	assert_non_null(text);
	assert_memory_equal(text, foreign, strlen(foreign));
	snprintf(prefix, sizeof(prefix), "[127.0.0.1]:%u ssh-ed25519 ", fx.port);
	assert_int_equal(count_lines(text, prefix), 1);
	assert_int_equal(count_lines(text, "other-pod "), 1);
	free(text);
}

struct racer {
	const char *kh;
	char alias[32];
	lium_status st;
	char msg[LIUM_ERROR_MESSAGE_MAX];
};

static void *race(void *arg)
{
	struct racer *r = arg;
	lium_error err;

	r->st = connect_as(r->kh, r->alias, NULL, &err);
	if (r->st != LIUM_OK) {
		snprintf(r->msg, sizeof(r->msg), "%s", err.message);
	}
	return NULL;
}

static void test_knownhosts__concurrent_first_connections(void **state)
{
	enum { N = 16 };
	char kh[SSHD_FIXTURE_PATH_MAX];
	struct racer r[N];
	pthread_t th[N];
	char *text;
	char *line;
	int i;

	(void)state;
	fresh_path(kh, sizeof(kh), "race");
	/* Half race for one alias, half pin their own. */
	for (i = 0; i < N; i++) {
		r[i].kh = kh;
		if (i % 2 == 0) {
			snprintf(r[i].alias, sizeof(r[i].alias), "pod-same");
		} else {
			snprintf(r[i].alias, sizeof(r[i].alias), "pod-%d", i);
		}
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
	}
	for (i = 0; i < N; i++) {
		if (r[i].st != LIUM_OK) {
			fail_msg("connection %d: %s", i, r[i].msg);
		}
	}
	text = test_read_file(kh, NULL);
	assert_non_null(text);
	assert_int_equal(count_lines(text, "pod-same "), 1);
	assert_int_equal(count_lines(text, "pod-"), 1 + N / 2);
	/* Every line whole: alias, type, key. */
	for (line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		assert_true(strncmp(line, "pod-", 4) == 0);
		assert_non_null(strstr(line, " ssh-ed25519 AAAA"));
	}
	free(text);
}

static int run_openssh(const char *kh, const char *alias_opt, const char *cmd)
{
	char port[16];
	char khopt[SSHD_FIXTURE_PATH_MAX + 32];
	char dest[128];
	const char *argv[32];
	int i = 0;

	snprintf(port, sizeof(port), "%u", fx.port);
	snprintf(khopt, sizeof(khopt), "UserKnownHostsFile=%s", kh);
	snprintf(dest, sizeof(dest), "%s@127.0.0.1", fx.user);
	argv[i++] = "ssh";
	argv[i++] = "-F";
	argv[i++] = "/dev/null";
	argv[i++] = "-i";
	argv[i++] = fx.keys->ed25519;
	argv[i++] = "-p";
	argv[i++] = port;
	argv[i++] = "-o";
	argv[i++] = khopt;
	argv[i++] = "-o";
	argv[i++] = "GlobalKnownHostsFile=/dev/null";
	argv[i++] = "-o";
	argv[i++] = "StrictHostKeyChecking=yes";
	argv[i++] = "-o";
	argv[i++] = "BatchMode=yes";
	argv[i++] = "-o";
	argv[i++] = "IdentitiesOnly=yes";
	if (alias_opt != NULL) {
		argv[i++] = "-o";
		argv[i++] = alias_opt;
	}
	argv[i++] = dest;
	argv[i++] = cmd;
	argv[i] = NULL;
	return sshd_fixture_run(argv);
}

static void test_knownhosts__export_is_accepted_by_openssh(void **state)
{
	char kh[SSHD_FIXTURE_PATH_MAX];
	char tmp[SSHD_FIXTURE_PATH_MAX];
	char want[256];
	lium_buf out = LIUM_BUF_INIT;
	lium_error err;

	(void)state;
	if (access("/usr/bin/ssh", X_OK) != 0) {
		skip();
	}
	fresh_path(kh, sizeof(kh), "export");
	assert_int_equal(connect_as(kh, "pod-x", NULL, &err), LIUM_OK);

	assert_int_equal(lium_ssh_known_hosts_export(kh, "pod-x", "127.0.0.1", fx.port, &out, &err),
			 LIUM_OK);
	snprintf(want, sizeof(want), "[127.0.0.1]:%u ssh-ed25519 AAAA", fx.port);
	assert_true(strncmp(lium_buf_cstr(&out), want, strlen(want)) == 0);
	snprintf(tmp, sizeof(tmp), "%s/exported_hosts", fx.dir);
	assert_int_equal(test_write_file(tmp, out.ptr, out.size, 0600), 0);
	assert_int_equal(run_openssh(tmp, NULL, "true"), 0);

	/* As the alias, for ssh -o HostKeyAlias=. */
	lium_buf_clear(&out);
	assert_int_equal(lium_ssh_known_hosts_export(kh, "pod-x", NULL, 0, &out, &err), LIUM_OK);
	assert_true(strncmp(lium_buf_cstr(&out), "pod-x ssh-ed25519 AAAA", 22) == 0);
	assert_int_equal(test_write_file(tmp, out.ptr, out.size, 0600), 0);
	assert_int_equal(run_openssh(tmp, "HostKeyAlias=pod-x", "true"), 0);
	/* OpenSSH refuses it for another alias: the check is real. */
	assert_int_equal(run_openssh(tmp, "HostKeyAlias=pod-y", "true"), 255);

	lium_buf_clear(&out);
	assert_int_equal(lium_ssh_known_hosts_export(kh, "pod-none", NULL, 0, &out, &err),
			 LIUM_ENOTFOUND);
	assert_int_equal(lium_ssh_known_hosts_export(kh, "bad alias", NULL, 0, &out, &err),
			 LIUM_EINVAL);
	assert_int_equal(
		lium_ssh_known_hosts_export("/nonexistent/kh", "pod-x", NULL, 0, &out, &err),
		LIUM_ENOTFOUND);
	lium_buf_dispose(&out);
}

static void test_knownhosts__changed_key_is_refused(void **state)
{
	char kh[SSHD_FIXTURE_PATH_MAX];
	char dir[SSHD_FIXTURE_DIR_MAX + 32];
	char want[SSHD_FIXTURE_PATH_MAX + 64];
	char *before;
	char *after;
	size_t blen;
	size_t alen;
	size_t removed = 0;
	lium_error err;
	int was_new = 0;
	const char *lines = "other-1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne\n"
			    "other-2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITwo\n";

	(void)state;
	snprintf(dir, sizeof(dir), "%s/state-changed", fx.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(kh, sizeof(kh), "%s/known_hosts", dir);
	assert_int_equal(test_write_file(kh, lines, strlen(lines), 0600), 0);
	assert_int_equal(connect_as(kh, "pod-c", &was_new, &err), LIUM_OK);
	assert_int_equal(was_new, 1);
	before = test_read_file(kh, &blen);
	assert_non_null(before);

	/* The pod comes back with another host key. */
	assert_int_equal(sshd_fixture_restart(&fx, 1), 0);
	assert_int_equal(connect_as(kh, "pod-c", NULL, &err), LIUM_ECONFLICT);
	assert_int_equal(err.code, LIUM_ECONFLICT);
	assert_non_null(strstr(err.message, "host key for pod-c changed"));
	snprintf(want, sizeof(want), "remove line 3 of %s", kh);
	assert_non_null(strstr(err.message, want));
	assert_non_null(strstr(err.message, "SHA256:"));
	after = test_read_file(kh, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(after);

	/* Another pod on the new key is unaffected. */
	assert_int_equal(connect_as(kh, "pod-d", &was_new, &err), LIUM_OK);
	assert_int_equal(was_new, 1);

	/* Forgetting the entry lets the next connection pin the new key. */
	assert_int_equal(lium_ssh_known_hosts_remove(kh, "pod-c", &removed, &err), LIUM_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(connect_as(kh, "pod-c", &was_new, &err), LIUM_OK);
	assert_int_equal(was_new, 1);
	after = test_read_file(kh, NULL);
	assert_int_equal(count_lines(after, "other-"), 2);
	assert_int_equal(count_lines(after, "pod-c "), 1);
	assert_int_equal(count_lines(after, "pod-d "), 1);
	free(after);
	free(before);

	assert_int_equal(lium_ssh_known_hosts_remove(kh, "pod-none", &removed, &err), LIUM_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(
		lium_ssh_known_hosts_remove("/nonexistent-dir/kh", "pod-c", &removed, &err),
		LIUM_EIO);
	assert_int_equal(lium_ssh_known_hosts_remove(kh, "", &removed, &err), LIUM_EINVAL);
}

static void test_knownhosts__pinned_type_no_longer_offered(void **state)
{
	char kh[SSHD_FIXTURE_PATH_MAX];
	char dir[SSHD_FIXTURE_DIR_MAX + 32];
	char want[SSHD_FIXTURE_PATH_MAX + 64];
	/* An RSA key pinned for this pod; the server only has ed25519 now. */
	const char *lines = "# pods\n"
			    "pod-r ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n";
	char *after;
	lium_error err;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/state-type", fx.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(kh, sizeof(kh), "%s/known_hosts", dir);
	assert_int_equal(test_write_file(kh, lines, strlen(lines), 0600), 0);
	assert_int_equal(connect_as(kh, "pod-r", NULL, &err), LIUM_ECONFLICT);
	assert_non_null(strstr(err.message, "host key for pod-r changed"));
	assert_non_null(strstr(err.message, "ssh-rsa"));
	snprintf(want, sizeof(want), "remove line 2 of %s", kh);
	assert_non_null(strstr(err.message, want));
	after = test_read_file(kh, NULL);
	assert_string_equal(after, lines);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knownhosts__first_use_pins_then_matches),
		cmocka_unit_test(test_knownhosts__default_alias_and_foreign_lines),
		cmocka_unit_test(test_knownhosts__concurrent_first_connections),
		cmocka_unit_test(test_knownhosts__export_is_accepted_by_openssh),
		cmocka_unit_test(test_knownhosts__pinned_type_no_longer_offered),
		/* Last: it gives the server a new host key. */
		cmocka_unit_test(test_knownhosts__changed_key_is_refused),
	};

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
