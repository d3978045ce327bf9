#!/bin/bash
# Figure 3: end to end in a booted guest. Builds (or takes from the cache)
# the test guest, appends bench-io to its initramfs, and runs
# bench/guest-l1.sh where KVM is real: directly, or nested under QEMU TCG
# (tests/harness). Absolute times in nested mode say nothing about real
# hardware; the ratios are between runs of the same harness session.
#
# usage: bench/guest.sh SECONDS_PER_PATTERN   (prints "result KEY VALUE")
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo"
secs=${1:-2}
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache" build/bench

mode=$(tests/harness/kvm-mode 2>/dev/null || echo nested)
extra=
# As tests/guest/run-all.sh: nested, the guest skips XSAVE.
[ "$mode" = nested ] && extra="noxsave"
echo "result f3.nested $([ "$mode" = nested ] && echo 1 || echo 0)"

kdir=$(guest-images/build-kernel.sh)
idir=$(guest-images/build-initramfs.sh)

# The kernel unpacks concatenated cpio archives in order: ours adds one
# file to the test initramfs without rebuilding it.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
cp build/bench/bench-io "$stage/bin/"
(cd "$stage" && echo bin/bench-io | cpio -o -H newc -R 0:0 --quiet) |
	gzip -n > "$stage/extra.cpio.gz"
cat "$idir/initramfs.cpio.gz" "$stage/extra.cpio.gz" \
	> build/bench/initramfs-bench.cpio.gz

exec tests/harness/run --share "$repo" --share "$cache" --share /usr \
	--timeout 900 -- "$repo/bench/guest-l1.sh" "$repo/iovm" \
	"$kdir/bzImage" "$repo/build/bench/initramfs-bench.cpio.gz" \
	"$repo/build/bench/bench-io" "$secs" "$extra" \
	"$([ "$mode" = nested ] && echo nested)"
