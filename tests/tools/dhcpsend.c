/* SPDX-License-Identifier: MIT */
/*
 * dhcpsend: send one crafted DHCP client frame and print the replies, for
 * shell tests that check a server packet by packet.  The request is built
 * with tests/lib/pkt.h (message) and the DHCP library (frame), sent through
 * an AF_PACKET socket on --if, so the interface needs no IPv4 address and
 * every header field is under the caller's control.  The same socket then
 * listens (ETH_P_IP, the interface's own transmissions skipped) until
 * --timeout-ms for BOOTREPLYs with the request's xid; it keeps listening to
 * catch duplicates unless --first is given.
 *
 * Each reply is one line of space-separated key=value fields that a test
 * can grep (see --help); values never contain spaces (strings are escaped
 * as \xNN).  Exit status: 0 when a reply arrived (with --expect-none: when
 * none did), 1 otherwise or when a reply could not be decoded, 2 on bad
 * usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "cli.h"
#include "pkt.h"

#define PROG	   "dhcpsend"
/* Read buffer: larger than any frame on a 1500-byte MTU; longer frames are
 * reported as truncated (MSG_TRUNC) and skipped. */
#define RX_BUF_LEN 4096
/* Raw options appended to the request: 55, 57, 12 and 82, each at most
 * 2 + 255 bytes. */
#define EXTRA_MAX  (4 * 257)

struct options {
	unsigned int ifindex;
	const char *ifname;
	uint8_t msg_type;
	uint8_t mac[6];
	bool have_mac;
	uint8_t eth_src[6];
	bool have_eth_src;
	uint8_t eth_dst[6];
	bool have_eth_dst;
	uint32_t xid; /* host order */
	bool have_xid;
	uint32_t ciaddr; /* network order, like every address below */
	uint32_t giaddr;
	uint32_t requested;
	uint32_t server_id;
	uint32_t ip_src;
	bool have_ip_src;
	uint32_t ip_dst;
	bool have_ip_dst;
	bool broadcast;
	uint8_t client_id[255];
	size_t client_id_len;
	uint8_t prl[255];
	size_t prl_len;
	uint16_t max_size;
	bool have_max_size;
	uint8_t relay_info[255];
	size_t relay_info_len;
	const char *hostname;
	bool show[256]; /* --show-opt: print these options in hex */
	unsigned int timeout_ms;
	unsigned int linger_ms;
	bool have_linger;
	bool first;
	bool expect_none;
};

/* One table for getopt_long and --help. */
struct opt_desc {
	const char *name;
	int has_arg;
	int val;
	const char *arg;
	const char *help;
};

enum {
	OPT_IF = 'i',
	OPT_TYPE = 't',
	OPT_MAC = 'm',
	OPT_HELP = 'h',
	OPT_XID = 256,
	OPT_CIADDR,
	OPT_GIADDR,
	OPT_REQUESTED,
	OPT_SERVER_ID,
	OPT_CLIENT_ID,
	OPT_BROADCAST,
	OPT_PRL,
	OPT_MAX_SIZE,
	OPT_RELAY_INFO,
	OPT_HOSTNAME,
	OPT_IP_SRC,
	OPT_IP_DST,
	OPT_ETH_SRC,
	OPT_ETH_DST,
	OPT_TIMEOUT,
	OPT_LINGER,
	OPT_FIRST,
	OPT_EXPECT_NONE,
	OPT_SHOW_OPT,
};

