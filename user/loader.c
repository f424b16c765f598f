/* SPDX-License-Identifier: MIT */
/*
 * Loading and attaching the XDP program; pinning and accessing its maps.
 *
 * Two ways in:
 *  - xdhcpd loads build/xdhcp.bpf.o through the skeleton, pins its maps
 *    under --pin-dir (reusing pins a previous run left) and attaches a
 *    bpf_link per interface;
 *  - an operator attached the object with `ip link set dev IF xdp obj
 *    xdhcp.bpf.o sec xdp`: xdhcpd finds the program on the interface by its
 *    name (xdp_dhcp_rx), opens that program's maps by id from its
 *    bpf_prog_info, pins them, and serves through them without reattaching.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath_abi.h"
#include "loader.h"
#include "log.h"
#include "xdhcp.skel.h"

#define BPFFS "/sys/fs/bpf"

static int set_err(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int loader_ensure_bpffs(char *err, size_t errlen)
{
	struct statfs sfs;

	if (statfs(BPFFS, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS, 0700) && errno != EEXIST)
		return set_err(err, errlen, -errno, "cannot create %s: %s", BPFFS, strerror(errno));
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return set_err(err, errlen, -errno, "cannot mount bpffs on %s: %s", BPFFS,
			       strerror(errno));
	pr_info("mounted bpffs on %s", BPFFS);
	return 0;
}

static const struct {
	const char *map;
	const char *pin;
} pins[] = {
	{XDHCP_MAP_LEASES, XDHCP_PIN_LEASES},	{XDHCP_MAP_IFACES, XDHCP_PIN_IFACES},
	{XDHCP_MAP_TMPL, XDHCP_PIN_TMPL},	{XDHCP_MAP_STATS, XDHCP_PIN_STATS},
	{XDHCP_MAP_EVENTS, XDHCP_PIN_EVENTS},	{XDHCP_MAP_RENEWED, XDHCP_PIN_RENEWED},
	{XDHCP_MAP_IFCACHE, XDHCP_PIN_IFCACHE},
};
#define N_PINS (sizeof(pins) / sizeof(pins[0]))

static int *map_fd_slot(struct loader *ld, const char *name)
{
	if (!strcmp(name, XDHCP_MAP_LEASES))
		return &ld->leases_fd;
	if (!strcmp(name, XDHCP_MAP_IFACES))
		return &ld->ifaces_fd;
	if (!strcmp(name, XDHCP_MAP_TMPL))
		return &ld->tmpl_fd;
	if (!strcmp(name, XDHCP_MAP_STATS))
		return &ld->stats_fd;
	if (!strcmp(name, XDHCP_MAP_EVENTS))
		return &ld->events_fd;
	if (!strcmp(name, XDHCP_MAP_RENEWED))
		return &ld->renewed_fd;
	if (!strcmp(name, XDHCP_MAP_IFCACHE))
		return &ld->ifcache_fd;
	return NULL;
}

/*
 * The XDP program attached to ifindex (0 if none) and its attach mode, from
 * one RTM_GETLINK for that index.  bpf_xdp_query() dumps every link of the
 * namespace and picks one: with a thousand taps, attaching them all spent
 * seconds in those dumps.  Returns 0 or a negative errno.
 */
