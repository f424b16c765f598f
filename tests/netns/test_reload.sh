#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGHUP reloads the configuration without disturbing what runs:
#  - a new interface with its own subnet is attached and served, the others
#    keep their leases and keep renewing in XDP;
#  - changed options reach the fast path's reply templates;
#  - a bad configuration is rejected with its error, the old one keeps
#    running;
#  - removing an interface detaches only that one;
#  - a lease outside a shrunk range stays valid until it ends.
. "$(dirname "$0")/lib.sh"

TAPCLIENT=$BUILD/tests/tools/tapclient
setup_netns
TAP=xr$RUN_ID
ip -n "$NS_S" tuntap add dev "$TAP" mode tap
ip -n "$NS_S" link set "$TAP" up
CONF=$TMP/xdhcpd.conf
base_conf() {
	cat >"$CONF" <<EOT
interface = $IF_S
range = 198.18.0.100,198.18.0.150
router = 198.18.0.1
dns = ${1:-198.18.0.53}
lease-time = 600
EOT
}
# reload: SIGHUP, then wait for the outcome line (reloaded / rejected).
reload() {
	local n0
	n0=$(grep -c 'reloaded:\|reload rejected:' "$TMP/xdhcpd.log" || true)
	kill -HUP "$XDHCPD_PID"
	wait_for 10 bash -c "[ \$(grep -c 'reloaded:\|reload rejected:' '$TMP/xdhcpd.log') -gt $n0 ]" ||
		fail "no reload outcome logged"
	kill -0 "$XDHCPD_PID" || fail "daemon died on reload"
	grep 'reloaded:\|reload rejected:' "$TMP/xdhcpd.log" | tail -n 1 | sed 's/^/# /'
}

base_conf
start_xdhcpd --config "$CONF"
start_udhcpc
udhcpc_bound
first=$LEASE_IP

# 1. Add a tap with a subnet of its own, change the DNS server.
base_conf 198.18.0.99
cat >>"$CONF" <<EOT
[subnet two]
interface = $TAP
server-id = 198.18.5.1
router = 198.18.5.1
range = 198.18.5.10,198.18.5.20
EOT
reload
tail -n 1 "$TMP/xdhcpd.log" | match "reloaded: 2 interface(s) (1 added, 0 removed)" ||
	fail "tap not added"
ip -n "$NS_S" link show dev "$TAP" | match 'prog/xdp' || fail "no XDP on the new tap"
ip netns exec "$NS_S" "$TAPCLIENT" --tap "$TAP" --mac 02:00:5e:00:05:01 --renewals 2 \
	>"$TMP/tap.out" 2>&1 || { cat "$TMP/tap.out"; fail "client on the new tap failed"; }
grep -q '^ack 198\.18\.5\.' "$TMP/tap.out" || fail "new tap's client not served from its subnet"
udhcpc_renew_in_xdp
grep '^renew' "$XDHCP_OUT" | tail -n 1 | match " dns=198.18.0.99 " ||
	fail "the changed DNS server did not reach the fast path's template"

# 2. A bad configuration is rejected; the running one carries on.
echo "bogus-key = 1" >>"$CONF"
reload
grep -q "reload rejected: $CONF:[0-9]*: unknown key 'bogus-key'; the running configuration stays" \
	"$TMP/xdhcpd.log" || fail "bad configuration not rejected with its error"
udhcpc_renew_in_xdp

# 3. Remove the tap and shrink the range below the running lease.
cat >"$CONF" <<EOT
interface = $IF_S
range = 198.18.0.140,198.18.0.150
router = 198.18.0.1
dns = 198.18.0.99
lease-time = 600
EOT
reload
tail -n 1 "$TMP/xdhcpd.log" | match "reloaded: 1 interface(s) (0 added, 1 removed)" ||
	fail "tap not removed"
ip -n "$NS_S" link show dev "$TAP" | match 'xdp' && fail "XDP still attached to the removed tap"
[ "$first" = "$LEASE_IP" ] || fail "lease changed"
udhcpc_renew_in_xdp
stop_xdhcpd
echo "PASS: reload added and removed a tap, rejected a bad file, kept lease $first renewing in XDP"