static const struct opt_desc opt_table[] = {
	{"if", required_argument, OPT_IF, "IF", "interface to send on and listen on (required)"},
	{"type", required_argument, OPT_TYPE, "TYPE",
	 "discover|request|release|decline|inform, or a number (option 53)"},
	{"mac", required_argument, OPT_MAC, "MAC", "client hardware address, chaddr (required)"},
	{"xid", required_argument, OPT_XID, "HEX", "transaction id (default: random)"},
	{"ciaddr", required_argument, OPT_CIADDR, "IP", "client address field"},
	{"giaddr", required_argument, OPT_GIADDR, "IP",
	 "relay agent address field (the frame then leaves from port 67)"},
	{"requested", required_argument, OPT_REQUESTED, "IP", "requested address (option 50)"},
	{"server-id", required_argument, OPT_SERVER_ID, "IP", "server identifier (option 54)"},
	{"client-id", required_argument, OPT_CLIENT_ID, "HEX",
	 "client identifier bytes, type byte included (option 61)"},
	{"broadcast", no_argument, OPT_BROADCAST, NULL, "set the BROADCAST flag"},
	{"prl", required_argument, OPT_PRL, "N,N...", "parameter request list (option 55)"},
	{"max-size", required_argument, OPT_MAX_SIZE, "N", "maximum message size (option 57)"},
	{"relay-info", required_argument, OPT_RELAY_INFO, "HEX",
	 "relay agent information data (option 82, sent last)"},
	{"hostname", required_argument, OPT_HOSTNAME, "NAME", "host name (option 12)"},
	{"ip-src", required_argument, OPT_IP_SRC, "IP",
	 "IPv4 source (default: ciaddr, else giaddr, else 0.0.0.0)"},
	{"ip-dst", required_argument, OPT_IP_DST, "IP",
	 "IPv4 destination (default 255.255.255.255)"},
	{"eth-src", required_argument, OPT_ETH_SRC, "MAC", "Ethernet source (default: --mac)"},
	{"eth-dst", required_argument, OPT_ETH_DST, "MAC",
	 "Ethernet destination (default ff:ff:ff:ff:ff:ff)"},
	{"timeout-ms", required_argument, OPT_TIMEOUT, "MS", "how long to listen (default 1000)"},
	{"linger-ms", required_argument, OPT_LINGER, "MS",
	 "after the first reply, listen this much longer at most (for duplicates)"},
	{"first", no_argument, OPT_FIRST, NULL, "stop at the first reply"},
	{"expect-none", no_argument, OPT_EXPECT_NONE, NULL,
	 "succeed only if no reply arrives within the timeout"},
	{"show-opt", required_argument, OPT_SHOW_OPT, "N,N...",
	 "also print these options of a reply, in hex"},
	{"help", no_argument, OPT_HELP, NULL, "this text"},
};

#define N_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: " PROG " --if IF --type TYPE --mac MAC [options]\n"
		     "Send one crafted DHCP client frame on IF (AF_PACKET) and print each reply\n"
		     "with the same xid as one line of key=value fields.\n\n");
	for (size_t i = 0; i < N_OPTS; i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", opt_table[i].name,
			 opt_table[i].arg ? " " : "", opt_table[i].arg ? opt_table[i].arg : "");
		fprintf(out, "  %-24s %s\n", left, opt_table[i].help);
	}
	fprintf(out,
		"\nReply line: reply type= xid=0x%%08x chaddr= len= eth_src= eth_dst= ip_src=\n"
		"ip_dst= udp_src= udp_dst= ip_len= udp_len= dhcp_len= ip_csum=ok|bad\n"
		"udp_csum=ok|bad hops= secs= flags=0x%%04x ciaddr= yiaddr= siaddr= giaddr= sname= file=\n"
		"opts=CODE,... (wire order) and optN= for options 1 3 6 12 15 28 50 51 52 54 56\n"
		"57 58 59 61 67 82 119 121 (addresses dotted, times decimal, names escaped as\n"
		"\\xNN, the rest hex) and for the --show-opt codes (hex).  A sent line comes first.\n"
		"Exit status: 0 a reply arrived (--expect-none: none did), 1 otherwise or an\n"
		"undecodable reply, 2 bad usage.\n");
}

static unsigned long parse_num(const char *name, const char *s, int base, unsigned long min,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		cli_die_usage("%s: '%s' is not a number from %lu to %lu", name, s, min, max);
	return v;
}

static uint32_t parse_ip(const char *name, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		cli_die_usage("%s: '%s' is not an IPv4 address", name, s);
	return a.s_addr;
}

static void parse_mac(const char *name, const char *s, uint8_t mac[6])
{
	if (cli_parse_mac(s, mac))
		cli_die_usage("%s: '%s' is not a MAC address", name, s);
}

/* A comma-separated list of option codes 1..254.  Returns the count. */
static size_t parse_codes(const char *name, const char *s, uint8_t *out, size_t cap)
{
	char buf[1024], *tok, *save = NULL;
	size_t n = 0;

	if (strlen(s) >= sizeof(buf))
		cli_die_usage("%s: list too long", name);
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == cap)
			cli_die_usage("%s: more than %zu codes", name, cap);
		out[n++] = (uint8_t)parse_num(name, tok, 10, 1, 254);
	}
	if (!n)
		cli_die_usage("%s: empty list", name);
	return n;
}

