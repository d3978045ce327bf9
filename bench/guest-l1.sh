#!/bin/bash
# Figure 3, where KVM is real (the nested harness's level 1, or a host
# with VT-x/AMD-V): the same disk I/O measured on the image file itself
# (the reference), then in a guest booted by iovm without the IOMMU, and
# behind it in strict and lazy mode, then again without it. Along the way, iovm's resident
# memory outside guest RAM while a guest does I/O (figure 4's busy case).
#
# usage: guest-l1.sh IOVM BZIMAGE INITRD BENCH_IO SECONDS EXTRA_PARAMS [nested]
set -uo pipefail

IOVM=$1 KERNEL=$2 INITRD=$3 BENCH_IO=$4 SECS=$5 EXTRA=$6 NESTED=${7:-}
MEM_MIB=256
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/harness/nested-retry.sh
. "$(dirname "$0")/../tests/harness/nested-retry.sh"

work=$(mktemp -d /tmp/iovm-bench.XXXXXX)
img=$work/disk.img
trap 'rm -rf "$work"' EXIT
patterns=("seqread 131072" "seqwrite 131072" "randread 4096" "randwrite 4096")

# emit PREFIX < bench-io lines: IOPS and MB/s per pattern. (No awk here:
# level 1 has none; bench-io did the arithmetic.)
emit() {
	local prefix=$1 tag pattern iops mbps
	# bench-io PATTERN BS OPS SECONDS DIRECT IOPS MB/S
	while read -r tag pattern _ _ _ _ iops mbps; do
		[ "$tag" = bench-io ] || continue
		echo "result $prefix.$pattern.iops $iops"
		echo "result $prefix.$pattern.mbps ${mbps%$'\r'}"
	done
}

# host_io PREFIX: the reference, the same I/O on the image from here.
host_io() {
	local p
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2086 # two words: pattern and size
		"$BENCH_IO" "$img" $p "$SECS"
	done | emit "$1"
}

"$BENCH_IO" "$img" fill 128 || exit 1

say_retry() {
	echo "bench: guest: $mode: RETRY (boot $1) after a triple fault in nested mode" >&2
}

# run_guest LOG IOVM_ARGS...: one boot; returns iovm's status and sets
# max (peak RSS, KiB).
run_guest() {
	local log=$1 pid kib rc
	shift
	max=0
	timeout 600 "$IOVM" run --dt -k "$KERNEL" -i "$INITRD" -m "$MEM_MIB" \
		-d "$img" "$@" < /dev/null > "$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		kib=$(guest_excluded_rss $((MEM_MIB << 20)) "/proc/$pid/smaps" \
			2>/dev/null)
		[ "${kib:-0}" -gt "$max" ] && max=$kib
		sleep 2
	done
	wait "$pid"
	rc=$?
	return "$rc"
}

# boot MODE IOVM_ARGS...: one guest running guest-images/tests/bench.sh.
boot() {
	local mode=$1 log=$work/$1.log rc max mark uptime
	shift
	echo "bench: guest: $mode: iovm run $*" >&2
	retry_boot "$NESTED" say_retry run_guest "$log" "$@"
	rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q 'IOVM-TEST-RESULT: bench rc=0' "$log"; then
		echo "bench: guest: $mode: iovm exited $rc; last lines:" >&2
		tail -n 30 "$log" | sed 's/^/bench:   /' >&2
		return 1
	fi
	grep 'iommu group' "$log" | tr -d '\r' | sed "s/^/bench: guest: $mode: /" >&2
	mark=$(sed -n 's/.*guest mark after \([0-9]*\) ms.*/\1/p' "$log")
	uptime=$(sed -n 's/.*init reached, uptime \([0-9.]*\) s.*/\1/p' "$log")
	[ -n "$mark" ] && echo "result f3.$mode.boot_ms $mark"
	# /proc/uptime has two decimals: seconds.centiseconds
	[[ $uptime =~ ^([0-9]+)\.([0-9]{2})$ ]] &&
		echo "result f3.$mode.uptime_ms $((BASH_REMATCH[1] * 1000 + 10#${BASH_REMATCH[2]} * 10))"
	echo "result f3.$mode.rss_kib $max"
	tr -d '\r' < "$log" | emit "f3.$mode"
}

# The runs without the IOMMU come first and last, and the report compares
# with their mean: a nested guest's speed drifts with the host's load.
params="$EXTRA iovm.run=bench iovm.bench_secs=$SECS"
host_io f3.l1a
boot noiommua -p "$params"
boot strict --iommu -p "$params iommu.strict=1"
boot lazy --iommu -p "$params iommu.strict=0"
boot noiommub -p "$params"
host_io f3.l1b
exit 0
