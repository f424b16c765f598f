/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Building DHCPACK and DHCPNAK frames in the per-CPU scratch buffer
 * (struct xdhcp_scratch.reply) and putting them in place of the request.
 *
 * Layout of the buffer: the IPv4 header starts at XDHCP_REPLY_IP_OFF, the
 * link-layer header (14 or 18 bytes) ends there, so every later offset is
 * a compile-time constant and the options start 8-byte aligned.  Every
 * byte sent is written for this reply (headers word by word, the template,
 * option 61, END and the padding to a 4-byte boundary, and for a short
 * template the zeros to 300 bytes: see reply_put_tmpl() and
 * reply_put_tail()), except sname and file, which nothing ever writes:
 * they keep the zeros the map was created with.  Nothing of an earlier
 * packet or another client can leak out, and no per-packet memset of the
 * buffer is needed.
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
/* A NAK's options bytes summed past its fixed options, from the 4-byte
 * boundary at or below their end: one byte of them, option 61 and END,
 * then zeros. */
#define REPLY_CSUM_TAIL 32
/* Options area a reply can use: the template area, then option 61, END
 * and the 4 bytes of padding reply_put_tail() writes past the longest id. */
#define REPLY_OPT_AREA	(XDHCP_TMPL_MAX + REPLY_ECHO_LEN + 4)
/* The NAK's fixed options (53, 54) and the bytes zeroed before them: a
 * NAK with option 61 and padding to 300 bytes stays inside. */
#define REPLY_NAK_LEN	9
#define REPLY_NAK_AREA	64

_Static_assert(REPLY_OPT_OFF % 8 == 0, "template words are copied aligned");
_Static_assert(XDHCP_TMPL_MAX % 8 == 0, "template is copied in 8-byte words");
_Static_assert(XDHCP_REPLY_IP_OFF >= ETH_HLEN + sizeof(struct vlan_hdr),
	       "room for a tagged Ethernet header");
_Static_assert(REPLY_OPT_OFF + REPLY_OPT_AREA <= XDHCP_REPLY_BUF_LEN,
	       "template, option 61, END and padding fit in the buffer");
_Static_assert(3 + REPLY_ECHO_LEN + 1 <= REPLY_CSUM_TAIL,
	       "last template bytes, option 61 and END fit in the checksum window");
_Static_assert(DHCP_MIN_MAX_MSG_SIZE - 20 - 8 - DHCP_OPTIONS_OFFSET <= XDHCP_TMPL_MAX,
	       "the options of any reply sent lie in the rewritten area");
_Static_assert(2 + XDHCP_CLIENT_ID_MAX + 1 + 3 <= REPLY_ECHO_LEN + 4,
	       "option 61, END and the padding to a 4-byte boundary are written");
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
	/* Set by reply_begin(): the one's-complement partial sum of the
	 * BOOTP header and cookie it wrote, for the UDP checksum. */
	__u64 hdr_sum;
};

/*
 * Values placed in memory order, so that a header is written with a few
 * whole-word stores composed in registers: the checksums and the frame
 * copy read the reply right after it is built, and a load that spans
 * several smaller stores waits for them to reach the cache instead of
 * being forwarded from the store buffer (byte-wise stores of the packed
 * BOOTP header cost more than the rest of the reply).  Arguments are
 * values as they lie in memory (network-order fields stay as they are).
 */
static __always_inline __u32 mem_u8x2(__u32 a, __u32 b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return a | b << 8;
#else
	return a << 8 | b;
#endif
}

static __always_inline __u32 mem_u16x2(__u32 a, __u32 b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return a | b << 16;
#else
	return a << 16 | b;
#endif
}

static __always_inline __u64 mem_u32x2(__u64 a, __u64 b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return a | b << 32;
#else
	return a << 32 | b;
#endif
}

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
 * above), and leave their checksum share in rp->hdr_sum.  The request is
 * read through v, so this runs before the packet is resized.  IPv4 and
 * UDP headers are written by reply_finish(), once the length is known.
 *
 * RFC 2131 section 4.3.1 table 3 (ACK and NAK columns): hops, secs,
 * giaddr, sname and file are 0; xid and chaddr from the request; htype
 * and hlen are Ethernet's (decide() answers nothing else).  The header
 * starts 8-byte aligned: six word stores, the last one also zeroing
 * sname's first four bytes.
 */
