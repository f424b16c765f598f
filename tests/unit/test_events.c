/* SPDX-License-Identifier: MIT */
/*
 * Lease event unit tests (user/events.c), unprivileged: shell scripts
 * written to a temporary directory receive pushed events in order with the
 * documented arguments and environment; a script that runs too long is
 * killed with what it started, one that exits non-zero or does not exist
 * is counted, and later events still run; pushing never waits for a
 * script; callbacks see every event synchronously; the queue limit drops
 * the oldest; events_free() kills and reaps a running script.  Every wait
 * is bounded.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "lease.h"
#include "server.h"

#define MS 1000000ULL

struct fixture {
	char dir[64];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/xdhcp-events-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	DIR *d = opendir(f->dir);

	while (d && (de = readdir(d))) {
		char p[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		(void)unlink(p);
	}
	if (d)
		closedir(d);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void path_in(const struct fixture *f, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", f->dir, name);
}

/* Write an executable /bin/sh script; %OUT% in body becomes the path of
 * the file "out" in the fixture directory (the script's environment is
 * clean, so paths are baked in). */
static void write_script(const struct fixture *f, const char *name, const char *body, char *path,
			 size_t cap)
{
	char out[256];
	const char *p;
	FILE *fp;

	path_in(f, name, path, cap);
	path_in(f, "out", out, sizeof(out));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\n", fp);
	for (p = body; *p; p++) {
		if (!strncmp(p, "%OUT%", 5)) {
			fputs(out, fp);
			p += 4;
		} else {
			fputc(*p, fp);
		}
	}
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Lines of the fixture's "out" file; returns their number (at most max). */
static int read_lines(const struct fixture *f, char (*lines)[256], int max)
{
	char out[256];
	FILE *fp;
	int n = 0;

	path_in(f, "out", out, sizeof(out));
	fp = fopen(out, "r");
	if (!fp)
		return 0;
	while (n < max && fgets(lines[n], sizeof(lines[n]), fp)) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
	}
	fclose(fp);
	return n;
}

/* The daemon's loop in small: wait on events_fd, dispatch, tick.  Returns
 * true once nothing runs and nothing is queued, false at the deadline. */
static bool drive_idle(struct events *ev, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * MS;

	for (;;) {
		struct pollfd p = {.fd = events_fd(ev), .events = POLLIN};

		if (!events_running(ev) && events_pending(ev) == 0)
			return true;
		if (now_ns() > deadline)
			return false;
		(void)poll(&p, 1, 100);
		if (p.revents & POLLIN)
			events_dispatch(ev);
		events_tick(ev, now_ns());
	}
}

/* Dispatch until a script runs (the first queued event started). */
static bool drive_running(struct events *ev, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * MS;

	while (!events_running(ev)) {
		struct pollfd p = {.fd = events_fd(ev), .events = POLLIN};

		if (now_ns() > deadline)
			return false;
		(void)poll(&p, 1, 100);
		events_dispatch(ev);
	}
	return true;
}

