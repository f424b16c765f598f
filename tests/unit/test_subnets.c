/* SPDX-License-Identifier: MIT */
/*
 * Engine tests for subnets and reservations (user/server.c on top of
 * user/lease.c).  The configuration is written as a config file (subnet 0,
 * then a `[subnet b]` section), parsed, its netmasks resolved as the daemon
 * does, validated, and handed to server_init() with two interfaces: tap7
 * (ifindex 7) serves 198.18.0.0/24, tap8 (ifindex 8) 198.18.1.0/24.
 * Whole frames built with tests/lib/pkt.h go into server_handle_frame();
 * every reply is decoded and checked for the interface it leaves from and
 * the subnet whose options it carries.  Covered: per-subnet pools and lease
 * keys, relayed requests (RFC 2131 4.3.1), reservations by MAC and by
 * client identifier inside and outside the range, per-reservation host name
 * and PXE fields, classless routes (RFC 3442) and generic options in
 * parameter request list order (RFC 2132 9.8), fast-path templates for
 * reservations, and ARP conflict probing (--conflict-check).
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
#include <unistd.h>

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
#define LEASE_TIME 600
#define N_CALLS	   64 /* callback calls recorded in detail */

#define NETMASK	    PKT_IP(255, 255, 255, 0)
#define RELAY1	    PKT_IP(198, 18, 1, 2) /* a relay agent on subnet 1 */
#define OTHER_RELAY PKT_IP(198, 19, 0, 1) /* a relay outside every subnet */
#define DNS	    PKT_IP(198, 18, 0, 53)
#define NTP	    PKT_IP(198, 18, 0, 123)
#define PXE_SERVER  PKT_IP(198, 18, 0, 4)
#define PXE_ALPHA   PKT_IP(198, 18, 0, 5)

/* The two subnets and the interface serving each (same order). */
struct net {
	uint32_t ifindex, slot;
	const char *name;
	uint8_t mac[6];
	uint32_t server_id, router, range_start, range_end, broadcast;
};

#define NET(i, c, m)                                                                               \
	{                                                                                          \
		.ifindex = 7 + (i), .slot = 1 + (i), .name = "tap" #c,                             \
		.mac = {0x02, 0x00, 0x00, 0x00, 0x00, (m)}, .server_id = PKT_IP(198, 18, i, 1),    \
		.router = PKT_IP(198, 18, i, 1), .range_start = PKT_IP(198, 18, i, 10),            \
		.range_end = PKT_IP(198, 18, i, 69), .broadcast = PKT_IP(198, 18, i, 255),         \
	}
static const struct net nets[2] = {NET(0, 7, 0xf7), NET(1, 8, 0xf8)};
#undef NET
#define RANGE_SIZE 60 /* .10 - .69 in both */

/* Subnet 0's keys come first; a test's own subnet-0 lines follow them,
 * then the section of subnet 1 and that test's lines for it. */
static const char conf_head[] = "interface = tap7\n"
				"range = 198.18.0.10, 198.18.0.69\n"
				"router = 198.18.0.1\n"
				"lease-time = 600\n"
				"offer-time = 60\n";
static const char conf_subnet1[] = "[subnet b]\n"
				   "interface = tap8\n"
				   "range = 198.18.1.10, 198.18.1.69\n"
				   "router = 198.18.1.1\n";

static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t mac_other[6] = {0x02, 0x00, 0x00, 0x00, 0x09, 0x01};
static const uint8_t relay_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ------------------------------------------------------------------ */
/* Reservations (subnet 0): by MAC and by client id, inside the range and
 * outside it; subnet 0 has host name "vm". */

static const char conf_resv[] =
	"hostname = vm\n"
	"static = 02:00:00:00:01:01, 198.18.0.20, alpha, next-server=198.18.0.5, "
	"boot-file=alpha.efi\n"
	"static = 02:00:00:00:01:02, 198.18.0.200\n"
	"static-id = 01:02:00:00:00:01:03, 198.18.0.30\n"
	"static-id = ff:00:01:02:03:04:05:06:07:08, 198.18.0.210, delta\n"
	/* 40 bytes: longer than the lease key holds, keyed hashed. */
	"static-id = ff:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:20:21:22:23:24:25:26:27:28:29:2a:2b:2c:2d:2e:2f:30:31:32:33:34:35:36:37, 198.18.0.40\n";

static const uint8_t id_gamma[] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x03};
static const uint8_t id_delta[] = {0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
static const uint8_t id_epsilon[40] = {0xff, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
				       0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
				       0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
				       0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37};

struct resv {
	const char *name;
	uint8_t mac[6];	   /* chaddr */
	const uint8_t *id; /* option 61, NULL: keyed by MAC */
	size_t id_len;
	uint32_t addr;
	const char *hostname; /* option 12 it gets */
	uint32_t siaddr;
	const char *file;
	unsigned int cfg_index; /* in cfg.subnets[0].statics */
};

/* In-range ones first: the renewal test fails on the first case a bug
 * affects, after the ones that pass. */
static const struct resv resvs[] = {
	{.name = "MAC, in the range, own host name and PXE",
	 .mac = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01},
	 .addr = PKT_IP(198, 18, 0, 20),
	 .hostname = "alpha",
	 .siaddr = PXE_ALPHA,
	 .file = "alpha.efi",
	 .cfg_index = 0},
	{.name = "client id, in the range",
	 .mac = {0x02, 0x00, 0x00, 0x00, 0x01, 0x03},
	 .id = id_gamma,
	 .id_len = sizeof(id_gamma),
	 .addr = PKT_IP(198, 18, 0, 30),
	 .hostname = "vm",
	 .cfg_index = 2},
	{.name = "MAC, outside the range",
	 .mac = {0x02, 0x00, 0x00, 0x00, 0x01, 0x02},
	 .addr = PKT_IP(198, 18, 0, 200),
	 .hostname = "vm",
	 .cfg_index = 1},
	{.name = "client id, outside the range, own host name",
	 .mac = {0x02, 0x00, 0x00, 0x00, 0x01, 0x04},
	 .id = id_delta,
	 .id_len = sizeof(id_delta),
	 .addr = PKT_IP(198, 18, 0, 210),
	 .hostname = "delta",
	 .cfg_index = 3},
	{.name = "client id longer than the lease key, in the range",
	 .mac = {0x02, 0x00, 0x00, 0x00, 0x01, 0x05},
	 .id = id_epsilon,
	 .id_len = sizeof(id_epsilon),
	 .addr = PKT_IP(198, 18, 0, 40),
	 .hostname = "vm",
	 .cfg_index = 4},
};

/* ------------------------------------------------------------------ */
/* Fixture: the engine on a parsed configuration, recorded callbacks. */

struct call {
	struct xdhcp_lease_key key;
	uint32_t addr, ifindex;
};

struct tmpl_call {
	uint32_t index;
	struct xdhcp_tmpl t;
};

struct fx {
	bool started;
	struct xdhcp_config cfg;
	struct server srv;
	struct server_iface ifc[2];
	unsigned int n_bound, n_ended, n_tmpl;
	struct call bound[N_CALLS];
	struct tmpl_call tmpl[N_CALLS];
	/* Last request and its decoding. */
	uint8_t in[PKT_FRAME_MAX];
	size_t in_len;
	uint32_t in_ifindex;
	struct dhcp_frame req_frame;
	struct dhcp_msg req;
	/* Last reply and its decoding (when r > 0). */
	uint8_t out[PKT_FRAME_MAX];
	int r;
	struct dhcp_frame reply_frame;
	struct dhcp_msg reply;
};

static void on_bound(void *ctx, const struct lease *l)
{
	struct fx *fx = ctx;

	if (fx->n_bound < N_CALLS)
		fx->bound[fx->n_bound] = (struct call){l->key, l->addr, l->ifindex};
	fx->n_bound++;
}

