/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the DHCP message library (user/dhcp_msg.c): frames built and
 * parsed back with and without 802.1Q, checksums checked independently,
 * messages built with the builder and decoded field by field, RFC 3396
 * concatenation and splitting, option overload, and a table of malformed
 * frames and messages, each with the exact errno it must produce.  Packets
 * come from the helpers below, never from hex dumps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ETH_LEN		    14
#define VLAN_TAG_LEN	    4
#define IP_LEN		    20
#define UDP_LEN		    8
#define FRAME_HDR_LEN	    (ETH_LEN + IP_LEN + UDP_LEN)
#define FRAME_CAP	    1600
#define MSG_CAP		    1024
#define OPT_RAPID_COMMIT    80 /* RFC 4039: a zero-length option */
#define OPT_VENDOR_SPECIFIC 43

static const uint8_t client_mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t server_mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe};

/* ------------------------------------------------------------------ */
/* Helpers: addresses, headers, messages, frames. */

/* An IPv4 address in network order from its dotted parts. */
static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t bytes[4] = {a, b, c, d};
	uint32_t ip;

	memcpy(&ip, bytes, 4);
	return ip;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A client request header: ethernet, broadcast flag, relayed by 198.18.0.1. */
static void make_request_hdr(struct dhcp_hdr *h, uint32_t xid)
{
	memset(h, 0, sizeof(*h));
	h->op = BOOTREQUEST;
	h->htype = DHCP_HTYPE_ETHER;
	h->hlen = DHCP_HLEN_ETHER;
	h->hops = 1;
	h->xid = htonl(xid);
	h->secs = htons(3);
	h->flags = htons(DHCP_FLAG_BROADCAST);
	h->giaddr = ip4(198, 18, 0, 1);
	memcpy(h->chaddr, client_mac, sizeof(client_mac));
}

static const uint8_t discover_client_id[7] = {DHCP_HTYPE_ETHER, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t discover_prl[6] = {DHCP_OPT_SUBNET_MASK,	DHCP_OPT_ROUTER,
					DHCP_OPT_DNS_SERVER,	DHCP_OPT_DOMAIN_NAME,
					DHCP_OPT_DOMAIN_SEARCH, DHCP_OPT_CLASSLESS_ROUTE};
static const char discover_hostname[] = "host-a";

/* A DISCOVER with the usual options, padded to the BOOTP minimum. */
static int build_discover(uint8_t *buf, size_t cap, struct dhcp_hdr *ret_hdr)
{
	struct dhcp_builder b;

	make_request_hdr(ret_hdr, 0x12345678);
	dhcp_build_init(&b, buf, cap, ret_hdr);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPDISCOVER);
	dhcp_build_opt(&b, DHCP_OPT_CLIENT_ID, discover_client_id, sizeof(discover_client_id));
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, discover_hostname, strlen(discover_hostname));
	dhcp_build_opt(&b, DHCP_OPT_PARAM_REQUEST, discover_prl, sizeof(discover_prl));
	dhcp_build_opt_u16(&b, DHCP_OPT_MAX_MSG_SIZE, 1500);
	dhcp_build_opt_ip(&b, DHCP_OPT_REQUESTED_IP, ip4(198, 18, 0, 100));
	dhcp_build_opt_u32(&b, DHCP_OPT_LEASE_TIME, 3600);
	dhcp_build_opt(&b, OPT_RAPID_COMMIT, NULL, 0);
	return dhcp_build_finish(&b, DHCP_MIN_MSG_LEN);
}

/* A REQUEST for 198.18.0.100 from server 198.18.0.1. */
static int build_request(uint8_t *buf, size_t cap)
{
	struct dhcp_builder b;
	struct dhcp_hdr h;

	make_request_hdr(&h, 0xcafe0001);
	dhcp_build_init(&b, buf, cap, &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPREQUEST);
	dhcp_build_opt_ip(&b, DHCP_OPT_REQUESTED_IP, ip4(198, 18, 0, 100));
	dhcp_build_opt_ip(&b, DHCP_OPT_SERVER_ID, ip4(198, 18, 0, 1));
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, discover_hostname, strlen(discover_hostname));
	return dhcp_build_finish(&b, DHCP_MIN_MSG_LEN);
}

/*
 * Header, cookie and the given option bytes verbatim, without END or
 * padding: the message ends where the bytes end.  file and sname (may be
 * NULL) are copied to the start of those fields.
 */
static size_t build_raw_msg(uint8_t *buf, size_t cap, const uint8_t *opts, size_t opts_len,
			    const uint8_t *file, size_t file_len, const uint8_t *sname,
			    size_t sname_len)
{
	struct dhcp_builder b;
	struct dhcp_hdr h;

	make_request_hdr(&h, 0x0badf00d);
	if (file)
		memcpy(h.file, file, file_len);
	if (sname)
		memcpy(h.sname, sname, sname_len);
	dhcp_build_init(&b, buf, cap, &h);
	dhcp_build_raw(&b, opts, opts_len);
	assert_int_equal(b.err, 0);
	return b.len;
}

/* The frame a server sends to a client: 198.18.0.1:67 -> 198.18.0.100:68. */
static void make_frame_desc(struct dhcp_frame *f, bool vlan)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->dst_mac, client_mac, 6);
	memcpy(f->src_mac, server_mac, 6);
	f->has_vlan = vlan;
	f->vlan_tci = vlan ? (3 << 13 | 100) : 0; /* PCP 3, VID 100 */
	f->src_ip = ip4(198, 18, 0, 1);
	f->dst_ip = ip4(198, 18, 0, 100);
	f->src_port = DHCP_SERVER_PORT;
	f->dst_port = DHCP_CLIENT_PORT;
}

/* A valid frame around a DISCOVER; returns its length. */
static size_t build_test_frame(uint8_t *frame, size_t cap, bool vlan)
{
	uint8_t msg[MSG_CAP];
	struct dhcp_frame f;
	struct dhcp_hdr h;
	int msg_len, len;

	msg_len = build_discover(msg, sizeof(msg), &h);
	assert_true(msg_len > 0);
	make_frame_desc(&f, vlan);
	len = dhcp_frame_build(frame, cap, &f, msg, (size_t)msg_len);
	assert_true(len > 0);
	return (size_t)len;
}

/* Recompute the IPv4 header checksum after a test edited the header. */
static void ip_fix_csum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t csum;

	put16(ip + 10, 0);
	csum = inet_csum(ip, hlen);
	memcpy(ip + 10, &csum, 2);
}

/*
 * Reference checksum for cross-checking, written differently from the
 * library: sum host-order 16-bit values folded at every step, complement,
 * and return the big-endian value in host order.
 */
static uint16_t ref_csum_host(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		sum += (i % 2) ? p[i] : (uint32_t)p[i] << 8;
		if (sum > 0xffff)
			sum = (sum & 0xffff) + 1;
	}
	return (uint16_t)~sum;
}

/* The library's network-order result as a host-order value. */
static uint16_t csum_host(uint16_t net)
{
	uint8_t b[2];

	memcpy(b, &net, 2);
	return get16(b);
}

/* ------------------------------------------------------------------ */
/* Checksums. */

static void test_csum_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: these bytes sum to dd f2, so the checksum
	 * (its complement) is 22 0d. */
	static const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t csum = inet_csum(data, sizeof(data));
	uint8_t b[2];

	(void)state;
	memcpy(b, &csum, 2);
	assert_int_equal(b[0], 0x22);
	assert_int_equal(b[1], 0x0d);
}

