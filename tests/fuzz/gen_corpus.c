/* SPDX-License-Identifier: MIT */
/*
 * Seed corpus generator (`make fuzz-corpus`): writes named, valid inputs
 * for every fuzz target into DIR/<target>/, built with the DHCP library and
 * the test packet helpers (tests/lib/pkt.h), never as hand-typed hex.
 *
 *   fuzz_dhcp_msg, fuzz_bpf_parse: one frame each: every message type,
 *     each client state (selecting, init-reboot, renewing, rebinding),
 *     relayed, option overload (file, sname, both), long client ids
 *     (64 bytes, the fast path's limit, and 300 bytes, split by RFC 3396),
 *     VLAN, BOOTP, IPv4 options, options without END, server replies;
 *   fuzz_server: conversations in the record format of fuzz.h against the
 *     configuration there (DORA, renew, rebind, release, decline, inform,
 *     init-reboot right and wrong, reservations, relays, another server's
 *     id, exhaustion, expiry and stickiness, a lost lease);
 *   fuzz_encoders: the RFC 3397 and RFC 3442 examples, names, a builder run;
 *   fuzz_config: the README's examples, every key, sections, arguments;
 *   fuzz_lease_store: lease files with every operation and key kind.
 *
 * Every bug the fuzzers found is kept as a crash-* seed: a minimal,
 * named reproduction written here (gen_crashes()), so `make test` replays
 * it for good.  Output is deterministic, so regenerating changes nothing
 * unless this file does.  The minimised fuzzing corpus (min/ in the same
 * directories) is kept as libFuzzer wrote it, not generated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "lease_store.h"
#include "pkt.h"
#include "server.h"
#include "fuzz.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *out_dir;
static unsigned int n_written;

/* ------------------------------------------------------------------ */
/* Output */

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	f = fopen(path, "we");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		perror(path);
		exit(1);
	}
	n_written++;
}

static void put_str(const char *target, const char *name, const char *s)
{
	put(target, name, s, strlen(s));
}

static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "gen_corpus: %s: %s\n", what, strerror(-r));
		exit(1);
	}
}

/* ------------------------------------------------------------------ */
/* Addresses of the fuzz_server world (fuzz.h) */

#define SID	   PKT_IP(198, 18, 0, 1)
#define OTHER_SID  PKT_IP(198, 18, 0, 3)
#define ADDR_10	   PKT_IP(198, 18, 0, 10)
#define ADDR_11	   PKT_IP(198, 18, 0, 11)
#define ADDR_12	   PKT_IP(198, 18, 0, 12)
#define ADDR_50	   PKT_IP(198, 18, 0, 50)
#define ADDR_100   PKT_IP(198, 18, 0, 100)
#define ADDR_101   PKT_IP(198, 18, 0, 101)
#define ADDR_102   PKT_IP(198, 18, 0, 102)
#define LAB_SID	   PKT_IP(198, 19, 0, 1)
#define LAB_10	   PKT_IP(198, 19, 0, 10)
#define RELAY	   PKT_IP(198, 19, 5, 1)
#define RELAYED_10 PKT_IP(198, 19, 5, 10)
#define RELAYED_11 PKT_IP(198, 19, 5, 11)
#define ALL_ONES   PKT_IP(255, 255, 255, 255)

