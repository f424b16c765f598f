#!/bin/bash
# SPDX-License-Identifier: MIT
# xdhcpctl against a running daemon in a namespace (docs/control-protocol.md,
# doc/xdhcpctl.8), every command:
#  1. without a daemon: --help, bad usage and malformed arguments (exit 2,
#     one line naming the argument, nothing sent), no daemon / a stale
#     socket / a mute, garbling or hanging-up peer (exit 1, one clear line,
#     bounded by --timeout), --socket / XDHCPCTL_SOCKET / the default path;
#  2. leases: the table and the JSON checked field by field against the
#     client's lease (before and after a renewal answered in XDP), stable
#     order, --interface;
#  3. stats: the table and the JSON, cross-checked with the pinned stats map;
#  4. interface add / del (default subnet and --subnet), with clients served
#     on the new taps while the first client keeps renewing in XDP;
#  5. reservation add / del (MAC, mac:MAC and id:HEX) and lease del, with
#     the daemon's refusals passed through (exit 1, its error line);
#  6. runtime changes persist across a reload and a restart;
#  7. the wire protocol itself: several requests on one connection, an
#     unknown command, malformed JSON and an oversized line.
. "$(dirname "$0")/lib.sh"

XDHCPCTL=$BUILD/xdhcpctl
TAPCLIENT=$BUILD/tests/tools/tapclient
[ -x "$XDHCPCTL" ] || fail "$XDHCPCTL not built (run make)"
[ -x "$TAPCLIENT" ] || fail "$TAPCLIENT not built (run make tests-build)"
unset XDHCPCTL_SOCKET

SOCK=$TMP/run/control.sock # the daemon's default: RUN_DIR/control.sock
ISO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# ---------------------------------------------------------------------
# Helpers

# soft_fail MSG: a failure that does not stop the later checks; the test
# still fails at the end, listing them all.
SOFT_FAILS=()
soft_fail() {
	echo "FAIL (continuing): $*" >&2
	SOFT_FAILS+=("$*")
}

# ctl ARGS...: run xdhcpctl (socket: $CTL_SOCK, default $SOCK); sets RC,
# OUT (stdout) and ERR (stderr).
ctl() {
	RC=0
	"$XDHCPCTL" --socket "${CTL_SOCK:-$SOCK}" "$@" >"$TMP/ctl.out" 2>"$TMP/ctl.err" || RC=$?
	OUT=$(cat "$TMP/ctl.out")
	ERR=$(cat "$TMP/ctl.err")
}

# ctl_ok ARGS...: must exit 0 with nothing on stderr.
ctl_ok() {
	ctl "$@"
	[ "$RC" -eq 0 ] || fail "xdhcpctl $*: exit $RC: $ERR"
	[ -z "$ERR" ] || fail "xdhcpctl $*: unexpected stderr: $ERR"
}

# ctl_silent ARGS...: a mutating command: exit 0, no output at all.
ctl_silent() {
	ctl_ok "$@"
	[ -z "$OUT" ] || fail "xdhcpctl $*: unexpected output: $OUT"
	log "ok: xdhcpctl $*"
}

# ctl_fails STATUS PATTERN ARGS...: exit STATUS, nothing on stdout, exactly
# one line on stderr, starting "xdhcpctl: " and matching PATTERN (ERE).
ctl_fails() {
	local want=$1 pattern=$2
	shift 2
	ctl "$@"
	[ "$RC" -eq "$want" ] || fail "xdhcpctl $*: exit $RC (want $want): $OUT $ERR"
	[ -z "$OUT" ] || fail "xdhcpctl $*: output on failure: $OUT"
	[ "$(wc -l <"$TMP/ctl.err")" -eq 1 ] || fail "xdhcpctl $*: not one line: $ERR"
	grep -qE -- "^xdhcpctl: .*$pattern" <<<"$ERR" || fail "xdhcpctl $*: '$ERR' !~ '$pattern'"
	log "ok ($RC): $ERR"
}

# py FILE SCRIPT ARGS...: run a Python check on the JSON in FILE.
py() {
	local file=$1 script=$2
	shift 2
	python3 -c "$script" "$file" "$@" || fail "JSON check failed on: $(head -c 2000 "$file")"
}