static void on_ended(void *ctx, const struct lease *l, enum lease_end why)
{
	struct fx *fx = ctx;

	(void)l;
	(void)why;
	fx->n_ended++;
}

static int on_template_put(void *ctx, uint32_t index, const struct xdhcp_tmpl *t)
{
	struct fx *fx = ctx;

	if (fx->n_tmpl < N_CALLS)
		fx->tmpl[fx->n_tmpl] = (struct tmpl_call){index, *t};
	fx->n_tmpl++;
	return 0;
}

/* What the daemon does for a subnet without --netmask and no address on
 * its interface: /24 of the range. */
static void resolve_netmasks(struct xdhcp_config *cfg)
{
	for (unsigned int i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].range_start && !cfg->subnets[i].netmask)
			cfg->subnets[i].netmask = NETMASK;
}

/* Parse head + extra0 + subnet 1 + extra1 and start the engine on it. */
static void fx_start(struct fx *fx, const char *extra0, const char *extra1)
{
	char path[] = "/tmp/xdhcp-subnets-XXXXXX", err[512] = "";
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "%s%s%s%s", conf_head, extra0 ? extra0 : "", conf_subnet1, extra1 ? extra1 : "");
	assert_int_equal(fclose(f), 0);

	assert_int_equal(config_init(&fx->cfg), 0);
	fx->started = true; /* from here on teardown frees */
	if (config_parse_file(&fx->cfg, path, err, sizeof(err)))
		fail_msg("config: %s", err);
	unlink(path);
	resolve_netmasks(&fx->cfg);
	if (config_validate(&fx->cfg, err, sizeof(err)))
		fail_msg("config_validate: %s", err);
	assert_int_equal(fx->cfg.n_subnets, 2);
	assert_int_equal(fx->cfg.n_ifaces, 2);
	if (server_init(&fx->srv, &fx->cfg, err, sizeof(err)))
		fail_msg("server_init: %s", err);

	for (unsigned int i = 0; i < 2; i++) {
		const struct net *n = &nets[i];

		assert_string_equal(fx->cfg.ifnames[i], n->name);
		fx->ifc[i] = (struct server_iface){
			.ifindex = n->ifindex,
			.server_id = n->server_id,
			.slot = n->slot,
			.subnet = &fx->srv.subnets[fx->cfg.iface_subnet[i]],
		};
		snprintf(fx->ifc[i].name, sizeof(fx->ifc[i].name), "%s", n->name);
		memcpy(fx->ifc[i].mac, n->mac, 6);
	}
	assert_ptr_equal(fx->ifc[1].subnet, &fx->srv.subnets[1]);
	fx->srv.ifaces = fx->ifc;
	fx->srv.n_ifaces = 2;
	fx->srv.ops = (struct server_ops){on_bound, on_ended, on_template_put, NULL};
	fx->srv.ops_ctx = fx;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	*state = fx;
	return fx ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->started) {
		server_fini(&fx->srv);
		config_free(&fx->cfg);
	}
	free(fx);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Requests. */

static int deliver(struct fx *fx, uint32_t ifindex, uint64_t now)
{
	memset(fx->out, 0, sizeof(fx->out));
	memset(&fx->reply, 0, sizeof(fx->reply));
	fx->r = server_handle_frame(&fx->srv, ifindex, fx->in, fx->in_len, now, fx->out,
				    SERVER_FRAME_MAX);
	if (fx->r > 0)
		assert_int_equal(pkt_parse(fx->out, (size_t)fx->r, &fx->reply_frame, &fx->reply),
				 0);
	return fx->r;
}

/* Build r (kept in fx->in, decoded into fx->req) and hand it in on
 * ifindex. */
static int send_req(struct fx *fx, uint32_t ifindex, const struct pkt_req *r, uint64_t now)
{
	int len = pkt_request(fx->in, sizeof(fx->in), r);

	assert_true(len > 0);
	fx->in_len = (size_t)len;
	fx->in_ifindex = ifindex;
	assert_int_equal(pkt_parse(fx->in, fx->in_len, &fx->req_frame, &fx->req), 0);
	return deliver(fx, ifindex, now);
}

/* The last frame again (a probed DISCOVER handed in once more). */
static int resend(struct fx *fx, uint64_t now)
{
	return deliver(fx, fx->in_ifindex, now);
}

#define SEND_OK(f, ifindex, req, now)                                                              \
	do {                                                                                       \
		if (send_req((f), (ifindex), (req), (now)) <= 0)                                   \
			print_error("no reply: server_handle_frame() returned %d\n", (f)->r);      \
		assert_true((f)->r > 0);                                                           \
	} while (0)

static struct pkt_req req_make(uint8_t type, const uint8_t mac[6], uint32_t xid)
{
	struct pkt_req r = {.msg_type = type, .xid = xid};

	memcpy(r.chaddr, mac, 6);
	return r;
}

/* A request from a reserved client (with its client id when keyed so). */
static struct pkt_req req_resv(uint8_t type, const struct resv *v, uint32_t xid)
{
	struct pkt_req r = req_make(type, v->mac, xid);

	r.client_id = v->id;
	r.client_id_len = v->id_len;
	return r;
}

/* r as relayed by the agent at giaddr: to the server, from port 67. */
static void via_relay(struct pkt_req *r, uint32_t giaddr, uint32_t server_ip)
{
	r->hops = 1;
	r->giaddr = giaddr;
	r->src_ip = giaddr;
	r->dst_ip = server_ip;
	r->src_port = DHCP_SERVER_PORT;
	memcpy(r->src_mac, relay_mac, 6);
}

/* ------------------------------------------------------------------ */
/* Reply checks. */

enum dst {
	DST_YIADDR = 1, /* yiaddr at chaddr, port 68 */
	DST_BROADCAST,	/* 255.255.255.255 at ff:ff:ff:ff:ff:ff, port 68 */
	DST_CIADDR,	/* ciaddr at the request's Ethernet source, port 68 */
	DST_RELAY,	/* giaddr at the request's Ethernet source, port 67 */
};

struct want {
	uint8_t type;
	uint32_t yiaddr;
	unsigned int via;    /* index of the interface (and server id) it leaves from */
	unsigned int subnet; /* whose netmask, router, broadcast it carries */
	enum dst dst;
	uint32_t siaddr;      /* next server */
	const char *file;     /* BOOTP file field, NULL: empty */
	const char *hostname; /* option 12, NULL: absent */
};

static uint32_t opt_ip(const struct dhcp_msg *m, uint8_t code)
{
	uint32_t v = 0;

	if (!dhcp_msg_opt_ip(m, code, &v))
		fail_msg("option %u missing or not 4 bytes", code);
	return v;
}

static void assert_opt_bytes(const struct dhcp_msg *m, uint8_t code, const void *data, size_t len)
{
	const uint8_t *p;
	size_t got = 0;

	p = dhcp_msg_opt(m, code, &got);
	if (!p)
		fail_msg("option %u missing", code);
	assert_int_equal(got, len);
	assert_memory_equal(p, data, len);
}

static void assert_opt_string(const struct dhcp_msg *m, uint8_t code, const char *s)
{
	if (s)
		assert_opt_bytes(m, code, s, strlen(s));
	else if (dhcp_msg_opt(m, code, NULL))
		fail_msg("option %u present", code);
}

