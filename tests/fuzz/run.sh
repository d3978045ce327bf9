#!/bin/bash
# Run each fuzz harness for a bounded time, starting from its checked-in
# seed corpus (tests/fuzz/corpus/NAME); fail on the first crash, hang,
# leak or broken invariant, keeping the input that caused it.
#
#   FUZZ_ENGINE=libfuzzer|standalone tests/fuzz/run.sh SECONDS DIR NAME...
#
# libfuzzer runs DIR/libfuzzer/NAME, which keeps what it learns in
# DIR/corpus/NAME, so coverage builds up from one run to the next.
# standalone runs DIR/standalone/NAME, the plain-C driver (FUZZ_WHY says
# why libFuzzer is not used): the seed corpus once, then random mutations.
# Crashing inputs go to DIR/artifacts/; each line says which engine ran.
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: FUZZ_ENGINE=libfuzzer|standalone $0 SECONDS DIR NAME..." >&2
	exit 2
fi
secs=$1 dir=$2
shift 2
engine=${FUZZ_ENGINE:-libfuzzer}
seeds_root=$(dirname "$0")/corpus
art=$dir/artifacts
nfail=0

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$art" "$dir/logs"
case $engine in
libfuzzer)
	echo "fuzz: engine: libFuzzer (coverage-guided, ASan + UBSan)," \
		"$secs s per harness" ;;
standalone)
	echo "fuzz: engine: the standalone driver (random mutation, ASan +" \
		"UBSan), $secs s per harness, because" \
		"${FUZZ_WHY:-FUZZ_ENGINE=standalone}" ;;
*)
	echo "fuzz: unknown FUZZ_ENGINE $engine" >&2
	exit 2 ;;
esac

count() {
	find "$1" -maxdepth 1 -type f | wc -l
}

# The last "cov: N ft: N" libFuzzer printed: edges and features reached.
coverage() {
	grep -o 'cov: [0-9]* ft: [0-9]*' "$1" | tail -n 1
}

run_libfuzzer() {
	local name=$1 seeds=$2 log=$3 bin=$dir/libfuzzer/$1
	local corpus=$dir/corpus/$1 rc runs rate crash

	mkdir -p "$corpus"
	"$bin" -max_total_time="$secs" -max_len=33000 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/$name-" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		# What broke and where: the report, not the input's hex dump.
		grep -m1 -B1 -A30 -E 'ERROR: |runtime error|invariant broken' \
			"$log" | grep -v -E '^(0x|\\|Base64:)'
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
			tail -n 1)
		echo "fuzz-$name: libFuzzer: FAILED (exit $rc); full log $log"
		if [ -n "$crash" ]; then
			echo "fuzz-$name: input saved as $crash; reproduce: $bin $crash"
		fi
		return 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	echo "fuzz-$name: libFuzzer: ${runs:-?} runs in $secs s" \
		"(${rate:-?}/s), $(coverage "$log"), corpus" \
		"$(count "$corpus") + $(count "$seeds") seeds, no crash"
}

run_standalone() {
	local name=$1 seeds=$2 log=$3 bin=$dir/standalone/$1

	echo "fuzz-$name: standalone driver (no coverage feedback):"
	if ! "$bin" "$seeds" 2>"$log" || ! "$bin" -t "$secs" -a "$art"; then
		cat "$log"
		echo "fuzz-$name: standalone: FAILED; input saved under $art/;" \
			"reproduce: $bin FILE"
		return 1
	fi
}

for name in "$@"; do
	seeds=$seeds_root/$name log=$dir/logs/$name.log
	if [ ! -d "$seeds" ] || [ "$(count "$seeds")" -eq 0 ]; then
		echo "fuzz-$name: FAILED: no seed corpus in $seeds" \
			"(make fuzz-corpus writes it)"
		nfail=$((nfail + 1))
		continue
	fi
	"run_$engine" "$name" "$seeds" "$log" || nfail=$((nfail + 1))
done
echo "fuzz: $(($# - nfail)) passed, $nfail failed"
[ "$nfail" -eq 0 ]
