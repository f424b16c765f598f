/* SPDX-License-Identifier: MIT */
/*
 * Packet helpers for tests and tools (see pkt.h): client requests built
 * with the DHCP library, other frames built by hand, offsets, checksum
 * fix-ups and reply checks.  Bytes in, bytes out; no allocation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "pkt.h"

#define ETH_P_IPV4  0x0800
#define ETH_P_8021Q 0x8100

static const uint8_t mac_zero[6];
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

int pkt_dhcp_msg(uint8_t *buf, size_t cap, const struct pkt_req *r)
{
	size_t min_len = r->min_len ? r->min_len : DHCP_MIN_MSG_LEN;
	struct dhcp_builder b;
	struct dhcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = r->htype ? r->htype : DHCP_HTYPE_ETHER;
	h.hlen = r->hlen ? r->hlen : DHCP_HLEN_ETHER;
	h.hops = r->hops;
	h.xid = htonl(r->xid);
	h.secs = htons(r->secs);
	h.flags = r->broadcast ? htons(DHCP_FLAG_BROADCAST) : 0;
	h.ciaddr = r->ciaddr;
	h.giaddr = r->giaddr;
	memcpy(h.chaddr, r->chaddr, sizeof(r->chaddr));

	if (r->no_cookie) {
		/* RFC 951 BOOTP: the 64-byte vendor area is zero. */
		size_t len = sizeof(h) + 64 > min_len ? sizeof(h) + 64 : min_len;

		if (len > cap)
			return -ENOSPC;
		memset(buf, 0, len);
		memcpy(buf, &h, sizeof(h));
		return (int)len;
	}

	dhcp_build_init(&b, buf, cap, &h);
	if (r->msg_type)
		dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, r->msg_type);
	if (r->client_id_len)
		dhcp_build_opt(&b, DHCP_OPT_CLIENT_ID, r->client_id, r->client_id_len);
	if (r->requested_ip)
		dhcp_build_opt_ip(&b, DHCP_OPT_REQUESTED_IP, r->requested_ip);
	if (r->server_id)
		dhcp_build_opt_ip(&b, DHCP_OPT_SERVER_ID, r->server_id);
	if (r->extra_opts_len)
		dhcp_build_raw(&b, r->extra_opts, r->extra_opts_len);
	if (r->no_end)
		return b.err ? b.err : (int)b.len;
	return dhcp_build_finish(&b, min_len);
}

int pkt_request(uint8_t *buf, size_t cap, const struct pkt_req *r)
{
	size_t hdr_len =
		PKT_ETH_HLEN + (r->has_vlan ? PKT_VLAN_HLEN : 0) + PKT_IP_HLEN + PKT_UDP_HLEN;
	struct dhcp_frame f;
	int len;

	if (cap < hdr_len)
		return -ENOSPC;
	/* The message is built in place: dhcp_frame_build() moves it. */
	len = pkt_dhcp_msg(buf + hdr_len, cap - hdr_len, r);
	if (len < 0)
		return len;

	memset(&f, 0, sizeof(f));
	memcpy(f.dst_mac, memcmp(r->dst_mac, mac_zero, 6) ? r->dst_mac : mac_bcast, 6);
	memcpy(f.src_mac, memcmp(r->src_mac, mac_zero, 6) ? r->src_mac : r->chaddr, 6);
	f.has_vlan = r->has_vlan;
	f.vlan_tci = r->vlan_tci;
	f.src_ip = r->src_ip ? r->src_ip : r->ciaddr;
	f.dst_ip = r->dst_ip ? r->dst_ip : PKT_IP(255, 255, 255, 255);
	f.src_port = r->src_port ? r->src_port : DHCP_CLIENT_PORT;
	f.dst_port = r->dst_port ? r->dst_port : DHCP_SERVER_PORT;
	return dhcp_frame_build(buf, cap, &f, buf + hdr_len, (size_t)len);
}

int pkt_ether(uint8_t *buf, size_t cap, const uint8_t dst[6], const uint8_t src[6],
	      uint16_t ethertype, const void *payload, size_t len)
{
	if (len > cap || cap - len < PKT_ETH_HLEN)
		return -ENOSPC;
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, ethertype);
	if (len)
		memcpy(buf + PKT_ETH_HLEN, payload, len);
	return (int)(PKT_ETH_HLEN + len);
}

int pkt_ipv4(uint8_t *buf, size_t cap, const struct dhcp_frame *f, uint8_t proto, const void *l4,
	     size_t l4_len)
{
	size_t l2_len = PKT_ETH_HLEN + (f->has_vlan ? PKT_VLAN_HLEN : 0);
	uint16_t csum;
	uint8_t *ip;

	if (l4_len > 0xffff - PKT_IP_HLEN || l2_len + PKT_IP_HLEN + l4_len > cap)
		return -ENOSPC;
	memcpy(buf, f->dst_mac, 6);
	memcpy(buf + 6, f->src_mac, 6);
	if (f->has_vlan) {
		put16(buf + 12, ETH_P_8021Q);
		put16(buf + 14, f->vlan_tci);
	}
	put16(buf + l2_len - 2, ETH_P_IPV4);

	ip = buf + l2_len;
	memset(ip, 0, PKT_IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(PKT_IP_HLEN + l4_len));
	ip[8] = f->ttl ? f->ttl : 64;
	ip[9] = proto;
	memcpy(ip + 12, &f->src_ip, 4);
	memcpy(ip + 16, &f->dst_ip, 4);
	csum = inet_csum(ip, PKT_IP_HLEN);
	memcpy(ip + 10, &csum, 2);
	if (l4_len)
		memcpy(ip + PKT_IP_HLEN, l4, l4_len);
	return (int)(l2_len + PKT_IP_HLEN + l4_len);
}