static uint8_t parse_type(const char *s)
{
	static const struct {
		const char *name;
		uint8_t type;
	} types[] = {
		{"discover", DHCPDISCOVER}, {"request", DHCPREQUEST}, {"decline", DHCPDECLINE},
		{"release", DHCPRELEASE},   {"inform", DHCPINFORM},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(s, types[i].name))
			return types[i].type;
	if (s[0] >= '0' && s[0] <= '9')
		return (uint8_t)parse_num("--type", s, 10, 1, 255);
	cli_die_usage("--type: unknown message type '%s'", s);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	struct option long_opts[N_OPTS + 1];
	uint8_t codes[255];
	size_t n;
	int c, len;

	memset(long_opts, 0, sizeof(long_opts));
	for (size_t i = 0; i < N_OPTS; i++)
		long_opts[i] = (struct option){opt_table[i].name, opt_table[i].has_arg, NULL,
					       opt_table[i].val};
	o->timeout_ms = 1000;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_IF:
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				cli_die_usage("--if: bad interface name '%s'", optarg);
			o->ifname = optarg;
			break;
		case OPT_TYPE:
			o->msg_type = parse_type(optarg);
			break;
		case OPT_MAC:
			parse_mac("--mac", optarg, o->mac);
			o->have_mac = true;
			break;
		case OPT_XID:
			o->xid = (uint32_t)parse_num("--xid", optarg, 16, 0, 0xffffffffUL);
			o->have_xid = true;
			break;
		case OPT_CIADDR:
			o->ciaddr = parse_ip("--ciaddr", optarg);
			break;
		case OPT_GIADDR:
			o->giaddr = parse_ip("--giaddr", optarg);
			break;
		case OPT_REQUESTED:
			o->requested = parse_ip("--requested", optarg);
			break;
		case OPT_SERVER_ID:
			o->server_id = parse_ip("--server-id", optarg);
			break;
		case OPT_CLIENT_ID:
			len = cli_parse_hex(optarg, o->client_id, sizeof(o->client_id));
			/* RFC 2132 section 9.14: type byte plus at least one byte. */
			if (len < 2)
				cli_die_usage("--client-id: '%s' is not 2 to 255 hex bytes",
					      optarg);
			o->client_id_len = (size_t)len;
			break;
		case OPT_BROADCAST:
			o->broadcast = true;
			break;
		case OPT_PRL:
			o->prl_len = parse_codes("--prl", optarg, o->prl, sizeof(o->prl));
			break;
		case OPT_MAX_SIZE:
			o->max_size = (uint16_t)parse_num("--max-size", optarg, 10, 0, 65535);
			o->have_max_size = true;
			break;
		case OPT_RELAY_INFO:
			len = cli_parse_hex(optarg, o->relay_info, sizeof(o->relay_info));
			if (len < 1)
				cli_die_usage("--relay-info: '%s' is not 1 to 255 hex bytes",
					      optarg);
			o->relay_info_len = (size_t)len;
			break;
		case OPT_HOSTNAME:
			if (!*optarg || strlen(optarg) > 255)
				cli_die_usage("--hostname: must be 1 to 255 bytes");
			o->hostname = optarg;
			break;
		case OPT_IP_SRC:
			o->ip_src = parse_ip("--ip-src", optarg);
			o->have_ip_src = true;
			break;
		case OPT_IP_DST:
			o->ip_dst = parse_ip("--ip-dst", optarg);
			o->have_ip_dst = true;
			break;
		case OPT_ETH_SRC:
			parse_mac("--eth-src", optarg, o->eth_src);
			o->have_eth_src = true;
			break;
		case OPT_ETH_DST:
			parse_mac("--eth-dst", optarg, o->eth_dst);
			o->have_eth_dst = true;
			break;
		case OPT_TIMEOUT:
			o->timeout_ms =
				(unsigned int)parse_num("--timeout-ms", optarg, 10, 1, 600000);
			break;
		case OPT_LINGER:
			o->linger_ms =
				(unsigned int)parse_num("--linger-ms", optarg, 10, 0, 600000);
			o->have_linger = true;
			break;
		case OPT_FIRST:
			o->first = true;
			break;
		case OPT_EXPECT_NONE:
			o->expect_none = true;
			break;
		case OPT_SHOW_OPT:
			n = parse_codes("--show-opt", optarg, codes, sizeof(codes));
			for (size_t i = 0; i < n; i++)
				o->show[codes[i]] = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Usage: " PROG " --if IF --type TYPE --mac MAC [options]"
					" (see --help)\n");
			exit(2);
		}
	}
	if (optind < argc)
		cli_die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->ifname)
		cli_die_usage("--if is required");
	if (!o->msg_type)
		cli_die_usage("--type is required");
	if (!o->have_mac)
		cli_die_usage("--mac is required");
	o->ifindex = if_nametoindex(o->ifname);
	if (!o->ifindex)
		cli_die("no interface '%s' in this network namespace: %s", o->ifname,
			strerror(errno));
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

