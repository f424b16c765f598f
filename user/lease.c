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
#include <sys/random.h>

#include "lease.h"

/* Under ASan a forgotten record is poisoned until its slot is reused, as
 * freed memory was when records were allocated one by one. */
#if defined(__SANITIZE_ADDRESS__)
#define LEASE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEASE_ASAN 1
#endif
#endif
#ifdef LEASE_ASAN
#include <sanitizer/asan_interface.h>
#define slot_poison(l)	  ASAN_POISON_MEMORY_REGION((l), sizeof(struct lease))
#define slot_unpoison(l)  ASAN_UNPOISON_MEMORY_REGION((l), sizeof(struct lease))
#define block_unpoison(b) ASAN_UNPOISON_MEMORY_REGION((b), LEASE_BLOCK * sizeof(struct lease))
#else
#define slot_poison(l)	  ((void)(l))
#define slot_unpoison(l)  ((void)(l))
#define block_unpoison(b) ((void)(b))
#endif

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

/* ------------------------------------------------------------------ */
/* Hashes.  Both are seeded per pool: client identifiers and requested
 * addresses come from the network, and a client that could predict where
 * they land could pile them into one long probe sequence. */

static uint64_t rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/* The MurmurHash3 finalizers: bijective, every input bit reaches every
 * output bit. */
static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