static void test_csum_ipv4_example(void **state)
{
	/* The usual worked example of an IPv4 header checksum (e.g. the
	 * Wikipedia article "Internet checksum"), with its addresses as
	 * bytes (a checksum vector, never sent): UDP, total length 0x73, DF;
	 * checksum b8 61. */
	static const uint8_t hdr[IP_LEN] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
					    0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
					    0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint8_t copy[IP_LEN];
	uint16_t csum;

	(void)state;
	csum = inet_csum(hdr, sizeof(hdr));
	assert_int_equal(csum_host(csum), 0xb861);
	/* With the checksum in place the header sums to zero. */
	memcpy(copy, hdr, sizeof(copy));
	memcpy(copy + 10, &csum, 2);
	assert_int_equal(inet_csum(copy, sizeof(copy)), 0);
}

static void test_csum_odd_length(void **state)
{
	static const uint8_t data[] = {0x12, 0x34, 0x56};

	(void)state;
	/* RFC 1071 4.1: the odd byte is the high half of a zero-padded word:
	 * 0x1234 + 0x5600 = 0x6834, complement 0x97cb. */
	assert_int_equal(csum_host(inet_csum(data, sizeof(data))), 0x97cb);
	assert_int_equal(csum_host(inet_csum(data, sizeof(data))),
			 ref_csum_host(data, sizeof(data)));
	/* Empty input sums to 0, complement ffff. */
	assert_int_equal(csum_host(inet_csum(data, 0)), 0xffff);
}

static void test_csum_frame_independent(void **state)
{
	uint8_t frame[FRAME_CAP], copy[FRAME_CAP];
	size_t len, udp_len;
	uint8_t *ip, *udp, pseudo[12 + FRAME_CAP];
	struct dhcp_frame f;
	int vlan;

	(void)state;
	for (vlan = 0; vlan <= 1; vlan++) {
		len = build_test_frame(frame, sizeof(frame), vlan);
		ip = frame + ETH_LEN + (vlan ? VLAN_TAG_LEN : 0);
		udp = ip + IP_LEN;
		udp_len = get16(udp + 4);
		make_frame_desc(&f, vlan);

		/* Summing the header or the segment with their checksums gives 0. */
		assert_int_equal(inet_csum(ip, IP_LEN), 0);
		assert_int_equal(udp4_csum(f.src_ip, f.dst_ip, udp, udp_len), 0);

		/* The stored values match the reference over zeroed fields. */
		memcpy(copy, frame, len);
		put16(copy + (ip - frame) + 10, 0);
		assert_int_equal(get16(ip + 10), ref_csum_host(copy + (ip - frame), IP_LEN));

		memcpy(pseudo, &f.src_ip, 4);
		memcpy(pseudo + 4, &f.dst_ip, 4);
		pseudo[8] = 0;
		pseudo[9] = 17;
		put16(pseudo + 10, (uint16_t)udp_len);
		memcpy(pseudo + 12, udp, udp_len);
		put16(pseudo + 12 + 6, 0);
		assert_int_equal(get16(udp + 6), ref_csum_host(pseudo, 12 + udp_len));
	}
}

/* RFC 768: a computed UDP checksum of zero goes out as ffff. */
static void test_udp_csum_zero_sent_as_ffff(void **state)
{
	uint8_t payload[8] = {'z', 'e', 'r', 'o', 's', 'u', 0, 0};
	uint8_t frame[FRAME_CAP];
	struct dhcp_frame f;
	uint8_t *udp = frame + ETH_LEN + IP_LEN;
	uint16_t first;
	int len;

	(void)state;
	make_frame_desc(&f, false);
	len = dhcp_frame_build(frame, sizeof(frame), &f, payload, sizeof(payload));
	assert_int_equal(len, FRAME_HDR_LEN + sizeof(payload));
	/* Adding the complement of the sum to the last (zero) word makes
	 * the sum ffff, so the computed checksum becomes 0. */
	first = get16(udp + 6);
	put16(payload + 6, first);
	len = dhcp_frame_build(frame, sizeof(frame), &f, payload, sizeof(payload));
	assert_int_equal(len, FRAME_HDR_LEN + sizeof(payload));
	assert_int_equal(get16(udp + 6), 0xffff);
	/* ffff is the other zero: the segment still verifies. */
	assert_int_equal(udp4_csum(f.src_ip, f.dst_ip, udp, UDP_LEN + sizeof(payload)), 0);
}

/* ------------------------------------------------------------------ */
/* Frames. */

static void check_frame_round_trip(bool vlan)
{
	uint8_t msg[MSG_CAP], frame[FRAME_CAP];
	size_t l2 = ETH_LEN + (vlan ? VLAN_TAG_LEN : 0);
	struct dhcp_frame f, got;
	struct dhcp_hdr h;
	int msg_len, len;

	msg_len = build_discover(msg, sizeof(msg), &h);
	assert_int_equal(msg_len, DHCP_MIN_MSG_LEN);
	make_frame_desc(&f, vlan);
	len = dhcp_frame_build(frame, sizeof(frame), &f, msg, (size_t)msg_len);
	assert_int_equal(len, l2 + IP_LEN + UDP_LEN + (size_t)msg_len);

	/* Fixed header fields the builder promises. */
	assert_int_equal(get16(frame + 12), vlan ? 0x8100 : 0x0800);
	if (vlan)
		assert_int_equal(get16(frame + 16), 0x0800);
	assert_int_equal(frame[l2], 0x45);
	assert_int_equal(frame[l2 + 1], 0);
	assert_int_equal(get16(frame + l2 + 2), IP_LEN + UDP_LEN + msg_len);
	assert_int_equal(get16(frame + l2 + 4), 0);
	assert_int_equal(get16(frame + l2 + 6), 0);
	assert_int_equal(frame[l2 + 8], 64);
	assert_int_equal(frame[l2 + 9], 17);
	assert_int_equal(get16(frame + l2 + IP_LEN + 4), UDP_LEN + msg_len);

	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(dhcp_frame_parse(frame, (size_t)len, &got), 0);
	assert_memory_equal(got.dst_mac, client_mac, 6);
	assert_memory_equal(got.src_mac, server_mac, 6);
	assert_int_equal(got.has_vlan, vlan);
	if (vlan)
		assert_int_equal(got.vlan_tci, f.vlan_tci);
	assert_int_equal(got.src_ip, f.src_ip);
	assert_int_equal(got.dst_ip, f.dst_ip);
	assert_int_equal(got.src_port, DHCP_SERVER_PORT);
	assert_int_equal(got.dst_port, DHCP_CLIENT_PORT);
	assert_int_equal(got.ttl, 64);
	assert_ptr_equal(got.payload, frame + l2 + IP_LEN + UDP_LEN);
	assert_int_equal(got.payload_len, msg_len);
	assert_memory_equal(got.payload, msg, (size_t)msg_len);
}

static void test_frame_round_trip(void **state)
{
	(void)state;
	check_frame_round_trip(false);
}

static void test_frame_round_trip_vlan(void **state)
{
	(void)state;
	check_frame_round_trip(true);
}

static void test_frame_ttl(void **state)
{
	uint8_t frame[FRAME_CAP], payload[4] = {0};
	struct dhcp_frame f, got;

	(void)state;
	make_frame_desc(&f, false);
	f.ttl = 128;
	assert_true(dhcp_frame_build(frame, sizeof(frame), &f, payload, sizeof(payload)) > 0);
	assert_int_equal(dhcp_frame_parse(frame, FRAME_HDR_LEN + sizeof(payload), &got), 0);
	assert_int_equal(got.ttl, 128);
}

