/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * xdp_dhcp_rx: the DHCPv4 fast path on a VM tap.  It answers renewals
 * (RENEWING, REBINDING) and INIT-REBOOT requests for leases the daemon put
 * in xdhcp_leases with DHCPACK, or DHCPNAK when the client is on the wrong
 * network or asks for another address; it copies every other DHCP frame to
 * the daemon through the ring buffer (a "punt") and drops it; it passes
 * everything that is not DHCP to the kernel untouched.
 *
 * The entry point parses, decides, counts and returns; parsing lives in
 * parse.h, reply building in reply.h, checksums in csum.h, maps in maps.h.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dhcp_wire.h"
#include "fastpath_abi.h"
#include "maps.h"
#include "parse.h"
#include "csum.h"
#include "reply.h"
#include "arp.h"

#define NSEC_PER_SEC 1000000000ULL

/* What to do with a DHCP frame on a served interface. */
enum fp_action {
	ACT_PUNT = 0,  /* copy to the daemon, drop */
	ACT_ACK,       /* fast DHCPACK */
	ACT_NAK,       /* fast DHCPNAK */
	ACT_MALFORMED, /* count, drop */
};

/* A request the fast path can answer, filled by decide(). */
struct fp_request {
	struct xdhcp_lease_key key __attribute__((aligned(8))); /* written as words */
	struct xdhcp_lease *lease;				/* ACT_ACK only */
	__u64 now;		/* CLOCK_BOOTTIME, read once per packet */
	struct dhcp_opts *opts; /* in the scratch map */
};

static __always_inline struct xdhcp_stats *stats_slot(__u32 slot)
{
	/* A slot out of range (a daemon bug) counts in slot 0 rather than
	 * not at all. */
	if (slot >= XDHCP_STATS_SLOTS)
		slot = 0;
	return bpf_map_lookup_elem(&xdhcp_stats, &slot);
}

/* The served interface ifindex, or NULL: from its xdhcp_ifcache slot when
 * the slot holds it (an inlined array lookup), else from xdhcp_ifaces.
 * The copy is picked by address arithmetic on the tag just loaded, so the
 * loads from it are ordered after the tag's even on weakly ordered CPUs
 * (address dependency); the daemon stores the tag with release order. */
static __always_inline const struct xdhcp_iface *iface_get(__u32 ifindex)
{
	__u32 k = ifindex & (XDHCP_IFCACHE_SLOTS - 1);
	struct xdhcp_ifcache *c = bpf_map_lookup_elem(&xdhcp_ifcache, &k);

	if (c) {
		__u64 tag = *(volatile __u64 *)&c->tag;

		if ((__u32)tag == ifindex) {
			/* An offset computed from the tag, kept opaque so that
			 * clang cannot turn it into a branch (a control
			 * dependency does not order loads on arm64). */
			__u64 off = ((tag >> 32) & 1) * sizeof(struct xdhcp_iface);

			barrier_var(off);
			return (const void *)((const __u8 *)c->copy + off);
		}
	}
	return bpf_map_lookup_elem(&xdhcp_ifaces, &ifindex);
}

/* Callers hold a non-NULL st: one pointer state for the verifier rather
 * than "counters or not" doubling every later path. */
static __always_inline void stat_inc(struct xdhcp_stats *st, __u32 id)
{
	/* Per-CPU value and XDP runs with migration disabled: no atomics. */
	if (id < XDHCP_STAT_MAX)
		st->cnt[id]++;
}

/* The first word of a lease key: pool, kind, len, htype and pad in
 * memory order (struct xdhcp_lease_key). */
static __always_inline __u64 key_word0(__u32 pool, __u32 kind, __u32 len, __u32 htype)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u64)pool | (__u64)kind << 32 | (__u64)len << 40 | (__u64)htype << 48;
#else
	return (__u64)pool << 32 | kind << 24 | len << 16 | htype << 8;
#endif
}

/* The lease key of RFC 2131 section 4.2: the client identifier (option 61)
 * when present, else the hardware type and address.  Written as four
 * whole words: the hash lookup reads the key right away, and a load that
 * spans several smaller stores waits for them to reach the cache instead
 * of being forwarded from the store buffer. */
