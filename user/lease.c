/* SPDX-License-Identifier: MIT */
/*
 * Address pool and lease table (allocation policy, no I/O).  See lease.h
 * for the model: one record per address, fresh addresses in a bitmap, ended
 * leases remembered for stickiness and reused oldest-first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <utlist.h>

#include "lease.h"

#define NS_PER_S 1000000000ULL

static uint32_t idx_of(const struct pool *p, uint32_t addr)
{
	return ntohl(addr) - p->start;
}

bool pool_in_range(const struct pool *p, uint32_t addr)
{
	uint32_t h = ntohl(addr);

	return h >= p->start && h <= p->end;
}

const struct pool_resv *pool_resv_by_key(const struct pool *p, const struct xdhcp_lease_key *key)
{
	struct pool_resv *r = NULL;

	HASH_FIND(hh_key, p->resv_by_key, key, sizeof(*key), r);
	return r;
}

const struct pool_resv *pool_resv_by_addr(const struct pool *p, uint32_t addr)
{
	struct pool_resv *r = NULL;

	HASH_FIND(hh_addr, p->resv_by_addr, &addr, sizeof(addr), r);
	return r;
}

static void fresh_set(struct pool *p, uint32_t addr, bool fresh)
{
	uint32_t i;
	uint64_t bit;

	/* A reserved address is never fresh: only its client may have it. */
	if (!pool_in_range(p, addr) || (fresh && pool_resv_by_addr(p, addr)))
		return;
	i = idx_of(p, addr);
	bit = 1ULL << (i % 64);
	if (fresh && !(p->fresh[i / 64] & bit)) {
		p->fresh[i / 64] |= bit;
		p->n_fresh++;
	} else if (!fresh && (p->fresh[i / 64] & bit)) {
		p->fresh[i / 64] &= ~bit;
		p->n_fresh--;
	}
}

struct pool *pool_new(uint32_t id, uint32_t start, uint32_t end)
{
	uint32_t s = ntohl(start), e = ntohl(end);
	struct pool *p;
	size_t words;

	if (s > e || e - s >= POOL_MAX_SIZE)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->id = id;
	p->start = s;
	p->end = e;
	p->size = e - s + 1;
	words = (p->size + 63) / 64;
	p->fresh = calloc(words, sizeof(uint64_t));
	if (!p->fresh) {
		free(p);
		return NULL;
	}
	for (uint32_t i = 0; i < p->size; i++)
		p->fresh[i / 64] |= 1ULL << (i % 64);
	p->n_fresh = p->size;
	return p;
}

static void count_state(struct pool *p, enum lease_state s, int delta)
{
	switch (s) {
	case LEASE_OFFERED:
		p->n_offered += delta;
		break;
	case LEASE_BOUND:
		p->n_bound += delta;
		break;
	case LEASE_FREE:
		p->n_free += delta;
		break;
	case LEASE_DECLINED:
		p->n_declined += delta;
		break;
	}
}

/* Every state change goes through here so counters and the free list
 * cannot drift from the records. */
static void set_state(struct pool *p, struct lease *l, enum lease_state s, uint64_t now)
{
	if (l->state == s)
		return;
	if (l->state == LEASE_FREE)
		DL_DELETE(p->free_list, l);
	if (l->state)
		count_state(p, l->state, -1);
	l->state = s;
	count_state(p, s, +1);
	if (s == LEASE_FREE) {
		l->ended_ns = now;
		l->probed = false; /* unused for a while: probe again before reuse */
		DL_APPEND(p->free_list, l);
	}
	if (s == LEASE_BOUND)
		l->was_bound = true;
}

void pool_forget(struct pool *p, struct lease *l)
{
	if (l->state == LEASE_FREE)
		DL_DELETE(p->free_list, l);
	count_state(p, l->state, -1);
	if (l->key.kind)
		HASH_DELETE(hh, p->by_key, l);
	HASH_DELETE(hh_addr, p->by_addr, l);
	fresh_set(p, l->addr, true);
	free(l);
}

void pool_free(struct pool *p)
{
	struct lease *l, *tmp;
	struct pool_resv *r, *rtmp;

	if (!p)
		return;
	HASH_ITER(hh_key, p->resv_by_key, r, rtmp) {
		HASH_DELETE(hh_key, p->resv_by_key, r);
		HASH_DELETE(hh_addr, p->resv_by_addr, r);
		free(r);
	}
	HASH_ITER(hh_addr, p->by_addr, l, tmp) {
		HASH_DELETE(hh_addr, p->by_addr, l);
		if (l->key.kind)
			HASH_DELETE(hh, p->by_key, l);
		free(l);
	}
	free(p->fresh);
	free(p);
}

struct lease *pool_find_key(struct pool *p, const struct xdhcp_lease_key *key)
{
	struct lease *l = NULL;

	HASH_FIND(hh, p->by_key, key, sizeof(*key), l);
	return l;
}

