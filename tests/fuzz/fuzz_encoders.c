/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the option value encoders and the message builder of
 * user/dhcp_msg.c, against independent models written here.
 *
 *   input := mode cap_hi cap_lo rest
 *   mode % 4 == 0: domain search list (RFC 3397): rest is names, one a line
 *   mode % 4 == 1: classless routes (RFC 3442): rest is 9-byte routes,
 *                  destination (4), prefix (1), gateway (4)
 *   mode % 4 == 2: one DNS name (RFC 1035 3.1): rest up to the first NUL
 *   mode % 4 == 3: the builder: rest is min_len/8, then options
 *                  (code, len_hi, len_lo, data)
 *
 * The output buffer is a heap block of exactly cap bytes.  Properties: a
 * result fits cap; it decodes back (names through RFC 1035 decompression,
 * routes by RFC 3442, a built message by dhcp_msg_parse) to the input;
 * -EINVAL exactly for invalid input, -ENOSPC only when the uncompressed
 * encoding would not fit; compression never makes the list longer and
 * pointers only point backwards.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_wire.h"

#include "dhcp_msg.h"
#include "fuzz.h"

#define MAX_NAMES  16
#define MAX_ROUTES 64
#define CAP_MAX	   4096

/* ------------------------------------------------------------------ */
/* Reference model of a DNS name: the wire length, or -1 when invalid
 * (empty, an empty label, a label over 63, more than 255 octets; one
 * trailing dot allowed, the root alone refused). */
static int ref_name_len(const char *name)
{
	size_t n = strlen(name), wire = 1, label = 0;

	if (n == 0)
		return -1;
	if (name[n - 1] == '.')
		n--;
	if (n == 0)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			if (label == 0 || label > 63)
				return -1;
			wire += 1 + label;
			label = 0;
		} else {
			label++;
		}
	}
	return wire > 255 ? -1 : (int)wire;
}

/* The name without its trailing dot. */
static void normalize(const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);

	if (n && name[n - 1] == '.')
		n--;
	FUZZ_CHECK(n < cap);
	memcpy(out, name, n);
	out[n] = '\0';
}

/*
 * Decode the name at buf[*pos] (RFC 1035 4.1.4) into out as dotted text.
 * A pointer must point before the name it ends (the list refers back to
 * names already emitted).  Advances *pos past the name.  Returns 0, -1 when
 * malformed.
 */
static int decode_name(const uint8_t *buf, size_t len, size_t *pos, char *out, size_t cap)
{
	size_t p = *pos, o = 0, start = *pos;
	bool jumped = false;
	int hops = 0;

	for (;;) {
		uint8_t b;

		if (p >= len)
			return -1;
		b = buf[p];
		if ((b & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len || ++hops > 64)
				return -1;
			target = (size_t)(b & 0x3f) << 8 | buf[p + 1];
			if (target >= start)
				return -1; /* only backwards */
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			start = target;
			p = target;
			continue;
		}
		if (b & 0xc0)
			return -1;
		if (b == 0) {
			if (!jumped)
				*pos = p + 1;
			if (o == 0 || o >= cap)
				return -1;
			out[o - 1] = '\0'; /* drop the last dot */
			return 0;
		}
		if (p + 1 + b > len || o + b + 1 >= cap)
			return -1;
		memcpy(out + o, buf + p + 1, b);
		o += b;
		out[o++] = '.';
		p += 1 + b;
	}
}

