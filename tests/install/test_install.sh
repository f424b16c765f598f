#!/bin/bash
# SPDX-License-Identifier: MIT
# make install / make uninstall into a DESTDIR: every file in place with
# the right mode, the systemd unit points at the installed binary, passes
# `systemd-analyze verify` and rates at most 4.0 ("OK") in `systemd-analyze
# security`; uninstall removes what install put there.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
DEST=$(mktemp -d /tmp/xdhcp-install.XXXXXX)
trap 'rm -rf "$DEST"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$ROOT"

make -s install O="$BUILD" DESTDIR="$DEST" PREFIX=/usr >/dev/null
for f in usr/sbin/xdhcpd:755 usr/lib/xdhcpd/xdhcp.bpf.o:644 \
	usr/lib/systemd/system/xdhcpd@.service:644 etc/xdhcpd/example.conf:644; do
	path=$DEST/${f%%:*}
	[ -f "$path" ] || fail "not installed: ${f%%:*}"
	[ "$(stat -c %a "$path")" = "${f##*:}" ] || fail "${f%%:*}: mode $(stat -c %a "$path")"
done
"$DEST/usr/sbin/xdhcpd" --help | grep -q -- '--interface' || fail "installed binary does not run"
unit=$DEST/usr/lib/systemd/system/xdhcpd@.service
grep -q '^ExecStart=/usr/sbin/xdhcpd ' "$unit" || fail "unit does not point at /usr/sbin/xdhcpd"
for page in $(ls doc/*.[58] 2>/dev/null); do
	sec=${page##*.}
	[ -f "$DEST/usr/share/man/man$sec/$(basename "$page")" ] || fail "man page $page not installed"
done
if command -v systemd-analyze >/dev/null; then
	# verify checks the unit's syntax; the binary it names and its man page
	# are in DESTDIR, not on this host.
	out=$(systemd-analyze verify "$unit" 2>&1 | grep -v "is not executable\|Command 'man " || true)
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
	score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	echo "# systemd-analyze security: exposure $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 4.0) }' || fail "exposure $score > 4.0"
fi
make -s uninstall O="$BUILD" DESTDIR="$DEST" PREFIX=/usr >/dev/null
left=$(find "$DEST" -type f | sed "s|^$DEST||")
[ -z "$left" ] || fail "left after uninstall: $left"
echo "PASS: install, unit (exposure $score), uninstall"
