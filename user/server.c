/* SPDX-License-Identifier: MIT */
/*
 * RFC 2131 server behaviour: message dispatch (section 4.3), reply fields
 * (table 3), delivery (section 4.1) and reply options, on top of a pool
 * per subnet with its static reservations.  Socket-free: frames in, frames
 * out, side effects through server_ops.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define NS_PER_S 1000000000ULL

/* A counter of the server and of the request's interface. */
#define COUNT(c, field)                                                                            \
	do {                                                                                       \
		(c)->s->stats.field++;                                                             \
		(c)->ifc->stats.field++;                                                           \
	} while (0)

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* A reservation's own template on one interface. */
struct server_tmpl {
	struct {
		uint32_t slot;
		const struct cfg_static *resv;
	} key;
	uint32_t index;
	UT_hash_handle hh;
};

/* ------------------------------------------------------------------ */
/* Client keys */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* htype marking a client id too long for the key, stored as prefix+hash;
 * the XDP program never builds such a key. */
#define KEY_HTYPE_HASHED_ID 0xff

/* A client identifier of 1..255 bytes into k (kind, len, htype, id): kept
 * whole up to XDHCP_CLIENT_ID_MAX bytes; longer ones as their first
 * XDHCP_CLIENT_ID_MAX - 8 bytes and a 64-bit FNV-1a hash of the whole id. */
static void key_set_client_id(struct xdhcp_lease_key *k, const uint8_t *id, size_t len)
{
	k->kind = XDHCP_KEY_CLIENT_ID;
	if (len <= XDHCP_CLIENT_ID_MAX) {
		k->len = (uint8_t)len;
		k->htype = 0;
		memcpy(k->id, id, len);
	} else {
		uint64_t h = fnv1a(id, len);

		k->len = XDHCP_CLIENT_ID_MAX;
		k->htype = KEY_HTYPE_HASHED_ID;
		memcpy(k->id, id, XDHCP_CLIENT_ID_MAX - 8);
		/* Big-endian: lease files move between machines. */
		for (int i = 0; i < 8; i++)
			k->id[XDHCP_CLIENT_ID_MAX - 1 - i] = (uint8_t)(h >> (8 * i));
	}
}

void server_static_key(const struct cfg_static *st, uint32_t pool, struct xdhcp_lease_key *ret_key)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.pool = pool;
	if (st->kind == XDHCP_KEY_CLIENT_ID) {
		key_set_client_id(&k, st->id, st->len);
	} else {
		k.kind = st->kind;
		k.len = st->len;
		k.htype = DHCP_HTYPE_ETHER;
		memcpy(k.id, st->id, st->len);
	}
	*ret_key = k;
}

static int subnet_init(struct server_subnet *sn, const struct cfg_subnet *c, uint32_t index,
		       char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN];

	sn->cfg = c;
	sn->index = index;
	if (!c->range_start)
		return 0; /* not served */
	if (!c->netmask) {
		snprintf(err, errlen, "subnet '%s': netmask unknown", c->name);
		return -EINVAL;
	}
	sn->netmask = c->netmask;
	sn->subnet = c->range_start & c->netmask;
	sn->broadcast = sn->subnet | ~c->netmask;
	sn->pool = pool_new(index, c->range_start, c->range_end);
	if (!sn->pool) {
		snprintf(err, errlen, "subnet '%s': cannot create a pool of that size", c->name);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < c->n_routers; i++)
		if (pool_exclude(sn->pool, c->routers[i]))
			return -ENOMEM;
	for (unsigned int i = 0; i < c->n_statics; i++) {
		struct xdhcp_lease_key key;
		int r;

		server_static_key(&c->statics[i], index, &key);
		r = pool_reserve(sn->pool, &key, c->statics[i].ip, &c->statics[i]);
		if (r) {
			snprintf(err, errlen, "static: %s: %s",
				 inet_ntop(AF_INET, &c->statics[i].ip, a, sizeof(a)),
				 r == -EEXIST ? "reserved twice" : strerror(-r));
			return r;
		}
	}
	return 0;
}

int server_init(struct server *s, const struct xdhcp_config *cfg, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->subnets = calloc(cfg->n_subnets, sizeof(*s->subnets));
	if (!s->subnets)
		return -ENOMEM;
	s->n_subnets = cfg->n_subnets;
	for (unsigned int i = 0; i < cfg->n_subnets; i++) {
		int r = subnet_init(&s->subnets[i], &cfg->subnets[i], i, err, errlen);

		if (r)
			return r;
	}
	s->offer_ns = (uint64_t)cfg->offer_time * NS_PER_S;
	s->decline_ns = (uint64_t)cfg->decline_time * NS_PER_S;
	s->rl_exhausted = (struct log_ratelimit){.burst = 1, .interval_s = 10};
	s->tmpl_next = SERVER_TMPL_RESV_BASE;
	return 0;
}