static const uint8_t mac_new[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_resv[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t server_mac[6] = {0x02, 0x00, 0x00, 0x00, 0xfe, 0x00};
static const uint8_t relay_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

static const uint8_t cid_resv[7] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
static uint8_t cid_64[XDHCP_CLIENT_ID_MAX]; /* 00 + 63 bytes: FUZZ_LONG_ID_HEX */
static uint8_t cid_300[300];

/* Option tables are laid out one option a line. */
/* clang-format off */
/* What a typical client (udhcpc, dhclient) adds: parameter request list,
 * maximum message size, vendor class, host name. */
static const uint8_t client_opts[] = {
	DHCP_OPT_PARAM_REQUEST, 10, 1, 3, 6, 12, 15, 28, 42, 119, 121, 252,
	DHCP_OPT_MAX_MSG_SIZE, 2, 0x05, 0xdc,
	DHCP_OPT_VENDOR_CLASS, 12, 'u', 'd', 'h', 'c', 'p', ' ', '1', '.', '3', '5', '.', '0',
	DHCP_OPT_HOSTNAME, 4, 'v', 'm', '-', 'a',
};
/* Relay agent information as a relay appends it: circuit id "eth0". */
static const uint8_t opt82[] = {DHCP_OPT_RELAY_AGENT, 6, 1, 4, 'e', 't', 'h', '0'};
/* A small limit and a long request list: options must be left out. */
static const uint8_t small_limit_opts[] = {
	DHCP_OPT_MAX_MSG_SIZE, 2, 0x02, 0x40,
	DHCP_OPT_PARAM_REQUEST, 12, 121, 119, 252, 42, 15, 12, 6, 3, 1, 28, 67, 66,
};
/* clang-format on */

static void init_ids(void)
{
	static const char hex[] = FUZZ_LONG_ID_HEX;

	cid_64[0] = 0;
	for (size_t i = 0; i + 1 < sizeof(cid_64); i++) {
		unsigned int b;

		sscanf(hex + 2 * i, "%2x", &b);
		cid_64[i + 1] = (uint8_t)b;
	}
	for (size_t i = 0; i < sizeof(cid_300); i++)
		cid_300[i] = (uint8_t)(i == 0 ? 0 : 'a' + i % 26);
}

/* ------------------------------------------------------------------ */
/* Single frames: fuzz_dhcp_msg and fuzz_bpf_parse */

static void put_frame(const char *name, const uint8_t *frame, size_t len)
{
	put("fuzz_dhcp_msg", name, frame, len);
	put("fuzz_bpf_parse", name, frame, len);
}

static void put_req(const char *name, const struct pkt_req *r)
{
	uint8_t frame[PKT_FRAME_MAX];
	int len = pkt_request(frame, sizeof(frame), r);

	check(len, name);
	put_frame(name, frame, (size_t)len);
}

/* A message with option 52: options continue in file and/or sname. */
static int overload_msg(uint8_t *buf, size_t cap, uint8_t which, uint8_t type)
{
	/* clang-format off */
	static const uint8_t in_file[] = {
		DHCP_OPT_HOSTNAME, 4, 'f', 'i', 'l', 'e',
		DHCP_OPT_PARAM_REQUEST, 3, 1, 3, 6,
		DHCP_OPT_END,
	};
	static const uint8_t in_sname[] = {
		DHCP_OPT_VENDOR_CLASS, 5, 's', 'n', 'a', 'm', 'e',
		DHCP_OPT_END,
	};
	/* clang-format on */
	struct dhcp_builder b;
	struct dhcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = DHCP_HTYPE_ETHER;
	h.hlen = DHCP_HLEN_ETHER;
	h.xid = htonl(0x0ee10ad);
	memcpy(h.chaddr, mac_new, 6);
	if (which & 1)
		memcpy(h.file, in_file, sizeof(in_file));
	if (which & 2)
		memcpy(h.sname, in_sname, sizeof(in_sname));
	dhcp_build_init(&b, buf, cap, &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, type);
	dhcp_build_opt_u8(&b, DHCP_OPT_OVERLOAD, which);
	return dhcp_build_finish(&b, DHCP_MIN_MSG_LEN);
}

/* Wrap a DHCP message as a client's broadcast. */
static int client_frame(uint8_t *frame, size_t cap, const uint8_t *msg, size_t len)
{
	struct dhcp_frame f;

	memset(&f, 0, sizeof(f));
	memset(f.dst_mac, 0xff, 6);
	memcpy(f.src_mac, mac_new, 6);
	f.dst_ip = ALL_ONES;
	f.src_port = DHCP_CLIENT_PORT;
	f.dst_port = DHCP_SERVER_PORT;
	return dhcp_frame_build(frame, cap, &f, msg, len);
}

/* A reply as a server sends it: BOOTREPLY, yiaddr, the usual options. */
static void put_reply(const char *name, uint8_t type, uint32_t yiaddr)
{
	uint8_t msg[1024], frame[PKT_FRAME_MAX];
	struct dhcp_builder b;
	struct dhcp_frame f;
	struct dhcp_hdr h;
	int len;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREPLY;
	h.htype = DHCP_HTYPE_ETHER;
	h.hlen = DHCP_HLEN_ETHER;
	h.xid = htonl(0x5eed);
	h.yiaddr = yiaddr;
	memcpy(h.chaddr, mac_new, 6);
	dhcp_build_init(&b, msg, sizeof(msg), &h);
	dhcp_build_opt_u8(&b, DHCP_OPT_MESSAGE_TYPE, type);
	dhcp_build_opt_ip(&b, DHCP_OPT_SERVER_ID, SID);
	if (type != DHCPNAK) {
		dhcp_build_opt_u32(&b, DHCP_OPT_LEASE_TIME, 600);
		dhcp_build_opt_u32(&b, DHCP_OPT_RENEWAL_TIME, 300);
		dhcp_build_opt_u32(&b, DHCP_OPT_REBINDING_TIME, 525);
		dhcp_build_opt_ip(&b, DHCP_OPT_SUBNET_MASK, PKT_IP(255, 255, 255, 0));
		dhcp_build_opt_ip(&b, DHCP_OPT_ROUTER, SID);
	} else {
		dhcp_build_opt(&b, DHCP_OPT_MESSAGE, "wrong address", 13);
	}
	len = dhcp_build_finish(&b, DHCP_MIN_MSG_LEN);
	check(len, name);
	memset(&f, 0, sizeof(f));
	memset(f.dst_mac, 0xff, 6);
	memcpy(f.src_mac, server_mac, 6);
	f.src_ip = SID;
	f.dst_ip = ALL_ONES;
	f.src_port = DHCP_SERVER_PORT;
	f.dst_port = DHCP_CLIENT_PORT;
	len = dhcp_frame_build(frame, sizeof(frame), &f, msg, (size_t)len);
	check(len, name);
	put("fuzz_dhcp_msg", name, frame, (size_t)len);
}

/* A DISCOVER whose IPv4 header carries 4 bytes of options (NOPs). */
static void put_ip_options(void)
{
	struct pkt_req r = {.msg_type = DHCPDISCOVER, .xid = 0x1b, .broadcast = true};
	uint8_t frame[PKT_FRAME_MAX], out[PKT_FRAME_MAX];
	size_t l3 = PKT_ETH_HLEN, tot;
	int len;

	memcpy(r.chaddr, mac_new, 6);
	len = pkt_request(frame, sizeof(frame), &r);
	check(len, "ip-options");
	memcpy(out, frame, l3 + PKT_IP_HLEN);
	memset(out + l3 + PKT_IP_HLEN, 1, 4); /* NOP, NOP, NOP, NOP */
	memcpy(out + l3 + PKT_IP_HLEN + 4, frame + l3 + PKT_IP_HLEN,
	       (size_t)len - l3 - PKT_IP_HLEN);
	out[l3] = 0x46;
	tot = (size_t)len - l3 + 4;
	out[l3 + 2] = (uint8_t)(tot >> 8);
	out[l3 + 3] = (uint8_t)tot;
	pkt_fix_ipv4_csum(out);
	put_frame("discover-ip-options", out, (size_t)len + 4);
}

static void gen_frames(void)
{
	struct pkt_req base = {
		.xid = 0x5eed, .extra_opts = client_opts, .extra_opts_len = sizeof(client_opts)};
	uint8_t msg[1024], frame[PKT_FRAME_MAX];
	struct pkt_req r;
	int len;

	memcpy(base.chaddr, mac_new, 6);

	r = base;
	r.msg_type = DHCPDISCOVER;
	r.broadcast = true;
	put_req("discover", &r);
	r.has_vlan = true;
	r.vlan_tci = 100;
	put_req("discover-vlan", &r);
	r = base;
	r.msg_type = DHCPDISCOVER;
	r.requested_ip = ADDR_12;
	put_req("discover-requested-address", &r);
	r = base;
	r.msg_type = DHCPDISCOVER;
	r.client_id = cid_resv;
	r.client_id_len = sizeof(cid_resv);
	put_req("discover-client-id", &r);
	r.client_id = cid_64;
	r.client_id_len = sizeof(cid_64);
	put_req("discover-client-id-64", &r);
	r.client_id = cid_300;
	r.client_id_len = sizeof(cid_300);
	put_req("discover-client-id-300", &r);
	r = base;
	r.msg_type = DHCPDISCOVER;
	r.extra_opts = small_limit_opts;
	r.extra_opts_len = sizeof(small_limit_opts);
	put_req("discover-max-size-576", &r);
	r = base;
	r.msg_type = DHCPDISCOVER;
	r.no_end = true;
	put_req("discover-no-end", &r);

	/* REQUEST in each client state (RFC 2131 4.3.2). */
	r = base;
	r.msg_type = DHCPREQUEST;
	r.server_id = SID;
	r.requested_ip = ADDR_10;
	r.broadcast = true;
	put_req("request-selecting", &r);
	r = base;
	r.msg_type = DHCPREQUEST;
	r.requested_ip = ADDR_10;
	put_req("request-init-reboot", &r);
	r.has_vlan = true;
	r.vlan_tci = 100;
	put_req("request-init-reboot-vlan", &r);
	r = base;
	r.msg_type = DHCPREQUEST;
	r.ciaddr = ADDR_10;
	r.dst_ip = SID;
	memcpy(r.dst_mac, server_mac, 6);
	put_req("request-renewing", &r);
	r.client_id = cid_resv;
	r.client_id_len = sizeof(cid_resv);
	put_req("request-renewing-client-id", &r);
	r = base;
	r.msg_type = DHCPREQUEST;
	r.ciaddr = ADDR_10;
	put_req("request-rebinding", &r);

	r = base;
	r.msg_type = DHCPDECLINE;
	r.requested_ip = ADDR_10;
	r.server_id = SID;
	put_req("decline", &r);
	r = base;
	r.msg_type = DHCPRELEASE;
	r.ciaddr = ADDR_10;
	r.server_id = SID;
	r.dst_ip = SID;
	memcpy(r.dst_mac, server_mac, 6);
	put_req("release", &r);
	r = base;
	r.msg_type = DHCPINFORM;
	r.ciaddr = ADDR_50;
	put_req("inform", &r);

	/* Relayed (RFC 2131 4.1, RFC 3046): from the relay's port 67. */
	r = base;
	r.msg_type = DHCPDISCOVER;
	r.giaddr = RELAY;
	r.hops = 1;
	r.extra_opts = opt82;
	r.extra_opts_len = sizeof(opt82);
	r.src_ip = RELAY;
	r.dst_ip = SID;
	r.src_port = DHCP_SERVER_PORT;
	memcpy(r.src_mac, relay_mac, 6);
	memcpy(r.dst_mac, server_mac, 6);
	put_req("relayed-discover", &r);
	r.msg_type = DHCPREQUEST;
	r.server_id = SID;
	r.requested_ip = RELAYED_10;
	put_req("relayed-request", &r);

	/* BOOTP (no cookie) and a DHCP message without option 53. */
	r = base;
	r.no_cookie = true;
	put_req("bootp", &r);
	r = base;
	r.msg_type = 0;
	put_req("no-message-type", &r);

	/* Option overload (RFC 2132 9.3). */
	len = overload_msg(msg, sizeof(msg), 1, DHCPDISCOVER);
	check(len, "overload");
	check(len = client_frame(frame, sizeof(frame), msg, (size_t)len), "overload");
	put_frame("discover-overload-file", frame, (size_t)len);
	len = overload_msg(msg, sizeof(msg), 2, DHCPREQUEST);
	check(len, "overload");
	check(len = client_frame(frame, sizeof(frame), msg, (size_t)len), "overload");
	put_frame("request-overload-sname", frame, (size_t)len);
	len = overload_msg(msg, sizeof(msg), 3, DHCPDISCOVER);
	check(len, "overload");
	check(len = client_frame(frame, sizeof(frame), msg, (size_t)len), "overload");
	put_frame("discover-overload-both", frame, (size_t)len);

	put_ip_options();

	put_reply("offer", DHCPOFFER, ADDR_10);
	put_reply("ack", DHCPACK, ADDR_10);
	put_reply("nak", DHCPNAK, 0);
}

/* ------------------------------------------------------------------ */
/* Conversations: fuzz_server */

struct conv {
	uint8_t buf[16384];
	size_t len;
};

/* Append a record: interface, clock step (seconds, from fuzz_time_steps),
 * and the request as a DHCP message (or as a whole frame when raw). */
static void rec(struct conv *c, unsigned int iface, uint32_t step, const struct pkt_req *r,
		bool raw)
{
	uint8_t body[PKT_FRAME_MAX];
	int idx = fuzz_time_index(step), len;

	if (idx < 0) {
		fprintf(stderr, "gen_corpus: no time step of %u s\n", step);
		exit(1);
	}
	len = raw ? pkt_request(body, sizeof(body), r) : pkt_dhcp_msg(body, sizeof(body), r);
	check(len, "record");
	if (c->len + 3 + (size_t)len > sizeof(c->buf)) {
		fprintf(stderr, "gen_corpus: conversation too long\n");
		exit(1);
	}
	c->buf[c->len++] = (uint8_t)(iface | (raw ? FUZZ_CTL_RAW : 0) | idx << FUZZ_CTL_TIME_SHIFT);
	c->buf[c->len++] = (uint8_t)(len >> 8);
	c->buf[c->len++] = (uint8_t)len;
	memcpy(c->buf + c->len, body, (size_t)len);
	c->len += (size_t)len;
}

static struct pkt_req req_of(uint8_t type, const uint8_t mac[6])
{
	struct pkt_req r = {.msg_type = type,
			    .xid = 0x5eed,
			    .extra_opts = client_opts,
			    .extra_opts_len = sizeof(client_opts)};

	memcpy(r.chaddr, mac, 6);
	return r;
}

/* DISCOVER, then REQUEST (SELECTING) for addr from server sid. */
static void dora(struct conv *c, unsigned int iface, struct pkt_req r, uint32_t sid, uint32_t addr)
{
	r.msg_type = DHCPDISCOVER;
	r.broadcast = true;
	rec(c, iface, 0, &r, false);
	r.msg_type = DHCPREQUEST;
	r.server_id = sid;
	r.requested_ip = addr;
	rec(c, iface, 1, &r, false);
}

static void put_conv(const char *name, const struct conv *c)
{
	put("fuzz_server", name, c->buf, c->len);
}

static void gen_conversations(void)
{
	struct pkt_req r;
	struct conv c;

	/* The whole life of a lease: DORA, renew at T1, rebind at T2,
	 * release. */
	memset(&c, 0, sizeof(c));
	dora(&c, 0, req_of(0, mac_new), SID, ADDR_10);
	r = req_of(DHCPREQUEST, mac_new);
	r.ciaddr = ADDR_10;
	r.dst_ip = SID;
	rec(&c, 0, 300, &r, false);
	r.dst_ip = 0;
	rec(&c, 0, 525, &r, false);
	r = req_of(DHCPRELEASE, mac_new);
	r.ciaddr = ADDR_10;
	r.server_id = SID;
	rec(&c, 0, 1, &r, false);
	put_conv("dora-renew-rebind-release", &c);

	/* The same DORA as whole frames. */
	memset(&c, 0, sizeof(c));
	r = req_of(DHCPDISCOVER, mac_new);
	rec(&c, 0, 0, &r, true);
	r = req_of(DHCPREQUEST, mac_new);
	r.server_id = SID;
	r.requested_ip = ADDR_10;
	rec(&c, 0, 1, &r, true);
	put_conv("dora-raw-frames", &c);

	/* INIT-REBOOT: right address (ACK), wrong address, wrong network. */
	memset(&c, 0, sizeof(c));
	dora(&c, 0, req_of(0, mac_new), SID, ADDR_10);
	r = req_of(DHCPREQUEST, mac_new);
	r.requested_ip = ADDR_10;
	rec(&c, 0, 60, &r, false);
	r.requested_ip = ADDR_11;
	rec(&c, 0, 1, &r, false);
	r.requested_ip = LAB_10;
	rec(&c, 0, 1, &r, false);
	put_conv("init-reboot-right-wrong-network", &c);

	/* Reservations: by MAC (own host name and PXE: own template), by
	 * client id, by the longest client id the fast path keys on. */
	memset(&c, 0, sizeof(c));
	dora(&c, 0, req_of(0, mac_resv), SID, ADDR_100);
	r = req_of(0, mac_other);
	r.client_id = cid_resv;
	r.client_id_len = sizeof(cid_resv);
	dora(&c, 2, r, SID, ADDR_101);
	r.client_id = cid_64;
	r.client_id_len = sizeof(cid_64);
	dora(&c, 0, r, SID, ADDR_102);
	put_conv("reservations", &c);

	/* A client id too long for the fast path's key (hashed), split in
	 * two options by RFC 3396, echoed. */
	memset(&c, 0, sizeof(c));
	r = req_of(0, mac_new);
	r.client_id = cid_300;
	r.client_id_len = sizeof(cid_300);
	dora(&c, 0, r, SID, ADDR_10);
	put_conv("long-client-id", &c);

	/* Subnet "lab" on its own interface, VLAN-tagged. */
	memset(&c, 0, sizeof(c));
	dora(&c, 1, req_of(0, mac_new), LAB_SID, LAB_10);
	r = req_of(DHCPREQUEST, mac_new);
	r.ciaddr = LAB_10;
	r.has_vlan = true;
	r.vlan_tci = 100;
	rec(&c, 1, 300, &r, true);
	put_conv("lab-vlan", &c);

	/* Relayed to subnet "relayed", option 82 echoed; a NAK through the
	 * relay. */
	memset(&c, 0, sizeof(c));
	r = req_of(0, mac_new);
	r.giaddr = RELAY;
	r.hops = 1;
	r.extra_opts = opt82;
	r.extra_opts_len = sizeof(opt82);
	dora(&c, 0, r, SID, RELAYED_10);
	r.msg_type = DHCPREQUEST;
	r.server_id = 0;
	r.requested_ip = RELAYED_11;
	rec(&c, 0, 1, &r, false);
	put_conv("relayed", &c);

	/* The client chose another server: our offer is withdrawn. */
	memset(&c, 0, sizeof(c));
	dora(&c, 0, req_of(0, mac_new), OTHER_SID, ADDR_10);
	put_conv("other-server", &c);

	/* DECLINE: quarantined, another address next, back after 600 s. */
	memset(&c, 0, sizeof(c));
	dora(&c, 0, req_of(0, mac_new), SID, ADDR_10);
	r = req_of(DHCPDECLINE, mac_new);
	r.requested_ip = ADDR_10;
	r.server_id = SID;
	rec(&c, 0, 1, &r, false);
	dora(&c, 0, req_of(0, mac_new), SID, ADDR_11);
	dora(&c, 0, req_of(0, mac_other), SID, ADDR_10);
	r = req_of(DHCPDISCOVER, mac_other);
	rec(&c, 0, 601, &r, false);
	put_conv("decline-quarantine", &c);

	/* INFORM: configuration only, to ciaddr. */
	memset(&c, 0, sizeof(c));
	r = req_of(DHCPINFORM, mac_new);
	r.ciaddr = ADDR_50;
	rec(&c, 0, 0, &r, false);
	put_conv("inform", &c);

	/* Exhaustion: twelve clients for ten free addresses; the offers time
	 * out and the next client gets one. */
	memset(&c, 0, sizeof(c));
	for (uint8_t i = 0; i < 12; i++) {
		uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, i};

		r = req_of(DHCPDISCOVER, mac);
		rec(&c, 0, 0, &r, false);
	}
	r = req_of(DHCPDISCOVER, mac_new);
	rec(&c, 0, 61, &r, false);
	put_conv("exhaustion-then-offer-timeout", &c);

	/* More outstanding offers on one interface than max-offers: the
	 * oldest gives way (its address is free again, so the first client's
	 * REQUEST for it is still granted). */
	memset(&c, 0, sizeof(c));
	for (uint8_t i = 0; i < 6; i++) {
		uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x02, i};

		r = req_of(DHCPDISCOVER, mac);
		rec(&c, 0, 0, &r, false);
	}
	r = req_of(DHCPREQUEST, (const uint8_t[6]){0x02, 0x00, 0x00, 0x00, 0x02, 0x00});
	r.server_id = SID;
	r.requested_ip = ADDR_10;
	rec(&c, 0, 1, &r, false);
	put_conv("offer-cap-eviction", &c);

	/* Expiry and stickiness: the lease ends, the client comes back to
	 * its old address; another client then takes a fresh one. */
	memset(&c, 0, sizeof(c));
	dora(&c, 0, req_of(0, mac_new), SID, ADDR_10);
	r = req_of(DHCPDISCOVER, mac_new);
	rec(&c, 0, 601, &r, false);
	r.msg_type = DHCPREQUEST;
	r.server_id = SID;
	r.requested_ip = ADDR_10;
	rec(&c, 0, 1, &r, false);
	put_conv("expiry-sticky", &c);

	/* A renewal with no record (a lost lease file): ACK when free. */
	memset(&c, 0, sizeof(c));
	r = req_of(DHCPREQUEST, mac_new);
	r.ciaddr = ADDR_12;
	rec(&c, 0, 0, &r, false);
	put_conv("renew-without-record", &c);

	/* A small size limit with a long request list: options left out. */
	memset(&c, 0, sizeof(c));
	r = req_of(DHCPDISCOVER, mac_new);
	r.extra_opts = small_limit_opts;
	r.extra_opts_len = sizeof(small_limit_opts);
	rec(&c, 0, 0, &r, false);
	put_conv("small-size-limit", &c);

	/* Ignored: BOOTP, an unknown interface. */
	memset(&c, 0, sizeof(c));
	r = req_of(0, mac_new);
	r.no_cookie = true;
	rec(&c, 0, 0, &r, false);
	r = req_of(DHCPDISCOVER, mac_new);
	rec(&c, 3, 0, &r, false);
	put_conv("ignored", &c);
}

