/* SPDX-License-Identifier: MIT */
/*
 * Configuration of subnets and per-subnet settings (user/config.c):
 * `[subnet NAME]` sections (inheritance from subnet 0 as it stands at the
 * section's line, interfaces bound to the section, global keys refused),
 * reservations (--static, --static-id), classless routes (--route),
 * generic options (--option), PXE settings, --decline-time and
 * --conflict-check, and the cross-field checks of config_validate() on
 * reservations and subnets.  Every bad value must give -EINVAL and one
 * line naming the key, with FILE:LINE when it comes from a file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS      24

static struct xdhcp_config cfg;
static char err[512];
static char path[64]; /* the last config file written */

/* ------------------------------------------------------------------ */
/* Helpers */

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A fresh configuration from argv (NULL-terminated, program name
 * excluded). */
static int parse_argv(const char *const *args)
{
	const char *argv[MAX_ARGS + 1] = {"xdhcpd"};
	int argc = 1;

	for (; args[argc - 1]; argc++) {
		assert_true(argc <= MAX_ARGS);
		argv[argc] = args[argc - 1];
	}
	config_free(&cfg);
	assert_int_equal(config_init(&cfg), 0);
	err[0] = '\0';
	return config_parse_args(&cfg, argc, (char **)argv, err, sizeof(err));
}

#define PARSE(...) parse_argv((const char *const[]){__VA_ARGS__, NULL})

/* Write text to a new temporary file named in path. */
static void write_conf(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/xdhcp-subnets-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A fresh configuration from a config file with text. */
static int parse_conf(const char *text)
{
	int r;

	write_conf(text);
	r = PARSE("--config", path);
	unlink(path);
	return r;
}

/* -EINVAL with one line containing needle. */
static void expect_err(int r, const char *what, const char *needle)
{
	if (r != -EINVAL)
		fail_msg("%s: returned %d, want -EINVAL (err '%s')", what, r, err);
	if (!strstr(err, needle))
		fail_msg("%s: got '%s', want '%s'", what, err, needle);
	assert_null(strchr(err, '\n'));
}

/* -EINVAL with an error starting "PATH:LINE: " and containing needle. */
static void expect_err_at(int r, unsigned int line, const char *needle)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	expect_err(r, prefix, needle);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("got '%s', want it to start with '%s'", err, prefix);
}

static void validate_ok(void)
{
	if (config_validate(&cfg, err, sizeof(err)))
		fail_msg("config_validate: %s", err);
}

/* ------------------------------------------------------------------ */
/* Sections */

static const char conf_two_sections[] = "interface = tap0\n"
					"range = 198.18.0.10, 198.18.0.20\n"
					"netmask = 255.255.255.0\n"
					"server-id = 198.18.0.1\n"
					"router = 198.18.0.1\n"
					"route = 198.19.0.0/16, 198.18.0.1\n"
					"static = 02:00:00:00:00:01, 198.18.0.100\n"
					"lease-time = 3600\n"
					"dns = 198.18.0.53, 198.18.0.54\n"
					"domain = example.test\n"
					"search = a.test, b.test\n"
					"hostname = vm\n"
					"next-server = 198.18.0.4\n"
					"boot-file = pxelinux.0\n"
					"option = 42, 198.18.0.123\n"
					"\n"
					"[subnet b]   # the second network\n"
					"interface = tap1, tap2\n"
					"range = 198.18.1.10, 198.18.1.20\n"
					"dns = 198.18.1.53\n"
					"option = 42, 198.18.1.123\n"
					"[subnet c]\n"
					"lease-time = 7200\n";

/* What subnet sn inherited from subnet 0 (everything but DNS and the
 * options, which the tests check themselves). */
static void assert_inherited(const struct cfg_subnet *sn)
{
	const struct cfg_subnet *d = &cfg.subnets[0];

	assert_string_equal(sn->domain, "example.test");
	assert_int_equal(sn->n_search, 2);
	assert_string_equal(sn->search[0], "a.test");
	assert_string_equal(sn->search[1], "b.test");
	assert_string_equal(sn->hostname, "vm");
	assert_int_equal(sn->next_server, ip("198.18.0.4"));
	assert_string_equal(sn->boot_file, "pxelinux.0");
	/* Not inherited: addresses of the network itself. */
	assert_int_equal(sn->netmask, 0);
	assert_int_equal(sn->server_id, 0);
	assert_int_equal(sn->n_routers, 0);
	assert_int_equal(sn->n_routes, 0);
	assert_int_equal(sn->n_statics, 0);
	assert_null(sn->statics);
	assert_int_not_equal(sn->range_start, d->range_start);
}

