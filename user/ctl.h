/* SPDX-License-Identifier: MIT */
/*
 * Control commands (docs/control-protocol.md) and the runtime overlay of
 * interfaces and reservations they maintain (see ctl.c).
 */
#ifndef XDHCP_CTL_H
#define XDHCP_CTL_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "config.h"

struct overlay;

/* The Prometheus exposition for --metrics; ctx is the struct daemon. */
void ctl_metrics(void *ctx, FILE *out);

/* The control socket's handler; ctx is the struct daemon. */
struct json_object *ctl_handle(void *ctx, struct json_object *req);

/* LEASE_FILE.runtime: load (an empty overlay when missing; NULL on
 * allocation failure), save atomically, free. */
struct overlay *overlay_load(const char *lease_file);
int overlay_save(const struct overlay *ov);
void overlay_free(struct overlay *ov);

/* Apply the overlay to a freshly parsed configuration: interfaces before
 * they are looked up, reservations once netmasks are known.  Return 0 or
 * -EINVAL with err set. */
int overlay_apply_ifaces(const struct overlay *ov, struct xdhcp_config *cfg, char *err,
			 size_t errlen);
int overlay_apply_statics(const struct overlay *ov, struct xdhcp_config *cfg, char *err,
			  size_t errlen);

#endif /* XDHCP_CTL_H */
