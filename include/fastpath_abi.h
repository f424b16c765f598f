/* SPDX-License-Identifier: MIT */
/*
 * The contract between the XDP fast path (bpf/) and the daemon (user/):
 * map names and pin names, map keys and values, ring-buffer records and
 * counter ids.  This is the only place these types are defined.
 *
 * Rules: only <linux/types.h> types, explicit padding, a size assertion per
 * struct, append-only enums.  Network-order fields are __be*; everything else
 * is host order.  Times are CLOCK_BOOTTIME nanoseconds (the fast path reads
 * them as the coarse monotonic clock plus xdhcp_iface.clock_offset_ns).
 */
#ifndef XDHCP_FASTPATH_ABI_H
#define XDHCP_FASTPATH_ABI_H

#include <linux/types.h>

/* Default bpffs directory; each map is pinned there under its pin name. */
#define XDHCP_PIN_DIR_DEFAULT "/sys/fs/bpf/xdhcpd"

/* Object names in the BPF object (at most 15 characters, kernel limit). */
#define XDHCP_PROG_NAME	  "xdp_dhcp_rx"
#define XDHCP_MAP_LEASES  "xdhcp_leases"
#define XDHCP_MAP_IFACES  "xdhcp_ifaces"
#define XDHCP_MAP_IFCACHE "xdhcp_ifcache"
#define XDHCP_MAP_TMPL	  "xdhcp_tmpl"
#define XDHCP_MAP_STATS	  "xdhcp_stats"
#define XDHCP_MAP_EVENTS  "xdhcp_events"
#define XDHCP_MAP_RENEWED "xdhcp_renewed"
#define XDHCP_MAP_RATE	  "xdhcp_rate"

/* File names under the pin directory. */
#define XDHCP_PIN_LEASES  "leases"
#define XDHCP_PIN_IFACES  "ifaces"
#define XDHCP_PIN_IFCACHE "ifcache"
#define XDHCP_PIN_TMPL	  "templates"
#define XDHCP_PIN_STATS	  "stats"
#define XDHCP_PIN_EVENTS  "events"
#define XDHCP_PIN_RENEWED "renewed"

/* Default capacities (the daemon may raise them before load). */
#define XDHCP_LEASES_MAX_DEFAULT (1U << 20)
#define XDHCP_IFACES_MAX	 4096
#define XDHCP_IFCACHE_SLOTS	 4096 /* a power of two */
#define XDHCP_TMPL_ENTRIES	 4096
#define XDHCP_STATS_SLOTS	 4096 /* slot 0: interfaces the daemon does not serve */
#define XDHCP_EVENTS_BYTES	 (4U << 20)
/* Bits in xdhcp_renewed: fixed, so a restarted daemon reuses the pinned
 * map whatever its configuration (4M addresses, 512 KiB). */
#define XDHCP_RENEWED_BITS	 (1U << 22)

/* ------------------------------------------------------------------ */
/* Lease table: xdhcp_leases, BPF_MAP_TYPE_HASH (no prealloc).
 * Written by the daemon (insert, delete, whole value).  The fast path reads
 * it and writes only expires_ns, fast_renewed_ns and fast_renewals of a
 * matching entry when it answers a renewal (then marks it in
 * xdhcp_renewed). */

enum xdhcp_key_kind {
	XDHCP_KEY_HWADDR = 1,	 /* no option 61: htype + chaddr[0..hlen) */
	XDHCP_KEY_CLIENT_ID = 2, /* option 61 bytes, verbatim (type byte included) */
};

/* Longest client identifier the fast path keys on; longer ones are served
 * by the daemon alone (their renewals are punted).  24 bytes hold every
 * common form: type 1 + MAC (7 bytes) and the RFC 4361 ids of dhcpcd and
 * systemd-networkd (0xff, IAID, DUID-LL/LLT/EN: 15 to 19 bytes), and keep
 * the key at 32 bytes: 128 bytes of kernel memory per lease. */
