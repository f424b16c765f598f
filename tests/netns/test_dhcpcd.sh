#!/bin/bash
# SPDX-License-Identifier: MIT
# dhcpcd (Debian's dhcpcd-base 9) obtains a lease with the configured
# options; its rebind on request (dhcpcd -n: REBINDING, a broadcast REQUEST
# with ciaddr and neither server id nor requested address) and its T1
# renewal (RENEWING: the same REQUEST unicast to the server; lease 60 s so
# T1 = 30 s) are answered by the XDP fast path, not the daemon, and dhcpcd
# accepts the unicast ACK (no fallback to rebinding).
# Then dhcpcd -k releases the lease: the daemon frees it (gone from the BPF
# map, "release" record in the lease file).
#
# dhcpcd runs with our script and configuration only (-c, -f: no hooks, no
# resolv.conf), in a private mount namespace that keeps its run and
# database directories off the host (start_dhcpcd in lib.sh).
. "$(dirname "$0")/lib.sh"

command -v dhcpcd >/dev/null || skip "no dhcpcd (dhcpcd-base)"
command -v tcpdump >/dev/null || skip "no tcpdump"

setup_netns
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--router 198.18.0.1 --dns 198.18.0.53,198.18.0.54 --domain example.test \
	--lease-time 60
start_capture "$NS_C" "$IF_C" "$TMP/dhcpcd.pcap"
start_dhcpcd "$NS_C" "$IF_C"

wait_for 30 grep -q '^BOUND ' "$XDHCP_OUT" || { cat "$TMP/dhcpcd.log"; fail "no lease"; }
line=$(grep '^BOUND ' "$XDHCP_OUT" | head -n 1)
log "$line"
ip=$(sed -n 's/.* ip=\([^ ]*\).*/\1/p' <<<"$line")
case $ip in 198.18.0.1[0-9][0-9]) ;; *) fail "address '$ip' not in the range" ;; esac
grep -q ' mask=255.255.255.0 ' <<<"$line" || fail "netmask wrong: $line"
grep -q ' router=198.18.0.1 ' <<<"$line" || fail "router wrong: $line"
grep -q ' dns=198.18.0.53 198.18.0.54 ' <<<"$line" || fail "dns wrong: $line"
grep -q ' lease=60 ' <<<"$line" || fail "lease time wrong: $line"
grep -q ' serverid=198.18.0.1 ' <<<"$line" || fail "server id wrong: $line"
grep -q ' domain=example.test$' <<<"$line" || fail "domain wrong: $line"
# dhcpcd configures the address and the default route itself.
wait_for 5 bash -c "ip -n '$NS_C' -4 addr show dev '$IF_C' | grep -q 'inet $ip/24'" ||
	fail "address not configured"
ip -n "$NS_C" route show default | match "via 198.18.0.1 dev $IF_C" || fail "default route not set"
lease_in_map "$ip" || fail "lease $ip not in the BPF map"
grep -Eq "^grant $ip (mac|id):" "$TMP/leases" || fail "lease $ip not in the lease file"
# Its lease file went to our directory, not the host's.
[ -s "$TMP/dhcpcd-db/$IF_C.lease" ] || fail "dhcpcd's lease file is not in $TMP/dhcpcd-db"
[ ! -e "/var/lib/dhcpcd/$IF_C.lease" ] || fail "dhcpcd wrote /var/lib/dhcpcd on the host"

# more_lines FILE REGEX N: FILE has more than N lines matching REGEX.
more_lines() { [ "$(grep -cE "$2" "$1")" -gt "$3" ]; }
REPLY_RE='^(RENEW|REBIND|REBOOT) '

# Rebind: dhcpcd -n (SIGHUP) rereads its configuration and lease and asks
# for the lease again by broadcast (its log: "rebinding lease of").
acks0=$(stat_sum fast_ack) punts0=$(stat_sum punt)
n=$(grep -cE "$REPLY_RE" "$XDHCP_OUT" || true)
dhcpcd_ctl -n >>"$TMP/dhcpcd.log" 2>&1 || fail "dhcpcd -n failed"
wait_for 15 more_lines "$XDHCP_OUT" "$REPLY_RE" "$n" ||
	{ tail -n 20 "$TMP/dhcpcd.log"; fail "no reply to the rebinding request (dhcpcd -n)"; }
