#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: xdhcpd, Kea (kea-dhcp4, memfile, persistence on) and dnsmasq
# on the same veth, with the same pool, lease time and options, driven one
# at a time by the same load (scripts/bench/loadgen.c); the XDP
# microbenchmark; a perfdhcp cross-check; scale figures.  Prints a table and
# writes docs/benchmarks.md and docs/benchmarks.png.
#
#   scripts/bench/run.sh [--build DIR] [--quick] [--out-dir DIR]
#                        [--only PART,...] [--steps SERVER:SCENARIO:RATE,...]
#
# --steps runs only those load steps and prints their results (JSON lines)
# on stdout; nothing is written.  --only runs only some parts (micro,
# ceiling, servers, perfdhcp, scale) and writes its report to
# build/bench/partial/ unless --out-dir is given, so a partial run never
# replaces docs/benchmarks.md.  BENCH_DURATION=S fixes the length of every
# load step (for profiling).  BENCH_BATCH=N sets the generator's
# live-frames batch (default 8, see loadgen --help).
# BENCH_PERFDHCP=SERVER:RATE,... sets the perfdhcp rates.
#
# Everything runs in two network namespaces made here (unique names,
# 198.18.0.0/15 only), torn down by an EXIT trap even on failure.  Only
# processes started here are stopped, by PID.  Every load step is bounded
# in count and time (loadgen: rate x duration frames, SIGALRM, 60 s cap).
# The benchmark processes (generator and servers) run at nice -20 for the
# few seconds of each step, so that other work on the machine does not
# decide the result.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=build
QUICK=0
STEPS=""
ONLY=""
OUT_DIR=""
PARTS_ALL="micro ceiling servers perfdhcp scale"
usage() {
	echo "usage: $0 [--build DIR] [--quick] [--out-dir DIR] [--only PART,...] [--steps SRV:SCEN:RATE,...]" >&2
	echo "  PART: ${PARTS_ALL// /, }; SRV: xdhcpd, kea, dnsmasq; SCEN: renew, rebind, initreboot, dora, mixed" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--build) [ $# -ge 2 ] || usage; BUILD=$2; shift 2 ;;
	--quick) QUICK=1; shift ;;
	--out-dir) [ $# -ge 2 ] || usage; OUT_DIR=$2; shift 2 ;;
	--steps) [ $# -ge 2 ] || usage; STEPS=$2; shift 2 ;;
	--only) [ $# -ge 2 ] || usage; ONLY=$2; shift 2 ;;
	*) usage ;;
	esac
done
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
# Validate --steps and --only before anything is set up.
for st in ${STEPS//,/ }; do
	IFS=: read -r srv scen rate extra <<<"$st"
	case $srv in xdhcpd | kea | dnsmasq) ;; *) echo "bench: --steps '$st': unknown server" >&2; usage ;; esac
	case $scen in renew | rebind | initreboot | dora | mixed) ;; *) echo "bench: --steps '$st': unknown scenario" >&2; usage ;; esac
	[[ $rate =~ ^[1-9][0-9]{0,7}$ && -z $extra ]] || { echo "bench: --steps '$st': RATE must be a positive integer" >&2; usage; }
