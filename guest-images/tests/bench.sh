#!/bin/sh
# Figure 3 of `make bench` (bench/guest.sh): disk throughput seen by the
# guest, one request at a time with O_DIRECT, as dd iflag=direct /
# oflag=direct would do, sequential 128 KiB and random 4 KiB, reads and
# writes, on /dev/vda for iovm.bench_secs= seconds each.
#
# Needs /bin/bench-io (bench/guest/bench-io.c), which bench/guest.sh
# appends to this initramfs; the host parses its "bench-io ..." lines.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

secs=2
# shellcheck disable=SC2013 # the command line is a list of words
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.bench_secs=*) secs=${arg#iovm.bench_secs=} ;;
	esac
done

if [ ! -x /bin/bench-io ]; then
	fail "/bin/bench-io is missing: run this test through make bench"
	exit 1
fi
if [ ! -b /dev/vda ]; then
	fail "/dev/vda is missing"
	exit 1
fi
# Which DMA domain the disk got: DMA (strict) or DMA-FQ (lazy).
for g in /sys/kernel/iommu_groups/*; do
	[ -e "$g/type" ] && echo "iovm-guest: iommu group $(basename "$g"): $(cat "$g/type")"
done

for p in "seqread 131072" "seqwrite 131072" "randread 4096" "randwrite 4096"; do
	# shellcheck disable=SC2086 # two words: pattern and size
	set -- $p
	if bench-io /dev/vda "$1" "$2" "$secs"; then
		pass "$1 $2"
	else
		fail "$1 $2"
	fi
done
exit $failed