static void test_section_inherits_defaults(void **state)
{
	const struct cfg_subnet *d, *b, *c;

	(void)state;
	assert_int_equal(parse_conf(conf_two_sections), 0);
	assert_int_equal(cfg.n_subnets, 3);
	d = &cfg.subnets[0];
	b = &cfg.subnets[1];
	c = &cfg.subnets[2];
	assert_string_equal(d->name, "default");
	assert_string_equal(b->name, "b");
	assert_string_equal(c->name, "c");

	/* Subnet 0 keeps its own. */
	assert_int_equal(d->range_start, ip("198.18.0.10"));
	assert_int_equal(d->n_routers, 1);
	assert_int_equal(d->n_routes, 1);
	assert_int_equal(d->n_statics, 1);
	assert_int_equal(d->n_dns, 2);
	assert_int_equal(d->lease_time, 3600);
	assert_int_equal(d->n_options, 1);
	assert_memory_equal(d->options[0].data, (uint32_t[]){ip("198.18.0.123")}, 4);

	/* b: inherited, with its own range, DNS and option 42. */
	assert_inherited(b);
	assert_int_equal(b->range_start, ip("198.18.1.10"));
	assert_int_equal(b->range_end, ip("198.18.1.20"));
	assert_int_equal(b->lease_time, 3600);
	assert_int_equal(b->n_dns, 1);
	assert_int_equal(b->dns[0], ip("198.18.1.53"));
	assert_int_equal(b->n_options, 1);
	assert_int_equal(b->options[0].code, 42);
	assert_memory_equal(b->options[0].data, (uint32_t[]){ip("198.18.1.123")}, 4);

	/* c: from subnet 0, not from b. */
	assert_inherited(c);
	assert_int_equal(c->range_start, 0);
	assert_int_equal(c->lease_time, 7200);
	assert_int_equal(c->n_dns, 2);
	assert_int_equal(c->dns[1], ip("198.18.0.54"));
	assert_memory_equal(c->options[0].data, (uint32_t[]){ip("198.18.0.123")}, 4);

	/* Interfaces: before any section to subnet 0, in b to b. */
	assert_int_equal(cfg.n_ifaces, 3);
	assert_string_equal(cfg.ifnames[0], "tap0");
	assert_string_equal(cfg.ifnames[1], "tap1");
	assert_string_equal(cfg.ifnames[2], "tap2");
	assert_int_equal(cfg.iface_subnet[0], 0);
	assert_int_equal(cfg.iface_subnet[1], 1);
	assert_int_equal(cfg.iface_subnet[2], 1);

	/* The sections' lines did not reach subnet 0. */
	assert_int_equal(d->dns[0], ip("198.18.0.53"));
	assert_int_equal(d->lease_time, 3600);
}

/* Inheritance takes subnet 0 as it stands at the section's line: the
 * command line before a --config counts, after it does not. */
static void test_section_inherits_as_of_its_line(void **state)
{
	char first[64], second[64];

	(void)state;
	write_conf("[subnet x]\nrange = 198.18.1.10, 198.18.1.20\n");
	snprintf(first, sizeof(first), "%s", path);
	write_conf("dns = 198.18.0.55\n[subnet y]\nrange = 198.18.2.10, 198.18.2.20\n");
	snprintf(second, sizeof(second), "%s", path);
	assert_int_equal(PARSE("--dns", "198.18.0.53", "--hostname", "one", "--config", first,
			       "--dns", "198.18.0.54", "--interface", "tap9", "--config", second,
			       "--hostname", "two"),
			 0);
	unlink(first);
	unlink(second);

	assert_int_equal(cfg.n_subnets, 3);
	assert_int_equal(cfg.subnets[1].dns[0], ip("198.18.0.53"));
	assert_string_equal(cfg.subnets[1].hostname, "one");
	/* The second file's subnet-0 line came before its section. */
	assert_int_equal(cfg.subnets[2].dns[0], ip("198.18.0.55"));
	assert_string_equal(cfg.subnets[2].hostname, "one");
	assert_int_equal(cfg.subnets[0].dns[0], ip("198.18.0.55"));
	assert_string_equal(cfg.subnets[0].hostname, "two");
	/* The command line speaks of subnet 0, even after a section. */
	assert_int_equal(cfg.n_ifaces, 1);
	assert_int_equal(cfg.iface_subnet[0], 0);
}

static void test_section_global_keys_rejected(void **state)
{
	static const char *const lines[] = {
		"lease-file = /tmp/leases", "pin-dir = /sys/fs/bpf/x",
		"run-dir = /tmp/run",	    "xdp-mode = generic",
		"offer-time = 30",	    "decline-time = 30",
		"conflict-check = yes",	    "no-fastpath = yes",
		"detach-on-exit = no",	    "verbose = yes",
		"config = /dev/null",
	};
	char text[256], key[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		print_message("  in a section: %s\n", lines[i]);
		snprintf(text, sizeof(text), "interface = tap0\n[subnet b]\n%s\n", lines[i]);
		snprintf(key, sizeof(key), "'%.*s' is a global key", (int)strcspn(lines[i], " "),
			 lines[i]);
		expect_err_at(parse_conf(text), 3, key);
	}

	/* Before the first section they are fine. */
	assert_int_equal(parse_conf("lease-file = /tmp/leases\n"
				    "xdp-mode = generic\n"
				    "offer-time = 30\n"
				    "decline-time = 30\n"
				    "conflict-check = yes\n"
				    "[subnet b]\n"
				    "range = 198.18.1.10, 198.18.1.20\n"),
			 0);
	assert_string_equal(cfg.lease_file, "/tmp/leases");
	assert_int_equal(cfg.xdp_mode, CFG_XDP_GENERIC);
	assert_int_equal(cfg.offer_time, 30);
	assert_int_equal(cfg.decline_time, 30);
	assert_true(cfg.conflict_check);
}

