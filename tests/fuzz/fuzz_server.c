/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the whole request handler, server_handle_frame()
 * (user/server.c on top of the pool in user/lease.c), as the daemon drives
 * it, with its side effects going to checking stubs.
 *
 * Each input is a conversation: records (format in fuzz.h) each carrying a
 * frame, the interface it arrives on and how far the clock moves first.
 * The server is configured from FUZZ_SERVER_CONFIG through the real config
 * parser (three subnets, reservations, no conflict check), built fresh for
 * every input, and swept on clock steps like the daemon's timer.  A record
 * is either a whole frame or a DHCP message that the target wraps in a
 * frame with valid checksums, so mutations reach the protocol logic.
 *
 * Properties checked on every step:
 *  - the result is a reply length, 0, -EBADMSG, or -ENOSPC for a request
 *    whose client id and relay information leave no room for the echoes;
 *  - a reply decodes (dhcp_frame_parse + dhcp_msg_parse): BOOTREPLY with
 *    the request's xid, chaddr, htype, hlen and giaddr, a type that answers
 *    the request's, option 54 = the interface's server id, valid IPv4 and
 *    UDP checksums, the request's VLAN tag, within the client's size limit
 *    (option 57, at least 576, at most 1500), the client id echoed (RFC
 *    6842) and relay information echoed on relayed requests (RFC 3046);
 *  - an OFFER or ACK with yiaddr gives the address the pool holds for that
 *    client (OFFERED or BOUND, resp. BOUND), inside a served subnet, in the
 *    range or reserved for that client, with T1 < T2 < lease time;
 *  - the pool stays consistent: counters match records, both hash tables
 *    and the free list agree, the fresh bitmap matches, a reserved address
 *    is never offered or bound to another client;
 *  - callbacks see the states they document; fast-path templates decode as
 *    DHCPACK options of at most XDHCP_TMPL_MAX bytes;
 *  - a day after the last record nothing is bound or offered any more.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_wire.h"

#include "config.h"
#include "dhcp_msg.h"
#include "lease.h"
#include "log.h"
#include "server.h"
#include "fuzz.h"

#define NS_PER_S  1000000000ULL
#define T_START	  (1000 * NS_PER_S)
#define VLAN_TCI  100
#define ECHO_ROOM 150 /* client id + relay bytes below which a reply always fits */

static struct xdhcp_config cfg;

struct ctx {
	struct server s;
	struct server_iface ifaces[FUZZ_N_IFACES];
	uint64_t now;
};

static struct dhcp_msg req, reply, tmpl_msg;

/* ------------------------------------------------------------------ */
/* Checks on templates and callbacks */

static void check_template(const struct xdhcp_tmpl *t)
{
	uint8_t buf[DHCP_OPTIONS_OFFSET + XDHCP_TMPL_MAX + 1];
	static const uint8_t cookie[4] = {0x63, 0x82, 0x53, 0x63};

	FUZZ_CHECK(t->len <= XDHCP_TMPL_MAX);
	/* The fast path's checksum share, and nothing past len. */
	FUZZ_CHECK(t->csum == xdhcp_tmpl_csum(t) && t->csum != 0);
	for (unsigned int i = t->len; i < XDHCP_TMPL_MAX; i++)
		FUZZ_CHECK(t->data[i] == 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + sizeof(struct dhcp_hdr), cookie, 4);
	memcpy(buf + DHCP_OPTIONS_OFFSET, t->data, t->len);
	buf[DHCP_OPTIONS_OFFSET + t->len] = DHCP_OPT_END;
	FUZZ_CHECK(dhcp_msg_parse(&tmpl_msg, buf, DHCP_OPTIONS_OFFSET + t->len + 1u) == 0);
	FUZZ_CHECK(tmpl_msg.type == DHCPACK);
	FUZZ_CHECK(dhcp_msg_opt(&tmpl_msg, DHCP_OPT_SERVER_ID, NULL) != NULL);
	FUZZ_CHECK(dhcp_msg_opt(&tmpl_msg, DHCP_OPT_LEASE_TIME, NULL) != NULL);
}

static int on_template_put(void *ctx, uint32_t index, const struct xdhcp_tmpl *t)
{
	(void)ctx;
	FUZZ_CHECK(index >= SERVER_TMPL_RESV_BASE && index < XDHCP_TMPL_ENTRIES);
	check_template(t);
	return 0;
}

