/* SPDX-License-Identifier: MIT */
/*
 * The option table and its two front ends: getopt_long for the command line
 * and a `key = value` reader (with `[subnet NAME]` sections) for --config
 * files.  Each option has exactly one parser, so the command line, the file
 * and --help cannot disagree.
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

enum cfg_scope {
	SCOPE_GLOBAL,
	SCOPE_SUBNET,
};

struct cfg_option {
	const char *name;
	const char *metavar; /* NULL: a flag without a value */
	enum cfg_scope scope;
	const char *help;
	int (*parse)(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		     size_t errlen);
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

/* Split a comma-separated value into at most max trimmed fields (in buf).
 * Returns the number of fields, or -1 when there are more. */
static int split_fields(char *buf, char **fields, int max)
{
	int n = 0;
	char *p = buf;

	for (;;) {
		char *comma = strchr(p, ',');

		if (n == max)
			return -1;
		if (comma)
			*comma = '\0';
		fields[n++] = trim(p);
		if (!comma)
			return n;
		p = comma + 1;
	}
}

/* Comma-separated IPv4 list into out[], at most max entries. */
static int parse_ip_list(const char *key, const char *val, uint32_t *out, unsigned int *n,
			 unsigned int max, char *err, size_t errlen)
{
	char buf[1024], *fields[CFG_MAX_ADDRS + 1];
	int nf;

	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "%s: value too long", key);
	snprintf(buf, sizeof(buf), "%s", val);
	nf = split_fields(buf, fields, (int)max);
	if (nf < 0)
		return set_err(err, errlen, "%s: at most %u addresses", key, max);
	for (int i = 0; i < nf; i++) {
		if (!*fields[i])
			return set_err(err, errlen, "%s: expected IP[,IP...], got '%s'", key, val);
		if (config_parse_ip(fields[i], &out[i]))
			return set_err(err, errlen, "%s: '%s' is not an IPv4 address", key,
				       fields[i]);
	}
	*n = (unsigned int)nf;
	return 0;
}

static int check_host_name(const char *val)
{
	uint8_t wire[CFG_NAME_MAX + 2];

	for (const char *p = val; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return -EINVAL;
	return dhcp_encode_dns_name(val, wire, sizeof(wire)) < 0 ? -EINVAL : 0;
}

static int check_dns_name(const char *val)
{
	uint8_t wire[CFG_NAME_MAX + 2];

	return dhcp_encode_dns_name(val, wire, sizeof(wire)) < 0 ? -EINVAL : 0;
}

/* The value of a hex digit, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes, optionally separated by ':' or '-'. */
static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if ((*s == ':' || *s == '-') && n > 0)
			s++;
		hi = hex_digit(s[0]);
		lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (hi < 0 || lo < 0 || n >= cap)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n == 0)
		return -EINVAL;
	*ret_len = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Subnet-scoped options */

/* cppcheck-suppress constParameter ; the signature is the option handler's */
static int opt_interface(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			 char *err, size_t errlen)
{
	char buf[CFG_MAX_IFACES * IF_NAMESIZE], *fields[64];
	int nf;

	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "interface: value too long");
	snprintf(buf, sizeof(buf), "%s", val);
	nf = split_fields(buf, fields, 64);
	if (nf < 0)
		return set_err(err, errlen, "interface: at most 64 names per line");
	for (int f = 0; f < nf; f++) {
		const char *name = fields[f];

		if (!*name || strlen(name) >= IF_NAMESIZE || strchr(name, '/') || strchr(name, ' '))
			return set_err(err, errlen, "interface: '%s' is not a valid interface name",
				       name);
		for (unsigned int i = 0; i < cfg->n_ifaces; i++)
			if (!strcmp(cfg->ifnames[i], name))
				return set_err(err, errlen, "interface: '%s' given twice", name);
		if (cfg->n_ifaces >= CFG_MAX_IFACES)
			return set_err(err, errlen, "interface: at most %d interfaces",
				       CFG_MAX_IFACES);
		snprintf(cfg->ifnames[cfg->n_ifaces], IF_NAMESIZE, "%s", name);
		cfg->iface_subnet[cfg->n_ifaces++] = (unsigned int)(sn - cfg->subnets);
	}
	return 0;
}

static int opt_range(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		     size_t errlen)
{
	char buf[64], *f[3];

	(void)cfg;
	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "range: expected START,END, got '%s'", val);
	snprintf(buf, sizeof(buf), "%s", val);
	if (split_fields(buf, f, 2) != 2)
		return set_err(err, errlen, "range: expected START,END, got '%s'", val);
	if (config_parse_ip(f[0], &sn->range_start))
		return set_err(err, errlen, "range: start '%s' is not an IPv4 address", f[0]);
	if (config_parse_ip(f[1], &sn->range_end))
		return set_err(err, errlen, "range: end '%s' is not an IPv4 address", f[1]);
	if (ntohl(sn->range_start) > ntohl(sn->range_end))
		return set_err(err, errlen, "range: start %s is after end %s", f[0], f[1]);
	return 0;
}

