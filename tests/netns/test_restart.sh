#!/bin/bash
# SPDX-License-Identifier: MIT
# Leases are written to the lease file and read back at start: after a
# clean stop, and after kill -9 (pinned maps left behind are reused), the
# restarted daemon knows the lease, puts it back in the map, and the
# client's renewal is answered in XDP with the same address.
. "$(dirname "$0")/lib.sh"

setup_netns
ARGS=(--interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 600)
start_xdhcpd "${ARGS[@]}"
start_udhcpc
udhcpc_bound
first_ip=$LEASE_IP

stop_xdhcpd
grep -Eq "^grant $first_ip (mac|id):" "$TMP/leases" || fail "lease not in the lease file"
[ -e "$PIN/leases" ] && fail "pins left after a clean stop"
start_xdhcpd "${ARGS[@]}"
grep -q "ready: 1 interface(s), 1 leases restored" "$TMP/xdhcpd.log" ||
	fail "lease not restored: $(grep ready: "$TMP/xdhcpd.log")"
bpftool map dump pinned "$PIN/leases" | match '"fast_renewals"' || fail "lease not back in the map"
udhcpc_renew_in_xdp

# kill -9: the link goes with the process, the pins stay; a new daemon
# reuses them and carries on.
kill -9 "$XDHCPD_PID"
wait "$XDHCPD_PID" 2>/dev/null || true
[ -e "$PIN/leases" ] || fail "pins gone after kill -9"
start_xdhcpd "${ARGS[@]}"
grep -q "1 leases restored" "$TMP/xdhcpd.log" || fail "lease not restored after kill -9"
udhcpc_renew_in_xdp

# The lease file still holds the grant.
[ "$(grep -c '^grant' "$TMP/leases")" -ge 1 ] || fail "lease file lost its grant"
stop_xdhcpd
echo "PASS: lease $first_ip survived a clean restart and kill -9"
