/* SPDX-License-Identifier: MIT */
/*
 * The XDP program under random and mutated frames (BPF_PROG_TEST_RUN):
 * valid renewals of several clients (hardware address and client id, with
 * and without VLAN, IP options) mutated byte by byte, truncated, extended
 * and re-checksummed, plus random bytes, with and without a lease in the
 * map.  Properties, for every run:
 *  - XDP_TX only for a frame that decodes as a DHCPREQUEST whose client has
 *    a lease in the map (or as an INIT-REBOOT the fast path may NAK), or an
 *    ARP request for the server id;
 *  - every transmitted DHCP frame decodes as a DHCPACK or DHCPNAK with
 *    correct IPv4 and UDP checksums, the request's xid and chaddr, and for
 *    an ACK the yiaddr of that very client's lease: no frame carries
 *    another client's data;
 *  - nothing else changes the lease map.
 * Deterministic: a fixed seed, a bounded number of runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dhcp_msg.h"
#include "fastpath_abi.h"
#include "pkt.h"
#include "xdhcp.skel.h"

#define IFINDEX	  1
#define SLOT	  3
#define POOL	  2
#define TMPL	  4
#define SERVER_IP PKT_IP(198, 18, 0, 1)
#define NET_IP	  PKT_IP(198, 18, 0, 0)
#define MASK_IP	  PKT_IP(255, 255, 255, 0)
#define N_CLIENTS 4
#define RUNS	  200000

static const uint8_t if_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x01, 0xfe};

struct client {
	uint8_t mac[6];
	uint8_t cid[9];
	size_t cid_len; /* 0: keyed by MAC */
	uint32_t addr;
	bool leased;
};

struct fx {
	struct xdhcp *skel;
	struct ring_buffer *rb;
	struct client cl[N_CLIENTS];
};

static int drop_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static struct xdhcp_lease_key key_of(const struct client *c)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.pool = POOL;
	if (c->cid_len) {
		k.kind = XDHCP_KEY_CLIENT_ID;
		k.len = (uint8_t)c->cid_len;
		memcpy(k.id, c->cid, c->cid_len);
	} else {
		k.kind = XDHCP_KEY_HWADDR;
		k.htype = 1;
		k.len = 6;
		memcpy(k.id, c->mac, 6);
	}
	return k;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct xdhcp_iface ifc = {.server_ip = SERVER_IP,
				  .net = NET_IP,
				  .mask = MASK_IP,
				  .pool = POOL,
				  .slot = SLOT,
				  .flags = XDHCP_IF_FASTPATH | XDHCP_IF_ARP};
	struct xdhcp_tmpl t;
	uint32_t ifindex = IFINDEX, idx = TMPL;
	int len;

	if (!fx)
		return -1;
	fx->skel = xdhcp__open_and_load();
	if (!fx->skel)
		goto fail;
	fx->rb = ring_buffer__new(bpf_map__fd(fx->skel->maps.xdhcp_events), drop_event, fx, NULL);
	memcpy(ifc.mac, if_mac, 6);
	memset(&t, 0, sizeof(t));
	len = pkt_ack_options(t.data, sizeof(t.data), SERVER_IP, 600, MASK_IP, SERVER_IP,
			      SERVER_IP);
	if (!fx->rb || len < 0)
		goto fail;
	t.len = (uint16_t)len;
	if (bpf_map_update_elem(bpf_map__fd(fx->skel->maps.xdhcp_ifaces), &ifindex, &ifc, 0) ||
	    bpf_map_update_elem(bpf_map__fd(fx->skel->maps.xdhcp_tmpl), &idx, &t, 0))
		goto fail;
	for (int i = 0; i < N_CLIENTS; i++) {
		struct client *c = &fx->cl[i];
		struct xdhcp_lease_key k;
		struct xdhcp_lease v;

		uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x02, (uint8_t)i};

		memcpy(c->mac, mac, 6);
		c->addr = PKT_IP(198, 18, 0, 100 + i);
		if (i % 2) {
			c->cid[0] = 0xff;
			c->cid[8] = (uint8_t)i;
			c->cid_len = sizeof(c->cid);
		}
		/* Clients 0 and 1 hold leases; 2 and 3 do not. */
		c->leased = i < 2;
		if (!c->leased)
			continue;
		k = key_of(c);
		memset(&v, 0, sizeof(v));
		v.expires_ns = boot_ns() + 3600ULL * 1000000000ULL;
		v.addr = c->addr;
		v.lease_time = 600;
		v.ifindex = IFINDEX; /* granted on the interface the frames arrive on */
		v.tmpl = TMPL;
		if (bpf_map_update_elem(bpf_map__fd(fx->skel->maps.xdhcp_leases), &k, &v, 0))
			goto fail;
	}
	*state = fx;
	return 0;

