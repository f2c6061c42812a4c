/*
 * Benchmark: SFTP upload and download throughput of lium against OpenSSH's
 * sftp (batch mode) on the same file and the same sshd, with the ratio.
 *
 * LIUM_BENCH_SFTP_MB sets the file size (default 256).  Each side is timed
 * from connecting to the end of the transfer, best of LIUM_BENCH_SFTP_RUNS
 * (default 2) runs; the copies are checked by sha256.
 */
#include <sys/wait.h>

#include "test_ssh_common.h"

static sshd_fixture fx;

static double lium_transfer(int upload, const char *local, const char *remote)
{
	lium_ssh_options o;
	lium_ssh *ssh = NULL;
	lium_error err;
	lium_status st;
	double t0 = test_now();

	test_ssh_options(&o, &fx, NULL, "bench-sftp");
	if (lium_ssh_connect(&ssh, &o, &err) != LIUM_OK) {
		fprintf(stderr, "connect: %s\n", err.message);
		return -1;
	}
	st = upload ? lium_ssh_upload(ssh, local, remote, NULL, &err)
		    : lium_ssh_download(ssh, remote, local, NULL, &err);
	lium_ssh_free(ssh);
	if (st != LIUM_OK) {
		fprintf(stderr, "transfer: %s\n", err.message);
		return -1;
	}
	return test_now() - t0;
}

static double openssh_transfer(int upload, const char *local, const char *remote, const char *kh,
			       const char *cipher)
{
	char batch[SSHD_FIXTURE_PATH_MAX + 32];
	char text[2048];
	char port[16];
	char khopt[SSHD_FIXTURE_PATH_MAX + 32];
	char copt[128];
	char dest[128];
	const char *argv[40];
	double t0;
	int i = 0;
	int rc;

	snprintf(batch, sizeof(batch), "%s/batch", fx.dir);
	snprintf(text, sizeof(text), "%s \"%s\" \"%s\"\n", upload ? "put" : "get",
		 upload ? local : remote, upload ? remote : local);
	if (test_write_file(batch, text, strlen(text), 0600) != 0) {
		return -1;
	}
	snprintf(port, sizeof(port), "%u", fx.port);
	snprintf(khopt, sizeof(khopt), "UserKnownHostsFile=%s", kh);
	snprintf(dest, sizeof(dest), "%s@127.0.0.1", fx.user);
	argv[i++] = "sftp";
	argv[i++] = "-q";
	argv[i++] = "-F";
	argv[i++] = "/dev/null";
	argv[i++] = "-b";
	argv[i++] = batch;
	argv[i++] = "-i";
	argv[i++] = fx.keys->ed25519;
	argv[i++] = "-P";
	argv[i++] = port;
	argv[i++] = "-o";
	argv[i++] = khopt;
	argv[i++] = "-o";
	argv[i++] = "StrictHostKeyChecking=yes";
	argv[i++] = "-o";
	argv[i++] = "BatchMode=yes";
	argv[i++] = "-o";
	argv[i++] = "IdentitiesOnly=yes";
	if (cipher != NULL) {
		snprintf(copt, sizeof(copt), "Ciphers=%s", cipher);
		argv[i++] = "-o";
		argv[i++] = copt;
	}
	argv[i++] = dest;
	argv[i] = NULL;
	t0 = test_now();
	rc = sshd_fixture_run(argv);
	if (rc != 0) {
		fprintf(stderr, "sftp exited with %d\n", rc);
		return -1;
	}
	return test_now() - t0;
}

static double best(double a, double b)
{
	if (a < 0) {
		return b;
	}
	if (b < 0) {
		return a;
	}
	return a < b ? a : b;
}