static int xdp_query(uint32_t ifindex, uint32_t *ret_prog_id, uint32_t *ret_mode)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	const struct nlmsghdr *nh;
	const struct rtattr *rta;
	char *buf = NULL;
	ssize_t n;
	int fd, r = -EIO, len;
	char peek;

	*ret_prog_id = 0;
	if (ret_mode)
		*ret_mode = XDP_ATTACHED_NONE;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)ifindex;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		r = -errno;
		goto out;
	}
	/* The reply's size depends on the device (VF details can be long). */
	n = recv(fd, &peek, sizeof(peek), MSG_PEEK | MSG_TRUNC); /* the whole length */
	if (n < 0) {
		r = -errno;
		goto out;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	n = recv(fd, buf, (size_t)n + 1, 0);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	nh = (const struct nlmsghdr *)buf;
	if (n < (ssize_t)sizeof(*nh) || nh->nlmsg_len > (size_t)n ||
	    nh->nlmsg_seq != req.nh.nlmsg_seq)
		goto out;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error)
			r = e->error;
		goto out;
	}
	if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(req.ifi)))
		goto out;
	r = 0;
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		const struct rtattr *x;
		int xlen;

		if ((rta->rta_type & NLA_TYPE_MASK) != IFLA_XDP)
			continue;
		xlen = (int)RTA_PAYLOAD(rta);
		for (x = RTA_DATA(rta); RTA_OK(x, xlen); x = RTA_NEXT(x, xlen)) {
			if (x->rta_type == IFLA_XDP_ATTACHED && RTA_PAYLOAD(x) >= 1 && ret_mode)
				*ret_mode = *(const uint8_t *)RTA_DATA(x);
			else if (x->rta_type == IFLA_XDP_PROG_ID && RTA_PAYLOAD(x) >= 4)
				memcpy(ret_prog_id, RTA_DATA(x), sizeof(*ret_prog_id));
		}
	}
out:
	free(buf);
	close(fd);
	return r;
}

/* The XDP bpf_links of the system, read once for a start: looking one up
 * per interface walked every link id each time. */
struct xdp_link_ent {
	uint32_t ifindex, prog_id, id;
};

struct xdp_links {
	struct xdp_link_ent *v;
	unsigned int n;
	bool loaded;
};

static int cmp_xdp_link(const void *a, const void *b)
{
	const struct xdp_link_ent *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->prog_id != y->prog_id)
		return x->prog_id < y->prog_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int load_xdp_links(struct xdp_links *l)
{
	unsigned int cap = 0;
	uint32_t id = 0;

	l->loaded = true;
	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP) {
			close(fd);
			continue;
		}
		close(fd);
		if (l->n == cap) {
			struct xdp_link_ent *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(l->v, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			l->v = grown;
		}
		l->v[l->n++] = (struct xdp_link_ent){info.xdp.ifindex, info.prog_id, id};
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_xdp_link);
	return 0;
}

/* A bpf_link attaching prog_id to ifindex belongs to a running daemon
 * (`ip link` attaches through netlink, without a link).  Link info carries
 * no namespace, so the program id disambiguates equal ifindexes.  The
 * lowest such link id, 0 if none. */
static uint32_t find_xdp_link(const struct xdp_links *l, uint32_t ifindex, uint32_t prog_id)
{
	const struct xdp_link_ent key = {ifindex, prog_id, 0};
	unsigned int lo = 0, hi = l->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (cmp_xdp_link(&l->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->n && l->v[lo].ifindex == ifindex && l->v[lo].prog_id == prog_id)
		return l->v[lo].id;
	return 0;
}

/* The program attached to ifindex, if it is ours (by name); 0 if none. */
static int query_prog(uint32_t ifindex, const char *ifname, uint32_t own_link,
		      struct xdp_links *links, uint32_t *ret_id, char *err, size_t errlen)
{
	uint32_t link;
	struct bpf_prog_info info;
	uint32_t id = 0, len = sizeof(info);
	int fd, r;

	r = xdp_query(ifindex, &id, NULL);
	if (r)
		return set_err(err, errlen, r, "cannot query XDP on '%s': %s", ifname,
			       strerror(-r));
	*ret_id = id;
	if (!id)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return set_err(err, errlen, -errno, "cannot open XDP program %u on '%s': %s", id,
			       ifname, strerror(errno));
	memset(&info, 0, sizeof(info));
	r = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (r)
		return set_err(err, errlen, -errno, "cannot inspect XDP program %u on '%s'", id,
			       ifname);
	if (strcmp(info.name, XDHCP_PROG_NAME))
		return set_err(err, errlen, -EBUSY,
			       "interface '%s' already has XDP program '%s' (id %u); remove it "
			       "first (ip link set dev %s xdp off)",
			       ifname, info.name, id, ifname);
	if (!links->loaded && load_xdp_links(links))
		return set_err(err, errlen, -ENOMEM, "out of memory");
	link = find_xdp_link(links, ifindex, id);
	if (link && link != own_link)
		return set_err(err, errlen, -EBUSY,
			       "interface '%s' is already served by another xdhcpd (XDP link "
			       "on program %u)",
			       ifname, id);
	return 0;
}

static void link_pin_path(const struct loader *ld, const char *ifname, char *out, size_t cap)
{
	snprintf(out, cap, "%s/link-%s", ld->pin_dir, ifname);
}

/*
 * The link a previous run of the daemon pinned for ifname, if it still
 * attaches XDP to ifindex: its fd (and ids), or -1.  A stale pin (the
 * device went away, or was recreated with another index) is removed.
 */
static int open_pinned_link(const struct loader *ld, const char *ifname, uint32_t ifindex,
			    uint32_t *ret_link_id)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);
	char path[4200];
	int fd;

	link_pin_path(ld, ifname, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP ||
	    info.xdp.ifindex != ifindex) {
		close(fd);
		(void)unlink(path);
		return -1;
	}
	*ret_link_id = info.id;
	return fd;
}