static void test_section_header_errors(void **state)
{
	static const struct {
		const char *header;
		const char *needle;
	} cases[] = {
		{"[subnet b]", "subnet 'b' defined twice"},
		{"[subnet]", "[subnet NAME]"},
		{"[subnet b", "[subnet NAME]"},
		{"[net b]", "[subnet NAME]"},
	};
	char text[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("  header: %s\n", cases[i].header);
		snprintf(text, sizeof(text), "[subnet b]\nrange = 198.18.1.10, 198.18.1.20\n%s\n",
			 cases[i].header);
		expect_err_at(parse_conf(text), 3, cases[i].needle);
	}
}

/*
 * Headers that are not `[subnet NAME]` with NAME of [A-Za-z0-9_.-], at
 * most 63 characters: refused rather than read as another name (a space
 * or other character in the name, text after it, a missing space, a name
 * cut to 63 characters).
 */
static void test_section_header_malformed_names(void **state)
{
	char long_name[128], text[256];
	const char *headers[] = {
		"[subnet b c]", "[subnet b/c]", "[subnet b;c]",
		"[subnet b]]",	"[subnetb]",	long_name,
	};

	(void)state;
	snprintf(long_name, sizeof(long_name), "[subnet %.*s]", 70,
		 "n123456789n123456789n123456789n123456789n123456789n123456789n123456789");
	for (size_t i = 0; i < ARRAY_SIZE(headers); i++) {
		print_message("  header: %s\n", headers[i]);
		snprintf(text, sizeof(text), "interface = tap0\n%s\n", headers[i]);
		expect_err_at(parse_conf(text), 2, "subnet");
	}
}

static void test_section_interfaces(void **state)
{
	(void)state;
	assert_int_equal(parse_conf("[subnet b]\n"
				    "interface = tap1\n"
				    "[subnet c]\n"
				    "interface = tap2 , tap3\n"),
			 0);
	assert_int_equal(cfg.n_ifaces, 3);
	assert_int_equal(cfg.iface_subnet[0], 1);
	assert_string_equal(cfg.ifnames[1], "tap2");
	assert_string_equal(cfg.ifnames[2], "tap3");
	assert_int_equal(cfg.iface_subnet[1], 2);
	assert_int_equal(cfg.iface_subnet[2], 2);

	/* An interface belongs to one subnet. */
	expect_err_at(parse_conf("interface = tap1\n[subnet b]\ninterface = tap2, tap1\n"), 3,
		      "interface: 'tap1' given twice");
	expect_err_at(parse_conf("[subnet b]\ninterface = tap1,,tap2\n"), 2,
		      "interface: '' is not a valid interface name");
}

/* ------------------------------------------------------------------ */
/* Reservations */

struct static_case {
	const char *flag, *val;
	uint8_t kind, len;
	uint8_t id[8];
	const char *ip, *hostname, *next_server, *boot_file;
};

static const struct static_case static_cases[] = {
	{"--static",
	 "02:00:00:00:00:01,198.18.0.100",
	 XDHCP_KEY_HWADDR,
	 6,
	 {2, 0, 0, 0, 0, 1},
	 "198.18.0.100",
	 "",
	 NULL,
	 ""},
	{"--static",
	 "02-00-00-00-00-0A, 198.18.0.101, vm2",
	 XDHCP_KEY_HWADDR,
	 6,
	 {2, 0, 0, 0, 0, 0x0a},
	 "198.18.0.101",
	 "vm2",
	 NULL,
	 ""},
	{"--static",
	 "020000000003,198.18.0.102,vm3.example.test,next-server=198.18.0.4,"
	 "boot-file=pxelinux.0",
	 XDHCP_KEY_HWADDR,
	 6,
	 {2, 0, 0, 0, 0, 3},
	 "198.18.0.102",
	 "vm3.example.test",
	 "198.18.0.4",
	 "pxelinux.0"},
	{"--static",
	 "02:00:00:00:00:04,198.18.0.103,boot-file=x/y.efi",
	 XDHCP_KEY_HWADDR,
	 6,
	 {2, 0, 0, 0, 0, 4},
	 "198.18.0.103",
	 "",
	 NULL,
	 "x/y.efi"},
	{"--static",
	 "02:00:00:00:00:05,198.18.0.104,next-server=198.18.0.5",
	 XDHCP_KEY_HWADDR,
	 6,
	 {2, 0, 0, 0, 0, 5},
	 "198.18.0.104",
	 "",
	 "198.18.0.5",
	 ""},
	{"--static-id",
	 "01:02:00:00:00:00:06,198.18.0.105,vm6",
	 XDHCP_KEY_CLIENT_ID,
	 7,
	 {1, 2, 0, 0, 0, 0, 6},
	 "198.18.0.105",
	 "vm6",
	 NULL,
	 ""},
	{"--static-id",
	 "ff0001020304,198.18.0.106",
	 XDHCP_KEY_CLIENT_ID,
	 6,
	 {0xff, 0, 1, 2, 3, 4},
	 "198.18.0.106",
	 "",
	 NULL,
	 ""},
	{"--static-id",
	 "00,198.18.0.107",
	 XDHCP_KEY_CLIENT_ID,
	 1,
	 {0},
	 "198.18.0.107",
	 "",
	 NULL,
	 ""},
};