/* ------------------------------------------------------------------ */
/* The request */

static void put_raw_opt(uint8_t *buf, size_t *len, uint8_t code, const void *data, size_t n)
{
	/* Bounded by the parsers: each option is at most 255 bytes, and
	 * EXTRA_MAX holds all four. */
	buf[(*len)++] = code;
	buf[(*len)++] = (uint8_t)n;
	memcpy(buf + *len, data, n);
	*len += n;
}

/* The whole frame.  Returns its length. */
static size_t build_request(const struct options *o, uint8_t *frame, size_t cap)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t msg[PKT_FRAME_MAX], extra[EXTRA_MAX];
	size_t extra_len = 0;
	struct dhcp_frame f;
	struct pkt_req r;
	int len;

	if (o->prl_len)
		put_raw_opt(extra, &extra_len, DHCP_OPT_PARAM_REQUEST, o->prl, o->prl_len);
	if (o->have_max_size) {
		uint8_t v[2] = {o->max_size >> 8, o->max_size & 0xff};

		put_raw_opt(extra, &extra_len, DHCP_OPT_MAX_MSG_SIZE, v, sizeof(v));
	}
	if (o->hostname)
		put_raw_opt(extra, &extra_len, DHCP_OPT_HOSTNAME, o->hostname, strlen(o->hostname));
	/* RFC 3046 section 2.1: the relay agent adds option 82 last. */
	if (o->relay_info_len)
		put_raw_opt(extra, &extra_len, DHCP_OPT_RELAY_AGENT, o->relay_info,
			    o->relay_info_len);

	memset(&r, 0, sizeof(r));
	r.msg_type = o->msg_type;
	r.xid = o->xid;
	memcpy(r.chaddr, o->mac, 6);
	r.broadcast = o->broadcast;
	r.ciaddr = o->ciaddr;
	r.giaddr = o->giaddr;
	r.requested_ip = o->requested;
	r.server_id = o->server_id;
	r.client_id = o->client_id_len ? o->client_id : NULL;
	r.client_id_len = o->client_id_len;
	r.extra_opts = extra_len ? extra : NULL;
	r.extra_opts_len = extra_len;
	len = pkt_dhcp_msg(msg, sizeof(msg), &r);
	if (len < 0)
		cli_die("cannot build the DHCP message: %s", strerror(-len));

	/* The frame is built here rather than by pkt_request() so that an
	 * explicit --ip-src 0.0.0.0 is honoured with ciaddr set. */
	memset(&f, 0, sizeof(f));
	memcpy(f.dst_mac, o->have_eth_dst ? o->eth_dst : bcast, 6);
	memcpy(f.src_mac, o->have_eth_src ? o->eth_src : o->mac, 6);
	f.src_ip = o->have_ip_src ? o->ip_src : o->ciaddr ? o->ciaddr : o->giaddr;
	f.dst_ip = o->have_ip_dst ? o->ip_dst : PKT_IP(255, 255, 255, 255);
	/* RFC 1542 section 4.1.1: relay agents send to the server from the
	 * BOOTP server port. */
	f.src_port = o->giaddr ? DHCP_SERVER_PORT : DHCP_CLIENT_PORT;
	f.dst_port = DHCP_SERVER_PORT;
	len = dhcp_frame_build(frame, cap, &f, msg, (size_t)len);
	if (len < 0)
		cli_die("cannot build the frame: %s", strerror(-len));
	return (size_t)len;
}

/* ------------------------------------------------------------------ */
/* Printing a reply */

enum opt_fmt {
	FMT_HEX = 0,
	FMT_IP,	 /* one or more addresses */
	FMT_U32, /* decimal */
	FMT_U16,
	FMT_U8,
	FMT_STR, /* escaped */
};

