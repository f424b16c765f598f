/* SPDX-License-Identifier: MIT */
/*
 * Least privilege: once the program is loaded and attached, the daemon
 * keeps only the capabilities its event loop still needs, optionally as an
 * unprivileged user, and refuses to go on with more.
 *
 * Kept: CAP_NET_ADMIN and CAP_BPF, to attach XDP to interfaces added by a
 * reload (bpf_link_create); CAP_NET_RAW, for ARP probe and reply sockets
 * reopened on reload.  Everything else goes, from the bounding set too, so
 * an event script (even run as root) starts with no capability.
 */
#ifndef XDHCP_PRIVS_H
#define XDHCP_PRIVS_H

#include <stddef.h>

/*
 * Drop to the kept capabilities; with user (not NULL), first hand the
 * given paths (files and directories the daemon writes later) to that user
 * and switch to it.  Verifies the result.  Returns 0, or a negative errno
 * with a one-line reason in err: the caller must stop.
 */
int privs_drop(const char *user, const char *const *paths, size_t n_paths, char *err,
	       size_t errlen);

#endif /* XDHCP_PRIVS_H */
