#!/bin/bash
# SPDX-License-Identifier: MIT
# Replay the fuzz corpus: each target's replay build (the target linked with
# tests/fuzz/replay_main.c under ASan+UBSan, built by `make tests-build`)
# runs once over every file in tests/fuzz/corpus/<target>/: the named
# seeds, the minimised corpus and every crash ever found.  No fuzzing time,
# no libFuzzer: this is what `make test` runs to catch regressions.
#   tests/fuzz/replay.sh BUILD_DIR [TARGET...]    (default: every target)
# Exit 0 when every input ran clean; otherwise the sanitizer report or
# failed property of the first bad input, preceded by its file name.
set -u
BUILD=${1:-build}
[ $# -gt 0 ] && shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for d in tests/fuzz/corpus/fuzz_*/; do
		targets+=("$(basename "$d")")
	done
fi

rc=0
for t in "${targets[@]}"; do
	bin=$BUILD/fuzz/replay/$t
	corpus=tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		echo "replay: $bin not built (make tests-build)" >&2
		rc=1
		continue
	fi
	if [ ! -d "$corpus" ]; then
		echo "replay: no corpus $corpus" >&2
		rc=1
		continue
	fi
	start=$EPOCHREALTIME
	if "$bin" "$corpus" 2>"$BUILD/fuzz/replay-$t.log"; then
		n=$(tail -n 1 "$BUILD/fuzz/replay-$t.log")
		printf '%-20s ok   %s (%.1fs)\n' "$t" "${n#replay: }" \
			"$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
	else
		echo "$t: FAILED; the input that failed is the last one named:"
		tail -n 60 "$BUILD/fuzz/replay-$t.log"
		rc=1
	fi
done
exit $rc