/* The reply's option codes in wire order. */
static size_t reply_codes(const struct fx *fx, uint8_t *codes, size_t cap)
{
	const uint8_t *p = fx->reply_frame.payload;
	size_t len = fx->reply_frame.payload_len, i = DHCP_OPTIONS_OFFSET, n = 0;

	while (i < len && p[i] != DHCP_OPT_END) {
		if (p[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		assert_true(i + 1 < len && n < cap);
		codes[n++] = p[i];
		i += 2 + (size_t)p[i + 1];
	}
	assert_true(i < len);
	return n;
}

/* Position of code among the reply's options; fails when absent. */
static size_t code_pos(const struct fx *fx, uint8_t code)
{
	uint8_t codes[128];
	size_t n = reply_codes(fx, codes, sizeof(codes));

	for (size_t i = 0; i < n; i++)
		if (codes[i] == code)
			return i;
	fail_msg("option %u not in the reply", code);
	return 0;
}

/*
 * A reply to fx->req: checksums, source (the interface w->via), destination
 * (RFC 2131 4.1), table 3 fields, 53 and 54, and unless a NAK the lease
 * time, subnet w->subnet's netmask, router and broadcast, siaddr, file and
 * host name.
 */
static void check_reply(const struct fx *fx, const struct want *w)
{
	const struct dhcp_frame *f = &fx->reply_frame, *qf = &fx->req_frame;
	const struct dhcp_hdr *h = &fx->reply.hdr, *qh = &fx->req.hdr;
	const struct dhcp_msg *m = &fx->reply;
	const struct net *via = &nets[w->via], *sn = &nets[w->subnet];
	char file[sizeof(h->file) + 1] = "";

	assert_true(fx->r > 0);
	if (fx->reply.type != w->type)
		fail_msg("reply is %s, want %s", dhcp_msg_type_name(fx->reply.type),
			 dhcp_msg_type_name(w->type));
	assert_true(pkt_ipv4_csum_ok(fx->out, (size_t)fx->r));
	assert_true(pkt_udp_csum_ok(fx->out, (size_t)fx->r));
	assert_memory_equal(f->src_mac, via->mac, 6);
	assert_int_equal(f->src_ip, via->server_id);
	assert_int_equal(f->src_port, DHCP_SERVER_PORT);
	switch (w->dst) {
	case DST_YIADDR:
		assert_memory_equal(f->dst_mac, qh->chaddr, 6);
		assert_int_equal(f->dst_ip, w->yiaddr);
		assert_int_equal(f->dst_port, DHCP_CLIENT_PORT);
		break;
	case DST_BROADCAST:
		assert_memory_equal(f->dst_mac, bcast_mac, 6);
		assert_int_equal(f->dst_ip, 0xffffffff);
		assert_int_equal(f->dst_port, DHCP_CLIENT_PORT);
		break;
	case DST_CIADDR:
		assert_memory_equal(f->dst_mac, qf->src_mac, 6);
		assert_int_equal(f->dst_ip, qh->ciaddr);
		assert_int_equal(f->dst_port, DHCP_CLIENT_PORT);
		break;
	case DST_RELAY:
		assert_memory_equal(f->dst_mac, qf->src_mac, 6);
		assert_int_equal(f->dst_ip, qh->giaddr);
		assert_int_equal(f->dst_port, DHCP_SERVER_PORT);
		break;
	}

	assert_int_equal(h->op, BOOTREPLY);
	assert_int_equal(h->xid, qh->xid);
	assert_int_equal(h->giaddr, qh->giaddr);
	assert_memory_equal(h->chaddr, qh->chaddr, sizeof(h->chaddr));
	assert_int_equal(m->type, w->type);
	assert_int_equal(h->yiaddr, w->yiaddr);
	assert_int_equal(opt_ip(m, DHCP_OPT_SERVER_ID), via->server_id);
	if (w->type == DHCPNAK) {
		assert_null(dhcp_msg_opt(m, DHCP_OPT_ROUTER, NULL));
		assert_null(dhcp_msg_opt(m, DHCP_OPT_LEASE_TIME, NULL));
		return;
	}
	assert_int_equal(ntohl(opt_ip(m, DHCP_OPT_LEASE_TIME)), LEASE_TIME);
	assert_int_equal(opt_ip(m, DHCP_OPT_SUBNET_MASK), NETMASK);
	assert_int_equal(opt_ip(m, DHCP_OPT_ROUTER), sn->router);
	assert_int_equal(opt_ip(m, DHCP_OPT_BROADCAST), sn->broadcast);
	assert_int_equal(h->siaddr, w->siaddr);
	memcpy(file, h->file, sizeof(h->file));
	assert_string_equal(file, w->file ? w->file : "");
	assert_opt_string(m, DHCP_OPT_HOSTNAME, w->hostname);
}

/* The reply is an OFFER to a client without reservation, from subnet sn's
 * range (any address) with that subnet's settings; returns the address. */
static uint32_t check_offer_in(const struct fx *fx, unsigned int via, unsigned int sn)
{
	const struct cfg_subnet *c = &fx->cfg.subnets[sn];
	uint32_t a = fx->reply.hdr.yiaddr;

	assert_in_range(ntohl(a), ntohl(nets[sn].range_start), ntohl(nets[sn].range_end));
	check_reply(fx, &(struct want){.type = DHCPOFFER,
				       .yiaddr = a,
				       .via = via,
				       .subnet = sn,
				       .dst = fx->req.hdr.giaddr ? DST_RELAY : DST_YIADDR,
				       .siaddr = c->next_server,
				       .file = c->boot_file[0] ? c->boot_file : NULL,
				       .hostname = c->hostname[0] ? c->hostname : NULL});
	return a;
}

static void check_nak(const struct fx *fx, unsigned int via)
{
	check_reply(fx, &(struct want){.type = DHCPNAK, .via = via, .dst = DST_BROADCAST});
}

static bool is_reserved(uint32_t addr)
{
	for (size_t i = 0; i < ARRAY_SIZE(resvs); i++)
		if (resvs[i].addr == addr)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Keys and leases. */

static struct xdhcp_lease_key mac_key(uint32_t pool, const uint8_t mac[6])
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.pool = pool;
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = DHCP_HTYPE_ETHER;
	k.len = DHCP_HLEN_ETHER;
	memcpy(k.id, mac, 6);
	return k;
}

static struct lease *lease_in(struct fx *fx, unsigned int sn, const uint8_t mac[6])
{
	struct xdhcp_lease_key k = mac_key(sn, mac);

	return pool_find_key(fx->srv.subnets[sn].pool, &k);
}

/* The lease of a reserved client (keyed by its id or MAC). */
static struct lease *lease_of_resv(struct fx *fx, const struct resv *v)
{
	struct xdhcp_lease_key k;

	server_static_key(&fx->cfg.subnets[0].statics[v->cfg_index], 0, &k);
	return pool_find_key(fx->srv.subnets[0].pool, &k);
}

/* DISCOVER then REQUEST (SELECTING) on interface via; the client (with
 * r's identity) ends up holding the offered address, which is returned. */
static uint32_t bind_req(struct fx *fx, unsigned int via, struct pkt_req r, uint64_t now)
{
	uint32_t addr;

	r.msg_type = DHCPDISCOVER;
	SEND_OK(fx, nets[via].ifindex, &r, now);
	assert_int_equal(fx->reply.type, DHCPOFFER);
	addr = fx->reply.hdr.yiaddr;
	r.msg_type = DHCPREQUEST;
	r.xid++;
	r.requested_ip = addr;
	r.server_id = nets[via].server_id;
	SEND_OK(fx, nets[via].ifindex, &r, now);
	assert_int_equal(fx->reply.type, DHCPACK);
	assert_int_equal(fx->reply.hdr.yiaddr, addr);
	return addr;
}

/* ------------------------------------------------------------------ */
/* Two subnets */

static void test_each_interface_serves_its_subnet(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1001);
	uint32_t a[2];
	struct lease *l;

	fx_start(fx, NULL, NULL);
	for (unsigned int i = 0; i < 2; i++) {
		print_message("  DISCOVER on %s\n", nets[i].name);
		SEND_OK(fx, nets[i].ifindex, &r, T0);
		a[i] = check_offer_in(fx, i, i);
		/* Same MAC, its own lease in each pool. */
		l = lease_in(fx, i, mac_a);
		assert_non_null(l);
		assert_int_equal(l->key.pool, i);
		assert_int_equal(l->addr, a[i]);
		assert_int_equal(l->state, LEASE_OFFERED);
		assert_int_equal(l->ifindex, nets[i].ifindex);
		assert_int_equal(fx->srv.subnets[i].pool->n_offered, 1);
	}
	/* The first offer is untouched by the second. */
	assert_int_equal(lease_in(fx, 0, mac_a)->addr, a[0]);
	assert_int_equal(lease_in(fx, 0, mac_a)->state, LEASE_OFFERED);

	/* Both bound, independently; the store sees both keys. */
	for (unsigned int i = 0; i < 2; i++) {
		r = req_make(DHCPREQUEST, mac_a, 0x1010 + i);
		r.requested_ip = a[i];
		r.server_id = nets[i].server_id;
		SEND_OK(fx, nets[i].ifindex, &r, T0 + S);
		check_reply(fx, &(struct want){.type = DHCPACK,
					       .yiaddr = a[i],
					       .via = i,
					       .subnet = i,
					       .dst = DST_YIADDR});
		assert_int_equal(fx->bound[i].key.pool, i);
		assert_int_equal(fx->bound[i].addr, a[i]);
		assert_int_equal(fx->bound[i].ifindex, nets[i].ifindex);
	}
	assert_int_equal(fx->n_bound, 2);
	assert_int_equal(lease_in(fx, 0, mac_a)->state, LEASE_BOUND);
	assert_int_equal(lease_in(fx, 1, mac_a)->state, LEASE_BOUND);

	/* A release on tap8 ends only subnet 1's lease. */
	r = req_make(DHCPRELEASE, mac_a, 0x1020);
	r.ciaddr = a[1];
	r.server_id = nets[1].server_id;
	assert_int_equal(send_req(fx, nets[1].ifindex, &r, T0 + 2 * S), 0);
	assert_int_equal(lease_in(fx, 1, mac_a)->state, LEASE_FREE);
	assert_int_equal(lease_in(fx, 0, mac_a)->state, LEASE_BOUND);
}

static void test_server_subnet_of(void **state)
{
	static const struct {
		uint32_t addr;
		int subnet; /* -1: none */
	} cases[] = {
		{PKT_IP(198, 18, 0, 1), 0},  {PKT_IP(198, 18, 0, 250), 0},
		{PKT_IP(198, 18, 1, 2), 1},  {PKT_IP(198, 18, 1, 69), 1},
		{PKT_IP(198, 18, 2, 1), -1}, {PKT_IP(198, 19, 0, 1), -1},
	};
	struct fx *fx = *state;

	fx_start(fx, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct server_subnet *sn = server_subnet_of(&fx->srv, cases[i].addr);

		if (cases[i].subnet < 0)
			assert_null(sn);
		else
			assert_ptr_equal(sn, &fx->srv.subnets[cases[i].subnet]);
	}
}

static void test_relayed_discover_served_from_giaddr_subnet(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1101);
	struct lease *l;
	uint32_t a;

	fx_start(fx, NULL, NULL);
	via_relay(&r, RELAY1, nets[0].server_id);
	SEND_OK(fx, nets[0].ifindex, &r, T0);
	/* Subnet 1's address and options, from tap7, to the relay's port 67. */
	a = check_offer_in(fx, 0, 1);
	assert_int_equal(fx->reply.hdr.giaddr, RELAY1);
	l = lease_in(fx, 1, mac_a);
	assert_non_null(l);
	assert_int_equal(l->addr, a);
	assert_null(lease_in(fx, 0, mac_a));

	/* SELECTING through the relay binds it in subnet 1. */
	r = req_make(DHCPREQUEST, mac_a, 0x1102);
	via_relay(&r, RELAY1, nets[0].server_id);
	r.requested_ip = a;
	r.server_id = nets[0].server_id;
	SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
	check_reply(fx,
		    &(struct want){
			    .type = DHCPACK, .yiaddr = a, .via = 0, .subnet = 1, .dst = DST_RELAY});
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(fx->bound[0].key.pool, 1);
}

