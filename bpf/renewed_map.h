/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * xdhcp_renewed on its own, for every BPF object that shares it: the fast
 * path (maps.h) and the benchmark's hot-loop harness, which clears a mark
 * before each run and reuses the fast path's map (bpf_map__reuse_fd()
 * needs the same definition in both objects).
 */
#ifndef XDHCP_BPF_RENEWED_MAP_H
#define XDHCP_BPF_RENEWED_MAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fastpath_abi.h"

/*
 * xdhcp_renewed: one bit per served address, set when the fast path has
 * renewed the lease of that address (see the ABI header).  Writer: the
 * fast path (atomic OR), the daemon (atomic swap with 0, through mmap).
 * Reader: the daemon.  Key: __u32 word index.  Value: __u64 bits, host
 * order.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDHCP_RENEWED_BITS / 64);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} xdhcp_renewed SEC(".maps");

#endif /* XDHCP_BPF_RENEWED_MAP_H */
