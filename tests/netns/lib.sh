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

# counter_index NAME: the index of a counter of enum xdhcp_stat
# (include/fastpath_abi.h).
counter_index() {
	case $1 in
	rx) echo 0 ;; fast_ack) echo 1 ;; fast_nak) echo 2 ;; punt) echo 3 ;;
	punt_drop) echo 4 ;; malformed) echo 5 ;; not_served) echo 6 ;; no_room) echo 7 ;;
	event_drop) echo 8 ;; arp_reply) echo 9 ;; punt_limited) echo 10 ;;
	*) fail "unknown counter $1" ;;
	esac
}

# stat_sum NAME: a counter of the XDP program summed over CPUs and slots,
# read from the pinned stats map with bpftool (JSON).
stat_sum() {
	local idx
	idx=$(counter_index "$1")
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
# and check XDP answered it without a punt.  busybox udhcpc 1.35 sends that
# request from a socket it closes ~0.1 ms later, and the XDP answer (within
# ~50 us) lands on that socket and is lost; udhcpc then rebinds by
# broadcast, which XDP answers too.  Both requests are fast-path ACKs: the
# test counts them, the renewal completes through the second.
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

# ---------------------------------------------------------------------
# Several clients on one daemon; dhcpcd; packet captures.

# setup_bridge (after setup_netns): the server address moves from $IF_S to
# a bridge $BR_S in $NS_S with $IF_S as its first port, so that more client
# namespaces (add_client_ns) share the subnet and one daemon.  The daemon
# serves the veth ports (--interface each, --server-id $SERVER_IP): XDP runs
# on a port before the bridge sees the frame.  Clients need ARP for
# $SERVER_IP for unicast (renewal, release): the ports lack that address, so
# the daemon has XDP answer it, and the bridge, which holds it, would too.
setup_bridge() {
	BR_S=xb$RUN_ID
	ip -n "$NS_S" link add "$BR_S" type bridge
	ip -n "$NS_S" addr del "$SERVER_IP/24" dev "$IF_S"
	ip -n "$NS_S" link set "$IF_S" master "$BR_S"
	ip -n "$NS_S" addr add "$SERVER_IP/24" dev "$BR_S"
	ip -n "$NS_S" link set "$BR_S" up
}

# add_client_ns NS IF_SERVER IF_CLIENT: another client namespace NS whose
# veth IF_CLIENT is paired with IF_SERVER, a port of $BR_S (setup_bridge).
# NS is deleted at exit along with the others.
EXTRA_NS=()
add_client_ns() {
	ip netns add "$1"
	EXTRA_NS+=("$1")
	trap cleanup_extra_ns EXIT
	ip -n "$1" link set lo up
	ip -n "$NS_S" link add "$2" type veth peer name "$3" netns "$1"
	ip -n "$NS_S" link set "$2" master "$BR_S"
	ip -n "$NS_S" link set "$2" up
	ip -n "$1" link set "$3" up
	ip -n "$1" link set dev "$3" xdp obj "$PASS_OBJ" sec xdp
}
# EXIT trap once add_client_ns ran: the extra namespaces lose their names
# (they go away with their last process, which cleanup then stops), then
# cleanup runs with the script's exit status.
cleanup_extra_ns() {
	local rc=$? ns
	set +e
	for ns in "${EXTRA_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	(exit "$rc")
	cleanup
}

# stat_if NAME IF: a counter of the XDP program (names as stat_sum) for the
# served interface IF of $NS_S only: its stats slot, read from the ifaces map.
stat_if() {
	local idx ifindex
	idx=$(counter_index "$1")
	ifindex=$(ip -n "$NS_S" -o link show dev "$2" | cut -d: -f1)
	python3 -c '
import json, subprocess, sys
idx, ifindex, pin = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
dump = lambda m: json.loads(subprocess.check_output(["bpftool", "-j", "map", "dump", "pinned", pin + "/" + m]))
slots = [e["formatted"]["value"]["slot"] for e in dump("ifaces") if e["formatted"]["key"] == ifindex]
if len(slots) != 1:
    sys.exit("no stats slot for ifindex %d" % ifindex)
total = 0
for e in dump("stats"):
    if e["formatted"]["key"] == slots[0]:
        total += sum(v["value"]["cnt"][idx] for v in e["formatted"]["values"])
print(total)' "$idx" "$ifindex" "$PIN"
}

# lease_in_map IP: succeeds when the BPF lease map holds a lease for IP.
lease_in_map() {
	bpftool -j map dump pinned "$PIN/leases" | python3 -c '
import json, socket, struct, sys
addrs = [socket.inet_ntoa(struct.pack("<I", e["formatted"]["value"]["addr"])) for e in json.load(sys.stdin)]
sys.exit(0 if sys.argv[1] in addrs else 1)' "$1"
}

# wait_exit SECONDS PID: wait (bounded) for a process started by this shell
# to exit; returns its exit status, or 124 if it is still running.
wait_exit() {
	local rc=0
	wait_for "$1" bash -c "! kill -0 $2" || return 124
	wait "$2" 2>/dev/null || rc=$?
	return "$rc"
}

# start_capture NS IF FILE: tcpdump of DHCP (UDP 67/68) on IF in NS into the
# pcap FILE, each packet written as it arrives (readable while it runs);
# returns once tcpdump listens.  Sets CAPTURE_PID.
start_capture() {
	ip netns exec "$1" tcpdump -i "$2" -n -U --immediate-mode -Z root -w "$3" \
		'udp and (port 67 or port 68)' \
		>"$3.log" 2>&1 &
	CAPTURE_PID=$!
	PIDS+=("$CAPTURE_PID")
	wait_for 10 grep -q 'listening on' "$3.log" || fail "tcpdump did not start: $(cat "$3.log")"
}

# dhcp_sent FILE: the DHCP messages to port 67 in the pcap FILE, one line
# each: "TYPE dst=IP ciaddr=IP sid=IP reqip=IP" (option 54 and option 50,
# '-' when absent).  A truncated last record (capture running) is ignored.
dhcp_sent() {
	python3 - "$1" <<'PY'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
if len(data) < 24:
    sys.exit(0)
magic = data[:4]
if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
    end = "<"
elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
    end = ">"
else:
    sys.exit("not a pcap file")
if struct.unpack(end + "I", data[20:24])[0] != 1:
    sys.exit("not an Ethernet capture")
names = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
         7: "RELEASE", 8: "INFORM"}
ip = lambda b: socket.inet_ntoa(b)
off = 24
while off + 16 <= len(data):
    incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(pkt) < incl:
        break
    l3, etype = 14, struct.unpack("!H", pkt[12:14])[0]
    while etype in (0x8100, 0x88a8) and len(pkt) >= l3 + 4:
        etype = struct.unpack("!H", pkt[l3 + 2:l3 + 4])[0]
        l3 += 4
    if etype != 0x0800 or len(pkt) < l3 + 20 or pkt[l3 + 9] != 17:
        continue
    l4 = l3 + (pkt[l3] & 15) * 4
    if len(pkt) < l4 + 8 or struct.unpack("!H", pkt[l4 + 2:l4 + 4])[0] != 67:
        continue
    b = pkt[l4 + 8:]
    if len(b) < 240 or b[236:240] != b"\x63\x82\x53\x63":
        continue
    opts, i = {}, 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if i + 1 >= len(b):
            break
        opts.setdefault(b[i], b[i + 2:i + 2 + b[i + 1]])
        i += 2 + b[i + 1]
    t = opts.get(53, b"")
    name = names.get(t[0], "type%d" % t[0]) if len(t) == 1 else "BOOTP"
    sid = ip(opts[54]) if len(opts.get(54, b"")) == 4 else "-"
    req = ip(opts[50]) if len(opts.get(50, b"")) == 4 else "-"
    print("%s dst=%s ciaddr=%s sid=%s reqip=%s" % (name, ip(pkt[l3 + 16:l3 + 20]), ip(b[12:16]), sid, req))
PY
}

