/*
 * A large file over SFTP there and back (1 GiB by default, a size above
 * 2^32 works too: LIUM_TEST_SFTP_BIG_MB), checked by sha256 on both sides.
 * Label "big": a few tens of seconds and 3x the size in temporary space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_ssh_common.h"

static sshd_fixture fx;

struct last_progress {
	uint64_t done;
	uint64_t total;
	size_t calls;
};

static int on_progress(const lium_ssh_progress *p, void *userdata)
{
	struct last_progress *l = userdata;

	l->done = p->bytes_done;
	l->total = p->bytes_total;
	l->calls++;
	return 0;
}

static void test_sftp_big__round_trip_by_checksum(void **state)
{
	const char *mb_env = getenv("LIUM_TEST_SFTP_BIG_MB");
	uint64_t mb = mb_env != NULL ? (uint64_t)atoll(mb_env) : 1024;
	uint64_t size = mb * 1024 * 1024 + 4099; /* not a multiple of any block */
	char src[SSHD_FIXTURE_PATH_MAX];
	char remote[SSHD_FIXTURE_PATH_MAX];
	char back[SSHD_FIXTURE_PATH_MAX];
	char h_src[65];
	char h_remote[65];
	char h_back[65];
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_ssh_transfer_options to = LIUM_SSH_TRANSFER_OPTIONS_INIT;
	lium_ssh_exec_options eo = LIUM_SSH_EXEC_OPTIONS_INIT;
	lium_ssh_exec_result res;
	lium_buf out = LIUM_BUF_INIT;
	lium_buf cmd = LIUM_BUF_INIT;
	struct last_progress lp;
	unsigned char *block = malloc(1u << 20);
	lium_error err;
	uint64_t off = 0;
	double t0;
	double up;
	double down;
	int fd;

	(void)state;
	assert_non_null(block);
	snprintf(src, sizeof(src), "%s/big-src.bin", fx.dir);
	snprintf(remote, sizeof(remote), "%s/big/remote.bin", fx.home);
	snprintf(back, sizeof(back), "%s/big-back.bin", fx.dir);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	while (off < size) {
		size_t n = size - off < (1u << 20) ? (size_t)(size - off) : (1u << 20);
		test_fill(block, n, off / (1u << 20) + 1);
		assert_int_equal(write(fd, block, n), (ssize_t)n);
		off += n;
	}
	assert_int_equal(close(fd), 0);
	free(block);
	assert_int_equal(test_sha256(src, h_src), 0);

	test_ssh_options(&o, &fx, NULL, "big-host");
	assert_int_equal(lium_ssh_connect(&ssh, &o, &err), LIUM_OK);
	memset(&lp, 0, sizeof(lp));
	to.progress = on_progress;
	to.progress_userdata = &lp;
	t0 = test_now();
	if (lium_ssh_upload(ssh, src, remote, &to, &err) != LIUM_OK) {
		fail_msg("upload: %s", err.message);
	}
	up = test_now() - t0;
	assert_int_equal(lp.done, size);
	assert_int_equal(lp.total, size);

	/* The server's own checksum of what it received. */
	assert_int_equal(lium_buf_puts(&cmd, "sha256sum "), LIUM_OK);
	assert_int_equal(lium_ssh_shell_quote(remote, &cmd), LIUM_OK);
	eo.command = lium_buf_cstr(&cmd);
	eo.stdout_buf = &out;
	assert_int_equal(lium_ssh_exec(ssh, &eo, &res, &err), LIUM_OK);
	assert_int_equal(res.exit_code, 0);
	assert_true(out.size >= 64);
	memcpy(h_remote, out.ptr, 64);
	h_remote[64] = '\0';
	assert_string_equal(h_src, h_remote);
	unlink(src);

	t0 = test_now();
	if (lium_ssh_download(ssh, remote, back, &to, &err) != LIUM_OK) {
		fail_msg("download: %s", err.message);
	}
	down = test_now() - t0;
	assert_int_equal(test_sha256(back, h_back), 0);
	assert_string_equal(h_src, h_back);
	print_message("%llu MiB: upload %.1f s (%.0f MiB/s), download %.1f s (%.0f MiB/s)\n",
		      (unsigned long long)mb, up, (double)mb / up, down, (double)mb / down);
	unlink(back);
	unlink(remote);
	lium_buf_dispose(&out);
	lium_buf_dispose(&cmd);
	lium_ssh_free(ssh);
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sftp_big__round_trip_by_checksum),
	};

	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: /usr/sbin/sshd is not installed\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
