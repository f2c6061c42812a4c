/*
 * MD5 (RFC 1321), written from the specification.  Used only for HUIDs,
 * which the official client derives from MD5; it is not used for security.
 */
#include <string.h>

#include "lium/core/huid.h"

typedef struct md5_ctx {
	uint32_t state[4];
	uint64_t length; /* bytes */
	unsigned char block[64];
	size_t fill;
} md5_ctx;

/* Per-round shift amounts and the sine-derived constants of RFC 1321. */
static const unsigned char md5_shift[64] = {
	7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,  14, 20, 5,  9,
	14, 20, 5,  9,  14, 20, 5,  9,  14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
	4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391};

static uint32_t rotl(uint32_t x, unsigned int n)
{
	return (x << n) | (x >> (32 - n));
}

static void md5_block(md5_ctx *c, const unsigned char *p)
{
	uint32_t m[16], a = c->state[0], b = c->state[1], cc = c->state[2], d = c->state[3];
	unsigned int i;

	for (i = 0; i < 16; i++)
		m[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 |
		       (uint32_t)p[i * 4 + 2] << 16 | (uint32_t)p[i * 4 + 3] << 24;
	for (i = 0; i < 64; i++) {
		uint32_t f, t;
		unsigned int g;

		if (i < 16) {
			f = (b & cc) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & cc);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ cc ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = cc ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = cc;
		cc = b;
		b = b + rotl(a + f + md5_k[i] + m[g], md5_shift[i]);
		a = t;
	}
	c->state[0] += a;
	c->state[1] += b;
	c->state[2] += cc;
	c->state[3] += d;
}

static void md5_update(md5_ctx *c, const unsigned char *p, size_t len)
{
	c->length += len;
	while (len) {
		size_t n = 64 - c->fill;

		if (n > len)
			n = len;
		memcpy(c->block + c->fill, p, n);
		c->fill += n;
		p += n;
		len -= n;
		if (c->fill == 64) {
			md5_block(c, c->block);
			c->fill = 0;
		}
	}
}

void lium_md5(const void *data, size_t len, unsigned char digest[16])
{
	static const unsigned char pad[64] = {0x80};
	md5_ctx c = {{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}, 0, {0}, 0};
	unsigned char lenbytes[8];
	uint64_t bits;
	unsigned int i;

	md5_update(&c, data, len);
	bits = c.length * 8;
	for (i = 0; i < 8; i++)
		lenbytes[i] = (unsigned char)(bits >> (8 * i));
	md5_update(&c, pad, c.fill < 56 ? 56 - c.fill : 120 - c.fill);
	md5_update(&c, lenbytes, 8);
	for (i = 0; i < 16; i++)
		digest[i] = (unsigned char)(c.state[i / 4] >> (8 * (i % 4)));
}

void lium_md5_hex(const void *data, size_t len, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[16];
	unsigned int i;

	lium_md5(data, len, d);
	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[32] = '\0';
}
