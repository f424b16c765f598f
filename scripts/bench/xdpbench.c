/* SPDX-License-Identifier: MIT */
/*
 * xdpbench: a microbenchmark of the XDP fast path alone (build/xdhcp.bpf.o
 * through its skeleton) with BPF_PROG_TEST_RUN.  Maps are seeded as
 * tests/bpf/test_fastpath.c does: one served interface (lo, ifindex 1, the
 * device test runs use), one ACK template, one lease per client.
 *
 * XDP test runs do not reset the frame between repeats, and a fast ACK
 * rewrites the request into the reply in place.  So the ACK and NAK cases
 * run one request per BPF_PROG_TEST_RUN call (repeat = 1: the kernel copies
 * the request in afresh every time) and the kernel's own duration of each
 * call is averaged; the timer's fixed cost (two ktime reads, bh disable,
 * measured the same way on a program that only returns XDP_PASS) is
 * subtracted.  Punt and pass leave the frame as it was, so they also run in
 * batches (repeat = 8192 per call) where that overhead is amortised; punt
 * batches fit in the ring buffer, which is drained between calls, so every
 * punt is a real copy to the ring (no PUNT_DROP).
 *
 *   xdpbench --obj-dir build [--runs N] [--json FILE]
 *
 * Prints one line per case: ns per run (net of the timer), the raw mean and
 * the median.  Needs root; exits 77 when it cannot load BPF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dhcp_wire.h"
#include "fastpath_abi.h"

#include "dhcp_msg.h"
#include "ifcache.h"
#include "pkt.h"
#include "xdhcp.skel.h"
#include "xdpbench.skel.h"

#define PROG	    "xdpbench"
#define IFINDEX	    1 /* lo: BPF_PROG_TEST_RUN's default ingress device */
#define SLOT	    1
#define POOL	    0
#define TMPL	    0
#define LEASE_TIME  86400
#define NSEC	    1000000000ULL
#define BATCH	    8192 /* repeat per call in batch mode: fits the 4 MiB ring */
#define DRAIN_EVERY 4096 /* single runs between ring drains (punt records) */
#define HIST_NS	    4096 /* per-call duration histogram, 1 ns buckets */

#define SERVER_IP PKT_IP(198, 18, 0, 1)
#define DNS_IP	  PKT_IP(198, 18, 0, 53)
#define NET_IP	  PKT_IP(198, 18, 0, 0)
#define MASK_IP	  PKT_IP(255, 255, 255, 0)
#define LEASE_IP  PKT_IP(198, 18, 0, 10)
#define OTHER_NET PKT_IP(198, 19, 7, 7)

static const uint8_t if_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe};
static const uint8_t cl_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct result {
	const char *name;
	const char *what;
	double net_ns;	  /* mean minus timer baseline (single) or batch mean */
	double raw_ns;	  /* mean of the kernel's per-call duration */
	unsigned int p50; /* median per-call duration, ns */
	unsigned long runs;
	uint32_t verdict;
};

static uint64_t now_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

/* A program that returns XDP_PASS: the timer baseline. */
static int load_null_prog(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xdpbench_null", "GPL", insns, 2, NULL);
}

/*
 * runs calls of repeat 1; ring drained every DRAIN_EVERY calls.  Fills
 * r->raw_ns, r->p50, r->verdict (of the last call).
 */
