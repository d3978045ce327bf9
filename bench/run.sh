#!/bin/bash
# make bench: every figure of issue 6, each with the reference it is
# measured against in the same run, then the table (bench/report.awk)
# with the change against bench/baseline.txt. Raw results, each step's
# log and the table (report.txt) stay in build/bench/.
#
# Environment:
#   BENCH_QUICK=1           one short round of everything: checks the bench
#                           itself, the figures mean little
#   BENCH_SKIP="guest ..."  leave steps out: iommu blk rss callgrind guest
#                           guest-arm64
#   BENCH_GUEST_SECS=N      seconds per fio job in the guests (default 3;
#                           per disk pattern on arm64, default 2)
#   KVMTOOL=/path/to/lkvm   kvmtool as a peer in figure 5 (not in Debian)
#   BENCH_SAVE_BASELINE=1   write this run's ratios to bench/baseline.txt
#   BENCH_OUT=DIR           results, logs and the table there (default
#                           build/bench, where the bench programs are)
#
# Exits non-zero only if a step failed; targets missed are reported, not
# errors (no timing ever decides a build's fate).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo" || exit 1
out=${BENCH_OUT:-build/bench}
res=$out/results.txt
bench=build/bench/iovm-bench
quick=()
[ "${BENCH_QUICK:-0}" = 1 ] && quick=(--quick)
secs=${BENCH_GUEST_SECS:-3}
[ "${BENCH_QUICK:-0}" = 1 ] && secs=1
mkdir -p "$out"
: > "$res"
failed=()
start=$SECONDS
load_before=$(cut -d' ' -f1 /proc/loadavg)

log() { echo "bench: $*" >&2; }

# step NAME SECONDS COMMAND...: run one step (for at most SECONDS), keep
# its result lines.
step() {
	local name=$1 limit=$2 t0=$SECONDS rc
	shift 2
	case " ${BENCH_SKIP:-} " in
	*" $name "*) log "$name: skipped (BENCH_SKIP)"; return ;;
	esac
	log "$name: $*"
	timeout "$limit" "$@" > "$out/$name.out" 2> "$out/$name.err"
	rc=$?
	[ "$rc" -eq 124 ] && echo "bench: $name: timed out after $limit s" >> "$out/$name.err"
	grep '^result ' "$out/$name.out" >> "$res"
	if [ "$rc" -ne 0 ]; then
		failed+=("$name")
		log "$name: FAILED (exit $rc); the end of $out/$name.err:"
		tail -n 15 "$out/$name.err" | sed 's/^/bench:   /' >&2
	fi
	log "$name: $((SECONDS - t0)) s"
}

step iommu 300 "$bench" "${quick[@]}" iommu
step blk 300 "$bench" "${quick[@]}" blk
step rss 360 bench/rss.sh ./iovm "$bench"
step callgrind 600 bench/callgrind.sh "$bench" "$out/callgrind"
step guest 3600 bench/guest.sh "$secs"
step guest-arm64 900 bench/guest-arm64.sh "$secs" "${BENCH_ARM64_IOVM:-build/arm64/iovm}" \
	build/arm64/bench-io

save=
[ "${BENCH_SAVE_BASELINE:-0}" = 1 ] && save=bench/baseline.txt
touch bench/baseline.txt
note="$(date -u '+%Y-%m-%d %H:%M UTC'), $(git describe --always --dirty 2>/dev/null || echo unknown), $(nproc) CPUs"
{
	echo
	echo "iovm benchmarks: $note, load $load_before -> $(cut -d' ' -f1 /proc/loadavg), $((SECONDS - start)) s"
	echo "Ratios come from the same run (value / reference); absolute numbers are context."
	awk -v save="$save" -v note="$note" -f bench/report.awk "$res" bench/baseline.txt
} | tee "$out/report.txt"
if [ ${#failed[@]} -ne 0 ]; then
	echo
	echo "bench: steps that failed: ${failed[*]} (logs in $out/)"
	exit 1
fi
