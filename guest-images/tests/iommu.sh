#!/bin/sh
# Behind the virtio-iommu (iovm --iommu): the driver probed, each endpoint
# has its IOMMU group, and the disk test passes unchanged with every DMA
# translated. iovm.expect_groups=N says how many endpoints iovm created.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

expect=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.expect_groups=*) expect=${arg#iovm.expect_groups=} ;;
	esac
done

if ls /sys/bus/virtio/drivers/virtio_iommu/virtio* > /dev/null 2>&1; then
	pass "the virtio-iommu driver is bound"
else
	fail "the virtio-iommu driver did not bind"
fi
groups=$(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)
if [ "$groups" = "$expect" ]; then
	pass "/sys/kernel/iommu_groups lists $groups group(s), one per endpoint"
else
	fail "/sys/kernel/iommu_groups lists $groups group(s), expected $expect"
fi
for g in /sys/kernel/iommu_groups/*; do
	[ -e "$g" ] || continue
	echo "iovm-guest: group $(basename "$g"): $(ls "$g/devices") ($(cat "$g/type"))"
done
echo "iovm-guest: DMA mode: $(dmesg | grep -o 'DMA domain TLB invalidation policy: [a-z]* mode' | tail -1)"
sh /tests/disk.sh || failed=1
exit $failed