static int opt_server_id(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			 char *err, size_t errlen)
{
	(void)cfg;
	if (config_parse_ip(val, &sn->server_id) || sn->server_id == 0 ||
	    sn->server_id == 0xffffffff)
		return set_err(err, errlen, "server-id: '%s' is not a usable IPv4 address", val);
	return 0;
}

static int opt_netmask(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		       size_t errlen)
{
	uint32_t m, h;

	(void)cfg;
	if (config_parse_ip(val, &m))
		return set_err(err, errlen, "netmask: '%s' is not an IPv4 netmask", val);
	h = ntohl(m);
	/* Contiguous ones, then zeros; /0, /31 and /32 leave no pool. */
	if (h == 0 || (h & 3) != 0 || (~h & (~h + 1)) != 0)
		return set_err(err, errlen, "netmask: '%s' is not a valid netmask for a pool", val);
	sn->netmask = m;
	return 0;
}

static int opt_router(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		      size_t errlen)
{
	(void)cfg;
	return parse_ip_list("router", val, sn->routers, &sn->n_routers, CFG_MAX_ADDRS, err,
			     errlen);
}

static int opt_dns(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		   size_t errlen)
{
	(void)cfg;
	return parse_ip_list("dns", val, sn->dns, &sn->n_dns, CFG_MAX_ADDRS, err, errlen);
}

static int opt_lease_time(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			  char *err, size_t errlen)
{
	(void)cfg;
	/* At least a minute: T1 and T2 must stay meaningful.  0xffffffff is
	 * "infinity" on the wire (RFC 2131 3.3); keep below it. */
	if (parse_u32(val, 60, 0xfffffffe, &sn->lease_time))
		return set_err(err, errlen, "lease-time: '%s' is not a number of seconds in 60..%u",
			       val, 0xfffffffeU);
	return 0;
}

static int opt_hostname(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
			size_t errlen)
{
	(void)cfg;
	if (!*val || strlen(val) >= sizeof(sn->hostname) || check_dns_name(val))
		return set_err(err, errlen, "hostname: '%s' is not a valid host name", val);
	snprintf(sn->hostname, sizeof(sn->hostname), "%s", val);
	return 0;
}

static int opt_domain(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		      size_t errlen)
{
	(void)cfg;
	if (strlen(val) >= sizeof(sn->domain) || check_dns_name(val))
		return set_err(err, errlen, "domain: '%s' is not a valid domain name", val);
	snprintf(sn->domain, sizeof(sn->domain), "%s", val);
	return 0;
}

static int opt_search(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		      size_t errlen)
{
	char buf[CFG_MAX_SEARCH * CFG_NAME_MAX], *fields[CFG_MAX_SEARCH];
	int nf;

	(void)cfg;
	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "search: value too long");
	snprintf(buf, sizeof(buf), "%s", val);
	nf = split_fields(buf, fields, CFG_MAX_SEARCH);
	if (nf < 0)
		return set_err(err, errlen, "search: at most %d domains", CFG_MAX_SEARCH);
	for (int i = 0; i < nf; i++) {
		if (strlen(fields[i]) >= CFG_NAME_MAX || check_dns_name(fields[i]))
			return set_err(err, errlen, "search: '%s' is not a valid domain name",
				       fields[i]);
		snprintf(sn->search[i], CFG_NAME_MAX, "%s", fields[i]);
	}
	sn->n_search = (unsigned int)nf;
	return 0;
}

/* --route DEST/PREFIX,GATEWAY: option 121 (RFC 3442), repeatable. */
static int opt_route(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		     size_t errlen)
{
	char buf[64], *f[3], *slash;
	struct cfg_route r;
	uint32_t prefix;

	(void)cfg;
	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "route: expected DEST/PREFIX,GATEWAY, got '%s'", val);
	snprintf(buf, sizeof(buf), "%s", val);
	if (split_fields(buf, f, 2) != 2 || !(slash = strchr(f[0], '/')))
		return set_err(err, errlen, "route: expected DEST/PREFIX,GATEWAY, got '%s'", val);
	*slash = '\0';
	if (config_parse_ip(f[0], &r.dest) || parse_u32(slash + 1, 0, 32, &prefix))
		return set_err(err, errlen, "route: '%s/%s' is not a destination/prefix", f[0],
			       slash + 1);
	if (prefix < 32 && (ntohl(r.dest) & (0xffffffffU >> prefix)))
		return set_err(err, errlen, "route: %s/%u has host bits set", f[0], prefix);
	if (config_parse_ip(f[1], &r.gateway))
		return set_err(err, errlen, "route: gateway '%s' is not an IPv4 address", f[1]);
	if (sn->n_routes >= CFG_MAX_ROUTES)
		return set_err(err, errlen, "route: at most %d routes", CFG_MAX_ROUTES);
	r.prefix = (uint8_t)prefix;
	sn->routes[sn->n_routes++] = r;
	return 0;
}

static int opt_next_server(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			   char *err, size_t errlen)
{
	(void)cfg;
	if (config_parse_ip(val, &sn->next_server))
		return set_err(err, errlen, "next-server: '%s' is not an IPv4 address", val);
	return 0;
}