# table_row IP: the row of `xdhcpctl leases` (in $OUT) for address IP.
table_row() {
	awk -v ip="$1" '$1 == ip' <<<"$OUT"
}

# tap_client TAP MAC [ARGS...]: a VM's DHCP client on TAP (tapclient, in the
# server namespace); prints the address it was acknowledged.
tap_client() {
	local tap=$1 mac=$2
	shift 2
	ip netns exec "$NS_S" "$TAPCLIENT" --tap "$tap" --mac "$mac" --renewals 1 "$@" \
		>"$TMP/tap.out" 2>&1 || { cat "$TMP/tap.out"; fail "tapclient on $tap ($mac) failed"; }
	sed -n 's/^ack \([0-9.]*\) .*/\1/p' "$TMP/tap.out"
}

# served IF: IF is in the interfaces of `xdhcpctl --json stats`.
served() {
	"$XDHCPCTL" --socket "$SOCK" --json stats | python3 -c '
import json, sys
sys.exit(0 if sys.argv[1] in [i["name"] for i in json.load(sys.stdin)["interfaces"]] else 1)' "$1"
}

# restart_xdhcpd: stop the daemon (status 0) and start it again, same files.
restart_xdhcpd() {
	local old=$XDHCPD_PID
	stop_xdhcpd
	if declare -F forget_pid >/dev/null; then forget_pid "$old"; fi
	start_xdhcpd --config "$CONF"
}

# reload_xdhcpd: SIGHUP, wait for the "reloaded:" line.
reload_xdhcpd() {
	local n0
	n0=$(grep -c 'reloaded:' "$TMP/xdhcpd.log" || true)
	kill -HUP "$XDHCPD_PID"
	wait_for 10 bash -c "[ \$(grep -c 'reloaded:' '$TMP/xdhcpd.log') -gt $n0 ]" ||
		fail "no 'reloaded:' after SIGHUP"
}

# A stand-in for a broken daemon on a Unix socket: "mute" accepts and never
# answers, "garbage" answers a line that is not JSON, "hangup" closes at
# once, "nook" answers JSON without "ok".  The socket is bound under a
# temporary name and renamed once it listens, so that it appears ready.
cat >"$TMP/fake.py" <<'PY'
import os, socket, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".tmp")
s.listen(64)
os.rename(path + ".tmp", path)
held = []
while True:
    c, _ = s.accept()
    if mode == "mute":
        held.append(c)
        continue
    if mode != "hangup":
        c.recv(65536)
        c.sendall(b"this is not json\n" if mode == "garbage" else b'{"leases": []}\n')
    c.close()
PY
start_fake() { # MODE: sets FAKE_SOCK
	FAKE_SOCK=$TMP/fake-$1.sock
	python3 "$TMP/fake.py" "$FAKE_SOCK" "$1" &
	PIDS+=($!)
	wait_for 5 test -S "$FAKE_SOCK" || fail "fake server ($1) did not start"
}

# ---------------------------------------------------------------------
# 1. Without a daemon

ctl_ok --help
grep -q '^Usage: xdhcpctl ' <<<"$OUT" || fail "--help: no usage line"
for c in "leases" "stats" "reservation add" "reservation del" "lease del" "interface add" \
	"interface del"; do
	grep -qE "^  $c( |$)" <<<"$OUT" || fail "--help does not list '$c'"
done
for o in --socket --json --timeout --interface --subnet --help; do
	grep -qE "^  $o( |$)" <<<"$OUT" || fail "--help does not list $o"
done
log "ok: --help lists every command and option"

# Bad usage and malformed arguments: exit 2, one line naming the argument.
# The socket does not exist: reaching for it would exit 1.
CTL_SOCK=$TMP/nothing.sock
ctl_fails 2 "no command given"
ctl_fails 2 "unknown command 'frob'" frob
ctl_fails 2 "reservation: expected a subcommand" reservation
ctl_fails 2 "interface: unknown subcommand 'frob'" interface frob
ctl_fails 2 "lease del: missing argument" lease del
ctl_fails 2 "leases: unexpected argument 'x'" leases x
ctl_fails 2 "unknown option '--frob'" --frob leases
ctl_fails 2 "option '--interface' needs a value" leases --interface
ctl_fails 2 "stats does not take --interface" stats --interface "$IF_S"
ctl_fails 2 "leases does not take --subnet" leases --subnet two
ctl_fails 2 "--timeout: '0'" --timeout 0 stats
ctl_fails 2 "client '02:00:5e:00:07:4' is not a MAC address" \
	reservation add 02:00:5e:00:07:4 198.18.0.120
