#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 under load.  Many clients (tests/tools/loadgen: DORA, unicast
# renewals, INIT-REBOOT, RELEASE and new DORAs, a few hundred requests a
# second) run while the daemon is killed with SIGKILL at random moments,
# ROUNDS times, and restarted.  Each round checks:
#  - while no daemon runs, renewals are still answered by XDP: the fast-ACK
#    counter rises and clients log renewal ACKs inside the down window;
#  - the lease file as the crash left it holds every lease any client was
#    ACKed, with the same address (the daemon syncs before an ACK leaves;
#    renewals answered in XDP keep the address), and no address is bound
#    to two clients;
#  - the restarted daemon takes the running link over, and the file it
#    compacted at start passes the same checks;
#  - a new client's DISCOVER, sent as the restart begins, gets an OFFER;
#    the time from the restart to that OFFER is reported (min/median/max).
# At the end: clients never saw their address change or a NAK, no two
# clients hold one address, and after a clean stop the file holds every
# lease the clients hold.
. "$(dirname "$0")/lib.sh"

LOADGEN=$BUILD/tests/tools/loadgen
[ -x "$LOADGEN" ] || fail "$LOADGEN not built (run make tests-build)"
command -v python3 >/dev/null || skip "python3 not installed"

ROUNDS=${CRASH_ROUNDS:-20}
CLIENTS=${CRASH_CLIENTS:-200}
RATE=500
# Nothing expires during the test; the probe clients' offers end soon, so
# the /24 never runs out.
LEASE_TIME=86400
# 200 clients share one link (not one tap each): every offer must stand
# until its REQUEST (--max-offers), and the load must not be rate limited.
ARGS=(--interface "$IF_S" --range 198.18.0.10,198.18.0.254 --lease-time "$LEASE_TIME"
	--offer-time 10 --max-offers 1024 --punt-rate 0)
EVENTS=$TMP/events.log
T_START=$EPOCHREALTIME

# check MODE [N]: the lease file against the clients' event log
# ($TMP/check.py; one summary line in CHECK_LINE).
#   crash N:   the file as the kill left it (a torn last line is allowed,
#              and reported), against the first N lines of the log;
#   restart N: the file the new daemon compacted at start, against the
#              log up to the restart (N lines, renewals answered while no
#              daemon ran included): the same, and the expiry must cover
#              the client's last ACK; clients that released or lost their
#              lease after line N are not checked (the daemon may already
#              have recorded that);
#   final:     the file after a clean stop, against the whole log.
# Every client whose last event is an ACK for A must have A bound to it
# (the latest record of its key is a grant or renew for A); no address is
# bound to two keys; no two clients believe they hold one address.
cat >"$TMP/check.py" <<'PY'
import sys, zlib
mode, leases, events, lease_time = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
upto = int(sys.argv[5]) if len(sys.argv) > 5 else None

latest, torn, records, last = {}, [], 0, 0
for n, raw in enumerate(open(leases, "rb").read().split(b"\n"), 1):
    if not raw or raw.startswith(b"#"):
        continue
    last = n
    body, sep, crc = raw.rpartition(b" crc=")
    if not sep or crc != b"%08x" % zlib.crc32(body):
        torn.append(n)
        continue
    f = body.decode().split(" ")
    records += 1
    latest[f[2]] = (f[0], f[1], int(f[3]))   # key -> (op, address, expiry)

lines = open(events).read().split("\n")
first = lines[:upto] if upto is not None else lines
later = lines[upto:] if upto is not None else []
held, acked = {}, {}                     # "mac:..." -> address held, time of the ACK
for line in first:
    f = line.split(" ")
    if f[0] == "ACK":
        held["mac:" + f[2]] = f[3]
        acked["mac:" + f[2]] = float(f[1])
    elif f[0] in ("REL", "NAK"):
        held.pop("mac:" + f[2], None)
