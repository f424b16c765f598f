/* SPDX-License-Identifier: MIT */
/*
 * Protocol engine unit tests (user/server.c).  Whole Ethernet frames built
 * with tests/lib/pkt.h go into server_handle_frame() with the time passed
 * in; every reply frame is decoded and checked against RFC 2131: dispatch
 * by client state (4.3), reply fields and options (table 3), delivery
 * (4.1), lease times (4.4.5), option order (RFC 2132 9.8) and size limits
 * (option 57), client identifiers (RFC 6842) and relay agent information
 * (RFC 3046).  Lease side effects are recorded through server_ops.  Also:
 * malformed and ignored input, every truncation of a request, client key
 * text round trips and the fast path's ACK template.
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

#include <cmocka.h>

#include "dhcp_wire.h"
#include "fastpath_abi.h"

#include "config.h"
#include "dhcp_msg.h"
#include "lease.h"
#include "pkt.h"
#include "server.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define S	   1000000000ULL
#define T0	   (1000 * S) /* CLOCK_BOOTTIME of the first request */
#define IFINDEX	   7
#define LEASE_TIME 600
#define OFFER_TIME 60
#define RANGE_SIZE 11
#define N_CALLS	   32 /* callback calls recorded in detail */

#define SERVER_ID   PKT_IP(198, 18, 0, 1)
#define ROUTER	    PKT_IP(198, 18, 0, 1)
#define RELAY	    PKT_IP(198, 18, 0, 2)
#define DNS	    PKT_IP(198, 18, 0, 53)
#define RANGE_START PKT_IP(198, 18, 0, 10)
#define RANGE_END   PKT_IP(198, 18, 0, 20)
#define ADDR_A	    PKT_IP(198, 18, 0, 15)
#define ADDR_B	    PKT_IP(198, 18, 0, 16)
#define ADDR_FREE   PKT_IP(198, 18, 0, 17)
#define ADDR_STATIC PKT_IP(198, 18, 0, 100) /* in the subnet, outside the range */
#define OTHER_NET   PKT_IP(198, 19, 0, 5)
#define OTHER_RELAY PKT_IP(198, 19, 0, 1)
#define OTHER_SID   PKT_IP(198, 18, 0, 3) /* another server on the link */
#define NETMASK	    PKT_IP(255, 255, 255, 0)
#define BROADCAST   PKT_IP(198, 18, 0, 255)
#define ALL_ONES    PKT_IP(255, 255, 255, 255)
#define DOMAIN	    "example.test"

static const uint8_t server_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t mac_c[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
/* In tables: 02:00:00:00:00:aa is an Ethernet source other than chaddr,
 * 02:00:00:00:00:99 a relay agent. */

/* Option 82 as a relay appends it: circuit id "eth0". */
static const uint8_t opt82[] = {DHCP_OPT_RELAY_AGENT, 6, 1, 4, 'e', 't', 'h', '0'};
/* Client identifier: type 1 and a MAC (RFC 2132 9.14). */
static const uint8_t client_id_a[7] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* ------------------------------------------------------------------ */
/* Fixture: a configured engine, one interface, recorded callbacks. */

struct call {
	struct xdhcp_lease_key key;
	uint32_t addr;
	enum lease_state state;
	uint64_t expires_ns;
	uint32_t lease_time;
	uint32_t ifindex;
	enum lease_end why; /* lease_ended only */
};

struct fx {
	struct xdhcp_config cfg;
	struct server srv;
	struct server_iface ifc;
	unsigned int n_bound, n_ended;
	struct call bound[N_CALLS], ended[N_CALLS];
	/* Last request (built by send_req) and its decoding. */
	uint8_t in[PKT_FRAME_MAX];
	size_t in_len;
	struct dhcp_frame req_frame;
	struct dhcp_msg req;
	/* Last reply and its decoding (when r > 0). */
	uint8_t out[PKT_FRAME_MAX];
	int r;
	struct dhcp_frame reply_frame;
	struct dhcp_msg reply;
};

static void record(struct call *c, const struct lease *l, enum lease_end why)
{
	c->key = l->key;
	c->addr = l->addr;
	c->state = l->state;
	c->expires_ns = l->expires_ns;
	c->lease_time = l->lease_time;
	c->ifindex = l->ifindex;
	c->why = why;
}

static void on_bound(void *ctx, const struct lease *l)
{
	struct fx *fx = ctx;

	if (fx->n_bound < N_CALLS)
		record(&fx->bound[fx->n_bound], l, 0);
	fx->n_bound++;
}

static void on_ended(void *ctx, const struct lease *l, enum lease_end why)
{
	struct fx *fx = ctx;

	if (fx->n_ended < N_CALLS)
		record(&fx->ended[fx->n_ended], l, why);
	fx->n_ended++;
}

static const struct call *last_bound(const struct fx *fx)
{
	assert_in_range(fx->n_bound, 1, N_CALLS);
	return &fx->bound[fx->n_bound - 1];
}

static const struct call *last_ended(const struct fx *fx)
{
	assert_in_range(fx->n_ended, 1, N_CALLS);
	return &fx->ended[fx->n_ended - 1];
}

/* The configuration of the brief: range .10-.20, 600 s leases, router,
 * DNS and domain; one interface (ifindex 7) with server id .1. */
static int fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	char err[256];

	if (config_init(&fx->cfg))
		return -1;
	fx->cfg.subnets[0].netmask = NETMASK;
	fx->cfg.subnets[0].range_start = RANGE_START;
	fx->cfg.subnets[0].range_end = RANGE_END;
	fx->cfg.subnets[0].lease_time = LEASE_TIME;
	fx->cfg.offer_time = OFFER_TIME;
	fx->cfg.subnets[0].routers[0] = ROUTER;
	fx->cfg.subnets[0].n_routers = 1;
	fx->cfg.subnets[0].dns[0] = DNS;
	fx->cfg.subnets[0].n_dns = 1;
	snprintf(fx->cfg.subnets[0].domain, sizeof(fx->cfg.subnets[0].domain), "%s", DOMAIN);
	if (server_init(&fx->srv, &fx->cfg, err, sizeof(err)))
		return -1;
	fx->ifc = (struct server_iface){
		.ifindex = IFINDEX,
		.name = "tap7",
		.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe},
		.server_id = SERVER_ID,
		.slot = 1,
		.subnet = &fx->srv.subnets[0],
	};
	fx->srv.ifaces = &fx->ifc;
	fx->srv.n_ifaces = 1;
	fx->srv.ops = (struct server_ops){.lease_bound = on_bound, .lease_ended = on_ended};
	fx->srv.ops_ctx = fx;
	return 0;
}

static int setup(void **state)
{
	struct fx *fx = malloc(sizeof(*fx));

	if (!fx || fx_init(fx)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	server_fini(&fx->srv);
	config_free(&fx->cfg);
	free(fx);
	return 0;
}

/* A fresh engine for the next case of a table. */
static void fx_reset(struct fx *fx)
{
	server_fini(&fx->srv);
	config_free(&fx->cfg);
	assert_int_equal(fx_init(fx), 0);
}

/* ------------------------------------------------------------------ */
/* Sending requests. */

/* Hand a frame to the engine; a reply is decoded into fx->reply_frame and
 * fx->reply.  The output capacity is the daemon's (SERVER_FRAME_MAX). */
static int deliver(struct fx *fx, uint32_t ifindex, const uint8_t *frame, size_t len, uint64_t now)
{
	memset(fx->out, 0, sizeof(fx->out));
	memset(&fx->reply, 0, sizeof(fx->reply));
	fx->r = server_handle_frame(&fx->srv, ifindex, frame, len, now, fx->out, SERVER_FRAME_MAX);
	if (fx->r > 0) {
		assert_in_range(fx->r, 1, SERVER_FRAME_MAX);
		assert_int_equal(pkt_parse(fx->out, (size_t)fx->r, &fx->reply_frame, &fx->reply),
				 0);
	}
	return fx->r;
}

/* Build r as a frame (kept in fx->in and decoded into fx->req) and send it
 * on the served interface. */
static int send_req(struct fx *fx, const struct pkt_req *r, uint64_t now)
{
	int len = pkt_request(fx->in, sizeof(fx->in), r);

	assert_true(len > 0);
	fx->in_len = (size_t)len;
	assert_int_equal(pkt_parse(fx->in, fx->in_len, &fx->req_frame, &fx->req), 0);
	return deliver(fx, IFINDEX, fx->in, fx->in_len, now);
}

/* send_req() for a request that must be answered; says what came back
 * instead (a macro, so a failure names the caller's line). */
#define SEND_OK(f, req, now)                                                                       \
	do {                                                                                       \
		if (send_req((f), (req), (now)) <= 0)                                              \
			print_error("no reply: server_handle_frame() returned %d\n", (f)->r);      \
		assert_true((f)->r > 0);                                                           \
	} while (0)

static struct pkt_req req_make(uint8_t type, const uint8_t mac[6], uint32_t xid)
{
	struct pkt_req r = {.msg_type = type, .xid = xid};

	memcpy(r.chaddr, mac, 6);
	return r;
}

/* DISCOVER asking for addr, then REQUEST (SELECTING) it: mac holds addr. */
static void bind_client(struct fx *fx, const uint8_t mac[6], uint32_t addr, uint64_t now)
{
	struct pkt_req r = req_make(DHCPDISCOVER, mac, 0xb1);

	r.requested_ip = addr;
	SEND_OK(fx, &r, now);
	assert_int_equal(fx->reply.type, DHCPOFFER);
	assert_int_equal(fx->reply.hdr.yiaddr, addr);
	r = req_make(DHCPREQUEST, mac, 0xb2);
	r.requested_ip = addr;
	r.server_id = SERVER_ID;
	SEND_OK(fx, &r, now);
	assert_int_equal(fx->reply.type, DHCPACK);
	assert_int_equal(fx->reply.hdr.yiaddr, addr);
}

/* ------------------------------------------------------------------ */
/* Keys and pool state. */

static struct xdhcp_lease_key mac_key(const struct fx *fx, const uint8_t mac[6])
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.pool = fx->srv.subnets[0].pool->id;
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = DHCP_HTYPE_ETHER;
	k.len = DHCP_HLEN_ETHER;
	memcpy(k.id, mac, 6);
	return k;
}

static struct lease *lease_of(struct fx *fx, const uint8_t mac[6])
{
	struct xdhcp_lease_key k = mac_key(fx, mac);

	return pool_find_key(fx->srv.subnets[0].pool, &k);
}