ctl_fails 2 "client 'id:xyz' is not id:HEX" reservation add id:xyz 198.18.0.120
ctl_fails 2 "IP '198.18.0.300' is not an IPv4 address" \
	reservation add 02:00:5e:00:07:04 198.18.0.300
ctl_fails 2 "IP '224.0.0.1' is not a unicast" reservation add 02:00:5e:00:07:04 224.0.0.1
ctl_fails 2 "HOSTNAME 'bad_host' is not a host name" \
	reservation add 02:00:5e:00:07:04 198.18.0.120 bad_host
ctl_fails 2 "reservation add: unexpected argument 'x'" \
	reservation add 02:00:5e:00:07:04 198.18.0.120 vm x
ctl_fails 2 "client 'nonsense'" reservation del nonsense
ctl_fails 2 "ADDRESS '198.18.0' is not an IPv4 address" lease del 198.18.0
ctl_fails 2 "'bad/name' is not a valid interface name" interface add bad/name
ctl_fails 2 "'waytoolongname0123' is not a valid interface name" interface del waytoolongname0123
ctl_fails 2 "--subnet 'no such' is not a subnet name" interface add xt0 --subnet "no such"
ctl_fails 2 "'a:b' is not a valid interface name" leases --interface a:b
ctl_fails 2 "socket path .* is longer than" --socket "/tmp/$(printf 'x%.0s' $(seq 120))" stats
unset CTL_SOCK

# No daemon: a missing socket, a stale one (ECONNREFUSED).
CTL_SOCK=$TMP/nothing.sock ctl_fails 1 \
	"cannot reach xdhcpd at $TMP/nothing.sock: is it running\? \(No such file or directory\)" leases
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/stale.sock"
CTL_SOCK=$TMP/stale.sock ctl_fails 1 \
	"cannot reach xdhcpd at $TMP/stale.sock: is it running\? \(Connection refused\)" stats
# The socket's path: --socket, else $XDHCPCTL_SOCKET, else the default.
rc=0
out=$(XDHCPCTL_SOCKET=$TMP/from-env.sock "$XDHCPCTL" stats 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "at $TMP/from-env.sock:" <<<"$out" || fail "XDHCPCTL_SOCKET ignored: $out"
rc=0
out=$(XDHCPCTL_SOCKET=$TMP/from-env.sock "$XDHCPCTL" --socket "$TMP/opt.sock" stats 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "at $TMP/opt.sock:" <<<"$out" || fail "--socket does not win: $out"
if [ ! -e /run/xdhcpd/control.sock ]; then
	rc=0
	out=$("$XDHCPCTL" stats 2>&1) || rc=$?
	[ $rc -eq 1 ] && grep -q "at /run/xdhcpd/control.sock: is it running" <<<"$out" ||
		fail "default socket: $out"
fi
log "ok: --socket, XDHCPCTL_SOCKET and the default path"

# Broken peers: bounded waits and one clear line each.
start_fake mute
start=$EPOCHREALTIME
CTL_SOCK=$FAKE_SOCK ctl_fails 1 "xdhcpd at $FAKE_SOCK did not answer within 1 s" --timeout 1 leases
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 3) }' || fail "--timeout 1 took ${took}s"
start=$EPOCHREALTIME
CTL_SOCK=$FAKE_SOCK ctl_fails 1 "did not answer within 5 s" stats
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
awk -v t="$took" 'BEGIN { exit !(t >= 4.9 && t < 8) }' || fail "default timeout took ${took}s"
log "ok: timeouts bounded (1 s and the default 5 s, took ${took}s)"
start_fake garbage
CTL_SOCK=$FAKE_SOCK ctl_fails 1 "malformed answer from xdhcpd at $FAKE_SOCK" leases
start_fake hangup
CTL_SOCK=$FAKE_SOCK ctl_fails 1 "xdhcpd at $FAKE_SOCK closed the connection without an answer" stats
start_fake nook
CTL_SOCK=$FAKE_SOCK ctl_fails 1 "malformed answer .*no \"ok\"" leases

