/* SPDX-License-Identifier: MIT */
/*
 * xdhcpctl: the operator's client of xdhcpd's control socket
 * (docs/control-protocol.md).  Each run validates its arguments locally,
 * connects, sends one JSON request line, reads one JSON response line and
 * prints it as an aligned table or as JSON.  Connecting and answering share
 * one deadline (--timeout, 5 s), so a stuck daemon never hangs a script.
 *
 * One table of commands and one of options drive the parser and --help, so
 * the two cannot disagree.  All JSON goes through json-c.
 *
 * Exit status: 0 success; 1 xdhcpd unreachable, too slow, or refusing the
 * request (its error line is printed); 2 bad usage or a malformed argument.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fastpath_abi.h"

#define PROG		  "xdhcpctl"
#define DEFAULT_SOCKET	  "/run/xdhcpd/control.sock"
#define SOCKET_ENV	  "XDHCPCTL_SOCKET"
#define DEFAULT_TIMEOUT_S 5
#define MAX_TIMEOUT_S	  3600
/* A lease is about 400 bytes of JSON: 256 MiB is room for 600,000 leases
 * and still a bound on what a confused peer can make us allocate. */
#define RESPONSE_MAX	  (256U << 20)
#define RETRY_CONNECT_MS  20
#define HOSTNAME_MAX	  63 /* what the daemon keeps (char[64]) */
#define SUBNET_NAME_MAX	  63
#define EXIT_FAIL	  1
#define EXIT_USAGE	  2
#define NS_PER_MS	  1000000LL
#define N_MEMBERS(a)	  (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Messages */

/* One line on stderr; returns status, for `return fail(EXIT_FAIL, ...)`. */
static int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return status;
}

/* Bad usage: one line ending in a pointer to --help. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (see --help)\n", stderr);
	va_end(ap);
	return EXIT_USAGE;
}

/*
 * A string from the daemon (host names come from clients), made safe for a
 * terminal: printable ASCII is kept, anything else becomes \xNN, and so do
 * spaces unless keep_space (a table cell must stay one word).  Returns a
 * heap string, or NULL when out of memory.
 */
static char *escape(const char *s, bool keep_space)
{
	char *out = malloc(strlen(s) * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if ((isgraph(*q) && *q != '\\') || (keep_space && *q == ' '))
			*p++ = (char)*q;
		else
			p += sprintf(p, "\\x%02x", *q);
	}
	*p = '\0';
	return out;
}

/* A table cell: escaped, "-" for a missing or empty value. */
static char *display(const char *s)
{
	return s && *s ? escape(s, false) : strdup("-");
}

/* ------------------------------------------------------------------ */
/* Local validation of arguments (exit 2 before anything is sent) */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex bytes, two digits each, optionally separated by ':' or '-' (the
 * config file's syntax).  Returns the number of bytes, or -1. */
static int parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if ((*s == ':' || *s == '-') && n > 0)
			s++;
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
		if (hi < 0 || lo < 0 || n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n ? (int)n : -1;
}

/*
 * CLIENT of a reservation: a MAC address (optionally "mac:" as `leases`
 * prints it) or id:HEX, a client identifier.  Written to ret_client in the
 * form the protocol takes: "52:54:00:12:34:56" or "id:0102ab".
 */
static int parse_client(const char *cmd, const char *s, char *ret_client, size_t cap)
{
	uint8_t b[255]; /* a whole option 61 */
	int n;

	if (!strncmp(s, "id:", 3)) {
		n = parse_hex(s + 3, b, sizeof(b));
		if (n < 0)
			return fail(EXIT_USAGE,
				    "%s: client '%s' is not id:HEX (1..%zu bytes of hex)", cmd, s,
				    sizeof(b));
		snprintf(ret_client, cap, "id:");
		for (int i = 0; i < n; i++)
			snprintf(ret_client + 3 + 2 * i, cap - 3 - 2 * (size_t)i, "%02x", b[i]);
		return 0;
	}
	n = parse_hex(!strncmp(s, "mac:", 4) ? s + 4 : s, b, 6);
	if (n != 6)
		return fail(EXIT_USAGE,
			    "%s: client '%s' is not a MAC address (52:54:00:12:34:56) or id:HEX",
			    cmd, s);
	snprintf(ret_client, cap, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5]);
	return 0;
}

/* A unicast IPv4 address in dotted-quad form. */
static int check_ip(const char *cmd, const char *what, const char *s)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, s, &a) != 1)
		return fail(EXIT_USAGE, "%s: %s '%s' is not an IPv4 address", cmd, what, s);
	h = ntohl(a.s_addr);
	if (h == 0 || h == 0xffffffff || (h >> 28) == 0xe || (h >> 24) == 127)
		return fail(EXIT_USAGE, "%s: %s '%s' is not a unicast IPv4 address", cmd, what, s);
	return 0;
}

