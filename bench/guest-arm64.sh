#!/bin/bash
# Figure 3 on arm64 (make bench): the project's arm64 guest with
# bench-io, booted by the cross-built arm64 iovm in the arm64 harness
# (bench/guest-l1-arm64.sh runs there). Nested under QEMU TCG where this
# machine is not arm64: absolute times say nothing about an arm64 host;
# the ratios are between runs in the same level 1.
#
# usage: bench/guest-arm64.sh SECONDS_PER_PATTERN IOVM BENCH_IO
#   (IOVM and BENCH_IO static arm64 binaries; prints "result KEY VALUE")
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo"
secs=${1:-2} iovm=$(realpath "$2") bench_io=$(realpath "$3")
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache" build/bench

echo "result f3a.nested $([ "$(uname -m)" = aarch64 ] && echo 0 || echo 1)"
kdir=$(guest-images/build-kernel.sh arm64)
idir=$(guest-images/build-initramfs.sh arm64)

# As bench/guest.sh: a second cpio archive adds bench-io to the test
# initramfs.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
cp "$bench_io" "$stage/bin/bench-io"
(cd "$stage" && echo bin/bench-io | cpio -o -H newc -R 0:0 --quiet) |
	gzip -n > "$stage/extra.cpio.gz"
cat "$idir/initramfs.cpio.gz" "$stage/extra.cpio.gz" \
	> build/bench/initramfs-bench-arm64.cpio.gz

exec tests/harness/run --arch arm64 --share "$repo" --share "$cache" \
	--timeout 900 -- "$repo/bench/guest-l1-arm64.sh" "$iovm" \
	"$kdir/Image" "$repo/build/bench/initramfs-bench-arm64.cpio.gz" \
	"$bench_io" "$secs"
