/* SPDX-License-Identifier: MIT */
/*
 * Lease events: the embedder's callback, and a queue drained by one
 * external script at a time (--event-script).
 *
 * The module owns an epoll set of its own, whose fd the daemon adds to its
 * loop once: it holds an eventfd, written when events wait and no script
 * runs, and the pidfd of the running script, readable when it ends.  So
 * events_push() only copies and at most writes 8 bytes; posix_spawn() and
 * waitpid() happen in events_dispatch(), after the batch that produced the
 * events has been answered.  Nothing here waits for a script except
 * events_free(), which kills it first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "log.h"
#include "server.h"

#define NS_PER_S 1000000000ULL

/* Smallest queue allocation; an empty queue larger than EVENTS_QUEUE_KEEP
 * is given back. */
#define EVENTS_QUEUE_MIN  64
#define EVENTS_QUEUE_KEEP 1024

/* Runs that fail to start, tried in one events_dispatch() before the loop
 * gets control back (a missing script must not stall the daemon). */
#define EVENTS_SPAWN_BURST 16

/* Environment of a run: 10 variables and PATH, each bounded by the event's
 * fields, so a fixed buffer does. */
#define ENV_VARS 12
#define ENV_BUF	 1024

struct events {
	char *script; /* NULL: callbacks only */
	unsigned int timeout_s;
	uint64_t timeout_ns;
	void (*cb)(void *ctx, const struct lease_event *e);
	void *cb_ctx;

	/* Ring of waiting events, cap a power of two (0: not allocated). */
	struct lease_event *q;
	size_t cap, head, n;
	uint64_t seq;

	int epfd;   /* what events_fd() returns */
	int kickfd; /* eventfd: queued events wait and nothing runs */
	bool kicked;

	/* The running script, pid 0 when idle. */
	pid_t pid;
	int pidfd; /* -1 also while running when pidfd_open is missing */
	uint64_t started_ns;
	bool timed_out;
	struct lease_event cur;

	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	bool attr_init, fa_init;

	uint64_t failed, dropped, delivered;
	struct log_ratelimit rl_fail, rl_drop;
};

static uint64_t now_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

const char *lease_event_name(enum lease_event_type t)
{
	switch (t) {
	case LEASE_EV_ADD:
		return "add";
	case LEASE_EV_RENEW:
		return "renew";
	case LEASE_EV_RELEASE:
		return "release";
	case LEASE_EV_EXPIRE:
		return "expire";
	case LEASE_EV_DECLINE:
		return "decline";
	default:
		return "unknown";
	}
}

static void hex_of(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 2 < cap; i++) {
		out[o++] = hex[in[i] >> 4];
		out[o++] = hex[in[i] & 15];
	}
	out[o] = '\0';
}

static void mac_of(const uint8_t *m, char *out, size_t cap)
{
	snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void lease_event_fill(struct lease_event *e, enum lease_event_type type, const struct lease *l,
		      const char *ifname, int64_t expires)
{
	const struct xdhcp_lease_key *k = &l->key;

	memset(e, 0, sizeof(*e));
	e->type = type;
	server_key_format(k, e->client, sizeof(e->client));
	if (k->kind == XDHCP_KEY_HWADDR && k->htype == 1 && k->len == 6) {
		mac_of(k->id, e->mac, sizeof(e->mac));
	} else if (k->kind == XDHCP_KEY_CLIENT_ID && k->htype == 0) {
		/* htype 0: the id verbatim (server.c marks a hashed, too long
		 * id with another htype; its bytes are not the client's). */
		hex_of(k->id, k->len < sizeof(k->id) ? k->len : sizeof(k->id), e->client_id,
		       sizeof(e->client_id));
		/* RFC 2132 section 9.14: type 1 is an Ethernet address. */
		if (k->len == 7 && k->id[0] == 1)
			mac_of(k->id + 1, e->mac, sizeof(e->mac));
	}
	/* The hardware address the client sent, when the key does not say. */
	if (!e->mac[0] && l->has_chaddr)
		mac_of(l->chaddr, e->mac, sizeof(e->mac));
	e->addr = l->addr;
	snprintf(e->hostname, sizeof(e->hostname), "%s", l->hostname);
	e->expires = type == LEASE_EV_ADD || type == LEASE_EV_RENEW ? expires : 0;
	e->lease_time = l->lease_time;
	if (ifname)
		snprintf(e->interface, sizeof(e->interface), "%s", ifname);
}

/* ------------------------------------------------------------------ */
/* Setup and teardown */

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ee = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee) ? -errno : 0;
}

