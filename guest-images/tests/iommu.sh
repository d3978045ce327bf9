#!/bin/sh
# Behind the virtio-iommu (iovm --iommu): the driver probed, each endpoint
# has its IOMMU group, and the disk test passes unchanged with every DMA
# translated. iovm.expect_groups=N says how many endpoints iovm created;
# iovm.expect_group_type=DMA (strict) or DMA-FQ (lazy, with a flush queue)
# the type every group must have.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

expect=
type=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.expect_groups=*) expect=${arg#iovm.expect_groups=} ;;
	iovm.expect_group_type=*) type=${arg#*=} ;;
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
other_type=0
for g in /sys/kernel/iommu_groups/*; do
	[ -e "$g" ] || continue
	echo "iovm-guest: group $(basename "$g"): $(ls "$g/devices") ($(cat "$g/type"))"
	[ -z "$type" ] || [ "$(cat "$g/type")" = "$type" ] ||
		other_type=$((other_type + 1))
done
if [ -n "$type" ] && [ "$other_type" -eq 0 ]; then
	pass "every group has type $type"
elif [ -n "$type" ]; then
	fail "$other_type group(s) of another type than $type"
fi
echo "iovm-guest: DMA mode: $(dmesg | grep -o 'DMA domain TLB invalidation policy: [a-z]* mode' | tail -1)"
sh /tests/disk.sh || failed=1
exit $failed
