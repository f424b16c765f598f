/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c), the replay runner
 * and the seed generator: the property check macro, exact-size copies of
 * fuzz input, temporary files, and the fixed world of fuzz_server (its
 * configuration, interfaces and the record format of its input), so that
 * gen_corpus.c writes seeds that mean what the target reads.
 *
 * A failed property aborts with a line naming it: libFuzzer saves the input
 * as a crash, the replay runner exits non-zero.
 */
#ifndef XDHCP_TESTS_FUZZ_H
#define XDHCP_TESTS_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property of the code under test; never compiled out (unlike assert). */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A copy of data in a heap block of exactly len bytes (plus a NUL when
 * nul is set), so AddressSanitizer sees any read past the end. */
static inline uint8_t *fuzz_dup(const uint8_t *data, size_t len, int nul)
{
	uint8_t *p = malloc(len + (nul ? 1 : 0) + (len || nul ? 0 : 1));

	if (!p)
		abort();
	if (len)
		memcpy(p, data, len);
	if (nul)
		p[len] = 0;
	return p;
}

/*
 * A private temporary file, created once per process and rewritten with
 * data on each call.  Returns a path to it.  The file is unlinked at once
 * and reached through /proc/self/fd, so nothing is left behind however the
 * process ends (libFuzzer's -fork children are killed at the time limit).
 */
static inline const char *fuzz_tmpfile(const uint8_t *data, size_t len)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		char tmpl[] = "/tmp/xdhcp-fuzz.XXXXXX";

		fd = mkstemp(tmpl);
		if (fd < 0 || unlink(tmpl))
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (len && pwrite(fd, data, len, 0) != (ssize_t)len))
		abort();
	return path;
}

/* ------------------------------------------------------------------ */
/* fuzz_server: the configuration, the interfaces and the input format. */

/*
 * The server under test.  Three subnets: the default one (two interfaces,
 * eleven dynamic addresses, reservations by MAC and client id, some with
 * their own host name and PXE settings, search list, routes, generic
 * options), "lab" on its own interface (three addresses, a VLAN in the
 * seeds) and "relayed", reached only through a relay agent (giaddr
 * 198.19.5.1).  Lease 600 s (T1 300 s, T2 525 s), offers 60 s, declines
 * 600 s, at most 4 outstanding offers per interface; no conflict check.
 */
#define FUZZ_SERVER_CONFIG                                                                         \
	"lease-time = 600\n"                                                                       \
	"offer-time = 60\n"                                                                        \
	"decline-time = 600\n"                                                                     \
	"max-offers = 4\n"                                                                         \
	"dns = 198.18.0.53, 198.18.0.54\n"                                                         \
	"domain = example.test\n"                                                                  \
	"search = example.test, lab.example.test, example.org\n"                                   \
	"option = 42, 198.18.0.123\n"                                                              \
	"option = 252, \"http://wpad.example.test/wpad.dat\"\n"                                    \
	"interface = fz0, fz2\n"                                                                   \
	"server-id = 198.18.0.1\n"                                                                 \
	"netmask = 255.255.255.0\n"                                                                \
	"router = 198.18.0.1\n"                                                                    \
	"range = 198.18.0.10, 198.18.0.20\n"                                                       \
	"route = 198.19.0.0/16, 198.18.0.1\n"                                                      \
	"route = 0.0.0.0/0, 198.18.0.1\n"                                                          \
	"static = 02:00:00:00:00:01, 198.18.0.100, build-vm, boot-file=pxelinux.0, "               \
	"next-server=198.18.0.2\n"                                                                 \
	"static = 02:00:00:00:00:02, 198.18.0.15\n"                                                \
	"static-id = 01020000000003, 198.18.0.101\n"                                               \
	"static-id = 00" FUZZ_LONG_ID_HEX ", 198.18.0.102\n"                                       \
	"\n"                                                                                       \
	"[subnet lab]\n"                                                                           \
	"interface = fz1\n"                                                                        \
	"server-id = 198.19.0.1\n"                                                                 \
	"netmask = 255.255.255.0\n"                                                                \
	"router = 198.19.0.1\n"                                                                    \
	"range = 198.19.0.10, 198.19.0.12\n"                                                       \
	"hostname = lab-host\n"                                                                    \
	"boot-file = lab.efi\n"                                                                    \
	"\n"                                                                                       \
	"[subnet relayed]\n"                                                                       \
	"netmask = 255.255.255.0\n"                                                                \
	"router = 198.19.5.1\n"                                                                    \
	"range = 198.19.5.10, 198.19.5.13\n"

/* 63 bytes after the type byte 00: the longest id the fast path keys on. */
#define FUZZ_LONG_ID_HEX                                                                           \
	"6c6f6e672d636c69656e742d6964656e7469666965722d6f662d7369787479"                           \
	"2d666f75722d62797465732d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d"

/* Interfaces: index in the record's control byte -> ifindex, subnet,
 * server id (dotted), MAC. */
#define FUZZ_N_IFACES	     3
#define FUZZ_IFINDEX_UNKNOWN 99
struct fuzz_iface_def {
	uint32_t ifindex;
	const char *name;
	unsigned int subnet;
	const char *server_id;
};
static const struct fuzz_iface_def fuzz_ifaces[FUZZ_N_IFACES] = {
	{1, "fz0", 0, "198.18.0.1"},
	{2, "fz1", 1, "198.19.0.1"},
	{3, "fz2", 0, "198.18.0.1"},
};

/*
 * fuzz_server input: a sequence of records, at most FUZZ_MAX_RECORDS.
 *
 *   record := ctl len_hi len_lo body[len]   (len clamped to what is left)
 *   ctl bits 0-1: interface: fuzz_ifaces[0..2], or 3 = an unknown ifindex
 *   ctl bit 2:    body is a whole Ethernet frame (else a DHCP message that
 *                 the target wraps in Ethernet/IPv4/UDP with valid
 *                 checksums: see fuzz_server.c)
 *   ctl bits 3-7: the clock advances by fuzz_time_steps[ctl >> 3] seconds
 *                 before the record is handled (expiry runs as on the
 *                 daemon's timer)
 */
#define FUZZ_MAX_RECORDS    64
#define FUZZ_CTL_IFACE_MASK 0x03
#define FUZZ_CTL_RAW	    0x04
#define FUZZ_CTL_TIME_SHIFT 3

static const uint32_t fuzz_time_steps[32] = {
	0,   0,	  0,   1,   2,	 5,   10,  30,	59,   60,   61,	  119,	120,   299,   300, 301,
	524, 525, 526, 599, 600, 601, 660, 900, 1199, 1200, 3600, 7200, 86400, 86401, 5,   1,
};

/* Index in fuzz_time_steps of a step of exactly s seconds (seeds), or -1. */
static inline int fuzz_time_index(uint32_t s)
{
	for (int i = 0; i < 32; i++)
		if (fuzz_time_steps[i] == s)
			return i;
	return -1;
}

#endif /* XDHCP_TESTS_FUZZ_H */
