/* SPDX-License-Identifier: MIT */
/*
 * The lease file (see lease_store.h for the format and the durability
 * contract).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcp_wire.h"

#include "lease_store.h"
#include "log.h"
#include "server.h"

#define STORE_LINE_MAX 512
#define STORE_HEADER   "# xdhcpd leases v1: OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME crc=CRC32"
/* Reads and compaction writes go through a buffer of this size. */
#define STORE_IO_CHUNK (256 * 1024)

struct lease_store {
	char path[4096];
	int fd;
	char *buf; /* pending appends */
	size_t len, cap;
	size_t records;
	/* The file is the header, then one well-formed line per record: no
	 * line was skipped at the last load, or it was written by the last
	 * compaction (appends since keep it so). */
	bool clean;
};

static const char *const op_names[] = {
	[STORE_GRANT] = "grant",   [STORE_RENEW] = "renew",	[STORE_RELEASE] = "release",
	[STORE_EXPIRE] = "expire", [STORE_DECLINE] = "decline",
};

static int mkdir_parents(const char *path)
{
	char tmp[4096], *dir;

	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	if (!strcmp(dir, ".") || !strcmp(dir, "/"))
		return 0;
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT) {
		int r = mkdir_parents(dir);

		if (r)
			return r;
		if (mkdir(dir, 0700) == 0 || errno == EEXIST)
			return 0;
	}
	return -errno;
}

int store_open(const char *path, struct lease_store **ret_store)
{
	struct lease_store *st;
	int r;

	if (strlen(path) >= sizeof(st->path) - 8)
		return -ENAMETOOLONG;
	r = mkdir_parents(path);
	if (r)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	snprintf(st->path, sizeof(st->path), "%s", path);
	st->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (st->fd < 0) {
		r = -errno;
		free(st);
		return r;
	}
	*ret_store = st;
	return 0;
}

void store_close(struct lease_store *st)
{
	if (!st)
		return;
	(void)store_sync(st);
	close(st->fd);
	free(st->buf);
	free(st);
}

/*
 * The CRC-32 of zlib's crc32() (reflected polynomial 0xedb88320), eight
 * bytes a step ("slicing-by-8"): four times as fast as zlib's on lines this
 * short, and the CRC was the largest part of reading and compacting the
 * file.
 */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] =
				crc_table[t - 1][i] >> 8 ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t line_crc(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c = 0xffffffffU;

	(void)pthread_once(&crc_once, crc_init);
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t lo = le32(p) ^ c, hi = le32(p + 4);

		c = crc_table[7][lo & 0xff] ^ crc_table[6][lo >> 8 & 0xff] ^
		    crc_table[5][lo >> 16 & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][hi & 0xff] ^ crc_table[2][hi >> 8 & 0xff] ^
		    crc_table[1][hi >> 16 & 0xff] ^ crc_table[0][hi >> 24];
	}
	while (n--)
		c = crc_table[0][(c ^ *p++) & 0xff] ^ c >> 8;
	return c ^ 0xffffffffU;
}

static int file_open(const char *location, void **ret_state)
{
	return store_open(location, (struct lease_store **)ret_state);
}

static int file_load(void *state, void (*cb)(void *ctx, const struct store_record *r), void *ctx)
{
	int r = store_load(state, 0, cb, ctx);

	return r < 0 ? r : 0;
}

static int file_record(void *state, const struct store_record *r)
{
	return store_append(state, r);
}

static int file_sync(void *state)
{
	return store_sync(state);
}

static int file_compact(void *state, int (*next)(void *ctx, struct store_record *r), void *ctx)
{
	return store_compact(state, next, ctx);
}

static size_t file_records(void *state)
{
	return store_records(state);
}

static bool file_clean(void *state)
{
	return store_clean(state);
}

static void file_close(void *state)
{
	store_close(state);
}

const struct store_backend store_backend_file = {
	.name = "file",
	.open = file_open,
	.load = file_load,
	.record = file_record,
	.sync = file_sync,
	.compact = file_compact,
	.records = file_records,
	.clean = file_clean,
	.close = file_close,
};

const struct store_backend *store_backend_find(const char *name)
{
	static const struct store_backend *const all[] = {&store_backend_file};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Formatting: the same bytes as "%s %s %s %" PRId64 " %u %s crc=%08x"
 * with inet_ntop() and server_key_format(), without stdio: compaction
 * writes every lease. */

static char *put_u64(char *o, uint64_t v)
{
	char t[20];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = t[--n];
	return o;
}

static char *put_hex2(char *o, uint8_t b)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = hex[b >> 4];
	*o++ = hex[b & 15];
	return o;
}