static int check_boot_file(const char *key, const char *val, char *err, size_t errlen)
{
	if (!*val || strlen(val) >= CFG_FILE_MAX)
		return set_err(err, errlen, "%s: '%s' must be 1..%d characters", key, val,
			       CFG_FILE_MAX - 1);
	for (const char *p = val; *p; p++)
		if (!isprint((unsigned char)*p))
			return set_err(err, errlen, "%s: non-printable character", key);
	return 0;
}

static int opt_boot_file(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			 char *err, size_t errlen)
{
	(void)cfg;
	if (check_boot_file("boot-file", val, err, errlen))
		return -EINVAL;
	snprintf(sn->boot_file, sizeof(sn->boot_file), "%s", val);
	return 0;
}

/* Codes the server sets itself, and codes with their own flag. */
static const char *option_owner(unsigned int code)
{
	switch (code) {
	case DHCP_OPT_SUBNET_MASK:
		return "--netmask";
	case DHCP_OPT_ROUTER:
		return "--router";
	case DHCP_OPT_DNS_SERVER:
		return "--dns";
	case DHCP_OPT_HOSTNAME:
		return "--hostname";
	case DHCP_OPT_DOMAIN_NAME:
		return "--domain";
	case DHCP_OPT_DOMAIN_SEARCH:
		return "--search";
	case DHCP_OPT_CLASSLESS_ROUTE:
		return "--route";
	case DHCP_OPT_LEASE_TIME:
	case DHCP_OPT_RENEWAL_TIME:
	case DHCP_OPT_REBINDING_TIME:
		return "--lease-time";
	case DHCP_OPT_BOOTFILE:
		return "--boot-file";
	case DHCP_OPT_BROADCAST:
	case DHCP_OPT_REQUESTED_IP:
	case DHCP_OPT_OVERLOAD:
	case DHCP_OPT_MESSAGE_TYPE:
	case DHCP_OPT_SERVER_ID:
	case DHCP_OPT_PARAM_REQUEST:
	case DHCP_OPT_MESSAGE:
	case DHCP_OPT_MAX_MSG_SIZE:
	case DHCP_OPT_CLIENT_ID:
	case DHCP_OPT_RELAY_AGENT:
		return "the server";
	}
	return NULL;
}

/*
 * --option CODE,VALUE: VALUE is "hex:0a0b..." (bytes), a comma-separated
 * list of IPv4 addresses, or else a string (surrounding double quotes are
 * removed).  Repeating a code replaces its value.
 */
static int opt_option(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		      size_t errlen)
{
	struct cfg_dhcp_option o;
	const char *comma = strchr(val, ','), *v;
	char codebuf[8], *fields[64], buf[1024];
	const char *owner;
	uint32_t code;
	size_t len = 0;
	int nf;

	(void)cfg;
	if (!comma || comma - val >= (long)sizeof(codebuf))
		return set_err(err, errlen, "option: expected CODE,VALUE, got '%s'", val);
	memcpy(codebuf, val, (size_t)(comma - val));
	codebuf[comma - val] = '\0';
	if (parse_u32(trim(codebuf), 1, 254, &code))
		return set_err(err, errlen, "option: code '%s' is not in 1..254", codebuf);
	owner = option_owner(code);
	if (owner)
		return set_err(err, errlen, "option: code %u is set by %s", code, owner);
	memset(&o, 0, sizeof(o));
	o.code = (uint8_t)code;
	v = comma + 1;
	while (*v == ' ')
		v++;
	if (!strncmp(v, "hex:", 4)) {
		if (parse_hex(v + 4, o.data, sizeof(o.data), &len))
			return set_err(err, errlen, "option %u: '%s' is not hex bytes", code,
				       v + 4);
	} else {
		bool all_ip = true;

		if (strlen(v) >= sizeof(buf))
			return set_err(err, errlen, "option %u: value longer than 255 bytes", code);
		snprintf(buf, sizeof(buf), "%s", v);
		nf = split_fields(buf, fields, 63);
		for (int i = 0; nf > 0 && i < nf && all_ip; i++) {
			uint32_t ip;

			all_ip = config_parse_ip(fields[i], &ip) == 0;
			if (all_ip)
				memcpy(o.data + 4 * i, &ip, 4);
		}
		if (nf > 0 && all_ip) {
			len = 4 * (size_t)nf;
		} else {
			len = strlen(v);
			if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
				v++;
				len -= 2;
			}
			if (len > sizeof(o.data))
				return set_err(err, errlen,
					       "option %u: value longer than 255 bytes", code);
			memcpy(o.data, v, len);
		}
	}
	o.len = (uint8_t)len;
	for (unsigned int i = 0; i < sn->n_options; i++) {
		if (sn->options[i].code == o.code) {
			sn->options[i] = o;
			return 0;
		}
	}
	if (sn->n_options >= CFG_MAX_OPTIONS)
		return set_err(err, errlen, "option: at most %d generic options", CFG_MAX_OPTIONS);
	sn->options[sn->n_options++] = o;
	return 0;
}

