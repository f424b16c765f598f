/* SPDX-License-Identifier: MIT */
/*
 * The control socket (docs/control-protocol.md): a Unix stream socket,
 * owner-only, one JSON request per line in, one JSON response per line
 * out.  This module does the socket, the framing and the JSON parsing;
 * the commands are the handler's (ctl.c).  Non-blocking throughout: a slow
 * or stuck client never stalls the daemon.
 */
#ifndef XDHCP_CONTROL_H
#define XDHCP_CONTROL_H

#include <stddef.h>

#include <json-c/json.h>

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_LINE_MAX    65536
#define CONTROL_IDLE_S	    30 /* seconds a client may stay silent */

/* Returns a new response object (the module frees it), never NULL. */
typedef struct json_object *(*control_handler)(void *ctx, struct json_object *req);

struct control;

/* Listen on path (replacing a stale socket), mode 0600.  Returns NULL with
 * err set. */
struct control *control_open(const char *path, control_handler handler, void *ctx, char *err,
			     size_t errlen);
void control_close(struct control *c);

/* One fd for epoll (an epoll fd of the module's own: the listening socket
 * and its clients).  Call control_dispatch when it is readable. */
int control_fd(const struct control *c);
void control_dispatch(struct control *c);

/* A response {"ok": false, "error": msg}. */
struct json_object *control_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XDHCP_CONTROL_H */
