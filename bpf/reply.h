/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Building DHCPACK and DHCPNAK frames in the per-CPU scratch buffer
 * (struct xdhcp_scratch.reply) and putting them in place of the request.
 *
 * Layout of the buffer: the IPv4 header starts at XDHCP_REPLY_IP_OFF, the
 * link-layer header (14 or 18 bytes) ends there, so every later offset is
 * a compile-time constant and the options start 8-byte aligned.  Every
 * byte sent is written for this reply (headers field by field, the options
 * up to where this reply's padding and checksum window end, see
 * reply_put_tmpl()), except sname and file, which nothing ever writes: they keep the zeros the map was created with.  Nothing of
 * an earlier packet or another client can leak out, and no per-packet
 * memset of the buffer is needed.
 *
 * A reply is at most DHCP_MIN_MAX_MSG_SIZE (576) bytes of IPv4: every
 * client accepts that (RFC 2131 section 2), so option 57 is not consulted.
 */
#ifndef XDHCP_BPF_REPLY_H
#define XDHCP_BPF_REPLY_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dhcp_wire.h"
#include "fastpath_abi.h"
#include "csum.h"
#include "maps.h"
#include "parse.h"

#define REPLY_UDP_OFF	(XDHCP_REPLY_IP_OFF + sizeof(struct iphdr))
#define REPLY_DHCP_OFF	(REPLY_UDP_OFF + sizeof(struct udphdr))
#define REPLY_OPT_OFF	(REPLY_DHCP_OFF + DHCP_OPTIONS_OFFSET)
/* Longest frame: tagged Ethernet plus a 576-byte datagram. */
#define REPLY_FRAME_MAX (ETH_HLEN + sizeof(struct vlan_hdr) + DHCP_MIN_MAX_MSG_SIZE)
/* Option 61 as echoed: code, length, then the whole zero-padded key id. */
#define REPLY_ECHO_LEN	(2 + XDHCP_CLIENT_ID_MAX)
/* The options bytes the checksum sums in BPF, from the 4-byte boundary at
 * or below the end of the template (or of the NAK's fixed options): up to
 * three bytes of it, option 61 and END, then zeros. */
#define REPLY_CSUM_TAIL 32
/* Options area a reply can use: the template area, and the checksum
 * window past its end (each reply writes what of it it reaches). */
#define REPLY_OPT_AREA	(XDHCP_TMPL_MAX + REPLY_CSUM_TAIL)
/* The NAK's fixed options (53, 54) and the bytes zeroed before them: a
 * NAK with option 61 and padding to 300 bytes stays inside. */
#define REPLY_NAK_LEN	9
#define REPLY_NAK_AREA	64

_Static_assert(REPLY_OPT_OFF % 8 == 0, "template words are copied aligned");
_Static_assert(XDHCP_TMPL_MAX % 8 == 0, "template is copied in 8-byte words");
_Static_assert(XDHCP_REPLY_IP_OFF >= ETH_HLEN + sizeof(struct vlan_hdr),
	       "room for a tagged Ethernet header");
_Static_assert(REPLY_OPT_OFF + XDHCP_TMPL_MAX + REPLY_ECHO_LEN + 1 <= XDHCP_REPLY_BUF_LEN,
	       "template, option 61 and END fit in the buffer");
_Static_assert(REPLY_OPT_OFF + REPLY_OPT_AREA <= XDHCP_REPLY_BUF_LEN,
	       "checksum window past the template fits in the buffer");
_Static_assert(3 + REPLY_ECHO_LEN + 1 <= REPLY_CSUM_TAIL,
	       "last template bytes, option 61 and END fit in the checksum window");
_Static_assert(DHCP_MIN_MAX_MSG_SIZE - 20 - 8 - DHCP_OPTIONS_OFFSET <= XDHCP_TMPL_MAX,
	       "the options of any reply sent lie in the rewritten area");
_Static_assert(2 + XDHCP_CLIENT_ID_MAX + 1 + 3 <= REPLY_CSUM_TAIL,
	       "option 61, END and the padding to a 4-byte boundary lie in the zeroed area");
_Static_assert((XDHCP_TMPL_MAX / 8 - 1 + (REPLY_CSUM_TAIL + 7) / 8 + 1) * 8 <= REPLY_OPT_AREA,
	       "the words zeroed after the longest partial template stay in the area");
_Static_assert(REPLY_NAK_LEN + REPLY_ECHO_LEN + 1 <= REPLY_NAK_AREA &&
		       DHCP_MIN_MSG_LEN - DHCP_OPTIONS_OFFSET <= REPLY_NAK_AREA &&
		       (REPLY_NAK_LEN & ~3) + REPLY_CSUM_TAIL <= REPLY_NAK_AREA,
	       "a NAK, its padding and its checksum window lie in the zeroed area");
