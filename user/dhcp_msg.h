/* SPDX-License-Identifier: MIT */
/*
 * The reusable DHCP message library: decode and encode DHCPv4 messages and
 * the Ethernet/IPv4/UDP frames that carry them.  No sockets, no global
 * state, no logging: bytes in, structures out (and back).  Malformed input
 * is reported with -EBADMSG, never with a crash.
 */
#ifndef XDHCP_DHCP_MSG_H
#define XDHCP_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_wire.h"

/* ------------------------------------------------------------------ */
/* Frames: Ethernet (one optional 802.1Q tag), IPv4, UDP. */

struct dhcp_frame {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t vlan_tci; /* host order; valid when has_vlan */
	bool has_vlan;
	uint32_t src_ip;   /* network order */
	uint32_t dst_ip;   /* network order */
	uint16_t src_port; /* host order */
	uint16_t dst_port; /* host order */
	uint8_t ttl;
	const uint8_t *payload; /* UDP payload inside the caller's buffer */
	size_t payload_len;
};

/*
 * Parse an Ethernet frame carrying IPv4/UDP.  Checks every length, the IPv4
 * version, IHL >= 5, total length, fragments (rejected) and the IPv4 header
 * checksum.  The UDP checksum is not verified: a client's unicast renewal may
 * leave with a partial checksum (offload).  Returns 0, or -EBADMSG for
 * malformed frames and -EPROTONOSUPPORT for frames that are not IPv4/UDP.
 */
int dhcp_frame_parse(const uint8_t *frame, size_t len, struct dhcp_frame *ret_frame);

/*
 * Build a frame around payload: Ethernet (with an 802.1Q tag when
 * f->has_vlan), IPv4 (TTL f->ttl or 64 when 0, DF clear, id 0) and UDP, both
 * checksums computed.  f->payload/payload_len are ignored; payload is copied.
 * Returns the frame length, or -ENOSPC when cap is too small.
 */
int dhcp_frame_build(uint8_t *out, size_t cap, const struct dhcp_frame *f, const uint8_t *payload,
		     size_t payload_len);

/* RFC 1071 Internet checksum helpers (results in network order). */
uint16_t inet_csum(const void *data, size_t len);
uint16_t udp4_csum(uint32_t src_ip, uint32_t dst_ip, const void *udp, size_t udp_len);

/* ------------------------------------------------------------------ */
/* Decoding DHCP messages. */

/* Bytes of concatenated option data a message can hold (RFC 3396). */
#define DHCP_OPT_DATA_MAX 2048

struct dhcp_opt_ref {
	uint16_t off; /* into dhcp_msg.opt_data */
	uint16_t len;
	bool present;
};

struct dhcp_msg {
	struct dhcp_hdr hdr; /* copied; multi-byte fields stay network order */
	bool has_cookie;     /* false: plain BOOTP */
	uint8_t type;	     /* option 53, 0 when absent */
	/* Options from the options field, then file and sname when option 52
	 * says so (RFC 2132 section 9.3); repeated codes are concatenated in
	 * order of appearance (RFC 3396).  opts[0] and opts[255] never set. */
	struct dhcp_opt_ref opts[256];
	uint8_t opt_data[DHCP_OPT_DATA_MAX];
	size_t opt_data_len;
};

/*
 * Decode a DHCP/BOOTP message (UDP payload).  Returns 0, or -EBADMSG when it
 * is shorter than the fixed header, when an option runs past its field, when
 * option 53 or 52 has the wrong length, or when an option is cut short (a
 * field without END is accepted when its last option ends exactly at the
 * field's end).  Messages without the magic cookie decode as BOOTP (has_cookie false).
 */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len);

/* Option data and length, or NULL when absent. */
const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *ret_len);

/* An IPv4 address option of exactly 4 bytes; false when absent or malformed. */
bool dhcp_msg_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *ret_ip);

/* A 16-bit option of exactly 2 bytes (e.g. 57), host order. */
bool dhcp_msg_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *ret_val);

/* Name of a message type ("DISCOVER"...), "BOOTP" for 0, "UNKNOWN" otherwise. */
const char *dhcp_msg_type_name(uint8_t type);

/* ------------------------------------------------------------------ */
/* Encoding DHCP messages. */

struct dhcp_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* first error (-ENOSPC, -EINVAL); later puts are ignored */
};

/* Start a message: copies hdr, writes the magic cookie. */
void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t cap, const struct dhcp_hdr *hdr);

/* Append an option; data longer than 255 bytes is split into several
 * instances of the same code (RFC 3396). */
void dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len);
void dhcp_build_opt_u8(struct dhcp_builder *b, uint8_t code, uint8_t val);
void dhcp_build_opt_u16(struct dhcp_builder *b, uint8_t code, uint16_t val); /* host order in */
void dhcp_build_opt_u32(struct dhcp_builder *b, uint8_t code, uint32_t val); /* host order in */
void dhcp_build_opt_ip(struct dhcp_builder *b, uint8_t code, uint32_t ip);   /* network order */
/* Append pre-encoded option bytes (code, len, data...) verbatim. */
void dhcp_build_raw(struct dhcp_builder *b, const void *data, size_t len);

/* Append END and zero padding up to min_len (and to a multiple of 4).
 * Returns the message length or the first error. */
int dhcp_build_finish(struct dhcp_builder *b, size_t min_len);

/* ------------------------------------------------------------------ */
/* Option value encoders.  Each returns the encoded length or -ENOSPC /
 * -EINVAL; names and routes come from configuration. */

/* RFC 3397 domain search list (option 119): DNS wire names with RFC 1035
 * compression pointers relative to the start of the option data. */
int dhcp_encode_domain_search(const char *const *names, size_t n, uint8_t *out, size_t cap);

struct dhcp_route {
	uint32_t dest;	  /* network order */
	uint8_t prefix;	  /* 0..32 */
	uint32_t gateway; /* network order */
};

/* RFC 3442 classless static routes (option 121). */
int dhcp_encode_classless_routes(const struct dhcp_route *routes, size_t n, uint8_t *out,
				 size_t cap);

/* DNS wire encoding of one name (RFC 1035 3.1), no compression. */
int dhcp_encode_dns_name(const char *name, uint8_t *out, size_t cap);

#endif /* XDHCP_DHCP_MSG_H */