# ---------------------------------------------------------------------
# 2. A daemon, a client; leases

setup_netns
TAP=xt$RUN_ID
TAP2=xu$RUN_ID
for t in "$TAP" "$TAP2"; do
	ip -n "$NS_S" tuntap add dev "$t" mode tap
	ip -n "$NS_S" link set "$t" up
done
CONF=$TMP/xdhcpd.conf
cat >"$CONF" <<EOT
interface = $IF_S
server-id = $SERVER_IP
range = 198.18.0.100,198.18.0.150
router = $SERVER_IP
dns = 198.18.0.53
lease-time = 600
static = 02:00:5e:00:00:05,198.18.0.5,cfg-vm

[subnet two]
server-id = 198.18.5.1
netmask = 255.255.255.0
router = 198.18.5.1
range = 198.18.5.10,198.18.5.20
EOT
start_xdhcpd --config "$CONF"
[ -S "$SOCK" ] || fail "no control socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "control socket mode $(stat -c %a "$SOCK"), want 600"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	rc=0
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$XDHCPCTL" --socket "$SOCK" \
		stats 2>&1) || rc=$?
	[ $rc -eq 1 ] && grep -q "cannot connect to xdhcpd at $SOCK: Permission denied" <<<"$out" ||
		fail "unprivileged user: exit $rc: $out"
	log "ok: $out"
fi

