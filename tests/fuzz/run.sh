#!/bin/bash
# Run each fuzz harness for a bounded time; fail on the first crash, hang
# or leak, keeping the input that caused it.
#
#   tests/fuzz/run.sh SECONDS DIR NAME...
#
# DIR/standalone/NAME must exist (it also writes the seed corpus).
# DIR/libfuzzer/NAME, when it was built, runs instead, unless
# FUZZ_ENGINE=standalone. libFuzzer keeps what it learns in
# DIR/corpus/NAME, so coverage builds up from one run to the next.
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 SECONDS DIR NAME..." >&2
	exit 2
fi
secs=$1 dir=$2
shift 2
failed=0 nfail=0

for name in "$@"; do
	sa=$dir/standalone/$name lf=$dir/libfuzzer/$name
	seeds=$dir/seeds/$name corpus=$dir/corpus/$name art=$dir/artifacts
	log=$dir/logs/$name.log
	mkdir -p "$corpus" "$art" "$dir/logs" "$dir/seeds"
	rm -rf "$seeds"
	if ! "$sa" -w "$seeds" 2>"$log"; then
		cat "$log"
		echo "fuzz-$name: FAILED: cannot write its seed corpus"
		failed=1 nfail=$((nfail + 1))
		continue
	fi
	if [ "${FUZZ_ENGINE:-libfuzzer}" != standalone ] && [ -x "$lf" ]; then
		"$lf" -max_total_time="$secs" -max_len=33000 -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$art/$name-" "$corpus" "$seeds" \
			>"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		if [ "$rc" -ne 0 ]; then
			tail -n 60 "$log"
			echo "fuzz-$name: FAILED (libFuzzer exit $rc); full log $log," \
				"input saved under $art/"
			failed=1 nfail=$((nfail + 1))
			continue
		fi
		echo "fuzz-$name: libFuzzer, ${runs:-?} runs in $secs s" \
			"(${rate:-?}/s), corpus of $(ls "$corpus" | wc -l), no crash"
	else
		if ! "$sa" -t "$secs" -a "$art"; then
			echo "fuzz-$name: FAILED; input saved under $art/"
			failed=1 nfail=$((nfail + 1))
		fi
	fi
done
echo "fuzz: $(($# - nfail)) passed, $nfail failed"
exit $failed
