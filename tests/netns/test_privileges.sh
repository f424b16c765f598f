#!/bin/bash
# SPDX-License-Identifier: MIT
# Least privilege: after set-up the daemon runs with CAP_NET_ADMIN,
# CAP_NET_RAW and CAP_BPF only (bounding set empty, no_new_privs), as
# --user when given; its files are owner-only.  It still serves, renews
# in XDP and reloads (attaching a new interface) with what it kept.
. "$(dirname "$0")/lib.sh"

id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
setup_netns
TAP=xp$RUN_ID
ip -n "$NS_S" tuntap add dev "$TAP" mode tap
ip -n "$NS_S" link set "$TAP" up
CONF=$TMP/xdhcpd.conf
cat >"$CONF" <<EOT
interface = $IF_S
range = 198.18.0.100,198.18.0.150
lease-time = 600
EOT
mkdir -p "$TMP/state"
# nobody must reach its files (mktemp -d is 0700) and read the config (a
# reload reads it again).
chmod 711 "$TMP"
chmod 644 "$CONF"
start_xdhcpd --config "$CONF" --user nobody --lease-file "$TMP/state/leases"
grep -q "running as nobody with CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF only" "$TMP/xdhcpd.log" ||
	fail "no privilege drop logged"
status=/proc/$XDHCPD_PID/status
# CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_BPF (39).
want=$(printf '%016x' $(((1 << 12) | (1 << 13) | (1 << 39))))
for f in CapEff CapPrm; do
	got=$(awk -v f="$f:" '$1 == f { print $2 }' "$status")
	[ "$got" = "$want" ] || fail "$f is $got, want $want"
done
[ "$(awk '$1 == "CapBnd:" { print $2 }' "$status")" = 0000000000000000 ] || fail "bounding set not empty"
[ "$(awk '$1 == "CapInh:" { print $2 }' "$status")" = 0000000000000000 ] || fail "inheritable caps left"
[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$status")" = 1 ] || fail "no_new_privs not set"
uid=$(id -u nobody)
[ "$(awk '$1 == "Uid:" { print $2 $3 $4 }' "$status")" = "$uid$uid$uid" ] || fail "not running as nobody"
log "$(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs)' "$status" | tr '\t' ' ' | paste -sd' ')"
[ "$(stat -c '%a %U' "$TMP/state/leases")" = "600 nobody" ] || fail "lease file: $(stat -c '%a %U' "$TMP/state/leases")"
[ "$(stat -c '%a' "$PIN")" = 700 ] || fail "pin directory mode $(stat -c '%a' "$PIN")"

start_udhcpc
udhcpc_bound
udhcpc_renew_in_xdp
# The lease file is written as nobody (a grant record after the DORA).
grep -Eq "^grant $LEASE_IP " "$TMP/state/leases" || fail "lease not recorded"

# A reload attaching a new interface works with the kept capabilities.
printf '[subnet two]\ninterface = %s\nserver-id = 198.18.5.1\nrange = 198.18.5.10,198.18.5.20\n' \
	"$TAP" >>"$CONF"
kill -HUP "$XDHCPD_PID"
wait_for 10 grep -q 'reloaded:\|reload rejected' "$TMP/xdhcpd.log" || fail "no reload outcome"
grep -q 'reloaded: 2 interface(s) (1 added' "$TMP/xdhcpd.log" ||
	fail "reload without privilege failed: $(grep -i reload "$TMP/xdhcpd.log" | tail -n 1)"
ip -n "$NS_S" link show dev "$TAP" | match 'prog/xdp' || fail "new tap not attached"
stop_xdhcpd
grep -q 'cannot compact' "$TMP/xdhcpd.log" && fail "lease file not writable after the drop"

# An unknown user is refused before anything is touched.
rc=0
out=$(net_s "$XDHCPD" --interface "$IF_S" --range 198.18.0.100,198.18.0.150 --user no-such-user-x \
	--pin-dir "$PIN-u" --run-dir "$TMP/run-u" --lease-file "$TMP/l-u" 2>&1) || rc=$?
[ "$rc" -eq 2 ] && match "user: no such user 'no-such-user-x'" <<<"$out" || fail "unknown user: $rc $out"
echo "PASS: serving as nobody with CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF; reload attaches without more"