struct lease *pool_find_addr(struct pool *p, uint32_t addr)
{
	struct lease *l = NULL;

	HASH_FIND(hh_addr, p->by_addr, &addr, sizeof(addr), l);
	return l;
}

int pool_reserve(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr, const void *data)
{
	struct pool_resv *r;

	if (pool_resv_by_key(p, key) || pool_resv_by_addr(p, addr))
		return -EEXIST;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->key = *key;
	r->addr = addr;
	r->data = data;
	HASH_ADD(hh_key, p->resv_by_key, key, sizeof(r->key), r);
	HASH_ADD(hh_addr, p->resv_by_addr, addr, sizeof(r->addr), r);
	fresh_set(p, addr, false);
	p->n_reserved++;
	return 0;
}

static bool reserved_for_other(const struct pool *p, uint32_t addr,
			       const struct xdhcp_lease_key *key)
{
	const struct pool_resv *r = pool_resv_by_addr(p, addr);

	return r && memcmp(&r->key, key, sizeof(*key)) != 0;
}

/* A new record for key at addr; addr must have no record. */
static struct lease *lease_new(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr)
{
	struct lease *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (key) {
		l->key = *key;
		HASH_ADD(hh, p->by_key, key, sizeof(l->key), l);
	}
	l->addr = addr;
	HASH_ADD(hh_addr, p->by_addr, addr, sizeof(l->addr), l);
	fresh_set(p, addr, false);
	return l;
}

/* Next fresh address at or after the cursor, wrapping; 0 when none. */
static uint32_t take_fresh(struct pool *p)
{
	uint32_t words = (p->size + 63) / 64;
	uint32_t w = p->cursor / 64;

	if (p->n_fresh == 0)
		return 0;
	for (uint32_t n = 0; n <= words; n++, w = (w + 1) % words) {
		uint64_t bits = p->fresh[w];

		if (n == 0)
			bits &= ~0ULL << (p->cursor % 64);
		if (bits) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);

			if (i >= p->size)
				continue;
			p->cursor = (i + 1) % p->size;
			return htonl(p->start + i);
		}
	}
	return 0;
}

/* Move a record to another client: rekey it. */
static void rekey(struct pool *p, struct lease *l, const struct xdhcp_lease_key *key)
{
	if (l->key.kind)
		HASH_DELETE(hh, p->by_key, l);
	l->key = *key;
	l->was_bound = false;
	l->hostname[0] = '\0';
	HASH_ADD(hh, p->by_key, key, sizeof(l->key), l);
}

static int offer_at(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr, uint64_t now,
		    uint64_t offer_ns, struct lease **ret_lease);

int pool_offer(struct pool *p, const struct xdhcp_lease_key *key, uint32_t requested, uint64_t now,
	       uint64_t offer_ns, struct lease **ret_lease)
{
	struct lease *l = pool_find_key(p, key), *other;
	const struct pool_resv *resv = pool_resv_by_key(p, key);
	uint32_t addr;

	if (resv && (!l || l->addr != resv->addr))
		return offer_at(p, key, resv->addr, now, offer_ns, ret_lease);
	if (l) {
		if (l->state == LEASE_FREE) {
			set_state(p, l, LEASE_OFFERED, now);
			l->expires_ns = now + offer_ns;
		} else if (l->state == LEASE_OFFERED) {
			l->expires_ns = now + offer_ns;
		}
		*ret_lease = l;
		return 0;
	}
	/* RFC 2131 4.3.1: the requested address, if valid and available. */
	if (requested && pool_in_range(p, requested) && !pool_resv_by_addr(p, requested)) {
		other = pool_find_addr(p, requested);
		if (!other) {
			addr = requested;
			goto fresh;
		}
		if (other->state == LEASE_FREE) {
			l = other;
			goto reuse;
		}
	}
	addr = take_fresh(p);
	if (addr)
		goto fresh;
	/* The oldest ended lease (never one at an address reserved since). */
	for (l = p->free_list; l && pool_resv_by_addr(p, l->addr); l = l->next)
		;
	if (!l)
		return -ENOSPC;
reuse:
	rekey(p, l, key);
	set_state(p, l, LEASE_OFFERED, now);
	l->expires_ns = now + offer_ns;
	*ret_lease = l;
	return 0;
fresh:
	l = lease_new(p, key, addr);
	if (!l)
		return -ENOMEM;
	set_state(p, l, LEASE_OFFERED, now);
	l->expires_ns = now + offer_ns;
	*ret_lease = l;
	return 0;
}

/* Hold addr for key as an offer: the client's reservation, whatever record
 * it had elsewhere. */
static int offer_at(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr, uint64_t now,
		    uint64_t offer_ns, struct lease **ret_lease)
{
	struct lease *l = pool_find_key(p, key), *other = pool_find_addr(p, addr);

	if (other && other != l) {
		if (other->state != LEASE_FREE)
			return -EADDRINUSE;
		pool_forget(p, other);
	}
	if (l)
		pool_forget(p, l); /* its old address: the reservation wins */
	l = lease_new(p, key, addr);
	if (!l)
		return -ENOMEM;
	set_state(p, l, LEASE_OFFERED, now);
	l->expires_ns = now + offer_ns;
	*ret_lease = l;
	return 0;
}