static void test_relay_outside_every_subnet_ignored(void **state)
{
	static const uint32_t relays[] = {
		OTHER_RELAY,		 /* no subnet */
		PKT_IP(198, 18, 1, 0),	 /* subnet 1's network address */
		PKT_IP(198, 18, 1, 255), /* and its broadcast address */
	};
	struct fx *fx = *state;

	fx_start(fx, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(relays); i++) {
		struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1200 + (uint32_t)i);
		uint64_t ignored = fx->srv.stats.ignored;

		via_relay(&r, relays[i], nets[0].server_id);
		assert_int_equal(send_req(fx, nets[0].ifindex, &r, T0), 0);
		assert_int_equal(fx->srv.stats.ignored, ignored + 1);
	}
	assert_int_equal(fx->srv.stats.offers, 0);
	assert_int_equal(fx->srv.subnets[0].pool->n_offered, 0);
	assert_int_equal(fx->srv.subnets[1].pool->n_offered, 0);
}

/*
 * A relayed client renews by unicast straight to the server (RFC 2131
 * 4.4.5): no giaddr, ciaddr in subnet 1, arriving on tap7.  Its subnet is
 * the one holding ciaddr, where its lease is.
 */
static void test_relayed_client_renews_by_unicast(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x1301);
	uint32_t a;

	fx_start(fx, NULL, NULL);
	via_relay(&r, RELAY1, nets[0].server_id);
	a = bind_req(fx, 0, r, T0);
	assert_int_equal(lease_in(fx, 1, mac_a)->state, LEASE_BOUND);

	r = req_make(DHCPREQUEST, mac_a, 0x1310);
	r.ciaddr = a;
	r.dst_ip = nets[0].server_id;
	memcpy(r.src_mac, relay_mac, 6); /* routed to us */
	SEND_OK(fx, nets[0].ifindex, &r, T0 + 300 * S);
	check_reply(
		fx,
		&(struct want){
			.type = DHCPACK, .yiaddr = a, .via = 0, .subnet = 1, .dst = DST_CIADDR});
	assert_int_equal(lease_in(fx, 1, mac_a)->expires_ns, T0 + 300 * S + LEASE_TIME * S);
}

/* ------------------------------------------------------------------ */
/* Reservations */

static void test_reserved_client_gets_its_address(void **state)
{
	struct fx *fx = *state;

	fx_start(fx, conf_resv, NULL);
	assert_int_equal(fx->srv.subnets[0].pool->n_reserved, ARRAY_SIZE(resvs));
	for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
		const struct resv *v = &resvs[i];
		struct pkt_req r = req_resv(DHCPDISCOVER, v, 0x2000 + 16 * (uint32_t)i);
		struct want w = {.type = DHCPOFFER,
				 .yiaddr = v->addr,
				 .dst = DST_YIADDR,
				 .siaddr = v->siaddr,
				 .file = v->file,
				 .hostname = v->hostname};
		struct lease *l;

		print_message("  reservation: %s\n", v->name);
		/* Even when asking for another address. */
		r.requested_ip = PKT_IP(198, 18, 0, 11);
		SEND_OK(fx, nets[0].ifindex, &r, T0);
		check_reply(fx, &w);
		r.msg_type = DHCPREQUEST;
		r.xid++;
		r.requested_ip = v->addr;
		r.server_id = nets[0].server_id;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
		w.type = DHCPACK;
		check_reply(fx, &w);
		l = lease_of_resv(fx, v);
		assert_non_null(l);
		assert_int_equal(l->addr, v->addr);
		assert_int_equal(l->state, LEASE_BOUND);
		assert_int_equal(fx->bound[fx->n_bound - 1].addr, v->addr);

		/* Renewing (unicast) and INIT-REBOOT: ACKed. */
		r.server_id = 0;
		r.requested_ip = 0;
		r.ciaddr = v->addr;
		r.dst_ip = nets[0].server_id;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + 2 * S);
		w.dst = DST_CIADDR;
		check_reply(fx, &w);
		r = req_resv(DHCPREQUEST, v, 0x2008 + 16 * (uint32_t)i);
		r.requested_ip = v->addr;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + 3 * S);
		w.dst = DST_YIADDR;
		check_reply(fx, &w);
	}
}

