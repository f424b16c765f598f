/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemon: leveled, printf-checked, one line per message on
 * stderr (journald adds time and unit).  Per-packet problems are counters or
 * rate-limited lines, never a line per packet.
 */
#ifndef XDHCP_LOG_H
#define XDHCP_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
	LOG_LVL_DEBUG = 2,
	LOG_LVL_TRACE = 3,
};

void log_set_level(int level);
int log_get_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * Token bucket for rate-limited warnings: at most `burst` lines, refilled at
 * one per `interval_s` seconds.  Returns 1 when a line may be printed.
 */
struct log_ratelimit {
	uint64_t last_ns;
	unsigned int tokens;
	unsigned int burst;
	unsigned int interval_s;
	unsigned long suppressed;
};
int log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ns);

/* Escape client-supplied bytes for logs and files: printable ASCII other
 * than space, '%' and '"' is kept, everything else becomes %XX.  Always
 * NUL-terminates; truncates to fit. */
void log_escape(const uint8_t *in, size_t len, char *out, size_t cap);

#endif /* XDHCP_LOG_H */