static void test_frame_build_enospc(void **state)
{
	uint8_t frame[FRAME_CAP], payload[300] = {0};
	struct dhcp_frame f;
	uint8_t *big, *big_payload;
	size_t big_len = 0x10000 + 64;

	(void)state;
	make_frame_desc(&f, false);
	assert_int_equal(dhcp_frame_build(frame, FRAME_HDR_LEN + 299, &f, payload, 300), -ENOSPC);
	assert_int_equal(dhcp_frame_build(frame, FRAME_HDR_LEN + 300, &f, payload, 300),
			 FRAME_HDR_LEN + 300);
	f.has_vlan = true;
	assert_int_equal(dhcp_frame_build(frame, FRAME_HDR_LEN + 300, &f, payload, 300), -ENOSPC);

	/* The IPv4 total length is 16 bits: 65507 bytes of payload fit,
	 * 65508 do not, whatever the buffer size. */
	big = calloc(1, big_len);
	big_payload = calloc(1, 65508);
	assert_non_null(big);
	assert_non_null(big_payload);
	f.has_vlan = false;
	assert_int_equal(dhcp_frame_build(big, big_len, &f, big_payload, 65507),
			 FRAME_HDR_LEN + 65507);
	assert_int_equal(dhcp_frame_build(big, big_len, &f, big_payload, 65508), -ENOSPC);
	free(big_payload);
	free(big);
}

/* The payload may already sit where it belongs in the output buffer. */
static void test_frame_build_in_place(void **state)
{
	uint8_t frame[FRAME_CAP], msg[MSG_CAP];
	struct dhcp_frame f, got;
	struct dhcp_hdr h;
	int msg_len, len;

	(void)state;
	msg_len = build_discover(msg, sizeof(msg), &h);
	assert_true(msg_len > 0);
	memcpy(frame + FRAME_HDR_LEN, msg, (size_t)msg_len);
	make_frame_desc(&f, false);
	len = dhcp_frame_build(frame, sizeof(frame), &f, frame + FRAME_HDR_LEN, (size_t)msg_len);
	assert_int_equal(len, FRAME_HDR_LEN + msg_len);
	assert_int_equal(dhcp_frame_parse(frame, (size_t)len, &got), 0);
	assert_memory_equal(got.payload, msg, (size_t)msg_len);
}

/* IP options (IHL 6) are skipped, not rejected. */
static void test_frame_ip_options(void **state)
{
	uint8_t frame[FRAME_CAP], with_opts[FRAME_CAP];
	size_t len, ip_off = ETH_LEN;
	struct dhcp_frame got;

	(void)state;
	len = build_test_frame(frame, sizeof(frame), false);
	/* Copy eth + IP header, insert 4 bytes of NOP options (type 1), then
	 * the UDP segment; fix IHL, total length and the checksum. */
	memcpy(with_opts, frame, ip_off + IP_LEN);
	memset(with_opts + ip_off + IP_LEN, 1, 4);
	memcpy(with_opts + ip_off + IP_LEN + 4, frame + ip_off + IP_LEN, len - ip_off - IP_LEN);
	with_opts[ip_off] = 0x46;
	put16(with_opts + ip_off + 2, (uint16_t)(get16(frame + ip_off + 2) + 4));
	ip_fix_csum(with_opts + ip_off);

	assert_int_equal(dhcp_frame_parse(with_opts, len + 4, &got), 0);
	assert_ptr_equal(got.payload, with_opts + FRAME_HDR_LEN + 4);
	assert_int_equal(got.payload_len, len - FRAME_HDR_LEN);
	assert_memory_equal(got.payload, frame + FRAME_HDR_LEN, got.payload_len);
}

/* Every prefix of a valid frame is malformed; nothing reads past it. */
static void test_frame_truncated_everywhere(void **state)
{
	uint8_t frame[FRAME_CAP];
	struct dhcp_frame got;
	size_t len, cut;
	uint8_t *copy;
	int vlan;

	(void)state;
	for (vlan = 0; vlan <= 1; vlan++) {
		len = build_test_frame(frame, sizeof(frame), vlan);
		for (cut = 0; cut < len; cut++) {
			/* An exact-size heap copy, so ASan sees any over-read. */
			copy = malloc(cut ? cut : 1);
			assert_non_null(copy);
			memcpy(copy, frame, cut);
			if (dhcp_frame_parse(copy, cut, &got) != -EBADMSG)
				fail_msg("vlan %d, cut at %zu: want -EBADMSG", vlan, cut);
			free(copy);
		}
	}
}

/* Frame mutators: each breaks one thing in a valid untagged frame. */
#define IPH(fr)	 ((fr) + ETH_LEN)
#define UDPH(fr) ((fr) + ETH_LEN + IP_LEN)

static void mut_eth_short(uint8_t *fr, size_t *len)
{
	(void)fr;
	*len = ETH_LEN - 1;
}

static void mut_vlan_tag_short(uint8_t *fr, size_t *len)
{
	put16(fr + 12, 0x8100);
	*len = ETH_LEN + VLAN_TAG_LEN - 1;
}

static void mut_arp(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(fr + 12, 0x0806);
}

static void mut_ipv6_ethertype(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(fr + 12, 0x86dd);
}

/* Two 802.1Q tags (QinQ): only one is supported. */
static void mut_double_tag(uint8_t *fr, size_t *len)
{
	memmove(fr + 12 + 2 * VLAN_TAG_LEN, fr + 12, *len - 12);
	put16(fr + 12, 0x8100);
	put16(fr + 14, 100);
	put16(fr + 16, 0x8100);
	put16(fr + 18, 200);
	*len += 2 * VLAN_TAG_LEN;
}

static void mut_ip_short(uint8_t *fr, size_t *len)
{
	(void)fr;
	*len = ETH_LEN + IP_LEN - 1;
}

static void mut_ip_version6(uint8_t *fr, size_t *len)
{
	(void)len;
	IPH(fr)[0] = 0x65;
	ip_fix_csum(IPH(fr));
}

static void mut_ihl4(uint8_t *fr, size_t *len)
{
	(void)len;
	IPH(fr)[0] = 0x44;
}

static void mut_ihl_past_frame(uint8_t *fr, size_t *len)
{
	IPH(fr)[0] = 0x4f; /* 60 bytes of header, 40 in the frame */
	*len = ETH_LEN + 40;
}

static void mut_tot_len_below_ihl(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(IPH(fr) + 2, IP_LEN - 1);
	ip_fix_csum(IPH(fr));
}

static void mut_tot_len_past_frame(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(IPH(fr) + 2, (uint16_t)(get16(IPH(fr) + 2) + 1));
	ip_fix_csum(IPH(fr));
}

static void mut_more_fragments(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(IPH(fr) + 6, 0x2000);
	ip_fix_csum(IPH(fr));
}

static void mut_frag_offset(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(IPH(fr) + 6, 0x0001);
	ip_fix_csum(IPH(fr));
}

static void mut_dont_fragment(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(IPH(fr) + 6, 0x4000);
	ip_fix_csum(IPH(fr));
}

static void mut_ip_csum(uint8_t *fr, size_t *len)
{
	(void)len;
	IPH(fr)[11] ^= 0x01;
}

static void mut_proto_tcp(uint8_t *fr, size_t *len)
{
	(void)len;
	IPH(fr)[9] = 6;
	ip_fix_csum(IPH(fr));
}

