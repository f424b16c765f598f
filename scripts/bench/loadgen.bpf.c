/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The load generator's XDP programs (scripts/bench/loadgen.c):
 *
 * lg_gen      run by BPF_PROG_TEST_RUN in live-frames mode on the client
 *             end of the veth: paces itself (a frame is sent once
 *             cfg.rate * elapsed allows it, else the run returns XDP_DROP
 *             at once and the kernel loops on), rewrites the frame of the
 *             page pool into the next request (xid, client, addresses,
 *             options, IPv4 checksum; UDP checksum 0, "none", RFC 768),
 *             stamps its send time and returns XDP_TX, which transmits it
 *             to the server end.  One test-run call covers a whole step:
 *             each call re-patches the XDP dispatcher (IPIs, text poke),
 *             which costs milliseconds, so userspace cannot pace by calls.
 * lg_rx       attached to the client end: counts and checks every DHCP
 *             reply (xid of this run, chaddr and yiaddr of that xid's
 *             client, message type), records latency, turns each OFFER
 *             into the REQUEST of its DORA and sends it with XDP_TX; drops
 *             replies, passes anything else.
 * lg_reflect  on the server end for the ceiling measurement: answers each
 *             generated request with an ACK-shaped frame (swaps addresses,
 *             op, option 53) without a lease table.
 *
 * Frames of the generator have a fixed layout (loadgen.h); replies are
 * parsed with bounds checks.  All three run on any CPU: counters are
 * per-CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "loadgen.h"

const volatile struct lg_cfg cfg = {};
/* The fixed parts of a request, set by userspace before load.  Pages of the
 * live-frames pool come back after the server rewrote them into replies,
 * so every frame is rewritten whole from this. */
__u8 frame_tmpl[LG_FRAME_LEN] = {};
/* cfg.server_mac, in writable memory: a byte copy out of .rodata would be
 * folded to the zero initializer by clang. */
__u8 server_mac[6] = {};

/* Generator state: one CPU runs lg_gen (migration disabled, one thread). */
__u64 next_seq = 0;
__u64 t_first = 0; /* CLOCK_MONOTONIC ns of the first run */
__u64 t_last = 0;  /* of the last frame sent */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LG_TS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lg_ts SEC(".maps");

/* Per seq: the address offered (DORA), so the ACK can be checked. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LG_TS_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} lg_offer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lg_stats);
} lg_stats SEC(".maps");

enum { KIND_RENEW, KIND_REBIND, KIND_INITREBOOT, KIND_NEW };

static __always_inline __u32 kind_of(__u64 seq)
{
	switch (cfg.mode) {
	case LG_RENEW:
		return KIND_RENEW;
	case LG_REBIND:
		return KIND_REBIND;
	case LG_INITREBOOT:
		return KIND_INITREBOOT;
	case LG_MIXED:
		return (cfg.mix_period && seq % cfg.mix_period == 0) ? KIND_NEW : KIND_RENEW;
	}
	return KIND_NEW;
}

static __always_inline __u32 client_of(__u64 seq, __u32 kind)
{
	if (kind == KIND_NEW)
		return cfg.new_base + (__u32)seq;
	return cfg.nclients ? (__u32)(seq % cfg.nclients) : 0;
}

static __always_inline __be32 addr_of(__u32 client)
{
	return bpf_htonl(bpf_ntohl(cfg.pool_base) + client);
}

static __always_inline void put_mac(__u8 *p, __u32 client)
{
	p[0] = LG_MAC0;
	p[1] = LG_MAC1;
	p[2] = client >> 24;
	p[3] = client >> 16;
	p[4] = client >> 8;
	p[5] = client;
}

static __always_inline void put_be32(__u8 *p, __be32 v)
{
	__builtin_memcpy(p, &v, 4);
}

/* IPv4 header checksum of the 20 bytes at ip (checksum field zeroed). */
static __always_inline __u16 ip_csum(const __u8 *ip)
{
	__u32 sum = 0;

#pragma clang loop unroll(full)
	for (int i = 0; i < 20; i += 2)
		sum += (__u32)ip[i] << 8 | ip[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return bpf_htons((__u16)~sum);
}

static __always_inline struct lg_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lg_stats, &zero);
}

