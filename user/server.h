/* SPDX-License-Identifier: MIT */
/*
 * The protocol engine: one socket-free entry point takes a received frame
 * and the time and produces the reply frame, applying RFC 2131 section 4.3
 * to the pool.  Map and store updates leave through server_ops callbacks,
 * so tests and fuzzers drive the whole server without BPF or sockets.
 */
#ifndef XDHCP_SERVER_H
#define XDHCP_SERVER_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dhcp_msg.h"
#include "fastpath_abi.h"
#include "lease.h"
#include "log.h"

struct server_stats {
	uint64_t rx, malformed, ignored;
	uint64_t discovers, offers, requests, acks, naks;
	uint64_t releases, declines, informs;
	uint64_t exhausted, other_server, renewals_fast;
	uint64_t probes, conflicts, offers_evicted;
};

/* A subnet in use: its configuration, pool and addresses. */
struct server_subnet {
	const struct cfg_subnet *cfg;
	uint32_t index; /* pool id in lease keys */
	struct pool *pool;
	uint32_t netmask; /* network order */
	uint32_t subnet;
	uint32_t broadcast;
	uint32_t renew_base; /* first bit in xdhcp_renewed, or XDHCP_RENEW_BASE_NONE */
};

struct server_iface {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	uint32_t server_id; /* network order */
	uint32_t slot;	    /* stats slot and template index */
	struct server_subnet *subnet;
	/* The keys of this interface's outstanding offers, oldest first (a
	 * ring of cfg->max_offers, allocated by the engine): a guest sending
	 * DISCOVERs from random MACs holds at most that many addresses. */
	struct xdhcp_lease_key *offers;
	unsigned int offers_head, offers_n;
	struct server_stats stats; /* this interface's share of server.stats */
};

struct server_ops {
	/* A lease was bound or extended by the daemon (before its ACK leaves);
	 * l->renewal tells which. */
	void (*lease_bound)(void *ctx, const struct lease *l);
	/* A bound or offered lease ends (release, decline, expiry, offer timeout),
	 * called before the pool changes its state. */
	void (*lease_ended)(void *ctx, const struct lease *l, enum lease_end why);
	/* Write a fast-path reply template (xdhcp_tmpl[index]). */
	int (*template_put)(void *ctx, uint32_t index, const struct xdhcp_tmpl *t);
	/* Before a client's message is acted on, its lease record (any
	 * state): the caller may bring it up to date, say with a renewal the
	 * fast path answered since (NULL: nothing to do). */
	void (*lease_sync)(void *ctx, struct lease *l);
};

struct server_tmpl; /* reservation templates, allocated on first use */

struct server {
	const struct xdhcp_config *cfg;
	struct server_subnet *subnets; /* one per configured subnet; pool NULL if unused */
	unsigned int n_subnets;
	struct server_iface *ifaces;
	unsigned int n_ifaces;
	struct server_ops ops;
	void *ops_ctx;
	struct server_stats stats;
	struct log_ratelimit rl_exhausted;
	uint64_t offer_ns;
	uint64_t decline_ns;
	struct server_tmpl *tmpls;
	uint32_t tmpl_next;
	/* With --conflict-check, server_handle_frame() returns -EINPROGRESS
	 * for a DISCOVER whose address must be probed first: probe_addr on
	 * the request's interface.  The caller probes, reports with
	 * server_probe_done() and hands the same frame in again. */
	uint32_t probe_addr;
	/* After a restart, offers the previous run made are unknown: until
	 * this time a SELECTING REQUEST for a free address is honoured. */
	uint64_t selecting_grace_until;
};

/* Largest reply: an IPv4 datagram within an Ethernet MTU, in a frame
 * with an 802.1Q tag. */
#define SERVER_IP_MAX	 1500
#define SERVER_FRAME_MAX (SERVER_IP_MAX + 18)

/* Template indexes: 1..CFG_MAX_IFACES are interface slots (dynamic
 * leases); reservations with their own host name or PXE settings get one
 * of the rest. */
#define SERVER_TMPL_RESV_BASE (CFG_MAX_IFACES + 1)

/*
 * Set up the engine for cfg (validated, and every used subnet's netmask
 * resolved).  Creates a pool per subnet with a range, and its
 * reservations.  Interfaces are added by the caller (ifaces, n_ifaces, each
 * pointing to its subnet).  Returns 0, -EINVAL (err set), -ENOMEM.
 */
int server_init(struct server *s, const struct xdhcp_config *cfg, char *err, size_t errlen);
void server_fini(struct server *s);

struct server_iface *server_iface_find(struct server *s, uint32_t ifindex);

/* The subnet (with a pool) whose network contains addr, or NULL. */
struct server_subnet *server_subnet_of(struct server *s, uint32_t addr);

/*
 * The xdhcp_tmpl index the fast path uses for lease l: its interface's
 * slot, or for a reservation with its own host name or PXE settings a
 * template built (and written through ops.template_put) on first use.
 * Returns 0, -ENOENT (no interface), -ENOSPC (table full or options too
 * long: the lease stays out of the fast path).
 */
int server_lease_template(struct server *s, const struct lease *l, uint32_t *ret_index);

/*
 * Handle one received frame on ifindex at time now (CLOCK_BOOTTIME ns).
 * Returns the length of the reply frame written to out (send it on ifindex
 * to the Ethernet destination it carries), 0 when no reply is due, or
 * -EBADMSG for a malformed frame.
 */
int server_handle_frame(struct server *s, uint32_t ifindex, const uint8_t *frame, size_t len,
			uint64_t now, uint8_t *out, size_t cap);

/*
 * The result of an ARP probe of addr on ifindex: a conflict quarantines
 * the address (like a DECLINE, for --decline-time) and logs who holds it;
 * otherwise the offer may go.  Returns 0, or -ENOENT when no offer waits
 * on addr.
 */
int server_probe_done(struct server *s, uint32_t ifindex, uint32_t addr, bool conflict,
		      const uint8_t *holder_mac, uint64_t now);

/* The fast path's ACK options for leases granted on ifc, for reservation
 * resv or none (see struct xdhcp_tmpl).  Returns 0 or -ENOSPC. */
int server_build_template(const struct server *s, const struct server_iface *ifc,
			  const struct cfg_static *resv, struct xdhcp_tmpl *ret_tmpl);

/* The lease key of a reservation in subnet pool. */
void server_static_key(const struct cfg_static *st, uint32_t pool, struct xdhcp_lease_key *ret_key);

/* Client identity (RFC 2131 4.2, RFC 6842): option 61 when present, else
 * htype + chaddr. */
void server_client_key(const struct dhcp_msg *m, uint32_t pool, struct xdhcp_lease_key *ret_key);

/* True when the XDP program computes the same key (so the lease belongs in
 * the map): Ethernet chaddr, or a client id of at most XDHCP_CLIENT_ID_MAX. */
bool server_key_in_fastpath(const struct xdhcp_lease_key *key);

/* Printable key: "mac:52:54:00:12:34:56", "hw:6:..." or "id:01abcd...". */
void server_key_format(const struct xdhcp_lease_key *key, char *out, size_t cap);
/* Inverse of server_key_format (pool taken from the argument); "id:" also
 * takes an id longer than XDHCP_CLIENT_ID_MAX and keys it hashed, as
 * server_client_key() does. */
int server_key_parse(const char *s, uint32_t pool, struct xdhcp_lease_key *ret_key);

/* Hex bytes, optionally separated by ':' or '-', into out (at most cap).
 * Returns 0 and the count in *ret_len, or -EINVAL. */
int server_parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ret_len);

#endif /* XDHCP_SERVER_H */