static void mut_proto_icmp(uint8_t *fr, size_t *len)
{
	(void)len;
	IPH(fr)[9] = 1;
	ip_fix_csum(IPH(fr));
}

static void mut_ip_payload_below_udp(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(IPH(fr) + 2, IP_LEN + UDP_LEN - 1);
	ip_fix_csum(IPH(fr));
}

static void mut_udp_len_below_8(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(UDPH(fr) + 4, UDP_LEN - 1);
}

static void mut_udp_len_past_ip(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(UDPH(fr) + 4, (uint16_t)(get16(UDPH(fr) + 4) + 1));
}

static void mut_udp_csum(uint8_t *fr, size_t *len)
{
	(void)len;
	UDPH(fr)[7] ^= 0xff;
}

static void mut_udp_len_short(uint8_t *fr, size_t *len)
{
	(void)len;
	put16(UDPH(fr) + 4, UDP_LEN + 10);
}

static void mut_eth_padding(uint8_t *fr, size_t *len)
{
	memset(fr + *len, 0, 16);
	*len += 16;
}

struct frame_case {
	const char *name;
	void (*mutate)(uint8_t *frame, size_t *len);
	int want;
	size_t want_payload_len; /* when want == 0; 0: the original length */
};

static const struct frame_case frame_cases[] = {
	{"ethernet header cut short", mut_eth_short, -EBADMSG, 0},
	{"802.1Q tag cut short", mut_vlan_tag_short, -EBADMSG, 0},
	{"ARP", mut_arp, -EPROTONOSUPPORT, 0},
	{"IPv6 ethertype", mut_ipv6_ethertype, -EPROTONOSUPPORT, 0},
	{"two 802.1Q tags", mut_double_tag, -EPROTONOSUPPORT, 0},
	{"IPv4 header cut short", mut_ip_short, -EBADMSG, 0},
	{"IP version 6 under the IPv4 ethertype", mut_ip_version6, -EBADMSG, 0},
	{"IHL 4", mut_ihl4, -EBADMSG, 0},
	{"IHL past the frame", mut_ihl_past_frame, -EBADMSG, 0},
	{"total length below IHL", mut_tot_len_below_ihl, -EBADMSG, 0},
	{"total length past the frame", mut_tot_len_past_frame, -EBADMSG, 0},
	{"more fragments", mut_more_fragments, -EBADMSG, 0},
	{"fragment offset", mut_frag_offset, -EBADMSG, 0},
	{"DF set is fine", mut_dont_fragment, 0, 0},
	{"bad IPv4 checksum", mut_ip_csum, -EBADMSG, 0},
	{"TCP", mut_proto_tcp, -EPROTONOSUPPORT, 0},
	{"ICMP", mut_proto_icmp, -EPROTONOSUPPORT, 0},
	{"IP payload shorter than UDP header", mut_ip_payload_below_udp, -EBADMSG, 0},
	{"UDP length below 8", mut_udp_len_below_8, -EBADMSG, 0},
	{"UDP length past the IP payload", mut_udp_len_past_ip, -EBADMSG, 0},
	{"bad UDP checksum is not checked", mut_udp_csum, 0, 0},
	{"UDP length shorter than the IP payload", mut_udp_len_short, 0, 10},
	{"trailing Ethernet padding", mut_eth_padding, 0, 0},
};

static void test_frame_malformed_table(void **state)
{
	uint8_t orig[FRAME_CAP], frame[FRAME_CAP];
	const struct frame_case *c;
	struct dhcp_frame got;
	size_t orig_len, len, want_len;
	size_t i;
	int ret;

	(void)state;
	orig_len = build_test_frame(orig, sizeof(orig), false);
	for (i = 0; i < ARRAY_SIZE(frame_cases); i++) {
		c = &frame_cases[i];
		memset(frame, 0, sizeof(frame));
		memcpy(frame, orig, orig_len);
		len = orig_len;
		c->mutate(frame, &len);
		ret = dhcp_frame_parse(frame, len, &got);
		if (ret != c->want)
			fail_msg("%s: got %d, want %d", c->name, ret, c->want);
		if (ret != 0)
			continue;
		want_len = c->want_payload_len ? c->want_payload_len : orig_len - FRAME_HDR_LEN;
		if (got.payload_len != want_len)
			fail_msg("%s: payload %zu bytes, want %zu", c->name, got.payload_len,
				 want_len);
	}
}

/* dhcp_frame_parse() writes its result only on success. */
static void test_frame_parse_no_write_on_error(void **state)
{
	uint8_t frame[FRAME_CAP];
	struct dhcp_frame got, before;
	size_t len;

	(void)state;
	len = build_test_frame(frame, sizeof(frame), false);
	mut_ip_csum(frame, &len);
	memset(&got, 0x5a, sizeof(got));
	before = got;
	assert_int_equal(dhcp_frame_parse(frame, len, &got), -EBADMSG);
	assert_memory_equal(&got, &before, sizeof(got));
}

/* ------------------------------------------------------------------ */
/* Messages: round trips. */

static void check_opt(const struct dhcp_msg *m, uint8_t code, const void *want, size_t want_len)
{
	const uint8_t *p;
	size_t len = 0xdead;

	p = dhcp_msg_opt(m, code, &len);
	if (!p)
		fail_msg("option %u absent", code);
	if (len != want_len)
		fail_msg("option %u: %zu bytes, want %zu", code, len, want_len);
	assert_memory_equal(p, want, want_len);
}