start_udhcpc -C -x hostname:ctl-vm
udhcpc_bound
MAC_C=$(ip -n "$NS_C" -o link show dev "$IF_C" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
[ -n "$MAC_C" ] || fail "no MAC on $IF_C"

# The table: header, then the client's row, field by field.
ctl_ok leases
head -n 1 <<<"$OUT" | grep -qE '^ADDRESS +CLIENT +MAC +INTERFACE +STATE +EXPIRES +HOSTNAME +STATIC +XDP$' ||
	fail "leases: header: $(head -n 1 <<<"$OUT")"
row=$(table_row "$LEASE_IP")
log "leases: $row"
read -r f_addr f_client f_mac f_if f_state f_exp f_host f_static f_xdp f_extra <<<"$row"
[ "$f_client" = "mac:$MAC_C" ] || fail "leases: CLIENT '$f_client', want mac:$MAC_C"
[ "$f_mac" = "$MAC_C" ] || fail "leases: MAC '$f_mac'"
[ "$f_if" = "$IF_S" ] || fail "leases: INTERFACE '$f_if'"
[ "$f_state" = bound ] || fail "leases: STATE '$f_state'"
grep -qE "$ISO" <<<"$f_exp" || fail "leases: EXPIRES '$f_exp' is not ISO 8601 UTC"
[ "$f_host" = ctl-vm ] || fail "leases: HOSTNAME '$f_host'"
[ "$f_static" = no ] || fail "leases: STATIC '$f_static'"
[ "$f_xdp" = no ] || fail "leases: XDP '$f_xdp' before any renewal"
[ -z "$f_extra" ] || fail "leases: extra column '$f_extra'"

# The JSON: every documented member, with its type and value.
LEASE_CHECK='
import calendar, json, re, sys, time
leases = json.load(open(sys.argv[1]))
ip, mac, ifname, renewed = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "yes"
assert isinstance(leases, list), "not an array"
types = {"client": str, "mac": str, "client_id": str, "address": str, "interface": str,
         "subnet": str, "state": str, "expires": str, "expires_unix": int, "hostname": str,
         "static": bool, "renewed_in_xdp": bool, "fast_renewals": int,
         "last_fast_renewal": str}
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
for l in leases:
    for k, t in types.items():
        assert isinstance(l.get(k), t), "%s: %r is not %s" % (k, l.get(k), t.__name__)
    assert l["state"] in ("bound", "offered", "free", "declined"), l["state"]
    assert re.match(r"^(mac|hw|id|idh):", l["client"]), l["client"]
    assert l["expires"] == "" or iso.match(l["expires"]), l["expires"]
    if l["expires"]:
        assert calendar.timegm(time.strptime(l["expires"], "%Y-%m-%dT%H:%M:%SZ")) == \
            l["expires_unix"], "expires and expires_unix disagree"
keys = [tuple(int(x) for x in l["address"].split(".")) for l in leases]
assert keys == sorted(keys), "not ordered by address"
mine = [l for l in leases if l["address"] == ip]
assert len(mine) == 1, "%d leases for %s" % (len(mine), ip)
l, now = mine[0], time.time()
assert l["client"] == "mac:" + mac and l["mac"] == mac and l["client_id"] == "", l
assert l["interface"] == ifname and l["subnet"] == "default" and l["state"] == "bound", l
assert l["hostname"] == "ctl-vm" and l["static"] is False, l
assert now + 600 - 60 <= l["expires_unix"] <= now + 600 + 5, "expiry %d, now %d" % (l["expires_unix"], now)
assert l["renewed_in_xdp"] is renewed, l
if renewed:
    assert l["fast_renewals"] >= 1 and iso.match(l["last_fast_renewal"]), l
    t = calendar.timegm(time.strptime(l["last_fast_renewal"], "%Y-%m-%dT%H:%M:%SZ"))
    assert now - 60 <= t <= now + 2, "last_fast_renewal %d, now %d" % (t, now)
else:
    assert l["fast_renewals"] == 0 and l["last_fast_renewal"] == "", l
print("# lease %s: %s" % (ip, json.dumps(l, sort_keys=True)))
'
ctl_ok --json leases
echo "$OUT" >"$TMP/leases0.json"
py "$TMP/leases0.json" "$LEASE_CHECK" "$LEASE_IP" "$MAC_C" "$IF_S" no

# A renewal answered in XDP shows in both forms.
udhcpc_renew_in_xdp
ctl_ok leases
read -r _ _ _ _ _ f_exp2 _ _ f_xdp _ <<<"$(table_row "$LEASE_IP")"
grep -qE '^yes\([1-9][0-9]*\)$' <<<"$f_xdp" || fail "leases: XDP '$f_xdp' after a renewal in XDP"
[[ "$f_exp2" > "$f_exp" || "$f_exp2" = "$f_exp" ]] || fail "expiry went back: $f_exp -> $f_exp2"
ctl_ok leases --json # options may follow the command
echo "$OUT" >"$TMP/leases1.json"
py "$TMP/leases1.json" "$LEASE_CHECK" "$LEASE_IP" "$MAC_C" "$IF_S" yes
ctl_ok --json leases
[ "$OUT" = "$(cat "$TMP/leases1.json")" ] ||
	soft_fail "leases --json is not stable between two calls:"$'\n'"$(diff "$TMP/leases1.json" - <<<"$OUT")"
ctl_ok --json leases --interface "$IF_S"
py <(echo "$OUT") 'import json, sys; l = json.load(open(sys.argv[1])); assert [x["address"] for x in l] == [sys.argv[2]], l' "$LEASE_IP"
ctl_fails 1 "'$TAP' is not served" leases --interface "$TAP"
log "ok: leases (table and JSON, before and after a renewal in XDP, --interface)"

# ---------------------------------------------------------------------
# 3. stats

ctl_ok stats
head -n 1 <<<"$OUT" | grep -qE "^daemon: pid $XDHCPD_PID, up [0-9dhms]+, 1 bound, 0 offered," ||
	fail "stats: daemon line: $(head -n 1 <<<"$OUT")"
sed -n 2p <<<"$OUT" | grep -qE '^INTERFACE +SUBNET +XDP +FAST-ACK +FAST-NAK +PUNTS +PUNT-DROP +OFFERS +ACKS +NAKS +DECLINES +RELEASES +POOL +USED +FREE$' ||
	fail "stats: header: $(sed -n 2p <<<"$OUT")"
echo "$OUT" >"$TMP/stats.txt"
acks=$(stat_if fast_ack "$IF_S")
punts=$(stat_if punt "$IF_S")
ctl_ok --json stats
echo "$OUT" >"$TMP/stats.json"
py "$TMP/stats.json" '
import json, sys
s = json.load(open(sys.argv[1]))
pid, ifname, acks, punts = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
assert "ok" not in s, "the transport field is passed through"
d = s["daemon"]
for k in ("pid", "uptime_s", "leases_bound", "leases_offered", "punts", "stale_punts",
          "renew_events", "events_pending", "events_failed"):
    assert isinstance(d.get(k), int) and d[k] >= 0, "daemon.%s: %r" % (k, d.get(k))
assert d["pid"] == pid and d["leases_bound"] == 1 and d["leases_offered"] == 0, d
assert d["renew_events"] >= 1, d
assert [i["name"] for i in s["interfaces"]] == [ifname], s["interfaces"]
i = s["interfaces"][0]
counters = ("ifindex", "rx", "fast_acks", "fast_naks", "punts", "punt_drops", "punt_limited",
            "malformed", "arp_replies", "discovers", "offers", "requests", "acks", "naks",
            "declines", "releases", "informs")
for k in counters:
    assert isinstance(i.get(k), int) and i[k] >= 0, "%s: %r" % (k, i.get(k))
assert i["subnet"] == "default" and i["xdp_mode"] == "native", i
assert i["fast_acks"] == acks and i["punts"] == punts, "fast_acks %d/%d punts %d/%d (map)" % (
    i["fast_acks"], acks, i["punts"], punts)
assert i["fast_acks"] >= 1 and i["discovers"] >= 1 and i["offers"] >= 1 and i["acks"] >= 1, i
p = i["pool"]
assert p["size"] == 51 and p["used"] == 1 and 0 < p["free"] <= p["size"] - p["used"], p
# The table says the same.
rows = [l.split() for l in open(sys.argv[6]).read().splitlines()[2:]]
assert len(rows) == 1, rows
r = rows[0]
want = [i["name"], i["subnet"], i["xdp_mode"]] + [str(i[k]) for k in (
    "fast_acks", "fast_naks", "punts", "punt_drops", "offers", "acks", "naks", "declines",
    "releases")] + [str(p[k]) for k in ("size", "used", "free")]
assert r == want, "table %s != JSON %s" % (r, want)
print("# stats: %s" % json.dumps(i, sort_keys=True))
' "$XDHCPD_PID" "$IF_S" "$acks" "$punts" "$TMP/stats.txt"
log "ok: stats (table and JSON agree with each other and with the pinned map)"

# ---------------------------------------------------------------------
# 4. interface add / del

ctl_silent interface add "$TAP"
ip -n "$NS_S" link show dev "$TAP" | match 'prog/xdp' || fail "no XDP on $TAP after interface add"
served "$TAP" || fail "stats does not list $TAP"
M1=02:00:5e:00:07:01
ip1=$(tap_client "$TAP" "$M1")
[[ "$ip1" == 198.18.0.1[0-5][0-9] ]] || fail "client on $TAP got '$ip1', want the default range"
ctl_ok leases --interface "$TAP"
read -r f_addr f_client _ f_if f_state _ <<<"$(sed -n 2p <<<"$OUT")"
[ "$f_addr $f_client $f_if $f_state" = "$ip1 mac:$M1 $TAP bound" ] ||
	fail "leases --interface $TAP: $(sed -n 2p <<<"$OUT")"
ctl_fails 1 "'$TAP' is already served" interface add "$TAP"
ctl_fails 1 "interface 'nosuch$RUN_ID' does not exist" interface add "nosuch$RUN_ID"
ctl_fails 1 "no subnet 'nosuch'" interface add "$TAP2" --subnet nosuch
ctl_silent interface add "$TAP2" --subnet two
ip5=$(tap_client "$TAP2" 02:00:5e:00:07:05)
[[ "$ip5" == 198.18.5.* ]] || fail "client on $TAP2 got '$ip5', want subnet two"
"$XDHCPCTL" --socket "$SOCK" --json stats | python3 -c '
import json, sys
i = {x["name"]: x for x in json.load(sys.stdin)["interfaces"]}
assert i[sys.argv[1]]["subnet"] == "default" and i[sys.argv[2]]["subnet"] == "two", i
' "$TAP" "$TAP2" || fail "stats: wrong subnets for the added taps"
udhcpc_renew_in_xdp
log "ok: interface add ($TAP: $ip1, $TAP2 --subnet two: $ip5); $IF_S kept renewing in XDP"

# ---------------------------------------------------------------------
# 5. reservation add / del, lease del

M2=02:00:5e:00:07:02
M3=02:00:5e:00:07:03
ctl_silent reservation add "$M2" 198.18.0.120 vm-two
[ "$(tap_client "$TAP" "$M2")" = 198.18.0.120 ] || fail "reserved client did not get 198.18.0.120"
ctl_ok --json leases
py <(echo "$OUT") '
import json, sys
l = [x for x in json.load(open(sys.argv[1])) if x["address"] == "198.18.0.120"]
assert len(l) == 1 and l[0]["client"] == "mac:" + sys.argv[2] and l[0]["static"] is True, l
assert l[0]["hostname"] == "vm-two" and l[0]["state"] == "bound", l
' "$M2"
ctl_fails 1 "reservation-add: 198.18.0.120 is leased to mac:$M2" reservation add "$M3" 198.18.0.120
ctl_fails 1 "reservation-add: $LEASE_IP is leased to mac:$MAC_C" reservation add "$M3" "$LEASE_IP"
ctl_fails 1 "reservation-add: 198.18.0.5 is already reserved for mac:02:00:5e:00:00:05" \
	reservation add "$M3" 198.18.0.5
ctl_fails 1 "reservation-add: 198.19.200.5 is in no configured subnet" \
	reservation add "$M3" 198.19.200.5
ctl_fails 1 "reservation-del: .*has no reservation" reservation del 02:00:5e:00:07:99
# A client identifier.
ctl_silent reservation add id:0a0b0c0d 198.18.0.121
[ "$(tap_client "$TAP" 02:00:5e:00:07:04 --client-id 0a0b0c0d)" = 198.18.0.121 ] ||
	fail "client id 0a0b0c0d did not get its reservation"
ctl_silent reservation del id:0a:0b:0c:0d
# A reservation from the configuration, named as `leases` prints clients.
ctl_silent reservation del mac:02:00:5e:00:00:05
ctl_silent reservation add "$M3" 198.18.0.5
ctl_silent reservation del "$M3"
udhcpc_renew_in_xdp

# Deleting a reservation leaves its lease; lease del ends it.
ctl_silent reservation del "$M2"
ctl_ok leases
[ "$(table_row 198.18.0.120 | awk '{ print $5, $8 }')" = "bound no" ] ||
	fail "lease lost or still static after reservation del: $(table_row 198.18.0.120)"
ctl_fails 1 "198.18.0.120 is leased to mac:$M2" reservation add "$M3" 198.18.0.120
ctl_silent lease del 198.18.0.120
lease_in_map 198.18.0.120 && fail "198.18.0.120 still in the BPF map after lease del"
ctl_ok leases
[ -z "$(table_row 198.18.0.120)" ] || fail "198.18.0.120 listed after lease del: $(table_row 198.18.0.120)"
ctl_fails 1 "lease-del: no lease on 198.18.0.120" lease del 198.18.0.120
ctl_silent reservation add "$M3" 198.18.0.120
ctl_silent reservation del "$M3"
ctl_fails 1 "lease-del: no lease on 198.18.0.149" lease del 198.18.0.149
ctl_fails 1 "lease-del: no lease on 198.19.0.9" lease del 198.19.0.9
log "ok: reservation add/del and lease del"

# ---------------------------------------------------------------------
# 6. Runtime changes persist: reload, restart

ctl_silent reservation add "$M2" 198.18.0.122 vm-two
reload_xdhcpd
served "$TAP" && served "$TAP2" || fail "taps added at runtime lost on reload"
ctl_fails 1 "198.18.0.122 is already reserved for mac:$M2" reservation add "$M3" 198.18.0.122
restart_xdhcpd
served "$TAP" && served "$TAP2" || fail "taps added at runtime lost on restart"
ip -n "$NS_S" link show dev "$TAP" | match 'prog/xdp' || fail "no XDP on $TAP after restart"
ctl_fails 1 "198.18.0.122 is already reserved for mac:$M2" reservation add "$M3" 198.18.0.122
# The configuration's reservation of 198.18.0.5, deleted at runtime, stays
# deleted although the file still names it.
ctl_silent reservation add "$M3" 198.18.0.5
ctl_silent reservation del "$M3"
ctl_ok leases
[ "$(table_row "$LEASE_IP" | awk '{ print $5 }')" = bound ] || fail "client's lease lost on restart"
udhcpc_renew_in_xdp
log "ok: interfaces and reservations survive a reload and a restart"

# interface del, also persisted.
ctl_silent interface del "$TAP"
ip -n "$NS_S" link show dev "$TAP" | match 'xdp' && fail "XDP still attached to $TAP"
served "$TAP" && fail "stats still lists $TAP"
ctl_fails 1 "interface-del: '$TAP' is not served" interface del "$TAP"
ctl_fails 1 "'$TAP' is not served" leases --interface "$TAP"
ctl_silent interface del "$TAP2"
udhcpc_renew_in_xdp
reload_xdhcpd
served "$TAP" || served "$TAP2" && fail "a deleted tap came back on reload"
log "ok: interface del"

# The client's own lease, last.
ctl_silent lease del "$LEASE_IP"
lease_in_map "$LEASE_IP" && fail "$LEASE_IP still in the BPF map after lease del"
ctl_ok leases
[ -z "$(table_row "$LEASE_IP")" ] || fail "$LEASE_IP listed after lease del"

# ---------------------------------------------------------------------
# 7. The wire protocol (docs/control-protocol.md)

python3 - "$SOCK" <<'PY' || soft_fail "the daemon does not follow docs/control-protocol.md"
import json, socket, sys
path = sys.argv[1]
problems = []

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s, s.makefile("rb")

def answer(f):
    line = f.readline()
    assert line.endswith(b"\n"), "no complete line: %r" % line
    r = json.loads(line)
    assert isinstance(r, dict) and isinstance(r.get("ok"), bool), r
    if not r["ok"]:
        assert isinstance(r.get("error"), str) and "\n" not in r["error"], r
    return r

def closed(s, f, after):
    s.settimeout(2)
    try:
        if f.readline() != b"":
            problems.append("more data after the error for %s" % after)
    except ConnectionResetError:
        pass  # closed with our excess bytes unread
    except TimeoutError:
        problems.append("the connection stays open after %s (the protocol closes it)" % after)

# Several requests on one connection, answered in order.
s, f = conn()
s.sendall(b'{"cmd": "stats"}\n{"cmd": "leases"}\n{"cmd": "frob"}\n')
a, b, c = answer(f), answer(f), answer(f)
assert a["ok"] and "interfaces" in a and b["ok"] and "leases" in b, (a, b)
if c != {"ok": False, "error": "unknown command 'frob'"}:
    problems.append("unknown command: %r" % c)
s.close()
# Malformed JSON: an error, then the connection is closed.
for bad in (b'{"cmd": "stats"\n', b'not json\n', b'["cmd", "stats"]\n'):
    s, f = conn()
    s.sendall(bad)
    r = answer(f)
    if r["ok"]:
        problems.append("%r accepted" % bad)
    closed(s, f, "malformed JSON %r" % bad)
    s.close()
# More than 64 KiB in a line: an error, then closed.
s, f = conn()
try:
    s.sendall(b'{"cmd": "leases", "x": "' + b"a" * 70000 + b'"}\n')
except (BrokenPipeError, ConnectionResetError):
    pass
r = answer(f)
if r["ok"]:
    problems.append("a 70 KiB request was accepted")
closed(s, f, "a 70 KiB request")
s.close()
for p in problems:
    print("protocol: " + p, file=sys.stderr)
if problems:
    sys.exit(1)
print("# protocol: pipelined requests, unknown command, malformed JSON, 70 KiB line")
PY
kill -0 "$XDHCPD_PID" || fail "daemon died"
ctl_ok stats

stop_xdhcpd
ctl_fails 1 "cannot reach xdhcpd at $SOCK: is it running\?" leases
[ ${#SOFT_FAILS[@]} -eq 0 ] || fail "${#SOFT_FAILS[@]} check(s) failed above: $(printf '[%s] ' "${SOFT_FAILS[@]%%:*}")"
echo "PASS: xdhcpctl leases, stats, reservation add/del, lease del, interface add/del; errors; persistence; protocol"
