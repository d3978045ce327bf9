#!/bin/bash
# Inside the harness (level 1, or here on hardware-backed KVM): boot the
# VFIO guest again and again until SECONDS are up, each boot repeating the
# hostile suite (iovm.run=vfio-stress). The disk images alternate between
# local memory (a tmpfs) and the repository's build/ folder, which nested
# is the harness's 9p share: a slow backend, where reads stay in flight.
#
# usage: guests.sh IOVM KERNEL_DIR INITRAMFS_DIR SECONDS [EXTRA_PARAMS]
set -uo pipefail

IOVM=$1 KDIR=$2 IDIR=$3 total=$4 extra=${5:-}
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
local_dir=$(mktemp -d /tmp/iovm-stress.XXXXXX)
shared_dir=$repo/build/stress/images
mkdir -p "$shared_dir"
trap 'rm -rf "$local_dir"' EXIT
# shellcheck source=tests/harness/nested-retry.sh
. "$repo/tests/harness/nested-retry.sh"
nested=
[ -n "$extra" ] && nested=1

boot() {
	timeout $((secs + 300)) "$IOVM" run -k "$KDIR/bzImage" \
		-i "$IDIR/initramfs.cpio.gz" -m 256 --iommu --dt \
		-d "$dir/system.img" -d "$dir/vfio.img,serial=vfio-disk" \
		-p "iovm.run=vfio-stress iovm.stress_seconds=$secs vfio_platform.reset_required=0 vfio_iommu_type1.allow_unsafe_interrupts=1 $extra" \
		< /dev/null
}
say_retry() {
	echo "# boot $n: a triple fault in nested mode: booting again (attempt $1)"
}

end=$((SECONDS + total))
n=0 failed=0
while [ $((end - SECONDS)) -gt 60 ]; do
	n=$((n + 1))
	secs=$((end - SECONDS - 45))
	[ "$secs" -gt 150 ] && secs=150
	if [ $((n % 2)) -eq 1 ]; then dir=$local_dir where=tmpfs; else dir=$shared_dir where="build/ (the harness's share when nested)"; fi
	rm -f "$dir/system.img" "$dir/vfio.img"
	truncate -s 16M "$dir/system.img"
	truncate -s 64M "$dir/vfio.img"
	echo "# boot $n: disks in $where, the hostile suite for $secs s"
	retry_boot "$nested" say_retry boot
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "not ok - boot $n: iovm exited $rc"
		failed=1
	fi
done
echo "# $n boots"
exit $failed