static __always_inline int build_key(struct xdp_md *ctx, const struct dhcp_view *v,
				     const struct xdhcp_iface *iface, struct fp_request *r)
{
	__u64 *kw = (__u64 *)&r->key;
	__u32 cid_len = r->opts->cid_len;

	if (r->opts->flags & DHCP_OPTS_CLIENT_ID) {
		/* parse_dhcp_options() already enforced 1..MAX.  For the
		 * verifier, the register passed is derived after the check
		 * (the barrier keeps clang from reusing cid_len itself). */
		__u32 m1 = cid_len - 1;

		if (m1 >= XDHCP_CLIENT_ID_MAX)
			return -1;
		barrier_var(m1);
		cid_len = m1 + 1;
		kw[0] = key_word0(iface->pool, XDHCP_KEY_CLIENT_ID, cid_len, 0);
		if (r->opts->flags & DHCP_OPTS_CID_COPY) {
			kw[1] = r->opts->cid[0];
			kw[2] = r->opts->cid[1];
			kw[3] = r->opts->cid[2];
			return 0;
		}
		kw[1] = kw[2] = kw[3] = 0;
		return bpf_xdp_load_bytes(ctx, r->opts->cid_off, r->key.id, cid_len) ? -1 : 0;
	}
	kw[0] = key_word0(iface->pool, XDHCP_KEY_HWADDR, DHCP_HLEN_ETHER, DHCP_HTYPE_ETHER);
	kw[1] = word_head(load_u64_any(v->dhcp->chaddr), DHCP_HLEN_ETHER);
	kw[2] = kw[3] = 0;
	return 0;
}

/*
 * Decide, for a frame accepted by parse_frame() on a served interface,
 * between PUNT, ACK, NAK and MALFORMED.  The client states are those of
 * RFC 2131 section 4.3.2.
 */
static __always_inline int decide(struct xdp_md *ctx, void *data, void *data_end,
				  struct dhcp_view *v, const struct xdhcp_iface *iface,
				  struct fp_request *r)
{
	const struct dhcp_hdr *dh;
	__be32 addr;
	int init_reboot;
	int rc;

	rc = parse_dhcp(data, data_end, v, r->opts);
	if (rc == PARSE_MALFORMED)
		return ACT_MALFORMED;
	if (rc != PARSE_OK || !(iface->flags & XDHCP_IF_FASTPATH))
		return ACT_PUNT;
	dh = v->dhcp;
	if (!dh)
		return ACT_PUNT;
	/* Ethernet clients only; relayed requests (giaddr set) need the
	 * relay's subnet and options, the daemon's job. */
	if (dh->htype != DHCP_HTYPE_ETHER || dh->hlen != DHCP_HLEN_ETHER || dh->giaddr)
		return ACT_PUNT;
	if (!(r->opts->flags & DHCP_OPTS_TYPE) || r->opts->type != DHCPREQUEST)
		return ACT_PUNT;

	/* RFC 2131 4.3.2: a server identifier means SELECTING (an answer
	 * to an offer); ciaddr means RENEWING or REBINDING; option 50
	 * without ciaddr means INIT-REBOOT.  Anything else is the daemon's. */
	if (r->opts->flags & DHCP_OPTS_SERVER_ID)
		return ACT_PUNT;
	if (dh->ciaddr) {
		addr = dh->ciaddr;
		init_reboot = 0;
	} else if (r->opts->flags & DHCP_OPTS_REQ_IP) {
		addr = r->opts->requested_ip;
		init_reboot = 1;
	} else {
		return ACT_PUNT;
	}

	if (build_key(ctx, v, iface, r))
		return ACT_PUNT;
	/* INIT-REBOOT on the wrong network: DHCPNAK (4.3.2). */
	if (init_reboot && (addr & iface->mask) != iface->net)
		return ACT_NAK;

	r->lease = bpf_map_lookup_elem(&xdhcp_leases, &r->key);
	/* No record of the client: the daemon decides (4.3.2 says remain
	 * silent unless it knows better). */
	if (!r->lease)
		return ACT_PUNT;
	/* A lease answers only on the interface it was granted on: a guest
	 * on another tap that sends the same MAC or client id is the
	 * daemon's to judge (a VM that moved is re-granted there). */
	if (r->lease->ifindex != ctx->ingress_ifindex)
		return ACT_PUNT;
	if (r->lease->addr != addr)
		return init_reboot ? ACT_NAK : ACT_PUNT;
	/* CLOCK_BOOTTIME from the coarse clock (see clock_offset_ns): it
	 * lags by under a jiffy, so a lease may be answered that long past
	 * its end.  The daemon ends leases on its 1 s tick and deletes the
	 * map entry before the address can go to anyone else. */
	r->now = bpf_ktime_get_coarse_ns() + iface->clock_offset_ns;
	if (r->lease->expires_ns <= r->now)
		return ACT_PUNT;
	return ACT_ACK;
}