static char *put_key(char *o, const struct xdhcp_lease_key *key)
{
	char buf[256];
	size_t n;

	if (key->kind == XDHCP_KEY_HWADDR && key->htype == DHCP_HTYPE_ETHER &&
	    key->len == DHCP_HLEN_ETHER) {
		for (const char *s = "mac:"; *s; s++)
			*o++ = *s;
		for (int i = 0; i < DHCP_HLEN_ETHER; i++) {
			if (i)
				*o++ = ':';
			o = put_hex2(o, key->id[i]);
		}
		return o;
	}
	server_key_format(key, buf, sizeof(buf));
	n = strnlen(buf, sizeof(buf) - 1);
	memcpy(o, buf, n);
	return o + n;
}

int store_format_line(const struct store_record *r, char *out, size_t cap)
{
	char line[STORE_LINE_MAX], *o = line;
	const uint8_t *a = (const uint8_t *)&r->addr;
	size_t host = strnlen(r->hostname, sizeof(r->hostname) - 1), n;
	uint32_t crc;

	if (r->op < STORE_GRANT || r->op > STORE_DECLINE)
		return -EINVAL;
	n = strlen(op_names[r->op]);
	memcpy(o, op_names[r->op], n);
	o += n;
	*o++ = ' ';
	for (int i = 0; i < 4; i++) {
		if (i)
			*o++ = '.';
		o = put_u64(o, a[i]);
	}
	*o++ = ' ';
	o = put_key(o, &r->key);
	*o++ = ' ';
	if (r->expires < 0) {
		*o++ = '-';
		o = put_u64(o, 0 - (uint64_t)r->expires);
	} else {
		o = put_u64(o, (uint64_t)r->expires);
	}
	*o++ = ' ';
	o = put_u64(o, r->lease_time);
	*o++ = ' ';
	if (host) {
		memcpy(o, r->hostname, host);
		o += host;
	} else {
		*o++ = '-';
	}
	crc = line_crc(line, (size_t)(o - line));
	memcpy(o, " crc=", 5);
	o += 5;
	for (int i = 3; i >= 0; i--)
		o = put_hex2(o, (uint8_t)(crc >> (8 * i)));
	n = (size_t)(o - line);
	if (n + 1 > cap)
		return -ENOSPC;
	memcpy(out, line, n);
	out[n] = '\0';
	return (int)n;
}

/* ------------------------------------------------------------------ */
/* Parsing.  Only what store_format_line() writes is accepted: fields
 * separated by one space, numbers in decimal without a sign (but for a
 * negative expiry), the CRC in 1 to 8 hex digits at the very end. */

/* Without branches on the digit (they would mispredict on every line). */
static int hex_digit(char c)
{
	int d = (unsigned char)c - '0', l = ((unsigned char)c | 0x20) - 'a' + 10;

	return d >= 0 && d <= 9 ? d : l >= 10 && l <= 15 ? l : -1;
}

/* A decimal number of 1 to 20 digits, at most max. */
static int parse_u64(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EBADMSG;
		v = v * 10 + d;
	}
	if (v > max)
		return -EBADMSG;
	*ret = v;
	return 0;
}

/* Dotted quad as inet_pton() takes it: four parts of 1 to 3 digits, no
 * leading zero, each at most 255.  The result is in network order. */
static int parse_ipv4(const char *s, size_t n, uint32_t *ret)
{
	uint8_t b[4];
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned int v = 0, digits = 0;

		if (part && (i >= n || s[i++] != '.'))
			return -EBADMSG;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (digits && v == 0)
				return -EBADMSG;
			v = v * 10 + (unsigned int)(s[i++] - '0');
			if (++digits > 3 || v > 255)
				return -EBADMSG;
		}
		if (!digits)
			return -EBADMSG;
		b[part] = (uint8_t)v;
	}
	if (i != n)
		return -EBADMSG;
	memcpy(ret, b, 4);
	return 0;
}

static int parse_key(const char *s, size_t n, uint32_t pool, struct xdhcp_lease_key *ret)
{
	char buf[STORE_LINE_MAX + 1];

	/* The common "mac:02:42:c6:12:00:01" without a copy: what
	 * server_key_parse() makes of it. */
	if (n == 4 + 3 * DHCP_HLEN_ETHER - 1 && !memcmp(s, "mac:", 4)) {
		struct xdhcp_lease_key k;
		bool ok = true;

		memset(&k, 0, sizeof(k));
		for (int i = 0; i < DHCP_HLEN_ETHER && ok; i++) {
			const char *h = s + 4 + 3 * i;
			int hi = hex_digit(h[0]), lo = hex_digit(h[1]);

			ok = hi >= 0 && lo >= 0 && (i == DHCP_HLEN_ETHER - 1 || h[2] == ':');
			if (ok)
				k.id[i] = (uint8_t)(hi << 4 | lo);
		}
		if (ok) {
			k.pool = pool;
			k.kind = XDHCP_KEY_HWADDR;
			k.htype = DHCP_HTYPE_ETHER;
			k.len = DHCP_HLEN_ETHER;
			*ret = k;
			return 0;
		}
	}
	if (n >= sizeof(buf))
		return -EBADMSG;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return server_key_parse(buf, pool, ret) ? -EBADMSG : 0;
}

