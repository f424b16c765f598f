/* SPDX-License-Identifier: MIT */
/*
 * BPF_PROG_TEST_RUN tests of the XDP fast path (bpf/xdhcp.bpf.c) on the
 * real object: every test loads the skeleton, seeds xdhcp_ifaces,
 * xdhcp_tmpl and xdhcp_leases, runs frames built with tests/lib/pkt.h and
 * checks the verdict, the output frame byte by byte (decoded with the DHCP
 * library), the counters, the lease and the ring buffer records.
 *
 * Renewals and INIT-REBOOT get ACK/NAK tests of their own; punted, passed
 * and malformed frames are tables of {name, frame, expected verdict and
 * counter}.  Needs root (CAP_BPF, CAP_NET_ADMIN); exits 77 (skipped)
 * otherwise.
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
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dhcp_wire.h"
#include "fastpath_abi.h"

#include "dhcp_msg.h"
#include "ifcache.h"
#include "pkt.h"
#include "xdhcp.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* BPF_PROG_TEST_RUN runs XDP on the loopback device of the caller's netns
 * unless ctx_in names another ingress device. */
#define IFINDEX	      1
#define SLOT	      7
#define POOL	      3
#define TMPL	      5
#define LEASE_TIME    3600
#define NSEC	      1000000000ULL
#define OUT_CAP	      2048
#define MAX_EVENTS    128
#define SMALL_RING    4096 /* one page: a handful of punt records */
#define RENEW_BASE    320  /* the subnet's first bit in xdhcp_renewed */
#define RENEWED_WORDS (XDHCP_RENEWED_BITS / 64)

#define SERVER_IP  PKT_IP(198, 18, 0, 1)
#define NEXT_IP	   PKT_IP(198, 18, 0, 2)
#define ROUTER_IP  PKT_IP(198, 18, 0, 1)
#define DNS_IP	   PKT_IP(198, 18, 0, 53)
#define NET_IP	   PKT_IP(198, 18, 0, 0)
#define MASK_IP	   PKT_IP(255, 255, 255, 0)
#define LEASE_IP   PKT_IP(198, 18, 0, 10)
#define OTHER_IP   PKT_IP(198, 18, 0, 11)
#define OUTSIDE_IP PKT_IP(198, 19, 5, 5)
#define BCAST_IP   PKT_IP(255, 255, 255, 255)
#define XID	   0x1a2b3c4d

static const uint8_t if_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe};
static const uint8_t cl_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t cl2_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x02};
/* The client's frames come from another MAC than chaddr, so tests can tell
 * "Ethernet source of the request" from "chaddr" apart. */
static const uint8_t src_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x21};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* RFC 4361 style: type 255, IAID, DUID. */
static const uint8_t cid[] = {0xff, 0x00, 0x00, 0x00, 0x01, 0x00,
			      0x02, 0x00, 0x00, 0xab, 0x11, 0x42};

/* ------------------------------------------------------------------ */
/* Fixture: a loaded skeleton, the ring buffer, the last run. */

struct event {
	size_t size;
	uint8_t data[sizeof(struct xdhcp_punt_event)];
};

struct fx {
	struct xdhcp *skel;
	struct ring_buffer *rb;
	uint64_t *renewed;  /* xdhcp_renewed, mapped */
	struct ifcache ifc; /* xdhcp_ifcache, written as the daemon does */
	struct event ev[MAX_EVENTS];
	int n_ev;
	uint8_t out[OUT_CAP];
	uint32_t out_len;
	uint32_t verdict;
	uint8_t tmpl[XDHCP_TMPL_MAX];
	size_t tmpl_len;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct fx *fx = ctx;

	if (fx->n_ev >= MAX_EVENTS || size > sizeof(fx->ev[0].data))
		return -E2BIG;
	fx->ev[fx->n_ev].size = size;
	memcpy(fx->ev[fx->n_ev].data, data, size);
	fx->n_ev++;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* CLOCK_BOOTTIME - CLOCK_MONOTONIC, as the daemon publishes it. */
static uint64_t clock_offset(void)
{
	struct timespec b, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return (uint64_t)((b.tv_sec - m.tv_sec) * (int64_t)NSEC + (b.tv_nsec - m.tv_nsec));
}

/* The interface as the daemon publishes it: xdhcp_ifaces, then the
 * cache (1 when the cache holds it, 0 when its slot is another's). */
static int iface_put(struct fx *fx, uint32_t ifindex, const struct xdhcp_iface *v)
{
	int r;

	assert_int_equal(bpf_map__update_elem(fx->skel->maps.xdhcp_ifaces, &ifindex,
					      sizeof(ifindex), v, sizeof(*v), BPF_ANY),
			 0);
	r = ifcache_put(&fx->ifc, ifindex, v);
	assert_true(r == 0 || r == 1);
	return r;
}

static struct xdhcp_iface iface_get(struct fx *fx, uint32_t ifindex)
{
	struct xdhcp_iface v;

	assert_int_equal(bpf_map__lookup_elem(fx->skel->maps.xdhcp_ifaces, &ifindex,
					      sizeof(ifindex), &v, sizeof(v), 0),
			 0);
	return v;
}

static void iface_del(struct fx *fx, uint32_t ifindex)
{
	ifcache_del(&fx->ifc, ifindex);
	assert_int_equal(
		bpf_map__delete_elem(fx->skel->maps.xdhcp_ifaces, &ifindex, sizeof(ifindex), 0), 0);
}

static void seed_iface(struct fx *fx, uint32_t ifindex, uint32_t flags)
{
	struct xdhcp_iface ifc = {
		.server_ip = SERVER_IP,
		.net = NET_IP,
		.mask = MASK_IP,
		.pool = POOL,
		.slot = SLOT,
		.flags = flags,
		.renew_base = RENEW_BASE,
		.clock_offset_ns = clock_offset(),
	};

	memcpy(ifc.mac, if_mac, 6);
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
}

static void seed_tmpl(struct fx *fx, uint32_t idx, const uint8_t *data, size_t len,
		      uint16_t len_field)
{
	struct xdhcp_tmpl t;

	memset(&t, 0, sizeof(t));
	t.len = len_field;
	t.siaddr = NEXT_IP;
	memcpy(t.data, data, len);
	t.csum = xdhcp_tmpl_csum(&t); /* over len bytes only, as the daemon does */
	assert_int_equal(bpf_map__update_elem(fx->skel->maps.xdhcp_tmpl, &idx, sizeof(idx), &t,
					      sizeof(t), BPF_ANY),
			 0);
}

static struct xdhcp_lease_key key_hw(const uint8_t mac[6])
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.pool = POOL;
	k.kind = XDHCP_KEY_HWADDR;
	k.len = 6;
	k.htype = DHCP_HTYPE_ETHER;
	memcpy(k.id, mac, 6);
	return k;
}

static struct xdhcp_lease_key key_cid(const uint8_t *id, size_t len)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.pool = POOL;
	k.kind = XDHCP_KEY_CLIENT_ID;
	k.len = (uint8_t)len;
	memcpy(k.id, id, len);
	return k;
}

/* A lease for addr that expires expires_in seconds from now (may be < 0). */
static void seed_lease(struct fx *fx, const struct xdhcp_lease_key *k, uint32_t addr,
		       int64_t expires_in)
{
	struct xdhcp_lease l = {
		.expires_ns = (uint64_t)((int64_t)now_ns() + expires_in * (int64_t)NSEC),
		.addr = addr,
		.lease_time = LEASE_TIME,
		.tmpl = TMPL,
		.ifindex = IFINDEX,
		.flags = 0,
	};

	assert_int_equal(bpf_map__update_elem(fx->skel->maps.xdhcp_leases, k, sizeof(*k), &l,
					      sizeof(l), BPF_ANY),
			 0);
}

static struct xdhcp_lease get_lease(struct fx *fx, const struct xdhcp_lease_key *k)
{
	struct xdhcp_lease l;

	assert_int_equal(
		bpf_map__lookup_elem(fx->skel->maps.xdhcp_leases, k, sizeof(*k), &l, sizeof(l), 0),
		0);
	return l;
}