/* Write the variable options (LG_VAR_OPTS bytes): 53, then 50 and 54 or PAD. */
static __always_inline void put_var_opts(__u8 *o, __u8 type, __be32 req_ip, __be32 sid)
{
	__builtin_memset(o, 0, LG_VAR_OPTS);
	o[0] = 53;
	o[1] = 1;
	o[2] = type;
	if (req_ip) {
		o[3] = 50;
		o[4] = 4;
		put_be32(o + 5, req_ip);
	}
	if (sid) {
		o[9] = 54;
		o[10] = 4;
		put_be32(o + 11, sid);
	}
}

SEC("xdp")
int lg_gen(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	__u64 now = bpf_ktime_get_ns(), seq = next_seq;
	__u32 kind, client, slot;
	__be32 addr, src = 0, dst = 0xffffffff, ciaddr = 0, req = 0;
	__u16 flags = 0;
	struct lg_stats *st;

	if (!t_first)
		t_first = now;
	/* Pacing: frame seq leaves at t_first + seq / rate. */
	if (seq >= cfg.target || (now - t_first) * cfg.rate < seq * 1000000000ULL)
		return XDP_DROP;
	if (data + LG_FRAME_LEN > data_end)
		return XDP_ABORTED;
	next_seq = seq + 1;
	t_last = now;
	kind = kind_of(seq);
	client = client_of(seq, kind);
	addr = addr_of(client);
	switch (kind) {
	case KIND_RENEW: /* RFC 2131 4.3.2 RENEWING: unicast from ciaddr */
		src = addr;
		dst = cfg.server_ip;
		ciaddr = addr;
		break;
	case KIND_REBIND:
		src = addr;
		ciaddr = addr;
		break;
	case KIND_INITREBOOT:
		req = addr;
		flags = 0x8000;
		break;
	default: /* DISCOVER, broadcast reply asked for */
		flags = 0x8000;
		break;
	}
	__builtin_memcpy(data, frame_tmpl, LG_FRAME_LEN);
	if (kind == KIND_RENEW)
		__builtin_memcpy(data, server_mac, 6);
	else
		__builtin_memset(data, 0xff, 6);
	put_mac(data + 6, client);
	put_be32(data + LG_IP_OFF + 12, src);
	put_be32(data + LG_IP_OFF + 16, dst);
	*(__u16 *)(data + LG_IP_OFF + 10) = ip_csum(data + LG_IP_OFF);
	put_be32(data + LG_DHCP_OFF + 4, bpf_htonl(cfg.xid_base + (__u32)seq));
	*(__u16 *)(data + LG_DHCP_OFF + 10) = bpf_htons(flags);
	put_be32(data + LG_DHCP_OFF + 12, ciaddr);
	put_mac(data + LG_DHCP_OFF + 28, client);
	put_var_opts(data + LG_OPT_OFF, kind == KIND_NEW ? 1 : 3, req, 0);

	slot = (__u32)seq & (LG_TS_SLOTS - 1);
	bpf_map_update_elem(&lg_ts, &slot, &now, BPF_ANY);
	st = stats();
	if (st)
		st->cnt[LG_C_SENT]++;
	return XDP_TX;
}

static __always_inline __u32 hist_bucket(__u64 ns)
{
	__u32 lg = LG_LOG_FIRST;

	if (ns < (1ULL << LG_LOG_FIRST))
		return (__u32)(ns >> LG_LIN_SHIFT);
#pragma clang loop unroll(full)
	for (int i = LG_LOG_FIRST + 1; i <= LG_LOG_LAST; i++)
		if (ns >= (1ULL << i))
			lg = i;
	if (lg >= LG_LOG_LAST)
		return LG_HIST_BUCKETS - 1;
	return LG_LIN_BUCKETS + (lg - LG_LOG_FIRST) * 8 + (__u32)((ns >> (lg - 3)) & 7);
}

static __always_inline void count(struct lg_stats *st, __u32 id)
{
	if (id < LG_C_MAX)
		st->cnt[id]++;
}

static __always_inline void latency(struct lg_stats *st, __u64 sent)
{
	__u64 d = bpf_ktime_get_ns() - sent;
	__u32 b = hist_bucket(d);

	st->cnt[LG_C_LAT_N]++;
	st->cnt[LG_C_LAT_SUM] += d;
	if (b < LG_HIST_BUCKETS)
		st->hist[b]++;
}