_Static_assert(XDHCP_REPLY_IP_OFF + DHCP_MIN_MAX_MSG_SIZE <= XDHCP_REPLY_BUF_LEN,
	       "largest datagram fits in the buffer");
_Static_assert(XDHCP_REPLY_BUF_LEN % 8 == 0, "buffer is zeroed in 8-byte words");
_Static_assert(CSUM_UDP_MAX == DHCP_MIN_MAX_MSG_SIZE - sizeof(struct iphdr),
	       "the UDP checksum covers the largest reply");
_Static_assert(CSUM_CHUNK <= sizeof(struct udphdr) + DHCP_MIN_MSG_LEN,
	       "the first checksum chunk is always there");
_Static_assert(CSUM_UDP_MAX - CSUM_CHUNK <= 512, "bpf_csum_diff() sums at most 512 bytes");

/* Addresses and flags of one reply, chosen by the caller (RFC 2131 4.1,
 * 4.3.2). */
struct reply_params {
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 ip_dst;
	__be16 flags;
	__u8 eth_dst[6];
};

/* Sum of n 32-bit words at p, n a constant (one's-complement partial sum:
 * csum_fold() turns it into 16 bits). */
static __always_inline __u64 reply_sum32(const void *p, __u32 n)
{
	const __u32 *w = p;
	__u64 sum = 0;

#pragma clang loop unroll(full)
	for (__u32 i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/*
 * Write the link-layer header (tagged like the request) and the BOOTP
 * fixed header and cookie, every field (sname and file excepted, see
 * above).  The request is read through v, so this runs before the packet
 * is resized.  IPv4 and UDP headers are written by reply_finish(), once the
 * length is known.
 */
static __always_inline void reply_begin(__u8 *buf, const struct dhcp_view *v,
					const struct xdhcp_iface *iface,
					const struct reply_params *rp)
{
	const struct dhcp_hdr *req = v->dhcp;
	struct dhcp_hdr *dh = (void *)(buf + REPLY_DHCP_OFF);
	struct dhcp_cookie *cookie = (void *)(dh + 1);
	struct ethhdr *eth;

	if (v->vlan) {
		struct vlan_hdr *tag = (void *)(buf + XDHCP_REPLY_IP_OFF - sizeof(*tag));

		eth = (void *)(buf + XDHCP_REPLY_IP_OFF - sizeof(*tag) - ETH_HLEN);
		eth->h_proto = bpf_htons(ETH_P_8021Q);
		/* Same tag, priority bits included, as the request. */
		tag->h_vlan_TCI = v->vlan->h_vlan_TCI;
		tag->h_vlan_encapsulated_proto = bpf_htons(ETH_P_IP);
	} else {
		eth = (void *)(buf + XDHCP_REPLY_IP_OFF - ETH_HLEN);
		eth->h_proto = bpf_htons(ETH_P_IP);
	}
	__builtin_memcpy(eth->h_dest, rp->eth_dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, iface->mac, ETH_ALEN);

	/* RFC 2131 section 4.3.1 table 3 (ACK and NAK columns): hops,
	 * secs, giaddr, sname and file are 0; xid and chaddr from the
	 * request. */
	dh->op = BOOTREPLY;
	dh->htype = req->htype;
	dh->hlen = req->hlen;
	dh->hops = 0;
	dh->xid = req->xid;
	dh->secs = 0;
	dh->flags = rp->flags;
	dh->ciaddr = rp->ciaddr;
	dh->yiaddr = rp->yiaddr;
	dh->siaddr = rp->siaddr;
	dh->giaddr = 0;
	__builtin_memcpy(dh->chaddr, req->chaddr, sizeof(dh->chaddr));
	cookie->val = bpf_htonl(DHCP_MAGIC_COOKIE);
}

/* Options bytes a reply pads to (RFC 2131 section 2: a 300-byte message),
 * in whole words. */
#define REPLY_PAD_WORDS	 ((DHCP_MIN_MSG_LEN - DHCP_OPTIONS_OFFSET + 7) / 8)
/* Words zeroed after the template's last (partial) word: option 61, END,
 * the padding to a 4-byte boundary and the checksum window all end
 * within them. */
#define REPLY_TAIL_WORDS ((REPLY_CSUM_TAIL + 7) / 8 + 1)

/*
 * Copy the template's option bytes to the start of the options field,
 * with zeros where this reply can reach past them, not in the whole area:
 * the first REPLY_PAD_WORDS words (a short reply's padding to 300 bytes),
 * and REPLY_TAIL_WORDS words from the template's last partial word (option
 * 61, END, padding, the checksum window).  A typical template costs about
 * 20 stores, not 44.  Only tlen bytes come from the template: whole 8-byte
 * words, then the head of the last partial word, so bytes past len in the
 * map are never sent.  Aligned words on both sides (template data at
 * offset 8 of the value, options at REPLY_OPT_OFF).  Returns the options
 * length so far.
 *
 * Shaped for the verifier: the loop is fully unrolled and each step
 * compares the same register (words) with a constant, so once a step has
 * left the loop the later comparisons are known and the paths stay linear
 * in the template length.  A loop that clang strength-reduces into a second
 * counter makes every step look undecided and the paths multiply.  The
 * zeros after the template are stores at a variable offset (words + k),
 * with no branch per step.
 */
static __always_inline __u32 reply_put_tmpl(__u8 *buf, const struct xdhcp_tmpl *t, __u32 tlen)
{
	const __u64 *src = (const __u64 *)t->data;
	__u64 *dst = (__u64 *)(buf + REPLY_OPT_OFF);
	__u32 words = tlen / 8;

	/* What a short reply pads to 300 bytes with. */
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < REPLY_PAD_WORDS; i++)
		dst[i] = 0;
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < XDHCP_TMPL_MAX / 8; i++)
		if (i < words)
			dst[i] = src[i];
	if (words >= XDHCP_TMPL_MAX / 8) {
#pragma clang loop unroll(full)
		for (__u32 i = XDHCP_TMPL_MAX / 8; i < REPLY_OPT_AREA / 8; i++)
			dst[i] = 0;
		return tlen;
	}
	dst[words] = word_head(src[words], (int)(tlen & 7)); /* parse.h */
#pragma clang loop unroll(full)
	for (__u32 k = 1; k < REPLY_TAIL_WORDS; k++)
		dst[words + k] = 0;
	return tlen;
}

