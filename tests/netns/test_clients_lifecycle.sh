#!/bin/bash
# SPDX-License-Identifier: MIT
# Rebind and release with real clients: busybox udhcpc, ISC dhclient and
# dhcpcd, each in its own namespace on a port of one bridge, all served by
# one daemon (test_udhcpc, test_dhclient and test_dhcpcd cover obtaining
# and renewing).
#
# Rebind: once bound, each client namespace routes the server's address
# through a gateway that does not exist (198.18.0.254, never answers ARP),
# so unicast to the server is queued for ARP and dropped: it never reaches
# the wire (the captures show no new unicast REQUEST), while the clients'
# broadcasts leave through their packet sockets.  (A blackhole route is not
# enough: udhcpc sends from a socket bound to the device, and for those the
# kernel takes a failed route lookup to mean "on link" and sends anyway.)
# Each client then moves to REBINDING and broadcasts
# a REQUEST with ciaddr set and neither server id nor requested address
# (RFC 2131 section 4.3.2): udhcpc one second after SIGUSR1 (-T 1: no answer
# to its unicast renew), dhclient and dhcpcd after T2 (lease 60 s: T2 =
# 52 s; the three wait in parallel).  The capture on each client shows that
# REQUEST; the client keeps its address (its script reports the ACK:
# udhcpc "renew", dhclient "RENEW" since its DHCPv4 state machine has no
# separate rebinding state, dhcpcd "REBIND"); XDP answered (the interface's
# fast-ACK counter rose, its punt counter did not) and the daemon recorded
# the renewal in the lease file.
#
# Release: route removed; udhcpc -R on SIGTERM, dhclient -r and dhcpcd -k
# send DHCPRELEASE (unicast, punted to the daemon), which frees the lease:
# it leaves the BPF map and a "release" record is appended to the lease
# file.
. "$(dirname "$0")/lib.sh"

LEASE_TIME=60
DEAD_GW=198.18.0.254 # in the subnet, outside the range, nobody has it
command -v dhclient >/dev/null || skip "no dhclient (isc-dhcp-client)"
command -v dhcpcd >/dev/null || skip "no dhcpcd (dhcpcd-base)"
command -v tcpdump >/dev/null || skip "no tcpdump"

setup_netns
setup_bridge
# Namespaces and server-side ports: udhcpc uses $NS_C/$IF_S (setup_netns).
NS_D=xdhd-$RUN_ID IF_SD=xsd$RUN_ID IF_CD=xcd$RUN_ID # dhclient
NS_P=xdhp-$RUN_ID IF_SP=xsp$RUN_ID IF_CP=xcp$RUN_ID # dhcpcd
add_client_ns "$NS_D" "$IF_SD" "$IF_CD"
add_client_ns "$NS_P" "$IF_SP" "$IF_CP"

start_xdhcpd --interface "$IF_S" --interface "$IF_SD" --interface "$IF_SP" \
	--server-id "$SERVER_IP" --range 198.18.0.100,198.18.0.199 \
	--router "$SERVER_IP" --dns 198.18.0.53 --lease-time "$LEASE_TIME"

start_capture "$NS_C" "$IF_C" "$TMP/udhcpc.pcap"
start_capture "$NS_D" "$IF_CD" "$TMP/dhclient.pcap"
start_capture "$NS_P" "$IF_CP" "$TMP/dhcpcd.pcap"

start_udhcpc -R
start_dhclient_in "$NS_D" "$IF_CD"
start_dhcpcd "$NS_P" "$IF_CP"

# bound_ip OUT REASON: the address of the first REASON line in OUT.
bound_ip() {
	wait_for 30 grep -q "^$2 " "$1" || return 1
	grep "^$2 " "$1" | head -n 1 | sed -n 's/.* ip=\([^ ]*\).*/\1/p'
}
ip_u=$(bound_ip "$TMP/udhcpc.out" bound) || { cat "$TMP/udhcpc.log"; fail "udhcpc: no lease"; }
ip_d=$(bound_ip "$TMP/dhclient.out" BOUND) || { cat "$TMP/dhclient.log"; fail "dhclient: no lease"; }
ip_p=$(bound_ip "$TMP/dhcpcd.out" BOUND) || { cat "$TMP/dhcpcd.log"; fail "dhcpcd: no lease"; }
log "bound: udhcpc $ip_u, dhclient $ip_d, dhcpcd $ip_p"
for ip in "$ip_u" "$ip_d" "$ip_p"; do
	case $ip in 198.18.0.1[0-9][0-9]) ;; *) fail "address '$ip' not in the range" ;; esac
	lease_in_map "$ip" || fail "lease $ip not in the BPF map"
