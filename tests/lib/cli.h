/* SPDX-License-Identifier: MIT */
/*
 * Command-line helpers of the test and benchmark tools (dhcpsend,
 * tapclient, loadgen, flood): one-line errors that name the tool, and hex
 * and MAC arguments.
 */
#ifndef XDHCP_TESTS_CLI_H
#define XDHCP_TESTS_CLI_H

#include <stddef.h>
#include <stdint.h>

/* The tool's name, prefixed to every error line. */
void cli_init(const char *prog);

/* "PROG: message" on stderr, exit 1 (the run failed). */
void cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* "PROG: message (see --help)" on stderr, exit 2 (bad usage). */
void cli_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Hex bytes, optionally separated by ':' or '-', into out (at most cap).
 * Returns the byte count or -EINVAL. */
int cli_parse_hex(const char *s, uint8_t *out, size_t cap);

/* A MAC address (six hex bytes, ':' or '-' between them); 0 or -EINVAL. */
int cli_parse_mac(const char *s, uint8_t mac[6]);

#endif /* XDHCP_TESTS_CLI_H */