static void check_static(const struct cfg_static *st, const struct static_case *c)
{
	assert_int_equal(st->kind, c->kind);
	assert_int_equal(st->len, c->len);
	assert_memory_equal(st->id, c->id, c->len);
	assert_int_equal(st->ip, ip(c->ip));
	assert_string_equal(st->hostname, c->hostname);
	assert_int_equal(st->next_server, c->next_server ? ip(c->next_server) : 0);
	assert_string_equal(st->boot_file, c->boot_file);
}

static void test_static_parsed(void **state)
{
	const char *args[2 * ARRAY_SIZE(static_cases) + 1];
	char id64[64 * 3 + 1], val[sizeof(id64) + 32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(static_cases); i++) {
		print_message("  %s %s\n", static_cases[i].flag, static_cases[i].val);
		assert_int_equal(PARSE(static_cases[i].flag, static_cases[i].val), 0);
		assert_int_equal(cfg.subnets[0].n_statics, 1);
		check_static(&cfg.subnets[0].statics[0], &static_cases[i]);
	}

	/* All at once: kept in order. */
	for (size_t i = 0; i < ARRAY_SIZE(static_cases); i++) {
		args[2 * i] = static_cases[i].flag;
		args[2 * i + 1] = static_cases[i].val;
	}
	args[2 * ARRAY_SIZE(static_cases)] = NULL;
	assert_int_equal(parse_argv(args), 0);
	assert_int_equal(cfg.subnets[0].n_statics, ARRAY_SIZE(static_cases));
	for (size_t i = 0; i < ARRAY_SIZE(static_cases); i++)
		check_static(&cfg.subnets[0].statics[i], &static_cases[i]);

	/* The longest client id: 64 bytes. */
	for (int i = 0; i < 64; i++)
		snprintf(id64 + 3 * i, 4, "%02x:", i);
	id64[3 * 64 - 1] = '\0';
	snprintf(val, sizeof(val), "%s,198.18.0.108", id64);
	assert_int_equal(PARSE("--static-id", val), 0);
	assert_int_equal(cfg.subnets[0].statics[0].len, 64);
	assert_int_equal(cfg.subnets[0].statics[0].id[63], 63);

	/* In a section: that subnet's. */
	assert_int_equal(parse_conf("[subnet b]\nstatic = 02:00:00:00:00:09, 198.18.1.100, b9\n"),
			 0);
	assert_int_equal(cfg.subnets[0].n_statics, 0);
	assert_int_equal(cfg.subnets[1].n_statics, 1);
	assert_string_equal(cfg.subnets[1].statics[0].hostname, "b9");
}

struct err_case {
	const char *flag, *val, *needle;
};

static void check_err_cases(const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char what[512];

		snprintf(what, sizeof(what), "%s %s", cases[i].flag, cases[i].val);
		print_message("  bad: %s\n", what);
		expect_err(PARSE(cases[i].flag, cases[i].val), what, cases[i].needle);
	}
}

#define MAC1 "02:00:00:00:00:01"
#define F128                                                                                        \
	"f123456789f123456789f123456789f123456789f123456789f123456789f123456789f123456789f12345678" \
	"9f123456789f123456789f123456789f1234567"

static void test_static_errors(void **state)
{
	static const struct err_case cases[] = {
		{"--static", "02:00:00:00:00,198.18.0.100",
		 "static: '02:00:00:00:00' is not a MAC address"},
		{"--static", "02:00:00:00:00:01:02,198.18.0.100", "static: '02:00:00:00:00:01:02'"},
		{"--static", "zz:00:00:00:00:01,198.18.0.100", "static: 'zz:00:00:00:00:01'"},
		{"--static", "02:00:00:00:00:1,198.18.0.100", "is not a MAC address"},
		{"--static", "02:00:00:00:00:01:,198.18.0.100", "is not a MAC address"},
		{"--static", MAC1, "static: expected MAC,IP"},
		{"--static", MAC1 ",198.18.0.300", "static: '198.18.0.300' is not an IPv4 address"},
		{"--static", MAC1 ",", "static: '' is not an IPv4 address"},
		{"--static", MAC1 ",198.18.0.100,bad..name",
		 "static: 'bad..name' is not a valid host name"},
		{"--static", MAC1 ",198.18.0.100,vm,color=blue",
		 "static: unexpected field 'color=blue'"},
		{"--static", MAC1 ",198.18.0.100,vm,vm2", "static: unexpected field 'vm2'"},
		{"--static", MAC1 ",198.18.0.100,vm,next-server=nope",
		 "static: next-server 'nope' is not an IPv4 address"},
		{"--static", MAC1 ",198.18.0.100,vm,boot-file=", "static: '' must be 1..127"},
		{"--static", MAC1 ",198.18.0.100,vm,boot-file=" F128, "must be 1..127 characters"},
		{"--static", MAC1 ",198.18.0.100,a,b,c,d", "static: expected MAC,IP"},
		{"--static-id", "0g,198.18.0.100",
		 "static-id: client id '0g' is not 1..255 hex bytes"},
		{"--static-id", "010,198.18.0.100", "static-id: client id '010'"},
		{"--static-id", ",198.18.0.100", "static-id: client id ''"},
		{"--static-id", "01:02,nope", "static-id: 'nope' is not an IPv4 address"},
		{"--static-id", "01:02,198.18.0.100,bad..name", "static-id: 'bad..name'"},
	};
	char id256[256 * 2 + 1], val[sizeof(id256) + 32];

	(void)state;
	check_err_cases(cases, ARRAY_SIZE(cases));
	assert_int_equal(F128[127], '7');
	assert_int_equal(strlen(F128), 128);

	/* 256 bytes of client id: one more than option 61 holds. */
	memset(id256, 'a', sizeof(id256) - 1);
	id256[sizeof(id256) - 1] = '\0';
	snprintf(val, sizeof(val), "%s,198.18.0.100", id256);
	expect_err(PARSE("--static-id", val), "256-byte id", "static-id: client id");
	assert_int_equal(cfg.subnets[0].n_statics, 0);

	/* From a file: FILE:LINE too. */
	expect_err_at(parse_conf("interface = tap0\nstatic = " MAC1 ", 198.18.0.999\n"), 2,
		      "static: '198.18.0.999' is not an IPv4 address");
}

