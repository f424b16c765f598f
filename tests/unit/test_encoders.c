/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the option value encoders of user/dhcp_msg.c: DNS names
 * (RFC 1035 section 3.1), the domain search list with compression (RFC 3397,
 * option 119) and classless static routes (RFC 3442, option 121).  The RFC
 * examples are checked byte for byte; every invalid input has its errno.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Network-order IPv4 address from its dotted parts. */
static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t bytes[4] = {a, b, c, d};
	uint32_t ip;

	memcpy(&ip, bytes, 4);
	return ip;
}

/* A name of the given label lengths, labels filled with 'a', 'b', ... */
static void make_name(char *out, size_t cap, const size_t *labels, size_t n)
{
	size_t i, pos = 0;

	for (i = 0; i < n; i++) {
		assert_true(pos + labels[i] + 2 <= cap);
		if (i)
			out[pos++] = '.';
		memset(out + pos, 'a' + (int)i, labels[i]);
		pos += labels[i];
	}
	out[pos] = '\0';
}

static void check_search(const char *const *names, size_t n, const uint8_t *want, size_t want_len)
{
	uint8_t out[512];
	int len;

	memset(out, 0xee, sizeof(out));
	len = dhcp_encode_domain_search(names, n, out, sizeof(out));
	if (len != (int)want_len)
		fail_msg("%s...: %d bytes, want %zu", n ? names[0] : "", len, want_len);
	assert_memory_equal(out, want, want_len);
}

/* ------------------------------------------------------------------ */
/* DNS names. */

