#!/bin/bash
# SPDX-License-Identifier: MIT
# RFC 2131 behaviour packet by packet, against the real daemon and its XDP
# program: crafted client frames (tests/tools/dhcpsend, raw AF_PACKET on
# the client veth, so the client needs no address) and every field of the
# replies: DORA with and without the BROADCAST flag (4.1), a REQUEST for
# another server (4.3.2), INIT-REBOOT (ACK in XDP, NAK for a wrong address
# or network, silence for an unknown client), RENEWING and REBINDING in
# XDP, RELEASE and DECLINE (only from the holder), INFORM (4.3.5), client
# identifiers echoed (RFC 6842), option 57, the parameter request list's
# order, a relay agent (giaddr, option 82 echoed, RFC 3046) and a
# reservation inside the range under a DISCOVER storm.
# Each case uses its own MACs; every reply is also appended to
# $TMP/replies.log, shown when the test fails.
. "$(dirname "$0")/lib.sh"

DHCPSEND=$BUILD/tests/tools/dhcpsend
[ -x "$DHCPSEND" ] || fail "$DHCPSEND not built (run make tests-build)"

SERVER_ID=198.18.0.1
RESERVED_MAC=02:00:00:00:00:aa
RESERVED_IP=198.18.0.120
RESERVED_NAME=reserved-vm
LEASE_TIME=600
REPLIES=$TMP/replies.log
# How long to listen (ms): for a reply, then for duplicates of it, and for
# the silence of a request that must not be answered.
T_REPLY=3000
T_LINGER=300
T_NONE=1000
XID=$((0x5eed0000))

# new_xid: a fresh transaction id in XIDHEX (the next ds/reply1/no_reply).
new_xid() {
	XID=$((XID + 1))
	XIDHEX=$(printf '%08x' "$XID")
}

# ds ARGS...: dhcpsend on the client veth with the current xid; its output
# also goes to $REPLIES.
ds() {
	in_c "$DHCPSEND" --if "$IF_C" --xid "$XIDHEX" "$@" | tee -a "$REPLIES"
}

# reply1 WHAT ARGS...: exactly one reply (duplicates are errors); sets RL
# to its line.
reply1() {
	local what=$1 out n
	shift
	out=$(ds --timeout-ms "$T_REPLY" --linger-ms "$T_LINGER" "$@") ||
		fail "$what: no reply to: dhcpsend $*"
	n=$(grep -c '^reply ' <<<"$out" || true)
	[ "$n" -eq 1 ] || fail "$what: $n replies instead of one: $out"
	RL=$(grep '^reply ' <<<"$out")
	WHAT=$what
	want xid "0x$XIDHEX"
}

# no_reply WHAT ARGS...: the server must remain silent.
no_reply() {
	local what=$1 out
	shift
	out=$(ds --timeout-ms "$T_NONE" --expect-none "$@") ||
		fail "$what: the server answered (it must remain silent): $out"
}

# get KEY: a field of the last reply, RL.
get() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$RL"
}

# want KEY VALUE: a field of the last reply (reply1's WHAT names the case).
want() {
	local v
	v=$(get "$1")
	[ "$v" = "$2" ] || fail "$WHAT: $1 is '$v', expected '$2' in: $RL"
}

# has_opt CODE / no_opt CODE: option CODE is / is not in the last reply.
has_opt() {
	[[ ",$(get opts)," == *",$1,"* ]] || fail "$WHAT: option $1 missing: $RL"
}
no_opt() {
	[[ ",$(get opts)," != *",$1,"* ]] || fail "$WHAT: option $1 must not be sent: $RL"
}

# sane_reply MAC: checks common to every reply: checksums (IPv4 header
# and a full UDP checksum), from the server (port 67, server id), at least
# the 300-byte BOOTP message of RFC 1542, table 3's chaddr (echoed), hops
# and secs (0).
sane_reply() {
	local mac=$1
	want hops 0
	want secs 0
	want ip_csum ok
	want udp_csum ok
	want udp_src 67
	want ip_src "$SERVER_ID"
	want eth_src "$SERVER_MAC"
	want opt54 "$SERVER_ID"
	want chaddr "$mac"
	[ "$(get dhcp_len)" -ge 300 ] || fail "$WHAT: DHCP message of $(get dhcp_len) bytes < 300"
	[[ $(get opts) == 53,* ]] || fail "$WHAT: option 53 is not first: $RL"
}

