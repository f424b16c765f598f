#!/bin/bash
# SPDX-License-Identifier: MIT
# busybox udhcpc obtains a lease with the configured options, and its
# renewal (SIGUSR1: unicast REQUEST in RENEWING state) is answered by the
# XDP fast path without a punt to the daemon.
. "$(dirname "$0")/lib.sh"

setup_netns
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--router 198.18.0.1 --dns 198.18.0.53,198.18.0.54 --domain example.test \
	--lease-time 600

write_udhcpc_script
export XDHCP_OUT=$TMP/udhcpc.out
in_c busybox udhcpc -f -i "$IF_C" -s "$TMP/udhcpc.sh" -t 10 -T 1 -A 1 \
	>"$TMP/udhcpc.log" 2>&1 &
UDHCPC_PID=$!
PIDS+=("$UDHCPC_PID")

wait_for 20 grep -q '^bound' "$XDHCP_OUT" || { cat "$TMP/udhcpc.log"; fail "no lease"; }
line=$(grep '^bound' "$XDHCP_OUT" | head -n 1)
log "$line"
ip=$(sed -n 's/.* ip=\([^ ]*\).*/\1/p' <<<"$line")
case $ip in 198.18.0.1[0-9][0-9]) ;; *) fail "address '$ip' not in the range" ;; esac
grep -q ' mask=24 ' <<<"$line" || fail "netmask not /24: $line"
grep -q ' router=198.18.0.1 ' <<<"$line" || fail "router missing: $line"
grep -q ' dns=198.18.0.53 198.18.0.54 ' <<<"$line" || fail "dns missing: $line"
grep -q ' lease=600 ' <<<"$line" || fail "lease time not 600: $line"
grep -q ' serverid=198.18.0.1 ' <<<"$line" || fail "server id wrong: $line"
grep -q ' domain=example.test ' <<<"$line" || fail "domain missing: $line"
in_c ip -4 addr show dev "$IF_C" | grep -q "inet $ip/24" || fail "address not configured"

# The lease is in the map, readable with bpftool.
wait_for 5 bash -c "bpftool map dump pinned '$PIN/leases' | grep -q addr" ||
	fail "lease not in the BPF map"
bpftool -j map dump pinned "$PIN/leases" | python3 -c '
import json, socket, struct, sys
entries = json.load(sys.stdin)
addrs = [socket.inet_ntoa(struct.pack("<I", e["formatted"]["value"]["addr"])) for e in entries]
sys.exit(0 if sys.argv[1] in addrs else 1)' "$ip" || fail "map lease address differs from $ip"

acks0=$(stat_sum fast_ack)
punts0=$(stat_sum punt)
kill -USR1 "$UDHCPC_PID"
wait_for 10 grep -q '^renew' "$XDHCP_OUT" || { cat "$TMP/udhcpc.log"; fail "no renewal"; }
grep '^renew' "$XDHCP_OUT" | grep -q " ip=$ip " || fail "renewed a different address"
acks1=$(stat_sum fast_ack)
punts1=$(stat_sum punt)
log "fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
[ "$acks1" -gt "$acks0" ] || fail "renewal was not answered in XDP"
[ "$punts1" -eq "$punts0" ] || fail "renewal was punted to the daemon"
echo "PASS: udhcpc lease $ip, renewal answered in XDP"