static __always_inline void reply_begin(__u8 *buf, const struct dhcp_view *v,
					const struct xdhcp_iface *iface, struct reply_params *rp)
{
	const __u8 *req = (const __u8 *)v->dhcp;
	__u64 *dw = (__u64 *)(buf + REPLY_DHCP_OFF);
	__u32 op = mem_u16x2(mem_u8x2(BOOTREPLY, DHCP_HTYPE_ETHER), mem_u8x2(DHCP_HLEN_ETHER, 0));
	__u32 xid = load_u32_any(req + offsetof(struct dhcp_hdr, xid));
	__u32 secs_flags = mem_u16x2(0, rp->flags);
	__u32 ch0 = load_u32_any(req + offsetof(struct dhcp_hdr, chaddr));
	__u32 ch1 = load_u32_any(req + offsetof(struct dhcp_hdr, chaddr) + 4);
	__u32 ch2 = load_u32_any(req + offsetof(struct dhcp_hdr, chaddr) + 8);
	__u32 ch3 = load_u32_any(req + offsetof(struct dhcp_hdr, chaddr) + 12);
	__u32 cookie = bpf_htonl(DHCP_MAGIC_COOKIE);
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

	dw[0] = mem_u32x2(op, xid);		   /* op htype hlen hops, xid */
	dw[1] = mem_u32x2(secs_flags, rp->ciaddr); /* secs flags, ciaddr */
	dw[2] = mem_u32x2(rp->yiaddr, rp->siaddr); /* yiaddr, siaddr */
	dw[3] = mem_u32x2(0, ch0);		   /* giaddr, chaddr */
	dw[4] = mem_u32x2(ch1, ch2);
	dw[5] = mem_u32x2(ch3, 0); /* sname[0..3] */
	*(__u32 *)(buf + REPLY_OPT_OFF - 4) = cookie;
	rp->hdr_sum = (__u64)op + xid + secs_flags + rp->ciaddr + rp->yiaddr + rp->siaddr + ch0 +
		      ch1 + ch2 + ch3 + cookie;
}

/* Options bytes a reply pads to (RFC 2131 section 2: a 300-byte message),
 * in whole words. */
#define REPLY_PAD_WORDS ((DHCP_MIN_MSG_LEN - DHCP_OPTIONS_OFFSET + 7) / 8)

/*
 * Copy the template's option bytes to the start of the options field:
 * whole 8-byte words, then the head of the last partial word with zeros
 * after it, so bytes past len in the map are never sent.  A template
 * shorter than the 300-byte minimum message gets the zeros it pads to
 * first.  Everything after the template (option 61, END, the padding to a
 * 4-byte boundary) is written by reply_put_tail().  Aligned words on both
 * sides (template data at offset 8 of the value, options at
 * REPLY_OPT_OFF).  Returns the options length so far.
 *
 * Every store counts twice: the frame copy reads the buffer right after,
 * and waits for the stores to drain.  A typical template costs one store
 * per 8 bytes and nothing more.
 *
 * Shaped for the verifier: the loop is fully unrolled and each step
 * compares the same register (words) with a constant, so once a step has
 * left the loop the later comparisons are known and the paths stay linear
 * in the template length.  A loop that clang strength-reduces into a second
 * counter makes every step look undecided and the paths multiply.
 */