/* The key the engine computes for request r. */
static void key_of(const struct pkt_req *r, struct xdhcp_lease_key *ret_key)
{
	static struct dhcp_msg m;
	uint8_t buf[PKT_FRAME_MAX];
	struct dhcp_frame f;
	int len;

	len = pkt_request(buf, sizeof(buf), r);
	assert_true(len > 0);
	assert_int_equal(pkt_parse(buf, (size_t)len, &f, &m), 0);
	server_client_key(&m, 0, ret_key);
}

static void assert_pool(const struct fx *fx, uint32_t offered, uint32_t bound, uint32_t free_,
			uint32_t declined)
{
	const struct pool *p = fx->srv.subnets[0].pool;

	assert_int_equal(p->n_offered, offered);
	assert_int_equal(p->n_bound, bound);
	assert_int_equal(p->n_free, free_);
	assert_int_equal(p->n_declined, declined);
}

/* ------------------------------------------------------------------ */
/* Checking replies. */

static uint32_t opt_ip(const struct dhcp_msg *m, uint8_t code)
{
	uint32_t v = 0;

	assert_true(dhcp_msg_opt_ip(m, code, &v));
	return v;
}

static uint32_t opt_u32(const struct dhcp_msg *m, uint8_t code)
{
	const uint8_t *p;
	size_t len = 0;

	p = dhcp_msg_opt(m, code, &len);
	assert_non_null(p);
	assert_int_equal(len, 4);
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void assert_no_opt(const struct dhcp_msg *m, uint8_t code)
{
	assert_null(dhcp_msg_opt(m, code, NULL));
}

static void assert_opt_bytes(const struct dhcp_msg *m, uint8_t code, const void *data, size_t len)
{
	const uint8_t *p;
	size_t got = 0;

	p = dhcp_msg_opt(m, code, &got);
	assert_non_null(p);
	assert_int_equal(got, len);
	assert_memory_equal(p, data, len);
}

/* The option codes of the reply in wire order (a code split per RFC 3396
 * appears once per instance).  END must be there, followed only by zero
 * padding. */
static size_t reply_codes(const struct fx *fx, uint8_t *codes, size_t cap)
{
	const uint8_t *p = fx->reply_frame.payload;
	size_t len = fx->reply_frame.payload_len, i = DHCP_OPTIONS_OFFSET, n = 0;

	while (i < len && p[i] != DHCP_OPT_END) {
		if (p[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		assert_true(i + 1 < len);
		assert_true(n < cap);
		codes[n++] = p[i];
		i += 2 + (size_t)p[i + 1];
	}
	assert_true(i < len);
	for (i++; i < len; i++)
		assert_int_equal(p[i], 0);
	return n;
}

/* Where a reply goes, RFC 2131 section 4.1. */
enum dst {
	DST_YIADDR = 1, /* yiaddr at chaddr, port 68 */
	DST_BROADCAST,	/* 255.255.255.255 at ff:ff:ff:ff:ff:ff, port 68 */
	DST_CIADDR,	/* ciaddr at the request's Ethernet source, port 68 */
	DST_RELAY,	/* giaddr at the request's Ethernet source, port 67 */
};

struct want {
	uint8_t type;
	uint32_t yiaddr, ciaddr;
	uint32_t lease_time; /* 0: options 51, 58 and 59 absent */
	enum dst dst;
	bool nak_bcast; /* the broadcast bit is added to flags (NAK via a relay) */
};

/*
 * Everything a reply to fx->req must satisfy: checksums and sizes, source
 * and destination, the fixed fields of table 3, options 53 and 54 first,
 * then the lease times, the configuration options (not in a NAK), the
 * client identifier echoed (RFC 6842) and relay information echoed last
 * (RFC 3046), nothing the client must not get.
 */
static void check_reply(const struct fx *fx, const struct want *w)
{
	const struct dhcp_frame *f = &fx->reply_frame, *qf = &fx->req_frame;
	const struct dhcp_hdr *h = &fx->reply.hdr, *qh = &fx->req.hdr;
	const struct dhcp_msg *m = &fx->reply;
	size_t n, len, ip_max = DHCP_MIN_MAX_MSG_SIZE;
	const uint8_t *q, *dst_mac = NULL;
	uint32_t dst_ip = 0;
	uint16_t dst_port = DHCP_CLIENT_PORT, maxsz;
	uint8_t codes[64];

	assert_true(fx->r > 0);

	/* Checksums and sizes: BOOTP minimum, the client's option 57. */
	assert_true(pkt_ipv4_csum_ok(fx->out, (size_t)fx->r));
	assert_true(pkt_udp_csum_ok(fx->out, (size_t)fx->r));
	assert_true(f->payload_len >= DHCP_MIN_MSG_LEN);
	if (dhcp_msg_opt_u16(&fx->req, DHCP_OPT_MAX_MSG_SIZE, &maxsz) && maxsz > ip_max)
		ip_max = maxsz;
	assert_in_range(f->payload_len + PKT_IP_HLEN + PKT_UDP_HLEN, DHCP_MIN_MSG_LEN, ip_max);

	/* Source: the interface. */
	assert_memory_equal(f->src_mac, server_mac, 6);
	assert_int_equal(f->src_ip, SERVER_ID);
	assert_int_equal(f->src_port, DHCP_SERVER_PORT);
	assert_int_equal(f->has_vlan, qf->has_vlan);
	if (qf->has_vlan)
		assert_int_equal(f->vlan_tci, qf->vlan_tci);

	/* Destination: section 4.1. */
	switch (w->dst) {
	case DST_YIADDR:
		dst_mac = qh->chaddr;
		dst_ip = w->yiaddr;
		break;
	case DST_BROADCAST:
		dst_mac = bcast_mac;
		dst_ip = ALL_ONES;
		break;
	case DST_CIADDR:
		dst_mac = qf->src_mac;
		dst_ip = qh->ciaddr;
		break;
	case DST_RELAY:
		dst_mac = qf->src_mac;
		dst_ip = qh->giaddr;
		dst_port = DHCP_SERVER_PORT;
		break;
	}
	assert_non_null(dst_mac);
	assert_memory_equal(f->dst_mac, dst_mac, 6);
	assert_int_equal(f->dst_ip, dst_ip);
	assert_int_equal(f->dst_port, dst_port);

	/* Fixed fields: table 3. */
	assert_true(m->has_cookie);
	assert_int_equal(h->op, BOOTREPLY);
	assert_int_equal(h->htype, qh->htype);
	assert_int_equal(h->hlen, qh->hlen);
	assert_int_equal(h->hops, 0);
	assert_int_equal(h->xid, qh->xid);
	assert_int_equal(h->secs, 0);
	assert_int_equal(ntohs(h->flags),
			 ntohs(qh->flags) | (w->nak_bcast ? DHCP_FLAG_BROADCAST : 0));
	assert_int_equal(h->ciaddr, w->ciaddr);
	assert_int_equal(h->yiaddr, w->yiaddr);
	assert_int_equal(h->siaddr, 0);
	assert_int_equal(h->giaddr, qh->giaddr);
	assert_memory_equal(h->chaddr, qh->chaddr, sizeof(h->chaddr));

	/* 53 and 54 first, then the lease times (RFC 2131 4.4.5). */
	assert_int_equal(m->type, w->type);
	n = reply_codes(fx, codes, sizeof(codes));
	assert_true(n >= 2);
	assert_int_equal(codes[0], DHCP_OPT_MESSAGE_TYPE);
	assert_int_equal(codes[1], DHCP_OPT_SERVER_ID);
	assert_int_equal(opt_ip(m, DHCP_OPT_SERVER_ID), SERVER_ID);
	if (w->lease_time) {
		assert_true(n >= 5);
		assert_int_equal(codes[2], DHCP_OPT_LEASE_TIME);
		assert_int_equal(codes[3], DHCP_OPT_RENEWAL_TIME);
		assert_int_equal(codes[4], DHCP_OPT_REBINDING_TIME);
		assert_int_equal(opt_u32(m, DHCP_OPT_LEASE_TIME), w->lease_time);
		assert_int_equal(opt_u32(m, DHCP_OPT_RENEWAL_TIME), w->lease_time / 2);
		assert_int_equal(opt_u32(m, DHCP_OPT_REBINDING_TIME),
				 (uint32_t)((uint64_t)w->lease_time * 7 / 8));
	} else {
		assert_no_opt(m, DHCP_OPT_LEASE_TIME);
		assert_no_opt(m, DHCP_OPT_RENEWAL_TIME);
		assert_no_opt(m, DHCP_OPT_REBINDING_TIME);
	}

	if (w->type == DHCPNAK) {
		/* Table 3: a NAK carries 53, 54, 56 and the echoes only. */
		assert_non_null(dhcp_msg_opt(m, DHCP_OPT_MESSAGE, NULL));
		for (size_t i = 0; i < n; i++)
			assert_true(
				codes[i] == DHCP_OPT_MESSAGE_TYPE ||
				codes[i] == DHCP_OPT_SERVER_ID || codes[i] == DHCP_OPT_MESSAGE ||
				codes[i] == DHCP_OPT_CLIENT_ID || codes[i] == DHCP_OPT_RELAY_AGENT);
	} else {
		assert_int_equal(opt_ip(m, DHCP_OPT_SUBNET_MASK), NETMASK);
		assert_int_equal(opt_ip(m, DHCP_OPT_ROUTER), ROUTER);
		assert_int_equal(opt_ip(m, DHCP_OPT_DNS_SERVER), DNS);
		assert_opt_bytes(m, DHCP_OPT_DOMAIN_NAME, DOMAIN, strlen(DOMAIN));
		assert_int_equal(opt_ip(m, DHCP_OPT_BROADCAST), BROADCAST);
	}
	/* Table 3: never sent by a server. */
	assert_no_opt(m, DHCP_OPT_REQUESTED_IP);
	assert_no_opt(m, DHCP_OPT_PARAM_REQUEST);
	assert_no_opt(m, DHCP_OPT_MAX_MSG_SIZE);
	assert_no_opt(m, DHCP_OPT_OVERLOAD);

	/* RFC 6842: the client identifier, byte for byte. */
	q = dhcp_msg_opt(&fx->req, DHCP_OPT_CLIENT_ID, &len);
	if (q)
		assert_opt_bytes(m, DHCP_OPT_CLIENT_ID, q, len);
	else
		assert_no_opt(m, DHCP_OPT_CLIENT_ID);
	/* RFC 3046 2.2: relay information unchanged, as the last option. */
	q = dhcp_msg_opt(&fx->req, DHCP_OPT_RELAY_AGENT, &len);
	if (q && qh->giaddr) {
		assert_opt_bytes(m, DHCP_OPT_RELAY_AGENT, q, len);
		assert_int_equal(codes[n - 1], DHCP_OPT_RELAY_AGENT);
	} else {
		assert_no_opt(m, DHCP_OPT_RELAY_AGENT);
	}
}

/* ------------------------------------------------------------------ */
/* DISCOVER (RFC 2131 4.3.1) */

static void test_discover_offers_from_range(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1001);
	struct lease *l;
	uint32_t addr;

	r.secs = 3;
	SEND_OK(fx, &r, T0);
	addr = fx->reply.hdr.yiaddr;
	assert_true(pool_in_range(fx->srv.subnets[0].pool, addr));
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	/* Held as an offer until T0 + offer time; nothing bound yet. */
	l = lease_of(fx, mac_a);
	assert_non_null(l);
	assert_int_equal(l->addr, addr);
	assert_int_equal(l->state, LEASE_OFFERED);
	assert_int_equal(l->expires_ns, T0 + OFFER_TIME * S);
	assert_int_equal(l->ifindex, IFINDEX);
	assert_pool(fx, 1, 0, 0, 0);
	assert_int_equal(fx->n_bound, 0);
	assert_int_equal(fx->n_ended, 0);
	assert_int_equal(fx->srv.stats.discovers, 1);
	assert_int_equal(fx->srv.stats.offers, 1);

	/* A repeated DISCOVER gets the same address, held longer. */
	r.xid = 0x1002;
	SEND_OK(fx, &r, T0 + 2 * S);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_ptr_equal(lease_of(fx, mac_a), l);
	assert_int_equal(l->expires_ns, T0 + 2 * S + OFFER_TIME * S);
	assert_pool(fx, 1, 0, 0, 0);
}

static void test_discover_requested_address(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1101);

	r.requested_ip = ADDR_FREE;
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = ADDR_FREE,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});

	/* Another client asking for the same address gets another one. */
	r = req_make(DHCPDISCOVER, mac_b, 0x1102);
	r.requested_ip = ADDR_FREE;
	SEND_OK(fx, &r, T0);
	assert_int_not_equal(fx->reply.hdr.yiaddr, ADDR_FREE);
	assert_true(pool_in_range(fx->srv.subnets[0].pool, fx->reply.hdr.yiaddr));

	/* Outside the range: ignored, an address from the range. */
	r = req_make(DHCPDISCOVER, mac_c, 0x1103);
	r.requested_ip = ADDR_STATIC;
	SEND_OK(fx, &r, T0);
	assert_true(pool_in_range(fx->srv.subnets[0].pool, fx->reply.hdr.yiaddr));
	assert_pool(fx, 3, 0, 0, 0);
}