static int run_single(int prog_fd, struct ring_buffer *rb, uint64_t *mark, const uint8_t *frame,
		      size_t len, unsigned long runs, struct result *r)
{
	static unsigned long hist[HIST_NS + 1];
	unsigned long acc = 0, sum = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	memset(hist, 0, sizeof(hist));
	for (unsigned long i = 0; i < runs; i++) {
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
		sum += opts.duration;
		/* The daemon clears the marks once a second; a client renews
		 * every T1: each renewal timed sets its bit afresh. */
		if (mark)
			*mark = 0;
		hist[opts.duration < HIST_NS ? opts.duration : HIST_NS]++;
		if (rb && (i % DRAIN_EVERY) == DRAIN_EVERY - 1)
			(void)ring_buffer__consume(rb);
	}
	if (rb)
		(void)ring_buffer__consume(rb);
	r->runs = runs;
	r->raw_ns = (double)sum / (double)runs;
	r->verdict = opts.retval;
	for (unsigned int d = 0; d <= HIST_NS; d++) {
		acc += hist[d];
		if (acc * 2 >= runs) {
			r->p50 = d;
			break;
		}
	}
	return 0;
}

/* Batches of repeat BATCH, ring drained between calls.  r->net_ns is the
 * kernel's mean over all runs. */
static int run_batch(int prog_fd, struct ring_buffer *rb, const uint8_t *frame, size_t len,
		     unsigned long runs, struct result *r)
{
	double total = 0;
	unsigned long done = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len);

	while (done < runs) {
		opts.repeat = (int)(runs - done < BATCH ? runs - done : BATCH);
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
		total += (double)opts.duration * opts.repeat;
		done += (unsigned long)opts.repeat;
		if (rb)
			(void)ring_buffer__consume(rb);
	}
	r->runs = runs;
	r->net_ns = total / (double)runs;
	r->verdict = opts.retval;
	return 0;
}

#define HOT_CALLS 9 /* call pairs per hot case; the median difference is reported */

/* One hot-loop call (xdpbench.bpf.c): repeat runs through the harness,
 * which restores frame before each run and tail-calls target_fd.  Returns
 * the kernel's mean ns per run, or a negative number on failure. */
static double hot_call(struct xdpbench *hb, int target_fd, const uint8_t *frame, size_t len,
		       int repeat, uint32_t *ret_verdict)
{
	uint32_t zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = repeat);

	if (bpf_map_update_elem(bpf_map__fd(hb->maps.bw_target), &zero, &target_fd, BPF_ANY) ||
	    bpf_prog_test_run_opts(bpf_program__fd(hb->progs.bw_wrap), &opts))
		return -1;
	*ret_verdict = opts.retval;
	return (double)opts.duration;
}

static void sort_doubles(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/*
 * The hot loop, paired: HOT_CALLS times, a call through the harness to a
 * target that only returns XDP_TX, then the same to the program (repeat
 * runs each).  The pairs sit next to each other in time, so a
 * slow spell of the VM moves both; r gets the median of the differences
 * (net_ns), the median raw figure (raw_ns) and the last verdict.  *ret_harness:
 * the median harness cost.  Returns 0, or -1 on failure.
 */
static int run_hot(struct xdpbench *hb, int prog_fd, const uint8_t *frame, size_t len,
		   unsigned long runs, struct result *r, double *ret_harness)
{
	double diff[HOT_CALLS], raw[HOT_CALLS], base[HOT_CALLS];
	int repeat = (int)runs; /* the issue: repeat >= 1e6 per call */
	uint32_t v;

	if (len > sizeof(hb->bss->bw_req))
		return -1;
	memcpy(hb->bss->bw_req, frame, len);
	hb->bss->bw_req_len = (uint32_t)len;
	for (int i = 0; i < HOT_CALLS; i++) {
		base[i] = hot_call(hb, bpf_program__fd(hb->progs.bw_tx), frame, len, repeat, &v);
		raw[i] = hot_call(hb, prog_fd, frame, len, repeat, &r->verdict);
		if (base[i] < 0 || raw[i] < 0)
			return -1;
		diff[i] = raw[i] - base[i];
	}
	sort_doubles(diff, HOT_CALLS);
	sort_doubles(raw, HOT_CALLS);
	sort_doubles(base, HOT_CALLS);
	r->net_ns = diff[HOT_CALLS / 2];
	r->raw_ns = raw[HOT_CALLS / 2];
	*ret_harness = base[HOT_CALLS / 2];
	return 0;
}

static uint64_t counter(struct xdhcp *skel, enum xdhcp_stat id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xdhcp_stats v[256];
	uint32_t slot = SLOT;
	uint64_t sum = 0;

	if (ncpu <= 0 || ncpu > 256)
		return 0;
	if (bpf_map__lookup_elem(skel->maps.xdhcp_stats, &slot, sizeof(slot), v,
				 sizeof(v[0]) * (size_t)ncpu, 0))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i].cnt[id];
	return sum;
}

