/* SPDX-License-Identifier: MIT */
/*
 * The DHCP message library: decode and encode Ethernet/IPv4/UDP frames,
 * DHCPv4 messages (RFC 2131, RFC 2132, RFC 3396) and option values (RFC 1035
 * names, RFC 3397 domain search, RFC 3442 classless routes).  Pure code: no
 * sockets, no logging, no allocation, no global mutable state.  Every read
 * of untrusted bytes goes through a cursor (pointer and remaining length), so
 * malformed input is answered with -EBADMSG and never read out of bounds.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"

#define ETH_HLEN	    14
#define VLAN_HLEN	    4
#define ETH_P_IPV4	    0x0800
#define ETH_P_8021Q	    0x8100
#define IPV4_MIN_HLEN	    20
#define IPV4_MAX_TOT_LEN    0xffff
#define IPV4_FLAG_MF	    0x2000
#define IPV4_FRAG_OFFSET    0x1fff
#define IPV4_DEFAULT_TTL    64
#define IPPROTO_UDP_NUM	    17
#define UDP_HLEN	    8
#define DNS_MAX_NAME	    255 /* RFC 1035 section 2.3.4, wire octets */
#define DNS_MAX_LABEL	    63
#define DNS_PTR_MASK	    0xc0
#define DNS_PTR_MAX_OFF	    0x3fff /* 14-bit offset of a compression pointer */
#define DNS_MAX_PTR_HOPS    128
#define DHCP_OPT_MAX_LEN    255
#define DHCP_OVERLOAD_FILE  1
#define DHCP_OVERLOAD_SNAME 2

static const uint8_t dhcp_cookie[4] = {0x63, 0x82, 0x53, 0x63};

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* ------------------------------------------------------------------ */
/* Cursor: the only way parsers read input. */

struct cursor {
	const uint8_t *p;
	size_t rem;
};

/* Consume n bytes; NULL (and nothing consumed) when fewer remain. */
static const uint8_t *cursor_pull(struct cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (n > c->rem)
		return NULL;
	c->p += n;
	c->rem -= n;
	return p;
}

/* ------------------------------------------------------------------ */
/* Checksums (RFC 1071). */

/* One's complement sum of big-endian 16-bit words; an odd tail byte is
 * padded with zero on the right (RFC 1071 section 4.1). */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += get_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

/* Fold to 16 bits, complement, return in network order. */
static uint16_t csum_finish(uint64_t sum)
{
	uint8_t b[2];
	uint16_t ret;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put_be16(b, (uint16_t)~sum);
	memcpy(&ret, b, sizeof(ret));
	return ret;
}

uint16_t inet_csum(const void *data, size_t len)
{
	return csum_finish(csum_add(0, data, len));
}

/*
 * UDP checksum over the IPv4 pseudo-header (RFC 768).  A result of 0 is
 * returned as is, so that summing a segment that carries a valid checksum
 * gives 0; the sender maps 0 to 0xffff (dhcp_frame_build()).
 */
uint16_t udp4_csum(uint32_t src_ip, uint32_t dst_ip, const void *udp, size_t udp_len)
{
	uint8_t pseudo[12];
	uint64_t sum;

	memcpy(pseudo, &src_ip, 4);
	memcpy(pseudo + 4, &dst_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP_NUM;
	put_be16(pseudo + 10, (uint16_t)udp_len);
	sum = csum_add(0, pseudo, sizeof(pseudo));
	return csum_finish(csum_add(sum, udp, udp_len));
}

/* ------------------------------------------------------------------ */
/* Frames. */

/* Ethernet and at most one 802.1Q tag; returns the inner ethertype. */
static int parse_eth(struct cursor *c, struct dhcp_frame *f)
{
	const uint8_t *eth, *tag;
	uint16_t proto;

	eth = cursor_pull(c, ETH_HLEN);
	if (!eth)
		return -EBADMSG;
	memcpy(f->dst_mac, eth, 6);
	memcpy(f->src_mac, eth + 6, 6);
	proto = get_be16(eth + 12);
	if (proto != ETH_P_8021Q)
		return proto;

	tag = cursor_pull(c, VLAN_HLEN);
	if (!tag)
		return -EBADMSG;
	f->has_vlan = true;
	f->vlan_tci = get_be16(tag);
	return get_be16(tag + 2);
}

/*
 * IPv4 header; returns the protocol and leaves the cursor on the IP payload,
 * trimmed to the total length (what follows is Ethernet padding).
 */
static int parse_ipv4(struct cursor *c, struct dhcp_frame *f)
{
	const uint8_t *ip;
	size_t hlen, tot_len;
	uint16_t frag;

	ip = cursor_pull(c, IPV4_MIN_HLEN);
	if (!ip)
		return -EBADMSG;
	if (ip[0] >> 4 != 4)
		return -EBADMSG;
	/* Reject IHL < 5 before using it as a length. */
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN)
		return -EBADMSG;
	/* IP options: the whole header must be in the frame. */
	if (!cursor_pull(c, hlen - IPV4_MIN_HLEN))
		return -EBADMSG;
	tot_len = get_be16(ip + 2);
	if (tot_len < hlen || tot_len - hlen > c->rem)
		return -EBADMSG;
	/* A fragment is never answered: the DHCP message is not all here. */
	frag = get_be16(ip + 6);
	if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET))
		return -EBADMSG;
	/* Summing a header that carries its correct checksum gives 0. */
	if (inet_csum(ip, hlen) != 0)
		return -EBADMSG;

	c->rem = tot_len - hlen;
	f->ttl = ip[8];
	memcpy(&f->src_ip, ip + 12, 4);
	memcpy(&f->dst_ip, ip + 16, 4);
	return ip[9];
}

