/* SPDX-License-Identifier: MIT */
/*
 * Lease file unit tests (user/lease_store.c), no privileges, in a temporary
 * directory: line format and parse round trips for every operation and
 * every key kind; a damaged byte anywhere in a line is refused; appends
 * are buffered until store_sync and replay in order; a torn or corrupt
 * line is skipped with a warning naming it and the rest loads; compaction
 * replaces the file atomically and leaves it untouched when it fails; a
 * sync that fails halfway through and is retried leaves every record
 * readable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "lease_store.h"
#include "log.h"
#include "server.h"

/* server.c's marker for a client id too long for the key (prefix + hash). */
#define HASHED_ID_HTYPE 0xff
#define LINE_CAP	512

/* ------------------------------------------------------------------ */
/* Helpers */

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct xdhcp_lease_key key_mac(uint8_t last)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = 1;
	k.len = 6;
	k.id[0] = 0x02;
	k.id[5] = last;
	return k;
}

/* A hardware address of another type or length (hw:HTYPE:...). */
static struct xdhcp_lease_key key_hw(uint8_t htype, uint8_t len)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.kind = XDHCP_KEY_HWADDR;
	k.htype = htype;
	k.len = len;
	for (uint8_t i = 0; i < len; i++)
		k.id[i] = (uint8_t)(0xa0 + i);
	return k;
}

static struct xdhcp_lease_key key_id(uint8_t len, bool hashed)
{
	struct xdhcp_lease_key k;

	memset(&k, 0, sizeof(k));
	k.kind = XDHCP_KEY_CLIENT_ID;
	k.htype = hashed ? HASHED_ID_HTYPE : 0;
	k.len = len;
	for (uint8_t i = 0; i < len; i++)
		k.id[i] = (uint8_t)(i * 37 + 1); /* 0x00 and 0xff bytes included */
	k.id[0] = 0x00;
	if (len > 1)
		k.id[len - 1] = 0xff;
	return k;
}

static struct store_record rec(enum store_op op, struct xdhcp_lease_key key, const char *addr,
			       int64_t expires, uint32_t lease_time, const char *host)
{
	struct store_record r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.key = key;
	r.addr = ip(addr);
	r.expires = expires;
	r.lease_time = lease_time;
	snprintf(r.hostname, sizeof(r.hostname), "%s", host);
	return r;
}

/* Two records are the same lease record (the key's pool is the one the
 * parser was given, so it is compared separately). */
static void assert_same_record(const struct store_record *a, const struct store_record *b)
{
	struct xdhcp_lease_key ka = a->key, kb = b->key;

	ka.pool = kb.pool = 0;
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->addr, b->addr);
	assert_true(a->expires == b->expires);
	assert_int_equal(a->lease_time, b->lease_time);
	assert_string_equal(a->hostname, b->hostname);
	assert_memory_equal(&ka, &kb, sizeof(ka));
}

static void round_trip(const struct store_record *r, uint32_t pool)
{
	char line[LINE_CAP];
	struct store_record back;
	int n = store_format_line(r, line, sizeof(line));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(line));
	assert_null(strchr(line, '\n'));
	memset(&back, 0xa5, sizeof(back));
	if (store_parse_line(line, pool, &back) != 0)
		fail_msg("line does not parse back: '%s'", line);
	assert_same_record(r, &back);
	assert_int_equal(back.key.pool, pool);
}

/* A fresh temporary directory and the lease file path in it. */
struct tmpdir {
	char dir[64];
	char path[128];
	char tmp[140];
};

static void tmpdir_make(struct tmpdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/xdhcp-store-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/leases", t->dir);
	snprintf(t->tmp, sizeof(t->tmp), "%s.tmp", t->path);
}

static void tmpdir_remove(struct tmpdir *t)
{
	(void)unlink(t->path);
	(void)unlink(t->tmp);
	(void)rmdir(t->tmp); /* the compaction failure test puts a directory there */
	assert_int_equal(rmdir(t->dir), 0);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The whole file; the caller frees it. */
static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (ret_len)
		*ret_len = n;
	return buf;
}

struct collected {
	struct store_record r[64];
	unsigned int n;
};

