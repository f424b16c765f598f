/* SPDX-License-Identifier: MIT */
/*
 * The option table and its two front ends: getopt_long for the command line
 * and a `key = value` reader for --config files.  Each option has exactly
 * one parser, so the command line, the file and --help cannot disagree.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dhcp_msg.h"
#include "fastpath_abi.h"

struct cfg_option {
	const char *name;
	const char *metavar; /* NULL: a flag without a value */
	const char *help;
	int (*parse)(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen);
};

static int set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int config_parse_ip(const char *s, uint32_t *ret_ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ret_ip = a.s_addr;
	return 0;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

/* Comma-separated IPv4 list into out[], at most max entries. */
static int parse_ip_list(const char *key, const char *val, uint32_t *out, unsigned int *n,
			 unsigned int max, char *err, size_t errlen)
{
	char buf[1024], *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "%s: value too long", key);
	snprintf(buf, sizeof(buf), "%s", val);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*n >= max)
			return set_err(err, errlen, "%s: at most %u addresses", key, max);
		if (config_parse_ip(tok, &out[*n]))
			return set_err(err, errlen, "%s: '%s' is not an IPv4 address", key, tok);
		(*n)++;
	}
	if (*n == 0)
		return set_err(err, errlen, "%s: expected IP[,IP...]", key);
	return 0;
}

static int opt_interface(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (!*val || strlen(val) >= IF_NAMESIZE || strchr(val, '/'))
		return set_err(err, errlen, "interface: '%s' is not a valid interface name", val);
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifnames[i], val))
			return set_err(err, errlen, "interface: '%s' given twice", val);
	if (cfg->n_ifaces >= CFG_MAX_IFACES)
		return set_err(err, errlen, "interface: at most %d interfaces", CFG_MAX_IFACES);
	snprintf(cfg->ifnames[cfg->n_ifaces++], IF_NAMESIZE, "%s", val);
	return 0;
}

static int opt_range(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	char buf[64], *comma;

	if (strlen(val) >= sizeof(buf) || !(comma = strchr(strcpy(buf, val), ',')))
		return set_err(err, errlen, "range: expected START,END, got '%s'", val);
	*comma = '\0';
	for (char *e = comma; e > buf && e[-1] == ' '; e--)
		e[-1] = '\0';
	while (comma[1] == ' ')
		comma++;
	if (config_parse_ip(buf, &cfg->range_start))
		return set_err(err, errlen, "range: start '%s' is not an IPv4 address", buf);
	if (config_parse_ip(comma + 1, &cfg->range_end))
		return set_err(err, errlen, "range: end '%s' is not an IPv4 address", comma + 1);
	if (ntohl(cfg->range_start) > ntohl(cfg->range_end))
		return set_err(err, errlen, "range: start %s is after end %s", buf, comma + 1);
	return 0;
}

static int opt_server_id(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (config_parse_ip(val, &cfg->server_id) || cfg->server_id == 0 ||
	    cfg->server_id == 0xffffffff)
		return set_err(err, errlen, "server-id: '%s' is not a usable IPv4 address", val);
	return 0;
}

static int opt_netmask(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	uint32_t m, h;

	if (config_parse_ip(val, &m))
		return set_err(err, errlen, "netmask: '%s' is not an IPv4 netmask", val);
	h = ntohl(m);
	/* Contiguous ones, then zeros; /0 and /32 make no sense for a pool. */
	if (h == 0 || h == 0xffffffff || (~h & (~h + 1)) != 0)
		return set_err(err, errlen, "netmask: '%s' is not a valid netmask", val);
	cfg->netmask = m;
	return 0;
}

static int opt_router(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	return parse_ip_list("router", val, cfg->routers, &cfg->n_routers, CFG_MAX_ADDRS, err,
			     errlen);
}

static int opt_dns(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	return parse_ip_list("dns", val, cfg->dns, &cfg->n_dns, CFG_MAX_ADDRS, err, errlen);
}

static int opt_lease_time(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	/* At least a minute: T1 and T2 must stay meaningful.  0xffffffff is
	 * "infinity" on the wire (RFC 2131 3.3); keep below it. */
	if (parse_u32(val, 60, 0xfffffffe, &cfg->lease_time))
		return set_err(err, errlen, "lease-time: '%s' is not a number of seconds in 60..%u",
			       val, 0xfffffffeU);
	return 0;
}

static int opt_offer_time(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (parse_u32(val, 1, 3600, &cfg->offer_time))
		return set_err(err, errlen, "offer-time: '%s' is not a number of seconds in 1..3600",
			       val);
	return 0;
}

static int check_dns_name(const char *key, const char *val, char *err, size_t errlen)
{
	uint8_t wire[CFG_NAME_MAX + 2];

	if (dhcp_encode_dns_name(val, wire, sizeof(wire)) < 0)
		return set_err(err, errlen, "%s: '%s' is not a valid domain name", key, val);
	return 0;
}

static int opt_hostname(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (!*val || strlen(val) >= sizeof(cfg->hostname) || check_dns_name("hostname", val, err,
									  errlen))
		return set_err(err, errlen, "hostname: '%s' is not a valid host name", val);
	snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", val);
	return 0;
}

