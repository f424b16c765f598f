/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char *cli_prog = "tool";

void cli_init(const char *prog)
{
	cli_prog = prog;
}

/* "PROG: message" and tail on stderr. */
static void cli_vreport(const char *tail, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cli_prog);
	vfprintf(stderr, fmt, ap);
	fputs(tail, stderr);
}

void cli_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vreport("\n", fmt, ap);
	va_end(ap);
	exit(1);
}

void cli_die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vreport(" (see --help)\n", fmt, ap);
	va_end(ap);
	exit(2);
}

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

int cli_parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if (n && (*s == ':' || *s == '-'))
			s++;
		hi = hex_digit(s[0]);
		lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (hi < 0 || lo < 0 || n == cap)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n ? (int)n : -EINVAL;
}

int cli_parse_mac(const char *s, uint8_t mac[6])
{
	return cli_parse_hex(s, mac, 6) == 6 ? 0 : -EINVAL;
}