static void collect(void *ctx, const struct store_record *r)
{
	struct collected *c = ctx;

	assert_true(c->n < sizeof(c->r) / sizeof(c->r[0]));
	c->r[c->n++] = *r;
}

/*
 * store_load with stderr captured: returns what store_load returned and
 * puts the warnings (the daemon's log lines) in log.
 */
static int load_capturing(struct lease_store *st, uint32_t pool, struct collected *c, char *log,
			  size_t cap)
{
	char logpath[] = "/tmp/xdhcp-store-log-XXXXXX";
	int lfd = mkstemp(logpath), saved, r;
	ssize_t n;

	assert_true(lfd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(lfd, STDERR_FILENO) >= 0);
	memset(c, 0, sizeof(*c));
	r = store_load(st, pool, collect, c);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = pread(lfd, log, cap - 1, 0);
	assert_true(n >= 0);
	log[n] = '\0';
	close(lfd);
	unlink(logpath);
	return r;
}

/* ------------------------------------------------------------------ */
/* Format and parse */

static const enum store_op all_ops[] = {STORE_GRANT, STORE_RENEW, STORE_RELEASE, STORE_EXPIRE,
					STORE_DECLINE};

static struct xdhcp_lease_key all_keys(unsigned int i)
{
	switch (i) {
	case 0:
		return key_mac(1); /* mac:02:00:00:00:00:01 */
	case 1:
		return key_hw(6, 6); /* IEEE 802: hw:6:... */
	case 2:
		return key_hw(32, 16); /* 16-byte chaddr (InfiniBand-like) */
	case 3:
		return key_hw(1, 8); /* Ethernet type, odd length */
	case 4:
		return key_id(1, false); /* shortest client id */
	case 5:
		return key_id(7, false); /* type 1 + MAC, the common one */
	case 6:
		return key_id(XDHCP_CLIENT_ID_MAX, false); /* longest kept whole */
	default:
		return key_id(XDHCP_CLIENT_ID_MAX, true); /* hashed long id */
	}
}

#define N_KEYS 8

static void test_round_trip_every_op_and_key(void **state)
{
	static const char *const hosts[] = {
		"",
		"vm1",
		"host%20with%20spaces",
		"%00%FF%25%22",
		/* 63 bytes: the longest the record holds */
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789x",
	};
	static const int64_t expiries[] = {0, 1795262400, -5, INT64_C(1) << 40, INT64_MAX};
	static const uint32_t times[] = {0, 1, 86400, UINT32_MAX};
	unsigned int n = 0;

	(void)state;
	for (size_t o = 0; o < sizeof(all_ops) / sizeof(all_ops[0]); o++)
		for (unsigned int k = 0; k < N_KEYS; k++) {
			struct store_record r = rec(all_ops[o], all_keys(k), "198.18.0.100",
						    expiries[n % 5], times[n % 4], hosts[n % 5]);

			round_trip(&r, 0);
			round_trip(&r, 7); /* the parser's pool goes into the key */
			n++;
		}
	/* Address extremes. */
	for (unsigned int k = 0; k < N_KEYS; k++) {
		struct store_record r = rec(STORE_GRANT, all_keys(k), "0.0.0.0", 1, 2, "h");

		round_trip(&r, 0);
		r.addr = ip("255.255.255.255");
		round_trip(&r, 1);
	}
}