done
PARTS=$PARTS_ALL
if [ -n "$ONLY" ]; then
	PARTS=${ONLY//,/ }
	for p in $PARTS; do
		[[ " $PARTS_ALL " == *" $p "* ]] || { echo "bench: --only: unknown part '$p'" >&2; usage; }
	done
	[ -n "$OUT_DIR" ] || OUT_DIR=$BUILD/bench/partial
fi
[ -n "$OUT_DIR" ] || OUT_DIR=$ROOT/docs
part() { [[ " $PARTS " == *" $1 "* ]]; }
PERFDHCP_RATES=${BENCH_PERFDHCP:-xdhcpd:2000,kea:2000,dnsmasq:200}
for pr in ${PERFDHCP_RATES//,/ }; do
	[[ $pr =~ ^(xdhcpd|kea|dnsmasq):[1-9][0-9]{0,5}$ ]] ||
		{ echo "bench: BENCH_PERFDHCP: '$pr' is not SERVER:RATE" >&2; exit 2; }
done
XDHCPD=$BUILD/xdhcpd
LOADGEN=$BUILD/bench/loadgen
XDPBENCH=$BUILD/bench/xdpbench
PASS_OBJ=$BUILD/tests/lib/xdp_pass.bpf.o
LEASES_PY=$ROOT/scripts/bench/leases.py

[ "$(id -u)" = 0 ] || { echo "bench: needs root (BPF, namespaces)" >&2; exit 77; }
for f in "$XDHCPD" "$LOADGEN" "$XDPBENCH" "$PASS_OBJ"; do
	[ -e "$f" ] || { echo "bench: $f not built (make bench-build)" >&2; exit 1; }
done
for c in kea-dhcp4 dnsmasq perfdhcp gnuplot bpftool; do
	command -v "$c" >/dev/null || { echo "bench: $c missing (make bench-deps)" >&2; exit 1; }
done

# ------------------------------------------------------------------ set-up
RUN_ID=$(printf '%04x%04x' $RANDOM $RANDOM)
NS_S=xbench-s-$RUN_ID
NS_C=xbench-c-$RUN_ID
NS_T=xbench-t-$RUN_ID
IF_S=bs$RUN_ID
IF_C=bc$RUN_ID
TMP=$(mktemp -d /tmp/xdhcp-bench.XXXXXX)
# bpffs pin directories: one for the servers' steps, one for the 1000-tap
# daemon.  Each is registered in PIN_DIRS when first used, and only those
# are removed (release_pins), after every daemon using them has stopped.
PIN_PREFIX=/sys/fs/bpf/xdhcp-bench-
PIN=$PIN_PREFIX$RUN_ID
PIN_T=$PIN_PREFIX$RUN_ID-t
PIN_DIRS=()
PIDS=()
T_START=$(date +%s)

SERVER_IP=198.18.0.1
NET=198.18.0.0/15
MASK=255.254.0.0
POOL_START=198.18.1.0
POOL_END=198.19.255.254
ROUTER=198.18.0.1
DNS=198.18.0.53
LEASE_TIME=86400
NCLIENTS=${BENCH_CLIENTS:-10000}

log() { echo "# $*" >&2; }

# PIDS holds the processes started here that may still run; a PID leaves
# it once reaped (forget_pid), so the EXIT trap never signals a reused PID.
forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# use_pins DIR: DIR is about to be handed to a daemon; remember it.
use_pins() {
	local d
	for d in "${PIN_DIRS[@]}"; do [ "$d" = "$1" ] && return 0; done
	PIN_DIRS+=("$1")
}

# release_pins DIR: remove what a stopped daemon left in DIR (links first,
# through xdhcpd's own --detach-all, then the maps and the directory).
# Returns 1 if DIR is still there (a daemon still holds it).
release_pins() {
	[ -e "$1" ] || return 0
	"$XDHCPD" --detach-all --pin-dir "$1" >/dev/null 2>&1 || true
	rm -rf "$1" 2>/dev/null || true
	[ ! -e "$1" ] && return 0
	log "could not remove $1"
	return 1
}

cleanup() {
	local rc=$? p d
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${BENCH_KEEP:-}" ] && cp -r "$TMP" "$BENCH_KEEP"
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_T" 2>/dev/null
	for d in "${PIN_DIRS[@]}"; do release_pins "$d"; done
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Pin directories an earlier run of this script left (killed with SIGKILL,
# or before this clean-up existed): only names this script makes
# (xdhcp-bench-<8 hex>[-t]) whose run is over (its namespaces are gone)
# and that no daemon holds (--detach-all refuses a locked directory).
for d in "$PIN_PREFIX"*; do
	[ -d "$d" ] || continue
	[[ ${d#"$PIN_PREFIX"} =~ ^([0-9a-f]{8})(-t)?$ ]] || continue
	id=${BASH_REMATCH[1]}
	[ -e "/run/netns/xbench-s-$id" ] || [ -e "/run/netns/xbench-t-$id" ] && continue
	"$XDHCPD" --detach-all --pin-dir "$d" >/dev/null 2>&1 || continue
	rm -rf "$d" 2>/dev/null && log "removed stale $d (from bench run $id)"
done

ip netns add "$NS_S"
ip netns add "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link add "$IF_S" type veth peer name "$IF_C" netns "$NS_C"
ip -n "$NS_S" addr add "$SERVER_IP/15" dev "$IF_S"
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
SERVER_MAC=$(ip -n "$NS_S" -j link show "$IF_S" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])')
RESULTS=$TMP/results.jsonl
: >"$RESULTS"

# ------------------------------------------------------------------ servers
# Each start_* writes SRV_PID (the server process itself) and waits until
# it serves; state lives in a fresh directory $STATE.

# One veth stands for thousands of clients here, so the per-interface
# guards meant for a VM's tap (punt rate limit, offer cap) are lifted.
start_xdhcpd() {
	use_pins "$PIN"
	nsenter --net="/run/netns/$NS_S" nice -n -20 "$XDHCPD" --interface "$IF_S" \
		--server-id "$SERVER_IP" --range "$POOL_START,$POOL_END" --netmask "$MASK" \
		--router "$ROUTER" --dns "$DNS" --lease-time "$LEASE_TIME" \
		--pin-dir "$PIN" --run-dir "$STATE/run" --lease-file "$STATE/leases" \
		--punt-rate 0 --max-offers 65536 \
		--detach-on-exit >"$STATE/server.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	for _ in $(seq 300); do
		grep -q "ready:" "$STATE/server.log" && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.02
	done
	cat "$STATE/server.log" >&2
	return 1
}

count_sockets() {
	local f n=0
	for f in "/proc/$1/fd/"*; do
		[[ $(readlink "$f" 2>/dev/null) == socket:* ]] && n=$((n + 1))
	done
	echo $n
}

start_kea() {
	cat >"$STATE/kea.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["$IF_S"], "dhcp-socket-type": "raw"},
  "lease-database": {"type": "memfile", "persist": true, "lfc-interval": 0,
                     "name": "$STATE/kea-leases4.csv"},
  "valid-lifetime": $LEASE_TIME, "renew-timer": $((LEASE_TIME / 2)),
  "rebind-timer": $((LEASE_TIME * 7 / 8)),
  "authoritative": true,
  "subnet4": [{"id": 1, "subnet": "$NET",
    "pools": [{"pool": "$POOL_START - $POOL_END"}],
    "option-data": [{"name": "routers", "data": "$ROUTER"},
                    {"name": "domain-name-servers", "data": "$DNS"}]}],
  "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
               "output_options": [{"output": "$STATE/kea.log"}]}]
}}
EOF
	KEA_PIDFILE_DIR=$STATE KEA_LOCKFILE_DIR=$STATE \
		nsenter --net="/run/netns/$NS_S" nice -n -20 kea-dhcp4 -c "$STATE/kea.json" \
		>"$STATE/server.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	# Ready when its raw socket is open on the interface.
	for _ in $(seq 300); do
		grep -q "DHCP4_STARTED" "$STATE/server.log" "$STATE/kea.log" 2>/dev/null && return 0
		[ "$(count_sockets "$SRV_PID")" -ge 2 ] && { sleep 0.3; return 0; }
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$STATE/server.log" >&2
	return 1
}

start_dnsmasq() {
	cat >"$STATE/dnsmasq.conf" <<EOF
port=0
interface=$IF_S
bind-interfaces
dhcp-range=$POOL_START,$POOL_END,$MASK,$LEASE_TIME
dhcp-option=option:router,$ROUTER
dhcp-option=option:dns-server,$DNS
dhcp-leasefile=$STATE/dnsmasq.leases
dhcp-lease-max=200000
dhcp-authoritative
no-ping
quiet-dhcp
user=root
pid-file=$STATE/dnsmasq.pid
EOF
	nsenter --net="/run/netns/$NS_S" nice -n -20 dnsmasq --keep-in-foreground \
		--conf-file="$STATE/dnsmasq.conf" --log-facility="$STATE/dnsmasq.log" \
		>"$STATE/server.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	for _ in $(seq 100); do
		ip netns exec "$NS_S" ss -lun 2>/dev/null | grep -q ":67 " && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$STATE/server.log" "$STATE/dnsmasq.log" >&2
	return 1
}

stop_server() {
	[ -n "${SRV_PID:-}" ] || return 0
	kill "$SRV_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	forget_pid "$SRV_PID"
	SRV_PID=""
	ip -n "$NS_S" link set dev "$IF_S" xdp off 2>/dev/null || true
	release_pins "$PIN" || true
}

# seed_leases SERVER: NCLIENTS leases (client i: MAC 02:42:<i>, POOL_START+i)
# in the server's own store format, plus, for dnsmasq, permanent neighbour
# entries: it answers a RENEWING client by unicast through the kernel's
# ARP table, which would otherwise overflow with thousands of clients.
seed_leases() {
	case $1 in
	xdhcpd) python3 "$LEASES_PY" --format xdhcpd --count "$NCLIENTS" \
		--pool-base "$POOL_START" --lease-time "$LEASE_TIME" --out "$STATE/leases" ;;
	kea) python3 "$LEASES_PY" --format kea --count "$NCLIENTS" \
		--pool-base "$POOL_START" --lease-time "$LEASE_TIME" --out "$STATE/kea-leases4.csv" ;;
	dnsmasq) python3 "$LEASES_PY" --format dnsmasq --count "$NCLIENTS" \
		--pool-base "$POOL_START" --lease-time "$LEASE_TIME" --out "$STATE/dnsmasq.leases" ;;
	esac
}