static void test_discover_two_clients_differ(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1201);
	uint32_t a;

	SEND_OK(fx, &r, T0);
	a = fx->reply.hdr.yiaddr;
	r = req_make(DHCPDISCOVER, mac_b, 0x1202);
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = fx->reply.hdr.yiaddr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_true(pool_in_range(fx->srv.subnets[0].pool, fx->reply.hdr.yiaddr));
	assert_int_not_equal(fx->reply.hdr.yiaddr, a);
	assert_pool(fx, 2, 0, 0, 0);
}

static void test_discover_pool_exhausted(void **state)
{
	struct fx *fx = *state;
	uint32_t seen[RANGE_SIZE];
	uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	struct pkt_req r;

	for (unsigned int i = 0; i < RANGE_SIZE; i++) {
		mac[5] = (uint8_t)(0x40 + i);
		r = req_make(DHCPDISCOVER, mac, 0x1300 + i);
		SEND_OK(fx, &r, T0);
		seen[i] = fx->reply.hdr.yiaddr;
		assert_true(pool_in_range(fx->srv.subnets[0].pool, seen[i]));
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]);
	}
	assert_pool(fx, RANGE_SIZE, 0, 0, 0);

	/* The twelfth client: no reply, counted. */
	mac[5] = 0x7f;
	r = req_make(DHCPDISCOVER, mac, 0x13ff);
	assert_int_equal(send_req(fx, &r, T0), 0);
	assert_int_equal(fx->srv.stats.exhausted, 1);
	assert_int_equal(fx->srv.stats.offers, RANGE_SIZE);
	assert_pool(fx, RANGE_SIZE, 0, 0, 0);

	/* A client holding an offer still gets it. */
	mac[5] = 0x40;
	r = req_make(DHCPDISCOVER, mac, 0x1400);
	SEND_OK(fx, &r, T0 + S);
	assert_int_equal(fx->reply.hdr.yiaddr, seen[0]);
	assert_int_equal(fx->srv.stats.exhausted, 1);
}

/* ------------------------------------------------------------------ */
/* Delivery (RFC 2131 4.1) */

struct delivery_case {
	const char *name;
	bool bind_first; /* mac_a holds ADDR_A before the request */
	struct pkt_req req;
	struct want want;
};

static const struct delivery_case delivery_cases[] = {
	{
		.name = "broadcast flag: broadcast",
		.req = {.msg_type = DHCPDISCOVER,
			.xid = 0x2001,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.broadcast = true,
			.requested_ip = ADDR_A},
		.want = {.type = DHCPOFFER,
			 .yiaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_BROADCAST},
	},
	{
		.name = "no flag, no ciaddr: unicast to yiaddr at chaddr",
		.req = {.msg_type = DHCPDISCOVER,
			.xid = 0x2002,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.requested_ip = ADDR_A},
		.want = {.type = DHCPOFFER,
			 .yiaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_YIADDR},
	},
	{
		.name = "renewing: unicast to ciaddr at the Ethernet source",
		.bind_first = true,
		.req = {.msg_type = DHCPREQUEST,
			.xid = 0x2003,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.ciaddr = ADDR_A,
			.src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xaa},
			.dst_ip = SERVER_ID},
		.want = {.type = DHCPACK,
			 .yiaddr = ADDR_A,
			 .ciaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_CIADDR},
	},
	{
		.name = "rebinding with the broadcast flag: ciaddr comes first",
		.bind_first = true,
		.req = {.msg_type = DHCPREQUEST,
			.xid = 0x2004,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.broadcast = true,
			.ciaddr = ADDR_A},
		.want = {.type = DHCPACK,
			 .yiaddr = ADDR_A,
			 .ciaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_CIADDR},
	},
	{
		.name = "relayed: to giaddr, port 67, at the relay's MAC",
		.req = {.msg_type = DHCPDISCOVER,
			.xid = 0x2005,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.requested_ip = ADDR_A,
			.hops = 1,
			.giaddr = RELAY,
			.src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99},
			.src_ip = RELAY,
			.dst_ip = SERVER_ID,
			.src_port = DHCP_SERVER_PORT,
			.extra_opts = opt82,
			.extra_opts_len = sizeof(opt82)},
		.want = {.type = DHCPOFFER,
			 .yiaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_RELAY},
	},
	{
		.name = "relayed with the broadcast flag: still to the relay",
		.req = {.msg_type = DHCPDISCOVER,
			.xid = 0x2006,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.broadcast = true,
			.requested_ip = ADDR_A,
			.hops = 1,
			.giaddr = RELAY,
			.src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99},
			.src_ip = RELAY,
			.dst_ip = SERVER_ID,
			.src_port = DHCP_SERVER_PORT,
			.extra_opts = opt82,
			.extra_opts_len = sizeof(opt82)},
		.want = {.type = DHCPOFFER,
			 .yiaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_RELAY},
	},
	{
		.name = "NAK (init-reboot, wrong address): broadcast",
		.bind_first = true,
		.req = {.msg_type = DHCPREQUEST,
			.xid = 0x2007,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.requested_ip = ADDR_B},
		.want = {.type = DHCPNAK, .dst = DST_BROADCAST},
	},
	{
		.name = "NAK to a renewing client: broadcast, not to ciaddr",
		.req = {.msg_type = DHCPREQUEST,
			.xid = 0x2008,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.ciaddr = OTHER_NET,
			.dst_ip = SERVER_ID},
		.want = {.type = DHCPNAK, .dst = DST_BROADCAST},
	},
	{
		.name = "NAK relayed: to the relay with the broadcast bit set",
		.req = {.msg_type = DHCPREQUEST,
			.xid = 0x2009,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.requested_ip = OTHER_NET,
			.hops = 1,
			.giaddr = RELAY,
			.src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99},
			.src_ip = RELAY,
			.dst_ip = SERVER_ID,
			.src_port = DHCP_SERVER_PORT,
			.extra_opts = opt82,
			.extra_opts_len = sizeof(opt82)},
		.want = {.type = DHCPNAK, .dst = DST_RELAY, .nak_bcast = true},
	},
	{
		.name = "802.1Q: the reply carries the request's tag",
		.req = {.msg_type = DHCPDISCOVER,
			.xid = 0x200a,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.requested_ip = ADDR_A,
			.has_vlan = true,
			.vlan_tci = 100},
		.want = {.type = DHCPOFFER,
			 .yiaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_YIADDR},
	},
	{
		.name = "not Ethernet (htype 6): broadcast",
		.req = {.msg_type = DHCPDISCOVER,
			.xid = 0x200b,
			.chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			.htype = 6,
			.requested_ip = ADDR_A},
		.want = {.type = DHCPOFFER,
			 .yiaddr = ADDR_A,
			 .lease_time = LEASE_TIME,
			 .dst = DST_BROADCAST},
	},
};

static void test_delivery(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(delivery_cases); i++) {
		const struct delivery_case *c = &delivery_cases[i];

		print_message("  delivery: %s\n", c->name);
		fx_reset(fx);
		if (c->bind_first)
			bind_client(fx, mac_a, ADDR_A, T0);
		SEND_OK(fx, &c->req, T0 + S);
		check_reply(fx, &c->want);
	}
}

/* ------------------------------------------------------------------ */
/* REQUEST in SELECTING state (RFC 2131 4.3.2) */

