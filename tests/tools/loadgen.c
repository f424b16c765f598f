/* SPDX-License-Identifier: MIT */
/*
 * loadgen: many DHCP clients on one interface, for crash and load tests.
 * Every client runs its own RFC 2131 state machine over one AF_PACKET
 * socket (frames built with tests/lib/pkt.h, replies decoded with the DHCP
 * library): DISCOVER, OFFER, REQUEST (SELECTING), ACK, then a few unicast
 * renewals (RENEWING, ciaddr set, to the server's MAC and id), then a new
 * cycle: a RELEASE and a fresh DORA, an INIT-REBOOT, or a DORA while still
 * holding the lease.  Requests are retransmitted on a timeout; sends are
 * paced by a token bucket (--rate); the run is bounded by --duration.
 *
 * Every event a test needs is appended to --log as one line, written with
 * one write(2) as it happens (a reader sees whole lines, nothing buffered):
 *
 *   ACK   TIME MAC IP KIND    an ACK for the client's current transaction
 *                             (KIND: grant, renew or reboot)
 *   NAK   TIME MAC IP KIND    a NAK (IP: the address the client held)
 *   REL   TIME MAC IP         a RELEASE, logged before it is sent
 *   MOVE  TIME MAC OLD NEW    an ACK for another address than the one the
 *                             client held (and had not released)
 *   PROBE N MS IP             SIGUSR1 made a new client (its own MAC) send a
 *                             DISCOVER; MS is the time from the signal to
 *                             the first OFFER
 *
 * TIME is CLOCK_REALTIME in seconds with microseconds (bash's
 * $EPOCHREALTIME).  SIGTERM or SIGINT ends the run early.  At the end one
 * summary line of key=value counters goes to stdout.  Exit status: 0, 1 on
 * a fatal error, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "cli.h"
#include "pkt.h"

#define PROG		"loadgen"
#define MAX_CLIENTS	4096
#define RX_BUF_LEN	4096
#define NS_PER_MS	1000000ULL
#define PROBE_RETX_MS	200
#define PROBE_GIVEUP_MS 10000
#define DORA_TRIES	3 /* per transaction, then start over */
#define RENEW_TRIES	5

enum cstate {
	C_INIT,	      /* next: DISCOVER */
	C_SELECTING,  /* DISCOVER sent */
	C_REQUESTING, /* REQUEST (SELECTING) sent */
	C_BOUND,      /* next: renewal or a new cycle */
	C_RENEWING,   /* REQUEST (RENEWING) sent */
	C_REBOOTING,  /* REQUEST (INIT-REBOOT) sent */
};

struct client {
	uint8_t mac[6];
	enum cstate st;
	uint32_t xid;
	uint32_t held;	    /* address held (ACKed, not released), network order */
	uint32_t offered;   /* from the OFFER */
	uint32_t server_id; /* option 54 of the OFFER / ACK */
	uint8_t srv_mac[6]; /* Ethernet source of the ACK */
	uint64_t next_ns;   /* next send or timeout (CLOCK_MONOTONIC) */
	unsigned int tries;
	unsigned int renewals_left;
};

struct options {
	const char *ifname;
	unsigned int ifindex;
	unsigned int clients;
	unsigned int duration_s;
	unsigned int rate;
	unsigned int timeout_ms;
	unsigned int renew_min_ms, renew_max_ms;
	unsigned int release_pct, reboot_pct;
	uint8_t prefix[4];
	const char *log;
};

static struct options opt;
static struct client *cl;
static int sock_fd, log_fd;
static double tokens;
static uint64_t tokens_ns;

static struct {
	unsigned long discover, offer, request, ack_grant, ack_renew, ack_reboot, nak, release,
		timeouts, renew_timeouts, moves, probes, probes_answered, sent_fail;
} stats;

