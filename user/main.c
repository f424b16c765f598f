/* SPDX-License-Identifier: MIT */
/*
 * xdhcpd: arguments, wiring and the one event loop.
 *
 * The XDP program answers renewals in the kernel and punts everything else
 * through a ring buffer.  This loop drains the ring buffer in batches: each
 * punted frame goes through the protocol engine (server.c), lease changes
 * are written to the map and appended to the lease file, the file is synced
 * once for the batch (group commit), and only then do the replies leave
 * through an AF_PACKET socket.  A 1 s timer expires leases and offers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "events.h"
#include "fastpath_abi.h"
#include "lease_store.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "probe.h"
#include "server.h"

#define NS_PER_S	1000000000ULL
#define BATCH_REPLIES	256
#define PUNT_MAX_AGE_NS (5 * NS_PER_S)
#define EXIT_USAGE	2

static uint64_t now_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* CLOCK_BOOTTIME ns <-> Unix seconds, for the lease file. */
/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns.  Kept stable (so one expiry
 * always converts to the same second) and re-read only when the wall
 * clock moved by more than a second (a clock step). */
static int64_t realtime_offset_ns(void)
{
	static int64_t offset;
	struct timespec rt;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &rt);
	now = (int64_t)rt.tv_sec * (int64_t)NS_PER_S + rt.tv_nsec - (int64_t)now_boot();
	if (!offset || now - offset > (int64_t)NS_PER_S || offset - now > (int64_t)NS_PER_S)
		offset = now;
	return offset;
}

/* With an offset read once for many conversions (a whole file). */
static int64_t boot_to_unix_at(uint64_t boot_ns, int64_t offset_ns)
{
	return ((int64_t)boot_ns + offset_ns) / (int64_t)NS_PER_S;
}

static int64_t boot_to_unix(uint64_t boot_ns)
{
	return boot_to_unix_at(boot_ns, realtime_offset_ns());
}

static uint64_t unix_to_boot_at(int64_t unix_s, int64_t offset_ns)
{
	int64_t b = unix_s * (int64_t)NS_PER_S - offset_ns;

	return b > 0 ? (uint64_t)b : 0;
}

static void die_usage(const char *msg)
{
	fprintf(stderr, "xdhcpd: %s\n", msg);
	exit(EXIT_USAGE);
}

/* ------------------------------------------------------------------ */
/* Interfaces */

/* ifa_list: getifaddrs() taken once for all the interfaces (it dumps every
 * link and address of the namespace), NULL if that failed. */
static int iface_lookup(const char *name, const struct ifaddrs *ifa_list, struct iface_info *ret,
			char *err, size_t errlen)
{
	const struct ifaddrs *ifa;
	struct ifreq ifr;
	int fd;

	memset(ret, 0, sizeof(*ret));
	ret->ifindex = if_nametoindex(name);
	if (!ret->ifindex) {
		snprintf(err, errlen, "interface '%s' does not exist", name);
		return -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(ret->mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	for (ifa = ifa_list; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
		    strcmp(ifa->ifa_name, name))
			continue;
		ret->addr = ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr;
		if (ifa->ifa_netmask)
			ret->mask = ((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr;
		break;
	}
	return 0;
}

/* One lock file per interface under the run directory, so a second daemon
 * on the same interface stops with a clear error.  Returns the locked fd,
 * or -EBUSY / a negative errno with err set. */
static int lock_iface(const struct xdhcp_config *cfg, const char *name, char *err, size_t errlen)
{
	char path[CFG_PATH_MAX + 32], pid[32];
	ssize_t n;
	int fd;

	if (mkdir(cfg->run_dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create run directory '%.512s': %s", cfg->run_dir,
			 strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s.lock", cfg->run_dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open lock '%.512s': %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "interface '%s' is already served by another xdhcpd%s%s%s",
			 name, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
		close(fd);
		return -EBUSY;
	}
	/* Overwrite, then cut to length: truncating to 0 first frees the
	 * file's block, a discard per tap on a restart. */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (pwrite(fd, pid, (size_t)n, 0) == n)
		(void)ftruncate(fd, n);
	return fd;
}

static bool has_privilege(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	/* CAP_NET_ADMIN for XDP and AF_PACKET config, CAP_NET_RAW to send,
	 * CAP_BPF (or CAP_SYS_ADMIN) to load. */
	return (eff & (1ULL << CAP_NET_ADMIN)) && (eff & (1ULL << CAP_NET_RAW)) &&
	       ((eff & (1ULL << 39 /* CAP_BPF */)) || (eff & (1ULL << CAP_SYS_ADMIN)));
}

/* ------------------------------------------------------------------ */
/* Lease side effects: map and store */

/* offset_ns: realtime_offset_ns(), read once for a whole compaction. */
static void store_record_of(const struct lease *l, enum store_op op, int64_t offset_ns,
			    struct store_record *r)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->key = l->key;
	r->addr = l->addr;
	r->expires = boot_to_unix_at(l->expires_ns, offset_ns);
	r->lease_time = l->lease_time;
	memcpy(r->hostname, l->hostname, sizeof(r->hostname));
	r->hostname[sizeof(r->hostname) - 1] = '\0';
}

static void store_put(struct daemon *d, const struct lease *l, enum store_op op)
{
	struct store_record r;
	int e;

	store_record_of(l, op, realtime_offset_ns(), &r);
	e = d->store_be->record(d->store, &r);
	if (e && log_ratelimit_ok(&d->rl_store, now_boot()))
		pr_warn("cannot record lease in '%s': %s", d->cfg.lease_file, strerror(-e));
	d->store_dirty = true;
}

/* The map entry of a bound lease; false when the daemon alone serves it. */
static bool map_value_of(struct daemon *d, const struct lease *l, struct xdhcp_lease *ret_v)
{
	struct server_iface *ifc = server_iface_find(&d->srv, l->ifindex);
	uint32_t tmpl;

	if (!server_key_in_fastpath(&l->key) || !ifc || server_lease_template(&d->srv, l, &tmpl))
		return false;
	memset(ret_v, 0, sizeof(*ret_v));
	ret_v->expires_ns = l->expires_ns;
	ret_v->addr = l->addr;
	ret_v->lease_time = l->lease_time;
	ret_v->tmpl = tmpl;
	ret_v->ifindex = l->ifindex;
	return true;
}

static void map_put(struct daemon *d, const struct lease *l)
{
	struct xdhcp_lease v;
	int e;

	if (!map_value_of(d, l, &v))
		return; /* served by the daemon alone */
	e = loader_lease_put(&d->ld, &l->key, &v);
	if (e && log_ratelimit_ok(&d->rl_store, now_boot()))
		pr_warn("cannot write lease to the BPF map: %s (renewals will be punted)",
			strerror(-e));
}

/* A lease event for --event-script (queued; the script runs later). */
static void push_event(struct daemon *d, enum lease_event_type t, const struct lease *l)
{
	struct server_iface *ifc;
	struct lease_event e;

	if (!d->events)
		return;
	ifc = server_iface_find(&d->srv, l->ifindex);
	lease_event_fill(&e, t, l, ifc ? ifc->name : NULL, boot_to_unix(l->expires_ns));
	(void)events_push(d->events, &e); /* failures are counted and logged there */
}

static void log_lease(const char *what, const struct lease *l)
{
	char key[256], ip[INET_ADDRSTRLEN];

	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	server_key_format(&l->key, key, sizeof(key));
	inet_ntop(AF_INET, &l->addr, ip, sizeof(ip));
	pr_debug("%s %s %s%s%s", what, ip, key, l->hostname[0] ? " " : "", l->hostname);
}

static int on_template_put(void *ctx, uint32_t index, const struct xdhcp_tmpl *t)
{
	struct daemon *d = ctx;

	return loader_tmpl_put(&d->ld, index, t);
}

static void on_lease_bound(void *ctx, const struct lease *l)
{
	struct daemon *d = ctx;

	map_put(d, l);
	store_put(d, l, l->renewal ? STORE_RENEW : STORE_GRANT);
	push_event(d, l->renewal ? LEASE_EV_RENEW : LEASE_EV_ADD, l);
	log_lease(l->renewal ? "renewed" : "bound", l);
}

static void on_lease_ended(void *ctx, const struct lease *l, enum lease_end why)
{
	struct daemon *d = ctx;

	if (l->state != LEASE_BOUND)
		return; /* an offer: nothing in the map or the store */
	(void)loader_lease_del(&d->ld, &l->key);
	switch (why) {
	case LEASE_END_RELEASED:
		push_event(d, LEASE_EV_RELEASE, l);
		store_put(d, l, STORE_RELEASE);
		log_lease("released", l);
		break;
	case LEASE_END_DECLINED:
		push_event(d, LEASE_EV_DECLINE, l);
		store_put(d, l, STORE_DECLINE);
		log_lease("declined", l);
		break;
	default:
		push_event(d, LEASE_EV_EXPIRE, l);
		store_put(d, l, STORE_EXPIRE);
		log_lease("expired", l);
		break;
	}
}

uint64_t daemon_now(void)
{
	return now_boot();
}

int64_t daemon_boot_to_unix(uint64_t boot_ns)
{
	return boot_to_unix(boot_ns);
}

void daemon_lease_end(struct daemon *d, struct lease *l)
{
	struct server_subnet *sn = server_subnet_of(&d->srv, l->addr);

	if (!sn)
		return;
	on_lease_ended(d, l, LEASE_END_RELEASED); /* map, store, event (bound only) */
	pool_forget(sn->pool, l);
}

/* A later expiry the fast path gave l, read from its map entry: adopted,
 * persisted and announced.  False when the map has nothing newer. */
static bool adopt_fast_renewal(struct daemon *d, struct lease *l)
{
	struct xdhcp_lease v;

	if (l->state != LEASE_BOUND || !server_key_in_fastpath(&l->key) ||
	    loader_lease_get(&d->ld, &l->key, &v))
		return false;
	if (v.addr != l->addr || v.expires_ns <= l->expires_ns)
		return false;
	l->expires_ns = v.expires_ns;
	d->renew_events++;
	d->srv.stats.renewals_fast++;
	store_put(d, l, STORE_RENEW);
	push_event(d, LEASE_EV_RENEW, l);
	log_lease("renewed in XDP", l);
	return true;
}

/* Sweep: a bound lease may have been renewed in XDP since the last
 * collect_renewals() (or in a subnet without marks); the map's expiry is
 * authoritative. */
static bool keep_lease(void *ctx, struct lease *l)
{
	return adopt_fast_renewal(ctx, l);
}

/* ------------------------------------------------------------------ */
/* Renewals answered in XDP: the marks in xdhcp_renewed */

/* Map xdhcp_renewed.  Without it (no mmap support), renewals answered in
 * XDP are persisted by the sweep when the daemon's copy of a lease would
 * end, and at the next start: later, but not lost while the map lives. */
static void map_renewed(struct daemon *d)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);
	void *m;

	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(d->ld.renewed_fd, &mi, &len) || mi.value_size != 8 ||
	    !mi.max_entries) {
		pr_warn("cannot inspect map %s: XDP renewals are persisted only when a lease "
			"would end",
			XDHCP_MAP_RENEWED);
		return;
	}
	m = mmap(NULL, (size_t)mi.max_entries * 8, PROT_READ | PROT_WRITE, MAP_SHARED,
		 d->ld.renewed_fd, 0);
	if (m == MAP_FAILED) {
		pr_warn("cannot map %s: %s; XDP renewals are persisted only when a lease would "
			"end",
			XDHCP_MAP_RENEWED, strerror(errno));
		return;
	}
	d->renewed = m;
	d->renewed_words = mi.max_entries;
}