#define XDHCP_CLIENT_ID_MAX 24

struct xdhcp_lease_key {
	__u32 pool; /* pool (subnet) index, from struct xdhcp_iface */
	__u8 kind;  /* enum xdhcp_key_kind */
	__u8 len;   /* bytes of id in use; the rest is zero */
	__u8 htype; /* hardware type for XDHCP_KEY_HWADDR, else 0 */
	__u8 pad;
	__u8 id[XDHCP_CLIENT_ID_MAX];
};
_Static_assert(sizeof(struct xdhcp_lease_key) == 32, "lease key layout");

enum xdhcp_lease_flags {
	XDHCP_LEASE_STATIC = 1 << 0, /* from a reservation */
};

struct xdhcp_lease {
	__u64 expires_ns;      /* CLOCK_BOOTTIME; extended by the fast path */
	__u64 fast_renewed_ns; /* last renewal answered in XDP, 0 if none */
	__be32 addr;	       /* the leased address */
	__u32 lease_time;      /* seconds granted on each renewal */
	__u32 tmpl;	       /* index into xdhcp_tmpl: the ACK's options */
	__u32 ifindex;	       /* interface the lease was granted on */
	__u32 flags;	       /* enum xdhcp_lease_flags */
	__u32 fast_renewals;   /* renewals answered in XDP */
};
_Static_assert(sizeof(struct xdhcp_lease) == 40, "lease value layout");

/* ------------------------------------------------------------------ */
/* Served interfaces: xdhcp_ifaces, BPF_MAP_TYPE_HASH, key __u32 ifindex.
 * Written by the daemon; an interface without an entry is not served
 * (its DHCP traffic passes to the kernel stack). */

enum xdhcp_iface_flags {
	XDHCP_IF_FASTPATH = 1 << 0, /* answer renewals in XDP (else punt all) */
	XDHCP_IF_ARP = 1 << 1,	    /* answer ARP for server_ip (the interface lacks it) */
};

struct xdhcp_iface {
	__be32 server_ip; /* server identifier, option 54, IPv4 source */
	__be32 net;	  /* subnet address, for the wrong-network check */
	__be32 mask;	  /* subnet mask */
	__u32 pool;	  /* pool index used in lease keys */
	__u32 slot;	  /* index into xdhcp_stats */
	__u32 flags;	  /* enum xdhcp_iface_flags */
	__u8 mac[6];	  /* Ethernet source of replies */
	__u8 pad[2];
	/* Punt rate limit (GCRA, per CPU): one punt per punt_interval_ns on
	 * average, punt_burst at once; 0 = unlimited.  A guest flooding
	 * DISCOVERs cannot monopolise the ring buffer or the daemon. */
	__u32 punt_interval_ns;
	__u32 punt_burst;
	/* Bit of the subnet's first address in xdhcp_renewed (a multiple
	 * of 64); address a marks bit renew_base + (a & ~mask), host order.
	 * XDHCP_RENEW_BASE_NONE: renewals here are not marked. */
	__u32 renew_base;
	__u32 pad2;
	/* CLOCK_BOOTTIME minus CLOCK_MONOTONIC, kept current by the daemon:
	 * the fast path reads the cheap coarse monotonic clock and adds
	 * this (it moves only when the host resumes from suspend). */
	__u64 clock_offset_ns;
};
_Static_assert(sizeof(struct xdhcp_iface) == 56, "iface layout");

#define XDHCP_RENEW_BASE_NONE 0xffffffffU

