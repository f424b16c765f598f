#!/bin/bash
# SPDX-License-Identifier: MIT
# One daemon, one XDP program, one set of maps, 64 taps, each with its own
# client (tapclient plays the VM side): taps 0-31 share one subnet and
# range; taps 32-63 each have their own subnet, router and server id from
# a [subnet NAME] section; one of those clients has a static reservation.
# Every client gets an address from its tap's subnet and renews in XDP.
. "$(dirname "$0")/lib.sh"

TAPCLIENT=$BUILD/tests/tools/tapclient
[ -x "$TAPCLIENT" ] || fail "$TAPCLIENT not built (run make tests-build)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
N=64
SHARED=32

ip netns add "$NS_S"
ip -n "$NS_S" link set lo up
conf=$TMP/xdhcpd.conf
{
	echo "# taps 0..$((SHARED - 1)): one shared subnet"
	echo "server-id = 198.18.0.1"
	echo "range = 198.18.0.10,198.18.0.200"
	echo "router = 198.18.0.1"
	echo "dns = 198.18.0.53"
	echo "lease-time = 600"
} >"$conf"
for i in $(seq 0 $((N - 1))); do
	tap=xt$i-$RUN_ID
	tap=${tap:0:15}
	ip -n "$NS_S" tuntap add dev "$tap" mode tap
	ip -n "$NS_S" link set "$tap" up
	TAPS[$i]=$tap
	if [ "$i" -lt "$SHARED" ]; then
		echo "interface = $tap" >>"$conf"
	fi
done
for i in $(seq "$SHARED" $((N - 1))); do
	k=$((i - SHARED))
	{
		echo "[subnet own$i]"
		echo "interface = ${TAPS[$i]}"
		echo "server-id = 198.19.$k.1"
		echo "router = 198.19.$k.1"
		echo "range = 198.19.$k.10,198.19.$k.20"
		[ "$i" -eq 40 ] && echo "static = 02:00:5e:00:00:28,198.19.$k.30,vm40"
	} >>"$conf"
done
start_xdhcpd --config "$conf" --xdp-mode native
[ "$(grep -c "serving 'xt.*in native mode" "$TMP/xdhcpd.log")" -eq "$N" ] ||
	fail "not all $N taps served in native mode"

acks0=$(stat_sum fast_ack) punts0=$(stat_sum punt)
pids=()
for i in $(seq 0 $((N - 1))); do
	mac=$(printf '02:00:5e:00:00:%02x' "$i")
	ip netns exec "$NS_S" "$TAPCLIENT" --tap "${TAPS[$i]}" --mac "$mac" --renewals 1 \
		--timeout-ms 2000 >"$TMP/client$i.out" 2>&1 &
	pids+=($!)
	PIDS+=($!)
done
failed=0
for i in $(seq 0 $((N - 1))); do
	wait "${pids[$i]}" || { echo "# client $i: $(cat "$TMP/client$i.out")"; failed=1; }
done
[ "$failed" -eq 0 ] || fail "some clients failed"

declare -A seen
for i in $(seq 0 $((N - 1))); do
	ip=$(sed -n 's/^ack \([^ ]*\) lease 600$/\1/p' "$TMP/client$i.out")
	[ -n "$ip" ] || fail "client $i: no ack: $(cat "$TMP/client$i.out")"
	grep -q '^renew 1 ack ' "$TMP/client$i.out" || fail "client $i: no renewal"
	if [ "$i" -lt "$SHARED" ]; then
		case $ip in 198.18.0.*) ;; *) fail "client $i on a shared tap got $ip" ;; esac
		grep -q '^offer .* from 198.18.0.1$' "$TMP/client$i.out" || fail "client $i: server id"
	else
		k=$((i - SHARED))
		want="198.19.$k."
		[ "${ip#"$want"}" != "$ip" ] || fail "client $i on its own subnet got $ip, want $want*"
		grep -q "^offer .* from 198.19.$k.1$" "$TMP/client$i.out" || fail "client $i: server id"
		[ "$i" -ne 40 ] || [ "$ip" = "198.19.$k.30" ] || fail "reserved client got $ip"
	fi
	[ -z "${seen[$ip]:-}" ] || fail "address $ip given twice"
	seen[$ip]=1
done
acks1=$(stat_sum fast_ack) punts1=$(stat_sum punt)
log "$N clients: fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
[ $((acks1 - acks0)) -eq "$N" ] || fail "renewals answered in XDP: $((acks1 - acks0)), want $N"
[ $((punts1 - punts0)) -ge $((2 * N)) ] || fail "punts: $((punts1 - punts0))"
stop_xdhcpd
echo "PASS: $N taps, $((N - SHARED + 1)) subnets, one daemon: every client leased and renewed in XDP"
