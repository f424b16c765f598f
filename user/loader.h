/* SPDX-License-Identifier: MIT */
/*
 * The BPF side of the daemon: mount bpffs, load the skeleton (or adopt the
 * program an operator attached with `ip link ... xdp obj`), pin the maps,
 * attach to interfaces in the requested XDP mode, and read/write the maps.
 */
#ifndef XDHCP_LOADER_H
#define XDHCP_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fastpath_abi.h"
#include "ifcache.h"

struct xdhcp; /* the generated skeleton */

struct loader_iface {
	uint32_t ifindex;
	char name[16];
	int link_fd;   /* our bpf_link, -1 when the program was attached by someone else */
	uint32_t mode; /* XDP_ATTACHED_DRV / _SKB / _HW after attach */
};

struct loader {
	struct xdhcp *skel; /* NULL when adopting a foreign-loaded program */
	int prog_fd;
	uint32_t prog_id;
	int leases_fd, ifaces_fd, tmpl_fd, stats_fd, events_fd, renewed_fd, ifcache_fd;
	bool adopted;
	bool ifcache_fresh;	   /* xdhcp_ifcache created by this load */
	struct ifcache ifc;	   /* xdhcp_ifcache, mapped (ifc.ents NULL: not used) */
	unsigned int n_taken_over; /* links of a previous run taken over */
	bool pinned;		   /* we created the pins */
	char pin_dir[4096];
	int pin_lock_fd;
	struct loader_iface *ifs;
	unsigned int n_ifs;
};

/* A loader that holds nothing: loader_close() on it does nothing. */
void loader_init(struct loader *ld);

/*
 * Prepare the program and maps for the given interfaces (names and
 * indexes).  Fails with a one-line reason in err: missing privilege, no BPF,
 * an interface already carrying another XDP program, pinned maps from an
 * incompatible build, another daemon holding the pin directory.
 * Returns 0, or a negative errno (-EPERM for privilege problems).
 */
int loader_open(struct loader *ld, const struct xdhcp_config *cfg, const uint32_t *ifindexes,
		const char (*ifnames)[16], unsigned int n, char *err, size_t errlen);

/* Attach to every interface (skipping ones already running the adopted
 * program).  Returns 0 or a negative errno with err set. */
int loader_attach_all(struct loader *ld, enum cfg_xdp_mode mode, char *err, size_t errlen);

/* Serve one more interface (reload): checks as at start, then attach.
 * Returns 0 or a negative errno with err set. */
int loader_add_iface(struct loader *ld, uint32_t ifindex, const char *name, enum cfg_xdp_mode mode,
		     char *err, size_t errlen);

/* Stop serving an interface: detach our link, drop its map entry. */
void loader_remove_iface(struct loader *ld, uint32_t ifindex);

/*
 * Close everything.  The program stays attached through its pinned links,
 * and the maps stay pinned, so renewals keep being answered until the next
 * daemon takes over; with detach, links and pins go too.
 */
void loader_close(struct loader *ld, bool detach);

/* xdhcpd --detach-all: remove the links and maps pinned in pin_dir (the
 * programs leave their interfaces).  Refused while a daemon holds the
 * directory.  Returns 0 or a negative errno with err set. */
int loader_detach_all(const char *pin_dir, char *err, size_t errlen);

const char *loader_mode_name(uint32_t mode);

/* Map helpers: 0 or a negative errno. */
int loader_lease_put(struct loader *ld, const struct xdhcp_lease_key *k,
		     const struct xdhcp_lease *v);
int loader_lease_get(struct loader *ld, const struct xdhcp_lease_key *k, struct xdhcp_lease *v);
int loader_lease_del(struct loader *ld, const struct xdhcp_lease_key *k);
int loader_iface_put(struct loader *ld, uint32_t ifindex, const struct xdhcp_iface *v);
int loader_iface_del(struct loader *ld, uint32_t ifindex);
int loader_tmpl_put(struct loader *ld, uint32_t index, const struct xdhcp_tmpl *t);
/* Sum of the per-CPU counters of one stats slot. */
int loader_stats_read(struct loader *ld, uint32_t slot, struct xdhcp_stats *ret_sum);

/* Make sure a bpffs is mounted at /sys/fs/bpf (mount one if not). */
int loader_ensure_bpffs(char *err, size_t errlen);

#endif /* XDHCP_LOADER_H */