/* Open the maps of program id by name (the adopt path). */
static int adopt_program(struct loader *ld, uint32_t id, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	uint32_t map_ids[16], len = sizeof(info);
	int r;

	ld->prog_fd = bpf_prog_get_fd_by_id(id);
	if (ld->prog_fd < 0)
		return set_err(err, errlen, -errno, "cannot open XDP program %u: %s", id,
			       strerror(errno));
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (uint64_t)(unsigned long)map_ids;
	r = bpf_obj_get_info_by_fd(ld->prog_fd, &info, &len);
	if (r)
		return set_err(err, errlen, -errno, "cannot inspect XDP program %u", id);
	for (uint32_t i = 0; i < info.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi;
		uint32_t mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(map_ids[i]), *slot;

		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) || !(slot = map_fd_slot(ld, mi.name)) ||
		    *slot >= 0) {
			close(fd);
			continue;
		}
		*slot = fd;
	}
	for (size_t i = 0; i < N_PINS; i++)
		if (*map_fd_slot(ld, pins[i].map) < 0)
			return set_err(
				err, errlen, -ENOENT,
				"XDP program %u has no map '%s': not an xdhcp object of this "
				"version",
				id, pins[i].map);
	ld->adopted = true;
	return 0;
}

/* Pins of earlier versions, removed with ours: "renews" was the renewal
 * ring before xdhcp_renewed. */
static const char *const retired_pins[] = {"renews"};

