/* SPDX-License-Identifier: MIT */
/*
 * Lease persistence: an append-only text file, one record per line, each
 * line carrying its own CRC-32.  Appends are buffered and made durable by
 * store_sync() (one fdatasync for a whole batch: group commit); the caller
 * syncs before any ACK of the batch leaves.  Compaction rewrites the live
 * leases to a new file, fsyncs it and renames it over the old one.
 *
 * Line format (fields separated by one space):
 *   OP ADDRESS KEY EXPIRES LEASE_TIME HOSTNAME crc=XXXXXXXX
 * OP is grant, renew, release, expire or decline; KEY as server_key_format;
 * EXPIRES is Unix time (seconds); HOSTNAME is escaped, "-" when none; the
 * CRC-32 (zlib) covers everything before " crc=".
 */
#ifndef XDHCP_LEASE_STORE_H
#define XDHCP_LEASE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fastpath_abi.h"

enum store_op {
	STORE_GRANT = 1,
	STORE_RENEW,
	STORE_RELEASE,
	STORE_EXPIRE,
	STORE_DECLINE,
};

struct store_record {
	enum store_op op;
	struct xdhcp_lease_key key;
	uint32_t addr;	 /* network order */
	int64_t expires; /* Unix seconds */
	uint32_t lease_time;
	char hostname[64];
};

struct lease_store;

/* Open (creating parent directory and file, mode 0600) for appending. */
int store_open(const char *path, struct lease_store **ret_store);
void store_close(struct lease_store *st);

/*
 * Replay the file: cb is called for each valid record in order.  A line
 * that fails its checksum or does not parse is skipped with a warning
 * naming its line number (a torn tail after a crash).  Returns the number
 * of records replayed or a negative errno.
 */
int store_load(struct lease_store *st, uint32_t pool,
	       void (*cb)(void *ctx, const struct store_record *r), void *ctx);

/* Buffer a record; durable after the next store_sync(). */
int store_append(struct lease_store *st, const struct store_record *r);

/* Write and fdatasync what was appended.  Returns 0 or a negative errno. */
int store_sync(struct lease_store *st);

/* Records appended since the last compaction (for the compaction policy). */
size_t store_records(const struct lease_store *st);

/*
 * The file holds its header and then nothing but records: the last
 * store_load() skipped no line (damaged, torn, overlong, blank, comment)
 * and the last line ended with its newline, or the file was written by
 * store_compact().  A compaction of a clean file that writes as many
 * records as it holds (store_records()) would only spell the same leases
 * again.
 */
bool store_clean(const struct lease_store *st);

/*
 * Atomically replace the file with the records that next() yields (it
 * returns 0 when done): write to PATH.tmp, fsync, rename, fsync the
 * directory.  On failure the old file stays as it was.
 */
int store_compact(struct lease_store *st, int (*next)(void *ctx, struct store_record *r),
		  void *ctx);

/*
 * The backend interface the daemon uses, so that another store (a
 * database shared by several hosts) can be added without touching the
 * protocol code.  Every function returns 0 or a negative errno.  record()
 * may buffer; sync() makes everything recorded durable and is called
 * before any ACK of a batch leaves; load() replays the records in order;
 * compact() replaces the store with what next() yields.  The file backend
 * below is the default.
 */
struct store_backend {
	const char *name;
	int (*open)(const char *location, void **ret_state);
	int (*load)(void *state, void (*cb)(void *ctx, const struct store_record *r), void *ctx);
	int (*record)(void *state, const struct store_record *r);
	int (*sync)(void *state);
	int (*compact)(void *state, int (*next)(void *ctx, struct store_record *r), void *ctx);
	size_t (*records)(void *state); /* since the last compaction */
	bool (*clean)(void *state);	/* as store_clean(); NULL: never */
	void (*close)(void *state);
};

/* The lease file (this module), location = path. */
extern const struct store_backend store_backend_file;

/* A backend by name ("file"), or NULL. */
const struct store_backend *store_backend_find(const char *name);

/* Format / parse one line (without the newline); exposed for tests and
 * fuzzing.  store_parse_line returns 0, -EBADMSG (bad checksum or field). */
int store_format_line(const struct store_record *r, char *out, size_t cap);
int store_parse_line(const char *line, uint32_t pool, struct store_record *ret_rec);

#endif /* XDHCP_LEASE_STORE_H */