/* One line of n bytes (no newline, no NUL). */
static int parse_line(const char *line, size_t n, uint32_t pool, struct store_record *ret_rec)
{
	const char *f[6], *crcp = NULL;
	size_t flen[6], body, nf = 0;
	struct store_record r;
	uint32_t crc = 0;
	uint64_t v;

	/* The last " crc=": a host name may contain the text too.  Only 1 to
	 * 8 digits may follow it, so it starts in the last 13 bytes. */
	for (size_t i = n >= 5 ? n - 4 : 0; i > (n > 13 ? n - 13 : 0) && !crcp; i--)
		if (!memcmp(line + i - 1, " crc=", 5))
			crcp = line + i - 1;
	if (!crcp)
		return -EBADMSG;
	body = (size_t)(crcp - line);
	if (n - body - 5 < 1 || n - body - 5 > 8)
		return -EBADMSG;
	for (size_t i = body + 5; i < n; i++) {
		int d = hex_digit(line[i]);

		if (d < 0)
			return -EBADMSG;
		crc = crc << 4 | (uint32_t)d;
	}
	if (crc != line_crc(line, body))
		return -EBADMSG;

	/* OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME: one space between two
	 * fields, none empty, none after the last. */
	for (const char *p = line, *end = line + body; nf < 6; nf++) {
		const char *sp = nf < 5 ? memchr(p, ' ', (size_t)(end - p)) : end;

		if (!sp || sp == p)
			return -EBADMSG;
		f[nf] = p;
		flen[nf] = (size_t)(sp - p);
		p = sp + 1;
	}
	if (memchr(f[5], ' ', flen[5]))
		return -EBADMSG;
	memset(&r, 0, sizeof(r));
	for (int i = STORE_GRANT; i <= STORE_DECLINE; i++)
		if (flen[0] == strlen(op_names[i]) && !memcmp(f[0], op_names[i], flen[0]))
			r.op = (enum store_op)i;
	if (!r.op || parse_ipv4(f[1], flen[1], &r.addr) || parse_key(f[2], flen[2], pool, &r.key))
		return -EBADMSG;
	if (flen[3] > 1 && f[3][0] == '-') {
		if (parse_u64(f[3] + 1, flen[3] - 1, (uint64_t)INT64_MAX + 1, &v))
			return -EBADMSG;
		r.expires = (int64_t)(0 - v);
	} else {
		if (parse_u64(f[3], flen[3], INT64_MAX, &v))
			return -EBADMSG;
		r.expires = (int64_t)v;
	}
	if (parse_u64(f[4], flen[4], UINT32_MAX, &v))
		return -EBADMSG;
	r.lease_time = (uint32_t)v;
	if (flen[5] >= sizeof(r.hostname))
		return -EBADMSG;
	if (flen[5] != 1 || f[5][0] != '-')
		memcpy(r.hostname, f[5], flen[5]);
	*ret_rec = r;
	return 0;
}

int store_parse_line(const char *line, uint32_t pool, struct store_record *ret_rec)
{
	return parse_line(line, strlen(line), pool, ret_rec);
}

/* One line of the file (lineno counted by the caller).  Returns true when
 * it is a record given to cb; clears *clean for anything but a record or
 * the header as line 1. */
static bool load_line(struct lease_store *st, const char *line, size_t len, unsigned long lineno,
		      uint32_t pool, void (*cb)(void *ctx, const struct store_record *r), void *ctx,
		      bool *clean)
{
	struct store_record r;

	if (lineno == 1 && (len != strlen(STORE_HEADER) || memcmp(line, STORE_HEADER, len)))
		*clean = false;
	if (len > STORE_LINE_MAX) {
		pr_warn("lease file '%s': line %lu too long, skipped", st->path, lineno);
		*clean = false;
		return false;
	}
	if (len == 0 || line[0] == '#') {
		if (lineno != 1)
			*clean = false;
		return false;
	}
	/* The line's true length: a NUL byte inside it (a zero-filled tail
	 * after a crash) cannot hide where it ends. */
	if (memchr(line, '\0', len) || parse_line(line, len, pool, &r)) {
		pr_warn("lease file '%s': line %lu is corrupt or torn, skipped", st->path, lineno);
		*clean = false;
		return false;
	}
	cb(ctx, &r);
	return true;
}