neigh_seeded=0
seed_neigh() {
	[ $neigh_seeded = 1 ] && return 0
	python3 - "$NCLIENTS" "$POOL_START" "$IF_S" >"$TMP/neigh.batch" <<'PY'
import ipaddress, sys
n, base, dev = int(sys.argv[1]), int(ipaddress.IPv4Address(sys.argv[2])), sys.argv[3]
for i in range(n):
    mac = "02:42:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)
    print("neigh replace %s lladdr %s dev %s nud permanent" % (ipaddress.IPv4Address(base + i), mac, dev))
PY
	ip -n "$NS_S" -batch "$TMP/neigh.batch"
	neigh_seeded=1
}

# ------------------------------------------------------------------ steps
# run_step SERVER SCENARIO RATE: one server process, fresh state, one load
# step.  Appends a JSON line to $RESULTS.
STEP_N=0
run_step() {
	local srv=$1 scen=$2 rate=$3 dur prog_id="" xdp_args=() extra=()
	STEP_N=$((STEP_N + 1))
	STATE=$TMP/state-$STEP_N
	mkdir -p "$STATE"
	[ "$scen" != dora ] && seed_leases "$srv"
	[ "$srv" = dnsmasq ] && seed_neigh
	case $srv in
	xdhcpd) start_xdhcpd ;;
	kea) start_kea ;;
	dnsmasq) start_dnsmasq ;;
	esac || { log "$srv did not start"; stop_server; return 1; }
	if [ "$srv" = xdhcpd ]; then
		prog_id=$(ip -n "$NS_S" -j link show "$IF_S" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d.get("xdp", {}).get("prog", {}).get("id", ""))')
		# BPF run-time accounting (BPF_ENABLE_STATS) adds two clock
		# reads to every BPF program run on the machine, the
		# generator's and receiver's included: on for the whole step,
		# it slowed the step it measured.  Where XDP does the work
		# (renew, rebind, init-reboot) the step runs without it, and a
		# short probe at the same rate afterwards measures the XDP
		# time per reply.  DORA steps (the daemon's work, new clients
		# the pool must hold) keep it on for the step.
		case $scen in
		dora | mixed) [ -n "$prog_id" ] && xdp_args=(--server-prog-id "$prog_id") ;;
		esac
	else
		# veth delivers XDP_TX frames to a peer that runs XDP (NAPI):
		# the same pass-through program the client side of the tests uses.
		ip -n "$NS_S" link set dev "$IF_S" xdp obj "$PASS_OBJ" sec xdp
	fi
	[ "$scen" = mixed ] && extra=(--mix-period 10)
	# At least ~2000 requests per step for the percentiles, 1..3 s.
	dur=${BENCH_DURATION:-$(python3 -c "print(min(3.0, max(1.0, 2000.0 / $rate)))")}
	ip netns exec "$NS_C" nice -n -20 "$LOADGEN" --ifname "$IF_C" --mode "$scen" \
		--rate "$rate" --duration "$dur" --server-ip "$SERVER_IP" --batch "${BENCH_BATCH:-8}" \
		--server-mac "$SERVER_MAC" --pool-base "$POOL_START" --net "$NET" \
		--clients "$NCLIENTS" --new-base $((0x10000000 + STEP_N * 0x100000)) \
		--server-pid "$SRV_PID" "${xdp_args[@]}" "${extra[@]}" --drain-ms 2000 \
		--label "$srv/$scen" --json "$TMP/step.json" >&2 || true
	rm -f "$TMP/probe.json"
	if [ -s "$TMP/step.json" ] && [ "$srv" = xdhcpd ] && [ -n "$prog_id" ] &&
		[ ${#xdp_args[@]} -eq 0 ]; then
		ip netns exec "$NS_C" nice -n -20 "$LOADGEN" --ifname "$IF_C" --mode "$scen" \
			--rate "$rate" --duration 0.3 --server-ip "$SERVER_IP" \
			--server-mac "$SERVER_MAC" --pool-base "$POOL_START" --net "$NET" \
			--clients "$NCLIENTS" --new-base $((0x10000000 + STEP_N * 0x100000 + 0x80000)) \
			--server-pid "$SRV_PID" --server-prog-id "$prog_id" --drain-ms 500 \
			--label "$srv/$scen (xdp time)" --json "$TMP/probe.json" >&2 || true
	fi
	if [ -s "$TMP/step.json" ]; then
		python3 -c '
import json, os, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
r.update(server=sys.argv[2], scenario=sys.argv[3])
if os.path.exists(sys.argv[4]) and os.path.getsize(sys.argv[4]):
    p = json.loads(open(sys.argv[4]).read().splitlines()[-1])
    if p["replies"]:
        # XDP time per reply from the probe, for the step'"'"'s replies.
        r["xdp_cpu_s"] = p["xdp_cpu_s"] / p["replies"] * r["replies"]
        r["xdp_probe"] = True
        if r["replies"]:
            r["cpu_ms_per_1000"] = (r["server_cpu_s"] + r["xdp_cpu_s"]) * 1e6 / r["replies"]
print(json.dumps(r))' "$TMP/step.json" "$srv" "$scen" "$TMP/probe.json" >>"$RESULTS"
		rm -f "$TMP/step.json" "$TMP/probe.json"
		stop_server
		return 0
	fi
	log "$srv/$scen at $rate/s: no result from loadgen"
	stop_server
	return 1
}

# ladder SERVER SCENARIO RATES...: steps up the rates; stops after two
# consecutive steps with >= 1 % loss (or the generator falling short).
ladder() {
	local srv=$1 scen=$2 bad=0 rate last
	shift 2
	for rate in "$@"; do
		# A step without a result counts as a bad one.
		if ! run_step "$srv" "$scen" "$rate"; then
			bad=$((bad + 1))
			[ $bad -ge 2 ] && break
			continue
		fi
		last=$(tail -n 1 "$RESULTS")
		if python3 -c '
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if r["loss_pct"] >= 1.0 or r["send_rate"] < 0.8 * r["offered"] else 1)' "$last"; then
			bad=$((bad + 1))
			[ $bad -ge 2 ] && break
		else
			bad=0
		fi
	done
	# (Not the status of the last test: under set -e, a ladder whose last
	# step was its first bad one would end the whole run.)
	return 0
}

