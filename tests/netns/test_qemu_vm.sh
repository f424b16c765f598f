#!/bin/bash
# SPDX-License-Identifier: MIT
# A real VM on a tap.  QEMU (TCG software emulation: no KVM needed) boots
# Debian's cloud kernel (linux-image-cloud-amd64) with a busybox initramfs
# (tests/vm/mkinitramfs.sh, cached in $BUILD/vm).  Its /init (tests/vm/init)
# loads the virtio modules and runs udhcpc on eth0, a virtio-net NIC whose
# backend is a tap in the test's server namespace; xdhcpd serves that tap in
# native XDP mode.  The guest gets a lease (DISCOVER and REQUEST are punted
# to the daemon), then forces $RENEWALS renewals with SIGUSR1.
#
# What a renewal looks like on the wire, and what is checked:
#  - udhcpc first sends a unicast REQUEST (RENEWING) to the server id.  The
#    guest resolves 198.18.0.1 with ARP first; the tap has no address, as a
#    VM's tap usually has none, so the XDP program answers that ARP request
#    itself (XDHCP_IF_ARP, counted as arp_reply).  XDP answers the request:
#    one fast ACK.
#  - busybox udhcpc sends that request from a second UDP socket bound to
#    ip:68 and connected to the server, and closes it right after.  An ACK
#    that arrives before the close is delivered to that socket (the most
#    specific match) and lost with it, and XDP can be that fast.  udhcpc
#    then falls back, 1 s later (-T 1), to a broadcast REQUEST (REBINDING),
#    also answered by XDP: a second fast ACK.  How often the race is lost
#    depends on timing, so both outcomes are accepted and counted.
#  - So: every renewal starts with one unicast request, the fast ACKs rise
#    by exactly the number of renewal requests sent (unicast + broadcast),
#    and the punts by the DORA messages only (udhcpc logs each of them;
#    retransmits are tolerated).  QEMU writes to the tap through a
#    non-blocking fd, so tun runs the program on its native path, where each
#    XDP_DROP (a punt) counts as an RX drop of the tap: drops == punts.
#
# The guest reports on its serial console ($TMP/console.log), one
# "XDHCP-GUEST ..." line per event, and powers itself off when done.  The
# whole run is bounded ($VM_TIMEOUT s); QEMU is stopped by PID in the trap.
. "$(dirname "$0")/lib.sh"

TAP=xv$RUN_ID
MAC=52:54:00:12:34:56
RENEWALS=${VM_RENEWALS:-2}
VM_TIMEOUT=${VM_TIMEOUT:-120}
QEMU=$(command -v qemu-system-x86_64 || true)
[ -n "$QEMU" ] || skip "qemu-system-x86_64 not installed (package qemu-system-x86)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
rc=0
bash "$ROOT/tests/vm/mkinitramfs.sh" "$BUILD" || rc=$?
[ $rc -eq 77 ] && skip "no cloud kernel or busybox for the VM (linux-image-cloud-amd64, busybox)"
[ $rc -eq 0 ] || fail "building the initramfs failed"
KERNEL=$BUILD/vm/vmlinuz
INITRD=$BUILD/vm/initramfs.cpio.gz
log "guest kernel $(cat "$BUILD/vm/kernel-version"), $("$QEMU" --version | head -n 1)"