static void test_selecting_ack(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x3001);
	struct xdhcp_lease_key k;
	const struct call *c;
	struct lease *l;
	uint32_t addr;

	SEND_OK(fx, &r, T0);
	addr = fx->reply.hdr.yiaddr;
	r = req_make(DHCPREQUEST, mac_a, 0x3002);
	r.requested_ip = addr;
	r.server_id = SERVER_ID;
	SEND_OK(fx, &r, T0 + S);
	check_reply(fx, &(struct want){.type = DHCPACK,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	/* Bound, and the map/store hook ran once before the ACK. */
	assert_int_equal(fx->n_bound, 1);
	c = last_bound(fx);
	assert_int_equal(c->addr, addr);
	assert_int_equal(c->state, LEASE_BOUND);
	assert_int_equal(c->expires_ns, T0 + S + LEASE_TIME * S);
	assert_int_equal(c->lease_time, LEASE_TIME);
	assert_int_equal(c->ifindex, IFINDEX);
	k = mac_key(fx, mac_a);
	assert_memory_equal(&c->key, &k, sizeof(k));
	l = lease_of(fx, mac_a);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->addr, addr);
	assert_pool(fx, 0, 1, 0, 0);
	assert_int_equal(fx->n_ended, 0);
	assert_int_equal(fx->srv.stats.acks, 1);
}

static void test_selecting_other_server(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x3101);
	uint32_t addr;

	SEND_OK(fx, &r, T0);
	addr = fx->reply.hdr.yiaddr;
	assert_pool(fx, 1, 0, 0, 0);

	/* The client took another server's offer: silence, our offer goes. */
	r = req_make(DHCPREQUEST, mac_a, 0x3102);
	r.requested_ip = addr;
	r.server_id = OTHER_SID;
	assert_int_equal(send_req(fx, &r, T0 + S), 0);
	assert_int_equal(fx->srv.stats.other_server, 1);
	assert_pool(fx, 0, 0, 0, 0);
	assert_null(lease_of(fx, mac_a));
	assert_null(pool_find_addr(fx->srv.subnets[0].pool, addr));
	assert_int_equal(fx->n_bound, 0);
	assert_int_equal(fx->n_ended, 1);
	assert_int_equal(last_ended(fx)->why, LEASE_END_OFFER_TIMEOUT);
	assert_int_equal(last_ended(fx)->addr, addr);
}

static void test_selecting_address_of_another(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r;
	struct lease *l;

	bind_client(fx, mac_a, ADDR_A, T0);
	r = req_make(DHCPREQUEST, mac_b, 0x3201);
	r.requested_ip = ADDR_A;
	r.server_id = SERVER_ID;
	SEND_OK(fx, &r, T0 + S);
	check_reply(fx, &(struct want){.type = DHCPNAK, .dst = DST_BROADCAST});
	assert_int_equal(fx->srv.stats.naks, 1);
	/* A keeps its lease; nothing bound for B. */
	l = lease_of(fx, mac_a);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expires_ns, T0 + LEASE_TIME * S);
	assert_null(lease_of(fx, mac_b));
	assert_int_equal(fx->n_bound, 1);
	assert_pool(fx, 0, 1, 0, 0);
}

/* ------------------------------------------------------------------ */
/* REQUEST in INIT-REBOOT state (RFC 2131 4.3.2) */

struct reboot_case {
	const char *name;
	bool known; /* mac_a holds ADDR_A */
	uint32_t requested;
	uint8_t type; /* 0: no reply */
};

static const struct reboot_case reboot_cases[] = {
	{"known client, its address: ACK", true, ADDR_A, DHCPACK},
	{"known client, another address: NAK", true, ADDR_B, DHCPNAK},
	{"known client, outside the subnet: NAK", true, OTHER_NET, DHCPNAK},
	{"known client, subnet broadcast: NAK", true, BROADCAST, DHCPNAK},
	{"unknown client, address in the subnet: silent", false, ADDR_A, 0},
	{"unknown client, outside the subnet: NAK", false, OTHER_NET, DHCPNAK},
};

static void test_init_reboot(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(reboot_cases); i++) {
		const struct reboot_case *c = &reboot_cases[i];
		struct pkt_req r = req_make(DHCPREQUEST, mac_a, 0x4000 + (uint32_t)i);
		unsigned int bound_before;

		print_message("  init-reboot: %s\n", c->name);
		fx_reset(fx);
		if (c->known)
			bind_client(fx, mac_a, ADDR_A, T0);
		bound_before = fx->n_bound;
		r.requested_ip = c->requested;
		if (!c->type) {
			assert_int_equal(send_req(fx, &r, T0 + 10 * S), 0);
			assert_int_equal(fx->n_bound, bound_before);
			assert_pool(fx, 0, 0, 0, 0);
			continue;
		}
		SEND_OK(fx, &r, T0 + 10 * S);
		if (c->type == DHCPACK) {
			check_reply(fx, &(struct want){.type = DHCPACK,
						       .yiaddr = c->requested,
						       .lease_time = LEASE_TIME,
						       .dst = DST_YIADDR});
			assert_int_equal(fx->n_bound, bound_before + 1);
			assert_int_equal(last_bound(fx)->expires_ns, T0 + 10 * S + LEASE_TIME * S);
		} else {
			check_reply(fx, &(struct want){.type = DHCPNAK, .dst = DST_BROADCAST});
			assert_int_equal(fx->n_bound, bound_before);
		}
		if (c->known) {
			assert_non_null(lease_of(fx, mac_a));
			assert_int_equal(lease_of(fx, mac_a)->state, LEASE_BOUND);
			assert_int_equal(lease_of(fx, mac_a)->addr, ADDR_A);
		}
	}
}

/* ------------------------------------------------------------------ */
/* REQUEST in RENEWING / REBINDING state (RFC 2131 4.3.2) */

struct renew_case {
	const char *name;
	const uint8_t *mac; /* the sender; mac_a holds ADDR_A */
	uint32_t ciaddr;
	bool rebinding; /* broadcast to 255.255.255.255 instead of unicast */
	uint8_t type;	/* 0: no reply */
};

static const struct renew_case renew_cases[] = {
	{"renewing its own lease: ACK, extended", mac_a, ADDR_A, false, DHCPACK},
	{"rebinding its own lease: ACK, extended", mac_a, ADDR_A, true, DHCPACK},
	{"unknown client, free address in the range: adopted", mac_b, ADDR_FREE, false, DHCPACK},
	{"address held by another client: NAK", mac_b, ADDR_A, false, DHCPNAK},
	{"ciaddr outside the subnet: NAK", mac_a, OTHER_NET, false, DHCPNAK},
	{"unknown client, in the subnet outside the range: silent", mac_b, ADDR_STATIC, true, 0},
};

static void test_renewing_rebinding(void **state)
{
	struct fx *fx = *state;
	const uint64_t now = T0 + (LEASE_TIME / 2) * S;

	for (size_t i = 0; i < ARRAY_SIZE(renew_cases); i++) {
		const struct renew_case *c = &renew_cases[i];
		struct pkt_req r = req_make(DHCPREQUEST, c->mac, 0x5000 + (uint32_t)i);
		struct lease *la, *l;

		print_message("  renew: %s\n", c->name);
		fx_reset(fx);
		bind_client(fx, mac_a, ADDR_A, T0);
		r.ciaddr = c->ciaddr;
		if (!c->rebinding)
			r.dst_ip = SERVER_ID;
		(void)send_req(fx, &r, now);
		la = lease_of(fx, mac_a);
		assert_non_null(la);
		assert_int_equal(la->state, LEASE_BOUND);
		if (c->type != DHCPACK) {
			assert_true(c->type ? fx->r > 0 : fx->r == 0);
			if (c->type)
				check_reply(fx,
					    &(struct want){.type = DHCPNAK, .dst = DST_BROADCAST});
			/* Nothing bound or extended. */
			assert_int_equal(fx->n_bound, 1);
			assert_int_equal(la->expires_ns, T0 + LEASE_TIME * S);
			assert_pool(fx, 0, 1, 0, 0);
			continue;
		}
		assert_true(fx->r > 0);
		check_reply(fx, &(struct want){.type = DHCPACK,
					       .yiaddr = c->ciaddr,
					       .ciaddr = c->ciaddr,
					       .lease_time = LEASE_TIME,
					       .dst = DST_CIADDR});
		assert_int_equal(fx->n_bound, 2);
		assert_int_equal(last_bound(fx)->addr, c->ciaddr);
		assert_int_equal(last_bound(fx)->expires_ns, now + LEASE_TIME * S);
		l = lease_of(fx, c->mac);
		assert_non_null(l);
		assert_int_equal(l->state, LEASE_BOUND);
		assert_int_equal(l->addr, c->ciaddr);
		assert_int_equal(l->expires_ns, now + LEASE_TIME * S);
		assert_pool(fx, 0, c->mac == mac_a ? 1 : 2, 0, 0);
	}
}

/* ------------------------------------------------------------------ */
/* RELEASE (RFC 2131 4.3.4) */

struct release_case {
	const char *name;
	const uint8_t *mac; /* the sender; mac_a holds ADDR_A */
	uint32_t ciaddr;
	uint32_t server_id;
	bool released;
};

static const struct release_case release_cases[] = {
	{"its own lease: released", mac_a, ADDR_A, SERVER_ID, true},
	{"another client's address: ignored", mac_b, ADDR_A, SERVER_ID, false},
	{"an address it does not hold: ignored", mac_a, ADDR_B, SERVER_ID, false},
	{"for another server: ignored", mac_a, ADDR_A, OTHER_SID, false},
};

static void test_release(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(release_cases); i++) {
		const struct release_case *c = &release_cases[i];
		struct pkt_req r = req_make(DHCPRELEASE, c->mac, 0x6000 + (uint32_t)i);
		struct lease *l;

		print_message("  release: %s\n", c->name);
		fx_reset(fx);
		bind_client(fx, mac_a, ADDR_A, T0);
		r.ciaddr = c->ciaddr;
		r.server_id = c->server_id;
		r.dst_ip = SERVER_ID;
		assert_int_equal(send_req(fx, &r, T0 + 5 * S), 0);
		assert_int_equal(fx->srv.stats.releases, 1);
		l = lease_of(fx, mac_a);
		assert_non_null(l);
		assert_int_equal(l->addr, ADDR_A);
		if (!c->released) {
			assert_int_equal(fx->n_ended, 0);
			assert_int_equal(l->state, LEASE_BOUND);
			assert_pool(fx, 0, 1, 0, 0);
			continue;
		}
		assert_int_equal(fx->n_ended, 1);
		assert_int_equal(last_ended(fx)->why, LEASE_END_RELEASED);
		assert_int_equal(last_ended(fx)->addr, ADDR_A);
		assert_int_equal(last_ended(fx)->state, LEASE_BOUND); /* called before */
		assert_int_equal(l->state, LEASE_FREE);
		assert_pool(fx, 0, 0, 1, 0);
	}
}