static int add_static(struct cfg_subnet *sn, const struct cfg_static *st, const char *key,
		      char *err, size_t errlen)
{
	if (sn->n_statics == sn->cap_statics) {
		unsigned int cap = sn->cap_statics ? sn->cap_statics * 2 : 16;
		struct cfg_static *n;

		if (sn->n_statics >= CFG_MAX_STATICS)
			return set_err(err, errlen, "%s: at most %d reservations", key,
				       CFG_MAX_STATICS);
		n = realloc(sn->statics, cap * sizeof(*n));
		if (!n)
			return set_err(err, errlen, "%s: out of memory", key);
		sn->statics = n;
		sn->cap_statics = cap;
	}
	sn->statics[sn->n_statics++] = *st;
	return 0;
}

/* CLIENT,IP[,HOSTNAME][,next-server=IP][,boot-file=NAME] */
static int parse_static(struct cfg_subnet *sn, const char *key, bool by_id, const char *val,
			char *err, size_t errlen)
{
	char buf[1024], *f[6]; /* a 255-byte client id is 765 characters with colons */
	struct cfg_static st;
	size_t len;
	int nf;

	if (strlen(val) >= sizeof(buf))
		return set_err(err, errlen, "%s: value too long", key);
	snprintf(buf, sizeof(buf), "%s", val);
	nf = split_fields(buf, f, 5);
	if (nf < 2)
		return set_err(err, errlen, "%s: expected %s,IP[,HOSTNAME], got '%s'", key,
			       by_id ? "CLIENTID_HEX" : "MAC", val);
	memset(&st, 0, sizeof(st));
	if (by_id) {
		if (parse_hex(f[0], st.id, sizeof(st.id), &len))
			return set_err(err, errlen, "%s: client id '%s' is not 1..%zu hex bytes",
				       key, f[0], sizeof(st.id));
		st.kind = XDHCP_KEY_CLIENT_ID;
	} else {
		if (parse_hex(f[0], st.id, 6, &len) || len != 6)
			return set_err(err, errlen, "%s: '%s' is not a MAC address", key, f[0]);
		st.kind = XDHCP_KEY_HWADDR;
	}
	st.len = (uint8_t)len;
	if (config_parse_ip(f[1], &st.ip))
		return set_err(err, errlen, "%s: '%s' is not an IPv4 address", key, f[1]);
	for (int i = 2; i < nf; i++) {
		if (!strncmp(f[i], "next-server=", 12)) {
			if (config_parse_ip(f[i] + 12, &st.next_server))
				return set_err(err, errlen,
					       "%s: next-server '%s' is not an IPv4 "
					       "address",
					       key, f[i] + 12);
		} else if (!strncmp(f[i], "boot-file=", 10)) {
			if (check_boot_file(key, f[i] + 10, err, errlen))
				return -EINVAL;
			snprintf(st.boot_file, sizeof(st.boot_file), "%s", f[i] + 10);
		} else if (i == 2 && *f[i]) {
			if (strlen(f[i]) >= sizeof(st.hostname) || check_host_name(f[i]))
				return set_err(err, errlen, "%s: '%s' is not a valid host name",
					       key, f[i]);
			snprintf(st.hostname, sizeof(st.hostname), "%s", f[i]);
		} else {
			return set_err(err, errlen, "%s: unexpected field '%s'", key, f[i]);
		}
	}
	return add_static(sn, &st, key, err, errlen);
}

static int opt_static(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		      size_t errlen)
{
	(void)cfg;
	return parse_static(sn, "static", false, val, err, errlen);
}