/*
 * The interface's punt budget (GCRA): tat is when the bucket would be
 * empty again; a punt is allowed while tat runs at most burst intervals
 * ahead of now, and moves it one interval on.
 */
static __always_inline int punt_allowed(const struct xdhcp_iface *iface)
{
	__u64 interval = iface->punt_interval_ns, now, *tat;
	__u32 slot = iface->slot;

	if (!interval)
		return 1;
	if (slot >= XDHCP_STATS_SLOTS)
		slot = 0;
	tat = bpf_map_lookup_elem(&xdhcp_rate, &slot);
	if (!tat)
		return 1;
	now = bpf_ktime_get_boot_ns();
	if (*tat < now)
		*tat = now;
	if (*tat - now > interval * iface->punt_burst)
		return 0;
	*tat += interval;
	return 1;
}

/*
 * Copy the frame to the daemon and drop it.  The record is staged in the
 * scratch buffer and sent with bpf_ringbuf_output() at its exact size,
 * XDHCP_PUNT_HDR_LEN + len: bpf_ringbuf_reserve() only takes a constant
 * size, and reserving sizeof(struct xdhcp_punt_event) (1560 bytes) for a
 * typical 342-byte request would hold a quarter as many punts in the ring
 * during a boot storm.  The extra copy is a few hundred bytes.  Consumers
 * check data_sz >= XDHCP_PUNT_HDR_LEN + len.
 */
static __always_inline int punt(struct xdp_md *ctx, struct xdhcp_scratch *s, struct xdhcp_stats *st)
{
	struct xdhcp_punt_event *ev = &s->punt;
	__u64 len = bpf_xdp_get_buff_len(ctx); /* 64-bit: the register checked is the one passed */

	/* parse_dhcp() rejected longer frames; bounds for the verifier. */
	if (len > XDHCP_PUNT_MAX) {
		stat_inc(st, XDHCP_STAT_MALFORMED);
		return XDP_DROP;
	}
	barrier_var(len); /* two checks, not one merged unsigned compare */
	if (len < 1) {
		stat_inc(st, XDHCP_STAT_MALFORMED);
		return XDP_DROP;
	}
	ev->hdr.type = XDHCP_EV_PUNT;
	ev->hdr.version = XDHCP_EVENT_VERSION;
	ev->hdr.ifindex = ctx->ingress_ifindex;
	ev->len = len;
	ev->pad = 0;
	ev->ts_ns = bpf_ktime_get_boot_ns();
	/* Adaptive wakeup: the daemon is woken when this is the first
	 * unread punt; it drains the ring before it sleeps again.  Nothing
	 * else uses the ring (renewals are marks), so nothing hides a punt. */
	if (bpf_xdp_load_bytes(ctx, 0, ev->data, len) ||
	    bpf_ringbuf_output(&xdhcp_events, ev, XDHCP_PUNT_HDR_LEN + len, 0)) {
		stat_inc(st, XDHCP_STAT_PUNT_DROP);
		return XDP_DROP;
	}
	stat_inc(st, XDHCP_STAT_PUNT);
	return XDP_DROP;
}

/* Tell the daemon about a renewal answered here: set the bit of the
 * lease's address in xdhcp_renewed.  The OR is atomic (other CPUs mark
 * other bits of the word, the daemon swaps it with 0) and a fetching one,
 * whose result is kept: BPF orders those fully on every architecture, so
 * the lease's new expiry, written before, is visible to a daemon that sees
 * the bit (a non-fetching OR is relaxed, on arm64 for one). */
static __always_inline void mark_renewed(const struct xdhcp_iface *iface, __be32 addr)
{
	__u32 base = iface->renew_base, bit, word;
	__u64 *w;

	if (base == XDHCP_RENEW_BASE_NONE)
		return;
	bit = base + (bpf_ntohl(addr) & ~bpf_ntohl(iface->mask));
	word = bit / 64;
	w = bpf_map_lookup_elem(&xdhcp_renewed, &word);
	if (w) {
		__u64 old = __sync_fetch_and_or(w, 1ULL << (bit % 64));

		barrier_var(old);
	}
}

/*
 * After the options of a reply started with reply_begin(): option 61 and
 * END, padding, IPv4/UDP headers, then the reply replaces the request.
 * Returns 0; -1 to punt the request (reply above 576 bytes or frame not
 * resizable, the request is intact); XDP_DROP when the frame was resized
 * but the copy failed (the request is gone, nothing to punt).  NO_ROOM
 * counts both failures.  t: the ACK's template (tlen bytes, options so
 * far; tlast its partial word as copied), or NULL for a NAK (its fixed
 * options).  After this, v's packet
 * pointers are stale.
 */