static int bind_at(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr, uint64_t now,
		   uint64_t expires_ns, uint32_t lease_time, struct lease **ret_lease)
{
	struct lease *l = pool_find_key(p, key), *other = pool_find_addr(p, addr);
	const struct pool_resv *resv = pool_resv_by_key(p, key);

	if (resv && resv->addr != addr)
		return -EACCES;
	if (reserved_for_other(p, addr, key))
		return -EADDRINUSE;
	if (!pool_in_range(p, addr) && !(l && l->addr == addr) && !resv)
		return -ERANGE;
	if (other && other != l) {
		if (other->state != LEASE_FREE)
			return -EADDRINUSE;
		pool_forget(p, other);
	}
	if (l && l->addr != addr) {
		/* The client moves to another address: drop its old record. */
		pool_forget(p, l);
		l = NULL;
	}
	if (!l) {
		l = lease_new(p, key, addr);
		if (!l)
			return -ENOMEM;
	}
	set_state(p, l, LEASE_BOUND, now);
	l->expires_ns = expires_ns;
	l->lease_time = lease_time;
	*ret_lease = l;
	return 0;
}

int pool_bind(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr, uint64_t now,
	      uint32_t lease_time, struct lease **ret_lease)
{
	return bind_at(p, key, addr, now, now + (uint64_t)lease_time * NS_PER_S, lease_time,
		       ret_lease);
}

int pool_restore(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr,
		 uint64_t expires_ns, uint32_t lease_time, struct lease **ret_lease)
{
	return bind_at(p, key, addr, 0, expires_ns, lease_time, ret_lease);
}

int pool_adopt(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr,
	       enum lease_state state, uint64_t expires_ns, uint32_t lease_time,
	       struct lease **ret_lease)
{
	struct lease *l;

	if (pool_find_addr(p, addr) || (key && pool_find_key(p, key)))
		return -EADDRINUSE;
	l = lease_new(p, key, addr);
	if (!l)
		return -ENOMEM;
	set_state(p, l, state, expires_ns);
	l->expires_ns = expires_ns;
	l->lease_time = lease_time;
	l->was_bound = state == LEASE_BOUND || state == LEASE_FREE;
	*ret_lease = l;
	return 0;
}

void pool_release(struct pool *p, struct lease *l, uint64_t now)
{
	if (l->state == LEASE_OFFERED && !l->was_bound) {
		/* Nothing to remember: the client never had this address. */
		pool_forget(p, l);
		return;
	}
	set_state(p, l, LEASE_FREE, now);
	l->expires_ns = now;
}

void pool_decline(struct pool *p, struct lease *l, uint64_t now, uint64_t quarantine_ns)
{
	if (l->key.kind)
		HASH_DELETE(hh, p->by_key, l);
	memset(&l->key, 0, sizeof(l->key));
	l->hostname[0] = '\0';
	set_state(p, l, LEASE_DECLINED, now);
	l->expires_ns = now + quarantine_ns;
}

int pool_exclude(struct pool *p, uint32_t addr)
{
	struct lease *l;

	if (!pool_in_range(p, addr) || pool_find_addr(p, addr))
		return 0;
	l = lease_new(p, NULL, addr);
	if (!l)
		return -ENOMEM;
	set_state(p, l, LEASE_DECLINED, 0);
	l->expires_ns = UINT64_MAX;
	return 0;
}

void pool_sweep(struct pool *p, uint64_t now, bool (*keep)(void *ctx, struct lease *l),
		void (*ended)(void *ctx, const struct lease *l, enum lease_end why), void *ctx)
{
	struct lease *l, *tmp;

	HASH_ITER(hh_addr, p->by_addr, l, tmp) {
		if (l->state == LEASE_FREE || l->expires_ns > now)
			continue;
		switch (l->state) {
		case LEASE_BOUND:
			if (keep && keep(ctx, l) && l->expires_ns > now)
				break;
			if (ended)
				ended(ctx, l, LEASE_END_EXPIRED);
			set_state(p, l, LEASE_FREE, now);
			break;
		case LEASE_OFFERED:
			if (ended)
				ended(ctx, l, LEASE_END_OFFER_TIMEOUT);
			pool_release(p, l, now);
			break;
		case LEASE_DECLINED:
			pool_forget(p, l);
			break;
		case LEASE_FREE:
			break;
		}
	}
}

const char *lease_state_name(enum lease_state s)
{
	switch (s) {
	case LEASE_OFFERED:
		return "offered";
	case LEASE_BOUND:
		return "bound";
	case LEASE_FREE:
		return "free";
	case LEASE_DECLINED:
		return "declined";
	}
	return "unknown";
}
