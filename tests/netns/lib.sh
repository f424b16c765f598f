#!/bin/bash
# SPDX-License-Identifier: MIT
# Shared set-up for namespace integration tests (source it).
#
# Creates, with names unique to this run:
#   $NS_S  server namespace, veth end $IF_S (198.18.0.1/24)
#   $NS_C  client namespace, veth end $IF_C (no address; pass-through XDP so
#          that XDP_TX frames from the server end are delivered)
#   $TMP   state directory; $PIN pin directory under /sys/fs/bpf
# Everything is torn down by an EXIT trap, even on failure; only processes
# started here are stopped, by PID.  Addresses: 198.18.0.0/15 only.
# Exit 77 means "skipped".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
XDHCPD=$BUILD/xdhcpd
BPF_OBJ=$BUILD/xdhcp.bpf.o
PASS_OBJ=$BUILD/tests/lib/xdp_pass.bpf.o

skip() { echo "SKIP: $*"; exit 77; }
# match PATTERN: like grep -q, but reads all its input, so the writer of a
# pipe never dies of SIGPIPE (which pipefail would turn into a failure).
match() { grep -- "$1" >/dev/null; }
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "# $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (BPF, namespaces)"
[ -x "$XDHCPD" ] || fail "$XDHCPD not built (run make)"

RUN_ID=$(printf '%04x%04x' $RANDOM $RANDOM)
NS_S=xdhs-$RUN_ID
NS_C=xdhc-$RUN_ID
IF_S=xs$RUN_ID
IF_C=xc$RUN_ID
SERVER_IP=198.18.0.1
TMP=$(mktemp -d /tmp/xdhcp-test.XXXXXX)
PIN=/sys/fs/bpf/xdhcp-test-$RUN_ID
PIDS=()

cleanup() {
	local rc=$?
	set +e
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$PIN" 2>/dev/null
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$TMP/xdhcpd.log" ]; then
		echo "--- xdhcpd log (tail)"
		tail -n 40 "$TMP/xdhcpd.log"
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_s() { ip netns exec "$NS_S" "$@"; }
in_c() { ip netns exec "$NS_C" "$@"; }
# Background commands must not go through these functions: $! would be a
# subshell, not the command.
# Enter only the network namespace (keeps the host's /sys/fs/bpf mount).
net_s() { nsenter --net="/run/netns/$NS_S" "$@"; }

# make_pair NS_SERVER NS_CLIENT IF_SERVER IF_CLIENT SERVER_CIDR
make_pair() {
	ip -n "$1" link add "$3" type veth peer name "$4" netns "$2"
	ip -n "$1" addr add "$5" dev "$3"
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
	ip -n "$2" link set dev "$4" xdp obj "$PASS_OBJ" sec xdp
}

setup_netns() {
	ip netns add "$NS_S"
	ip netns add "$NS_C"
	ip -n "$NS_S" link set lo up
	ip -n "$NS_C" link set lo up
	make_pair "$NS_S" "$NS_C" "$IF_S" "$IF_C" "$SERVER_IP/24"
}

# start_xdhcpd ARGS...: daemon in the server namespace, waits for "ready".
start_xdhcpd() {
	: >"$TMP/xdhcpd.log"
	# Not through a shell function: $! must be the daemon itself.
	nsenter --net="/run/netns/$NS_S" "$XDHCPD" --pin-dir "$PIN" --run-dir "$TMP/run" \
		--lease-file "$TMP/leases" "$@" >>"$TMP/xdhcpd.log" 2>&1 &
	XDHCPD_PID=$!
	PIDS+=("$XDHCPD_PID")
	for _ in $(seq 100); do
		grep -q "ready:" "$TMP/xdhcpd.log" && return 0
		kill -0 "$XDHCPD_PID" 2>/dev/null || { cat "$TMP/xdhcpd.log"; fail "xdhcpd exited"; }
		sleep 0.1
	done
	cat "$TMP/xdhcpd.log"
	fail "xdhcpd did not become ready"
}

# stop_xdhcpd: SIGTERM, and the daemon must exit 0 (under ASan this also
# catches leaks at shutdown).
stop_xdhcpd() {
	local rc=0
	kill "$XDHCPD_PID"
	wait "$XDHCPD_PID" 2>/dev/null || rc=$?
	[ "$rc" -eq 0 ] || { tail -n 30 "$TMP/xdhcpd.log"; fail "xdhcpd exited with status $rc"; }
}

# stat_sum NAME: a counter of the XDP program summed over CPUs and slots,
# read from the pinned stats map with bpftool (JSON).
stat_sum() {
	local idx
	case $1 in
	rx) idx=0 ;; fast_ack) idx=1 ;; fast_nak) idx=2 ;; punt) idx=3 ;;
	punt_drop) idx=4 ;; malformed) idx=5 ;; not_served) idx=6 ;; no_room) idx=7 ;;
	*) fail "unknown counter $1" ;;
	esac
	bpftool -j map dump pinned "$PIN/stats" | python3 -c '
