/* SPDX-License-Identifier: MIT */
/*
 * ARP probes for --conflict-check (see probe.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

#define NS_PER_MS 1000000ULL

/* An Ethernet/IPv4 ARP packet (RFC 826). */
struct arp_eth {
	uint8_t dst[6], src[6];
	uint16_t ethertype;
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;
	uint8_t sha[6];
	uint8_t spa[4];
	uint8_t tha[6];
	uint8_t tpa[4];
} __attribute__((packed));

int probe_open(struct probe_table *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ARP));
	return pt->fd < 0 ? -errno : 0;
}

void probe_close(struct probe_table *pt)
{
	if (pt->fd > 0)
		close(pt->fd);
	pt->fd = -1;
}

static int send_probe(struct probe_table *pt, uint32_t ifindex, const uint8_t *src_mac,
		      uint32_t addr)
{
	struct sockaddr_ll sll;
	struct arp_eth a;

	memset(&a, 0, sizeof(a));
	memset(a.dst, 0xff, 6);
	memcpy(a.src, src_mac, 6);
	a.ethertype = htons(ETH_P_ARP);
	a.htype = htons(1);
	a.ptype = htons(ETH_P_IP);
	a.hlen = 6;
	a.plen = 4;
	a.op = htons(1); /* request; spa 0.0.0.0 makes it a probe (RFC 5227 2.1.1) */
	memcpy(a.sha, src_mac, 6);
	memcpy(a.tpa, &addr, 4);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(pt->fd, &a, sizeof(a), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

int probe_start(struct probe_table *pt, uint32_t ifindex, const uint8_t *src_mac, uint32_t addr,
		const uint8_t *frame, uint32_t len, unsigned int tries, uint64_t now)
{
	struct probe_waiter *w = NULL;
	int r;

	if (tries >= PROBE_TRIES)
		return -ELOOP;
	if (len > sizeof(w->frame))
		return -EINVAL;
	for (unsigned int i = 0; i < PROBE_MAX; i++) {
		if (pt->w[i].used && pt->w[i].ifindex == ifindex && pt->w[i].addr == addr) {
			/* A retransmitted DISCOVER: keep the probe, take the
			 * newer frame. */
			memcpy(pt->w[i].frame, frame, len);
			pt->w[i].len = len;
			return 0;
		}
		if (!pt->w[i].used && !w)
			w = &pt->w[i];
	}
	if (!w)
		return -ENOSPC;
	r = send_probe(pt, ifindex, src_mac, addr);
	if (r)
		return r;
	w->used = true;
	w->ifindex = ifindex;
	w->addr = addr;
	w->deadline_ns = now + PROBE_WAIT_MS * NS_PER_MS;
	w->tries = tries;
	w->len = len;
	memcpy(w->frame, frame, len);
	pt->n++;
	return 0;
}

static void
finish(struct probe_table *pt, struct probe_waiter *w, bool conflict, const uint8_t *mac,
       void (*done)(void *ctx, struct probe_waiter *w, bool conflict, const uint8_t *mac),
       void *ctx)
{
	/* done() may start another probe (a new address for the same
	 * DISCOVER), so free the slot first and hand over a copy. */
	static struct probe_waiter copy;

	copy = *w;
	w->used = false;
	pt->n--;
	done(ctx, &copy, conflict, mac);
}

void probe_read(struct probe_table *pt,
		void (*done)(void *ctx, struct probe_waiter *w, bool conflict, const uint8_t *mac),
		void *ctx)
{
	for (int budget = 0; budget < 256; budget++) {
		struct sockaddr_ll sll = {0};
		socklen_t sl = sizeof(sll);
		struct arp_eth a;
		uint32_t spa;
		ssize_t n;

		n = recvfrom(pt->fd, &a, sizeof(a), 0, (struct sockaddr *)&sll, &sl);
		if (n < 0)
			return; /* EAGAIN: drained */
		if (n < (ssize_t)sizeof(a) || sll.sll_pkttype == PACKET_OUTGOING ||
		    a.htype != htons(1) || a.ptype != htons(ETH_P_IP) || a.hlen != 6 || a.plen != 4)
			continue;
		memcpy(&spa, a.spa, 4);
		if (!spa || !pt->n)
			continue;
		/* A reply, or a host announcing or using the address. */
		for (unsigned int i = 0; i < PROBE_MAX; i++) {
			struct probe_waiter *w = &pt->w[i];

			if (w->used && w->ifindex == (uint32_t)sll.sll_ifindex && w->addr == spa)
				finish(pt, w, true, a.sha, done, ctx);
		}
	}
}

void probe_expire(struct probe_table *pt, uint64_t now,
		  void (*done)(void *ctx, struct probe_waiter *w, bool conflict,
			       const uint8_t *mac),
		  void *ctx)
{
	for (unsigned int i = 0; i < PROBE_MAX && pt->n; i++)
		if (pt->w[i].used && pt->w[i].deadline_ns <= now)
			finish(pt, &pt->w[i], false, NULL, done, ctx);
}

int probe_timeout_ms(const struct probe_table *pt, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (!pt->n)
		return -1;
	for (unsigned int i = 0; i < PROBE_MAX; i++)
		if (pt->w[i].used && pt->w[i].deadline_ns < next)
			next = pt->w[i].deadline_ns;
	if (next <= now)
		return 0;
	return (int)((next - now + NS_PER_MS - 1) / NS_PER_MS);
}
