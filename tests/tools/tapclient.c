/* SPDX-License-Identifier: MIT */
/*
 * tapclient: the VM side of a tap, as QEMU plays it.  Attaches to an
 * existing persistent tap of the current network namespace through
 * /dev/net/tun (IFF_TAP | IFF_NO_PI), writes DHCP client frames into it
 * (they arrive as RX on the tap and run through its XDP program in native
 * mode) and reads back the frames the kernel transmits on it (XDP_TX and
 * the daemon's AF_PACKET replies).
 *
 * It performs DISCOVER, OFFER, REQUEST (SELECTING), ACK and then N
 * renewals (RENEWING: ciaddr set, unicast to the server id and to the
 * server's MAC taken from the ACK).  Every reply must have the request's
 * xid and chaddr, the expected type and yiaddr, a valid IPv4 header
 * checksum and a full, valid UDP checksum.  Unrelated frames (IPv6 router
 * solicitations, stale duplicates) are skipped; a request is retransmitted
 * up to three times.  One line per step on stdout; exit 0 on success,
 * 1 with a one-line reason on failure, 2 on bad usage.
 *
 *   tapclient --tap NAME --mac MAC [--renewals N] [--timeout-ms MS]
 *             [--client-id HEX]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "cli.h"
#include "pkt.h"

#define PROG	    "tapclient"
#define RETRANSMITS 3
/* Read buffer: a whole frame of the tap's MTU and then some; longer
 * frames are truncated by read() and are never DHCP replies. */
#define RX_BUF_LEN  4096
#define ETH_P_IPV4  0x0800

struct options {
	const char *tap;
	uint8_t mac[6];
	bool have_mac;
	unsigned int renewals;
	unsigned int timeout_ms;
	uint8_t client_id[255];
	size_t client_id_len;
};

/* What a reply must look like. */
struct expect {
	uint8_t type;	  /* DHCPOFFER or DHCPACK */
	uint32_t xid;	  /* host order */
	uint32_t yiaddr;  /* network order; 0: any non-zero address */
	uint32_t ip_dst;  /* network order; 0: not checked */
	bool eth_unicast; /* Ethernet destination must be our MAC */
};

/* What was learnt from it. */
struct reply {
	uint8_t src_mac[6];
	uint32_t yiaddr;    /* network order */
	uint32_t server_id; /* option 54, network order */
	uint32_t lease;	    /* option 51, host order; 0 when absent */
};

static const struct option long_opts[] = {
	{"tap", required_argument, NULL, 't'},
	{"mac", required_argument, NULL, 'm'},
	{"renewals", required_argument, NULL, 'n'},
	{"timeout-ms", required_argument, NULL, 'T'},
	{"client-id", required_argument, NULL, 'c'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " --tap NAME --mac MAC [--renewals N] [--timeout-ms MS]\n"
		"                 [--client-id HEX]\n"
		"Play a VM's DHCP client on an existing tap of the current network namespace:\n"
		"DISCOVER, REQUEST, then N unicast renewals, checking every reply.\n"
		"  --tap NAME        persistent tap to attach to (ip tuntap add ... mode tap)\n"
		"  --mac MAC         client hardware address (chaddr, Ethernet source)\n"
		"  --renewals N      RENEWING requests after the ACK (default 0)\n"
		"  --timeout-ms MS   wait per attempt before retransmitting (default 1000)\n"
		"  --client-id HEX   option 61 bytes, type byte included (e.g. 01:02:00:00:00:00:01)\n"
		"  --help            this text\n"
		"Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.\n");
}

