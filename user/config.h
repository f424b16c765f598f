/* SPDX-License-Identifier: MIT */
/*
 * Daemon configuration: one option table drives the command line, the
 * config file (`key = value` lines with the same keys) and --help.
 * Addresses are kept in network order, times in seconds.
 */
#ifndef XDHCP_CONFIG_H
#define XDHCP_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_IFACES  1024
#define CFG_MAX_ADDRS   8
#define CFG_MAX_SEARCH  8
#define CFG_NAME_MAX    256
#define CFG_PATH_MAX    4096

#define CFG_LEASE_FILE_DEFAULT "/var/lib/xdhcpd/leases"
#define CFG_RUN_DIR_DEFAULT    "/run/xdhcpd"

enum cfg_xdp_mode {
	CFG_XDP_AUTO = 0,
	CFG_XDP_NATIVE,
	CFG_XDP_GENERIC,
};

struct xdhcp_config {
	char ifnames[CFG_MAX_IFACES][IF_NAMESIZE];
	unsigned int n_ifaces;

	uint32_t range_start; /* network order; 0 = not given */
	uint32_t range_end;
	uint32_t server_id; /* 0 = the interface's address */
	uint32_t netmask;   /* 0 = the interface's prefix, else /24 of the range */
	uint32_t routers[CFG_MAX_ADDRS];
	unsigned int n_routers;
	uint32_t dns[CFG_MAX_ADDRS];
	unsigned int n_dns;
	uint32_t lease_time;
	uint32_t offer_time;
	char hostname[64];
	char domain[CFG_NAME_MAX];
	char search[CFG_MAX_SEARCH][CFG_NAME_MAX];
	unsigned int n_search;

	char lease_file[CFG_PATH_MAX];
	char pin_dir[CFG_PATH_MAX];
	char run_dir[CFG_PATH_MAX];
	enum cfg_xdp_mode xdp_mode;
	int verbose;
	bool no_fastpath; /* punt every packet (diagnostics) */
	bool keep_pins;   /* leave maps pinned at exit */
};

/* Defaults for every field. */
void config_init(struct xdhcp_config *cfg);

/*
 * Parse the command line (and any --config files it names, in order).
 * Returns 0, 1 when --help/--version was handled (exit 0), or -EINVAL with a
 * one-line message naming the option in err.
 */
int config_parse_args(struct xdhcp_config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Parse one config file; errors name FILE:LINE and the key. */
int config_parse_file(struct xdhcp_config *cfg, const char *path, char *err, size_t errlen);

/*
 * Cross-field checks that need no system state (range order, range inside
 * the netmask when one is given).  Returns 0 or -EINVAL with err set.
 */
int config_validate(const struct xdhcp_config *cfg, char *err, size_t errlen);

/* Print the option table (--help). */
void config_usage(FILE *out, const char *prog);

/* Parsers shared with other modules: dotted quad -> network order. */
int config_parse_ip(const char *s, uint32_t *ret_ip);

#endif /* XDHCP_CONFIG_H */
