/* SPDX-License-Identifier: MIT */
/*
 * The daemon's state, shared by main.c (start-up, the event loop, reload)
 * and ctl.c (the control socket's commands).
 */
#ifndef XDHCP_DAEMON_H
#define XDHCP_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "control.h"
#include "events.h"
#include "lease_store.h"
#include "loader.h"
#include "log.h"
#include "server.h"

struct iface_info {
	uint32_t ifindex;
	uint8_t mac[6];
	uint32_t addr; /* first IPv4 address, network order, 0 if none */
	uint32_t mask;
};

struct pending_reply {
	uint32_t ifindex;
	uint32_t len;
	uint8_t frame[SERVER_FRAME_MAX];
};

struct daemon {
	struct xdhcp_config cfg;
	struct server srv;
	struct loader ld;
	const struct store_backend *store_be; /* the lease store: backend and its state */
	void *store;
	struct ring_buffer *rb;
	int sigfd, timerfd, pkt_fd, epfd;
	struct iface_info *infos; /* per interface, in configuration order */
	int *lock_fds;		  /* likewise */
	int argc;
	char **argv;
	uint32_t *ifindexes;
	char (*ifnames)[16];
	struct pending_reply *pending;
	unsigned int n_pending;
	struct probe_table *probes; /* --conflict-check only */
	struct events *events;	    /* --event-script only */
	struct control *control;    /* the control socket */
	struct metrics *metrics;    /* --metrics only */
	struct overlay *overlay;    /* runtime changes made through the control socket */
	uint64_t started_boot_ns;
	/* Where start-up went, logged with "ready" (the benchmark's 1M-lease
	 * estimate scales the per-lease parts): the lease file read, the BPF
	 * load and verification on another thread beside it, and what
	 * follows both (map fill, compaction, attach), in ns. */
	struct {
		uint64_t file_ns, bpf_ns, after_ns, total_ns;
	} startup;
	bool store_dirty;
	bool stop;
	uint64_t punts, stale_punts, renew_events;
	/* xdhcp_renewed, mapped (NULL when it could not be): the renewals
	 * answered in XDP since the last collect_renewals(). */
	uint64_t *renewed;
	uint32_t renewed_words;
	uint64_t clock_offset_ns; /* as last published to the fast path */
	struct log_ratelimit rl_store, rl_send, rl_bad_event, rl_probe;
};

/* Implemented in main.c for the control commands. */
uint64_t daemon_now(void);
int64_t daemon_boot_to_unix(uint64_t boot_ns);
/* Reload the configuration (SIGHUP, or a control command).  Returns 0, or
 * -EINVAL with err set and the running configuration kept. */
int daemon_reload(struct daemon *d, char *err, size_t errlen);
/* End a lease now (control: lease del): map, store, events, pool. */
void daemon_lease_end(struct daemon *d, struct lease *l);

#endif /* XDHCP_DAEMON_H */
