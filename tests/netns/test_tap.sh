#!/bin/bash
# SPDX-License-Identifier: MIT
# xdhcpd serves a tap in native XDP mode.  The VM side is tapclient, which
# holds the tap's fd as QEMU does: the frames it writes arrive as RX on the
# tap and run through the program (tun_get_user), and the frames the kernel
# transmits on the tap (XDP_TX, the daemon's AF_PACKET replies) are read
# back from the fd.  DORA is punted to the daemon (2 punts); each renewal is
# answered with XDP_TX (one fast ACK each) and never punted.
#
# Native attachment alone does not mean the native data path: tun runs the
# program on its xdp_buff (tun_build_skb) only for frames written through a
# non-blocking fd; otherwise the same program runs on the skb through
# do_xdp_generic().  Only the native path counts XDP_DROP as an RX drop of
# the tap (tun_xdp_act), so the tap's RX drops must equal the punts.
. "$(dirname "$0")/lib.sh"

TAPCLIENT=$BUILD/tests/tools/tapclient
TAP=xt$RUN_ID
MAC=02:00:5e:12:00:01
RENEWALS=3
[ -x "$TAPCLIENT" ] || fail "$TAPCLIENT not built (run make tests-build)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

# tap_stat DIR FIELD: a counter of the tap from `ip -s -j link` (rx/tx).
tap_stat() {
	ip -n "$NS_S" -s -j link show dev "$TAP" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

ip netns add "$NS_S"
ip -n "$NS_S" link set lo up
# Persistent, without a reader: no carrier until tapclient attaches.  The
# daemon starts first; XDP attaches to a tap without carrier.
ip -n "$NS_S" tuntap add dev "$TAP" mode tap
ip -n "$NS_S" link set "$TAP" up

start_xdhcpd --interface "$TAP" --server-id 198.18.0.1 --range 198.18.0.100,198.18.0.199 \
	--lease-time 600 --xdp-mode native
grep -q "serving '$TAP' .* in native mode" "$TMP/xdhcpd.log" ||
	fail "daemon log does not say native mode: $(grep serving "$TMP/xdhcpd.log")"
link=$(ip -n "$NS_S" link show dev "$TAP")
grep -q 'prog/xdp id' <<<"$link" || fail "no native XDP program on $TAP: $link"
grep -q 'xdpgeneric' <<<"$link" && fail "XDP is generic on $TAP: $link"
log "$(grep -o 'prog/xdp id [0-9]* name [^ ]*' <<<"$link") on $TAP"

acks0=$(stat_sum fast_ack) punts0=$(stat_sum punt) drops0=$(tap_stat rx dropped)
ip netns exec "$NS_S" "$TAPCLIENT" --tap "$TAP" --mac "$MAC" --renewals "$RENEWALS" \
	--timeout-ms 1000 >"$TMP/tapclient.out" 2>&1 ||
	{ cat "$TMP/tapclient.out"; ip -n "$NS_S" -s link show dev "$TAP"; fail "tapclient failed"; }
sed 's/^/# tapclient: /' "$TMP/tapclient.out"
acks1=$(stat_sum fast_ack) punts1=$(stat_sum punt) drops1=$(tap_stat rx dropped)
log "fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1, tap RX drops $drops0 -> $drops1"

out=$(cat "$TMP/tapclient.out")
grep -Eq '^offer 198\.18\.0\.1[0-9][0-9] from 198\.18\.0\.1$' <<<"$out" || fail "no offer line"
grep -Eq '^ack 198\.18\.0\.1[0-9][0-9] lease 600$' <<<"$out" || fail "no ack line"
[ "$(grep -c '^renew [0-9]* ack ' <<<"$out")" -eq "$RENEWALS" ] || fail "not $RENEWALS renewals"
ip=$(sed -n 's/^ack \([^ ]*\) .*/\1/p' <<<"$out")
grep -Eq "^grant $ip mac:" "$TMP/leases" || fail "lease $ip not in the lease file"

[ $((acks1 - acks0)) -eq "$RENEWALS" ] ||
	fail "fast ACKs rose by $((acks1 - acks0)), expected $RENEWALS (renewals not answered in XDP)"
# One punt per DORA frame sent: a DISCOVER and a REQUEST, plus any
# retransmission of either (a renewal must never be punted).
dora=$((2 + $(grep -Ec '^retransmit [0-9]+ (DISCOVER|REQUEST \(SELECTING\))' <<<"$out" || true)))
[ $((punts1 - punts0)) -eq "$dora" ] ||
	fail "punts rose by $((punts1 - punts0)), expected $dora (DISCOVER and REQUEST, with retransmissions, only)"
[ $((drops1 - drops0)) -eq $((punts1 - punts0)) ] ||
	fail "tap RX drops rose by $((drops1 - drops0)), expected $((punts1 - punts0)) (one per punt): the program did not run on tun's native path"
echo "PASS: tap $TAP in native XDP mode: lease $ip, $RENEWALS renewals answered with XDP_TX"