/* Interface cache: xdhcp_ifcache, BPF_MAP_TYPE_ARRAY with BPF_F_MMAPABLE,
 * XDHCP_IFCACHE_SLOTS entries, key ifindex % XDHCP_IFCACHE_SLOTS.  A copy
 * of xdhcp_ifaces that the fast path reads without hashing (an inlined
 * array lookup instead of a hash lookup).  An interface whose slot holds
 * another one is served from xdhcp_ifaces alone; xdhcp_ifaces stays the
 * truth (bpftool map dump reads it).
 *
 * The daemon writes through its mapping, never in place: each entry has
 * two copies and tag names the one in use.  An update fills the other
 * copy, then stores tag with one release store; a copy that was in use is
 * written again only after an RCU grace period has passed since it went
 * out of use (the daemon waits for one with a map-in-map update, which
 * waits for every running BPF program), so no packet, which runs in an
 * RCU read-side section, can read a copy half old, half new.  Clearing an
 * entry stores tag with ifindex 0.  Edit xdhcp_ifaces by hand (bpftool)
 * only with the daemon stopped: the cache would not follow. */
struct xdhcp_ifcache {
	__u64 tag; /* ifindex | (copy in use, 0 or 1) << 32; ifindex 0: empty */
	struct xdhcp_iface copy[2];
};
_Static_assert(sizeof(struct xdhcp_ifcache) == 120, "ifcache layout");

/* The coarse clock lags the precise one by less than a jiffy (10 ms at
 * HZ=100, the slowest tick): a renewal's new expiry adds this, so it is
 * never earlier than the client's (RFC 2131 4.4.5 counts from the
 * request). */
#define XDHCP_COARSE_SLACK_NS 10000000ULL

/* ------------------------------------------------------------------ */
/* Reply templates: xdhcp_tmpl, BPF_MAP_TYPE_ARRAY, key __u32 index.
 * Written by the daemon.  data holds ready-made DHCPACK options (starting
 * with option 53 = DHCPACK, then 54, 51, 58, 59 and the configuration
 * options) without END; bytes past len are zero.  The fast path copies the
 * template after the cookie, appends option 61 (RFC 6842) when the client
 * sent one, then END and zero padding. */

#define XDHCP_TMPL_MAX 320
/* A fast reply stays within 576 bytes of IPv4 (RFC 2131 section 2), which
 * leaves at most 307 bytes of template, fewer when option 61 is echoed:
 * longer replies are punted (XDHCP_STAT_NO_ROOM) and built by the daemon. */

struct xdhcp_tmpl {
	__u16 len;     /* bytes of data in use, <= XDHCP_TMPL_MAX */
	__u16 csum;    /* xdhcp_tmpl_csum(): 0 = not computed, the fast path sums the reply */
	__be32 siaddr; /* next server, copied to the reply's siaddr */
	__u8 data[XDHCP_TMPL_MAX];
};
_Static_assert(sizeof(struct xdhcp_tmpl) == 328, "template layout");

#ifndef __bpf__
/* The template's share of the reply's UDP checksum: the one's-complement
 * sum (RFC 1071), folded to 16 bits and not complemented, of data[0 ..
 * len & ~3) taken as 16-bit words in memory order.  The fast path adds the
 * rest of the datagram (headers, the template's last len % 4 bytes, option
 * 61, END) to it instead of summing 300-odd bytes per reply.  Never 0 for a
 * template that holds a nonzero byte, so 0 can mean "not computed". */