size_t pkt_l3_off(const uint8_t *frame)
{
	return PKT_ETH_HLEN + (get16(frame + 12) == ETH_P_8021Q ? PKT_VLAN_HLEN : 0);
}

size_t pkt_l4_off(const uint8_t *frame)
{
	size_t l3 = pkt_l3_off(frame);

	return l3 + (size_t)(frame[l3] & 0x0f) * 4;
}

size_t pkt_dhcp_off(const uint8_t *frame)
{
	return pkt_l4_off(frame) + PKT_UDP_HLEN;
}

void pkt_fix_ipv4_csum(uint8_t *frame)
{
	uint8_t *ip = frame + pkt_l3_off(frame);
	uint16_t csum;

	ip[10] = ip[11] = 0;
	csum = inet_csum(ip, (size_t)(ip[0] & 0x0f) * 4);
	memcpy(ip + 10, &csum, 2);
}

void pkt_fix_udp_csum(uint8_t *frame)
{
	uint8_t *ip = frame + pkt_l3_off(frame);
	uint8_t *udp = frame + pkt_l4_off(frame);
	uint32_t src, dst;
	uint16_t csum;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	udp[6] = udp[7] = 0;
	csum = udp4_csum(src, dst, udp, get16(udp + 4));
	if (csum == 0)
		csum = 0xffff;
	memcpy(udp + 6, &csum, 2);
}

bool pkt_ipv4_csum_ok(const uint8_t *frame, size_t len)
{
	size_t l3, ihl;

	if (len < PKT_ETH_HLEN + PKT_VLAN_HLEN + PKT_IP_HLEN)
		return false;
	l3 = pkt_l3_off(frame);
	ihl = (size_t)(frame[l3] & 0x0f) * 4;
	if (ihl < PKT_IP_HLEN || l3 + ihl > len)
		return false;
	return inet_csum(frame + l3, ihl) == 0;
}

bool pkt_udp_csum_ok(const uint8_t *frame, size_t len)
{
	const uint8_t *ip, *udp;
	uint32_t src, dst;
	size_t l4, udp_len;

	if (!pkt_ipv4_csum_ok(frame, len))
		return false;
	l4 = pkt_l4_off(frame);
	if (l4 + PKT_UDP_HLEN > len)
		return false;
	ip = frame + pkt_l3_off(frame);
	udp = frame + l4;
	udp_len = get16(udp + 4);
	if (udp_len < PKT_UDP_HLEN || l4 + udp_len > len)
		return false;
	/* 0 would mean "no checksum" (RFC 768): a full checksum is required. */
	if (get16(udp + 6) == 0)
		return false;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	return udp4_csum(src, dst, udp, udp_len) == 0;
}

int pkt_parse(const uint8_t *frame, size_t len, struct dhcp_frame *ret_frame,
	      struct dhcp_msg *ret_msg)
{
	int r;

	r = dhcp_frame_parse(frame, len, ret_frame);
	if (r < 0)
		return r;
	return dhcp_msg_parse(ret_msg, ret_frame->payload, ret_frame->payload_len);
}

int pkt_ack_options(uint8_t *buf, size_t cap, uint32_t server_id, uint32_t lease_time,
		    uint32_t mask, uint32_t router, uint32_t dns)
{
	uint8_t msg[DHCP_OPTIONS_OFFSET + 512];
	struct dhcp_builder b;
	struct dhcp_hdr h;
	size_t len;

	memset(&h, 0, sizeof(h));
	dhcp_build_init(&b, msg, sizeof(msg), &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, DHCPACK);
	dhcp_build_opt_ip(&b, DHCP_OPT_SERVER_ID, server_id);
	dhcp_build_opt_u32(&b, DHCP_OPT_LEASE_TIME, lease_time);
	dhcp_build_opt_u32(&b, DHCP_OPT_RENEWAL_TIME, lease_time / 2);
	dhcp_build_opt_u32(&b, DHCP_OPT_REBINDING_TIME, (uint32_t)((uint64_t)lease_time * 7 / 8));
	if (mask)
		dhcp_build_opt_ip(&b, DHCP_OPT_SUBNET_MASK, mask);
	if (router)
		dhcp_build_opt_ip(&b, DHCP_OPT_ROUTER, router);
	if (dns)
		dhcp_build_opt_ip(&b, DHCP_OPT_DNS_SERVER, dns);
	if (b.err)
		return b.err;
	len = b.len - DHCP_OPTIONS_OFFSET;
	if (len > cap)
		return -ENOSPC;
	memcpy(buf, msg + DHCP_OPTIONS_OFFSET, len);
	return (int)len;
}
