/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Bounds-checked parsers for the fast path: Ethernet (one 802.1Q tag),
 * IPv4, UDP, the BOOTP fixed header and the DHCP options walk.  Each
 * parser takes a cursor or offsets plus data_end, checks before it reads,
 * and returns the next protocol, a length, or a verdict.
 *
 * No BPF helper is called here and nothing but UAPI headers is included,
 * so the file also builds on the host (fuzzing: feed it a buffer and its
 * end).  Offsets are scalars counted from the frame start; the verifier
 * sees packet accesses as data + masked offset, checked against data_end.
 * Header structs are read in place, as in XDP: a host harness puts the
 * frame at an address that is 2 modulo 4 (like NET_IP_ALIGN), so the IPv4
 * header is aligned under -fsanitize=alignment.
 */
#ifndef XDHCP_BPF_PARSE_H
#define XDHCP_BPF_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

#include "dhcp_wire.h"
#include "fastpath_abi.h"
#include "csum.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* 802.1Q tag after the source address (not in the UAPI headers). */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

#define IPV4_MF	    0x2000 /* more fragments */
#define IPV4_OFFSET 0x1fff /* fragment offset, 8-byte units */

/*
 * Every frame the fast path looks at is at most XDHCP_PUNT_MAX bytes long
 * (parse_dhcp() rejects longer ones), so offsets into it are below 2048 and
 * masking them with PKT_OFF_MASK changes nothing.  The mask is there for the
 * verifier: it bounds a packet offset computed in a loop.
 */
#define PKT_OFF_MASK 0x7ff
_Static_assert(XDHCP_PUNT_MAX <= PKT_OFF_MASK + 1, "offsets of a punted frame fit the mask");

/* Most options the walk looks at; a request with more goes to the daemon.
 * Clients send about ten (53, 50, 54, 61, 12, 55, 57, 60, 81...). */
#define DHCP_OPT_WALK_MAX 64

struct hdr_cursor {
	void *pos;
};

/* Headers of an IPv4/UDP frame to port 67, filled by parse_frame(). */
struct dhcp_view {
	struct ethhdr *eth;
	struct vlan_hdr *vlan; /* NULL when the frame is untagged */
	struct iphdr *iph;
	struct udphdr *udph;
	struct dhcp_hdr *dhcp; /* set by parse_dhcp() */
	__u32 l2_len;	       /* 14, or 18 with a tag */
	__u32 l3_len;	       /* IPv4 header, 20..60 */
};

/* Verdicts of the DHCP-level parsers. */
enum parse_verdict {
	PARSE_OK = 0,	     /* a DHCP message the fast path may answer */
	PARSE_PUNT = 1,	     /* valid, but the daemon's (BOOTP, overload...) */
	PARSE_MALFORMED = 2, /* truncated or inconsistent: drop and count */
};

/* What the options walk found (struct dhcp_opts.flags). */
#define DHCP_OPTS_TYPE	    (1 << 0) /* option 53 seen */
#define DHCP_OPTS_REQ_IP    (1 << 1) /* option 50 seen, 4 bytes */
#define DHCP_OPTS_SERVER_ID (1 << 2) /* option 54 seen, 4 bytes */
#define DHCP_OPTS_CLIENT_ID (1 << 3) /* option 61 seen, 1..XDHCP_CLIENT_ID_MAX bytes */
#define DHCP_OPTS_PUNT	    (1 << 4) /* valid but not for the fast path */
#define DHCP_OPTS_CID_COPY  (1 << 5) /* cid holds option 61's data, zero-padded */

struct dhcp_opts {
	__u32 pos;	     /* walk cursor: offset from the frame start */
	__u32 end;	     /* end of the UDP payload: offset from the frame start */
	__u32 cid_off;	     /* option 61 data: offset from the frame start */
	__be32 requested_ip; /* option 50 */
	__be32 server_id;    /* option 54 */
	__u8 type;	     /* option 53 */
	__u8 cid_len;	     /* option 61 length */
	__u8 flags;	     /* DHCP_OPTS_* */
	__u8 pad;
	/* Option 61's data and zeros, copied during the walk when the frame
	 * holds XDHCP_CLIENT_ID_MAX bytes from its start (DHCP_OPTS_CID_COPY). */
	__u64 cid[XDHCP_CLIENT_ID_MAX / 8];
};

/* A 64-bit load at any alignment: one load in BPF (packet and map value
 * access may be unaligned where the architecture allows it, as x86-64 and
 * arm64 do), memcpy where this header is compiled for a host (the fuzzer). */
