/* SPDX-License-Identifier: MIT */
/*
 * Daemon configuration: one option table drives the command line, the
 * config file (`key = value` lines with the same keys) and --help.
 *
 * Settings are global (files, XDP mode, timers) or per subnet (range,
 * options, reservations).  The command line and the config file's lines
 * before any section describe subnet 0; a `[subnet NAME]` section starts
 * another subnet, which inherits subnet 0's lease time, DNS, domain, search
 * list, host name, PXE settings and generic options as they stand at that
 * line.  Interfaces belong to the subnet they are named in.  Addresses are
 * kept in network order, times in seconds.
 */
#ifndef XDHCP_CONFIG_H
#define XDHCP_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fastpath_abi.h"

#define CFG_MAX_IFACES	1024
#define CFG_MAX_SUBNETS 256
#define CFG_MAX_ADDRS	8
#define CFG_MAX_SEARCH	8
#define CFG_MAX_ROUTES	16
#define CFG_MAX_OPTIONS 32
#define CFG_MAX_STATICS 65536
#define CFG_NAME_MAX	256
#define CFG_PATH_MAX	4096
#define CFG_FILE_MAX	128 /* BOOTP 'file' field */

#define CFG_LEASE_FILE_DEFAULT "/var/lib/xdhcpd/leases"
#define CFG_RUN_DIR_DEFAULT    "/run/xdhcpd"

enum cfg_xdp_mode {
	CFG_XDP_AUTO = 0,
	CFG_XDP_NATIVE,
	CFG_XDP_GENERIC,
};

/* A static reservation: a client (MAC or client identifier) and its
 * address, inside or outside the dynamic range. */
struct cfg_static {
	uint8_t kind; /* XDHCP_KEY_HWADDR (Ethernet MAC) or XDHCP_KEY_CLIENT_ID */
	uint8_t len;
	uint8_t id[255]; /* MAC, or a whole client id (long ones are keyed hashed) */
	uint32_t ip;
	char hostname[64];    /* option 12 for this client, "" = subnet's */
	uint32_t next_server; /* siaddr, 0 = subnet's */
	char boot_file[CFG_FILE_MAX];
};

/* A generic option (--option CODE,VALUE), already encoded. */
struct cfg_dhcp_option {
	uint8_t code;
	uint8_t len;
	uint8_t data[255];
};

struct cfg_route {
	uint32_t dest; /* network order */
	uint8_t prefix;
	uint32_t gateway;
};

struct cfg_subnet {
	char name[64];
	uint32_t range_start; /* network order; 0 = not given */
	uint32_t range_end;
	uint32_t server_id; /* 0 = the interface's address */
	uint32_t netmask;   /* 0 = the interface's prefix, else /24 of the range */
	uint32_t routers[CFG_MAX_ADDRS];
	unsigned int n_routers;
	uint32_t dns[CFG_MAX_ADDRS];
	unsigned int n_dns;
	uint32_t lease_time;
	char hostname[64];
	char domain[CFG_NAME_MAX];
	char search[CFG_MAX_SEARCH][CFG_NAME_MAX];
	unsigned int n_search;
	struct cfg_route routes[CFG_MAX_ROUTES];
	unsigned int n_routes;
	uint32_t next_server;
	char boot_file[CFG_FILE_MAX];
	struct cfg_dhcp_option options[CFG_MAX_OPTIONS];
	unsigned int n_options;
	struct cfg_static *statics; /* heap */
	unsigned int n_statics, cap_statics;
};

struct xdhcp_config {
	char ifnames[CFG_MAX_IFACES][IF_NAMESIZE];
	unsigned int iface_subnet[CFG_MAX_IFACES]; /* index into subnets */
	unsigned int n_ifaces;

	struct cfg_subnet *subnets; /* heap; subnets[0] always exists */
	unsigned int n_subnets;
	unsigned int cur_subnet; /* while parsing a file: the open section */

	uint32_t offer_time;
	uint32_t max_offers; /* outstanding offers per interface */
	uint32_t punt_rate;  /* punts per second per interface, 0 = unlimited */
	uint32_t punt_burst;
	uint32_t decline_time;
	char lease_file[CFG_PATH_MAX];
	char pin_dir[CFG_PATH_MAX];
	char run_dir[CFG_PATH_MAX];
	enum cfg_xdp_mode xdp_mode;
	int verbose;
	bool no_fastpath;		   /* punt every packet (diagnostics) */
	bool detach_on_exit;		   /* remove links and pins at exit */
	bool detach_all;		   /* --detach-all: only clean up pin_dir, then exit */
	char event_script[CFG_PATH_MAX];   /* "" = none */
	char user[64];			   /* "" = stay root (with fewer capabilities) */
	char control_socket[CFG_PATH_MAX]; /* "" = RUN_DIR/control.sock */
	char metrics[64];		   /* "" = no metrics endpoint */
	uint32_t event_timeout;		   /* seconds; 0 = the default */
	bool conflict_check;		   /* ARP-probe addresses before offering them */
};

/* Defaults for every field.  Returns 0 or -ENOMEM. */
int config_init(struct xdhcp_config *cfg);
void config_free(struct xdhcp_config *cfg);

/*
 * Parse the command line (and any --config files it names, in order).
 * Returns 0, 1 when --help was handled (exit 0), or -EINVAL with a one-line
 * message naming the option in err.
 */
int config_parse_args(struct xdhcp_config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Parse one config file; errors name FILE:LINE and the key. */
int config_parse_file(struct xdhcp_config *cfg, const char *path, char *err, size_t errlen);

/*
 * Cross-field checks that need no system state: interfaces and ranges
 * given, ranges inside their netmask when one is given, reservations inside
 * their subnet, unique and not held by another client, server ids and
 * routers inside their subnet.  Returns 0 or -EINVAL with err set.
 */
int config_validate(const struct xdhcp_config *cfg, char *err, size_t errlen);

/* Print the option table (--help). */
void config_usage(FILE *out, const char *prog);

/* Dotted quad -> network order. */
int config_parse_ip(const char *s, uint32_t *ret_ip);

#endif /* XDHCP_CONFIG_H */