static int opt_domain(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (strlen(val) >= sizeof(cfg->domain) || check_dns_name("domain", val, err, errlen))
		return set_err(err, errlen, "domain: '%s' is not a valid domain name", val);
	snprintf(cfg->domain, sizeof(cfg->domain), "%s", val);
	return 0;
}

static int opt_search(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	char buf[CFG_MAX_SEARCH * CFG_NAME_MAX], *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "search: value too long");
	snprintf(buf, sizeof(buf), "%s", val);
	cfg->n_search = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (cfg->n_search >= CFG_MAX_SEARCH)
			return set_err(err, errlen, "search: at most %d domains", CFG_MAX_SEARCH);
		if (strlen(tok) >= CFG_NAME_MAX || check_dns_name("search", tok, err, errlen))
			return set_err(err, errlen, "search: '%s' is not a valid domain name", tok);
		snprintf(cfg->search[cfg->n_search++], CFG_NAME_MAX, "%s", tok);
	}
	if (cfg->n_search == 0)
		return set_err(err, errlen, "search: expected D1[,D2...]");
	return 0;
}

static int set_path(char *dst, const char *key, const char *val, char *err, size_t errlen)
{
	if (!*val || strlen(val) >= CFG_PATH_MAX)
		return set_err(err, errlen, "%s: '%s' is not a usable path", key, val);
	snprintf(dst, CFG_PATH_MAX, "%s", val);
	return 0;
}

static int opt_lease_file(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	return set_path(cfg->lease_file, "lease-file", val, err, errlen);
}

static int opt_pin_dir(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (strncmp(val, "/sys/fs/bpf/", 12) != 0 || strstr(val, ".."))
		return set_err(err, errlen, "pin-dir: '%s' must be a directory under /sys/fs/bpf/",
			       val);
	return set_path(cfg->pin_dir, "pin-dir", val, err, errlen);
}

static int opt_run_dir(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	return set_path(cfg->run_dir, "run-dir", val, err, errlen);
}

static int opt_xdp_mode(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	if (!strcmp(val, "auto"))
		cfg->xdp_mode = CFG_XDP_AUTO;
	else if (!strcmp(val, "native"))
		cfg->xdp_mode = CFG_XDP_NATIVE;
	else if (!strcmp(val, "generic"))
		cfg->xdp_mode = CFG_XDP_GENERIC;
	else
		return set_err(err, errlen, "xdp-mode: '%s' is not one of native, generic, auto",
			       val);
	return 0;
}

static int opt_verbose(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	cfg->verbose++;
	return 0;
}

static int opt_no_fastpath(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	cfg->no_fastpath = true;
	return 0;
}

static int opt_keep_pins(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	cfg->keep_pins = true;
	return 0;
}

static int opt_config(struct xdhcp_config *cfg, const char *val, char *err, size_t errlen)
{
	return config_parse_file(cfg, val, err, errlen);
}

static const struct cfg_option options[] = {
	{ "interface", "IF", "serve this interface (tap, veth); repeat for more", opt_interface },
	{ "range", "START,END", "dynamic address range (inclusive)", opt_range },
	{ "server-id", "IP", "server identifier; default: the interface's IPv4 address",
	  opt_server_id },
	{ "netmask", "MASK", "subnet mask; default: the interface's prefix, else /24 of the range",
	  opt_netmask },
	{ "router", "IP[,IP...]", "default routers (option 3)", opt_router },
	{ "dns", "IP[,IP...]", "DNS servers (option 6)", opt_dns },
	{ "lease-time", "SECONDS", "lease duration (default 86400)", opt_lease_time },
	{ "offer-time", "SECONDS", "how long an offered address is held (default 60)",
	  opt_offer_time },
	{ "hostname", "NAME", "host name sent to clients (option 12)", opt_hostname },
	{ "domain", "NAME", "domain name (option 15)", opt_domain },
	{ "search", "D1[,D2...]", "domain search list (option 119)", opt_search },
	{ "lease-file", "PATH", "lease store (default " CFG_LEASE_FILE_DEFAULT ")",
	  opt_lease_file },
	{ "pin-dir", "DIR", "bpffs directory for pinned maps (default " XDHCP_PIN_DIR_DEFAULT ")",
	  opt_pin_dir },
	{ "run-dir", "DIR", "runtime directory for locks (default " CFG_RUN_DIR_DEFAULT ")",
	  opt_run_dir },
	{ "xdp-mode", "native|generic|auto", "XDP attach mode (default auto: native, else generic)",
	  opt_xdp_mode },
	{ "no-fastpath", NULL, "punt every request to the daemon (diagnostics)", opt_no_fastpath },
	{ "keep-pins", NULL, "leave the maps pinned when the daemon exits", opt_keep_pins },
	{ "config", "FILE", "read `key = value` lines with the keys above", opt_config },
	{ "verbose", NULL, "more logging; repeat for debug output", opt_verbose },
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void config_init(struct xdhcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lease_time = 86400;
	cfg->offer_time = 60;
	snprintf(cfg->lease_file, sizeof(cfg->lease_file), "%s", CFG_LEASE_FILE_DEFAULT);
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", XDHCP_PIN_DIR_DEFAULT);
	snprintf(cfg->run_dir, sizeof(cfg->run_dir), "%s", CFG_RUN_DIR_DEFAULT);
	cfg->xdp_mode = CFG_XDP_AUTO;
}

void config_usage(FILE *out, const char *prog)
{
	fprintf(out, "Usage: %s --interface IF [--interface IF2 ...] --range START,END [options]\n\n",
		prog);
	fprintf(out, "xdhcpd: DHCPv4 server for VM taps; renewals are answered in XDP.\n\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "--%s%s%s", options[i].name,
			 options[i].metavar ? " " : "", options[i].metavar ? options[i].metavar : "");
		fprintf(out, "  %-32s %s\n", lhs, options[i].help);
	}
	fprintf(out, "  %-32s %s\n", "--help", "show this help and exit");
	fprintf(out, "\nA config file takes the same keys as `key = value` lines ('#' comments);\n"
		     "flags take `key = yes`.  Exit status: 0 ok, 1 runtime failure, 2 bad usage.\n");
}

