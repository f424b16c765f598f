/* SPDX-License-Identifier: MIT */
/*
 * Lease events (--event-script): every lease added, renewed, released,
 * expired or declined becomes a struct lease_event, handed at once to an
 * embedder's callback and queued for an external program run in the style
 * of dnsmasq's dhcp-script.  Scripts run one at a time, in order, started
 * and reaped from the daemon's event loop: the protocol path only copies
 * the event into a queue and never forks or waits.  A slow script is
 * killed after a timeout, a failing one is logged and counted; either way
 * the next event runs.
 *
 * Invocation:  SCRIPT EVENT MAC-or-CLIENT IP [HOSTNAME]
 * with a clean environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin plus the
 * XDHCP_* variables below), stdin from /dev/null, stdout and stderr
 * inherited, no shell, the default signal dispositions and an empty signal
 * mask, in its own process group (a timeout kills the whole group).
 *
 *   XDHCP_EVENT       add | renew | release | expire | decline
 *   XDHCP_MAC         52:54:00:12:34:56, or empty when unknown
 *   XDHCP_CLIENT      the lease key: mac:..., hw:N:..., id:..., idh:...
 *   XDHCP_CLIENT_ID   option 61 in hex, or empty
 *   XDHCP_IP          dotted quad
 *   XDHCP_HOSTNAME    option 12, escaped (see log_escape()), may be empty
 *   XDHCP_EXPIRES     Unix seconds; 0 for release, expire and decline
 *   XDHCP_LEASE_TIME  seconds granted
 *   XDHCP_INTERFACE   interface name, may be empty
 *   XDHCP_SEQ         1, 2, ... in the order events were pushed
 */
#ifndef XDHCP_EVENTS_H
#define XDHCP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "lease.h"

/*
 * Longest backlog of events waiting for the script.  Beyond it the oldest
 * are dropped (counted in events_dropped(), with a rate-limited warning):
 * a script that cannot keep up must not grow the daemon without bound.  An
 * event takes 464 bytes, so a full queue is about 120 MB (about 180 MB for
 * the moment the queue doubles to that size); the memory is given back
 * once the script has caught up.
 */
#define EVENTS_QUEUE_MAX (1U << 18)

/* Default and largest script run time, seconds. */
#define EVENTS_TIMEOUT_DEFAULT 30
#define EVENTS_TIMEOUT_MAX     3600

enum lease_event_type {
	LEASE_EV_ADD = 1, /* a lease was bound (a new client, or a new address) */
	LEASE_EV_RENEW,	  /* a bound lease was extended (by the daemon or in XDP) */
	LEASE_EV_RELEASE,
	LEASE_EV_EXPIRE,
	LEASE_EV_DECLINE,
	LEASE_EV_MAX,
};

/* A copy: the lease may change or vanish before the script runs. */
struct lease_event {
	enum lease_event_type type;
	char client[3 * 64 + 8]; /* printable key, e.g. "mac:52:54:00:12:34:56" or "id:01ab..." */
	char mac[18];		 /* "52:54:00:12:34:56" when known, else "" */
	char client_id[2 * 64 + 1]; /* hex of option 61, "" when none */
	uint32_t addr;		    /* network order */
	char hostname[64];	    /* escaped, may be "" */
	int64_t expires;	    /* Unix seconds; 0 for release/expire/decline */
	uint32_t lease_time;
	char interface[16];
	uint64_t seq; /* assigned by events_push: 1, 2, ... */
};

/* "add", "renew", "release", "expire", "decline"; "unknown" otherwise. */
const char *lease_event_name(enum lease_event_type t);

/*
 * Fill e from lease l: the key as server_key_format() prints it, the MAC
 * from an Ethernet key or a client id of type 1 with 6 bytes, the client
 * id in hex (empty for a key of the hardware address, or for an id too
 * long to keep, whose key is hashed), address, host name, lease time.
 * ifname may be NULL.  expires (Unix seconds) is kept for add and renew
 * and zeroed for the other types.  seq is left 0 (events_push sets it).
 */
void lease_event_fill(struct lease_event *e, enum lease_event_type type, const struct lease *l,
		      const char *ifname, int64_t expires);

struct events;

/*
 * script may be NULL: callbacks only, nothing is queued.  timeout_s: a run
 * longer than this is killed (SIGKILL to its process group) and logged; 0
 * means EVENTS_TIMEOUT_DEFAULT, larger than EVENTS_TIMEOUT_MAX is clamped.
 * A script that is not executable now is warned about but kept (it may be
 * installed later); each run then fails and is counted.  Returns NULL
 * with errno set on failure.
 */
struct events *events_new(const char *script, unsigned int timeout_s);

/* Kill a running script (SIGKILL to its group) and reap it, free the
 * queue, log how many events were not delivered.  Accepts NULL. */
void events_free(struct events *ev);

/* Register a callback for embedders (NULL to remove): called synchronously
 * from events_push, in order, with the event's seq set. */
void events_set_callback(struct events *ev, void (*cb)(void *ctx, const struct lease_event *e),
			 void *ctx);

/*
 * Hand over an event (copied; e->seq is ignored and assigned).  Calls the
 * callback, then queues the event for the script.  Never forks and never
 * waits: the script is started from events_dispatch(), which the loop
 * calls when events_fd() becomes readable.  Returns 0, or -ENOMEM when the
 * queue cannot grow (the event is dropped and counted; the callback has
 * seen it).
 */
int events_push(struct events *ev, const struct lease_event *e);

/*
 * One file descriptor, stable from events_new() to events_free(), for the
 * caller's epoll set (EPOLLIN, level-triggered).  It becomes readable when
 * queued events wait for the script or a running script has ended; then
 * call events_dispatch().  Never -1, also without a script.
 */
int events_fd(const struct events *ev);

/* Reap a finished script and log a non-zero exit or a signal
 * (rate-limited), then start the next queued event.  Cheap and harmless
 * when nothing is due. */
void events_dispatch(struct events *ev);

/* From a periodic timer (about 1 s): kill a script that has run longer
 * than the timeout.  now_boot_ns is CLOCK_BOOTTIME. */
void events_tick(struct events *ev, uint64_t now_boot_ns);

/* Events queued and not yet handed to a script (the running one excluded). */
size_t events_pending(const struct events *ev);
/* True while a script runs. */
int events_running(const struct events *ev);
/* Runs that failed: could not start, exited non-zero, killed by a signal
 * or for the timeout. */
uint64_t events_failed(const struct events *ev);
/* Events that never reached the script: queue overflow or out of memory. */
uint64_t events_dropped(const struct events *ev);
/* Runs that exited 0. */
uint64_t events_delivered(const struct events *ev);

#endif /* XDHCP_EVENTS_H */