# in_pool IP: a dynamic address of the range, never the reservation.
in_pool() {
	local last=${1##*.}
	[[ $1 == 198.18.0.* ]] && [ "$last" -ge 100 ] && [ "$last" -le 149 ] &&
		[ "$1" != "$RESERVED_IP" ]
}

# lease_config: the configuration options of an OFFER/ACK.
lease_config() {
	want opt51 "$LEASE_TIME"
	want opt58 $((LEASE_TIME / 2))
	want opt59 $((LEASE_TIME * 7 / 8))
	want opt1 255.255.255.0
	want opt3 "$SERVER_ID"
	want opt6 198.18.0.53
}

# dora WHAT MAC [ARGS...]: DISCOVER and REQUEST (SELECTING, same xid, the
# BROADCAST flag set); sets LEASED.
dora() {
	local what=$1 mac=$2
	shift 2
	new_xid
	reply1 "$what: DISCOVER" --type discover --mac "$mac" --broadcast "$@"
	want type OFFER
	LEASED=$(get yiaddr)
	reply1 "$what: REQUEST" --type request --mac "$mac" --broadcast "$@" \
		--server-id "$SERVER_ID" --requested "$LEASED"
	want type ACK
	want yiaddr "$LEASED"
	wait_for 5 lease_in_map "$LEASED" || fail "$what: lease $LEASED not in the BPF map"
}

# not_in_map IP: the BPF lease map holds no lease for IP.
not_in_map() {
	! lease_in_map "$1"
}

# log_has PATTERN: the daemon's log matches (within 5 s).
log_has() {
	wait_for 5 grep -q -- "$1" "$TMP/xdhcpd.log"
}

# map_addrs: the addresses of the BPF lease map, one a line.
map_addrs() {
	bpftool -j map dump pinned "$PIN/leases" | python3 -c '
import json, socket, struct, sys
for e in json.load(sys.stdin):
    print(socket.inet_ntoa(struct.pack("<I", e["formatted"]["value"]["addr"])))'
}

# ---------------------------------------------------------------------

# RFC 2131 4.1: BROADCAST set (and giaddr, ciaddr 0): to 255.255.255.255
# at ff:ff:ff:ff:ff:ff.  Table 3: xid, flags and chaddr echoed, ciaddr 0.
case_dora_broadcast() {
	local mac=02:00:00:00:01:01 offered
	new_xid
	reply1 "DORA/broadcast: DISCOVER" --type discover --mac $mac --broadcast
	want type OFFER
	sane_reply $mac
	lease_config
	want flags 0x8000
	want ip_dst 255.255.255.255
	want eth_dst ff:ff:ff:ff:ff:ff
	want udp_dst 68
	want ciaddr 0.0.0.0
	want giaddr 0.0.0.0
	offered=$(get yiaddr)
	in_pool "$offered" || fail "$WHAT: offered '$offered', outside the dynamic range"

	reply1 "DORA/broadcast: REQUEST" --type request --mac $mac --broadcast \
		--server-id "$SERVER_ID" --requested "$offered"
	want type ACK
	sane_reply $mac
	lease_config
	want yiaddr "$offered"
	want flags 0x8000
	want ip_dst 255.255.255.255
	want eth_dst ff:ff:ff:ff:ff:ff
	want ciaddr 0.0.0.0
	wait_for 5 lease_in_map "$offered" || fail "$WHAT: lease $offered not in the BPF map"
	wait_for 5 grep -q "^grant $offered mac:$mac " "$TMP/leases" ||
		fail "$WHAT: no grant record for $offered in the lease file"
	log "DORA/broadcast: $mac bound $offered"
}

# RFC 2131 4.1: BROADCAST clear: unicast to yiaddr at chaddr.
case_dora_unicast() {
	local mac=02:00:00:00:01:02 offered
	new_xid
	reply1 "DORA/unicast: DISCOVER" --type discover --mac $mac
	want type OFFER
	sane_reply $mac
	want flags 0x0000
	offered=$(get yiaddr)
	in_pool "$offered" || fail "$WHAT: offered '$offered', outside the dynamic range"
	want ip_dst "$offered"
	want eth_dst $mac

	reply1 "DORA/unicast: REQUEST" --type request --mac $mac --hostname vm-unicast \
		--server-id "$SERVER_ID" --requested "$offered"
	want type ACK
	sane_reply $mac
	lease_config
	want yiaddr "$offered"
	want ip_dst "$offered"
	want eth_dst $mac
	# The client's host name (option 12) is kept with the lease.
	wait_for 5 grep -Eq "^grant $offered mac:$mac [0-9]+ $LEASE_TIME vm-unicast " \
		"$TMP/leases" || fail "DORA/unicast: no grant record with the host name"
	log "DORA/unicast: $mac bound $offered"
}

# RFC 2131 4.3.2: a REQUEST naming another server id declines our offer:
# no reply, nothing bound, and the address is offered again.
case_other_server() {
	local mac=02:00:00:00:02:01 x1 offered other
	new_xid
	x1=$XIDHEX
	reply1 "other server: DISCOVER" --type discover --mac $mac --broadcast
	want type OFFER
	offered=$(get yiaddr)
	# While the offer stands, another client asking for it gets another.
	new_xid
	reply1 "other server: second client" --type discover --mac 02:00:00:00:02:02 \
		--broadcast --requested "$offered"
	want type OFFER
	other=$(get yiaddr)
	[ "$other" != "$offered" ] ||
		fail "$WHAT: $offered offered to two clients at once"

	XIDHEX=$x1
	no_reply "other server: REQUEST for 198.18.0.77" --type request --mac $mac --broadcast \
		--server-id 198.18.0.77 --requested "$offered"
	! lease_in_map "$offered" || fail "other server: $offered was bound anyway"
	! grep -q "^grant $offered " "$TMP/leases" ||
		fail "other server: $offered recorded as granted"
	new_xid
	reply1 "other server: offer withdrawn" --type discover --mac 02:00:00:00:02:03 \
		--broadcast --requested "$offered"
	want type OFFER
	want yiaddr "$offered"
	log "other server: offer of $offered withdrawn and offered again"
}

# RFC 2131 4.3.2, INIT-REBOOT (option 50, no server id, ciaddr 0): ACK
# when correct (in XDP), NAK for a wrong address or network (broadcast,
# 4.1), silence when the client is unknown.
case_init_reboot() {
	local mac=02:00:00:00:03:01 leased wrong a0 p0 n0 a1 p1 n1
	dora "INIT-REBOOT" $mac
	leased=$LEASED
	a0=$(stat_sum fast_ack) p0=$(stat_sum punt) n0=$(stat_sum fast_nak)
	new_xid
	reply1 "INIT-REBOOT: right address" --type request --mac $mac --requested "$leased"
	want type ACK
	sane_reply $mac
	lease_config
	want yiaddr "$leased"
	want ciaddr 0.0.0.0
	want ip_dst "$leased"
	want eth_dst $mac
	a1=$(stat_sum fast_ack) p1=$(stat_sum punt)
	[ "$a1" -gt "$a0" ] || fail "INIT-REBOOT: ACK not from XDP (fast ACKs $a0 -> $a1)"
	[ "$p1" -eq "$p0" ] || fail "INIT-REBOOT: request punted (punts $p0 -> $p1)"

	wrong=198.18.0.148
	[ "$leased" != $wrong ] || wrong=198.18.0.147
	for req in $wrong 198.19.0.5; do
		new_xid
		reply1 "INIT-REBOOT: requested $req" --type request --mac $mac --requested "$req"
		want type NAK
		sane_reply $mac
		want yiaddr 0.0.0.0
		want ciaddr 0.0.0.0
		want ip_dst 255.255.255.255
		want eth_dst ff:ff:ff:ff:ff:ff
		no_opt 51
		no_opt 1
	done
	n1=$(stat_sum fast_nak)
	[ "$n1" -ge $((n0 + 2)) ] || fail "INIT-REBOOT: NAKs not from XDP (fast NAKs $n0 -> $n1)"

	p0=$(stat_sum punt)
	new_xid
	no_reply "INIT-REBOOT: unknown client" --type request --mac 02:00:00:00:03:09 \
		--requested 198.18.0.140
	p1=$(stat_sum punt)
	[ "$p1" -gt "$p0" ] || fail "INIT-REBOOT: unknown client not punted to the daemon"
	log "INIT-REBOOT: ACK and 2 NAKs in XDP, unknown client ignored"
}

# RFC 2131 4.3.2 RENEWING (unicast, ciaddr) and REBINDING (broadcast,
# ciaddr): ACK in XDP, to ciaddr at the client's MAC (4.1).
case_renewing() {
	local mac=02:00:00:00:04:01 leased a0 p0 a1 p1
	dora "RENEWING" $mac
	leased=$LEASED
	a0=$(stat_sum fast_ack) p0=$(stat_sum punt)
	new_xid
	reply1 "RENEWING" --type request --mac $mac --ciaddr "$leased" --ip-src "$leased" \
		--ip-dst "$SERVER_ID" --eth-dst "$SERVER_MAC"
	want type ACK
	sane_reply $mac
	lease_config
	want yiaddr "$leased"
	want ciaddr "$leased"
	want ip_dst "$leased"
	want eth_dst $mac
	want udp_dst 68
	new_xid
	reply1 "REBINDING" --type request --mac $mac --ciaddr "$leased" --ip-src "$leased"
	want type ACK
	sane_reply $mac
	lease_config
	want yiaddr "$leased"
	want ciaddr "$leased"
	want ip_dst "$leased"
	want eth_dst $mac
	a1=$(stat_sum fast_ack) p1=$(stat_sum punt)
	[ "$a1" -ge $((a0 + 2)) ] || fail "RENEWING: ACKs not from XDP (fast ACKs $a0 -> $a1)"
	[ "$p1" -eq "$p0" ] || fail "RENEWING: requests punted (punts $p0 -> $p1)"
	log "RENEWING, REBINDING: ACKs to $leased in XDP"
}

# RFC 2131 4.3.4: RELEASE is not answered; the lease ends (map, lease
# file).  Only the holder may release it.
case_release() {
	local mac=02:00:00:00:05:01 leased
	dora "RELEASE" $mac
	leased=$LEASED
	new_xid
	no_reply "RELEASE from another client" --type release --mac 02:00:00:00:05:02 \
		--ciaddr "$leased" --server-id "$SERVER_ID" --ip-dst "$SERVER_ID" \
		--eth-dst "$SERVER_MAC"
	lease_in_map "$leased" || fail "RELEASE: another client's RELEASE ended $leased"
	! grep -q "^release $leased " "$TMP/leases" ||
		fail "RELEASE: another client's RELEASE recorded for $leased"
	new_xid
	no_reply "RELEASE" --type release --mac $mac --ciaddr "$leased" --server-id "$SERVER_ID" \
		--ip-dst "$SERVER_ID" --eth-dst "$SERVER_MAC"
	wait_for 5 not_in_map "$leased" ||
		fail "RELEASE: $leased still in the BPF map"
	wait_for 5 grep -q "^release $leased mac:$mac " "$TMP/leases" ||
		fail "RELEASE: no release record for $leased in the lease file"
	log "RELEASE: $leased released by its holder only"
}

# RFC 2131 4.3.3: DECLINE is not answered; the address is marked in use
# (quarantined, never offered); only the holder's DECLINE counts.
case_decline() {
	local mac=02:00:00:00:06:01 leased
	dora "DECLINE" $mac
	leased=$LEASED
	new_xid
	no_reply "DECLINE from another client" --type decline --mac 02:00:00:00:06:02 \
		--requested "$leased" --server-id "$SERVER_ID"
	lease_in_map "$leased" || fail "DECLINE: another client's DECLINE ended $leased"
	! grep -q "address $leased declined" "$TMP/xdhcpd.log" ||
		fail "DECLINE: another client's DECLINE quarantined $leased"
	new_xid
	no_reply "DECLINE" --type decline --mac $mac --requested "$leased" --server-id "$SERVER_ID"
	log_has "address $leased declined" || fail "DECLINE: no 'declined' line in the daemon log"
	wait_for 5 not_in_map "$leased" ||
		fail "DECLINE: $leased still in the BPF map"
	wait_for 5 grep -q "^decline $leased " "$TMP/leases" ||
		fail "DECLINE: no decline record for $leased in the lease file"
	# A new client asking for exactly that address is offered another.
	new_xid
	reply1 "DECLINE: new client" --type discover --mac 02:00:00:00:06:03 --broadcast \
		--requested "$leased"
	want type OFFER
	[ "$(get yiaddr)" != "$leased" ] || fail "$WHAT: declined address $leased offered"
	DECLINED=$leased
	log "DECLINE: $leased quarantined"
}

# RFC 2131 4.3.5: INFORM gets an ACK with configuration only: yiaddr 0,
# no lease time (table 3: 51 MUST NOT), sent to ciaddr.
case_inform() {
	local mac=02:00:00:00:07:01
	new_xid
	reply1 "INFORM" --type inform --mac $mac --ciaddr 198.18.0.140 --ip-src 198.18.0.140
	want type ACK
	sane_reply $mac
	want yiaddr 0.0.0.0
	want ciaddr 198.18.0.140
	want ip_dst 198.18.0.140
	want eth_dst $mac
	no_opt 51
	no_opt 58
	no_opt 59
	has_opt 1
	has_opt 3
	has_opt 6
	log "INFORM: configuration ACK to 198.18.0.140"
}

# RFC 6842: option 61 echoed byte for byte in OFFER, ACK and a renewal
# ACK from XDP; RFC 2131 4.2: the client identifier, not chaddr, is the
# key, so the same MAC without one is another client.
case_client_id() {
	local mac=02:00:00:00:08:01 cid=ff00000801000102030405060708 leased a0 a1
	dora "client id" $mac --client-id $cid
	leased=$LEASED
	want opt61 $cid
	new_xid
	reply1 "client id: DISCOVER" --type discover --mac $mac --client-id $cid
	want opt61 $cid
	want yiaddr "$leased"
	a0=$(stat_sum fast_ack)
	new_xid
	reply1 "client id: RENEWING" --type request --mac $mac --client-id $cid \
		--ciaddr "$leased" --ip-dst "$SERVER_ID" --eth-dst "$SERVER_MAC"
	want type ACK
	sane_reply $mac
	want yiaddr "$leased"
	want opt61 $cid
	a1=$(stat_sum fast_ack)
	[ "$a1" -gt "$a0" ] || fail "client id: renewal not answered in XDP ($a0 -> $a1)"
	grep -q "^grant $leased id:" "$TMP/leases" ||
		fail "client id: lease $leased not recorded by client identifier"

	new_xid
	reply1 "client id: same MAC without it" --type discover --mac $mac --broadcast
	want type OFFER
	no_opt 61
	[ "$(get yiaddr)" != "$leased" ] ||
		fail "$WHAT: got $leased, the address of the client identifier"
	log "client id: echoed in OFFER, ACK and fast ACK; the bare MAC is another client"
}

# RFC 2131 2 and RFC 2132 9.10: replies fit in 576 bytes unless option 57
# allows more; a value below 576 means 576.  A 250-byte client identifier
# (echoed, RFC 6842) leaves too little room for every option in 576.
case_max_size() {
	local mac=02:00:00:00:09:01 cid i len
	cid=ff
	for i in $(seq 249); do cid+=$(printf '%02x' $((i & 0xff))); done
	new_xid
	reply1 "option 57 = 1400" --type discover --mac $mac --broadcast --client-id "$cid" \
		--max-size 1400
	want type OFFER
	sane_reply $mac
	want opt61 "$cid"
	len=$(get ip_len)
	[ "$len" -le 1400 ] || fail "$WHAT: IP datagram of $len bytes > 1400"
	[ "$len" -gt 576 ] || fail "$WHAT: IP datagram of $len bytes: expected > 576"
	for i in 1 3 6 28 119; do has_opt $i; done

	for i in 300 none; do
		local args=(--max-size "$i")
		[ "$i" != none ] || args=()
		new_xid
		reply1 "option 57 = $i" --type discover --mac $mac --broadcast --client-id "$cid" \
			"${args[@]}"
		want type OFFER
		sane_reply $mac
		want opt61 "$cid"
		len=$(get ip_len)
		[ "$len" -le 576 ] || fail "$WHAT: IP datagram of $len bytes > 576"
		has_opt 51
		no_opt 119
	done
	# What is left of the room goes to the requested options first.
	new_xid
	reply1 "option 57 = 300, 55 = 119" --type discover --mac $mac --broadcast \
		--client-id "$cid" --max-size 300 --prl 119
	want opt61 "$cid"
	[ "$(get ip_len)" -le 576 ] || fail "$WHAT: IP datagram of $(get ip_len) bytes > 576"
	has_opt 119

	new_xid
	reply1 "option 57 = 1400, short reply" --type discover --mac 02:00:00:00:09:02 \
		--max-size 1400
	sane_reply 02:00:00:00:09:02
	[ "$(get ip_len)" -le 1400 ] || fail "$WHAT: IP datagram of $(get ip_len) bytes > 1400"
	log "option 57: $len-byte datagram within 576, >576 only when allowed"
}

# RFC 2132 9.8: the requested options in the client's order (after the
# lease header 53, 54, 51, 58, 59).
case_option_order() {
	local mac=02:00:00:00:0a:01 offered
	new_xid
	reply1 "option order: DISCOVER" --type discover --mac $mac --broadcast --prl 6,3,1
	want type OFFER
	[[ $(get opts) == 53,54,51,58,59,6,3,1,* ]] || fail "$WHAT: options out of order: $RL"
	offered=$(get yiaddr)
	reply1 "option order: REQUEST" --type request --mac $mac --broadcast --prl 6,3,1 \
		--server-id "$SERVER_ID" --requested "$offered"
	want type ACK
	[[ $(get opts) == 53,54,51,58,59,6,3,1,* ]] || fail "$WHAT: options out of order: $RL"
	log "option order: $(get opts)"
}

# RFC 2131 4.1: giaddr set: to the relay at port 67; RFC 3046 2.2: option
# 82 echoed, unchanged, last; RFC 2131 4.3.2: a NAK through a relay has
# the BROADCAST flag set.
case_relay() {
	local mac=02:00:00:00:0b:01 relay=198.18.0.2 info=0102abcd offered wrong
	new_xid
	reply1 "relay: DISCOVER" --type discover --mac $mac --giaddr $relay --relay-info $info
	want type OFFER
	sane_reply $mac
	lease_config
	want giaddr $relay
	want ip_dst $relay
	want udp_dst 67
	want eth_dst $mac
	want opt82 $info
	[[ $(get opts) == *,82 ]] || fail "$WHAT: option 82 is not last: $RL"
	offered=$(get yiaddr)
	in_pool "$offered" || fail "$WHAT: offered '$offered', outside the dynamic range"

	reply1 "relay: REQUEST" --type request --mac $mac --giaddr $relay --relay-info $info \
		--server-id "$SERVER_ID" --requested "$offered"
	want type ACK
	sane_reply $mac
	want yiaddr "$offered"
	want ip_dst $relay
	want udp_dst 67
	want opt82 $info

	wrong=198.18.0.146
	[ "$offered" != $wrong ] || wrong=198.18.0.145
	new_xid
	reply1 "relay: INIT-REBOOT, wrong address" --type request --mac $mac --giaddr $relay \
		--relay-info $info --requested $wrong
	want type NAK
	sane_reply $mac
	want flags 0x8000
	want giaddr $relay
	want ip_dst $relay
	want udp_dst 67
	want yiaddr 0.0.0.0
	want opt82 $info
	log "relay: OFFER, ACK and NAK to $relay:67, option 82 echoed"
}

# A reservation inside the dynamic range is never offered to anyone else,
# even with the pool exhausted by a DISCOVER storm; its holder gets it with
# its host name (option 12), also in a renewal answered by XDP.
case_reserved_storm() {
	local i mac out offers=() n_none=0 a leased a0 a1
	local -A seen=()
	for i in $(seq 0 59); do
		mac=$(printf '02:00:00:00:10:%02x' "$i")
		new_xid
		out=$(ds --type discover --mac "$mac" --broadcast --first --timeout-ms 300 \
			2>/dev/null) || {
			n_none=$((n_none + 1))
			continue
		}
		RL=$(grep '^reply ' <<<"$out")
		WHAT="storm: DISCOVER from $mac"
		want type OFFER
		a=$(get yiaddr)
		[ "$a" != "$RESERVED_IP" ] || fail "$WHAT: offered the reserved $RESERVED_IP"
		in_pool "$a" || fail "$WHAT: offered '$a', outside the dynamic range"
		[ "$a" != "${DECLINED:-}" ] || fail "$WHAT: offered the declined $a"
		[ -z "${seen[$a]:-}" ] || fail "$WHAT: offered $a, already offered to ${seen[$a]}"
		seen[$a]=$mac
		offers+=("$a")
	done
	log "storm: ${#offers[@]} offers, $n_none DISCOVERs unanswered"
	[ "${#offers[@]}" -gt 0 ] || fail "storm: no offers at all"
	{ [ "$n_none" -gt 0 ] && log_has "address pool exhausted"; } ||
		fail "storm: the pool was not exhausted ($n_none unanswered)"
	for a in $(map_addrs); do
		[ -z "${seen[$a]:-}" ] || fail "storm: $a offered to ${seen[$a]} but leased"
	done

	dora "reserved" $RESERVED_MAC
	leased=$LEASED
	[ "$leased" = "$RESERVED_IP" ] || fail "reserved: $RESERVED_MAC got $leased"
	want opt12 $RESERVED_NAME
	a0=$(stat_sum fast_ack)
	new_xid
	reply1 "reserved: RENEWING" --type request --mac $RESERVED_MAC --ciaddr "$leased" \
		--ip-dst "$SERVER_ID" --eth-dst "$SERVER_MAC"
	want type ACK
	sane_reply $RESERVED_MAC
	want yiaddr "$RESERVED_IP"
	want opt12 $RESERVED_NAME
	a1=$(stat_sum fast_ack)
	[ "$a1" -gt "$a0" ] || fail "reserved: renewal not answered in XDP ($a0 -> $a1)"

	# Over the whole run, only its holder ever saw the reserved address.
	! grep "^reply .* yiaddr=$RESERVED_IP " "$REPLIES" | grep -v " chaddr=$RESERVED_MAC " |
		match . || fail "reserved: $RESERVED_IP offered to another client"
	log "reserved: $RESERVED_IP only to $RESERVED_MAC, with option 12 $RESERVED_NAME"
}

# ---------------------------------------------------------------------

# On failure, the last replies too (then lib.sh's cleanup, with the status).
on_exit() {
	local rc=$?
	set +e
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- replies (tail)"
		tail -n 20 "$REPLIES"
	fi
	(exit $rc)
	cleanup
}
trap on_exit EXIT
: >"$REPLIES"

setup_netns
SERVER_MAC=$(ip -n "$NS_S" -o link show dev "$IF_S" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p')
# All the test's clients share one link (a bridge, not one tap per VM):
# let every offer stand (the default of 16 per interface would withdraw
# the oldest during the storm, by design; tests/netns/test_flood.sh).
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.149 --router $SERVER_ID \
	--dns 198.18.0.53 --lease-time $LEASE_TIME --max-offers 256 \
	--static $RESERVED_MAC,$RESERVED_IP,$RESERVED_NAME --search a.example.test,b.example.test

case_dora_broadcast
case_dora_unicast
case_other_server
case_init_reboot
case_renewing
case_release
case_decline
case_inform
case_client_id
case_max_size
case_option_order
case_relay
case_reserved_storm
stop_xdhcpd
echo "PASS: RFC 2131 packet cases in ${SECONDS}s"
