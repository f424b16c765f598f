/* SPDX-License-Identifier: MIT */
/*
 * Capability and user dropping (see privs.h), with libcap.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <sys/capability.h>

#include "privs.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const cap_value_t kept[] = {CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF};
#define N_KEPT (sizeof(kept) / sizeof(kept[0]))

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

static int set_kept(char *err, size_t errlen)
{
	cap_t caps = cap_init();
	int r = 0;

	if (!caps)
		return fail(err, errlen, -ENOMEM, "cap_init: out of memory");
	if (cap_set_flag(caps, CAP_PERMITTED, N_KEPT, kept, CAP_SET) ||
	    cap_set_flag(caps, CAP_EFFECTIVE, N_KEPT, kept, CAP_SET) || cap_set_proc(caps))
		r = fail(err, errlen, -errno, "cannot reduce capabilities: %s", strerror(errno));
	cap_free(caps);
	return r;
}

/* Nothing beyond the kept set, in any of the process's sets. */
static int verify(char *err, size_t errlen)
{
	cap_t caps = cap_get_proc();
	int r = 0;

	if (!caps)
		return fail(err, errlen, -errno, "cap_get_proc: %s", strerror(errno));
	for (cap_value_t c = 0; c <= CAP_LAST_CAP && !r; c++) {
		cap_flag_value_t eff, perm, inh;
		bool is_kept = false;

		for (size_t i = 0; i < N_KEPT; i++)
			is_kept |= kept[i] == c;
		if (cap_get_flag(caps, c, CAP_EFFECTIVE, &eff) ||
		    cap_get_flag(caps, c, CAP_PERMITTED, &perm) ||
		    cap_get_flag(caps, c, CAP_INHERITABLE, &inh))
			continue;
		if (inh == CAP_SET || (!is_kept && (eff == CAP_SET || perm == CAP_SET)))
			r = fail(err, errlen, -EPERM, "capability %s still held after dropping",
				 cap_to_name(c));
		if (!r && CAP_IS_SUPPORTED(c) && cap_get_bound(c) > 0)
			r = fail(err, errlen, -EPERM, "capability %s still in the bounding set",
				 cap_to_name(c));
	}
	cap_free(caps);
	return r;
}

int privs_drop(const char *user, const char *const *paths, size_t n_paths, char *err, size_t errlen)
{
	struct passwd *pw = NULL;
	int r;

	if (user) {
		pw = getpwnam(user);
		if (!pw)
			return fail(err, errlen, -ENOENT, "user: no such user '%s'", user);
		if (pw->pw_uid == 0)
			return fail(err, errlen, -EINVAL, "user: '%s' is root", user);
		for (size_t i = 0; i < n_paths; i++)
			if (paths[i] && chown(paths[i], pw->pw_uid, pw->pw_gid) && errno != ENOENT)
				return fail(err, errlen, -errno, "cannot hand '%s' to '%s': %s",
					    paths[i], user, strerror(errno));
	}
	/* The bounding set first, while CAP_SETPCAP is still ours: no later
	 * exec (an event script) can gain anything. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c))
			return fail(err, errlen, -errno, "cannot drop %s from the bounding set: %s",
				    cap_to_name(c), strerror(errno));
	if (pw) {
		if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid))
			return fail(err, errlen, -errno, "cannot switch to user '%s': %s", user,
				    strerror(errno));
		(void)prctl(PR_SET_KEEPCAPS, 0);
	}
	r = set_kept(err, errlen);
	if (r)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail(err, errlen, -errno, "cannot set no_new_privs: %s", strerror(errno));
	if (pw && (getuid() != pw->pw_uid || geteuid() != pw->pw_uid))
		return fail(err, errlen, -EPERM, "still running as uid %d", (int)geteuid());
	return verify(err, errlen);
}