/* A counter of a stats slot, summed over the possible CPUs. */
static uint64_t counter(struct fx *fx, uint32_t slot, enum xdhcp_stat id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xdhcp_stats *v;
	uint64_t sum = 0;

	assert_true(ncpu > 0);
	v = calloc((size_t)ncpu, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(bpf_map__lookup_elem(fx->skel->maps.xdhcp_stats, &slot, sizeof(slot), v,
					      sizeof(*v) * (size_t)ncpu, 0),
			 0);
	for (int i = 0; i < ncpu; i++)
		sum += v[i].cnt[id];
	free(v);
	return sum;
}

/* Every counter of a slot equals want[] (ids not listed: 0). */
static void assert_stats(struct fx *fx, uint32_t slot, const uint64_t want[XDHCP_STAT_MAX])
{
	for (int id = 0; id < XDHCP_STAT_MAX; id++) {
		uint64_t got = counter(fx, slot, id);

		if (got != want[id])
			print_error("slot %u counter %d: want %llu, got %llu\n", slot, id,
				    (unsigned long long)want[id], (unsigned long long)got);
		assert_int_equal(got, want[id]);
	}
}

/* Drain the ring buffer into fx->ev. */
static int drain(struct fx *fx)
{
	fx->n_ev = 0;
	assert_true(ring_buffer__consume(fx->rb) >= 0);
	return fx->n_ev;
}

static int fx_open(void **state, uint32_t ring_bytes)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	int len;

	if (!fx)
		return -1;
	ifcache_init(&fx->ifc);
	fx->skel = xdhcp__open();
	if (!fx->skel)
		goto fail;
	if (ring_bytes && bpf_map__set_max_entries(fx->skel->maps.xdhcp_events, ring_bytes))
		goto fail;
	if (xdhcp__load(fx->skel))
		goto fail;
	fx->rb = ring_buffer__new(bpf_map__fd(fx->skel->maps.xdhcp_events), on_event, fx, NULL);
	if (!fx->rb)
		goto fail;
	fx->renewed = mmap(NULL, RENEWED_WORDS * 8, PROT_READ | PROT_WRITE, MAP_SHARED,
			   bpf_map__fd(fx->skel->maps.xdhcp_renewed), 0);
	if (fx->renewed == MAP_FAILED) {
		fx->renewed = NULL;
		goto fail;
	}
	if (ifcache_open(&fx->ifc, bpf_map__fd(fx->skel->maps.xdhcp_ifcache), true))
		goto fail;
	len = pkt_ack_options(fx->tmpl, sizeof(fx->tmpl), SERVER_IP, LEASE_TIME, MASK_IP, ROUTER_IP,
			      DNS_IP);
	if (len < 0)
		goto fail;
	fx->tmpl_len = (size_t)len;
	*state = fx;
	seed_iface(fx, IFINDEX, XDHCP_IF_FASTPATH);
	seed_tmpl(fx, TMPL, fx->tmpl, fx->tmpl_len, (uint16_t)fx->tmpl_len);
	return 0;

fail:
	ring_buffer__free(fx->rb);
	if (fx->renewed)
		munmap(fx->renewed, RENEWED_WORDS * 8);
	ifcache_close(&fx->ifc);
	xdhcp__destroy(fx->skel);
	free(fx);
	return -1;
}

static int setup(void **state)
{
	return fx_open(state, 0);
}

static int setup_small_ring(void **state)
{
	return fx_open(state, SMALL_RING);
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ring_buffer__free(fx->rb);
	munmap(fx->renewed, RENEWED_WORDS * 8);
	ifcache_close(&fx->ifc);
	xdhcp__destroy(fx->skel);
	free(fx);
	return 0;
}

/* One BPF_PROG_TEST_RUN (repeat 1: the frame is not reset between runs),
 * with an explicit ingress device when ifindex is non-zero. */
static void run_on(struct fx *fx, const uint8_t *in, size_t len, uint32_t ifindex)
{
	struct xdp_md md = {.data = 0, .data_end = (uint32_t)len, .ingress_ifindex = ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = fx->out, .data_size_out = sizeof(fx->out), .repeat = 1);
	int err;

	if (ifindex) {
		opts.ctx_in = &md;
		opts.ctx_size_in = sizeof(md);
	}
	memset(fx->out, 0xa5, sizeof(fx->out));
	err = bpf_prog_test_run_opts(bpf_program__fd(fx->skel->progs.xdp_dhcp_rx), &opts);
	assert_int_equal(err, 0);
	fx->verdict = opts.retval;
	fx->out_len = opts.data_size_out;
}

static void run(struct fx *fx, const uint8_t *in, size_t len)
{
	run_on(fx, in, len, 0);
}

static size_t build(uint8_t *buf, const struct pkt_req *r)
{
	int len = pkt_request(buf, PKT_FRAME_MAX, r);

	assert_true(len > 0);
	return (size_t)len;
}

/* ------------------------------------------------------------------ */
/* Requests of the RFC 2131 4.3.2 client states. */

/* RENEWING: unicast from ciaddr to the server. */
static struct pkt_req renewing(void)
{
	struct pkt_req r = {
		.msg_type = DHCPREQUEST,
		.xid = XID,
		.ciaddr = LEASE_IP,
		.dst_ip = SERVER_IP,
	};

	memcpy(r.chaddr, cl_mac, 6);
	memcpy(r.src_mac, src_mac, 6);
	memcpy(r.dst_mac, if_mac, 6);
	return r;
}

/* REBINDING: like RENEWING, but broadcast. */
static struct pkt_req rebinding(void)
{
	struct pkt_req r = renewing();

	r.dst_ip = 0;
	memset(r.dst_mac, 0, 6);
	return r;
}

/* INIT-REBOOT: ciaddr 0, option 50, broadcast. */
static struct pkt_req init_reboot(uint32_t addr, bool bcast_flag)
{
	struct pkt_req r = {
		.msg_type = DHCPREQUEST,
		.xid = XID,
		.requested_ip = addr,
		.broadcast = bcast_flag,
	};

	memcpy(r.chaddr, cl_mac, 6);
	memcpy(r.src_mac, cl_mac, 6);
	return r;
}

/* ------------------------------------------------------------------ */
/* Reply checks. */

struct reply_exp {
	uint8_t type; /* DHCPACK or DHCPNAK */
	uint32_t dst_ip;
	const uint8_t *dst_mac;
	uint32_t ciaddr, yiaddr, siaddr;
	uint16_t flags;	     /* host order */
	const uint8_t *opts; /* option bytes before 61 and END */
	size_t opts_len;
	const uint8_t *cid; /* option 61 echo, NULL: none */
	size_t cid_len;
};

static const uint8_t nak_opts[] = {
	DHCP_OPT_MESSAGE_TYPE, 1, DHCPNAK, DHCP_OPT_SERVER_ID, 4, 198, 18, 0, 1,
};

/*
 * The output frame is exactly the reply for req: headers, checksums,
 * BOOTP fields, then options byte for byte (template or NAK options, 61
 * echo, END) and zeros up to the end of the message.
 */
static void check_reply(struct fx *fx, const struct pkt_req *req, const struct reply_exp *e)
{
	const uint8_t *payload, *ip;
	struct dhcp_frame f;
	struct dhcp_msg *m;
	size_t l2, pos;

	assert_int_equal(fx->verdict, XDP_TX);
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	assert_int_equal(pkt_parse(fx->out, fx->out_len, &f, m), 0);

	/* Ethernet, 802.1Q, IPv4, UDP */
	assert_memory_equal(f.dst_mac, e->dst_mac, 6);
	assert_memory_equal(f.src_mac, if_mac, 6);
	assert_int_equal(f.has_vlan, req->has_vlan);
	if (req->has_vlan)
		assert_int_equal(f.vlan_tci, req->vlan_tci);
	assert_int_equal(f.src_ip, SERVER_IP);
	assert_int_equal(f.dst_ip, e->dst_ip);
	assert_int_equal(f.src_port, DHCP_SERVER_PORT);
	assert_int_equal(f.dst_port, DHCP_CLIENT_PORT);
	assert_int_equal(f.ttl, 64);
	l2 = pkt_l3_off(fx->out);
	ip = fx->out + l2;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[4] | ip[5] | ip[6] | ip[7], 0); /* id 0, no DF, not a fragment */
	/* The frame is exactly the datagram: no leftover tail. */
	assert_int_equal(l2 + ((size_t)ip[2] << 8 | ip[3]), fx->out_len);
	assert_int_equal(l2 + PKT_IP_HLEN + PKT_UDP_HLEN + f.payload_len, fx->out_len);
	assert_true(pkt_ipv4_csum_ok(fx->out, fx->out_len));
	assert_true(pkt_udp_csum_ok(fx->out, fx->out_len));
	/* RFC 2131 section 2: >= 300 bytes, and at most 576 bytes of IPv4. */
	assert_true(f.payload_len >= DHCP_MIN_MSG_LEN);
	assert_int_equal(f.payload_len % 4, 0);
	assert_true(PKT_IP_HLEN + PKT_UDP_HLEN + f.payload_len <= DHCP_MIN_MAX_MSG_SIZE);

	/* BOOTP fixed header */
	assert_int_equal(m->hdr.op, BOOTREPLY);
	assert_int_equal(m->hdr.htype, DHCP_HTYPE_ETHER);
	assert_int_equal(m->hdr.hlen, DHCP_HLEN_ETHER);
	assert_int_equal(m->hdr.hops, 0);
	assert_int_equal(ntohl(m->hdr.xid), req->xid);
	assert_int_equal(m->hdr.secs, 0);
	assert_int_equal(ntohs(m->hdr.flags), e->flags);
	assert_int_equal(m->hdr.ciaddr, e->ciaddr);
	assert_int_equal(m->hdr.yiaddr, e->yiaddr);
	assert_int_equal(m->hdr.siaddr, e->siaddr);
	assert_int_equal(m->hdr.giaddr, 0);
	assert_memory_equal(m->hdr.chaddr, req->chaddr, 6);
	for (size_t i = 6; i < sizeof(m->hdr.chaddr); i++)
		assert_int_equal(m->hdr.chaddr[i], 0);
	for (size_t i = 0; i < sizeof(m->hdr.sname); i++)
		assert_int_equal(m->hdr.sname[i], 0);
	for (size_t i = 0; i < sizeof(m->hdr.file); i++)
		assert_int_equal(m->hdr.file[i], 0);
	assert_true(m->has_cookie);
	assert_int_equal(m->type, e->type);

	/* Options, byte for byte, then zeros: nothing left from elsewhere. */
	payload = f.payload;
	pos = DHCP_OPTIONS_OFFSET;
	assert_memory_equal(payload + pos, e->opts, e->opts_len);
	pos += e->opts_len;
	if (e->cid) {
		assert_int_equal(payload[pos], DHCP_OPT_CLIENT_ID);
		assert_int_equal(payload[pos + 1], e->cid_len);
		assert_memory_equal(payload + pos + 2, e->cid, e->cid_len);
		pos += 2 + e->cid_len;
	} else {
		assert_null(dhcp_msg_opt(m, DHCP_OPT_CLIENT_ID, NULL));
	}
	assert_int_equal(payload[pos], DHCP_OPT_END);
	for (pos++; pos < f.payload_len; pos++)
		assert_int_equal(payload[pos], 0);
	free(m);
}