static void test_reserved_client_asking_for_another_address(void **state)
{
	struct fx *fx = *state;
	const uint32_t other = PKT_IP(198, 18, 0, 11);

	fx_start(fx, conf_resv, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
		const struct resv *v = &resvs[i];
		struct pkt_req r = req_resv(DHCPREQUEST, v, 0x2100 + 16 * (uint32_t)i);

		print_message("  reservation: %s\n", v->name);
		/* SELECTING another address (say, another server's offer
		 * echoed with our id): NAK. */
		r.requested_ip = other;
		r.server_id = nets[0].server_id;
		SEND_OK(fx, nets[0].ifindex, &r, T0);
		check_nak(fx, 0);
		assert_null(lease_of_resv(fx, v));
		assert_null(pool_find_addr(fx->srv.subnets[0].pool, other));

		/* Bound to its reservation, then INIT-REBOOT elsewhere: NAK. */
		bind_req(fx, 0, req_resv(DHCPDISCOVER, v, 0x2104 + 16 * (uint32_t)i), T0);
		r = req_resv(DHCPREQUEST, v, 0x2108 + 16 * (uint32_t)i);
		r.requested_ip = other;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
		check_nak(fx, 0);
		assert_int_equal(lease_of_resv(fx, v)->addr, v->addr);
		assert_int_equal(lease_of_resv(fx, v)->state, LEASE_BOUND);
	}
}

/*
 * A reservation is the server's record of its client (RFC 2131 4.3.2): a
 * reserved client in INIT-REBOOT without a lease yet (a new VM whose
 * image remembers an address) is answered: ACK for its reservation, NAK
 * for anything else, rather than the silence due to unknown clients.
 */
static void test_init_reboot_reserved_client_without_lease(void **state)
{
	struct fx *fx = *state;
	const struct resv *v = &resvs[0];
	struct pkt_req r = req_resv(DHCPREQUEST, v, 0x2201);

	fx_start(fx, conf_resv, NULL);
	r.requested_ip = PKT_IP(198, 18, 0, 11);
	if (send_req(fx, nets[0].ifindex, &r, T0) <= 0)
		fail_msg("INIT-REBOOT of a reserved client for another address: no NAK "
			 "(server_handle_frame() returned %d)",
			 fx->r);
	check_nak(fx, 0);

	r.xid++;
	r.requested_ip = v->addr;
	SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
	check_reply(fx, &(struct want){.type = DHCPACK,
				       .yiaddr = v->addr,
				       .dst = DST_YIADDR,
				       .siaddr = v->siaddr,
				       .file = v->file,
				       .hostname = v->hostname});
}

/* Another client asks for a reserved address: offered something else,
 * NAKed when it requests it. */
static void test_other_client_never_gets_reserved(void **state)
{
	struct fx *fx = *state;
	const uint8_t *mac = mac_other;
	uint32_t held;

	fx_start(fx, conf_resv, NULL);
	/* mac_other holds a dynamic address (so INIT-REBOOT is not silent). */
	held = bind_req(fx, 0, req_make(DHCPDISCOVER, mac, 0x2300), T0);
	assert_false(is_reserved(held));
	for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
		const struct resv *v = &resvs[i];
		uint32_t xid = 0x2310 + 16 * (uint32_t)i;
		struct pkt_req r = req_make(DHCPDISCOVER, mac_b, xid);

		print_message("  reservation: %s\n", v->name);
		/* (a) DISCOVER with option 50 = the reserved address. */
		r.requested_ip = v->addr;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
		assert_false(is_reserved(check_offer_in(fx, 0, 0)));

		/* (b) SELECTING it, by a client with and without a record. */
		r = req_make(DHCPREQUEST, mac_b, xid + 1);
		r.requested_ip = v->addr;
		r.server_id = nets[0].server_id;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
		check_nak(fx, 0);
		r.chaddr[5] = 0x77;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
		check_nak(fx, 0);

		/* (c) INIT-REBOOT for it by a client bound elsewhere. */
		r = req_make(DHCPREQUEST, mac, xid + 2);
		r.requested_ip = v->addr;
		SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
		check_nak(fx, 0);
		assert_int_equal(lease_in(fx, 0, mac)->addr, held);

		/* The reserved client still gets it. */
		r = req_resv(DHCPDISCOVER, v, xid + 3);
		SEND_OK(fx, nets[0].ifindex, &r, T0 + 2 * S);
		assert_int_equal(fx->reply.hdr.yiaddr, v->addr);
	}
	assert_int_equal(fx->srv.stats.acks, 1);
}

/* RFC 2131 4.3.2 leaves an unknown client in INIT-REBOOT unanswered, even
 * for a reserved address; it learns in INIT, where it is NAKed. */
static void test_unknown_client_init_reboot_reserved_is_silent(void **state)
{
	struct fx *fx = *state;

	fx_start(fx, conf_resv, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
		struct pkt_req r = req_make(DHCPREQUEST, mac_b, 0x2400 + (uint32_t)i);

		r.requested_ip = resvs[i].addr;
		assert_int_equal(send_req(fx, nets[0].ifindex, &r, T0), 0);
		assert_null(pool_find_addr(fx->srv.subnets[0].pool, resvs[i].addr));
	}
}

/*
 * (d) RENEWING a reserved address by another client, inside the range and
 * outside it: the server knows the address is another's, so NAK (the
 * client must not keep it).
 */
static void test_other_client_renewing_reserved_is_naked(void **state)
{
	struct fx *fx = *state;

	fx_start(fx, conf_resv, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(resvs); i++) {
		const struct resv *v = &resvs[i];
		struct pkt_req r = req_make(DHCPREQUEST, mac_b, 0x2500 + (uint32_t)i);

		print_message("  reservation: %s\n", v->name);
		r.ciaddr = v->addr;
		r.dst_ip = nets[0].server_id;
		if (send_req(fx, nets[0].ifindex, &r, T0) <= 0)
			fail_msg("%s: RENEWING %s by another client: no NAK (returned %d)", v->name,
				 inet_ntoa((struct in_addr){v->addr}), fx->r);
		check_nak(fx, 0);
		assert_null(pool_find_addr(fx->srv.subnets[0].pool, v->addr));
	}
}

/*
 * A storm of distinct clients on a 60-address range with 5 reservations
 * inside it: no offer ever carries a reserved address (not even when the
 * client asks for one); after the 55 dynamic addresses the pool is
 * exhausted for newcomers while reserved clients still get theirs.
 */
/* Many clients on one interface (a bridge, not a VM's tap): let every
 * offer stand, so the pool, not the per-interface offer cap, runs out. */