/* UDP header; the payload is udp length - 8 bytes, within the IP payload. */
static int parse_udp(struct cursor *c, struct dhcp_frame *f)
{
	const uint8_t *udp;
	size_t udp_len;

	udp = cursor_pull(c, UDP_HLEN);
	if (!udp)
		return -EBADMSG;
	udp_len = get_be16(udp + 4);
	if (udp_len < UDP_HLEN || udp_len - UDP_HLEN > c->rem)
		return -EBADMSG;
	f->src_port = get_be16(udp);
	f->dst_port = get_be16(udp + 2);
	f->payload = c->p;
	f->payload_len = udp_len - UDP_HLEN;
	return 0;
}

int dhcp_frame_parse(const uint8_t *frame, size_t len, struct dhcp_frame *ret_frame)
{
	struct cursor c = {.p = frame, .rem = len};
	struct dhcp_frame f = {0};
	int r;

	r = parse_eth(&c, &f);
	if (r < 0)
		return r;
	if (r != ETH_P_IPV4)
		return -EPROTONOSUPPORT;
	r = parse_ipv4(&c, &f);
	if (r < 0)
		return r;
	if (r != IPPROTO_UDP_NUM)
		return -EPROTONOSUPPORT;
	r = parse_udp(&c, &f);
	if (r < 0)
		return r;

	*ret_frame = f;
	return 0;
}

/*
 * The payload is moved with memmove(), so a caller may build it in place at
 * out + header length.
 */
int dhcp_frame_build(uint8_t *out, size_t cap, const struct dhcp_frame *f, const uint8_t *payload,
		     size_t payload_len)
{
	size_t l2_len = ETH_HLEN + (f->has_vlan ? VLAN_HLEN : 0);
	size_t ip_len, udp_len;
	uint8_t *p, *ip, *udp;
	uint16_t csum;

	/* The IPv4 total length is a 16-bit field. */
	if (payload_len > IPV4_MAX_TOT_LEN - IPV4_MIN_HLEN - UDP_HLEN)
		return -ENOSPC;
	udp_len = UDP_HLEN + payload_len;
	ip_len = IPV4_MIN_HLEN + udp_len;
	if (l2_len + ip_len > cap)
		return -ENOSPC;

	p = out;
	memcpy(p, f->dst_mac, 6);
	memcpy(p + 6, f->src_mac, 6);
	p += 12;
	if (f->has_vlan) {
		put_be16(p, ETH_P_8021Q);
		put_be16(p + 2, f->vlan_tci);
		p += VLAN_HLEN;
	}
	put_be16(p, ETH_P_IPV4);
	p += 2;

	ip = p;
	udp = ip + IPV4_MIN_HLEN;
	if (payload_len)
		memmove(udp + UDP_HLEN, payload, payload_len);

	ip[0] = 0x45; /* version 4, IHL 5 */
	ip[1] = 0;    /* TOS */
	put_be16(ip + 2, (uint16_t)ip_len);
	put_be16(ip + 4, 0); /* id */
	put_be16(ip + 6, 0); /* no DF, not a fragment */
	ip[8] = f->ttl ? f->ttl : IPV4_DEFAULT_TTL;
	ip[9] = IPPROTO_UDP_NUM;
	put_be16(ip + 10, 0);
	memcpy(ip + 12, &f->src_ip, 4);
	memcpy(ip + 16, &f->dst_ip, 4);
	csum = inet_csum(ip, IPV4_MIN_HLEN);
	memcpy(ip + 10, &csum, 2);

	put_be16(udp, f->src_port);
	put_be16(udp + 2, f->dst_port);
	put_be16(udp + 4, (uint16_t)udp_len);
	put_be16(udp + 6, 0);
	csum = udp4_csum(f->src_ip, f->dst_ip, udp, udp_len);
	/* RFC 768: a computed checksum of 0 is sent as all ones (0 means none). */
	if (csum == 0)
		csum = 0xffff;
	memcpy(udp + 6, &csum, 2);

	return (int)(l2_len + ip_len);
}

