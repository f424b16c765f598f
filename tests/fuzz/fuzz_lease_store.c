/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the lease file reader (user/lease_store.c).
 *
 * Every line of the input goes through store_parse_line() (an exact-size
 * NUL-terminated copy), as it is and with its CRC made right (so that
 * mutations reach the field parsers); a record that parses is formatted
 * again with store_format_line() and must parse back to the same record.
 * Then the whole input is written to a temporary file and replayed with
 * store_load(), whose count is compared with a model of the documented
 * contract: every line of at most 512 bytes that parses is replayed, '#'
 * lines and empty lines are skipped, and a torn, corrupt or overlong line
 * costs only itself ("skipped with a warning naming its line, and the rest
 * loads").  A line holding a NUL byte may count or not, but never changes
 * what happens to the lines around it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "lease_store.h"
#include "log.h"
#include "fuzz.h"

#define LINE_MAX_BYTES 512 /* longest line store_load() takes, without '\n' */
#define POOL	       3

struct replay {
	size_t n;
};

static bool same_record(const struct store_record *a, const struct store_record *b)
{
	return a->op == b->op && !memcmp(&a->key, &b->key, sizeof(a->key)) && a->addr == b->addr &&
	       a->expires == b->expires && a->lease_time == b->lease_time &&
	       !strcmp(a->hostname, b->hostname);
}

static void check_record(const struct store_record *r)
{
	FUZZ_CHECK(r->op >= STORE_GRANT && r->op <= STORE_DECLINE);
	FUZZ_CHECK(r->key.pool == POOL);
	FUZZ_CHECK(r->key.kind == XDHCP_KEY_HWADDR || r->key.kind == XDHCP_KEY_CLIENT_ID);
	FUZZ_CHECK(r->key.len >= 1 && r->key.len <= XDHCP_CLIENT_ID_MAX);
	FUZZ_CHECK(memchr(r->hostname, '\0', sizeof(r->hostname)) != NULL);
}

/* Parse one line; on success, format it again and parse that. */
static bool parse_line(const uint8_t *p, size_t n)
{
	char *line = (char *)fuzz_dup(p, n, 1);
	struct store_record r, again;
	char out[LINE_MAX_BYTES];
	int len;
	bool ok;

	ok = store_parse_line(line, POOL, &r) == 0;
	if (ok) {
		check_record(&r);
		len = store_format_line(&r, out, sizeof(out));
		FUZZ_CHECK(len > 0 && (size_t)len < sizeof(out) && strlen(out) == (size_t)len);
		FUZZ_CHECK(store_parse_line(out, POOL, &again) == 0);
		FUZZ_CHECK(same_record(&r, &again));
	}
	free(line);
	return ok;
}

/*
 * The line with its checksum made right: the fuzzer cannot compute a
 * CRC-32 and write it in hex, so this is how its mutations of the fields
 * reach the field parsers.  The CRC covers what precedes the last " crc=".
 */
static void parse_fixed(const uint8_t *p, size_t n)
{
	const uint8_t *c = NULL, *q;
	size_t body;

	for (q = memmem(p, n, " crc=", 5); q;
	     q = memmem(q + 1, n - (size_t)(q + 1 - p), " crc=", 5))
		c = q;
	body = c ? (size_t)(c - p) : n;
	char line[LINE_MAX_BYTES + 16];

	if (body > LINE_MAX_BYTES || memchr(p, '\0', body))
		return;
	memcpy(line, p, body);
	snprintf(line + body, sizeof(line) - body, " crc=%08lx", crc32(0L, p, (uInt)body));
	(void)parse_line((const uint8_t *)line, strlen(line));
}

static void on_record(void *ctx, const struct store_record *r)
{
	struct replay *rp = ctx;

	check_record(r);
	rp->n++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(-1); /* the per-line warnings */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	size_t must_load = 0, may_load = 0;
	struct lease_store *st;
	struct replay rp = {0};
	int n;

	/* The model: what store_load() must replay. */
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const uint8_t *nul = memchr(p, '\0', len);

		if (nul) {
			/* Up to the NUL it may be a record; it may be skipped. */
			if ((size_t)(nul - p) <= LINE_MAX_BYTES && nul > p && p[0] != '#' &&
			    parse_line(p, (size_t)(nul - p)))
				may_load++;
		} else if (len <= LINE_MAX_BYTES && len > 0 && p[0] != '#' && parse_line(p, len)) {
			must_load++;
		} else if (len > 0) {
			(void)parse_line(p, len);
		}
		parse_fixed(p, len);
		p += len + 1;
	}

	FUZZ_CHECK(store_open(fuzz_tmpfile(data, size), &st) == 0);
	n = store_load(st, POOL, on_record, &rp);
	FUZZ_CHECK(n >= 0 && (size_t)n == rp.n);
	FUZZ_CHECK(store_records(st) == (size_t)n);
	/* Every good line replayed, whatever damage surrounds it. */
	FUZZ_CHECK((size_t)n >= must_load);
	FUZZ_CHECK((size_t)n <= must_load + may_load);
	store_close(st);
	return 0;
}
