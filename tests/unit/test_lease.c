/* SPDX-License-Identifier: MIT */
/*
 * Allocator unit tests (user/lease.c): range bounds, offers and their
 * expiry, stickiness, requested addresses, exhaustion, reuse after expiry,
 * release, decline quarantine and exclusions.  Time is passed in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lease.h"

#define S 1000000000ULL

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct xdhcp_lease_key mac_key(uint8_t last)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = 1;
	k.len = 6;
	k.id[0] = 0x52;
	k.id[1] = 0x54;
	k.id[5] = last;
	return k;
}

static void test_range_bounds(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.12"));
	struct xdhcp_lease_key k;
	struct lease *l;
	uint32_t seen[3];

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->size, 3);
	assert_true(pool_in_range(p, ip("198.18.0.10")));
	assert_true(pool_in_range(p, ip("198.18.0.12")));
	assert_false(pool_in_range(p, ip("198.18.0.9")));
	assert_false(pool_in_range(p, ip("198.18.0.13")));
	for (int i = 0; i < 3; i++) {
		k = mac_key((uint8_t)i);
		assert_int_equal(pool_offer(p, &k, 0, 0, 60 * S, &l), 0);
		assert_true(pool_in_range(p, l->addr));
		assert_int_equal(l->state, LEASE_OFFERED);
		seen[i] = l->addr;
		for (int j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]); /* concurrent offers differ */
	}
	k = mac_key(9);
	assert_int_equal(pool_offer(p, &k, 0, 0, 60 * S, &l), -ENOSPC);
	assert_null(pool_new(0, ip("198.18.0.12"), ip("198.18.0.10")));
	assert_null(pool_new(0, ip("198.18.0.0"), ip("198.127.255.255"))); /* > POOL_MAX_SIZE */
	pool_free(p);
}

static void test_offer_is_stable_and_expires(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.20"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2);
	struct lease *l, *l2;

	(void)state;
	assert_int_equal(pool_offer(p, &a, 0, 0, 60 * S, &l), 0);
	assert_int_equal(pool_offer(p, &a, 0, 1 * S, 60 * S, &l2), 0);
	assert_ptr_equal(l, l2); /* a repeated DISCOVER gets the same offer */
	assert_int_equal(p->n_offered, 1);
	/* The offer times out: the client never had the address, so the
	 * record is forgotten and nothing is held. */
	pool_sweep(p, 62 * S, NULL, NULL, NULL);
	assert_int_equal(p->n_offered, 0);
	assert_null(pool_find_key(p, &a));
	assert_int_equal(p->n_fresh, p->size);
	assert_int_equal(pool_offer(p, &b, 0, 70 * S, 60 * S, &l), 0);
	pool_free(p);
}

static void test_requested_address(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.20"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2);
	struct lease *l;

	(void)state;
	assert_int_equal(pool_offer(p, &a, ip("198.18.0.17"), 0, 60 * S, &l), 0);
	assert_int_equal(l->addr, ip("198.18.0.17"));
	/* Held by a: b asking for it gets another address. */
	assert_int_equal(pool_offer(p, &b, ip("198.18.0.17"), 0, 60 * S, &l), 0);
	assert_int_not_equal(l->addr, ip("198.18.0.17"));
	/* Out of range: ignored. */
	pool_release(p, l, 0);
	assert_int_equal(pool_offer(p, &b, ip("198.18.1.17"), 0, 60 * S, &l), 0);
	assert_true(pool_in_range(p, l->addr));
	pool_free(p);
}

static void test_bind_and_conflicts(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.20"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2);
	struct lease *l;

	(void)state;
	assert_int_equal(pool_bind(p, &a, ip("198.18.0.11"), 0, 600, &l), 0);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expires_ns, 600 * S);
	assert_int_equal(pool_bind(p, &b, ip("198.18.0.11"), 0, 600, &l), -EADDRINUSE);
	assert_int_equal(pool_bind(p, &b, ip("198.18.5.11"), 0, 600, &l), -ERANGE);
	/* Renewal extends. */
	assert_int_equal(pool_bind(p, &a, ip("198.18.0.11"), 100 * S, 600, &l), 0);
	assert_int_equal(l->expires_ns, 700 * S);
	assert_int_equal(p->n_bound, 1);
	/* Moving to another address drops the old record. */
	assert_int_equal(pool_bind(p, &a, ip("198.18.0.12"), 100 * S, 600, &l), 0);
	assert_null(pool_find_addr(p, ip("198.18.0.11")));
	assert_int_equal(p->n_bound, 1);
	pool_free(p);
}

static void test_sticky_after_expiry(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.20"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2);
	struct lease *l;
	uint32_t first;

	(void)state;
	assert_int_equal(pool_offer(p, &a, 0, 0, 60 * S, &l), 0);
	first = l->addr;
	assert_int_equal(pool_bind(p, &a, first, 0, 600, &l), 0);
	pool_sweep(p, 601 * S, NULL, NULL, NULL);
	assert_int_equal(l->state, LEASE_FREE);
	assert_int_equal(p->n_bound, 0);
	/* Another client gets a fresh address, not a's old one. */
	assert_int_equal(pool_offer(p, &b, 0, 602 * S, 60 * S, &l), 0);
	assert_int_not_equal(l->addr, first);
	/* a comes back and gets its old address. */
	assert_int_equal(pool_offer(p, &a, 0, 603 * S, 60 * S, &l), 0);
	assert_int_equal(l->addr, first);
	pool_free(p);
}

