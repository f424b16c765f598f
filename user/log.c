/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging to stderr, a token-bucket rate limiter for per-packet
 * warnings, and escaping of client-supplied strings.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int log_level = LOG_LVL_INFO;

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const prefix[] = {"warning: ", "", "debug: ", "trace: "};
	va_list ap;

	if (level > log_level)
		return;
	/* One line, whole: start-up logs from two threads (the BPF loader
	 * runs beside the lease-file reader). */
	flockfile(stderr);
	fprintf(stderr, "xdhcpd: %s", prefix[level < 0 ? 0 : level > 3 ? 3 : level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

int log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ns)
{
	uint64_t interval_ns = (uint64_t)rl->interval_s * 1000000000ULL;

	if (rl->last_ns == 0) {
		rl->tokens = rl->burst;
		rl->last_ns = now_ns;
	}
	if (interval_ns && now_ns - rl->last_ns >= interval_ns) {
		uint64_t add = (now_ns - rl->last_ns) / interval_ns;

		rl->tokens = add >= rl->burst ? rl->burst : rl->tokens + (unsigned int)add;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ns = now_ns;
	}
	if (rl->tokens == 0) {
		rl->suppressed++;
		return 0;
	}
	rl->tokens--;
	return 1;
}

void log_escape(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (c > 0x20 && c < 0x7f && c != '%' && c != '"') {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				break;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}