/*
 * The third field is a host name (option 12) only when it is one: letters,
 * digits and hyphens in dot-separated labels (RFC 1123 2.1).  A mistyped
 * key ("nextserver=IP") or a name with a space must not be sent to the
 * client as its host name.
 */
static void test_static_host_name_must_be_a_host_name(void **state)
{
	static const struct err_case cases[] = {
		{"--static", MAC1 ",198.18.0.100,nextserver=198.18.0.4", "static: "},
		{"--static", MAC1 ",198.18.0.100,bootfile=pxelinux.0", "static: "},
		{"--static", MAC1 ",198.18.0.100,my vm",
		 "static: 'my vm' is not a valid host name"},
		{"--static-id", "01:02,198.18.0.100,vm;reboot", "static-id: 'vm;reboot'"},
	};

	(void)state;
	check_err_cases(cases, ARRAY_SIZE(cases));
}

/* ------------------------------------------------------------------ */
/* Routes, generic options, PXE, timers */

static void test_route(void **state)
{
	static const struct {
		const char *val, *dest;
		uint8_t prefix;
		const char *gw;
	} good[] = {
		{"198.19.0.0/16,198.18.0.1", "198.19.0.0", 16, "198.18.0.1"},
		{"0.0.0.0/0, 198.18.0.1", "0.0.0.0", 0, "198.18.0.1"},
		{"198.19.1.1/32,198.18.0.2", "198.19.1.1", 32, "198.18.0.2"},
		{"198.19.128.0/17,198.18.0.3", "198.19.128.0", 17, "198.18.0.3"},
	};
	static const struct err_case bad[] = {
		{"--route", "198.19.0.1/16,198.18.0.1", "route: 198.19.0.1/16 has host bits set"},
		{"--route", "198.19.0.0/15,198.18.0.1", "route: 198.19.0.0/15 has host bits set"},
		{"--route", "0.0.0.1/0,198.18.0.1", "has host bits set"},
		{"--route", "198.19.0.0/33,198.18.0.1",
		 "route: '198.19.0.0/33' is not a destination/prefix"},
		{"--route", "198.19.0.0/,198.18.0.1", "route: '198.19.0.0/'"},
		{"--route", "198.19.0.0/x,198.18.0.1", "route: '198.19.0.0/x'"},
		{"--route", "198.19.0/16,198.18.0.1", "route: '198.19.0/16'"},
		{"--route", "198.19.0.0/16,gw", "route: gateway 'gw' is not an IPv4 address"},
		{"--route", "198.19.0.0/16", "route: expected DEST/PREFIX,GATEWAY"},
		{"--route", "198.19.0.0,198.18.0.1", "route: expected DEST/PREFIX,GATEWAY"},
	};
	char text[(CFG_MAX_ROUTES + 1) * 48] = "";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		print_message("  --route %s\n", good[i].val);
		assert_int_equal(PARSE("--route", good[i].val), 0);
		assert_int_equal(cfg.subnets[0].n_routes, 1);
		assert_int_equal(cfg.subnets[0].routes[0].dest, ip(good[i].dest));
		assert_int_equal(cfg.subnets[0].routes[0].prefix, good[i].prefix);
		assert_int_equal(cfg.subnets[0].routes[0].gateway, ip(good[i].gw));
	}
	check_err_cases(bad, ARRAY_SIZE(bad));

	/* Repeatable, in order, up to CFG_MAX_ROUTES. */
	assert_int_equal(
		PARSE("--route", "198.19.0.0/24,198.18.0.1", "--route", "198.19.1.0/24,198.18.0.2"),
		0);
	assert_int_equal(cfg.subnets[0].n_routes, 2);
	assert_int_equal(cfg.subnets[0].routes[1].dest, ip("198.19.1.0"));
	assert_int_equal(cfg.subnets[0].routes[1].gateway, ip("198.18.0.2"));
	for (unsigned int i = 0; i <= CFG_MAX_ROUTES; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "route = 198.19.%u.0/24, 198.18.0.1\n", i);
	expect_err_at(parse_conf(text), CFG_MAX_ROUTES + 1, "route: at most 16 routes");
}

