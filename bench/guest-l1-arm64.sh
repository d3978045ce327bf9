#!/bin/sh
# Figure 3 on arm64, where arm64 KVM is real (the harness's arm64 level 1,
# or an arm64 host): the same disk I/O measured on the image file itself
# (the reference), then in a guest booted by the arm64 iovm without the
# IOMMU, behind it in strict and lazy mode, then again without it.
# POSIX sh: the arm64 level 1 has busybox and nothing else.
#
# usage: guest-l1-arm64.sh IOVM IMAGE INITRD BENCH_IO SECONDS
IOVM=$1 KERNEL=$2 INITRD=$3 BENCH_IO=$4 SECS=$5
work=$(mktemp -d /tmp/iovm-bench.XXXXXX)
img=$work/disk.img
trap 'rm -rf "$work"' EXIT

# emit PREFIX < bench-io lines: IOPS and MB/s per pattern.
emit() {
	# bench-io PATTERN BS OPS SECONDS DIRECT IOPS MB/S
	while read -r tag pattern _ _ _ _ iops mbps; do
		[ "$tag" = bench-io ] || continue
		echo "result $1.$pattern.iops $iops"
		echo "result $1.$pattern.mbps $(echo "$mbps" | tr -d '\r')"
	done
}

# host_io PREFIX: the reference, the same I/O on the image from here.
host_io() {
	for p in "seqread 131072" "seqwrite 131072" "randread 4096" \
		 "randwrite 4096"; do
		# shellcheck disable=SC2086 # two words: pattern and size
		"$BENCH_IO" "$img" $p "$SECS"
	done | emit "$1"
}

# boot MODE IOVM_ARGS...: one guest running guest-images/tests/bench.sh.
boot() {
	mode=$1 log=$work/$1.log
	shift
	echo "bench: arm64 guest: $mode: iovm run $*" >&2
	"$IOVM" run -k "$KERNEL" -i "$INITRD" -m 256 -d "$img" "$@" \
		< /dev/null > "$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q 'IOVM-TEST-RESULT: bench rc=0' "$log"; then
		echo "bench: arm64 guest: $mode: iovm exited $rc; last lines:" >&2
		tail -n 30 "$log" | sed 's/^/bench:   /' >&2
		return 1
	fi
	mark=$(sed -n 's/.*guest mark after \([0-9]*\) ms.*/\1/p' "$log")
	[ -n "$mark" ] && echo "result f3a.$mode.boot_ms $mark"
	# /proc/uptime's seconds.centiseconds, in ms
	cs=$(sed -n 's/.*init reached, uptime \([0-9]*\)\.\([0-9][0-9]\) s.*/\1\2/p' "$log" |
		sed 's/^0*\([0-9]\)/\1/')
	[ -n "$cs" ] && echo "result f3a.$mode.uptime_ms $((cs * 10))"
	emit "f3a.$mode" < "$log"
}

"$BENCH_IO" "$img" fill 128 || exit 1
params="iovm.run=bench iovm.bench_secs=$SECS"
failed=0
host_io f3a.l1a
boot noiommua -p "$params" || failed=1
boot strict --iommu -p "$params iommu.strict=1" || failed=1
boot lazy --iommu -p "$params iommu.strict=0" || failed=1
boot noiommub -p "$params" || failed=1
host_io f3a.l1b
exit $failed