/* ------------------------------------------------------------------ */
/* fuzz_encoders */

static void put_enc(const char *name, uint8_t mode, uint16_t cap, const void *rest, size_t len)
{
	uint8_t buf[2048];

	buf[0] = mode;
	buf[1] = (uint8_t)(cap >> 8);
	buf[2] = (uint8_t)cap;
	memcpy(buf + 3, rest, len);
	put("fuzz_encoders", name, buf, len + 3);
}

static void gen_encoders(void)
{
	/* RFC 3397 section 3's example, then names sharing suffixes. */
	static const char search[] = "eng.apple.com\nmarketing.apple.com";
	static const char search2[] = "example.test\nlab.example.test\nexample.org.\ntest";
	/* RFC 3442 section 3's examples. */
	/* clang-format off */
	static const struct {
		uint8_t dest[4], prefix, gw[4];
	} routes[] = {
		{{0, 0, 0, 0}, 0, {198, 18, 0, 1}},
		{{10, 0, 0, 0}, 8, {198, 18, 0, 1}},
		{{10, 17, 0, 0}, 16, {198, 18, 0, 2}},
		{{10, 27, 129, 0}, 24, {198, 18, 0, 3}},
		{{10, 229, 0, 128}, 25, {198, 18, 0, 4}},
		{{10, 198, 122, 47}, 32, {198, 18, 0, 5}},
	};
	uint8_t rbuf[sizeof(routes) / sizeof(routes[0]) * 9];
	static const uint8_t build[] = {
		300 / 8,
		DHCP_OPT_ROUTER, 0, 4, 198, 18, 0, 1,
		DHCP_OPT_DOMAIN_NAME, 0, 12, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 't', 'e', 's', 't',
		DHCP_OPT_HOSTNAME, 0, 0,
		DHCP_OPT_ROUTER, 0, 4, 198, 18, 0, 2,
	};
	/* clang-format on */
	char label63[80];

	put_enc("search-rfc3397", 0, 512, search, sizeof(search) - 1);
	put_enc("search-suffixes", 0, 512, search2, sizeof(search2) - 1);
	put_enc("search-no-room", 0, 20, search, sizeof(search) - 1);
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		memcpy(rbuf + 9 * i, routes[i].dest, 4);
		rbuf[9 * i + 4] = routes[i].prefix;
		memcpy(rbuf + 9 * i + 5, routes[i].gw, 4);
	}
	put_enc("routes-rfc3442", 1, 512, rbuf, sizeof(rbuf));
	put_enc("name", 2, 256, "www.example.test", 16);
	put_enc("name-trailing-dot", 2, 256, "a.b.", 4);
	memset(label63, 'x', 63);
	memcpy(label63 + 63, ".test", 6);
	put_enc("name-label-63", 2, 256, label63, strlen(label63));
	put_enc("builder", 3, 600, build, sizeof(build));
}