static void run_search(const uint8_t *rest, size_t n, size_t cap)
{
	char *names[MAX_NAMES];
	size_t count = 0, sum = 0;
	bool all_valid = true;
	uint8_t *out;
	int r;

	/* One name a line; each a NUL-terminated heap copy of exact size. */
	while (count < MAX_NAMES) {
		const uint8_t *nl = memchr(rest, '\n', n);
		size_t l = nl ? (size_t)(nl - rest) : n;
		int w;

		/* A NUL inside the line ends the name early. */
		names[count] = (char *)fuzz_dup(rest, l, 1);
		w = ref_name_len(names[count]);
		if (w < 0)
			all_valid = false;
		else
			sum += (size_t)w;
		count++;
		if (!nl)
			break;
		rest = nl + 1;
		n -= l + 1;
	}

	out = malloc(cap ? cap : 1);
	FUZZ_CHECK(out != NULL);
	r = dhcp_encode_domain_search((const char *const *)names, count, out, cap);
	FUZZ_CHECK(r >= 0 || r == -EINVAL || r == -ENOSPC);
	if (r == -EINVAL)
		FUZZ_CHECK(!all_valid);
	if (all_valid && sum <= cap)
		FUZZ_CHECK(r >= 0);
	if (r >= 0) {
		size_t pos = 0;

		FUZZ_CHECK(all_valid);
		FUZZ_CHECK((size_t)r <= cap && (size_t)r <= sum);
		for (size_t i = 0; i < count; i++) {
			char got[300], want[300];

			FUZZ_CHECK(decode_name(out, (size_t)r, &pos, got, sizeof(got)) == 0);
			normalize(names[i], want, sizeof(want));
			FUZZ_CHECK(!strcmp(got, want));
		}
		FUZZ_CHECK(pos == (size_t)r);
	}
	free(out);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
}

static void run_routes(const uint8_t *rest, size_t n, size_t cap)
{
	struct dhcp_route routes[MAX_ROUTES];
	size_t count = n / 9, need = 0;
	bool all_valid = true;
	uint8_t *out;
	int r;

	if (count > MAX_ROUTES)
		count = MAX_ROUTES;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p = rest + 9 * i;
		uint32_t host_mask, d;

		memcpy(&routes[i].dest, p, 4);
		routes[i].prefix = p[4];
		memcpy(&routes[i].gateway, p + 5, 4);
		d = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (p[4] > 32) {
			all_valid = false;
			continue;
		}
		host_mask = p[4] == 32 ? 0 : 0xffffffffU >> p[4];
		if (d & host_mask)
			all_valid = false;
		need += 1 + (p[4] + 7u) / 8 + 4;
	}

	out = malloc(cap ? cap : 1);
	FUZZ_CHECK(out != NULL);
	r = dhcp_encode_classless_routes(routes, count, out, cap);
	FUZZ_CHECK(r >= 0 || r == -EINVAL || r == -ENOSPC);
	if (r == -EINVAL)
		FUZZ_CHECK(!all_valid);
	if (r == -ENOSPC)
		FUZZ_CHECK(need > cap || !all_valid);
	if (all_valid && need <= cap)
		FUZZ_CHECK(r >= 0 && (size_t)r == need);
	if (r >= 0) {
		size_t pos = 0;

		FUZZ_CHECK(all_valid && (size_t)r == need);
		/* Decode by RFC 3442 section 3. */
		for (size_t i = 0; i < count; i++) {
			uint8_t dest[4] = {0}, prefix, sig;

			FUZZ_CHECK(pos < (size_t)r);
			prefix = out[pos++];
			sig = (uint8_t)((prefix + 7) / 8);
			FUZZ_CHECK(prefix == routes[i].prefix && pos + sig + 4 <= (size_t)r);
			memcpy(dest, out + pos, sig);
			pos += sig;
			FUZZ_CHECK(!memcmp(dest, &routes[i].dest, 4));
			FUZZ_CHECK(!memcmp(out + pos, &routes[i].gateway, 4));
			pos += 4;
		}
		FUZZ_CHECK(pos == (size_t)r);
	}
	free(out);
}

static void run_name(const uint8_t *rest, size_t n, size_t cap)
{
	char *name = (char *)fuzz_dup(rest, n, 1);
	int want = ref_name_len(name);
	uint8_t *out = malloc(cap ? cap : 1);
	int r;

	FUZZ_CHECK(out != NULL);
	r = dhcp_encode_dns_name(name, out, cap);
	if (want < 0) {
		FUZZ_CHECK(r == -EINVAL);
	} else if ((size_t)want > cap) {
		FUZZ_CHECK(r == -ENOSPC);
	} else {
		char got[300], norm[300];
		size_t pos = 0;

		FUZZ_CHECK(r == want);
		FUZZ_CHECK(decode_name(out, (size_t)r, &pos, got, sizeof(got)) == 0);
		FUZZ_CHECK(pos == (size_t)r);
		normalize(name, norm, sizeof(norm));
		FUZZ_CHECK(!strcmp(got, norm));
	}
	free(out);
	free(name);
}