static __always_inline int finish_and_send(struct xdp_md *ctx, const struct dhcp_view *v,
					   const struct xdhcp_iface *iface,
					   const struct fp_request *r,
					   const struct reply_params *rp, __u32 olen,
					   const struct xdhcp_tmpl *t, __u32 tlen, __u64 tlast,
					   struct xdhcp_scratch *s, struct xdhcp_stats *st)
{
	__s64 opt_sum;
	__u32 len;
	int err;

	olen = reply_put_tail(s->reply, olen, &r->key);
	if (t) {
		/* The template's own sum covers its first tlen & ~3 bytes;
		 * a template without one is summed by reply_finish(). */
		opt_sum = t->csum ? (__s64)(reply_tail_sum(tlast, tlen, &r->key) + t->csum) : -1;
	} else {
		/* The NAK's options and the window past them (option 61,
		 * END, zeros), read back: NAKs are rare. */
		opt_sum = (__s64)(reply_sum32(s->reply + REPLY_OPT_OFF, REPLY_NAK_LEN / 4) +
				  reply_sum32(s->reply + REPLY_OPT_OFF + (REPLY_NAK_LEN & ~3U),
					      REPLY_CSUM_TAIL / 4));
	}
	len = olen ? reply_finish(s->reply, v->l2_len, olen, iface, rp, opt_sum) : 0;
	if (!len) {
		stat_inc(st, XDHCP_STAT_NO_ROOM);
		return -1;
	}
	err = reply_send(ctx, s->reply, v->l2_len, len);
	if (err) {
		stat_inc(st, XDHCP_STAT_NO_ROOM);
		return err == -1 ? -1 : XDP_DROP;
	}
	return 0;
}

/*
 * Fast DHCPACK (RFC 2131 4.3.2, table 3) for r->lease.  Returns XDP_TX,
 * XDP_DROP, or -1 to punt (no template, reply too big, frame could not be
 * resized).  The lease is extended only once the reply is in place.
 */
static __always_inline int fast_ack(struct xdp_md *ctx, struct dhcp_view *v,
				    const struct xdhcp_iface *iface, struct fp_request *r,
				    struct xdhcp_scratch *s, struct xdhcp_stats *st)
{
	const struct dhcp_hdr *req = v->dhcp;
	struct xdhcp_lease *lease = r->lease;
	struct reply_params rp = {};
	struct xdhcp_tmpl *t;
	__u32 tmpl_idx = lease->tmpl;
	__u32 tlen, olen;
	__u64 tlast;
	__u64 now;
	int err;

	t = bpf_map_lookup_elem(&xdhcp_tmpl, &tmpl_idx);
	if (!t)
		return -1;
	tlen = t->len;
	if (tlen > XDHCP_TMPL_MAX)
		return -1;

	/* RFC 2131 4.1, giaddr is 0 here: to ciaddr when set (unicast to
	 * the frame's source), else broadcast when the client asked for it,
	 * else unicast to yiaddr and chaddr. */
	rp.ciaddr = req->ciaddr;
	rp.yiaddr = lease->addr;
	rp.siaddr = t->siaddr;
	rp.flags = req->flags;
	if (req->ciaddr) {
		rp.ip_dst = req->ciaddr;
		__builtin_memcpy(rp.eth_dst, v->eth->h_source, ETH_ALEN);
	} else if (req->flags & bpf_htons(DHCP_FLAG_BROADCAST)) {
		rp.ip_dst = 0xffffffff;
		__builtin_memset(rp.eth_dst, 0xff, ETH_ALEN);
	} else {
		rp.ip_dst = lease->addr;
		__builtin_memcpy(rp.eth_dst, req->chaddr, ETH_ALEN);
	}
	reply_begin(s->reply, v, iface, &rp);
	olen = reply_put_tmpl(s->reply, t, tlen, &tlast);
	err = finish_and_send(ctx, v, iface, r, &rp, olen, t, tlen, tlast, s, st);
	if (err)
		return err;

	/* Extend the lease in place: only the fields the fast path owns.
	 * The count is a statistic: two CPUs renewing one lease at the same
	 * instant may count once, which is not worth a locked add. */
	now = r->now;
	lease->expires_ns = now + XDHCP_COARSE_SLACK_NS + (__u64)lease->lease_time * NSEC_PER_SEC;
	lease->fast_renewed_ns = now;
	lease->fast_renewals++;