/* The options printed with a value, in this order. */
static const struct {
	uint8_t code;
	uint8_t fmt;
} shown_opts[] = {
	{DHCP_OPT_SUBNET_MASK, FMT_IP},	     {DHCP_OPT_ROUTER, FMT_IP},
	{DHCP_OPT_DNS_SERVER, FMT_IP},	     {DHCP_OPT_HOSTNAME, FMT_STR},
	{DHCP_OPT_DOMAIN_NAME, FMT_STR},     {DHCP_OPT_BROADCAST, FMT_IP},
	{DHCP_OPT_REQUESTED_IP, FMT_IP},     {DHCP_OPT_LEASE_TIME, FMT_U32},
	{DHCP_OPT_OVERLOAD, FMT_U8},	     {DHCP_OPT_SERVER_ID, FMT_IP},
	{DHCP_OPT_MESSAGE, FMT_STR},	     {DHCP_OPT_MAX_MSG_SIZE, FMT_U16},
	{DHCP_OPT_RENEWAL_TIME, FMT_U32},    {DHCP_OPT_REBINDING_TIME, FMT_U32},
	{DHCP_OPT_CLIENT_ID, FMT_HEX},	     {DHCP_OPT_BOOTFILE, FMT_STR},
	{DHCP_OPT_RELAY_AGENT, FMT_HEX},     {DHCP_OPT_DOMAIN_SEARCH, FMT_HEX},
	{DHCP_OPT_CLASSLESS_ROUTE, FMT_HEX},
};

#define N_SHOWN (sizeof(shown_opts) / sizeof(shown_opts[0]))

