#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: xdhcpd, Kea (kea-dhcp4, memfile, persistence on) and dnsmasq
# on the same veth, with the same pool, lease time and options, driven one
# at a time by the same load (scripts/bench/loadgen.c); the XDP
# microbenchmark; a perfdhcp cross-check; scale figures.  Prints a table and
# writes docs/benchmarks.md and docs/benchmarks.png.
#
#   scripts/bench/run.sh [--build DIR] [--quick] [--out-dir DIR]
#                        [--steps SERVER:SCENARIO:RATE,...]   (only those steps)
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
OUT_DIR=$ROOT/docs
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--quick) QUICK=1; shift ;;
	--out-dir) OUT_DIR=$2; shift 2 ;;
	--steps) STEPS=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--quick] [--out-dir DIR] [--steps SRV:SCEN:RATE,...]" >&2; exit 2 ;;
	esac
done
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
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
PIN=/sys/fs/bpf/xdhcp-bench-$RUN_ID
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

cleanup() {
	local rc=$? p
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	[ -n "${BENCH_KEEP:-}" ] && cp -r "$TMP" "$BENCH_KEEP"
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_T" 2>/dev/null
	rm -rf "$PIN" 2>/dev/null
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "# $*" >&2; }

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
		[ -n "$(ls -l "/proc/$SRV_PID/fd" 2>/dev/null | grep -c socket)" ] &&
			[ "$(ls -l "/proc/$SRV_PID/fd" 2>/dev/null | grep -c socket)" -ge 2 ] && {
			sleep 0.3; return 0; }
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
	kill "$SRV_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	ip -n "$NS_S" link set dev "$IF_S" xdp off 2>/dev/null || true
	rm -rf "$PIN"
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
		[ -n "$prog_id" ] && xdp_args=(--server-prog-id "$prog_id")
	else
		# veth delivers XDP_TX frames to a peer that runs XDP (NAPI):
		# the same pass-through program the client side of the tests uses.
		ip -n "$NS_S" link set dev "$IF_S" xdp obj "$PASS_OBJ" sec xdp
	fi
	[ "$scen" = mixed ] && extra=(--mix-period 10)
	# At least ~2000 requests per step for the percentiles, 1..3 s.
	dur=$(python3 -c "print(min(3.0, max(1.0, 2000.0 / $rate)))")
	ip netns exec "$NS_C" nice -n -20 "$LOADGEN" --ifname "$IF_C" --mode "$scen" \
		--rate "$rate" --duration "$dur" --server-ip "$SERVER_IP" \
		--server-mac "$SERVER_MAC" --pool-base "$POOL_START" --net "$NET" \
		--clients "$NCLIENTS" --new-base $((0x10000000 + STEP_N * 0x100000)) \
		--server-pid "$SRV_PID" "${xdp_args[@]}" "${extra[@]}" --drain-ms 2000 \
		--label "$srv/$scen" --json "$TMP/step.json" >&2 || true
	if [ -s "$TMP/step.json" ]; then
		python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
r.update(server=sys.argv[2], scenario=sys.argv[3])
print(json.dumps(r))' "$TMP/step.json" "$srv" "$scen" >>"$RESULTS"
		rm -f "$TMP/step.json"
	fi
	stop_server
}

# ladder SERVER SCENARIO RATES...: steps up the rates; stops after two
# consecutive steps with >= 1 % loss (or the generator falling short).
ladder() {
	local srv=$1 scen=$2 bad=0 rate last
	shift 2
	for rate in "$@"; do
		run_step "$srv" "$scen" "$rate" || true
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
}

if [ $QUICK = 1 ]; then
	R_XDP="100000 400000 1600000"; R_XDP_DORA="2000 8000 32000"
	R_KEA="2000 8000 16000"; R_DNSMASQ="200 800 1600"
	SCENARIOS="renew dora"
else
	R_XDP="50000 100000 200000 400000 700000 1000000 1500000 2000000"
	R_XDP_DORA="250 500 1000 2000 4000 8000 16000 32000 64000"
	R_KEA="500 1000 2000 4000 6000 8000 12000 16000 24000"
	R_DNSMASQ="25 50 100 200 400 800 1600"
	SCENARIOS="renew rebind initreboot dora mixed"
fi