	mark_renewed(iface, lease->addr);
	stat_inc(st, XDHCP_STAT_FAST_ACK);
	return XDP_TX;
}

/*
 * Fast DHCPNAK (RFC 2131 4.3.2, table 3): broadcast (4.1: with giaddr 0 a
 * NAK always goes to 255.255.255.255), yiaddr/ciaddr/siaddr 0, options 53
 * and 54, option 61 echoed.  Returns XDP_TX, XDP_DROP, or -1 to punt.
 */
static __always_inline int fast_nak(struct xdp_md *ctx, struct dhcp_view *v,
				    const struct xdhcp_iface *iface, struct fp_request *r,
				    struct xdhcp_scratch *s, struct xdhcp_stats *st)
{
	const struct dhcp_hdr *req = v->dhcp;
	struct reply_params rp = {};
	__u32 olen;
	int err;

	/* Table 3: flags as the client sent them; giaddr is 0 here, so the
	 * broadcast bit is not forced (4.3.2 sets it only through a relay). */
	rp.flags = req->flags;
	rp.ip_dst = 0xffffffff;
	__builtin_memset(rp.eth_dst, 0xff, ETH_ALEN);

	reply_begin(s->reply, v, iface, &rp);
	olen = reply_put_nak(s->reply, iface);
	err = finish_and_send(ctx, v, iface, r, &rp, olen, NULL, 0, 0, s, st);
	if (err)
		return err;
	stat_inc(st, XDHCP_STAT_FAST_NAK);
	return XDP_TX;
}

/* Not IPv4/UDP to port 67: answer ARP for the server id where the daemon
 * asked for it, pass everything else. */
static __always_inline int xdp_arp(void *data, void *data_end, const struct xdhcp_iface *iface)
{
	struct xdhcp_stats *st;
	struct ethhdr *eth;
	struct arp_ipv4 *a;

	if (!iface || !(iface->flags & XDHCP_IF_ARP))
		return XDP_PASS;
	a = arp_request_for(data, data_end, iface, &eth);
	if (!a)
		return XDP_PASS;
	arp_make_reply(eth, a, iface);
	st = stats_slot(iface->slot);
	if (st)
		stat_inc(st, XDHCP_STAT_ARP_REPLY);
	return XDP_TX;
}

/*
 * One frame on the interface iface (NULL: not served).  A global function,
 * so the verifier checks it once for any iface pointer: inlined, it was
 * checked once for a pointer into xdhcp_ifcache and once more for one into
 * xdhcp_ifaces, twice the load time.
 */
__attribute__((noinline)) int xdhcp_serve(struct xdp_md *ctx, const struct xdhcp_iface *iface)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xdhcp_scratch *s;
	struct xdhcp_stats *st;
	struct fp_request r;
	struct dhcp_view v;
	__u32 zero = 0;
	int act, ret;

	if (parse_frame(data, data_end, &v))
		return xdp_arp(data, data_end, iface);

	st = stats_slot(iface ? iface->slot : 0);
	s = bpf_map_lookup_elem(&xdhcp_scratch, &zero);
	if (!st || !s)
		return XDP_PASS; /* cannot happen: indexes within the arrays */
	stat_inc(st, XDHCP_STAT_RX);
	if (!iface) {
		stat_inc(st, XDHCP_STAT_NOT_SERVED);
		return XDP_PASS;
	}

	__builtin_memset(&r, 0, sizeof(r));
	r.opts = &s->opts;
	act = decide(ctx, data, data_end, &v, iface, &r);
	if (act == ACT_MALFORMED) {
		stat_inc(st, XDHCP_STAT_MALFORMED);
		return XDP_DROP;
	}

	ret = -1;
	if (act == ACT_ACK)
		ret = fast_ack(ctx, &v, iface, &r, s, st);
	else if (act == ACT_NAK)
		ret = fast_nak(ctx, &v, iface, &r, s, st);
	if (ret >= 0)
		return ret;
	if (!punt_allowed(iface)) {
		stat_inc(st, XDHCP_STAT_PUNT_LIMITED);
		return XDP_DROP;
	}
	return punt(ctx, s, st);
}

SEC("xdp")
int xdp_dhcp_rx(struct xdp_md *ctx)
{
	return xdhcp_serve(ctx, iface_get(ctx->ingress_ifindex));
}

char LICENSE[] SEC("license") = "GPL";
