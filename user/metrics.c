/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint (see metrics.h).  A request is read until its
 * header ends (at most 8 KiB); anything but GET /metrics gets a 404.
 * Clients that stall are dropped after 5 s, so none can hold a slot.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdbool.h>

#include "metrics.h"

#define REQ_MAX 8192

struct metrics_client {
	int fd;
	time_t since;
	size_t len;
	char buf[REQ_MAX];
};

struct metrics {
	int epfd;
	int listen_fd;
	metrics_render render;
	void *ctx;
	struct metrics_client *clients[METRICS_MAX_CLIENTS];
};

struct metrics *metrics_open(const char *addr, metrics_render render, void *ctx, char *err,
			     size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char host[64], *colon;
	unsigned long port;
	struct metrics *m;
	int one = 1;

	if (strlen(addr) >= sizeof(host) ||
	    !(colon = strrchr(memcpy(host, addr, strlen(addr) + 1), ':'))) {
		snprintf(err, errlen, "metrics: expected ADDRESS:PORT, got '%s'", addr);
		return NULL;
	}
	*colon = '\0';
	port = strtoul(colon + 1, NULL, 10);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 || port == 0 || port > 65535) {
		snprintf(err, errlen, "metrics: '%s' is not an IPv4 ADDRESS:PORT", addr);
		return NULL;
	}
	sin.sin_port = htons((uint16_t)port);
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->render = render;
	m->ctx = ctx;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->epfd < 0 || m->listen_fd < 0 ||
	    setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->listen_fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(m->listen_fd, 8) ||
	    epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->listen_fd, &ev)) {
		snprintf(err, errlen, "metrics: cannot listen on %s: %s", addr, strerror(errno));
		metrics_close(m);
		return NULL;
	}
	return m;
}

static void client_drop(struct metrics *m, int slot)
{
	if (!m->clients[slot])
		return;
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->clients[slot]->fd, NULL);
	close(m->clients[slot]->fd);
	free(m->clients[slot]);
	m->clients[slot] = NULL;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		client_drop(m, i);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->epfd >= 0)
		close(m->epfd);
	free(m);
}

int metrics_fd(const struct metrics *m)
{
	return m->epfd;
}

static void respond(struct metrics *m, int fd, const char *req)
{
	char *body = NULL, head[256];
	size_t body_len = 0;
	FILE *out = open_memstream(&body, &body_len);
	bool ok = !strncmp(req, "GET /metrics ", 13) || !strncmp(req, "GET /metrics?", 13);
	int n;

	if (!out)
		return;
	if (ok)
		m->render(m->ctx, out);
	else
		fputs("not found: try /metrics\n", out);
	fclose(out);
	n = snprintf(head, sizeof(head),
		     "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		     ok ? "200 OK" : "404 Not Found", body_len);
	/* Best effort, never blocking: a reader too slow for a few KiB loses. */
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
		(void)send(fd, body, body_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(body);
}

static void client_read(struct metrics *m, int slot)
{
	struct metrics_client *c = m->clients[slot];
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(m, slot);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n") || c->len == sizeof(c->buf) - 1) {
		respond(m, c->fd, c->buf);
		client_drop(m, slot);
	}
}

void metrics_dispatch(struct metrics *m)
{
	struct epoll_event evs[METRICS_MAX_CLIENTS + 1];
	int n = epoll_wait(m->epfd, evs, METRICS_MAX_CLIENTS + 1, 0);
	time_t now = time(NULL);

	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->clients[i] && now - m->clients[i]->since > 5)
			client_drop(m, i);
	for (int i = 0; i < n; i++) {
		if (!evs[i].data.ptr) {
			int fd;

			while ((fd = accept4(m->listen_fd, NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				struct epoll_event ev = {.events = EPOLLIN};
				int slot = -1;

				for (int s = 0; s < METRICS_MAX_CLIENTS && slot < 0; s++)
					if (!m->clients[s])
						slot = s;
				if (slot < 0 ||
				    !(m->clients[slot] = calloc(1, sizeof(**m->clients)))) {
					close(fd);
					continue;
				}
				m->clients[slot]->fd = fd;
				m->clients[slot]->since = now;
				ev.data.ptr = m->clients[slot];
				if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev))
					client_drop(m, slot);
			}
			continue;
		}
		for (int s = 0; s < METRICS_MAX_CLIENTS; s++)
			if (m->clients[s] == evs[i].data.ptr)
				client_read(m, s);
	}
}