static const char conf_storm[] = "max-offers = 1000\n"
				 "static = 02:00:00:00:02:00, 198.18.0.15\n"
				 "static = 02:00:00:00:02:01, 198.18.0.25\n"
				 "static = 02:00:00:00:02:02, 198.18.0.35\n"
				 "static = 02:00:00:00:02:03, 198.18.0.45\n"
				 "static = 02:00:00:00:02:04, 198.18.0.55\n";

#define STORM_RESV    5
#define STORM_CLIENTS 50
#define STORM_DYNAMIC (RANGE_SIZE - STORM_RESV)

static uint32_t storm_resv_addr(unsigned int i)
{
	return PKT_IP(198, 18, 0, 15 + 10 * i);
}

/* Client i of the storm asks: an OFFER (its address) or nothing (0). */
static uint32_t storm_discover(struct fx *fx, unsigned int i, uint64_t now)
{
	uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x03, (uint8_t)i};
	struct pkt_req r = req_make(DHCPDISCOVER, mac, 0x3000 + i);

	/* Every other client asks for a reserved address. */
	if (i % 2)
		r.requested_ip = storm_resv_addr(i % STORM_RESV);
	if (send_req(fx, nets[0].ifindex, &r, now) == 0)
		return 0;
	assert_int_equal(fx->reply.type, DHCPOFFER);
	return fx->reply.hdr.yiaddr;
}

/* A guest sending DISCOVERs from random MACs on its tap holds at most
 * max-offers addresses: the oldest offer of the interface gives way. */
static void test_offer_cap_per_interface(void **state)
{
	struct fx *fx = *state;
	struct pool *p;

	fx_start(fx, NULL, NULL);
	p = fx->srv.subnets[0].pool;
	assert_int_equal(fx->cfg.max_offers, 16);
	for (unsigned int i = 0; i < 40; i++)
		assert_int_not_equal(storm_discover(fx, i, T0 + i * S / 100), 0);
	assert_int_equal(p->n_offered, 16);
	assert_int_equal(fx->srv.stats.offers_evicted, 40 - 16);
	/* The same client asking again is not a new offer. */
	assert_int_not_equal(storm_discover(fx, 39, T0 + S), 0);
	assert_int_equal(fx->srv.stats.offers_evicted, 40 - 16);
	/* The other interface's budget is its own. */
	{
		uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x04, 0x01};
		struct pkt_req r = req_make(DHCPDISCOVER, mac, 0x4000);

		assert_true(send_req(fx, nets[1].ifindex, &r, T0 + S) > 0);
	}
	assert_int_equal(fx->srv.stats.offers_evicted, 40 - 16);
}

static void test_discover_storm_never_offers_reserved(void **state)
{
	struct fx *fx = *state;
	uint32_t seen[STORM_DYNAMIC];
	unsigned int i;

	fx_start(fx, conf_storm, NULL);
	assert_int_equal(fx->srv.subnets[0].pool->n_fresh, STORM_DYNAMIC);
	for (i = 0; i < STORM_DYNAMIC; i++) {
		uint32_t a = storm_discover(fx, i, T0 + i * S / 100);

		if (!a)
			fail_msg("client %u of %u got no offer", i, STORM_DYNAMIC);
		assert_in_range(ntohl(a), ntohl(nets[0].range_start), ntohl(nets[0].range_end));
		for (unsigned int k = 0; k < STORM_RESV; k++)
			assert_int_not_equal(a, storm_resv_addr(k));
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(a, seen[j]);
		seen[i] = a;
		if (i + 1 == STORM_CLIENTS)
			assert_int_equal(fx->srv.subnets[0].pool->n_fresh,
					 STORM_DYNAMIC - STORM_CLIENTS);
	}
	assert_int_equal(fx->srv.subnets[0].pool->n_fresh, 0);

	/* Dynamic part exhausted: newcomers get nothing. */
	for (; i < STORM_DYNAMIC + 5; i++)
		assert_int_equal(storm_discover(fx, i, T0 + S), 0);
	assert_int_equal(fx->srv.stats.exhausted, 5);
	assert_int_equal(fx->srv.stats.offers, STORM_DYNAMIC);

	/* Reserved clients still get theirs, and bind them. */
	for (unsigned int k = 0; k < STORM_RESV; k++) {
		uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x02, (uint8_t)k};

		assert_int_equal(
			bind_req(fx, 0, req_make(DHCPDISCOVER, mac, 0x3100 + 4 * k), T0 + 2 * S),
			storm_resv_addr(k));
	}
	assert_int_equal(fx->srv.subnets[0].pool->n_offered, STORM_DYNAMIC);
	assert_int_equal(fx->srv.subnets[0].pool->n_bound, STORM_RESV);
}

/* ------------------------------------------------------------------ */
/* Reply options: PXE, routes, generic options */

static const char conf_pxe[] =
	"next-server = 198.18.0.4\n"
	"boot-file = undionly.kpxe\n"
	"static = 02:00:00:00:01:01, 198.18.0.20, alpha, next-server=198.18.0.5, "
	"boot-file=alpha.efi\n"
	"static = 02:00:00:00:01:02, 198.18.0.200\n";

/* Option 55 asking for 67 and 12. */
static const uint8_t prl_pxe[] = {DHCP_OPT_PARAM_REQUEST, 3, DHCP_OPT_SUBNET_MASK,
				  DHCP_OPT_BOOTFILE, DHCP_OPT_HOSTNAME};