/* Wait for a file to hold a line (a script's pid). */
static long wait_for_number(const char *path, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * MS;

	while (now_ns() < deadline) {
		FILE *fp = fopen(path, "r");
		long v = 0;
		int n = fp ? fscanf(fp, "%ld", &v) : 0; /* NOLINT(cert-err34-c): our script's pid */

		if (fp)
			fclose(fp);
		if (n == 1 && v > 0)
			return v;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return -1;
}

static void make_event(struct lease_event *e, int i)
{
	memset(e, 0, sizeof(*e));
	e->type = (enum lease_event_type)(LEASE_EV_ADD + i % 5);
	if (i % 2) {
		snprintf(e->mac, sizeof(e->mac), "52:54:00:00:01:%02x", i & 0xff);
		snprintf(e->client, sizeof(e->client), "mac:%s", e->mac);
	} else {
		snprintf(e->client_id, sizeof(e->client_id), "01ff%04x", i);
		snprintf(e->client, sizeof(e->client), "id:%s", e->client_id);
	}
	e->addr = htonl(0xc6120000 + 10 + (uint32_t)i); /* 198.18.0.10 + i */
	if (i % 3 == 0)
		snprintf(e->hostname, sizeof(e->hostname), "host-%d", i);
	e->expires = e->type <= LEASE_EV_RENEW ? 1700000000 + i : 0;
	e->lease_time = 600;
	snprintf(e->interface, sizeof(e->interface), "veth%d", i % 4);
	e->seq = 999; /* ignored: events_push numbers */
}

#define LOG_LINE                                                                                   \
	"echo \"$1 $2 $3 $4 $XDHCP_SEQ $XDHCP_EXPIRES $XDHCP_CLIENT_ID $XDHCP_INTERFACE\" >> %OUT%\n"

static void expected_line(int i, uint64_t seq, char *out, size_t cap)
{
	struct lease_event e;
	char ip[INET_ADDRSTRLEN];

	make_event(&e, i);
	inet_ntop(AF_INET, &e.addr, ip, sizeof(ip));
	snprintf(out, cap, "%s %s %s %s %" PRIu64 " %" PRId64 " %s %s", lease_event_name(e.type),
		 e.mac[0] ? e.mac : e.client, ip, e.hostname, seq, e.expires, e.client_id,
		 e.interface);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(lease_event_name(LEASE_EV_ADD), "add");
	assert_string_equal(lease_event_name(LEASE_EV_RENEW), "renew");
	assert_string_equal(lease_event_name(LEASE_EV_RELEASE), "release");
	assert_string_equal(lease_event_name(LEASE_EV_EXPIRE), "expire");
	assert_string_equal(lease_event_name(LEASE_EV_DECLINE), "decline");
	assert_string_equal(lease_event_name(LEASE_EV_MAX), "unknown");
	assert_string_equal(lease_event_name(0), "unknown");
}

static void test_fill_from_lease(void **state)
{
	struct lease l;
	struct lease_event e;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.key.kind = XDHCP_KEY_HWADDR;
	l.key.htype = 1;
	l.key.len = 6;
	memcpy(l.key.id, "\x52\x54\x00\x12\x34\x56", 6);
	l.addr = htonl(0xc612000a);
	l.lease_time = 600;
	snprintf(l.hostname, sizeof(l.hostname), "laptop");
	lease_event_fill(&e, LEASE_EV_ADD, &l, "eth1", 1700000000);
	assert_int_equal(e.type, LEASE_EV_ADD);
	assert_string_equal(e.client, "mac:52:54:00:12:34:56");
	assert_string_equal(e.mac, "52:54:00:12:34:56");
	assert_string_equal(e.client_id, "");
	assert_int_equal(e.addr, htonl(0xc612000a));
	assert_string_equal(e.hostname, "laptop");
	assert_int_equal(e.expires, 1700000000);
	assert_int_equal(e.lease_time, 600);
	assert_string_equal(e.interface, "eth1");
	assert_int_equal(e.seq, 0);

	/* Ended leases carry no expiry. */
	lease_event_fill(&e, LEASE_EV_RELEASE, &l, NULL, 1700000000);
	assert_int_equal(e.expires, 0);
	assert_string_equal(e.interface, "");

	/* A client id of type 1 (RFC 2132 9.14) names the MAC. */
	memset(&l.key, 0, sizeof(l.key));
	l.key.kind = XDHCP_KEY_CLIENT_ID;
	l.key.len = 7;
	memcpy(l.key.id, "\x01\x52\x54\x00\xab\xcd\xef", 7);
	lease_event_fill(&e, LEASE_EV_RENEW, &l, "eth1", 5);
	assert_string_equal(e.client, "id:01525400abcdef");
	assert_string_equal(e.client_id, "01525400abcdef");
	assert_string_equal(e.mac, "52:54:00:ab:cd:ef");
	assert_int_equal(e.expires, 5);

	/* Another id type: no MAC. */
	l.key.len = 3;
	memcpy(l.key.id, "\xff\x01\x02", 3);
	lease_event_fill(&e, LEASE_EV_EXPIRE, &l, "eth1", 5);
	assert_string_equal(e.client_id, "ff0102");
	assert_string_equal(e.mac, "");
	assert_string_equal(e.client, "id:ff0102");

	/* The longest id fits. */
	l.key.len = XDHCP_CLIENT_ID_MAX;
	memset(l.key.id, 0xab, XDHCP_CLIENT_ID_MAX);
	lease_event_fill(&e, LEASE_EV_ADD, &l, "eth1", 5);
	assert_int_equal(strlen(e.client_id), 2 * XDHCP_CLIENT_ID_MAX);

	/* A hashed (too long) id: the bytes are not the client's. */
	assert_int_equal(server_key_parse("idh:"
					  "01020304050607080910111213141516"
					  "0102030405060708",
					  0, &l.key),
			 0);
	lease_event_fill(&e, LEASE_EV_ADD, &l, "eth1", 5);
	assert_string_equal(e.client_id, "");
	assert_string_equal(e.mac, "");
	assert_memory_equal(e.client, "idh:", 4);
}

/* 100 events reach the script in order with the documented arguments. */
static void test_script_order_and_args(void **state)
{
	struct fixture *f = *state;
	static char lines[128][256];
	char script[256], want[1024];
	struct lease_event e;
	struct events *ev;
	int n;

	write_script(f, "log.sh", LOG_LINE, script, sizeof(script));
	ev = events_new(script, 10);
	assert_non_null(ev);
	for (int i = 0; i < 100; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
	}
	assert_true(drive_idle(ev, 60000));
	n = read_lines(f, lines, 128);
	assert_int_equal(n, 100);
	for (int i = 0; i < 100; i++) {
		expected_line(i, (uint64_t)i + 1, want, sizeof(want));
		assert_string_equal(lines[i], want);
	}
	assert_int_equal(events_delivered(ev), 100);
	assert_int_equal(events_failed(ev), 0);
	assert_int_equal(events_dropped(ev), 0);
	events_free(ev);
}

/* The script gets a clean environment, default signals, stdin from
 * /dev/null and none of our other fds. */
static void test_script_environment(void **state)
{
	struct fixture *f = *state;
	static char lines[64][256];
	char script[256], leak[256];
	struct lease_event e;
	struct events *ev;
	sigset_t mask, old;
	bool path = false, leaked = false, seen_ip = false, seen_host = false;
	int n, fd;

	write_script(f, "env.sh",
		     "env >> %OUT%\n"
		     "grep -E '^Sig(Blk|Ign)' /proc/$$/status | tr -d '\\t' >> %OUT%\n"
		     "echo stdin=$(readlink /proc/$$/fd/0) >> %OUT%\n"
		     "[ -e /proc/$$/fd/47 ] && echo fd47=open >> %OUT%\n"
		     "echo argc=$# >> %OUT%\n",
		     script, sizeof(script));
	/* What the daemon has: blocked SIGHUP, ignored SIGPIPE, a secret in
	 * its environment, an fd without O_CLOEXEC. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	assert_int_equal(sigprocmask(SIG_BLOCK, &mask, &old), 0);
	signal(SIGPIPE, SIG_IGN);
	setenv("XDHCP_TEST_SECRET", "leak", 1);
	path_in(f, "leak", leak, sizeof(leak));
	fd = open(leak, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 47), 47);

	ev = events_new(script, 10);
	assert_non_null(ev);
	make_event(&e, 1); /* renew, with a MAC, no host name */
	assert_int_equal(events_push(ev, &e), 0);
	assert_true(drive_idle(ev, 10000));
	events_free(ev);
	close(47);
	close(fd);
	unsetenv("XDHCP_TEST_SECRET");
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);

	n = read_lines(f, lines, 64);
	for (int i = 0; i < n; i++) {
		if (!strcmp(lines[i], "PATH=/usr/sbin:/usr/bin:/sbin:/bin"))
			path = true;
		if (strstr(lines[i], "SECRET") || !strcmp(lines[i], "fd47=open"))
			leaked = true;
		if (!strcmp(lines[i], "XDHCP_IP=198.18.0.11"))
			seen_ip = true;
		if (!strcmp(lines[i], "XDHCP_HOSTNAME="))
			seen_host = true;
		if (!strncmp(lines[i], "SigBlk:", 7))
			assert_string_equal(lines[i], "SigBlk:0000000000000000");
		if (!strncmp(lines[i], "SigIgn:", 7)) {
			/* None of the standard signals (SIGPIPE was ignored
			 * here); glibc's posix_spawn leaves its two internal
			 * ones, 32 and 33, ignored, which no program uses. */
			unsigned long long ign = strtoull(lines[i] + 7, NULL, 16);

			assert_int_equal(ign & ((1ULL << 31) - 1), 0);
		}
		if (!strncmp(lines[i], "stdin=", 6))
			assert_string_equal(lines[i], "stdin=/dev/null");
		if (!strncmp(lines[i], "argc=", 5))
			assert_string_equal(lines[i], "argc=3"); /* no host name */
		if (!strncmp(lines[i], "XDHCP_", 6)) {
			/* Every variable is one we document. */
			static const char *const known[] = {
				"XDHCP_EVENT=renew",
				"XDHCP_MAC=52:54:00:00:01:01",
				"XDHCP_CLIENT=mac:52:54:00:00:01:01",
				"XDHCP_CLIENT_ID=",
				"XDHCP_IP=198.18.0.11",
				"XDHCP_HOSTNAME=",
				"XDHCP_EXPIRES=1700000001",
				"XDHCP_LEASE_TIME=600",
				"XDHCP_INTERFACE=veth1",
				"XDHCP_SEQ=1",
			};
			bool ok = false;

			for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
				ok |= !strcmp(lines[i], known[k]);
			if (!ok)
				fail_msg("unexpected variable '%s'", lines[i]);
		}
	}
	assert_true(n > 10);
	assert_true(path);
	assert_false(leaked);
	assert_true(seen_ip);
	assert_true(seen_host);
}

