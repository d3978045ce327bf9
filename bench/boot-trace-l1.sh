#!/bin/bash
# Where iovm's time goes before the guest runs, in level 1 (run through
# tests/harness/run, like figure 3): one boot of a guest that exits at once
# (iovm.run=exit7), under strace with a timestamp on every system call of
# every thread. The trace, the console and iovm's stderr go to OUT, for
# bench/boot-trace.awk to read outside level 1 (which has no awk). strace
# slows every call down, and the guest's exits most (each is a KVM_RUN):
# only iovm's set-up, before its first KVM_RUN, is worth reading here; the
# boot without strace is figure 3's.
#
# usage: boot-trace-l1.sh OUT IOVM KERNEL INITRD [IOVM_OPTION...]
set -uo pipefail

out=$1 iovm=$2 kernel=$3 initrd=$4
shift 4
mkdir -p "$out"
work=$(mktemp -d /tmp/iovm-boot.XXXXXX)
trap 'rm -rf "$work"' EXIT
dd if=/dev/zero of="$work/disk.img" bs=1M count=16 status=none || exit 1

# -ttt: seconds since the epoch, to the microsecond; -T: time in the call.
echo "${EPOCHREALTIME}" >"$out/t0"
strace -f -ttt -T -o "$work/trace" "$iovm" run -k "$kernel" -i "$initrd" \
	-c 2 -m 512 -d "$work/disk.img" "$@" -p "noxsave iovm.run=exit7" \
	>"$out/console" 2>"$out/err"
rc=$?
# Written here, not on the shared folder: a write there per call is slow.
cp "$work/trace" "$out/trace"
[ "$rc" -eq 7 ] || {
	echo "boot-trace: iovm exited $rc, expected 7 (the guest's exit7 test); its last words:"
	tail -n 20 "$out/console" "$out/err"
	exit 1
}

