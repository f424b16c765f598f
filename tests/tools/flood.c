/* SPDX-License-Identifier: MIT */
/*
 * flood: a hostile guest for tests.  Sends DHCP frames as fast as it can on
 * an interface of the current network namespace, for at most --seconds and
 * --count frames: DISCOVERs from random MACs (--mode discover), or
 * REQUESTs and DECLINEs for addresses in a range that the sender does not
 * hold (--mode decline), or RENEWING REQUESTs of one client that holds a
 * lease (--mode renew --mac MAC --ciaddr IP --server-id IP --server-mac
 * MAC: unicast to the server, as a client at T1 sends them).  Prints how
 * many frames went out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pkt.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: flood --if IF [--mode discover|decline|renew] [--seconds S] [--count N]\n"
		"             [--range-start IP --range-size N] [--server-id IP]\n"
		"             [--mac MAC --ciaddr IP --server-mac MAC]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"if", required_argument, NULL, 'i'},
		{"mode", required_argument, NULL, 'm'},
		{"seconds", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"range-start", required_argument, NULL, 'r'},
		{"range-size", required_argument, NULL, 'n'},
		{"server-id", required_argument, NULL, 'S'},
		{"mac", required_argument, NULL, 'M'},
		{"ciaddr", required_argument, NULL, 'C'},
		{"server-mac", required_argument, NULL, 'D'},
		{"rate", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ifname = NULL, *mode = "discover";
	double seconds = 5, rate = 0, t0;
	unsigned long count = 1000000, sent = 0, range_size = 100;
	uint32_t range_start = 0, server_id = 0, ciaddr = 0;
	uint8_t mac[6] = {0}, server_mac[6] = {0};
	bool have_mac = false, have_server_mac = false;
	struct sockaddr_ll sll;
	uint8_t frame[PKT_FRAME_MAX];
	int c, fd;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'c':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			if (inet_pton(AF_INET, optarg, &range_start) != 1) {
				fprintf(stderr, "flood: --range-start: bad address '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			range_size = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &server_id) != 1) {
				fprintf(stderr, "flood: --server-id: bad address '%s'\n", optarg);
				return 2;
			}
			break;
		case 'M':
		case 'D':
			if (cli_parse_mac(optarg, c == 'M' ? mac : server_mac)) {
				fprintf(stderr, "flood: --%s: bad MAC address '%s'\n",
					c == 'M' ? "mac" : "server-mac", optarg);
				return 2;
			}
			*(c == 'M' ? &have_mac : &have_server_mac) = true;
			break;
		case 'R':
			rate = strtod(optarg, NULL);
			break;
		case 'C':
			if (inet_pton(AF_INET, optarg, &ciaddr) != 1) {
				fprintf(stderr, "flood: --ciaddr: bad address '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ifname || seconds <= 0 || seconds > 120 || !count || !range_size || rate < 0 ||
	    (strcmp(mode, "discover") && strcmp(mode, "decline") && strcmp(mode, "renew")) ||
	    (!strcmp(mode, "decline") && !range_start) ||
	    (!strcmp(mode, "renew") && (!have_mac || !ciaddr || !server_id || !have_server_mac))) {
		usage(stderr);
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "flood: socket: %s\n", strerror(errno));
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "flood: no interface '%s'\n", ifname);
		return 1;
	}
	srand((unsigned int)getpid());
	t0 = now_s();
	while (sent < count && (sent % 256 || now_s() - t0 < seconds)) {
		struct pkt_req r;
		int len;

		memset(&r, 0, sizeof(r));
		/* A fast, seeded PRNG is what a flood needs; nothing here is secret. */
		r.xid = (uint32_t)rand(); /* NOLINT(cert-msc30-c,cert-msc50-cpp) */
		r.chaddr[0] = 0x02;
		for (int i = 1; i < 6; i++)
			r.chaddr[i] = (uint8_t)rand(); /* NOLINT(cert-msc30-c,cert-msc50-cpp) */
		if (!strcmp(mode, "renew")) {
			/* RFC 2131 table 5, RENEWING: ciaddr, no 50 or 54. */
			r.msg_type = DHCPREQUEST;
			memcpy(r.chaddr, mac, 6);
			r.ciaddr = ciaddr;
			r.dst_ip = server_id;
			memcpy(r.dst_mac, server_mac, 6);
		} else if (!strcmp(mode, "discover")) {
			r.msg_type = DHCPDISCOVER;
			r.broadcast = true;
		} else {
			/* Someone else's address: a REQUEST for it, then a DECLINE. */
			r.requested_ip =
				htonl(ntohl(range_start) + (uint32_t)(sent / 2 % range_size));
			r.server_id = server_id;
			r.msg_type = sent % 2 ? DHCPDECLINE : DHCPREQUEST;
		}
		len = pkt_request(frame, sizeof(frame), &r);
		if (len < 0) {
			fprintf(stderr, "flood: cannot build a frame\n");
			return 1;
		}
		if (sendto(fd, frame, (size_t)len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0 &&
		    errno != ENOBUFS) {
			fprintf(stderr, "flood: sendto: %s\n", strerror(errno));
			return 1;
		}
		sent++;
		/* Paced (--rate): frames a receiving veth's ring would drop
		 * do not count as sent. */
		if (rate > 0 && sent % 64 == 0) {
			double ahead = (double)sent / rate - (now_s() - t0);

			if (ahead > 0) {
				struct timespec ts = {
					.tv_sec = (time_t)ahead,
					.tv_nsec = (long)((ahead - (double)(time_t)ahead) * 1e9)};

				nanosleep(&ts, NULL);
			}
		}
	}
	printf("flood: %lu %s frames in %.2f s\n", sent, mode, now_s() - t0);
	close(fd);
	return 0;
}