import json, sys
idx = int(sys.argv[1]); total = 0
for e in json.load(sys.stdin):
    for v in e.get("formatted", {}).get("values", []):
        total += v["value"]["cnt"][idx]
print(total)' "$idx"
}

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local t=$1; shift
	for _ in $(seq $((t * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# A client hook script: records the options it was given and configures
# the address inside the client namespace only (never /etc/resolv.conf).
write_udhcpc_script() {
	cat >"$TMP/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
out=${XDHCP_OUT:?}
echo "$1 ip=$ip mask=$mask subnet=$subnet router=$router dns=$dns lease=$lease serverid=$serverid domain=$domain hostname=$hostname" >>"$out"
case $1 in
bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
SCRIPT
	chmod +x "$TMP/udhcpc.sh"
}

write_dhclient_script() {
	# dhclient runs its script with a clean environment: bake the path in.
	printf '#!/bin/sh\nout=%s\n' "$TMP/dhclient.out" >"$TMP/dhclient.sh"
	cat >>"$TMP/dhclient.sh" <<'SCRIPT'

echo "$reason ip=$new_ip_address mask=$new_subnet_mask router=$new_routers dns=$new_domain_name_servers lease=$new_dhcp_lease_time serverid=$new_dhcp_server_identifier domain=$new_domain_name" >>"$out"
case $reason in
BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
EXPIRE|FAIL|RELEASE|STOP) ip addr flush dev "$interface" ;;
esac
exit 0
SCRIPT
	chmod +x "$TMP/dhclient.sh"
}

# start_udhcpc: busybox udhcpc in the client namespace (foreground, our
# script); sets UDHCPC_PID and XDHCP_OUT.
start_udhcpc() {
	write_udhcpc_script
	export XDHCP_OUT=$TMP/udhcpc.out
	ip netns exec "$NS_C" busybox udhcpc -f -i "$IF_C" -s "$TMP/udhcpc.sh" -t 10 -T 1 \
		-A 1 "$@" >"$TMP/udhcpc.log" 2>&1 &
	UDHCPC_PID=$!
	PIDS+=("$UDHCPC_PID")
}

# udhcpc_bound: wait for a lease; sets LEASE_LINE and LEASE_IP.
udhcpc_bound() {
	wait_for 20 grep -q '^bound' "$XDHCP_OUT" || { cat "$TMP/udhcpc.log"; fail "no lease"; }
	LEASE_LINE=$(grep '^bound' "$XDHCP_OUT" | head -n 1)
	LEASE_IP=$(sed -n 's/.* ip=\([^ ]*\).*/\1/p' <<<"$LEASE_LINE")
	log "$LEASE_LINE"
}

# udhcpc_renew_in_xdp: force a renewal (SIGUSR1: unicast REQUEST, RENEWING)
# and check XDP answered it without a punt.
udhcpc_renew_in_xdp() {
	local acks0 punts0 acks1 punts1 n0
	n0=$(grep -c '^renew' "$XDHCP_OUT" || true)
	acks0=$(stat_sum fast_ack); punts0=$(stat_sum punt)
	kill -USR1 "$UDHCPC_PID"
	wait_for 10 bash -c "[ \$(grep -c '^renew' '$XDHCP_OUT') -gt $n0 ]" ||
		{ cat "$TMP/udhcpc.log"; fail "no renewal"; }
	grep '^renew' "$XDHCP_OUT" | tail -n 1 | match " ip=$LEASE_IP " ||
		fail "renewed a different address"
	acks1=$(stat_sum fast_ack); punts1=$(stat_sum punt)
	log "renewal: fast ACKs $acks0 -> $acks1, punts $punts0 -> $punts1"
	[ "$acks1" -gt "$acks0" ] || fail "renewal was not answered in XDP"
	[ "$punts1" -eq "$punts0" ] || fail "renewal was punted to the daemon"
}