static void unpin_all(struct loader *ld)
{
	char path[4200];

	for (size_t i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", ld->pin_dir, pins[i].pin);
		(void)unlink(path);
	}
	for (size_t i = 0; i < sizeof(retired_pins) / sizeof(retired_pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", ld->pin_dir, retired_pins[i]);
		(void)unlink(path);
	}
	(void)rmdir(ld->pin_dir);
}

/* Pin the adopted maps under our pin directory (replacing stale pins). */
static int pin_adopted(struct loader *ld, char *err, size_t errlen)
{
	char path[4200];

	for (size_t i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", ld->pin_dir, pins[i].pin);
		(void)unlink(path);
		if (bpf_obj_pin(*map_fd_slot(ld, pins[i].map), path))
			return set_err(err, errlen, -errno, "cannot pin map at '%s': %s", path,
				       strerror(errno));
	}
	ld->pinned = true;
	return 0;
}

static int load_skeleton(struct loader *ld, char *err, size_t errlen)
{
	struct bpf_map *map;
	char path[4200];
	int r;

	ld->skel = xdhcp__open();
	if (!ld->skel)
		return set_err(err, errlen, -errno, "cannot open the BPF object: %s",
			       strerror(errno));
	bpf_object__for_each_map(map, ld->skel->obj) {
		for (size_t i = 0; i < N_PINS; i++) {
			if (strcmp(bpf_map__name(map), pins[i].map))
				continue;
			snprintf(path, sizeof(path), "%s/%s", ld->pin_dir, pins[i].pin);
			/* libbpf reuses a pinned map: a new cache needs no
			 * grace period before its first update. */
			if (!strcmp(pins[i].map, XDHCP_MAP_IFCACHE))
				ld->ifcache_fresh = access(path, F_OK) != 0 && errno == ENOENT;
			r = bpf_map__set_pin_path(map, path);
			if (r)
				return set_err(err, errlen, r, "cannot set pin path '%s'", path);
		}
	}
	r = xdhcp__load(ld->skel);
	if (r) {
		if (r == -EPERM)
			return set_err(err, errlen, r,
				       "missing privilege to load BPF (run as root, or with "
				       "CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)");
		if (r == -EACCES)
			return set_err(err, errlen, r,
				       "the kernel verifier rejected the XDP program (its log is "
				       "above)");
		return set_err(err, errlen, r,
			       "cannot load the XDP program: %s (maps pinned in '%s' by an "
			       "incompatible build? xdhcpd removes its pins at exit; remove "
			       "stale ones with: rm -r %s)",
			       strerror(-r), ld->pin_dir, ld->pin_dir);
	}
	ld->pinned = true;
	ld->prog_fd = bpf_program__fd(ld->skel->progs.xdp_dhcp_rx);
	bpf_object__for_each_map(map, ld->skel->obj) {
		int *slot = map_fd_slot(ld, bpf_map__name(map));

		if (slot)
			*slot = bpf_map__fd(map);
	}
	return 0;
}

static int lock_pin_dir(struct loader *ld, char *err, size_t errlen)
{
	if (mkdir(ld->pin_dir, 0700) && errno != EEXIST)
		return set_err(err, errlen, -errno, "cannot create pin directory '%s': %s",
			       ld->pin_dir, strerror(errno));
	ld->pin_lock_fd = open(ld->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld->pin_lock_fd < 0)
		return set_err(err, errlen, -errno, "cannot open pin directory '%s': %s",
			       ld->pin_dir, strerror(errno));
	if (flock(ld->pin_lock_fd, LOCK_EX | LOCK_NB))
		return set_err(err, errlen, -EBUSY,
			       "another xdhcpd is running with pin directory '%s'", ld->pin_dir);
	return 0;
}

void loader_init(struct loader *ld)
{
	memset(ld, 0, sizeof(*ld));
	ld->prog_fd = ld->leases_fd = ld->ifaces_fd = ld->tmpl_fd = -1;
	ld->stats_fd = ld->events_fd = ld->renewed_fd = ld->ifcache_fd = ld->pin_lock_fd = -1;
	ifcache_init(&ld->ifc);
}

int loader_open(struct loader *ld, const struct xdhcp_config *cfg, const uint32_t *ifindexes,
		const char (*ifnames)[16], unsigned int n, char *err, size_t errlen)
{
	struct xdp_links links = {NULL, 0, false};
	uint32_t adopt_id = 0;
	unsigned int n_links = 0;
	int r;

	loader_init(ld);
	snprintf(ld->pin_dir, sizeof(ld->pin_dir), "%s", cfg->pin_dir);
	ld->ifs = calloc(n, sizeof(*ld->ifs));
	if (!ld->ifs)
		return set_err(err, errlen, -ENOMEM, "out of memory");
	ld->n_ifs = n;
	for (unsigned int i = 0; i < n; i++) {
		ld->ifs[i].ifindex = ifindexes[i];
		ld->ifs[i].link_fd = -1;
		snprintf(ld->ifs[i].name, sizeof(ld->ifs[i].name), "%s", ifnames[i]);
	}

	r = loader_ensure_bpffs(err, errlen);
	if (r)
		return r;
	r = lock_pin_dir(ld, err, errlen);
	if (r)
		return r;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t id = 0, link_id = 0;

		/* A link pinned by a previous run: the program keeps running
		 * on it; the new program replaces it atomically at attach. */
		ld->ifs[i].link_fd = open_pinned_link(ld, ifnames[i], ifindexes[i], &link_id);
		if (ld->ifs[i].link_fd >= 0)
			n_links++;
		r = query_prog(ifindexes[i], ifnames[i], link_id, &links, &id, err, errlen);
		if (r)
			break;
		if (!id || ld->ifs[i].link_fd >= 0)
			continue;
		if (adopt_id && adopt_id != id) {
			r = set_err(err, errlen, -EBUSY,
				    "interfaces run different xdhcp program instances (ids %u "
				    "and %u); attach one instance everywhere or let xdhcpd "
				    "attach",
				    adopt_id, id);
			break;
		}
		adopt_id = id;
	}
	free(links.v);
	if (r)
		return r;
	if (adopt_id && n_links)
		return set_err(
			err, errlen, -EBUSY,
			"some interfaces run a program attached with ip link (id %u), others "
			"xdhcpd's own: detach one kind (xdhcpd --detach-all, or ip link set "
			"dev IF xdp off)",
			adopt_id);
	if (adopt_id) {
		r = adopt_program(ld, adopt_id, err, errlen);
		if (!r)
			r = pin_adopted(ld, err, errlen);
		if (!r)
			pr_info("serving through XDP program %u attached by another loader",
				adopt_id);
	} else {
		r = load_skeleton(ld, err, errlen);
	}
	if (!r) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(ld->prog_fd, &info, &len))
			return set_err(err, errlen, -errno, "cannot inspect the XDP program");
		ld->prog_id = info.id;
		r = ifcache_open(&ld->ifc, ld->ifcache_fd, ld->ifcache_fresh);
		if (r == -ESTALE)
			return set_err(
				err, errlen, r,
				"cannot map the interface cache pinned in '%s' by an earlier "
				"run (it would keep serving its stale entries): remove the "
				"pins with xdhcpd --detach-all",
				ld->pin_dir);
		if (r)
			pr_warn("no interface cache (%s): the fast path looks interfaces up in "
				"%s, a little slower",
				strerror(-r), XDHCP_MAP_IFACES);
		r = 0;
	}
	return r;
}

