#!/bin/bash
# SPDX-License-Identifier: MIT
# busybox udhcpc obtains a lease with the configured options, the lease is
# in the BPF map (bpftool), and its renewal (SIGUSR1: unicast REQUEST in
# RENEWING state) is answered by the XDP fast path without a punt.
. "$(dirname "$0")/lib.sh"

setup_netns
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 \
	--router 198.18.0.1 --dns 198.18.0.53,198.18.0.54 --domain example.test \
	--lease-time 600
start_udhcpc
udhcpc_bound
line=$LEASE_LINE ip=$LEASE_IP
case $ip in 198.18.0.1[0-9][0-9]) ;; *) fail "address '$ip' not in the range" ;; esac
grep -q ' mask=24 ' <<<"$line" || fail "netmask not /24: $line"
grep -q ' router=198.18.0.1 ' <<<"$line" || fail "router missing: $line"
grep -q ' dns=198.18.0.53 198.18.0.54 ' <<<"$line" || fail "dns missing: $line"
grep -q ' lease=600 ' <<<"$line" || fail "lease time not 600: $line"
grep -q ' serverid=198.18.0.1 ' <<<"$line" || fail "server id wrong: $line"
grep -q ' domain=example.test ' <<<"$line" || fail "domain missing: $line"
in_c ip -4 addr show dev "$IF_C" | match "inet $ip/24" || fail "address not configured"

# The lease is in the map, readable with bpftool; its address is the client's.
bpftool -j map dump pinned "$PIN/leases" | python3 -c '
import json, socket, struct, sys
entries = json.load(sys.stdin)
addrs = [socket.inet_ntoa(struct.pack("<I", e["formatted"]["value"]["addr"])) for e in entries]
sys.exit(0 if sys.argv[1] in addrs else 1)' "$ip" || fail "lease $ip not in the BPF map"
# ... and in the lease file.
grep -Eq "^grant $ip (mac|id):" "$TMP/leases" || fail "lease $ip not in the lease file"

udhcpc_renew_in_xdp
udhcpc_renew_in_xdp
stop_xdhcpd
echo "PASS: udhcpc lease $ip, renewals answered in XDP"
