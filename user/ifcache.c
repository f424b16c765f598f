/* SPDX-License-Identifier: MIT */
/* The writer's side of xdhcp_ifcache: see ifcache.h. */
#include <errno.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ifcache.h"

#define MAP_BYTES ((size_t)XDHCP_IFCACHE_SLOTS * sizeof(struct xdhcp_ifcache))

static int membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

int ifcache_open(struct ifcache *c, int map_fd, bool fresh)
{
	int q;
	void *m;

	memset(c, 0, sizeof(*c));
	q = membarrier(MEMBARRIER_CMD_QUERY);
	if (q < 0)
		return -errno;
	if (!(q & MEMBARRIER_CMD_GLOBAL))
		return -EOPNOTSUPP;
	m = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	c->ents = m;
	c->epoch = 1;
	/* A map in use before us (a restart): its copies may be in use
	 * until a first grace period. */
	if (!fresh)
		for (unsigned int i = 0; i < XDHCP_IFCACHE_SLOTS; i++)
			c->retired[i] = c->epoch;
	return 0;
}

void ifcache_close(struct ifcache *c)
{
	if (c->ents)
		(void)munmap(c->ents, MAP_BYTES);
	c->ents = NULL;
}

static void clear_entry(struct xdhcp_ifcache *e, uint64_t tag)
{
	__atomic_store_n(&e->tag, tag & ~0xffffffffULL, __ATOMIC_RELEASE);
}

int ifcache_put(struct ifcache *c, uint32_t ifindex, const struct xdhcp_iface *v)
{
	uint32_t slot = ifindex & (XDHCP_IFCACHE_SLOTS - 1);
	struct xdhcp_ifcache *e;
	uint32_t owner, cur;
	uint64_t tag;

	if (!c->ents || !ifindex)
		return 0;
	e = &c->ents[slot];
	tag = __atomic_load_n(&e->tag, __ATOMIC_ACQUIRE);
	owner = (uint32_t)tag;
	cur = (uint32_t)(tag >> 32) & 1;
	if (owner && owner != ifindex)
		return 0;
	if (owner == ifindex && !memcmp(&e->copy[cur], v, sizeof(*v)))
		return 1;
	if (c->retired[slot] == c->epoch) {
		/* The other copy went out of use in this epoch: a packet may
		 * still read it.  Wait for every such packet to finish. */
		if (membarrier(MEMBARRIER_CMD_GLOBAL)) {
			int r = -errno;

			clear_entry(e, tag);
			c->retired[slot] = c->epoch;
			return r;
		}
		c->epoch++;
		c->graces++;
	}
	memcpy(&e->copy[cur ^ 1], v, sizeof(*v));
	__atomic_store_n(&e->tag, ifindex | (uint64_t)(cur ^ 1) << 32, __ATOMIC_RELEASE);
	if (owner) /* copy[cur] was in use until now */
		c->retired[slot] = c->epoch;
	return 1;
}

void ifcache_del(struct ifcache *c, uint32_t ifindex)
{
	uint32_t slot = ifindex & (XDHCP_IFCACHE_SLOTS - 1);
	uint64_t tag;

	if (!c->ents || !ifindex)
		return;
	tag = __atomic_load_n(&c->ents[slot].tag, __ATOMIC_ACQUIRE);
	if ((uint32_t)tag != ifindex)
		return;
	clear_entry(&c->ents[slot], tag);
	c->retired[slot] = c->epoch;
}