skipped = 0
if mode == "restart":
    for line in later:
        f = line.split(" ")
        if f[0] in ("REL", "NAK", "MOVE") and "mac:" + f[2] in held:
            del held["mac:" + f[2]]
            skipped += 1

errors = []
if torn and (mode != "crash" or torn != [last]):   # a kill tears the tail at most
    errors.append("damaged lines %s" % torn)
lag = 0
for key, addr in sorted(held.items()):
    op, a, exp = latest.get(key, ("none", "-", 0))
    if op not in ("grant", "renew") or a != addr:
        errors.append("%s was ACKed %s, the file says %s %s" % (key, addr, op, a))
    elif exp < int(acked[key]) + lease_time - 2:
        lag += 1
        if mode == "restart":
            errors.append("%s: ACKed at %.3f for %d s, the file's expiry is %d" %
                          (key, acked[key], lease_time, exp))
owner = {}
for key, (op, a, exp) in latest.items():
    if op in ("grant", "renew"):
        if a in owner:
            errors.append("%s bound to both %s and %s" % (a, owner[a], key))
        owner[a] = key
byaddr = {}
for key, a in held.items():
    if a in byaddr:
        errors.append("clients %s and %s both hold %s" % (byaddr[a], key, a))
    byaddr[a] = key
bound = sum(1 for op, a, exp in latest.values() if op in ("grant", "renew"))
print("%s: %d ACKed leases checked (%d skipped, %d expiries behind the last ACK), "
      "%d bound in the file, %d records%s" % (mode, len(held), skipped, lag, bound, records,
       ", torn line %d" % torn[0] if torn and not errors else ""))
for e in errors[:20]:
    print("ERROR: " + e)
sys.exit(1 if errors else 0)
PY

check() {
	python3 "$TMP/check.py" "$1" "$TMP/leases" "$EVENTS" "$LEASE_TIME" "${@:2}" \
		>"$TMP/check.out" 2>&1 || {
		cat "$TMP/check.out"
		fail "lease file check ($1) failed"
	}
	CHECK_LINE=$(cat "$TMP/check.out")
}

# renew_acks_between T0 T1: renewal and INIT-REBOOT ACKs the clients logged
# with a time in [T0, T1].
renew_acks_between() {
	awk -v a="$1" -v b="$2" '$1 == "ACK" && ($5 == "renew" || $5 == "reboot") &&
		$2 >= a && $2 <= b { n++ } END { print n + 0 }' "$EVENTS"
}

setup_netns
start_xdhcpd "${ARGS[@]}"
ip netns exec "$NS_C" "$LOADGEN" --if "$IF_C" --log "$EVENTS" --clients "$CLIENTS" \
	--rate "$RATE" --duration 150 >"$TMP/loadgen.out" 2>&1 &
LOADGEN_PID=$!
PIDS+=("$LOADGEN_PID")

# Most clients bound before the first kill.
bound_clients() { awk '$1 == "ACK" { m[$3] = 1 } END { print length(m) }' "$EVENTS"; }
for _ in $(seq 150); do
	[ "$(bound_clients)" -ge $((CLIENTS * 9 / 10)) ] && break
	kill -0 "$LOADGEN_PID" 2>/dev/null || fail "loadgen exited: $(cat "$TMP/loadgen.out")"
	sleep 0.1
done
[ "$(bound_clients)" -ge $((CLIENTS * 9 / 10)) ] ||
	fail "only $(bound_clients) of $CLIENTS clients got a lease"
log "$(bound_clients) of $CLIENTS clients bound after $(awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"

