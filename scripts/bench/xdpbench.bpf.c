/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * xdpbench's harness for timing the fast path in a hot loop: one
 * BPF_PROG_TEST_RUN with repeat >= 1e6, where each run first turns the
 * frame back into the request (an XDP test run does not reset the frame,
 * and a fast ACK rewrites it into the reply in place), clears the renewal
 * marks (the daemon clears them every second; a client renews every T1, so
 * each timed renewal sets its bit afresh), then tail-calls the program
 * under test.  The same harness tail-calling a program that only returns
 * XDP_TX gives the harness's own cost, which xdpbench subtracts.
 *
 * bw_wrap     the harness: restore the request, clear the marks, tail call
 *             slot 0 of bw_target.
 * bw_tx       the baseline target: returns XDP_TX.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fastpath_abi.h"
#include "renewed_map.h" /* the fast path's, shared through bpf_map__reuse_fd() */

#define BW_FRAME_MAX 1024

/* The request, and its length, set by userspace before the runs. */
__u8 bw_req[BW_FRAME_MAX] = {};
__u32 bw_req_len = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bw_target SEC(".maps");


SEC("xdp")
int bw_wrap(struct xdp_md *ctx)
{
	__u32 len = bw_req_len, zero = 0;
	long cur = (long)ctx->data_end - (long)ctx->data;
	__u64 *w;

	if (len < 64 || len > BW_FRAME_MAX)
		return XDP_ABORTED;
	/* The fast path grows a reply into the headroom and shrinks it at
	 * the tail (reply_send()): undo whichever it did. */
	if (cur > (long)len) {
		if (bpf_xdp_adjust_head(ctx, (int)(cur - (long)len)))
			return XDP_ABORTED;
	} else if (cur < (long)len) {
		if (bpf_xdp_adjust_tail(ctx, (int)((long)len - cur)))
			return XDP_ABORTED;
	}
	if (bpf_xdp_store_bytes(ctx, 0, bw_req, len))
		return XDP_ABORTED;
	w = bpf_map_lookup_elem(&xdhcp_renewed, &zero);
	if (w)
		*w = 0;
	bpf_tail_call(ctx, &bw_target, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int bw_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