/* A DHCPACK of yiaddr for req. */
static void check_ack_of(struct fx *fx, const struct pkt_req *req, uint32_t yiaddr, uint32_t dst_ip,
			 const uint8_t *dst_mac, const uint8_t *echo, size_t echo_len)
{
	struct reply_exp e = {
		.type = DHCPACK,
		.dst_ip = dst_ip,
		.dst_mac = dst_mac,
		.ciaddr = req->ciaddr,
		.yiaddr = yiaddr,
		.siaddr = NEXT_IP,
		.flags = req->broadcast ? DHCP_FLAG_BROADCAST : 0,
		.opts = fx->tmpl,
		.opts_len = fx->tmpl_len,
		.cid = echo,
		.cid_len = echo_len,
	};

	check_reply(fx, req, &e);
}

/* A DHCPACK of LEASE_IP for req. */
static void check_ack(struct fx *fx, const struct pkt_req *req, uint32_t dst_ip,
		      const uint8_t *dst_mac, const uint8_t *echo, size_t echo_len)
{
	check_ack_of(fx, req, LEASE_IP, dst_ip, dst_mac, echo, echo_len);
}

static void check_nak(struct fx *fx, const struct pkt_req *req, const uint8_t *echo,
		      size_t echo_len)
{
	struct reply_exp e = {
		.type = DHCPNAK,
		.dst_ip = BCAST_IP,
		.dst_mac = bcast_mac,
		/* RFC 2131 table 3: the client's flags; 4.3.2 sets the
		 * broadcast bit only through a relay (never here). */
		.flags = req->broadcast ? DHCP_FLAG_BROADCAST : 0,
		.opts = nak_opts,
		.opts_len = sizeof(nak_opts),
		.cid = echo,
		.cid_len = echo_len,
	};

	check_reply(fx, req, &e);
}

/* The lease was renewed once more, between t0 and t1, and nothing but the
 * three fast-path fields changed. */
static void check_renewed(struct fx *fx, const struct xdhcp_lease_key *k,
			  const struct xdhcp_lease *before, uint64_t t0, uint64_t t1)
{
	struct xdhcp_lease l = get_lease(fx, k);

	/* The coarse clock lags by under a jiffy; the expiry makes up for
	 * it, so it is never before the request's time plus the lease
	 * (RFC 2131 4.4.5: the client counts from its request). */
	assert_true(l.fast_renewed_ns + XDHCP_COARSE_SLACK_NS >= t0 && l.fast_renewed_ns <= t1);
	assert_int_equal(l.expires_ns,
			 l.fast_renewed_ns + XDHCP_COARSE_SLACK_NS + (uint64_t)LEASE_TIME * NSEC);
	assert_true(l.expires_ns >= t0 + (uint64_t)LEASE_TIME * NSEC);
	assert_int_equal(l.fast_renewals, before->fast_renewals + 1);
	assert_int_equal(l.addr, before->addr);
	assert_int_equal(l.lease_time, before->lease_time);
	assert_int_equal(l.tmpl, before->tmpl);
	assert_int_equal(l.ifindex, before->ifindex);
	assert_int_equal(l.flags, before->flags);
}

/* The marks in xdhcp_renewed are exactly the bits of addrs (host parts
 * past RENEW_BASE); they are cleared, as the daemon's swap does. */
static void check_marks(struct fx *fx, const uint32_t *addrs, unsigned int n)
{
	uint64_t want[RENEWED_WORDS / 64 + 8] = {0};
	unsigned int max_word = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t bit = RENEW_BASE + (ntohl(addrs[i]) & ~ntohl(MASK_IP));

		want[bit / 64] |= 1ULL << (bit % 64);
		max_word = bit / 64 > max_word ? bit / 64 : max_word;
	}
	for (unsigned int w = 0; w < RENEWED_WORDS; w++) {
		uint64_t got = __atomic_exchange_n(&fx->renewed[w], 0, __ATOMIC_ACQ_REL);

		if (got != (w <= max_word ? want[w] : 0))
			print_error("xdhcp_renewed word %u: want %#llx, got %#llx\n", w,
				    (unsigned long long)(w <= max_word ? want[w] : 0),
				    (unsigned long long)got);
		assert_int_equal(got, w <= max_word ? want[w] : 0);
	}
}

/* The renewal of LEASE_IP is marked for the daemon, and nothing else is:
 * no ring-buffer record (the daemon is not woken for a renewal). */
static void check_renew_mark(struct fx *fx)
{
	const uint32_t addr = LEASE_IP;

	assert_int_equal(drain(fx), 0);
	check_marks(fx, &addr, 1);
}

/* Exactly one punt record, holding the whole frame in. */
static void check_punt_event(struct fx *fx, const uint8_t *in, size_t len, uint64_t t0)
{
	struct xdhcp_punt_event ev;

	assert_int_equal(drain(fx), 1);
	/* Records are sent at their exact size (see punt() in the program). */
	assert_int_equal(fx->ev[0].size, XDHCP_PUNT_HDR_LEN + len);
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, fx->ev[0].data, fx->ev[0].size);
	assert_int_equal(ev.hdr.type, XDHCP_EV_PUNT);
	assert_int_equal(ev.hdr.version, XDHCP_EVENT_VERSION);
	assert_int_equal(ev.hdr.ifindex, IFINDEX);
	assert_int_equal(ev.len, len);
	assert_int_equal(ev.pad, 0);
	assert_true(ev.ts_ns >= t0 && ev.ts_ns <= now_ns());
	assert_memory_equal(ev.data, in, len);
}

/* ------------------------------------------------------------------ */
/* Fast DHCPACK */

static void renew_and_check(struct fx *fx, const struct pkt_req *req,
			    const struct xdhcp_lease_key *k, uint32_t dst_ip,
			    const uint8_t *dst_mac, const uint8_t *echo, size_t echo_len)
{
	uint64_t want[XDHCP_STAT_MAX] = {[XDHCP_STAT_RX] = 1, [XDHCP_STAT_FAST_ACK] = 1};
	struct xdhcp_lease before = get_lease(fx, k);
	uint8_t in[PKT_FRAME_MAX];
	size_t len = build(in, req);
	uint64_t t0, t1;

	t0 = now_ns();
	run(fx, in, len);
	t1 = now_ns();
	check_ack(fx, req, dst_ip, dst_mac, echo, echo_len);
	check_renewed(fx, k, &before, t0, t1);
	check_renew_mark(fx);
	assert_stats(fx, SLOT, want);
}

static void test_renewing_ack(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();

	seed_lease(fx, &k, LEASE_IP, 600);
	/* RFC 2131 4.1: ciaddr set, so unicast to ciaddr and to the
	 * request's Ethernet source. */
	renew_and_check(fx, &r, &k, LEASE_IP, src_mac, NULL, 0);
}

static void test_renewing_ack_client_id(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_cid(cid, sizeof(cid));
	struct pkt_req r = renewing();

	r.client_id = cid;
	r.client_id_len = sizeof(cid);
	seed_lease(fx, &k, LEASE_IP, 600);
	/* RFC 6842: option 61 is echoed after the template. */
	renew_and_check(fx, &r, &k, LEASE_IP, src_mac, cid, sizeof(cid));
}

static void test_rebinding_ack(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = rebinding();

	seed_lease(fx, &k, LEASE_IP, 600);
	/* Broadcast request, still answered by unicast to ciaddr. */
	renew_and_check(fx, &r, &k, LEASE_IP, src_mac, NULL, 0);
}

static void test_init_reboot_broadcast_ack(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = init_reboot(LEASE_IP, true);

	seed_lease(fx, &k, LEASE_IP, 600);
	renew_and_check(fx, &r, &k, BCAST_IP, bcast_mac, NULL, 0);
}

static void test_init_reboot_unicast_ack(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = init_reboot(LEASE_IP, false);

	memcpy(r.src_mac, src_mac, 6);
	seed_lease(fx, &k, LEASE_IP, 600);
	/* No broadcast bit: to yiaddr and chaddr (not the frame source). */
	renew_and_check(fx, &r, &k, LEASE_IP, cl_mac, NULL, 0);
}

static void test_vlan_renewal_ack(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();

	r.has_vlan = true;
	r.vlan_tci = 0xa00c; /* priority 5, VLAN 12: kept as is */
	seed_lease(fx, &k, LEASE_IP, 600);
	renew_and_check(fx, &r, &k, LEASE_IP, src_mac, NULL, 0);
}

static void test_repeated_renewals(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint8_t in[PKT_FRAME_MAX];
	size_t len = build(in, &r);

	seed_lease(fx, &k, LEASE_IP, 600);
	for (int i = 0; i < 3; i++) {
		run(fx, in, len);
		assert_int_equal(fx->verdict, XDP_TX);
	}
	assert_int_equal(get_lease(fx, &k).fast_renewals, 3);
	/* One mark however often the client renews before the daemon looks. */
	check_renew_mark(fx);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_ACK), 3);
}

/* ctx_in with an explicit ingress device: the lookups and records use it. */
static void test_explicit_ingress_ifindex(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint8_t in[PKT_FRAME_MAX];
	size_t len = build(in, &r);

	seed_lease(fx, &k, LEASE_IP, 600);
	run_on(fx, in, len, IFINDEX);
	check_ack(fx, &r, LEASE_IP, src_mac, NULL, 0);
	check_renew_mark(fx);
}