static __always_inline __u64 load_u64_any(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u64 *)p;
#else
	__u64 w;

	__builtin_memcpy(&w, p, sizeof(w));
	return w;
#endif
}

/* A 32-bit load at any alignment, as load_u64_any(). */
static __always_inline __u32 load_u32_any(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u32 *)p;
#else
	__u32 w;

	__builtin_memcpy(&w, p, sizeof(w));
	return w;
#endif
}

/* The first n bytes, in memory order, of a 64-bit word; 0 for n <= 0, the
 * word for n >= 8. */
static __always_inline __u64 word_head(__u64 w, int n)
{
	if (n <= 0)
		return 0;
	if (n >= 8)
		return w;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return w & ((1ULL << (n * 8)) - 1);
#else
	return w & ~(~0ULL >> (n * 8));
#endif
}

/* The magic cookie after the fixed header; packed: it is not aligned. */
struct dhcp_cookie {
	__be32 val;
} __attribute__((packed));

/* Ethernet, then at most one 802.1Q tag.  Returns the ethertype of the
 * payload in network order, or -1 when the frame is too short. */
static __always_inline int parse_ethhdr(struct hdr_cursor *nh, void *data_end,
					struct ethhdr **ret_eth, struct vlan_hdr **ret_vlan)
{
	struct ethhdr *eth = nh->pos;
	struct vlan_hdr *vlan = NULL;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = eth->h_proto;
	nh->pos = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		vlan = nh->pos;
		if ((void *)(vlan + 1) > data_end)
			return -1;
		proto = vlan->h_vlan_encapsulated_proto;
		nh->pos = vlan + 1;
	}
	*ret_eth = eth;
	*ret_vlan = vlan;
	return proto;
}

/* IPv4 header with its options.  Returns the protocol, or -1 for anything
 * the fast path does not look into: short, version not 4, IHL below 5 (the
 * minimum is checked before the length is used), a header running past the
 * frame, or a fragment (the kernel reassembles it; XDP sees pieces). */
static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end,
				       struct iphdr **ret_iph)
{
	struct iphdr *iph = nh->pos;
	__u32 hdr_len;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hdr_len = iph->ihl * 4;
	if ((__u8 *)iph + hdr_len > (__u8 *)data_end)
		return -1;
	if (iph->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET))
		return -1;
	nh->pos = (__u8 *)iph + hdr_len;
	*ret_iph = iph;
	return iph->protocol;
}

/* UDP header.  Returns the UDP length field (host order; checked against
 * the IPv4 length in parse_dhcp()), or -1 when the header is cut. */
static __always_inline int parse_udphdr(struct hdr_cursor *nh, void *data_end,
					struct udphdr **ret_udph)
{
	struct udphdr *udph = nh->pos;

	if ((void *)(udph + 1) > data_end)
		return -1;
	nh->pos = udph + 1;
	*ret_udph = udph;
	return bpf_ntohs(udph->len);
}

/* Ethernet/IPv4/UDP down to a datagram for the DHCP server port.  Returns 0
 * and fills v (all but v->dhcp), or -1: not ours, pass it on untouched. */
static __always_inline int parse_frame(void *data, void *data_end, struct dhcp_view *v)
{
	struct hdr_cursor nh = {.pos = data};
	int proto;

	proto = parse_ethhdr(&nh, data_end, &v->eth, &v->vlan);
	if (proto != bpf_htons(ETH_P_IP))
		return -1;
	v->l2_len = v->vlan ? ETH_HLEN + sizeof(struct vlan_hdr) : ETH_HLEN;
	if (parse_iphdr(&nh, data_end, &v->iph) != IPPROTO_UDP)
		return -1;
	v->l3_len = v->iph->ihl * 4;
	if (parse_udphdr(&nh, data_end, &v->udph) < 0)
		return -1;
	if (v->udph->dest != bpf_htons(DHCP_SERVER_PORT))
		return -1;
	v->dhcp = NULL;
	return 0;
}

/* An option holding one IPv4 address: exactly 4 bytes (RFC 2132 9.1, 9.7),
 * else the daemon decides.  p points at the code byte. */
