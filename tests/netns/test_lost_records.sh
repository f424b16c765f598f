#!/bin/bash
# SPDX-License-Identifier: MIT
# Renewal records lost to a full ring buffer are not lost renewals.  While
# the daemon is stopped (SIGSTOP), a client's renewals keep being answered
# in XDP; past what the renewal ring holds (4 MiB, about 58,000 records)
# their records are dropped and counted (event_drop).  When the daemon runs
# again it drains what the ring kept, sees the counter moved, rescans the
# lease map and persists the latest expiry: the lease file ends up with
# the expiry of the last renewal answered, which no record carried.
. "$(dirname "$0")/lib.sh"

FLOOD=$BUILD/tests/tools/flood
[ -x "$FLOOD" ] || fail "$FLOOD not built (run make tests-build)"

setup_netns
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 600
start_udhcpc -C # no client id: flood sends none, the lease is keyed by MAC
udhcpc_bound
ip=$LEASE_IP
client_mac=$(ip -n "$NS_C" -j link show "$IF_C" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])')
server_mac=$(ip -n "$NS_S" -j link show "$IF_S" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])')
# lease_expiry: the expiry (Unix time) of the latest record of $ip.
lease_expiry() { awk -v ip="$ip" '$2 == ip && ($1 == "grant" || $1 == "renew") { e = $4 } END { print e + 0 }' "$TMP/leases"; }
flood_renew() {
	in_c "$FLOOD" --if "$IF_C" --mode renew --mac "$client_mac" --ciaddr "$ip" \
		--server-id "$SERVER_IP" --server-mac "$server_mac" --seconds 20 --count "$1" \
		--rate 100000
}

kill -STOP "$XDHCPD_PID"
acks0=$(stat_sum fast_ack)
# More renewals than the ring holds records: the rest are dropped.
flood_renew 70000
log "fast ACKs now $(stat_sum fast_ack), rx $(stat_sum rx), punts $(stat_sum punt)"
drops=$(stat_sum event_drop)
log "event_drop $drops after the first burst"
[ "$drops" -gt 0 ] || fail "the renewal ring never filled (event_drop 0)"
# Later renewals, all dropped: their expiry is the one to persist.
sleep 2
t_last=$(date +%s)
flood_renew 200
acks1=$(stat_sum fast_ack)
log "fast ACKs $acks0 -> $acks1 while the daemon was stopped"
[ $((acks1 - acks0)) -ge 70000 ] || fail "renewals went unanswered while the daemon was stopped"
kill -CONT "$XDHCPD_PID"

wait_for 10 grep -q "renewal records lost" "$TMP/xdhcpd.log" ||
	{ tail -n 20 "$TMP/xdhcpd.log"; fail "the daemon did not notice the lost records"; }
grep "renewal records lost" "$TMP/xdhcpd.log" | sed 's/^/# /'
grep -q "lease map rescanned, 1 later expiries persisted" "$TMP/xdhcpd.log" ||
	fail "the rescan persisted no expiry"
exp=$(lease_expiry)
log "lease file expiry of $ip: $exp, last renewal at $t_last + 600 s"
[ "$exp" -ge $((t_last + 600 - 1)) ] ||
	fail "the lease file holds $exp, older than the last renewal's expiry $((t_last + 600))"
stop_xdhcpd
echo "PASS: renewal records lost to a full ring: the latest expiry was persisted from the map"
