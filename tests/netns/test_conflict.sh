#!/bin/bash
# SPDX-License-Identifier: MIT
# --conflict-check: before offering an address the daemon ARP-probes it.
# A host squatting on the first free address (configured by hand on the
# client's side) answers the probe: that address is quarantined and the
# client is offered the next one.  Without the flag the squatted address
# would be offered.
. "$(dirname "$0")/lib.sh"

setup_netns
# The squatter: a static address on the client side of the link (on lo:
# the DHCP client flushes its own interface; Linux answers ARP for any
# local address, arp_ignore=0).
ip -n "$NS_C" addr add 198.18.0.100/32 dev lo
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.110 --lease-time 600 \
	--conflict-check
start_udhcpc
udhcpc_bound
[ "$LEASE_IP" = 198.18.0.101 ] || fail "offered $LEASE_IP, want 198.18.0.101 (after the conflict on .100)"
grep -q "address 198.18.0.100 is in use on '$IF_S' by" "$TMP/xdhcpd.log" ||
	fail "conflict not logged"
stop_xdhcpd
echo "PASS: squatted 198.18.0.100 detected by ARP probe, client got $LEASE_IP"