/* Lay the subnets out in xdhcp_renewed, in subnet order, each from a
 * multiple of 64 bits.  A subnet past the end gets no marks (see
 * map_renewed for what that means). */
static void layout_renewed(struct daemon *d)
{
	uint64_t next = 0, cap = (uint64_t)d->renewed_words * 64;

	for (unsigned int i = 0; i < d->srv.n_subnets; i++) {
		struct server_subnet *sn = &d->srv.subnets[i];
		uint64_t span = ((uint64_t)~ntohl(sn->netmask) + 64) & ~63ULL;
		char a[INET_ADDRSTRLEN];

		sn->renew_base = XDHCP_RENEW_BASE_NONE;
		if (!d->renewed)
			continue;
		if (next + span > cap) {
			pr_warn("subnet %s: no room left in %s (%" PRIu64
				" addresses in all): its XDP renewals are persisted only when "
				"a lease would end",
				inet_ntop(AF_INET, &sn->subnet, a, sizeof(a)), XDHCP_MAP_RENEWED,
				cap);
			continue;
		}
		sn->renew_base = (uint32_t)next;
		next += span;
	}
}

/* A punt from l's client: a renewal the fast path answered before it
 * (marked, not collected yet) is applied first, so that, say, a RELEASE
 * right after a renewal ends the renewed lease, in that order. */
static void on_lease_sync(void *ctx, struct lease *l)
{
	struct daemon *d = ctx;
	struct server_subnet *sn;
	uint64_t bit, *word;

	if (!d->renewed || l->state != LEASE_BOUND)
		return;
	sn = server_subnet_of(&d->srv, l->addr);
	if (!sn || sn->renew_base == XDHCP_RENEW_BASE_NONE)
		return;
	bit = (uint64_t)sn->renew_base + (ntohl(l->addr) & ~ntohl(sn->netmask));
	if (bit / 64 >= d->renewed_words)
		return;
	word = &d->renewed[bit / 64];
	if (!(__atomic_load_n(word, __ATOMIC_RELAXED) & (1ULL << (bit % 64))))
		return;
	if (__atomic_fetch_and(word, ~(1ULL << (bit % 64)), __ATOMIC_ACQ_REL) &
	    (1ULL << (bit % 64)))
		(void)adopt_fast_renewal(d, l);
}

/*
 * Persist the renewals the fast path marked since the last call: swap each
 * nonzero word of a subnet's marks with 0, then read the map entry of each
 * marked address.  A client renewing many times between two calls costs
 * one read.  Called on the tick and before anything that changes leases
 * (a command, a reload, the end), so an older renewal never undoes it.
 */
