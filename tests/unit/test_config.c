/* SPDX-License-Identifier: MIT */
/*
 * Command line and config file parsing (user/config.c): every option, and
 * a one-line error naming the option (and FILE:LINE) for bad input.
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

static struct xdhcp_config cfg;
static char err[512];

static int parse(int argc, const char **argv)
{
	config_free(&cfg);
	assert_int_equal(config_init(&cfg), 0);
	err[0] = '\0';
	return config_parse_args(&cfg, argc, (char **)argv, err, sizeof(err));
}

#define PARSE(...)                                                                                 \
	({                                                                                         \
		const char *a_[] = {"xdhcpd", __VA_ARGS__};                                        \
		parse((int)(sizeof(a_) / sizeof(a_[0])), a_);                                      \
	})

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_full_command_line(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--interface", "tap0", "--interface", "tap1", "--range",
			       "198.18.0.10,198.18.0.20", "--server-id", "198.18.0.1", "--netmask",
			       "255.255.255.0", "--router", "198.18.0.1", "--dns",
			       "198.18.0.53,198.18.0.54", "--lease-time", "3600", "--hostname",
			       "vm", "--domain", "example.test", "--search", "a.test,b.test",
			       "--lease-file", "/tmp/x", "--pin-dir", "/sys/fs/bpf/x", "--xdp-mode",
			       "generic", "--verbose"),
			 0);
	assert_int_equal(cfg.n_ifaces, 2);
	assert_string_equal(cfg.ifnames[1], "tap1");
	assert_int_equal(cfg.subnets[0].range_start, ip("198.18.0.10"));
	assert_int_equal(cfg.subnets[0].range_end, ip("198.18.0.20"));
	assert_int_equal(cfg.subnets[0].server_id, ip("198.18.0.1"));
	assert_int_equal(cfg.subnets[0].netmask, ip("255.255.255.0"));
	assert_int_equal(cfg.subnets[0].n_dns, 2);
	assert_int_equal(cfg.subnets[0].dns[1], ip("198.18.0.54"));
	assert_int_equal(cfg.subnets[0].lease_time, 3600);
	assert_int_equal(cfg.subnets[0].n_search, 2);
	assert_string_equal(cfg.subnets[0].search[1], "b.test");
	assert_string_equal(cfg.pin_dir, "/sys/fs/bpf/x");
	assert_int_equal(cfg.xdp_mode, CFG_XDP_GENERIC);
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--interface", "tap0", "--range", "198.18.0.10,198.18.0.20"), 0);
	assert_int_equal(cfg.subnets[0].lease_time, 86400);
	assert_string_equal(cfg.lease_file, CFG_LEASE_FILE_DEFAULT);
	assert_string_equal(cfg.pin_dir, "/sys/fs/bpf/xdhcpd");
	assert_int_equal(cfg.xdp_mode, CFG_XDP_AUTO);
}

struct bad_case {
	const char *opt, *val, *needle;
};

static void test_bad_values_name_the_option(void **state)
{
	static const struct bad_case cases[] = {
		{"--range", "198.18.0.20,198.18.0.10", "range: start 198.18.0.20 is after end"},
		{"--range", "198.18.0.10", "range: expected START,END"},
		{"--range", "198.18.0.300,198.18.0.10", "range: start '198.18.0.300'"},
		{"--server-id", "nope", "server-id: 'nope'"},
		{"--netmask", "255.0.255.0", "netmask: '255.0.255.0' is not a valid netmask"},
		{"--router", "198.18.0.1,x", "router: 'x' is not an IPv4 address"},
		{"--dns", "", "dns: expected IP"},
		{"--lease-time", "10", "lease-time: '10'"},
		{"--lease-time", "12abc", "lease-time: '12abc'"},
		{"--xdp-mode", "fast", "xdp-mode: 'fast'"},
		{"--interface", "a/b", "interface: 'a/b'"},
		{"--domain", "bad..name", "domain: 'bad..name'"},
		{"--pin-dir", "/tmp/pins", "pin-dir: '/tmp/pins' must be a directory under"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(PARSE(cases[i].opt, cases[i].val), -EINVAL);
		if (!strstr(err, cases[i].needle))
			fail_msg("%s %s: got '%s', want '%s'", cases[i].opt, cases[i].val, err,
				 cases[i].needle);
		assert_null(strchr(err, '\n'));
	}
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--frobnicate"), -EINVAL);
	assert_non_null(strstr(err, "--frobnicate"));
	assert_int_equal(PARSE("--interface", "x", "stray"), -EINVAL);
	assert_non_null(strstr(err, "'stray'"));
}

static void test_validate(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--range", "198.18.0.10,198.18.0.20"), 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--interface"));
	assert_int_equal(PARSE("--interface", "t", "--range", "198.18.0.10,198.18.1.20",
			       "--netmask", "255.255.255.0"),
			 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not inside one subnet"));
	assert_int_equal(PARSE("--interface", "t", "--range", "198.18.0.10,198.18.0.20",
			       "--netmask", "255.255.255.0", "--server-id", "198.19.0.1"),
			 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "server-id"));
}

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/xdhcp-cfg-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_config_file(void **state)
{
	char *path = write_tmp("# comment\n"
			       "interface = tap7\n"
			       "range = 198.18.0.10, 198.18.0.20   # trailing\n"
			       "\n"
			       "dns = 198.18.0.53\n"
			       "no-fastpath = yes\n"
			       "detach-on-exit = no\n");

	(void)state;
	assert_int_equal(PARSE("--config", path), 0);
	unlink(path);
	assert_string_equal(cfg.ifnames[0], "tap7");
	assert_int_equal(cfg.subnets[0].range_end, ip("198.18.0.20"));
	assert_int_equal(cfg.subnets[0].n_dns, 1);
	assert_true(cfg.no_fastpath);
	assert_false(cfg.detach_on_exit);
}

static void test_config_file_errors(void **state)
{
	char *path;
	char want[128];

	(void)state;
	path = write_tmp("interface = tap0\nbogus = 1\n");
	assert_int_equal(PARSE("--config", path), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: unknown key 'bogus'", path);
	assert_string_equal(err, want);
	unlink(path);

	path = write_tmp("range = 198.18.0.9,198.18.0.1\n");
	assert_int_equal(PARSE("--config", path), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: range: start", path);
	assert_non_null(strstr(err, want));
	unlink(path);

	path = write_tmp("just words\n");
	assert_int_equal(PARSE("--config", path), -EINVAL);
	assert_non_null(strstr(err, ":1: expected 'key = value'"));
	unlink(path);

	path = write_tmp("no-fastpath = maybe\n");
	assert_int_equal(PARSE("--config", path), -EINVAL);
	assert_non_null(strstr(err, "expected yes or no"));
	unlink(path);

	assert_int_equal(PARSE("--config", "/nonexistent/xdhcpd.conf"), -EINVAL);
	assert_non_null(strstr(err, "cannot open '/nonexistent/xdhcpd.conf'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_values_name_the_option),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_file_errors),
	};

	int r = cmocka_run_group_tests(tests, NULL, NULL);

	config_free(&cfg);
	return r;
}
