/*
 * Unit tests of registry credentials: base64 (standard and URL-safe),
 * registry names of image references, config.json lookups, credential
 * helpers (a real helper program on PATH) and the X-Registry-* headers.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <lium/utils/fs.h>
#include <lium/utils/process.h>

#include "docker_int.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lium-dauth-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	const char *argv[] = {"rm", "-rf", tmpdir, NULL};
	(void)state;
	return lium_process_run(argv, NULL, NULL, NULL) == LIUM_OK ? 0 : -1;
}

static void test_docker_auth__base64_vectors(void **state)
{
	/* RFC 4648 section 10, plus the URL-safe alphabet. */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
					    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	lium_buf b = LIUM_BUF_INIT;
	static const unsigned char bin[] = {0xfb, 0xff, 0xfe};
	(void)state;
	for (size_t i = 0; i < 7; i++) {
		lium_buf_clear(&b);
		assert_int_equal(lium__base64_encode(&b, plain[i], strlen(plain[i]), 0), LIUM_OK);
		assert_string_equal(lium_buf_cstr(&b), coded[i]);
		lium_buf_clear(&b);
		assert_int_equal(lium__base64_decode(&b, coded[i], strlen(coded[i])), LIUM_OK);
		assert_string_equal(lium_buf_cstr(&b), plain[i]);
	}
	lium_buf_clear(&b);
	assert_int_equal(lium__base64_encode(&b, bin, 3, 0), LIUM_OK);
	assert_string_equal(b.ptr, "+//+");
	lium_buf_clear(&b);
	assert_int_equal(lium__base64_encode(&b, bin, 3, 1), LIUM_OK);
	assert_string_equal(b.ptr, "-__-");
	lium_buf_clear(&b);
	assert_int_equal(lium__base64_decode(&b, "-__-", 4), LIUM_OK);
	assert_memory_equal(b.ptr, bin, 3);
	lium_buf_clear(&b);
	/* Unpadded input decodes; garbage and impossible lengths do not. */
	assert_int_equal(lium__base64_decode(&b, "Zm8", 3), LIUM_OK);
	assert_string_equal(b.ptr, "fo");
	lium_buf_clear(&b);
	assert_int_equal(lium__base64_decode(&b, "Zm9v!", 5), LIUM_EPARSE);
	lium_buf_clear(&b);
	assert_int_equal(lium__base64_decode(&b, "Zm9vY", 5), LIUM_EPARSE);
	lium_buf_dispose(&b);
}