/* The interface as the daemon publishes it: in xdhcp_ifaces and, unless
 * --no-ifcache, in the fast path's cache. */
static bool use_ifcache = true;
static struct ifcache cache;

static int seed(struct xdhcp *skel)
{
	struct xdhcp_iface ifc = {.server_ip = SERVER_IP,
				  .net = NET_IP,
				  .mask = MASK_IP,
				  .pool = POOL,
				  .slot = SLOT,
				  .flags = XDHCP_IF_FASTPATH};
	uint8_t cid[7] = {1};
	struct xdhcp_lease l = {.expires_ns = now_boot() + 3600 * NSEC,
				.addr = LEASE_IP,
				.lease_time = LEASE_TIME,
				.tmpl = TMPL,
				.ifindex = IFINDEX};
	struct xdhcp_lease_key k;
	struct xdhcp_tmpl t;
	uint32_t key = IFINDEX, idx = TMPL;
	int len;

	memcpy(ifc.mac, if_mac, 6);
	if (bpf_map__update_elem(skel->maps.xdhcp_ifaces, &key, sizeof(key), &ifc, sizeof(ifc), 0))
		return -errno;
	if (use_ifcache) {
		int r = ifcache_open(&cache, bpf_map__fd(skel->maps.xdhcp_ifcache), true);

		if (r || ifcache_put(&cache, key, &ifc) != 1)
			return r ? r : -EEXIST;
	}
	/* The daemon's template for --router --dns --domain: 53, 54, 51, 58,
	 * 59, 1, 3, 6, then 15. */
	memset(&t, 0, sizeof(t));
	len = pkt_ack_options(t.data, sizeof(t.data), SERVER_IP, LEASE_TIME, MASK_IP, SERVER_IP,
			      DNS_IP);
	if (len < 0 || (size_t)len + 2 + 8 > sizeof(t.data))
		return -ENOSPC;
	memcpy(t.data + len,
	       "\x0f\x08"
	       "vms.test",
	       10);
	t.len = (uint16_t)(len + 10);
	t.csum = xdhcp_tmpl_csum(&t); /* as the daemon writes it */
	if (bpf_map__update_elem(skel->maps.xdhcp_tmpl, &idx, sizeof(idx), &t, sizeof(t), 0))
		return -errno;

	/* dhclient's key: the hardware address. */
	memset(&k, 0, sizeof(k));
	k.pool = POOL;
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = DHCP_HTYPE_ETHER;
	k.len = 6;
	memcpy(k.id, cl_mac, 6);
	if (bpf_map__update_elem(skel->maps.xdhcp_leases, &k, sizeof(k), &l, sizeof(l), 0))
		return -errno;
	/* udhcpc's key: option 61 = 01 + MAC. */
	memcpy(cid + 1, cl_mac, 6);
	memset(&k, 0, sizeof(k));
	k.pool = POOL;
	k.kind = XDHCP_KEY_CLIENT_ID;
	k.len = sizeof(cid);
	memcpy(k.id, cid, sizeof(cid));
	if (bpf_map__update_elem(skel->maps.xdhcp_leases, &k, sizeof(k), &l, sizeof(l), 0))
		return -errno;
	return 0;
}

/* busybox udhcpc 1.35 renewal: 61 (01 + MAC), 57, 60, 12, 55 of 7, 300
 * bytes of BOOTP. */
