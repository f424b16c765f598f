#!/bin/bash
# SPDX-License-Identifier: MIT
# --metrics: Prometheus text exposition on /metrics, valid for `promtool
# check metrics`, with the XDP counters per interface, the daemon's
# request and reply counters, and lease counts by state.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus)"
command -v curl >/dev/null || fail "curl missing"
setup_netns
start_xdhcpd --interface "$IF_S" --range 198.18.0.100,198.18.0.150 --lease-time 600 \
	--metrics 198.18.0.1:9567
start_udhcpc
udhcpc_bound
udhcpc_renew_in_xdp
URL=http://198.18.0.1:9567/metrics
in_s curl -sS --max-time 5 "$URL" >"$TMP/metrics.txt" || fail "no answer on $URL"
promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
	{ cat "$TMP/promtool.out"; fail "promtool check metrics failed"; }
[ -s "$TMP/promtool.out" ] && { cat "$TMP/promtool.out"; fail "promtool reported problems"; }
value() { awk -v m="$1" '$1 == m { print $2 }' "$TMP/metrics.txt"; }
acks=$(value "xdhcpd_xdp_fast_acks_total{interface=\"$IF_S\"}")
[ "${acks:-0}" -ge 1 ] || fail "fast ACK counter: '$acks'"
[ "$(value 'xdhcpd_leases{subnet="default",state="bound"}')" = 1 ] || fail "bound lease count"
[ "$(value "xdhcpd_replies_total{interface=\"$IF_S\",type=\"ack\"}")" = 1 ] || fail "ACK count"
[ "$(value 'xdhcpd_pool_addresses{subnet="default"}')" = 51 ] || fail "pool size"
[ "$(value xdhcpd_up)" = 1 ] || fail "xdhcpd_up"
code=$(in_s curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://198.18.0.1:9567/other)
[ "$code" = 404 ] || fail "GET /other: HTTP $code"
log "$(grep -c '^xdhcpd_' "$TMP/metrics.txt") samples, promtool clean"
stop_xdhcpd
echo "PASS: metrics served, promtool clean, counters right"
