/* SPDX-License-Identifier: MIT */
/*
 * The control socket: accept, frame lines, parse JSON, call the handler,
 * write the response (see control.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

struct control_client {
	int fd;
	time_t last; /* last activity: idle clients are dropped */
	size_t len;
	char buf[CONTROL_LINE_MAX];
};

struct control {
	int epfd;
	int listen_fd;
	char path[108];
	control_handler handler;
	void *ctx;
	struct control_client *clients[CONTROL_MAX_CLIENTS];
};

struct json_object *control_error(const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

struct control *control_open(const char *path, control_handler handler, void *ctx, char *err,
			     size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct control *c;
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control-socket: path '%s' is too long", path);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->handler = handler;
	c->ctx = ctx;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->epfd < 0 || c->listen_fd < 0)
		goto fail;
	/* Our own lock (per interface) guards against a live second daemon:
	 * a socket file left here is stale. */
	(void)unlink(path);
	old = umask(0177);
	r = bind(c->listen_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r || chmod(path, 0600) || listen(c->listen_fd, 8))
		goto fail;
	ev.data.ptr = NULL;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->listen_fd, &ev))
		goto fail;
	return c;
fail:
	snprintf(err, errlen, "cannot listen on control socket '%s': %s", path, strerror(errno));
	control_close(c);
	return NULL;
}

static void client_drop(struct control *c, int slot)
{
	struct control_client *cl = c->clients[slot];

	if (!cl)
		return;
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	free(cl);
	c->clients[slot] = NULL;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		client_drop(c, i);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		(void)unlink(c->path);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	free(c);
}

int control_fd(const struct control *c)
{
	return c->epfd;
}

/* Responses are small; a client that does not read them within the
 * socket buffer is dropped rather than waited for. */
static int send_line(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;

	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 0 : -1;
}

static int handle_line(struct control *c, int fd, const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req, *resp;
	int r;

	bool malformed;

	req = json_tokener_parse_ex(tok, line, (int)strlen(line));
	malformed = !req || json_tokener_get_error(tok) != json_tokener_success ||
		    !json_object_is_type(req, json_type_object);
	if (malformed)
		resp = control_error("request is not a JSON object");
	else
		resp = c->handler(c->ctx, req);
	json_tokener_free(tok);
	json_object_put(req);
	r = send_line(fd, json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	json_object_put(resp);
	/* After a malformed request the stream's framing is suspect: close. */
	return malformed ? -1 : r;
}

static void client_read(struct control *c, int slot)
{
	struct control_client *cl = c->clients[slot];

	for (;;) {
		ssize_t n = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len, 0);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_drop(c, slot);
			return;
		}
		cl->len += (size_t)n;
		cl->buf[cl->len] = '\0';
		while ((nl = memchr(cl->buf, '\n', cl->len))) {
			size_t used = (size_t)(nl - cl->buf) + 1;

			*nl = '\0';
			if (nl > cl->buf && handle_line(c, cl->fd, cl->buf)) {
				client_drop(c, slot);
				return;
			}
			memmove(cl->buf, cl->buf + used, cl->len - used);
			cl->len -= used;
		}
		if (cl->len == sizeof(cl->buf) - 1) {
			struct json_object *e =
				control_error("request longer than %d bytes", CONTROL_LINE_MAX - 1);

			(void)send_line(cl->fd, json_object_to_json_string(e));
			json_object_put(e);
			client_drop(c, slot);
			return;
		}
	}
}

static void accept_clients(struct control *c)
{
	for (;;) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot = -1;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};

		if (fd < 0)
			return;
		for (int i = 0; i < CONTROL_MAX_CLIENTS && slot < 0; i++)
			if (!c->clients[i])
				slot = i;
		if (slot < 0 || !(c->clients[slot] = calloc(1, sizeof(struct control_client)))) {
			close(fd); /* too many clients at once */
			continue;
		}
		c->clients[slot]->fd = fd;
		c->clients[slot]->last = time(NULL);
		ev.data.ptr = c->clients[slot];
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev))
			client_drop(c, slot);
	}
}

void control_dispatch(struct control *c)
{
	struct epoll_event evs[CONTROL_MAX_CLIENTS + 1];
	int n = epoll_wait(c->epfd, evs, CONTROL_MAX_CLIENTS + 1, 0);
	time_t now = time(NULL);

	/* A client silent for CONTROL_IDLE_S gives its slot back. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i] && now - c->clients[i]->last > CONTROL_IDLE_S)
			client_drop(c, i);
	for (int i = 0; i < n; i++)
		for (int s = 0; s < CONTROL_MAX_CLIENTS; s++)
			if (c->clients[s] && c->clients[s] == evs[i].data.ptr)
				c->clients[s]->last = now;

	for (int i = 0; i < n; i++) {
		if (!evs[i].data.ptr) {
			accept_clients(c);
			continue;
		}
		for (int s = 0; s < CONTROL_MAX_CLIENTS; s++)
			if (c->clients[s] == evs[i].data.ptr)
				client_read(c, s);
	}
}