/* A lease granted on another interface: a guest on this one claiming the
 * same identity is punted, never answered from the map, and the lease is
 * left as it was. */
static void test_lease_of_other_interface(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint8_t in[PKT_FRAME_MAX];
	struct xdhcp_lease before;

	seed_lease(fx, &k, LEASE_IP, 600);
	before = get_lease(fx, &k);
	before.ifindex = IFINDEX + 100;
	assert_int_equal(bpf_map__update_elem(fx->skel->maps.xdhcp_leases, &k, sizeof(k), &before,
					      sizeof(before), BPF_ANY),
			 0);
	run(fx, in, build(in, &r));
	assert_int_equal(fx->verdict, XDP_DROP);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_PUNT), 1);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_ACK), 0);
	assert_int_equal(get_lease(fx, &k).expires_ns, before.expires_ns);
	assert_int_equal(get_lease(fx, &k).fast_renewals, 0);

	/* INIT-REBOOT for that lease's address: punted too, not NAKed. */
	r = init_reboot(LEASE_IP, false);
	run(fx, in, build(in, &r));
	assert_int_equal(fx->verdict, XDP_DROP);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_PUNT), 2);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_NAK), 0);
}

/* A large request becomes a smaller reply (tail shrinks); a minimal one a
 * larger reply (head grows).  Either way the output is exactly the reply. */
static void test_resize(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req big = renewing(), small = renewing();
	uint8_t in[PKT_FRAME_MAX];
	size_t len;

	seed_lease(fx, &k, LEASE_IP, 600);
	big.min_len = 1000;
	len = build(in, &big);
	run(fx, in, len);
	assert_true(fx->out_len < len);
	check_ack(fx, &big, LEASE_IP, src_mac, NULL, 0);

	small.min_len = 1; /* no padding at all */
	small.client_id = cid;
	small.client_id_len = sizeof(cid);
	k = key_cid(cid, sizeof(cid));
	seed_lease(fx, &k, LEASE_IP, 600);
	len = build(in, &small);
	run(fx, in, len);
	assert_true(fx->out_len > len);
	check_ack(fx, &small, LEASE_IP, src_mac, cid, sizeof(cid));
}

/* ------------------------------------------------------------------ */
/* Fast DHCPNAK */

static void nak_and_check(struct fx *fx, const struct pkt_req *req, const uint8_t *echo,
			  size_t echo_len)
{
	uint64_t want[XDHCP_STAT_MAX] = {[XDHCP_STAT_RX] = 1, [XDHCP_STAT_FAST_NAK] = 1};
	uint8_t in[PKT_FRAME_MAX];
	size_t len = build(in, req);

	run(fx, in, len);
	check_nak(fx, req, echo, echo_len);
	assert_int_equal(drain(fx), 0);
	assert_stats(fx, SLOT, want);
}