int loader_detach_all(const char *pin_dir, char *err, size_t errlen)
{
	struct loader ld;
	char path[4200];
	struct dirent *de;
	DIR *dir;
	int r, n = 0;

	memset(&ld, 0, sizeof(ld));
	snprintf(ld.pin_dir, sizeof(ld.pin_dir), "%s", pin_dir);
	ld.pin_lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld.pin_lock_fd < 0) {
		if (errno == ENOENT)
			return 0; /* nothing pinned */
		return set_err(err, errlen, -errno, "cannot open pin directory '%s': %s", pin_dir,
			       strerror(errno));
	}
	if (flock(ld.pin_lock_fd, LOCK_EX | LOCK_NB)) {
		close(ld.pin_lock_fd);
		return set_err(err, errlen, -EBUSY,
			       "an xdhcpd is running with pin directory '%s': stop it first",
			       pin_dir);
	}
	dir = opendir(pin_dir);
	r = dir ? 0 : -errno;
	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, "link-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		if (unlink(path) == 0) {
			pr_info("detached XDP from '%s'", de->d_name + 5);
			n++;
		}
	}
	if (dir)
		closedir(dir);
	unpin_all(&ld);
	close(ld.pin_lock_fd);
	if (r)
		return set_err(err, errlen, r, "cannot read pin directory '%s'", pin_dir);
	pr_info("removed %d link(s) and the maps pinned in '%s'", n, pin_dir);
	return 0;
}

const char *loader_mode_name(uint32_t mode)
{
	switch (mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	}
	return "none";
}