static unsigned int parse_uint(const char *name, const char *s, unsigned int max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		cli_die_usage("%s: '%s' is not a number from 0 to %u", name, s, max);
	return (unsigned int)v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int c;

	o->timeout_ms = 1000;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				cli_die_usage("--tap: bad interface name '%s'", optarg);
			o->tap = optarg;
			break;
		case 'm':
			if (cli_parse_hex(optarg, o->mac, sizeof(o->mac)) != 6 || (o->mac[0] & 1))
				cli_die_usage("--mac: '%s' is not a unicast MAC address", optarg);
			o->have_mac = true;
			break;
		case 'n':
			o->renewals = parse_uint("--renewals", optarg, 1000);
			break;
		case 'T':
			o->timeout_ms = parse_uint("--timeout-ms", optarg, 600000);
			if (!o->timeout_ms)
				cli_die_usage("--timeout-ms: must be positive");
			break;
		case 'c': {
			int n = cli_parse_hex(optarg, o->client_id, sizeof(o->client_id));

			/* RFC 2132 section 9.14: type byte plus at least one byte. */
			if (n < 2)
				cli_die_usage("--client-id: '%s' is not 2 to 255 hex bytes",
					      optarg);
			o->client_id_len = (size_t)n;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Usage: " PROG " --tap NAME --mac MAC [--renewals N] "
					"[--timeout-ms MS] [--client-id HEX]\n");
			exit(2);
		}
	}
	if (optind < argc)
		cli_die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->tap)
		cli_die_usage("--tap is required");
	if (!o->have_mac)
		cli_die_usage("--mac is required");
}

/*
 * Attach to the tap.  TUNSETIFF on a name that does not exist would create
 * a new, non-persistent tap, so the device must exist first.  The fd is
 * non-blocking, as QEMU's is: tun runs an XDP program on its native path
 * (tun_build_skb(), an xdp_buff, XDP_TX through tun_xdp_xmit()) only for
 * frames written through a non-blocking fd (tun_can_build_skb()); after a
 * blocking write the same program runs on the skb (do_xdp_generic()).
 */
static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	if (!if_nametoindex(name))
		cli_die("no tap '%s' in this network namespace: %s", name, strerror(errno));
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		cli_die("cannot open /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		cli_die("cannot attach to tap '%s': %s", name, strerror(errno));
	return fd;
}

static uint64_t now_ms(void);

/*
 * Wait (at most 3 s) for the tap's operstate to turn "up".  Attaching the
 * fd turns the carrier on, but the kernel activates the tap's transmit
 * queue later, from linkwatch; until then frames sent on the tap (the
 * daemon's AF_PACKET replies) are silently discarded.  A booting guest
 * never notices; a client that sends its DISCOVER within microseconds
 * of the attach would see a retransmission.
 */
static void tap_wait_up(const char *name)
{
	char path[64 + IF_NAMESIZE], state[16] = "";
	uint64_t deadline = now_ms() + 3000;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", name);
	while (now_ms() < deadline) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (!fgets(state, sizeof(state), f))
				state[0] = '\0';
			fclose(f);
		}
		if (!strncmp(state, "up", 2))
			return;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	/* Not fatal: the retransmissions cover a slow linkwatch. */
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t new_xid(void)
{
	uint32_t xid;

	if (getrandom(&xid, sizeof(xid), 0) != sizeof(xid))
		xid = (uint32_t)now_ms() ^ (uint32_t)getpid() << 16;
	return xid;
}