static const uint8_t udhcpc_opts[] = {
	57,  2,	  0x02, 0x40, 60,  12,	'u', 'd', 'h', 'c', 'p', ' ', '1', '.', '3', '5',
	'.', '0', 12,	3,    'v', 'm', '1', 55,  7,   1,   3,	 6,   12,  15,	28,  42,
};
/* ISC dhclient 4.4 renewal: 12, 55 of 13, no client id, 300 bytes. */
static const uint8_t dhclient_opts[] = {
	12, 3, 'v', 'm', '1', 55, 13, 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42,
};

static int build(uint8_t *buf, const char *kind)
{
	uint8_t cid[7] = {1};
	struct pkt_req r = {.msg_type = DHCPREQUEST, .xid = 0x5eed1234};

	memcpy(r.chaddr, cl_mac, 6);
	memcpy(cid + 1, cl_mac, 6);
	if (!strcmp(kind, "ack_udhcpc") || !strcmp(kind, "ack_dhclient")) {
		/* RENEWING: unicast from ciaddr to the server. */
		r.ciaddr = LEASE_IP;
		r.dst_ip = SERVER_IP;
		memcpy(r.dst_mac, if_mac, 6);
		if (!strcmp(kind, "ack_udhcpc")) {
			r.client_id = cid;
			r.client_id_len = sizeof(cid);
			r.extra_opts = udhcpc_opts;
			r.extra_opts_len = sizeof(udhcpc_opts);
		} else {
			r.extra_opts = dhclient_opts;
			r.extra_opts_len = sizeof(dhclient_opts);
		}
	} else if (!strcmp(kind, "nak")) {
		/* INIT-REBOOT from another network. */
		r.requested_ip = OTHER_NET;
		r.extra_opts = dhclient_opts;
		r.extra_opts_len = sizeof(dhclient_opts);
	} else if (!strcmp(kind, "punt")) {
		/* A new client: DISCOVER, dhclient-sized. */
		r.msg_type = DHCPDISCOVER;
		r.extra_opts = dhclient_opts;
		r.extra_opts_len = sizeof(dhclient_opts);
	} else {
		return -EINVAL;
	}
	return pkt_request(buf, PKT_FRAME_MAX, &r);
}

/* Not DHCP: an IPv4/UDP datagram to port 53 of the same size. */
static int build_pass(uint8_t *buf)
{
	struct dhcp_frame f = {.src_ip = LEASE_IP, .dst_ip = DNS_IP, .ttl = 64};
	uint8_t udp[8 + 300] = {0x30, 0x39, 0, 53, (308 >> 8), 308 & 0xff, 0, 0};

	memcpy(f.src_mac, cl_mac, 6);
	memcpy(f.dst_mac, if_mac, 6);
	return pkt_ipv4(buf, PKT_FRAME_MAX, &f, 17, udp, sizeof(udp));
}

static const char *verdict_name(uint32_t v)
{
	switch (v) {
	case XDP_ABORTED:
		return "ABORTED";
	case XDP_DROP:
		return "DROP";
	case XDP_PASS:
		return "PASS";
	case XDP_TX:
		return "TX";
	case XDP_REDIRECT:
		return "REDIRECT";
	}
	return "?";
}

/* "memlock:" of a map's fdinfo: the kernel's own account of its memory
 * (for a hash map without prealloc, what the elements in it use). */
static long long map_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* --fill-map N: N leases (MAC keys) in xdhcp_leases, then the map's
 * memory per lease.  Prints one line. */
