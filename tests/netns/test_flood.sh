#!/bin/bash
# SPDX-License-Identifier: MIT
# A hostile guest on its own port floods DHCP (bounded: 4 s per variant)
# while other clients renew and new ones join:
#  1. DISCOVERs from random MACs: the per-interface punt rate limit (BPF)
#     drops most of them, the per-interface offer cap keeps the pool from
#     draining; renewals of existing clients are all answered in XDP, a new
#     client gets its lease on its first try, the daemon's memory stays
#     bounded, the legitimate lease is untouched;
#  2. REQUESTs and DECLINEs for addresses it does not hold: NAKed and
#     ignored (no lease taken, no address declined, no lease changed).
. "$(dirname "$0")/lib.sh"

DHCPSEND=$BUILD/tests/tools/dhcpsend
FLOOD=$BUILD/tests/tools/flood
[ -x "$DHCPSEND" ] && [ -x "$FLOOD" ] || fail "test tools not built"
setup_netns
setup_bridge
NS_F=xdhf-$RUN_ID IFS_F=xfs$RUN_ID IFC_F=xfc$RUN_ID
NS_N=xdhn-$RUN_ID IFS_N=xns$RUN_ID IFC_N=xnc$RUN_ID
add_client_ns "$NS_F" "$IFS_F" "$IFC_F"
add_client_ns "$NS_N" "$IFS_N" "$IFC_N"
start_xdhcpd --interface "$IF_S" --interface "$IFS_F" --interface "$IFS_N" \
	--server-id "$SERVER_IP" --range 198.18.0.100,198.18.0.199 --lease-time 600
SRV_MAC=$(ip -n "$NS_S" -j link show dev "$IF_S" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')

ds() { # ds NS IF ARGS...
	local ns=$1 ifc=$2; shift 2
	ip netns exec "$ns" "$DHCPSEND" --if "$ifc" --first "$@"
}
# A legitimate client on the first port: DORA, then renewals.
LEGIT=02:00:5e:00:1e:01
ds "$NS_C" "$IF_C" --type discover --mac $LEGIT --broadcast >/dev/null || fail "legit: no OFFER"
ds "$NS_C" "$IF_C" --type request --mac $LEGIT --broadcast --requested 198.18.0.100 \
	--server-id "$SERVER_IP" >/dev/null || fail "legit: no ACK"
renew_legit() { # renew_legit N: N RENEWING requests, prints how many were ACKed
	local ok=0 i
	for i in $(seq "$1"); do
		ds "$NS_C" "$IF_C" --type request --mac $LEGIT --ciaddr 198.18.0.100 \
			--ip-dst "$SERVER_IP" --eth-dst "$SRV_MAC" --timeout-ms 500 2>/dev/null |
			match 'type=ACK' && ok=$((ok + 1))
	done
	echo "$ok"
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$XDHCPD_PID/status"; }
legit_in_map() { lease_in_map 198.18.0.100; }
legit_in_map || fail "legit lease not in the map"

for mode in discover decline; do
	rss0=$(rss)
	limited0=$(stat_if punt_limited "$IFS_F")
	ip netns exec "$NS_F" "$FLOOD" --if "$IFC_F" --mode "$mode" --seconds 4 --count 2000000 \
		--range-start 198.18.0.100 --range-size 100 --server-id "$SERVER_IP" \
		>"$TMP/flood-$mode.out" 2>&1 &
	FLOOD_PID=$!
	PIDS+=("$FLOOD_PID")
	sleep 0.5
	# Existing client renews during the flood: every renewal answered.
	acks0=$(stat_if fast_ack "$IF_S")
	ok=$(renew_legit 100)
	acks1=$(stat_if fast_ack "$IF_S")
	log "$mode flood: $ok/100 renewals ACKed ($((acks1 - acks0)) in XDP)"
	[ "$ok" -eq 100 ] || fail "$mode flood: only $ok of 100 renewals answered"
	# A new client joins during the flood: leased on its first try.
	mac=02:00:5e:00:2e:0$([ $mode = discover ] && echo 1 || echo 2)
	t0=$EPOCHREALTIME
	offer=$(ds "$NS_N" "$IFC_N" --type discover --mac "$mac" --broadcast --timeout-ms 2000) ||
		fail "$mode flood: new client got no OFFER"
	yi=$(sed -n 's/.*type=OFFER .*yiaddr=\([0-9.]*\).*/\1/p' <<<"$offer")
	ds "$NS_N" "$IFC_N" --type request --mac "$mac" --broadcast --requested "$yi" \
		--server-id "$SERVER_IP" --timeout-ms 2000 | match 'type=ACK' ||
		fail "$mode flood: new client got no ACK for $yi"
	log "$mode flood: new client leased $yi in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }') s"
	wait_exit 10 "$FLOOD_PID" || fail "flooder did not stop"
	log "$(cat "$TMP/flood-$mode.out")"
	limited1=$(stat_if punt_limited "$IFS_F")
	rss1=$(rss)
	log "$mode flood: punts rate-limited on the flooder's port: $((limited1 - limited0)); daemon RSS $rss0 -> $rss1 kB"
	[ "$((rss1 - rss0))" -lt 16384 ] || fail "daemon memory grew by $((rss1 - rss0)) kB"
	legit_in_map || fail "$mode flood: the legitimate lease left the map"
done
[ "$(stat_if punt_limited "$IFS_F")" -gt 0 ] || fail "nothing was rate-limited"
# The flooder holds no lease: a REQUEST without our offer is NAKed.
bound=$(bpftool -j map dump pinned "$PIN/leases" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
log "bound leases in the map after the floods: $bound (the legitimate client and two newcomers)"
[ "$bound" -le 3 ] || fail "the flooder obtained leases: $bound bound"
grep -q "declined" "$TMP/xdhcpd.log" && fail "a DECLINE from a non-holder was honoured"
grep -q "^decline " "$TMP/leases" && fail "a decline record was written"
# The flooder never held more than its offer budget: the pool still has room.
ds "$NS_N" "$IFC_N" --type discover --mac 02:00:5e:00:2e:09 --broadcast >/dev/null ||
	fail "pool drained by the flood"
stop_xdhcpd
echo "PASS: DISCOVER and DECLINE floods: renewals all answered, new clients leased, memory bounded"