# --steps: only these load steps, results on stderr (for debugging).
if [ -n "$STEPS" ]; then
	for st in ${STEPS//,/ }; do
		IFS=: read -r srv scen rate <<<"$st"
		run_step "$srv" "$scen" "$rate" || true
	done
	exit 0
fi

log "machine: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD0=$(cut -d' ' -f1 /proc/loadavg)

# ------------------------------------------------------------------ 1. XDP microbenchmark
log "XDP microbenchmark (BPF_PROG_TEST_RUN, 1e6 runs per case)"
unshare -n nice -n -20 "$XDPBENCH" --runs 1000000 --json "$TMP/micro.json" >&2
unshare -n "$XDPBENCH" --fill-map 1000000 >"$TMP/fillmap.txt"
cat "$TMP/fillmap.txt" >&2

# ------------------------------------------------------------------ 2. ceiling
log "ceiling: XDP_TX reflector on the server end (no server)"
for rate in $R_XDP 3000000; do
	STEP_N=$((STEP_N + 1))
	ip netns exec "$NS_C" nice -n -20 "$LOADGEN" --ifname "$IF_C" --mode renew \
		--rate "$rate" --duration 1 --server-ip "$SERVER_IP" --server-mac "$SERVER_MAC" \
		--pool-base "$POOL_START" --net "$NET" --clients "$NCLIENTS" \
		--reflect "$NS_S:$IF_S" --label reflector/renew --json "$TMP/step.json" >&2 || true
	python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
r.update(server="reflector", scenario="renew")
print(json.dumps(r))' "$TMP/step.json" >>"$RESULTS"
	rm -f "$TMP/step.json"
done

# ------------------------------------------------------------------ 3. servers
for scen in $SCENARIOS; do
	for srv in xdhcpd kea dnsmasq; do
		log "$srv: $scen"
		case $srv/$scen in
		xdhcpd/dora) rates=$R_XDP_DORA ;;
		xdhcpd/mixed) rates=$R_XDP_DORA ;;
		xdhcpd/*) rates=$R_XDP ;;
		kea/*) rates=$R_KEA ;;
		dnsmasq/*) rates=$R_DNSMASQ ;;
		esac
		# shellcheck disable=SC2086
		ladder "$srv" "$scen" $rates
	done
done

# ------------------------------------------------------------------ 4. perfdhcp
# perfdhcp (Kea's tool) as an independent client: DORA, then a renewal of
# each lease (-f), at a rate it reaches; 5 s per server.
log "perfdhcp cross-check"
ip -n "$NS_C" addr add 198.18.0.2/15 dev "$IF_C"
ip -n "$NS_C" link set dev "$IF_C" xdp obj "$PASS_OBJ" sec xdp
for srv in xdhcpd kea dnsmasq; do
	STEP_N=$((STEP_N + 1))
	STATE=$TMP/state-$STEP_N
	mkdir -p "$STATE"
	case $srv in
	xdhcpd) start_xdhcpd ;; kea) start_kea ;; dnsmasq) start_dnsmasq ;;
	esac || { stop_server; continue; }
	[ "$srv" != xdhcpd ] && ip -n "$NS_S" link set dev "$IF_S" xdp obj "$PASS_OBJ" sec xdp
	prate=12000
	[ "$srv" = dnsmasq ] && prate=1000
	timeout 20 ip netns exec "$NS_C" nice -n -20 perfdhcp -4 -l "$IF_C" -r "$prate" \
		-p 5 -R 1000000 -f 1 -b mac=02:43:00:00:00:00 -t 5 255.255.255.255 \
		>"$STATE/perfdhcp.txt" 2>&1 || true
	python3 - "$STATE/perfdhcp.txt" "$srv" "$prate" >>"$TMP/perfdhcp.jsonl" <<'PY' || true
import json, re, sys
text = open(sys.argv[1]).read()
out = {"server": sys.argv[2], "rate": int(sys.argv[3])}
# perfdhcp prints one block per exchange type: DISCOVER-OFFER, REQUEST-ACK,
# and with -f, RENEW-REPLY (REQUEST-ACK of renewals).
for name, block in re.findall(r"\*\*\*Statistics for: (\S+)\*\*\*(.*?)(?=\*\*\*Statistics|\Z)", text, re.S):
    d = {}
    for key, pat in (("sent", r"sent packets: (\d+)"), ("received", r"received packets: (\d+)"),
                     ("drops", r"drops: (\d+)"), ("avg_delay_ms", r"avg delay: ([\d.]+) ms")):
        m = re.search(pat, block)
        if m:
            d[key] = float(m.group(1))
    out[name] = d
m = re.search(r"Running: (\S+)", text)
print(json.dumps(out))
PY
	stop_server
	ip -n "$NS_S" link set dev "$IF_S" xdp off 2>/dev/null || true
done
ip -n "$NS_C" link set dev "$IF_C" xdp off
ip -n "$NS_C" addr flush dev "$IF_C"

# ------------------------------------------------------------------ 5. scale
# Start-up with the largest store 198.18.0.0/15 holds (131,070 leases:
# test addresses stay in that block), daemon RSS per lease; 1000 taps.
log "scale: start-up with a full /15 of leases, RSS per lease"
STATE=$TMP/state-scale
mkdir -p "$STATE"
python3 "$LEASES_PY" --format xdhcpd --count 131000 --pool-base "$POOL_START" \
	--lease-time "$LEASE_TIME" --out "$STATE/leases"
# Baseline RSS: the same daemon with no lease.
STATE0=$TMP/state-scale0
mkdir -p "$STATE0"
STATE=$STATE0
t0=$(date +%s.%N); start_xdhcpd; t1=$(date +%s.%N)
RSS0=$(awk '/VmRSS/ {print $2}' "/proc/$SRV_PID/status")
stop_server
STATE=$TMP/state-scale
t0=$(date +%s.%N); start_xdhcpd; t1=$(date +%s.%N)
RSS1=$(awk '/VmRSS/ {print $2}' "/proc/$SRV_PID/status")
LEASES_MAP=$(bpftool -j map show pinned "$PIN/leases" | python3 -c '
import json, sys; m = json.load(sys.stdin); print(m.get("bytes_memlock", 0))')
stop_server
python3 -c '
import json, sys
t0, t1, r0, r1, mem = map(float, sys.argv[1:6])
print(json.dumps({"leases": 131000, "startup_s": t1 - t0, "rss0_kib": r0, "rss_kib": r1,
                  "rss_per_lease": (r1 - r0) * 1024 / 131000, "map_memlock": mem}))' \
	"$t0" "$t1" "$RSS0" "$RSS1" "$LEASES_MAP" >"$TMP/scale.json"
cat "$TMP/scale.json" >&2

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
t0=$(date +%s.%N)
nsenter --net="/run/netns/$NS_T" "$XDHCPD" --config "$STATE/xdhcpd.conf" \
	--pin-dir "$PIN" --run-dir "$STATE/run" --lease-file "$STATE/leases" \
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
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null || true
t3=$(date +%s.%N)
[ $ok = 1 ] || tail -n 5 "$STATE/server.log" >&2
python3 -c '
import json, sys
t0, t1, rss, n, ok, t2, t3 = map(float, sys.argv[1:8])
print(json.dumps({"taps": 1000, "ready": bool(ok), "attach_s": t1 - t0, "rss_kib": rss,
                  "with_xdp": int(n), "detach_s": t3 - t2}))' \
	"$t0" "$t1" "$RSS_T" "$NXDP" "$ok" "$t2" "$t3" >"$TMP/taps.json"
cat "$TMP/taps.json" >&2
ip netns del "$NS_T"

# ------------------------------------------------------------------ report
T_END=$(date +%s)
mkdir -p "$OUT_DIR"
python3 "$ROOT/scripts/bench/report.py" --results "$RESULTS" --micro "$TMP/micro.json" \
	--fillmap "$TMP/fillmap.txt" --perfdhcp "$TMP/perfdhcp.jsonl" --scale "$TMP/scale.json" \
	--taps "$TMP/taps.json" --clients "$NCLIENTS" --seconds $((T_END - T_START)) \
	--load0 "$LOAD0" --load1 "$(cut -d' ' -f1 /proc/loadavg)" \
	--command "make bench" --out-md "$OUT_DIR/benchmarks.md" --out-dir "$TMP/plot"
gnuplot "$TMP/plot/plot.gp"
cp "$TMP/plot/benchmarks.png" "$OUT_DIR/benchmarks.png"
cp "$RESULTS" "$BUILD/bench/results.jsonl"
log "wrote $OUT_DIR/benchmarks.md and $OUT_DIR/benchmarks.png in $((T_END - T_START)) s"
