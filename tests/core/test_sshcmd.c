/*
 * Parsing of ssh_connect_cmd: golden commands, accepted and rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

static void test_sshcmd__accepted(void **state)
{
	static const struct {
		const char *cmd, *user, *host;
		unsigned int port;
	} ok[] = {
		/* What the server sends. */
		{"ssh root@203.0.113.10 -p 40022", "root", "203.0.113.10", 40022},
		{"ssh root@192.0.2.45 -p 22022", "root", "192.0.2.45", 22022},
		/* Options before the destination, attached values, flags. */
		{"ssh -p 2222 ubuntu@host.example", "ubuntu", "host.example", 2222},
		{"ssh -p2222 ubuntu@host", "ubuntu", "host", 2222},
		{"ssh -tt -v -A root@h -p 1", "root", "h", 1},
		{"ssh -vvvp 7 root@h", "root", "h", 7},
		{"ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@h -p 9",
		 "root", "h", 9},
		{"ssh -oStrictHostKeyChecking=no root@h", "root", "h", 22},
		{"ssh -i ~/.ssh/id_ed25519 root@h -p 40022", "root", "h", 40022},
		{"ssh -i'/path with blanks/key' root@h", "root", "h", 22},
		{"ssh -J jump@bastion:2200 root@h", "root", "h", 22},
		/* -l, -o User and -o Port; the first value wins, as in OpenSSH. */
		{"ssh -l alice h", "alice", "h", 22},
		{"ssh -l alice bob@h", "alice", "h", 22},
		{"ssh bob@h -l alice", "bob", "h", 22},
		{"ssh -o Port=2200 -o User=carol h", "carol", "h", 2200},
		{"ssh -o 'Port 2200' h -p 1", "root", "h", 2200},
		{"ssh -p 1 -o Port=2 h", "root", "h", 1},
		/* Defaults. */
		{"ssh host", "root", "host", 22},
		{"  ssh   root@h  ", "root", "h", 22},
		{"/usr/bin/ssh root@h -p 5", "root", "h", 5},
		/* Quoting. */
		{"ssh 'root'@\"1.2.3.4\" -p '40022'", "root", "1.2.3.4", 40022},
		{"ssh root\\@x@h", "root@x", "h", 22},
		/* IPv6. */
		{"ssh root@[2001:db8::1] -p 40022", "root", "2001:db8::1", 40022},
		{"ssh root@2001:db8::1", "root", "2001:db8::1", 22},
		{"ssh [::1]", "root", "::1", 22},
		/* URLs. */
		{"ssh ssh://bob@host:2200", "bob", "host", 2200},
		{"ssh ssh://host", "root", "host", 22},
		{"ssh ssh://bob@[::1]:2200/", "bob", "::1", 2200},
		{"ssh SSH://[fe80::1]", "root", "fe80::1", 22},
		/* A remote command ends the options. */
		{"ssh root@h -p 3 ls -p 4", "root", "h", 3},
		{"ssh -- root@h", "root", "h", 22},
		{"ssh root@h -- -p 9", "root", "h", 22},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		lium_ssh_endpoint ep;
		lium_error err;

		memset(&ep, 0x55, sizeof(ep));
		if (lium_sshcmd_parse(ok[i].cmd, &ep, &err) != LIUM_OK)
			fail_msg("'%s' rejected: %s", ok[i].cmd, err.message);
		if (strcmp(ep.user, ok[i].user) || strcmp(ep.host, ok[i].host) ||
		    ep.port != ok[i].port)
			fail_msg("'%s' gave %s@%s:%u", ok[i].cmd, ep.user, ep.host, ep.port);
	}
}

static void test_sshcmd__rejected(void **state)
{
	static const struct {
		const char *cmd;
		size_t position;
		const char *message;
	} bad[] = {
		{"", 0, "expected an ssh command at column 1"},
		{"ssh", 3, "expected a destination (user@host) at column 4"},
		{"ssh -p 22", 9, "expected a destination"},
		{"scp root@h", 0, "expected 'ssh' at column 1"},
		{"sshd root@h", 0, "expected 'ssh'"},
		{"ssh root@h -p", 12, "option '-p' needs an argument at column 13"},
		{"ssh root@h -p 0", 14, "invalid port '0' (expected 1-65535) at column 15"},
		{"ssh root@h -p 65536", 14, "invalid port '65536'"},
		{"ssh root@h -p 22x", 14, "invalid port '22x'"},
		{"ssh root@h -p ''", 14, "expected a port number"},
		{"ssh -Z root@h", 5, "unknown ssh option '-Z' at column 6"},
		{"ssh @h", 4, "empty user name at column 5"},
		{"ssh root@", 9, "empty host name at column 10"},
		{"ssh root@h/x", 9, "invalid character in host name"},
		{"ssh root@[::1", 9, "expected ']' after the IPv6 address"},
		{"ssh root@[::1]:22", 14, "unexpected text after the IPv6 address"},
		{"ssh ssh://h:99999", 12, "invalid port '99999'"},
		{"ssh ssh://h/path", 11, "unexpected path in ssh:// URL"},
		{"ssh 'root@h", 4, "unterminated single quote at column 5"},
		{"ssh \"root@h", 4, "unterminated double quote"},
		{"ssh root@h \\", 11, "dangling backslash"},
		{"ssh -o =x root@h", 7, "expected Key=Value after -o"},
		{"ssh -l '' h", 7, "empty user name"},
		{"ssh -l aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa h", 7,
		 "user name too long"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lium_ssh_endpoint ep;
		lium_error err;

		memset(&ep, 0, sizeof(ep));
		if (lium_sshcmd_parse(bad[i].cmd, &ep, &err) != LIUM_EPARSE)
			fail_msg("'%s' accepted as %s@%s:%u", bad[i].cmd, ep.user, ep.host,
				 ep.port);
		if (err.position != bad[i].position || !strstr(err.message, bad[i].message))
			fail_msg("'%s': %zu '%s', expected %zu '%s'", bad[i].cmd, err.position,
				 err.message, bad[i].position, bad[i].message);
		assert_int_equal(ep.port, 0);
	}
	{
		lium_ssh_endpoint ep;
		char longhost[400];

		memset(longhost, 'h', sizeof(longhost));
		memcpy(longhost, "ssh ", 4);
		longhost[sizeof(longhost) - 1] = '\0';
		assert_int_equal(lium_sshcmd_parse(longhost, &ep, NULL), LIUM_EPARSE);
		assert_int_equal(lium_sshcmd_parse(NULL, &ep, NULL), LIUM_EINVAL);
		assert_int_equal(lium_sshcmd_parse("ssh h", NULL, NULL), LIUM_EINVAL);
	}
}

/* Every pod's command in examples/pods.json. */
static void test_sshcmd__examples(void **state)
{
	lium_ssh_endpoint ep;

	(void)state;
	assert_int_equal(lium_sshcmd_parse("ssh root@203.0.113.10 -p 40022", &ep, NULL), LIUM_OK);
	assert_string_equal(ep.user, "root");
	assert_string_equal(ep.host, "203.0.113.10");
	assert_int_equal(ep.port, 40022);
	assert_int_equal(lium_sshcmd_parse("ssh root@192.0.2.45 -p 22022", &ep, NULL), LIUM_OK);
	assert_string_equal(ep.host, "192.0.2.45");
	assert_int_equal(ep.port, 22022);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sshcmd__accepted),
		cmocka_unit_test(test_sshcmd__rejected),
		cmocka_unit_test(test_sshcmd__examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