/* The documented line layout, field by field, and a CRC zlib computes. */
static void test_line_layout(void **state)
{
	struct store_record r =
		rec(STORE_GRANT, key_mac(1), "198.18.0.100", 1795262400, 86400, "vm1");
	char line[LINE_CAP], expect[LINE_CAP];
	int n;

	(void)state;
	n = store_format_line(&r, line, sizeof(line));
	assert_true(n > 0);
	/* zlib crc32 of the text before " crc=" (computed independently:
	 * python3 -c "import zlib; print('%08x' % zlib.crc32(b'grant ...'))"). */
	snprintf(expect, sizeof(expect),
		 "grant 198.18.0.100 mac:02:00:00:00:00:01 1795262400 86400 vm1 crc=63804830");
	assert_string_equal(line, expect);

	r = rec(STORE_RELEASE, key_id(3, false), "198.18.1.2", -1, 0, "");
	assert_true(store_format_line(&r, line, sizeof(line)) > 0);
	{
		static const char prefix[] = "release 198.18.1.2 id:0026ff -1 0 - crc=";

		assert_int_equal(strncmp(line, prefix, sizeof(prefix) - 1), 0);
		assert_int_equal(strlen(line), sizeof(prefix) - 1 + 8);
	}

	/* Too small a buffer: an error, never a truncated line. */
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		char small[LINE_CAP];

		memset(small, 'x', sizeof(small));
		r = rec(STORE_GRANT, key_mac(1), "198.18.0.100", 1795262400, 86400, "vm1");
		assert_int_equal(store_format_line(&r, small, cap), -ENOSPC);
	}
	/* An unknown operation is refused. */
	r.op = 0;
	assert_int_equal(store_format_line(&r, line, sizeof(line)), -EINVAL);
	r.op = STORE_DECLINE + 1;
	assert_int_equal(store_format_line(&r, line, sizeof(line)), -EINVAL);
}

/*
 * Host names come from clients (option 12, escaped: no spaces).  Whatever
 * they hold, the record must read back: a name that looks like the CRC
 * field must not be taken for it.
 */
static void test_hostname_looking_like_crc(void **state)
{
	static const char *const hosts[] = {"crc=1", "crc=00000000", "crc=", "x crc=1"};

	(void)state;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct store_record r =
			rec(STORE_GRANT, key_mac(2), "198.18.0.101", 1795262400, 86400, "");

		/* As the daemon stores it: log_escape() of the client's bytes. */
		log_escape((const uint8_t *)hosts[i], strlen(hosts[i]), r.hostname,
			   sizeof(r.hostname));
		round_trip(&r, 0);
	}
}

/*
 * Every key the engine can make must read back, or a lease granted to that
 * client is dropped at the next start.  Without a client identifier,
 * server_client_key() takes chaddr with the client's hlen, up to 16 bytes
 * (hlen 0 leaves no key, and the engine ignores such a request: the file
 * could not name it, "hw:1:" does not parse).
 */
static void test_every_engine_key_reads_back(void **state)
{
	(void)state;
	for (uint8_t htype = 0; htype < 3; htype++)
		for (uint8_t len = 1; len <= 16; len++) {
			struct store_record r = rec(STORE_GRANT, key_hw(htype, len), "198.18.0.102",
						    1795262400, 86400, "");

			round_trip(&r, 0);
		}
	for (uint8_t len = 1; len <= XDHCP_CLIENT_ID_MAX; len++) {
		struct store_record r =
			rec(STORE_RENEW, key_id(len, false), "198.18.0.103", 1795262400, 86400, "");

		round_trip(&r, 0);
	}
}

/*
 * One damaged byte anywhere is caught.  A byte inverted (xor 0xff) always
 * gives -EBADMSG.  A single bit flipped gives -EBADMSG too, except where
 * the damage changes only the spelling of the CRC digits (an upper-case
 * hex letter, a leading zero turned into a space): then the record read
 * back must be exactly the original.
 */