static void test_option_forms(void **state)
{
	static const struct {
		const char *val;
		uint8_t code;
		size_t len;
		const char *data;
	} cases[] = {
		{"42,198.18.0.123", 42, 4, "\xc6\x12\x00\x7b"},
		{"42,198.18.0.123, 198.18.0.124", 42, 8, "\xc6\x12\x00\x7b\xc6\x12\x00\x7c"},
		{"224,hex:01:02:0a:FF", 224, 4, "\x01\x02\x0a\xff"},
		{"224,hex:01020aff", 224, 4, "\x01\x02\x0a\xff"},
		{"224,hex:01-02", 224, 2, "\x01\x02"},
		{"252,\"http://198.18.0.1/wpad.dat\"", 252, 26, "http://198.18.0.1/wpad.dat"},
		{"66,tftp.example.test", 66, 17, "tftp.example.test"},
		{"60,\"a,b\"", 60, 3, "a,b"},
		{"60, PXEClient", 60, 9, "PXEClient"},
		{"43,198.18.0.1,x", 43, 12, "198.18.0.1,x"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct cfg_dhcp_option *o;

		print_message("  --option %s\n", cases[i].val);
		assert_int_equal(PARSE("--option", cases[i].val), 0);
		assert_int_equal(cfg.subnets[0].n_options, 1);
		o = &cfg.subnets[0].options[0];
		assert_int_equal(o->code, cases[i].code);
		assert_int_equal(o->len, cases[i].len);
		assert_memory_equal(o->data, cases[i].data, cases[i].len);
	}
}

static void test_option_replace_and_limits(void **state)
{
	char s255[256 + 8], s256[257 + 8], hex255[4 + 2 * 255 + 8], hex256[4 + 2 * 256 + 8];
	char text[CFG_MAX_OPTIONS * 32 + 64] = "";
	const struct cfg_subnet *sn;

	(void)state;
	/* Repeating a code replaces its value, in place. */
	assert_int_equal(PARSE("--option", "42,198.18.0.1", "--option", "224,hex:00", "--option",
			       "42,198.18.0.2"),
			 0);
	sn = &cfg.subnets[0];
	assert_int_equal(sn->n_options, 2);
	assert_int_equal(sn->options[0].code, 42);
	assert_memory_equal(sn->options[0].data, (uint32_t[]){ip("198.18.0.2")}, 4);
	assert_int_equal(sn->options[1].code, 224);

	/* 255 bytes fit, 256 do not (string and hex). */
	snprintf(s255, sizeof(s255), "250,%0255d", 0);
	snprintf(s256, sizeof(s256), "250,%0256d", 0);
	snprintf(hex255, sizeof(hex255), "250,hex:%0510d", 0);
	snprintf(hex256, sizeof(hex256), "250,hex:%0512d", 0);
	assert_int_equal(PARSE("--option", s255), 0);
	assert_int_equal(cfg.subnets[0].options[0].len, 255);
	assert_int_equal(PARSE("--option", hex255), 0);
	assert_int_equal(cfg.subnets[0].options[0].len, 255);
	expect_err(PARSE("--option", s256), "256-byte string", "option 250: value longer");
	expect_err(PARSE("--option", hex256), "256 hex bytes", "option 250:");

	/* At most CFG_MAX_OPTIONS codes. */
	for (unsigned int i = 0; i <= CFG_MAX_OPTIONS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "option = %u, hex:%02x\n", 200 + i, i);
	expect_err_at(parse_conf(text), CFG_MAX_OPTIONS + 1, "option: at most 32");
}

static void test_option_errors(void **state)
{
	static const struct err_case cases[] = {
		{"--option", "0,hex:00", "option: code '0' is not in 1..254"},
		{"--option", "255,hex:00", "option: code '255' is not in 1..254"},
		{"--option", "256,hex:00", "option: code '256' is not in 1..254"},
		{"--option", "-1,hex:00", "option: code '-1'"},
		{"--option", "abc,hex:00", "option: code 'abc'"},
		{"--option", ",hex:00", "option: code ''"},
		{"--option", "42", "option: expected CODE,VALUE"},
		{"--option", "123456789,hex:00", "option: expected CODE,VALUE"},
		{"--option", "224,hex:", "option 224: '' is not hex bytes"},
		{"--option", "224,hex:0", "option 224: '0' is not hex bytes"},
		{"--option", "224,hex:zz", "option 224: 'zz' is not hex bytes"},
		{"--option", "224,hex:01::02", "option 224: '01::02'"},
	};
	/* Codes with their own flag, or set by the server. */
	static const struct {
		unsigned int code;
		const char *owner;
	} owned[] = {
		{1, "--netmask"},     {3, "--router"},	    {6, "--dns"},
		{12, "--hostname"},   {15, "--domain"},	    {119, "--search"},
		{121, "--route"},     {51, "--lease-time"}, {58, "--lease-time"},
		{59, "--lease-time"}, {67, "--boot-file"},  {28, "the server"},
		{50, "the server"},   {52, "the server"},   {53, "the server"},
		{54, "the server"},   {55, "the server"},   {56, "the server"},
		{57, "the server"},   {61, "the server"},   {82, "the server"},
	};

	(void)state;
	check_err_cases(cases, ARRAY_SIZE(cases));
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++) {
		char val[32], needle[64];

		snprintf(val, sizeof(val), "%u,hex:00", owned[i].code);
		snprintf(needle, sizeof(needle), "option: code %u is set by %s", owned[i].code,
			 owned[i].owner);
		expect_err(PARSE("--option", val), val, needle);
		assert_int_equal(cfg.subnets[0].n_options, 0);
	}
}