/* The DHCPNAK options (RFC 2131 table 3): 53 = DHCPNAK and 54, the server
 * identifier.  Returns the options length so far. */
static __always_inline __u32 reply_put_nak(__u8 *buf, const struct xdhcp_iface *iface)
{
	__u8 *p = buf + REPLY_OPT_OFF;
	__u64 *w = (__u64 *)p;

	/* The options, option 61, padding and checksum window of a NAK. */
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < REPLY_NAK_AREA / 8; i++)
		w[i] = 0;
	p[0] = DHCP_OPT_MESSAGE_TYPE;
	p[1] = 1;
	p[2] = DHCPNAK;
	p[3] = DHCP_OPT_SERVER_ID;
	p[4] = 4;
	__builtin_memcpy(p + 5, &iface->server_ip, 4);
	return REPLY_NAK_LEN;
}

/*
 * After olen bytes of options: option 61 echoed from the key when the
 * client sent one (RFC 6842 section 3), then END.  The key id is zero past
 * key->len, so the fixed-size copy writes the id and zeros.  Returns the
 * options length including END, or 0 when olen is out of range.
 */
static __always_inline __u32 reply_put_tail(__u8 *buf, __u32 olen,
					    const struct xdhcp_lease_key *key)
{
	__u32 id_len = key->len;
	const __u64 *id;
	__u8 *p;

	/* Bounds for the verifier: the echo and END stay in the buffer. */
	if (olen > XDHCP_TMPL_MAX || id_len > XDHCP_CLIENT_ID_MAX)
		return 0;
	p = buf + REPLY_OPT_OFF + olen;
	if (key->kind != XDHCP_KEY_CLIENT_ID) {
		p[0] = DHCP_OPT_END;
		return olen + 1;
	}
	p[0] = DHCP_OPT_CLIENT_ID;
	p[1] = id_len;
	/* Three word stores at any alignment (the JIT and the verifier allow
	 * them on architectures with efficient unaligned access, x86-64 and
	 * arm64 among them), not the 24 byte stores a memcpy to an unknown
	 * alignment becomes. */
	id = (const __u64 *)key->id;
	*(__u64 *)(p + 2) = id[0];
	*(__u64 *)(p + 10) = id[1];
	*(__u64 *)(p + 18) = id[2];
	p[2 + id_len] = DHCP_OPT_END;
	return olen + 2 + id_len + 1;
}

/*
 * Pad the message with zeros (already there) to at least 300 bytes and a
 * multiple of 4 (RFC 2131 section 2, RFC 1542 section 2.1), then write the
 * IPv4 and UDP headers with their checksums.  The source is the server
 * identifier; TTL 64, id 0, no fragmentation bits.
 *
 * The UDP checksum: when head_sum is known (>= 0, the sum of the first
 * head_len bytes of options, head_len a multiple of 4), it is that plus
 * the pseudo header, the UDP header, the 44 bytes of BOOTP header that are
 * not zero, the cookie and REPLY_CSUM_TAIL bytes of options from head_len
 * (sname, file and the padding are zero and add nothing): about 30 loads
 * instead of a helper summing 300-odd bytes.  Otherwise (head_sum < 0, a
 * template without its sum) the whole datagram is summed.
 *
 * Returns the frame length, or 0 when the datagram would exceed 576 bytes
 * (or on a checksum helper error): the caller punts.
 */
