#!/bin/bash
# Figure 3: what the guest feels. Builds (or takes from the cache) two
# guests, the project's 6.1 kernel (device tree) and Debian's stock 6.12
# (ACPI), with Debian's fio on a disk of its own (guest-images/
# build-fio.sh), appends the bench's guest test to their initramfs, and runs
# bench/guest-l1.sh where KVM is real: directly, or nested under QEMU TCG
# (tests/harness). Absolute figures in nested mode say nothing about real
# hardware; the ratios are between runs of the same harness session.
#
# usage: bench/guest.sh SECONDS_PER_JOB   (prints "result KEY VALUE")
#   KVMTOOL=/path/to/lkvm   kvmtool as a further peer (skipped without it)
#   BENCH_GUESTS="k61 k612" the guests to run (default both)
#        bench/guest.sh SECONDS perf k61|k612|k612p noiommu|strict|lazy JOB
#   one iovm run of that guest with only fio's JOB (a section of
#   bench/guest/fio.jobs), and where level 1's CPUs went meanwhile (perf)
#        bench/guest.sh SECONDS boot-trace k61|k612
#   one iovm boot of that guest under strace: where iovm's time goes before
#   the guest runs (bench/boot-trace-l1.sh)
set -euo pipefail
export LC_ALL=C		# newc.sh measures names in bytes

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo"
secs=${1:-3}
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache" build/bench

die() { echo "bench: guest: $*" >&2; exit 1; }

mode=$(tests/harness/kvm-mode 2>/dev/null || echo nested)
extra=
# As tests/guest/run-all.sh: nested, the guest skips XSAVE.
[ "$mode" = nested ] && extra="noxsave"
echo "result f3.nested $([ "$mode" = nested ] && echo 1 || echo 0)"

# The peer: QEMU from Debian, with the firmware bench/boot-l1.sh gives it.
qemu=$(command -v qemu-system-x86_64) ||
	die "qemu-system-x86_64 not found: install qemu-system-x86 (the peer of figure 3)"
for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	 /usr/share/qemu/kvmvapic.bin; do
	[ -r "$f" ] || die "$f is missing: install seabios and qemu-system-data"
done
shares=(--share "$repo" --share "$cache" --share /usr)
kvmtool=
if [ -n "${KVMTOOL:-}" ]; then
	[ -x "$KVMTOOL" ] || die "KVMTOOL=$KVMTOOL is not an executable file"
	kvmtool=$(realpath "$KVMTOOL")
	shares+=(--share "$(dirname "$kvmtool")")
else
	echo "bench: guest: kvmtool skipped: not in Debian; set KVMTOOL=/path/to/lkvm to add it" >&2
fi

kdir=$(guest-images/build-kernel.sh)
idir=$(guest-images/build-initramfs.sh)
fdir=$(guest-images/build-fio.sh)
sdir=$(guest-images/build-fio.sh 6.12)

# The kernel unpacks concatenated cpio archives in order: the guest test
# and its jobs go on top of each test initramfs without rebuilding it.
# shellcheck source=guest-images/newc.sh
. guest-images/newc.sh
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/tree/tests"
cp bench/guest/fio.sh bench/guest/fio.jobs "$stage/tree/tests/"
chmod 755 "$stage/tree/tests/fio.sh"
{ cpio_tree "$stage/tree"; cpio_trailer; } | gzip -n >"$stage/tests.cpio.gz"
cat "$idir/initramfs.cpio.gz" "$stage/tests.cpio.gz" >build/bench/initramfs-k61.cpio.gz
cat "$sdir/initramfs.cpio.gz" "$stage/tests.cpio.gz" >build/bench/initramfs-k612.cpio.gz