/* ------------------------------------------------------------------ */
/* Decoding DHCP messages. */

/*
 * Append one option instance to m->opt_data.  Repeated codes are
 * concatenated (RFC 3396): the data goes at the end of the code's
 * existing block and every block after it moves up, so each option stays
 * contiguous.  Only non-empty repeats move data, so the work is bounded by
 * DHCP_OPT_DATA_MAX moves.
 */
static int opt_append(struct dhcp_msg *m, uint8_t code, const uint8_t *data, size_t len)
{
	struct dhcp_opt_ref *ref = &m->opts[code];
	size_t end;
	int i;

	if (len > DHCP_OPT_DATA_MAX - m->opt_data_len)
		return -EBADMSG;
	if (!ref->present) {
		ref->present = true;
		ref->off = (uint16_t)m->opt_data_len;
		ref->len = (uint16_t)len;
		memcpy(m->opt_data + m->opt_data_len, data, len);
		m->opt_data_len += len;
		return 0;
	}
	if (len == 0)
		return 0;

	end = (size_t)ref->off + ref->len;
	memmove(m->opt_data + end + len, m->opt_data + end, m->opt_data_len - end);
	for (i = 0; i < 256; i++) {
		if (i != code && m->opts[i].present && m->opts[i].off >= end)
			m->opts[i].off += (uint16_t)len;
	}
	memcpy(m->opt_data + end, data, len);
	ref->len += (uint16_t)len;
	m->opt_data_len += len;
	return 0;
}

/*
 * Walk one field of options (the options field, or file/sname when
 * overloaded).  PAD and END have no length byte; every other option needs a
 * length byte and that many bytes inside the field (RFC 2132 section 2).
 * Bytes after END are padding and ignored.
 *
 * Missing END: the options should end with END (RFC 2132 section 3.2), but
 * some clients fill the field up to its last byte.  We accept a field
 * without END only when the last option ends exactly at the end of the
 * field; any option cut short by the end is -EBADMSG.  The same rule
 * applies to file and sname ("contain END or fill the field").
 */
static int opts_walk(struct dhcp_msg *m, const uint8_t *field, size_t field_len)
{
	struct cursor c = {.p = field, .rem = field_len};
	const uint8_t *p, *data;
	uint8_t code;
	int r;

	/* Each step consumes at least one byte: the loop ends. */
	while (c.rem > 0) {
		p = cursor_pull(&c, 1);
		code = p[0];
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		p = cursor_pull(&c, 1);
		if (!p)
			goto too_short;
		/* RFC 2132 9.6: option 53 is one byte in every instance, so an
		 * empty one cannot be made up for by a repeat (RFC 3396); the
		 * fast path (bpf/parse.h) decides the same way. */
		if (code == DHCP_OPT_MESSAGE_TYPE && p[0] != 1)
			return -EBADMSG;
		data = cursor_pull(&c, p[0]);
		if (!data)
			goto too_short;
		r = opt_append(m, code, data, p[0]);
		if (r < 0)
			return r;
	}
	return 0;

too_short:
	return -EBADMSG;
}

/* Option 52 (RFC 2132 section 9.3): exactly one byte, 1 (file), 2 (sname) or 3 (both). */
static int opt_overload(const struct dhcp_msg *m, uint8_t *ret_overload)
{
	const struct dhcp_opt_ref *ref = &m->opts[DHCP_OPT_OVERLOAD];
	uint8_t v;

	if (!ref->present) {
		*ret_overload = 0;
		return 0;
	}
	if (ref->len != 1)
		return -EBADMSG;
	v = m->opt_data[ref->off];
	if (v < 1 || v > 3)
		return -EBADMSG;
	*ret_overload = v;
	return 0;
}

