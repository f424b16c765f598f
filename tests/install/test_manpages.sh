#!/bin/bash
# SPDX-License-Identifier: MIT
# The man pages (doc/*.[58], mdoc) are clean under `mandoc -T lint -W
# warning`, and stay in sync with the binaries:
#  - every --option that `xdhcpd --help` prints is documented in xdhcpd(8)
#    and, as a `key = value` entry, in xdhcpd.conf(5) (--help is no key);
#  - every command and option that `xdhcpctl --help` prints is documented
#    in xdhcpctl(8).
# Needs no privileges.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "# $*"; }
cd "$ROOT"

PAGES=(doc/xdhcpd.8 doc/xdhcpctl.8 doc/xdhcpd.conf.5)
command -v mandoc >/dev/null || fail "mandoc not installed (run 'make deps')"
for bin in xdhcpd xdhcpctl; do
	[ -x "$BUILD/$bin" ] || fail "$BUILD/$bin not built (run make)"
done

# 1. Lint.  The only message allowed is mandoc's note about the system's
# own (outdated) database, which is not about the page.
for page in "${PAGES[@]}"; do
	[ -f "$page" ] || fail "$page missing"
	rc=0
	out=$(mandoc -T lint -W warning "$page" 2>&1) || rc=$?
	out=$(grep -v '^mandoc: outdated mandoc.db' <<<"$out" || true)
	[ -z "$out" ] || fail "mandoc -T lint -W warning $page:"$'\n'"$out"
	[ "$rc" -le 1 ] || fail "mandoc -T lint -W warning $page: exit $rc"
	log "lint clean: $page"
done

# render PAGE: the page as plain text (no overstrike, no hyphenation).
render() {
	mandoc -T ascii -O width=200 "$1" | sed 's/.\x08//g'
}

# 2. xdhcpd: every option of --help in xdhcpd(8); every key in xdhcpd.conf(5).
daemon_opts=$("$BUILD/xdhcpd" --help | sed -n 's/^  \(--[a-z][a-z0-9-]*\).*/\1/p')
[ "$(wc -l <<<"$daemon_opts")" -ge 20 ] || fail "xdhcpd --help lists too few options: $daemon_opts"
page8=$(render doc/xdhcpd.8)
page5=$(render doc/xdhcpd.conf.5)
missing8=() missing5=()
for opt in $daemon_opts; do
	grep -qE -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|$)" <<<"$page8" || missing8+=("$opt")
	[ "$opt" = --help ] && continue
	# A key's entry renders as "KEY = VALUE" at the start of a line.
	grep -qE -- "^ +${opt#--} = " <<<"$page5" || missing5+=("${opt#--}")
done
[ ${#missing8[@]} -eq 0 ] || fail "doc/xdhcpd.8 does not document: ${missing8[*]}"
[ ${#missing5[@]} -eq 0 ] || fail "doc/xdhcpd.conf.5 has no 'KEY = ...' entry for: ${missing5[*]}"
log "xdhcpd.8 and xdhcpd.conf.5 document all $(wc -l <<<"$daemon_opts") options of xdhcpd --help"

# 3. xdhcpctl: every command and option of --help in xdhcpctl(8).
help=$("$BUILD/xdhcpctl" --help)
# Commands: in each line of the Commands section, the usage (up to the two
# spaces before the description), and of that the leading lower-case words.
ctl_cmds=$(sed -n '/^Commands:/,/^$/{s/^  \([a-z][^ ].*\)/\1/p}' <<<"$help" | sed 's/  .*//' |
	awk '{ c = ""; for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++) c = c (c ? " " : "") $i; print c }')
ctl_opts=$(sed -n '/^Options:/,/^$/s/^  \(--[a-z][a-z0-9-]*\).*/\1/p' <<<"$help")
[ "$(wc -l <<<"$ctl_cmds")" -ge 7 ] || fail "xdhcpctl --help lists too few commands: $ctl_cmds"
[ -n "$ctl_opts" ] || fail "xdhcpctl --help lists no options"
pagectl=$(render doc/xdhcpctl.8)
missing=()
while read -r cmd; do
	# Each command has an entry of its own: a line starting with its words.
	grep -qE -- "^ +$cmd( |$)" <<<"$pagectl" || missing+=("'$cmd'")
done <<<"$ctl_cmds"
for opt in $ctl_opts; do
	grep -qE -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|$)" <<<"$pagectl" || missing+=("$opt")
done
[ ${#missing[@]} -eq 0 ] || fail "doc/xdhcpctl.8 does not document: ${missing[*]}"
log "xdhcpctl.8 documents all $(wc -l <<<"$ctl_cmds") commands and $(wc -w <<<"$ctl_opts") options"

echo "PASS: ${#PAGES[@]} man pages lint-clean and in sync with --help"
