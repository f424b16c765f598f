#!/bin/bash
# SPDX-License-Identifier: MIT
# Run libFuzzer targets for a bounded time each (`make fuzz`).
#   tests/fuzz/run.sh [--build DIR] [--seconds N] [--jobs J] TARGET...
# Each target fuzzes $BUILD/fuzz/corpus/<target>/ (new inputs land there)
# seeded from tests/fuzz/corpus/<target>/, with the target's dictionary
# when there is one.  Crashes go to $BUILD/fuzz/artifacts/; the full log to
# $BUILD/fuzz/<target>.log.  One summary line per target: executions, the
# final coverage (cov = edges, ft = features) and the corpus size.
# Exit status: 0 when no target crashed.
set -u
BUILD=build SECONDS_EACH=60 JOBS=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--seconds) SECONDS_EACH=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	*) break ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
[ $# -gt 0 ] || { echo "usage: $0 [--build DIR] [--seconds N] [--jobs J] TARGET..." >&2; exit 2; }

# Largest input per target: frames up to a punt record, conversations of
# several frames, files of a few dozen lines.
max_len() {
	case $1 in
	fuzz_server) echo 8192 ;;
	fuzz_config | fuzz_lease_store) echo 4096 ;;
	*) echo 2048 ;;
	esac
}

mkdir -p "$BUILD/fuzz/artifacts"
failed=()
for t in "$@"; do
	bin=$BUILD/fuzz/$t
	corpus=$BUILD/fuzz/corpus/$t
	log=$BUILD/fuzz/$t.log
	[ -x "$bin" ] || { echo "$t: $bin not built (make fuzz-build)" >&2; failed+=("$t"); continue; }
	mkdir -p "$corpus"
	opts=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048
	      -max_len="$(max_len "$t")" -print_final_stats=1
	      -artifact_prefix="$BUILD/fuzz/artifacts/$t-")
	[ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="tests/fuzz/$t.dict")
	[ "$JOBS" -gt 1 ] && opts+=(-fork="$JOBS")
	echo "== $t: ${SECONDS_EACH}s, $JOBS job(s)"
	"$bin" "${opts[@]}" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+:? .*cov: ' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	printf '%-18s %12s execs  cov %6s  ft %7s  corpus %6s files  %s\n' "$t" "${execs:-?}" \
		"${cov:-?}" "${ft:-?}" "$(find "$corpus" -type f | wc -l)" \
		"$([ $rc -eq 0 ] && echo ok || echo "CRASH (exit $rc)")"
	if [ $rc -ne 0 ]; then
		failed+=("$t")
		grep -E 'ERROR|SUMMARY|property failed|Test unit written|artifact_prefix' "$log" | head -n 20
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "crashed or failed: ${failed[*]} (logs in $BUILD/fuzz/, inputs in $BUILD/fuzz/artifacts/)"
	exit 1
fi