static void test_pxe_timers_flags(void **state)
{
	static const struct err_case cases[] = {
		{"--next-server", "nope", "next-server: 'nope' is not an IPv4 address"},
		{"--next-server", "", "next-server: ''"},
		{"--boot-file", "", "boot-file: '' must be 1..127 characters"},
		{"--boot-file", F128, "boot-file: '" F128 "' must be 1..127 characters"},
		{"--boot-file", "a\tb", "boot-file: non-printable character"},
		{"--decline-time", "0",
		 "decline-time: '0' is not a number of seconds in 1..604800"},
		{"--decline-time", "604801", "decline-time: '604801'"},
		{"--decline-time", "1m", "decline-time: '1m'"},
		{"--decline-time", "-5", "decline-time: '-5'"},
	};

	(void)state;
	assert_int_equal(PARSE("--interface", "tap0"), 0);
	assert_int_equal(cfg.decline_time, 600);
	assert_false(cfg.conflict_check);
	assert_int_equal(cfg.subnets[0].next_server, 0);
	assert_string_equal(cfg.subnets[0].boot_file, "");

	/* 127 characters: the longest that fits the 'file' field with its NUL. */
	assert_int_equal(PARSE("--next-server", "198.18.0.4", "--boot-file", F128 + 1,
			       "--decline-time", "604800", "--conflict-check"),
			 0);
	assert_int_equal(cfg.subnets[0].next_server, ip("198.18.0.4"));
	assert_string_equal(cfg.subnets[0].boot_file, F128 + 1);
	assert_int_equal(cfg.decline_time, 604800);
	assert_true(cfg.conflict_check);
	check_err_cases(cases, ARRAY_SIZE(cases));

	assert_int_equal(parse_conf("conflict-check = yes\ndecline-time = 1\n"), 0);
	assert_true(cfg.conflict_check);
	assert_int_equal(cfg.decline_time, 1);
	assert_int_equal(parse_conf("conflict-check = no\n"), 0);
	assert_false(cfg.conflict_check);
}

/* ------------------------------------------------------------------ */
/* config_validate */

struct validate_case {
	const char *name;
	const char *args[MAX_ARGS];
	const char *needle; /* NULL: valid */
};

#define BASE                                                                                       \
	"--interface", "tap0", "--range", "198.18.0.10,198.18.0.20", "--netmask", "255.255.255.0", \
		"--router", "198.18.0.1", "--server-id", "198.18.0.2"

static const struct validate_case validate_cases[] = {
	{"reservations inside and outside the range",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.0.15", "--static",
	  "02:00:00:00:00:02,198.18.0.100", "--static-id", "01:02,198.18.0.101"},
	 NULL},
	{"outside the subnet",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.1.100"},
	 "static: 198.18.1.100 is outside the subnet"},
	{"the server's address",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.0.2"},
	 "static: 198.18.0.2 is the server's address"},
	{"a router's address",
	 {BASE, "--router", "198.18.0.1,198.18.0.3", "--static", "02:00:00:00:00:01,198.18.0.3"},
	 "static: 198.18.0.3 is a router's address"},
	{"one address, two MACs",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.0.100", "--static",
	  "02:00:00:00:00:02,198.18.0.100"},
	 "static: 198.18.0.100 is reserved for two clients"},
	{"one address, a MAC and a client id",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.0.100", "--static-id", "01:02,198.18.0.100"},
	 "static: 198.18.0.100 is reserved for two clients"},
	{"one MAC, two addresses",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.0.100", "--static",
	  "02-00-00-00-00-01,198.18.0.101"},
	 "static: a client has two reservations"},
	{"one client id, two addresses",
	 {BASE, "--static-id", "01:02,198.18.0.100", "--static-id", "0102,198.18.0.101"},
	 "static: a client has two reservations"},
	{"a MAC and a client id of the same bytes are two clients",
	 {BASE, "--static", "02:00:00:00:00:01,198.18.0.100", "--static-id",
	  "020000000001,198.18.0.101"},
	 NULL},
};

static void test_validate_reservations(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(validate_cases); i++) {
		const struct validate_case *c = &validate_cases[i];

		print_message("  validate: %s\n", c->name);
		assert_int_equal(parse_argv(c->args), 0);
		if (!c->needle)
			validate_ok();
		else
			expect_err(config_validate(&cfg, err, sizeof(err)), c->name, c->needle);
	}

	/* In a section, the error names the subnet. */
	assert_int_equal(parse_conf("interface = tap0\n"
				    "range = 198.18.0.10, 198.18.0.20\n"
				    "netmask = 255.255.255.0\n"
				    "[subnet b]\n"
				    "interface = tap1\n"
				    "range = 198.18.1.10, 198.18.1.20\n"
				    "netmask = 255.255.255.0\n"
				    "static = " MAC1 ", 198.18.0.100\n"),
			 0);
	expect_err(config_validate(&cfg, err, sizeof(err)), "section",
		   "subnet 'b': static: 198.18.0.100 is outside the subnet");
}

