/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Every map of the XDP fast path, BTF-style.  Names, keys and values come
 * from include/fastpath_abi.h (the contract with the daemon); the only map
 * private to this object is the per-CPU scratch area.  No map carries a
 * pinning attribute: the daemon pins what it needs with
 * bpf_map__set_pin_path() before load.
 *
 * For each map: what it is for, who writes it, who reads it, and the byte
 * order of key and value.
 */
#ifndef XDHCP_BPF_MAPS_H
#define XDHCP_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fastpath_abi.h"
#include "parse.h"

/*
 * xdhcp_leases: the lease table.
 * Writer: the daemon (insert, delete, whole value).  The fast path writes
 * only expires_ns, fast_renewed_ns and fast_renewals of an entry it has
 * just renewed in place; it never inserts or deletes.
 * Reader: the fast path (renewal and INIT-REBOOT decisions), the daemon.
 * Key: struct xdhcp_lease_key, host order except id (client bytes verbatim).
 * Value: struct xdhcp_lease, host order except addr (network order).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDHCP_LEASES_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdhcp_lease_key);
	__type(value, struct xdhcp_lease);
} xdhcp_leases SEC(".maps");

/*
 * xdhcp_ifaces: the served interfaces.
 * Writer: the daemon.  Reader: the fast path, once per DHCP packet.
 * Key: __u32 ifindex, host order.
 * Value: struct xdhcp_iface, server_ip/net/mask network order, the rest host.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDHCP_IFACES_MAX);
	__type(key, __u32);
	__type(value, struct xdhcp_iface);
} xdhcp_ifaces SEC(".maps");

/*
 * xdhcp_ifcache: xdhcp_ifaces again, as a direct-mapped array the fast
 * path reads first (see struct xdhcp_ifcache for the update protocol).
 * Writer: the daemon, through its mapping.  Reader: the fast path.
 * Key: __u32 ifindex % XDHCP_IFCACHE_SLOTS.  Value: struct xdhcp_ifcache,
 * host order except the xdhcp_iface fields typed __be32.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDHCP_IFCACHE_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdhcp_ifcache);
} xdhcp_ifcache SEC(".maps");

/*
 * xdhcp_tmpl: ready-made DHCPACK option blocks, indexed by lease->tmpl.
 * Writer: the daemon.  Reader: the fast path when it builds an ACK.
 * Key: __u32 index, host order.
 * Value: struct xdhcp_tmpl, len host order, siaddr network order, data wire.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDHCP_TMPL_ENTRIES);
	__type(key, __u32);
	__type(value, struct xdhcp_tmpl);
} xdhcp_tmpl SEC(".maps");

/*
 * xdhcp_stats: per-CPU counters, one struct xdhcp_stats per stats slot
 * (slot 0: interfaces the daemon does not serve).
 * Writer: the fast path.  Reader: the daemon, summing over possible CPUs.
 * Key: __u32 slot, host order.  Value: __u64 counters, host order.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDHCP_STATS_SLOTS);
	__type(key, __u32);
	__type(value, struct xdhcp_stats);
} xdhcp_stats SEC(".maps");

/*
 * xdhcp_events: punted frames (struct xdhcp_punt_event, variable size: see
 * punt() in xdhcp.bpf.c).  Writer: the fast path.  Reader: the daemon
 * (ring_buffer__consume()).  Records: host order except the fields typed
 * __be*, and the frame bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XDHCP_EVENTS_BYTES);
} xdhcp_events SEC(".maps");

#include "renewed_map.h" /* xdhcp_renewed, shared with the benchmark harness */

/* Reply frames are built at a fixed place in the scratch buffer: the IPv4
 * header always starts at XDHCP_REPLY_IP_OFF and the link-layer header is
 * written right before it (14 or 18 bytes), so every offset past the IPv4
 * header is a constant and the options start on an 8-byte boundary
 * (20 + 20 + 8 + 240 = 288). */
#define XDHCP_REPLY_IP_OFF  20
#define XDHCP_REPLY_BUF_LEN 768

/* The per-CPU working memory of one packet. */
struct xdhcp_scratch {
	/* The options walk's state and findings.  In map memory on purpose
	 * (see parse_dhcp_options()): the verifier does not track values
	 * stored there, so the walk's paths meet in one state per step. */
	struct dhcp_opts opts;
	/* A punt record staged with the frame, sent with its exact size. */
	struct xdhcp_punt_event punt;
	/* The reply frame under construction (see XDHCP_REPLY_IP_OFF). */
	__u8 reply[XDHCP_REPLY_BUF_LEN] __attribute__((aligned(8)));
};

/*
 * xdhcp_scratch: private to the fast path, one entry per CPU.  XDP runs
 * with migration disabled, so the entry belongs to one packet at a time.
 * Writer and reader: the fast path only.  Nothing in it outlives a packet,
 * and every byte of a reply or punt record is written before it is sent.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdhcp_scratch);
} xdhcp_scratch SEC(".maps");

/*
 * Punt rate limiter state, one per stats slot (interface) and CPU: the
 * GCRA "theoretical arrival time" in CLOCK_BOOTTIME ns.  Written and read
 * by the fast path only; per CPU, so no atomics (a guest's frames arrive on
 * the CPU that runs its tap writer, and each CPU gets the full rate).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDHCP_STATS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} xdhcp_rate SEC(".maps");

#endif /* XDHCP_BPF_MAPS_H */