PROBE_MS=()
DOWN_XDP=0
DOWN_CLIENT=0
for round in $(seq "$ROUNDS"); do
	# Run under load for a random 0.2-1.5 s, then SIGKILL.
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + 1.3 * r / 32767 }')"
	kill9_xdhcpd
	t_dead=$EPOCHREALTIME
	acks0=$(stat_sum fast_ack)
	n_events=$(wc -l <"$EVENTS")
	check crash "$n_events"
	crash_line=$CHECK_LINE

	# Down for a while: XDP alone answers renewals.
	sleep 0.1
	acks1=$(stat_sum fast_ack)
	t_up=$EPOCHREALTIME
	n_up=$(wc -l <"$EVENTS")
	down_client=$(renew_acks_between "$t_dead" "$t_up")
	[ "$acks1" -gt "$acks0" ] ||
		fail "round $round: no fast ACK while the daemon was down ($acks0 -> $acks1)"
	[ "$down_client" -gt 0 ] ||
		fail "round $round: clients got no renewal ACK while the daemon was down"
	DOWN_XDP=$((DOWN_XDP + acks1 - acks0))
	DOWN_CLIENT=$((DOWN_CLIENT + down_client))

	# Restart; a new client's DISCOVER goes out as the restart begins.
	kill -USR1 "$LOADGEN_PID"
	start_xdhcpd "${ARGS[@]}"
	cat "$TMP/xdhcpd.log" >>"$TMP/xdhcpd.all.log"
	grep -q "took over the running XDP link on '$IF_S'" "$TMP/xdhcpd.log" ||
		fail "round $round: the running link was not taken over"
	restored=$(sed -n 's/.* \([0-9]*\) leases restored.*/\1/p' "$TMP/xdhcpd.log")
	check restart "$n_up"
	restart_line=$CHECK_LINE

	probe=
	for _ in $(seq 100); do
		probe=$(awk -v n="$round" '$1 == "PROBE" && $2 == n { print $3 }' "$EVENTS")
		[ -n "$probe" ] && break
		sleep 0.1
	done
	if [ -z "$probe" ] || [ "$probe" = none ]; then
		fail "round $round: no OFFER for a new client within 10 s of the restart"
	fi
	PROBE_MS+=("$probe")
	log "round $round: down $(awk -v a="$t_dead" -v b="$t_up" 'BEGIN { printf "%.2f", b - a }') s," \
		"fast ACKs +$((acks1 - acks0)), client renewal ACKs $down_client;" \
		"$restored restored; first OFFER after ${probe} ms"
	log "  $crash_line"
	log "  $restart_line"
done

# Let the clients run against the last daemon a little, then stop them.
sleep 1
kill "$LOADGEN_PID"
wait_exit 10 "$LOADGEN_PID" || fail "loadgen did not stop"
forget_pid "$LOADGEN_PID"
summary=$(cat "$TMP/loadgen.out")
log "loadgen: $summary"
sleep 0.5 # the last RELEASEs reach the daemon
stop_xdhcpd
check final
log "$CHECK_LINE"

# The clients' own view.
val() { sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$summary"; }
[ "$(val moves)" = 0 ] || fail "clients saw their address change: $(grep '^MOVE' "$EVENTS" | head -n 5)"
[ "$(val nak)" = 0 ] || fail "clients were NAKed: $(grep '^NAK' "$EVENTS" | head -n 5)"
[ "$(val duplicate_held)" = 0 ] || fail "two clients hold one address"
[ "$(val probes_answered)" = "$ROUNDS" ] || fail "probes answered: $(val probes_answered) of $ROUNDS"
acks=$(($(val ack_grant) + $(val ack_renew) + $(val ack_reboot)))
secs=$(awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')

stats=$(printf '%s\n' "${PROBE_MS[@]}" | sort -n | awk '{ v[NR] = $1 }
	END { printf "min %.1f ms, median %.1f ms, max %.1f ms", v[1],
		(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }')
log "restart to first OFFER over $ROUNDS restarts: $stats"
log "while down: $DOWN_XDP fast ACKs (counter), $DOWN_CLIENT renewal ACKs logged by clients"
echo "PASS: $ROUNDS kill -9 restarts under load ($acks ACKs to $CLIENTS clients in ${secs} s):" \
	"no ACKed lease lost, no address held twice; restart to first OFFER $stats"