static void test_pxe_fields(void **state)
{
	static const struct {
		const char *name;
		unsigned int via;
		uint8_t mac[6];
		uint32_t siaddr;
		const char *file, *hostname;
	} cases[] = {
		{"reservation with its own",
		 0,
		 {0x02, 0x00, 0x00, 0x00, 0x01, 0x01},
		 PXE_ALPHA,
		 "alpha.efi",
		 "alpha"},
		{"reservation without",
		 0,
		 {0x02, 0x00, 0x00, 0x00, 0x01, 0x02},
		 PXE_SERVER,
		 "undionly.kpxe",
		 NULL},
		{"dynamic client",
		 0,
		 {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
		 PXE_SERVER,
		 "undionly.kpxe",
		 NULL},
		{"subnet 1 (inherited)",
		 1,
		 {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
		 PXE_SERVER,
		 "undionly.kpxe",
		 NULL},
	};
	struct fx *fx = *state;

	fx_start(fx, conf_pxe, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pkt_req r = req_make(DHCPDISCOVER, cases[i].mac, 0x4000 + 4 * (uint32_t)i);
		unsigned int via = cases[i].via;

		print_message("  PXE: %s\n", cases[i].name);
		r.extra_opts = prl_pxe;
		r.extra_opts_len = sizeof(prl_pxe);
		SEND_OK(fx, nets[via].ifindex, &r, T0);
		check_reply(fx, &(struct want){.type = DHCPOFFER,
					       .yiaddr = fx->reply.hdr.yiaddr,
					       .via = via,
					       .subnet = via,
					       .dst = DST_YIADDR,
					       .siaddr = cases[i].siaddr,
					       .file = cases[i].file,
					       .hostname = cases[i].hostname});
		assert_opt_string(&fx->reply, DHCP_OPT_BOOTFILE, cases[i].file);
		/* Requested: right after 1, in the list's order. */
		assert_int_equal(code_pos(fx, DHCP_OPT_BOOTFILE),
				 code_pos(fx, DHCP_OPT_SUBNET_MASK) + 1);
	}
}

static const char conf_opts[] = "dns = 198.18.0.53\n"
				"route = 198.19.0.0/16, 198.18.0.1\n"
				"route = 0.0.0.0/0, 198.18.0.1\n"
				"option = 42, 198.18.0.123\n"
				"option = 252, \"http://198.18.0.1/wpad.dat\"\n"
				"option = 224, hex:01:02:03:04\n";

static void assert_generic_options(const struct dhcp_msg *m)
{
	static const uint8_t hex224[] = {1, 2, 3, 4};
	const uint32_t ntp = NTP;

	assert_opt_bytes(m, 42, &ntp, 4);
	assert_opt_string(m, 252, "http://198.18.0.1/wpad.dat");
	assert_opt_bytes(m, 224, hex224, sizeof(hex224));
	assert_int_equal(opt_ip(m, DHCP_OPT_DNS_SERVER), DNS);
}

static void test_classless_routes(void **state)
{
	static const struct dhcp_route routes[] = {
		{PKT_IP(198, 19, 0, 0), 16, PKT_IP(198, 18, 0, 1)},
		{0, 0, PKT_IP(198, 18, 0, 1)},
	};
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x4101);
	uint8_t wire[64];
	int n;

	fx_start(fx, conf_opts, NULL);
	n = dhcp_encode_classless_routes(routes, ARRAY_SIZE(routes), wire, sizeof(wire));
	assert_true(n > 0);
	SEND_OK(fx, nets[0].ifindex, &r, T0);
	check_offer_in(fx, 0, 0);
	assert_opt_bytes(&fx->reply, DHCP_OPT_CLASSLESS_ROUTE, wire, (size_t)n);

	/* Routes belong to subnet 0; subnet 1 has none. */
	SEND_OK(fx, nets[1].ifindex, &r, T0);
	check_offer_in(fx, 1, 1);
	assert_null(dhcp_msg_opt(&fx->reply, DHCP_OPT_CLASSLESS_ROUTE, NULL));
}

static void test_generic_options_in_prl_order(void **state)
{
	static const uint8_t prl[] = {DHCP_OPT_PARAM_REQUEST, 3, 42, DHCP_OPT_DNS_SERVER,
				      DHCP_OPT_ROUTER};
	static const uint8_t prl2[] = {DHCP_OPT_PARAM_REQUEST,	 4,   224,
				       DHCP_OPT_CLASSLESS_ROUTE, 252, DHCP_OPT_SUBNET_MASK};
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x4201);

	fx_start(fx, conf_opts, NULL);
	/* Unrequested: still sent, with their values. */
	SEND_OK(fx, nets[0].ifindex, &r, T0);
	check_offer_in(fx, 0, 0);
	assert_generic_options(&fx->reply);

	/* PRL [42, 6, 3]: in that order, before the rest. */
	r.extra_opts = prl;
	r.extra_opts_len = sizeof(prl);
	SEND_OK(fx, nets[0].ifindex, &r, T0);
	check_offer_in(fx, 0, 0);
	assert_generic_options(&fx->reply);
	assert_true(code_pos(fx, 42) < code_pos(fx, DHCP_OPT_DNS_SERVER));
	assert_true(code_pos(fx, DHCP_OPT_DNS_SERVER) < code_pos(fx, DHCP_OPT_ROUTER));
	assert_true(code_pos(fx, DHCP_OPT_ROUTER) < code_pos(fx, DHCP_OPT_SUBNET_MASK));
	assert_true(code_pos(fx, DHCP_OPT_ROUTER) < code_pos(fx, 224));

	/* PRL [224, 121, 252, 1]. */
	r.extra_opts = prl2;
	r.extra_opts_len = sizeof(prl2);
	SEND_OK(fx, nets[0].ifindex, &r, T0);
	assert_true(code_pos(fx, 224) < code_pos(fx, DHCP_OPT_CLASSLESS_ROUTE));
	assert_true(code_pos(fx, DHCP_OPT_CLASSLESS_ROUTE) < code_pos(fx, 252));
	assert_true(code_pos(fx, 252) < code_pos(fx, DHCP_OPT_SUBNET_MASK));
	assert_true(code_pos(fx, DHCP_OPT_SUBNET_MASK) < code_pos(fx, 42));

	/* Subnet 1 inherited the generic options and DNS. */
	SEND_OK(fx, nets[1].ifindex, &r, T0);
	check_offer_in(fx, 1, 1);
	assert_generic_options(&fx->reply);
	assert_true(code_pos(fx, 224) < code_pos(fx, 252));
}

/* ------------------------------------------------------------------ */
/* Fast-path templates */

/* The data of option code in a template, NULL when absent. */
static const uint8_t *tmpl_opt(const struct xdhcp_tmpl *t, uint8_t code, size_t *ret_len)
{
	for (size_t i = 0; i + 1 < t->len; i += 2 + (size_t)t->data[i + 1]) {
		if (t->data[i] == code) {
			*ret_len = t->data[i + 1];
			return &t->data[i + 2];
		}
	}
	return NULL;
}

static void assert_tmpl_hostname(const struct xdhcp_tmpl *t, const char *want)
{
	size_t len = 0;
	const uint8_t *p = tmpl_opt(t, DHCP_OPT_HOSTNAME, &len);

	assert_non_null(p);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void test_build_template_for_reservation(void **state)
{
	struct fx *fx = *state;
	const struct cfg_static *alpha, *plain;
	struct xdhcp_tmpl t;

	fx_start(fx, conf_resv, NULL);
	alpha = &fx->cfg.subnets[0].statics[resvs[0].cfg_index];
	plain = &fx->cfg.subnets[0].statics[resvs[2].cfg_index];

	assert_int_equal(server_build_template(&fx->srv, &fx->ifc[0], alpha, &t), 0);
	assert_tmpl_hostname(&t, "alpha");
	assert_int_equal(t.siaddr, PXE_ALPHA);

	assert_int_equal(server_build_template(&fx->srv, &fx->ifc[0], plain, &t), 0);
	assert_tmpl_hostname(&t, "vm");
	assert_int_equal(t.siaddr, 0);

	assert_int_equal(server_build_template(&fx->srv, &fx->ifc[0], NULL, &t), 0);
	assert_tmpl_hostname(&t, "vm");
	assert_int_equal(t.siaddr, 0);

	/* Subnet 1's template carries its router. */
	assert_int_equal(server_build_template(&fx->srv, &fx->ifc[1], NULL, &t), 0);
	{
		size_t len = 0;
		const uint8_t *p = tmpl_opt(&t, DHCP_OPT_ROUTER, &len);

		assert_non_null(p);
		assert_int_equal(len, 4);
		assert_memory_equal(p, &nets[1].router, 4);
	}
}

/* The template index server_lease_template() gives l. */
static uint32_t lease_tmpl(struct fx *fx, const struct lease *l)
{
	uint32_t index = 0xdeadbeef;

	assert_non_null(l);
	assert_int_equal(server_lease_template(&fx->srv, l, &index), 0);
	return index;
}

static void test_lease_template(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_tmpl want;
	uint32_t alpha_index, delta_index;

	fx_start(fx, conf_resv, NULL);
	/* Dynamic leases: the interface's slot, nothing written. */
	bind_req(fx, 0, req_make(DHCPDISCOVER, mac_a, 0x5001), T0);
	assert_int_equal(lease_tmpl(fx, lease_in(fx, 0, mac_a)), nets[0].slot);
	bind_req(fx, 1, req_make(DHCPDISCOVER, mac_a, 0x5011), T0);
	assert_int_equal(lease_tmpl(fx, lease_in(fx, 1, mac_a)), nets[1].slot);
	/* A reservation without its own options: the slot too. */
	bind_req(fx, 0, req_resv(DHCPDISCOVER, &resvs[2], 0x5021), T0);
	assert_int_equal(lease_tmpl(fx, lease_of_resv(fx, &resvs[2])), nets[0].slot);
	assert_int_equal(fx->n_tmpl, 0);

	/* Own host name: its own template, written once. */
	bind_req(fx, 0, req_resv(DHCPDISCOVER, &resvs[0], 0x5031), T0);
	alpha_index = lease_tmpl(fx, lease_of_resv(fx, &resvs[0]));
	assert_true(alpha_index >= SERVER_TMPL_RESV_BASE);
	assert_true(alpha_index < XDHCP_TMPL_ENTRIES);
	assert_int_equal(fx->n_tmpl, 1);
	assert_int_equal(fx->tmpl[0].index, alpha_index);
	assert_int_equal(server_build_template(&fx->srv, &fx->ifc[0],
					       &fx->cfg.subnets[0].statics[resvs[0].cfg_index],
					       &want),
			 0);
	assert_memory_equal(&fx->tmpl[0].t, &want, sizeof(want));
	assert_int_equal(lease_tmpl(fx, lease_of_resv(fx, &resvs[0])), alpha_index);
	assert_int_equal(fx->n_tmpl, 1);

	/* Another one: another index. */
	bind_req(fx, 0, req_resv(DHCPDISCOVER, &resvs[3], 0x5041), T0);
	delta_index = lease_tmpl(fx, lease_of_resv(fx, &resvs[3]));
	assert_true(delta_index >= SERVER_TMPL_RESV_BASE);
	assert_int_not_equal(delta_index, alpha_index);
	assert_int_equal(fx->n_tmpl, 2);
	assert_int_equal(fx->tmpl[1].index, delta_index);
	assert_tmpl_hostname(&fx->tmpl[1].t, "delta");
}

/* ------------------------------------------------------------------ */
/* --conflict-check */

static const char conf_probe[] = "conflict-check = yes\n";

/* A DISCOVER that must be probed first: -EINPROGRESS, no reply. */
static uint32_t expect_probe(struct fx *fx, int r)
{
	assert_int_equal(r, -EINPROGRESS);
	assert_int_not_equal(fx->srv.probe_addr, 0);
	return fx->srv.probe_addr;
}

static void test_conflict_check_probe_then_offer(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x6001);
	uint32_t a;

	fx_start(fx, conf_probe, NULL);
	assert_true(fx->cfg.conflict_check);
	a = expect_probe(fx, send_req(fx, nets[0].ifindex, &r, T0));
	assert_in_range(ntohl(a), ntohl(nets[0].range_start), ntohl(nets[0].range_end));
	assert_int_equal(fx->srv.stats.probes, 1);
	assert_int_equal(fx->srv.stats.offers, 0);

	/* Nobody answered the ARP probe: the same frame gets the offer. */
	assert_int_equal(server_probe_done(&fx->srv, nets[0].ifindex, a, false, NULL, T0), 0);
	assert_true(resend(fx, T0) > 0);
	check_reply(fx, &(struct want){.type = DHCPOFFER, .yiaddr = a, .dst = DST_YIADDR});
	assert_int_equal(fx->srv.stats.probes, 1);

	/* No offer waits on another address. */
	assert_int_equal(server_probe_done(&fx->srv, nets[0].ifindex, PKT_IP(198, 18, 0, 60), false,
					   NULL, T0),
			 -ENOENT);
}