/* Parsed into a local copy so that m is written only on success. */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len)
{
	struct cursor c = {.p = buf, .rem = len};
	struct dhcp_msg tmp;
	const uint8_t *hdr, *cookie;
	uint8_t overload, overload_end;
	int r;

	hdr = cursor_pull(&c, sizeof(struct dhcp_hdr));
	if (!hdr)
		return -EBADMSG;
	memset(&tmp, 0, sizeof(tmp));
	memcpy(&tmp.hdr, hdr, sizeof(tmp.hdr));

	/* RFC 1497 vendor extensions start with the cookie; without it the
	 * message is plain BOOTP (RFC 951) and carries no DHCP options. */
	cookie = cursor_pull(&c, sizeof(dhcp_cookie));
	if (!cookie || memcmp(cookie, dhcp_cookie, sizeof(dhcp_cookie)) != 0) {
		*m = tmp;
		return 0;
	}
	tmp.has_cookie = true;

	r = opts_walk(&tmp, c.p, c.rem);
	if (r < 0)
		return r;

	/* RFC 2132 section 9.3 and RFC 3396 section 5: options continue in
	 * file, then in sname. */
	r = opt_overload(&tmp, &overload);
	if (r < 0)
		return r;
	if (overload & DHCP_OVERLOAD_FILE) {
		r = opts_walk(&tmp, tmp.hdr.file, sizeof(tmp.hdr.file));
		if (r < 0)
			return r;
	}
	if (overload & DHCP_OVERLOAD_SNAME) {
		r = opts_walk(&tmp, tmp.hdr.sname, sizeof(tmp.hdr.sname));
		if (r < 0)
			return r;
	}
	/* An option 52 in file or sname concatenates with the first one and
	 * so no longer has length 1. */
	r = opt_overload(&tmp, &overload_end);
	if (r < 0)
		return r;

	/* RFC 2132 section 9.6: the message type is exactly one byte. */
	if (tmp.opts[DHCP_OPT_MESSAGE_TYPE].present) {
		if (tmp.opts[DHCP_OPT_MESSAGE_TYPE].len != 1)
			return -EBADMSG;
		tmp.type = tmp.opt_data[tmp.opts[DHCP_OPT_MESSAGE_TYPE].off];
	}

	*m = tmp;
	return 0;
}

const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *ret_len)
{
	const struct dhcp_opt_ref *ref = &m->opts[code];

	if (!ref->present)
		return NULL;
	if (ret_len)
		*ret_len = ref->len;
	return m->opt_data + ref->off;
}

bool dhcp_msg_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *ret_ip)
{
	const uint8_t *p;
	size_t len;

	p = dhcp_msg_opt(m, code, &len);
	if (!p || len != 4)
		return false;
	memcpy(ret_ip, p, 4);
	return true;
}

bool dhcp_msg_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *ret_val)
{
	const uint8_t *p;
	size_t len;

	p = dhcp_msg_opt(m, code, &len);
	if (!p || len != 2)
		return false;
	*ret_val = get_be16(p);
	return true;
}

const char *dhcp_msg_type_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "BOOTP";
	case DHCPDISCOVER:
		return "DISCOVER";
	case DHCPOFFER:
		return "OFFER";
	case DHCPREQUEST:
		return "REQUEST";
	case DHCPDECLINE:
		return "DECLINE";
	case DHCPACK:
		return "ACK";
	case DHCPNAK:
		return "NAK";
	case DHCPRELEASE:
		return "RELEASE";
	case DHCPINFORM:
		return "INFORM";
	default:
		return "UNKNOWN";
	}
}

/* ------------------------------------------------------------------ */
/* Encoding DHCP messages. */

static void build_put(struct dhcp_builder *b, const void *data, size_t len)
{
	if (b->err)
		return;
	if (len > b->cap - b->len) {
		b->err = -ENOSPC;
		return;
	}
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
}

void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t cap, const struct dhcp_hdr *hdr)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->err = 0;
	if (cap < DHCP_OPTIONS_OFFSET) {
		b->err = -ENOSPC;
		return;
	}
	build_put(b, hdr, sizeof(*hdr));
	build_put(b, dhcp_cookie, sizeof(dhcp_cookie));
}

/*
 * PAD and END carry no length byte, so they cannot be built as options
 * (-EINVAL).  The whole option, every chunk included, is checked against
 * the space left before anything is written.
 */
void dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t chunks, chunk;
	uint8_t head[2];

	if (b->err)
		return;
	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END || (!data && len)) {
		b->err = -EINVAL;
		return;
	}
	/* RFC 3396: longer data is split into several instances. */
	chunks = len ? (len + DHCP_OPT_MAX_LEN - 1) / DHCP_OPT_MAX_LEN : 1;
	if (len > b->cap - b->len || 2 * chunks > b->cap - b->len - len) {
		b->err = -ENOSPC;
		return;
	}
	head[0] = code;
	if (len == 0) {
		/* A zero-length option is just code and length (e.g. RFC 4039). */
		head[1] = 0;
		build_put(b, head, 2);
		return;
	}
	while (len) {
		chunk = len < DHCP_OPT_MAX_LEN ? len : DHCP_OPT_MAX_LEN;
		head[1] = (uint8_t)chunk;
		build_put(b, head, 2);
		build_put(b, p, chunk);
		p += chunk;
		len -= chunk;
	}
}

void dhcp_build_opt_u8(struct dhcp_builder *b, uint8_t code, uint8_t val)
{
	dhcp_build_opt(b, code, &val, 1);
}

void dhcp_build_opt_u16(struct dhcp_builder *b, uint8_t code, uint16_t val)
{
	uint8_t v[2];

	put_be16(v, val);
	dhcp_build_opt(b, code, v, sizeof(v));
}

void dhcp_build_opt_u32(struct dhcp_builder *b, uint8_t code, uint32_t val)
{
	uint8_t v[4];

	put_be16(v, val >> 16);
	put_be16(v + 2, val & 0xffff);
	dhcp_build_opt(b, code, v, sizeof(v));
}

void dhcp_build_opt_ip(struct dhcp_builder *b, uint8_t code, uint32_t ip)
{
	dhcp_build_opt(b, code, &ip, sizeof(ip));
}

void dhcp_build_raw(struct dhcp_builder *b, const void *data, size_t len)
{
	if (!b->err && !data && len) {
		b->err = -EINVAL;
		return;
	}
	build_put(b, data, len);
}

int dhcp_build_finish(struct dhcp_builder *b, size_t min_len)
{
	uint8_t end = DHCP_OPT_END;
	size_t target, pad;

	build_put(b, &end, 1);
	if (b->err)
		return b->err;
	target = b->len > min_len ? b->len : min_len;
	if (target > b->cap || target > INT_MAX) {
		b->err = -ENOSPC;
		return b->err;
	}
	target += (4 - target % 4) % 4;
	if (target > b->cap || target > INT_MAX) {
		b->err = -ENOSPC;
		return b->err;
	}
	pad = target - b->len;
	memset(b->buf + b->len, DHCP_OPT_PAD, pad);
	b->len = target;
	return (int)b->len;
}

/* ------------------------------------------------------------------ */
/* Option value encoders. */

/* Encoders return int lengths: never produce more than INT_MAX bytes. */
static size_t cap_clamp(size_t cap)
{
	return cap > INT_MAX ? INT_MAX : cap;
}

/*
 * Wire length of a name (RFC 1035 section 3.1: labels of 1..63 octets, the
 * whole name at most 255 octets), or -EINVAL.  One trailing dot is allowed;
 * the root name alone ("" or ".") is refused: it is never a useful domain
 * in a DHCP option.
 */
static int dns_name_len(const char *name)
{
	size_t wire = 1, label = 0;
	const char *s;

	if (!name || !name[0])
		return -EINVAL;
	for (s = name; *s; s++) {
		if (*s != '.') {
			if (++label > DNS_MAX_LABEL)
				return -EINVAL;
			continue;
		}
		/* An empty label: leading dot, "..", or the name ".". */
		if (label == 0)
			return -EINVAL;
		wire += 1 + label;
		label = 0;
	}
	wire += label ? 1 + label : 0;
	if (wire > DNS_MAX_NAME)
		return -EINVAL;
	return (int)wire;
}

int dhcp_encode_dns_name(const char *name, uint8_t *out, size_t cap)
{
	const char *s = name;
	size_t label, off = 0;
	int len;

	len = dns_name_len(name);
	if (len < 0)
		return len;
	if ((size_t)len > cap)
		return -ENOSPC;
	while (*s) {
		label = strcspn(s, ".");
		out[off++] = (uint8_t)label;
		memcpy(out + off, s, label);
		off += label;
		s += label;
		if (*s == '.')
			s++;
	}
	out[off++] = 0;
	return (int)off;
}

/*
 * Does the (possibly compressed) name at buf[off] equal the uncompressed
 * wire name? Labels are compared byte for byte, so a pointer is only used
 * where it reproduces the configured spelling exactly.  buf is our own
 * output, but every step is still bounded.
 */