tap_stat() { # DIR FIELD: a counter of the tap from `ip -s -j link`
	ip -n "$NS_S" -s -j link show dev "$TAP" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

ip netns add "$NS_S"
ip -n "$NS_S" link set lo up
ip -n "$NS_S" tuntap add dev "$TAP" mode tap
ip -n "$NS_S" link set "$TAP" up
start_xdhcpd --interface "$TAP" --server-id "$SERVER_IP" --range 198.18.0.100,198.18.0.199 \
	--router "$SERVER_IP" --lease-time 600 --xdp-mode native
grep -q "serving '$TAP' .* in native mode" "$TMP/xdhcpd.log" ||
	fail "daemon log does not say native mode: $(grep serving "$TMP/xdhcpd.log")"
link=$(ip -n "$NS_S" link show dev "$TAP")
grep -q 'prog/xdp id' <<<"$link" || fail "no native XDP program on $TAP: $link"

acks0=$(stat_sum fast_ack) punts0=$(stat_sum punt) drops0=$(tap_stat rx dropped)
CONSOLE=$TMP/console.log
: >"$CONSOLE"
start=$EPOCHREALTIME
# Not through a shell function: $! must be QEMU (ip netns exec execs it).
# -nodefaults: no VGA, no default NIC; romfile= skips the NIC's boot ROM.
ip netns exec "$NS_S" "$QEMU" -machine q35,accel=tcg -cpu max -smp 1 -m 256 \
	-nodefaults -display none -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 quiet panic=-1 xdhcp.renewals=$RENEWALS" \
	-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no,vhost=off" \
	-device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=" \
	-serial "file:$CONSOLE" </dev/null >"$TMP/qemu.log" 2>&1 &
QEMU_PID=$!
PIDS+=("$QEMU_PID")

elapsed() { awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
show_console() { echo "--- guest console"; cat "$CONSOLE"; echo "--- qemu"; cat "$TMP/qemu.log"; }
# Wait (bounded) for the guest's last word, noting when it got its lease.
t_bound=""
for _ in $(seq $((VM_TIMEOUT * 10))); do
	[ -z "$t_bound" ] && grep -q '^XDHCP-GUEST bound ' "$CONSOLE" && t_bound=$(elapsed)
	grep -Eq '^XDHCP-GUEST (done|fail)' "$CONSOLE" && break
	kill -0 "$QEMU_PID" 2>/dev/null || break
	sleep 0.1
done
t_end=$(elapsed)
grep -q '^XDHCP-GUEST done' "$CONSOLE" || { show_console; fail "the guest did not finish (after ${t_end} s)"; }
# It powers off by itself.
for _ in $(seq 100); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$QEMU_PID" 2>/dev/null && { show_console; fail "QEMU did not exit after the guest powered off"; }
qrc=0
wait "$QEMU_PID" || qrc=$?
[ $qrc -eq 0 ] || { show_console; fail "QEMU exited with status $qrc"; }
sed -n 's/^XDHCP-GUEST /# guest: /p' "$CONSOLE"

acks1=$(stat_sum fast_ack) punts1=$(stat_sum punt) drops1=$(tap_stat rx dropped)
log "fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1, tap RX drops $drops0 -> $drops1"

line=$(grep '^XDHCP-GUEST bound ' "$CONSOLE" | head -n 1)
ip=$(sed -n 's/.* ip=\([^ ]*\) .*/\1/p' <<<"$line")
case $ip in 198.18.0.1[0-9][0-9]) ;; *) fail "address '$ip' not in the range: $line" ;; esac
grep -q " router=$SERVER_IP " <<<"$line" || fail "router is not $SERVER_IP: $line"
grep -q " serverid=$SERVER_IP " <<<"$line" || fail "server id is not $SERVER_IP: $line"
grep -q ' mask=24 ' <<<"$line" || fail "netmask is not /24: $line"
grep -q ' lease=600 ' <<<"$line" || fail "lease time is not 600: $line"
[ "$(grep -c '^XDHCP-GUEST bound ' "$CONSOLE")" -eq 1 ] || fail "the guest bound more than once"
renews=$(grep -c "^XDHCP-GUEST renew ip=$ip " "$CONSOLE" || true)
[ "$renews" -eq "$RENEWALS" ] || { show_console; fail "$renews renewals of $ip, expected $RENEWALS"; }
# udhcpc sends a client identifier (61: type 1 + MAC), which keys the lease.
grep -Eq "^grant $ip (id:01${MAC//:/}|mac:$MAC) " "$TMP/leases" ||
	{ cat "$TMP/leases"; fail "lease $ip for $MAC not in the lease file"; }

# What udhcpc sent, from its own log lines on the console.
discovers=$(grep -c '^udhcpc: broadcasting discover' "$CONSOLE" || true)
selects=$(grep -c '^udhcpc: broadcasting select' "$CONSOLE" || true)
unicast=$(grep -c "^udhcpc: sending renew to server $SERVER_IP" "$CONSOLE" || true)
rebind=$(grep -c '^udhcpc: broadcasting renew' "$CONSOLE" || true)
log "guest sent: $discovers DISCOVER, $selects REQUEST (selecting), $unicast REQUEST (renewing, unicast), $rebind REQUEST (rebinding, broadcast)"
log "$((RENEWALS - rebind)) of $RENEWALS unicast ACKs reached udhcpc; $rebind lost to its send-socket race, then renewed by broadcast"
if [ "$discovers" -lt 1 ] || [ "$selects" -lt 1 ]; then
	show_console
	fail "no DORA from the guest: $discovers discovers, $selects selects"
fi
[ "$unicast" -eq "$RENEWALS" ] ||
	{ show_console; fail "$unicast unicast renewal requests, expected $RENEWALS (one per renewal)"; }
[ $((acks1 - acks0)) -eq $((unicast + rebind)) ] ||
	{ show_console; fail "fast ACKs rose by $((acks1 - acks0)), expected $((unicast + rebind)), one per renewal request (renewals not answered in XDP)"; }
[ $((punts1 - punts0)) -eq $((discovers + selects)) ] ||
	{ show_console; fail "punts rose by $((punts1 - punts0)), expected $((discovers + selects)) (DISCOVER and REQUEST only: a renewal was punted)"; }
[ $((drops1 - drops0)) -eq $((punts1 - punts0)) ] ||
	fail "tap RX drops rose by $((drops1 - drops0)), expected $((punts1 - punts0)) (one per punt): the program did not run on tun's native path"
arps=$(stat_sum arp_reply)
log "ARP requests for $SERVER_IP answered in XDP: $arps"
[ "$arps" -ge 1 ] || fail "the guest's ARP for the server id was not answered in XDP"
stop_xdhcpd

log "guest lease ${t_bound} s after QEMU started; guest done and powered off after ${t_end} s"
echo "PASS: QEMU guest on tap $TAP (native XDP): lease $ip, $RENEWALS renewals answered with XDP_TX"
