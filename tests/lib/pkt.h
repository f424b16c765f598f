/* SPDX-License-Identifier: MIT */
/*
 * Packet helpers for tests and the packet-crafting tool: DHCP client
 * requests as whole Ethernet frames (built with the DHCP library,
 * user/dhcp_msg.h), a few non-DHCP frames, header offsets and checksum
 * fix-ups for making malformed variants, and checks on reply frames.
 * Everything writes into a caller's buffer and returns a length or a
 * negative errno; nothing allocates or logs.
 *
 * Addresses are in network order (as in struct dhcp_frame); PKT_IP() makes
 * one from its dotted parts.  Test networks use 198.18.0.0/15.
 */
#ifndef XDHCP_TESTS_PKT_H
#define XDHCP_TESTS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"

/* An IPv4 address in network order from its dotted parts (a constant
 * expression, usable in static tables). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PKT_IP(a, b, c, d)                                                                         \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#else
#define PKT_IP(a, b, c, d)                                                                         \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#endif

#define PKT_ETH_HLEN  14
#define PKT_VLAN_HLEN 4
#define PKT_IP_HLEN   20
#define PKT_UDP_HLEN  8
/* Largest frame the helpers build (a jumbo-ish margin over 1536). */
#define PKT_FRAME_MAX 2048

/*
 * A client request.  Zero means "default" or "absent" for every field, so
 * a designated initializer with the interesting fields is enough:
 *
 *   struct pkt_req r = {.msg_type = DHCPREQUEST, .xid = 7,
 *                       .chaddr = {2, 0, 0, 0, 0, 1}, .ciaddr = ...};
 */
struct pkt_req {
	/* DHCP message */
	uint8_t msg_type;  /* option 53; 0: no option 53 */
	uint32_t xid;	   /* host order */
	uint8_t chaddr[6]; /* client hardware address */
	uint8_t htype;	   /* 0: 1 (Ethernet) */
	uint8_t hlen;	   /* 0: 6; chaddr bytes past 6 stay zero */
	uint8_t hops;
	uint16_t secs;		   /* host order */
	bool broadcast;		   /* flags = 0x8000 */
	uint32_t ciaddr;	   /* network order, 0: unset */
	uint32_t giaddr;	   /* relay agent, 0: not relayed */
	uint32_t requested_ip;	   /* option 50, 0: absent */
	uint32_t server_id;	   /* option 54, 0: absent */
	const uint8_t *client_id;  /* option 61 bytes, type byte included */
	size_t client_id_len;	   /* 0: absent */
	const uint8_t *extra_opts; /* raw options (code, len, data...) */
	size_t extra_opts_len;	   /*   appended after the ones above */
	bool no_cookie;		   /* plain BOOTP: no cookie, no options */
	bool no_end;		   /* no END and no padding: options fill the message */
	size_t min_len;		   /* pad to this (0: 300, RFC 1542; 1: END only) */

	/* Frame */
	uint8_t src_mac[6]; /* all zero: chaddr */
	uint8_t dst_mac[6]; /* all zero: ff:ff:ff:ff:ff:ff */
	bool has_vlan;	    /* one 802.1Q tag with vlan_tci */
	uint16_t vlan_tci;  /* host order */
	uint32_t src_ip;    /* 0: ciaddr (0.0.0.0 when that is unset) */
	uint32_t dst_ip;    /* 0: 255.255.255.255 */
	uint16_t src_port;  /* host order, 0: 68 */
	uint16_t dst_port;  /* host order, 0: 67 */
};

/* The DHCP message of r alone (UDP payload).  Returns its length, or
 * -ENOSPC / -EINVAL from the builder. */
int pkt_dhcp_msg(uint8_t *buf, size_t cap, const struct pkt_req *r);

/* The whole Ethernet frame of r.  Returns its length or a negative errno. */
int pkt_request(uint8_t *buf, size_t cap, const struct pkt_req *r);

/* An Ethernet frame around any payload (ARP, IPv6...).  Returns its
 * length or -ENOSPC. */
int pkt_ether(uint8_t *buf, size_t cap, const uint8_t dst[6], const uint8_t src[6],
	      uint16_t ethertype, const void *payload, size_t len);

/* Ethernet (f's MACs and tag) and IPv4 (f's addresses and TTL, checksum
 * set) around an L4 segment of any protocol; the segment is copied as is.
 * Returns the frame length or -ENOSPC. */
int pkt_ipv4(uint8_t *buf, size_t cap, const struct dhcp_frame *f, uint8_t proto, const void *l4,
	     size_t l4_len);

/* Offsets into a frame built by these helpers (IPv4 header of 20 bytes):
 * the IPv4 header, the UDP header and the DHCP message. */
size_t pkt_l3_off(const uint8_t *frame);
size_t pkt_l4_off(const uint8_t *frame);
size_t pkt_dhcp_off(const uint8_t *frame);

/* Recompute the IPv4 header checksum (any IHL) or the UDP checksum (over
 * the UDP length field's bytes) after editing a frame. */
void pkt_fix_ipv4_csum(uint8_t *frame);
void pkt_fix_udp_csum(uint8_t *frame);

/* True when the IPv4 header checksum, resp. the UDP checksum (non-zero
 * and summing to zero with the pseudo header), of a frame is valid. */
bool pkt_ipv4_csum_ok(const uint8_t *frame, size_t len);
bool pkt_udp_csum_ok(const uint8_t *frame, size_t len);

/* dhcp_frame_parse() then dhcp_msg_parse() of its payload.  Returns 0 or
 * the first error. */
int pkt_parse(const uint8_t *frame, size_t len, struct dhcp_frame *ret_frame,
	      struct dhcp_msg *ret_msg);

/* A DHCPACK option block as the daemon puts it in xdhcp_tmpl: 53 = ACK,
 * 54, 51, 58 (T1 = lease/2), 59 (T2 = lease*7/8), 1, 3, 6 (zero addresses
 * left out).  Returns its length or a negative errno. */
int pkt_ack_options(uint8_t *buf, size_t cap, uint32_t server_id, uint32_t lease_time,
		    uint32_t mask, uint32_t router, uint32_t dns);

#endif /* XDHCP_TESTS_PKT_H */