static int opt_static_id(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			 char *err, size_t errlen)
{
	(void)cfg;
	return parse_static(sn, "static-id", true, val, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Global options */

static int opt_offer_time(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			  char *err, size_t errlen)
{
	(void)sn;
	if (parse_u32(val, 1, 3600, &cfg->offer_time))
		return set_err(err, errlen,
			       "offer-time: '%s' is not a number of seconds in 1..3600", val);
	return 0;
}

static int opt_max_offers(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			  char *err, size_t errlen)
{
	(void)sn;
	if (parse_u32(val, 1, 65536, &cfg->max_offers))
		return set_err(err, errlen, "max-offers: '%s' is not a number in 1..65536", val);
	return 0;
}

static int opt_punt_rate(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			 char *err, size_t errlen)
{
	(void)sn;
	if (parse_u32(val, 0, 1000000, &cfg->punt_rate))
		return set_err(
			err, errlen,
			"punt-rate: '%s' is not a number of packets per second in 0..1000000", val);
	return 0;
}

static int opt_punt_burst(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			  char *err, size_t errlen)
{
	(void)sn;
	if (parse_u32(val, 1, 100000, &cfg->punt_burst))
		return set_err(err, errlen, "punt-burst: '%s' is not a number in 1..100000", val);
	return 0;
}

static int opt_decline_time(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			    char *err, size_t errlen)
{
	(void)sn;
	if (parse_u32(val, 1, 86400 * 7, &cfg->decline_time))
		return set_err(err, errlen,
			       "decline-time: '%s' is not a number of seconds in 1..604800", val);
	return 0;
}

static int set_path(char *dst, const char *key, const char *val, char *err, size_t errlen)
{
	if (!*val || strlen(val) >= CFG_PATH_MAX)
		return set_err(err, errlen, "%s: '%s' is not a usable path", key, val);
	snprintf(dst, CFG_PATH_MAX, "%s", val);
	return 0;
}

static int opt_event_script(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			    char *err, size_t errlen)
{
	(void)sn;
	if (val[0] != '/')
		return set_err(err, errlen, "event-script: '%s' must be an absolute path", val);
	return set_path(cfg->event_script, "event-script", val, err, errlen);
}

static int opt_event_timeout(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			     char *err, size_t errlen)
{
	(void)sn;
	if (parse_u32(val, 1, 3600, &cfg->event_timeout))
		return set_err(err, errlen,
			       "event-timeout: '%s' is not a number of seconds in 1..3600", val);
	return 0;
}

static int opt_user(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		    size_t errlen)
{
	(void)sn;
	if (!*val || strlen(val) >= sizeof(cfg->user) || strchr(val, '/') || strchr(val, ':'))
		return set_err(err, errlen, "user: '%s' is not a user name", val);
	snprintf(cfg->user, sizeof(cfg->user), "%s", val);
	return 0;
}

static int opt_control_socket(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			      char *err, size_t errlen)
{
	(void)sn;
	if (val[0] != '/' || strlen(val) >= 108)
		return set_err(err, errlen,
			       "control-socket: '%s' must be an absolute path under 108 characters",
			       val);
	return set_path(cfg->control_socket, "control-socket", val, err, errlen);
}

static int opt_metrics(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		       size_t errlen)
{
	uint32_t ip;
	char host[64], *colon;
	long port;

	(void)sn;
	if (strlen(val) >= sizeof(host))
		return set_err(err, errlen, "metrics: expected ADDRESS:PORT, got '%s'", val);
	snprintf(host, sizeof(host), "%s", val);
	colon = strrchr(host, ':');
	if (!colon)
		return set_err(err, errlen, "metrics: expected ADDRESS:PORT, got '%s'", val);
	*colon = '\0';
	/* As lenient as metrics_open(), which parses the port again. */
	port = strtol(colon + 1, NULL, 10);
	if (config_parse_ip(host, &ip) || port <= 0 || port > 65535)
		return set_err(err, errlen, "metrics: '%s' is not an IPv4 ADDRESS:PORT", val);
	snprintf(cfg->metrics, sizeof(cfg->metrics), "%s", val);
	return 0;
}

static int opt_lease_file(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val,
			  char *err, size_t errlen)
{
	(void)sn;
	return set_path(cfg->lease_file, "lease-file", val, err, errlen);
}

static int opt_pin_dir(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		       size_t errlen)
{
	(void)sn;
	if (strncmp(val, "/sys/fs/bpf/", 12) != 0 || strstr(val, ".."))
		return set_err(err, errlen, "pin-dir: '%s' must be a directory under /sys/fs/bpf/",
			       val);
	return set_path(cfg->pin_dir, "pin-dir", val, err, errlen);
}

static int opt_run_dir(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		       size_t errlen)
{
	(void)sn;
	return set_path(cfg->run_dir, "run-dir", val, err, errlen);
}

static int opt_xdp_mode(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
			size_t errlen)
{
	(void)sn;
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

/* Flags: the table's entry says which field; the value was checked. */
static int opt_flag(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		    size_t errlen);

static int opt_config(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		      size_t errlen)
{
	(void)sn;
	return config_parse_file(cfg, val, err, errlen);
}

static const struct cfg_option options[] = {
	{"interface", "IF[,IF...]", SCOPE_SUBNET,
	 "serve this interface (tap, veth); repeat for more", opt_interface},
	{"range", "START,END", SCOPE_SUBNET, "dynamic address range (inclusive)", opt_range},
	{"server-id", "IP", SCOPE_SUBNET,
	 "server identifier; default: the interface's IPv4 address", opt_server_id},
	{"netmask", "MASK", SCOPE_SUBNET,
	 "subnet mask; default: the interface's prefix, else /24 of the range", opt_netmask},
	{"router", "IP[,IP...]", SCOPE_SUBNET, "default routers (option 3)", opt_router},
	{"dns", "IP[,IP...]", SCOPE_SUBNET, "DNS servers (option 6)", opt_dns},
	{"lease-time", "SECONDS", SCOPE_SUBNET, "lease duration (default 86400)", opt_lease_time},
	{"hostname", "NAME", SCOPE_SUBNET, "host name sent to clients (option 12)", opt_hostname},
	{"domain", "NAME", SCOPE_SUBNET, "domain name (option 15)", opt_domain},
	{"search", "D1[,D2...]", SCOPE_SUBNET, "domain search list (option 119)", opt_search},
	{"route", "DEST/PREFIX,GW", SCOPE_SUBNET,
	 "classless static route (option 121); repeat for more", opt_route},
	{"next-server", "IP", SCOPE_SUBNET, "PXE: next server (siaddr)", opt_next_server},
	{"boot-file", "NAME", SCOPE_SUBNET, "PXE: boot file name (file field, option 67)",
	 opt_boot_file},
	{"option", "CODE,VALUE", SCOPE_SUBNET,
	 "any other option: VALUE is hex:BYTES, IP[,IP...] or a string", opt_option},
	{"static", "MAC,IP[,HOST]", SCOPE_SUBNET,
	 "reserve IP for a MAC [,next-server=IP][,boot-file=NAME]", opt_static},
	{"static-id", "HEX,IP[,HOST]", SCOPE_SUBNET,
	 "reserve IP for a client identifier (option 61 bytes, in hex)", opt_static_id},
	{"offer-time", "SECONDS", SCOPE_GLOBAL, "how long an offered address is held (default 60)",
	 opt_offer_time},
	{"decline-time", "SECONDS", SCOPE_GLOBAL, "quarantine of a declined address (default 600)",
	 opt_decline_time},
	{"max-offers", "N", SCOPE_GLOBAL,
	 "outstanding offers per interface; the oldest gives way (default 16)", opt_max_offers},
	{"punt-rate", "PPS", SCOPE_GLOBAL,
	 "requests per second an interface may send to the daemon, 0 = no limit (default 200)",
	 opt_punt_rate},
	{"punt-burst", "N", SCOPE_GLOBAL, "burst allowed above --punt-rate (default 50)",
	 opt_punt_burst},
	{"conflict-check", NULL, SCOPE_GLOBAL,
	 "ARP-probe an address before offering it (off: the server knows its taps)", opt_flag},
	{"event-script", "PATH", SCOPE_GLOBAL,
	 "run PATH for every lease event: EVENT MAC-or-CLIENT IP [HOSTNAME]", opt_event_script},
	{"event-timeout", "SECONDS", SCOPE_GLOBAL, "kill an event script after this (default 30)",
	 opt_event_timeout},
	{"user", "NAME", SCOPE_GLOBAL,
	 "run the event loop as this user (after loading and attaching)", opt_user},
	{"control-socket", "PATH", SCOPE_GLOBAL,
	 "control socket for xdhcpctl (default RUN_DIR/control.sock)", opt_control_socket},
	{"metrics", "ADDRESS:PORT", SCOPE_GLOBAL,
	 "serve Prometheus metrics on http://ADDRESS:PORT/metrics", opt_metrics},
	{"lease-file", "PATH", SCOPE_GLOBAL, "lease store (default " CFG_LEASE_FILE_DEFAULT ")",
	 opt_lease_file},
	{"pin-dir", "DIR", SCOPE_GLOBAL,
	 "bpffs directory for pinned maps (default " XDHCP_PIN_DIR_DEFAULT ")", opt_pin_dir},
	{"run-dir", "DIR", SCOPE_GLOBAL,
	 "runtime directory for locks (default " CFG_RUN_DIR_DEFAULT ")", opt_run_dir},
	{"xdp-mode", "native|generic|auto", SCOPE_GLOBAL,
	 "XDP attach mode (default auto: native, else generic)", opt_xdp_mode},
	{"no-fastpath", NULL, SCOPE_GLOBAL, "punt every request to the daemon (diagnostics)",
	 opt_flag},
	{"detach-on-exit", NULL, SCOPE_GLOBAL,
	 "remove program and maps at exit (default: they keep serving renewals)", opt_flag},
	{"detach-all", NULL, SCOPE_GLOBAL,
	 "remove the program and maps a stopped xdhcpd left in --pin-dir, and exit", opt_flag},
	{"config", "FILE", SCOPE_GLOBAL,
	 "read `key = value` lines with the keys above, and [subnet NAME] sections", opt_config},
	{"verbose", NULL, SCOPE_GLOBAL, "more logging; repeat for debug output", opt_flag},
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* The option being parsed, for opt_flag. */
static const struct cfg_option *current_option;

static int opt_flag(struct xdhcp_config *cfg, struct cfg_subnet *sn, const char *val, char *err,
		    size_t errlen)
{
	const char *name = current_option->name;

	(void)sn;
	(void)val;
	(void)err;
	(void)errlen;
	if (!strcmp(name, "verbose"))
		cfg->verbose++;
	else if (!strcmp(name, "no-fastpath"))
		cfg->no_fastpath = true;
	else if (!strcmp(name, "detach-on-exit"))
		cfg->detach_on_exit = true;
	else if (!strcmp(name, "detach-all"))
		cfg->detach_all = true;
	else if (!strcmp(name, "conflict-check"))
		cfg->conflict_check = true;
	return 0;
}

static void subnet_defaults(struct cfg_subnet *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->lease_time = 86400;
}

int config_init(struct xdhcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->subnets = calloc(1, sizeof(*cfg->subnets));
	if (!cfg->subnets)
		return -ENOMEM;
	cfg->n_subnets = 1;
	subnet_defaults(&cfg->subnets[0]);
	snprintf(cfg->subnets[0].name, sizeof(cfg->subnets[0].name), "default");
	cfg->offer_time = 60;
	cfg->max_offers = 16;
	cfg->punt_rate = 200;
	cfg->punt_burst = 50;
	cfg->decline_time = 600;
	snprintf(cfg->lease_file, sizeof(cfg->lease_file), "%s", CFG_LEASE_FILE_DEFAULT);
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", XDHCP_PIN_DIR_DEFAULT);
	snprintf(cfg->run_dir, sizeof(cfg->run_dir), "%s", CFG_RUN_DIR_DEFAULT);
	cfg->xdp_mode = CFG_XDP_AUTO;
	return 0;
}

void config_free(struct xdhcp_config *cfg)
{
	for (unsigned int i = 0; cfg->subnets && i < cfg->n_subnets; i++)
		free(cfg->subnets[i].statics);
	free(cfg->subnets);
	cfg->subnets = NULL;
	cfg->n_subnets = 0;
}

void config_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s --interface IF [--interface IF2 ...] --range START,END [options]\n\n",
		prog);
	fprintf(out, "xdhcpd: DHCPv4 server for VM taps; renewals are answered in XDP.\n\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "--%s%s%s", options[i].name,
			 options[i].metavar ? " " : "",
			 options[i].metavar ? options[i].metavar : "");
		fprintf(out, "  %-34s %s\n", lhs, options[i].help);
	}
	fprintf(out, "  %-34s %s\n", "--help", "show this help and exit");
	fprintf(out, "\nA config file takes the same keys as `key = value` lines ('#' comments);\n"
		     "flags take `key = yes`.  Keys before any section and the command line\n"
		     "describe the default subnet; `[subnet NAME]` starts another subnet with its\n"
		     "own interface, range, router and reservations.\n"
		     "Exit status: 0 ok, 1 runtime failure, 2 bad usage or configuration.\n");
}

static const struct cfg_option *find_option(const char *name)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (!strcmp(options[i].name, name))
			return &options[i];
	return NULL;
}