static void on_lease_bound(void *ctx, const struct lease *l)
{
	struct ctx *c = ctx;
	uint32_t idx;
	int r;

	FUZZ_CHECK(l->state == LEASE_BOUND && l->key.kind != 0);
	FUZZ_CHECK(l->expires_ns == c->now + (uint64_t)l->lease_time * NS_PER_S);
	FUZZ_CHECK(server_iface_find(&c->s, l->ifindex) != NULL);
	/* As the daemon's map_put(). */
	if (server_key_in_fastpath(&l->key)) {
		r = server_lease_template(&c->s, l, &idx);
		FUZZ_CHECK(r == 0 || r == -ENOSPC);
		if (r == 0)
			FUZZ_CHECK(idx >= 1 && idx < XDHCP_TMPL_ENTRIES);
	}
}

static void on_lease_ended(void *ctx, const struct lease *l, enum lease_end why)
{
	(void)ctx;
	switch (why) {
	case LEASE_END_EXPIRED:
	case LEASE_END_RELEASED:
		FUZZ_CHECK(l->state == LEASE_BOUND);
		break;
	case LEASE_END_DECLINED:
		FUZZ_CHECK(l->state == LEASE_BOUND || l->state == LEASE_OFFERED);
		break;
	case LEASE_END_OFFER_TIMEOUT:
		FUZZ_CHECK(l->state == LEASE_OFFERED);
		break;
	default:
		FUZZ_CHECK(!"unknown lease_end");
	}
	FUZZ_CHECK(l->key.kind != 0);
}

static bool keep_none(void *ctx, struct lease *l)
{
	(void)ctx;
	(void)l;
	return false;
}

/* ------------------------------------------------------------------ */
/* Pool consistency */

static bool in_subnet(const struct server_subnet *sn, uint32_t addr)
{
	return (addr & sn->netmask) == sn->subnet && addr != sn->subnet && addr != sn->broadcast;
}

static void check_pool(const struct server_subnet *sn)
{
	struct pool *p = sn->pool;
	unsigned int n[LEASE_DECLINED + 1] = {0}, keyed = 0, free_len = 0, fresh = 0;
	struct lease *l;
	uint32_t it = 0;

	while ((l = pool_each(p, &it))) {
		const struct pool_resv *resv = pool_resv_by_addr(p, l->addr);

		FUZZ_CHECK(l->state >= LEASE_OFFERED && l->state <= LEASE_DECLINED);
		n[l->state]++;
		FUZZ_CHECK(pool_find_addr(p, l->addr) == l);
		if (l->key.kind) {
			keyed++;
			FUZZ_CHECK(pool_find_key(p, &l->key) == l);
			FUZZ_CHECK(l->key.pool == p->id);
		} else {
			FUZZ_CHECK(l->state == LEASE_DECLINED);
		}
		if (pool_in_range(p, l->addr)) {
			uint32_t i = ntohl(l->addr) - p->start;

			FUZZ_CHECK(!(p->fresh[i / 64] & (1ULL << (i % 64))));
		}
		if (l->state == LEASE_OFFERED || l->state == LEASE_BOUND) {
			/* A reserved address goes to its client only. */
			if (resv)
				FUZZ_CHECK(!memcmp(&resv->key, &l->key, sizeof(l->key)));
			FUZZ_CHECK(pool_in_range(p, l->addr) || resv);
			FUZZ_CHECK(in_subnet(sn, l->addr));
		}
	}
	FUZZ_CHECK(n[LEASE_OFFERED] == p->n_offered && n[LEASE_BOUND] == p->n_bound);
	FUZZ_CHECK(n[LEASE_FREE] == p->n_free && n[LEASE_DECLINED] == p->n_declined);
	FUZZ_CHECK(p->by_key.n == keyed);
	FUZZ_CHECK(p->by_addr.n ==
		   n[LEASE_OFFERED] + n[LEASE_BOUND] + n[LEASE_FREE] + n[LEASE_DECLINED]);
	for (l = pool_free_oldest(p); l; l = pool_free_newer(p, l)) {
		FUZZ_CHECK(l->state == LEASE_FREE);
		free_len++;
	}
	FUZZ_CHECK(free_len == p->n_free);
	for (uint32_t i = 0; i < p->size; i++)
		fresh += (p->fresh[i / 64] >> (i % 64)) & 1;
	FUZZ_CHECK(fresh == p->n_fresh);
}