static inline __u16 xdhcp_tmpl_csum(const struct xdhcp_tmpl *t)
{
	unsigned int n = t->len <= XDHCP_TMPL_MAX ? t->len & ~3U : 0;
	unsigned long long sum = 0;

	for (unsigned int i = 0; i < n; i += 2) {
		__u16 w;

		__builtin_memcpy(&w, t->data + i, 2);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}
#endif

/* ------------------------------------------------------------------ */
/* Counters: xdhcp_stats, BPF_MAP_TYPE_PERCPU_ARRAY indexed by the
 * interface's stats slot.  Written by the fast path; the daemon sums the
 * per-CPU values.  Append only: never renumber or reuse a value. */

enum xdhcp_stat {
	XDHCP_STAT_RX = 0,	 /* IPv4/UDP packets to port 67 seen */
	XDHCP_STAT_FAST_ACK,	 /* renewals answered with DHCPACK in XDP */
	XDHCP_STAT_FAST_NAK,	 /* INIT-REBOOT answered with DHCPNAK in XDP */
	XDHCP_STAT_PUNT,	 /* packets copied to the daemon */
	XDHCP_STAT_PUNT_DROP,	 /* punts dropped: ring buffer full */
	XDHCP_STAT_MALFORMED,	 /* truncated or inconsistent headers/options */
	XDHCP_STAT_NOT_SERVED,	 /* interface not configured: passed */
	XDHCP_STAT_NO_ROOM,	 /* reply did not fit in the frame: punted */
	XDHCP_STAT_EVENT_DROP,	 /* retired (renewal records lost); stays 0 */
	XDHCP_STAT_ARP_REPLY,	 /* ARP requests for the server id answered */
	XDHCP_STAT_PUNT_LIMITED, /* punts dropped by the interface's rate limit */
	XDHCP_STAT_MAX,
};

struct xdhcp_stats {
	__u64 cnt[XDHCP_STAT_MAX];
};
_Static_assert(sizeof(struct xdhcp_stats) == 8 * XDHCP_STAT_MAX, "stats layout");

/* ------------------------------------------------------------------ */
/* Renewal marks: xdhcp_renewed, BPF_MAP_TYPE_ARRAY of __u64 words with
 * BPF_F_MMAPABLE, XDHCP_RENEWED_BITS bits.  Bit b is word b / 64, bit
 * b % 64.  The fast path sets the bit of a lease's address (see
 * xdhcp_iface.renew_base) with an atomic OR after it extended the lease in
 * the map; the daemon, on its 1 s tick and before any command or reload,
 * swaps each nonzero word with 0 (it maps the array) and reads the map
 * entries of the marked addresses to persist their new expiries.  So a
 * renewal costs the fast path one atomic OR, nothing is ever lost to a
 * full buffer, and a client renewing a thousand times a second costs the
 * daemon one read per tick.  A bit is a hint: the map entry is the truth. */

/* ------------------------------------------------------------------ */
/* Ring buffer xdhcp_events, BPF_MAP_TYPE_RINGBUF, written by the fast
 * path, consumed by the daemon: punted frames (the daemon is woken when
 * the first unread one arrives).  Every record starts with
 * xdhcp_event_hdr; bump XDHCP_EVENT_VERSION when a layout changes. */

#define XDHCP_EVENT_VERSION 2

enum xdhcp_event_type {
	XDHCP_EV_PUNT = 1, /* a whole frame for the daemon */
			   /* 2 was a per-renewal record, replaced by xdhcp_renewed. */
};

struct xdhcp_event_hdr {
	__u16 type;    /* enum xdhcp_event_type */
	__u16 version; /* XDHCP_EVENT_VERSION */
	__u32 ifindex; /* ingress interface */
};

/* Largest frame copied whole; longer frames are counted malformed.
 * A punt record is XDHCP_PUNT_HDR_LEN + len bytes: shorter than the struct
 * whenever the frame is (the consumer checks len against the record size). */
#define XDHCP_PUNT_MAX 1536

struct xdhcp_punt_event {
	struct xdhcp_event_hdr hdr;
	__u32 len; /* bytes in data (the whole frame from the Ethernet header) */
	__u32 pad;
	__u64 ts_ns; /* CLOCK_BOOTTIME at reception */
	__u8 data[XDHCP_PUNT_MAX];
};
#define XDHCP_PUNT_HDR_LEN 24 /* offsetof(struct xdhcp_punt_event, data) */
_Static_assert(sizeof(struct xdhcp_punt_event) == XDHCP_PUNT_HDR_LEN + XDHCP_PUNT_MAX,
	       "punt record layout");

#endif /* XDHCP_FASTPATH_ABI_H */