static void test_reuse_oldest_when_full(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.11"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2), c = mac_key(3);
	struct lease *la, *lb, *l;

	(void)state;
	assert_int_equal(pool_bind(p, &a, ip("198.18.0.10"), 0, 100, &la), 0);
	assert_int_equal(pool_bind(p, &b, ip("198.18.0.11"), 0, 200, &lb), 0);
	assert_int_equal(pool_offer(p, &c, 0, 10 * S, 60 * S, &l), -ENOSPC);
	pool_sweep(p, 300 * S, NULL, NULL, NULL); /* a ends at 100 s, b at 200 s */
	assert_int_equal(p->n_free, 2);
	assert_int_equal(pool_offer(p, &c, 0, 301 * S, 60 * S, &l), 0);
	assert_int_equal(l->addr, ip("198.18.0.10")); /* a's, ended first */
	assert_null(pool_find_key(p, &a));
	assert_non_null(pool_find_key(p, &b));
	pool_free(p);
}

static bool keep_cb(void *ctx, struct lease *l)
{
	uint64_t *ext = ctx;

	l->expires_ns = *ext;
	return true;
}

static int ended_count;
static void ended_cb(void *ctx, const struct lease *l, enum lease_end why)
{
	(void)ctx;
	(void)l;
	assert_int_equal(why, LEASE_END_EXPIRED);
	ended_count++;
}

static void test_sweep_keep_extends(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.20"));
	struct xdhcp_lease_key a = mac_key(1);
	uint64_t ext = 1000 * S;
	struct lease *l;

	(void)state;
	assert_int_equal(pool_bind(p, &a, ip("198.18.0.10"), 0, 100, &l), 0);
	ended_count = 0;
	pool_sweep(p, 101 * S, keep_cb, ended_cb, &ext); /* renewed in XDP */
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(ended_count, 0);
	pool_sweep(p, 1001 * S, NULL, ended_cb, NULL);
	assert_int_equal(l->state, LEASE_FREE);
	assert_int_equal(ended_count, 1);
	pool_free(p);
}

static void test_release_and_decline(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.11"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2);
	struct lease *l;

	(void)state;
	assert_int_equal(pool_bind(p, &a, ip("198.18.0.10"), 0, 600, &l), 0);
	pool_release(p, l, 5 * S);
	assert_int_equal(l->state, LEASE_FREE);
	assert_int_equal(p->n_bound, 0);
	/* b may take a released address. */
	assert_int_equal(pool_bind(p, &b, ip("198.18.0.10"), 6 * S, 600, &l), 0);
	/* Declined: quarantined, never offered, then fresh again. */
	pool_decline(p, l, 10 * S, 600 * S);
	assert_null(pool_find_key(p, &b));
	assert_int_equal(p->n_declined, 1);
	assert_int_equal(pool_offer(p, &a, ip("198.18.0.10"), 11 * S, 60 * S, &l), 0);
	assert_int_equal(l->addr, ip("198.18.0.11"));
	assert_int_equal(pool_bind(p, &b, ip("198.18.0.10"), 12 * S, 600, &l), -EADDRINUSE);
	pool_sweep(p, 611 * S, NULL, NULL, NULL);
	assert_int_equal(p->n_declined, 0);
	assert_int_equal(pool_bind(p, &b, ip("198.18.0.10"), 612 * S, 600, &l), 0);
	pool_free(p);
}

static void test_exclude(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.10"), ip("198.18.0.11"));
	struct xdhcp_lease_key a = mac_key(1), b = mac_key(2);
	struct lease *l;

	(void)state;
	assert_int_equal(pool_exclude(p, ip("198.18.0.10")), 0);
	assert_int_equal(pool_offer(p, &a, ip("198.18.0.10"), 0, 60 * S, &l), 0);
	assert_int_equal(l->addr, ip("198.18.0.11"));
	assert_int_equal(pool_offer(p, &b, 0, 0, 60 * S, &l), -ENOSPC);
	pool_sweep(p, UINT64_MAX - 1, NULL, NULL, NULL);
	assert_int_equal(pool_bind(p, &b, ip("198.18.0.10"), 0, 600, &l), -EADDRINUSE);
	pool_free(p);
}

static void test_large_pool_scan(void **state)
{
	struct pool *p = pool_new(0, ip("198.18.0.0"), ip("198.18.15.255"));
	struct lease *l;

	(void)state;
	assert_int_equal(p->size, 4096);
	for (unsigned int i = 0; i < 4096; i++) {
		struct xdhcp_lease_key k = mac_key(0);

		memcpy(&k.id[2], &i, sizeof(i));
		assert_int_equal(pool_offer(p, &k, 0, 0, 60 * S, &l), 0);
	}
	assert_int_equal(p->n_fresh, 0);
	assert_int_equal(p->n_offered, 4096);
	pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_bounds),
		cmocka_unit_test(test_offer_is_stable_and_expires),
		cmocka_unit_test(test_requested_address),
		cmocka_unit_test(test_bind_and_conflicts),
		cmocka_unit_test(test_sticky_after_expiry),
		cmocka_unit_test(test_reuse_oldest_when_full),
		cmocka_unit_test(test_sweep_keep_extends),
		cmocka_unit_test(test_release_and_decline),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_large_pool_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