static void test_dns_name_simple(void **state)
{
	/* RFC 1035 section 3.1: length-prefixed labels, then the root. */
	static const uint8_t want[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
	uint8_t out[64];

	(void)state;
	assert_int_equal(dhcp_encode_dns_name("example.com", out, sizeof(out)), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* A trailing dot names the same (fully qualified) domain. */
	memset(out, 0, sizeof(out));
	assert_int_equal(dhcp_encode_dns_name("example.com.", out, sizeof(out)), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* One label. */
	assert_int_equal(dhcp_encode_dns_name("lan", out, sizeof(out)), 5);
	assert_memory_equal(out, ((const uint8_t[]){3, 'l', 'a', 'n', 0}), 5);
}

static void test_dns_name_limits(void **state)
{
	char name[400];
	uint8_t out[300];
	size_t l63[] = {63}, l64[] = {64};
	/* Wire length 3 * 64 + 62 + 1 = 255: the longest name. */
	size_t max[] = {63, 63, 63, 61}, over[] = {63, 63, 63, 62};

	(void)state;
	make_name(name, sizeof(name), l63, 1);
	assert_int_equal(dhcp_encode_dns_name(name, out, sizeof(out)), 65);
	assert_int_equal(out[0], 63);
	make_name(name, sizeof(name), l64, 1);
	assert_int_equal(dhcp_encode_dns_name(name, out, sizeof(out)), -EINVAL);

	make_name(name, sizeof(name), max, 4);
	assert_int_equal(dhcp_encode_dns_name(name, out, sizeof(out)), 255);
	assert_int_equal(out[254], 0);
	/* The trailing dot does not count. */
	strncat(name, ".", sizeof(name) - strlen(name) - 1);
	assert_int_equal(dhcp_encode_dns_name(name, out, sizeof(out)), 255);
	make_name(name, sizeof(name), over, 4);
	assert_int_equal(dhcp_encode_dns_name(name, out, sizeof(out)), -EINVAL);
}

static void test_dns_name_invalid(void **state)
{
	static const char *const bad[] = {
		"", ".", "..", ".example.com", "example..com", "example.com..",
	};
	uint8_t out[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (dhcp_encode_dns_name(bad[i], out, sizeof(out)) != -EINVAL)
			fail_msg("'%s': want -EINVAL", bad[i]);
	}
	assert_int_equal(dhcp_encode_dns_name(NULL, out, sizeof(out)), -EINVAL);
}

static void test_dns_name_enospc(void **state)
{
	uint8_t out[13];

	(void)state;
	/* "example.com" needs 13 bytes. */
	assert_int_equal(dhcp_encode_dns_name("example.com", out, 12), -ENOSPC);
	assert_int_equal(dhcp_encode_dns_name("example.com", out, 13), 13);
	assert_int_equal(dhcp_encode_dns_name("example.com", NULL, 0), -ENOSPC);
	/* An invalid name is reported as such, whatever the space. */
	assert_int_equal(dhcp_encode_dns_name("a..b", out, 0), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Domain search list (RFC 3397). */

static void test_search_rfc3397_example(void **state)
{
	/* RFC 3397 section 2: "eng.apple.com." and "marketing.apple.com."
	 * encode with a pointer from the second name to "apple.com" at
	 * offset 4 of the option data. */
	static const char *const names[] = {"eng.apple.com.", "marketing.apple.com."};
	static const uint8_t want[] = {
		0x03, 'e',  'n', 'g', 0x05, 'a', 'p', 'p', 'l', 'e', 0x03, 'c',	 'o',  'm',
		0x00, 0x09, 'm', 'a', 'r',  'k', 'e', 't', 'i', 'n', 'g',  0xc0, 0x04,
	};

	(void)state;
	check_search(names, ARRAY_SIZE(names), want, sizeof(want));
}

static void test_search_compression(void **state)
{
	/* The same name twice: the second is a bare pointer to offset 0. */
	static const char *const twice[] = {"apple.com", "apple.com."};
	static const uint8_t want_twice[] = {5,	  'a', 'p', 'p', 'l',  'e', 3,
					     'c', 'o', 'm', 0,	 0xc0, 0x00};
	/* A suffix of a suffix: "com" inside the first name, offset 10. */
	static const char *const tld[] = {"eng.apple.com", "example.com"};
	static const uint8_t want_tld[] = {3,	'e', 'n', 'g', 5,   'a',  'p', 'p', 'l',
					   'e', 3,   'c', 'o', 'm', 0,	  7,   'e', 'x',
					   'a', 'm', 'p', 'l', 'e', 0xc0, 0x0a};
	/* A pointer to a label inside a name that itself ends in a pointer:
	 * "marketing" sits at offset 15 and continues at offset 4. */
	static const char *const chain[] = {"eng.apple.com", "marketing.apple.com",
					    "sales.marketing.apple.com", "apple.com"};
	static const uint8_t want_chain[] = {
		3,    'e', 'n', 'g', 5,	  'a', 'p', 'p',  'l',	'e',  3,    'c', 'o',
		'm',  0,   9,	'm', 'a', 'r', 'k', 'e',  't',	'i',  'n',  'g', 0xc0,
		0x04, 5,   's', 'a', 'l', 'e', 's', 0xc0, 0x0f, 0xc0, 0x04,
	};
	/* Nothing in common: no pointers. */
	static const char *const apart[] = {"a.org", "b.net"};
	static const uint8_t want_apart[] = {1, 'a', 3, 'o', 'r', 'g', 0,
					     1, 'b', 3, 'n', 'e', 't', 0};
	/* Labels compare byte for byte: a different spelling is kept. */
	static const char *const cased[] = {"apple.com", "Apple.com"};
	static const uint8_t want_cased[] = {5, 'a', 'p', 'p', 'l', 'e', 3,   'c',  'o', 'm',
					     0, 5,   'A', 'p', 'p', 'l', 'e', 0xc0, 0x06};
	/* A suffix must match whole labels: "le.com" is not in "apple.com". */
	static const char *const partial[] = {"apple.com", "le.com"};
	static const uint8_t want_partial[] = {5,   'a', 'p', 'p', 'l', 'e', 3,	   'c',
					       'o', 'm', 0,   2,   'l', 'e', 0xc0, 0x06};

	(void)state;
	check_search(twice, ARRAY_SIZE(twice), want_twice, sizeof(want_twice));
	check_search(tld, ARRAY_SIZE(tld), want_tld, sizeof(want_tld));
	check_search(chain, ARRAY_SIZE(chain), want_chain, sizeof(want_chain));
	check_search(apart, ARRAY_SIZE(apart), want_apart, sizeof(want_apart));
	check_search(cased, ARRAY_SIZE(cased), want_cased, sizeof(want_cased));
	check_search(partial, ARRAY_SIZE(partial), want_partial, sizeof(want_partial));
}

static void test_search_empty_and_one(void **state)
{
	static const char *const one[] = {"lan."};
	uint8_t out[16];

	(void)state;
	assert_int_equal(dhcp_encode_domain_search(NULL, 0, out, sizeof(out)), 0);
	assert_int_equal(dhcp_encode_domain_search(one, 1, out, sizeof(out)), 5);
	assert_memory_equal(out, ((const uint8_t[]){3, 'l', 'a', 'n', 0}), 5);
}

static void test_search_invalid(void **state)
{
	static const char *const empty_label[] = {"ok.example", "bad..example"};
	static const char *const null_name[] = {"ok.example", NULL};
	static const char *const empty[] = {""};
	char long_label[80];
	const char *too_long[1] = {long_label};
	uint8_t out[256];

	(void)state;
	assert_int_equal(dhcp_encode_domain_search(empty_label, 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(dhcp_encode_domain_search(null_name, 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(dhcp_encode_domain_search(empty, 1, out, sizeof(out)), -EINVAL);
	memset(long_label, 'x', 64);
	long_label[64] = '\0';
	assert_int_equal(dhcp_encode_domain_search(too_long, 1, out, sizeof(out)), -EINVAL);
}

static void test_search_enospc(void **state)
{
	/* RFC 3397 example again: 27 bytes in all, 15 for the first name. */
	static const char *const names[] = {"eng.apple.com.", "marketing.apple.com."};
	uint8_t out[27];

	(void)state;
	assert_int_equal(dhcp_encode_domain_search(names, 2, out, 27), 27);
	assert_int_equal(dhcp_encode_domain_search(names, 2, out, 26), -ENOSPC);
	assert_int_equal(dhcp_encode_domain_search(names, 2, out, 15), -ENOSPC);
	assert_int_equal(dhcp_encode_domain_search(names, 1, out, 15), 15);
	assert_int_equal(dhcp_encode_domain_search(names, 1, out, 14), -ENOSPC);
}

/*
 * A compression pointer has 14 bits of offset (RFC 1035 section 4.1.4):
 * a name first emitted beyond 0x3fff cannot be pointed at, so a repeat of
 * it is written in full.
 */
static void test_search_pointer_range(void **state)
{
	enum { FILLERS = 253, FILLER_WIRE = 65 };
	static const uint8_t target_wire[] = {6, 't', 'a', 'r', 'g', 'e', 't', 3, 'l', 'a', 'n', 0};
	const char *names[FILLERS + 2];
	char(*fillers)[64];
	size_t i, off;
	uint8_t *out;
	size_t cap = 32768;
	int len;

	(void)state;
	fillers = calloc(FILLERS, sizeof(*fillers));
	out = malloc(cap);
	assert_non_null(fillers);
	assert_non_null(out);
	/* Distinct one-label names of 63 bytes: 65 wire bytes each. */
	for (i = 0; i < FILLERS; i++) {
		memset(fillers[i], 'f', 63);
		fillers[i][63] = '\0';
		memcpy(fillers[i], &"0123456789"[i % 10], 1);
		memcpy(fillers[i] + 1, &"0123456789"[i / 10 % 10], 1);
		memcpy(fillers[i] + 2, &"0123456789"[i / 100], 1);
		names[i] = fillers[i];
	}
	names[FILLERS] = "target.lan";
	names[FILLERS + 1] = "target.lan";

	off = (size_t)FILLERS * FILLER_WIRE;
	assert_true(off > 0x3fff);
	len = dhcp_encode_domain_search(names, FILLERS + 2, out, cap);
	assert_int_equal(len, off + 2 * sizeof(target_wire));
	assert_memory_equal(out + off, target_wire, sizeof(target_wire));
	assert_memory_equal(out + off + sizeof(target_wire), target_wire, sizeof(target_wire));
	free(out);
	free(fillers);
}

/* ------------------------------------------------------------------ */
/* Classless static routes (RFC 3442). */

struct route_case {
	const char *name;
	struct dhcp_route route;
	uint8_t want[9];
	size_t want_len;
};

#define ROUTER 198, 18, 0, 1

/* RFC 3442 section 3, the table of destination descriptors, in the same
 * shapes (prefix lengths, significant octets) with destinations inside
 * 198.18.0.0/15, the only block the tests use; the RFC's /8 example
 * becomes the block itself, a /15 (two significant octets).  Each is
 * followed by the router 198.18.0.1. */
static const struct route_case rfc3442_cases[] = {
	{"0/0", {0, 0, 0}, {0, ROUTER}, 5},
	{"198.18/15", {0, 15, 0}, {15, 198, 18, ROUTER}, 7},
	{"198.19.0/24", {0, 24, 0}, {24, 198, 19, 0, ROUTER}, 8},
	{"198.19/16", {0, 16, 0}, {16, 198, 19, ROUTER}, 7},
	{"198.19.129/24", {0, 24, 0}, {24, 198, 19, 129, ROUTER}, 8},
	{"198.18.0.128/25", {0, 25, 0}, {25, 198, 18, 0, 128, ROUTER}, 9},
	{"198.19.122.47/32", {0, 32, 0}, {32, 198, 19, 122, 47, ROUTER}, 9},
};

/* The destinations of rfc3442_cases, in the same order. */
static uint32_t rfc3442_dest(size_t i)
{
	static const uint8_t dests[][4] = {
		{0, 0, 0, 0},	   {198, 18, 0, 0},   {198, 19, 0, 0},	  {198, 19, 0, 0},
		{198, 19, 129, 0}, {198, 18, 0, 128}, {198, 19, 122, 47},
	};

	return ip4(dests[i][0], dests[i][1], dests[i][2], dests[i][3]);
}

static void test_routes_rfc3442_examples(void **state)
{
	struct dhcp_route all[ARRAY_SIZE(rfc3442_cases)];
	uint8_t out[128], want_all[128];
	size_t i, want_all_len = 0;
	struct dhcp_route r;
	int len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rfc3442_cases); i++) {
		r = rfc3442_cases[i].route;
		r.dest = rfc3442_dest(i);
		r.gateway = ip4(ROUTER);
		len = dhcp_encode_classless_routes(&r, 1, out, sizeof(out));
		if (len != (int)rfc3442_cases[i].want_len)
			fail_msg("%s: %d bytes, want %zu", rfc3442_cases[i].name, len,
				 rfc3442_cases[i].want_len);
		assert_memory_equal(out, rfc3442_cases[i].want, rfc3442_cases[i].want_len);
		all[i] = r;
		memcpy(want_all + want_all_len, rfc3442_cases[i].want, rfc3442_cases[i].want_len);
		want_all_len += rfc3442_cases[i].want_len;
	}

	/* All routes in one option: the descriptors follow each other. */
	len = dhcp_encode_classless_routes(all, ARRAY_SIZE(all), out, sizeof(out));
	assert_int_equal(len, want_all_len);
	assert_memory_equal(out, want_all, want_all_len);

	/* Exactly enough room, and one byte less. */
	assert_int_equal(dhcp_encode_classless_routes(all, ARRAY_SIZE(all), out, want_all_len),
			 want_all_len);
	assert_int_equal(dhcp_encode_classless_routes(all, ARRAY_SIZE(all), out, want_all_len - 1),
			 -ENOSPC);
	assert_int_equal(dhcp_encode_classless_routes(all, 0, out, 0), 0);
}

static void test_routes_invalid(void **state)
{
	struct dhcp_route r = {.dest = ip4(10, 0, 0, 0), .prefix = 33, .gateway = ip4(ROUTER)};
	uint8_t out[64];

	(void)state;
	assert_int_equal(dhcp_encode_classless_routes(&r, 1, out, sizeof(out)), -EINVAL);
	r.prefix = 255;
	assert_int_equal(dhcp_encode_classless_routes(&r, 1, out, sizeof(out)), -EINVAL);

	/* Host bits set beyond the prefix: a configuration error. */
	r.prefix = 8;
	r.dest = ip4(10, 0, 0, 1);
	assert_int_equal(dhcp_encode_classless_routes(&r, 1, out, sizeof(out)), -EINVAL);
	r.prefix = 25;
	r.dest = ip4(10, 229, 0, 129);
	assert_int_equal(dhcp_encode_classless_routes(&r, 1, out, sizeof(out)), -EINVAL);
	r.prefix = 0;
	r.dest = ip4(10, 0, 0, 0);
	assert_int_equal(dhcp_encode_classless_routes(&r, 1, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_name_simple),
		cmocka_unit_test(test_dns_name_limits),
		cmocka_unit_test(test_dns_name_invalid),
		cmocka_unit_test(test_dns_name_enospc),
		cmocka_unit_test(test_search_rfc3397_example),
		cmocka_unit_test(test_search_compression),
		cmocka_unit_test(test_search_empty_and_one),
		cmocka_unit_test(test_search_invalid),
		cmocka_unit_test(test_search_enospc),
		cmocka_unit_test(test_search_pointer_range),
		cmocka_unit_test(test_routes_rfc3442_examples),
		cmocka_unit_test(test_routes_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
