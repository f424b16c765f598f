/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the decoders of the DHCP message library
 * (user/dhcp_msg.c).  The input is tried twice: as an Ethernet frame
 * (dhcp_frame_parse, then its UDP payload through dhcp_msg_parse) and as a
 * bare DHCP message, so that mutations are not all stopped by the IPv4
 * header checksum.  Whatever parses is encoded again and must decode to the
 * same thing:
 *  - a frame rebuilt by dhcp_frame_build from the parsed fields and payload
 *    parses to the same fields, with valid IPv4 and UDP checksums;
 *  - a message rebuilt with dhcp_build_* from the parsed header and every
 *    option (split by RFC 3396 when longer than 255 bytes) decodes to the
 *    same header, type and option data;
 *  - dhcp_msg_parse writes its output only on success, and a parsed message
 *    holds only what its input held (offsets inside opt_data).
 * Inputs are copied to exact-size heap blocks, so any read past the end is
 * an AddressSanitizer report.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "fuzz.h"

#define UNTOUCHED 0xa5

static struct dhcp_msg msg, again;

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offsets and lengths of a decoded message stay inside opt_data. */
static void check_msg_shape(const struct dhcp_msg *m)
{
	FUZZ_CHECK(m->opt_data_len <= DHCP_OPT_DATA_MAX);
	FUZZ_CHECK(!m->opts[DHCP_OPT_PAD].present && !m->opts[DHCP_OPT_END].present);
	for (int code = 0; code < 256; code++) {
		const struct dhcp_opt_ref *r = &m->opts[code];

		if (!r->present)
			continue;
		FUZZ_CHECK((size_t)r->off + r->len <= m->opt_data_len);
	}
	if (!m->has_cookie)
		FUZZ_CHECK(m->opt_data_len == 0 && m->type == 0);
	if (m->type)
		FUZZ_CHECK(m->opts[DHCP_OPT_MESSAGE_TYPE].present &&
			   m->opts[DHCP_OPT_MESSAGE_TYPE].len == 1);
}

/* The accessors agree with the option table. */
static void check_accessors(const struct dhcp_msg *m)
{
	for (int code = 0; code < 256; code++) {
		const uint8_t *p;
		uint32_t ip;
		uint16_t v;
		size_t len = 0;

		p = dhcp_msg_opt(m, (uint8_t)code, &len);
		FUZZ_CHECK(!p == !m->opts[code].present);
		FUZZ_CHECK(dhcp_msg_opt_ip(m, (uint8_t)code, &ip) == (p && len == 4));
		FUZZ_CHECK(dhcp_msg_opt_u16(m, (uint8_t)code, &v) == (p && len == 2));
		if (p && len == 2)
			FUZZ_CHECK(v == get_be16(p));
	}
	FUZZ_CHECK(dhcp_msg_type_name(m->type) != NULL);
}

/*
 * Encode m again: its header, the cookie, every option but 52 (the file and
 * sname fields are copied as they are, so without option 52 they are not
 * read as options again), END.  The result must decode to m.
 */