# sent_match FILE REGEX: a line of dhcp_sent FILE matches REGEX; waits up
# to 3 s for tcpdump to write the packet.
sent_match() {
	local _
	for _ in $(seq 30); do
		dhcp_sent "$1" | match "$2" && return 0
		sleep 0.1
	done
	return 1
}

# ISC dhclient in namespace NS on IF (foreground, our script, lease and pid
# files under $TMP, no system configuration: $TMP/dhclient.conf retransmits
# every 1-2 s instead of backing off to 15 s, so that a REQUEST goes out
# soon after T2 even with a short lease).  Sets DHCLIENT_PID and XDHCP_OUT.
# dhclient_cmd NS: sets DHCLIENT_CMD, the command line shared by the client
# and its release (dhclient -r), without the interface.
dhclient_cmd() {
	DHCLIENT_CMD=(ip netns exec "$1" dhclient -d -v -cf "$TMP/dhclient.conf"
		-sf "$TMP/dhclient.sh" -lf "$TMP/dhclient.leases" -pf "$TMP/dhclient.pid")
}
start_dhclient_in() {
	local ns=$1 ifc=$2; shift 2
	write_dhclient_script
	printf 'initial-interval 1;\nbackoff-cutoff 2;\n' >"$TMP/dhclient.conf"
	export XDHCP_OUT=$TMP/dhclient.out
	dhclient_cmd "$ns"
	"${DHCLIENT_CMD[@]}" "$@" "$ifc" >>"$TMP/dhclient.log" 2>&1 &
	DHCLIENT_PID=$!
	PIDS+=("$DHCLIENT_PID")
}

