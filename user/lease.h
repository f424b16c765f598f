/* SPDX-License-Identifier: MIT */
/*
 * The address pool and lease table: allocation policy only.  No I/O, no
 * clock: every function takes the time (CLOCK_BOOTTIME ns) from its caller,
 * so tests and fuzzers drive it directly.
 *
 * Every lease record owns its address (one record per address).  An
 * address in the range with no record is "fresh".  A record outlives its
 * lease as LEASE_FREE so a returning client gets its old address back
 * (sticky); free records are reused oldest-first only when no fresh address
 * is left.
 */
#ifndef XDHCP_LEASE_H
#define XDHCP_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include <uthash.h>

#include "fastpath_abi.h"

enum lease_state {
	LEASE_OFFERED = 1, /* held for a client between OFFER and REQUEST */
	LEASE_BOUND,	   /* acknowledged */
	LEASE_FREE,	   /* ended (expired, released); remembered for stickiness */
	LEASE_DECLINED,	   /* quarantined after DECLINE; no client key */
};

enum lease_end {
	LEASE_END_EXPIRED = 1,
	LEASE_END_RELEASED,
	LEASE_END_DECLINED,
	LEASE_END_OFFER_TIMEOUT,
};

struct lease {
	struct xdhcp_lease_key key;
	uint32_t addr;	     /* network order */
	uint32_t lease_time; /* seconds granted */
	uint32_t ifindex;
	enum lease_state state;
	uint64_t expires_ns; /* BOUND: lease end; OFFERED: offer end; DECLINED: quarantine end */
	uint64_t ended_ns;   /* FREE: when it ended (reuse order) */
	bool was_bound;	     /* has been BOUND at least once */
	bool probed;	     /* an ARP probe found the address unused (--conflict-check) */
	bool renewal;	     /* the last bind extended a lease the client held */
	bool has_chaddr;
	uint8_t chaddr[6]; /* the client's Ethernet address, when it has one */
	char hostname[64]; /* client's option 12, escaped */
	/* The pool's own: the record's slot, and its neighbours on the free
	 * list (slots, LEASE_NONE at either end). */
	uint32_t slot;
	uint32_t older, newer;
};

#define LEASE_NONE UINT32_MAX

/* A static reservation: key <-> address, inside or outside the range. */
struct pool_resv {
	struct xdhcp_lease_key key;
	uint32_t addr;	  /* network order */
	const void *data; /* the caller's (the configuration entry) */
	UT_hash_handle hh_key;
	UT_hash_handle hh_addr;
};

/*
 * An index from a 32-bit hash to record slots: open addressing with linear
 * probing, at most 3/4 full.  Each entry is slot << 32 | hash, all ones when
 * empty, so a probe compares hashes without touching the records.
 */
#define LEASE_INDEX_EMPTY UINT64_MAX

struct lease_index {
	uint64_t *ent;
	uint32_t mask; /* capacity - 1; capacity 0 before the first record */
	uint32_t n;
};

/*
 * Records live in blocks of LEASE_BLOCK that never move (a struct lease *
 * stays valid until the record is forgotten), found by slot.  A slot that
 * holds no record is on the unused list (chained through ->newer) and its
 * bit in used is clear.
 */
#define LEASE_BLOCK 256

struct pool {
	uint32_t id;
	uint32_t start; /* host order, inclusive */
	uint32_t end;
	uint32_t size;
	uint64_t *fresh; /* bitmap over the range: 1 = no record */
	uint32_t n_fresh;
	uint32_t cursor;
	struct lease **blocks;
	uint64_t *used; /* bitmap over the slots: 1 = a record */
	uint32_t n_slots, n_blocks, blocks_cap;
	uint32_t unused;		   /* an unused slot below n_slots, or LEASE_NONE */
	struct lease_index by_key;	   /* hash of the key; keyless records are not in it */
	struct lease_index by_addr;	   /* a bijective hash of the address */
	uint32_t free_oldest, free_newest; /* FREE records (slots), oldest first */
	uint32_t seed;			   /* of both hashes: clients cannot aim at collisions */
	struct pool_resv *resv_by_key;
	struct pool_resv *resv_by_addr;
	uint32_t n_bound, n_offered, n_free, n_declined, n_reserved;
};

/* Largest range a pool accepts (4M addresses, a /10). */
#define POOL_MAX_SIZE (1U << 22)

/* start/end in network order.  Returns NULL on allocation failure or a
 * range larger than POOL_MAX_SIZE. */
struct pool *pool_new(uint32_t id, uint32_t start, uint32_t end);
void pool_free(struct pool *p);