/* ------------------------------------------------------------------ */
/* The builder against a model: per code, the concatenated data. */

static struct dhcp_msg parsed;

static void run_builder(const uint8_t *rest, size_t n, size_t cap)
{
	static uint8_t want[256][DHCP_OPT_DATA_MAX];
	static size_t want_len[256];
	static bool want_present[256];
	uint8_t *buf = malloc(cap ? cap : 1);
	size_t total = 0, min_len;
	struct dhcp_builder b;
	struct dhcp_hdr h;
	bool model_ok = true;
	int expect_err = 0, r;

	FUZZ_CHECK(buf != NULL);
	memset(want_len, 0, sizeof(want_len));
	memset(want_present, 0, sizeof(want_present));
	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	min_len = n ? (size_t)rest[0] * 8 : 0;
	if (n) {
		rest++;
		n--;
	}

	dhcp_build_init(&b, buf, cap, &h);
	FUZZ_CHECK(b.err == (cap < DHCP_OPTIONS_OFFSET ? -ENOSPC : 0));
	if (b.err)
		expect_err = b.err;
	while (n >= 3) {
		uint8_t code = rest[0];
		size_t len = ((size_t)rest[1] << 8 | rest[2]) % 1024, before = b.len;
		int err_before = b.err;

		rest += 3;
		n -= 3;
		if (len > n)
			len = n;
		/* Option 52 would make file and sname part of the options, and 53
		 * must be one byte: leave both to the decoder fuzzer. */
		if (code == DHCP_OPT_OVERLOAD || code == DHCP_OPT_MESSAGE_TYPE)
			code = 224;
		dhcp_build_opt(&b, code, rest, len);
		if (!err_before) {
			if (code == DHCP_OPT_PAD || code == DHCP_OPT_END) {
				FUZZ_CHECK(b.err == -EINVAL && b.len == before);
			} else if (b.err) {
				/* All or nothing: the option needed more room. */
				size_t chunks = len ? (len + 254) / 255 : 1;

				FUZZ_CHECK(b.err == -ENOSPC && b.len == before);
				FUZZ_CHECK(before + len + 2 * chunks > cap);
			} else {
				size_t chunks = len ? (len + 254) / 255 : 1;

				FUZZ_CHECK(b.len == before + len + 2 * chunks);
				if (total + len <= DHCP_OPT_DATA_MAX) {
					memcpy(want[code] + want_len[code], rest, len);
					want_len[code] += len;
					want_present[code] = true;
					total += len;
				} else {
					model_ok = false;
				}
			}
			expect_err = b.err;
		} else {
			FUZZ_CHECK(b.err == err_before && b.len == before);
		}
		rest += len;
		n -= len;
	}

	r = dhcp_build_finish(&b, min_len);
	if (expect_err) {
		FUZZ_CHECK(r == expect_err);
	} else if (r < 0) {
		size_t target = b.len + 1 > min_len ? b.len + 1 : min_len;

		FUZZ_CHECK(r == -ENOSPC);
		FUZZ_CHECK(target + (4 - target % 4) % 4 > cap);
	} else {
		FUZZ_CHECK((size_t)r <= cap && r % 4 == 0 && (size_t)r >= min_len);
		if (model_ok) {
			FUZZ_CHECK(dhcp_msg_parse(&parsed, buf, (size_t)r) == 0);
			FUZZ_CHECK(parsed.has_cookie && parsed.type == 0);
			for (int code = 1; code < 255; code++) {
				size_t l;
				const uint8_t *p = dhcp_msg_opt(&parsed, (uint8_t)code, &l);

				FUZZ_CHECK(!p == !want_present[code]);
				if (p)
					FUZZ_CHECK(l == want_len[code] &&
						   !memcmp(p, want[code], l));
			}
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap;

	if (size < 3)
		return 0;
	cap = ((size_t)data[1] << 8 | data[2]) % CAP_MAX;
	switch (data[0] % 4) {
	case 0:
		run_search(data + 3, size - 3, cap);
		break;
	case 1:
		run_routes(data + 3, size - 3, cap);
		break;
	case 2:
		run_name(data + 3, size - 3, cap);
		break;
	default:
		run_builder(data + 3, size - 3, cap);
		break;
	}
	return 0;
}
