/* SPDX-License-Identifier: MIT */
/*
 * The control socket's commands (docs/control-protocol.md), and the
 * runtime overlay they keep: interfaces and reservations added or removed
 * through the socket.  The overlay is applied on top of the configuration
 * at start and at every reload, and persisted beside the lease file
 * (LEASE_FILE.runtime), so changes survive restarts and reloads.  Changes
 * to interfaces and reservations take effect through a reload, which keeps
 * every lease.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ctl.h"
#include "daemon.h"

#define OVERLAY_MAX 65536

enum overlay_op {
	OV_IFACE_ADD = 1,
	OV_IFACE_DEL,
	OV_STATIC_ADD,
	OV_STATIC_DEL,
};

struct overlay_entry {
	enum overlay_op op;
	char name[IF_NAMESIZE]; /* interface */
	char subnet[64];	/* subnet of an added interface */
	struct cfg_static st;	/* reservation (kind, len, id; ip and host name when added) */
};

struct overlay {
	char path[CFG_PATH_MAX + 16];
	struct overlay_entry *e;
	unsigned int n;
};

/* ------------------------------------------------------------------ */
/* The overlay: load, save, apply */

static void static_client(const struct cfg_static *st, char *out, size_t cap)
{
	struct xdhcp_lease_key k;
	size_t o;

	if (st->kind != XDHCP_KEY_CLIENT_ID) {
		server_static_key(st, 0, &k);
		server_key_format(&k, out, cap);
		return;
	}
	/* The whole id, also when the lease key holds it hashed. */
	o = (size_t)snprintf(out, cap, "id:");
	for (unsigned int i = 0; i < st->len && o + 3 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x", st->id[i]);
}

/* "52:54:00:12:34:56" or "mac:..." or "id:HEX" into st's kind/len/id. */
static int parse_client(const char *s, struct cfg_static *st)
{
	struct xdhcp_lease_key k;
	char buf[256];

	if (strncmp(s, "mac:", 4) && strncmp(s, "id:", 3)) {
		snprintf(buf, sizeof(buf), "mac:%s", s);
		s = buf;
	}
	if (!strncmp(s, "id:", 3)) {
		size_t len;

		/* Kept whole: a long id is hashed only into the lease key. */
		if (server_parse_hex(s + 3, st->id, sizeof(st->id), &len))
			return -EINVAL;
		st->kind = XDHCP_KEY_CLIENT_ID;
		st->len = (uint8_t)len;
		return 0;
	}
	if (server_key_parse(s, 0, &k) || k.kind != XDHCP_KEY_HWADDR || k.len != 6)
		return -EINVAL;
	st->kind = k.kind;
	st->len = k.len;
	memcpy(st->id, k.id, k.len);
	return 0;
}

static bool same_client(const struct cfg_static *a, const struct cfg_static *b)
{
	return a->kind == b->kind && a->len == b->len && !memcmp(a->id, b->id, a->len);
}

int overlay_save(const struct overlay *ov)
{
	char tmp[sizeof(ov->path) + 8], client[4 + 2 * sizeof(((struct cfg_static *)0)->id)],
		ip[INET_ADDRSTRLEN];
	FILE *f;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", ov->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "# xdhcpd runtime changes (xdhcpctl); applied on top of the configuration\n");
	for (unsigned int i = 0; i < ov->n; i++) {
		const struct overlay_entry *e = &ov->e[i];

		switch (e->op) {
		case OV_IFACE_ADD:
			fprintf(f, "interface-add %s %s\n", e->name, e->subnet);
			break;
		case OV_IFACE_DEL:
			fprintf(f, "interface-del %s\n", e->name);
			break;
		case OV_STATIC_ADD:
			static_client(&e->st, client, sizeof(client));
			fprintf(f, "static-add %s %s %s\n", client,
				inet_ntop(AF_INET, &e->st.ip, ip, sizeof(ip)),
				e->st.hostname[0] ? e->st.hostname : "-");
			break;
		case OV_STATIC_DEL:
			static_client(&e->st, client, sizeof(client));
			fprintf(f, "static-del %s\n", client);
			break;
		}
	}
	if (fflush(f) || fsync(fd))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, ov->path))
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