static int spawn_setup(struct events *ev)
{
	sigset_t all, none;
	int r;

	r = posix_spawnattr_init(&ev->attr);
	if (r)
		return -r;
	ev->attr_init = true;
	/* The daemon blocks SIGTERM/SIGINT/SIGHUP (signalfd) and ignores
	 * SIGPIPE; both survive exec, so give the script a clean slate.  Its
	 * own process group lets a timeout kill what it started too. */
	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawnattr_setsigmask(&ev->attr, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&ev->attr, &all);
	if (!r)
		r = posix_spawnattr_setpgroup(&ev->attr, 0);
	if (!r)
		r = posix_spawnattr_setflags(&ev->attr, POSIX_SPAWN_SETSIGMASK |
								POSIX_SPAWN_SETSIGDEF |
								POSIX_SPAWN_SETPGROUP);
	if (r)
		return -r;
	r = posix_spawn_file_actions_init(&ev->fa);
	if (r)
		return -r;
	ev->fa_init = true;
	r = posix_spawn_file_actions_addopen(&ev->fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* Our fds are O_CLOEXEC; this also covers a library's that are not. */
	if (!r)
		r = posix_spawn_file_actions_addclosefrom_np(&ev->fa, STDERR_FILENO + 1);
#endif
	return -r;
}

struct events *events_new(const char *script, unsigned int timeout_s)
{
	struct events *ev = calloc(1, sizeof(*ev));
	int err;

	if (!ev)
		return NULL;
	ev->epfd = ev->kickfd = ev->pidfd = -1;
	if (timeout_s == 0)
		timeout_s = EVENTS_TIMEOUT_DEFAULT;
	if (timeout_s > EVENTS_TIMEOUT_MAX)
		timeout_s = EVENTS_TIMEOUT_MAX;
	ev->timeout_s = timeout_s;
	ev->timeout_ns = (uint64_t)timeout_s * NS_PER_S;
	ev->rl_fail = ev->rl_drop = (struct log_ratelimit){.burst = 5, .interval_s = 10};

	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0)
		goto fail_errno;
	ev->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ev->kickfd < 0)
		goto fail_errno;
	err = epoll_add(ev->epfd, ev->kickfd);
	if (err)
		goto fail;
	if (script) {
		ev->script = strdup(script);
		if (!ev->script)
			goto fail_errno;
		err = spawn_setup(ev);
		if (err)
			goto fail;
		if (access(script, X_OK))
			pr_warn("event script '%s' is not executable now: %s (each event will "
				"fail until it is)",
				script, strerror(errno));
	}
	return ev;

fail_errno:
	err = -errno;
fail:
	events_free(ev);
	errno = -err;
	return NULL;
}

/* Stop watching the running script's pidfd and forget the child. */
static void child_forget(struct events *ev)
{
	if (ev->pidfd >= 0) {
		(void)epoll_ctl(ev->epfd, EPOLL_CTL_DEL, ev->pidfd, NULL);
		close(ev->pidfd);
	}
	ev->pidfd = -1;
	ev->pid = 0;
	ev->timed_out = false;
}

void events_free(struct events *ev)
{
	size_t lost;

	if (!ev)
		return;
	lost = ev->n + (ev->pid ? 1 : 0);
	if (ev->pid) {
		/* Not reaped yet, so the pid and its group are still ours. */
		if (kill(-ev->pid, SIGKILL))
			(void)kill(ev->pid, SIGKILL);
		while (waitpid(ev->pid, NULL, 0) < 0 && errno == EINTR)
			;
		child_forget(ev);
	}
	if (lost)
		pr_warn("%zu lease event(s) not delivered to event script '%s'", lost,
			ev->script ? ev->script : "");
	if (ev->fa_init)
		posix_spawn_file_actions_destroy(&ev->fa);
	if (ev->attr_init)
		posix_spawnattr_destroy(&ev->attr);
	if (ev->kickfd >= 0)
		close(ev->kickfd);
	if (ev->epfd >= 0)
		close(ev->epfd);
	free(ev->q);
	free(ev->script);
	free(ev);
}

void events_set_callback(struct events *ev, void (*cb)(void *ctx, const struct lease_event *e),
			 void *ctx)
{
	ev->cb = cb;
	ev->cb_ctx = ctx;
}

int events_fd(const struct events *ev)
{
	return ev->epfd;
}

/* ------------------------------------------------------------------ */
/* The queue */

static void kick(struct events *ev)
{
	uint64_t one = 1;

	if (ev->kicked)
		return;
	/* Fails only when the counter would overflow: it is readable then. */
	(void)!write(ev->kickfd, &one, sizeof(one));
	ev->kicked = true;
}