static void test_msg_discover_round_trip(void **state)
{
	static const uint8_t lease_3600[4] = {0x00, 0x00, 0x0e, 0x10};
	static const uint8_t mss_1500[2] = {0x05, 0xdc};
	uint8_t buf[MSG_CAP];
	struct dhcp_msg *m;
	struct dhcp_hdr h;
	uint32_t ip;
	uint16_t u16;
	size_t len, data_len;
	int msg_len, i;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	msg_len = build_discover(buf, sizeof(buf), &h);

	/* 240 + 46 bytes of options + END, padded to 300 with zeros. */
	assert_int_equal(msg_len, DHCP_MIN_MSG_LEN);
	assert_memory_equal(buf, &h, sizeof(h));
	assert_int_equal(buf[236], 0x63);
	assert_int_equal(buf[237], 0x82);
	assert_int_equal(buf[238], 0x53);
	assert_int_equal(buf[239], 0x63);
	assert_int_equal(buf[286], DHCP_OPT_END);
	for (i = 287; i < msg_len; i++)
		assert_int_equal(buf[i], 0);

	assert_int_equal(dhcp_msg_parse(m, buf, (size_t)msg_len), 0);
	assert_memory_equal(&m->hdr, &h, sizeof(h));
	assert_int_equal(m->hdr.op, BOOTREQUEST);
	assert_int_equal(ntohl(m->hdr.xid), 0x12345678);
	assert_int_equal(ntohs(m->hdr.secs), 3);
	assert_int_equal(ntohs(m->hdr.flags), DHCP_FLAG_BROADCAST);
	assert_int_equal(m->hdr.giaddr, ip4(198, 18, 0, 1));
	assert_memory_equal(m->hdr.chaddr, client_mac, 6);
	assert_true(m->has_cookie);
	assert_int_equal(m->type, DHCPDISCOVER);
	assert_string_equal(dhcp_msg_type_name(m->type), "DISCOVER");

	check_opt(m, DHCP_OPT_MESSAGE_TYPE, (uint8_t[]){DHCPDISCOVER}, 1);
	check_opt(m, DHCP_OPT_CLIENT_ID, discover_client_id, sizeof(discover_client_id));
	check_opt(m, DHCP_OPT_HOSTNAME, discover_hostname, strlen(discover_hostname));
	check_opt(m, DHCP_OPT_PARAM_REQUEST, discover_prl, sizeof(discover_prl));
	check_opt(m, DHCP_OPT_MAX_MSG_SIZE, mss_1500, 2);
	check_opt(m, DHCP_OPT_LEASE_TIME, lease_3600, 4);
	check_opt(m, OPT_RAPID_COMMIT, "", 0);

	assert_true(dhcp_msg_opt_u16(m, DHCP_OPT_MAX_MSG_SIZE, &u16));
	assert_int_equal(u16, 1500);
	assert_true(dhcp_msg_opt_ip(m, DHCP_OPT_REQUESTED_IP, &ip));
	assert_int_equal(ip, ip4(198, 18, 0, 100));

	/* Absent options, and options of the wrong size for the accessor. */
	assert_null(dhcp_msg_opt(m, DHCP_OPT_SERVER_ID, &len));
	assert_false(dhcp_msg_opt_ip(m, DHCP_OPT_SERVER_ID, &ip));
	assert_false(dhcp_msg_opt_ip(m, DHCP_OPT_HOSTNAME, &ip));
	assert_false(dhcp_msg_opt_u16(m, DHCP_OPT_MESSAGE_TYPE, &u16));
	assert_false(dhcp_msg_opt_u16(m, DHCP_OPT_LEASE_TIME, &u16));
	assert_false(m->opts[DHCP_OPT_PAD].present);
	assert_false(m->opts[DHCP_OPT_END].present);
	assert_null(dhcp_msg_opt(m, DHCP_OPT_PAD, NULL));
	assert_null(dhcp_msg_opt(m, DHCP_OPT_END, NULL));

	data_len = 1 + sizeof(discover_client_id) + strlen(discover_hostname) +
		   sizeof(discover_prl) + 2 + 4 + 4 + 0;
	assert_int_equal(m->opt_data_len, data_len);
	free(m);
}

/* REQUEST in a tagged frame: frame parse, then message parse. */
static void test_msg_request_in_frame(void **state)
{
	uint8_t msg[MSG_CAP], frame[FRAME_CAP];
	struct dhcp_frame f, got;
	struct dhcp_msg *m;
	uint32_t ip;
	int msg_len, len;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	msg_len = build_request(msg, sizeof(msg));
	assert_int_equal(msg_len, DHCP_MIN_MSG_LEN);
	make_frame_desc(&f, true);
	len = dhcp_frame_build(frame, sizeof(frame), &f, msg, (size_t)msg_len);
	assert_int_equal(len, ETH_LEN + VLAN_TAG_LEN + IP_LEN + UDP_LEN + msg_len);

	assert_int_equal(dhcp_frame_parse(frame, (size_t)len, &got), 0);
	assert_int_equal(dhcp_msg_parse(m, got.payload, got.payload_len), 0);
	assert_int_equal(m->type, DHCPREQUEST);
	assert_int_equal(ntohl(m->hdr.xid), 0xcafe0001);
	assert_true(dhcp_msg_opt_ip(m, DHCP_OPT_SERVER_ID, &ip));
	assert_int_equal(ip, ip4(198, 18, 0, 1));
	assert_true(dhcp_msg_opt_ip(m, DHCP_OPT_REQUESTED_IP, &ip));
	assert_int_equal(ip, ip4(198, 18, 0, 100));
	check_opt(m, DHCP_OPT_HOSTNAME, discover_hostname, strlen(discover_hostname));
	free(m);
}

static void test_msg_bootp(void **state)
{
	uint8_t buf[DHCP_MIN_MSG_LEN] = {0};
	struct dhcp_msg *m;
	struct dhcp_hdr h;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	make_request_hdr(&h, 42);
	memcpy(buf, &h, sizeof(h));

	/* A 300-byte BOOTP request: no cookie, vendor area not parsed. */
	buf[240] = DHCP_OPT_MESSAGE_TYPE;
	assert_int_equal(dhcp_msg_parse(m, buf, sizeof(buf)), 0);
	assert_false(m->has_cookie);
	assert_int_equal(m->type, 0);
	assert_int_equal(m->opt_data_len, 0);
	assert_memory_equal(&m->hdr, &h, sizeof(h));
	assert_string_equal(dhcp_msg_type_name(m->type), "BOOTP");

	/* The fixed header alone is BOOTP; one byte less is malformed. */
	assert_int_equal(dhcp_msg_parse(m, buf, sizeof(struct dhcp_hdr)), 0);
	assert_false(m->has_cookie);
	assert_int_equal(dhcp_msg_parse(m, buf, sizeof(struct dhcp_hdr) - 1), -EBADMSG);

	/* A cookie cut short is no cookie. */
	buf[236] = 0x63;
	buf[237] = 0x82;
	buf[238] = 0x53;
	buf[239] = 0x63;
	assert_int_equal(dhcp_msg_parse(m, buf, 239), 0);
	assert_false(m->has_cookie);
	free(m);
}