static struct {
	bool active;
	unsigned int n;
	uint8_t mac[6];
	uint32_t xid;
	uint64_t start_ns, next_ns;
} probe;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd(void)
{
	static uint64_t s;

	if (!s && getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = mono_ns() | 1;
	/* xorshift64* */
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (uint32_t)((s * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint64_t rnd_ms(unsigned int lo, unsigned int hi)
{
	return (uint64_t)(lo + (hi > lo ? rnd() % (hi - lo + 1) : 0)) * NS_PER_MS;
}

/* ------------------------------------------------------------------ */
/* The log */

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return;
	line[n++] = '\n';
	if (write(log_fd, line, (size_t)n) != n)
		cli_die("cannot write to '%s': %s", opt.log, strerror(errno));
}

static const char *now_real(char *buf, size_t cap)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, cap, "%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	return buf;
}

static const char *mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static const char *ip_str(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

/* One event of a client: ACK, NAK, REL (with KIND or without). */
static void log_event(const char *what, const struct client *c, uint32_t addr, const char *kind)
{
	char t[32], m[18], a[INET_ADDRSTRLEN];

	log_line("%s %s %s %s%s%s", what, now_real(t, sizeof(t)), mac_str(c->mac, m),
		 ip_str(addr, a), kind ? " " : "", kind ? kind : "");
}

/* ------------------------------------------------------------------ */
/* Sending */

/* Every send takes a token; the bucket holds a tenth of a second. */
static bool take_token(uint64_t now)
{
	double burst = opt.rate / 10.0 > 1 ? opt.rate / 10.0 : 1;

	tokens += (double)(now - tokens_ns) * opt.rate / 1e9;
	tokens_ns = now;
	if (tokens > burst)
		tokens = burst;
	if (tokens < 1)
		return false;
	tokens -= 1;
	return true;
}

static uint64_t next_token_ns(uint64_t now)
{
	return tokens >= 1 ? now : now + (uint64_t)((1 - tokens) * 1e9 / opt.rate) + 1;
}

static void send_req(const uint8_t mac[6], uint8_t type, uint32_t xid, uint32_t ciaddr,
		     uint32_t requested, uint32_t server_id, const uint8_t *dst_mac)
{
	uint8_t frame[PKT_FRAME_MAX], host[16];
	struct pkt_req r;
	int len, hl;

	memset(&r, 0, sizeof(r));
	r.msg_type = type;
	r.xid = xid;
	memcpy(r.chaddr, mac, 6);
	r.ciaddr = ciaddr;
	r.requested_ip = requested;
	r.server_id = server_id;
	/* Option 12, so the lease file carries host names too. */
	hl = snprintf((char *)host + 2, sizeof(host) - 2, "lg%02x%02x", mac[4], mac[5]);
	host[0] = DHCP_OPT_HOSTNAME;
	host[1] = (uint8_t)hl;
	r.extra_opts = host;
	r.extra_opts_len = (size_t)hl + 2;
	if (dst_mac) {
		/* Unicast to the server (RENEWING, RELEASE). */
		memcpy(r.dst_mac, dst_mac, 6);
		r.dst_ip = server_id;
	}
	len = pkt_request(frame, sizeof(frame), &r);
	if (len < 0)
		cli_die("cannot build a request: %s", strerror(-len));
	if (send(sock_fd, frame, (size_t)len, 0) != len)
		stats.sent_fail++;
}

static void client_send(struct client *c, uint64_t now)
{
	switch (c->st) {
	case C_SELECTING:
		stats.discover++;
		send_req(c->mac, DHCPDISCOVER, c->xid, 0, 0, 0, NULL);
		break;
	case C_REQUESTING:
		stats.request++;
		send_req(c->mac, DHCPREQUEST, c->xid, 0, c->offered, c->server_id, NULL);
		break;
	case C_RENEWING:
		stats.request++;
		send_req(c->mac, DHCPREQUEST, c->xid, c->held, 0, 0, c->srv_mac);
		break;
	case C_REBOOTING:
		stats.request++;
		send_req(c->mac, DHCPREQUEST, c->xid, 0, c->held, 0, NULL);
		break;
	default:
		return;
	}
	c->next_ns = now + (uint64_t)opt.timeout_ms * NS_PER_MS;
}

static void start(struct client *c, enum cstate st, uint64_t now)
{
	c->st = st;
	c->xid = rnd();
	c->tries = 1;
	client_send(c, now);
}

/* A due client: its next step, or a retransmission after a timeout. */
static void client_due(struct client *c, uint64_t now)
{
	unsigned int r;

	switch (c->st) {
	case C_INIT:
		start(c, C_SELECTING, now);
		return;
	case C_SELECTING:
	case C_REQUESTING:
		stats.timeouts++;
		if (c->tries++ < DORA_TRIES) {
			client_send(c, now);
			return;
		}
		c->st = C_INIT; /* start over, after a pause */
		c->next_ns = now + rnd_ms(100, 300);
		return;
	case C_RENEWING:
	case C_REBOOTING:
		stats.timeouts++;
		stats.renew_timeouts++;
		if (c->tries++ < RENEW_TRIES) {
			client_send(c, now);
			return;
		}
		c->st = C_INIT; /* the lease is kept (held): DORA for it */
		c->next_ns = now;
		return;
	case C_BOUND:
		break;
	}
	if (c->renewals_left) {
		c->renewals_left--;
		start(c, C_RENEWING, now);
		return;
	}
	/* A new cycle. */
	r = rnd() % 100;
	if (r < opt.release_pct) {
		stats.release++;
		log_event("REL", c, c->held, NULL);
		send_req(c->mac, DHCPRELEASE, rnd(), c->held, 0, c->server_id, c->srv_mac);
		c->held = 0;
		c->st = C_INIT;
		c->next_ns = now + rnd_ms(50, 200);
	} else if (r < opt.release_pct + opt.reboot_pct) {
		start(c, C_REBOOTING, now);
	} else {
		start(c, C_SELECTING, now); /* DORA while holding the lease */
	}
}

/* ------------------------------------------------------------------ */
/* Receiving */

static struct client *client_of(const uint8_t *chaddr)
{
	unsigned int i;

	if (memcmp(chaddr, opt.prefix, 4))
		return NULL;
	i = (unsigned int)chaddr[4] << 8 | chaddr[5];
	return i < opt.clients ? &cl[i] : NULL;
}

static void on_ack(struct client *c, const struct dhcp_frame *fr, uint32_t yiaddr, uint32_t sid,
		   uint64_t now)
{
	static const char *const kinds[] = {
		[C_REQUESTING] = "grant", [C_RENEWING] = "renew", [C_REBOOTING] = "reboot"};
	const char *kind = kinds[c->st];

	if (c->held && c->held != yiaddr) {
		char t[32], m[18], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		stats.moves++;
		log_line("MOVE %s %s %s %s", now_real(t, sizeof(t)), mac_str(c->mac, m),
			 ip_str(c->held, a), ip_str(yiaddr, b));
	}
	c->held = yiaddr;
	if (sid)
		c->server_id = sid;
	memcpy(c->srv_mac, fr->src_mac, 6);
	log_event("ACK", c, yiaddr, kind);
	if (c->st == C_REQUESTING) {
		stats.ack_grant++;
		c->renewals_left = 2 + rnd() % 5;
	} else if (c->st == C_RENEWING) {
		stats.ack_renew++;
	} else {
		stats.ack_reboot++;
	}
	c->st = C_BOUND;
	c->next_ns = now + rnd_ms(opt.renew_min_ms, opt.renew_max_ms);
}

static void on_reply(const uint8_t *f, size_t len, uint64_t now)
{
	static struct dhcp_msg m; /* large: not on the stack */
	struct dhcp_frame fr;
	struct client *c;
	uint32_t sid = 0;

	if (dhcp_frame_parse(f, len, &fr) || fr.src_port != DHCP_SERVER_PORT ||
	    fr.dst_port != DHCP_CLIENT_PORT)
		return;
	if (dhcp_msg_parse(&m, fr.payload, fr.payload_len) || m.hdr.op != BOOTREPLY)
		return;
	(void)dhcp_msg_opt_ip(&m, DHCP_OPT_SERVER_ID, &sid);

	if (probe.active && !memcmp(m.hdr.chaddr, probe.mac, 6)) {
		char a[INET_ADDRSTRLEN];

		if (m.type != DHCPOFFER || ntohl(m.hdr.xid) != probe.xid)
			return;
		probe.active = false;
		stats.probes_answered++;
		log_line("PROBE %u %.1f %s", probe.n, (double)(now - probe.start_ns) / 1e6,
			 ip_str(m.hdr.yiaddr, a));
		return;
	}
	c = client_of(m.hdr.chaddr);
	if (!c || ntohl(m.hdr.xid) != c->xid)
		return; /* stale duplicates, other clients */
	switch (m.type) {
	case DHCPOFFER:
		if (c->st != C_SELECTING)
			return;
		stats.offer++;
		c->offered = m.hdr.yiaddr;
		c->server_id = sid;
		start(c, C_REQUESTING, now);
		return;
	case DHCPACK:
		if (c->st == C_REQUESTING || c->st == C_RENEWING || c->st == C_REBOOTING)
			on_ack(c, &fr, m.hdr.yiaddr, sid, now);
		return;
	case DHCPNAK:
		if (c->st != C_REQUESTING && c->st != C_RENEWING && c->st != C_REBOOTING)
			return;
		stats.nak++;
		log_event("NAK", c, c->held,
			  c->st == C_REQUESTING ? "grant"
			  : c->st == C_RENEWING ? "renew"
						: "reboot");
		c->held = 0;
		c->st = C_INIT;
		c->next_ns = now + rnd_ms(50, 200);
		return;
	}
}

static void drain(uint64_t now)
{
	static uint8_t rx[RX_BUF_LEN];

	for (int i = 0; i < 1024; i++) {
		struct sockaddr_ll from = {.sll_family = 0};
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(sock_fd, rx, sizeof(rx), MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			cli_die("recv on '%s': %s", opt.ifname, strerror(errno));
		}
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > sizeof(rx))
			continue;
		on_reply(rx, (size_t)n, now);
	}
}

/* ------------------------------------------------------------------ */
/* Set-up */

static unsigned int parse_uint(const char *name, const char *s, unsigned int min, unsigned int max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		cli_die_usage("%s: '%s' is not a number from %u to %u", name, s, min, max);
	return (unsigned int)v;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " --if IF --log FILE [options]\n"
		"Many DHCP clients on IF (AF_PACKET): DORA, renewals, release / INIT-REBOOT /\n"
		"new DORA, for --duration seconds; events to --log, a summary on stdout.\n"
		"  --if IF              interface (required)\n"
		"  --log FILE           event log, one line per event (required)\n"
		"  --clients N          number of clients (default 200, at most %d)\n"
		"  --mac-prefix HEX     first 4 bytes of the clients' MACs (default 02:1c:00:00);\n"
		"                       the last two are the client's index; probes use the\n"
		"                       prefix with bit 0 of byte 1 flipped\n"
		"  --duration S         stop after S seconds (default 60, at most 3600)\n"
		"  --rate N             at most N requests per second (default 400)\n"
		"  --timeout-ms MS      retransmission timeout (default 400)\n"
		"  --renew-ms MIN,MAX   time from an ACK to the next renewal (default 300,1200)\n"
		"  --release-pct P      new cycles starting with a RELEASE (default 10)\n"
		"  --reboot-pct P       new cycles that are an INIT-REBOOT (default 30; the\n"
		"                       rest are a DORA while holding the lease)\n"
		"SIGUSR1: a probe client sends a DISCOVER now (PROBE line on its OFFER).\n"
		"SIGTERM, SIGINT: stop early.\n",
		MAX_CLIENTS);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"if", required_argument, NULL, 'i'},
		{"log", required_argument, NULL, 'l'},
		{"clients", required_argument, NULL, 'c'},
		{"mac-prefix", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		{"rate", required_argument, NULL, 'r'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"renew-ms", required_argument, NULL, 'n'},
		{"release-pct", required_argument, NULL, 'R'},
		{"reboot-pct", required_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	opt.clients = 200;
	opt.duration_s = 60;
	opt.rate = 400;
	opt.timeout_ms = 400;
	opt.renew_min_ms = 300;
	opt.renew_max_ms = 1200;
	opt.release_pct = 10;
	opt.reboot_pct = 30;
	memcpy(opt.prefix, (uint8_t[]){0x02, 0x1c, 0, 0}, 4);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			opt.ifname = optarg;
			break;
		case 'l':
			opt.log = optarg;
			break;
		case 'c':
			opt.clients = parse_uint("--clients", optarg, 1, MAX_CLIENTS);
			break;
		case 'p':
			if (cli_parse_hex(optarg, opt.prefix, sizeof(opt.prefix)) != 4 ||
			    (opt.prefix[0] & 1))
				cli_die_usage("--mac-prefix: '%s' is not 4 bytes of a unicast MAC",
					      optarg);
			break;
		case 'd':
			opt.duration_s = parse_uint("--duration", optarg, 1, 3600);
			break;
		case 'r':
			opt.rate = parse_uint("--rate", optarg, 1, 100000);
			break;
		case 't':
			opt.timeout_ms = parse_uint("--timeout-ms", optarg, 10, 60000);
			break;
		case 'n': {
			char min[16];
			const char *comma = strchr(optarg, ',');

			if (!comma || (size_t)(comma - optarg) >= sizeof(min))
				cli_die_usage("--renew-ms: '%s' is not MIN,MAX milliseconds",
					      optarg);
			snprintf(min, sizeof(min), "%.*s", (int)(comma - optarg), optarg);
			opt.renew_min_ms = parse_uint("--renew-ms", min, 1, 3600000);
			opt.renew_max_ms =
				parse_uint("--renew-ms", comma + 1, opt.renew_min_ms, 3600000);
			break;
		}
		case 'R':
			opt.release_pct = parse_uint("--release-pct", optarg, 0, 100);
			break;
		case 'B':
			opt.reboot_pct = parse_uint("--reboot-pct", optarg, 0, 100);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr,
				"Usage: " PROG " --if IF --log FILE [options] (see --help)\n");
			exit(2);
		}
	}
	if (optind < argc)
		cli_die_usage("unexpected argument '%s'", argv[optind]);
	if (!opt.ifname || !opt.log)
		cli_die_usage("--if and --log are required");
	if (opt.release_pct + opt.reboot_pct > 100)
		cli_die_usage("--release-pct and --reboot-pct add up to more than 100");
	opt.ifindex = if_nametoindex(opt.ifname);
	if (!opt.ifindex)
		cli_die("no interface '%s' in this network namespace: %s", opt.ifname,
			strerror(errno));
}