/* ------------------------------------------------------------------ */
/* fuzz_config */

static void gen_config(void)
{
	put_str("fuzz_config", "readme-subnets",
		"lease-time = 3600\n"
		"dns = 198.18.0.53\n"
		"interface = tap0, tap1, tap2          # three VMs on one subnet\n"
		"server-id = 198.18.0.1\n"
		"router = 198.18.0.1\n"
		"range = 198.18.0.10,198.18.0.200\n"
		"static = 52:54:00:00:00:01,198.18.0.5,build-vm\n"
		"\n"
		"[subnet isolated]\n"
		"interface = tap9                      # a VM with a subnet of its own\n"
		"server-id = 198.19.9.1\n"
		"router = 198.19.9.1\n"
		"range = 198.19.9.10,198.19.9.20\n");
	put_str("fuzz_config", "fuzz-server", FUZZ_SERVER_CONFIG);
	put_str("fuzz_config", "every-key",
		"interface = tap0\n"
		"range = 198.18.0.100, 198.18.0.199\n"
		"server-id = 198.18.0.1\n"
		"netmask = 255.255.255.0\n"
		"router = 198.18.0.1, 198.18.0.2\n"
		"dns = 198.18.0.53\n"
		"lease-time = 86400\n"
		"hostname = vm\n"
		"domain = example.test\n"
		"search = example.test, lab.example.test\n"
		"route = 198.19.0.0/16, 198.18.0.1\n"
		"next-server = 198.18.0.2\n"
		"boot-file = pxelinux.0\n"
		"option = 42, hex:c6120001\n"
		"option = 66, tftp.example.test\n"
		"option = 43, \"vendor\"\n"
		"static = 02:00:00:00:00:01, 198.18.0.5, host1, next-server=198.18.0.3\n"
		"static-id = 01:02:00:00:00:00:02, 198.18.0.6\n"
		"offer-time = 60\n"
		"decline-time = 600\n"
		"conflict-check = yes\n"
		"event-script = /usr/local/bin/lease-hook\n"
		"event-timeout = 30\n"
		"lease-file = /var/lib/xdhcpd/leases\n"
		"pin-dir = /sys/fs/bpf/xdhcpd\n"
		"run-dir = /run/xdhcpd\n"
		"xdp-mode = native\n"
		"no-fastpath = no\n"
		"detach-on-exit = yes\n"
		"verbose = 1\n");
	put_str("fuzz_config", "errors",
		"interface = tap0\n"
		"range = 198.18.0.200, 198.18.0.100\n");
	put_str("fuzz_config", "validate-outside-subnet",
		"interface = tap0\n"
		"netmask = 255.255.255.0\n"
		"range = 198.18.0.10, 198.18.0.20\n"
		"static = 02:00:00:00:00:01, 198.19.0.5\n");
	put_str("fuzz_config", "sections-inherit",
		"dns = 198.18.0.53\n"
		"search = a.test\n"
		"option = 42, 198.18.0.1\n"
		"[subnet one]\n"
		"interface = t1\n"
		"netmask = 255.255.0.0\n"
		"range = 198.18.1.1, 198.18.2.1\n"
		"[subnet two]\n"
		"interface = t2\n"
		"netmask = 255.255.255.0\n"
		"range = 198.19.0.2, 198.19.0.3\n"
		"static-id = 00112233, 198.19.0.3\n");
	put_str("fuzz_config", "argv",
		"#!argv\n"
		"--interface=tap0\n"
		"--range\n"
		"198.18.0.10,198.18.0.20\n"
		"--netmask=255.255.255.0\n"
		"-v\n"
		"--static=02:00:00:00:00:01,198.18.0.11,vm1\n"
		"--route=0.0.0.0/0,198.18.0.1\n"
		"--no-fastpath\n");
	put_str("fuzz_config", "argv-bad", "#!argv\n--rang\n-x\n--interface\n");
}

