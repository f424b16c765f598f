#!/bin/bash
# SPDX-License-Identifier: MIT
# The object loads with `ip link set dev IF xdp obj build/xdhcp.bpf.o sec
# xdp`; xdhcpd then adopts that program's maps (found by id through the
# program) and serves through it: a client gets a lease and renews in XDP.
. "$(dirname "$0")/lib.sh"

setup_netns
ip -n "$NS_S" link set dev "$IF_S" xdp obj "$BPF_OBJ" sec xdp
prog_id=$(ip -n "$NS_S" -j link show dev "$IF_S" | python3 -c '
import json, sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
log "ip link attached program $prog_id"
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 600
grep -q "serving through XDP program $prog_id attached by another loader" "$TMP/xdhcpd.log" ||
	fail "daemon did not adopt program $prog_id"
now_id=$(ip -n "$NS_S" -j link show dev "$IF_S" | python3 -c '
import json, sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
[ "$now_id" = "$prog_id" ] || fail "program replaced ($prog_id -> $now_id)"
start_udhcpc
udhcpc_bound
udhcpc_renew_in_xdp
stop_xdhcpd
# The operator's attachment stays: it was not ours to remove.
ip -n "$NS_S" link show dev "$IF_S" | match "prog/xdp id $prog_id" ||
	fail "daemon removed an attachment it did not make"
echo "PASS: ip-link-attached program $prog_id adopted and served"