bool pool_in_range(const struct pool *p, uint32_t addr);
struct lease *pool_find_key(struct pool *p, const struct xdhcp_lease_key *key);
struct lease *pool_find_addr(struct pool *p, uint32_t addr);

/*
 * Every record, in no particular order:
 *
 *	uint32_t it = 0;
 *	while ((l = pool_each(p, &it)))
 *
 * The loop body may forget or end the record it was given; a record
 * created in the loop may or may not be visited.
 */
struct lease *pool_each(const struct pool *p, uint32_t *cursor);

/* FREE records, oldest first: the order pool_offer() reuses them in. */
struct lease *pool_free_oldest(const struct pool *p);
struct lease *pool_free_newer(const struct pool *p, const struct lease *l);

/*
 * Reserve addr for key (a static reservation): no other client is ever
 * given addr, and key is always given addr (it may lie outside the range).
 * Returns 0, -EEXIST when the key or the address is already reserved,
 * -ENOMEM.
 */
int pool_reserve(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr,
		 const void *data);
const struct pool_resv *pool_resv_by_key(const struct pool *p, const struct xdhcp_lease_key *key);
const struct pool_resv *pool_resv_by_addr(const struct pool *p, uint32_t addr);

/*
 * Choose an address for a client (DISCOVER) and hold it as LEASE_OFFERED
 * until now + offer_ns, or return the client's current BOUND lease as is.
 * Preference: the client's reservation; the client's own record; the
 * requested address when it is in the range and not held or reserved for
 * another client; a fresh address; the oldest FREE record of another
 * client.  Returns 0, -ENOSPC when the pool is exhausted, -EADDRINUSE when
 * the client's reserved address is held by another client, -ENOMEM.
 */
int pool_offer(struct pool *p, const struct xdhcp_lease_key *key, uint32_t requested, uint64_t now,
	       uint64_t offer_ns, struct lease **ret_lease);

/*
 * Bind addr to the client for lease_time seconds (REQUEST).  Succeeds when
 * the client already holds addr (any state), or addr is in the range and
 * fresh or a FREE record of another client (which is forgotten), or addr
 * is the client's reservation.  Returns 0, -EADDRINUSE when another client
 * holds it (OFFERED/BOUND/DECLINED) or it is reserved for another client,
 * -EACCES when the client has a reservation for another address, -ERANGE
 * outside the range, -ENOMEM.
 */
int pool_bind(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr, uint64_t now,
	      uint32_t lease_time, struct lease **ret_lease);

/* Restore a lease read from the store: like pool_bind with an absolute
 * expiry; an address held by another client is refused (-EADDRINUSE). */
int pool_restore(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr,
		 uint64_t expires_ns, uint32_t lease_time, struct lease **ret_lease);

/*
 * Take over a record as it stands (a configuration reload): no range or
 * reservation checks, so a lease outside a shrunk range, or at an address
 * reserved since, lives on until it ends.  key NULL with LEASE_DECLINED is
 * a quarantine.  Returns 0, -EADDRINUSE when addr or key already has a
 * record, -ENOMEM.
 */
int pool_adopt(struct pool *p, const struct xdhcp_lease_key *key, uint32_t addr,
	       enum lease_state state, uint64_t expires_ns, uint32_t lease_time,
	       struct lease **ret_lease);

/* End a lease: BOUND/OFFERED become FREE (kept for stickiness). */
void pool_release(struct pool *p, struct lease *l, uint64_t now);

/* Quarantine the lease's address until now + quarantine_ns; the client's
 * record is forgotten. */
void pool_decline(struct pool *p, struct lease *l, uint64_t now, uint64_t quarantine_ns);

/* Keep addr out of allocation for good (the server's own address, a
 * router): a permanent quarantine record.  No-op outside the range. */
int pool_exclude(struct pool *p, uint32_t addr);

/* Forget a record entirely (its address becomes fresh). */
void pool_forget(struct pool *p, struct lease *l);

/*
 * End every BOUND lease, offer and quarantine whose time is up.  For a
 * BOUND lease, keep(ctx, l) is asked first and may extend l->expires_ns
 * (the fast path renews in the kernel); ended(ctx, l, why) is called for
 * each lease that ends, before its state changes.  Either may be NULL.
 */
void pool_sweep(struct pool *p, uint64_t now, bool (*keep)(void *ctx, struct lease *l),
		void (*ended)(void *ctx, const struct lease *l, enum lease_end why), void *ctx);

const char *lease_state_name(enum lease_state s);

#endif /* XDHCP_LEASE_H */