# dhcpcd (Debian dhcpcd-base 9): hook script and minimal configuration.
# The script records "REASON ip=... router=... dns=... lease=... serverid=..."
# in $TMP/dhcpcd.out; with -c, dhcpcd runs it instead of its hooks, so
# nothing writes resolv.conf.  dhcpcd itself sets the address and routes,
# in the client namespace.
write_dhcpcd_files() {
	# dhcpcd runs the script with a clean environment: bake the path in.
	printf '#!/bin/sh\nout=%s\n' "$TMP/dhcpcd.out" >"$TMP/dhcpcd.sh"
	cat >>"$TMP/dhcpcd.sh" <<'SCRIPT'
echo "$reason ip=${new_ip_address:-$old_ip_address} mask=$new_subnet_mask router=$new_routers dns=$new_domain_name_servers lease=$new_dhcp_lease_time serverid=$new_dhcp_server_identifier domain=$new_domain_name" >>"$out"
exit 0
SCRIPT
	chmod +x "$TMP/dhcpcd.sh"
	# No ARP probe of the offered address (saves a second), no IPv4LL.
	printf 'noarp\nnoipv4ll\n' >"$TMP/dhcpcd.conf"
}

# start_dhcpcd NS IF [ARGS...]: dhcpcd on IF in NS, IPv4 only, foreground,
# debug log in $TMP/dhcpcd.log.  Its run and database directories are
# compiled in (/run/dhcpcd, /var/lib/dhcpcd): it runs in a private mount
# namespace where /run is an empty tmpfs and /var/lib/dhcpcd is
# $TMP/dhcpcd-db, so its pid file, control socket, lease and DUID stay off
# the host.  Sets DHCPCD_PID (dhcpcd itself: ip, unshare and sh exec).
start_dhcpcd() {
	local ns=$1 ifc=$2; shift 2
	write_dhcpcd_files
	mkdir -p "$TMP/dhcpcd-db"
	export XDHCP_OUT=$TMP/dhcpcd.out
	DHCPCD_IF=$ifc
	# shellcheck disable=SC2016
	ip netns exec "$ns" unshare --mount --propagation private sh -c '
		mount -t tmpfs -o mode=0755 xdhcp-test-run /run &&
		mount --bind "$1" /var/lib/dhcpcd && shift && exec dhcpcd "$@"' \
		sh "$TMP/dhcpcd-db" -4 -B -d -f "$TMP/dhcpcd.conf" -c "$TMP/dhcpcd.sh" \
		"$@" "$ifc" >>"$TMP/dhcpcd.log" 2>&1 &
	DHCPCD_PID=$!
	PIDS+=("$DHCPCD_PID")
}

# dhcpcd_ctl ARGS...: a control command (-n rebind, -k release, -U dump) to
# that dhcpcd, run in its mount and network namespaces (at most 20 s).
dhcpcd_ctl() {
	timeout 20 nsenter -t "$DHCPCD_PID" -m -n dhcpcd -4 "$@" "$DHCPCD_IF"
}

# ---------------------------------------------------------------------
# Crashes.

# forget_pid PID: drop a process this shell has already reaped from PIDS,
# so that cleanup never signals a PID the system may have reused.
forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# kill9_xdhcpd: SIGKILL the daemon (by its PID), reap it, forget its PID.
# Its pinned link and maps stay: XDP keeps answering renewals.
kill9_xdhcpd() {
	kill -9 "$XDHCPD_PID"
	wait "$XDHCPD_PID" 2>/dev/null || true
	forget_pid "$XDHCPD_PID"
}