static int attach_one(struct loader *ld, struct loader_iface *li, enum cfg_xdp_mode mode, char *err,
		      size_t errlen)
{
	char path[4200];
	uint32_t id = 0;
	int fd = -1;

	if (li->link_fd >= 0) {
		/* Our pinned link: swap the program in place, no gap. */
		if (bpf_link_update(li->link_fd, ld->prog_fd, NULL))
			return set_err(err, errlen, -errno,
				       "cannot replace the XDP program on '%s': %s", li->name,
				       strerror(errno));
		ld->n_taken_over++;
		pr_info("took over the running XDP link on '%s' (program replaced in place)",
			li->name);
		goto query;
	}
	if (xdp_query(li->ifindex, &id, NULL) == 0 && id) {
		if (id == ld->prog_id)
			goto query; /* already running our (adopted) program */
		return set_err(err, errlen, -EBUSY,
			       "interface '%s' already has another XDP program (id %u); remove "
			       "it first (ip link set dev %s xdp off)",
			       li->name, id, li->name);
	}
	if (mode != CFG_XDP_GENERIC) {
		LIBBPF_OPTS(bpf_link_create_opts, o, .flags = XDP_FLAGS_DRV_MODE);

		fd = bpf_link_create(ld->prog_fd, (int)li->ifindex, BPF_XDP, &o);
		if (fd < 0 && mode == CFG_XDP_NATIVE)
			return set_err(err, errlen, -errno,
				       "cannot attach XDP to '%s' in native mode: %s (try "
				       "--xdp-mode generic)",
				       li->name, strerror(errno));
	}
	if (fd < 0) {
		LIBBPF_OPTS(bpf_link_create_opts, o, .flags = XDP_FLAGS_SKB_MODE);

		fd = bpf_link_create(ld->prog_fd, (int)li->ifindex, BPF_XDP, &o);
		if (fd < 0)
			return set_err(err, errlen, -errno, "cannot attach XDP to '%s': %s",
				       li->name, strerror(errno));
	}
	li->link_fd = fd;
	/* Pinned, the link (and so the program) outlives the daemon: renewals
	 * keep being answered while it restarts. */
	link_pin_path(ld, li->name, path, sizeof(path));
	(void)unlink(path);
	if (bpf_obj_pin(fd, path))
		pr_warn("cannot pin the XDP link of '%s' at '%s': %s (the program will stop "
			"with the daemon)",
			li->name, path, strerror(errno));
query:
	(void)xdp_query(li->ifindex, &id, &li->mode);
	pr_info("serving '%s' (ifindex %u) with XDP in %s mode", li->name, li->ifindex,
		loader_mode_name(li->mode));
	return 0;
}

int loader_add_iface(struct loader *ld, uint32_t ifindex, const char *name, enum cfg_xdp_mode mode,
		     char *err, size_t errlen)
{
	struct loader_iface *grown;
	uint32_t id = 0;
	int r;

	for (unsigned int i = 0; i < ld->n_ifs; i++)
		if (ld->ifs[i].ifindex == ifindex)
			return 0;
	/* After privileges are dropped the program cannot be inspected by
	 * id (CAP_SYS_ADMIN): ours, or none, or refuse. */
	r = xdp_query(ifindex, &id, NULL);
	if (r)
		return set_err(err, errlen, r, "cannot query XDP on '%s': %s", name, strerror(-r));
	if (id && id != ld->prog_id)
		return set_err(err, errlen, -EBUSY,
			       "interface '%s' already has another XDP program (id %u); remove it "
			       "first (ip link set dev %s xdp off)",
			       name, id, name);
	grown = realloc(ld->ifs, (ld->n_ifs + 1) * sizeof(*grown));
	if (!grown)
		return set_err(err, errlen, -ENOMEM, "out of memory");
	ld->ifs = grown;
	memset(&ld->ifs[ld->n_ifs], 0, sizeof(ld->ifs[0]));
	ld->ifs[ld->n_ifs].ifindex = ifindex;
	ld->ifs[ld->n_ifs].link_fd = -1;
	snprintf(ld->ifs[ld->n_ifs].name, sizeof(ld->ifs[0].name), "%s", name);
	r = attach_one(ld, &ld->ifs[ld->n_ifs], mode, err, errlen);
	if (r)
		return r;
	ld->n_ifs++;
	return 0;
}

void loader_remove_iface(struct loader *ld, uint32_t ifindex)
{
	for (unsigned int i = 0; i < ld->n_ifs; i++) {
		if (ld->ifs[i].ifindex != ifindex)
			continue;
		char path[4200];

		(void)loader_iface_del(ld, ifindex);
		link_pin_path(ld, ld->ifs[i].name, path, sizeof(path));
		(void)unlink(path);
		if (ld->ifs[i].link_fd >= 0)
			close(ld->ifs[i].link_fd);
		pr_info("stopped serving '%s' (ifindex %u)", ld->ifs[i].name, ifindex);
		memmove(&ld->ifs[i], &ld->ifs[i + 1], (ld->n_ifs - i - 1) * sizeof(ld->ifs[0]));
		ld->n_ifs--;
		return;
	}
}