static const char *ip_str(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static void print_mac(const char *key, const uint8_t *mac)
{
	printf(" %s=%02x:%02x:%02x:%02x:%02x:%02x", key, mac[0], mac[1], mac[2], mac[3], mac[4],
	       mac[5]);
}

static void print_ip(const char *key, uint32_t ip)
{
	char a[INET_ADDRSTRLEN];

	printf(" %s=%s", key, ip_str(ip, a));
}

static void print_hex(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* Client strings are escaped: no spaces, no '=' or '\' in a value. */
static void print_escaped(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '=')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
}

static void print_field_str(const char *key, const uint8_t *p, size_t cap)
{
	printf(" %s=", key);
	print_escaped(p, strnlen((const char *)p, cap));
}

static void print_opt_value(uint8_t code, enum opt_fmt fmt, const uint8_t *p, size_t len)
{
	char a[INET_ADDRSTRLEN];
	uint32_t ip;

	printf(" opt%u=", code);
	switch (fmt) {
	case FMT_IP:
		if (!len || len % 4)
			break;
		for (size_t i = 0; i < len; i += 4) {
			memcpy(&ip, p + i, 4);
			printf("%s%s", i ? "," : "", ip_str(ip, a));
		}
		return;
	case FMT_U32:
		if (len != 4)
			break;
		printf("%u",
		       (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
		return;
	case FMT_U16:
		if (len != 2)
			break;
		printf("%u", (unsigned int)(p[0] << 8 | p[1]));
		return;
	case FMT_U8:
		if (len != 1)
			break;
		printf("%u", p[0]);
		return;
	case FMT_STR:
		print_escaped(p, len);
		return;
	case FMT_HEX:
		print_hex(p, len);
		return;
	}
	/* Not the expected length: the raw bytes, marked. */
	printf("hex:");
	print_hex(p, len);
}

/* Option codes of one field in wire order (PAD skipped, up to END).
 * The message decoded, so the lengths are known to fit. */
static void print_codes(const uint8_t *p, size_t len, bool *first)
{
	size_t i = 0;

	while (i < len && p[i] != DHCP_OPT_END) {
		if (p[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2 + p[i + 1] > len)
			return;
		printf("%s%u", *first ? "" : ",", p[i]);
		*first = false;
		i += 2 + (size_t)p[i + 1];
	}
}

static void print_reply(const struct options *o, const uint8_t *f, size_t len,
			const struct dhcp_frame *fr, const struct dhcp_msg *m, bool ip_csum_ok,
			bool udp_csum_ok)
{
	size_t l3 = pkt_l3_off(f), l4 = pkt_l4_off(f);
	const uint8_t *p;
	bool first = true;
	size_t n;

	printf("reply type=%s xid=0x%08x", dhcp_msg_type_name(m->type), ntohl(m->hdr.xid));
	print_mac("chaddr", m->hdr.chaddr);
	printf(" len=%zu", len);
	print_mac("eth_src", fr->src_mac);
	print_mac("eth_dst", fr->dst_mac);
	print_ip("ip_src", fr->src_ip);
	print_ip("ip_dst", fr->dst_ip);
	printf(" udp_src=%u udp_dst=%u", fr->src_port, fr->dst_port);
	printf(" ip_len=%u udp_len=%u dhcp_len=%zu", (unsigned int)(f[l3 + 2] << 8 | f[l3 + 3]),
	       (unsigned int)(f[l4 + 4] << 8 | f[l4 + 5]), fr->payload_len);
	printf(" ip_csum=%s udp_csum=%s", ip_csum_ok ? "ok" : "bad", udp_csum_ok ? "ok" : "bad");
	printf(" hops=%u secs=%u flags=0x%04x", m->hdr.hops, ntohs(m->hdr.secs),
	       ntohs(m->hdr.flags));
	print_ip("ciaddr", m->hdr.ciaddr);
	print_ip("yiaddr", m->hdr.yiaddr);
	print_ip("siaddr", m->hdr.siaddr);
	print_ip("giaddr", m->hdr.giaddr);
	print_field_str("sname", m->hdr.sname, sizeof(m->hdr.sname));
	print_field_str("file", m->hdr.file, sizeof(m->hdr.file));

	/* RFC 2132 section 9.3: options, then file, then sname when option
	 * 52 says they hold options. */
	printf(" opts=");
	print_codes(fr->payload + DHCP_OPTIONS_OFFSET, fr->payload_len - DHCP_OPTIONS_OFFSET,
		    &first);
	p = dhcp_msg_opt(m, DHCP_OPT_OVERLOAD, &n);
	if (p && n == 1 && (p[0] & 1))
		print_codes(m->hdr.file, sizeof(m->hdr.file), &first);
	if (p && n == 1 && (p[0] & 2))
		print_codes(m->hdr.sname, sizeof(m->hdr.sname), &first);

	for (size_t i = 0; i < N_SHOWN; i++) {
		p = dhcp_msg_opt(m, shown_opts[i].code, &n);
		if (p)
			print_opt_value(shown_opts[i].code, shown_opts[i].fmt, p, n);
	}
	for (unsigned int code = 1; code < 255; code++) {
		bool listed = false;

		for (size_t i = 0; i < N_SHOWN; i++)
			listed |= shown_opts[i].code == code;
		if (!o->show[code] || listed)
			continue;
		p = dhcp_msg_opt(m, (uint8_t)code, &n);
		if (p)
			print_opt_value((uint8_t)code, FMT_HEX, p, n);
	}
	putchar('\n');
}

/* ------------------------------------------------------------------ */
/* Receiving */

/* IPv4 carrying UDP, header long enough for its IHL. */
static bool is_ipv4_udp(const uint8_t *f, size_t len)
{
	size_t ihl;

	if (len < PKT_ETH_HLEN + PKT_IP_HLEN || f[12] != 0x08 || f[13] != 0x00 ||
	    f[PKT_ETH_HLEN + 9] != IPPROTO_UDP)
		return false;
	ihl = (size_t)(f[PKT_ETH_HLEN] & 0x0f) * 4;
	return ihl >= PKT_IP_HLEN && PKT_ETH_HLEN + ihl <= len;
}

/*
 * Look at one received frame.  Returns 1 for a reply to our request
 * (printed), -1 for one that cannot be decoded (reported), 0 for anything
 * else.
 */
static int handle_frame(const struct options *o, uint8_t *f, size_t len)
{
	static struct dhcp_msg m; /* large: not on the stack */
	static uint8_t copy[RX_BUF_LEN];
	bool ip_csum_ok = true, udp_csum_ok;
	struct dhcp_frame fr;
	uint32_t xid;
	int r;

	r = dhcp_frame_parse(f, len, &fr);
	if (r == -EBADMSG && is_ipv4_udp(f, len) && !pkt_ipv4_csum_ok(f, len)) {
		/* The parser rejects a bad IPv4 header checksum; a reply with
		 * one is still reported, with ip_csum=bad. */
		memcpy(copy, f, len);
		pkt_fix_ipv4_csum(copy);
		r = dhcp_frame_parse(copy, len, &fr);
		if (!r) {
			/* Report the frame as received, payload and all. */
			fr.payload = f + (fr.payload - copy);
			ip_csum_ok = false;
		}
	}
	if (r < 0 || fr.src_port != DHCP_SERVER_PORT ||
	    (fr.dst_port != DHCP_CLIENT_PORT && fr.dst_port != DHCP_SERVER_PORT))
		return 0;
	if (fr.payload_len < 8)
		return 0;
	memcpy(&xid, fr.payload + 4, 4);
	if (fr.payload[0] != BOOTREPLY || ntohl(xid) != o->xid)
		return 0;
	r = dhcp_msg_parse(&m, fr.payload, fr.payload_len);
	if (r < 0) {
		printf("malformed xid=0x%08x len=%zu dhcp_len=%zu error=%d\n", o->xid, len,
		       fr.payload_len, -r);
		return -1;
	}
	/* The pseudo header does not cover the IPv4 checksum: the UDP sum of
	 * the repaired copy is the received frame's. */
	udp_csum_ok = pkt_udp_csum_ok(ip_csum_ok ? f : copy, len);
	print_reply(o, f, len, &fr, &m, ip_csum_ok, udp_csum_ok);
	return 1;
}

static int open_socket(const struct options *o)
{
	struct sockaddr_ll sll;
	int fd;

	/* Protocol 0 until bound: nothing is queued from other interfaces. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		cli_die("cannot open an AF_PACKET socket: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)o->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		cli_die("cannot bind to '%s': %s", o->ifname, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t tx[PKT_FRAME_MAX], rx[RX_BUF_LEN];
	struct options o = {0};
	unsigned int replies = 0, malformed = 0;
	uint64_t deadline, t;
	size_t len;
	ssize_t n;
	int fd;

	cli_init(PROG);
	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!o.have_xid)
		o.xid = new_xid();
	len = build_request(&o, tx, sizeof(tx));
	/* Listen before sending: a reply from XDP can be back within
	 * microseconds. */
	fd = open_socket(&o);
	n = send(fd, tx, len, 0);
	if (n < 0)
		cli_die("send on '%s': %s", o.ifname, strerror(errno));
	if ((size_t)n != len)
		cli_die("send on '%s': %zd of %zu bytes", o.ifname, n, len);
	printf("sent type=%s xid=0x%08x len=%zu\n", dhcp_msg_type_name(o.msg_type), o.xid, len);

	deadline = now_ms() + o.timeout_ms;
	while ((t = now_ms()) < deadline && !(o.first && replies + malformed)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct sockaddr_ll from = {0};
		socklen_t fromlen = sizeof(from);
		int pr, r;

		pr = poll(&pfd, 1, (int)(deadline - t));
		if (pr < 0 && errno != EINTR)
			cli_die("poll: %s", strerror(errno));
		if (pr <= 0)
			continue;
		n = recvfrom(fd, rx, sizeof(rx), MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from,
			     &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			cli_die("recv on '%s': %s", o.ifname, strerror(errno));
		}
		/* Our own transmissions, and frames too long for rx. */
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > sizeof(rx))
			continue;
		r = handle_frame(&o, rx, (size_t)n);
		if (r > 0)
			replies++;
		else if (r < 0)
			malformed++;
		/* A first reply with --linger-ms: duplicates come soon or never. */
		if (r && replies + malformed == 1 && o.have_linger &&
		    now_ms() + o.linger_ms < deadline)
			deadline = now_ms() + o.linger_ms;
	}
	close(fd);

	if (o.expect_none) {
		if (replies + malformed) {
			fprintf(stderr, PROG ": expected no reply to %s xid 0x%08x, got %u\n",
				dhcp_msg_type_name(o.msg_type), o.xid, replies + malformed);
			return 1;
		}
		return 0;
	}
	if (malformed) {
		fprintf(stderr, PROG ": %u undecodable reply(s) to %s xid 0x%08x\n", malformed,
			dhcp_msg_type_name(o.msg_type), o.xid);
		return 1;
	}
	if (!replies) {
		fprintf(stderr, PROG ": no reply to %s xid 0x%08x within %u ms\n",
			dhcp_msg_type_name(o.msg_type), o.xid, o.timeout_ms);
		return 1;
	}
	return 0;
}
