/* SPDX-License-Identifier: MIT */
/* The writer's side of xdhcp_ifcache: see ifcache.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ifcache.h"

#define MAP_BYTES ((size_t)XDHCP_IFCACHE_SLOTS * sizeof(struct xdhcp_ifcache))

/*
 * A wait for an RCU grace period: updating an element of a map-in-map
 * makes the bpf() call wait (synchronize_rcu()) until every BPF program
 * that could be running has finished, so that user space knows no program
 * still uses the old inner map.  The kernel does so on purpose and says
 * so (maybe_wait_bpf_programs() in kernel/bpf/syscall.c); the kernel's
 * own selftests use it to wait for programs (kern_sync_rcu()).  It works
 * on one CPU and with nohz_full, where membarrier() does not wait.
 */
static int open_grace(struct ifcache *c)
{
	c->grace_inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdhcp_gp_inner", 4, 4, 1, NULL);
	if (c->grace_inner_fd < 0)
		return -errno;
	LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = c->grace_inner_fd);
	c->grace_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "xdhcp_gp", 4, 4, 1, &o);
	if (c->grace_fd < 0)
		return -errno;
	return 0;
}

static int wait_grace(struct ifcache *c)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(c->grace_fd, &zero, &c->grace_inner_fd, BPF_ANY))
		return -errno;
	c->epoch++;
	c->graces++;
	return 0;
}

static void clear_entry(struct xdhcp_ifcache *e, uint64_t tag)
{
	__atomic_store_n(&e->tag, tag & ~0xffffffffULL, __ATOMIC_RELEASE);
}

void ifcache_init(struct ifcache *c)
{
	memset(c, 0, sizeof(*c));
	c->grace_fd = c->grace_inner_fd = -1;
}

int ifcache_open(struct ifcache *c, int map_fd, bool fresh)
{
	void *m;
	int r;

	ifcache_init(c);
	m = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (m == MAP_FAILED)
		return fresh ? -errno : -ESTALE;
	c->ents = m;
	c->epoch = 1;
	r = open_grace(c);
	if (r) {
		/* The fast path must not go on reading what an earlier run
		 * left here, which nothing would update: empty it (a clear
		 * is one store, and needs no grace period). */
		for (unsigned int i = 0; i < XDHCP_IFCACHE_SLOTS; i++)
			clear_entry(&c->ents[i], c->ents[i].tag);
		ifcache_close(c);
		return r;
	}
	/* A map in use before us (a restart): its copies may be in use
	 * until a first grace period. */
	if (!fresh)
		for (unsigned int i = 0; i < XDHCP_IFCACHE_SLOTS; i++)
			c->retired[i] = c->epoch;
	return 0;
}

void ifcache_close(struct ifcache *c)
{
	/* Nothing is held unless the map was mapped (so a zeroed struct
	 * never closes fd 0). */
	if (!c->ents)
		return;
	(void)munmap(c->ents, MAP_BYTES);
	c->ents = NULL;
	if (c->grace_fd >= 0)
		close(c->grace_fd);
	if (c->grace_inner_fd >= 0)
		close(c->grace_inner_fd);
	c->grace_fd = c->grace_inner_fd = -1;
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
		int r = wait_grace(c);

		if (r) {
			clear_entry(e, tag);
			c->retired[slot] = c->epoch;
			return r;
		}
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
