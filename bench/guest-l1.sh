#!/bin/bash
# Figure 3, where KVM is real (the nested harness's level 1, or a host with
# VT-x/AMD-V): fio's jobs (bench/guest/fio.jobs) in a guest without the
# IOMMU and behind it in strict and lazy mode, and the same jobs on the
# image file from here, before and after, as the reference for the runs
# without the IOMMU. One guest kernel per call, so that each call can have
# a level 1 of its own:
#
#   k61   the project's 6.1 kernel (device tree), under iovm
#   k612  Debian's 6.12 (ACPI), under iovm, QEMU, and kvmtool if given
#
# The runs without the IOMMU come first and last under iovm, and the report
# compares with their mean: a nested guest's speed drifts with the host's
# load. The peers' runs sit between iovm's of the same mode. Along the way,
# iovm's resident memory outside guest RAM while its guest does I/O
# (figure 4's busy case).
#
# usage: guest-l1.sh CONFIG k61|k612 [perf MODE JOB]
#        guest-l1.sh CONFIG k612p perf MODE JOB   (6.12 on virtio-pci)
#   CONFIG: shell variables, written by bench/guest.sh: IOVM OWN_KERNEL
#   OWN_INITRD STOCK_KERNEL STOCK_INITRD FIO_IMG JOBS SECS EXTRA NESTED QEMU
#   KVMTOOL PERF_OUT
# Prints "result KEY VALUE" lines; exits 1 if a run failed twice.
# With perf: one iovm run of that guest in MODE (noiommu, strict, lazy)
# with only fio's JOB, and level 1's profile (perf, all CPUs) while the job
# runs, its top symbols on stdout.
set -uo pipefail

case "${2:-}/${3:-}" in
k61/ | k612/ | k61/perf | k612/perf | k612p/perf) ;;
*) echo "usage: guest-l1.sh CONFIG k61|k612 [perf MODE JOB], or k612p with perf (got '${*:2}')" >&2; exit 2 ;;
esac
# shellcheck source=/dev/null # written by bench/guest.sh
. "$1"
MEM_MIB=512
here=$(dirname "$0")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/boot-l1.sh
. "$here/boot-l1.sh"
# shellcheck source=bench/perf-l1.sh
. "$here/perf-l1.sh"
# shellcheck source=tests/harness/nested-retry.sh
. "$here/../tests/harness/nested-retry.sh"

work=$(mktemp -d /tmp/iovm-bench.XXXXXX)
IMG=$work/disk.img
trap 'rm -rf "$work"' EXIT
PARAMS="$EXTRA iovm.run=fio iovm.bench_secs=$SECS"
# Time for one run: the boot, fio's seven jobs, the way down; twice as long
# as seen nested on a loaded 2-core machine.
LIMIT=$((150 + 12 * SECS))
failed=0

# emit PREFIX < fio's terse lines (version 3: fields separated by ';', the
# job's name third; reads' KiB/s and IOPS 7th and 8th, writes' 48th and
# 49th), bare or after "bench-fio ": IOPS and KiB/s per job.
emit() {
	local line f
	while IFS= read -r line; do
		line=${line%$'\r'}
		line=${line#bench-fio }
		[[ $line == 3\;fio-* ]] || continue
		IFS=';' read -ra f <<<"$line"
		case "${f[2]}" in
		*read*) echo "result $1.${f[2]}.iops ${f[7]}"
			echo "result $1.${f[2]}.kibs ${f[6]}" ;;
		*write*) echo "result $1.${f[2]}.iops ${f[48]}"
			echo "result $1.${f[2]}.kibs ${f[47]}" ;;
		esac
	done
}

# host_fio PREFIX: the reference, the same jobs on the image file from here
# (buffered: tmpfs has no O_DIRECT), with the host's fio.
host_fio() {
	FIO_FILE=$IMG FIO_SECS=$SECS FIO_DIRECT=0 \
		fio --output-format=terse "$JOBS" | emit "$1"
}

# boot_fio VMM_BINARY LOG: one boot of the arguments in vmm_args; 0 if the
# guest's fio test passed.
boot_fio() {
	boot_once "$LIMIT" "$2" "$1" "${vmm_args[@]}" || return
	grep -q 'IOVM-TEST-RESULT: fio rc=0' "$2"
}