grep -E "$REPLY_RE" "$XDHCP_OUT" | tail -n 1 | match " ip=$ip " || fail "rebind gave another address"
sent_match "$TMP/dhcpcd.pcap" "^REQUEST dst=255.255.255.255 ciaddr=$ip sid=- reqip=-$" ||
	{ dhcp_sent "$TMP/dhcpcd.pcap"; tail -n 20 "$TMP/dhcpcd.log"; fail "no REBINDING request (broadcast, ciaddr $ip) on the wire"; }
acks1=$(stat_sum fast_ack) punts1=$(stat_sum punt)
log "rebind (dhcpcd -n): fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
[ "$acks1" -gt "$acks0" ] || fail "rebind not answered in XDP"
[ "$punts1" -eq "$punts0" ] || fail "rebind was punted to the daemon"
n_bcast=$(dhcp_sent "$TMP/dhcpcd.pcap" | grep -c "^REQUEST dst=255.255.255.255 ciaddr=$ip " || true)

# RENEWING: T1 is 30 s after that ACK; dhcpcd unicasts to the server and
# takes the ACK on its UDP socket.
acks0=$acks1 punts0=$punts1
n=$(grep -cE "$REPLY_RE" "$XDHCP_OUT" || true)
wait_for 45 more_lines "$XDHCP_OUT" "$REPLY_RE" "$n" ||
	{ tail -n 20 "$TMP/dhcpcd.log"; fail "no renewal at T1"; }
line=$(grep -E "$REPLY_RE" "$XDHCP_OUT" | tail -n 1)
log "$line"
grep -q "^RENEW ip=$ip " <<<"$line" || fail "T1 renewal: expected RENEW of $ip, got: $line"
grep -q "renewing lease of $ip" "$TMP/dhcpcd.log" || fail "dhcpcd did not log a renewal (RENEWING)"
grep -q "failed to renew" "$TMP/dhcpcd.log" && fail "dhcpcd missed the unicast ACK and rebound"
sent_match "$TMP/dhcpcd.pcap" "^REQUEST dst=198.18.0.1 ciaddr=$ip sid=- reqip=-$" ||
	{ dhcp_sent "$TMP/dhcpcd.pcap"; fail "no RENEWING request (unicast, ciaddr $ip) on the wire"; }
[ "$(dhcp_sent "$TMP/dhcpcd.pcap" | grep -c "^REQUEST dst=255.255.255.255 ciaddr=$ip " || true)" -eq "$n_bcast" ] ||
	fail "dhcpcd broadcast a REBINDING request after its renewal: the unicast ACK was not accepted"
acks1=$(stat_sum fast_ack) punts1=$(stat_sum punt)
log "renewal: fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
[ "$acks1" -gt "$acks0" ] || fail "renewal not answered in XDP"
[ "$punts1" -eq "$punts0" ] || fail "renewal was punted to the daemon"
grep -q "^renew $ip " "$TMP/leases" || fail "the daemon did not record the renewal in the lease file"

# Release: dhcpcd -k sends DHCPRELEASE (punted) and exits.
punts0=$(stat_sum punt)
dhcpcd_ctl -k >>"$TMP/dhcpcd.log" 2>&1 || fail "dhcpcd -k failed"
wait_exit 10 "$DHCPCD_PID" || { tail -n 20 "$TMP/dhcpcd.log"; fail "dhcpcd did not exit after -k"; }
sent_match "$TMP/dhcpcd.pcap" "^RELEASE dst=198.18.0.1 ciaddr=$ip sid=198.18.0.1 " ||
	{ dhcp_sent "$TMP/dhcpcd.pcap"; fail "no DHCPRELEASE on the wire"; }
wait_for 5 grep -q "^release $ip " "$TMP/leases" ||
	{ cat "$TMP/leases"; fail "no release record for $ip in the lease file"; }
lease_in_map "$ip" && fail "released lease $ip still in the BPF map"
punts1=$(stat_sum punt)
log "release: punts $punts0 -> $punts1"
[ "$punts1" -gt "$punts0" ] || fail "the release did not reach the daemon"
ip -n "$NS_C" -4 addr show dev "$IF_C" | match "inet $ip/" && fail "dhcpcd kept $ip after releasing it"

stop_xdhcpd
echo "PASS: dhcpcd lease $ip; rebind and renewal answered in XDP; release freed the lease"