static void sweep(struct ctx *c)
{
	for (unsigned int i = 0; i < c->s.n_subnets; i++)
		if (c->s.subnets[i].pool)
			pool_sweep(c->s.subnets[i].pool, c->now, keep_none, on_lease_ended, c);
}

/* ------------------------------------------------------------------ */
/* Requests and replies */

/* Wrap a DHCP message in Ethernet/IPv4/UDP the way a client (or a relay,
 * when giaddr is set) sends it.  Returns a heap frame of exact size. */
static uint8_t *wrap(const uint8_t *msg, size_t len, unsigned int iface, size_t *ret_len)
{
	static const uint8_t other_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xee};
	struct dhcp_frame f;
	uint32_t ciaddr = 0, giaddr = 0;
	size_t cap = 18 + 28 + len;
	uint8_t *frame = malloc(cap);
	int r;

	FUZZ_CHECK(frame != NULL);
	memset(&f, 0, sizeof(f));
	memset(f.dst_mac, 0xff, 6);
	memcpy(f.src_mac, len >= 34 ? msg + 28 : other_mac, 6);
	if (len >= 16)
		memcpy(&ciaddr, msg + 12, 4);
	if (len >= 28)
		memcpy(&giaddr, msg + 24, 4);
	f.has_vlan = iface == 1;
	f.vlan_tci = VLAN_TCI;
	f.src_ip = giaddr ? giaddr : ciaddr;
	f.dst_ip = 0xffffffff;
	f.src_port = giaddr ? DHCP_SERVER_PORT : DHCP_CLIENT_PORT;
	f.dst_port = DHCP_SERVER_PORT;
	r = dhcp_frame_build(frame, cap, &f, msg, len);
	FUZZ_CHECK(r > 0);
	*ret_len = (size_t)r;
	return frame;
}

static size_t enc_len(const struct dhcp_msg *m, uint8_t code)
{
	size_t len = 0;

	return dhcp_msg_opt(m, code, &len) ? len : 0;
}

static void check_echo(const struct dhcp_msg *q, const struct dhcp_msg *a, uint8_t code)
{
	size_t ql, al;
	const uint8_t *qp = dhcp_msg_opt(q, code, &ql), *ap = dhcp_msg_opt(a, code, &al);

	FUZZ_CHECK(ap && ql == al && !memcmp(qp, ap, ql));
}

