/* SPDX-License-Identifier: MIT */
/*
 * Address conflict probes (--conflict-check, RFC 2131 sections 2.2 and
 * 3.1): before an address is offered, an ARP probe (RFC 5227: sender
 * address 0.0.0.0) asks who holds it.  A reply, or anyone announcing it,
 * is a conflict; silence for PROBE_WAIT_MS means the address is free.  The
 * DISCOVER that asked for the address waits here meanwhile.
 */
#ifndef XDHCP_PROBE_H
#define XDHCP_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath_abi.h"

#define PROBE_MAX     64  /* waiting DISCOVERs; more are dropped (the client retries) */
#define PROBE_WAIT_MS 500 /* how long silence takes */
#define PROBE_TRIES   4	  /* addresses probed for one DISCOVER before giving up */

struct probe_waiter {
	uint32_t ifindex;
	uint32_t addr; /* network order */
	uint64_t deadline_ns;
	unsigned int tries;
	uint32_t len;
	uint8_t frame[XDHCP_PUNT_MAX];
	bool used;
};

struct probe_table {
	int fd; /* AF_PACKET, ETH_P_ARP: sends probes, receives replies */
	struct probe_waiter w[PROBE_MAX];
	unsigned int n;
};

/* Open the ARP socket.  Returns 0 or a negative errno. */
int probe_open(struct probe_table *pt);
void probe_close(struct probe_table *pt);

/*
 * Park frame (a DISCOVER) until addr is probed on ifindex, sending the
 * probe from src_mac.  A DISCOVER for an address already being probed
 * replaces the parked frame (a retransmission).  Returns 0, -ENOSPC when
 * the table is full, -ELOOP when tries is exhausted, or a send error.
 */
int probe_start(struct probe_table *pt, uint32_t ifindex, const uint8_t *src_mac, uint32_t addr,
		const uint8_t *frame, uint32_t len, unsigned int tries, uint64_t now);

/* Read pending ARP frames; done(ctx, w, conflict=true, holder MAC) for
 * each waiter whose address someone claims.  The waiter is freed after. */
void probe_read(struct probe_table *pt,
		void (*done)(void *ctx, struct probe_waiter *w, bool conflict, const uint8_t *mac),
		void *ctx);

/* done(ctx, w, false, NULL) for each waiter whose time is up. */
void probe_expire(struct probe_table *pt, uint64_t now,
		  void (*done)(void *ctx, struct probe_waiter *w, bool conflict,
			       const uint8_t *mac),
		  void *ctx);

/* Milliseconds until the next deadline, -1 when nothing waits. */
int probe_timeout_ms(const struct probe_table *pt, uint64_t now);

#endif /* XDHCP_PROBE_H */