static void test_init_reboot_wrong_address_nak(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_cid(cid, sizeof(cid));
	struct pkt_req r = init_reboot(OTHER_IP, false);
	struct xdhcp_lease before, after;

	r.client_id = cid;
	r.client_id_len = sizeof(cid);
	seed_lease(fx, &k, LEASE_IP, 600);
	before = get_lease(fx, &k);
	nak_and_check(fx, &r, cid, sizeof(cid));
	after = get_lease(fx, &k);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void test_init_reboot_wrong_subnet_nak(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = init_reboot(OUTSIDE_IP, true);

	/* RFC 2131 4.3.2: wrong network, no lease needed to say so. */
	nak_and_check(fx, &r, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* The UDP checksum from the template's precomputed share: every template
 * length modulo 4, with and without option 61 of every length the key
 * holds, and the same from a template without its share (csum 0: the
 * fast path sums the whole datagram).  check_reply() verifies both
 * checksums and every byte. */

static void test_checksum_shapes(void **state)
{
	struct fx *fx = *state;
	uint8_t base[XDHCP_TMPL_MAX], id[XDHCP_CLIENT_ID_MAX], in[PKT_FRAME_MAX];
	size_t base_len = fx->tmpl_len;
	struct xdhcp_lease_key k;
	unsigned int replies = 0;

	memcpy(base, fx->tmpl, base_len);
	for (unsigned int i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(0xf1 - 7 * i);
	for (unsigned int extra = 0; extra < 4; extra++) {
		/* A private option (224) with 0..3 data bytes: 2..5 more
		 * bytes of template, every residue modulo 4. */
		memcpy(fx->tmpl, base, base_len);
		fx->tmpl[base_len] = 224;
		fx->tmpl[base_len + 1] = (uint8_t)extra;
		for (unsigned int j = 0; j < extra; j++)
			fx->tmpl[base_len + 2 + j] = (uint8_t)(0x81 + j);
		fx->tmpl_len = base_len + 2 + extra;
		for (int with_sum = 1; with_sum >= 0; with_sum--) {
			struct xdhcp_tmpl t;

			memset(&t, 0, sizeof(t));
			t.len = (uint16_t)fx->tmpl_len;
			t.siaddr = NEXT_IP;
			memcpy(t.data, fx->tmpl, fx->tmpl_len);
			t.csum = with_sum ? xdhcp_tmpl_csum(&t) : 0;
			assert_int_equal(bpf_map__update_elem(fx->skel->maps.xdhcp_tmpl,
							      &(uint32_t){TMPL}, sizeof(uint32_t),
							      &t, sizeof(t), BPF_ANY),
					 0);
			for (size_t id_len = 0; id_len <= sizeof(id); id_len++) {
				struct pkt_req r = renewing();

				if (id_len) {
					r.client_id = id;
					r.client_id_len = id_len;
					k = key_cid(id, id_len);
				} else {
					k = key_hw(cl_mac);
				}
				seed_lease(fx, &k, LEASE_IP, 600);
				run(fx, in, build(in, &r));
				check_ack(fx, &r, LEASE_IP, src_mac, id_len ? id : NULL, id_len);
				replies++;
			}
		}
	}
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_ACK), replies);
	memcpy(fx->tmpl, base, base_len);
	fx->tmpl_len = base_len;
}

/* ------------------------------------------------------------------ */
/* Leftovers: nothing of an earlier reply, another client or the
 * template's unused bytes may reach the wire. */

static void test_no_stale_bytes(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k1, k2 = key_hw(cl2_mac);
	uint8_t long_id[XDHCP_CLIENT_ID_MAX], junk[XDHCP_TMPL_MAX];
	struct pkt_req r1 = renewing(), r2 = renewing();
	uint8_t in[PKT_FRAME_MAX];
	size_t len;

	/* First a long reply: 64-byte client id. */
	memset(long_id, 0x77, sizeof(long_id));
	long_id[0] = 0xff;
	k1 = key_cid(long_id, sizeof(long_id));
	r1.client_id = long_id;
	r1.client_id_len = sizeof(long_id);
	seed_lease(fx, &k1, LEASE_IP, 600);
	len = build(in, &r1);
	run(fx, in, len);
	check_ack(fx, &r1, LEASE_IP, src_mac, long_id, sizeof(long_id));

	/* Then a short one for another client, from a template whose bytes
	 * past len are not zero (a daemon bug must not leak either). */
	memcpy(junk, fx->tmpl, fx->tmpl_len);
	memset(junk + fx->tmpl_len, 0x5a, sizeof(junk) - fx->tmpl_len);
	seed_tmpl(fx, TMPL, junk, sizeof(junk), (uint16_t)fx->tmpl_len);
	memcpy(r2.chaddr, cl2_mac, 6);
	seed_lease(fx, &k2, LEASE_IP, 600);
	len = build(in, &r2);
	run(fx, in, len);
	check_ack(fx, &r2, LEASE_IP, src_mac, NULL, 0);

	/* And a NAK right after. */
	r1 = init_reboot(OUTSIDE_IP, false);
	len = build(in, &r1);
	run(fx, in, len);
	check_nak(fx, &r1, NULL, 0);
}

/* Template lengths 5..260: every partial-word tail, every word count up
 * to 33; bytes past len in the map are not zero and must not be sent. */
static void test_template_lengths(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint8_t data[XDHCP_TMPL_MAX], in[PKT_FRAME_MAX];
	size_t len = build(in, &r);

	seed_lease(fx, &k, LEASE_IP, 600);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x80 | i);
	/* 53 = ACK, then one option (of 0..255 bytes) making it tlen long. */
	for (size_t tlen = 5; tlen <= 5 + 255; tlen++) {
		data[0] = DHCP_OPT_MESSAGE_TYPE;
		data[1] = 1;
		data[2] = DHCPACK;
		data[3] = 224; /* private-use option */
		data[4] = (uint8_t)(tlen - 5);
		seed_tmpl(fx, TMPL, data, sizeof(data), (uint16_t)tlen);
		memcpy(fx->tmpl, data, tlen);
		fx->tmpl_len = tlen;
		run(fx, in, len);
		check_ack(fx, &r, LEASE_IP, src_mac, NULL, 0);
	}
	/* Downwards, with option 61 of every length: each reply is shorter
	 * than the last, whose bytes are still in the scratch buffer past the
	 * ones this reply zeroes; none may be sent or summed. */
	for (size_t tlen = 5 + 255; tlen >= 5; tlen--) {
		uint8_t id[XDHCP_CLIENT_ID_MAX];
		size_t id_len = 1 + tlen % XDHCP_CLIENT_ID_MAX;
		struct pkt_req rc = renewing();
		struct xdhcp_lease_key kc;

		for (size_t i = 0; i < id_len; i++)
			id[i] = (uint8_t)(0x31 + i + tlen);
		kc = key_cid(id, id_len);
		rc.client_id = id;
		rc.client_id_len = id_len;
		seed_lease(fx, &kc, LEASE_IP, 600);
		data[4] = (uint8_t)(tlen - 5);
		seed_tmpl(fx, TMPL, data, sizeof(data), (uint16_t)tlen);
		memcpy(fx->tmpl, data, tlen);
		fx->tmpl_len = tlen;
		len = build(in, &rc);
		run(fx, in, len);
		check_ack(fx, &rc, LEASE_IP, src_mac, id, id_len);
	}
}

/* ------------------------------------------------------------------ */
/* Punted: dropped, a whole copy goes to the daemon, nothing else. */

struct punt_case {
	const char *name;
	void (*make)(struct fx *fx, struct pkt_req *r); /* seeds maps, edits r */
	void (*edit)(uint8_t *frame, size_t *len);	/* edits the built frame */
};

static void lease_hw(struct fx *fx, struct pkt_req *r)
{
	struct xdhcp_lease_key k = key_hw(r->chaddr);

	seed_lease(fx, &k, LEASE_IP, 600);
}

static void mk_no_lease(struct fx *fx, struct pkt_req *r)
{
	(void)fx;
	(void)r;
}

static void mk_discover(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->msg_type = DHCPDISCOVER;
	r->ciaddr = 0;
	r->dst_ip = 0;
}

static void mk_selecting(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	*r = init_reboot(LEASE_IP, true);
	r->server_id = SERVER_IP;
}

static void mk_expired(struct fx *fx, struct pkt_req *r)
{
	struct xdhcp_lease_key k = key_hw(r->chaddr);

	seed_lease(fx, &k, LEASE_IP, -1);
}

static void mk_other_ciaddr(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->ciaddr = OTHER_IP;
}

static void mk_relayed(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->giaddr = PKT_IP(198, 18, 7, 1);
	r->hops = 1;
}

static void mk_fastpath_off(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	seed_iface(fx, IFINDEX, 0);
}

static void mk_no_template(struct fx *fx, struct pkt_req *r)
{
	struct xdhcp_lease_key k = key_hw(r->chaddr);
	struct xdhcp_lease l;

	seed_lease(fx, &k, LEASE_IP, 600);
	l = get_lease(fx, &k);
	l.tmpl = XDHCP_TMPL_ENTRIES; /* outside the array */
	assert_int_equal(bpf_map__update_elem(fx->skel->maps.xdhcp_leases, &k, sizeof(k), &l,
					      sizeof(l), BPF_ANY),
			 0);
}

static void mk_bad_template_len(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	seed_tmpl(fx, TMPL, fx->tmpl, fx->tmpl_len, XDHCP_TMPL_MAX + 1);
}

/* The lease is keyed by client id; the same chaddr without option 61 is
 * another client (RFC 2131 4.2). */
static void mk_cid_lease_no_cid(struct fx *fx, struct pkt_req *r)
{
	struct xdhcp_lease_key k = key_cid(cid, sizeof(cid));

	(void)r;
	seed_lease(fx, &k, LEASE_IP, 600);
}

/* And the other way round. */
static void mk_hw_lease_with_cid(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->client_id = cid;
	r->client_id_len = sizeof(cid);
}

static void mk_long_cid(struct fx *fx, struct pkt_req *r)
{
	static uint8_t id[XDHCP_CLIENT_ID_MAX + 1];

	lease_hw(fx, r);
	memset(id, 0x33, sizeof(id));
	r->client_id = id;
	r->client_id_len = sizeof(id);
}

static void mk_htype(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->htype = 6; /* IEEE 802 */
}

static void mk_overload(struct fx *fx, struct pkt_req *r)
{
	static const uint8_t opt52[] = {DHCP_OPT_OVERLOAD, 1, 1};

	lease_hw(fx, r);
	r->extra_opts = opt52;
	r->extra_opts_len = sizeof(opt52);
}

static void mk_repeated_50(struct fx *fx, struct pkt_req *r)
{
	static const uint8_t again[] = {DHCP_OPT_REQUESTED_IP, 4, 198, 18, 0, 10};

	lease_hw(fx, r);
	*r = init_reboot(LEASE_IP, true);
	r->extra_opts = again;
	r->extra_opts_len = sizeof(again);
}

static void mk_short_50(struct fx *fx, struct pkt_req *r)
{
	static const uint8_t opt50[] = {DHCP_OPT_REQUESTED_IP, 3, 198, 18, 0};

	lease_hw(fx, r);
	*r = init_reboot(0, true);
	r->extra_opts = opt50;
	r->extra_opts_len = sizeof(opt50);
}

static void mk_bootp(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->no_cookie = true;
}

static void mk_no_53(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->msg_type = 0;
}

static void mk_release(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->msg_type = DHCPRELEASE;
}

static void mk_decline(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	*r = init_reboot(LEASE_IP, true);
	r->msg_type = DHCPDECLINE;
	r->server_id = SERVER_IP;
}

static void mk_inform(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->msg_type = DHCPINFORM;
}

/* REQUEST with neither ciaddr nor option 50: no RFC 2131 state. */
static void mk_stateless(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	*r = init_reboot(0, true);
}

/* Options filling the message with no END: valid for the daemon's parser. */
static void mk_no_end(struct fx *fx, struct pkt_req *r)
{
	lease_hw(fx, r);
	r->no_end = true;
}

/* More options than the walk looks at (DHCP_OPT_WALK_MAX in parse.h). */
static void mk_many_options(struct fx *fx, struct pkt_req *r)
{
	static uint8_t pads[100];

	lease_hw(fx, r);
	memset(pads, DHCP_OPT_PAD, sizeof(pads));
	r->extra_opts = pads;
	r->extra_opts_len = sizeof(pads);
}

/* IPv4 options: the daemon verifies and answers those. */
static void ed_ip_options(uint8_t *frame, size_t *len)
{
	size_t l3 = pkt_l3_off(frame);
	uint8_t *ip = frame + l3;
	uint16_t tot = (uint16_t)(ip[2] << 8 | ip[3]);

	memmove(ip + 24, ip + 20, *len - l3 - 20);
	memset(ip + 20, 0, 4);
	ip[20] = 1; /* NOP */
	ip[0] = 0x46;
	tot += 4;
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	*len += 4;
	pkt_fix_ipv4_csum(frame);
}

static const struct punt_case punt_cases[] = {
	{"renewal without a lease", mk_no_lease, NULL},
	{"DISCOVER", mk_discover, NULL},
	{"SELECTING (option 54)", mk_selecting, NULL},
	{"expired lease", mk_expired, NULL},
	{"lease for another address than ciaddr", mk_other_ciaddr, NULL},
	{"relayed (giaddr)", mk_relayed, NULL},
	{"interface without XDHCP_IF_FASTPATH", mk_fastpath_off, NULL},
	{"template index out of range", mk_no_template, NULL},
	{"template len above XDHCP_TMPL_MAX", mk_bad_template_len, NULL},
	{"client-id lease, request without 61", mk_cid_lease_no_cid, NULL},
	{"hwaddr lease, request with 61", mk_hw_lease_with_cid, NULL},
	{"client id longer than XDHCP_CLIENT_ID_MAX", mk_long_cid, NULL},
	{"htype 6", mk_htype, NULL},
	{"option overload (52)", mk_overload, NULL},
	{"option 50 repeated", mk_repeated_50, NULL},
	{"option 50 of 3 bytes", mk_short_50, NULL},
	{"BOOTP (no cookie)", mk_bootp, NULL},
	{"no option 53", mk_no_53, NULL},
	{"RELEASE", mk_release, NULL},
	{"DECLINE", mk_decline, NULL},
	{"INFORM", mk_inform, NULL},
	{"REQUEST without ciaddr or 50", mk_stateless, NULL},
	{"options fill the message, no END", mk_no_end, NULL},
	{"more options than the walk takes", mk_many_options, NULL},
	{"IPv4 options", mk_no_lease, ed_ip_options},
};

static void test_punt_table(void **state)
{
	struct fx *fx;

	for (size_t i = 0; i < ARRAY_SIZE(punt_cases); i++) {
		const struct punt_case *c = &punt_cases[i];
		uint64_t want[XDHCP_STAT_MAX] = {[XDHCP_STAT_RX] = 1, [XDHCP_STAT_PUNT] = 1};
		struct pkt_req r = renewing();
		uint8_t in[PKT_FRAME_MAX];
		size_t len;
		uint64_t t0;

		print_message("punt: %s\n", c->name);
		/* A fresh object per case: counters and maps start empty. */
		teardown(state);
		assert_int_equal(setup(state), 0);
		fx = *state;
		c->make(fx, &r);
		len = build(in, &r);
		if (c->edit)
			c->edit(in, &len);
		t0 = now_ns();
		run(fx, in, len);
		assert_int_equal(fx->verdict, XDP_DROP);
		check_punt_event(fx, in, len, t0);
		assert_stats(fx, SLOT, want);
	}
}

/* A reply that would not fit in 576 bytes of IPv4 goes to the daemon. */
static void test_no_room(void **state)
{
	struct fx *fx = *state;
	uint64_t want[XDHCP_STAT_MAX] = {
		[XDHCP_STAT_RX] = 1, [XDHCP_STAT_NO_ROOM] = 1, [XDHCP_STAT_PUNT] = 1};
	struct xdhcp_lease_key k = key_cid(cid, sizeof(cid));
	struct pkt_req r = renewing();
	uint8_t big[XDHCP_TMPL_MAX], in[PKT_FRAME_MAX];
	struct xdhcp_lease before, after;
	size_t len;

	/* 240 + 300 + 14 (61) + 1 (END) = 555 bytes of DHCP: 583 of IPv4. */
	memset(big, 0, sizeof(big));
	memcpy(big, fx->tmpl, fx->tmpl_len);
	big[fx->tmpl_len] = 224;
	big[fx->tmpl_len + 1] = (uint8_t)(300 - fx->tmpl_len - 2);
	seed_tmpl(fx, TMPL, big, sizeof(big), 300);
	r.client_id = cid;
	r.client_id_len = sizeof(cid);
	seed_lease(fx, &k, LEASE_IP, 600);
	before = get_lease(fx, &k);
	len = build(in, &r);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_DROP);
	check_punt_event(fx, in, len, 0);
	assert_stats(fx, SLOT, want);
	after = get_lease(fx, &k);
	assert_memory_equal(&before, &after, sizeof(before));

	/* One byte less of template and the same request fits: 576 exactly
	 * (after padding to a multiple of 4: 548 bytes of DHCP). */
	big[fx->tmpl_len + 1] = (uint8_t)(300 - 7 - fx->tmpl_len - 2);
	seed_tmpl(fx, TMPL, big, sizeof(big), 300 - 7);
	memcpy(fx->tmpl, big, 300 - 7);
	fx->tmpl_len = 300 - 7;
	run(fx, in, len);
	check_ack(fx, &r, LEASE_IP, src_mac, cid, sizeof(cid));
	assert_int_equal(fx->out_len, PKT_ETH_HLEN + DHCP_MIN_MAX_MSG_SIZE);
}