/* Host name: letters, digits, '-', dot-separated labels of 1..63. */
static int check_hostname(const char *cmd, const char *s)
{
	size_t label = 0, len = strlen(s);
	bool ok = len > 0 && len <= HOSTNAME_MAX;

	for (const char *p = s; ok && *p; p++) {
		if (*p == '.') {
			ok = label > 0;
			label = 0;
		} else {
			ok = isalnum((unsigned char)*p) || *p == '-';
			label++;
		}
	}
	if (!ok || label == 0)
		return fail(EXIT_USAGE,
			    "%s: HOSTNAME '%s' is not a host name (letters, digits, '-', '.'; at "
			    "most %d characters)",
			    cmd, s, HOSTNAME_MAX);
	return 0;
}

/* The kernel's rule for interface names (dev_valid_name()). */
static int check_ifname(const char *cmd, const char *s)
{
	bool ok = *s && strlen(s) < IF_NAMESIZE && strcmp(s, ".") && strcmp(s, "..");

	for (const char *p = s; ok && *p; p++)
		ok = *p != '/' && *p != ':' && !isspace((unsigned char)*p);
	if (!ok)
		return fail(EXIT_USAGE, "%s: '%s' is not a valid interface name", cmd, s);
	return 0;
}

/* A [subnet NAME] of the configuration, or "default". */
static int check_subnet(const char *cmd, const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

	if (n == 0 || s[n] || n > SUBNET_NAME_MAX)
		return fail(EXIT_USAGE, "%s: --subnet '%s' is not a subnet name", cmd, s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Options and commands: the tables that drive parsing and --help */

enum ctl_opt_id {
	OPT_SOCKET = 1,
	OPT_JSON,
	OPT_TIMEOUT,
	OPT_INTERFACE,
	OPT_SUBNET,
	OPT_HELP,
	OPT_MAX,
};

#define OPT_BIT(id) (1U << (id))

struct ctl_option {
	const char *name;
	const char *metavar; /* NULL: a flag */
	enum ctl_opt_id id;
	bool per_command; /* only for the commands that list it */
	const char *help;
};

static const struct ctl_option options[] = {
	{"socket", "PATH", OPT_SOCKET, false,
	 "control socket (default: $" SOCKET_ENV ", else " DEFAULT_SOCKET ")"},
	{"json", NULL, OPT_JSON, false, "print JSON instead of a table (leases, stats)"},
	{"timeout", "SECONDS", OPT_TIMEOUT, false,
	 "give up when xdhcpd has not answered within SECONDS (default 5)"},
	{"interface", "IF", OPT_INTERFACE, true, "leases: only the leases of interface IF"},
	{"subnet", "NAME", OPT_SUBNET, true,
	 "interface add: serve IF from subnet NAME (default: default)"},
	{"help", NULL, OPT_HELP, false, "show this help and exit"},
};
#define N_OPTIONS N_MEMBERS(options)

struct ctl {
	const char *socket_path;
	bool json;
	unsigned int timeout_s;
	const char *interface;	/* leases --interface */
	const char *subnet;	/* interface add --subnet */
	unsigned int opts_seen; /* OPT_BIT()s given on the command line */
	int64_t deadline_ns;	/* CLOCK_MONOTONIC */
	struct json_object *request;
	struct json_object *response;
};

struct ctl_command {
	const char *words; /* "reservation add" */
	const char *args;  /* for --help: "MAC|id:HEX IP [HOSTNAME]" */
	unsigned int min_args, max_args;
	unsigned int opts; /* OPT_BIT()s of the per-command options it takes */
	const char *help;
	int (*run)(struct ctl *c, char **argv);
};

static int cmd_leases(struct ctl *c, char **argv);
static int cmd_stats(struct ctl *c, char **argv);
static int cmd_reservation_add(struct ctl *c, char **argv);
static int cmd_reservation_del(struct ctl *c, char **argv);
static int cmd_lease_del(struct ctl *c, char **argv);
static int cmd_interface_add(struct ctl *c, char **argv);
static int cmd_interface_del(struct ctl *c, char **argv);

static const struct ctl_command commands[] = {
	{"leases", "", 0, 0, OPT_BIT(OPT_INTERFACE),
	 "list leases: address, client, interface, state, expiry, XDP renewals", cmd_leases},
	{"stats", "", 0, 0, 0, "counters and pool usage per interface, and the daemon's",
	 cmd_stats},
	{"reservation add", "MAC|id:HEX IP [HOSTNAME]", 2, 3, 0,
	 "reserve IP for a client, at once and persistently", cmd_reservation_add},
	{"reservation del", "MAC|id:HEX", 1, 1, 0,
	 "remove a client's reservation (its lease runs on)", cmd_reservation_del},
	{"lease del", "ADDRESS", 1, 1, 0, "end the lease on ADDRESS now", cmd_lease_del},
	{"interface add", "IF", 1, 1, OPT_BIT(OPT_SUBNET),
	 "start serving IF (a tap) without a restart", cmd_interface_add},
	{"interface del", "IF", 1, 1, 0, "stop serving IF and detach its XDP program",
	 cmd_interface_del},
};
#define N_COMMANDS N_MEMBERS(commands)

/* "--name METAVAR" into buf. */
static const char *option_lhs(const struct ctl_option *o, char *buf, size_t cap)
{
	snprintf(buf, cap, "--%s%s%s", o->name, o->metavar ? " " : "",
		 o->metavar ? o->metavar : "");
	return buf;
}

/* "reservation add MAC|id:HEX IP [HOSTNAME] [--opt X]" into buf. */
static const char *command_lhs(const struct ctl_command *cmd, char *buf, size_t cap)
{
	size_t n =
		(size_t)snprintf(buf, cap, "%s%s%s", cmd->words, *cmd->args ? " " : "", cmd->args);

	for (size_t i = 0; i < N_OPTIONS && n < cap; i++) {
		if (cmd->opts & OPT_BIT(options[i].id)) {
			char o[64];

			n += (size_t)snprintf(buf + n, cap - n, " [%s]",
					      option_lhs(&options[i], o, sizeof(o)));
		}
	}
	return buf;
}

static void usage(FILE *out)
{
	char lhs[128];
	int w = 0;

	for (size_t i = 0; i < N_COMMANDS; i++) {
		int n = (int)strlen(command_lhs(&commands[i], lhs, sizeof(lhs)));

		w = n > w ? n : w;
	}
	for (size_t i = 0; i < N_OPTIONS; i++) {
		int n = (int)strlen(option_lhs(&options[i], lhs, sizeof(lhs)));

		w = n > w ? n : w;
	}
	fprintf(out, "Usage: " PROG " [OPTIONS] COMMAND [ARGS]\n\n");
	fprintf(out, PROG ": query and steer a running xdhcpd through its control socket.\n\n");
	fprintf(out, "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-*s  %s\n", w, command_lhs(&commands[i], lhs, sizeof(lhs)),
			commands[i].help);
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < N_OPTIONS; i++)
		fprintf(out, "  %-*s  %s\n", w, option_lhs(&options[i], lhs, sizeof(lhs)),
			options[i].help);
	fprintf(out, "\nOptions may follow the command.  Mutating commands print nothing on "
		     "success.\n"
		     "Exit status: 0 ok, 1 xdhcpd unreachable, timed out or refusing the "
		     "request,\n"
		     "2 bad usage or a malformed argument.\n");
}

/* ------------------------------------------------------------------ */
/* Transport: one request line out, one response line in, one deadline */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Milliseconds left before the deadline, rounded up; 0 when it passed. */
static int remaining_ms(const struct ctl *c)
{
	int64_t left = c->deadline_ns - now_ns();

	return left <= 0 ? 0 : (int)((left + NS_PER_MS - 1) / NS_PER_MS);
}

/*
 * Connect to the daemon.  The socket is non-blocking: a connect that would
 * wait (the daemon's listen backlog is full: EAGAIN) is retried until the
 * deadline.  Returns the fd or a negative errno (-ETIMEDOUT).
 */
static int ctl_connect(const struct ctl *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	memcpy(sa.sun_path, c->socket_path, strlen(c->socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		err = errno;
		if (err != EAGAIN && err != EINTR)
			break;
		if (remaining_ms(c) == 0) {
			err = ETIMEDOUT;
			break;
		}
		(void)poll(NULL, 0, RETRY_CONNECT_MS);
	}
	close(fd);
	return -err;
}

/* Wait for fd to become ready for events, until the deadline. */
static int wait_fd(const struct ctl *c, int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int ms = remaining_ms(c), r;

		if (ms == 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_all(const struct ctl *c, int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			int err = errno, r;

			if (err == EINTR)
				continue;
			if (err != EAGAIN)
				return -err;
			r = wait_fd(c, fd, POLLOUT);
			if (r)
				return r;
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read up to the first newline into a heap buffer (newline replaced by NUL).
 * Returns 0, -ETIMEDOUT, -ECONNRESET (closed before a whole line),
 * -EMSGSIZE (longer than RESPONSE_MAX), -ENOMEM or another negative errno.
 */
static int read_line(const struct ctl *c, int fd, char **ret_line, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int r = 0;

	for (;;) {
		char *nl;
		ssize_t n;

		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf;

			if (ncap > RESPONSE_MAX + 1) {
				ncap = RESPONSE_MAX + 1;
				if (ncap - len == 0) {
					r = -EMSGSIZE;
					goto out;
				}
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				r = -ENOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err != EAGAIN) {
				r = -err;
				goto out;
			}
			r = wait_fd(c, fd, POLLIN);
			if (r)
				goto out;
			continue;
		}
		if (n == 0) {
			r = -ECONNRESET;
			goto out;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			*nl = '\0';
			*ret_line = buf;
			*ret_len = (size_t)(nl - buf);
			return 0;
		}
		if (len >= RESPONSE_MAX) {
			r = -EMSGSIZE;
			goto out;
		}
	}
out:
	free(buf);
	return r;
}

/* Parse one response line: strict JSON, nothing after the value. */
static struct json_object *parse_response(const char *line, size_t len, const char **ret_why)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;

	if (!tok) {
		*ret_why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (len > INT_MAX) {
		*ret_why = "too long";
		goto out;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue)
		*ret_why = "incomplete JSON";
	else if (jerr != json_tokener_success)
		*ret_why = json_tokener_error_desc(jerr);
	else if (json_tokener_get_parse_end(tok) != len)
		*ret_why = "text after the JSON value";
	else
		goto out;
	json_object_put(obj);
	obj = NULL;
out:
	json_tokener_free(tok);
	return obj;
}

/* One line for a failed connect (connecting) or exchange; returns 1. */
static int transport_error(const struct ctl *c, int err, bool connecting)
{
	const char *path = c->socket_path;

	switch (err) {
	case -ENOENT:
	case -ECONNREFUSED:
		if (!connecting)
			break;
		return fail(EXIT_FAIL, "cannot reach xdhcpd at %s: is it running? (%s)", path,
			    strerror(-err));
	case -EACCES:
	case -EPERM:
		return fail(EXIT_FAIL,
			    "cannot connect to xdhcpd at %s: %s (the socket is owner-only: run as "
			    "root or as the daemon's --user)",
			    path, strerror(-err));
	case -ETIMEDOUT:
		if (connecting)
			return fail(EXIT_FAIL,
				    "cannot reach xdhcpd at %s: no connection within %u s", path,
				    c->timeout_s);
		return fail(EXIT_FAIL, "xdhcpd at %s did not answer within %u s", path,
			    c->timeout_s);
	case -ECONNRESET:
	case -EPIPE:
		return fail(EXIT_FAIL, "xdhcpd at %s closed the connection without an answer",
			    path);
	case -EMSGSIZE:
		return fail(EXIT_FAIL, "the answer of xdhcpd at %s is longer than %u MiB", path,
			    RESPONSE_MAX >> 20);
	}
	return fail(EXIT_FAIL, "%s xdhcpd at %s: %s",
		    connecting ? "cannot connect to" : "talking to", path, strerror(-err));
}

/* Connect, send the request line, read the response line.  Returns 0 or
 * the exit status, with the line printed. */
static int exchange(struct ctl *c, const char *req, size_t reqlen, char **ret_line, size_t *ret_len)
{
	int fd, r;

	c->deadline_ns = now_ns() + (int64_t)c->timeout_s * 1000000000LL;
	fd = ctl_connect(c);
	if (fd < 0)
		return transport_error(c, fd, true);
	r = send_all(c, fd, req, reqlen);
	if (!r)
		r = read_line(c, fd, ret_line, ret_len);
	close(fd);
	return r ? transport_error(c, r, false) : 0;
}

/*
 * Send c->request, read the response into c->response.  Returns 0 when the
 * daemon said "ok": true; otherwise prints one line (the daemon's error, if
 * it gave one) and returns the exit status.
 */
static int ctl_call(struct ctl *c)
{
	struct json_object *ok = NULL, *err = NULL;
	const char *text, *why = NULL;
	char *line = NULL, *req, *shown;
	size_t len = 0, reqlen;
	int status;

	/* PLAIN never breaks a line: control characters in strings are
	 * escaped, so the request is exactly one line. */
	text = json_object_to_json_string_ext(c->request, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || asprintf(&req, "%s\n", text) < 0)
		return fail(EXIT_FAIL, "out of memory");
	reqlen = strlen(req);
	status = exchange(c, req, reqlen, &line, &len);
	free(req);
	if (status)
		return status;

	c->response = parse_response(line, len, &why);
	free(line);
	if (!c->response)
		return fail(EXIT_FAIL, "malformed answer from xdhcpd at %s: %s", c->socket_path,
			    why);
	if (!json_object_is_type(c->response, json_type_object) ||
	    !json_object_object_get_ex(c->response, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		return fail(EXIT_FAIL, "malformed answer from xdhcpd at %s: no \"ok\" field",
			    c->socket_path);
	if (json_object_get_boolean(ok))
		return 0;
	if (!json_object_object_get_ex(c->response, "error", &err) ||
	    !json_object_is_type(err, json_type_string))
		return fail(EXIT_FAIL, "xdhcpd refused the request without a reason");
	shown = escape(json_object_get_string(err), true);
	status = fail(EXIT_FAIL, "%s", shown ? shown : "out of memory");
	free(shown);
	return status;
}

/* ------------------------------------------------------------------ */
/* Reading the response */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(struct json_object *o, const char *key, int64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

/* 1, 0, or -1 when missing. */
static int jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v);
}

/* A number as text, "-" when the daemon did not send it. */
static char *jint_text(struct json_object *o, const char *key)
{
	int64_t v;
	char buf[24];

	if (!jint(o, key, &v))
		return strdup("-");
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return strdup(buf);
}

static char *jbool_text(struct json_object *o, const char *key)
{
	int b = jbool(o, key);

	return strdup(b < 0 ? "-" : b ? "yes" : "no");
}

static int print_json(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s || puts(s) == EOF)
		return fail(EXIT_FAIL, "cannot write the output: %s", strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Aligned tables */

struct column {
	const char *title;
	bool right; /* numbers */
};

#define TABLE_MAX_COLS 16

struct table {
	const struct column *cols;
	size_t ncols, nrows, cap; /* cap: rows allocated */
	char **cells;		  /* nrows * ncols heap strings */
};

/* Append a row; takes ownership of the cells.  Returns -ENOMEM when any
 * cell is NULL (a failed strdup) or the table cannot grow. */
static int table_add(struct table *t, char **row)
{
	bool ok = true;

	assert(t->ncols <= TABLE_MAX_COLS);
	for (size_t i = 0; i < t->ncols; i++)
		ok = ok && row[i];
	if (ok && t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));

		ok = grown != NULL;
		if (ok) {
			t->cells = grown;
			t->cap = cap;
		}
	}
	if (!ok) {
		for (size_t i = 0; i < t->ncols; i++)
			free(row[i]);
		return -ENOMEM;
	}
	memcpy(t->cells + t->nrows * t->ncols, row, t->ncols * sizeof(*row));
	t->nrows++;
	return 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static void print_cell(const char *s, int w, bool right, bool last)
{
	if (right)
		printf("%*s", w, s);
	else if (last)
		fputs(s, stdout); /* no trailing blanks */
	else
		printf("%-*s", w, s);
	if (!last)
		fputs("  ", stdout);
}

static void table_print(const struct table *t)
{
	int w[TABLE_MAX_COLS] = {0};

	assert(t->ncols <= TABLE_MAX_COLS);
	for (size_t j = 0; j < t->ncols; j++) {
		w[j] = (int)strlen(t->cols[j].title);
		for (size_t i = 0; i < t->nrows; i++) {
			int n = (int)strlen(t->cells[i * t->ncols + j]);

			w[j] = n > w[j] ? n : w[j];
		}
	}
	for (size_t j = 0; j < t->ncols; j++)
		print_cell(t->cols[j].title, w[j], t->cols[j].right, j + 1 == t->ncols);
	putchar('\n');
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t j = 0; j < t->ncols; j++)
			print_cell(t->cells[i * t->ncols + j], w[j], t->cols[j].right,
				   j + 1 == t->ncols);
		putchar('\n');
	}
}

/* ------------------------------------------------------------------ */
/* Commands */

static struct json_object *new_request(const char *cmd)
{
	struct json_object *o = json_object_new_object();

	if (o && json_object_object_add(o, "cmd", json_object_new_string(cmd))) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* Add a string member; false when out of memory. */
static bool add_str(struct json_object *o, const char *key, const char *val)
{
	struct json_object *s = json_object_new_string(val);

	return s && json_object_object_add(o, key, s) == 0;
}

/* A string member of a request; members whose value is NULL are left out
 * (optional arguments not given). */
struct member {
	const char *key, *val;
};

/* Build c->request from cmd and its members, then call the daemon. */
static int request(struct ctl *c, const char *cmd, const struct member *m, size_t n)
{
	bool ok;

	c->request = new_request(cmd);
	ok = c->request != NULL;
	for (size_t i = 0; ok && i < n; i++)
		if (m[i].val)
			ok = add_str(c->request, m[i].key, m[i].val);
	if (!ok)
		return fail(EXIT_FAIL, "out of memory");
	return ctl_call(c);
}

/* Leases in a fixed order, whatever the daemon's: by address (numerically),
 * then by client, then by the whole record. */
static int lease_cmp(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	const char *ax = jstr(x, "address"), *ay = jstr(y, "address");
	struct in_addr ix, iy;
	bool vx = ax && inet_pton(AF_INET, ax, &ix) == 1;
	bool vy = ay && inet_pton(AF_INET, ay, &iy) == 1;
	const char *cx, *cy;
	int r;

	if (vx != vy)
		return vx ? -1 : 1;
	if (vx && ix.s_addr != iy.s_addr)
		return ntohl(ix.s_addr) < ntohl(iy.s_addr) ? -1 : 1;
	cx = jstr(x, "client");
	cy = jstr(y, "client");
	r = strcmp(cx ? cx : "", cy ? cy : "");
	if (r)
		return r;
	return strcmp(json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN),
		      json_object_to_json_string_ext(y, JSON_C_TO_STRING_PLAIN));
}

/* "yes(3)": renewed in XDP last time, 3 XDP renewals in all. */
static char *xdp_text(struct json_object *l)
{
	int last = jbool(l, "renewed_in_xdp");
	int64_t n = 0;
	bool have_n = jint(l, "fast_renewals", &n);
	char buf[40];

	if (last < 0 && !have_n)
		return strdup("-");
	if (have_n && n > 0)
		snprintf(buf, sizeof(buf), "%s(%" PRId64 ")", last > 0 ? "yes" : "no", n);
	else
		snprintf(buf, sizeof(buf), "%s", last > 0 ? "yes" : "no");
	return strdup(buf);
}

static int cmd_leases(struct ctl *c, char **argv)
{
	static const struct column cols[] = {
		{"ADDRESS", false},   {"CLIENT", false}, {"MAC", false},
		{"INTERFACE", false}, {"STATE", false},	 {"EXPIRES", false},
		{"HOSTNAME", false},  {"STATIC", false}, {"XDP", false},
	};
	const struct member m[] = {{"interface", c->interface}};
	struct table t = {.cols = cols, .ncols = N_MEMBERS(cols)};
	struct json_object *leases;
	size_t n;
	int r;

	(void)argv;
	if (c->interface && check_ifname("leases", c->interface))
		return EXIT_USAGE;
	r = request(c, "leases", m, N_MEMBERS(m));
	if (r)
		return r;
	if (!json_object_object_get_ex(c->response, "leases", &leases) ||
	    !json_object_is_type(leases, json_type_array))
		return fail(EXIT_FAIL, "malformed answer from xdhcpd at %s: no \"leases\" array",
			    c->socket_path);
	json_object_array_sort(leases, lease_cmp);
	if (c->json)
		return print_json(leases);

	n = json_object_array_length(leases);
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(leases, i);
		char *row[9];

		row[0] = display(jstr(l, "address"));
		row[1] = display(jstr(l, "client"));
		row[2] = display(jstr(l, "mac"));
		row[3] = display(jstr(l, "interface"));
		row[4] = display(jstr(l, "state"));
		row[5] = display(jstr(l, "expires"));
		row[6] = display(jstr(l, "hostname"));
		row[7] = jbool_text(l, "static");
		row[8] = xdp_text(l);
		if (table_add(&t, row)) {
			table_free(&t);
			return fail(EXIT_FAIL, "out of memory");
		}
	}
	table_print(&t);
	table_free(&t);
	return 0;
}

/* "3d04h05m06s", without leading zero units. */
static void format_uptime(int64_t s, char *buf, size_t cap)
{
	int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;

	if (d)
		snprintf(buf, cap, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m%02" PRId64 "s", d, h,
			 m, sec);
	else if (h)
		snprintf(buf, cap, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", h, m, sec);
	else if (m)
		snprintf(buf, cap, "%" PRId64 "m%02" PRId64 "s", m, sec);
	else
		snprintf(buf, cap, "%" PRId64 "s", sec);
}

static void print_daemon_line(struct json_object *d)
{
	static const struct {
		const char *key, *label;
	} fields[] = {
		{"leases_bound", "bound"},
		{"leases_offered", "offered"},
		{"punts", "punts"},
		{"stale_punts", "stale punts"},
		{"renew_events", "XDP renewals persisted"},
		{"events_pending", "events pending"},
		{"events_failed", "events failed"},
	};
	int64_t v;

	fputs("daemon:", stdout);
	if (jint(d, "pid", &v))
		printf(" pid %" PRId64 ",", v);
	if (jint(d, "uptime_s", &v)) {
		char up[48];

		format_uptime(v, up, sizeof(up));
		printf(" up %s,", up);
	}
	for (size_t i = 0; i < N_MEMBERS(fields); i++) {
		char *n = jint_text(d, fields[i].key);

		printf(" %s %s%s", n ? n : "-", fields[i].label,
		       i + 1 < N_MEMBERS(fields) ? "," : "\n");
		free(n);
	}
}

static int cmd_stats(struct ctl *c, char **argv)
{
	static const struct column cols[] = {
		{"INTERFACE", false}, {"SUBNET", false}, {"XDP", false},      {"FAST-ACK", true},
		{"FAST-NAK", true},   {"PUNTS", true},	 {"PUNT-DROP", true}, {"OFFERS", true},
		{"ACKS", true},	      {"NAKS", true},	 {"DECLINES", true},  {"RELEASES", true},
		{"POOL", true},	      {"USED", true},	 {"FREE", true},
	};
	static const char *const counters[] = {"fast_acks",  "fast_naks", "punts",
					       "punt_drops", "offers",	  "acks",
					       "naks",	     "declines",  "releases"};
	struct table t = {.cols = cols, .ncols = N_MEMBERS(cols)};
	struct json_object *ifaces, *daemon;
	size_t n;
	int r;

	(void)argv;
	r = request(c, "stats", NULL, 0);
	if (r)
		return r;
	if (!json_object_object_get_ex(c->response, "interfaces", &ifaces) ||
	    !json_object_is_type(ifaces, json_type_array))
		return fail(EXIT_FAIL,
			    "malformed answer from xdhcpd at %s: no \"interfaces\" array",
			    c->socket_path);
	if (c->json) {
		/* The daemon's object, less the transport's "ok". */
		json_object_object_del(c->response, "ok");
		return print_json(c->response);
	}
	if (json_object_object_get_ex(c->response, "daemon", &daemon) &&
	    json_object_is_type(daemon, json_type_object))
		print_daemon_line(daemon);

	n = json_object_array_length(ifaces);
	for (size_t i = 0; i < n; i++) {
		struct json_object *ifc = json_object_array_get_idx(ifaces, i), *pool = NULL;
		char *row[15];
		size_t k = 0;

		row[k++] = display(jstr(ifc, "name"));
		row[k++] = display(jstr(ifc, "subnet"));
		row[k++] = display(jstr(ifc, "xdp_mode"));
		for (size_t j = 0; j < N_MEMBERS(counters); j++)
			row[k++] = jint_text(ifc, counters[j]);
		if (!json_object_object_get_ex(ifc, "pool", &pool) ||
		    !json_object_is_type(pool, json_type_object))
			pool = NULL;
		row[k++] = pool ? jint_text(pool, "size") : strdup("-");
		row[k++] = pool ? jint_text(pool, "used") : strdup("-");
		row[k++] = pool ? jint_text(pool, "free") : strdup("-");
		if (table_add(&t, row)) {
			table_free(&t);
			return fail(EXIT_FAIL, "out of memory");
		}
	}
	table_print(&t);
	table_free(&t);
	return 0;
}

static int cmd_reservation_add(struct ctl *c, char **argv)
{
	char client[4 + 2 * 255];

	if (parse_client("reservation add", argv[0], client, sizeof(client)) ||
	    check_ip("reservation add", "IP", argv[1]) ||
	    (argv[2] && check_hostname("reservation add", argv[2])))
		return EXIT_USAGE;
	const struct member m[] = {{"client", client}, {"ip", argv[1]}, {"hostname", argv[2]}};

	return request(c, "reservation-add", m, N_MEMBERS(m));
}

static int cmd_reservation_del(struct ctl *c, char **argv)
{
	char client[4 + 2 * 255];

	if (parse_client("reservation del", argv[0], client, sizeof(client)))
		return EXIT_USAGE;
	const struct member m[] = {{"client", client}};

	return request(c, "reservation-del", m, N_MEMBERS(m));
}

static int cmd_lease_del(struct ctl *c, char **argv)
{
	if (check_ip("lease del", "ADDRESS", argv[0]))
		return EXIT_USAGE;
	const struct member m[] = {{"address", argv[0]}};

	return request(c, "lease-del", m, N_MEMBERS(m));
}

static int cmd_interface_add(struct ctl *c, char **argv)
{
	if (check_ifname("interface add", argv[0]) ||
	    (c->subnet && check_subnet("interface add", c->subnet)))
		return EXIT_USAGE;
	const struct member m[] = {{"name", argv[0]}, {"subnet", c->subnet}};

	return request(c, "interface-add", m, N_MEMBERS(m));
}

static int cmd_interface_del(struct ctl *c, char **argv)
{
	if (check_ifname("interface del", argv[0]))
		return EXIT_USAGE;
	const struct member m[] = {{"name", argv[0]}};

	return request(c, "interface-del", m, N_MEMBERS(m));
}

/* ------------------------------------------------------------------ */
/* Command line */

/* How many leading words of argv name cmd; 0 when they do not. */
static size_t match_words(const struct ctl_command *cmd, char **argv, size_t argc)
{
	const char *w = cmd->words;
	size_t i = 0;

	while (*w) {
		size_t n = strcspn(w, " ");

		if (i >= argc || strlen(argv[i]) != n || strncmp(argv[i], w, n))
			return 0;
		i++;
		w += n;
		w += *w == ' ';
	}
	return i;
}

/* argv[0] is a command group ("reservation") but argv[1] is none of its
 * subcommands: say which ones there are. */
static int bad_subcommand(char **argv, size_t argc)
{
	char subs[128] = "";
	size_t glen = strlen(argv[0]), n = 0;

	for (size_t i = 0; i < N_COMMANDS; i++) {
		const char *w = commands[i].words;

		if (!strncmp(w, argv[0], glen) && w[glen] == ' ')
			n += (size_t)snprintf(subs + n, sizeof(subs) - n, "%s%s", n ? ", " : "",
					      w + glen + 1);
		if (n >= sizeof(subs))
			break;
	}
	if (!*subs)
		return usage_error("unknown command '%s'", argv[0]);
	if (argc < 2)
		return usage_error("%s: expected a subcommand (%s)", argv[0], subs);
	return usage_error("%s: unknown subcommand '%s' (expected %s)", argv[0], argv[1], subs);
}

static int parse_timeout(const char *s, unsigned int *ret)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > MAX_TIMEOUT_S)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct option longopts[N_OPTIONS + 1];
	struct ctl c = {.timeout_s = DEFAULT_TIMEOUT_S};
	const struct ctl_command *cmd = NULL;
	const char *env = getenv(SOCKET_ENV);
	char **pos, *args[4] = {NULL}; /* a command's arguments (3 at most), NULL after */
	size_t npos, used = 0;
	int opt, status;

	for (size_t i = 0; i < N_OPTIONS; i++)
		longopts[i] = (struct option){options[i].name,
					      options[i].metavar ? required_argument : no_argument,
					      NULL, (int)options[i].id};
	longopts[N_OPTIONS] = (struct option){NULL, 0, NULL, 0};
	c.socket_path = env && *env ? env : DEFAULT_SOCKET;

	/* GNU getopt permutes: options may come before or after the command
	 * words, as in `xdhcpctl leases --json`.  "--" ends the options. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (opt == 'h')
			opt = OPT_HELP;
		if (opt > 0 && opt < OPT_MAX)
			c.opts_seen |= OPT_BIT(opt);
		switch (opt) {
		case OPT_HELP:
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : EXIT_FAIL;
		case OPT_SOCKET:
			c.socket_path = optarg;
			break;
		case OPT_JSON:
			c.json = true;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &c.timeout_s))
				return usage_error("--timeout: '%s' is not a number of seconds in "
						   "1..%d",
						   optarg, MAX_TIMEOUT_S);
			break;
		case OPT_INTERFACE:
			c.interface = optarg;
			break;
		case OPT_SUBNET:
			c.subnet = optarg;
			break;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt > 0 && optopt < 256 && isprint(optopt))
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!*c.socket_path)
		return usage_error("--socket: empty path");
	if (strlen(c.socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return usage_error("socket path '%s' is longer than %zu bytes", c.socket_path,
				   sizeof(((struct sockaddr_un *)0)->sun_path) - 1);

	pos = argv + optind;
	npos = (size_t)(argc - optind);
	if (npos == 0)
		return usage_error("no command given");
	for (size_t i = 0; i < N_COMMANDS && !cmd; i++) {
		used = match_words(&commands[i], pos, npos);
		if (used)
			cmd = &commands[i];
	}
	if (!cmd)
		return bad_subcommand(pos, npos);
	npos -= used;
	pos += used;
	if (npos < cmd->min_args || npos > cmd->max_args) {
		char lhs[128];

		if (npos > cmd->max_args)
			return fail(EXIT_USAGE, "%s: unexpected argument '%s'; usage: " PROG " %s",
				    cmd->words, pos[cmd->max_args],
				    command_lhs(cmd, lhs, sizeof(lhs)));
		return fail(EXIT_USAGE, "%s: missing argument; usage: " PROG " %s", cmd->words,
			    command_lhs(cmd, lhs, sizeof(lhs)));
	}
	for (size_t i = 0; i < N_OPTIONS; i++) {
		unsigned int bit = OPT_BIT(options[i].id);

		if (options[i].per_command && (c.opts_seen & bit) && !(cmd->opts & bit))
			return usage_error("%s does not take --%s", cmd->words, options[i].name);
	}
	for (size_t i = 0; i < npos; i++)
		args[i] = pos[i];

	status = cmd->run(&c, args);
	if (status == 0 && fflush(stdout) != 0)
		status = fail(EXIT_FAIL, "cannot write the output: %s", strerror(errno));
	json_object_put(c.request);
	json_object_put(c.response);
	return status;
}