static void test_damaged_byte_refused(void **state)
{
	const struct store_record recs[] = {
		rec(STORE_GRANT, key_mac(1), "198.18.0.100", 1795262400, 86400, "vm1"),
		rec(STORE_RENEW, key_id(7, false), "198.18.3.250", 1700000000, 600, ""),
		rec(STORE_DECLINE, key_id(XDHCP_CLIENT_ID_MAX, true), "198.19.0.1", 0, 0, "a%20b"),
		rec(STORE_EXPIRE, key_hw(6, 6), "198.18.0.7", -1, 3600, "h"),
	};
	unsigned int benign = 0, checked = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		char line[LINE_CAP], bad[LINE_CAP + 2];
		int n = store_format_line(&recs[i], line, sizeof(line));
		size_t crc_digits = (size_t)n - 8;

		assert_true(n > 0);
		for (size_t pos = 0; pos < (size_t)n; pos++) {
			static const uint8_t masks[] = {0xff, 0x01, 0x02, 0x04, 0x08,
							0x10, 0x20, 0x40, 0x80};

			for (size_t m = 0; m < sizeof(masks); m++) {
				struct store_record back;
				int r;

				memcpy(bad, line, (size_t)n + 1);
				bad[pos] = (char)(bad[pos] ^ masks[m]);
				if (bad[pos] == '\0')
					continue; /* a shorter line: covered by truncation below */
				r = store_parse_line(bad, 0, &back);
				checked++;
				if (r == -EBADMSG)
					continue;
				if (r != 0 || masks[m] == 0xff || pos < crc_digits)
					fail_msg("damaged line accepted (byte %zu ^ 0x%02x): '%s'",
						 pos, masks[m], bad);
				assert_same_record(&recs[i], &back);
				benign++;
			}
		}
		/* Every truncation (a torn write) is refused. */
		for (size_t cut = 0; cut < (size_t)n; cut++) {
			struct store_record back;

			memcpy(bad, line, cut);
			bad[cut] = '\0';
			if (store_parse_line(bad, 0, &back) != -EBADMSG)
				fail_msg("truncated line accepted: '%s'", bad);
		}
		/* Text after the CRC, a missing CRC. */
		snprintf(bad, sizeof(bad), "%s ", line);
		assert_int_equal(store_parse_line(bad, 0, &(struct store_record){0}), -EBADMSG);
		snprintf(bad, sizeof(bad), "%sx", line);
		assert_int_equal(store_parse_line(bad, 0, &(struct store_record){0}), -EBADMSG);
		snprintf(bad, sizeof(bad), "%.*s", (int)crc_digits - 5, line);
		assert_int_equal(store_parse_line(bad, 0, &(struct store_record){0}), -EBADMSG);
	}
	print_message("  %u damaged lines checked, %u accepted as the same record (CRC digits "
		      "spelt differently)\n",
		      checked, benign);
}

/* The CRC field is zlib's crc32() of the text before " crc=", whatever the
 * length of that text (every remainder modulo the 8 bytes the reader and
 * writer take at a time). */
static void test_crc_is_zlibs(void **state)
{
	(void)state;
	for (unsigned int len = 0; len < 64; len++) {
		char host[64], line[LINE_CAP], expect[16];
		struct store_record r;
		const char *crcp;
		uLong crc;
		int n;

		memset(host, (int)('a' + len % 26), len);
		host[len] = '\0';
		r = rec(all_ops[len % 5], all_keys(len % N_KEYS), "198.18.0.1", 1795262400 + len,
			len, host);
		n = store_format_line(&r, line, sizeof(line));
		assert_true(n > 0);
		crcp = strstr(line, " crc=");
		assert_non_null(crcp);
		crc = crc32(0L, (const Bytef *)line, (uInt)(crcp - line));
		snprintf(expect, sizeof(expect), " crc=%08lx", crc);
		assert_string_equal(crcp, expect);
	}
}

/* A line whose CRC is right but whose fields are not is still refused. */
static void test_valid_crc_bad_fields(void **state)
{
	static const char *const bodies[] = {
		"lease 198.18.0.100 mac:02:00:00:00:00:01 1 2 -", /* unknown op */
		"grant 198.18.0.300 mac:02:00:00:00:00:01 1 2 -", /* bad address */
		"grant 198.18.0.100 mac:02:00:00:00:01 1 2 -",	  /* 5-byte MAC */
		"grant 198.18.0.100 bogus:02 1 2 -",		  /* unknown key kind */
		"grant 198.18.0.100 id: 1 2 -",			  /* empty client id */
		"grant 198.18.0.100 idh:0102 1 2 -",		  /* short hashed id */
		"grant 198.18.0.100 mac:02:00:00:00:00:01 x 2 -", /* expiry not a number */
		"grant 198.18.0.100 mac:02:00:00:00:00:01 1 -",	  /* missing field */
		"",						  /* nothing */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char line[LINE_CAP];
		struct store_record r;
		uLong crc = crc32(0L, (const Bytef *)bodies[i], (uInt)strlen(bodies[i]));

		snprintf(line, sizeof(line), "%s crc=%08lx", bodies[i], crc);
		if (store_parse_line(line, 0, &r) != -EBADMSG)
			fail_msg("accepted: '%s'", line);
	}
}

/* ------------------------------------------------------------------ */
/* Append, sync, load */

