/*
 * MD5 (the RFC 1321 test suite and block boundaries) and HUIDs (the
 * reference's worked examples, the ids of examples/, the legacy variant).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lium/core.h"

static void expect_md5(const void *data, size_t len, const char *want)
{
	char hex[33];

	lium_md5_hex(data, len, hex);
	assert_string_equal(hex, want);
}

static void test_huid__md5_rfc1321(void **state)
{
	static const struct {
		const char *in, *out;
	} suite[] = {
		{"", "d41d8cd98f00b204e9800998ecf8427e"},
		{"a", "0cc175b9c0f1b6a831c399e269772661"},
		{"abc", "900150983cd24fb0d6963f7d28e17f72"},
		{"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
		{"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		 "d174ab98d277d9f5a5611c2c9f419d9f"},
		{"1234567890123456789012345678901234567890123456789012345678901234567890123456"
		 "7890",
		 "57edf4a22be3c955ac49da2e2107b67a"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(suite) / sizeof(suite[0]); i++)
		expect_md5(suite[i].in, strlen(suite[i].in), suite[i].out);
}

static void test_huid__md5_block_boundaries(void **state)
{
	/* Lengths around the 56-byte padding limit and the 64-byte block. */
	static const struct {
		size_t n;
		const char *out;
	} xs[] = {
		{55, "04364420e25c512fd958a70738aa8f72"},
		{56, "668a72d5ba17f08e62dabcafad6db14b"},
		{57, "693037871c4a9d3d8685018905cb530a"},
		{63, "7dc2ca208106a2f703567bdff99d8981"},
		{64, "c1bb4f81d892b2d57947682aeb252456"},
		{65, "1bc932052302d074bdec39795fe00cf6"},
		{127, "a0b28c1da68705c2ff883fe279b72753"},
		{128, "d69cb61a6ee87200676eb0d4b90edbcb"},
	};
	unsigned char bytes[256], raw[16];
	char *big;
	size_t i;

	(void)state;
	big = malloc(1000000);
	assert_non_null(big);
	memset(big, 'x', 128);
	for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
		expect_md5(big, xs[i].n, xs[i].out);
	memset(big, 'a', 1000000);
	expect_md5(big, 1000000, "7707d6ae4e027c70eea2a935c2296f21");
	free(big);
	for (i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	expect_md5(bytes, 256, "e2c865db4162bed963bfaa9ef6ac18f0");
	lium_md5("abc", 3, raw);
	assert_int_equal(raw[0], 0x90);
	assert_int_equal(raw[15], 0x72);
}

static void test_huid__reference_examples(void **state)
{
	/* API reference, section 9.1: the table and the ids of examples/. */
	static const struct {
		const char *id, *huid, *legacy;
	} table[] = {
		{"9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "gentle-fox-19", "calm-pixel-19"},
		{"1948937e-5049-47ad-8e26-bcf1a4549d70", "gentle-eagle-d0", "calm-cipher-d0"},
		{"00000000-0000-0000-0000-000000000000", "brave-wolf-33", "jolly-fox-33"},
		{"3f2504e0-4f89-11d3-9a0c-0305e82c3301", "swift-wolf-fd", "happy-comet-fd"},
		{"8fbb30f6-6026-4043-98c7-c4189dc09bef", "noble-hawk-07", "zesty-jaguar-07"},
		{"550e8400-e29b-41d4-a716-446655440000", "brave-raven-bd", "silent-condor-bd"},
		{"9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D", "calm-orbit-e0", NULL},
		/* examples/executors.json */
		{"2f6c1c5e-8d3a-4b7e-9a41-0c5d2e7f9b10", "zesty-eagle-d2", NULL},
		{"7a3e9d21-4c55-4f0b-8e6a-91b2c3d4e5f6", "eager-wolf-bf", NULL},
		{"c0ffee00-1234-4abc-8def-0123456789ab", "calm-fox-fa", NULL},
		{"5b8d2f4a-6e1c-4d3b-a7f9-e2c4b6d8f0a1", "brave-comet-33", NULL},
		{"e4d3c2b1-a0f9-4e8d-9c7b-6a5f4e3d2c1b", "golden-matrix-a3", NULL},
		{"9d7e5c3a-1b2f-4a6e-8c0d-f1e2d3c4b5a6", "noble-raven-76", NULL},
		/* examples/pods.json */
		{"b1a2c3d4-e5f6-4789-8abc-def012345678", "cosmic-fox-79", NULL},
		{"d4c3b2a1-0f9e-4d8c-b7a6-958473625140", "eager-orbit-28", NULL},
		{"f0e1d2c3-b4a5-4697-8877-665544332211", "swift-orbit-8d", NULL},
	};
	char out[LIUM_HUID_MAX], hex[33];
	size_t i;

	(void)state;
	lium_md5_hex(table[0].id, strlen(table[0].id), hex);
	assert_string_equal(hex, "a036233f52e0c536da65d909e3564319");
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_string_equal(lium_huid(table[i].id, out), table[i].huid);
		assert_true(lium_huid_is_valid(out));
		assert_string_equal(lium_huid_variant_of(table[i].id, LIUM_HUID_OFFICIAL, out),
				    table[i].huid);
		if (table[i].legacy)
			assert_string_equal(
				lium_huid_variant_of(table[i].id, LIUM_HUID_LEGACY30, out),
				table[i].legacy);
	}
	assert_string_equal(lium_huid("", out), "invalid");
	assert_string_equal(lium_huid(NULL, out), "invalid");
	assert_string_equal(lium_huid_variant_of("", LIUM_HUID_LEGACY30, out), "invalid-id-huid");
	assert_false(lium_huid_is_valid("invalid"));
}

static void test_huid__is_valid(void **state)
{
	static const char *const yes[] = {"gentle-fox-19", "a-b-00", "zesty-eagle-d2",
					  "calm-pixel-ff"};
	static const char *const no[] = {
		"",
		"gentle-fox-1",
		"gentle-fox-199",
		"Gentle-fox-19",
		"gentle-fox-1g",
		"gentle--19",
		"-fox-19",
		"gentle-fox",
		"gentle_fox-19",
		"gentle-fox-19 ",
		"gentle-fox-AB",
		"gentle-fox-19-",
		"1gentle-fox-19",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(lium_huid_is_valid(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (lium_huid_is_valid(no[i]))
			fail_msg("'%s' accepted as a HUID", no[i]);
	assert_false(lium_huid_is_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huid__md5_rfc1321),
		cmocka_unit_test(test_huid__md5_block_boundaries),
		cmocka_unit_test(test_huid__reference_examples),
		cmocka_unit_test(test_huid__is_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