int main(void)
{
	const char *mb_env = getenv("LIUM_BENCH_SFTP_MB");
	const char *runs_env = getenv("LIUM_BENCH_SFTP_RUNS");
	size_t mb = mb_env != NULL ? (size_t)atol(mb_env) : 256;
	int runs = runs_env != NULL ? atoi(runs_env) : 2;
	char src[SSHD_FIXTURE_PATH_MAX];
	char remote[SSHD_FIXTURE_PATH_MAX];
	char back[SSHD_FIXTURE_PATH_MAX];
	char kh[SSHD_FIXTURE_PATH_MAX];
	char h0[65];
	char h1[65];
	unsigned char *block;
	lium_buf line = LIUM_BUF_INIT;
	lium_error err;
	double lu = -1;
	double ld = -1;
	double ou = -1;
	double od = -1;
	double oua = -1;
	double oda = -1;
	int fd;
	int r;
	size_t i;
	int rc = 0;

	if (access("/usr/sbin/sshd", X_OK) != 0 || access("/usr/bin/sftp", X_OK) != 0) {
		fprintf(stderr, "SKIPPED: needs /usr/sbin/sshd and /usr/bin/sftp\n");
		return TEST_SKIP;
	}
	if (mb == 0 || runs <= 0) {
		fprintf(stderr, "bad LIUM_BENCH_SFTP_MB or LIUM_BENCH_SFTP_RUNS\n");
		return 1;
	}
	if (sshd_fixture_start(&fx) != 0) {
		return 1;
	}
	snprintf(src, sizeof(src), "%s/src.bin", fx.dir);
	snprintf(remote, sizeof(remote), "%s/dst.bin", fx.home);
	snprintf(back, sizeof(back), "%s/back.bin", fx.dir);
	snprintf(kh, sizeof(kh), "%s/openssh_known_hosts", fx.dir);
	block = malloc(1u << 20);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (block == NULL || fd < 0) {
		return 1;
	}
	for (i = 0; i < mb; i++) {
		test_fill(block, 1u << 20, i + 1);
		if (write(fd, block, 1u << 20) != (ssize_t)(1u << 20)) {
			return 1;
		}
	}
	close(fd);
	free(block);
	test_sha256(src, h0);

	/* Pin the key through lium, hand it to OpenSSH like the CLI does. */
	if (lium_transfer(1, src, remote) < 0 ||
	    lium_ssh_known_hosts_export(fx.known_hosts, "bench-sftp", "127.0.0.1", fx.port, &line,
					&err) != LIUM_OK ||
	    test_write_file(kh, line.ptr, line.size, 0600) != 0) {
		fprintf(stderr, "setup failed\n");
		sshd_fixture_stop(&fx);
		return 1;
	}
	lium_buf_dispose(&line);

	for (r = 0; r < runs; r++) {
		unlink(remote);
		lu = best(lu, lium_transfer(1, src, remote));
		unlink(back);
		ld = best(ld, lium_transfer(0, back, remote));
		unlink(remote);
		ou = best(ou, openssh_transfer(1, src, remote, kh, NULL));
		unlink(back);
		od = best(od, openssh_transfer(0, back, remote, kh, NULL));
		unlink(remote);
		oua = best(oua, openssh_transfer(1, src, remote, kh, "aes128-gcm@openssh.com"));
		unlink(back);
		oda = best(oda, openssh_transfer(0, back, remote, kh, "aes128-gcm@openssh.com"));
	}
	unlink(back);
	if (lium_transfer(0, back, remote) < 0 || test_sha256(back, h1) != 0 ||
	    strcmp(h0, h1) != 0) {
		fprintf(stderr, "checksum mismatch after the transfers\n");
		rc = 1;
	}
	if (lu <= 0 || ld <= 0 || ou <= 0 || od <= 0) {
		fprintf(stderr, "a transfer failed\n");
		rc = 1;
	} else {
		double m = (double)mb;
		printf("sftp %zu MiB, best of %d, connect included:\n", mb, runs);
		printf("  upload    lium %7.1f MiB/s   openssh sftp %7.1f MiB/s (with aes128-gcm "
		       "%7.1f)   lium/openssh %.2f (%.2f)\n",
		       m / lu, m / ou, oua > 0 ? m / oua : 0.0, ou / lu, oua > 0 ? oua / lu : 0.0);
		printf("  download  lium %7.1f MiB/s   openssh sftp %7.1f MiB/s (with aes128-gcm "
		       "%7.1f)   lium/openssh %.2f (%.2f)\n",
		       m / ld, m / od, oda > 0 ? m / oda : 0.0, od / ld, oda > 0 ? oda / ld : 0.0);
	}
	sshd_fixture_stop(&fx);
	return rc;
}