static __always_inline void parse_opt_ip(const __u8 *p, __u8 len, const void *data_end,
					 __u8 seen_flag, __be32 *ret_ip, struct dhcp_opts *o)
{
	if (len != 4 || (o->flags & seen_flag)) {
		o->flags |= DHCP_OPTS_PUNT;
		return;
	}
	/* Semantically implied by the walk's length check; for the verifier. */
	if ((const void *)(p + 6) > data_end) {
		o->flags |= DHCP_OPTS_PUNT;
		return;
	}
	__builtin_memcpy(ret_ip, p + 2, 4);
	o->flags |= seen_flag;
}

/*
 * Walk the options field from offset pos to end (offsets from the frame
 * start; end is the end of the UDP payload, at most the frame length) and
 * fill o (zeroed first).  Each step reads the code byte, then the length
 * byte, then checks that len bytes follow; PAD and END have no length
 * (RFC 2132 section 2).  The walk stops at END.  Records options 50, 53,
 * 54 and 61 in o.
 *
 * Returns PARSE_MALFORMED when an option runs past the end or option 53 is
 * not exactly one byte (once); the daemon's parser (user/dhcp_msg.c)
 * rejects those too.  Returns PARSE_PUNT when the message is valid but not
 * for the fast path: o->flags & DHCP_OPTS_PUNT, more options than the walk
 * takes, or options filling the field without END (which the daemon's
 * parser accepts).  PARSE_OK otherwise.  Other repeated options are
 * concatenated by RFC 3396: the fast path leaves those to the daemon.
 *
 * Shaped for the verifier (bounded loop, no bpf_loop): the whole walk
 * state, cursor included, is kept in *o, which in BPF points into map
 * memory (struct xdhcp_scratch), and a compiler barrier makes each step
 * reload it.  The verifier does not track values in map memory, so every
 * path through a step (PAD, END, each option) reaches the next step in the
 * same state and is pruned there; with the cursor and flags in registers
 * the paths multiply per step and the program exceeds the 1M instruction
 * budget.  Packet reads are data + (pos & PKT_OFF_MASK), checked against
 * data_end.
 */
static __always_inline int parse_dhcp_options(const void *data, const void *data_end, __u32 pos,
					      __u32 end, struct dhcp_opts *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	o->pos = pos;
	o->end = end;
	for (__u32 i = 0; i < DHCP_OPT_WALK_MAX; i++) {
		const __u8 *p;
		__u8 code, len;

		/* Compiler barrier: reload *o from memory in every step. */
		__asm__ __volatile__("" ::: "memory");
		pos = o->pos;
		end = o->end;
		/* The field is full without END: RFC 2132 section 3.2 wants
		 * END, but the daemon's parser tolerates this; let it decide. */
		if (pos >= end)
			return PARSE_PUNT;
		/* pos < end <= frame length <= PKT_OFF_MASK: the mask is a
		 * no-op that bounds the offset for the verifier. */
		p = (const __u8 *)data + (pos & PKT_OFF_MASK);
		if ((const void *)(p + 1) > data_end)
			return PARSE_MALFORMED;
		code = p[0];
		if (code == DHCP_OPT_END)
			return (o->flags & DHCP_OPTS_PUNT) ? PARSE_PUNT : PARSE_OK;
		if (code == DHCP_OPT_PAD) {
			o->pos = pos + 1;
			continue;
		}
		if (pos + 2 > end || (const void *)(p + 2) > data_end)
			return PARSE_MALFORMED;
		len = p[1];
		if (pos + 2 + len > end)
			return PARSE_MALFORMED;
		o->pos = pos + 2 + len;

		switch (code) {
		case DHCP_OPT_MESSAGE_TYPE:
			/* RFC 2132 9.6: one byte.  A repeat concatenates to
			 * two (RFC 3396), which the daemon rejects as well. */
			if (len != 1 || (o->flags & DHCP_OPTS_TYPE) ||
			    (const void *)(p + 3) > data_end)
				return PARSE_MALFORMED;
			o->type = p[2];
			o->flags |= DHCP_OPTS_TYPE;
			break;
		case DHCP_OPT_REQUESTED_IP:
			parse_opt_ip(p, len, data_end, DHCP_OPTS_REQ_IP, &o->requested_ip, o);
			break;
		case DHCP_OPT_SERVER_ID:
			parse_opt_ip(p, len, data_end, DHCP_OPTS_SERVER_ID, &o->server_id, o);
			break;
		case DHCP_OPT_CLIENT_ID:
			/* Longer ids are keyed by the daemon alone (fastpath_abi.h). */
			if (len < 1 || len > XDHCP_CLIENT_ID_MAX ||
			    (o->flags & DHCP_OPTS_CLIENT_ID)) {
				o->flags |= DHCP_OPTS_PUNT;
				break;
			}
			o->cid_off = pos + 2;
			o->cid_len = len;
			o->flags |= DHCP_OPTS_CLIENT_ID;
			/* Three word loads here instead of a helper call
			 * later, when the frame is long enough (it nearly
			 * always is: END and padding follow). */
			if ((const void *)(p + 2 + XDHCP_CLIENT_ID_MAX) <= data_end) {
				o->cid[0] = word_head(load_u64_any(p + 2), (int)len);
				o->cid[1] = word_head(load_u64_any(p + 10), (int)len - 8);
				o->cid[2] = word_head(load_u64_any(p + 18), (int)len - 16);
				o->flags |= DHCP_OPTS_CID_COPY;
			}
			break;
		case DHCP_OPT_OVERLOAD:
			/* Options continue in file/sname (RFC 2132 9.3). */
			o->flags |= DHCP_OPTS_PUNT;
			break;
		default:
			break;
		}
	}
	return PARSE_PUNT;
}

