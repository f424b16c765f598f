/* SPDX-License-Identifier: MIT */
/*
 * DHCPv4 wire format (RFC 2131, RFC 2132): the fixed BOOTP header, ports,
 * the magic cookie, message types and option codes.  Shared by the XDP
 * program and userspace, so it only includes <linux/types.h>.
 */
#ifndef XDHCP_DHCP_WIRE_H
#define XDHCP_DHCP_WIRE_H

#include <linux/types.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

#define BOOTREQUEST 1
#define BOOTREPLY   2

#define DHCP_HTYPE_ETHER 1
#define DHCP_HLEN_ETHER	 6

#define DHCP_MAGIC_COOKIE 0x63825363U /* host order; compare with bpf_htonl() */

#define DHCP_FLAG_BROADCAST 0x8000U /* host order, in dhcp_hdr.flags */

/* RFC 2131 section 2: minimum BOOTP message a client must accept (RFC 1542). */
#define DHCP_MIN_MSG_LEN      300
/* RFC 2131 section 2: every client accepts an IP datagram of 576 octets. */
#define DHCP_MIN_MAX_MSG_SIZE 576

/* DHCP message types, option 53 (RFC 2132 section 9.6). */
enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Option codes (RFC 2132 and later). */
enum dhcp_option_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS_SERVER = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN_NAME = 15,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MESSAGE_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_REQUEST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_MSG_SIZE = 57,
	DHCP_OPT_RENEWAL_TIME = 58,
	DHCP_OPT_REBINDING_TIME = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_DOMAIN_SEARCH = 119,
	DHCP_OPT_CLASSLESS_ROUTE = 121,
	DHCP_OPT_END = 255,
};

/* The fixed part of a BOOTP/DHCP message (RFC 2131 section 2, figure 1). */
struct dhcp_hdr {
	__u8 op;
	__u8 htype;
	__u8 hlen;
	__u8 hops;
	__be32 xid;
	__be16 secs;
	__be16 flags;
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 giaddr;
	__u8 chaddr[16];
	__u8 sname[64];
	__u8 file[128];
} __attribute__((packed));

_Static_assert(sizeof(struct dhcp_hdr) == 236, "BOOTP fixed header is 236 bytes");

/* Fixed header plus the 4-byte magic cookie: where options start. */
#define DHCP_OPTIONS_OFFSET (sizeof(struct dhcp_hdr) + 4)

#endif /* XDHCP_DHCP_WIRE_H */