static void test_msg_type_names(void **state)
{
	static const struct {
		uint8_t type;
		const char *name;
	} names[] = {
		{0, "BOOTP"},
		{DHCPDISCOVER, "DISCOVER"},
		{DHCPOFFER, "OFFER"},
		{DHCPREQUEST, "REQUEST"},
		{DHCPDECLINE, "DECLINE"},
		{DHCPACK, "ACK"},
		{DHCPNAK, "NAK"},
		{DHCPRELEASE, "RELEASE"},
		{DHCPINFORM, "INFORM"},
		{9, "UNKNOWN"},
		{255, "UNKNOWN"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		assert_string_equal(dhcp_msg_type_name(names[i].type), names[i].name);
}

/* RFC 3396: repeated codes are concatenated in order. */
static void test_msg_rfc3396_concat(void **state)
{
	static const uint8_t opts[] = {
		DHCP_OPT_HOSTNAME,
		2,
		'a',
		'b',
		DHCP_OPT_DOMAIN_NAME,
		1,
		'x',
		DHCP_OPT_MESSAGE_TYPE,
		1,
		DHCPINFORM,
		DHCP_OPT_HOSTNAME,
		2,
		'c',
		'd',
		DHCP_OPT_DOMAIN_NAME,
		1,
		'y',
		DHCP_OPT_HOSTNAME,
		0,
		DHCP_OPT_HOSTNAME,
		1,
		'e',
		DHCP_OPT_END,
	};
	uint8_t buf[MSG_CAP];
	struct dhcp_msg *m;
	size_t len;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	len = build_raw_msg(buf, sizeof(buf), opts, sizeof(opts), NULL, 0, NULL, 0);
	assert_int_equal(dhcp_msg_parse(m, buf, len), 0);
	check_opt(m, DHCP_OPT_HOSTNAME, "abcde", 5);
	check_opt(m, DHCP_OPT_DOMAIN_NAME, "xy", 2);
	assert_int_equal(m->type, DHCPINFORM);
	assert_int_equal(m->opt_data_len, 5 + 2 + 1);
	free(m);
}

/* Option data is capped at DHCP_OPT_DATA_MAX bytes in all. */
static void test_msg_opt_data_max(void **state)
{
	uint8_t buf[4096], data[DHCP_OPT_DATA_MAX + 1];
	struct dhcp_builder b;
	struct dhcp_msg *m;
	struct dhcp_hdr h;
	size_t i;
	int len;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	make_request_hdr(&h, 1);

	/* Exactly the maximum: split in 9 instances, joined again. */
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt(&b, OPT_VENDOR_SPECIFIC, data, DHCP_OPT_DATA_MAX);
	len = dhcp_build_finish(&b, 0);
	assert_true(len > 0);
	assert_int_equal(dhcp_msg_parse(m, buf, (size_t)len), 0);
	check_opt(m, OPT_VENDOR_SPECIFIC, data, DHCP_OPT_DATA_MAX);

	/* One byte more, in a second option, is refused. */
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt(&b, OPT_VENDOR_SPECIFIC, data, DHCP_OPT_DATA_MAX);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, "h", 1);
	len = dhcp_build_finish(&b, 0);
	assert_true(len > 0);
	assert_int_equal(dhcp_msg_parse(m, buf, (size_t)len), -EBADMSG);
	free(m);
}

/* RFC 2132 section 9.3: option 52 moves options into file and sname. */
static void test_msg_overload(void **state)
{
	static const uint8_t opts3[] = {
		DHCP_OPT_MESSAGE_TYPE, 1, DHCPREQUEST, DHCP_OPT_OVERLOAD, 1, 3,
		DHCP_OPT_HOSTNAME,     1, 'a',	       DHCP_OPT_END};
	static const uint8_t opts1[] = {
		DHCP_OPT_MESSAGE_TYPE, 1, DHCPREQUEST, DHCP_OPT_OVERLOAD, 1, 1, DHCP_OPT_END};
	static const uint8_t opts2[] = {DHCP_OPT_OVERLOAD, 1, 2, DHCP_OPT_END};
	static const uint8_t file_opts[] = {
		DHCP_OPT_HOSTNAME, 1, 'b', DHCP_OPT_DOMAIN_NAME, 3, 'l', 'a', 'n', DHCP_OPT_END};
	static const uint8_t sname_opts[] = {
		DHCP_OPT_HOSTNAME, 1, 'c', DHCP_OPT_TFTP_SERVER, 4, 't', 'f', 't', 'p',
		DHCP_OPT_END};
	static const char server_name[] = "srv.example";
	uint8_t buf[MSG_CAP];
	struct dhcp_msg *m;
	size_t len;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);

	/* 3: options field, then file, then sname (RFC 3396 section 5). */
	/* NOLINTNEXTLINE(readability-suspicious-call-argument): X_opts go to field X */
	len = build_raw_msg(buf, sizeof(buf), opts3, sizeof(opts3), file_opts, sizeof(file_opts),
			    sname_opts, sizeof(sname_opts));
	assert_int_equal(dhcp_msg_parse(m, buf, len), 0);
	assert_int_equal(m->type, DHCPREQUEST);
	check_opt(m, DHCP_OPT_HOSTNAME, "abc", 3);
	check_opt(m, DHCP_OPT_DOMAIN_NAME, "lan", 3);
	check_opt(m, DHCP_OPT_TFTP_SERVER, "tftp", 4);
	check_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){3}, 1);

	/* 1: file only; sname holds a real server name, not options. */
	/* NOLINTNEXTLINE(readability-suspicious-call-argument): X_opts go to field X */
	len = build_raw_msg(buf, sizeof(buf), opts1, sizeof(opts1), file_opts, sizeof(file_opts),
			    (const uint8_t *)server_name, sizeof(server_name));
	assert_int_equal(dhcp_msg_parse(m, buf, len), 0);
	check_opt(m, DHCP_OPT_HOSTNAME, "b", 1);
	check_opt(m, DHCP_OPT_DOMAIN_NAME, "lan", 3);
	assert_null(dhcp_msg_opt(m, DHCP_OPT_TFTP_SERVER, NULL));
	assert_string_equal((const char *)m->hdr.sname, server_name);

	/* 2: sname only; the file field is not read. */
	/* NOLINTNEXTLINE(readability-suspicious-call-argument): X_opts go to field X */
	len = build_raw_msg(buf, sizeof(buf), opts2, sizeof(opts2), file_opts, sizeof(file_opts),
			    sname_opts, sizeof(sname_opts));
	assert_int_equal(dhcp_msg_parse(m, buf, len), 0);
	check_opt(m, DHCP_OPT_HOSTNAME, "c", 1);
	assert_null(dhcp_msg_opt(m, DHCP_OPT_DOMAIN_NAME, NULL));
	assert_int_equal(m->type, 0);

	/* Without option 52 neither field is read. */
	len = build_raw_msg(buf, sizeof(buf), (const uint8_t[]){DHCP_OPT_END}, 1, file_opts,
			    sizeof(file_opts), sname_opts, sizeof(sname_opts));
	assert_int_equal(dhcp_msg_parse(m, buf, len), 0);
	assert_null(dhcp_msg_opt(m, DHCP_OPT_HOSTNAME, NULL));
	free(m);
}

/* ------------------------------------------------------------------ */
/* Messages: malformed input. */

/* Option bytes for a table entry, with their length. */
#define OPTS(...)	.opts = {__VA_ARGS__}, .opts_len = sizeof((uint8_t[]){__VA_ARGS__})
#define FILE_OPTS(...)	.file = {__VA_ARGS__}, .file_len = sizeof((uint8_t[]){__VA_ARGS__})
#define SNAME_OPTS(...) .sname = {__VA_ARGS__}, .sname_len = sizeof((uint8_t[]){__VA_ARGS__})

struct msg_case {
	const char *name;
	uint8_t opts[32]; /* after the cookie, verbatim: the message ends there */
	size_t opts_len;
	uint8_t file[16]; /* start of the file field, rest zero */
	size_t file_len;
	uint8_t sname[16]; /* start of the sname field, rest zero */
	size_t sname_len;
	int want;
};

#define T53  DHCP_OPT_MESSAGE_TYPE
#define T52  DHCP_OPT_OVERLOAD
#define END  DHCP_OPT_END
#define HOST DHCP_OPT_HOSTNAME