/* ------------------------------------------------------------------ */
/* fuzz_lease_store */

static void gen_leases(void)
{
	static const char *const keys[] = {
		"mac:02:00:00:00:00:01",
		"id:01020000000003",
		"hw:32:0a0b0c0d",
		"idh:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	};
	char file[8192], line[512];
	size_t off = 0, header;

	off += (size_t)snprintf(file + off, sizeof(file) - off,
				"# xdhcpd leases v1: OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME "
				"crc=CRC32\n");
	header = off;
	for (int op = STORE_GRANT; op <= STORE_DECLINE; op++) {
		struct store_record r;

		memset(&r, 0, sizeof(r));
		r.op = (enum store_op)op;
		check(server_key_parse(keys[op % ARRAY_SIZE(keys)], 3, &r.key), "key");
		r.addr = PKT_IP(198, 18, 0, (uint8_t)(10 + op));
		r.expires = 1795262400 + op;
		r.lease_time = 86400;
		if (op == STORE_GRANT)
			snprintf(r.hostname, sizeof(r.hostname), "vm%%20one");
		check(store_format_line(&r, line, sizeof(line)), "line");
		off += (size_t)snprintf(file + off, sizeof(file) - off, "%s\n", line);
	}
	put("fuzz_lease_store", "every-op-and-key", file, off);

	/* A torn tail (a crash mid-write) and a flipped bit. */
	memcpy(file + off, "grant 198.18.0.30 mac:02:00:00:00:0", 35);
	put("fuzz_lease_store", "torn-tail", file, off + 35);
	file[header + 10] ^= 0x04;
	put("fuzz_lease_store", "flipped-bit", file, off);
}

/* ------------------------------------------------------------------ */
/* Crashes found by fuzzing, as minimal named inputs */

static void gen_crashes(void)
{
	/* fuzz_bpf_parse: option 53 once with one byte and once empty.  The
	 * daemon concatenates the two (RFC 3396) into a one-byte type and
	 * serves the request; the fast path drops it as malformed. */
	static const uint8_t empty_53[] = {DHCP_OPT_MESSAGE_TYPE, 0};
	struct pkt_req r = {.msg_type = DHCPREQUEST,
			    .xid = 0x5eed,
			    .ciaddr = ADDR_10,
			    .extra_opts = empty_53,
			    .extra_opts_len = sizeof(empty_53)};
	uint8_t frame[PKT_FRAME_MAX];
	int len;

	memcpy(r.chaddr, mac_new, 6);
	len = pkt_request(frame, sizeof(frame), &r);
	check(len, "crash");
	put("fuzz_bpf_parse", "crash-repeated-53-empty", frame, (size_t)len);

	/* fuzz_config: an unknown option inside a cluster of short options
	 * leaves getopt in the middle of "-qv"; the next config_parse_args()
	 * (same arguments) starts from that stale position. */
	put_str("fuzz_config", "crash-getopt-state", "#!argv\n-qv");
}

/* fuzz_lease_store: a record torn by a crash and padded with zeros (the
 * file's size grew, its data never came), then records appended after the
 * restart.  The line holding the NUL bytes is lost, as it should be; the
 * record after it must not be. */
static void gen_crash_nul_line(void)
{
	char file[2048], line[512];
	size_t off = 0;

	for (uint8_t i = 0; i < 3; i++) {
		struct store_record r;

		memset(&r, 0, sizeof(r));
		r.op = STORE_GRANT;
		check(server_key_parse("mac:02:00:00:00:00:01", 3, &r.key), "key");
		r.key.id[5] = (uint8_t)(i + 1);
		r.addr = PKT_IP(198, 18, 0, (uint8_t)(20 + i));
		r.expires = 1795262400;
		r.lease_time = 600;
		check(store_format_line(&r, line, sizeof(line)), "line");
		off += (size_t)snprintf(file + off, sizeof(file) - off, "%s\n", line);
		if (i == 0) {
			memcpy(file + off, "grant 198.18.0.30 mac:02:00", 27);
			off += 27;
			memset(file + off, 0, 16);
			off += 16;
			file[off++] = '\n';
		}
	}
	put("fuzz_lease_store", "crash-nul-byte-hides-next-line", file, off);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	init_ids();
	gen_frames();
	gen_conversations();
	gen_encoders();
	gen_config();
	gen_leases();
	gen_crashes();
	gen_crash_nul_line();
	printf("gen_corpus: %u files in %s\n", n_written, out_dir);
	return 0;
}