static void check_reply(struct ctx *c, const struct server_iface *ifc, const struct dhcp_frame *qf,
			const uint8_t *out, size_t len)
{
	struct dhcp_frame af;
	size_t limit = DHCP_MIN_MAX_MSG_SIZE;
	uint32_t sid, lt, t1, t2;
	uint16_t maxsz;

	FUZZ_CHECK(dhcp_frame_parse(out, len, &af) == 0);
	FUZZ_CHECK(dhcp_msg_parse(&reply, af.payload, af.payload_len) == 0);

	/* Frame: RFC 2131 4.1 ports, our addresses, sums, size, VLAN. */
	if (dhcp_msg_opt_u16(&req, DHCP_OPT_MAX_MSG_SIZE, &maxsz) && maxsz > limit)
		limit = maxsz > SERVER_IP_MAX ? SERVER_IP_MAX : maxsz;
	FUZZ_CHECK(20 + 8 + af.payload_len <= limit);
	FUZZ_CHECK(af.payload_len >= DHCP_MIN_MSG_LEN);
	FUZZ_CHECK(udp4_csum(af.src_ip, af.dst_ip, af.payload - 8, af.payload_len + 8) == 0);
	FUZZ_CHECK(af.src_port == DHCP_SERVER_PORT);
	FUZZ_CHECK(af.dst_port == (req.hdr.giaddr ? DHCP_SERVER_PORT : DHCP_CLIENT_PORT));
	FUZZ_CHECK(af.src_ip == ifc->server_id && !memcmp(af.src_mac, ifc->mac, 6));
	FUZZ_CHECK(af.has_vlan == qf->has_vlan);
	if (af.has_vlan)
		FUZZ_CHECK(af.vlan_tci == qf->vlan_tci);

	/* Message: table 3 of RFC 2131. */
	FUZZ_CHECK(reply.has_cookie && reply.hdr.op == BOOTREPLY);
	FUZZ_CHECK(reply.hdr.xid == req.hdr.xid && reply.hdr.giaddr == req.hdr.giaddr);
	FUZZ_CHECK(reply.hdr.htype == req.hdr.htype && reply.hdr.hlen == req.hdr.hlen);
	FUZZ_CHECK(!memcmp(reply.hdr.chaddr, req.hdr.chaddr, sizeof(req.hdr.chaddr)));
	FUZZ_CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_SERVER_ID, &sid) && sid == ifc->server_id);
	switch (reply.type) {
	case DHCPOFFER:
		FUZZ_CHECK(req.type == DHCPDISCOVER);
		break;
	case DHCPACK:
		FUZZ_CHECK(req.type == DHCPREQUEST || req.type == DHCPINFORM);
		break;
	case DHCPNAK:
		FUZZ_CHECK(req.type == DHCPREQUEST && reply.hdr.yiaddr == 0);
		FUZZ_CHECK(!dhcp_msg_opt(&reply, DHCP_OPT_LEASE_TIME, NULL));
		break;
	default:
		FUZZ_CHECK(!"reply type");
	}
	if (dhcp_msg_opt(&req, DHCP_OPT_CLIENT_ID, NULL))
		check_echo(&req, &reply, DHCP_OPT_CLIENT_ID);
	if (req.hdr.giaddr && dhcp_msg_opt(&req, DHCP_OPT_RELAY_AGENT, NULL))
		check_echo(&req, &reply, DHCP_OPT_RELAY_AGENT);

	if (reply.type == DHCPNAK)
		return;
	if (req.type == DHCPINFORM) {
		/* Configuration only (4.3.5). */
		FUZZ_CHECK(reply.hdr.yiaddr == 0 &&
			   !dhcp_msg_opt(&reply, DHCP_OPT_LEASE_TIME, NULL));
		return;
	}

	/* An address: the pool's, for this client. */
	{
		struct server_subnet *sn = server_subnet_of(&c->s, reply.hdr.yiaddr);
		const struct pool_resv *resv;
		struct xdhcp_lease_key key;
		struct lease *l;

		FUZZ_CHECK(sn != NULL && in_subnet(sn, reply.hdr.yiaddr));
		server_client_key(&req, sn->index, &key);
		l = pool_find_addr(sn->pool, reply.hdr.yiaddr);
		FUZZ_CHECK(l != NULL && !memcmp(&l->key, &key, sizeof(key)));
		if (reply.type == DHCPACK)
			FUZZ_CHECK(l->state == LEASE_BOUND);
		else
			FUZZ_CHECK(l->state == LEASE_OFFERED || l->state == LEASE_BOUND);
		resv = pool_resv_by_addr(sn->pool, reply.hdr.yiaddr);
		FUZZ_CHECK(pool_in_range(sn->pool, reply.hdr.yiaddr) ||
			   (resv && !memcmp(&resv->key, &key, sizeof(key))));
		FUZZ_CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_LEASE_TIME, &lt));
		FUZZ_CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_RENEWAL_TIME, &t1));
		FUZZ_CHECK(dhcp_msg_opt_ip(&reply, DHCP_OPT_REBINDING_TIME, &t2));
		lt = ntohl(lt);
		t1 = ntohl(t1);
		t2 = ntohl(t2);
		FUZZ_CHECK(t1 < t2 && t2 < lt && lt == sn->cfg->lease_time);
	}
}