/* Turn the OFFER in ctx into the REQUEST (SELECTING) of its client and
 * send it back.  Returns the XDP verdict. */
static __always_inline int offer_to_request(struct xdp_md *ctx, __u32 client, __be32 xid,
					    __be32 yiaddr, struct lg_stats *st)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	int delta = LG_FRAME_LEN - (int)(data_end - data);
	__u8 *o;

	if (delta && bpf_xdp_adjust_tail(ctx, delta)) {
		count(st, LG_C_REQ_TX_FAIL);
		return XDP_DROP;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + LG_FRAME_LEN > data_end) {
		count(st, LG_C_REQ_TX_FAIL);
		return XDP_DROP;
	}
	__builtin_memset(data, 0xff, 6);
	put_mac(data + 6, client);
	data[12] = 0x08;
	data[13] = 0x00;
	/* IPv4: 0.0.0.0 -> 255.255.255.255, UDP 68 -> 67, no UDP checksum. */
	__builtin_memset(data + LG_IP_OFF, 0, 28);
	data[LG_IP_OFF] = 0x45;
	*(__u16 *)(data + LG_IP_OFF + 2) = bpf_htons(LG_FRAME_LEN - LG_ETH_LEN);
	data[LG_IP_OFF + 8] = 64;
	data[LG_IP_OFF + 9] = 17;
	__builtin_memset(data + LG_IP_OFF + 16, 0xff, 4);
	*(__u16 *)(data + LG_IP_OFF + 10) = ip_csum(data + LG_IP_OFF);
	*(__u16 *)(data + LG_UDP_OFF) = bpf_htons(68);
	*(__u16 *)(data + LG_UDP_OFF + 2) = bpf_htons(67);
	*(__u16 *)(data + LG_UDP_OFF + 4) = bpf_htons(LG_FRAME_LEN - LG_UDP_OFF);
	/* BOOTP: op 1, htype 1, hlen 6, same xid, broadcast flag; every
	 * other field and sname/file zero. */
	__builtin_memset(data + LG_DHCP_OFF, 0, 240);
	data[LG_DHCP_OFF] = 1;
	data[LG_DHCP_OFF + 1] = 1;
	data[LG_DHCP_OFF + 2] = 6;
	put_be32(data + LG_DHCP_OFF + 4, xid);
	data[LG_DHCP_OFF + 10] = 0x80;
	put_mac(data + LG_DHCP_OFF + 28, client);
	put_be32(data + LG_DHCP_OFF + 236, bpf_htonl(0x63825363));
	o = data + LG_OPT_OFF;
	__builtin_memset(o, 0, LG_FRAME_LEN - LG_OPT_OFF);
	put_var_opts(o, 3, yiaddr, cfg.server_ip);
	o[LG_VAR_OPTS] = 55;
	o[LG_VAR_OPTS + 1] = 4;
	o[LG_VAR_OPTS + 2] = 1;
	o[LG_VAR_OPTS + 3] = 3;
	o[LG_VAR_OPTS + 4] = 6;
	o[LG_VAR_OPTS + 5] = 51;
	o[LG_VAR_OPTS + 6] = 255;
	count(st, LG_C_OFFER);
	return XDP_TX;
}

#define REPLY_OPT_OFF (LG_OPT_OFF) /* IPv4 without options: same layout */
#define OPT_SCAN_MAX  6

