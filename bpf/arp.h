/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ARP for the server identifier on served interfaces that do not hold that
 * address themselves (a VM's tap usually has no IPv4 address).  A client
 * renewing by unicast (RFC 2131 4.4.5, RENEWING) first resolves the server
 * identifier; without an answer it could only rebind by broadcast at T2.
 * The reply is built in place (same length) and sent with XDP_TX.
 */
#ifndef XDHCP_BPF_ARP_H
#define XDHCP_BPF_ARP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>

#include "fastpath_abi.h"
#include "parse.h"

/* From <linux/if_arp.h>, which drags in libc headers. */
#define ARPHRD_ETHER  1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2

/* The Ethernet/IPv4 ARP body (RFC 826); packed: addresses are unaligned. */
struct arp_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
} __attribute__((packed));

/* Is this an ARP request (not an announcement) for the interface's server
 * id?  Returns the body, or NULL. */
static __always_inline struct arp_ipv4 *arp_request_for(void *data, void *data_end,
							const struct xdhcp_iface *iface,
							struct ethhdr **ret_eth)
{
	struct hdr_cursor nh = {.pos = data};
	struct vlan_hdr *vlan;
	struct arp_ipv4 *a;
	__be32 spa, tpa;

	if (parse_ethhdr(&nh, data_end, ret_eth, &vlan) != bpf_htons(ETH_P_ARP))
		return NULL;
	a = nh.pos;
	if ((void *)(a + 1) > data_end)
		return NULL;
	if (a->htype != bpf_htons(ARPHRD_ETHER) || a->ptype != bpf_htons(ETH_P_IP) ||
	    a->hlen != ETH_ALEN || a->plen != 4 || a->op != bpf_htons(ARPOP_REQUEST))
		return NULL;
	__builtin_memcpy(&tpa, a->tpa, 4);
	__builtin_memcpy(&spa, a->spa, 4);
	if (tpa != iface->server_ip || spa == tpa)
		return NULL;
	return a;
}

/* Turn the request into the reply (RFC 826: swap, fill in our address). */
static __always_inline void arp_make_reply(struct ethhdr *eth, struct arp_ipv4 *a,
					   const struct xdhcp_iface *iface)
{
	__builtin_memcpy(a->tha, a->sha, ETH_ALEN);
	__builtin_memcpy(a->tpa, a->spa, 4);
	__builtin_memcpy(a->sha, iface->mac, ETH_ALEN);
	__builtin_memcpy(a->spa, &iface->server_ip, 4);
	a->op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, iface->mac, ETH_ALEN);
}

#endif /* XDHCP_BPF_ARP_H */