void server_fini(struct server *s)
{
	struct server_tmpl *t, *tmp;

	for (unsigned int i = 0; s->ifaces && i < s->n_ifaces; i++) {
		free(s->ifaces[i].offers);
		s->ifaces[i].offers = NULL;
	}
	HASH_ITER(hh, s->tmpls, t, tmp) {
		HASH_DEL(s->tmpls, t);
		free(t);
	}
	for (unsigned int i = 0; s->subnets && i < s->n_subnets; i++)
		pool_free(s->subnets[i].pool);
	free(s->subnets);
	s->subnets = NULL;
}

struct server_iface *server_iface_find(struct server *s, uint32_t ifindex)
{
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		if (s->ifaces[i].ifindex == ifindex)
			return &s->ifaces[i];
	return NULL;
}

struct server_subnet *server_subnet_of(struct server *s, uint32_t addr)
{
	for (unsigned int i = 0; i < s->n_subnets; i++)
		if (s->subnets[i].pool && (addr & s->subnets[i].netmask) == s->subnets[i].subnet)
			return &s->subnets[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Client keys (continued) */

void server_client_key(const struct dhcp_msg *m, uint32_t pool, struct xdhcp_lease_key *ret_key)
{
	struct xdhcp_lease_key k;
	const uint8_t *id;
	size_t len;

	memset(&k, 0, sizeof(k));
	k.pool = pool;
	id = dhcp_msg_opt(m, DHCP_OPT_CLIENT_ID, &len);
	if (id && len > 0) {
		key_set_client_id(&k, id, len);
	} else {
		k.kind = XDHCP_KEY_HWADDR;
		k.htype = m->hdr.htype;
		k.len = m->hdr.hlen > 16 ? 16 : m->hdr.hlen;
		memcpy(k.id, m->hdr.chaddr, k.len);
	}
	*ret_key = k;
}

bool server_key_in_fastpath(const struct xdhcp_lease_key *key)
{
	if (key->kind == XDHCP_KEY_HWADDR)
		return key->htype == DHCP_HTYPE_ETHER && key->len == DHCP_HLEN_ETHER;
	return key->kind == XDHCP_KEY_CLIENT_ID && key->htype == 0 && key->len > 0 &&
	       key->len <= XDHCP_CLIENT_ID_MAX;
}

void server_key_format(const struct xdhcp_lease_key *key, char *out, size_t cap)
{
	size_t o;
	int n;

	if (key->kind == XDHCP_KEY_HWADDR && key->htype == DHCP_HTYPE_ETHER && key->len == 6)
		n = snprintf(out, cap, "mac:");
	else if (key->kind == XDHCP_KEY_HWADDR)
		n = snprintf(out, cap, "hw:%u:", key->htype);
	else if (key->htype == KEY_HTYPE_HASHED_ID)
		n = snprintf(out, cap, "idh:");
	else
		n = snprintf(out, cap, "id:");
	if (n < 0 || (size_t)n >= cap)
		return;
	o = (size_t)n;
	for (unsigned int i = 0; i < key->len && i < sizeof(key->id) && o + 4 < cap; i++) {
		bool colon = key->kind == XDHCP_KEY_HWADDR && i > 0;

		o += (size_t)snprintf(out + o, cap - o, "%s%02x", colon ? ":" : "", key->id[i]);
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex bytes, optionally separated by ':' or '-'. */
int server_parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if ((*s == ':' || *s == '-') && n > 0)
			s++;
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
		if (hi < 0 || lo < 0 || n >= cap)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n == 0)
		return -EINVAL;
	*ret_len = n;
	return 0;
}

int server_key_parse(const char *s, uint32_t pool, struct xdhcp_lease_key *ret_key)
{
	struct xdhcp_lease_key k;
	size_t len;

	memset(&k, 0, sizeof(k));
	k.pool = pool;
	if (!strncmp(s, "mac:", 4)) {
		k.kind = XDHCP_KEY_HWADDR;
		k.htype = DHCP_HTYPE_ETHER;
		if (server_parse_hex(s + 4, k.id, 6, &len) || len != 6)
			return -EINVAL;
	} else if (!strncmp(s, "hw:", 3)) {
		char *end;
		unsigned long ht;

		if (!isdigit((unsigned char)s[3]))
			return -EINVAL;
		ht = strtoul(s + 3, &end, 10);
		if (*end != ':' || ht > 255)
			return -EINVAL;
		k.kind = XDHCP_KEY_HWADDR;
		k.htype = (uint8_t)ht;
		if (server_parse_hex(end + 1, k.id, 16, &len))
			return -EINVAL;
	} else if (!strncmp(s, "id:", 3)) {
		uint8_t id[255];

		/* Any length an option carries; long ones are hashed. */
		if (server_parse_hex(s + 3, id, sizeof(id), &len))
			return -EINVAL;
		key_set_client_id(&k, id, len);
		*ret_key = k;
		return 0;
	} else if (!strncmp(s, "idh:", 4)) {
		k.kind = XDHCP_KEY_CLIENT_ID;
		k.htype = KEY_HTYPE_HASHED_ID;
		if (server_parse_hex(s + 4, k.id, XDHCP_CLIENT_ID_MAX, &len) ||
		    len != XDHCP_CLIENT_ID_MAX)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	k.len = (uint8_t)len;
	*ret_key = k;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reply options */

/* What a reply is about: the subnet, and the client's reservation if any. */
struct opt_ctx {
	const struct server_subnet *sn;
	const struct cfg_static *resv;
};

/* Configuration options in default order, then the generic ones in
 * configuration order; a parameter request list (option 55) puts the
 * requested ones first, in its order (RFC 2132 9.8). */
static const uint8_t config_opts[] = {
	DHCP_OPT_SUBNET_MASK,	DHCP_OPT_ROUTER,	  DHCP_OPT_DNS_SERVER,
	DHCP_OPT_HOSTNAME,	DHCP_OPT_DOMAIN_NAME,	  DHCP_OPT_BROADCAST,
	DHCP_OPT_DOMAIN_SEARCH, DHCP_OPT_CLASSLESS_ROUTE, DHCP_OPT_BOOTFILE,
};

static const char *boot_file_of(const struct opt_ctx *o)
{
	return o->resv && o->resv->boot_file[0] ? o->resv->boot_file : o->sn->cfg->boot_file;
}

static uint32_t next_server_of(const struct opt_ctx *o)
{
	return o->resv && o->resv->next_server ? o->resv->next_server : o->sn->cfg->next_server;
}

static void put_config_option(const struct opt_ctx *o, struct dhcp_builder *b, uint8_t code)
{
	const struct cfg_subnet *c = o->sn->cfg;
	const char *str;

	switch (code) {
	case DHCP_OPT_SUBNET_MASK:
		dhcp_build_opt_ip(b, code, o->sn->netmask);
		return;
	case DHCP_OPT_ROUTER:
		if (c->n_routers)
			dhcp_build_opt(b, code, c->routers, c->n_routers * 4);
		return;
	case DHCP_OPT_DNS_SERVER:
		if (c->n_dns)
			dhcp_build_opt(b, code, c->dns, c->n_dns * 4);
		return;
	case DHCP_OPT_HOSTNAME:
		str = o->resv && o->resv->hostname[0] ? o->resv->hostname : c->hostname;
		if (str[0])
			dhcp_build_opt(b, code, str, strlen(str));
		return;
	case DHCP_OPT_DOMAIN_NAME:
		if (c->domain[0])
			dhcp_build_opt(b, code, c->domain, strlen(c->domain));
		return;
	case DHCP_OPT_BROADCAST:
		dhcp_build_opt_ip(b, code, o->sn->broadcast);
		return;
	case DHCP_OPT_DOMAIN_SEARCH:
		if (c->n_search) {
			const char *names[CFG_MAX_SEARCH];
			uint8_t wire[CFG_MAX_SEARCH * (CFG_NAME_MAX + 2)];
			int n;

			for (unsigned int i = 0; i < c->n_search; i++)
				names[i] = c->search[i];
			n = dhcp_encode_domain_search(names, c->n_search, wire, sizeof(wire));
			if (n > 0)
				dhcp_build_opt(b, code, wire, (size_t)n);
		}
		return;
	case DHCP_OPT_CLASSLESS_ROUTE:
		if (c->n_routes) {
			struct dhcp_route routes[CFG_MAX_ROUTES];
			uint8_t wire[CFG_MAX_ROUTES * 9];
			int n;

			for (unsigned int i = 0; i < c->n_routes; i++)
				routes[i] =
					(struct dhcp_route){c->routes[i].dest, c->routes[i].prefix,
							    c->routes[i].gateway};
			n = dhcp_encode_classless_routes(routes, c->n_routes, wire, sizeof(wire));
			if (n > 0)
				dhcp_build_opt(b, code, wire, (size_t)n);
		}
		return;
	case DHCP_OPT_BOOTFILE:
		str = boot_file_of(o);
		if (str[0])
			dhcp_build_opt(b, code, str, strlen(str));
		return;
	}
	for (unsigned int i = 0; i < c->n_options; i++)
		if (c->options[i].code == code)
			dhcp_build_opt(b, code, c->options[i].data, c->options[i].len);
}

/* In fit mode an option that does not fit is left out (the reply still
 * goes, with what fits, requested options first); otherwise the builder's
 * error stands (templates must be complete). */
static void put_config_fit(const struct opt_ctx *o, struct dhcp_builder *b, uint8_t code, bool fit)
{
	size_t save = b->len;

	put_config_option(o, b, code);
	if (fit && b->err == -ENOSPC) {
		b->err = 0;
		b->len = save;
	}
}

static void put_config_options(const struct opt_ctx *o, struct dhcp_builder *b, const uint8_t *prl,
			       size_t prl_len, bool fit)
{
	const struct cfg_subnet *c = o->sn->cfg;
	uint8_t codes[sizeof(config_opts) + CFG_MAX_OPTIONS];
	bool done[sizeof(codes)] = {false};
	size_t n = 0;

	memcpy(codes, config_opts, sizeof(config_opts));
	n = sizeof(config_opts);
	for (unsigned int i = 0; i < c->n_options; i++)
		codes[n++] = c->options[i].code;
	for (size_t i = 0; prl && i < prl_len; i++) {
		for (size_t j = 0; j < n; j++) {
			if (prl[i] == codes[j] && !done[j]) {
				put_config_fit(o, b, codes[j], fit);
				done[j] = true;
			}
		}
	}
	for (size_t j = 0; j < n; j++)
		if (!done[j])
			put_config_fit(o, b, codes[j], fit);
}

/* 53, 54, and for a lease 51/58/59 (T1 = 0.5, T2 = 0.875 of the lease,
 * RFC 2131 4.4.5). */
static void put_lease_header(struct dhcp_builder *b, uint8_t type, uint32_t server_id,
			     uint32_t lease_time)
{
	dhcp_build_opt_u8(b, DHCP_OPT_MESSAGE_TYPE, type);
	dhcp_build_opt_ip(b, DHCP_OPT_SERVER_ID, server_id);
	if (lease_time) {
		dhcp_build_opt_u32(b, DHCP_OPT_LEASE_TIME, lease_time);
		dhcp_build_opt_u32(b, DHCP_OPT_RENEWAL_TIME, lease_time / 2);
		dhcp_build_opt_u32(b, DHCP_OPT_REBINDING_TIME,
				   (uint32_t)((uint64_t)lease_time * 7 / 8));
	}
}

int server_build_template(const struct server *s, const struct server_iface *ifc,
			  const struct cfg_static *resv, struct xdhcp_tmpl *ret_tmpl)
{
	struct opt_ctx o = {.sn = ifc->subnet, .resv = resv};
	uint8_t buf[DHCP_OPTIONS_OFFSET + XDHCP_TMPL_MAX];
	struct dhcp_hdr hdr;
	struct dhcp_builder b;
	size_t len;

	(void)s;
	if (!o.sn || !o.sn->pool)
		return -ENOENT;
	memset(&hdr, 0, sizeof(hdr));
	dhcp_build_init(&b, buf, sizeof(buf), &hdr);
	put_lease_header(&b, DHCPACK, ifc->server_id, o.sn->cfg->lease_time);
	put_config_options(&o, &b, NULL, 0, false);
	if (b.err)
		return b.err;
	len = b.len - DHCP_OPTIONS_OFFSET;
	memset(ret_tmpl, 0, sizeof(*ret_tmpl));
	ret_tmpl->len = (uint16_t)len;
	ret_tmpl->siaddr = next_server_of(&o);
	memcpy(ret_tmpl->data, buf + DHCP_OPTIONS_OFFSET, len);
	ret_tmpl->csum = xdhcp_tmpl_csum(ret_tmpl);
	return 0;
}

/* Does the reservation change the reply options (so it needs its own
 * template)? */
static bool resv_has_own_options(const struct cfg_static *r)
{
	return r && (r->hostname[0] || r->next_server || r->boot_file[0]);
}

int server_lease_template(struct server *s, const struct lease *l, uint32_t *ret_index)
{
	struct server_iface *ifc = server_iface_find(s, l->ifindex);
	const struct pool_resv *pr;
	const struct cfg_static *resv = NULL;
	struct server_tmpl *t, probe;
	struct xdhcp_tmpl tmpl;
	int r;

	if (!ifc || !ifc->subnet || !ifc->subnet->pool)
		return -ENOENT;
	pr = pool_resv_by_key(ifc->subnet->pool, &l->key);
	if (pr && pr->addr == l->addr)
		resv = pr->data;
	if (!resv_has_own_options(resv)) {
		*ret_index = ifc->slot;
		return 0;
	}
	memset(&probe.key, 0, sizeof(probe.key));
	probe.key.slot = ifc->slot;
	probe.key.resv = resv;
	HASH_FIND(hh, s->tmpls, &probe.key, sizeof(probe.key), t);
	if (t) {
		*ret_index = t->index;
		return 0;
	}
	if (s->tmpl_next >= XDHCP_TMPL_ENTRIES)
		return -ENOSPC;
	r = server_build_template(s, ifc, resv, &tmpl);
	if (r)
		return r;
	if (s->ops.template_put) {
		r = s->ops.template_put(s->ops_ctx, s->tmpl_next, &tmpl);
		if (r)
			return r;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->key = probe.key;
	t->index = s->tmpl_next++;
	HASH_ADD(hh, s->tmpls, key, sizeof(t->key), t);
	*ret_index = t->index;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Replies */

struct reply_ctx {
	struct server *s;
	struct server_iface *ifc;
	struct server_subnet *sn;    /* the subnet the request is served from */
	const struct dhcp_frame *rf; /* request frame */
	const struct dhcp_msg *req;
	uint8_t *out;
	size_t cap;
};

static void put_message(struct dhcp_builder *b, const char *message)
{
	size_t save = b->len;

	dhcp_build_opt(b, DHCP_OPT_MESSAGE, message, strlen(message));
	if (b->err == -ENOSPC) {
		b->err = 0;
		b->len = save;
	}
}

/* The client's reservation in this subnet, when it has one. */
static const struct cfg_static *resv_of(const struct reply_ctx *c,
					const struct xdhcp_lease_key *key)
{
	const struct pool_resv *r = pool_resv_by_key(c->sn->pool, key);

	return r ? r->data : NULL;
}

/*
 * Build a reply of type with yiaddr and the lease's time (0: none, INFORM
 * and NAK) and address it by RFC 2131 section 4.1.
 */
static int send_reply(struct reply_ctx *c, const struct xdhcp_lease_key *key, uint8_t type,
		      uint32_t yiaddr, uint32_t lease_time, const char *message)
{
	const struct dhcp_msg *req = c->req;
	struct opt_ctx o = {.sn = c->sn, .resv = key ? resv_of(c, key) : NULL};
	uint8_t payload[SERVER_FRAME_MAX];
	struct dhcp_builder b;
	struct dhcp_frame f;
	struct dhcp_hdr h;
	const uint8_t *opt, *cid, *relay;
	size_t optlen, cidlen = 0, relaylen = 0, tail, limit = DHCP_MIN_MAX_MSG_SIZE;
	uint16_t maxsz;
	int len;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREPLY;
	h.htype = req->hdr.htype;
	h.hlen = req->hdr.hlen;
	h.xid = req->hdr.xid;
	h.flags = req->hdr.flags;
	h.giaddr = req->hdr.giaddr;
	memcpy(h.chaddr, req->hdr.chaddr, sizeof(h.chaddr));
	/* Table 3: ciaddr is echoed in an ACK (renewal, INFORM), else 0. */
	if (type == DHCPACK)
		h.ciaddr = req->hdr.ciaddr;
	if (type != DHCPNAK) {
		const char *file = boot_file_of(&o);

		h.yiaddr = yiaddr;
		/* PXE: next server and boot file (BOOTP fields). */
		h.siaddr = next_server_of(&o);
		memcpy(h.file, file, strnlen(file, sizeof(h.file) - 1));
	}
	/* Section 4.3.2: a NAK through a relay asks it to broadcast. */
	if (type == DHCPNAK && req->hdr.giaddr)
		h.flags |= htons(DHCP_FLAG_BROADCAST);

	/* Option 57: the client's limit on the IP datagram, never below 576
	 * and never above an Ethernet MTU. */
	if (dhcp_msg_opt_u16(req, DHCP_OPT_MAX_MSG_SIZE, &maxsz) && maxsz > limit)
		limit = maxsz;
	if (limit > SERVER_IP_MAX)
		limit = SERVER_IP_MAX;
	cid = dhcp_msg_opt(req, DHCP_OPT_CLIENT_ID, &cidlen);
	relay = req->hdr.giaddr ? dhcp_msg_opt(req, DHCP_OPT_RELAY_AGENT, &relaylen) : NULL;
	/* Room kept for the echoes and END (RFC 3396 may split them). */
	tail = (cid ? cidlen + 2 * (cidlen / 255 + 1) : 0) +
	       (relay ? relaylen + 2 * (relaylen / 255 + 1) : 0) + 1;
	dhcp_build_init(&b, payload, (limit - 28) & ~(size_t)3, &h);
	put_lease_header(&b, type, c->ifc->server_id, type == DHCPNAK ? 0 : lease_time);
	if (b.cap > b.len + tail) {
		size_t cap = b.cap;

		/* Configuration options take what room is left; one that does
		 * not fit is left out rather than the whole reply. */
		b.cap -= tail;
		if (type != DHCPNAK) {
			opt = dhcp_msg_opt(req, DHCP_OPT_PARAM_REQUEST, &optlen);
			put_config_options(&o, &b, opt, opt ? optlen : 0, true);
		} else if (message) {
			put_message(&b, message);
		}
		b.cap = cap;
	}
	/* RFC 6842: echo the client identifier. */
	if (cid)
		dhcp_build_opt(&b, DHCP_OPT_CLIENT_ID, cid, cidlen);
	/* RFC 3046 2.2: relay agent information is echoed, last. */
	if (relay)
		dhcp_build_opt(&b, DHCP_OPT_RELAY_AGENT, relay, relaylen);
	len = dhcp_build_finish(&b, DHCP_MIN_MSG_LEN);
	if (len < 0)
		return len;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, c->ifc->mac, 6);
	f.has_vlan = c->rf->has_vlan;
	f.vlan_tci = c->rf->vlan_tci;
	f.src_ip = c->ifc->server_id;
	f.src_port = DHCP_SERVER_PORT;
	f.dst_port = DHCP_CLIENT_PORT;
	/* Section 4.1, in its order. */
	if (req->hdr.giaddr) {
		f.dst_ip = req->hdr.giaddr;
		f.dst_port = DHCP_SERVER_PORT;
		memcpy(f.dst_mac, c->rf->src_mac, 6);
	} else if (type == DHCPNAK) {
		f.dst_ip = 0xffffffff;
		memcpy(f.dst_mac, bcast_mac, 6);
	} else if (req->hdr.ciaddr) {
		f.dst_ip = req->hdr.ciaddr;
		memcpy(f.dst_mac, c->rf->src_mac, 6);
	} else if (req->hdr.flags & htons(DHCP_FLAG_BROADCAST) || req->hdr.htype != 1 ||
		   req->hdr.hlen != 6) {
		f.dst_ip = 0xffffffff;
		memcpy(f.dst_mac, bcast_mac, 6);
	} else {
		f.dst_ip = yiaddr;
		memcpy(f.dst_mac, req->hdr.chaddr, 6);
	}
	len = dhcp_frame_build(c->out, c->cap, &f, payload, (size_t)len);
	if (len < 0)
		return len;
	switch (type) {
	case DHCPOFFER:
		COUNT(c, offers);
		break;
	case DHCPACK:
		COUNT(c, acks);
		break;
	case DHCPNAK:
		COUNT(c, naks);
		break;
	}
	return len;
}

static int send_nak(struct reply_ctx *c, const char *message)
{
	return send_reply(c, NULL, DHCPNAK, 0, 0, message);
}

/* What the lease remembers of its client: host name and hardware address
 * (for events and listings; the key may be a client identifier). */
static void note_client(struct lease *l, const struct dhcp_msg *req)
{
	const uint8_t *h;
	size_t len;

	if (req->hdr.htype == DHCP_HTYPE_ETHER && req->hdr.hlen == DHCP_HLEN_ETHER) {
		memcpy(l->chaddr, req->hdr.chaddr, 6);
		l->has_chaddr = true;
	}
	h = dhcp_msg_opt(req, DHCP_OPT_HOSTNAME, &len);
	if (h)
		log_escape(h, len, l->hostname, sizeof(l->hostname));
}

/* Bind (or extend) and ACK; NAK when the address is not the client's to
 * have.  The store and map are updated before the ACK is returned. */
static int ack_or_nak(struct reply_ctx *c, const struct xdhcp_lease_key *key, uint32_t addr,
		      uint64_t now)
{
	struct server *s = c->s;
	struct lease *l = pool_find_key(c->sn->pool, key);
	bool renewal = l && l->state == LEASE_BOUND && l->addr == addr;
	int r;

	r = pool_bind(c->sn->pool, key, addr, now, c->sn->cfg->lease_time, &l);
	if (r == -ENOMEM)
		return r;
	if (r == -EACCES)
		return send_nak(c, "address reserved for you is another");
	if (r)
		return send_nak(c, r == -EADDRINUSE ? "address in use" : "address not available");
	l->ifindex = c->ifc->ifindex;
	l->renewal = renewal;
	note_client(l, c->req);
	if (s->ops.lease_bound)
		s->ops.lease_bound(s->ops_ctx, l);
	return send_reply(c, key, DHCPACK, l->addr, l->lease_time, NULL);
}

static bool in_subnet(const struct server_subnet *sn, uint32_t addr)
{
	return (addr & sn->netmask) == sn->subnet && addr != sn->subnet && addr != sn->broadcast;
}

/* Remember a new offer made on ifc (the caller leaves out a repeated
 * DISCOVER's, which is in the ring already); past cfg->max_offers the
 * oldest still outstanding offer of the interface gives way (its address
 * goes back).  O(1): no scan of the ring, which may hold a million keys. */
static void track_offer(struct server *s, struct server_iface *ifc,
			const struct xdhcp_lease_key *key, uint64_t now)
{
	unsigned int cap = s->cfg->max_offers ? s->cfg->max_offers : 16;

	if (!ifc->offers) {
		ifc->offers = calloc(cap, sizeof(*ifc->offers));
		if (!ifc->offers)
			return;
	}
	if (ifc->offers_n == cap) {
		const struct xdhcp_lease_key *old = &ifc->offers[ifc->offers_head];
		struct server_subnet *sn = old->pool < s->n_subnets ? &s->subnets[old->pool] : NULL;
		struct lease *l = sn && sn->pool ? pool_find_key(sn->pool, old) : NULL;

		/* Not the offer just made: the oldest entry can be this very
		 * client's, from an offer that has since lapsed. */
		if (l && l->state == LEASE_OFFERED && l->ifindex == ifc->ifindex &&
		    memcmp(old, key, sizeof(*key))) {
			s->stats.offers_evicted++;
			pool_release(sn->pool, l, now);
		}
		ifc->offers_head = (ifc->offers_head + 1) % cap;
		ifc->offers_n--;
	}
	ifc->offers[(ifc->offers_head + ifc->offers_n) % cap] = *key;
	ifc->offers_n++;
}

static int handle_discover(struct reply_ctx *c, const struct xdhcp_lease_key *key, uint64_t now)
{
	struct server *s = c->s;
	uint32_t requested = 0;
	struct lease *l;
	bool repeat;
	int r;

	COUNT(c, discovers);
	(void)dhcp_msg_opt_ip(c->req, DHCP_OPT_REQUESTED_IP, &requested);
	/* An offer outstanding on this interface is in its ring already. */
	l = pool_find_key(c->sn->pool, key);
	repeat = l && l->state == LEASE_OFFERED && l->ifindex == c->ifc->ifindex;
	r = pool_offer(c->sn->pool, key, requested, now, s->offer_ns, &l);
	if (r == -ENOSPC || r == -EADDRINUSE) {
		COUNT(c, exhausted);
		if (log_ratelimit_ok(&s->rl_exhausted, now))
			pr_warn("%s: no offer on '%s' (%lu warnings suppressed)",
				r == -ENOSPC ? "address pool exhausted"
					     : "a client's reserved address is held by another",
				c->ifc->name, s->rl_exhausted.suppressed);
		return 0;
	}
	if (r)
		return r;
	l->ifindex = c->ifc->ifindex;
	note_client(l, c->req);
	if (l->state == LEASE_OFFERED && !repeat)
		track_offer(s, c->ifc, key, now);
	/* RFC 2131 2.2, 3.1: probe an address before offering it, unless the
	 * client holds it right now. */
	if (s->cfg->conflict_check && !c->req->hdr.giaddr && l->state == LEASE_OFFERED &&
	    !l->probed) {
		s->stats.probes++;
		s->probe_addr = l->addr;
		return -EINPROGRESS;
	}
	return send_reply(c, key, DHCPOFFER, l->addr, c->sn->cfg->lease_time, NULL);
}

int server_probe_done(struct server *s, uint32_t ifindex, uint32_t addr, bool conflict,
		      const uint8_t *holder_mac, uint64_t now)
{
	struct server_iface *ifc = server_iface_find(s, ifindex);
	char a[INET_ADDRSTRLEN];
	struct lease *l;

	if (!ifc || !ifc->subnet || !ifc->subnet->pool)
		return -ENOENT;
	l = pool_find_addr(ifc->subnet->pool, addr);
	if (!l || l->state != LEASE_OFFERED)
		return -ENOENT;
	if (!conflict) {
		l->probed = true;
		return 0;
	}
	s->stats.conflicts++;
	pr_warn("address %s is in use on '%s' by %02x:%02x:%02x:%02x:%02x:%02x (ARP): "
		"quarantined for %u s",
		inet_ntop(AF_INET, &addr, a, sizeof(a)), ifc->name, holder_mac[0], holder_mac[1],
		holder_mac[2], holder_mac[3], holder_mac[4], holder_mac[5], s->cfg->decline_time);
	pool_decline(ifc->subnet->pool, l, now, s->decline_ns);
	return 0;
}

static int handle_request(struct reply_ctx *c, const struct xdhcp_lease_key *key, uint64_t now)
{
	struct server *s = c->s;
	const struct dhcp_msg *req = c->req;
	uint32_t sid = 0, requested = 0, ciaddr = req->hdr.ciaddr;
	bool has_sid, has_req;
	struct lease *l;

	COUNT(c, requests);
	has_sid = dhcp_msg_opt_ip(req, DHCP_OPT_SERVER_ID, &sid);
	has_req = dhcp_msg_opt_ip(req, DHCP_OPT_REQUESTED_IP, &requested);
	l = pool_find_key(c->sn->pool, key);

	if (has_sid) {
		/* SELECTING (4.3.2). */
		if (sid != c->ifc->server_id) {
			/* The client chose another server: our offer is declined. */
			COUNT(c, other_server);
			if (l && l->state == LEASE_OFFERED) {
				if (s->ops.lease_ended)
					s->ops.lease_ended(s->ops_ctx, l, LEASE_END_OFFER_TIMEOUT);
				pool_release(c->sn->pool, l, now);
			}
			return 0;
		}
		if (!has_req) {
			if (!ciaddr)
				return 0; /* malformed: nothing to bind */
			requested = ciaddr;
		}
		/* SELECTING answers our offer (4.3.2: 'requested IP address'
		 * is the OFFER's yiaddr): without an offer or lease of ours for
		 * that address, NAK, so the client starts over with a
		 * DISCOVER.  A guest cannot take free addresses by REQUEST
		 * alone, around the offer cap. */
		if ((!l || l->addr != requested) && now >= s->selecting_grace_until)
			return send_nak(c, "no offer for that address");
		return ack_or_nak(c, key, requested, now);
	}
	if (!ciaddr && has_req) {
		/* INIT-REBOOT: NAK a wrong address or wrong network; remain
		 * silent when we have no record of the client. */
		const struct cfg_static *resv = resv_of(c, key);

		if (!in_subnet(c->sn, requested))
			return send_nak(c, "wrong network");
		if (!l && !resv)
			return 0;
		if ((resv ? resv->ip : l->addr) != requested)
			return send_nak(c, "wrong address");
		return ack_or_nak(c, key, requested, now);
	}
	if (ciaddr) {
		/* RENEWING (unicast) or REBINDING (broadcast). */
		if (!in_subnet(c->sn, ciaddr))
			return send_nak(c, "wrong network");
		if (l && l->addr == ciaddr)
			return ack_or_nak(c, key, ciaddr, now);
		/* No record (say, a lost lease file): the client may keep the
		 * address when it is free in our range (or reserved for it);
		 * another's is NAKed. */
		if (!pool_in_range(c->sn->pool, ciaddr) && !resv_of(c, key) &&
		    !pool_resv_by_addr(c->sn->pool, ciaddr))
			return 0;
		return ack_or_nak(c, key, ciaddr, now);
	}
	return 0;
}

static int handle_release(struct reply_ctx *c, const struct xdhcp_lease_key *key, uint64_t now)
{
	struct server *s = c->s;
	struct lease *l = pool_find_key(c->sn->pool, key);
	uint32_t sid;

	COUNT(c, releases);
	if (dhcp_msg_opt_ip(c->req, DHCP_OPT_SERVER_ID, &sid) && sid != c->ifc->server_id)
		return 0;
	/* Only the holder may release, and only its own address. */
	if (!l || l->addr != c->req->hdr.ciaddr || l->state != LEASE_BOUND)
		return 0;
	if (s->ops.lease_ended)
		s->ops.lease_ended(s->ops_ctx, l, LEASE_END_RELEASED);
	pool_release(c->sn->pool, l, now);
	return 0;
}

static int handle_decline(struct reply_ctx *c, const struct xdhcp_lease_key *key, uint64_t now)
{
	struct server *s = c->s;
	struct lease *l = pool_find_key(c->sn->pool, key);
	uint32_t requested, sid;
	char a[INET_ADDRSTRLEN];

	COUNT(c, declines);
	if (dhcp_msg_opt_ip(c->req, DHCP_OPT_SERVER_ID, &sid) && sid != c->ifc->server_id)
		return 0;
	if (!dhcp_msg_opt_ip(c->req, DHCP_OPT_REQUESTED_IP, &requested))
		return 0;
	if (!l || l->addr != requested || (l->state != LEASE_BOUND && l->state != LEASE_OFFERED))
		return 0;
	pr_warn("address %s declined by a client on '%s': quarantined for %u s",
		inet_ntop(AF_INET, &requested, a, sizeof(a)), c->ifc->name, s->cfg->decline_time);
	if (s->ops.lease_ended)
		s->ops.lease_ended(s->ops_ctx, l, LEASE_END_DECLINED);
	pool_decline(c->sn->pool, l, now, s->decline_ns);
	return 0;
}

static int handle_inform(struct reply_ctx *c, const struct xdhcp_lease_key *key)
{
	COUNT(c, informs);
	/* Section 4.3.5: configuration only, to ciaddr. */
	if (!c->req->hdr.ciaddr)
		return 0;
	return send_reply(c, key, DHCPACK, 0, 0, NULL);
}

int server_handle_frame(struct server *s, uint32_t ifindex, const uint8_t *frame, size_t len,
			uint64_t now, uint8_t *out, size_t cap)
{
	static struct dhcp_msg req; /* large; the engine is single-threaded */
	struct xdhcp_lease_key key;
	struct dhcp_frame rf;
	struct reply_ctx c;
	int r;

	s->stats.rx++;
	r = dhcp_frame_parse(frame, len, &rf);
	if (r == -EPROTONOSUPPORT || (!r && rf.dst_port != DHCP_SERVER_PORT)) {
		s->stats.ignored++;
		return 0;
	}
	if (r || dhcp_msg_parse(&req, rf.payload, rf.payload_len)) {
		s->stats.malformed++;
		return -EBADMSG;
	}
	c = (struct reply_ctx){.s = s, .rf = &rf, .req = &req, .out = out, .cap = cap};
	c.ifc = server_iface_find(s, ifindex);
	/* BOOTP without DHCP options is not served. */
	if (!c.ifc || req.hdr.op != BOOTREQUEST || !req.has_cookie || !req.type ||
	    req.hdr.hlen > 16) {
		s->stats.ignored++;
		return 0;
	}
	/* A relayed request is served from the subnet that contains giaddr
	 * (RFC 2131 4.3.1); a relay outside every subnet is not ours. */
	c.sn = req.hdr.giaddr ? server_subnet_of(s, req.hdr.giaddr) : c.ifc->subnet;
	if (!req.hdr.giaddr && req.hdr.ciaddr && c.sn && c.sn->pool &&
	    !in_subnet(c.sn, req.hdr.ciaddr) && server_subnet_of(s, req.hdr.ciaddr))
		c.sn = server_subnet_of(s, req.hdr.ciaddr);
	if (!c.sn || !c.sn->pool || (req.hdr.giaddr && !in_subnet(c.sn, req.hdr.giaddr))) {
		s->stats.ignored++;
		return 0;
	}
	server_client_key(&req, c.sn->index, &key);
	if (key.len == 0) {
		/* No client identifier and no hardware address: nobody to
		 * give a lease to (RFC 2131 4.2 needs one of them). */
		s->stats.ignored++;
		return 0;
	}
	if (s->ops.lease_sync) {
		struct lease *l = pool_find_key(c.sn->pool, &key);

		if (l)
			s->ops.lease_sync(s->ops_ctx, l);
	}
	switch (req.type) {
	case DHCPDISCOVER:
		return handle_discover(&c, &key, now);
	case DHCPREQUEST:
		return handle_request(&c, &key, now);
	case DHCPRELEASE:
		return handle_release(&c, &key, now);
	case DHCPDECLINE:
		return handle_decline(&c, &key, now);
	case DHCPINFORM:
		return handle_inform(&c, &key);
	default:
		s->stats.ignored++;
		return 0;
	}
}