/* Renew the lease of the client with MAC last byte i at host .i, and
 * check the ACK. */
static void renew_host(struct fx *fx, unsigned int i, uint32_t *ret_addr)
{
	uint8_t mac[6] = {0x52, 0x54, 0x00, 0x77, 0x00, (uint8_t)i};
	uint32_t addr = htonl((ntohl(NET_IP) & ~0xffU) | i);
	struct xdhcp_lease_key k = key_hw(mac);
	struct pkt_req r = renewing();
	uint8_t in[PKT_FRAME_MAX];
	size_t len;

	memcpy(r.chaddr, mac, 6);
	r.ciaddr = addr;
	r.src_ip = addr;
	seed_lease(fx, &k, addr, 600);
	len = build(in, &r);
	run(fx, in, len);
	check_ack_of(fx, &r, addr, addr, src_mac, NULL, 0);
	*ret_addr = addr;
}

/* A full ring: punts are counted as lost; renewals are still answered and
 * marked (they never needed the ring), and none is counted as lost. */
static void test_ring_full(void **state)
{
	struct fx *fx = *state;
	struct pkt_req r = renewing();
	uint8_t in[PKT_FRAME_MAX];
	uint32_t addrs[40];
	uint64_t punts;
	size_t len;
	int i;

	r.ciaddr = OTHER_IP; /* no lease: punted */
	r.src_ip = OTHER_IP;
	len = build(in, &r);
	for (i = 0; i < SMALL_RING / 64 && !counter(fx, SLOT, XDHCP_STAT_PUNT_DROP); i++) {
		run(fx, in, len);
		assert_int_equal(fx->verdict, XDP_DROP);
	}
	punts = counter(fx, SLOT, XDHCP_STAT_PUNT);
	assert_true(punts > 0);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_PUNT_DROP), 1);

	for (i = 0; i < 40; i++)
		renew_host(fx, 10 + (unsigned int)i, &addrs[i]);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_ACK), 40);
	assert_int_equal(drain(fx), (int)punts);
	check_marks(fx, addrs, 40);
}

/* Each renewed address has its own bit, from the subnet's base, across
 * word boundaries (hosts 1, 63, 64, 65, 127, 128, 255); an interface without a base
 * (XDHCP_RENEW_BASE_NONE) answers without marking. */
static void test_renewal_marks(void **state)
{
	struct fx *fx = *state;
	static const unsigned int hosts[] = {1, 63, 64, 65, 127, 128, 200, 254, 255};
	uint32_t addrs[sizeof(hosts) / sizeof(hosts[0])], addr;
	struct xdhcp_iface ifc;
	uint32_t ifindex = IFINDEX;

	for (unsigned int i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		renew_host(fx, hosts[i], &addrs[i]);
	/* Again: the bits are set already, nothing changes. */
	renew_host(fx, 64, &addr);
	check_marks(fx, addrs, sizeof(hosts) / sizeof(hosts[0]));

	ifc = iface_get(fx, ifindex);
	ifc.renew_base = XDHCP_RENEW_BASE_NONE;
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	renew_host(fx, 77, &addr);
	check_marks(fx, NULL, 0);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_ACK), 11);
}

/* The fast path reads the coarse monotonic clock plus the interface's
 * offset: an offset a day ahead (a host that was suspended that long)
 * moves the expiry a day on, and makes a lease that ended, by the
 * offset's clock, be punted. */
static void test_clock_offset(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	const uint64_t day = 86400 * NSEC;
	uint8_t in[PKT_FRAME_MAX];
	struct xdhcp_iface ifc;
	uint32_t ifindex = IFINDEX;
	size_t len = build(in, &r);
	uint64_t t0;

	ifc = iface_get(fx, ifindex);
	ifc.clock_offset_ns += day;
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	/* Ends in an hour by our clock: a day past its end by the offset's. */
	seed_lease(fx, &k, LEASE_IP, 3600);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_DROP);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_PUNT), 1);
	assert_int_equal(drain(fx), 1);

	seed_lease(fx, &k, LEASE_IP, 2 * 86400);
	t0 = now_ns();
	run(fx, in, len);
	check_ack(fx, &r, LEASE_IP, src_mac, NULL, 0);
	assert_true(get_lease(fx, &k).expires_ns >= t0 + day + (uint64_t)LEASE_TIME * NSEC);
	assert_true(get_lease(fx, &k).expires_ns <=
		    now_ns() + day + XDHCP_COARSE_SLACK_NS + (uint64_t)LEASE_TIME * NSEC);
}

/* ------------------------------------------------------------------ */
/* Not DHCP: passed untouched, nothing counted. */

struct pass_case {
	const char *name;
	size_t (*make)(uint8_t *frame);
};

static size_t mk_arp(uint8_t *frame)
{
	uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};

	memcpy(arp + 8, cl_mac, 6);
	return (size_t)pkt_ether(frame, PKT_FRAME_MAX, bcast_mac, cl_mac, 0x0806, arp, sizeof(arp));
}

static size_t mk_ipv6(uint8_t *frame)
{
	uint8_t ip6[40 + 8] = {0x60};

	ip6[5] = 8;  /* payload length */
	ip6[6] = 17; /* UDP */
	ip6[7] = 64;
	ip6[41] = 67; /* dest port 67, not that it matters */
	return (size_t)pkt_ether(frame, PKT_FRAME_MAX, bcast_mac, cl_mac, 0x86dd, ip6, sizeof(ip6));
}

static size_t mk_udp_other_port(uint8_t *frame)
{
	struct pkt_req r = renewing();

	r.dst_port = 53;
	return build(frame, &r);
}

static size_t mk_udp_from_67_to_68(uint8_t *frame)
{
	struct pkt_req r = renewing();

	r.src_port = 67;
	r.dst_port = 68;
	return build(frame, &r);
}

static size_t mk_tcp(uint8_t *frame)
{
	struct dhcp_frame f = {.src_ip = LEASE_IP, .dst_ip = SERVER_IP};
	uint8_t tcp[20] = {0, 68, 0, 67}; /* ports 68 -> 67, on TCP */

	tcp[12] = 0x50;
	memcpy(f.dst_mac, if_mac, 6);
	memcpy(f.src_mac, cl_mac, 6);
	return (size_t)pkt_ipv4(frame, PKT_FRAME_MAX, &f, 6, tcp, sizeof(tcp));
}

static size_t mk_fragment(uint8_t *frame)
{
	struct pkt_req r = renewing();
	size_t len = build(frame, &r);

	frame[pkt_l3_off(frame) + 6] = 0x20; /* MF */
	pkt_fix_ipv4_csum(frame);
	return len;
}

static size_t mk_ihl_4(uint8_t *frame)
{
	struct pkt_req r = renewing();
	size_t len = build(frame, &r);

	frame[pkt_l3_off(frame)] = 0x44;
	return len;
}

static size_t mk_ip_version_6(uint8_t *frame)
{
	struct pkt_req r = renewing();
	size_t len = build(frame, &r);

	frame[pkt_l3_off(frame)] = 0x65;
	return len;
}

static size_t mk_qinq(uint8_t *frame)
{
	struct pkt_req r = renewing();
	uint8_t inner[PKT_FRAME_MAX];
	size_t len;

	/* Two 802.1Q tags: only one is looked through. */
	r.has_vlan = true;
	r.vlan_tci = 12;
	len = build(inner, &r);
	memcpy(frame, inner, 12);
	frame[12] = 0x81;
	frame[13] = 0x00;
	frame[14] = 0;
	frame[15] = 7;
	memcpy(frame + 16, inner + 12, len - 12);
	return len + 4;
}

static size_t mk_cut_udp_header(uint8_t *frame)
{
	struct pkt_req r = renewing();

	(void)build(frame, &r);
	return PKT_ETH_HLEN + PKT_IP_HLEN + 4;
}