static void test_append_sync_load_in_order(void **state)
{
	struct lease_store *st;
	struct collected c;
	struct store_record r[12];
	struct tmpdir t = {.dir = ""};
	struct stat sb;
	char log[4096];

	(void)state;
	tmpdir_make(&t);
	/* The parent directory is created (mode 0700), the file too (0600). */
	snprintf(t.path, sizeof(t.path), "%s/sub/leases", t.dir);
	assert_int_equal(store_open(t.path, &st), 0);
	assert_int_equal(stat(t.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 0);

	for (unsigned int i = 0; i < 12; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "198.18.0.%u", 10 + i % 4);
		r[i] = rec(all_ops[i % 5], all_keys(i % N_KEYS), addr, 1795262400 + i, 60 * i,
			   i % 3 ? "vm" : "");
	}
	for (unsigned int i = 0; i < 6; i++)
		assert_int_equal(store_append(st, &r[i]), 0);
	/* Buffered: nothing reaches the file before the sync. */
	assert_int_equal(stat(t.path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(store_records(st), 6);
	assert_int_equal(store_sync(st), 0);
	assert_int_equal(store_sync(st), 0); /* nothing pending: a no-op */
	assert_int_equal(stat(t.path, &sb), 0);
	assert_true(sb.st_size > 0);

	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 6);
	assert_string_equal(log, "");
	assert_int_equal(c.n, 6);
	for (unsigned int i = 0; i < 6; i++)
		assert_same_record(&r[i], &c.r[i]);
	assert_int_equal(store_records(st), 6);

	/* Appends after a load go after what is there, still in order; the
	 * pool given to store_load lands in every key. */
	for (unsigned int i = 6; i < 12; i++)
		assert_int_equal(store_append(st, &r[i]), 0);
	assert_int_equal(store_sync(st), 0);
	assert_int_equal(load_capturing(st, 3, &c, log, sizeof(log)), 12);
	assert_int_equal(c.n, 12);
	for (unsigned int i = 0; i < 12; i++) {
		assert_same_record(&r[i], &c.r[i]);
		assert_int_equal(c.r[i].key.pool, 3);
	}
	store_close(st);

	/* Reopened: the same 12.  store_close syncs what is pending. */
	assert_int_equal(store_open(t.path, &st), 0);
	assert_int_equal(store_append(st, &r[0]), 0);
	store_close(st);
	assert_int_equal(store_open(t.path, &st), 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 13);
	for (unsigned int i = 0; i < 12; i++)
		assert_same_record(&r[i], &c.r[i]);
	assert_same_record(&r[0], &c.r[12]);
	store_close(st);

	/* A missing file cannot be loaded; a fresh one is empty. */
	assert_int_equal(unlink(t.path), 0);
	assert_int_equal(store_open(t.path, &st), 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 0);
	assert_int_equal(unlink(t.path), 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), -ENOENT);
	store_close(st);

	(void)unlink(t.path);
	snprintf(t.path, sizeof(t.path), "%s/sub", t.dir);
	assert_int_equal(rmdir(t.path), 0);
	snprintf(t.path, sizeof(t.path), "%s/leases", t.dir);
	tmpdir_remove(&t);
}

/* The file as a crash or a disk leaves it: torn tail, damaged lines,
 * comments, blank lines, a line too long.  Good records load in order,
 * each bad line is named in a warning. */
