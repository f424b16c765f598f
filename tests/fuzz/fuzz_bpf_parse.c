/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fast path's parsers (bpf/parse.h) built on the
 * host.  parse.h calls no BPF helper and its bpf_htons()/bpf_ntohs() come
 * from libbpf's <bpf/bpf_endian.h>, which works on the host, so no shim is
 * needed: the header is included as the XDP program includes it.
 *
 * Each input is a frame in a heap block that ends exactly at data_end
 * (AddressSanitizer reports any read past it, the property "never reads
 * beyond data_end"), at an address that is 2 modulo 4 like NET_IP_ALIGN, so
 * the in-place header reads are aligned as in XDP.  Properties:
 *  - parse_frame() returns 0 or -1, and on 0 the view is consistent (header
 *    pointers in order, inside the frame, lengths as the headers say);
 *  - parse_dhcp() returns a verdict; the recorded client id lies inside
 *    the frame;
 *  - whatever the fast path may answer (PARSE_OK) the daemon's parser
 *    (user/dhcp_msg.c) accepts too, with the same message type, requested
 *    address, server id and client id;
 *  - a frame the fast path drops as malformed is one the daemon rejects as
 *    well (frames longer than a punt record and replies excepted).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

#include "dhcp_msg.h"
#include "fuzz.h"

static struct dhcp_msg msg;

/* Is the frame one the daemon would decode and serve (not ignore)? */
static int daemon_parse(const uint8_t *frame, size_t len, struct dhcp_frame *f)
{
	int r = dhcp_frame_parse(frame, len, f);

	if (r)
		return r;
	return dhcp_msg_parse(&msg, f->payload, f->payload_len);
}

static void check_view(const uint8_t *frame, size_t size, const struct dhcp_view *v)
{
	const uint8_t *end = frame + size;

	FUZZ_CHECK((const uint8_t *)v->eth == frame);
	FUZZ_CHECK(v->l2_len == (v->vlan ? 18u : 14u));
	if (v->vlan)
		FUZZ_CHECK((const uint8_t *)v->vlan == frame + 14);
	FUZZ_CHECK((const uint8_t *)v->iph == frame + v->l2_len);
	FUZZ_CHECK(v->l3_len >= 20 && v->l3_len <= 60 && v->l3_len == v->iph->ihl * 4u);
	FUZZ_CHECK((const uint8_t *)v->udph == (const uint8_t *)v->iph + v->l3_len);
	FUZZ_CHECK((const uint8_t *)(v->udph + 1) <= end);
	FUZZ_CHECK(v->iph->protocol == IPPROTO_UDP);
	FUZZ_CHECK(v->udph->dest == bpf_htons(DHCP_SERVER_PORT));
	FUZZ_CHECK(v->dhcp == NULL);
}

/* The fast path answers from these fields: the daemon must read the same. */
static void check_same_as_daemon(const uint8_t *frame, size_t size, const struct dhcp_opts *o)
{
	struct dhcp_frame f;
	const uint8_t *p;
	size_t len;
	uint32_t ip;

	FUZZ_CHECK(daemon_parse(frame, size, &f) == 0);
	FUZZ_CHECK(f.dst_port == DHCP_SERVER_PORT);
	FUZZ_CHECK(msg.has_cookie && msg.hdr.op == BOOTREQUEST);
	FUZZ_CHECK(msg.type == ((o->flags & DHCP_OPTS_TYPE) ? o->type : 0));

	if (o->flags & DHCP_OPTS_REQ_IP)
		FUZZ_CHECK(dhcp_msg_opt_ip(&msg, DHCP_OPT_REQUESTED_IP, &ip) &&
			   ip == o->requested_ip);
	else
		FUZZ_CHECK(!dhcp_msg_opt(&msg, DHCP_OPT_REQUESTED_IP, NULL));

	if (o->flags & DHCP_OPTS_SERVER_ID)
		FUZZ_CHECK(dhcp_msg_opt_ip(&msg, DHCP_OPT_SERVER_ID, &ip) && ip == o->server_id);
	else
		FUZZ_CHECK(!dhcp_msg_opt(&msg, DHCP_OPT_SERVER_ID, NULL));

	p = dhcp_msg_opt(&msg, DHCP_OPT_CLIENT_ID, &len);
	if (o->flags & DHCP_OPTS_CLIENT_ID)
		FUZZ_CHECK(p && len == o->cid_len && !memcmp(p, frame + o->cid_off, len));
	else
		FUZZ_CHECK(!p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* malloc returns 16-byte aligned blocks: the frame starts at 2 mod 4
	 * and ends where the block ends. */
	uint8_t *blk = malloc(size + 2);
	uint8_t *frame = blk + 2;
	void *end = frame + size;
	struct dhcp_view v;
	struct dhcp_opts o;
	struct dhcp_frame f;
	int r, verdict;

	FUZZ_CHECK(blk != NULL);
	if (size)
		memcpy(frame, data, size);

	memset(&v, 0, sizeof(v));
	r = parse_frame(frame, end, &v);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r)
		goto out;
	check_view(frame, size, &v);

	verdict = parse_dhcp(frame, end, &v, &o);
	FUZZ_CHECK(verdict == PARSE_OK || verdict == PARSE_PUNT || verdict == PARSE_MALFORMED);
	if (v.dhcp)
		FUZZ_CHECK((uint8_t *)v.dhcp == (uint8_t *)(v.udph + 1) &&
			   (uint8_t *)(v.dhcp + 1) <= (uint8_t *)end);

	switch (verdict) {
	case PARSE_OK:
		FUZZ_CHECK(v.dhcp != NULL && size <= XDHCP_PUNT_MAX);
		FUZZ_CHECK(!(o.flags & DHCP_OPTS_PUNT));
		FUZZ_CHECK(o.pos <= o.end && o.end <= size);
		if (o.flags & DHCP_OPTS_CLIENT_ID)
			FUZZ_CHECK(o.cid_len >= 1 && o.cid_len <= XDHCP_CLIENT_ID_MAX &&
				   (size_t)o.cid_off + o.cid_len <= o.end);
		check_same_as_daemon(frame, size, &o);
		break;
	case PARSE_MALFORMED:
		/* Dropped by XDP: the daemon must not have served it either.
		 * Only frames too long for a punt record and BOOTREPLYs are
		 * dropped for reasons of the fast path's own. */
		if (size <= XDHCP_PUNT_MAX && daemon_parse(frame, size, &f) == 0 &&
		    f.dst_port == DHCP_SERVER_PORT && msg.hdr.op == BOOTREQUEST)
			FUZZ_CHECK(!"dropped as malformed by XDP, accepted by the daemon");
		break;
	default:
		break;
	}
out:
	free(blk);
	return 0;
}