static __always_inline __u32 reply_put_tmpl(__u8 *buf, const struct xdhcp_tmpl *t, __u32 tlen,
					    __u64 *ret_last)
{
	const __u64 *src = (const __u64 *)t->data;
	__u64 *dst = (__u64 *)(buf + REPLY_OPT_OFF);
	__u32 words = tlen / 8;
	__u64 last = 0;

	/* What a short reply pads to 300 bytes with. */
	if (words < REPLY_PAD_WORDS) {
#pragma clang loop unroll(full)
		for (__u32 i = 0; i < REPLY_PAD_WORDS; i++)
			dst[i] = 0;
	}
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < XDHCP_TMPL_MAX / 8; i++)
		if (i < words)
			dst[i] = src[i];
	if (words < XDHCP_TMPL_MAX / 8) {
		last = word_head(src[words], (int)(tlen & 7)); /* parse.h */
		dst[words] = last;
	}
	*ret_last = last;
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
 * client sent one (RFC 6842 section 3), then END, then zeros to the next
 * 4-byte boundary (RFC 1542 section 2.1: reply_finish() pads the message
 * to one).  The key id is zero past key->len, so the fixed-size copy
 * writes the id and zeros.  Whole-word stores at any alignment (the JIT
 * and the verifier allow them on architectures with efficient unaligned
 * access, x86-64 and arm64 among them): five or six stores, where byte
 * stores and a zeroed window took a dozen.  Returns the options length
 * including END, or 0 when olen is out of range.
 */
static __always_inline __u32 reply_put_tail(__u8 *buf, __u32 olen,
					    const struct xdhcp_lease_key *key)
{
	__u32 id_len = key->len;
	const __u64 *id;
	__u8 *p;

	/* Bounds for the verifier: the echo, END and padding stay in the
	 * buffer. */
	if (olen > XDHCP_TMPL_MAX || id_len > XDHCP_CLIENT_ID_MAX)
		return 0;
	p = buf + REPLY_OPT_OFF + olen;
	if (key->kind != XDHCP_KEY_CLIENT_ID) {
		*(__u32 *)p = mem_u16x2(mem_u8x2(DHCP_OPT_END, 0), 0);
		return olen + 1;
	}
	id = (const __u64 *)key->id;
	*(__u16 *)p = mem_u8x2(DHCP_OPT_CLIENT_ID, id_len);
	*(__u64 *)(p + 2) = id[0];
	*(__u64 *)(p + 10) = id[1];
	*(__u64 *)(p + 18) = id[2];
	/* Padding past a long id; END lands on it when the id is 24 bytes. */
	*(__u32 *)(p + 2 + XDHCP_CLIENT_ID_MAX) = 0;
	p[2 + id_len] = DHCP_OPT_END;
	return olen + 2 + id_len + 1;
}

/* The first n (0..3) bytes, in memory order, of a 32-bit word. */
static __always_inline __u32 word_head32(__u32 w, __u32 n)
{
	if (n == 0)
		return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return w & ((1U << (n * 8)) - 1);
#else
	return w & ~(~0U >> (n * 8));
#endif
}

/* The 32-bit half, in memory order (0 or 1), of a 64-bit word. */
static __always_inline __u32 word_half(__u64 w, __u32 half)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u32)(half ? w >> 32 : w);
#else
	return (__u32)(half ? w : w >> 32);
#endif
}

/*
 * The checksum share of an ACK's options past the template's last 4-byte
 * boundary (the template's sum, xdhcp_tmpl.csum, covers the rest): the
 * template's last tlen % 4 bytes, option 61 as reply_put_tail() echoes it
 * from the key, and END; everything later is zero.  Summed from values in
 * registers, not read back from the buffer (see mem_u16x2()): last is the
 * template's partial word as reply_put_tmpl() wrote it, zero past tlen,
 * so the bytes summed are the bytes sent.  A run of bytes that starts at
 * an odd offset adds its even-offset sum with the bytes of each word
 * swapped, which is that sum times 256 modulo 0xffff (RFC 1071 section
 * 2).  Returns a partial sum.
 */
static __always_inline __u64 reply_tail_sum(__u64 last, __u32 tlen,
					    const struct xdhcp_lease_key *key)
{
	__u32 rest = tlen & 3, end_at = rest;
	__u64 sum = 0;

	/* The last tlen % 4 bytes lie in the partial word's half that
	 * holds byte tlen & ~3 (its other half is in the template's sum). */
	if (rest)
		sum = word_half(last, (tlen >> 2) & 1);
	if (key->kind == XDHCP_KEY_CLIENT_ID) {
		const __u64 *id = (const __u64 *)key->id;
		__u32 id_len = key->len;
		__u64 echo = (__u64)mem_u8x2(DHCP_OPT_CLIENT_ID, id_len) + (id[0] & 0xffffffff) +
			     (id[0] >> 32) + (id[1] & 0xffffffff) + (id[1] >> 32) +
			     (id[2] & 0xffffffff) + (id[2] >> 32);

		if (rest & 1)
			sum += (__u64)csum_fold16(echo) << 8; /* times 256: folded later */
		else
			sum += echo;
		end_at += 2 + id_len;
	}
	sum += end_at & 1 ? mem_u8x2(0, DHCP_OPT_END) : mem_u8x2(DHCP_OPT_END, 0);
	return sum;
}