static uint32_t key_hash(const struct pool *p, const struct xdhcp_lease_key *key)
{
	const unsigned char *b = (const unsigned char *)key;
	uint64_t h = p->seed, w;
	size_t i;

	for (i = 0; i + 8 <= sizeof(*key); i += 8) {
		memcpy(&w, b + i, 8);
		h = rotl64((h ^ w) * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL;
	}
	for (; i < sizeof(*key); i++)
		h = (h ^ b[i]) * 0x87c37b91114253d5ULL;
	return (uint32_t)fmix64(h);
}

/* Bijective: equal hashes are equal addresses, so the address index never
 * needs to look at a record to compare. */
static uint32_t addr_hash(const struct pool *p, uint32_t addr)
{
	return fmix32(addr ^ p->seed);
}

/* ------------------------------------------------------------------ */
/* Slots */

static struct lease *slot_lease(const struct pool *p, uint32_t slot)
{
	return &p->blocks[slot / LEASE_BLOCK][slot % LEASE_BLOCK];
}

/* A zeroed record in an unused slot, not yet in any index. */
static struct lease *slot_take(struct pool *p)
{
	struct lease *l;
	uint32_t slot;

	if (p->unused != LEASE_NONE) {
		slot = p->unused;
		l = slot_lease(p, slot);
		slot_unpoison(l);
		p->unused = l->newer;
	} else {
		if (p->n_slots % LEASE_BLOCK == 0) {
			struct lease *blk;

			if (p->n_slots >= LEASE_NONE - LEASE_BLOCK)
				return NULL;
			if (p->n_blocks == p->blocks_cap) {
				uint32_t cap = p->blocks_cap ? 2 * p->blocks_cap : 16;
				/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
				struct lease **nb = realloc(p->blocks, cap * sizeof(*nb));
				uint64_t *nu;

				if (!nb)
					return NULL;
				p->blocks = nb;
				nu = realloc(p->used, (size_t)cap * LEASE_BLOCK / 8);
				if (!nu)
					return NULL;
				memset(nu + (size_t)p->blocks_cap * LEASE_BLOCK / 64, 0,
				       (size_t)(cap - p->blocks_cap) * LEASE_BLOCK / 8);
				p->used = nu;
				p->blocks_cap = cap;
			}
			/* Not zeroed: only the slots in use are ever touched. */
			blk = malloc(LEASE_BLOCK * sizeof(*blk));
			if (!blk)
				return NULL;
			p->blocks[p->n_blocks++] = blk;
		}
		slot = p->n_slots++;
		l = slot_lease(p, slot);
	}
	memset(l, 0, sizeof(*l));
	l->slot = slot;
	l->older = l->newer = LEASE_NONE;
	p->used[slot / 64] |= 1ULL << (slot % 64);
	return l;
}

static void slot_put(struct pool *p, struct lease *l)
{
	uint32_t slot = l->slot;

	p->used[slot / 64] &= ~(1ULL << (slot % 64));
	l->state = 0;
	l->newer = p->unused;
	p->unused = slot;
	slot_poison(l);
}

struct lease *pool_each(const struct pool *p, uint32_t *cursor)
{
	uint32_t s = *cursor;

	while (s < p->n_slots) {
		uint64_t bits = p->used[s / 64] >> (s % 64);

		if (bits) {
			s += (uint32_t)__builtin_ctzll(bits);
			if (s >= p->n_slots)
				break;
			*cursor = s + 1;
			return slot_lease(p, s);
		}
		s = (s / 64 + 1) * 64;
	}
	*cursor = p->n_slots;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Indexes */

static uint32_t ent_slot(uint64_t e)
{
	return (uint32_t)(e >> 32);
}

static uint64_t ent_of(uint32_t hash, uint32_t slot)
{
	return (uint64_t)slot << 32 | hash;
}

/* Room for one more entry.  Returns 0 or -ENOMEM (the index unchanged). */
static int index_reserve(struct lease_index *ix)
{
	uint32_t cap = ix->ent ? ix->mask + 1 : 0, ncap, nmask;
	uint64_t *ne;

	if (ix->ent && (uint64_t)(ix->n + 1) * 4 <= (uint64_t)cap * 3)
		return 0;
	ncap = cap ? 2 * cap : 16;
	if (!ncap)
		return -ENOMEM;
	/* Filled, not calloc()ed: probes would read fresh pages as the
	 * shared zero page first, and each write after that would cost a
	 * fault and a TLB flush on every CPU the process runs on. */
	ne = malloc((size_t)ncap * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	memset(ne, 0xff, (size_t)ncap * sizeof(*ne)); /* LEASE_INDEX_EMPTY */
	nmask = ncap - 1;
	for (uint32_t i = 0; i < cap; i++) {
		uint64_t e = ix->ent[i];
		uint32_t j;

		if (e == LEASE_INDEX_EMPTY)
			continue;
		for (j = (uint32_t)e & nmask; ne[j] != LEASE_INDEX_EMPTY; j = (j + 1) & nmask)
			;
		ne[j] = e;
	}
	free(ix->ent);
	ix->ent = ne;
	ix->mask = nmask;
	return 0;
}

/* After index_reserve(). */
static void index_add(struct lease_index *ix, uint32_t hash, uint32_t slot)
{
	uint32_t i;

	for (i = hash & ix->mask; ix->ent[i] != LEASE_INDEX_EMPTY; i = (i + 1) & ix->mask)
		;
	ix->ent[i] = ent_of(hash, slot);
	ix->n++;
}

/* Remove the entry for slot; backward-shift deletion keeps every probe
 * sequence unbroken without tombstones. */
static void index_del(struct lease_index *ix, uint32_t hash, uint32_t slot)
{
	uint64_t want = ent_of(hash, slot);
	uint32_t i, j;

	if (!ix->ent)
		return;
	for (i = hash & ix->mask; ix->ent[i] != want; i = (i + 1) & ix->mask)
		if (ix->ent[i] == LEASE_INDEX_EMPTY)
			return;
	for (j = (i + 1) & ix->mask; ix->ent[j] != LEASE_INDEX_EMPTY; j = (j + 1) & ix->mask) {
		uint32_t home = (uint32_t)ix->ent[j] & ix->mask;

		/* The entry at j may move to i when i lies in [home, j). */
		if (((j - home) & ix->mask) >= ((j - i) & ix->mask)) {
			ix->ent[i] = ix->ent[j];
			i = j;
		}
	}
	ix->ent[i] = LEASE_INDEX_EMPTY;
	ix->n--;
}

/* ------------------------------------------------------------------ */
/* The free list */

static void free_list_append(struct pool *p, struct lease *l)
{
	l->newer = LEASE_NONE;
	l->older = p->free_newest;
	if (p->free_newest != LEASE_NONE)
		slot_lease(p, p->free_newest)->newer = l->slot;
	else
		p->free_oldest = l->slot;
	p->free_newest = l->slot;
}

static void free_list_remove(struct pool *p, struct lease *l)
{
	if (l->older != LEASE_NONE)
		slot_lease(p, l->older)->newer = l->newer;
	else
		p->free_oldest = l->newer;
	if (l->newer != LEASE_NONE)
		slot_lease(p, l->newer)->older = l->older;
	else
		p->free_newest = l->older;
	l->older = l->newer = LEASE_NONE;
}

struct lease *pool_free_oldest(const struct pool *p)
{
	return p->free_oldest != LEASE_NONE ? slot_lease(p, p->free_oldest) : NULL;
}

struct lease *pool_free_newer(const struct pool *p, const struct lease *l)
{
	return l->newer != LEASE_NONE ? slot_lease(p, l->newer) : NULL;
}

/* ------------------------------------------------------------------ */
/* The pool */

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
	memset(p->fresh, 0xff, (p->size / 64) * sizeof(uint64_t));
	if (p->size % 64)
		p->fresh[words - 1] = (1ULL << (p->size % 64)) - 1;
	p->n_fresh = p->size;
	p->unused = p->free_oldest = p->free_newest = LEASE_NONE;
	/* Without entropy the hashes still work, only predictably. */
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != sizeof(p->seed))
		p->seed = 0x9e3779b9U ^ (uint32_t)(uintptr_t)p;
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
		free_list_remove(p, l);
	if (l->state)
		count_state(p, l->state, -1);
	l->state = s;
	count_state(p, s, +1);
	if (s == LEASE_FREE) {
		l->ended_ns = now;
		l->probed = false; /* unused for a while: probe again before reuse */
		free_list_append(p, l);
	}
	if (s == LEASE_BOUND)
		l->was_bound = true;
}

void pool_forget(struct pool *p, struct lease *l)
{
	if (l->state == LEASE_FREE)
		free_list_remove(p, l);
	count_state(p, l->state, -1);
	if (l->key.kind)
		index_del(&p->by_key, key_hash(p, &l->key), l->slot);
	index_del(&p->by_addr, addr_hash(p, l->addr), l->slot);
	fresh_set(p, l->addr, true);
	slot_put(p, l);
}

void pool_free(struct pool *p)
{
	struct pool_resv *r, *rtmp;

	if (!p)
		return;
	HASH_ITER(hh_key, p->resv_by_key, r, rtmp) {
		HASH_DELETE(hh_key, p->resv_by_key, r);
		HASH_DELETE(hh_addr, p->resv_by_addr, r);
		free(r);
	}
	for (uint32_t i = 0; i < p->n_blocks; i++) {
		block_unpoison(p->blocks[i]);
		free(p->blocks[i]);
	}
	free(p->blocks);
	free(p->used);
	free(p->by_key.ent);
	free(p->by_addr.ent);
	free(p->fresh);
	free(p);
}

struct lease *pool_find_key(struct pool *p, const struct xdhcp_lease_key *key)
{
	const struct lease_index *ix = &p->by_key;
	uint32_t hash, i;

	if (!ix->n)
		return NULL;
	hash = key_hash(p, key);
	for (i = hash & ix->mask; ix->ent[i] != LEASE_INDEX_EMPTY; i = (i + 1) & ix->mask) {
		struct lease *l;

		if ((uint32_t)ix->ent[i] != hash)
			continue;
		l = slot_lease(p, ent_slot(ix->ent[i]));
		if (!memcmp(&l->key, key, sizeof(*key)))
			return l;
	}
	return NULL;
}

struct lease *pool_find_addr(struct pool *p, uint32_t addr)
{
	const struct lease_index *ix = &p->by_addr;
	uint32_t hash, i;

	if (!ix->n)
		return NULL;
	hash = addr_hash(p, addr);
	for (i = hash & ix->mask; ix->ent[i] != LEASE_INDEX_EMPTY; i = (i + 1) & ix->mask)
		if ((uint32_t)ix->ent[i] == hash)
			return slot_lease(p, ent_slot(ix->ent[i]));
	return NULL;
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

/* A new record for key at addr; addr (and key) must have no record.
 * NULL when out of memory, with nothing changed. */
static struct lease *lease_new(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr)
{
	struct lease *l;

	if ((key && index_reserve(&p->by_key)) || index_reserve(&p->by_addr))
		return NULL;
	l = slot_take(p);
	if (!l)
		return NULL;
	if (key) {
		l->key = *key;
		index_add(&p->by_key, key_hash(p, key), l->slot);
	}
	l->addr = addr;
	index_add(&p->by_addr, addr_hash(p, addr), l->slot);
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

/* Move a record to another client: rekey it.  Returns 0 or -ENOMEM
 * (nothing changed). */
static int rekey(struct pool *p, struct lease *l, const struct xdhcp_lease_key *key)
{
	if (!l->key.kind && index_reserve(&p->by_key))
		return -ENOMEM;
	if (l->key.kind)
		index_del(&p->by_key, key_hash(p, &l->key), l->slot);
	l->key = *key;
	l->was_bound = false;
	l->hostname[0] = '\0';
	index_add(&p->by_key, key_hash(p, key), l->slot);
	return 0;
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
	for (l = pool_free_oldest(p); l && pool_resv_by_addr(p, l->addr); l = pool_free_newer(p, l))
		;
	if (!l)
		return -ENOSPC;
reuse:
	if (rekey(p, l, key))
		return -ENOMEM;
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
		index_del(&p->by_key, key_hash(p, &l->key), l->slot);
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
	uint32_t it = 0;
	struct lease *l;

	while ((l = pool_each(p, &it))) {
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
