/* SPDX-License-Identifier: MIT */
/*
 * Shared between the load generator's BPF programs (loadgen.bpf.c) and its
 * user side (loadgen.c): the configuration, the frame layout of generated
 * requests, the counters and the latency histogram.
 *
 * Every value a frame carries is a function of its sequence number seq:
 * xid = xid_base + seq, the client, its MAC and (for clients holding a
 * lease) its address.  The receiver recomputes them from the reply's xid,
 * so it checks chaddr and yiaddr without any per-client state.
 */
#ifndef XDHCP_BENCH_LOADGEN_H
#define XDHCP_BENCH_LOADGEN_H

#include <linux/types.h>

enum lg_mode {
	LG_RENEW = 1,	   /* RENEWING: unicast, ciaddr */
	LG_REBIND = 2,	   /* REBINDING: broadcast, ciaddr */
	LG_INITREBOOT = 3, /* INIT-REBOOT: broadcast, option 50 */
	LG_DORA = 4,	   /* new clients: DISCOVER, OFFER, REQUEST, ACK */
	LG_MIXED = 5,	   /* renewals, and every mix_period-th frame a new client */
};

/* Read-only configuration (the skeleton's .rodata), set before load. */
struct lg_cfg {
	__u32 mode;	  /* enum lg_mode */
	__u32 nclients;	  /* clients holding leases: 0 .. nclients-1 */
	__u32 new_base;	  /* first client number of new (DORA) clients */
	__u32 mix_period; /* LG_MIXED: one new client every mix_period frames */
	__u32 xid_base;	  /* xid of seq 0 */
	__be32 server_ip; /* server identifier and unicast destination */
	__be32 pool_base; /* address of client 0 (client i: pool_base + i) */
	__be32 net;	  /* subnet of offered addresses */
	__be32 mask;
	__u8 server_mac[6];
	__u8 pad[2];
	__u64 rate;   /* frames per second offered */
	__u64 target; /* frames to send in all */
};

/* The client's MAC: 02:42 then the client number, big endian. */
#define LG_MAC0 0x02
#define LG_MAC1 0x42

/* Generated frame: Ethernet, IPv4 (20), UDP, 300-byte BOOTP message. */
#define LG_ETH_LEN   14
#define LG_IP_OFF    14
#define LG_UDP_OFF   34
#define LG_DHCP_OFF  42
#define LG_DHCP_LEN  300
#define LG_FRAME_LEN (LG_DHCP_OFF + LG_DHCP_LEN) /* 342 */
/* Options start after the 236-byte BOOTP header and the cookie; the first
 * LG_VAR_OPTS bytes vary per frame (53, then 50 and 54 or PADs), a fixed
 * parameter request list and END follow. */
#define LG_OPT_OFF   (LG_DHCP_OFF + 240)
#define LG_VAR_OPTS  16

/* Send-time table, indexed by seq & (LG_TS_SLOTS - 1). */
#define LG_TS_SLOTS (1U << 22)

enum lg_counter {
	LG_C_SENT = 0,	  /* frames generated (generator CPU) */
	LG_C_ACK,	  /* correct ACKs, renewal kinds */
	LG_C_DORA_ACK,	  /* correct ACKs completing a DORA */
	LG_C_OFFER,	  /* correct OFFERs (a REQUEST was sent back) */
	LG_C_REQ_TX_FAIL, /* OFFER could not be turned into a REQUEST */
	LG_C_NAK,	  /* NAKs (a failure in every scenario here) */
	LG_C_BAD,	  /* wrong chaddr, yiaddr, type or malformed: failures */
	LG_C_STALE,	  /* xid of another run */
	LG_C_DUP,	  /* second answer to one request */
	LG_C_OTHER,	  /* not a DHCP reply (ARP, IPv6...): passed */
	LG_C_LAT_N,	  /* latency samples */
	LG_C_LAT_SUM,	  /* their sum, ns */
	LG_C_MAX,
};

/* Latency histogram: 256 ns buckets below 64 us, then 8 buckets per power
 * of two up to 2^35 ns. */
#define LG_LIN_SHIFT	8
#define LG_LIN_BUCKETS	256
#define LG_LOG_FIRST	16 /* 2^16 ns = 65.5 us */
#define LG_LOG_LAST	35
#define LG_HIST_BUCKETS (LG_LIN_BUCKETS + (LG_LOG_LAST - LG_LOG_FIRST + 1) * 8)

struct lg_stats {
	__u64 cnt[LG_C_MAX];
	__u64 hist[LG_HIST_BUCKETS];
};

#endif /* XDHCP_BENCH_LOADGEN_H */