/* A script that outlives the timeout is killed, with what it started;
 * the events after it still run. */
static void test_timeout_kills(void **state)
{
	struct fixture *f = *state;
	static char lines[8][256];
	char script[256], pidfile[256], want[1024];
	struct lease_event e;
	struct events *ev;
	uint64_t t0;
	long sleeper;
	int status = 0;

	/* Orphans of the script become ours, so the sleeper can be reaped. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	write_script(
		f, "slow.sh",
		"if [ \"$XDHCP_SEQ\" = 1 ]; then sleep 30 & echo $! > %OUT%.pid; wait; fi\n" LOG_LINE,
		script, sizeof(script));
	snprintf(pidfile, sizeof(pidfile), "%s/out.pid", f->dir);
	ev = events_new(script, 1);
	assert_non_null(ev);
	for (int i = 0; i < 3; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
	}
	t0 = now_ns();
	assert_true(drive_idle(ev, 10000));
	assert_true(now_ns() - t0 < 5000 * MS);
	assert_true(now_ns() - t0 >= 900 * MS);
	assert_int_equal(events_failed(ev), 1);
	assert_int_equal(events_delivered(ev), 2);
	assert_int_equal(read_lines(f, lines, 8), 2);
	expected_line(1, 2, want, sizeof(want));
	assert_string_equal(lines[0], want);
	expected_line(2, 3, want, sizeof(want));
	assert_string_equal(lines[1], want);
	events_free(ev);

	/* The sleeper was in the script's process group: killed too. */
	sleeper = wait_for_number(pidfile, 2000);
	assert_true(sleeper > 0);
	for (int i = 0; i < 200; i++) {
		pid_t r = waitpid((pid_t)sleeper, &status, WNOHANG);

		if (r == (pid_t)sleeper)
			break;
		assert_int_equal(r, 0);
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

static void test_exit_status_counted(void **state)
{
	struct fixture *f = *state;
	static char lines[8][256];
	char script[256], want[1024];
	struct lease_event e;
	struct events *ev;

	write_script(f, "fail.sh", "if [ \"$XDHCP_SEQ\" = 2 ]; then exit 3; fi\n" LOG_LINE, script,
		     sizeof(script));
	ev = events_new(script, 0);
	assert_non_null(ev);
	for (int i = 0; i < 4; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
	}
	assert_true(drive_idle(ev, 10000));
	assert_int_equal(events_failed(ev), 1);
	assert_int_equal(events_delivered(ev), 3);
	assert_int_equal(read_lines(f, lines, 8), 3);
	expected_line(0, 1, want, sizeof(want));
	assert_string_equal(lines[0], want);
	expected_line(2, 3, want, sizeof(want));
	assert_string_equal(lines[1], want);
	expected_line(3, 4, want, sizeof(want));
	assert_string_equal(lines[2], want);
	events_free(ev);
}

/* Every event fails cleanly, a few per dispatch, and the fd says when
 * more are due. */
static void test_missing_script(void **state)
{
	struct fixture *f = *state;
	char script[256];
	struct lease_event e;
	struct events *ev;

	path_in(f, "does-not-exist", script, sizeof(script));
	ev = events_new(script, 0);
	assert_non_null(ev);
	for (int i = 0; i < 40; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
	}
	assert_int_equal(events_pending(ev), 40);
	events_dispatch(ev);
	assert_true(events_pending(ev) < 40); /* bounded work per call */
	assert_true(drive_idle(ev, 10000));
	assert_int_equal(events_failed(ev), 40);
	assert_int_equal(events_delivered(ev), 0);
	assert_false(events_running(ev));
	events_free(ev);

	/* Not executable: the same. */
	write_script(f, "noexec.sh", "exit 0\n", script, sizeof(script));
	assert_int_equal(chmod(script, 0644), 0);
	ev = events_new(script, 0);
	assert_non_null(ev);
	make_event(&e, 0);
	assert_int_equal(events_push(ev, &e), 0);
	assert_true(drive_idle(ev, 10000));
	assert_int_equal(events_failed(ev), 1);
	events_free(ev);
}

/* While a slow script runs, 1000 pushes take well under 50 ms. */
static void test_push_never_blocks(void **state)
{
	struct fixture *f = *state;
	char script[256], pidfile[256];
	struct lease_event e;
	struct events *ev;
	uint64_t t0, dt;
	long pid;

	write_script(f, "slow.sh", "echo $$ > %OUT%.pid\nexec sleep 30\n", script, sizeof(script));
	snprintf(pidfile, sizeof(pidfile), "%s/out.pid", f->dir);
	ev = events_new(script, 0);
	assert_non_null(ev);
	make_event(&e, 0);
	assert_int_equal(events_push(ev, &e), 0);
	assert_true(drive_running(ev, 5000));
	pid = wait_for_number(pidfile, 5000);
	assert_true(pid > 0);
	t0 = now_ns();
	for (int i = 0; i < 1000; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
	}
	dt = now_ns() - t0;
	print_message("1000 pushes: %" PRIu64 " us\n", dt / 1000);
	assert_true(dt < 50 * MS);
	assert_int_equal(events_pending(ev), 1000);
	/* A dispatch while it runs changes nothing. */
	events_dispatch(ev);
	events_tick(ev, now_ns());
	assert_true(events_running(ev));
	assert_int_equal(events_pending(ev), 1000);

	/* Freed with a queue and a running script: killed and reaped. */
	events_free(ev);
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(waitpid((pid_t)pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

struct seen {
	int n;
	uint64_t seqs[64];
	enum lease_event_type types[64];
	char clients[64][sizeof(((struct lease_event *)0)->client)];
};

static void on_event(void *ctx, const struct lease_event *e)
{
	struct seen *s = ctx;

	if (s->n < 64) {
		s->seqs[s->n] = e->seq;
		s->types[s->n] = e->type;
		snprintf(s->clients[s->n], sizeof(s->clients[s->n]), "%s", e->client);
	}
	s->n++;
}

static void test_callbacks(void **state)
{
	struct fixture *f = *state;
	static char lines[64][256];
	struct seen s = {.n = 0};
	char script[256];
	struct lease_event e;
	struct events *ev;

	/* Callbacks only. */
	ev = events_new(NULL, 0);
	assert_non_null(ev);
	events_set_callback(ev, on_event, &s);
	for (int i = 0; i < 20; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
		/* Synchronous: seen before push returns. */
		assert_int_equal(s.n, i + 1);
		assert_int_equal(s.seqs[i], (uint64_t)i + 1);
		assert_int_equal(s.types[i], e.type);
		assert_string_equal(s.clients[i], e.client);
	}
	assert_int_equal(events_pending(ev), 0);
	assert_false(events_running(ev));
	{
		struct pollfd p = {.fd = events_fd(ev), .events = POLLIN};

		assert_int_equal(poll(&p, 1, 0), 0); /* nothing to do */
	}
	events_dispatch(ev);
	events_tick(ev, now_ns());
	events_set_callback(ev, NULL, NULL);
	assert_int_equal(events_push(ev, &e), 0);
	assert_int_equal(s.n, 20);
	events_free(ev);

	/* Callback and script both see every event. */
	memset(&s, 0, sizeof(s));
	write_script(f, "log.sh", LOG_LINE, script, sizeof(script));
	ev = events_new(script, 0);
	assert_non_null(ev);
	events_set_callback(ev, on_event, &s);
	for (int i = 0; i < 10; i++) {
		make_event(&e, i);
		assert_int_equal(events_push(ev, &e), 0);
		assert_int_equal(s.n, i + 1);
		assert_int_equal(s.seqs[i], (uint64_t)i + 1);
	}
	assert_true(drive_idle(ev, 10000));
	assert_int_equal(read_lines(f, lines, 64), 10);
	events_free(ev);
}

/* Beyond EVENTS_QUEUE_MAX the oldest give way, counted. */
static void test_queue_limit(void **state)
{
	struct fixture *f = *state;
	struct lease_event e;
	struct events *ev;
	char script[256];

	write_script(f, "log.sh", "exit 0\n", script, sizeof(script));
	ev = events_new(script, 0);
	assert_non_null(ev);
	make_event(&e, 0);
	/* Never dispatched: everything stays queued. */
	for (unsigned int i = 0; i < EVENTS_QUEUE_MAX + 10; i++)
		assert_int_equal(events_push(ev, &e), 0);
	assert_int_equal(events_pending(ev), EVENTS_QUEUE_MAX);
	assert_int_equal(events_dropped(ev), 10);
	events_free(ev); /* logs the undelivered count */
}

static void test_free_null(void **state)
{
	(void)state;
	events_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fill_from_lease),
		cmocka_unit_test_setup_teardown(test_script_order_and_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_script_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kills, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_status_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_never_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_limit, setup, teardown),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