static void test_torn_and_corrupt_lines_skipped(void **state)
{
	struct store_record r[4] = {
		rec(STORE_GRANT, key_mac(1), "198.18.0.100", 1795262400, 86400, "a"),
		rec(STORE_GRANT, key_mac(2), "198.18.0.101", 1795262401, 86400, "b"),
		rec(STORE_RENEW, key_mac(1), "198.18.0.100", 1795262402, 86400, "a"),
		rec(STORE_RELEASE, key_mac(2), "198.18.0.101", 1795262403, 86400, "b"),
	};
	char l[4][LINE_CAP], text[8192], log[4096], longline[700];
	struct lease_store *st;
	struct collected c;
	struct tmpdir t = {.dir = ""};
	size_t len;

	(void)state;
	tmpdir_make(&t);
	for (int i = 0; i < 4; i++)
		assert_true(store_format_line(&r[i], l[i], sizeof(l[i])) > 0);
	assert_int_equal(store_open(t.path, &st), 0);

	/* 1. A torn last line (a crash in the middle of a write). */
	for (size_t cut = 1; cut < strlen(l[3]); cut += 7) {
		len = (size_t)snprintf(text, sizeof(text), "%s\n%s\n%s\n%.*s", l[0], l[1], l[2],
				       (int)cut, l[3]);
		write_file(t.path, text, len);
		assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 3);
		for (int i = 0; i < 3; i++)
			assert_same_record(&r[i], &c.r[i]);
		if (!strstr(log, "line 4 is corrupt or torn, skipped"))
			fail_msg("no warning naming line 4: '%s'", log);
	}

	/* 2. A complete last line without its newline is a good record. */
	len = (size_t)snprintf(text, sizeof(text), "%s\n%s", l[0], l[1]);
	write_file(t.path, text, len);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 2);
	assert_string_equal(log, "");

	/* 3. Comments and blank lines are not records and not warnings; a
	 * damaged line in the middle is skipped and named; a line too long
	 * for the reader is skipped whole and named, and the numbering of
	 * the lines after it stays right. */
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	l[1][3] ^= 0x01; /* "grant" -> "grbnt": CRC mismatch */
	len = (size_t)snprintf(text, sizeof(text), "# header\n%s\n\n%s\n%s\n%s\n%s\n", l[0], l[1],
			       longline, l[2], l[3]);
	write_file(t.path, text, len);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 3);
	assert_same_record(&r[0], &c.r[0]);
	assert_same_record(&r[2], &c.r[1]);
	assert_same_record(&r[3], &c.r[2]);
	if (!strstr(log, "line 4 is corrupt or torn") || !strstr(log, "line 5 too long") ||
	    strstr(log, "line 6") || strstr(log, "line 7"))
		fail_msg("warnings do not name lines 4 and 5 only: '%s'", log);

	/* 4. Only garbage: zero records, one warning per line, no error. */
	{
		static const char garbage[] = "\x01\x02\x03\nnot a record\n\xff";

		write_file(t.path, garbage, sizeof(garbage) - 1);
	}
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 0);
	if (!strstr(log, "line 1 ") || !strstr(log, "line 2 ") || !strstr(log, "line 3 "))
		fail_msg("warnings do not name lines 1-3: '%s'", log);

	/* 5. An empty file. */
	write_file(t.path, "", 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 0);
	assert_string_equal(log, "");

	store_close(st);
	tmpdir_remove(&t);
}

/* ------------------------------------------------------------------ */
/* Compaction */

struct iter {
	const struct store_record *r;
	unsigned int n, i;
};

static int iter_next(void *ctx, struct store_record *out)
{
	struct iter *it = ctx;

	if (it->i == it->n)
		return 0;
	*out = it->r[it->i++];
	return 1;
}

