/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the configuration front ends (user/config.c).  The
 * input is written to a temporary file and read with config_parse_file();
 * what parses is checked with config_validate(), and a valid configuration
 * whose subnets all have a netmask is handed to server_init() (pools and
 * reservations), as the daemon does.  When the first line is "#!argv", the
 * other lines are also given to config_parse_args() as arguments, one a
 * line.  Properties: no memory error or leak, every failure comes with a
 * one-line message, counts stay within their limits.
 *
 * `config = PATH` (and --config, or an abbreviation such as --confi) makes
 * the parser open PATH.  So that the fuzzer never opens a FIFO or a device,
 * a file whose lines mention "config" and a '/' or '.' is not parsed, and
 * arguments are not parsed when the input holds a '/' (relative names
 * resolve in the working directory, where nothing blocks).  --help output
 * goes to /dev/null.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "server.h"
#include "fuzz.h"

#define MAX_ARGS 64

static bool names_a_path(const uint8_t *data, size_t size)
{
	const uint8_t *line = data, *end = data + size;

	while (line < end) {
		const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

		if (memmem(line, n, "config", 6) && (memchr(line, '/', n) || memchr(line, '.', n)))
			return true;
		line += n + 1;
	}
	return false;
}

static void check_err(int r, const char *err)
{
	if (r == 0)
		return;
	FUZZ_CHECK(r == -EINVAL);
	FUZZ_CHECK(err[0] != '\0' && !strchr(err, '\n'));
}

static void check_limits(const struct xdhcp_config *cfg)
{
	FUZZ_CHECK(cfg->n_ifaces <= CFG_MAX_IFACES);
	FUZZ_CHECK(cfg->n_subnets >= 1 && cfg->n_subnets <= CFG_MAX_SUBNETS);
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		FUZZ_CHECK(cfg->iface_subnet[i] < cfg->n_subnets);
	for (unsigned int i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *sn = &cfg->subnets[i];

		FUZZ_CHECK(sn->n_routers <= CFG_MAX_ADDRS && sn->n_dns <= CFG_MAX_ADDRS);
		FUZZ_CHECK(sn->n_search <= CFG_MAX_SEARCH && sn->n_routes <= CFG_MAX_ROUTES);
		FUZZ_CHECK(sn->n_options <= CFG_MAX_OPTIONS && sn->n_statics <= CFG_MAX_STATICS);
		FUZZ_CHECK(sn->n_statics <= sn->cap_statics);
		for (unsigned int j = 0; j < sn->n_routes; j++)
			FUZZ_CHECK(sn->routes[j].prefix <= 32);
		for (unsigned int j = 0; j < sn->n_statics; j++)
			FUZZ_CHECK(sn->statics[j].len >= 1 &&
				   (sn->statics[j].kind == XDHCP_KEY_CLIENT_ID ||
				    sn->statics[j].len == 6));
	}
}

/* The daemon's next step for a valid configuration. */
static void try_server(const struct xdhcp_config *cfg)
{
	struct server s;
	char err[256] = "";
	int r;

	for (unsigned int i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].range_start && !cfg->subnets[i].netmask)
			return; /* resolved from the interface at run time */
	r = server_init(&s, cfg, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -ENOMEM || r == -EINVAL || r == -EEXIST);
	if (r)
		FUZZ_CHECK(err[0] != '\0');
	server_fini(&s);
}

static void run_file(const uint8_t *data, size_t size)
{
	struct xdhcp_config cfg;
	char err[512] = "";
	int r;

	FUZZ_CHECK(config_init(&cfg) == 0);
	r = config_parse_file(&cfg, fuzz_tmpfile(data, size), err, sizeof(err));
	check_err(r, err);
	check_limits(&cfg);
	if (r == 0) {
		err[0] = '\0';
		r = config_validate(&cfg, err, sizeof(err));
		check_err(r, err);
		if (r == 0)
			try_server(&cfg);
	}
	config_free(&cfg);
}

/* Parse the arguments into a fresh configuration (getopt_long permutes
 * the array: each call gets its own copy). */
static int parse_args(int argc, char **args, char *err, size_t errlen)
{
	char *argv[MAX_ARGS + 2];
	struct xdhcp_config cfg;
	int r;

	memcpy(argv, args, sizeof(argv));
	FUZZ_CHECK(config_init(&cfg) == 0);
	r = config_parse_args(&cfg, argc, argv, err, errlen);
	if (r != 1)
		check_err(r, err);
	check_limits(&cfg);
	if (r == 0) {
		char verr[512] = "";

		check_err(config_validate(&cfg, verr, sizeof(verr)), verr);
	}
	config_free(&cfg);
	return r;
}

/*
 * "#!argv" then one argument a line.  The same arguments must parse the
 * same way twice: the daemon parses its command line again on SIGHUP, and
 * the unit tests parse many command lines in one process.
 */
static void run_args(const uint8_t *data, size_t size)
{
	static const char magic[] = "#!argv\n";
	char *copy, *argv[MAX_ARGS + 2], *p;
	char err[512] = "", err2[512] = "";
	int argc = 0, r;

	if (size < sizeof(magic) - 1 || memcmp(data, magic, sizeof(magic) - 1))
		return;
	copy = (char *)fuzz_dup(data + sizeof(magic) - 1, size - (sizeof(magic) - 1), 1);
	argv[argc++] = (char *)"xdhcpd";
	for (p = copy; argc <= MAX_ARGS;) {
		char *nl = strchr(p, '\n');

		argv[argc++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;

	r = parse_args(argc, argv, err, sizeof(err));
	FUZZ_CHECK(parse_args(argc, argv, err2, sizeof(err2)) == r);
	FUZZ_CHECK(!strcmp(err, err2));
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(-1);
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!names_a_path(data, size))
		run_file(data, size);
	if (!memchr(data, '/', size))
		run_args(data, size);
	return 0;
}