static int apply_option(struct xdhcp_config *cfg, const struct cfg_option *o, const char *val,
			char *err, size_t errlen)
{
	current_option = o;
	return o->parse(cfg, &cfg->subnets[o->scope == SCOPE_SUBNET ? cfg->cur_subnet : 0], val,
			err, errlen);
}

int config_parse_args(struct xdhcp_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option longopts[N_OPTIONS + 2];
	int c, idx;

	for (size_t i = 0; i < N_OPTIONS; i++) {
		longopts[i] = (struct option){options[i].name,
					      options[i].metavar ? required_argument : no_argument,
					      NULL, 0};
	}
	longopts[N_OPTIONS] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[N_OPTIONS + 1] = (struct option){NULL, 0, NULL, 0};

	/* 0, not 1: glibc then reinitialises getopt, which an earlier call
	 * may have left inside a cluster of short options ("-qv"). */
	optind = 0;
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
			return set_err(err, errlen,
				       "unknown or incomplete option '%s' (see --help)",
				       argv[optind - 1]);
		}
		/* The command line always speaks of the default subnet. */
		cfg->cur_subnet = 0;
		r = apply_option(cfg, &options[idx], optarg ? optarg : "", err, errlen);
		if (r)
			return r;
	}
	if (optind < argc)
		return set_err(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}

