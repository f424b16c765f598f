#!/bin/sh
# SPDX-License-Identifier: MIT
# udhcpc hook of the test VM (tests/vm/init): one parseable line per event
# on the serial console, the event in /run/events for init, and the address
# configured on the interface (a renewal in RENEWING state is unicast from
# that address).
# shellcheck disable=SC2154 # udhcpc sets interface, ip, mask, subnet, ...
up=$(cut -d' ' -f1 /proc/uptime)
case $1 in
bound | renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}"
	echo "XDHCP-GUEST $1 ip=$ip mask=$mask router=$router lease=$lease serverid=$serverid uptime=$up"
	echo "$1 $ip" >>/run/events
	;;
deconfig)
	ifconfig "$interface" 0.0.0.0
	echo "XDHCP-GUEST deconfig uptime=$up"
	echo "deconfig" >>/run/events
	;;
*)
	echo "XDHCP-GUEST $1 message=$message uptime=$up"
	echo "$1" >>/run/events
	;;
esac
exit 0
