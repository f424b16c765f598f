/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Internet checksums (RFC 1071) for the fast path: folding, the IPv4 header
 * sum of a request (verified) and of a reply (computed), and the UDP
 * checksum of a reply built in the scratch buffer.  Everything above the
 * __bpf__ block is plain C that calls no BPF helper, so parse.h can use it
 * on the host too.  Sums are taken over 16-bit words as they lie in memory;
 * a one's-complement sum is byte-order independent, so the folded result
 * can be stored back as is.
 */
#ifndef XDHCP_BPF_CSUM_H
#define XDHCP_BPF_CSUM_H

#include <linux/types.h>
#include <linux/ip.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Fold a sum of 16-bit words (or of 32-bit partial sums) to 16 bits, not
 * complemented (a partial sum still).  Two 32-bit folds take any 64-bit
 * value below 2^32, two 16-bit folds then below 2^16: a fixed sequence,
 * no loop. */
static __always_inline __u32 csum_fold16(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u32)sum;
}

/* The checksum field's value for a sum: folded and complemented. */
static __always_inline __u16 csum_fold(__u64 sum)
{
	return (__u16)~csum_fold16(sum);
}

/* Checksum field value for a 20-byte IPv4 header (its check field must be
 * zero).  The reply header never has options; clang unrolls the fixed
 * ten-step loop. */
static __always_inline __u16 csum_ipv4_hdr20(const void *hdr)
{
	const __u16 *w = hdr;
	__u64 sum = 0;

	for (int i = 0; i < 10; i++)
		sum += w[i];
	return csum_fold(sum);
}

/* 1 when a received 20-byte IPv4 header (no options) has a valid checksum:
 * the sum over a correct header, check field included, folds to 0xffff. */
static __always_inline int csum_ipv4_hdr20_valid(const struct iphdr *iph)
{
	return csum_ipv4_hdr20(iph) == 0;
}

#ifdef __bpf__
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* bpf_csum_diff() sums at most 512 bytes per call, in multiples of 4. */
#define CSUM_CHUNK   256
/* Longest UDP datagram summed: a 576-byte IPv4 datagram (RFC 2131 section
 * 2) less its 20-byte header. */
#define CSUM_UDP_MAX 556

/* The RFC 768 pseudo header, in wire order. */
struct csum_pseudo_udp4 {
	__be32 saddr;
	__be32 daddr;
	__u8 zero;
	__u8 proto;
	__be16 len;
};

/*
 * Full UDP checksum of a datagram in map memory (udp points at the UDP
 * header, check field zero), in two bpf_csum_diff() calls: CSUM_CHUNK
 * bytes, then the rest.  udp_len must be a multiple of 4 in [CSUM_CHUNK,
 * CSUM_UDP_MAX]: the reply builder pads the DHCP message to a multiple of 4
 * and at least 300 bytes and refuses datagrams above 576 bytes, so that
 * always holds.  Returns the value for the check field (0 is sent as
 * 0xffff, RFC 768), or 0 on error.
 */
static __always_inline __u16 csum_udp4(const __u8 *udp, __u32 udp_len, __be32 saddr, __be32 daddr)
{
	struct csum_pseudo_udp4 ph = {
		.saddr = saddr,
		.daddr = daddr,
		.zero = 0,
		.proto = IPPROTO_UDP,
		.len = bpf_htons(udp_len),
	};
	__u32 rest = udp_len - CSUM_CHUNK;
	__s64 s1, s2, s3;
	__u16 check;

	/* Bounds for the verifier: the second chunk stays inside the
	 * buffer (ARG_CONST_SIZE_OR_ZERO needs a known maximum). */
	if (udp_len < CSUM_CHUNK || rest > CSUM_UDP_MAX - CSUM_CHUNK || (rest & 3))
		return 0;
	s1 = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	s2 = bpf_csum_diff(0, 0, (__be32 *)udp, CSUM_CHUNK, 0);
	s3 = bpf_csum_diff(0, 0, (__be32 *)(udp + CSUM_CHUNK), rest, 0);
	if (s1 < 0 || s2 < 0 || s3 < 0)
		return 0;
	check = csum_fold((__u64)(__u32)s1 + (__u32)s2 + (__u32)s3);
	return check ? check : 0xffff;
}
#endif /* __bpf__ */

#endif /* XDHCP_BPF_CSUM_H */