if [ $QUICK = 1 ]; then
	R_XDP="100000 400000 1600000"; R_XDP_DORA="2000 8000 32000"
	R_KEA="2000 8000 16000"; R_DNSMASQ="200 800 1600"
	SCENARIOS="renew dora"
else
	R_XDP="50000 100000 200000 400000 700000 1000000 1250000 1500000 2000000 2500000"
	R_XDP_DORA="250 500 1000 2000 4000 8000 16000 24000 32000 48000 64000 96000 128000"
	R_KEA="500 1000 2000 4000 6000 8000 12000 16000 24000"
	R_DNSMASQ="25 50 100 200 400 800 1600"
	SCENARIOS="renew rebind initreboot dora mixed"
fi

# --steps: only these load steps (validated above); loadgen's report on
# stderr, the result lines on stdout, nothing written.
if [ -n "$STEPS" ]; then
	for st in ${STEPS//,/ }; do
		IFS=: read -r srv scen rate <<<"$st"
		run_step "$srv" "$scen" "$rate" || true
	done
	cat "$RESULTS"
	exit 0
fi

log "machine: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD0=$(cut -d' ' -f1 /proc/loadavg)

# ------------------------------------------------------------------ 1. XDP microbenchmark
if part micro; then
	log "XDP microbenchmark (BPF_PROG_TEST_RUN, 1e6 runs per case)"
	unshare -n nice -n -20 "$XDPBENCH" --runs 1000000 --json "$TMP/micro.json" >&2
	unshare -n "$XDPBENCH" --fill-map 1000000 >"$TMP/fillmap.txt"
	cat "$TMP/fillmap.txt" >&2
fi

# ------------------------------------------------------------------ 2. ceiling
if part ceiling; then
	log "ceiling: XDP_TX reflector on the server end (no server)"
	for rate in $R_XDP 3000000; do
		STEP_N=$((STEP_N + 1))
		ip netns exec "$NS_C" nice -n -20 "$LOADGEN" --ifname "$IF_C" --mode renew \
			--rate "$rate" --duration 1 --server-ip "$SERVER_IP" --server-mac "$SERVER_MAC" \
			--pool-base "$POOL_START" --net "$NET" --clients "$NCLIENTS" \
			--reflect "$NS_S:$IF_S" --label reflector/renew --json "$TMP/step.json" >&2 || true
		[ -s "$TMP/step.json" ] || { log "reflector at $rate/s: no result from loadgen"; continue; }
		python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
r.update(server="reflector", scenario="renew")
print(json.dumps(r))' "$TMP/step.json" >>"$RESULTS"
		rm -f "$TMP/step.json"
	done
fi

# ------------------------------------------------------------------ 3. servers
if part servers; then
	for scen in $SCENARIOS; do
		for srv in xdhcpd kea dnsmasq; do
			log "$srv: $scen"
			case $srv/$scen in
			xdhcpd/dora) rates=$R_XDP_DORA ;;
			xdhcpd/mixed) rates=$R_XDP_DORA ;;
			xdhcpd/*) rates="$R_XDP 3000000" ;; # the reflector's ladder
			kea/*) rates=$R_KEA ;;
			dnsmasq/*) rates=$R_DNSMASQ ;;
			esac
			# shellcheck disable=SC2086
			ladder "$srv" "$scen" $rates
		done
	done
fi

# ------------------------------------------------------------------ 4. perfdhcp
# perfdhcp (Kea's tool) as an independent client: new clients doing DORA
# at RATE/s, plus renewals of the leases obtained at RATE/4 per second
# (-f), for 5 s (-p), then 1 s to collect late replies (-W); a 30 s cap.
# It sends from 198.18.0.2 on the client end; with -l and no server
# address it broadcasts (naming 255.255.255.255 instead makes it send
# without SO_BROADCAST: "sendmsg() ... Permission denied").  Each server
# gets a line in perfdhcp.jsonl: the statistics, or why there are none.
if part perfdhcp; then
	log "perfdhcp cross-check ($PERFDHCP_RATES)"
	PD_PERIOD=5
	ip -n "$NS_C" addr add 198.18.0.2/15 dev "$IF_C"
	ip -n "$NS_C" link set dev "$IF_C" xdp obj "$PASS_OBJ" sec xdp
	for pr in ${PERFDHCP_RATES//,/ }; do
		srv=${pr%%:*}
		prate=${pr#*:}
		STEP_N=$((STEP_N + 1))
		STATE=$TMP/state-$STEP_N
		mkdir -p "$STATE"
		: >"$STATE/perfdhcp.txt"
		prc=0
		if case $srv in
			xdhcpd) start_xdhcpd ;; kea) start_kea ;; dnsmasq) start_dnsmasq ;;
		esac; then
			[ "$srv" != xdhcpd ] && ip -n "$NS_S" link set dev "$IF_S" xdp obj "$PASS_OBJ" sec xdp
			timeout -k 5 30 ip netns exec "$NS_C" nice -n -20 perfdhcp -4 -l "$IF_C" \
				-r "$prate" -f $(((prate + 3) / 4)) -p "$PD_PERIOD" -W 1000000 -R 1000000 \
				-b mac=02:43:00:00:00:00 >"$STATE/perfdhcp.txt" 2>&1 &
			pd_pid=$!
			PIDS+=("$pd_pid")
			wait "$pd_pid" || prc=$?
			forget_pid "$pd_pid"
			python3 "$ROOT/scripts/bench/perfdhcp.py" --server "$srv" --rate "$prate" \
				--period "$PD_PERIOD" --rc "$prc" "$STATE/perfdhcp.txt" >>"$TMP/perfdhcp.jsonl" ||
				printf '{"server": "%s", "rate": %d, "exchanges": [], "error": "%s"}\n' "$srv" "$prate" \
					"perfdhcp.py failed on the output (exit $prc)" >>"$TMP/perfdhcp.jsonl"
		else
			python3 "$ROOT/scripts/bench/perfdhcp.py" --server "$srv" --rate "$prate" \
				--error "$srv did not start" >>"$TMP/perfdhcp.jsonl"
		fi
		stop_server
		tail -n 1 "$TMP/perfdhcp.jsonl" >&2
	done
	ip -n "$NS_C" link set dev "$IF_C" xdp off
	ip -n "$NS_C" addr flush dev "$IF_C"
fi

# ------------------------------------------------------------------ 5. scale
# Start-up with the largest store 198.18.0.0/15 holds (131,070 leases:
# test addresses stay in that block), daemon RSS per lease; 1000 taps.
if part scale; then
	log "scale: start-up with a full /15 of leases, RSS per lease"
	STATE=$TMP/state-scale
	mkdir -p "$STATE"
	python3 "$LEASES_PY" --format xdhcpd --count 131000 --pool-base "$POOL_START" \
		--lease-time "$LEASE_TIME" --out "$STATE/leases"
	# Baseline RSS: the same daemon with no lease.
	STATE0=$TMP/state-scale0
	mkdir -p "$STATE0"
	STATE=$STATE0
	t00=$(date +%s.%N); start_xdhcpd; t01=$(date +%s.%N)
	RSS0=$(awk '/VmRSS/ {print $2}' "/proc/$SRV_PID/status")
	grep -m1 "ready:" "$STATE/server.log" >"$TMP/ready0.txt" || true
	stop_server
	STATE=$TMP/state-scale
	t0=$(date +%s.%N); start_xdhcpd; t1=$(date +%s.%N)
	RSS1=$(awk '/VmRSS/ {print $2}' "/proc/$SRV_PID/status")
	grep -m1 "ready:" "$STATE/server.log" >"$TMP/ready1.txt" || true
	LEASES_MAP=$(bpftool -j map show pinned "$PIN/leases" | python3 -c '
import json, sys; m = json.load(sys.stdin); print(m.get("bytes_memlock", 0))')
	stop_server
	python3 -c '
import json, re, sys
t0, t1, r0, r1, mem, e0, e1 = map(float, sys.argv[1:8])
def phases(path):
    # The daemon'"'"'s own account of its start-up (its "ready" line).
    m = re.search(r"start-up ([0-9.]+) s \(lease file ([0-9.]+) s, BPF load ([0-9.]+) s "
                  r"beside it, then ([0-9.]+) s", open(path).read())
    return dict(zip(("total_s", "file_s", "bpf_s", "after_s"), map(float, m.groups()))) if m else None
print(json.dumps({"leases": 131000, "startup_s": t1 - t0, "startup0_s": e1 - e0,
                  "phases": phases(sys.argv[9]), "phases0": phases(sys.argv[8]),
                  "rss0_kib": r0, "rss_kib": r1,
                  "rss_per_lease": (r1 - r0) * 1024 / 131000, "map_memlock": mem}))' \
		"$t0" "$t1" "$RSS0" "$RSS1" "$LEASES_MAP" "$t00" "$t01" "$TMP/ready0.txt" \
		"$TMP/ready1.txt" >"$TMP/scale.json"
	cat "$TMP/scale.json" >&2

	# The tap daemon pins under its own directory, $PIN_T: after it stops,
	# release_pins removes whatever it left (links, maps, the directory).
	log "scale: 1000 taps, one daemon"
	ip netns add "$NS_T"
	python3 -c '
for i in range(1000):
    print("tuntap add dev xt%d mode tap" % i)
    print("link set xt%d up" % i)' >"$TMP/taps.batch"
	ip -n "$NS_T" -batch "$TMP/taps.batch"
	STATE=$TMP/state-taps
	mkdir -p "$STATE"
	{
		echo "server-id = $SERVER_IP"
		echo "range = $POOL_START,$POOL_END"
		echo "netmask = $MASK"
		echo "router = $ROUTER"
		python3 -c 'print("\n".join("interface = xt%d" % i for i in range(1000)))'
	} >"$STATE/xdhcpd.conf"
	use_pins "$PIN_T"
	t0=$(date +%s.%N)
	nsenter --net="/run/netns/$NS_T" "$XDHCPD" --config "$STATE/xdhcpd.conf" \
		--pin-dir "$PIN_T" --run-dir "$STATE/run" --lease-file "$STATE/leases" \
		--detach-on-exit >"$STATE/server.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	ok=0
	for _ in $(seq 1500); do
		grep -q "ready:" "$STATE/server.log" && { ok=1; break; }
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.02
	done
	t1=$(date +%s.%N)
	RSS_T=$(awk '/VmRSS/ {print $2}' "/proc/$SRV_PID/status" 2>/dev/null || echo 0)
	NXDP=$(ip -n "$NS_T" -o link show | grep -c "xdp" || true)
	t2=$(date +%s.%N)
	kill "$SRV_PID" 2>/dev/null || true
	for _ in $(seq 600); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	t3=$(date +%s.%N)
	forget_pid "$SRV_PID"
	SRV_PID=""
	[ $ok = 1 ] || tail -n 5 "$STATE/server.log" >&2
	# What the daemon itself left pinned (none when it detached cleanly).
	PINS_LEFT=$( (find "$PIN_T" -mindepth 1 2>/dev/null || true) | wc -l)
	release_pins "$PIN_T" || true
	python3 -c '
import json, sys
t0, t1, rss, n, ok, t2, t3, left = map(float, sys.argv[1:9])
print(json.dumps({"taps": 1000, "ready": bool(ok), "attach_s": t1 - t0, "rss_kib": rss,
                  "with_xdp": int(n), "detach_s": t3 - t2, "pins_left": int(left)}))' \
		"$t0" "$t1" "$RSS_T" "$NXDP" "$ok" "$t2" "$t3" "$PINS_LEFT" >"$TMP/taps.json"
	cat "$TMP/taps.json" >&2
	ip netns del "$NS_T"
fi

# ------------------------------------------------------------------ report
T_END=$(date +%s)
mkdir -p "$OUT_DIR"
CMD="make bench"
[ $QUICK = 1 ] && CMD="scripts/bench/run.sh --quick"
[ -n "$ONLY" ] && CMD="$CMD (partial: --only $ONLY)"
python3 "$ROOT/scripts/bench/report.py" --results "$RESULTS" --micro "$TMP/micro.json" \
	--fillmap "$TMP/fillmap.txt" --perfdhcp "$TMP/perfdhcp.jsonl" --scale "$TMP/scale.json" \
	--taps "$TMP/taps.json" --clients "$NCLIENTS" --seconds $((T_END - T_START)) \
	--load0 "$LOAD0" --load1 "$(cut -d' ' -f1 /proc/loadavg)" \
	--command "$CMD" --out-md "$OUT_DIR/benchmarks.md" --out-dir "$TMP/plot"
gnuplot "$TMP/plot/plot.gp"
cp "$TMP/plot/benchmarks.png" "$OUT_DIR/benchmarks.png"
if [ -n "$ONLY" ]; then
	cp "$RESULTS" "$OUT_DIR/results.jsonl"
else
	cp "$RESULTS" "$BUILD/bench/results.jsonl"
fi
log "wrote $OUT_DIR/benchmarks.md and $OUT_DIR/benchmarks.png in $((T_END - T_START)) s"
