#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad input exits with status 2 and one line naming the problem; a second
# daemon on a served interface is refused with a clear error.
. "$(dirname "$0")/lib.sh"

setup_netns

# expect_usage_error PATTERN ARGS...
expect_usage_error() {
	local pattern=$1 rc=0 out; shift
	out=$(net_s "$XDHCPD" --pin-dir "$PIN" --run-dir "$TMP/run" \
		--lease-file "$TMP/leases" "$@" 2>&1) || rc=$?
	[ "$rc" -eq 2 ] || fail "exit $rc (want 2) for: $* -> $out"
	[ "$(wc -l <<<"$out")" -eq 1 ] || fail "more than one line for: $* -> $out"
	grep -q -- "$pattern" <<<"$out" || fail "'$out' does not mention '$pattern'"
	log "ok: $out"
}

expect_usage_error "range: start 198.18.0.200 is after end" \
	--interface "$IF_S" --range 198.18.0.200,198.18.0.100
expect_usage_error "range: start '198.18.0.999'" --interface "$IF_S" --range 198.18.0.999,198.18.0.1
expect_usage_error "interface 'nosuch0' does not exist" --interface nosuch0 --range 198.18.0.10,198.18.0.20
expect_usage_error "not inside one subnet" --interface "$IF_S" --range 198.18.0.10,198.18.1.20
expect_usage_error "netmask: 'bogus'" --interface "$IF_S" --range 198.18.0.10,198.18.0.20 --netmask bogus
expect_usage_error "unknown or incomplete option '--frob'" --frob
expect_usage_error "no --range" --interface "$IF_S"
expect_usage_error "network or broadcast" --interface "$IF_S" --range 198.18.0.0,198.18.0.20
ip -n "$NS_S" link add name xn$RUN_ID type veth peer name xp$RUN_ID
expect_usage_error "has no IPv4 address: give --server-id" \
	--interface xn$RUN_ID --range 198.18.0.10,198.18.0.20
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	rc=0
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$XDHCPD" --interface lo --range 198.18.0.10,198.18.0.20 --server-id 198.18.0.1 \
		--run-dir "$TMP/run-nobody" --lease-file "$TMP/l2" 2>&1) || rc=$?
	[ "$rc" -eq 2 ] && grep -q "missing privilege" <<<"$out" ||
		fail "unprivileged run: exit $rc: $out"
	log "ok: $out"
fi

# A second daemon on the same interface.
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199
rc=0
out=$(net_s "$XDHCPD" --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--pin-dir "$PIN-2" --run-dir "$TMP/run" --lease-file "$TMP/leases2" 2>&1) || rc=$?
rm -rf "$PIN-2"
[ "$rc" -eq 2 ] || fail "second daemon: exit $rc: $out"
grep -q "already served by another xdhcpd (pid $XDHCPD_PID)" <<<"$out" || fail "second daemon: $out"
log "ok: $out"
# Even with its own run and pin directories, a second daemon finds the
# first one's XDP link on the interface and refuses.
rc=0
out=$(net_s "$XDHCPD" --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--pin-dir "$PIN-3" --run-dir "$TMP/run3" --lease-file "$TMP/leases3" 2>&1) || rc=$?
rm -rf "$PIN-3"
[ "$rc" -eq 2 ] || fail "second daemon (other dirs): exit $rc: $out"
grep -q "already served by another xdhcpd" <<<"$out" || fail "second daemon (other dirs): $out"
log "ok: $out"
kill -0 "$XDHCPD_PID" || fail "first daemon died"

# --detach-all is refused while the daemon runs.
rc=0
out=$("$XDHCPD" --detach-all --pin-dir "$PIN" 2>&1) || rc=$?
[ "$rc" -eq 2 ] && match "is running with pin directory" <<<"$out" ||
	fail "--detach-all while running: exit $rc: $out"
log "ok: $out"

# A clean exit leaves the program serving (pinned link and maps); then
# --detach-all removes program, links and maps.
stop_xdhcpd
ip -n "$NS_S" link show dev "$IF_S" | match 'prog/xdp' || fail "program gone after a clean exit"
[ -e "$PIN/link-$IF_S" ] && [ -e "$PIN/leases" ] || fail "pins gone after a clean exit"
"$XDHCPD" --detach-all --pin-dir "$PIN" >"$TMP/detach.log" 2>&1 || fail "--detach-all failed: $(cat "$TMP/detach.log")"
ip -n "$NS_S" link show dev "$IF_S" | match xdp && fail "XDP still attached after --detach-all"
[ -e "$PIN" ] && fail "pin directory left after --detach-all"
# --detach-on-exit: the old behaviour, on request.
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 --detach-on-exit
stop_xdhcpd
ip -n "$NS_S" link show dev "$IF_S" | match xdp && fail "XDP left attached with --detach-on-exit"
[ -e "$PIN/leases" ] && fail "pins left with --detach-on-exit"
echo "PASS: usage errors, double start, detach"