static const struct cfg_option *find_option(const char *name)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (!strcmp(options[i].name, name))
			return &options[i];
	return NULL;
}

int config_parse_args(struct xdhcp_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option longopts[N_OPTIONS + 2];
	int c, idx;

	for (size_t i = 0; i < N_OPTIONS; i++) {
		longopts[i] = (struct option){ options[i].name,
					       options[i].metavar ? required_argument : no_argument,
					       NULL, 0 };
	}
	longopts[N_OPTIONS] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[N_OPTIONS + 1] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hv", longopts, &idx)) != -1) {
		int r;

		if (c == 'h') {
			config_usage(stdout, argv[0]);
			return 1;
		}
		if (c == 'v') {
			cfg->verbose++;
			continue;
		}
		if (c == '?') {
			if (optopt)
				return set_err(err, errlen, "unknown option '-%c' (see --help)",
					       optopt);
			return set_err(err, errlen, "unknown or incomplete option '%s' (see --help)",
				       argv[optind - 1]);
		}
		r = options[idx].parse(cfg, optarg ? optarg : "", err, errlen);
		if (r)
			return r;
	}
	if (optind < argc)
		return set_err(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_parse_file(struct xdhcp_config *cfg, const char *path, char *err, size_t errlen)
{
	static int depth;
	char line[8192];
	unsigned int lineno = 0;
	FILE *f;
	int r = 0;

	if (depth > 4)
		return set_err(err, errlen, "config: '%s': --config nested too deeply", path);
	f = fopen(path, "re");
	if (!f)
		return set_err(err, errlen, "config: cannot open '%s': %s", path, strerror(errno));
	depth++;
	while (fgets(line, sizeof(line), f)) {
		const struct cfg_option *o;
		char *key, *val, *eq, *hash;
		char sub[512];

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			r = set_err(err, errlen, "%s:%u: line too long", path, lineno);
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			r = set_err(err, errlen, "%s:%u: expected 'key = value', got '%s'", path,
				    lineno, key);
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		o = find_option(key);
		if (!o) {
			r = set_err(err, errlen, "%s:%u: unknown key '%s'", path, lineno, key);
			break;
		}
		if (!o->metavar) {
			if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
				continue;
			if (*val && strcmp(val, "yes") && strcmp(val, "true") && strcmp(val, "1")) {
				r = set_err(err, errlen, "%s:%u: %s: expected yes or no, got '%s'",
					    path, lineno, key, val);
				break;
			}
		}
		r = o->parse(cfg, val, sub, sizeof(sub));
		if (r) {
			set_err(err, errlen, "%s:%u: %s", path, lineno, sub);
			break;
		}
	}
	depth--;
	fclose(f);
	return r;
}

int config_validate(const struct xdhcp_config *cfg, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];

	if (cfg->n_ifaces == 0)
		return set_err(err, errlen, "no --interface given (see --help)");
	if (!cfg->range_start || !cfg->range_end)
		return set_err(err, errlen, "no --range START,END given (see --help)");
	if (cfg->netmask && (cfg->range_start & cfg->netmask) != (cfg->range_end & cfg->netmask)) {
		inet_ntop(AF_INET, &cfg->range_start, a, sizeof(a));
		inet_ntop(AF_INET, &cfg->range_end, b, sizeof(b));
		inet_ntop(AF_INET, &cfg->netmask, c, sizeof(c));
		return set_err(err, errlen, "range: %s..%s is not inside one subnet of netmask %s",
			       a, b, c);
	}
	if (cfg->netmask && cfg->server_id &&
	    (cfg->server_id & cfg->netmask) != (cfg->range_start & cfg->netmask)) {
		inet_ntop(AF_INET, &cfg->server_id, a, sizeof(a));
		return set_err(err, errlen, "server-id: %s is outside the range's subnet", a);
	}
	return 0;
}