static bool dns_name_at_equals(const uint8_t *buf, size_t buf_len, size_t off, const uint8_t *name)
{
	size_t pos = 0;
	int hops = 0;
	uint8_t b;

	for (;;) {
		if (off >= buf_len)
			return false;
		b = buf[off];
		if ((b & DNS_PTR_MASK) == DNS_PTR_MASK) {
			if (off + 1 >= buf_len || ++hops > DNS_MAX_PTR_HOPS)
				return false;
			off = (size_t)(b & ~DNS_PTR_MASK) << 8 | buf[off + 1];
			continue;
		}
		if (b > DNS_MAX_LABEL || b != name[pos])
			return false;
		if (b == 0)
			return true;
		if (b > buf_len - off - 1 || memcmp(buf + off + 1, name + pos + 1, b) != 0)
			return false;
		off += 1 + b;
		pos += 1 + b;
	}
}

/*
 * Offset of an already emitted name or name suffix equal to the wire name,
 * or -1.  Every label start in the emitted data is a candidate; only offsets
 * a 14-bit pointer can reach qualify (RFC 1035 section 4.1.4).
 */
static long dns_find_suffix(const uint8_t *buf, size_t buf_len, const uint8_t *name)
{
	size_t pos = 0;
	uint8_t b;

	while (pos < buf_len && pos <= DNS_PTR_MAX_OFF) {
		b = buf[pos];
		if (b == 0) {
			pos++;
			continue;
		}
		if ((b & DNS_PTR_MASK) == DNS_PTR_MASK) {
			pos += 2;
			continue;
		}
		if (dns_name_at_equals(buf, buf_len, pos, name))
			return (long)pos;
		pos += 1 + b;
	}
	return -1;
}

/*
 * RFC 3397 section 2: the names are encoded in order; a name whose suffix
 * (the longest one wins) already appears in the option data ends with a
 * pointer to it, offsets relative to the start of the option data.  The
 * result may exceed 255 bytes; dhcp_build_opt() splits it (RFC 3396).
 */
int dhcp_encode_domain_search(const char *const *names, size_t n, uint8_t *out, size_t cap)
{
	uint8_t wire[DNS_MAX_NAME];
	size_t i, len = 0, sfx, need;
	long target;
	int wire_len;

	cap = cap_clamp(cap);
	for (i = 0; i < n; i++) {
		wire_len = dhcp_encode_dns_name(names[i], wire, sizeof(wire));
		if (wire_len < 0)
			return wire_len;

		/* Try suffixes from the whole name down to its last label. */
		target = -1;
		for (sfx = 0; wire[sfx] != 0; sfx += 1 + wire[sfx]) {
			target = dns_find_suffix(out, len, wire + sfx);
			if (target >= 0)
				break;
		}

		need = target >= 0 ? sfx + 2 : (size_t)wire_len;
		if (need > cap - len)
			return -ENOSPC;
		if (target >= 0) {
			memcpy(out + len, wire, sfx);
			put_be16(out + len + sfx, (uint16_t)(DNS_PTR_MASK << 8 | target));
		} else {
			memcpy(out + len, wire, (size_t)wire_len);
		}
		len += need;
	}
	return (int)len;
}

/*
 * RFC 3442 section 3: each route is the prefix width, the significant
 * octets of the destination (ceil(width / 8)), then the router.  A
 * destination with bits set beyond its prefix is a configuration error
 * (like "ip route" refuses it), not silently masked.
 */
int dhcp_encode_classless_routes(const struct dhcp_route *routes, size_t n, uint8_t *out,
				 size_t cap)
{
	size_t i, len = 0, sig;
	uint8_t dest[4];
	uint32_t host_mask;

	cap = cap_clamp(cap);
	for (i = 0; i < n; i++) {
		const struct dhcp_route *r = &routes[i];

		if (r->prefix > 32)
			return -EINVAL;
		memcpy(dest, &r->dest, 4);
		host_mask = r->prefix == 32 ? 0 : 0xffffffffU >> r->prefix;
		if (get_be32(dest) & host_mask)
			return -EINVAL;

		sig = (r->prefix + 7u) / 8;
		if (1 + sig + 4 > cap - len)
			return -ENOSPC;
		out[len++] = r->prefix;
		memcpy(out + len, dest, sig);
		len += sig;
		memcpy(out + len, &r->gateway, 4);
		len += 4;
	}
	return (int)len;
}
