#!/bin/bash
# SPDX-License-Identifier: MIT
# --event-script: the script sees every lease event, in order, with its
# arguments and environment: add (DORA), renew (answered in XDP), release,
# decline and expire.  A script that hangs is killed after --event-timeout
# and one that fails is logged; neither stalls the server, and no event is
# lost behind them.
. "$(dirname "$0")/lib.sh"

DHCPSEND=$BUILD/tests/tools/dhcpsend
[ -x "$DHCPSEND" ] || fail "$DHCPSEND not built"
setup_netns
EVLOG=$TMP/events.log
cat >"$TMP/event.sh" <<EOT
#!/bin/sh
echo "\$XDHCP_SEQ \$1 \$2 \$3 host=\${4:--} if=\$XDHCP_INTERFACE exp=\$XDHCP_EXPIRES cid=\${XDHCP_CLIENT_ID:--}" >>"$EVLOG"
EOT
chmod +x "$TMP/event.sh"
SRV_MAC=$(ip -n "$NS_S" -j link show dev "$IF_S" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')

start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 60 \
	--event-script "$TMP/event.sh"
ds() { ip netns exec "$NS_C" "$DHCPSEND" --if "$IF_C" --timeout-ms 1500 --first "$@"; }

# add: a crafted DORA for MAC A, with a host name.
t_add=$(date +%s)
A=02:00:5e:00:0e:01
ds --type discover --mac "$A" --broadcast >/dev/null || fail "no OFFER"
ds --type request --mac "$A" --broadcast --requested 198.18.0.100 --server-id 198.18.0.1 \
	--hostname vm-a >/dev/null || fail "no ACK"
# renew, answered in XDP.
acks0=$(stat_sum fast_ack)
ds --type request --mac "$A" --ciaddr 198.18.0.100 --ip-dst 198.18.0.1 --eth-dst "$SRV_MAC" \
	>/dev/null || fail "no renewal ACK"
[ "$(stat_sum fast_ack)" -gt "$acks0" ] || fail "renewal not answered in XDP"
# release.
ds --type release --mac "$A" --ciaddr 198.18.0.100 --server-id 198.18.0.1 \
	--ip-dst 198.18.0.1 --eth-dst "$SRV_MAC" --expect-none --timeout-ms 300 || fail "release answered"
# decline: MAC B takes a lease, then declines it.
B=02:00:5e:00:0e:02
ds --type discover --mac "$B" --broadcast >/dev/null || fail "no OFFER for B"
ds --type request --mac "$B" --broadcast --requested 198.18.0.101 --server-id 198.18.0.1 \
	>/dev/null || fail "no ACK for B"
ds --type decline --mac "$B" --requested 198.18.0.101 --server-id 198.18.0.1 \
	--expect-none --timeout-ms 300 || fail "decline answered"
# expire: MAC C takes a 60 s lease and goes silent.
C=02:00:5e:00:0e:03
ds --type discover --mac "$C" --broadcast --client-id 01020304 >/dev/null || fail "no OFFER for C"
ds --type request --mac "$C" --broadcast --requested 198.18.0.102 --server-id 198.18.0.1 \
	--client-id 01020304 >/dev/null || fail "no ACK for C"
wait_for 75 grep -q ' expire ' "$EVLOG" || { cat "$EVLOG"; fail "no expire event"; }
sed 's/^/# event: /' "$EVLOG"

want=("1 add 02:00:5e:00:0e:01 198.18.0.100 host=vm-a if=$IF_S"
	"2 renew 02:00:5e:00:0e:01 198.18.0.100 host=vm-a if=$IF_S"
	"3 release 02:00:5e:00:0e:01 198.18.0.100 host=vm-a if=$IF_S exp=0"
	"4 add 02:00:5e:00:0e:02 198.18.0.101"
	"5 decline 02:00:5e:00:0e:02 198.18.0.101"
	"6 add 02:00:5e:00:0e:03 198.18.0.102"
	"7 expire 02:00:5e:00:0e:03 198.18.0.102")
for i in "${!want[@]}"; do
	line=$(sed -n "$((i + 1))p" "$EVLOG")
	[ "${line#"${want[$i]}"}" != "$line" ] || fail "event $((i + 1)): got '$line', want '${want[$i]}...'"
done
grep -q '^7 expire .* cid=01020304$' "$EVLOG" || fail "client id not in the environment"
# add carries the lease's end: granted + 60 s.
exp=$(sed -n '1s/.* exp=\([0-9]*\).*/\1/p' "$EVLOG")
[ "$exp" -ge $((t_add + 59)) ] && [ "$exp" -le $((t_add + 62)) ] ||
	fail "add event expiry $exp, want about $((t_add + 60))"
stop_xdhcpd

# A hanging, failing script does not stall the server, and the events
# behind a killed run still run.
cat >"$TMP/hang.sh" <<EOT
#!/bin/sh
echo "\$XDHCP_SEQ \$1" >>"$TMP/hang.log"
[ "\$XDHCP_SEQ" = 1 ] && exec sleep 1000
exit 3
EOT
chmod +x "$TMP/hang.sh"
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 600 \
	--event-script "$TMP/hang.sh" --event-timeout 2
t0=$EPOCHREALTIME
for n in 1 2 3; do
	mac=02:00:5e:00:0f:0$n
	ds --type discover --mac "$mac" --broadcast >/dev/null || fail "no OFFER while the script hangs"
	ds --type request --mac "$mac" --broadcast --requested "198.18.0.10$((n + 2))" \
		--server-id 198.18.0.1 >/dev/null || fail "no ACK while the script hangs"
done
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
log "3 DORAs while the first script run hangs: ${took}s"
awk -v t="$took" 'BEGIN { exit !(t < 1.5) }' || fail "DORA stalled behind the script (${took}s)"
wait_for 10 bash -c "[ \$(wc -l <'$TMP/hang.log') -ge 3 ]" || fail "events after the hung run were lost"
grep -q 'killed' "$TMP/xdhcpd.log" || fail "hung script kill not logged"
grep -qi 'status 3\|exit.* 3' "$TMP/xdhcpd.log" || fail "failing script not logged"
stop_xdhcpd
echo "PASS: events in order (add, renew, release, decline, expire); a hung or failing script does not stall the server"