/* The lease_sync hook sees the client's record before the message is
 * acted on: a renewal it applies (as the daemon applies one answered in
 * XDP) is in place when a RELEASE ends the lease; a client without a
 * record is not reported. */
static uint64_t sync_extend_to;
static unsigned int n_synced;

static void on_sync(void *ctx, struct lease *l)
{
	(void)ctx;
	n_synced++;
	assert_int_equal(l->state, LEASE_BOUND);
	l->expires_ns = sync_extend_to;
}

static void test_lease_sync_before_release(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPRELEASE, mac_a, 0x6100);
	struct pkt_req d = req_make(DHCPDISCOVER, mac_b, 0x6101);

	bind_client(fx, mac_a, ADDR_A, T0);
	fx->srv.ops.lease_sync = on_sync;
	n_synced = 0;
	sync_extend_to = T0 + 3 * LEASE_TIME * S;
	assert_true(send_req(fx, &d, T0 + S) > 0); /* mac_b: no record yet */
	assert_int_equal(n_synced, 0);
	r.ciaddr = ADDR_A;
	r.server_id = SERVER_ID;
	r.dst_ip = SERVER_ID;
	assert_int_equal(send_req(fx, &r, T0 + 5 * S), 0);
	assert_int_equal(n_synced, 1);
	assert_int_equal(fx->n_ended, 1);
	assert_int_equal(last_ended(fx)->why, LEASE_END_RELEASED);
	assert_int_equal(last_ended(fx)->expires_ns, sync_extend_to);
}

static void test_release_then_sticky(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r;

	bind_client(fx, mac_a, ADDR_A, T0);
	r = req_make(DHCPRELEASE, mac_a, 0x6101);
	r.ciaddr = ADDR_A;
	r.server_id = SERVER_ID;
	r.dst_ip = SERVER_ID;
	assert_int_equal(send_req(fx, &r, T0 + S), 0);
	assert_int_equal(lease_of(fx, mac_a)->state, LEASE_FREE);

	/* Another client gets a fresh address, not the released one. */
	r = req_make(DHCPDISCOVER, mac_b, 0x6102);
	SEND_OK(fx, &r, T0 + 2 * S);
	assert_int_not_equal(fx->reply.hdr.yiaddr, ADDR_A);

	/* The client comes back, asks for nothing, gets its address. */
	r = req_make(DHCPDISCOVER, mac_a, 0x6103);
	SEND_OK(fx, &r, T0 + 3 * S);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = ADDR_A,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_int_equal(lease_of(fx, mac_a)->state, LEASE_OFFERED);
}

/* ------------------------------------------------------------------ */
/* DECLINE (RFC 2131 4.3.3) */

static void test_decline_quarantines(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r;
	struct lease *l;

	bind_client(fx, mac_a, ADDR_A, T0);
	r = req_make(DHCPDECLINE, mac_a, 0x7001);
	r.requested_ip = ADDR_A;
	r.server_id = SERVER_ID;
	assert_int_equal(send_req(fx, &r, T0 + S), 0);
	assert_int_equal(fx->srv.stats.declines, 1);
	assert_int_equal(fx->n_ended, 1);
	assert_int_equal(last_ended(fx)->why, LEASE_END_DECLINED);
	assert_int_equal(last_ended(fx)->addr, ADDR_A);
	assert_pool(fx, 0, 0, 0, 1);
	l = pool_find_addr(fx->srv.subnets[0].pool, ADDR_A);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_null(lease_of(fx, mac_a));

	/* Not offered, not even when asked for, nor to the decliner. */
	r = req_make(DHCPDISCOVER, mac_c, 0x7002);
	r.requested_ip = ADDR_A;
	SEND_OK(fx, &r, T0 + 2 * S);
	assert_int_not_equal(fx->reply.hdr.yiaddr, ADDR_A);
	r = req_make(DHCPDISCOVER, mac_a, 0x7003);
	SEND_OK(fx, &r, T0 + 3 * S);
	assert_int_not_equal(fx->reply.hdr.yiaddr, ADDR_A);
	assert_pool(fx, 2, 0, 0, 1);
}

struct decline_case {
	const char *name;
	const uint8_t *mac; /* mac_a holds ADDR_A */
	uint32_t requested; /* 0: option 50 absent */
};

static const struct decline_case decline_ignored_cases[] = {
	{"another client declines A's address", mac_b, ADDR_A},
	{"the holder declines an address it does not hold", mac_a, ADDR_B},
	{"no requested address", mac_a, 0},
};

static void test_decline_ignored(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(decline_ignored_cases); i++) {
		const struct decline_case *c = &decline_ignored_cases[i];
		struct pkt_req r = req_make(DHCPDECLINE, c->mac, 0x7100 + (uint32_t)i);

		print_message("  decline: %s\n", c->name);
		fx_reset(fx);
		bind_client(fx, mac_a, ADDR_A, T0);
		r.requested_ip = c->requested;
		r.server_id = SERVER_ID;
		assert_int_equal(send_req(fx, &r, T0 + S), 0);
		assert_int_equal(fx->n_ended, 0);
		assert_pool(fx, 0, 1, 0, 0);
		assert_int_equal(lease_of(fx, mac_a)->state, LEASE_BOUND);
	}
}

/* ------------------------------------------------------------------ */
/* INFORM (RFC 2131 4.3.5) */

static void test_inform(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPINFORM, mac_a, 0x8001);

	r.ciaddr = ADDR_STATIC;
	r.dst_ip = SERVER_ID;
	r.src_mac[0] = 0x02;
	r.src_mac[5] = 0xaa;
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPACK, .ciaddr = ADDR_STATIC, .dst = DST_CIADDR});
	assert_int_equal(fx->srv.stats.informs, 1);
	/* Configuration only: no lease. */
	assert_pool(fx, 0, 0, 0, 0);
	assert_int_equal(fx->srv.subnets[0].pool->n_fresh, RANGE_SIZE);
	assert_int_equal(fx->n_bound, 0);

	/* Without ciaddr there is nobody to answer. */
	r = req_make(DHCPINFORM, mac_a, 0x8002);
	assert_int_equal(send_req(fx, &r, T0), 0);
	assert_int_equal(fx->srv.stats.informs, 2);
	assert_int_equal(fx->srv.stats.acks, 1);
}

/* ------------------------------------------------------------------ */
/* Client identifier (RFC 2131 4.2, RFC 6842) */

static void test_client_id_keys_lease(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x9001);
	struct xdhcp_lease_key k;
	struct lease *l;
	uint32_t addr;

	r.client_id = client_id_a;
	r.client_id_len = sizeof(client_id_a);
	key_of(&r, &k);
	assert_int_equal(k.kind, XDHCP_KEY_CLIENT_ID);
	assert_int_equal(k.len, sizeof(client_id_a));
	assert_int_equal(k.htype, 0);
	assert_memory_equal(k.id, client_id_a, sizeof(client_id_a));
	assert_true(server_key_in_fastpath(&k));

	SEND_OK(fx, &r, T0);
	addr = fx->reply.hdr.yiaddr;
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	r.msg_type = DHCPREQUEST;
	r.requested_ip = addr;
	r.server_id = SERVER_ID;
	SEND_OK(fx, &r, T0 + S);
	check_reply(fx, &(struct want){.type = DHCPACK,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_memory_equal(&last_bound(fx)->key, &k, sizeof(k));
	l = pool_find_key(fx->srv.subnets[0].pool, &k);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->addr, addr);
	assert_null(lease_of(fx, mac_a)); /* not keyed by chaddr */

	/* The same chaddr without option 61 is another client. */
	r = req_make(DHCPDISCOVER, mac_a, 0x9002);
	SEND_OK(fx, &r, T0 + 2 * S);
	assert_int_not_equal(fx->reply.hdr.yiaddr, addr);
	assert_non_null(lease_of(fx, mac_a));
	assert_pool(fx, 1, 1, 0, 0);
}

