#!/bin/bash
# SPDX-License-Identifier: MIT
# A renewal storm loses no renewal and costs the daemon one lease-file
# record per client.  While the daemon is stopped (SIGSTOP), a client's
# 70,000 renewals are answered in XDP; each sets the same bit in
# xdhcp_renewed (nothing is queued, so nothing can overflow).  When the
# daemon runs again, its next tick reads that one mark and persists the
# expiry of the last renewal answered: one record for the whole storm.
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
# lease_expiry: the expiry (Unix time) of the latest record of $ip;
# renew_records: how many renew records of $ip the file holds.
lease_expiry() { awk -v ip="$ip" '$2 == ip && ($1 == "grant" || $1 == "renew") { e = $4 } END { print e + 0 }' "$TMP/leases"; }
renew_records() { awk -v ip="$ip" '$2 == ip && $1 == "renew" { n++ } END { print n + 0 }' "$TMP/leases"; }
flood_renew() {
	in_c "$FLOOD" --if "$IF_C" --mode renew --mac "$client_mac" --ciaddr "$ip" \
		--server-id "$SERVER_IP" --server-mac "$server_mac" --seconds 20 --count "$1" \
		--rate 100000
}

# Let a tick pass, so no mark from the DORA is pending.
sleep 1.5
kill -STOP "$XDHCPD_PID"
acks0=$(stat_sum fast_ack)
records0=$(renew_records)
flood_renew 70000
# Later renewals: their expiry is the one to persist.
sleep 2
t_last=$(date +%s)
flood_renew 200
acks1=$(stat_sum fast_ack)
log "fast ACKs $acks0 -> $acks1 while the daemon was stopped"
[ $((acks1 - acks0)) -ge 70000 ] || fail "renewals went unanswered while the daemon was stopped"
kill -CONT "$XDHCPD_PID"

wait_for 5 sh -c "[ \$(awk -v ip='$ip' '\$2 == ip && \$1 == \"renew\" { n++ } END { print n + 0 }' '$TMP/leases') -gt $records0 ]" ||
	fail "no renew record of $ip after the storm"
sleep 2.5 # two more ticks: nothing more to write
exp=$(lease_expiry)
records=$(($(renew_records) - records0))
log "lease file expiry of $ip: $exp, last renewal at $t_last + 600 s; $records renew record(s) for $((acks1 - acks0)) renewals"
[ "$exp" -ge $((t_last + 600 - 1)) ] ||
	fail "the lease file holds $exp, older than the last renewal's expiry $((t_last + 600))"
[ "$records" -eq 1 ] || fail "$records renew records for one client's storm, want 1"
stop_xdhcpd
echo "PASS: $((acks1 - acks0)) renewals in XDP, none lost, persisted as 1 record with the latest expiry"
