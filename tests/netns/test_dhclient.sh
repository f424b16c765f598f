#!/bin/bash
# SPDX-License-Identifier: MIT
# ISC dhclient obtains a lease with the configured options; its T1 renewal
# (RENEWING, unicast) and, after a restart with its lease file, its
# INIT-REBOOT request are answered by the XDP fast path, not the daemon.
. "$(dirname "$0")/lib.sh"

setup_netns
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--router 198.18.0.1 --dns 198.18.0.53 --domain example.test --lease-time 60

write_dhclient_script
export XDHCP_OUT=$TMP/dhclient.out
start_dhclient() {
	ip netns exec "$NS_C" dhclient -d -v -sf "$TMP/dhclient.sh" -lf "$TMP/dhclient.leases" \
		-pf "$TMP/dhclient.pid" "$IF_C" >>"$TMP/dhclient.log" 2>&1 &
	DHCLIENT_PID=$!
	PIDS+=("$DHCLIENT_PID")
}
start_dhclient
wait_for 30 grep -q '^BOUND' "$XDHCP_OUT" || { cat "$TMP/dhclient.log"; fail "no lease"; }
line=$(grep '^BOUND' "$XDHCP_OUT" | head -n 1)
log "$line"
ip=$(sed -n 's/.* ip=\([^ ]*\).*/\1/p' <<<"$line")
case $ip in 198.18.0.1[0-9][0-9]) ;; *) fail "address '$ip' not in the range" ;; esac
grep -q ' mask=255.255.255.0 ' <<<"$line" || fail "netmask wrong: $line"
grep -q ' router=198.18.0.1 ' <<<"$line" || fail "router wrong: $line"
grep -q ' dns=198.18.0.53 ' <<<"$line" || fail "dns wrong: $line"
grep -q ' lease=60 ' <<<"$line" || fail "lease time wrong: $line"

# T1 is 30 s: dhclient renews by unicast to the server.
acks0=$(stat_sum fast_ack); punts0=$(stat_sum punt)
wait_for 45 grep -q '^RENEW' "$XDHCP_OUT" || { cat "$TMP/dhclient.log"; fail "no renewal"; }
grep '^RENEW' "$XDHCP_OUT" | match " ip=$ip " || fail "renewed a different address"
acks1=$(stat_sum fast_ack); punts1=$(stat_sum punt)
log "renewal: fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
[ "$acks1" -gt "$acks0" ] || fail "renewal not answered in XDP"
[ "$punts1" -eq "$punts0" ] || fail "renewal was punted"

# Restart: dhclient reuses its lease file and asks INIT-REBOOT (REQUEST
# with option 50, no server id, broadcast).
kill "$DHCLIENT_PID"; wait "$DHCLIENT_PID" 2>/dev/null || true
: >"$XDHCP_OUT"
acks0=$(stat_sum fast_ack); punts0=$(stat_sum punt)
start_dhclient
wait_for 30 grep -q '^REBOOT' "$XDHCP_OUT" || { cat "$TMP/dhclient.log"; fail "no INIT-REBOOT"; }
grep '^REBOOT' "$XDHCP_OUT" | match " ip=$ip " || fail "INIT-REBOOT got a different address"
acks1=$(stat_sum fast_ack); punts1=$(stat_sum punt)
log "INIT-REBOOT: fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
[ "$acks1" -gt "$acks0" ] || fail "INIT-REBOOT not answered in XDP"
stop_xdhcpd
echo "PASS: dhclient lease $ip; renewal and INIT-REBOOT answered in XDP"