static void test_client_id_long_hashed(void **state)
{
	struct fx *fx = *state;
	uint8_t id[100], id2[100];
	struct xdhcp_lease_key k, k2;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x9101);
	uint32_t addr;

	id[0] = 0; /* RFC 2132 9.14: type 0, an opaque identifier */
	for (size_t i = 1; i < sizeof(id); i++)
		id[i] = (uint8_t)('a' + i % 26);
	memcpy(id2, id, sizeof(id));
	id2[sizeof(id2) - 1] ^= 0x01; /* differs past the key's prefix */

	r.client_id = id;
	r.client_id_len = sizeof(id);
	key_of(&r, &k);
	assert_int_equal(k.kind, XDHCP_KEY_CLIENT_ID);
	assert_int_equal(k.len, XDHCP_CLIENT_ID_MAX);
	assert_false(server_key_in_fastpath(&k));

	SEND_OK(fx, &r, T0);
	addr = fx->reply.hdr.yiaddr;
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	r.msg_type = DHCPREQUEST;
	r.requested_ip = addr;
	r.server_id = SERVER_ID;
	SEND_OK(fx, &r, T0 + S);
	check_reply(fx, &(struct want){.type = DHCPACK,
				       .yiaddr = addr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_memory_equal(&last_bound(fx)->key, &k, sizeof(k));
	assert_non_null(pool_find_key(fx->srv.subnets[0].pool, &k));

	/* An identifier differing only in its last byte is another client. */
	r = req_make(DHCPDISCOVER, mac_a, 0x9102);
	r.client_id = id2;
	r.client_id_len = sizeof(id2);
	key_of(&r, &k2);
	assert_memory_not_equal(&k, &k2, sizeof(k));
	SEND_OK(fx, &r, T0 + 2 * S);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = fx->reply.hdr.yiaddr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_int_not_equal(fx->reply.hdr.yiaddr, addr);
	assert_pool(fx, 1, 1, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Option 55 order (RFC 2132 9.8) */

struct prl_case {
	const char *name;
	uint8_t prl[8];
	uint8_t prl_len;
	uint8_t expect[8]; /* codes after 53, 54, 51, 58, 59 */
	uint8_t expect_len;
};

static const struct prl_case prl_cases[] = {
	{"6, 3, 1", {6, 3, 1}, 3, {6, 3, 1, 15, 28}, 5},
	{"28, 15", {28, 15}, 2, {28, 15, 1, 3, 6}, 5},
	{"unknown and repeated codes", {121, 6, 42, 6, 1}, 5, {6, 1, 3, 15, 28}, 5},
	{"empty: default order", {0}, 0, {1, 3, 6, 15, 28}, 5},
};

static void test_prl_order(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(prl_cases); i++) {
		const struct prl_case *c = &prl_cases[i];
		struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xa000 + (uint32_t)i);
		uint8_t opt[2 + sizeof(c->prl)], codes[64];
		size_t n;

		print_message("  PRL: %s\n", c->name);
		opt[0] = DHCP_OPT_PARAM_REQUEST;
		opt[1] = c->prl_len;
		memcpy(opt + 2, c->prl, c->prl_len);
		r.extra_opts = opt;
		r.extra_opts_len = 2 + (size_t)c->prl_len;
		SEND_OK(fx, &r, T0);
		check_reply(fx, &(struct want){.type = DHCPOFFER,
					       .yiaddr = fx->reply.hdr.yiaddr,
					       .lease_time = LEASE_TIME,
					       .dst = DST_YIADDR});
		n = reply_codes(fx, codes, sizeof(codes));
		assert_int_equal(n, 5 + (size_t)c->expect_len);
		assert_memory_equal(codes + 5, c->expect, c->expect_len);
	}
}

/* ------------------------------------------------------------------ */
/* Option 57 and reply sizes */

/* n search domains of `labels` labels of label_len letters (a distinct
 * letter per domain) under example.test.  Returns the option 119 size. */
static size_t set_search(struct xdhcp_config *cfg, unsigned int n, unsigned int labels,
			 size_t label_len)
{
	const char *names[CFG_MAX_SEARCH];
	uint8_t wire[CFG_MAX_SEARCH * (CFG_NAME_MAX + 2)];
	int len;

	assert_in_range(n, 1, CFG_MAX_SEARCH);
	assert_true(labels * (label_len + 1) + sizeof(DOMAIN) <= CFG_NAME_MAX);
	for (unsigned int i = 0; i < n; i++) {
		char *p = cfg->subnets[0].search[i];

		for (unsigned int j = 0; j < labels; j++) {
			memset(p, 'a' + (int)i, label_len);
			p[label_len] = '.';
			p += label_len + 1;
		}
		memcpy(p, DOMAIN, sizeof(DOMAIN));
		names[i] = cfg->subnets[0].search[i];
	}
	cfg->subnets[0].n_search = n;
	len = dhcp_encode_domain_search(names, n, wire, sizeof(wire));
	assert_true(len > 0);
	return (size_t)len;
}

static void put_max_size(uint8_t opt[4], uint16_t size)
{
	opt[0] = DHCP_OPT_MAX_MSG_SIZE;
	opt[1] = 2;
	opt[2] = (uint8_t)(size >> 8);
	opt[3] = (uint8_t)size;
}

static size_t reply_ip_len(const struct fx *fx)
{
	return fx->reply_frame.payload_len + PKT_IP_HLEN + PKT_UDP_HLEN;
}

static void test_max_size_1500_allows_large_reply(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xb001);
	const char *names[CFG_MAX_SEARCH];
	uint8_t opt[4], wire[2048];
	int wlen;

	assert_in_range(set_search(&fx->cfg, 6, 1, 55), 300, 500);
	put_max_size(opt, 1500);
	r.extra_opts = opt;
	r.extra_opts_len = sizeof(opt);
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = fx->reply.hdr.yiaddr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_true(reply_ip_len(fx) > DHCP_MIN_MAX_MSG_SIZE);
	assert_true(reply_ip_len(fx) <= 1500);
	/* The search list arrives whole (split per RFC 3396, rejoined). */
	for (unsigned int i = 0; i < fx->cfg.subnets[0].n_search; i++)
		names[i] = fx->cfg.subnets[0].search[i];
	wlen = dhcp_encode_domain_search(names, fx->cfg.subnets[0].n_search, wire, sizeof(wire));
	assert_true(wlen > 255);
	assert_opt_bytes(&fx->reply, DHCP_OPT_DOMAIN_SEARCH, wire, (size_t)wlen);
}

/* A limit below 576 means 576: a reply of 400..576 bytes is still sent. */
static void test_max_size_below_576_means_576(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xb101);
	uint8_t opt[4], id[150];

	memset(id, 0x5a, sizeof(id));
	id[0] = 0;
	put_max_size(opt, 400);
	r.extra_opts = opt;
	r.extra_opts_len = sizeof(opt);
	r.client_id = id;
	r.client_id_len = sizeof(id);
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = fx->reply.hdr.yiaddr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	assert_in_range(reply_ip_len(fx), 401, DHCP_MIN_MAX_MSG_SIZE);
}

/*
 * Configuration options that do not fit the client's limit must not cost
 * the client its reply.  The search list below makes a full OFFER of about
 * 700 bytes; a client without option 57 (or with 57 below 576) accepts 576.
 * Expected: an OFFER within 576 bytes carrying the mandatory options.
 */
static void test_reply_fits_576_when_options_do_not(void **state)
{
	struct fx *fx = *state;
	static const uint16_t sizes[] = {0, 400};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xb200 + (uint32_t)i);
		uint8_t opt[4];

		print_message("  option 57: %u (0: absent)\n", sizes[i]);
		fx_reset(fx);
		assert_in_range(set_search(&fx->cfg, 6, 1, 55), 300, 500);
		if (sizes[i]) {
			put_max_size(opt, sizes[i]);
			r.extra_opts = opt;
			r.extra_opts_len = sizeof(opt);
		}
		SEND_OK(fx, &r, T0);
		check_reply(fx, &(struct want){.type = DHCPOFFER,
					       .yiaddr = fx->reply.hdr.yiaddr,
					       .lease_time = LEASE_TIME,
					       .dst = DST_YIADDR});
		assert_true(reply_ip_len(fx) <= DHCP_MIN_MAX_MSG_SIZE);
	}
}

/*
 * The same limit on the path the fast path relies on: the XDP program
 * answers a renewal only when template, echoed option 61 and END fit in
 * 576 bytes of IP (fastpath_abi.h: at most 307 bytes of template), and
 * punts the rest to the engine.  Here the template is 299 bytes: a client
 * without option 61 is answered in XDP, one with a 7-byte client id is
 * punted and must get its ACK from the engine.
 */
#define TMPL_FAST_MAX (DHCP_MIN_MAX_MSG_SIZE - PKT_IP_HLEN - PKT_UDP_HLEN - DHCP_OPTIONS_OFFSET - 1)

static void test_punted_renewal_is_answered(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r;
	struct xdhcp_lease_key k;
	struct xdhcp_tmpl t;
	struct lease *l;

	assert_in_range(set_search(&fx->cfg, 4, 1, 52), 200, 255);
	assert_int_equal(server_build_template(&fx->srv, &fx->ifc, NULL, &t), 0);
	assert_in_range(t.len, TMPL_FAST_MAX - 2 - sizeof(client_id_a) + 1, TMPL_FAST_MAX);

	/* Without option 61 the engine's ACK fits too. */
	bind_client(fx, mac_b, ADDR_B, T0);
	r = req_make(DHCPREQUEST, mac_b, 0xb402);
	r.ciaddr = ADDR_B;
	SEND_OK(fx, &r, T0 + 300 * S);
	check_reply(fx, &(struct want){.type = DHCPACK,
				       .yiaddr = ADDR_B,
				       .ciaddr = ADDR_B,
				       .lease_time = LEASE_TIME,
				       .dst = DST_CIADDR});

	/* With option 61 (a lease from the lease file): punted by XDP, so
	 * the engine must answer. */
	r = req_make(DHCPREQUEST, mac_a, 0xb403);
	r.client_id = client_id_a;
	r.client_id_len = sizeof(client_id_a);
	r.ciaddr = ADDR_A;
	key_of(&r, &k);
	assert_int_equal(pool_restore(fx->srv.subnets[0].pool, &k, ADDR_A, T0 + LEASE_TIME * S,
				      LEASE_TIME, &l),
			 0);
	SEND_OK(fx, &r, T0 + 300 * S);
	check_reply(fx, &(struct want){.type = DHCPACK,
				       .yiaddr = ADDR_A,
				       .ciaddr = ADDR_A,
				       .lease_time = LEASE_TIME,
				       .dst = DST_CIADDR});
	assert_int_equal(l->expires_ns, T0 + 300 * S + LEASE_TIME * S);
}

/*
 * server.h: SERVER_FRAME_MAX is the largest reply frame the engine builds
 * (and the daemon's buffer).  A client announcing option 57 = 65535 must
 * not make the engine build more: here a full OFFER is 1520 bytes of
 * DHCP, a 1562-byte frame (and a 1548-byte IP datagram, over a 1500-byte
 * MTU).
 */
static void test_reply_fits_server_frame_max(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xb301);
	uint8_t opt[4], big[PKT_FRAME_MAX];
	int len;

	assert_in_range(set_search(&fx->cfg, 8, 3, 48), 1150, 1230);
	put_max_size(opt, 65535);
	r.extra_opts = opt;
	r.extra_opts_len = sizeof(opt);
	/* With the daemon's buffer, the client is answered. */
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = fx->reply.hdr.yiaddr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
	/* With a larger buffer than the daemon's, nothing larger comes out. */
	len = server_handle_frame(&fx->srv, IFINDEX, fx->in, fx->in_len, T0 + S, big, sizeof(big));
	assert_in_range(len, 1, SERVER_FRAME_MAX);
}

/* Every kind of reply, in one client's life: at least 300 bytes of DHCP
 * (RFC 1542), both checksums valid. */
struct size_case {
	const char *name;
	struct pkt_req req;
	uint8_t type;
};

static const struct size_case size_cases[] = {
	{"OFFER",
	 {.msg_type = DHCPDISCOVER,
	  .xid = 0xc001,
	  .chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
	  .requested_ip = ADDR_A},
	 DHCPOFFER},
	{"ACK",
	 {.msg_type = DHCPREQUEST,
	  .xid = 0xc002,
	  .chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
	  .requested_ip = ADDR_A,
	  .server_id = SERVER_ID},
	 DHCPACK},
	{"NAK",
	 {.msg_type = DHCPREQUEST,
	  .xid = 0xc003,
	  .chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
	  .requested_ip = ADDR_B},
	 DHCPNAK},
	{"ACK to INFORM",
	 {.msg_type = DHCPINFORM,
	  .xid = 0xc004,
	  .chaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
	  .ciaddr = ADDR_STATIC},
	 DHCPACK},
};