fail:
	ring_buffer__free(fx->rb);
	xdhcp__destroy(fx->skel);
	free(fx);
	return -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ring_buffer__free(fx->rb);
	xdhcp__destroy(fx->skel);
	free(fx);
	return 0;
}

/* A valid request of client c, in one of several shapes. */
static size_t make_request(const struct client *c, unsigned int shape, uint8_t *buf, size_t cap)
{
	struct pkt_req r;
	int len;

	memset(&r, 0, sizeof(r));
	r.msg_type = DHCPREQUEST;
	r.xid = 0x1000 + shape;
	memcpy(r.chaddr, c->mac, 6);
	if (c->cid_len) {
		r.client_id = c->cid;
		r.client_id_len = c->cid_len;
	}
	switch (shape % 4) {
	case 0: /* RENEWING */
		r.ciaddr = c->addr;
		r.dst_ip = SERVER_IP;
		memcpy(r.dst_mac, if_mac, 6);
		break;
	case 1: /* REBINDING */
		r.ciaddr = c->addr;
		break;
	case 2: /* INIT-REBOOT */
		r.requested_ip = c->addr;
		r.broadcast = true;
		break;
	case 3: /* INIT-REBOOT for another client's address */
		r.requested_ip = PKT_IP(198, 18, 0, 100 + (c->addr >> 24) % N_CLIENTS);
		break;
	}
	if (shape & 4) {
		r.has_vlan = true;
		r.vlan_tci = 42;
	}
	len = pkt_request(buf, cap, &r);
	return len < 0 ? 0 : (size_t)len;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/* Mutate in place: flips, random bytes, truncation, extension, and
 * sometimes fix the IPv4 checksum so the mutation reaches deeper. */
static size_t mutate(uint8_t *buf, size_t len, size_t cap, uint64_t *seed)
{
	unsigned int n = 1 + rnd(seed) % 4;

	for (unsigned int i = 0; i < n && len; i++) {
		switch (rnd(seed) % 6) {
		case 0:
		case 1:
			buf[rnd(seed) % len] ^= (uint8_t)(1u << (rnd(seed) % 8));
			break;
		case 2:
			buf[rnd(seed) % len] = (uint8_t)rnd(seed);
			break;
		case 3:
			len = 1 + rnd(seed) % len;
			break;
		case 4:
			if (len < cap) {
				size_t add = 1 + rnd(seed) % (cap - len);

				for (size_t k = 0; k < add; k++)
					buf[len + k] = (uint8_t)rnd(seed);
				len += add;
			}
			break;
		case 5:
			/* A byte in the options area (past the fixed header). */
			if (len > 300)
				buf[282 + rnd(seed) % (len - 282)] = (uint8_t)rnd(seed);
			break;
		}
	}
	if (rnd(seed) % 2 && len >= 34 && buf[12] == 0x08 && buf[13] == 0x00) {
		uint16_t c;

		buf[24] = buf[25] = 0;
		c = inet_csum(buf + 14,
			      (buf[14] & 0x0f) * 4u > len - 14 ? 20 : (buf[14] & 0x0f) * 4u);
		memcpy(buf + 24, &c, 2);
	}
	return len;
}

/* The client a frame speaks for, by the key the fast path would build. */
static const struct client *client_of(const struct fx *fx, const struct dhcp_msg *m)
{
	const uint8_t *cid;
	size_t cid_len;

	cid = dhcp_msg_opt(m, DHCP_OPT_CLIENT_ID, &cid_len);
	for (int i = 0; i < N_CLIENTS; i++) {
		const struct client *c = &fx->cl[i];

		if (cid ? c->cid_len == cid_len && !memcmp(c->cid, cid, cid_len)
			: !c->cid_len && !memcmp(c->mac, m->hdr.chaddr, 6))
			return c;
	}
	return NULL;
}

static void check_tx(const struct fx *fx, const uint8_t *in, size_t in_len, const uint8_t *out,
		     size_t out_len)
{
	static struct dhcp_msg req, rep;
	struct dhcp_frame rf, of;
	const struct client *c;
	uint8_t type;

	if ((in_len >= 14 && in[12] == 0x08 && in[13] == 0x06) ||
	    (in_len >= 18 && in[12] == 0x81 && in[16] == 0x08 && in[17] == 0x06))
		return; /* an ARP reply: checked by test_fastpath's ARP case */
	/* The request must decode (the fast path never guesses). */
	if (dhcp_frame_parse(in, in_len, &rf) || dhcp_msg_parse(&req, rf.payload, rf.payload_len))
		fail_msg("XDP_TX for a request the library does not decode");
	assert_int_equal(req.type, DHCPREQUEST);
	assert_int_equal(dhcp_frame_parse(out, out_len, &of), 0);
	assert_int_equal(dhcp_msg_parse(&rep, of.payload, of.payload_len), 0);
	assert_true(pkt_ipv4_csum_ok(out, out_len));
	assert_true(pkt_udp_csum_ok(out, out_len));
	assert_int_equal(rep.hdr.xid, req.hdr.xid);
	assert_memory_equal(rep.hdr.chaddr, req.hdr.chaddr, 6);
	type = rep.type;
	c = client_of(fx, &req);
	if (type == DHCPACK) {
		/* Only for a client with a lease, and with its own address. */
		if (!c || !c->leased)
			fail_msg("DHCPACK for a client without a lease");
		assert_int_equal(rep.hdr.yiaddr, c->addr);
	} else {
		assert_int_equal(type, DHCPNAK);
		assert_int_equal(rep.hdr.yiaddr, 0);
	}
}

static void test_random_and_mutated_frames(void **state)
{
	struct fx *fx = *state;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int tx = 0;
	uint8_t in[1600], out[2048];

	for (unsigned int run = 0; run < RUNS; run++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);
		size_t len;
		int r;

		if (run % 10 == 9) {
			len = 14 + rnd(&seed) % 600;
			for (size_t k = 0; k < len; k++)
				in[k] = (uint8_t)rnd(&seed);
		} else {
			const struct client *c = &fx->cl[rnd(&seed) % N_CLIENTS];

			len = make_request(c, rnd(&seed) % 8, in, sizeof(in));
			assert_true(len > 0);
			if (run % 4)
				len = mutate(in, len, sizeof(in), &seed);
		}
		if (len < 14)
			len = 14; /* test_run needs an Ethernet header's worth */
		o.data_size_in = (uint32_t)len;
		r = bpf_prog_test_run_opts(bpf_program__fd(fx->skel->progs.xdp_dhcp_rx), &o);
		assert_int_equal(r, 0);
		if (o.retval == XDP_TX) {
			tx++;
			check_tx(fx, in, len, out, o.data_size_out);
		}
		if (run % 256 == 0)
			(void)ring_buffer__consume(fx->rb);
	}
	print_message("%u runs, %u transmitted, all checked\n", RUNS, tx);
	assert_true(tx > RUNS / 20); /* the valid shapes did reach the fast path */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_and_mutated_frames, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
