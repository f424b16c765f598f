#!/bin/bash
# SPDX-License-Identifier: MIT
# Run test suites and print one summary line: "N passed, M failed, K skipped".
#   scripts/run-tests.sh --build DIR SUITE...   (SUITE: unit, fuzz, bpf, install, netns)
# A test passes with exit 0, is skipped with exit 77, fails otherwise.
# Each test has a time limit; its output is shown only when it fails
# (or always with VERBOSE=1).
set -u
BUILD=build
if [ "${1:-}" = --build ]; then BUILD=$2; shift 2; fi
export BUILD
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOGDIR=$(mktemp -d /tmp/xdhcp-tests.XXXXXX)
trap 'rm -rf "$LOGDIR"' EXIT

pass=0 fail=0 skip=0
failed=()

run_one() { # name, limit(s), command...
	local name=$1 limit=$2; shift 2
	local log="$LOGDIR/$(echo "$name" | tr '/' '_').log" start end rc
	start=$EPOCHREALTIME
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	end=$EPOCHREALTIME
	local dur; dur=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	case $rc in
	0) pass=$((pass + 1)); printf '  PASS  %-44s %6ss\n' "$name" "$dur"
	   [ "${VERBOSE:-0}" = 1 ] && sed 's/^/        /' "$log" ;;
	77) skip=$((skip + 1)); printf '  SKIP  %-44s %s\n' "$name" "$(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   [ $rc = 124 ] && echo "timed out after ${limit}s" >>"$log"
	   printf '  FAIL  %-44s %6ss (exit %d)\n' "$name" "$dur" "$rc"
	   sed 's/^/        | /' "$log" | tail -n 80 ;;
	esac
}

for suite in "$@"; do
	echo "== $suite tests"
	case $suite in
	unit)
		for t in "$BUILD"/tests/unit/test_*; do
			[ -x "$t" ] || continue
			run_one "unit/$(basename "$t")" 120 "$t"
		done ;;
	bpf)
		for t in "$BUILD"/tests/bpf/test_*; do
			[ -x "$t" ] || continue
			if [ "$(id -u)" != 0 ]; then
				run_one "bpf/$(basename "$t")" 5 sh -c 'echo "needs root"; exit 77'
				continue
			fi
			run_one "bpf/$(basename "$t")" 300 "$t"
		done ;;
	fuzz)
		# Corpus replay (tests/fuzz/replay.sh): no fuzzing time.
		for t in "$BUILD"/fuzz/replay/fuzz_*; do
			[ -x "$t" ] || continue
			run_one "fuzz/$(basename "$t")" 300 tests/fuzz/replay.sh "$BUILD" "$(basename "$t")"
		done ;;
	install)
		for t in tests/install/test_*.sh; do
			[ -f "$t" ] || continue
			run_one "install/$(basename "$t" .sh)" 120 bash "$t"
		done ;;
	netns)
		for t in tests/netns/test_*.sh; do
			[ -f "$t" ] || continue
			run_one "netns/$(basename "$t" .sh)" 300 bash "$t"
		done ;;
	*) echo "unknown suite '$suite'" >&2; exit 2 ;;
	esac
done

echo
if [ $fail -gt 0 ]; then
	echo "Failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