static __always_inline __u32 reply_finish(__u8 *buf, __u32 l2_len, __u32 olen,
					  const struct xdhcp_iface *iface,
					  const struct reply_params *rp, __u32 head_len,
					  __s64 head_sum)
{
	struct iphdr *iph = (void *)(buf + XDHCP_REPLY_IP_OFF);
	struct udphdr *udph = (void *)(buf + REPLY_UDP_OFF);
	__u32 dhcp_len, udp_len, ip_len;
	__u16 check;

	dhcp_len = (DHCP_OPTIONS_OFFSET + olen + 3) & ~3U;
	if (dhcp_len < DHCP_MIN_MSG_LEN)
		dhcp_len = DHCP_MIN_MSG_LEN;
	udp_len = sizeof(struct udphdr) + dhcp_len;
	ip_len = sizeof(struct iphdr) + udp_len;
	if (ip_len > DHCP_MIN_MAX_MSG_SIZE)
		return 0;

	iph->version = 4;
	iph->ihl = 5;
	iph->tos = 0;
	iph->tot_len = bpf_htons(ip_len);
	iph->id = 0;
	iph->frag_off = 0;
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->check = 0;
	iph->saddr = iface->server_ip;
	iph->daddr = rp->ip_dst;
	iph->check = csum_ipv4_hdr20(iph);

	udph->source = bpf_htons(DHCP_SERVER_PORT);
	udph->dest = bpf_htons(DHCP_CLIENT_PORT);
	udph->len = bpf_htons(udp_len);
	udph->check = 0;
	if (head_sum >= 0) {
		__u64 sum = (__u64)head_sum;

		/* Bounds for the verifier: the window stays in the area. */
		if (head_len > XDHCP_TMPL_MAX || (head_len & 3))
			return 0;
		/* Pseudo header (RFC 768): addresses, zero and protocol,
		 * length, as 16-bit words in memory order. */
		sum += (__u64)iph->saddr + iph->daddr + bpf_htons(IPPROTO_UDP) + bpf_htons(udp_len);
		sum += reply_sum32(udph, sizeof(*udph) / 4);
		/* op .. chaddr: 44 bytes; sname and file are zero. */
		sum += reply_sum32(buf + REPLY_DHCP_OFF, 44 / 4);
		sum += bpf_htonl(DHCP_MAGIC_COOKIE);
		sum += reply_sum32(buf + REPLY_OPT_OFF + head_len, REPLY_CSUM_TAIL / 4);
		check = csum_fold(sum);
		check = check ? check : 0xffff;
	} else {
		check = csum_udp4((__u8 *)udph, udp_len, iph->saddr, iph->daddr);
		if (!check)
			return 0;
	}
	udph->check = check;
	return l2_len + ip_len;
}

/*
 * Replace the request with the reply of len bytes: resize the frame to
 * exactly len, then copy.  Growing uses headroom first (256 bytes less
 * the kernel's xdp_frame area on native XDP; tailroom is often tiny on a
 * tap), then tailroom.  Returns 0;
 * -1 when the frame could not be resized (it is unchanged: punt it); -2
 * when the copy failed after a resize (the request is gone: drop).
 * Packet pointers are invalid after this; callers do not touch v again.
 */
static __always_inline int reply_send(struct xdp_md *ctx, const __u8 *buf, __u32 l2_len, __u32 len)
{
	__s32 delta = (__s32)len - (__s32)bpf_xdp_get_buff_len(ctx);

	/* Bounds for the verifier (ARG_CONST_SIZE: at least 1, at most the
	 * buffer): the copy starts at l2 offset 2 or 6 of the buffer. */
	if (len > REPLY_FRAME_MAX)
		return -1;
	barrier_var(len); /* two checks, not one merged unsigned compare */
	if (len < ETH_HLEN)
		return -1;
	if (l2_len != ETH_HLEN && l2_len != ETH_HLEN + sizeof(struct vlan_hdr))
		return -1;

	if (delta > 0) {
		if (bpf_xdp_adjust_head(ctx, -delta) && bpf_xdp_adjust_tail(ctx, delta))
			return -1;
	} else if (delta < 0) {
		if (bpf_xdp_adjust_tail(ctx, delta))
			return -1;
	}
	if (bpf_xdp_store_bytes(ctx, 0, (void *)(buf + XDHCP_REPLY_IP_OFF - l2_len), len))
		return -2;
	return 0;
}

#endif /* XDHCP_BPF_REPLY_H */