static int queue_grow(struct events *ev)
{
	size_t cap = ev->cap ? ev->cap * 2 : EVENTS_QUEUE_MIN;
	struct lease_event *q = malloc(cap * sizeof(*q));

	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < ev->n; i++)
		q[i] = ev->q[(ev->head + i) & (ev->cap - 1)];
	free(ev->q);
	ev->q = q;
	ev->cap = cap;
	ev->head = 0;
	return 0;
}

static void copy_string(char *dst, const char *src, size_t cap)
{
	memcpy(dst, src, cap);
	dst[cap - 1] = '\0';
}

int events_push(struct events *ev, const struct lease_event *e)
{
	struct lease_event *slot;

	ev->seq++;
	if (ev->cb) {
		struct lease_event c = *e;

		c.seq = ev->seq;
		ev->cb(ev->cb_ctx, &c);
	}
	if (!ev->script)
		return 0;
	if (ev->n == ev->cap) {
		if (ev->cap >= EVENTS_QUEUE_MAX) {
			/* Full: the oldest event gives way. */
			ev->head = (ev->head + 1) & (ev->cap - 1);
			ev->n--;
			ev->dropped++;
			if (log_ratelimit_ok(&ev->rl_drop, now_boot()))
				pr_warn("event script '%s' is %u events behind: dropping the "
					"oldest (%" PRIu64 " dropped so far)",
					ev->script, EVENTS_QUEUE_MAX, ev->dropped);
		} else if (queue_grow(ev)) {
			ev->dropped++;
			if (log_ratelimit_ok(&ev->rl_drop, now_boot()))
				pr_warn("lease event for event script '%s' dropped: out of memory",
					ev->script);
			return -ENOMEM;
		}
	}
	slot = &ev->q[(ev->head + ev->n) & (ev->cap - 1)];
	*slot = *e;
	slot->seq = ev->seq;
	/* The caller's strings may fill their arrays: terminate them. */
	copy_string(slot->client, e->client, sizeof(slot->client));
	copy_string(slot->mac, e->mac, sizeof(slot->mac));
	copy_string(slot->client_id, e->client_id, sizeof(slot->client_id));
	copy_string(slot->hostname, e->hostname, sizeof(slot->hostname));
	copy_string(slot->interface, e->interface, sizeof(slot->interface));
	ev->n++;
	if (!ev->pid)
		kick(ev);
	return 0;
}