static const struct msg_case msg_cases[] = {
	{"valid: type and END", OPTS(T53, 1, DHCPDISCOVER, END), .want = 0},
	{"valid: PAD between options", OPTS(0, T53, 1, DHCPDISCOVER, 0, 0, END), .want = 0},
	{"valid: no options at all", .opts_len = 0, .want = 0},
	{"valid: garbage after END is padding", OPTS(T53, 1, 1, END, HOST, 200, 'a'), .want = 0},
	/* Our choice: END may be missing when the last option fills the field. */
	{"valid: no END, last option ends the field", OPTS(T53, 1, DHCPDISCOVER), .want = 0},
	{"valid: no END, PAD to the end", OPTS(T53, 1, DHCPDISCOVER, 0, 0, 0), .want = 0},
	{"code byte without length byte", OPTS(T53, 1, 1, HOST), .want = -EBADMSG},
	{"option length past the end", OPTS(T53, 1, 1, HOST, 10, 'a', 'b'), .want = -EBADMSG},
	{"option length past the end by one", OPTS(HOST, 3, 'a', 'b'), .want = -EBADMSG},
	{"option 53 length 0", OPTS(T53, 0, END), .want = -EBADMSG},
	{"option 53 length 2", OPTS(T53, 2, 1, 1, END), .want = -EBADMSG},
	{"option 53 twice (joins to 2 bytes)", OPTS(T53, 1, 1, T53, 1, 3, END), .want = -EBADMSG},
	{"overload length 0", OPTS(T52, 0, END), .want = -EBADMSG},
	{"overload length 2", OPTS(T52, 2, 1, 1, END), .want = -EBADMSG},
	{"overload value 0", OPTS(T52, 1, 0, END), .want = -EBADMSG},
	{"overload value 4", OPTS(T52, 1, 4, END), .want = -EBADMSG},
	{"overload 1: option past the file field", OPTS(T52, 1, 1, END), FILE_OPTS(HOST, 200, 'a'),
	 .want = -EBADMSG},
	{"overload 1: option then one PAD fills file", OPTS(T52, 1, 1, END),
	 FILE_OPTS(HOST, 125, 'a'), .want = 0},
	{"overload 1: option one byte past file", OPTS(T52, 1, 1, END), FILE_OPTS(HOST, 127, 'a'),
	 .want = -EBADMSG},
	{"overload 1: option fills file exactly", OPTS(T52, 1, 1, END), FILE_OPTS(HOST, 126, 'a'),
	 .want = 0},
	{"overload 2: option past the sname field", OPTS(T52, 1, 2, END), SNAME_OPTS(HOST, 100),
	 .want = -EBADMSG},
	{"overload 3: option past the sname field", OPTS(T52, 1, 3, END), FILE_OPTS(END),
	 SNAME_OPTS(HOST, 63), .want = -EBADMSG},
	{"overload 1: sname is not parsed", OPTS(T52, 1, 1, END), SNAME_OPTS(HOST, 100), .want = 0},
	{"no overload: file is not parsed", OPTS(T53, 1, 1, END), FILE_OPTS(HOST, 200), .want = 0},
	{"option 52 again inside file", OPTS(T52, 1, 1, END), FILE_OPTS(T52, 1, 1, END),
	 .want = -EBADMSG},
	{"option 53 in file joins the first", OPTS(T53, 1, 1, T52, 1, 1, END),
	 FILE_OPTS(T53, 1, 3, END), .want = -EBADMSG},
};

static void test_msg_malformed_table(void **state)
{
	const struct msg_case *c;
	uint8_t buf[MSG_CAP];
	struct dhcp_msg *m;
	size_t i, len;
	int ret;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	for (i = 0; i < ARRAY_SIZE(msg_cases); i++) {
		c = &msg_cases[i];
		len = build_raw_msg(buf, sizeof(buf), c->opts, c->opts_len,
				    c->file_len ? c->file : NULL, c->file_len,
				    c->sname_len ? c->sname : NULL, c->sname_len);
		ret = dhcp_msg_parse(m, buf, len);
		if (ret != c->want)
			fail_msg("%s: got %d, want %d", c->name, ret, c->want);
		if (ret == 0 && !m->has_cookie)
			fail_msg("%s: cookie not seen", c->name);
	}
	free(m);
}

/* Every prefix of a valid DISCOVER parses or fails cleanly. */
static void test_msg_truncated_everywhere(void **state)
{
	uint8_t buf[MSG_CAP];
	struct dhcp_msg *m;
	struct dhcp_hdr h;
	size_t cut;
	uint8_t *copy;
	int len, ret;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	len = build_discover(buf, sizeof(buf), &h);
	assert_true(len > 0);
	for (cut = 0; cut <= (size_t)len; cut++) {
		/* Exact-size heap copy: ASan reports any read past it. */
		copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		ret = dhcp_msg_parse(m, copy, cut);
		free(copy);
		if (cut < sizeof(struct dhcp_hdr)) {
			if (ret != -EBADMSG)
				fail_msg("cut at %zu: got %d, want -EBADMSG", cut, ret);
		} else if (cut < DHCP_OPTIONS_OFFSET) {
			if (ret != 0 || m->has_cookie)
				fail_msg("cut at %zu: want BOOTP, got %d", cut, ret);
		} else if (ret != 0 && ret != -EBADMSG) {
			fail_msg("cut at %zu: got %d", cut, ret);
		} else if (ret == 0 && !m->has_cookie) {
			fail_msg("cut at %zu: cookie lost", cut);
		}
	}
	free(m);
}

/* dhcp_msg_parse() leaves m alone when it fails. */
static void test_msg_no_write_on_error(void **state)
{
	static const uint8_t opts[] = {DHCP_OPT_MESSAGE_TYPE, 1, DHCPDISCOVER,
				       DHCP_OPT_HOSTNAME,     9, 'x'};
	struct dhcp_msg *m, *before;
	uint8_t buf[MSG_CAP];
	size_t len;

	(void)state;
	m = malloc(sizeof(*m));
	before = malloc(sizeof(*before));
	assert_non_null(m);
	assert_non_null(before);
	memset(m, 0x5a, sizeof(*m));
	memcpy(before, m, sizeof(*m));
	len = build_raw_msg(buf, sizeof(buf), opts, sizeof(opts), NULL, 0, NULL, 0);
	assert_int_equal(dhcp_msg_parse(m, buf, len), -EBADMSG);
	assert_memory_equal(m, before, sizeof(*m));
	free(before);
	free(m);
}

/* ------------------------------------------------------------------ */
/* Builder. */

static void test_build_split_300(void **state)
{
	uint8_t buf[MSG_CAP], data[300];
	struct dhcp_builder b;
	struct dhcp_msg *m;
	struct dhcp_hdr h;
	size_t i;
	int len;

	(void)state;
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	make_request_hdr(&h, 7);
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt(&b, OPT_VENDOR_SPECIFIC, data, sizeof(data));
	len = dhcp_build_finish(&b, 0);

	/* RFC 3396: 43/255 + 255 bytes, 43/45 + 45 bytes, END, pad to 4. */
	assert_int_equal(buf[240], OPT_VENDOR_SPECIFIC);
	assert_int_equal(buf[241], 255);
	assert_memory_equal(buf + 242, data, 255);
	assert_int_equal(buf[497], OPT_VENDOR_SPECIFIC);
	assert_int_equal(buf[498], 45);
	assert_memory_equal(buf + 499, data + 255, 45);
	assert_int_equal(buf[544], DHCP_OPT_END);
	assert_int_equal(len, 548);

	assert_int_equal(dhcp_msg_parse(m, buf, (size_t)len), 0);
	check_opt(m, OPT_VENDOR_SPECIFIC, data, sizeof(data));
	free(m);
}

/* Split points: 255 is one instance, 256 two, 510 two full ones. */
static void test_build_split_sizes(void **state)
{
	static const struct {
		size_t len;
		size_t instances;
	} sizes[] = {{0, 1}, {1, 1}, {255, 1}, {256, 2}, {510, 2}, {511, 3}};
	uint8_t buf[MSG_CAP], data[600] = {0};
	struct dhcp_builder b;
	struct dhcp_hdr h;
	size_t i;

	(void)state;
	make_request_hdr(&h, 7);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		dhcp_build_init(&b, buf, sizeof(buf), &h);
		dhcp_build_opt(&b, OPT_VENDOR_SPECIFIC, data, sizes[i].len);
		assert_int_equal(b.err, 0);
		assert_int_equal(b.len,
				 DHCP_OPTIONS_OFFSET + sizes[i].len + 2 * sizes[i].instances);
	}
}