static int fill_map(struct xdhcp *skel, unsigned long n)
{
	int fd = bpf_map__fd(skel->maps.xdhcp_leases);
	struct xdhcp_lease l = {.expires_ns = now_boot() + 3600 * NSEC, .lease_time = LEASE_TIME};
	long long m0 = map_memlock(fd), m1;
	struct xdhcp_lease_key k;
	double t0 = now_mono(), t1;

	if (n > bpf_map__max_entries(skel->maps.xdhcp_leases))
		return 2;
	memset(&k, 0, sizeof(k));
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = DHCP_HTYPE_ETHER;
	k.len = 6;
	k.id[0] = 0x02;
	for (unsigned long i = 0; i < n; i++) {
		k.id[2] = (uint8_t)(i >> 24);
		k.id[3] = (uint8_t)(i >> 16);
		k.id[4] = (uint8_t)(i >> 8);
		k.id[5] = (uint8_t)i;
		l.addr = htonl(0xc6120000u + (uint32_t)(i & 0x1ffff)); /* 198.18.0.0/15 */
		if (bpf_map_update_elem(fd, &k, &l, BPF_NOEXIST)) {
			fprintf(stderr, PROG ": insert %lu: %s\n", i, strerror(errno));
			return 1;
		}
	}
	t1 = now_mono();
	m1 = map_memlock(fd);
	printf("fill-map: %lu leases, memlock %lld -> %lld bytes, %.1f bytes per lease "
	       "(key %zu + value %zu), %.2f s to insert from userspace\n",
	       n, m0, m1, (double)(m1 - m0) / (double)n, sizeof(k), sizeof(l), t1 - t0);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: " PROG " [--runs N] [--json FILE] [--case NAME]\n"
		     "Time the XDP fast path (build/xdhcp.bpf.o, linked in as its skeleton)\n"
		     "with BPF_PROG_TEST_RUN: fast ACK (udhcpc and dhclient renewals), NAK,\n"
		     "punt (DISCOVER) and pass (not DHCP).  Default 1000000 runs per case.\n"
		     "--case NAME runs one of ack_udhcpc, ack_dhclient, nak, punt, pass,\n"
		     "ack_udhcpc_hot, ack_dhclient_hot, nak_hot\n"
		     "(for a profiler).  --no-ifcache: the interface only in xdhcp_ifaces\n"
		     "(the hash), not in the fast path's xdhcp_ifcache.\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"runs", required_argument, NULL, 'n'}, {"json", required_argument, NULL, 'j'},
		{"case", required_argument, NULL, 'c'}, {"fill-map", required_argument, NULL, 'f'},
		{"no-ifcache", no_argument, NULL, 'H'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long runs = 1000000;
	const char *json = NULL, *only = NULL;
	unsigned long fill = 0;
	struct result res[12], base = {0};
	struct xdpbench *hb = NULL;
	struct ring_buffer *rb = NULL;
	uint64_t *mark = NULL;
	struct xdhcp *skel = NULL;
	uint8_t frame[PKT_FRAME_MAX];
	int null_fd = -1, fd, len, c, n = 0, err = 1;
	uint64_t acks0, punts0, drops0;
	double hot_harness = 0;
	double t0;
	FILE *jf;

	while ((c = getopt_long(argc, argv, "n:j:c:f:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			runs = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			json = optarg;
			break;
		case 'c':
			only = optarg;
			break;
		case 'f':
			fill = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			use_ifcache = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (runs < 1000) {
		fprintf(stderr, PROG ": --runs must be at least 1000\n");
		return 2;
	}

	skel = xdhcp__open_and_load();
	if (!skel) {
		fprintf(stderr, PROG ": cannot load the XDP object (root, BPF?): %s\n",
			strerror(errno));
		return 77;
	}
	if (fill) {
		err = fill_map(skel, fill);
		goto out;
	}
	null_fd = load_null_prog();
	rb = ring_buffer__new(bpf_map__fd(skel->maps.xdhcp_events), on_event, NULL, NULL);
	/* The renewal marks: LEASE_IP's bit is in word 0 (renew_base 0). */
	mark = mmap(NULL, XDHCP_RENEWED_BITS / 8, PROT_READ | PROT_WRITE, MAP_SHARED,
		    bpf_map__fd(skel->maps.xdhcp_renewed), 0);
	if (mark == MAP_FAILED)
		mark = NULL;
	if (null_fd < 0 || !rb || !mark || seed(skel)) {
		fprintf(stderr, PROG ": set-up failed: %s\n", strerror(errno));
		goto out;
	}
	fd = bpf_program__fd(skel->progs.xdp_dhcp_rx);
	t0 = now_mono();

	/* Timer baseline: the same single-run loop on XDP_PASS. */
	len = build_pass(frame);
	if (len < 0 || run_single(null_fd, NULL, NULL, frame, (size_t)len, runs, &base))
		goto fail;

	/* Correctness first: one udhcpc renewal must be a valid DHCPACK. */
	{
		uint8_t out[PKT_FRAME_MAX];
		struct dhcp_frame f;
		struct dhcp_msg *m = calloc(1, sizeof(*m));
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out, .data_size_out = sizeof(out),
			    .repeat = 1);

		len = build(frame, "ack_udhcpc");
		o.data_in = frame;
		o.data_size_in = (uint32_t)len;
		if (!m || bpf_prog_test_run_opts(fd, &o) || o.retval != XDP_TX ||
		    pkt_parse(out, o.data_size_out, &f, m) || m->type != DHCPACK ||
		    m->hdr.yiaddr != LEASE_IP || m->hdr.xid != htonl(0x5eed1234)) {
			fprintf(stderr, PROG ": the fast path did not answer with a valid ACK\n");
			free(m);
			goto out;
		}
		free(m);
	}

	acks0 = counter(skel, XDHCP_STAT_FAST_ACK);
	punts0 = counter(skel, XDHCP_STAT_PUNT);
	drops0 = counter(skel, XDHCP_STAT_PUNT_DROP);

	static const struct {
		const char *name, *what;
		uint32_t want;
	} cases[] = {
		{"ack_udhcpc", "fast ACK, udhcpc RENEWING (opt 61, 342 B)", XDP_TX},
		{"ack_dhclient", "fast ACK, dhclient RENEWING (342 B)", XDP_TX},
		{"nak", "fast NAK, INIT-REBOOT wrong network", XDP_TX},
		{"punt", "punt DISCOVER to ring buffer", XDP_DROP},
		{"pass", "pass (UDP, not DHCP)", XDP_PASS},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result *r = &res[n];

		if (only && strcmp(only, cases[i].name))
			continue;
		n++;
		memset(r, 0, sizeof(*r));
		r->name = cases[i].name;
		r->what = cases[i].what;
		len = !strcmp(r->name, "pass") ? build_pass(frame) : build(frame, r->name);
		if (len < 0 || run_single(fd, rb, mark, frame, (size_t)len, runs, r))
			goto fail;
		r->net_ns = r->raw_ns - base.raw_ns;
		if (r->verdict != cases[i].want) {
			fprintf(stderr, PROG ": %s: verdict %s, want %s\n", r->name,
				verdict_name(r->verdict), verdict_name(cases[i].want));
			goto out;
		}
	}
	/* The replies again in a hot loop: calls of many runs, the request
	 * restored by the harness before each (the harness's own cost,
	 * measured in the call just before with a target that only returns
	 * XDP_TX, is subtracted). */
	hb = xdpbench__open();
	if (!hb || bpf_map__reuse_fd(hb->maps.xdhcp_renewed, bpf_map__fd(skel->maps.xdhcp_renewed)) ||
	    xdpbench__load(hb)) {
		fprintf(stderr, PROG ": cannot load the hot-loop harness: %s\n", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		static const char *const hot[][3] = {
			{"ack_udhcpc", "ack_udhcpc_hot", "fast ACK, udhcpc, hot loop (harness subtracted)"},
			{"ack_dhclient", "ack_dhclient_hot", "fast ACK, dhclient, hot loop (harness subtracted)"},
			{"nak", "nak_hot", "fast NAK, hot loop (harness subtracted)"},
		};
		struct result *r = &res[n];

		if (only && strcmp(only, hot[i][1]))
			continue;
		n++;
		memset(r, 0, sizeof(*r));
		r->name = hot[i][1];
		r->what = hot[i][2];
		r->runs = runs;
		len = build(frame, hot[i][0]);
		if (len < 0 || run_hot(hb, fd, frame, (size_t)len, runs, r, &hot_harness))
			goto fail;
		if (r->verdict != XDP_TX) {
			fprintf(stderr, PROG ": %s: verdict %s, want XDP_TX\n", r->name,
				verdict_name(r->verdict));
			goto out;
		}
	}
	/* Punt and pass leave the frame intact: batched runs as well. */
	for (int i = 0; i < 2 && !only; i++) {
		struct result *r = &res[n++];

		memset(r, 0, sizeof(*r));
		r->name = i ? "pass_batch" : "punt_batch";
		r->what = i ? "pass, repeat 8192 per call" : "punt, repeat 8192 per call";
		len = i ? build_pass(frame) : build(frame, "punt");
		if (len < 0 || run_batch(fd, rb, frame, (size_t)len, runs, r))
			goto fail;
		r->raw_ns = r->net_ns;
	}
	if (!only && counter(skel, XDHCP_STAT_FAST_ACK) - acks0 !=
			     2 * runs + 2 * runs * HOT_CALLS) {
		fprintf(stderr, PROG ": fast ACK counter rose by %llu, want %lu\n",
			(unsigned long long)(counter(skel, XDHCP_STAT_FAST_ACK) - acks0),
			2 * runs + 2 * runs * HOT_CALLS);
		goto out;
	}
	if (counter(skel, XDHCP_STAT_PUNT_DROP) != drops0)
		fprintf(stderr, PROG ": warning: ring buffer records dropped\n");
	if (!only && counter(skel, XDHCP_STAT_PUNT) - punts0 != 2 * runs)
		fprintf(stderr, PROG ": warning: punt counter rose by %llu, want %lu\n",
			(unsigned long long)(counter(skel, XDHCP_STAT_PUNT) - punts0), 2 * runs);

	printf("# xdpbench: %lu runs per case, timer baseline %.1f ns per call (XDP_PASS "
	       "program, subtracted from single runs), hot-loop harness %.1f ns per run "
	       "(subtracted from *_hot), %.1f s\n",
	       runs, base.raw_ns, hot_harness, now_mono() - t0);
	printf("%-14s %9s %9s %7s  %s\n", "case", "ns/run", "raw", "p50raw", "what");
	for (int i = 0; i < n; i++)
		printf("%-14s %9.1f %9.1f %7u  %s\n", res[i].name, res[i].net_ns, res[i].raw_ns,
		       res[i].p50, res[i].what);
	if (json) {
		jf = fopen(json, "w");
		if (!jf)
			goto fail;
		fprintf(jf, "{\"runs\": %lu, \"baseline_ns\": %.1f, \"hot_harness_ns\": %.1f, "
			"\"cases\": {",
			runs, base.raw_ns, hot_harness);
		for (int i = 0; i < n; i++)
			fprintf(jf, "%s\"%s\": {\"ns\": %.1f, \"raw_ns\": %.1f, \"p50_raw\": %u}",
				i ? ", " : "", res[i].name, res[i].net_ns, res[i].raw_ns,
				res[i].p50);
		fprintf(jf, "}}\n");
		fclose(jf);
	}
	err = 0;
	goto out;
fail:
	fprintf(stderr, PROG ": BPF_PROG_TEST_RUN failed: %s\n", strerror(errno));
out:
	ring_buffer__free(rb);
	if (mark)
		munmap(mark, XDHCP_RENEWED_BITS / 8);
	if (null_fd >= 0)
		close(null_fd);
	xdpbench__destroy(hb);
	xdhcp__destroy(skel);
	return err;
}