SEC("xdp")
int lg_rx(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	__u32 xid, seq, slot, kind, client, off, type = 0;
	__u64 *sent;
	__u32 *offered;
	__be32 yiaddr;
	struct lg_stats *st;

	st = stats();
	if (!st)
		return XDP_PASS;
	if (data + LG_OPT_OFF > data_end)
		goto other;
	if (data[12] != 0x08 || data[13] != 0x00 || data[LG_IP_OFF + 9] != 17)
		goto other;
	if (*(__u16 *)(data + LG_UDP_OFF + 2) != bpf_htons(68))
		goto other;
	if (data[LG_IP_OFF] != 0x45 || data[LG_DHCP_OFF] != 2) {
		count(st, LG_C_BAD);
		return XDP_DROP;
	}
	xid = bpf_ntohl(*(__u32 *)(data + LG_DHCP_OFF + 4));
	seq = xid - cfg.xid_base;
	slot = seq & (LG_TS_SLOTS - 1);
	sent = bpf_map_lookup_elem(&lg_ts, &slot);
	offered = bpf_map_lookup_elem(&lg_offer, &slot);
	if (seq >= LG_TS_SLOTS || !sent || !offered) {
		count(st, LG_C_STALE);
		return XDP_DROP;
	}
	if (!*sent) {
		count(st, LG_C_DUP);
		return XDP_DROP;
	}
	kind = kind_of(seq);
	client = client_of(seq, kind);

	/* chaddr: the client of this xid. */
	{
		__u8 *c = data + LG_DHCP_OFF + 28;

		if (c[0] != LG_MAC0 || c[1] != LG_MAC1 || c[2] != (__u8)(client >> 24) ||
		    c[3] != (__u8)(client >> 16) || c[4] != (__u8)(client >> 8) ||
		    c[5] != (__u8)client) {
			count(st, LG_C_BAD);
			return XDP_DROP;
		}
	}
	yiaddr = *(__be32 *)(data + LG_DHCP_OFF + 16);

	/* Option 53: the first option in the replies of all three servers;
	 * a few more are looked at in case. */
	off = REPLY_OPT_OFF;
#pragma clang loop unroll(full)
	for (int i = 0; i < OPT_SCAN_MAX; i++) {
		__u8 *p;

		off &= 0x7ff; /* bounds for the verifier */
		p = data + off;
		if (p + 3 > data_end)
			break;
		if (p[0] == 53) {
			type = p[2];
			break;
		}
		if (p[0] == 255)
			break;
		off += p[0] ? 2 + p[1] : 1;
	}

	if (type == 6) {
		count(st, LG_C_NAK);
		return XDP_DROP;
	}
	if (kind == KIND_NEW) {
		if (type == 2) {
			/* OFFER: an address of the subnet, once. */
			if (!yiaddr || (yiaddr & cfg.mask) != cfg.net || *offered) {
				count(st, *offered ? LG_C_DUP : LG_C_BAD);
				return XDP_DROP;
			}
			*offered = yiaddr;
			return offer_to_request(ctx, client, bpf_htonl(xid), yiaddr, st);
		}
		if (type != 5 || !*offered || yiaddr != *offered) {
			count(st, LG_C_BAD);
			return XDP_DROP;
		}
		latency(st, *sent);
		*sent = 0;
		count(st, LG_C_DORA_ACK);
		return XDP_DROP;
	}
	if (type != 5 || yiaddr != addr_of(client)) {
		count(st, LG_C_BAD);
		return XDP_DROP;
	}
	latency(st, *sent);
	*sent = 0;
	count(st, LG_C_ACK);
	return XDP_DROP;
other:
	count(st, LG_C_OTHER);
	return XDP_PASS;
}

/* The ceiling: an ACK-shaped answer to every generated request, built in
 * place by swapping fields; no lookup, no options parsing. */
SEC("xdp")
int lg_reflect(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	__u8 mac[6];
	__be32 ci;

	if (data + LG_FRAME_LEN > data_end)
		return XDP_PASS;
	if (data[12] != 0x08 || data[13] != 0x00 || data[LG_IP_OFF + 9] != 17 ||
	    *(__u16 *)(data + LG_UDP_OFF + 2) != bpf_htons(67))
		return XDP_PASS;
	__builtin_memcpy(mac, data + 6, 6);
	__builtin_memcpy(data, mac, 6);
	__builtin_memcpy(data + 6, server_mac, 6);
	ci = *(__be32 *)(data + LG_DHCP_OFF + 12);
	put_be32(data + LG_IP_OFF + 12, cfg.server_ip);
	put_be32(data + LG_IP_OFF + 16, ci ? ci : 0xffffffff);
	data[LG_IP_OFF + 10] = 0;
	data[LG_IP_OFF + 11] = 0;
	*(__u16 *)(data + LG_IP_OFF + 10) = ip_csum(data + LG_IP_OFF);
	*(__u16 *)(data + LG_UDP_OFF) = bpf_htons(67);
	*(__u16 *)(data + LG_UDP_OFF + 2) = bpf_htons(68);
	data[LG_DHCP_OFF] = 2;
	put_be32(data + LG_DHCP_OFF + 16, ci);
	data[LG_OPT_OFF + 2] = 5;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