static int open_socket(void)
{
	struct sockaddr_ll sll;
	int fd, sz = 4 << 20;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		cli_die("cannot open an AF_PACKET socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)opt.ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		cli_die("cannot bind to '%s': %s", opt.ifname, strerror(errno));
	return fd;
}

static void probe_start(uint64_t now)
{
	probe.n++;
	stats.probes++;
	probe.active = true;
	memcpy(probe.mac, opt.prefix, 4);
	probe.mac[1] ^= 0x01;
	probe.mac[4] = (uint8_t)(probe.n >> 8);
	probe.mac[5] = (uint8_t)probe.n;
	probe.xid = rnd();
	probe.start_ns = now;
	probe.next_ns = now; /* sent at once, outside the token bucket */
}

/* Signals: 1 to go on, 0 to stop. */
static int read_signals(int sfd, uint64_t now)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			probe_start(now);
		else
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t now, end;
	unsigned int rr = 0;
	sigset_t mask;
	int sfd;

	cli_init(PROG);
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	cl = calloc(opt.clients, sizeof(*cl));
	if (!cl)
		cli_die("out of memory");
	log_fd = open(opt.log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0)
		cli_die("cannot open '%s': %s", opt.log, strerror(errno));
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		cli_die("sigprocmask: %s", strerror(errno));
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		cli_die("signalfd: %s", strerror(errno));
	sock_fd = open_socket();

	now = mono_ns();
	end = now + (uint64_t)opt.duration_s * 1000000000ULL;
	tokens_ns = now;
	/* Clients start spread over the first second. */
	for (unsigned int i = 0; i < opt.clients; i++) {
		memcpy(cl[i].mac, opt.prefix, 4);
		cl[i].mac[4] = (uint8_t)(i >> 8);
		cl[i].mac[5] = (uint8_t)i;
		cl[i].next_ns = now + rnd_ms(0, 1000);
	}

	for (;;) {
		struct pollfd pfd[2] = {{.fd = sock_fd, .events = POLLIN},
					{.fd = sfd, .events = POLLIN}};
		uint64_t wake;
		int timeout_ms;

		now = mono_ns();
		if (now >= end)
			break;
		if (probe.active && now >= probe.next_ns) {
			if (now - probe.start_ns > PROBE_GIVEUP_MS * NS_PER_MS) {
				probe.active = false;
				log_line("PROBE %u none", probe.n);
			} else {
				send_req(probe.mac, DHCPDISCOVER, probe.xid, 0, 0, 0, NULL);
				probe.next_ns = now + PROBE_RETX_MS * NS_PER_MS;
			}
		}
		/* Due clients, round robin from where the last pass stopped. */
		wake = end;
		for (unsigned int k = 0; k < opt.clients; k++) {
			struct client *c = &cl[(rr + k) % opt.clients];

			if (c->next_ns <= now) {
				if (!take_token(now)) {
					rr = (rr + k) % opt.clients;
					wake = next_token_ns(now);
					break;
				}
				client_due(c, now);
			}
			if (c->next_ns < wake)
				wake = c->next_ns;
		}
		if (probe.active && probe.next_ns < wake)
			wake = probe.next_ns;
		now = mono_ns();
		timeout_ms = wake <= now ? 0 : (int)((wake - now + NS_PER_MS - 1) / NS_PER_MS);
		if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
			cli_die("poll: %s", strerror(errno));
		now = mono_ns();
		if (pfd[0].revents & POLLIN)
			drain(now);
		if ((pfd[1].revents & POLLIN) && !read_signals(sfd, now))
			break;
	}

	/* Addresses held by two clients at the end (by the client's own view). */
	unsigned long dup = 0, held = 0;

	for (unsigned int i = 0; i < opt.clients; i++) {
		if (!cl[i].held)
			continue;
		held++;
		for (unsigned int j = i + 1; j < opt.clients; j++)
			dup += cl[j].held == cl[i].held;
	}
	printf("clients=%u held=%lu duplicate_held=%lu discover=%lu offer=%lu request=%lu "
	       "ack_grant=%lu ack_renew=%lu ack_reboot=%lu nak=%lu release=%lu timeouts=%lu "
	       "renew_timeouts=%lu moves=%lu probes=%lu probes_answered=%lu send_fail=%lu\n",
	       opt.clients, held, dup, stats.discover, stats.offer, stats.request, stats.ack_grant,
	       stats.ack_renew, stats.ack_reboot, stats.nak, stats.release, stats.timeouts,
	       stats.renew_timeouts, stats.moves, stats.probes, stats.probes_answered,
	       stats.sent_fail);
	close(sock_fd);
	close(log_fd);
	free(cl);
	return 0;
}