done
[ "$(printf '%s\n' "$ip_u" "$ip_d" "$ip_p" | sort -u | wc -l)" -eq 3 ] ||
	fail "clients share an address: $ip_u $ip_d $ip_p"

# --- Rebind: the server is unreachable for unicast.
declare -A ACK0 PUNT0 RENEWREC0
for c in u:"$IF_S":"$ip_u" d:"$IF_SD":"$ip_d" p:"$IF_SP":"$ip_p"; do
	IFS=: read -r k ifs ip <<<"$c"
	ACK0[$k]=$(stat_if fast_ack "$ifs")
	PUNT0[$k]=$(stat_if punt "$ifs")
	RENEWREC0[$k]=$(grep -c "^renew $ip " "$TMP/leases" || true)
done
n_u=$(grep -c '^renew' "$TMP/udhcpc.out" || true)
n_d=$(grep -cE '^(RENEW|REBIND)' "$TMP/dhclient.out" || true)
n_p=$(grep -cE '^(RENEW|REBIND)' "$TMP/dhcpcd.out" || true)
# unicast_requests NAME: unicast REQUESTs to the server in NAME's capture.
unicast_requests() { dhcp_sent "$TMP/$1.pcap" | grep -c "^REQUEST dst=$SERVER_IP " || true; }
declare -A UNI0
for k in udhcpc:"$NS_C":"$IF_C" dhclient:"$NS_D":"$IF_CD" dhcpcd:"$NS_P":"$IF_CP"; do
	IFS=: read -r name ns ifc <<<"$k"
	UNI0[$name]=$(unicast_requests "$name")
	ip -n "$ns" route add "$SERVER_IP/32" via "$DEAD_GW" dev "$ifc"
done
t_block=$SECONDS

# more_lines OUT REGEX N: OUT has more than N lines matching REGEX.
more_lines() { [ "$(grep -cE "$2" "$1")" -gt "$3" ]; }

# udhcpc: SIGUSR1 renews by unicast, unanswered, so it rebinds after -T 1.
kill -USR1 "$UDHCPC_PID"
wait_for 15 more_lines "$TMP/udhcpc.out" '^renew' "$n_u" ||
	{ cat "$TMP/udhcpc.log"; fail "udhcpc: no rebind after SIGUSR1 with unicast blocked"; }
# dhclient and dhcpcd: T1 passes (unicast fails), then T2.
wait_for $((LEASE_TIME + 15)) more_lines "$TMP/dhclient.out" '^(RENEW|REBIND)' "$n_d" ||
	{ tail -n 30 "$TMP/dhclient.log"; fail "dhclient: no rebind by T2 with unicast blocked"; }
wait_for $((LEASE_TIME + 15)) more_lines "$TMP/dhcpcd.out" '^(RENEW|REBIND)' "$n_p" ||
	{ tail -n 30 "$TMP/dhcpcd.log"; fail "dhcpcd: no rebind by T2 with unicast blocked"; }
log "rebinds done $((SECONDS - t_block)) s after unicast was blocked"