static void test_compact_replaces_atomically(void **state)
{
	const struct store_record live[3] = {
		rec(STORE_GRANT, key_mac(1), "198.18.0.100", 1795262400, 86400, "a"),
		rec(STORE_GRANT, key_id(7, false), "198.18.0.101", 1795262401, 600, ""),
		rec(STORE_EXPIRE, key_mac(3), "198.18.0.102", 0, 86400, "c"),
	};
	struct store_record extra =
		rec(STORE_RENEW, key_mac(1), "198.18.0.100", 1795262499, 86400, "a");
	char expect[4096], log[4096], *before, *after;
	struct stat sb0, sb1;
	struct lease_store *st;
	struct collected c;
	struct tmpdir t = {.dir = ""};
	struct iter it;
	size_t len0, len1, off;

	(void)state;
	tmpdir_make(&t);
	assert_int_equal(store_open(t.path, &st), 0);
	/* Some history, a torn tail, and a pending (unsynced) append that
	 * compaction must not lose or duplicate. */
	for (unsigned int i = 0; i < 20; i++)
		assert_int_equal(store_append(st, &live[i % 3]), 0);
	assert_int_equal(store_sync(st), 0);
	{
		int fd = open(t.path, O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "grant 198.18", 12), 12);
		close(fd);
	}
	assert_int_equal(stat(t.path, &sb0), 0);

	it = (struct iter){.r = live, .n = 3};
	assert_int_equal(store_compact(st, iter_next, &it), 0);
	assert_int_equal(it.i, 3);
	assert_int_equal(store_records(st), 3);
	/* A new file (renamed over the old one), no temporary left. */
	assert_int_equal(stat(t.path, &sb1), 0);
	assert_true(sb0.st_ino != sb1.st_ino);
	assert_int_equal(sb1.st_mode & 0777, 0600);
	assert_int_equal(access(t.tmp, F_OK), -1);
	assert_int_equal(errno, ENOENT);

	/* Exactly a comment line, then the three records. */
	after = read_file(t.path, &len1);
	assert_true(after[0] == '#');
	off = 0;
	for (unsigned int i = 0; i < 3; i++) {
		int n = store_format_line(&live[i], expect + off, sizeof(expect) - off - 1);

		assert_true(n > 0);
		off += (size_t)n;
		expect[off++] = '\n';
	}
	expect[off] = '\0';
	off = (size_t)(strchr(after, '\n') - after) + 1;
	assert_string_equal(after + off, expect);
	free(after);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 3);
	assert_string_equal(log, "");
	for (unsigned int i = 0; i < 3; i++)
		assert_same_record(&live[i], &c.r[i]);

	/* Appends go to the new file. */
	assert_int_equal(store_append(st, &extra), 0);
	assert_int_equal(store_sync(st), 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 4);
	assert_same_record(&extra, &c.r[3]);

	/* Failure 1: a directory where the temporary file goes.  The old
	 * file stays byte for byte, appends still reach it. */
	before = read_file(t.path, &len0);
	assert_int_equal(stat(t.path, &sb0), 0);
	assert_int_equal(mkdir(t.tmp, 0700), 0);
	it = (struct iter){.r = live, .n = 3};
	assert_true(store_compact(st, iter_next, &it) < 0);
	after = read_file(t.path, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(before, after, len0);
	free(after);
	assert_int_equal(stat(t.path, &sb1), 0);
	assert_true(sb0.st_ino == sb1.st_ino);
	assert_int_equal(store_append(st, &extra), 0);
	assert_int_equal(store_sync(st), 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 5);
	assert_int_equal(rmdir(t.tmp), 0);

	/* Failure 2: a record that cannot be written (unknown operation)
	 * halfway through.  Old file intact, the temporary file removed. */
	{
		struct store_record bad[3] = {live[0], live[1], live[2]};

		bad[1].op = 0;
		free(before);
		before = read_file(t.path, &len0);
		it = (struct iter){.r = bad, .n = 3};
		assert_int_equal(store_compact(st, iter_next, &it), -EINVAL);
		after = read_file(t.path, &len1);
		assert_int_equal(len0, len1);
		assert_memory_equal(before, after, len0);
		free(after);
		assert_int_equal(access(t.tmp, F_OK), -1);
		assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 5);
	}
	free(before);

	/* An empty iterator: a file with the header only. */
	it = (struct iter){.r = live, .n = 0};
	assert_int_equal(store_compact(st, iter_next, &it), 0);
	assert_int_equal(store_records(st), 0);
	assert_int_equal(load_capturing(st, 0, &c, log, sizeof(log)), 0);
	after = read_file(t.path, &len1);
	assert_true(after[0] == '#' && strchr(after, '\n') == after + len1 - 1);
	free(after);

	store_close(st);
	tmpdir_remove(&t);
}

/*
 * A sync that fails after part of the batch reached the file (ENOSPC,
 * EFBIG, EIO) is retried by the daemon at its next batch (no ACK left
 * meanwhile).  When the retry succeeds, every record of both batches must
 * load: the partial line of the failed attempt must not swallow a record.
 * The failure is made with RLIMIT_FSIZE (a short write, then EFBIG).
 */