static void collect_renewals(struct daemon *d)
{
	for (unsigned int i = 0; d->renewed && i < d->srv.n_subnets; i++) {
		struct server_subnet *sn = &d->srv.subnets[i];
		uint64_t hosts = (uint64_t)~ntohl(sn->netmask) + 1;
		uint32_t first = sn->renew_base / 64;

		if (sn->renew_base == XDHCP_RENEW_BASE_NONE || !sn->pool)
			continue;
		for (uint64_t w = 0; w * 64 < hosts && first + w < d->renewed_words; w++) {
			uint64_t *word = &d->renewed[first + w], bits;

			if (!__atomic_load_n(word, __ATOMIC_RELAXED))
				continue;
			bits = __atomic_exchange_n(word, 0, __ATOMIC_ACQ_REL);
			while (bits) {
				uint64_t host = w * 64 + (uint64_t)__builtin_ctzll(bits);
				struct lease *l;

				bits &= bits - 1;
				l = pool_find_addr(sn->pool,
						   htonl(ntohl(sn->subnet) + (uint32_t)host));
				if (l)
					(void)adopt_fast_renewal(d, l);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Restoring leases from the store and the pinned map */

/* The pool a key belongs to (key->pool is the subnet index), or NULL. */
static struct pool *pool_of_key(struct daemon *d, const struct xdhcp_lease_key *key)
{
	return key->pool < d->srv.n_subnets ? d->srv.subnets[key->pool].pool : NULL;
}

/* An interface serving subnet sn (leases restored from the file carry no
 * interface). */
static uint32_t iface_of_subnet(struct daemon *d, const struct server_subnet *sn)
{
	for (unsigned int i = 0; i < d->srv.n_ifaces; i++)
		if (d->srv.ifaces[i].subnet == sn)
			return d->srv.ifaces[i].ifindex;
	return 0;
}

/* The lease file is read with one clock offset (see realtime_offset_ns). */
struct restore_ctx {
	struct daemon *d;
	int64_t offset_ns;
};

static void restore_record(void *ctx, const struct store_record *rec)
{
	struct restore_ctx *rc = ctx;
	struct daemon *d = rc->d;
	struct server_subnet *sn = server_subnet_of(&d->srv, rec->addr);
	struct store_record rr = *rec, *r = &rr;
	struct lease *l, *other;
	struct pool *p;
	char a[INET_ADDRSTRLEN];

	/* Subnets do not overlap: the address says which one. */
	if (!sn) {
		pr_warn("lease file: %s is outside every configured subnet, dropped",
			inet_ntop(AF_INET, &rec->addr, a, sizeof(a)));
		return;
	}
	p = sn->pool;
	r->key.pool = sn->index;
	l = pool_find_key(p, &r->key);

	switch (r->op) {
	case STORE_GRANT:
	case STORE_RENEW:
		other = pool_find_addr(p, r->addr);
		if (other && other != l && other->state != LEASE_DECLINED)
			pool_forget(p, other); /* the later record wins */
		if (pool_restore(p, &r->key, r->addr, unix_to_boot_at(r->expires, rc->offset_ns),
				 r->lease_time, &l) == 0) {
			memcpy(l->hostname, r->hostname, sizeof(l->hostname));
			l->hostname[sizeof(l->hostname) - 1] = '\0';
			l->ifindex = iface_of_subnet(d, sn);
		}
		break;
	case STORE_RELEASE:
	case STORE_EXPIRE:
		if (!l && !pool_find_addr(p, r->addr) &&
		    pool_restore(p, &r->key, r->addr, 0, r->lease_time, &l))
			break;
		if (l && l->addr == r->addr)
			pool_release(p, l, now_boot());
		break;
	case STORE_DECLINE:
		if (l)
			pool_forget(p, l);
		break;
	}
}

struct compact_iter {
	struct server *srv;
	unsigned int subnet;
	struct pool *pool; /* NULL: on to the next subnet's */
	uint32_t cur;	   /* pool_each() cursor */
	int64_t offset_ns;
};

static int compact_next(void *ctx, struct store_record *r)
{
	struct compact_iter *it = ctx;

	for (;;) {
		struct lease *l = it->pool ? pool_each(it->pool, &it->cur) : NULL;

		if (!l) {
			/* On to the next subnet's pool. */
			while (++it->subnet < it->srv->n_subnets &&
			       !it->srv->subnets[it->subnet].pool)
				;
			if (it->subnet >= it->srv->n_subnets)
				return 0;
			it->pool = it->srv->subnets[it->subnet].pool;
			it->cur = 0;
			continue;
		}
		if (l->state == LEASE_BOUND) {
			store_record_of(l, STORE_GRANT, it->offset_ns, r);
			return 1;
		}
		if (l->state == LEASE_FREE && l->key.kind) {
			/* Remembered for stickiness. */
			store_record_of(l, STORE_EXPIRE, it->offset_ns, r);
			return 1;
		}
	}
}

static int compact_store(struct daemon *d)
{
	struct compact_iter it = {.srv = &d->srv,
				  .subnet = (unsigned int)-1,
				  .pool = NULL,
				  .offset_ns = realtime_offset_ns()};
	int r = d->store_be->compact(d->store, compact_next, &it);

	if (r)
		pr_warn("cannot compact lease file '%s': %s", d->cfg.lease_file, strerror(-r));
	return r;
}

/* At start: compact, unless the file already holds one record per lease
 * compaction would write (a clean file: each record made a lease that is
 * still there); then only what reconcile_map() appended is synced. */
static int compact_store_at_start(struct daemon *d)
{
	size_t live = 0;
	int r;

	for (unsigned int i = 0; i < d->srv.n_subnets; i++) {
		struct pool *p = d->srv.subnets[i].pool;
		const struct lease *l;
		uint32_t it = 0;

		while (p && (l = pool_each(p, &it)))
			live += l->state == LEASE_BOUND || (l->state == LEASE_FREE && l->key.kind);
	}
	if (!d->store_be->clean || !d->store_be->clean(d->store) ||
	    d->store_be->records(d->store) != live)
		return compact_store(d);
	r = d->store_be->sync(d->store);
	if (r)
		pr_warn("cannot sync lease file '%s': %s", d->cfg.lease_file, strerror(-r));
	return r;
}

/* Map entries per system call in reconcile_map(). */
#define MAP_BATCH 256

/*
 * The map entries of the bound leases, written by a thread of their own
 * while the main thread compacts the lease file: the kernel's work of
 * inserting them is most of the start-up (see daemon_start).
 */
struct map_fill {
	struct daemon *d;
	struct xdhcp_lease_key *keys;
	struct xdhcp_lease *vals;
	size_t n;
	size_t failed; /* entries not written; err says why */
	int err;
	pthread_t thread;
	bool started;
};

static void *map_fill_run(void *arg)
{
	struct map_fill *f = arg;
	struct loader *ld = &f->d->ld;

	for (size_t i = 0; i < f->n; i += 4 * MAP_BATCH) {
		uint32_t n = f->n - i < 4 * MAP_BATCH ? (uint32_t)(f->n - i) : 4 * MAP_BATCH;
		uint32_t done = n;

		if (!bpf_map_update_batch(ld->leases_fd, f->keys + i, f->vals + i, &done, NULL))
			continue;
		/* One by one from where the batch call stopped, or from the
		 * start when it tells nothing. */
		for (uint32_t j = done < n ? done : 0; j < n; j++) {
			int e = loader_lease_put(ld, &f->keys[i + j], &f->vals[i + j]);

			if (e) {
				f->failed++;
				f->err = e;
			}
		}
	}
	return NULL;
}

/* Wait for the entries to be in the map. */
static void map_fill_finish(struct map_fill *f)
{
	if (f->started)
		(void)pthread_join(f->thread, NULL);
	f->started = false;
	if (f->failed && log_ratelimit_ok(&f->d->rl_store, now_boot()))
		pr_warn("cannot write %zu leases to the BPF map: %s (their renewals will be punted)",
			f->failed, strerror(-f->err));
	free(f->keys);
	free(f->vals);
	f->keys = NULL;
	f->vals = NULL;
}

/* One entry found in the map at start (see reconcile_map). */
static void reconcile_entry(struct daemon *d, const struct xdhcp_lease_key *key,
			    const struct xdhcp_lease *v, uint64_t now)
{
	struct pool *p = pool_of_key(d, key);
	struct lease *l;

	if (!p)
		return;
	l = pool_find_key(p, key);
	if (l && l->addr == v->addr && l->state == LEASE_BOUND) {
		if (v->expires_ns > l->expires_ns) {
			l->expires_ns = v->expires_ns;
			store_put(d, l, STORE_RENEW);
		}
	} else if (v->expires_ns > now &&
		   pool_restore(p, key, v->addr, v->expires_ns, v->lease_time, &l) == 0) {
		l->ifindex = v->ifindex;
		store_put(d, l, STORE_GRANT);
	}
}

/* Every entry of the lease map to fn, MAP_BATCH entries per system call
 * (one by one where batch lookups fail; an entry seen twice changes
 * nothing the second time). */
static void map_scan(struct daemon *d,
		     void (*fn)(struct daemon *d, const struct xdhcp_lease_key *key,
				const struct xdhcp_lease *v, uint64_t now),
		     uint64_t now)
{
	struct xdhcp_lease_key keys[MAP_BATCH], key, next, *prev = NULL;
	struct xdhcp_lease vals[MAP_BATCH];
	uint32_t in = 0, out, n;
	bool first = true;
	int e;

	do {
		n = MAP_BATCH;
		e = bpf_map_lookup_batch(d->ld.leases_fd, first ? NULL : &in, &out, keys, vals, &n,
					 NULL);
		if (e && e != -ENOENT)
			break;
		for (uint32_t i = 0; i < n; i++)
			fn(d, &keys[i], &vals[i], now);
		in = out;
		first = false;
	} while (!e);
	while (e != -ENOENT && !bpf_map_get_next_key(d->ld.leases_fd, prev, &next)) {
		struct xdhcp_lease v;

		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(d->ld.leases_fd, &key, &v))
			fn(d, &key, &v, now);
	}
}

/* Bring the map and the pool into agreement after start: leases renewed in
 * XDP while no daemon ran carry a later expiry in the map; leases only in
 * the map (a lost file) are adopted when their address is free; leases
 * only in the pool are written to the map.  The map is read MAP_BATCH
 * entries per system call; the writes are left to f, running when this
 * returns (map_fill_finish() waits for them). */
static void reconcile_map(struct daemon *d, struct map_fill *f)
{
	uint64_t now = now_boot();
	size_t bound = 0;
	struct lease *l;

	map_scan(d, reconcile_entry, now);

	memset(f, 0, sizeof(*f));
	f->d = d;
	for (unsigned int i = 0; i < d->srv.n_subnets; i++)
		bound += d->srv.subnets[i].pool ? d->srv.subnets[i].pool->n_bound : 0;
	f->keys = malloc(bound * sizeof(*f->keys) + 1);
	f->vals = malloc(bound * sizeof(*f->vals) + 1);
	for (unsigned int i = 0; i < d->srv.n_subnets; i++) {
		struct server_subnet *sn = &d->srv.subnets[i];
		uint32_t it = 0;

		if (!sn->pool)
			continue;
		while ((l = pool_each(sn->pool, &it))) {
			if (l->state != LEASE_BOUND)
				continue;
			if (!server_iface_find(&d->srv, l->ifindex))
				l->ifindex = iface_of_subnet(d, sn);
			if (!f->keys || !f->vals) {
				map_put(d, l); /* out of memory: the slow way */
			} else if (map_value_of(d, l, &f->vals[f->n])) {
				f->keys[f->n++] = l->key;
			}
		}
	}
	f->started = f->n && !pthread_create(&f->thread, NULL, map_fill_run, f);
	if (!f->started)
		(void)map_fill_run(f);
}

/* ------------------------------------------------------------------ */
/* The event loop */

static void send_pending(struct daemon *d)
{
	if (d->store_dirty) {
		int r = d->store_be->sync(d->store);

		if (r) {
			/* Not durable: no ACK may leave.  Clients retry. */
			if (log_ratelimit_ok(&d->rl_store, now_boot()))
				pr_warn("cannot sync lease file '%s': %s; %u replies withheld",
					d->cfg.lease_file, strerror(-r), d->n_pending);
			d->n_pending = 0;
			return;
		}
		d->store_dirty = false;
	}
	/* The whole batch in one sendmmsg().  It stops at a reply that
	 * fails: the next call starts there and reports its error, and that
	 * reply is skipped. */
	for (unsigned int i = 0; i < d->n_pending;) {
		static struct sockaddr_ll sll[BATCH_REPLIES];
		static struct mmsghdr msg[BATCH_REPLIES];
		static struct iovec iov[BATCH_REPLIES];
		unsigned int n = d->n_pending - i;
		int sent;

		for (unsigned int j = 0; j < n; j++) {
			const struct pending_reply *p = &d->pending[i + j];

			memset(&sll[j], 0, sizeof(sll[j]));
			sll[j].sll_family = AF_PACKET;
			sll[j].sll_ifindex = (int)p->ifindex;
			sll[j].sll_protocol = htons(ETH_P_IP);
			sll[j].sll_halen = 6;
			memcpy(sll[j].sll_addr, p->frame, 6);
			iov[j] = (struct iovec){.iov_base = (void *)p->frame, .iov_len = p->len};
			memset(&msg[j], 0, sizeof(msg[j]));
			msg[j].msg_hdr.msg_name = &sll[j];
			msg[j].msg_hdr.msg_namelen = sizeof(sll[j]);
			msg[j].msg_hdr.msg_iov = &iov[j];
			msg[j].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(d->pkt_fd, msg, n, 0);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0) {
			if (log_ratelimit_ok(&d->rl_send, now_boot()))
				pr_warn("cannot send reply on ifindex %u: %s",
					d->pending[i].ifindex, strerror(errno));
			sent = 1;
		}
		i += (unsigned int)sent;
	}
	d->n_pending = 0;
}

/* One request through the engine; tries counts conflict probes already
 * made for it. */
static void run_frame(struct daemon *d, uint32_t ifindex, const uint8_t *frame, uint32_t len,
		      unsigned int tries)
{
	struct pending_reply *p;
	uint64_t now = now_boot();
	int r;

	if (d->n_pending == BATCH_REPLIES)
		send_pending(d);
	p = &d->pending[d->n_pending];
	r = server_handle_frame(&d->srv, ifindex, frame, len, now, p->frame, sizeof(p->frame));
	if (r > 0) {
		p->ifindex = ifindex;
		p->len = (uint32_t)r;
		d->n_pending++;
	} else if (r == -EINPROGRESS && d->probes) {
		struct server_iface *ifc = server_iface_find(&d->srv, ifindex);

		r = ifc ? probe_start(d->probes, ifindex, ifc->mac, d->srv.probe_addr, frame, len,
				      tries, now)
			: -ENODEV;
		if (!r && log_get_level() >= LOG_LVL_DEBUG) {
			char a[INET_ADDRSTRLEN];

			pr_debug("probing %s on ifindex %u before offering it",
				 inet_ntop(AF_INET, &d->srv.probe_addr, a, sizeof(a)), ifindex);
		}
		if (r && log_ratelimit_ok(&d->rl_probe, now))
			pr_warn("conflict probe on ifindex %u not started: %s (the client will "
				"retry)",
				ifindex, r == -ELOOP ? "too many addresses in use" : strerror(-r));
	}
}

static void on_probe_done(void *ctx, struct probe_waiter *w, bool conflict, const uint8_t *mac)
{
	struct daemon *d = ctx;
	char a[INET_ADDRSTRLEN];

	pr_debug("probe of %s: %s", inet_ntop(AF_INET, &w->addr, a, sizeof(a)),
		 conflict ? "in use" : "no answer, free");
	if (server_probe_done(&d->srv, w->ifindex, w->addr, conflict, mac, now_boot()))
		return; /* the offer is gone */
	run_frame(d, w->ifindex, w->frame, w->len, w->tries + 1);
}

static void handle_punt(struct daemon *d, const struct xdhcp_punt_event *ev, size_t size)
{
	if (size < XDHCP_PUNT_HDR_LEN || ev->len > XDHCP_PUNT_MAX ||
	    ev->len > size - XDHCP_PUNT_HDR_LEN)
		return;
	d->punts++;
	/* Queued while no daemon ran: the client has retransmitted since,
	 * and an answer to a stale transaction only adds noise. */
	if (now_boot() - ev->ts_ns > PUNT_MAX_AGE_NS) {
		d->stale_punts++;
		return;
	}
	run_frame(d, ev->hdr.ifindex, ev->data, ev->len, 0);
}

static int on_ring_event(void *ctx, void *data, size_t size)
{
	const struct xdhcp_event_hdr *h = data;
	struct daemon *d = ctx;

	if (size < sizeof(*h) || h->version != XDHCP_EVENT_VERSION) {
		if (log_ratelimit_ok(&d->rl_bad_event, now_boot()))
			pr_warn("ignoring ring-buffer record of size %zu, version %u", size,
				size >= sizeof(*h) ? h->version : 0);
		return 0;
	}
	if (h->type == XDHCP_EV_PUNT)
		handle_punt(d, data, size);
	return 0;
}

static void publish_clock(struct daemon *d);

static void on_tick(struct daemon *d)
{
	uint64_t now = now_boot();
	size_t live = 0;

	collect_renewals(d);
	publish_clock(d);

	for (unsigned int i = 0; i < d->srv.n_subnets; i++) {
		struct pool *p = d->srv.subnets[i].pool;

		if (!p)
			continue;
		pool_sweep(p, now, keep_lease, on_lease_ended, d);
		live += p->n_bound + p->n_free;
	}
	if (d->store_be->records(d->store) > 4 * live + 10000)
		(void)compact_store(d);
	if (d->events)
		events_tick(d->events, now);
	if (d->metrics)
		metrics_dispatch(d->metrics); /* drops stalled clients */
	if (d->control)
		control_dispatch(d->control); /* likewise */
	send_pending(d);		      /* syncs renew/expire records */
}

static int add_epoll(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int run_loop(struct daemon *d)
{
	int rb_fd = ring_buffer__epoll_fd(d->rb);

	while (!d->stop) {
		struct epoll_event evs[8];
		int timeout = d->probes ? probe_timeout_ms(d->probes, now_boot()) : -1;
		int n = epoll_wait(d->epfd, evs, 8, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		if (d->probes && d->probes->n) {
			/* Probes whose time is up: the addresses are free. */
			probe_expire(d->probes, now_boot(), on_probe_done, d);
			send_pending(d);
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == rb_fd) {
				int r = ring_buffer__consume(d->rb);

				if (r < 0 && r != -EINTR)
					pr_warn("ring buffer: %s", strerror(-r));
				send_pending(d);
			} else if (d->metrics && fd == metrics_fd(d->metrics)) {
				metrics_dispatch(d->metrics);
			} else if (d->control && fd == control_fd(d->control)) {
				/* Renewals answered before the command are
				 * applied before it (a lease del must not be
				 * undone by an older renewal). */
				collect_renewals(d);
				control_dispatch(d->control);
				send_pending(d);
			} else if (d->events && fd == events_fd(d->events)) {
				events_dispatch(d->events);
			} else if (d->probes && fd == d->probes->fd) {
				probe_read(d->probes, on_probe_done, d);
				send_pending(d);
			} else if (fd == d->timerfd) {
				uint64_t ticks;

				if (read(d->timerfd, &ticks, sizeof(ticks)) > 0)
					on_tick(d);
			} else if (fd == d->sigfd) {
				struct signalfd_siginfo si;

				if (read(d->sigfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					char err[1024];

					collect_renewals(d); /* see above */
					(void)daemon_reload(d, err, sizeof(err));
					send_pending(d);
					continue;
				}
				pr_info("signal %u: shutting down", si.ssi_signo);
				d->stop = true;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Start-up */

/* Look up the interfaces, fill in netmasks, validate.  Returns 0 or
 * -EINVAL with err set. */
static int resolve_config(struct xdhcp_config *cfg, const struct overlay *ov,
			  struct iface_info *infos, char *err, size_t errlen)
{
	struct ifaddrs *ifa_list;
	int r = 0;

	/* Runtime changes made through the control socket come on top. */
	if (overlay_apply_ifaces(ov, cfg, err, errlen))
		return -EINVAL;
	if (!cfg->n_ifaces) {
		snprintf(err, errlen, "no --interface given (see --help)");
		return -EINVAL;
	}
	if (getifaddrs(&ifa_list))
		ifa_list = NULL;
	for (unsigned int i = 0; i < cfg->n_ifaces && !r; i++)
		r = iface_lookup(cfg->ifnames[i], ifa_list, &infos[i], err, errlen);
	if (ifa_list)
		freeifaddrs(ifa_list);
	if (r)
		return -EINVAL;
	/* Netmask of each subnet: given, else the prefix of one of its
	 * interfaces that holds the range, else /24 around the range. */
	for (unsigned int s = 0; s < cfg->n_subnets; s++) {
		struct cfg_subnet *sn = &cfg->subnets[s];

		if (sn->netmask || !sn->range_start)
			continue;
		for (unsigned int i = 0; i < cfg->n_ifaces && !sn->netmask; i++)
			if (cfg->iface_subnet[i] == s && infos[i].addr && infos[i].mask &&
			    (infos[i].addr & infos[i].mask) == (sn->range_start & infos[i].mask))
				sn->netmask = infos[i].mask;
		if (!sn->netmask)
			sn->netmask = htonl(0xffffff00);
	}
	if (overlay_apply_statics(ov, cfg, err, errlen) || config_validate(cfg, err, errlen))
		return -EINVAL;
	for (unsigned int s = 0; s < cfg->n_subnets; s++) {
		const struct cfg_subnet *sn = &cfg->subnets[s];

		if (sn->range_start &&
		    ntohl(sn->range_end) - ntohl(sn->range_start) >= POOL_MAX_SIZE) {
			snprintf(err, errlen, "range: more than %u addresses", POOL_MAX_SIZE);
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		if (cfg->subnets[cfg->iface_subnet[i]].server_id || infos[i].addr)
			continue;
		snprintf(err, errlen,
			 "interface '%s' has no IPv4 address: give --server-id (replies are "
			 "built at layer 2, the interface needs no address)",
			 cfg->ifnames[i]);
		return -EINVAL;
	}
	return 0;
}

/* A stats/template slot for an interface: the one it had before a reload
 * (its counters carry on), else the lowest one free.  used[] marks the
 * slots the old and the new interfaces hold; *next is where the search for
 * a free one resumes (slots are only ever taken). */
static uint32_t pick_slot(const struct server *old, const char *name, bool *used, uint32_t *next)
{
	for (unsigned int i = 0; old && i < old->n_ifaces; i++)
		if (!strcmp(old->ifaces[i].name, name))
			return old->ifaces[i].slot;
	while (used[*next])
		(*next)++;
	used[*next] = true;
	return (*next)++;
}

static int setup_interfaces(struct server *srv, const struct xdhcp_config *cfg,
			    const struct iface_info *infos, const struct server *old)
{
	/* The lowest free slot is at most n_old + n: larger ones need no mark. */
	unsigned int n_old = old ? old->n_ifaces : 0, n_used = n_old + cfg->n_ifaces + 1;
	uint32_t next = 1;
	bool *used;
	int r = 0;

	srv->ifaces = calloc(cfg->n_ifaces, sizeof(*srv->ifaces));
	used = calloc(n_used, sizeof(*used));
	if (!srv->ifaces || !used) {
		free(used);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n_old; i++)
		if (old->ifaces[i].slot < n_used)
			used[old->ifaces[i].slot] = true;
	for (unsigned int i = 0; i < cfg->n_ifaces && !r; i++) {
		struct server_iface *s = &srv->ifaces[i];
		struct server_subnet *sn = &srv->subnets[cfg->iface_subnet[i]];

		s->ifindex = infos[i].ifindex;
		snprintf(s->name, sizeof(s->name), "%s", cfg->ifnames[i]);
		memcpy(s->mac, infos[i].mac, 6);
		s->server_id = sn->cfg->server_id ? sn->cfg->server_id : infos[i].addr;
		s->slot = pick_slot(old, s->name, used, &next);
		s->subnet = sn;
		srv->n_ifaces = i + 1;
		if (sn->pool && pool_exclude(sn->pool, s->server_id))
			r = -ENOMEM;
	}
	free(used);
	return r;
}

/* CLOCK_BOOTTIME - CLOCK_MONOTONIC: the fast path's clock offset (see
 * struct xdhcp_iface).  It changes when the host resumes from suspend. */
static uint64_t clock_offset_now(void)
{
	struct timespec b, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((uint64_t)b.tv_sec - (uint64_t)m.tv_sec) * NS_PER_S + (uint64_t)b.tv_nsec -
	       (uint64_t)m.tv_nsec;
}

static int publish_interfaces(struct daemon *d)
{
	layout_renewed(d);
	d->clock_offset_ns = clock_offset_now();
	for (unsigned int i = 0; i < d->srv.n_ifaces; i++) {
		struct server_iface *s = &d->srv.ifaces[i];
		struct xdhcp_iface v;
		struct xdhcp_tmpl t;
		int r;

		r = server_build_template(&d->srv, s, NULL, &t);
		if (r) {
			pr_warn("reply options for '%s' exceed %d bytes: renewals will be punted",
				s->name, XDHCP_TMPL_MAX);
			memset(&t, 0, sizeof(t));
		}
		r = loader_tmpl_put(&d->ld, s->slot, &t);
		if (r)
			return r;
		memset(&v, 0, sizeof(v));
		v.server_ip = s->server_id;
		v.mask = s->subnet->netmask;
		v.net = s->subnet->subnet;
		v.pool = s->subnet->index;
		v.slot = s->slot;
		v.punt_interval_ns = d->cfg.punt_rate ? (uint32_t)(NS_PER_S / d->cfg.punt_rate) : 0;
		v.punt_burst = d->cfg.punt_burst;
		v.renew_base = s->subnet->renew_base;
		v.clock_offset_ns = d->clock_offset_ns;
		v.flags = d->cfg.no_fastpath || t.len == 0 ? 0 : XDHCP_IF_FASTPATH;
		/* A tap without the server id's address: nobody else answers
		 * ARP for it, and unicast renewals need it. */
		if (d->infos[i].addr != s->server_id)
			v.flags |= XDHCP_IF_ARP;
		memcpy(v.mac, s->mac, 6);
		r = loader_iface_put(&d->ld, s->ifindex, &v);
		if (r)
			return r;
	}
	return 0;
}

/* On the tick: after a resume from suspend, CLOCK_BOOTTIME jumped ahead
 * of the monotonic clock the fast path reads; tell it (a millisecond of
 * drift is noise: the fast path's expiries carry XDHCP_COARSE_SLACK_NS). */
static void publish_clock(struct daemon *d)
{
	uint64_t off = clock_offset_now();
	int r;

	if (off - d->clock_offset_ns < NS_PER_S / 1000 ||
	    d->clock_offset_ns - off < NS_PER_S / 1000)
		return;
	pr_info("CLOCK_BOOTTIME - CLOCK_MONOTONIC moved by %" PRId64 " ms (a resume): updating "
		"the fast path's clock",
		((int64_t)off - (int64_t)d->clock_offset_ns) / (int64_t)(NS_PER_S / 1000));
	r = publish_interfaces(d);
	if (r)
		pr_warn("cannot write interface configuration to the maps: %s", strerror(-r));
}

static int setup_loop(struct daemon *d)
{
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0 || d->pkt_fd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	d->rb = ring_buffer__new(d->ld.events_fd, on_ring_event, d, NULL);
	if (!d->rb)
		return -errno;
	if (add_epoll(d->epfd, d->sigfd) || add_epoll(d->epfd, d->timerfd) ||
	    add_epoll(d->epfd, ring_buffer__epoll_fd(d->rb)))
		return -errno;
	{
		char path[CFG_PATH_MAX + 16], err[512];

		if (d->cfg.control_socket[0])
			snprintf(path, sizeof(path), "%s", d->cfg.control_socket);
		else
			snprintf(path, sizeof(path), "%s/control.sock", d->cfg.run_dir);
		d->control = control_open(path, ctl_handle, d, err, sizeof(err));
		if (!d->control || add_epoll(d->epfd, control_fd(d->control))) {
			pr_warn("%s", d->control ? "cannot watch the control socket" : err);
			return -EIO;
		}
	}
	if (d->cfg.metrics[0]) {
		char err[512];

		d->metrics = metrics_open(d->cfg.metrics, ctl_metrics, d, err, sizeof(err));
		if (!d->metrics || add_epoll(d->epfd, metrics_fd(d->metrics))) {
			pr_warn("%s", d->metrics ? "cannot watch the metrics socket" : err);
			return -EIO;
		}
	}
	if (d->cfg.event_script[0]) {
		d->events = events_new(d->cfg.event_script, d->cfg.event_timeout);
		if (!d->events || add_epoll(d->epfd, events_fd(d->events)))
			return -errno;
	}
	if (d->cfg.conflict_check) {
		int r;

		d->probes = calloc(1, sizeof(*d->probes));
		if (!d->probes)
			return -ENOMEM;
		r = probe_open(d->probes);
		if (r)
			return r;
		if (add_epoll(d->epfd, d->probes->fd))
			return -errno;
	}
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && log_get_level() < LOG_LVL_TRACE)
		return 0;
	if (level == LIBBPF_INFO && log_get_level() < LOG_LVL_DEBUG)
		return 0;
	fputs("xdhcpd: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* ------------------------------------------------------------------ */
/* SIGHUP: reload the configuration */

static bool has_iface(const struct xdhcp_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifnames[i], name))
			return true;
	return false;
}

/* Settings that only a restart can change keep their running values. */
static void keep_fixed_settings(const struct xdhcp_config *old, struct xdhcp_config *nc)
{
	if (strcmp(old->lease_file, nc->lease_file) || strcmp(old->pin_dir, nc->pin_dir) ||
	    strcmp(old->run_dir, nc->run_dir) || old->xdp_mode != nc->xdp_mode ||
	    old->conflict_check != nc->conflict_check ||
	    strcmp(old->event_script, nc->event_script) || old->event_timeout != nc->event_timeout)
		pr_warn("reload: lease-file, pin-dir, run-dir, xdp-mode, conflict-check and "
			"event-script change only on restart; keeping the running values");
	memcpy(nc->event_script, old->event_script, sizeof(nc->event_script));
	memcpy(nc->control_socket, old->control_socket, sizeof(nc->control_socket));
	memcpy(nc->user, old->user, sizeof(nc->user));
	memcpy(nc->metrics, old->metrics, sizeof(nc->metrics));
	nc->event_timeout = old->event_timeout;
	memcpy(nc->lease_file, old->lease_file, sizeof(nc->lease_file));
	memcpy(nc->pin_dir, old->pin_dir, sizeof(nc->pin_dir));
	memcpy(nc->run_dir, old->run_dir, sizeof(nc->run_dir));
	nc->xdp_mode = old->xdp_mode;
	nc->conflict_check = old->conflict_check;
}

/* Carry every lease of the running pools into the new server's: bound and
 * remembered leases and quarantines, each into the subnet that holds its
 * address, as they stand (outside a shrunk range or at an address reserved
 * since, they live on until they end).  Offers are dropped: clients repeat
 * a DISCOVER.  Returns the number of bound leases that no subnet holds any
 * more. */
static unsigned int migrate_leases(struct server *old, struct server *ns)
{
	unsigned int orphans = 0;
	char a[INET_ADDRSTRLEN];

	for (unsigned int i = 0; i < old->n_subnets; i++) {
		struct pool *op = old->subnets[i].pool;
		struct lease *l, *nl;
		uint32_t it = 0;

		if (!op)
			continue;
		while ((l = pool_each(op, &it))) {
			struct server_subnet *sn = server_subnet_of(ns, l->addr);
			struct xdhcp_lease_key key = l->key;

			if (l->state == LEASE_OFFERED ||
			    (l->state == LEASE_DECLINED && !l->key.kind &&
			     l->expires_ns == UINT64_MAX))
				continue; /* offers; exclusions are made anew */
			if (!sn) {
				if (l->state == LEASE_BOUND) {
					orphans++;
					pr_warn("reload: lease of %s is in no configured subnet any "
						"more: forgotten",
						inet_ntop(AF_INET, &l->addr, a, sizeof(a)));
				}
				continue;
			}
			key.pool = sn->index;
			if (pool_adopt(sn->pool, l->key.kind ? &key : NULL, l->addr, l->state,
				       l->expires_ns, l->lease_time, &nl))
				continue;
			nl->ifindex = l->ifindex;
			nl->ended_ns = l->ended_ns;
			nl->probed = l->probed;
			memcpy(nl->hostname, l->hostname, sizeof(nl->hostname));
			if (!server_iface_find(ns, nl->ifindex)) {
				for (unsigned int k = 0; k < ns->n_ifaces; k++)
					if (ns->ifaces[k].subnet == sn)
						nl->ifindex = ns->ifaces[k].ifindex;
			}
		}
	}
	return orphans;
}

/* Rewrite the lease map from the pools: entries first, then drop those no
 * bound lease has any more (subnet indexes and templates may have moved). */
static void rewrite_lease_map(struct daemon *d)
{
	struct xdhcp_lease_key key, next, *prev = NULL;
	struct lease *l;

	for (unsigned int i = 0; i < d->srv.n_subnets; i++) {
		uint32_t it = 0;

		if (!d->srv.subnets[i].pool)
			continue;
		while ((l = pool_each(d->srv.subnets[i].pool, &it))) {
			if (l->state != LEASE_BOUND)
				continue;
			/* A renewal answered in XDP since the last collect
			 * (the reload took a while) is in the entry about to
			 * be overwritten: take it first. */
			(void)adopt_fast_renewal(d, l);
			map_put(d, l);
		}
	}
	while (bpf_map_get_next_key(d->ld.leases_fd, prev, &next) == 0) {
		struct pool *p = pool_of_key(d, &next);

		l = p ? pool_find_key(p, &next) : NULL;
		if (!l || l->state != LEASE_BOUND || !server_key_in_fastpath(&l->key)) {
			/* Deleted: go on from the same predecessor. */
			(void)loader_lease_del(&d->ld, &next);
			continue;
		}
		key = next;
		prev = &key;
	}
}

/*
 * SIGHUP: read the command line and config files again.  A configuration
 * that does not parse, validate or attach is rejected with its error and
 * the running one carries on.  Otherwise interfaces are added and removed,
 * reply options and templates rewritten, and leases carried over.
 */
int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct xdhcp_config nc;
	struct server ns, old;
	struct iface_info *infos = NULL;
	int *locks = NULL;
	unsigned int orphans, added = 0, removed = 0;
	bool ok = false;
	int r;

	if (config_init(&nc)) {
		snprintf(err, errlen, "out of memory");
		pr_warn("reload: out of memory; keeping the running configuration");
		return -ENOMEM;
	}
	memset(&ns, 0, sizeof(ns));
	r = config_parse_args(&nc, d->argc, d->argv, err, errlen);
	if (r) {
		if (r == 1)
			snprintf(err, errlen, "--help on the command line");
		goto out;
	}
	keep_fixed_settings(&d->cfg, &nc);
	infos = calloc(CFG_MAX_IFACES, sizeof(*infos));
	locks = malloc(CFG_MAX_IFACES * sizeof(*locks));
	/* Before any goto out: the rejection path closes locks[i] >= 0. */
	for (unsigned int i = 0; locks && i < CFG_MAX_IFACES; i++)
		locks[i] = -1;
	if (!infos || !locks) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (resolve_config(&nc, d->overlay, infos, err, errlen) ||
	    server_init(&ns, &nc, err, errlen))
		goto out;
	if (setup_interfaces(&ns, &nc, infos, &d->srv)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* Locks: the running ones move over, new interfaces take theirs. */
	for (unsigned int i = 0; i < nc.n_ifaces; i++) {
		for (unsigned int k = 0; k < d->cfg.n_ifaces; k++) {
			if (!strcmp(d->cfg.ifnames[k], nc.ifnames[i])) {
				locks[i] = d->lock_fds[k];
				break;
			}
		}
		if (locks[i] < 0) {
			locks[i] = lock_iface(&nc, nc.ifnames[i], err, errlen);
			if (locks[i] < 0)
				goto out;
		}
	}
	/* New interfaces get the program; a failure undoes the additions. */
	for (unsigned int i = 0; i < nc.n_ifaces; i++) {
		if (has_iface(&d->cfg, nc.ifnames[i]))
			continue;
		r = loader_add_iface(&d->ld, infos[i].ifindex, nc.ifnames[i], nc.xdp_mode, err,
				     sizeof(err));
		if (r) {
			for (unsigned int k = 0; k < i; k++)
				if (!has_iface(&d->cfg, nc.ifnames[k]))
					loader_remove_iface(&d->ld, infos[k].ifindex);
			goto out;
		}
		added++;
	}
	ok = true;
	orphans = migrate_leases(&d->srv, &ns);
	for (unsigned int k = 0; k < d->cfg.n_ifaces; k++) {
		if (has_iface(&nc, d->cfg.ifnames[k]))
			continue;
		loader_remove_iface(&d->ld, d->infos[k].ifindex);
		close(d->lock_fds[k]);
		removed++;
	}
	/* Switch.  The new server points into nc's heap data, which moves
	 * into d->cfg unchanged; only the top-level pointer needs fixing. */
	old = d->srv;
	ns.ops = old.ops;
	ns.ops_ctx = old.ops_ctx;
	ns.stats = old.stats;
	config_free(&d->cfg);
	d->cfg = nc;
	memset(&nc, 0, sizeof(nc));
	ns.cfg = &d->cfg;
	d->srv = ns;
	memset(&ns, 0, sizeof(ns));
	memcpy(d->infos, infos, CFG_MAX_IFACES * sizeof(*infos));
	memcpy(d->lock_fds, locks, CFG_MAX_IFACES * sizeof(*locks));
	server_fini(&old);
	free(old.ifaces);
	r = publish_interfaces(d);
	if (r)
		pr_warn("reload: cannot write interface configuration to the maps: %s",
			strerror(-r));
	rewrite_lease_map(d);
	(void)compact_store(d);
	pr_info("reloaded: %u interface(s) (%u added, %u removed), %u subnet(s)%s", d->cfg.n_ifaces,
		added, removed, d->cfg.n_subnets, orphans ? "; some leases left every subnet" : "");
out:
	if (!ok) {
		pr_warn("reload rejected: %s; the running configuration stays", err);
		for (unsigned int i = 0; locks && i < nc.n_ifaces; i++)
			if (locks[i] >= 0 && !has_iface(&d->cfg, nc.ifnames[i]))
				close(locks[i]);
	}
	server_fini(&ns);
	free(ns.ifaces);
	config_free(&nc);
	free(infos);
	free(locks);
	return ok ? 0 : -EINVAL;
}

static void daemon_fini(struct daemon *d)
{
	if (d->store) {
		send_pending(d);
		d->store_be->close(d->store);
	}
	control_close(d->control);
	metrics_close(d->metrics);
	events_free(d->events);
	overlay_free(d->overlay);
	ring_buffer__free(d->rb);
	if (d->renewed)
		(void)munmap(d->renewed, (size_t)d->renewed_words * 8);
	if (d->probes) {
		probe_close(d->probes);
		free(d->probes);
	}
	loader_close(&d->ld, d->cfg.detach_on_exit);
	server_fini(&d->srv);
	free(d->srv.ifaces);
	free(d->pending);
	free(d->infos);
	free(d->ifindexes);
	free(d->ifnames);
	for (unsigned int i = 0; d->lock_fds && i < CFG_MAX_IFACES; i++)
		if (d->lock_fds[i] >= 0)
			close(d->lock_fds[i]);
	free(d->lock_fds);
	config_free(&d->cfg);
	int fds[] = {d->sigfd, d->timerfd, d->pkt_fd, d->epfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The set-up is done: keep only what the loop needs (privs.h).  The
 * paths handed to --user are those the loop writes: the lease file and
 * its directory (compaction), the run directory (locks of interfaces added
 * by a reload) and the pin directory (their links). */
static int drop_privileges(struct daemon *d)
{
	char dir[CFG_PATH_MAX], err[512];
	char sock[CFG_PATH_MAX + 16];
	const char *paths[6];
	char *slash;
	int r;

	snprintf(dir, sizeof(dir), "%s", d->cfg.lease_file);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	paths[0] = d->cfg.lease_file;
	paths[1] = slash ? dir : ".";
	paths[2] = d->cfg.run_dir;
	paths[3] = d->cfg.pin_dir;
	if (d->cfg.control_socket[0])
		snprintf(sock, sizeof(sock), "%s", d->cfg.control_socket);
	else
		snprintf(sock, sizeof(sock), "%s/control.sock", d->cfg.run_dir);
	paths[4] = sock;
	paths[5] = NULL;
	r = privs_drop(d->cfg.user[0] ? d->cfg.user : NULL, paths, 5, err, sizeof(err));
	if (r) {
		fprintf(stderr, "xdhcpd: refusing to serve with more privilege than needed: %s\n",
			err);
		return r == -ENOENT || r == -EINVAL ? EXIT_USAGE : 1;
	}
	pr_info("running%s%s with CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF only",
		d->cfg.user[0] ? " as " : "", d->cfg.user);
	return 0;
}

/* loader_open() as a thread of its own (see daemon_start). */
struct loader_job {
	struct daemon *d;
	int r;
	uint64_t ns; /* how long loader_open() took */
	char err[1024];
};

static void *open_loader(void *arg)
{
	struct loader_job *job = arg;
	struct daemon *d = job->d;
	uint64_t t0 = now_boot();

	job->r = loader_open(&d->ld, &d->cfg, d->ifindexes, (const char(*)[16])d->ifnames,
			     d->cfg.n_ifaces, job->err, sizeof(job->err));
	job->ns = now_boot() - t0;
	return NULL;
}

/* Everything before the loop; returns an exit status (0: run the loop). */
static int daemon_start(struct daemon *d)
{
	struct loader_job ljob;
	struct restore_ctx rctx;
	struct map_fill fill;
	uint64_t t_file, t_after;
	char err[1024];
	bool lthread;
	pthread_t lth;
	int r;

	d->lock_fds = malloc(CFG_MAX_IFACES * sizeof(*d->lock_fds));
	for (unsigned int i = 0; d->lock_fds && i < CFG_MAX_IFACES; i++)
		d->lock_fds[i] = -1;
	d->infos = calloc(CFG_MAX_IFACES, sizeof(*d->infos));
	d->ifindexes = calloc(CFG_MAX_IFACES, sizeof(*d->ifindexes));
	d->ifnames = calloc(CFG_MAX_IFACES, sizeof(*d->ifnames));
	d->pending = calloc(BATCH_REPLIES, sizeof(*d->pending));
	if (!d->lock_fds || !d->infos || !d->ifindexes || !d->ifnames || !d->pending)
		die_usage("out of memory");
	d->overlay = overlay_load(d->cfg.lease_file);
	if (!d->overlay)
		die_usage("out of memory");
	if (!d->cfg.n_ifaces && !d->overlay)
		die_usage("no --interface given (see --help)");
	if (resolve_config(&d->cfg, d->overlay, d->infos, err, sizeof(err)))
		die_usage(err);
	if (!has_privilege())
		die_usage("missing privilege: run as root (needs CAP_BPF, CAP_NET_ADMIN, "
			  "CAP_NET_RAW)");
	if (d->cfg.user[0] && !getpwnam(d->cfg.user)) {
		snprintf(err, sizeof(err), "user: no such user '%s'", d->cfg.user);
		die_usage(err);
	}
	for (unsigned int i = 0; i < d->cfg.n_ifaces; i++) {
		d->lock_fds[i] = lock_iface(&d->cfg, d->cfg.ifnames[i], err, sizeof(err));
		if (d->lock_fds[i] == -EBUSY)
			die_usage(err);
		if (d->lock_fds[i] < 0) {
			fprintf(stderr, "xdhcpd: %s\n", err);
			return 1;
		}
		d->ifindexes[i] = d->infos[i].ifindex;
		snprintf(d->ifnames[i], 16, "%s", d->cfg.ifnames[i]);
	}

	if (server_init(&d->srv, &d->cfg, err, sizeof(err)))
		die_usage(err);
	d->srv.ops =
		(struct server_ops){on_lease_bound, on_lease_ended, on_template_put, on_lease_sync};
	d->srv.ops_ctx = d;
	if (setup_interfaces(&d->srv, &d->cfg, d->infos, NULL))
		die_usage("out of memory");

	d->store_be = &store_backend_file;
	r = d->store_be->open(d->cfg.lease_file, &d->store);
	if (r) {
		fprintf(stderr, "xdhcpd: cannot open lease file '%s': %s\n", d->cfg.lease_file,
			strerror(-r));
		return 1;
	}
	/* The BPF object loads (the verifier runs) on another CPU while
	 * the lease file is read: neither touches what the other does. */
	ljob.d = d;
	ljob.r = -EAGAIN;
	lthread = !pthread_create(&lth, NULL, open_loader, &ljob);
	rctx = (struct restore_ctx){.d = d, .offset_ns = realtime_offset_ns()};
	t_file = now_boot();
	r = d->store_be->load(d->store, restore_record, &rctx);
	d->startup.file_ns = now_boot() - t_file;
	if (lthread)
		(void)pthread_join(lth, NULL);
	t_after = now_boot();
	if (r < 0) {
		fprintf(stderr, "xdhcpd: cannot read lease file '%s': %s\n", d->cfg.lease_file,
			strerror(-r));
		return 1;
	}
	for (unsigned int i = 0; i < d->srv.n_subnets; i++)
		if (d->srv.subnets[i].pool)
			pool_sweep(d->srv.subnets[i].pool, now_boot(), NULL, NULL, NULL);

	if (!lthread)
		(void)open_loader(&ljob);
	d->startup.bpf_ns = ljob.ns;
	r = ljob.r;
	if (r) {
		fprintf(stderr, "xdhcpd: %s\n", ljob.err);
		return r == -EPERM || r == -EBUSY || r == -ENOSYS || r == -EINVAL ? EXIT_USAGE : 1;
	}
	map_renewed(d);
	r = publish_interfaces(d);
	if (r) {
		fprintf(stderr, "xdhcpd: cannot write interface configuration to the maps: %s\n",
			strerror(-r));
		return 1;
	}
	/* The map is filled on another CPU while the file is compacted. */
	reconcile_map(d, &fill);
	r = compact_store_at_start(d);
	map_fill_finish(&fill);
	if (r)
		return 1;
	r = setup_loop(d);
	if (!r)
		r = loader_attach_all(&d->ld, d->cfg.xdp_mode, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "cannot set up the event loop: %s", strerror(-r));
	if (r) {
		fprintf(stderr, "xdhcpd: %s\n", err);
		return 1;
	}
	/* A restart: the previous run's offers may still be answered. */
	if (d->ld.n_taken_over)
		d->srv.selecting_grace_until = now_boot() + d->srv.offer_ns;
	d->startup.after_ns = now_boot() - t_after;
	d->startup.total_ns = now_boot() - d->started_boot_ns;
	return drop_privileges(d);
}

int main(int argc, char **argv)
{
	static struct daemon d;
	char err[1024];
	int r;

	setvbuf(stderr, NULL, _IOLBF, 0);
	if (config_init(&d.cfg))
		die_usage("out of memory");
	r = config_parse_args(&d.cfg, argc, argv, err, sizeof(err));
	if (r == 1)
		return 0;
	if (r)
		die_usage(err);
	log_set_level(LOG_LVL_INFO + d.cfg.verbose);
	libbpf_set_print(libbpf_log);
	d.rl_store = d.rl_send = d.rl_bad_event = d.rl_probe =
		(struct log_ratelimit){.burst = 5, .interval_s = 10};
	d.sigfd = d.timerfd = d.pkt_fd = d.epfd = -1;
	loader_init(&d.ld); /* closed at the end even if start-up stops first */
	d.argc = argc;
	d.argv = argv;
	d.started_boot_ns = now_boot();

	if (d.cfg.detach_all) {
		/* An operator's clean-up: no interfaces, no pool. */
		r = loader_detach_all(d.cfg.pin_dir, err, sizeof(err));
		if (r)
			fprintf(stderr, "xdhcpd: %s\n", err);
		config_free(&d.cfg);
		return r == -EBUSY ? EXIT_USAGE : r ? 1 : 0;
	}
	r = daemon_start(&d);
	if (r == 0) {
		unsigned int bound = 0, size = 0;

		for (unsigned int i = 0; i < d.srv.n_subnets; i++) {
			if (d.srv.subnets[i].pool) {
				bound += d.srv.subnets[i].pool->n_bound;
				size += d.srv.subnets[i].pool->size;
			}
		}
		pr_info("ready: %u interface(s), %u leases restored, pool of %u addresses; "
			"start-up %.3f s (lease file %.3f s, BPF load %.3f s beside it, then "
			"%.3f s: map, compaction, attach)",
			d.cfg.n_ifaces, bound, size, (double)d.startup.total_ns / 1e9,
			(double)d.startup.file_ns / 1e9, (double)d.startup.bpf_ns / 1e9,
			(double)d.startup.after_ns / 1e9);
		r = run_loop(&d) ? 1 : 0;
		collect_renewals(&d);
		if (d.store)
			(void)compact_store(&d);
	}
	daemon_fini(&d);
	return r;
}