/* `[subnet NAME]`: a new subnet inheriting the default subnet's options. */
static int open_section(struct xdhcp_config *cfg, const char *line, char *err, size_t errlen)
{
	const struct cfg_subnet *def;
	struct cfg_subnet *sn, *grown;
	char name[64];

	{
		const char *p = line + 8;
		size_t n;

		if (strncmp(line, "[subnet ", 8))
			return set_err(err, errlen, "expected '[subnet NAME]', got '%s'", line);
		while (*p == ' ' || *p == '\t')
			p++;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
		if (n == 0 || n >= sizeof(name) || strcmp(p + n, "]"))
			return set_err(err, errlen, "expected '[subnet NAME]', got '%s'", line);
		memcpy(name, p, n);
		name[n] = '\0';
	}
	for (unsigned int i = 0; i < cfg->n_subnets; i++)
		if (!strcmp(cfg->subnets[i].name, name))
			return set_err(err, errlen, "subnet '%s' defined twice", name);
	if (cfg->n_subnets >= CFG_MAX_SUBNETS)
		return set_err(err, errlen, "at most %d subnets", CFG_MAX_SUBNETS);
	grown = realloc(cfg->subnets, (cfg->n_subnets + 1) * sizeof(*grown));
	if (!grown)
		return set_err(err, errlen, "out of memory");
	cfg->subnets = grown;
	def = &cfg->subnets[0];
	sn = &cfg->subnets[cfg->n_subnets];
	subnet_defaults(sn);
	snprintf(sn->name, sizeof(sn->name), "%s", name);
	sn->lease_time = def->lease_time;
	memcpy(sn->dns, def->dns, sizeof(sn->dns));
	sn->n_dns = def->n_dns;
	memcpy(sn->hostname, def->hostname, sizeof(sn->hostname));
	memcpy(sn->domain, def->domain, sizeof(sn->domain));
	memcpy(sn->search, def->search, sizeof(sn->search));
	sn->n_search = def->n_search;
	sn->next_server = def->next_server;
	memcpy(sn->boot_file, def->boot_file, sizeof(sn->boot_file));
	memcpy(sn->options, def->options, sizeof(sn->options));
	sn->n_options = def->n_options;
	cfg->cur_subnet = cfg->n_subnets++;
	return 0;
}