static void run_record(struct ctx *c, uint8_t ctl, const uint8_t *body, size_t len, uint8_t *out)
{
	unsigned int iface = ctl & FUZZ_CTL_IFACE_MASK;
	uint32_t ifindex = iface < FUZZ_N_IFACES ? c->ifaces[iface].ifindex : FUZZ_IFINDEX_UNKNOWN;
	uint32_t step = fuzz_time_steps[ctl >> FUZZ_CTL_TIME_SHIFT];
	struct dhcp_frame qf;
	uint8_t *frame;
	size_t flen;
	int r;

	if (step) {
		c->now += step * NS_PER_S;
		sweep(c);
	}
	if (ctl & FUZZ_CTL_RAW) {
		frame = fuzz_dup(body, len, 0);
		flen = len;
	} else {
		frame = wrap(body, len, iface, &flen);
	}

	r = server_handle_frame(&c->s, ifindex, frame, flen, c->now, out, SERVER_FRAME_MAX);
	if (r < 0 && r != -EBADMSG) {
		/* The echoes alone can outgrow the client's size limit. */
		FUZZ_CHECK(r == -ENOSPC);
		FUZZ_CHECK(dhcp_frame_parse(frame, flen, &qf) == 0 &&
			   dhcp_msg_parse(&req, qf.payload, qf.payload_len) == 0);
		FUZZ_CHECK(enc_len(&req, DHCP_OPT_CLIENT_ID) + enc_len(&req, DHCP_OPT_RELAY_AGENT) >
			   ECHO_ROOM);
	}
	if (r > 0) {
		FUZZ_CHECK(r <= SERVER_FRAME_MAX && iface < FUZZ_N_IFACES);
		FUZZ_CHECK(dhcp_frame_parse(frame, flen, &qf) == 0 &&
			   dhcp_msg_parse(&req, qf.payload, qf.payload_len) == 0);
		check_reply(c, &c->ifaces[iface], &qf, out, (size_t)r);
	}
	free(frame);

	for (unsigned int i = 0; i < c->s.n_subnets; i++)
		if (c->s.subnets[i].pool)
			check_pool(&c->s.subnets[i]);
}

static void ctx_init(struct ctx *c)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	FUZZ_CHECK(server_init(&c->s, &cfg, err, sizeof(err)) == 0);
	for (unsigned int i = 0; i < FUZZ_N_IFACES; i++) {
		struct server_iface *ifc = &c->ifaces[i];
		struct xdhcp_tmpl t;

		ifc->ifindex = fuzz_ifaces[i].ifindex;
		snprintf(ifc->name, sizeof(ifc->name), "%s", fuzz_ifaces[i].name);
		memcpy(ifc->mac, (const uint8_t[6]){0x02, 0, 0, 0, 0xfe, (uint8_t)i}, 6);
		FUZZ_CHECK(inet_pton(AF_INET, fuzz_ifaces[i].server_id, &ifc->server_id) == 1);
		ifc->slot = i + 1;
		ifc->subnet = &c->s.subnets[fuzz_ifaces[i].subnet];
		FUZZ_CHECK(pool_exclude(ifc->subnet->pool, ifc->server_id) == 0);
		/* As publish_interfaces(): the interface's template. */
		FUZZ_CHECK(server_build_template(&c->s, ifc, NULL, &t) == 0);
		check_template(&t);
	}
	c->s.ifaces = c->ifaces;
	c->s.n_ifaces = FUZZ_N_IFACES;
	c->s.ops = (struct server_ops){
		.lease_bound = on_lease_bound,
		.lease_ended = on_lease_ended,
		.template_put = on_template_put,
	};
	c->s.ops_ctx = c;
	c->now = T_START;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = FUZZ_SERVER_CONFIG;
	char err[256];

	(void)argc;
	(void)argv;
	log_set_level(-1); /* exhaustion and decline warnings */
	FUZZ_CHECK(config_init(&cfg) == 0);
	if (config_parse_file(&cfg, fuzz_tmpfile((const uint8_t *)text, sizeof(text) - 1), err,
			      sizeof(err)) ||
	    config_validate(&cfg, err, sizeof(err))) {
		fprintf(stderr, "fuzz_server: configuration: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx c;
	uint8_t *out = malloc(SERVER_FRAME_MAX);
	unsigned int records = 0;

	FUZZ_CHECK(out != NULL);
	ctx_init(&c);
	while (size >= 3 && records++ < FUZZ_MAX_RECORDS) {
		uint8_t ctl = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		run_record(&c, ctl, data, len, out);
		data += len;
		size -= len;
	}

	/* A day later every lease and offer has ended. */
	c.now += 86400 * NS_PER_S;
	sweep(&c);
	for (unsigned int i = 0; i < c.s.n_subnets; i++) {
		if (!c.s.subnets[i].pool)
			continue;
		check_pool(&c.s.subnets[i]);
		FUZZ_CHECK(c.s.subnets[i].pool->n_bound == 0 &&
			   c.s.subnets[i].pool->n_offered == 0);
	}
	server_fini(&c.s);
	free(out);
	return 0;
}
