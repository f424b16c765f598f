/* SPDX-License-Identifier: MIT */
/*
 * The writer's side of xdhcp_ifcache, the fast path's direct-mapped copy of
 * xdhcp_ifaces (the protocol is in include/fastpath_abi.h): entries are
 * written through a mapping of the array, each into the copy not in use,
 * and published with one release store of the tag.  A copy that went out
 * of use is written again only after an RCU grace period (XDP runs in
 * an RCU read-side section), waited for with a map-in-map update; one
 * grace period covers every entry changed before it, so a reload of a
 * thousand interfaces waits at most once.
 */
#ifndef XDHCP_IFCACHE_H
#define XDHCP_IFCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath_abi.h"

struct ifcache {
	struct xdhcp_ifcache *ents; /* the mapped array; NULL: cache not in use */
	uint32_t epoch;		    /* grace periods waited for, plus one */
	/* Per entry: the epoch in which it last took a copy out of use
	 * (that copy may still be read until the epoch ends). */
	uint32_t retired[XDHCP_IFCACHE_SLOTS];
	unsigned long graces; /* grace periods waited for (for tests) */
	int grace_fd;	      /* a private ARRAY_OF_MAPS: see wait_grace() */
	int grace_inner_fd;
};

/* An unused cache (ifcache_close() does nothing with it). */
void ifcache_init(struct ifcache *c);

/*
 * Map the cache array map_fd.  fresh: the map was just created, so no
 * packet has read it yet.  Returns 0, or a negative errno when the cache
 * cannot be used (no mmap of BPF arrays, no map-in-map): then c->ents is
 * NULL, every put is refused, every entry the map held is cleared when it
 * could be mapped, and the fast path reads xdhcp_ifaces, which is
 * correct, only slower.  -ESTALE: a map reused from an earlier run could
 * not be mapped, so its entries could not be cleared and the fast path
 * would go on reading them: the caller must not serve.
 */
int ifcache_open(struct ifcache *c, int map_fd, bool fresh);
void ifcache_close(struct ifcache *c);

/*
 * Publish v for ifindex.  Returns 1 when the cache holds it, 0 when the
 * interface's entry belongs to another interface (the fast path reads
 * xdhcp_ifaces for it), or a negative errno (then the entry is cleared).
 */
int ifcache_put(struct ifcache *c, uint32_t ifindex, const struct xdhcp_iface *v);

/* Clear ifindex's entry, if it holds it (a store: never waits). */
void ifcache_del(struct ifcache *c, uint32_t ifindex);

#endif /* XDHCP_IFCACHE_H */
