#!/bin/bash
# SPDX-License-Identifier: MIT
# Leases are written to the lease file and read back at start.  The XDP
# program, its link and its maps outlive the daemon: while no daemon runs
# (after a clean stop, and after kill -9) renewals are still answered in
# XDP; the next daemon takes the running link over (program replaced in
# place), knows the lease, and the renewals made meanwhile are persisted.
. "$(dirname "$0")/lib.sh"

setup_netns
ARGS=(--interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 600)
start_xdhcpd "${ARGS[@]}"
start_udhcpc
udhcpc_bound
first_ip=$LEASE_IP

stop_xdhcpd
grep -Eq "^grant $first_ip (mac|id):" "$TMP/leases" || fail "lease not in the lease file"
# lease_expiry IP: the expiry (Unix time) of IP's latest record in the file.
lease_expiry() { awk -v ip="$1" '$2 == ip && ($1 == "grant" || $1 == "renew") { e = $4 } END { print e + 0 }' "$TMP/leases"; }
exp0=$(lease_expiry "$first_ip")
sleep 1.1 # the next expiry must be later by whole seconds
# No daemon: the program still answers.
udhcpc_renew_in_xdp
start_xdhcpd "${ARGS[@]}"
grep -q "ready: 1 interface(s), 1 leases restored" "$TMP/xdhcpd.log" ||
	fail "lease not restored: $(grep ready: "$TMP/xdhcpd.log")"
# Where start-up went, as the benchmark reads it.
grep -Eq "ready: .* start-up [0-9.]+ s \(lease file [0-9.]+ s, BPF load [0-9.]+ s beside it, then [0-9.]+ s" \
	"$TMP/xdhcpd.log" || fail "start-up phases not logged: $(grep ready: "$TMP/xdhcpd.log")"
grep -q "took over the running XDP link on '$IF_S'" "$TMP/xdhcpd.log" ||
	fail "the running link was not taken over"
# The renewal answered while no daemon ran reaches the lease file (from
# the map's expiry or the ring buffer's record, whichever comes first).
exp1=$(lease_expiry "$first_ip")
log "lease file expiry of $first_ip: $exp0 -> $exp1"
[ "$exp1" -gt "$exp0" ] || fail "the renewal made while the daemon was down was not persisted"
bpftool map dump pinned "$PIN/leases" | match '"fast_renewals"' || fail "lease not back in the map"
udhcpc_renew_in_xdp

# kill -9: the link goes with the process, the pins stay; a new daemon
# reuses them and carries on.
kill -9 "$XDHCPD_PID"
wait "$XDHCPD_PID" 2>/dev/null || true
[ -e "$PIN/leases" ] || fail "pins gone after kill -9"
udhcpc_renew_in_xdp
start_xdhcpd "${ARGS[@]}"
grep -q "1 leases restored" "$TMP/xdhcpd.log" || fail "lease not restored after kill -9"
udhcpc_renew_in_xdp

# The lease file still holds the grant.
[ "$(grep -c '^grant' "$TMP/leases")" -ge 1 ] || fail "lease file lost its grant"
stop_xdhcpd
echo "PASS: lease $first_ip survived a clean restart and kill -9"