static void test_sync_retry_after_short_write(void **state)
{
	struct store_record r[6];
	char log[4096], line[LINE_CAP];
	struct lease_store *st;
	struct rlimit old, lim;
	struct collected c;
	struct tmpdir t = {.dir = ""};
	struct stat sb;
	int n, e;

	(void)state;
	tmpdir_make(&t);
	for (unsigned int i = 0; i < 6; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "198.18.0.%u", 100 + i);
		r[i] = rec(STORE_GRANT, key_mac((uint8_t)i), addr, 1795262400, 86400, "vm");
	}
	n = store_format_line(&r[0], line, sizeof(line));
	assert_true(n > 0);

	assert_int_equal(store_open(t.path, &st), 0);
	assert_int_equal(store_append(st, &r[0]), 0);
	assert_int_equal(store_sync(st), 0);
	assert_int_equal(stat(t.path, &sb), 0);

	/* The limit falls in the middle of the first record of the batch. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)sb.st_size + (rlim_t)(n / 2);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (unsigned int i = 1; i < 4; i++)
		assert_int_equal(store_append(st, &r[i]), 0);
	e = store_sync(st);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(e, -EFBIG);

	/* The daemon's next batch: more records, and the sync succeeds. */
	for (unsigned int i = 4; i < 6; i++)
		assert_int_equal(store_append(st, &r[i]), 0);
	assert_int_equal(store_sync(st), 0);

	memset(&c, 0, sizeof(c));
	e = load_capturing(st, 0, &c, log, sizeof(log));
	store_close(st);
	tmpdir_remove(&t);
	/* Duplicates are harmless (the same record twice); a lost one is not. */
	for (unsigned int i = 0; i < 6; i++) {
		bool found = false;

		for (unsigned int j = 0; j < c.n; j++)
			found |= c.r[j].addr == r[i].addr &&
				 !memcmp(&c.r[j].key, &r[i].key, sizeof(r[i].key));
		if (!found)
			fail_msg("record %u%s lost after a failed and retried sync; "
				 "%d records loaded; warnings: %s",
				 i, i == 1 ? " (torn by the short write)" : "", e, log);
	}
}

/* The daemon reaches the file through the backend table: the same
 * operations, the same file. */
static void test_file_backend(void **state)
{
	const struct store_backend *be = store_backend_find("file");
	const struct store_record r[2] = {
		rec(STORE_GRANT, key_mac(1), "198.18.0.100", 1795262400, 86400, "a"),
		rec(STORE_RELEASE, key_mac(1), "198.18.0.100", 1795262400, 86400, "a"),
	};
	struct collected c = {.n = 0};
	struct tmpdir t = {.dir = ""};
	struct iter it;
	void *st;

	(void)state;
	assert_ptr_equal(be, &store_backend_file);
	assert_null(store_backend_find("sqlite"));
	assert_null(store_backend_find(""));
	tmpdir_make(&t);
	assert_int_equal(be->open(t.path, &st), 0);
	assert_int_equal(be->record(st, &r[0]), 0);
	assert_int_equal(be->record(st, &r[1]), 0);
	assert_int_equal(be->records(st), 2);
	assert_int_equal(be->sync(st), 0);
	assert_int_equal(be->load(st, collect, &c), 0); /* 0, not a count */
	assert_int_equal(c.n, 2);
	assert_same_record(&r[0], &c.r[0]);
	assert_same_record(&r[1], &c.r[1]);
	it = (struct iter){.r = r, .n = 1};
	assert_int_equal(be->compact(st, iter_next, &it), 0);
	assert_int_equal(be->records(st), 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(be->load(st, collect, &c), 0);
	assert_same_record(&r[0], &c.r[0]);
	be->close(st);
	tmpdir_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_op_and_key),
		cmocka_unit_test(test_line_layout),
		cmocka_unit_test(test_hostname_looking_like_crc),
		cmocka_unit_test(test_every_engine_key_reads_back),
		cmocka_unit_test(test_damaged_byte_refused),
		cmocka_unit_test(test_crc_is_zlibs),
		cmocka_unit_test(test_valid_crc_bad_fields),
		cmocka_unit_test(test_append_sync_load_in_order),
		cmocka_unit_test(test_torn_and_corrupt_lines_skipped),
		cmocka_unit_test(test_compact_replaces_atomically),
		cmocka_unit_test(test_sync_retry_after_short_write),
		cmocka_unit_test(test_file_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
