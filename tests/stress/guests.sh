#!/bin/bash
# Inside the harness (level 1, or here on hardware-backed KVM): boot the
# VFIO guest again and again until SECONDS are up, each boot repeating the
# hostile suite (iovm.run=vfio-stress). Boots take turns:
#   1. the project's DT guest, vfio-platform on virtio-mmio, the disk
#      images in the repository's build/ folder, which nested is the
#      harness's 9p share: a slow backend, where reads stay in flight;
#   2. Debian's unmodified 6.12 described by ACPI, vfio-pci on a virtio-pci
#      disk (MSI-X, Bus Master Enable), the images on the share too;
#   3. the DT guest again, the images in local memory (a tmpfs).
#
# usage: guests.sh IOVM KERNEL_DIR INITRAMFS_DIR STOCK_DIR SECONDS
#                  [EXTRA_PARAMS]
set -uo pipefail

IOVM=$1 KDIR=$2 IDIR=$3 SDIR=$4 total=$5 extra=${6:-}
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
	local guest vfio=serial=vfio-disk
	local params="iovm.run=vfio-stress iovm.stress_seconds=$secs vfio_iommu_type1.allow_unsafe_interrupts=1 $extra"
	if [ "$kind" = stock-pci ]; then
		guest=(-k "$SDIR/vmlinuz" -i "$SDIR/initramfs.cpio.gz")
		vfio=$vfio,transport=pci
	else
		guest=(--dt -k "$KDIR/bzImage" -i "$IDIR/initramfs.cpio.gz")
		params="$params vfio_platform.reset_required=0"
	fi
	timeout $((secs + 300)) "$IOVM" run "${guest[@]}" -m 256 --iommu \
		-d "$dir/system.img" -d "$dir/vfio.img,$vfio" -p "$params" \
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
	case $((n % 3)) in
	1) kind=dt-mmio dir=$shared_dir where="build/ (the harness's share when nested)" ;;
	2) kind=stock-pci dir=$shared_dir where="build/ (the harness's share when nested)" ;;
	0) kind=dt-mmio dir=$local_dir where=tmpfs ;;
	esac
	rm -f "$dir/system.img" "$dir/vfio.img"
	truncate -s 16M "$dir/system.img"
	truncate -s 64M "$dir/vfio.img"
	echo "# boot $n ($kind): disks in $where, the hostile suite for $secs s"
	retry_boot "$nested" say_retry boot | tee "$local_dir/boot.log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "not ok - boot $n: iovm exited $rc"
		failed=1
	fi
	echo "# boot $n ($kind): $(grep -c '^ok - stress round' "$local_dir/boot.log") rounds"
done
echo "# $n boots"
exit $failed