int loader_attach_all(struct loader *ld, enum cfg_xdp_mode mode, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < ld->n_ifs; i++) {
		int r = attach_one(ld, &ld->ifs[i], mode, err, errlen);

		if (r)
			return r;
	}
	return 0;
}

void loader_close(struct loader *ld, bool detach)
{
	char path[4200];

	for (unsigned int i = 0; ld->ifs && i < ld->n_ifs; i++) {
		if (detach) {
			/* The last reference to the link goes: the program
			 * leaves the interface. */
			link_pin_path(ld, ld->ifs[i].name, path, sizeof(path));
			(void)unlink(path);
			if (ld->ifaces_fd >= 0)
				(void)loader_iface_del(ld, ld->ifs[i].ifindex);
		}
		if (ld->ifs[i].link_fd >= 0)
			close(ld->ifs[i].link_fd);
	}
	free(ld->ifs);
	ld->ifs = NULL;
	ifcache_close(&ld->ifc);
	if (detach && ld->pinned)
		unpin_all(ld);
	if (ld->skel) {
		xdhcp__destroy(ld->skel);
	} else {
		const int fds[] = {ld->prog_fd,	 ld->leases_fd, ld->ifaces_fd,	ld->tmpl_fd,
				   ld->stats_fd, ld->events_fd, ld->renewed_fd, ld->ifcache_fd};

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	if (ld->pin_lock_fd >= 0)
		close(ld->pin_lock_fd);
	ld->skel = NULL;
	ld->pin_lock_fd = -1;
}

static int ret_errno(int r)
{
	return r ? -errno : 0;
}

int loader_lease_put(struct loader *ld, const struct xdhcp_lease_key *k,
		     const struct xdhcp_lease *v)
{
	return ret_errno(bpf_map_update_elem(ld->leases_fd, k, v, BPF_ANY));
}

int loader_lease_get(struct loader *ld, const struct xdhcp_lease_key *k, struct xdhcp_lease *v)
{
	return ret_errno(bpf_map_lookup_elem(ld->leases_fd, k, v));
}

int loader_lease_del(struct loader *ld, const struct xdhcp_lease_key *k)
{
	int r = bpf_map_delete_elem(ld->leases_fd, k);

	return r && errno != ENOENT ? -errno : 0;
}

/* xdhcp_ifaces first, then the cache: both hold v when this returns (or
 * the cache holds nothing for ifindex, and the fast path reads the hash). */
int loader_iface_put(struct loader *ld, uint32_t ifindex, const struct xdhcp_iface *v)
{
	int r = ret_errno(bpf_map_update_elem(ld->ifaces_fd, &ifindex, v, BPF_ANY));

	if (r)
		return r;
	r = ifcache_put(&ld->ifc, ifindex, v);
	if (r < 0)
		pr_warn("cannot update the interface cache for ifindex %u (%s): the fast path "
			"reads %s for it",
			ifindex, strerror(-r), XDHCP_MAP_IFACES);
	return 0;
}

/* The cache first: once the hash entry is gone, nothing serves ifindex. */
int loader_iface_del(struct loader *ld, uint32_t ifindex)
{
	int r;

	ifcache_del(&ld->ifc, ifindex);
	r = bpf_map_delete_elem(ld->ifaces_fd, &ifindex);

	return r && errno != ENOENT ? -errno : 0;
}

int loader_tmpl_put(struct loader *ld, uint32_t index, const struct xdhcp_tmpl *t)
{
	return ret_errno(bpf_map_update_elem(ld->tmpl_fd, &index, t, BPF_ANY));
}

int loader_stats_read(struct loader *ld, uint32_t slot, struct xdhcp_stats *ret_sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xdhcp_stats *per;
	int r;

	if (ncpu <= 0)
		return -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	r = ret_errno(bpf_map_lookup_elem(ld->stats_fd, &slot, per));
	if (!r) {
		memset(ret_sum, 0, sizeof(*ret_sum));
		for (int c = 0; c < ncpu; c++)
			for (int i = 0; i < XDHCP_STAT_MAX; i++)
				ret_sum->cnt[i] += per[c].cnt[i];
	}
	free(per);
	return r;
}