static const char *ip_str(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static void tap_send(int fd, const uint8_t *frame, size_t len)
{
	ssize_t n = write(fd, frame, len);

	if (n < 0)
		cli_die("write to tap: %s", strerror(errno));
	if ((size_t)n != len)
		cli_die("write to tap: %zd of %zu bytes", n, len);
}

/* A 4-byte option in host order, 0 when absent or of another length. */
static uint32_t opt_u32(const struct dhcp_msg *m, uint8_t code)
{
	const uint8_t *p;
	size_t len;

	p = dhcp_msg_opt(m, code, &len);
	if (!p || len != 4)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 (untagged) carrying UDP: a frame that may be meant for the client. */
static bool is_ipv4_udp(const uint8_t *f, size_t len)
{
	return len >= PKT_ETH_HLEN + PKT_IP_HLEN && f[12] == ETH_P_IPV4 >> 8 &&
	       f[13] == (ETH_P_IPV4 & 0xff) && f[PKT_ETH_HLEN + 9] == 17;
}

/*
 * Check one frame read from the tap against e.  Returns 1 when it is the
 * reply (filled into ret), 0 when it is unrelated and must be skipped.
 * A frame that is ours but wrong ends the program.
 */
static int check_frame(const struct options *o, const struct expect *e, const uint8_t *f,
		       size_t len, struct reply *ret)
{
	static struct dhcp_msg m; /* large: not on the stack */
	const char *want = dhcp_msg_type_name(e->type);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct dhcp_frame fr;
	uint32_t yiaddr;
	int r;

	r = dhcp_frame_parse(f, len, &fr);
	if (r == -EPROTONOSUPPORT)
		return 0; /* IPv6 (router solicitations, MLD), ARP, not UDP */
	if (r < 0) {
		/* Nothing else sends IPv4 on the tap: a broken one is a bad reply. */
		if (is_ipv4_udp(f, len))
			cli_die("malformed IPv4/UDP frame of %zu bytes while waiting for %s: %s",
				len, want, strerror(-r));
		return 0;
	}
	if (fr.src_port != DHCP_SERVER_PORT || fr.dst_port != DHCP_CLIENT_PORT)
		return 0;
	r = dhcp_msg_parse(&m, fr.payload, fr.payload_len);
	if (r < 0)
		cli_die("undecodable DHCP reply (%zu bytes) while waiting for %s: %s", len, want,
			strerror(-r));
	if (m.hdr.op != BOOTREPLY || ntohl(m.hdr.xid) != e->xid)
		return 0; /* not an answer to this request */
	/* REQUEST (SELECTING) reuses the DISCOVER's xid: a late duplicate
	 * OFFER may still arrive while the ACK is awaited. */
	if (e->type == DHCPACK && m.type == DHCPOFFER)
		return 0;
	if (m.type != e->type)
		cli_die("expected DHCP%s for xid 0x%08x, got DHCP%s", want, e->xid,
			dhcp_msg_type_name(m.type));
	if (m.hdr.hlen != 6 || memcmp(m.hdr.chaddr, o->mac, 6))
		cli_die("DHCP%s xid 0x%08x: chaddr is not ours", want, e->xid);
	yiaddr = m.hdr.yiaddr;
	if (!yiaddr || (e->yiaddr && yiaddr != e->yiaddr))
		cli_die("DHCP%s xid 0x%08x: yiaddr %s, expected %s", want, e->xid,
			ip_str(yiaddr, a), e->yiaddr ? ip_str(e->yiaddr, b) : "an address");
	if (!pkt_ipv4_csum_ok(f, len))
		cli_die("DHCP%s xid 0x%08x: bad IPv4 header checksum", want, e->xid);
	if (!pkt_udp_csum_ok(f, len))
		cli_die("DHCP%s xid 0x%08x: UDP checksum missing or wrong", want, e->xid);
	if (!dhcp_msg_opt_ip(&m, DHCP_OPT_SERVER_ID, &ret->server_id))
		cli_die("DHCP%s xid 0x%08x: no server identifier (option 54)", want, e->xid);
	/* RFC 2131 section 4.1: a reply to a client with ciaddr set goes to
	 * ciaddr, at layer 2 to the client (the request's source). */
	if (e->ip_dst && fr.dst_ip != e->ip_dst)
		cli_die("DHCP%s xid 0x%08x: sent to %s, expected %s", want, e->xid,
			ip_str(fr.dst_ip, a), ip_str(e->ip_dst, b));
	if (e->eth_unicast && memcmp(fr.dst_mac, o->mac, 6))
		cli_die("DHCP%s xid 0x%08x: Ethernet destination is not our MAC", want, e->xid);

	memcpy(ret->src_mac, fr.src_mac, 6);
	ret->yiaddr = yiaddr;
	ret->lease = opt_u32(&m, DHCP_OPT_LEASE_TIME);
	return 1;
}

/* Send r and wait for its reply, retransmitting on timeout. */
static void transact(int fd, const struct options *o, const struct pkt_req *r,
		     const struct expect *e, const char *what, struct reply *ret)
{
	static uint8_t rx[RX_BUF_LEN];
	uint8_t tx[PKT_FRAME_MAX];
	int len = pkt_request(tx, sizeof(tx), r);
	unsigned int skipped = 0;

	if (len < 0)
		cli_die("cannot build %s: %s", what, strerror(-len));
	for (int attempt = 0; attempt <= RETRANSMITS; attempt++) {
		uint64_t deadline = now_ms() + o->timeout_ms;
		uint64_t t;

		if (attempt)
			printf("retransmit %d %s xid 0x%08x\n", attempt, what, e->xid);
		tap_send(fd, tx, (size_t)len);
		while ((t = now_ms()) < deadline) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			ssize_t n;
			int pr;

			pr = poll(&pfd, 1, (int)(deadline - t));
			if (pr < 0 && errno != EINTR)
				cli_die("poll on tap: %s", strerror(errno));
			if (pr <= 0)
				continue;
			/* Drain everything queued; skip what is not ours. */
			while ((n = read(fd, rx, sizeof(rx))) > 0) {
				if (check_frame(o, e, rx, (size_t)n, ret))
					return;
				skipped++;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				cli_die("read from tap: %s", strerror(errno));
		}
	}
	cli_die("no DHCP%s for %s (xid 0x%08x) after %d attempts of %u ms (%u other frames skipped)",
		dhcp_msg_type_name(e->type), what, e->xid, RETRANSMITS + 1, o->timeout_ms, skipped);
}

int main(int argc, char **argv)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct options o = {0};
	struct reply offer, ack, rn;
	struct pkt_req r;
	struct expect e;
	uint32_t leased, server;
	int fd;

	cli_init(PROG);
	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = tap_open(o.tap);
	tap_wait_up(o.tap);

	/* DISCOVER (broadcast) -> OFFER. */
	memset(&r, 0, sizeof(r));
	r.msg_type = DHCPDISCOVER;
	r.xid = new_xid();
	memcpy(r.chaddr, o.mac, 6);
	r.client_id = o.client_id_len ? o.client_id : NULL;
	r.client_id_len = o.client_id_len;
	e = (struct expect){.type = DHCPOFFER, .xid = r.xid};
	transact(fd, &o, &r, &e, "DISCOVER", &offer);
	printf("offer %s from %s\n", ip_str(offer.yiaddr, a), ip_str(offer.server_id, b));

	/* REQUEST in SELECTING state (RFC 2131 table 5): same xid, options 50
	 * and 54, ciaddr 0, broadcast. */
	r.msg_type = DHCPREQUEST;
	r.requested_ip = offer.yiaddr;
	r.server_id = offer.server_id;
	e = (struct expect){.type = DHCPACK, .xid = r.xid, .yiaddr = offer.yiaddr};
	transact(fd, &o, &r, &e, "REQUEST (SELECTING)", &ack);
	if (ack.server_id != offer.server_id)
		cli_die("DHCPACK from server %s, the offer came from %s", ip_str(ack.server_id, a),
			ip_str(offer.server_id, b));
	if (!ack.lease)
		cli_die("DHCPACK without a lease time (option 51)");
	leased = ack.yiaddr;
	server = ack.server_id;
	printf("ack %s lease %u\n", ip_str(leased, a), ack.lease);

	/* RENEWING (table 5): ciaddr set, no 50 or 54, unicast to the server
	 * at layer 3 and, with the MAC the ACK came from, at layer 2. */
	for (unsigned int i = 1; i <= o.renewals; i++) {
		memset(&r, 0, sizeof(r));
		r.msg_type = DHCPREQUEST;
		r.xid = new_xid();
		memcpy(r.chaddr, o.mac, 6);
		r.client_id = o.client_id_len ? o.client_id : NULL;
		r.client_id_len = o.client_id_len;
		r.ciaddr = leased;
		r.dst_ip = server;
		memcpy(r.dst_mac, ack.src_mac, 6);
		e = (struct expect){.type = DHCPACK,
				    .xid = r.xid,
				    .yiaddr = leased,
				    .ip_dst = leased,
				    .eth_unicast = true};
		transact(fd, &o, &r, &e, "REQUEST (RENEWING)", &rn);
		if (rn.server_id != server)
			cli_die("renewal %u: DHCPACK from server %s, expected %s", i,
				ip_str(rn.server_id, a), ip_str(server, b));
		printf("renew %u ack %s\n", i, ip_str(rn.yiaddr, a));
	}
	close(fd);
	return 0;
}