/*
 * The DHCP message of a frame accepted by parse_frame(): structural checks,
 * then the options.  Fills v->dhcp and o.  Returns
 *  - PARSE_MALFORMED: frame longer than a punt record holds, IPv4 total
 *    length below the headers or beyond the frame, UDP length below
 *    header + BOOTP fixed header or beyond the IPv4 payload, op not
 *    BOOTREQUEST, bad IPv4 header checksum, malformed options;
 *  - PARSE_PUNT: IPv4 options present (checksum and options not looked
 *    at), a BOOTP message (no magic cookie), or options for the daemon;
 *  - PARSE_OK: a DHCP message with its options walked.
 * A UDP length below the IPv4 payload is accepted and the rest ignored, as
 * the kernel's UDP input does.  The UDP checksum is not verified: a local
 * client's frame may carry a partial (offloaded) checksum.
 */
static __always_inline int parse_dhcp(void *data, void *data_end, struct dhcp_view *v,
				      struct dhcp_opts *o)
{
	struct iphdr *iph = v->iph;
	struct dhcp_hdr *dh = (void *)(v->udph + 1);
	struct dhcp_cookie *cookie = (void *)(dh + 1);
	__u32 ip_len, udp_len, dhcp_off;

	/* A punt record holds XDHCP_PUNT_MAX bytes of frame; longer frames
	 * could not reach the daemon whole. */
	if ((__u8 *)data + XDHCP_PUNT_MAX < (__u8 *)data_end)
		return PARSE_MALFORMED;

	ip_len = bpf_ntohs(iph->tot_len);
	if (ip_len < v->l3_len + sizeof(struct udphdr))
		return PARSE_MALFORMED;
	if ((__u8 *)iph + ip_len > (__u8 *)data_end)
		return PARSE_MALFORMED;

	udp_len = bpf_ntohs(v->udph->len);
	if (udp_len < sizeof(struct udphdr) + sizeof(struct dhcp_hdr) ||
	    udp_len > ip_len - v->l3_len)
		return PARSE_MALFORMED;
	/* Implied by the lengths above; the verifier wants it spelled out. */
	if ((void *)(dh + 1) > data_end)
		return PARSE_MALFORMED;
	if (dh->op != BOOTREQUEST)
		return PARSE_MALFORMED;
	v->dhcp = dh;

	/* IPv4 options: no DHCP client sends them.  The daemon verifies
	 * and answers such frames; the fast path then only ever sees a
	 * 20-byte header, which keeps the verifier to one shape. */
	if (v->l3_len != sizeof(struct iphdr))
		return PARSE_PUNT;
	if (!csum_ipv4_hdr20_valid(iph))
		return PARSE_MALFORMED;

	/* No room for the cookie, or no cookie: BOOTP (RFC 1497 vendor
	 * extensions or none), answered by the daemon. */
	if (udp_len < sizeof(struct udphdr) + DHCP_OPTIONS_OFFSET)
		return PARSE_PUNT;
	if ((void *)(cookie + 1) > data_end)
		return PARSE_MALFORMED;
	if (cookie->val != bpf_htonl(DHCP_MAGIC_COOKIE))
		return PARSE_PUNT;

	dhcp_off = v->l2_len + v->l3_len + sizeof(struct udphdr);
	return parse_dhcp_options(data, data_end, dhcp_off + DHCP_OPTIONS_OFFSET,
				  dhcp_off + udp_len - sizeof(struct udphdr), o);
}

#endif /* XDHCP_BPF_PARSE_H */