struct overlay *overlay_load(const char *lease_file)
{
	struct overlay *ov = calloc(1, sizeof(*ov));
	char line[1024]; /* static-add id:HEX (up to 510 digits) IP HOST */
	unsigned int lineno = 0;
	FILE *f;

	if (!ov)
		return NULL;
	snprintf(ov->path, sizeof(ov->path), "%s.runtime", lease_file);
	f = fopen(ov->path, "re");
	if (!f)
		return ov;
	while (fgets(line, sizeof(line), f)) {
		struct overlay_entry e;
		char op[32], a[256], b[64], c[64];
		int n;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		memset(&e, 0, sizeof(e));
		n = sscanf(line, "%31s %255s %63s %63s", op, a, b, c);
		if (n >= 3 && !strcmp(op, "interface-add") && strlen(a) < IF_NAMESIZE) {
			e.op = OV_IFACE_ADD;
			snprintf(e.name, sizeof(e.name), "%s", a);
			snprintf(e.subnet, sizeof(e.subnet), "%s", b);
		} else if (n >= 2 && !strcmp(op, "interface-del") && strlen(a) < IF_NAMESIZE) {
			e.op = OV_IFACE_DEL;
			snprintf(e.name, sizeof(e.name), "%s", a);
		} else if (n == 4 && !strcmp(op, "static-add") && !parse_client(a, &e.st) &&
			   config_parse_ip(b, &e.st.ip) == 0) {
			e.op = OV_STATIC_ADD;
			if (strcmp(c, "-"))
				snprintf(e.st.hostname, sizeof(e.st.hostname), "%s", c);
		} else if (n >= 2 && !strcmp(op, "static-del") && !parse_client(a, &e.st)) {
			e.op = OV_STATIC_DEL;
		} else {
			pr_warn("runtime file '%s': line %u not understood, skipped", ov->path,
				lineno);
			continue;
		}
		if (ov->n < OVERLAY_MAX) {
			struct overlay_entry *grown = realloc(ov->e, (ov->n + 1) * sizeof(*grown));

			if (!grown)
				break;
			ov->e = grown;
			ov->e[ov->n++] = e;
		}
	}
	fclose(f);
	return ov;
}

void overlay_free(struct overlay *ov)
{
	if (!ov)
		return;
	free(ov->e);
	free(ov);
}

static int subnet_index(const struct xdhcp_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_subnets; i++)
		if (!strcmp(cfg->subnets[i].name, name))
			return (int)i;
	return -1;
}

int overlay_apply_ifaces(const struct overlay *ov, struct xdhcp_config *cfg, char *err,
			 size_t errlen)
{
	for (unsigned int i = 0; ov && i < ov->n; i++) {
		const struct overlay_entry *e = &ov->e[i];
		unsigned int k;

		for (k = 0; k < cfg->n_ifaces; k++)
			if (!strcmp(cfg->ifnames[k], e->name))
				break;
		if (e->op == OV_IFACE_DEL && k < cfg->n_ifaces) {
			memmove(&cfg->ifnames[k], &cfg->ifnames[k + 1],
				(cfg->n_ifaces - k - 1) * sizeof(cfg->ifnames[0]));
			memmove(&cfg->iface_subnet[k], &cfg->iface_subnet[k + 1],
				(cfg->n_ifaces - k - 1) * sizeof(cfg->iface_subnet[0]));
			cfg->n_ifaces--;
		} else if (e->op == OV_IFACE_ADD && k == cfg->n_ifaces) {
			int s = subnet_index(cfg, e->subnet);

			if (s < 0) {
				snprintf(err, errlen, "interface '%s': no subnet '%s'", e->name,
					 e->subnet);
				return -EINVAL;
			}
			if (cfg->n_ifaces >= CFG_MAX_IFACES) {
				snprintf(err, errlen, "interface '%s': too many interfaces",
					 e->name);
				return -EINVAL;
			}
			snprintf(cfg->ifnames[cfg->n_ifaces], IF_NAMESIZE, "%s", e->name);
			cfg->iface_subnet[cfg->n_ifaces++] = (unsigned int)s;
		}
	}
	return 0;
}