# check_rebind NAME KEY IF_SERVER IP OUT REGEX
check_rebind() {
	local name=$1 k=$2 ifs=$3 ip=$4 out=$5 re=$6 acks punts line
	line=$(grep -E "$re" "$out" | tail -n 1)
	log "$name: $line"
	grep -q " ip=$ip " <<<"$line" || fail "$name: rebind gave another address: $line"
	[ "$(unicast_requests "$name")" -eq "${UNI0[$name]}" ] ||
		fail "$name: a unicast REQUEST reached the wire: the server was not unreachable"
	sent_match "$TMP/$name.pcap" "^REQUEST dst=255.255.255.255 ciaddr=$ip sid=- reqip=-$" ||
		{ dhcp_sent "$TMP/$name.pcap"; fail "$name: no REBINDING request (broadcast, ciaddr $ip, no server id) on the wire"; }
	acks=$(stat_if fast_ack "$ifs")
	punts=$(stat_if punt "$ifs")
	log "$name rebind on $ifs: fast ACKs ${ACK0[$k]} -> $acks, punts ${PUNT0[$k]} -> $punts"
	[ "$acks" -gt "${ACK0[$k]}" ] || fail "$name: rebind not answered in XDP"
	[ "$punts" -eq "${PUNT0[$k]}" ] || fail "$name: rebind was punted to the daemon"
	wait_for 5 more_lines "$TMP/leases" "^renew $ip " "${RENEWREC0[$k]}" ||
		fail "$name: the daemon did not record the renewal of $ip in the lease file"
	lease_in_map "$ip" || fail "$name: lease $ip left the BPF map"
}
check_rebind udhcpc u "$IF_S" "$ip_u" "$TMP/udhcpc.out" '^renew'
check_rebind dhclient d "$IF_SD" "$ip_d" "$TMP/dhclient.out" '^(RENEW|REBIND)'
check_rebind dhcpcd p "$IF_SP" "$ip_p" "$TMP/dhcpcd.out" '^(RENEW|REBIND)'
grep -q "DHCPREQUEST for $ip_d on $IF_CD to 255.255.255.255 port 67" "$TMP/dhclient.log" ||
	fail "dhclient: its log shows no broadcast REQUEST"
grep -q "failed to renew DHCP, rebinding" "$TMP/dhcpcd.log" || fail "dhcpcd: its log shows no rebinding"

# --- Release, with the server reachable again.
for k in "$NS_C":"$IF_C" "$NS_D":"$IF_CD" "$NS_P":"$IF_CP"; do
	IFS=: read -r ns ifc <<<"$k"
	ip -n "$ns" route del "$SERVER_IP/32" via "$DEAD_GW" dev "$ifc"
done
for c in u:"$IF_S" d:"$IF_SD" p:"$IF_SP"; do
	IFS=: read -r k ifs <<<"$c"
	PUNT0[$k]=$(stat_if punt "$ifs")
done

kill -TERM "$UDHCPC_PID"
wait_exit 10 "$UDHCPC_PID" || { cat "$TMP/udhcpc.log"; fail "udhcpc did not exit cleanly on SIGTERM"; }
dhclient_cmd "$NS_D"
timeout 20 "${DHCLIENT_CMD[@]}" -r "$IF_CD" >>"$TMP/dhclient.log" 2>&1 ||
	{ tail -n 20 "$TMP/dhclient.log"; fail "dhclient -r failed"; }
wait_exit 10 "$DHCLIENT_PID" || true
kill -0 "$DHCLIENT_PID" 2>/dev/null && fail "dhclient -r did not stop the running dhclient"
dhcpcd_ctl -k >>"$TMP/dhcpcd.log" 2>&1 || fail "dhcpcd -k failed"
wait_exit 10 "$DHCPCD_PID" || { tail -n 20 "$TMP/dhcpcd.log"; fail "dhcpcd did not exit after -k"; }

# check_release NAME KEY IF_SERVER IP
check_release() {
	local name=$1 k=$2 ifs=$3 ip=$4 punts
	wait_for 5 grep -q "^release $ip " "$TMP/leases" ||
		{ cat "$TMP/leases"; fail "$name: no release record for $ip in the lease file"; }
	lease_in_map "$ip" && fail "$name: released lease $ip still in the BPF map"
	sent_match "$TMP/$name.pcap" "^RELEASE dst=$SERVER_IP ciaddr=$ip sid=$SERVER_IP " ||
		{ dhcp_sent "$TMP/$name.pcap"; fail "$name: no DHCPRELEASE for $ip on the wire"; }
	punts=$(stat_if punt "$ifs")
	[ "$punts" -gt "${PUNT0[$k]}" ] || fail "$name: the release was not punted to the daemon"
	log "$name released $ip (punts on $ifs ${PUNT0[$k]} -> $punts)"
}
check_release udhcpc u "$IF_S" "$ip_u"
check_release dhclient d "$IF_SD" "$ip_d"
check_release dhcpcd p "$IF_SP" "$ip_p"

stop_xdhcpd
echo "PASS: udhcpc $ip_u, dhclient $ip_d, dhcpcd $ip_p: rebinds answered in XDP, releases free the leases"