static const struct pass_case pass_cases[] = {
	{"ARP", mk_arp},
	{"IPv6", mk_ipv6},
	{"UDP to port 53", mk_udp_other_port},
	{"UDP 67 -> 68 (a server's reply)", mk_udp_from_67_to_68},
	{"TCP 68 -> 67", mk_tcp},
	{"IPv4 fragment", mk_fragment},
	{"IHL 4", mk_ihl_4},
	{"IPv4 ethertype, version 6", mk_ip_version_6},
	{"two 802.1Q tags", mk_qinq},
	{"UDP header cut", mk_cut_udp_header},
};

static void test_pass_table(void **state)
{
	static const uint64_t zero[XDHCP_STAT_MAX];
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);

	seed_lease(fx, &k, LEASE_IP, 600);
	for (size_t i = 0; i < ARRAY_SIZE(pass_cases); i++) {
		const struct pass_case *c = &pass_cases[i];
		uint8_t in[PKT_FRAME_MAX];
		size_t len;

		print_message("pass: %s\n", c->name);
		memset(in, 0, sizeof(in));
		len = c->make(in);
		assert_true(len >= PKT_ETH_HLEN);
		run(fx, in, len);
		assert_int_equal(fx->verdict, XDP_PASS);
		assert_int_equal(fx->out_len, len);
		assert_memory_equal(fx->out, in, len);
	}
	assert_stats(fx, 0, zero);
	assert_stats(fx, SLOT, zero);
	assert_int_equal(drain(fx), 0);
}

/* The punt rate limit (GCRA): with one punt per second and a burst of 3,
 * four DISCOVERs in a row reach the daemon and the rest are dropped and
 * counted; renewals answered in XDP are not limited. */
static void test_punt_rate_limit(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct xdhcp_iface ifc;
	struct pkt_req r = renewing();
	uint32_t ifindex = IFINDEX;
	uint8_t in[PKT_FRAME_MAX];
	size_t len;
	int n_tx = 0;

	ifc = iface_get(fx, ifindex);
	ifc.punt_interval_ns = 1000000000U;
	ifc.punt_burst = 3;
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	r.msg_type = DHCPDISCOVER;
	r.ciaddr = 0;
	for (int i = 0; i < 10; i++) {
		len = build(in, &r);
		run(fx, in, len);
		assert_int_equal(fx->verdict, XDP_DROP);
	}
	/* Renewals still answered. */
	seed_lease(fx, &k, LEASE_IP, 600);
	r = renewing();
	for (int i = 0; i < 5; i++) {
		len = build(in, &r);
		run(fx, in, len);
		n_tx += fx->verdict == XDP_TX;
	}
	assert_int_equal(n_tx, 5);
	{
		uint64_t want[XDHCP_STAT_MAX] = {[XDHCP_STAT_RX] = 15,
						 [XDHCP_STAT_PUNT] = 4,
						 [XDHCP_STAT_PUNT_LIMITED] = 6,
						 [XDHCP_STAT_FAST_ACK] = 5};

		assert_stats(fx, SLOT, want);
	}
	assert_int_equal(drain(fx), 4); /* the punts; renewals are marked */
}

/* An ARP request (RFC 826) from the client, for tpa, from spa. */
static size_t mk_arp_request(uint8_t *frame, uint32_t spa, uint32_t tpa)
{
	uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};

	memcpy(arp + 8, cl_mac, 6);
	memcpy(arp + 14, &spa, 4);
	memcpy(arp + 24, &tpa, 4);
	return (size_t)pkt_ether(frame, PKT_FRAME_MAX, bcast_mac, cl_mac, 0x0806, arp, sizeof(arp));
}

/* With XDHCP_IF_ARP (a tap without the server id's address), ARP requests
 * for the server id are answered in place; anything else passes. */
static void test_arp_responder(void **state)
{
	uint64_t want[XDHCP_STAT_MAX] = {[XDHCP_STAT_ARP_REPLY] = 1};
	static const uint64_t zero[XDHCP_STAT_MAX];
	struct fx *fx = *state;
	uint8_t in[PKT_FRAME_MAX], want_out[PKT_FRAME_MAX];
	uint32_t spa = LEASE_IP, sip = SERVER_IP;
	size_t len;

	/* Without the flag: passed to the kernel untouched. */
	len = mk_arp_request(in, spa, SERVER_IP);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_PASS);
	assert_memory_equal(fx->out, in, len);

	seed_iface(fx, IFINDEX, XDHCP_IF_FASTPATH | XDHCP_IF_ARP);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_TX);
	assert_int_equal(fx->out_len, len);
	/* The expected reply, field by field. */
	memcpy(want_out, in, len);
	memcpy(want_out, cl_mac, 6);			 /* eth dst: the asker */
	memcpy(want_out + 6, if_mac, 6);		 /* eth src: the interface */
	want_out[PKT_ETH_HLEN + 7] = 2;			 /* op: reply */
	memcpy(want_out + PKT_ETH_HLEN + 8, if_mac, 6);	 /* sha */
	memcpy(want_out + PKT_ETH_HLEN + 14, &sip, 4);	 /* spa: server id */
	memcpy(want_out + PKT_ETH_HLEN + 18, cl_mac, 6); /* tha */
	memcpy(want_out + PKT_ETH_HLEN + 24, &spa, 4);	 /* tpa */
	assert_memory_equal(fx->out, want_out, len);
	assert_stats(fx, SLOT, want);

	/* Another address, or an announcement of the server id: passed. */
	len = mk_arp_request(in, spa, OTHER_IP);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_PASS);
	len = mk_arp_request(in, SERVER_IP, SERVER_IP);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_PASS);
	assert_stats(fx, SLOT, want);
	assert_stats(fx, 0, zero);
}

/* The fast path reads interfaces from xdhcp_ifcache first: an entry the
 * hash has lost is still served from the cache (so the cache is what is
 * read), and a cleared entry leaves the interface unserved. */
static void test_iface_cache_read(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint32_t ifindex = IFINDEX;
	uint8_t in[PKT_FRAME_MAX];
	size_t len = build(in, &r);

	seed_lease(fx, &k, LEASE_IP, 600);
	assert_int_equal(
		bpf_map__delete_elem(fx->skel->maps.xdhcp_ifaces, &ifindex, sizeof(ifindex), 0), 0);
	run(fx, in, len);
	check_ack(fx, &r, LEASE_IP, src_mac, NULL, 0);

	ifcache_del(&fx->ifc, ifindex);
	len = build(in, &r);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_PASS);
	assert_int_equal(counter(fx, 0, XDHCP_STAT_NOT_SERVED), 1);
}

/* Updates take effect at once, each written into the copy not in use.
 * The first update of an entry needs no wait; the second waits for one
 * RCU grace period (the copy it overwrites was in use until the first),
 * and an unchanged value is not written at all. */
static void test_iface_cache_updates(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint32_t ifindex = IFINDEX;
	struct xdhcp_iface ifc = iface_get(fx, ifindex);
	uint8_t in[PKT_FRAME_MAX];
	size_t len;

	seed_lease(fx, &k, LEASE_IP, 600);
	ifc.flags = 0; /* renewals are punted */
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	assert_int_equal(fx->ifc.graces, 0);
	len = build(in, &r);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_DROP);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_PUNT), 1);
	assert_int_equal(drain(fx), 1);

	ifc.flags = XDHCP_IF_FASTPATH;
	ifc.mac[5] ^= 0x40; /* the replies' Ethernet source */
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	assert_int_equal(fx->ifc.graces, 1);
	len = build(in, &r);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_TX);
	assert_memory_equal(fx->out + 6, ifc.mac, 6);

	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	assert_int_equal(fx->ifc.graces, 1);

	/* A cleared entry is taken again after a grace period. */
	ifcache_del(&fx->ifc, ifindex);
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	assert_int_equal(fx->ifc.graces, 2);
	len = build(in, &r);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_TX);
	assert_memory_equal(fx->out + 6, ifc.mac, 6);
}

/* Two interfaces whose indexes are equal modulo XDHCP_IFCACHE_SLOTS: the
 * entry is the first one's, the second is served from xdhcp_ifaces, and
 * takes the entry at its next update once the first has gone. */
static void test_iface_cache_collision(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint32_t ifindex = IFINDEX, other = IFINDEX + XDHCP_IFCACHE_SLOTS;
	struct xdhcp_iface ifc = iface_get(fx, ifindex);
	uint8_t in[PKT_FRAME_MAX];
	size_t len;

	seed_lease(fx, &k, LEASE_IP, 600);
	iface_del(fx, ifindex);
	assert_int_equal(iface_put(fx, other, &ifc), 1);
	assert_int_equal(iface_put(fx, ifindex, &ifc), 0);
	len = build(in, &r);
	run(fx, in, len);
	check_ack(fx, &r, LEASE_IP, src_mac, NULL, 0);

	iface_del(fx, other);
	assert_int_equal(iface_put(fx, ifindex, &ifc), 1);
	len = build(in, &r);
	run(fx, in, len);
	check_ack(fx, &r, LEASE_IP, src_mac, NULL, 0);
}

static void test_unserved_iface(void **state)
{
	uint64_t want0[XDHCP_STAT_MAX] = {[XDHCP_STAT_RX] = 1, [XDHCP_STAT_NOT_SERVED] = 1};
	static const uint64_t zero[XDHCP_STAT_MAX];
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	struct pkt_req r = renewing();
	uint32_t ifindex = IFINDEX;
	uint8_t in[PKT_FRAME_MAX];
	size_t len = build(in, &r);

	seed_lease(fx, &k, LEASE_IP, 600);
	iface_del(fx, ifindex);
	run(fx, in, len);
	assert_int_equal(fx->verdict, XDP_PASS);
	assert_int_equal(fx->out_len, len);
	assert_memory_equal(fx->out, in, len);
	assert_stats(fx, 0, want0);
	assert_stats(fx, SLOT, zero);
	assert_int_equal(drain(fx), 0);
}

