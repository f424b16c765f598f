/* SPDX-License-Identifier: MIT */
/*
 * Pass-through XDP program for the client end of a test veth pair: XDP_TX
 * frames from the server's end are delivered to a veth peer only when the
 * peer has an XDP program attached.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