static void test_docker_auth__registry_of_reference(void **state)
{
	static const char *const refs[][2] = {
		{"ubuntu", "docker.io"},
		{"ubuntu:22.04", "docker.io"},
		{"ann/app:1", "docker.io"},
		{"registry.example.com/team/app:1", "registry.example.com"},
		{"127.0.0.1:5000/app", "127.0.0.1:5000"},
		{"localhost/app", "localhost"},
		{"localhost:5000/a/b/c", "localhost:5000"},
		{"ghcr.io/org/img@sha256:abc", "ghcr.io"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		lium_buf b = LIUM_BUF_INIT;
		assert_int_equal(lium__docker_registry_of(refs[i][0], &b), LIUM_OK);
		if (strcmp(b.ptr, refs[i][1]) != 0)
			fail_msg("%s: got %s, want %s", refs[i][0], b.ptr, refs[i][1]);
		lium_buf_dispose(&b);
	}
}

static const char config_json[] =
	"{\n"
	"  \"auths\": {\n"
	"    \"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1YnB3\"},\n"
	"    \"127.0.0.1:5000\": {\"auth\": \"dXNlcjpwYTpzczp3b3Jk\"},\n"
	"    \"https://registry.example.com/v2/\": {\"username\": \"ann\", \"password\": \"s3\"},\n"
	"    \"token.example.com\": {\"identitytoken\": \"tok-123\"},\n"
	"    \"broken.example.com\": {\"auth\": \"not base64!\"}\n"
	"  }\n"
	"}\n";

static void lookup(const char *registry, lium__docker_cred *cred, int *found)
{
	lium_error err;
	if (lium__docker_cred_lookup(config_json, strlen(config_json), registry, cred, found,
				     &err) != LIUM_OK)
		fail_msg("lookup %s: %s", registry, err.message);
}

static void test_docker_auth__config_auths(void **state)
{
	lium__docker_cred c;
	int found;
	lium_error err;
	(void)state;
	lookup("docker.io", &c, &found);
	assert_true(found);
	assert_string_equal(c.username, "hub");
	assert_string_equal(c.password, "hubpw");
	assert_string_equal(c.serveraddress, "https://index.docker.io/v1/");
	lium__docker_cred_dispose(&c);

	/* The password may itself contain ':'; only the first one splits. */
	lookup("127.0.0.1:5000", &c, &found);
	assert_true(found);
	assert_string_equal(c.username, "user");
	assert_string_equal(c.password, "pa:ss:word");
	lium__docker_cred_dispose(&c);

	/* Keys with a scheme and a path match by host. */
	lookup("registry.example.com", &c, &found);
	assert_true(found);
	assert_string_equal(c.username, "ann");
	assert_string_equal(c.password, "s3");
	lium__docker_cred_dispose(&c);

	lookup("token.example.com", &c, &found);
	assert_true(found);
	assert_null(c.username);
	assert_string_equal(c.identitytoken, "tok-123");
	lium__docker_cred_dispose(&c);

	lookup("unknown.example.com", &c, &found);
	assert_false(found);
	assert_null(c.username);

	assert_int_equal(lium__docker_cred_lookup(config_json, strlen(config_json),
						  "broken.example.com", &c, &found, &err),
			 LIUM_EPARSE);
	assert_non_null(strstr(err.message, "broken.example.com"));
	assert_int_equal(lium__docker_cred_lookup("{not json", 9, "x", &c, &found, &err),
			 LIUM_EPARSE);
	assert_non_null(strstr(err.message, "config.json"));
}

static void test_docker_auth__auth_header_roundtrip(void **state)
{
	lium__docker_cred c;
	lium_buf hdr = LIUM_BUF_INIT, json = LIUM_BUF_INIT;
	int found;
	(void)state;
	lookup("127.0.0.1:5000", &c, &found);
	assert_int_equal(lium__docker_cred_header(&c, &hdr), LIUM_OK);
	/* URL-safe alphabet: no '+' or '/'. */
	assert_null(strchr(hdr.ptr, '+'));
	assert_null(strchr(hdr.ptr, '/'));
	assert_int_equal(lium__base64_decode(&json, hdr.ptr, hdr.size), LIUM_OK);
	assert_string_equal(json.ptr, "{\"username\":\"user\",\"password\":\"pa:ss:word\","
				      "\"serveraddress\":\"127.0.0.1:5000\"}");
	lium__docker_cred_dispose(&c);
	lium_buf_clear(&hdr);
	/* No credentials: an empty object, as the engine expects. */
	assert_int_equal(lium__docker_cred_header(NULL, &hdr), LIUM_OK);
	assert_string_equal(hdr.ptr, "e30=");
	lium_buf_dispose(&hdr);
	lium_buf_dispose(&json);
}

static void test_docker_auth__config_header_for_builds(void **state)
{
	lium_buf hdr = LIUM_BUF_INIT, json = LIUM_BUF_INIT;
	static const char good[] =
		"{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1YnB3\"},"
		" \"127.0.0.1:5000\": {\"username\": \"u\", \"password\": \"p\"}}}";
	(void)state;
	assert_int_equal(lium__docker_config_header(good, strlen(good), &hdr, NULL), LIUM_OK);
	assert_int_equal(lium__base64_decode(&json, hdr.ptr, hdr.size), LIUM_OK);
	assert_non_null(strstr(json.ptr, "\"https://index.docker.io/v1/\":{\"username\":\"hub\","
					 "\"password\":\"hubpw\""));
	assert_non_null(
		strstr(json.ptr, "\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\""));
	lium_buf_clear(&hdr);
	assert_int_equal(lium__docker_config_header("{}", 2, &hdr, NULL), LIUM_OK);
	assert_int_equal(hdr.size, 0);
	lium_buf_dispose(&hdr);
	lium_buf_dispose(&json);
}

static void install_helper(const char *name, const char *body)
{
	char path[PATH_MAX];
	lium_fs_write_options o = LIUM_FS_WRITE_OPTIONS_INIT;
	o.mode = 0755;
	o.create_dirs = 1;
	snprintf(path, sizeof(path), "%s/bin/docker-credential-%s", tmpdir, name);
	assert_int_equal(lium_fs_write_atomic(path, body, strlen(body), &o, NULL), LIUM_OK);
}

static void test_docker_auth__credential_helpers(void **state)
{
	static const char cfg[] = "{\"auths\": {\"fallback.example.com\": {\"auth\": "
				  "\"ZmI6ZmJwdw==\"}},"
				  " \"credHelpers\": {\"helped.example.com\": \"liumok\","
				  " \"fallback.example.com\": \"liumnone\","
				  " \"token.example.com\": \"liumtoken\","
				  " \"missing.example.com\": \"lium-not-installed\"}}";
	char path[2 * PATH_MAX];
	const char *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	lium__docker_cred c;
	int found;
	lium_error err;
	(void)state;
	/* The helper reads the server on stdin and answers JSON, per the protocol. */
	install_helper("liumok", "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread s\n"
				 "printf '{\"ServerURL\":\"%s\",\"Username\":\"helper-user\","
				 "\"Secret\":\"helper-secret\"}' \"$s\"\n");
	install_helper("liumnone", "#!/bin/sh\necho 'credentials not found in native keychain'\n"
				   "exit 1\n");
	install_helper("liumtoken", "#!/bin/sh\nread s\nprintf '{\"ServerURL\":\"%s\","
				    "\"Username\":\"<token>\",\"Secret\":\"oauth-tok\"}' \"$s\"\n");
	snprintf(path, sizeof(path), "%s/bin:%s", tmpdir, saved ? saved : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	assert_int_equal(
		lium__docker_cred_lookup(cfg, strlen(cfg), "helped.example.com", &c, &found, &err),
		LIUM_OK);
	assert_true(found);
	assert_string_equal(c.username, "helper-user");
	assert_string_equal(c.password, "helper-secret");
	assert_string_equal(c.serveraddress, "helped.example.com");
	lium__docker_cred_dispose(&c);

	/* The helper knows nothing: the auths entry still counts. */
	assert_int_equal(lium__docker_cred_lookup(cfg, strlen(cfg), "fallback.example.com", &c,
						  &found, &err),
			 LIUM_OK);
	assert_true(found);
	assert_string_equal(c.username, "fb");
	assert_string_equal(c.password, "fbpw");
	lium__docker_cred_dispose(&c);

	/* "<token>" as the user means an identity token. */
	assert_int_equal(
		lium__docker_cred_lookup(cfg, strlen(cfg), "token.example.com", &c, &found, &err),
		LIUM_OK);
	assert_true(found);
	assert_null(c.username);
	assert_string_equal(c.identitytoken, "oauth-tok");
	lium__docker_cred_dispose(&c);

	/* A helper that is not installed: nothing known, not an error. */
	assert_int_equal(
		lium__docker_cred_lookup(cfg, strlen(cfg), "missing.example.com", &c, &found, &err),
		LIUM_OK);
	assert_false(found);

	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_auth__base64_vectors),
		cmocka_unit_test(test_docker_auth__registry_of_reference),
		cmocka_unit_test(test_docker_auth__config_auths),
		cmocka_unit_test(test_docker_auth__auth_header_roundtrip),
		cmocka_unit_test(test_docker_auth__config_header_for_builds),
		cmocka_unit_test(test_docker_auth__credential_helpers),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