static void test_conflict_check_conflict_quarantines(void **state)
{
	static const uint8_t holder[6] = {0x02, 0x00, 0x00, 0x00, 0x0b, 0xad};
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x6101);
	uint32_t a, b;
	struct lease *l;

	fx_start(fx, conf_probe, NULL);
	a = expect_probe(fx, send_req(fx, nets[0].ifindex, &r, T0));
	assert_int_equal(server_probe_done(&fx->srv, nets[0].ifindex, a, true, holder, T0), 0);
	assert_int_equal(fx->srv.subnets[0].pool->n_declined, 1);
	assert_int_equal(fx->srv.subnets[0].pool->n_offered, 0);
	assert_int_equal(fx->srv.stats.conflicts, 1);
	l = pool_find_addr(fx->srv.subnets[0].pool, a);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_int_equal(l->expires_ns, T0 + fx->cfg.decline_time * S);

	/* The same frame: another address to probe. */
	b = expect_probe(fx, resend(fx, T0 + S));
	assert_int_not_equal(b, a);
	assert_int_equal(fx->srv.stats.probes, 2);
	assert_int_equal(server_probe_done(&fx->srv, nets[0].ifindex, b, false, NULL, T0 + S), 0);
	assert_true(resend(fx, T0 + S) > 0);
	assert_int_equal(fx->reply.hdr.yiaddr, b);
}

static void test_conflict_check_bound_client_not_probed(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x6201);
	uint32_t a;

	fx_start(fx, conf_probe, NULL);
	a = expect_probe(fx, send_req(fx, nets[0].ifindex, &r, T0));
	assert_int_equal(server_probe_done(&fx->srv, nets[0].ifindex, a, false, NULL, T0), 0);
	assert_true(resend(fx, T0) > 0);
	r = req_make(DHCPREQUEST, mac_a, 0x6202);
	r.requested_ip = a;
	r.server_id = nets[0].server_id;
	SEND_OK(fx, nets[0].ifindex, &r, T0 + S);
	assert_int_equal(fx->reply.type, DHCPACK);

	/* Bound: a new DISCOVER is offered the lease at once. */
	r = req_make(DHCPDISCOVER, mac_a, 0x6203);
	SEND_OK(fx, nets[0].ifindex, &r, T0 + 2 * S);
	check_reply(fx, &(struct want){.type = DHCPOFFER, .yiaddr = a, .dst = DST_YIADDR});
	assert_int_equal(fx->srv.stats.probes, 1);
}

/*
 * A relayed DISCOVER with --conflict-check: the daemon probes on the
 * interface the request came in on and reports there.  Either the engine
 * does not ask for a probe (the address is not on that link), or the
 * report is accepted and the same frame is then offered.
 */
static void test_conflict_check_relayed_discover_is_offered(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = req_make(DHCPDISCOVER, mac_a, 0x6301);
	int ret;

	fx_start(fx, conf_probe, NULL);
	via_relay(&r, RELAY1, nets[0].server_id);
	ret = send_req(fx, nets[0].ifindex, &r, T0);
	if (ret == -EINPROGRESS) {
		uint32_t a = fx->srv.probe_addr;

		assert_in_range(ntohl(a), ntohl(nets[1].range_start), ntohl(nets[1].range_end));
		ret = server_probe_done(&fx->srv, nets[0].ifindex, a, false, NULL, T0);
		if (ret)
			fail_msg("server_probe_done(ifindex %u, %s) = %d: the relayed client is "
				 "never offered",
				 nets[0].ifindex, inet_ntoa((struct in_addr){a}), ret);
		ret = resend(fx, T0);
	}
	assert_true(ret > 0);
	check_offer_in(fx, 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_each_interface_serves_its_subnet),
		T(test_server_subnet_of),
		T(test_relayed_discover_served_from_giaddr_subnet),
		T(test_relay_outside_every_subnet_ignored),
		T(test_relayed_client_renews_by_unicast),
		T(test_reserved_client_gets_its_address),
		T(test_reserved_client_asking_for_another_address),
		T(test_init_reboot_reserved_client_without_lease),
		T(test_other_client_never_gets_reserved),
		T(test_unknown_client_init_reboot_reserved_is_silent),
		T(test_other_client_renewing_reserved_is_naked),
		T(test_discover_storm_never_offers_reserved),
		T(test_offer_cap_per_interface),
		T(test_pxe_fields),
		T(test_classless_routes),
		T(test_generic_options_in_prl_order),
		T(test_build_template_for_reservation),
		T(test_lease_template),
		T(test_conflict_check_probe_then_offer),
		T(test_conflict_check_conflict_quarantines),
		T(test_conflict_check_bound_client_not_probed),
		T(test_conflict_check_relayed_discover_is_offered),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