static void remove_static(struct cfg_subnet *sn, const struct cfg_static *st)
{
	for (unsigned int k = 0; k < sn->n_statics; k++) {
		if (same_client(&sn->statics[k], st)) {
			memmove(&sn->statics[k], &sn->statics[k + 1],
				(sn->n_statics - k - 1) * sizeof(sn->statics[0]));
			sn->n_statics--;
			k--;
		}
	}
}

int overlay_apply_statics(const struct overlay *ov, struct xdhcp_config *cfg, char *err,
			  size_t errlen)
{
	for (unsigned int i = 0; ov && i < ov->n; i++) {
		const struct overlay_entry *e = &ov->e[i];
		struct cfg_subnet *target = NULL;

		for (unsigned int s = 0; s < cfg->n_subnets; s++)
			remove_static(&cfg->subnets[s], &e->st);
		if (e->op != OV_STATIC_ADD)
			continue;
		for (unsigned int s = 0; s < cfg->n_subnets && !target; s++) {
			struct cfg_subnet *sn = &cfg->subnets[s];

			if (sn->range_start && sn->netmask &&
			    (e->st.ip & sn->netmask) == (sn->range_start & sn->netmask))
				target = sn;
		}
		if (!target) {
			char a[INET_ADDRSTRLEN];

			snprintf(err, errlen, "reservation %s: in no configured subnet",
				 inet_ntop(AF_INET, &e->st.ip, a, sizeof(a)));
			return -EINVAL;
		}
		if (target->n_statics == target->cap_statics) {
			unsigned int cap = target->cap_statics ? target->cap_statics * 2 : 16;
			struct cfg_static *grown = realloc(target->statics, cap * sizeof(*grown));

			if (!grown) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			target->statics = grown;
			target->cap_statics = cap;
		}
		target->statics[target->n_statics++] = e->st;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commands */

static struct json_object *ok(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static const char *str_arg(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void iso8601(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(out, cap, "%s", "");
		return;
	}
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static struct json_object *lease_json(struct daemon *d, const struct server_subnet *sn,
				      const struct lease *l)
{
	struct json_object *o = json_object_new_object();
	struct server_iface *ifc = server_iface_find(&d->srv, l->ifindex);
	const struct pool_resv *resv = l->key.kind ? pool_resv_by_key(sn->pool, &l->key) : NULL;
	struct lease_event ev;
	struct xdhcp_lease v = {0};
	char buf[256], when[32];
	int64_t expires = 0;
	bool in_map = false;

	lease_event_fill(&ev, LEASE_EV_ADD, l, NULL, 0);
	if (l->key.kind)
		server_key_format(&l->key, buf, sizeof(buf));
	else
		buf[0] = '\0';
	add_str(o, "client", buf);
	add_str(o, "mac", ev.mac);
	add_str(o, "client_id", ev.client_id);
	add_str(o, "address", inet_ntop(AF_INET, &l->addr, buf, sizeof(buf)));
	add_str(o, "interface", ifc ? ifc->name : "");
	add_str(o, "subnet", sn->cfg->name);
	add_str(o, "state", lease_state_name(l->state));
	if (l->state == LEASE_BOUND && server_key_in_fastpath(&l->key))
		in_map = loader_lease_get(&d->ld, &l->key, &v) == 0 && v.addr == l->addr;
	if (l->state == LEASE_BOUND || l->state == LEASE_OFFERED || l->state == LEASE_DECLINED)
		expires = l->expires_ns == UINT64_MAX
				  ? 0
				  : daemon_boot_to_unix(in_map && v.expires_ns > l->expires_ns
								? v.expires_ns
								: l->expires_ns);
	iso8601(expires, when, sizeof(when));
	add_str(o, "expires", when);
	json_object_object_add(o, "expires_unix", json_object_new_int64(expires));
	add_str(o, "hostname",
		resv && ((const struct cfg_static *)resv->data)->hostname[0]
			? ((const struct cfg_static *)resv->data)->hostname
			: l->hostname);
	json_object_object_add(o, "static", json_object_new_boolean(resv && resv->addr == l->addr));
	json_object_object_add(o, "renewed_in_xdp",
			       json_object_new_boolean(in_map && v.fast_renewals > 0));
	add_u64(o, "fast_renewals", in_map ? v.fast_renewals : 0);
	iso8601(in_map && v.fast_renewed_ns ? daemon_boot_to_unix(v.fast_renewed_ns) : 0, when,
		sizeof(when));
	add_str(o, "last_fast_renewal", when);
	return o;
}

static struct json_object *cmd_leases(struct daemon *d, struct json_object *req)
{
	const char *ifname = str_arg(req, "interface");
	struct server_iface *want = NULL;
	struct json_object *o, *arr;

	if (ifname) {
		for (unsigned int i = 0; i < d->srv.n_ifaces && !want; i++)
			if (!strcmp(d->srv.ifaces[i].name, ifname))
				want = &d->srv.ifaces[i];
		if (!want)
			return control_error("leases: interface '%s' is not served", ifname);
	}
	o = ok();
	arr = json_object_new_array();
	for (unsigned int s = 0; s < d->srv.n_subnets; s++) {
		struct server_subnet *sn = &d->srv.subnets[s];
		struct lease *l;
		uint32_t it = 0;

		if (!sn->pool)
			continue;
		while ((l = pool_each(sn->pool, &it))) {
			/* Exclusions (server id, routers) are not leases. */
			if (l->state == LEASE_DECLINED && l->expires_ns == UINT64_MAX)
				continue;
			if (want && l->ifindex != want->ifindex)
				continue;
			json_object_array_add(arr, lease_json(d, sn, l));
		}
	}
	json_object_object_add(o, "leases", arr);
	return o;
}

static struct json_object *cmd_stats(struct daemon *d)
{
	static const struct {
		const char *name;
		enum xdhcp_stat id;
	} xdp[] = {
		{"rx", XDHCP_STAT_RX},
		{"fast_acks", XDHCP_STAT_FAST_ACK},
		{"fast_naks", XDHCP_STAT_FAST_NAK},
		{"punts", XDHCP_STAT_PUNT},
		{"punt_drops", XDHCP_STAT_PUNT_DROP},
		{"punt_limited", XDHCP_STAT_PUNT_LIMITED},
		{"malformed", XDHCP_STAT_MALFORMED},
		{"arp_replies", XDHCP_STAT_ARP_REPLY},
		{"no_room", XDHCP_STAT_NO_ROOM},
	};
	struct json_object *o = ok(), *dm = json_object_new_object(),
			   *arr = json_object_new_array();
	unsigned int bound = 0, offered = 0;

	for (unsigned int s = 0; s < d->srv.n_subnets; s++) {
		if (d->srv.subnets[s].pool) {
			bound += d->srv.subnets[s].pool->n_bound;
			offered += d->srv.subnets[s].pool->n_offered;
		}
	}
	add_u64(dm, "pid", (uint64_t)getpid());
	add_u64(dm, "uptime_s", (daemon_now() - d->started_boot_ns) / 1000000000ULL);
	add_u64(dm, "leases_bound", bound);
	add_u64(dm, "leases_offered", offered);
	add_u64(dm, "punts", d->punts);
	add_u64(dm, "stale_punts", d->stale_punts);
	add_u64(dm, "renew_events", d->renew_events);
	add_u64(dm, "malformed", d->srv.stats.malformed);
	add_u64(dm, "exhausted", d->srv.stats.exhausted);
	add_u64(dm, "events_pending", d->events ? events_pending(d->events) : 0);
	add_u64(dm, "events_failed", d->events ? events_failed(d->events) : 0);
	json_object_object_add(o, "daemon", dm);
	for (unsigned int i = 0; i < d->srv.n_ifaces; i++) {
		const struct server_iface *ifc = &d->srv.ifaces[i];
		const struct server_stats *st = &ifc->stats;
		struct json_object *j = json_object_new_object(), *pool = json_object_new_object();
		const struct pool *p = ifc->subnet ? ifc->subnet->pool : NULL;
		struct xdhcp_stats xs;
		const char *mode = "none";

		memset(&xs, 0, sizeof(xs));
		(void)loader_stats_read(&d->ld, ifc->slot, &xs);
		for (unsigned int k = 0; k < d->ld.n_ifs; k++)
			if (d->ld.ifs[k].ifindex == ifc->ifindex)
				mode = loader_mode_name(d->ld.ifs[k].mode);
		add_str(j, "name", ifc->name);
		add_u64(j, "ifindex", ifc->ifindex);
		add_str(j, "subnet", ifc->subnet ? ifc->subnet->cfg->name : "");
		add_str(j, "xdp_mode", mode);
		for (size_t k = 0; k < sizeof(xdp) / sizeof(xdp[0]); k++)
			add_u64(j, xdp[k].name, xs.cnt[xdp[k].id]);
		add_u64(j, "discovers", st->discovers);
		add_u64(j, "offers", st->offers);
		add_u64(j, "requests", st->requests);
		add_u64(j, "acks", st->acks);
		add_u64(j, "naks", st->naks);
		add_u64(j, "declines", st->declines);
		add_u64(j, "releases", st->releases);
		add_u64(j, "informs", st->informs);
		add_u64(pool, "size", p ? p->size : 0);
		add_u64(pool, "used", p ? p->n_bound + p->n_offered : 0);
		add_u64(pool, "free", p ? p->n_fresh + p->n_free : 0);
		json_object_object_add(j, "pool", pool);
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "interfaces", arr);
	return o;
}

/* Record an overlay change, reload, and undo it when the reload fails. */
static struct json_object *apply_change(struct daemon *d, const char *cmd,
					const struct overlay_entry *e)
{
	struct overlay *ov = d->overlay;
	struct overlay_entry *grown;
	struct overlay_entry *saved;
	unsigned int saved_n = ov->n;
	char err[512];
	int r;

	saved = malloc((ov->n ? ov->n : 1) * sizeof(*saved));
	grown = realloc(ov->e, (ov->n + 1) * sizeof(*grown));
	if (!saved || !grown || ov->n >= OVERLAY_MAX) {
		free(saved);
		if (grown)
			ov->e = grown;
		return control_error("%s: out of memory", cmd);
	}
	ov->e = grown;
	memcpy(saved, ov->e, ov->n * sizeof(*saved));
	/* A later change to the same interface or client replaces earlier
	 * ones. */
	for (unsigned int i = 0; i < ov->n; i++) {
		bool same =
			(e->op == OV_IFACE_ADD || e->op == OV_IFACE_DEL)
				? (ov->e[i].op == OV_IFACE_ADD || ov->e[i].op == OV_IFACE_DEL) &&
					  !strcmp(ov->e[i].name, e->name)
				: (ov->e[i].op == OV_STATIC_ADD || ov->e[i].op == OV_STATIC_DEL) &&
					  same_client(&ov->e[i].st, &e->st);

		if (same) {
			memmove(&ov->e[i], &ov->e[i + 1], (ov->n - i - 1) * sizeof(ov->e[0]));
			ov->n--;
			i--;
		}
	}
	ov->e[ov->n++] = *e;
	r = daemon_reload(d, err, sizeof(err));
	if (r) {
		memcpy(ov->e, saved, saved_n * sizeof(*saved));
		ov->n = saved_n;
		free(saved);
		return control_error("%s: %s", cmd, err);
	}
	free(saved);
	r = overlay_save(ov);
	if (r)
		pr_warn("cannot save runtime changes to '%s': %s (they hold until restart)",
			ov->path, strerror(-r));
	return ok();
}

static struct json_object *cmd_interface(struct daemon *d, struct json_object *req, bool add)
{
	const char *cmd = add ? "interface-add" : "interface-del";
	const char *name = str_arg(req, "name"), *subnet = str_arg(req, "subnet");
	struct overlay_entry e;
	bool served = false;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return control_error("%s: 'name' must be an interface name", cmd);
	for (unsigned int i = 0; i < d->cfg.n_ifaces; i++)
		served |= !strcmp(d->cfg.ifnames[i], name);
	if (add && served)
		return control_error("%s: '%s' is already served", cmd, name);
	if (!add && !served)
		return control_error("%s: '%s' is not served", cmd, name);
	if (add && !if_nametoindex(name))
		return control_error("%s: interface '%s' does not exist", cmd, name);
	memset(&e, 0, sizeof(e));
	e.op = add ? OV_IFACE_ADD : OV_IFACE_DEL;
	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.subnet, sizeof(e.subnet), "%s", subnet ? subnet : d->cfg.subnets[0].name);
	if (add && subnet_index(&d->cfg, e.subnet) < 0)
		return control_error("%s: no subnet '%s'", cmd, e.subnet);
	return apply_change(d, cmd, &e);
}

static struct json_object *cmd_reservation(struct daemon *d, struct json_object *req, bool add)
{
	const char *cmd = add ? "reservation-add" : "reservation-del";
	const char *client = str_arg(req, "client"), *ip = str_arg(req, "ip");
	const char *host = str_arg(req, "hostname");
	struct server_subnet *sn = NULL;
	struct xdhcp_lease_key key;
	struct overlay_entry e;
	char holder[256];

	memset(&e, 0, sizeof(e));
	if (!client || parse_client(client, &e.st))
		return control_error("%s: 'client' must be a MAC address or id:HEX", cmd);
	e.op = add ? OV_STATIC_ADD : OV_STATIC_DEL;
	if (add) {
		const struct pool_resv *resv;
		struct lease *l;

		if (!ip || config_parse_ip(ip, &e.st.ip))
			return control_error("%s: 'ip' must be an IPv4 address", cmd);
		if (host && (!*host || strlen(host) >= sizeof(e.st.hostname) ||
			     strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789-.") != strlen(host)))
			return control_error("%s: '%s' is not a host name", cmd, host);
		if (host)
			snprintf(e.st.hostname, sizeof(e.st.hostname), "%s", host);
		sn = server_subnet_of(&d->srv, e.st.ip);
		if (!sn)
			return control_error("%s: %s is in no configured subnet", cmd, ip);
		server_static_key(&e.st, sn->index, &key);
		l = pool_find_addr(sn->pool, e.st.ip);
		if (l && (l->state == LEASE_BOUND || l->state == LEASE_OFFERED) &&
		    memcmp(&l->key, &key, sizeof(key))) {
			server_key_format(&l->key, holder, sizeof(holder));
			return control_error("%s: %s is leased to %s", cmd, ip, holder);
		}
		resv = pool_resv_by_addr(sn->pool, e.st.ip);
		if (resv && memcmp(&resv->key, &key, sizeof(key))) {
			server_key_format(&resv->key, holder, sizeof(holder));
			return control_error("%s: %s is already reserved for %s", cmd, ip, holder);
		}
	} else {
		bool found = false;

		for (unsigned int s = 0; s < d->srv.n_subnets && !found; s++) {
			if (!d->srv.subnets[s].pool)
				continue;
			server_static_key(&e.st, s, &key);
			found = pool_resv_by_key(d->srv.subnets[s].pool, &key) != NULL;
		}
		if (!found)
			return control_error("%s: '%s' has no reservation", cmd, client);
	}
	return apply_change(d, cmd, &e);
}

static struct json_object *cmd_lease_del(struct daemon *d, struct json_object *req)
{
	const char *addr = str_arg(req, "address");
	struct server_subnet *sn;
	struct lease *l = NULL;
	uint32_t ip;

	if (!addr || config_parse_ip(addr, &ip))
		return control_error("lease-del: 'address' must be an IPv4 address");
	sn = server_subnet_of(&d->srv, ip);
	if (sn)
		l = pool_find_addr(sn->pool, ip);
	if (!l || !l->key.kind ||
	    (l->state != LEASE_BOUND && l->state != LEASE_OFFERED && l->state != LEASE_FREE))
		return control_error("lease-del: no lease on %s", addr);
	daemon_lease_end(d, l);
	return ok();
}

/* ------------------------------------------------------------------ */
/* Prometheus exposition (--metrics) */

static void metric_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void ctl_metrics(void *ctx, FILE *out)
{
	static const struct {
		const char *name, *help;
		enum xdhcp_stat id;
	} xdp[] = {
		{"xdhcpd_xdp_packets_total", "DHCP packets to port 67 seen by the XDP program",
		 XDHCP_STAT_RX},
		{"xdhcpd_xdp_fast_acks_total", "renewals answered with DHCPACK in XDP",
		 XDHCP_STAT_FAST_ACK},
		{"xdhcpd_xdp_fast_naks_total", "INIT-REBOOT requests answered with DHCPNAK in XDP",
		 XDHCP_STAT_FAST_NAK},
		{"xdhcpd_xdp_punts_total", "requests copied to the daemon", XDHCP_STAT_PUNT},
		{"xdhcpd_xdp_punt_drops_total", "requests dropped: ring buffer full",
		 XDHCP_STAT_PUNT_DROP},
		{"xdhcpd_xdp_punt_limited_total", "requests dropped by the punt rate limit",
		 XDHCP_STAT_PUNT_LIMITED},
		{"xdhcpd_xdp_malformed_total", "malformed DHCP frames dropped",
		 XDHCP_STAT_MALFORMED},
		{"xdhcpd_xdp_arp_replies_total", "ARP requests for the server id answered",
		 XDHCP_STAT_ARP_REPLY},
	};
	static const char *const types[] = {"discover", "request", "release", "decline", "inform"};
	static const char *const replies[] = {"offer", "ack", "nak"};
	struct daemon *d = ctx;
	struct xdhcp_stats *xs;

	xs = calloc(d->srv.n_ifaces ? d->srv.n_ifaces : 1, sizeof(*xs));
	if (!xs)
		return;
	for (unsigned int i = 0; i < d->srv.n_ifaces; i++)
		(void)loader_stats_read(&d->ld, d->srv.ifaces[i].slot, &xs[i]);
	for (size_t k = 0; k < sizeof(xdp) / sizeof(xdp[0]); k++) {
		metric_head(out, xdp[k].name, "counter", xdp[k].help);
		for (unsigned int i = 0; i < d->srv.n_ifaces; i++)
			fprintf(out, "%s{interface=\"%s\"} %llu\n", xdp[k].name,
				d->srv.ifaces[i].name, (unsigned long long)xs[i].cnt[xdp[k].id]);
	}
	free(xs);
	metric_head(out, "xdhcpd_requests_total", "counter",
		    "requests handled by the daemon, by message type");
	for (unsigned int i = 0; i < d->srv.n_ifaces; i++) {
		const struct server_stats *st = &d->srv.ifaces[i].stats;
		const uint64_t v[] = {st->discovers, st->requests, st->releases, st->declines,
				      st->informs};

		for (size_t k = 0; k < 5; k++)
			fprintf(out, "xdhcpd_requests_total{interface=\"%s\",type=\"%s\"} %llu\n",
				d->srv.ifaces[i].name, types[k], (unsigned long long)v[k]);
	}
	metric_head(out, "xdhcpd_replies_total", "counter", "replies sent by the daemon, by type");
	for (unsigned int i = 0; i < d->srv.n_ifaces; i++) {
		const struct server_stats *st = &d->srv.ifaces[i].stats;
		const uint64_t v[] = {st->offers, st->acks, st->naks};

		for (size_t k = 0; k < 3; k++)
			fprintf(out, "xdhcpd_replies_total{interface=\"%s\",type=\"%s\"} %llu\n",
				d->srv.ifaces[i].name, replies[k], (unsigned long long)v[k]);
	}
	metric_head(out, "xdhcpd_leases", "gauge", "lease records by subnet and state");
	for (unsigned int s = 0; s < d->srv.n_subnets; s++) {
		const struct pool *p = d->srv.subnets[s].pool;
		const char *name = d->srv.subnets[s].cfg->name;

		if (!p)
			continue;
		fprintf(out, "xdhcpd_leases{subnet=\"%s\",state=\"bound\"} %u\n", name, p->n_bound);
		fprintf(out, "xdhcpd_leases{subnet=\"%s\",state=\"offered\"} %u\n", name,
			p->n_offered);
		fprintf(out, "xdhcpd_leases{subnet=\"%s\",state=\"free\"} %u\n", name, p->n_free);
		fprintf(out, "xdhcpd_leases{subnet=\"%s\",state=\"declined\"} %u\n", name,
			p->n_declined);
	}
	metric_head(out, "xdhcpd_pool_addresses", "gauge", "addresses of each subnet's range");
	for (unsigned int s = 0; s < d->srv.n_subnets; s++) {
		const struct pool *p = d->srv.subnets[s].pool;

		if (p)
			fprintf(out, "xdhcpd_pool_addresses{subnet=\"%s\"} %u\n",
				d->srv.subnets[s].cfg->name, p->size);
	}
	metric_head(out, "xdhcpd_pool_exhausted_total", "counter",
		    "DISCOVERs left without an offer: pool exhausted");
	fprintf(out, "xdhcpd_pool_exhausted_total %llu\n",
		(unsigned long long)d->srv.stats.exhausted);
	metric_head(out, "xdhcpd_stale_punts_total", "counter",
		    "requests dropped for waiting too long (while no daemon ran)");
	fprintf(out, "xdhcpd_stale_punts_total %llu\n", (unsigned long long)d->stale_punts);
	metric_head(out, "xdhcpd_event_queue", "gauge", "lease events waiting for the script");
	fprintf(out, "xdhcpd_event_queue %zu\n", d->events ? events_pending(d->events) : 0);
	metric_head(out, "xdhcpd_event_script_failures_total", "counter",
		    "event script runs that failed or were killed");
	fprintf(out, "xdhcpd_event_script_failures_total %llu\n",
		(unsigned long long)(d->events ? events_failed(d->events) : 0));
	metric_head(out, "xdhcpd_uptime_seconds", "gauge", "seconds since the daemon started");
	fprintf(out, "xdhcpd_uptime_seconds %llu\n",
		(unsigned long long)((daemon_now() - d->started_boot_ns) / 1000000000ULL));
	metric_head(out, "xdhcpd_up", "gauge", "1 while the daemon serves");
	fprintf(out, "xdhcpd_up 1\n");
}

struct json_object *ctl_handle(void *ctx, struct json_object *req)
{
	struct daemon *d = ctx;
	const char *cmd = str_arg(req, "cmd");

	if (!cmd)
		return control_error("request has no \"cmd\"");
	if (!strcmp(cmd, "leases"))
		return cmd_leases(d, req);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(d);
	if (!strcmp(cmd, "reservation-add"))
		return cmd_reservation(d, req, true);
	if (!strcmp(cmd, "reservation-del"))
		return cmd_reservation(d, req, false);
	if (!strcmp(cmd, "lease-del"))
		return cmd_lease_del(d, req);
	if (!strcmp(cmd, "interface-add"))
		return cmd_interface(d, req, true);
	if (!strcmp(cmd, "interface-del"))
		return cmd_interface(d, req, false);
	return control_error("unknown command '%.64s'", cmd);
}
