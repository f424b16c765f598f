#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: a DHCP client in a network namespace gets a lease from xdhcpd,
# the lease shows up in the BPF map (bpftool), and the client's renewal is
# answered by the XDP program without waking the daemon.
# Everything runs in namespaces created here (198.18.0.0/15) and is removed
# on exit.
BUILD=${1:-build}
export BUILD
. "$(dirname "$0")/../tests/netns/lib.sh"
trap - INT TERM
skip() { echo "demo: $*" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

setup_netns
say "Namespaces: server $NS_S ($IF_S, $SERVER_IP/24) <-> client $NS_C ($IF_C)"
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--router 198.18.0.1 --dns 198.18.0.53 --domain demo.test --lease-time 3600
sed 's/^/   /' "$TMP/xdhcpd.log"

say "Client: busybox udhcpc asks for an address (DISCOVER, REQUEST punted to the daemon)"
start_udhcpc
wait_for 20 grep -q '^bound' "$XDHCP_OUT" || { cat "$TMP/udhcpc.log"; fail "no lease"; }
sed 's/^/   /' "$TMP/udhcpc.log"
grep '^bound' "$XDHCP_OUT" | sed 's/^/   udhcpc script: /'
in_c ip -4 -br addr show dev "$IF_C" | sed 's/^/   client: /'

say "The lease in the kernel: bpftool map dump pinned $PIN/leases"
bpftool map dump pinned "$PIN/leases" | sed 's/^/   /'

say "Renewal: udhcpc sends a unicast REQUEST (RENEWING); XDP answers with XDP_TX"
acks0=$(stat_sum fast_ack); punts0=$(stat_sum punt)
kill -USR1 "$UDHCPC_PID"
wait_for 10 grep -q '^renew' "$XDHCP_OUT" || fail "no renewal"
grep '^renew' "$XDHCP_OUT" | sed 's/^/   udhcpc script: /'
acks1=$(stat_sum fast_ack); punts1=$(stat_sum punt)
echo "   XDP fast ACKs: $acks0 -> $acks1    punts to the daemon: $punts0 -> $punts1"
[ "$acks1" -gt "$acks0" ] && [ "$punts1" -eq "$punts0" ] || fail "renewal did not go through XDP"

say "The map entry after the renewal (decoded from bpftool -j)"
bpftool -j map dump pinned "$PIN/leases" | python3 -c '
import json, socket, struct, sys, time
boot = time.clock_gettime(time.CLOCK_BOOTTIME)
for e in json.load(sys.stdin):
    k, v = e["formatted"]["key"], e["formatted"]["value"]
    ident = ("mac " if k["kind"] == 1 else "client-id ") + ":".join("%02x" % b for b in k["id"][:k["len"]])
    print("   %s  %s  expires in %d s  renewed in XDP %d time(s)" % (
        socket.inet_ntoa(struct.pack("<I", v["addr"])), ident,
        v["expires_ns"] / 1e9 - boot, v["fast_renewals"]))'

say "Done: lease granted by the daemon, renewal answered in XDP. Cleaning up."