/* ------------------------------------------------------------------ */
/* Malformed: dropped and counted, never answered, never punted. */

struct malformed_case {
	const char *name;
	void (*edit)(uint8_t *frame, size_t *len);
};

static uint8_t *ip_of(uint8_t *frame)
{
	return frame + pkt_l3_off(frame);
}

static uint8_t *udp_of(uint8_t *frame)
{
	return frame + pkt_l4_off(frame);
}

static void set16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* cppcheck-suppress constParameter ; the signature is the edit table's */
static void ed_ip_len_beyond_frame(uint8_t *frame, size_t *len)
{
	set16(ip_of(frame) + 2, *len - pkt_l3_off(frame) + 1);
	pkt_fix_ipv4_csum(frame);
}

static void ed_ip_len_below_headers(uint8_t *frame, size_t *len)
{
	(void)len;
	set16(ip_of(frame) + 2, PKT_IP_HLEN + 4);
	pkt_fix_ipv4_csum(frame);
}

static void ed_ip_csum(uint8_t *frame, size_t *len)
{
	(void)len;
	ip_of(frame)[10] ^= 0x01;
}

/* cppcheck-suppress constParameter ; the signature is the edit table's */
static void ed_udp_len_beyond_ip(uint8_t *frame, size_t *len)
{
	set16(udp_of(frame) + 4, *len - pkt_l4_off(frame) + 1);
}

static void ed_udp_len_below_8(uint8_t *frame, size_t *len)
{
	(void)len;
	set16(udp_of(frame) + 4, 4);
}

static void ed_udp_len_no_bootp_header(uint8_t *frame, size_t *len)
{
	(void)len;
	set16(udp_of(frame) + 4, PKT_UDP_HLEN + sizeof(struct dhcp_hdr) - 1);
}

static void ed_op_bootreply(uint8_t *frame, size_t *len)
{
	(void)len;
	frame[pkt_dhcp_off(frame)] = BOOTREPLY;
}

/* The first option (53) claims more bytes than the message holds. */
static void ed_opt_past_end(uint8_t *frame, size_t *len)
{
	uint8_t *opt = frame + pkt_dhcp_off(frame) + DHCP_OPTIONS_OFFSET;

	(void)len;
	opt[0] = 12;
	opt[1] = 255;
}

static void ed_opt_53_len_2(uint8_t *frame, size_t *len)
{
	uint8_t *opt = frame + pkt_dhcp_off(frame) + DHCP_OPTIONS_OFFSET;

	(void)len;
	assert_int_equal(opt[0], DHCP_OPT_MESSAGE_TYPE);
	opt[1] = 2;
}

/* The last option's length byte is the last byte of the message. */
static void ed_opt_len_byte_missing(uint8_t *frame, size_t *len)
{
	size_t dhcp = pkt_dhcp_off(frame);

	/* Shrink the datagram right after option 53 (3 bytes) plus one code
	 * byte, keeping the lengths consistent. */
	frame[dhcp + DHCP_OPTIONS_OFFSET + 3] = 12;
	*len = dhcp + DHCP_OPTIONS_OFFSET + 4;
	set16(ip_of(frame) + 2, *len - pkt_l3_off(frame));
	set16(udp_of(frame) + 4, *len - pkt_l4_off(frame));
	pkt_fix_ipv4_csum(frame);
}

static void ed_too_long(uint8_t *frame, size_t *len)
{
	/* Pad the datagram to a frame of XDHCP_PUNT_MAX + 1 bytes. */
	size_t new_len = XDHCP_PUNT_MAX + 1;

	memset(frame + *len, 0, new_len - *len);
	*len = new_len;
	set16(ip_of(frame) + 2, new_len - pkt_l3_off(frame));
	set16(udp_of(frame) + 4, new_len - pkt_l4_off(frame));
	pkt_fix_ipv4_csum(frame);
}

static const struct malformed_case malformed_cases[] = {
	{"IPv4 total length beyond the frame", ed_ip_len_beyond_frame},
	{"IPv4 total length below IPv4 + UDP", ed_ip_len_below_headers},
	{"IPv4 header checksum", ed_ip_csum},
	{"UDP length beyond the IPv4 payload", ed_udp_len_beyond_ip},
	{"UDP length below 8", ed_udp_len_below_8},
	{"UDP length without a BOOTP header", ed_udp_len_no_bootp_header},
	{"op BOOTREPLY", ed_op_bootreply},
	{"option length past the end", ed_opt_past_end},
	{"option 53 of 2 bytes", ed_opt_53_len_2},
	{"option without its length byte", ed_opt_len_byte_missing},
	{"frame longer than XDHCP_PUNT_MAX", ed_too_long},
};

static void test_malformed_table(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_hw(cl_mac);
	uint64_t want[XDHCP_STAT_MAX] = {0};

	seed_lease(fx, &k, LEASE_IP, 600);
	for (size_t i = 0; i < ARRAY_SIZE(malformed_cases); i++) {
		const struct malformed_case *c = &malformed_cases[i];
		struct pkt_req r = renewing();
		uint8_t in[PKT_FRAME_MAX];
		size_t len;

		print_message("malformed: %s\n", c->name);
		len = build(in, &r);
		c->edit(in, &len);
		run(fx, in, len);
		assert_int_equal(fx->verdict, XDP_DROP);
		want[XDHCP_STAT_RX]++;
		want[XDHCP_STAT_MALFORMED]++;
		assert_stats(fx, SLOT, want);
		assert_int_equal(drain(fx), 0);
	}
	assert_int_equal(get_lease(fx, &k).fast_renewals, 0);
}

/*
 * A valid renewal cut at every length: never answered.  Until the UDP
 * header is whole it cannot be told from other traffic (passed); from then
 * on the IPv4 total length runs past the frame (malformed).  The whole
 * frame is answered.
 */
static void test_truncated_renewal(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_cid(cid, sizeof(cid));
	struct pkt_req r = renewing();
	uint64_t malformed = 0;
	uint8_t in[PKT_FRAME_MAX];
	size_t full;

	r.client_id = cid;
	r.client_id_len = sizeof(cid);
	seed_lease(fx, &k, LEASE_IP, 600);
	full = build(in, &r);
	/* BPF_PROG_TEST_RUN refuses XDP frames shorter than Ethernet. */
	for (size_t len = PKT_ETH_HLEN; len < full; len++) {
		run(fx, in, len);
		assert_int_not_equal(fx->verdict, XDP_TX);
		if (len < PKT_ETH_HLEN + PKT_IP_HLEN + PKT_UDP_HLEN) {
			assert_int_equal(fx->verdict, XDP_PASS);
		} else {
			assert_int_equal(fx->verdict, XDP_DROP);
			malformed++;
		}
	}
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_MALFORMED), malformed);
	assert_int_equal(counter(fx, SLOT, XDHCP_STAT_FAST_ACK), 0);
	assert_int_equal(drain(fx), 0);
	run(fx, in, full);
	check_ack(fx, &r, LEASE_IP, src_mac, cid, sizeof(cid));
}

/* Every single-byte corruption of the options area of a renewal: answered
 * only when the result is still a renewal for this client (never with a
 * damaged frame), else dropped or punted. */
static void test_option_byte_flips(void **state)
{
	struct fx *fx = *state;
	struct xdhcp_lease_key k = key_cid(cid, sizeof(cid));
	struct pkt_req r = renewing();
	uint8_t in[PKT_FRAME_MAX], orig[PKT_FRAME_MAX];
	size_t len, opt;

	r.client_id = cid;
	r.client_id_len = sizeof(cid);
	seed_lease(fx, &k, LEASE_IP, 600);
	len = build(orig, &r);
	opt = pkt_dhcp_off(orig) + DHCP_OPTIONS_OFFSET;
	for (size_t at = opt; at < opt + 3 + 2 + sizeof(cid) + 2; at++) {
		for (unsigned v = 0; v < 256; v += 17) {
			memcpy(in, orig, len);
			in[at] = (uint8_t)v;
			run(fx, in, len);
			if (fx->verdict == XDP_TX) {
				struct dhcp_frame f;
				struct dhcp_msg *m = calloc(1, sizeof(*m));

				assert_non_null(m);
				assert_int_equal(pkt_parse(fx->out, fx->out_len, &f, m), 0);
				assert_true(pkt_udp_csum_ok(fx->out, fx->out_len));
				assert_int_equal(m->type, DHCPACK);
				free(m);
			} else {
				assert_int_equal(fx->verdict, XDP_DROP);
			}
			(void)drain(fx);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_renewing_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewing_ack_client_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebinding_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_reboot_broadcast_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_reboot_unicast_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_renewal_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_renewals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_ingress_ifindex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_of_other_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_reboot_wrong_address_nak, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_reboot_wrong_subnet_nak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_stale_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_punt_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checksum_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_full, setup_small_ring, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_marks, setup_small_ring, teardown),
		cmocka_unit_test_setup_teardown(test_clock_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pass_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unserved_iface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_cache_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_cache_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_cache_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_responder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_punt_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_option_byte_flips, setup, teardown),
	};
	struct xdhcp *probe;

	if (geteuid() != 0) {
		printf("needs root\n");
		return 77;
	}
	/* Skip, not fail, where BPF itself is unavailable. */
	probe = xdhcp__open_and_load();
	if (!probe) {
		printf("cannot load the XDP object: %s\n", strerror(errno));
		return errno == EPERM || errno == ENOSYS ? 77 : 1;
	}
	xdhcp__destroy(probe);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
