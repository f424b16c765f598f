/* SPDX-License-Identifier: MIT */
/*
 * --metrics ADDRESS:PORT: Prometheus text exposition (version 0.0.4) on
 * GET /metrics.  A minimal HTTP/1.0 responder, non-blocking, one short
 * response per connection; the body comes from a render callback.
 */
#ifndef XDHCP_METRICS_H
#define XDHCP_METRICS_H

#include <stddef.h>
#include <stdio.h>

#define METRICS_MAX_CLIENTS 8

/* Write the exposition to out. */
typedef void (*metrics_render)(void *ctx, FILE *out);

struct metrics;

/* addr is "IPV4:PORT".  Returns NULL with err set. */
struct metrics *metrics_open(const char *addr, metrics_render render, void *ctx, char *err,
			     size_t errlen);
void metrics_close(struct metrics *m);
int metrics_fd(const struct metrics *m); /* an epoll fd: call metrics_dispatch when readable */
void metrics_dispatch(struct metrics *m);

#endif /* XDHCP_METRICS_H */