int store_load(struct lease_store *st, uint32_t pool,
	       void (*cb)(void *ctx, const struct store_record *r), void *ctx)
{
	unsigned long lineno = 0;
	size_t have = 0, off = 0;
	bool eof = false, overlong = false, clean = true;
	char *buf;
	int fd, n = 0, r = 0;

	fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(STORE_IO_CHUNK);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		char *nl = have > off ? memchr(buf + off, '\n', have - off) : NULL;
		ssize_t got;

		if (nl) {
			size_t len = (size_t)(nl - (buf + off));

			if (overlong)
				overlong = false; /* the end of a line already skipped */
			else
				n += load_line(st, buf + off, len, ++lineno, pool, cb, ctx, &clean);
			off += len + 1;
			continue;
		}
		if (eof) {
			/* A last line without its newline: a record if it is
			 * whole, but the next append must not join it. */
			if (off < have && !overlong)
				n += load_line(st, buf + off, have - off, ++lineno, pool, cb, ctx,
					       &clean);
			if (off < have || overlong)
				clean = false;
			break;
		}
		if (have - off > STORE_LINE_MAX) {
			/* Too long whatever follows: skip it whole. */
			if (!overlong)
				(void)load_line(st, buf + off, have - off, ++lineno, pool, cb, ctx,
						&clean);
			overlong = true;
			off = have;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		off = 0;
		got = read(fd, buf + have, STORE_IO_CHUNK - have);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			eof = true;
		have += (size_t)got;
	}
	free(buf);
	close(fd);
	if (r)
		return r;
	st->records = (size_t)n;
	st->clean = clean && lineno > 0;
	return n;
}

int store_append(struct lease_store *st, const struct store_record *r)
{
	char line[STORE_LINE_MAX];
	int n = store_format_line(r, line, sizeof(line));

	if (n < 0)
		return n;
	if (st->len + (size_t)n + 1 > st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 65536;
		char *nb;

		while (cap < st->len + (size_t)n + 1)
			cap *= 2;
		nb = realloc(st->buf, cap);
		if (!nb)
			return -ENOMEM;
		st->buf = nb;
		st->cap = cap;
	}
	memcpy(st->buf + st->len, line, (size_t)n);
	st->len += (size_t)n;
	st->buf[st->len++] = '\n';
	st->records++;
	return 0;
}

/* Write n bytes; *ret_done says how many went out, also on failure. */
static int write_some(int fd, const char *p, size_t n, size_t *ret_done)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			*ret_done = done;
			return -errno;
		}
		done += (size_t)w;
	}
	*ret_done = done;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	size_t done;

	return write_some(fd, p, n, &done);
}

int store_sync(struct lease_store *st)
{
	int r;

	size_t done;

	if (!st->len)
		return 0;
	r = write_some(st->fd, st->buf, st->len, &done);
	/* What went out stays out: a retry writes the rest, which completes
	 * a line cut by a short write instead of repeating it. */
	memmove(st->buf, st->buf + done, st->len - done);
	st->len -= done;
	if (r) {
		st->clean = false; /* a torn line, until the retry completes it */
		return r;
	}
	if (fdatasync(st->fd))
		return -errno;
	return 0;
}

size_t store_records(const struct lease_store *st)
{
	return st->records;
}

bool store_clean(const struct lease_store *st)
{
	return st->clean;
}

int store_compact(struct lease_store *st, int (*next)(void *ctx, struct store_record *r), void *ctx)
{
	char tmp[sizeof(st->path) + 8], dirbuf[sizeof(st->path)], *buf;
	struct store_record rec;
	size_t count = 0, len;
	int fd, dfd, r = 0, nfd;

	r = store_sync(st);
	if (r)
		return r;
	buf = malloc(STORE_IO_CHUNK);
	if (!buf)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	len = strlen(STORE_HEADER) + 1;
	memcpy(buf, STORE_HEADER "\n", len);
	while (next(ctx, &rec)) {
		int n;

		if (STORE_IO_CHUNK - len <= STORE_LINE_MAX) {
			r = write_all(fd, buf, len);
			len = 0;
			if (r)
				break;
		}
		n = store_format_line(&rec, buf + len, STORE_LINE_MAX);
		if (n < 0) {
			r = n;
			break;
		}
		len += (size_t)n;
		buf[len++] = '\n';
		count++;
	}
	if (!r)
		r = write_all(fd, buf, len);
	free(buf);
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	if (!r && rename(tmp, st->path))
		r = -errno;
	if (r) {
		unlink(tmp);
		return r;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", st->path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	/* Appends now go to the new file. */
	nfd = open(st->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	close(st->fd);
	st->fd = nfd;
	st->records = count;
	st->clean = true;
	return 0;
}