int config_parse_file(struct xdhcp_config *cfg, const char *path, char *err, size_t errlen)
{
	static int depth;
	unsigned int saved_subnet = cfg->cur_subnet;
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
	cfg->cur_subnet = 0;
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
		if (*key == '[') {
			r = open_section(cfg, key, sub, sizeof(sub));
			if (r) {
				set_err(err, errlen, "%s:%u: %s", path, lineno, sub);
				break;
			}
			continue;
		}
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
		if (o->scope == SCOPE_GLOBAL && cfg->cur_subnet != 0) {
			r = set_err(err, errlen,
				    "%s:%u: '%s' is a global key: put it before the "
				    "first [subnet] section",
				    path, lineno, key);
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
		r = apply_option(cfg, o, val, sub, sizeof(sub));
		if (r) {
			set_err(err, errlen, "%s:%u: %s", path, lineno, sub);
			break;
		}
	}
	depth--;
	fclose(f);
	cfg->cur_subnet = saved_subnet;
	return r;
}

static const char *ntoa(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static bool subnet_has_iface(const struct xdhcp_config *cfg, unsigned int idx)
{
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		if (cfg->iface_subnet[i] == idx)
			return true;
	return false;
}

static int validate_statics(const struct cfg_subnet *sn, const char *where, char *err,
			    size_t errlen)
{
	char a[INET_ADDRSTRLEN];

	for (unsigned int i = 0; i < sn->n_statics; i++) {
		const struct cfg_static *s = &sn->statics[i];

		if (sn->netmask && (s->ip & sn->netmask) != (sn->range_start & sn->netmask))
			return set_err(err, errlen, "%sstatic: %s is outside the subnet", where,
				       ntoa(s->ip, a));
		if (sn->netmask &&
		    ((s->ip & ~sn->netmask) == 0 || (s->ip | sn->netmask) == 0xffffffff))
			return set_err(err, errlen,
				       "%sstatic: %s is the subnet's network or broadcast address",
				       where, ntoa(s->ip, a));
		if (s->ip == sn->server_id)
			return set_err(err, errlen, "%sstatic: %s is the server's address", where,
				       ntoa(s->ip, a));
		for (unsigned int r = 0; r < sn->n_routers; r++)
			if (s->ip == sn->routers[r])
				return set_err(err, errlen, "%sstatic: %s is a router's address",
					       where, ntoa(s->ip, a));
		/* Quadratic, but only over a subnet's reservations at start. */
		for (unsigned int j = 0; j < i; j++) {
			const struct cfg_static *o = &sn->statics[j];

			if (o->ip == s->ip)
				return set_err(err, errlen,
					       "%sstatic: %s is reserved for two clients", where,
					       ntoa(s->ip, a));
			if (o->kind == s->kind && o->len == s->len && !memcmp(o->id, s->id, s->len))
				return set_err(err, errlen,
					       "%sstatic: a client has two reservations (%s and "
					       "another)",
					       where, ntoa(s->ip, a));
		}
	}
	return 0;
}

int config_validate(const struct xdhcp_config *cfg, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN], where[96];

	if (cfg->n_ifaces == 0)
		return set_err(err, errlen, "no --interface given (see --help)");
	for (unsigned int i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *sn = &cfg->subnets[i];

		where[0] = '\0';
		if (i > 0)
			snprintf(where, sizeof(where), "subnet '%s': ", sn->name);
		if (!subnet_has_iface(cfg, i) && (i == 0 || !sn->range_start))
			continue; /* unused default subnet, or nothing to serve */
		if (!sn->range_start || !sn->range_end)
			return set_err(err, errlen, "%sno --range START,END given (see --help)",
				       where);
		if (!sn->netmask)
			continue; /* resolved from the interface later, then validated again */
		if ((sn->range_start & sn->netmask) != (sn->range_end & sn->netmask))
			return set_err(err, errlen,
				       "%srange: %s..%s is not inside one subnet of netmask %s",
				       where, ntoa(sn->range_start, a), ntoa(sn->range_end, b),
				       ntoa(sn->netmask, c));
		if ((sn->range_start & ~sn->netmask) == 0 ||
		    (sn->range_end | sn->netmask) == 0xffffffff)
			return set_err(
				err, errlen,
				"%srange: must not include the subnet's network or broadcast "
				"address (netmask %s)",
				where, ntoa(sn->netmask, a));
		if (sn->server_id &&
		    (sn->server_id & sn->netmask) != (sn->range_start & sn->netmask))
			return set_err(err, errlen, "%sserver-id: %s is outside the range's subnet",
				       where, ntoa(sn->server_id, a));
		for (unsigned int r = 0; r < sn->n_routers; r++)
			if ((sn->routers[r] & sn->netmask) != (sn->range_start & sn->netmask))
				return set_err(err, errlen,
					       "%srouter: %s is outside the range's subnet", where,
					       ntoa(sn->routers[r], a));
		for (unsigned int j = 0; j < i; j++) {
			const struct cfg_subnet *o = &cfg->subnets[j];
			uint32_t m = o->netmask & sn->netmask;

			if (o->netmask && o->range_start &&
			    (o->range_start & m) == (sn->range_start & m) &&
			    (subnet_has_iface(cfg, j) || o->range_start))
				return set_err(err, errlen, "%srange: overlaps subnet '%s'", where,
					       o->name);
		}
		if (validate_statics(sn, where, err, errlen))
			return -EINVAL;
	}
	return 0;
}