static void test_reply_minimum_size_and_checksums(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(size_cases); i++) {
		const struct size_case *c = &size_cases[i];

		print_message("  size: %s\n", c->name);
		SEND_OK(fx, &c->req, T0);
		assert_int_equal(fx->reply.type, c->type);
		assert_in_range(fx->reply_frame.payload_len, DHCP_MIN_MSG_LEN, SERVER_FRAME_MAX);
		assert_true(pkt_ipv4_csum_ok(fx->out, (size_t)fx->r));
		assert_true(pkt_udp_csum_ok(fx->out, (size_t)fx->r));
	}
}

/* ------------------------------------------------------------------ */
/* Malformed and ignored input */

/* Deterministic filler bytes (a linear congruential generator). */
static void fill_garbage(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245U + 12345U;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int build_discover(uint8_t *buf, size_t cap, struct pkt_req *r)
{
	r->msg_type = r->msg_type ? r->msg_type : DHCPDISCOVER;
	r->xid = 0xd000;
	memcpy(r->chaddr, mac_a, 6);
	return pkt_request(buf, cap, r);
}

static int frame_too_short(uint8_t *buf, size_t cap)
{
	(void)cap;
	fill_garbage(buf, 10, 1);
	return 10;
}

static int frame_garbage_ipv4(uint8_t *buf, size_t cap)
{
	uint8_t junk[200];

	fill_garbage(junk, sizeof(junk), 2);
	junk[0] = 0x65; /* version 6 in an IPv4 ethertype */
	return pkt_ether(buf, cap, bcast_mac, mac_a, 0x0800, junk, sizeof(junk));
}

static int frame_garbage_payload(uint8_t *buf, size_t cap)
{
	struct dhcp_frame f = {.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			       .src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			       .dst_ip = ALL_ONES,
			       .src_port = DHCP_CLIENT_PORT,
			       .dst_port = DHCP_SERVER_PORT};
	uint8_t junk[120];

	fill_garbage(junk, sizeof(junk), 3);
	return dhcp_frame_build(buf, cap, &f, junk, sizeof(junk));
}

static int frame_option_overrun(uint8_t *buf, size_t cap)
{
	static const uint8_t bad[] = {DHCP_OPT_HOSTNAME, 200, 'x', 'y'};
	struct pkt_req r = {.extra_opts = bad, .extra_opts_len = sizeof(bad), .no_end = true};

	return build_discover(buf, cap, &r);
}

static int frame_bad_ip_csum(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {0};
	int len = build_discover(buf, cap, &r);

	buf[pkt_l3_off(buf) + 10] ^= 0x5a;
	return len;
}

static int frame_fragment(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {0};
	int len = build_discover(buf, cap, &r);

	buf[pkt_l3_off(buf) + 6] |= 0x20; /* more fragments */
	pkt_fix_ipv4_csum(buf);
	return len;
}

static int frame_bootreply(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {0};
	int len = build_discover(buf, cap, &r);

	buf[pkt_dhcp_off(buf)] = BOOTREPLY;
	pkt_fix_udp_csum(buf);
	return len;
}

static int frame_bootp(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.no_cookie = true};

	return build_discover(buf, cap, &r);
}

static int frame_no_type(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.requested_ip = ADDR_A};
	int len = build_discover(buf, cap, &r);
	size_t opt = pkt_dhcp_off(buf) + DHCP_OPTIONS_OFFSET;

	/* Turn option 53 into PADs. */
	assert_int_equal(buf[opt], DHCP_OPT_MESSAGE_TYPE);
	memset(buf + opt, DHCP_OPT_PAD, 3);
	pkt_fix_udp_csum(buf);
	return len;
}

static int frame_unknown_type(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.msg_type = 42};

	return build_discover(buf, cap, &r);
}

static int frame_offer_type(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.msg_type = DHCPOFFER};

	return build_discover(buf, cap, &r);
}

static int frame_hlen_17(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.hlen = 17};

	return build_discover(buf, cap, &r);
}

static int frame_relay_outside(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.giaddr = OTHER_RELAY,
			    .src_ip = OTHER_RELAY,
			    .dst_ip = SERVER_ID,
			    .src_port = DHCP_SERVER_PORT,
			    .src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};

	return build_discover(buf, cap, &r);
}

static int frame_other_port(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {.dst_port = DHCP_CLIENT_PORT};

	return build_discover(buf, cap, &r);
}

static int frame_icmp(uint8_t *buf, size_t cap)
{
	struct dhcp_frame f = {.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			       .src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			       .src_ip = ADDR_A,
			       .dst_ip = SERVER_ID};
	uint8_t echo[64] = {8, 0};

	return pkt_ipv4(buf, cap, &f, 1, echo, sizeof(echo));
}

static int frame_arp(uint8_t *buf, size_t cap)
{
	uint8_t arp[28];

	fill_garbage(arp, sizeof(arp), 4);
	return pkt_ether(buf, cap, bcast_mac, mac_a, 0x0806, arp, sizeof(arp));
}

static int frame_served_discover(uint8_t *buf, size_t cap)
{
	struct pkt_req r = {0};

	return build_discover(buf, cap, &r);
}

struct bad_case {
	const char *name;
	int (*build)(uint8_t *buf, size_t cap);
	uint32_t ifindex;
	int ret;
	bool malformed; /* else ignored */
};

static const struct bad_case bad_cases[] = {
	{"10 bytes of garbage", frame_too_short, IFINDEX, -EBADMSG, true},
	{"garbage after an IPv4 ethertype", frame_garbage_ipv4, IFINDEX, -EBADMSG, true},
	{"garbage UDP payload to port 67", frame_garbage_payload, IFINDEX, -EBADMSG, true},
	{"option running past the message", frame_option_overrun, IFINDEX, -EBADMSG, true},
	{"bad IPv4 header checksum", frame_bad_ip_csum, IFINDEX, -EBADMSG, true},
	{"IPv4 fragment", frame_fragment, IFINDEX, -EBADMSG, true},
	{"BOOTREPLY", frame_bootreply, IFINDEX, 0, false},
	{"BOOTP without cookie", frame_bootp, IFINDEX, 0, false},
	{"no option 53", frame_no_type, IFINDEX, 0, false},
	{"unknown message type", frame_unknown_type, IFINDEX, 0, false},
	{"DHCPOFFER from a client", frame_offer_type, IFINDEX, 0, false},
	{"hlen 17", frame_hlen_17, IFINDEX, 0, false},
	{"relay outside the subnet", frame_relay_outside, IFINDEX, 0, false},
	{"UDP to port 68", frame_other_port, IFINDEX, 0, false},
	{"ICMP", frame_icmp, IFINDEX, 0, false},
	{"ARP", frame_arp, IFINDEX, 0, false},
	{"DISCOVER on an unknown interface", frame_served_discover, IFINDEX + 1, 0, false},
};

static void test_malformed_and_ignored(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[PKT_FRAME_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct server_stats before = fx->srv.stats;
		int len;

		print_message("  bad input: %s\n", c->name);
		memset(buf, 0, sizeof(buf));
		len = c->build(buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(deliver(fx, c->ifindex, buf, (size_t)len, T0), c->ret);
		assert_int_equal(fx->srv.stats.rx, before.rx + 1);
		assert_int_equal(fx->srv.stats.malformed,
				 before.malformed + (c->malformed ? 1 : 0));
		assert_int_equal(fx->srv.stats.ignored, before.ignored + (c->malformed ? 0 : 1));
		/* Nothing changed. */
		assert_int_equal(fx->srv.stats.discovers, 0);
		assert_int_equal(fx->srv.stats.offers, 0);
		assert_int_equal(fx->srv.subnets[0].pool->n_fresh, RANGE_SIZE);
		assert_pool(fx, 0, 0, 0, 0);
		assert_int_equal(fx->n_bound, 0);
		assert_int_equal(fx->n_ended, 0);
	}
	/* The same DISCOVER on the served interface is answered. */
	assert_true(deliver(fx, IFINDEX, buf, (size_t)frame_served_discover(buf, sizeof(buf)), T0) >
		    0);
	assert_int_equal(fx->reply.type, DHCPOFFER);
}

/* A DISCOVER with several options, cut at every length: the frame as is
 * (the IPv4 total length then overruns it), never a reply, never a read
 * past the end (each cut is its own allocation, for ASan). */
static void test_truncated_frames(void **state)
{
	struct fx *fx = *state;
	static const uint8_t opts[] = {
		DHCP_OPT_PARAM_REQUEST, 3, 1, 3, 6, DHCP_OPT_HOSTNAME, 4, 'v', 'm', '0', '1'};
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xe001);
	int full;

	r.client_id = client_id_a;
	r.client_id_len = sizeof(client_id_a);
	r.extra_opts = opts;
	r.extra_opts_len = sizeof(opts);
	full = pkt_request(fx->in, sizeof(fx->in), &r);
	assert_true(full > 0);
	for (size_t len = 0; len < (size_t)full; len++) {
		uint8_t *cut = malloc(len ? len : 1);

		assert_non_null(cut);
		memcpy(cut, fx->in, len);
		assert_int_equal(deliver(fx, IFINDEX, cut, len, T0), -EBADMSG);
		free(cut);
	}
	assert_int_equal(fx->srv.stats.malformed, (uint64_t)full);
	assert_int_equal(fx->srv.stats.offers, 0);
	assert_pool(fx, 0, 0, 0, 0);
	/* Whole, it is answered. */
	SEND_OK(fx, &r, T0);
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = fx->reply.hdr.yiaddr,
				       .lease_time = LEASE_TIME,
				       .dst = DST_YIADDR});
}

/*
 * The same DISCOVER with its DHCP message cut at every length and the IPv4
 * and UDP lengths and checksums made consistent: only cuts that end on an
 * option boundary at or after option 53 decode (a field may end without
 * END when its last option ends at the field's end) and are answered.
 */