/*
 * Pad the message with zeros (already there) to at least 300 bytes and a
 * multiple of 4 (RFC 2131 section 2, RFC 1542 section 2.1), then write the
 * IPv4 and UDP headers with their checksums.  The source is the server
 * identifier; TTL 64, id 0, no fragmentation bits.
 *
 * The UDP checksum: when opt_sum is known (>= 0, the partial sum of all
 * the options bytes), it is that plus the pseudo header, the UDP header
 * and the BOOTP header and cookie (rp->hdr_sum; sname, file and the
 * padding are zero and add nothing), all from values in registers.
 * Otherwise (opt_sum < 0, a template without its sum) the whole datagram
 * is summed by a helper.
 *
 * Returns the frame length, or 0 when the datagram would exceed 576 bytes
 * (or on a checksum helper error): the caller punts.
 */
static __always_inline __u32 reply_finish(__u8 *buf, __u32 l2_len, __u32 olen,
					  const struct xdhcp_iface *iface,
					  const struct reply_params *rp, __s64 opt_sum)
{
	__u32 *ipw = (__u32 *)(buf + XDHCP_REPLY_IP_OFF);
	struct udphdr *udph = (void *)(buf + REPLY_UDP_OFF);
	__u32 dhcp_len, udp_len, ip_len, ports, ip0, ttl_proto;
	__u16 check;

	dhcp_len = (DHCP_OPTIONS_OFFSET + olen + 3) & ~3U;
	if (dhcp_len < DHCP_MIN_MSG_LEN)
		dhcp_len = DHCP_MIN_MSG_LEN;
	udp_len = sizeof(struct udphdr) + dhcp_len;
	ip_len = sizeof(struct iphdr) + udp_len;
	if (ip_len > DHCP_MIN_MAX_MSG_SIZE)
		return 0;

	/* Both headers composed in registers, each checksum summed from
	 * those values, then whole-word stores (see mem_u16x2()). */
	ports = mem_u16x2(bpf_htons(DHCP_SERVER_PORT), bpf_htons(DHCP_CLIENT_PORT));
	ip0 = mem_u16x2(bpf_htons(0x4500), bpf_htons(ip_len)); /* version 4, ihl 5, tos 0 */
	ttl_proto = bpf_htons(64 << 8 | IPPROTO_UDP);
	ipw[0] = ip0;
	ipw[1] = 0; /* id, frag_off */
	ipw[2] = mem_u16x2(ttl_proto,
			   csum_fold((__u64)ip0 + ttl_proto + iface->server_ip + rp->ip_dst));
	ipw[3] = iface->server_ip;
	ipw[4] = rp->ip_dst;
	if (opt_sum >= 0) {
		__u64 sum = (__u64)opt_sum;

		/* Pseudo header (RFC 768): addresses, zero and protocol,
		 * length; then the UDP header (check 0), the BOOTP header
		 * and cookie. */
		sum += (__u64)iface->server_ip + rp->ip_dst + bpf_htons(IPPROTO_UDP) +
		       bpf_htons(udp_len);
		sum += (__u64)ports + bpf_htons(udp_len);
		sum += rp->hdr_sum;
		check = csum_fold(sum);
		check = check ? check : 0xffff;
		*(__u64 *)udph = mem_u32x2(ports, mem_u16x2(bpf_htons(udp_len), check));
	} else {
		*(__u64 *)udph = mem_u32x2(ports, mem_u16x2(bpf_htons(udp_len), 0));
		check = csum_udp4((__u8 *)udph, udp_len, iface->server_ip, rp->ip_dst);
		if (!check)
			return 0;
		udph->check = check;
	}
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