say_retry() {
	echo "bench: guest: $what: RETRY (boot $1) after a triple fault in nested mode" >&2
}

# run VMM GUEST MODE: one guest (GUEST k61: the project's 6.1, k612:
# Debian's 6.12, k612p: the same with iovm's devices on virtio-pci, as
# QEMU's are) under VMM (iovm, qemu, kvmtool) running the fio test, in
# MODE (noiommua/noiommub: without the IOMMU, first and last; noiommu;
# noiommu1q: without it, the disk with one request queue (iovm only);
# strict; lazy). A failed run gets one more try: QEMU's level-2 runs now
# and then stall without a word (DESIGN.md).
run() {
	local vmm=$1 guest=$2 mode=$3 bin kernel initrd log key rc attempt
	local uptime mark what t0
	what="$vmm $guest $mode"
	key=f3.$vmm.$guest.$mode
	log=$work/$vmm.$guest.$mode.log
	case "$vmm" in
	iovm) bin=$IOVM ;;
	qemu) bin=$QEMU ;;
	kvmtool) bin=$KVMTOOL ;;
	esac
	case "$guest" in
	k61) kernel=$OWN_KERNEL initrd=$OWN_INITRD ;;
	k612 | k612p) kernel=$STOCK_KERNEL initrd=$STOCK_INITRD ;;
	esac
	"${vmm}_args" "$kernel" "$initrd" "$mode"
	[ "$guest" = k612p ] && vmm_args+=(--virtio-transport pci)
	echo "bench: guest: $what: $bin ${vmm_args[*]}" >&2
	t0=$SECONDS
	for attempt in 1 2; do
		if [ "$vmm" = iovm ]; then
			retry_boot "$NESTED" say_retry boot_fio "$bin" "$log"
		else
			boot_fio "$bin" "$log"
		fi
		rc=$?
		[ "$rc" -eq 0 ] && break
		echo "bench: guest: $what: failed (status $rc); the last lines:" >&2
		tail -n 20 "$log" "$log.err" | sed 's/^/bench:   /' >&2
		if [ "$attempt" -eq 2 ]; then
			failed=1
			return 1
		fi
		echo "bench: guest: $what: once more" >&2
	done
	tr -d '\r' <"$log" | grep 'iommu group\|iovm-guest: fio' |
		sed "s/^/bench: guest: $what: /" >&2
	echo "bench: guest: $what: $((SECONDS - t0)) s" >&2
	[ -n "$boot_us" ] && echo "result $key.boot_ms $((boot_us / 1000))"
	# /proc/uptime has two decimals: seconds.centiseconds
	uptime=$(sed -n 's/.*init reached, uptime \([0-9.]*\) s.*/\1/p' "$log")
	[[ $uptime =~ ^([0-9]+)\.([0-9]{2})$ ]] &&
		echo "result $key.uptime_ms $((BASH_REMATCH[1] * 1000 + 10#${BASH_REMATCH[2]} * 10))"
	mark=$(sed -n 's/.*guest mark after \([0-9]*\) ms.*/\1/p' "$log.err")
	[ -n "$mark" ] && echo "result $key.mark_ms $mark"
	[ "$vmm" = iovm ] && echo "result $key.rss_kib $rss_kib"
	emit "$key" <"$log"
}

dd if=/dev/zero of="$IMG" bs=1M count=128 status=none || exit 1
if [ "${3:-}" = perf ]; then
	profile "$2" "$4" "$5"
	exit
fi

host_fio "f3.l1.${2}a"
case "$2" in
k61)
	for mode in noiommua strict lazy noiommub; do
		run iovm k61 "$mode"
	done ;;
k612)
	for mode in noiommua strict lazy noiommub; do
		run iovm k612 "$mode"
		case "$mode" in
		noiommua)
			# virtio-blk's one queue per vCPU against one queue.
			run iovm k612 noiommu1q
			run iovm k612p noiommu
			run qemu k612 noiommu
			if [ -n "$KVMTOOL" ]; then
				run kvmtool k612 noiommu
			fi ;;
		strict | lazy)
			run iovm k612p "$mode"
			run qemu k612 "$mode" ;;
		esac
	done ;;
esac
host_fio "f3.l1.${2}b"
echo "result f3.$2.nested_retries $nested_retries"
exit "$failed"