conf=build/bench/guest-l1.conf
{
	echo "# written by bench/guest.sh for bench/guest-l1.sh"
	printf 'IOVM=%q\n' "$repo/iovm"
	printf 'OWN_KERNEL=%q\n' "$kdir/bzImage"
	printf 'OWN_INITRD=%q\n' "$repo/build/bench/initramfs-k61.cpio.gz"
	printf 'STOCK_KERNEL=%q\n' "$sdir/vmlinuz"
	printf 'STOCK_INITRD=%q\n' "$repo/build/bench/initramfs-k612.cpio.gz"
	printf 'FIO_IMG=%q\n' "$fdir/fio.img"
	printf 'JOBS=%q\n' "$repo/bench/guest/fio.jobs"
	printf 'SECS=%q\n' "$secs"
	printf 'EXTRA=%q\n' "$extra"
	printf 'NESTED=%q\n' "$([ "$mode" = nested ] && echo nested)"
	printf 'QEMU=%q\n' "$qemu"
	printf 'KVMTOOL=%q\n' "$kvmtool"
	printf 'PERF_OUT=%q\n' "$repo/build/bench/perf"
} >"$conf"

if [ "${2:-}" = boot-trace ]; then
	case "$#/${3:-}" in
	3/k61) set -- "$kdir/bzImage" build/bench/initramfs-k61.cpio.gz --dt ;;
	3/k612) set -- "$sdir/vmlinuz" build/bench/initramfs-k612.cpio.gz ;;
	*) die "usage: bench/guest.sh SECONDS boot-trace k61|k612" ;;
	esac
	out=$repo/build/bench/boot-trace
	rm -rf "$out"
	tests/harness/run "${shares[@]}" --timeout 600 -- \
		"$repo/bench/boot-trace-l1.sh" "$out" "$repo/iovm" "$1" "$repo/$2" "${@:3}"
	echo "boot-trace: $(wc -l <"$out/trace") system calls (in $out/trace); the guest's:"
	tr -d '\r' <"$out/console" | grep 'init reached' | sed 's/^/boot-trace:   /'
	grep 'guest mark' "$out/err" | sed 's/^/boot-trace:   /'
	exec awk -v t0="$(cat "$out/t0")" -f bench/boot-trace.awk "$out/trace"
fi

if [ "${2:-}" = perf ]; then
	case "$#/${3:-}/${4:-}" in
	5/k61/noiommu | 5/k61/strict | 5/k61/lazy) ;;
	5/k612/noiommu | 5/k612/strict | 5/k612/lazy) ;;
	5/k612p/noiommu | 5/k612p/strict | 5/k612p/lazy) ;;
	*) die "usage: bench/guest.sh SECONDS perf k61|k612|k612p noiommu|strict|lazy JOB" ;;
	esac
	grep -qx "\[$5\]" bench/guest/fio.jobs ||
		die "no job [$5] in bench/guest/fio.jobs"
	exec tests/harness/run "${shares[@]}" --timeout $((600 + 2 * secs)) -- \
		"$repo/bench/guest-l1.sh" "$repo/$conf" "$3" perf "$4" "$5"
fi

# One level 1 per guest kernel: QEMU 7.2's emulated SVM now and then wedges
# a whole level 1 (tests/harness/README.md); that then costs one kernel's
# runs a second try, not the whole figure. The time allowed is about twice
# what a run takes nested on a loaded 2-core machine.
status=0
for guest in ${BENCH_GUESTS:-k61 k612}; do
	case "$guest" in
	k61 | k612) ;;
	*) die "BENCH_GUESTS: unknown guest '$guest' (expected k61 or k612)" ;;
	esac
	runs=4
	[ "$guest" = k612 ] && runs=$((11 + (${#kvmtool} > 0)))
	for attempt in 1 2; do
		rc=0
		tests/harness/run "${shares[@]}" --timeout $((120 + runs * (90 + 12 * secs))) -- \
			"$repo/bench/guest-l1.sh" "$repo/$conf" "$guest" >"$stage/$guest.out" || rc=$?
		# 124: level 1 timed out; 125: the harness or level 1 failed.
		[ "$rc" -eq 124 ] || [ "$rc" -eq 125 ] || break
		[ "$attempt" -eq 2 ] && break
		echo "bench: guest: $guest: level 1 failed (harness status $rc): once more in a fresh one" >&2
	done
	# Level 1's console carries the results; what else it says is the log.
	tr -d '\r' <"$stage/$guest.out" | grep '^result ' || true
	tr -d '\r' <"$stage/$guest.out" | grep -v '^result ' >&2 || true
	[ "$rc" -eq 0 ] || status=1
done
exit "$status"