static void queue_pop(struct events *ev, struct lease_event *ret_e)
{
	*ret_e = ev->q[ev->head];
	ev->head = (ev->head + 1) & (ev->cap - 1);
	ev->n--;
	if (ev->n == 0 && ev->cap > EVENTS_QUEUE_KEEP) {
		/* A backlog has drained: give the memory back. */
		free(ev->q);
		ev->q = NULL;
		ev->cap = 0;
		ev->head = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Running the script */

struct env_buf {
	char *vars[ENV_VARS];
	unsigned int n;
	char buf[ENV_BUF];
	size_t used;
};

static void env_add(struct env_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void env_add(struct env_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (b->n + 1 >= ENV_VARS || b->used >= sizeof(b->buf))
		return;
	va_start(ap, fmt);
	len = vsnprintf(b->buf + b->used, sizeof(b->buf) - b->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(b->buf) - b->used)
		return; /* cannot happen: the fields are bounded */
	b->vars[b->n++] = b->buf + b->used;
	b->vars[b->n] = NULL;
	b->used += (size_t)len + 1;
}

static int pidfd_open_child(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Start the script for e.  Returns 0 or a positive errno from
 * posix_spawn (glibc reports a failed exec there too). */
static int spawn_one(struct events *ev, const struct lease_event *e)
{
	char ip[INET_ADDRSTRLEN];
	struct env_buf env = {.n = 0};
	char *argv[6];
	pid_t pid;
	int r;

	if (!inet_ntop(AF_INET, &e->addr, ip, sizeof(ip)))
		ip[0] = '\0';
	argv[0] = ev->script;
	argv[1] = (char *)lease_event_name(e->type);
	argv[2] = (char *)(e->mac[0] ? e->mac : e->client);
	argv[3] = ip;
	argv[4] = e->hostname[0] ? (char *)e->hostname : NULL;
	argv[5] = NULL;
	env_add(&env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(&env, "XDHCP_EVENT=%s", lease_event_name(e->type));
	env_add(&env, "XDHCP_MAC=%s", e->mac);
	env_add(&env, "XDHCP_CLIENT=%s", e->client);
	env_add(&env, "XDHCP_CLIENT_ID=%s", e->client_id);
	env_add(&env, "XDHCP_IP=%s", ip);
	env_add(&env, "XDHCP_HOSTNAME=%s", e->hostname);
	env_add(&env, "XDHCP_EXPIRES=%" PRId64, e->expires);
	env_add(&env, "XDHCP_LEASE_TIME=%" PRIu32, e->lease_time);
	env_add(&env, "XDHCP_INTERFACE=%s", e->interface);
	env_add(&env, "XDHCP_SEQ=%" PRIu64, e->seq);

	r = posix_spawn(&pid, ev->script, &ev->fa, &ev->attr, argv, env.vars);
	if (r)
		return r;
	ev->pid = pid;
	ev->started_ns = now_boot();
	ev->timed_out = false;
	ev->cur = *e;
	ev->pidfd = pidfd_open_child(pid);
	/* Without a pidfd (Linux < 5.3) the end is noticed by events_tick(). */
	if (ev->pidfd >= 0 && epoll_add(ev->epfd, ev->pidfd)) {
		close(ev->pidfd);
		ev->pidfd = -1;
	}
	pr_debug("event script: %s %s %s (seq %" PRIu64 ")", argv[1], argv[2], ip, e->seq);
	return 0;
}

static void report_end(struct events *ev, int status)
{
	const struct lease_event *e = &ev->cur;
	char ip[INET_ADDRSTRLEN];
	bool log;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ev->delivered++;
		return;
	}
	ev->failed++;
	log = log_ratelimit_ok(&ev->rl_fail, now_boot());
	if (!log)
		return;
	if (!inet_ntop(AF_INET, &e->addr, ip, sizeof(ip)))
		ip[0] = '\0';
	if (ev->timed_out)
		pr_warn("event script '%s' (%s %s, seq %" PRIu64 ") ran longer than %u s: "
			"killed",
			ev->script, lease_event_name(e->type), ip, e->seq, ev->timeout_s);
	else if (WIFSIGNALED(status))
		pr_warn("event script '%s' (%s %s, seq %" PRIu64 ") killed by signal %d",
			ev->script, lease_event_name(e->type), ip, e->seq, WTERMSIG(status));
	else
		pr_warn("event script '%s' (%s %s, seq %" PRIu64 ") exited with status %d",
			ev->script, lease_event_name(e->type), ip, e->seq, WEXITSTATUS(status));
}

/* Reap the script if it has ended.  Returns true when idle afterwards. */
static bool reap(struct events *ev)
{
	int status;
	pid_t r;

	if (!ev->pid)
		return true;
	r = waitpid(ev->pid, &status, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return false;
	if (r < 0) {
		/* ECHILD: someone reaped it (SIGCHLD set to SIG_IGN); the
		 * result is lost, count it as a failure. */
		status = W_EXITCODE(127, 0);
	}
	report_end(ev, status);
	child_forget(ev);
	return true;
}

void events_dispatch(struct events *ev)
{
	uint64_t v;
	unsigned int fails = 0;

	if (ev->kicked) {
		(void)!read(ev->kickfd, &v, sizeof(v));
		ev->kicked = false;
	}
	if (!reap(ev))
		return;
	while (ev->n) {
		struct lease_event e;
		int r;

		queue_pop(ev, &e);
		r = spawn_one(ev, &e);
		if (!r)
			return;
		ev->failed++;
		if (log_ratelimit_ok(&ev->rl_fail, now_boot()))
			pr_warn("cannot run event script '%s' for %s (seq %" PRIu64 "): %s",
				ev->script, lease_event_name(e.type), e.seq, strerror(r));
		if (++fails == EVENTS_SPAWN_BURST) {
			/* Let the loop breathe; carry on at its next turn. */
			if (ev->n)
				kick(ev);
			return;
		}
	}
}

void events_tick(struct events *ev, uint64_t now_boot_ns)
{
	if (ev->pid && !ev->timed_out && now_boot_ns > ev->started_ns &&
	    now_boot_ns - ev->started_ns > ev->timeout_ns) {
		/* Not reaped yet, so the pid and its group are still ours. */
		if (kill(-ev->pid, SIGKILL))
			(void)kill(ev->pid, SIGKILL);
		ev->timed_out = true;
	}
	/* Without a pidfd this is where a finished script is noticed. */
	events_dispatch(ev);
}

size_t events_pending(const struct events *ev)
{
	return ev->n;
}

int events_running(const struct events *ev)
{
	return ev->pid != 0;
}

uint64_t events_failed(const struct events *ev)
{
	return ev->failed;
}

uint64_t events_dropped(const struct events *ev)
{
	return ev->dropped;
}

uint64_t events_delivered(const struct events *ev)
{
	return ev->delivered;
}
