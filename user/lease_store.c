/* SPDX-License-Identifier: MIT */
/*
 * The lease file (see lease_store.h for the format and the durability
 * contract).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "lease_store.h"
#include "log.h"
#include "server.h"

#define STORE_LINE_MAX 512
#define STORE_HEADER   "# xdhcpd leases v1: OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME crc=CRC32"

struct lease_store {
	char path[4096];
	int fd;
	char *buf; /* pending appends */
	size_t len, cap;
	size_t records;
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

static uint32_t line_crc(const char *s, size_t n)
{
	return (uint32_t)crc32(0L, (const Bytef *)s, (uInt)n);
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

int store_format_line(const struct store_record *r, char *out, size_t cap)
{
	char key[3 * XDHCP_CLIENT_ID_MAX + 8], ip[INET_ADDRSTRLEN];
	int n, m;

	if (r->op < STORE_GRANT || r->op > STORE_DECLINE)
		return -EINVAL;
	server_key_format(&r->key, key, sizeof(key));
	inet_ntop(AF_INET, &r->addr, ip, sizeof(ip));
	n = snprintf(out, cap, "%s %s %s %" PRId64 " %u %s", op_names[r->op], ip, key, r->expires,
		     r->lease_time, r->hostname[0] ? r->hostname : "-");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	m = snprintf(out + n, cap - (size_t)n, " crc=%08x", line_crc(out, (size_t)n));
	if (m < 0 || (size_t)n + (size_t)m >= cap)
		return -ENOSPC;
	return n + m;
}

int store_parse_line(const char *line, uint32_t pool, struct store_record *ret_rec)
{
	char op[16], ip[INET_ADDRSTRLEN + 1], key[200], host[64]; /* as wide as %199s */
	const char *crcp = NULL, *p;

	/* The last " crc=": a host name may contain the text too. */
	for (p = strstr(line, " crc="); p; p = strstr(p + 1, " crc="))
		crcp = p;
	struct store_record r;
	unsigned int crc;
	int64_t expires;
	unsigned int lt;
	char tail;

	/* %8x cannot overflow.  The numbers read below come from lines that
	 * store_format_line() wrote: the CRC over the line is checked first. */
	if (!crcp || sscanf(crcp, " crc=%8x%c", &crc, &tail) != 1 || /* NOLINT(cert-err34-c) */
	    crc != line_crc(line, (size_t)(crcp - line)))
		return -EBADMSG;
	memset(&r, 0, sizeof(r));
	/* NOLINTNEXTLINE(cert-err34-c) */
	if (sscanf(line, "%15s %16s %199s %" SCNd64 " %u %63s", op, ip, key, &expires, &lt, host) !=
	    6)
		return -EBADMSG;
	for (int i = STORE_GRANT; i <= STORE_DECLINE; i++)
		if (!strcmp(op, op_names[i]))
			r.op = (enum store_op)i;
	if (!r.op || inet_pton(AF_INET, ip, &r.addr) != 1 || server_key_parse(key, pool, &r.key))
		return -EBADMSG;
	r.expires = expires;
	r.lease_time = lt;
	if (strcmp(host, "-"))
		snprintf(r.hostname, sizeof(r.hostname), "%s", host);
	*ret_rec = r;
	return 0;
}

int store_load(struct lease_store *st, uint32_t pool,
	       void (*cb)(void *ctx, const struct store_record *r), void *ctx)
{
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int fd, n = 0;
	FILE *f;

	fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	/* getline() returns the true length: a NUL byte inside a line (a
	 * zero-filled tail after a crash) cannot hide where the line ends. */
	while ((len = getline(&line, &cap, f)) > 0) {
		struct store_record r;

		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len > STORE_LINE_MAX) {
			pr_warn("lease file '%s': line %lu too long, skipped", st->path, lineno);
			continue;
		}
		if (len == 0 || line[0] == '#')
			continue;
		if (strlen(line) != (size_t)len || store_parse_line(line, pool, &r)) {
			pr_warn("lease file '%s': line %lu is corrupt or torn, skipped", st->path,
				lineno);
			continue;
		}
		cb(ctx, &r);
		n++;
	}
	free(line);
	fclose(f);
	st->records = (size_t)n;
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
	if (r)
		return r;
	if (fdatasync(st->fd))
		return -errno;
	return 0;
}

size_t store_records(const struct lease_store *st)
{
	return st->records;
}

int store_compact(struct lease_store *st, int (*next)(void *ctx, struct store_record *r), void *ctx)
{
	char tmp[sizeof(st->path) + 8], dirbuf[sizeof(st->path)], line[STORE_LINE_MAX];
	struct store_record rec;
	size_t count = 0;
	int fd, dfd, r = 0, nfd;

	r = store_sync(st);
	if (r)
		return r;
	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, STORE_HEADER "\n", strlen(STORE_HEADER) + 1);
	while (!r && next(ctx, &rec)) {
		int n = store_format_line(&rec, line, sizeof(line) - 1);

		if (n < 0) {
			r = n;
			break;
		}
		line[n++] = '\n';
		r = write_all(fd, line, (size_t)n);
		count++;
	}
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
	return 0;
}