static void test_truncated_messages(void **state)
{
	struct fx *fx = *state;
	static const uint8_t opts[] = {
		DHCP_OPT_PARAM_REQUEST, 3, 1, 3, 6, DHCP_OPT_HOSTNAME, 4, 'v', 'm', '0', '1'};
	struct dhcp_frame f = {.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			       .src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
			       .dst_ip = ALL_ONES,
			       .src_port = DHCP_CLIENT_PORT,
			       .dst_port = DHCP_SERVER_PORT};
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0xe101);
	const size_t o = DHCP_OPTIONS_OFFSET;
	/* Option ends: 53 (3 bytes), 61 (2 + 7), 55 (5), 12 (6). */
	const size_t answered[] = {o + 3, o + 12, o + 17, o + 23};
	uint8_t msg[PKT_FRAME_MAX], frame[PKT_FRAME_MAX];
	unsigned int n_replies = 0;
	int msg_len;

	r.client_id = client_id_a;
	r.client_id_len = sizeof(client_id_a);
	r.extra_opts = opts;
	r.extra_opts_len = sizeof(opts);
	r.min_len = 1; /* END, no padding */
	msg_len = pkt_dhcp_msg(msg, sizeof(msg), &r);
	assert_int_equal(msg_len, (int)(o + 24));
	for (size_t cut = 0; cut < (size_t)msg_len; cut++) {
		bool want = false;
		uint8_t *p;
		int len;

		for (size_t j = 0; j < ARRAY_SIZE(answered); j++)
			want |= cut == answered[j];
		len = dhcp_frame_build(frame, sizeof(frame), &f, msg, cut);
		assert_true(len > 0);
		p = malloc((size_t)len);
		assert_non_null(p);
		memcpy(p, frame, (size_t)len);
		(void)deliver(fx, IFINDEX, p, (size_t)len, T0);
		free(p);
		if (!want) {
			assert_true(fx->r <= 0);
			continue;
		}
		assert_true(fx->r > 0);
		assert_int_equal(fx->reply.type, DHCPOFFER);
		assert_true(pool_in_range(fx->srv.subnets[0].pool, fx->reply.hdr.yiaddr));
		n_replies++;
	}
	assert_int_equal(n_replies, ARRAY_SIZE(answered));
	assert_int_equal(fx->srv.stats.offers, ARRAY_SIZE(answered));
}

/* ------------------------------------------------------------------ */
/* Client keys as text */

struct key_case {
	const char *name;
	struct xdhcp_lease_key key;
	const char *text;
};

static const struct key_case key_cases[] = {
	{"mac",
	 {.pool = 3,
	  .kind = XDHCP_KEY_HWADDR,
	  .htype = 1,
	  .len = 6,
	  .id = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
	 "mac:52:54:00:12:34:56"},
	{"hw, htype 6",
	 {.pool = 3,
	  .kind = XDHCP_KEY_HWADDR,
	  .htype = 6,
	  .len = 6,
	  .id = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07}},
	 "hw:6:02:00:00:00:00:07"},
	{"hw, Ethernet with hlen 8",
	 {.pool = 3,
	  .kind = XDHCP_KEY_HWADDR,
	  .htype = 1,
	  .len = 8,
	  .id = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0xab, 0xcd}},
	 "hw:1:02:00:00:00:00:07:ab:cd"},
	{"id",
	 {.pool = 3,
	  .kind = XDHCP_KEY_CLIENT_ID,
	  .len = 7,
	  .id = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}},
	 "id:01020000000001"},
};

static void key_round_trip(const struct xdhcp_lease_key *k, const char *want_text)
{
	char text[2 + 4 + 2 * XDHCP_CLIENT_ID_MAX + 64];
	struct xdhcp_lease_key back;

	memset(text, 0x7f, sizeof(text));
	server_key_format(k, text, sizeof(text));
	assert_non_null(memchr(text, '\0', sizeof(text)));
	if (want_text)
		assert_string_equal(text, want_text);
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(server_key_parse(text, k->pool, &back), 0);
	assert_memory_equal(&back, k, sizeof(back));
}

static void test_key_format_parse(void **state)
{
	struct xdhcp_lease_key k;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 1);
	char text[160];
	uint8_t id[100];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(key_cases); i++) {
		print_message("  key: %s\n", key_cases[i].name);
		key_round_trip(&key_cases[i].key, key_cases[i].text);
	}

	/* The longest plain id: 64 bytes, 128 hex digits. */
	memset(&k, 0, sizeof(k));
	k.kind = XDHCP_KEY_CLIENT_ID;
	k.len = XDHCP_CLIENT_ID_MAX;
	fill_garbage(k.id, sizeof(k.id), 5);
	key_round_trip(&k, NULL);

	/* A hashed id, as the engine makes it from a 100-byte option 61. */
	fill_garbage(id, sizeof(id), 6);
	r.client_id = id;
	r.client_id_len = sizeof(id);
	key_of(&r, &k);
	server_key_format(&k, text, sizeof(text));
	assert_int_equal(strncmp(text, "idh:", 4), 0);
	assert_int_equal(strlen(text), 4 + 2 * XDHCP_CLIENT_ID_MAX);
	key_round_trip(&k, text);

	/* A key made by the engine from a plain request. */
	r = req_make(DHCPDISCOVER, mac_b, 2);
	key_of(&r, &k);
	key_round_trip(&k, "mac:02:00:00:00:00:02");
}

static void test_key_parse_rejects_junk(void **state)
{
	static const char *const junk[] = {
		"mac:zz",
		"id:",
		"bogus",
		"",
		"mac:",
		"mac:02:00:00:00:00",
		"mac:02:00:00:00:00:01:02",
		"mac:02:00:00:00:00:0",
		"mac:02:00:00:00:00:01:",
		"hw::01",
		"hw:256:01",
		"hw:6:",
		"id:0",
		"id:0g",
		"idh:0102",
	};
	struct xdhcp_lease_key k, untouched;

	(void)state;
	memset(&untouched, 0xa5, sizeof(untouched));
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		print_message("  junk: \"%s\"\n", junk[i]);
		k = untouched;
		assert_int_equal(server_key_parse(junk[i], 0, &k), -EINVAL);
		assert_memory_equal(&k, &untouched, sizeof(k));
	}
}

static void test_key_format_truncates(void **state)
{
	const struct xdhcp_lease_key *k = &key_cases[0].key;
	char buf[12];

	(void)state;
	/* Only 9 bytes offered: NUL-terminated inside them, nothing after. */
	memset(buf, 0x7f, sizeof(buf));
	server_key_format(k, buf, 9);
	assert_non_null(memchr(buf, '\0', 9));
	assert_int_equal(strncmp(buf, "mac:", 4), 0);
	assert_int_equal(buf[9], 0x7f);
	assert_int_equal(buf[10], 0x7f);
	assert_int_equal(buf[11], 0x7f);
}

/* ------------------------------------------------------------------ */
/* The fast path's ACK template */

static void test_build_template(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_tmpl t;
	uint8_t head[64], codes[32];
	struct pkt_req r;
	size_t i, n = 0;
	int head_len;

	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(server_build_template(&fx->srv, &fx->ifc, NULL, &t), 0);
	assert_in_range(t.len, 1, XDHCP_TMPL_MAX);
	assert_int_equal(t.siaddr, 0);
	for (i = t.len; i < XDHCP_TMPL_MAX; i++)
		assert_int_equal(t.data[i], 0);
	{
		/* The checksum share (RFC 1071) of the first len & ~3 bytes,
		 * summed here as big-endian words: the same sum, bytes
		 * swapped, as the words in memory order. */
		uint32_t be = 0;

		for (i = 0; i + 1 < (t.len & ~3U); i += 2)
			be += (uint32_t)(t.data[i] << 8 | t.data[i + 1]);
		while (be >> 16)
			be = (be & 0xffff) + (be >> 16);
		assert_int_equal(t.csum, htons((uint16_t)be));
		assert_int_not_equal(t.csum, 0);
	}

	/* 53 = ACK, 54, 51, 58 = T1, 59 = T2, 1, 3, 6 as the XDP tests expect
	 * them, then 15 and 28. */
	head_len = pkt_ack_options(head, sizeof(head), SERVER_ID, LEASE_TIME, NETMASK, ROUTER, DNS);
	assert_true(head_len > 0);
	assert_true(t.len > head_len);
	assert_memory_equal(t.data, head, (size_t)head_len);
	assert_int_equal(t.data[0], DHCP_OPT_MESSAGE_TYPE);
	assert_int_equal(t.data[2], DHCPACK);

	/* Whole options, no END, no PAD. */
	for (i = 0; i < t.len; i += 2 + (size_t)t.data[i + 1]) {
		assert_int_not_equal(t.data[i], DHCP_OPT_END);
		assert_int_not_equal(t.data[i], DHCP_OPT_PAD);
		assert_true(i + 1 < t.len);
		codes[n++] = t.data[i];
	}
	assert_int_equal(i, t.len);
	assert_int_equal(n, 10);
	assert_int_equal(codes[8], DHCP_OPT_DOMAIN_NAME);
	assert_int_equal(codes[9], DHCP_OPT_BROADCAST);

	/* The same bytes as the daemon's own ACK to a plain request. */
	bind_client(fx, mac_a, ADDR_A, T0);
	r = req_make(DHCPREQUEST, mac_a, 0xf001);
	r.ciaddr = ADDR_A;
	SEND_OK(fx, &r, T0 + S);
	assert_true(fx->reply_frame.payload_len > DHCP_OPTIONS_OFFSET + t.len);
	assert_memory_equal(fx->reply_frame.payload + DHCP_OPTIONS_OFFSET, t.data, t.len);
	assert_int_equal(fx->reply_frame.payload[DHCP_OPTIONS_OFFSET + t.len], DHCP_OPT_END);

	/* Options that cannot fit: -ENOSPC. */
	set_search(&fx->cfg, 8, 3, 48);
	assert_int_equal(server_build_template(&fx->srv, &fx->ifc, NULL, &t), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_discover_offers_from_range),
		T(test_discover_requested_address),
		T(test_discover_two_clients_differ),
		T(test_discover_pool_exhausted),
		T(test_delivery),
		T(test_selecting_ack),
		T(test_selecting_other_server),
		T(test_selecting_address_of_another),
		T(test_init_reboot),
		T(test_renewing_rebinding),
		T(test_release),
		T(test_lease_sync_before_release),
		T(test_release_then_sticky),
		T(test_decline_quarantines),
		T(test_decline_ignored),
		T(test_inform),
		T(test_client_id_keys_lease),
		T(test_client_id_long_hashed),
		T(test_prl_order),
		T(test_max_size_1500_allows_large_reply),
		T(test_max_size_below_576_means_576),
		T(test_reply_fits_576_when_options_do_not),
		T(test_punted_renewal_is_answered),
		T(test_reply_fits_server_frame_max),
		T(test_reply_minimum_size_and_checksums),
		T(test_malformed_and_ignored),
		T(test_truncated_frames),
		T(test_truncated_messages),
		T(test_key_format_parse),
		T(test_key_parse_rejects_junk),
		T(test_key_format_truncates),
		T(test_build_template),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