/* A reservation of the subnet's network or broadcast address would hand
 * the client an address it cannot use (the range refuses both too). */
static void test_validate_reservation_network_broadcast(void **state)
{
	static const char *const addrs[] = {MAC1 ",198.18.0.0", MAC1 ",198.18.0.255"};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		print_message("  --static %s\n", addrs[i]);
		assert_int_equal(PARSE(BASE, "--static", addrs[i]), 0);
		expect_err(config_validate(&cfg, err, sizeof(err)), addrs[i], "static: 198.18.0.");
	}
}

/* config.h: config_validate() checks "server ids and routers inside their
 * subnet". */
static void test_validate_router_outside_subnet(void **state)
{
	(void)state;
	assert_int_equal(PARSE(BASE, "--router", "198.19.0.1"), 0);
	expect_err(config_validate(&cfg, err, sizeof(err)), "router outside", "router");
}

static const char conf_sections_head[] = "interface = tap0\n"
					 "range = 198.18.0.10, 198.18.0.20\n"
					 "netmask = 255.255.255.0\n";

/* conf_sections_head, then tail: parsed (must succeed) and validated. */
static int validate_sections(const char *tail)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", conf_sections_head, tail);
	assert_int_equal(parse_conf(text), 0);
	return config_validate(&cfg, err, sizeof(err));
}

static void test_validate_subnets(void **state)
{
	(void)state;
	/* Two networks side by side. */
	assert_int_equal(validate_sections("[subnet b]\n"
					   "interface = tap1\n"
					   "range = 198.18.1.10, 198.18.1.20\n"
					   "netmask = 255.255.255.0\n"),
			 0);

	/* The same network twice, even with disjoint ranges. */
	expect_err(validate_sections("[subnet b]\n"
				     "interface = tap1\n"
				     "range = 198.18.0.100, 198.18.0.120\n"
				     "netmask = 255.255.255.0\n"),
		   "same network", "subnet 'b': range: overlaps subnet 'default'");

	/* A wider subnet 0 containing b. */
	assert_int_equal(parse_conf("interface = tap0\n"
				    "range = 198.18.0.10, 198.18.1.20\n"
				    "netmask = 255.255.254.0\n"
				    "[subnet b]\n"
				    "interface = tap1\n"
				    "range = 198.18.1.10, 198.18.1.20\n"
				    "netmask = 255.255.255.0\n"),
			 0);
	expect_err(config_validate(&cfg, err, sizeof(err)), "b inside 0",
		   "subnet 'b': range: overlaps subnet 'default'");

	/* Interfaces but no range: named. */
	expect_err(validate_sections("[subnet b]\ninterface = tap1\n"), "no range",
		   "subnet 'b': no --range START,END given");
	/* Neither: an unused section. */
	assert_int_equal(validate_sections("[subnet b]\nlease-time = 60\n"), 0);
	/* A range without interface (served through relays) is checked. */
	expect_err(validate_sections("[subnet b]\n"
				     "range = 198.18.1.10, 198.18.2.20\n"
				     "netmask = 255.255.255.0\n"),
		   "relay-only subnet",
		   "subnet 'b': range: 198.18.1.10..198.18.2.20 is not inside");
	/* All interfaces in sections: subnet 0 needs no range. */
	assert_int_equal(parse_conf("[subnet b]\n"
				    "interface = tap1\n"
				    "range = 198.18.1.10, 198.18.1.20\n"
				    "netmask = 255.255.255.0\n"),
			 0);
	validate_ok();
}

/* Overlap does not depend on which subnet comes first: here the narrower
 * one is subnet 0 and the wider section b contains its range. */
static void test_validate_overlap_either_order(void **state)
{
	(void)state;
	assert_int_equal(parse_conf("interface = tap0\n"
				    "range = 198.18.1.10, 198.18.1.20\n"
				    "netmask = 255.255.255.0\n"
				    "[subnet b]\n"
				    "interface = tap1\n"
				    "range = 198.18.0.10, 198.18.1.100\n"
				    "netmask = 255.255.254.0\n"),
			 0);
	expect_err(config_validate(&cfg, err, sizeof(err)), "0 inside b", "overlaps");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section_inherits_defaults),
		cmocka_unit_test(test_section_inherits_as_of_its_line),
		cmocka_unit_test(test_section_global_keys_rejected),
		cmocka_unit_test(test_section_header_errors),
		cmocka_unit_test(test_section_header_malformed_names),
		cmocka_unit_test(test_section_interfaces),
		cmocka_unit_test(test_static_parsed),
		cmocka_unit_test(test_static_errors),
		cmocka_unit_test(test_static_host_name_must_be_a_host_name),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_option_forms),
		cmocka_unit_test(test_option_replace_and_limits),
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_pxe_timers_flags),
		cmocka_unit_test(test_validate_reservations),
		cmocka_unit_test(test_validate_reservation_network_broadcast),
		cmocka_unit_test(test_validate_router_outside_subnet),
		cmocka_unit_test(test_validate_subnets),
		cmocka_unit_test(test_validate_overlap_either_order),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	config_free(&cfg);
	return r;
}