static void check_msg_round_trip(const struct dhcp_msg *m)
{
	static uint8_t buf[DHCP_OPTIONS_OFFSET + 2 * DHCP_OPT_DATA_MAX + 2 * 256 + 64];
	struct dhcp_builder b;
	int len, r;

	if (!m->has_cookie) {
		/* BOOTP: the fixed header alone decodes as BOOTP again. */
		r = dhcp_msg_parse(&again, (const uint8_t *)&m->hdr, sizeof(m->hdr));
		FUZZ_CHECK(r == 0 && !again.has_cookie);
		FUZZ_CHECK(!memcmp(&again.hdr, &m->hdr, sizeof(m->hdr)));
		return;
	}
	dhcp_build_init(&b, buf, sizeof(buf), &m->hdr);
	for (int code = 1; code < 255; code++) {
		size_t olen;
		const uint8_t *p = dhcp_msg_opt(m, (uint8_t)code, &olen);

		if (p && code != DHCP_OPT_OVERLOAD)
			dhcp_build_opt(&b, (uint8_t)code, p, olen);
	}
	len = dhcp_build_finish(&b, 0);
	FUZZ_CHECK(len > 0 && len % 4 == 0);

	{
		uint8_t *copy = fuzz_dup(buf, (size_t)len, 0);

		r = dhcp_msg_parse(&again, copy, (size_t)len);
		free(copy);
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(again.has_cookie);
	FUZZ_CHECK(!memcmp(&again.hdr, &m->hdr, sizeof(m->hdr)));
	FUZZ_CHECK(again.type == m->type);
	FUZZ_CHECK(!again.opts[DHCP_OPT_OVERLOAD].present);
	for (int code = 1; code < 255; code++) {
		const struct dhcp_opt_ref *a = &m->opts[code], *z = &again.opts[code];

		if (code == DHCP_OPT_OVERLOAD)
			continue;
		FUZZ_CHECK(a->present == z->present);
		if (!a->present)
			continue;
		FUZZ_CHECK(a->len == z->len);
		FUZZ_CHECK(!memcmp(m->opt_data + a->off, again.opt_data + z->off, a->len));
	}
}

/* Parse a message; on failure m must be untouched. */
static int parse_msg(struct dhcp_msg *m, const uint8_t *p, size_t len)
{
	static struct dhcp_msg pattern;
	int r;

	memset(&pattern, UNTOUCHED, sizeof(pattern));
	memset(m, UNTOUCHED, sizeof(*m));
	r = dhcp_msg_parse(m, p, len);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	if (r) {
		FUZZ_CHECK(!memcmp(m, &pattern, sizeof(*m)));
		return r;
	}
	FUZZ_CHECK(len >= sizeof(struct dhcp_hdr));
	check_msg_shape(m);
	check_accessors(m);
	return 0;
}

static bool csum_ok(const uint8_t *frame, size_t len, const struct dhcp_frame *f)
{
	size_t l3 = 14 + (f->has_vlan ? 4 : 0), udp_len = 8 + f->payload_len;

	if (l3 + 28 + f->payload_len > len)
		return false;
	return inet_csum(frame + l3, 20) == 0 &&
	       udp4_csum(f->src_ip, f->dst_ip, frame + l3 + 20, udp_len) == 0;
}

/* Rebuild a parsed frame around its payload: same fields, valid sums. */
static void check_frame_round_trip(const struct dhcp_frame *f)
{
	size_t cap = 14 + 4 + 28 + f->payload_len;
	uint8_t *out = malloc(cap);
	struct dhcp_frame g;
	int len, r;

	FUZZ_CHECK(out != NULL);
	len = dhcp_frame_build(out, cap, f, f->payload, f->payload_len);
	FUZZ_CHECK(len > 0 && (size_t)len == cap - (f->has_vlan ? 0 : 4));
	r = dhcp_frame_parse(out, (size_t)len, &g);
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(!memcmp(g.dst_mac, f->dst_mac, 6) && !memcmp(g.src_mac, f->src_mac, 6));
	FUZZ_CHECK(g.has_vlan == f->has_vlan);
	if (f->has_vlan)
		FUZZ_CHECK(g.vlan_tci == f->vlan_tci);
	FUZZ_CHECK(g.src_ip == f->src_ip && g.dst_ip == f->dst_ip);
	FUZZ_CHECK(g.src_port == f->src_port && g.dst_port == f->dst_port);
	FUZZ_CHECK(g.ttl == (f->ttl ? f->ttl : 64));
	FUZZ_CHECK(g.payload_len == f->payload_len);
	FUZZ_CHECK(!memcmp(g.payload, f->payload, f->payload_len));
	FUZZ_CHECK(csum_ok(out, (size_t)len, &g));
	/* Too small by one byte: refused, nothing written past cap. */
	FUZZ_CHECK(dhcp_frame_build(out, (size_t)len - 1, f, f->payload, f->payload_len) ==
		   -ENOSPC);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_dup(data, size, 0);
	struct dhcp_frame f;
	int r;

	/* As a frame. */
	memset(&f, 0, sizeof(f));
	r = dhcp_frame_parse(buf, size, &f);
	FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT);
	if (r == 0) {
		FUZZ_CHECK(f.payload >= buf && f.payload + f.payload_len <= buf + size);
		check_frame_round_trip(&f);
		if (parse_msg(&msg, f.payload, f.payload_len) == 0)
			check_msg_round_trip(&msg);
	}

	/* As a bare DHCP message. */
	if (parse_msg(&msg, buf, size) == 0)
		check_msg_round_trip(&msg);

	free(buf);
	return 0;
}