static void test_build_encodings(void **state)
{
	uint8_t buf[MSG_CAP];
	struct dhcp_builder b;
	struct dhcp_hdr h;

	(void)state;
	make_request_hdr(&h, 7);
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	assert_int_equal(b.len, DHCP_OPTIONS_OFFSET);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPOFFER);
	dhcp_build_opt_u16(&b, DHCP_OPT_MAX_MSG_SIZE, 0x1234);
	dhcp_build_opt_u32(&b, DHCP_OPT_LEASE_TIME, 0x01020304);
	dhcp_build_opt_ip(&b, DHCP_OPT_ROUTER, ip4(198, 18, 0, 1));
	dhcp_build_opt(&b, OPT_RAPID_COMMIT, NULL, 0);
	dhcp_build_raw(&b, (const uint8_t[]){DHCP_OPT_HOSTNAME, 1, 'r'}, 3);
	assert_int_equal(b.err, 0);

	{
		/* What each call must have written, in order. */
		const uint8_t want[] = {
			DHCP_OPT_MESSAGE_TYPE,
			1,
			DHCPOFFER,
			DHCP_OPT_MAX_MSG_SIZE,
			2,
			0x12,
			0x34,
			DHCP_OPT_LEASE_TIME,
			4,
			0x01,
			0x02,
			0x03,
			0x04,
			DHCP_OPT_ROUTER,
			4,
			198,
			18,
			0,
			1,
			OPT_RAPID_COMMIT,
			0,
			DHCP_OPT_HOSTNAME,
			1,
			'r',
		};

		assert_int_equal(b.len, DHCP_OPTIONS_OFFSET + sizeof(want));
		assert_memory_equal(buf + DHCP_OPTIONS_OFFSET, want, sizeof(want));
	}
}

static void test_build_finish_padding(void **state)
{
	uint8_t buf[MSG_CAP];
	struct dhcp_builder b;
	struct dhcp_hdr h;

	(void)state;
	make_request_hdr(&h, 7);

	/* 240 + 3 + END = 244, already a multiple of 4. */
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPACK);
	assert_int_equal(dhcp_build_finish(&b, 0), 244);

	/* 240 + 4 + END = 245, rounded up to 248 with zeros. */
	memset(buf, 0xee, sizeof(buf));
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, "ab", 2);
	assert_int_equal(dhcp_build_finish(&b, 0), 248);
	assert_int_equal(buf[244], DHCP_OPT_END);
	assert_int_equal(buf[245], 0);
	assert_int_equal(buf[246], 0);
	assert_int_equal(buf[247], 0);

	/* min_len 301 rounds up to 304. */
	dhcp_build_init(&b, buf, sizeof(buf), &h);
	assert_int_equal(dhcp_build_finish(&b, 301), 304);

	/* END fits but the rounding does not. */
	dhcp_build_init(&b, buf, 246, &h);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, "ab", 2);
	assert_int_equal(dhcp_build_finish(&b, 0), -ENOSPC);

	/* min_len beyond the buffer. */
	dhcp_build_init(&b, buf, 300, &h);
	assert_int_equal(dhcp_build_finish(&b, 301), -ENOSPC);
	dhcp_build_init(&b, buf, 300, &h);
	assert_int_equal(dhcp_build_finish(&b, 300), 300);
}

static void test_build_overflow(void **state)
{
	uint8_t buf[MSG_CAP];
	struct dhcp_builder b;
	struct dhcp_hdr h;

	(void)state;
	make_request_hdr(&h, 7);

	/* Too small for the header and cookie. */
	dhcp_build_init(&b, buf, DHCP_OPTIONS_OFFSET - 1, &h);
	assert_int_equal(b.err, -ENOSPC);
	assert_int_equal(dhcp_build_finish(&b, 0), -ENOSPC);

	/* An option that does not fit writes nothing; later ones that would
	 * fit are ignored; finish reports the first error. */
	dhcp_build_init(&b, buf, DHCP_OPTIONS_OFFSET + 8, &h);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, "0123456789", 10);
	assert_int_equal(b.err, -ENOSPC);
	assert_int_equal(b.len, DHCP_OPTIONS_OFFSET);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPNAK);
	dhcp_build_raw(&b, "x", 1);
	assert_int_equal(b.len, DHCP_OPTIONS_OFFSET);
	assert_int_equal(dhcp_build_finish(&b, 0), -ENOSPC);
	assert_int_equal(b.len, DHCP_OPTIONS_OFFSET);

	/* The header of a split option counts: 255 bytes need 257. */
	dhcp_build_init(&b, buf, DHCP_OPTIONS_OFFSET + 256, &h);
	dhcp_build_opt(&b, OPT_VENDOR_SPECIFIC, buf, 255);
	assert_int_equal(b.err, -ENOSPC);

	/* No room left for END. */
	dhcp_build_init(&b, buf, DHCP_OPTIONS_OFFSET + 3, &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPNAK);
	assert_int_equal(b.err, 0);
	assert_int_equal(dhcp_build_finish(&b, 0), -ENOSPC);
}

/* PAD and END cannot be built as options; the first error sticks. */
static void test_build_invalid_sticks(void **state)
{
	uint8_t buf[MSG_CAP];
	struct dhcp_builder b;
	struct dhcp_hdr h;

	(void)state;
	make_request_hdr(&h, 7);
	dhcp_build_init(&b, buf, DHCP_OPTIONS_OFFSET + 4, &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_PAD, 1);
	assert_int_equal(b.err, -EINVAL);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, "too long for the buffer", 23);
	assert_int_equal(b.err, -EINVAL);
	assert_int_equal(dhcp_build_finish(&b, 0), -EINVAL);

	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt(&b, DHCP_OPT_END, NULL, 0);
	assert_int_equal(b.err, -EINVAL);

	dhcp_build_init(&b, buf, sizeof(buf), &h);
	dhcp_build_opt(&b, DHCP_OPT_HOSTNAME, NULL, 3);
	assert_int_equal(b.err, -EINVAL);
	assert_int_equal(b.len, DHCP_OPTIONS_OFFSET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071_example),
		cmocka_unit_test(test_csum_ipv4_example),
		cmocka_unit_test(test_csum_odd_length),
		cmocka_unit_test(test_csum_frame_independent),
		cmocka_unit_test(test_udp_csum_zero_sent_as_ffff),
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_frame_round_trip_vlan),
		cmocka_unit_test(test_frame_ttl),
		cmocka_unit_test(test_frame_build_enospc),
		cmocka_unit_test(test_frame_build_in_place),
		cmocka_unit_test(test_frame_ip_options),
		cmocka_unit_test(test_frame_truncated_everywhere),
		cmocka_unit_test(test_frame_malformed_table),
		cmocka_unit_test(test_frame_parse_no_write_on_error),
		cmocka_unit_test(test_msg_discover_round_trip),
		cmocka_unit_test(test_msg_request_in_frame),
		cmocka_unit_test(test_msg_bootp),
		cmocka_unit_test(test_msg_type_names),
		cmocka_unit_test(test_msg_rfc3396_concat),
		cmocka_unit_test(test_msg_opt_data_max),
		cmocka_unit_test(test_msg_overload),
		cmocka_unit_test(test_msg_malformed_table),
		cmocka_unit_test(test_msg_truncated_everywhere),
		cmocka_unit_test(test_msg_no_write_on_error),
		cmocka_unit_test(test_build_split_300),
		cmocka_unit_test(test_build_split_sizes),
		cmocka_unit_test(test_build_encodings),
		cmocka_unit_test(test_build_finish_padding),
		cmocka_unit_test(test_build_overflow),
		cmocka_unit_test(test_build_invalid_sticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
