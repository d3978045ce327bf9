#!/bin/sh
# Device assignment to guest userspace: the disk whose serial is
# iovm.vfio_serial= (default vfio-disk) is taken from the kernel, bound to
# vfio-platform (a virtio-mmio disk) or vfio-pci (a virtio-pci one) and
# driven by /bin/vfio-blk through VFIO, behind iovm's virtio-iommu.
#
# usage: sh /tests/vfio.sh data|isolation|hostile|demo|stress
# (iovm.run=vfio-data, vfio-isolation, vfio-hostile, vfio-demo and
# vfio-stress call it; stress repeats the hostile suite in this one guest
# for iovm.stress_seconds=, default 120.)
#
# Kernel command line: vfio_iommu_type1.allow_unsafe_interrupts=1, and for
# a virtio-mmio disk vfio_platform.reset_required=0 (see
# src/vfio-blk/main.c for why).
mode=${1:-data}
serial=vfio-disk
stress_seconds=120
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.vfio_serial=*) serial=${arg#iovm.vfio_serial=} ;;
	iovm.stress_seconds=*) stress_seconds=${arg#iovm.stress_seconds=} ;;
	esac
done
# The kernel's console messages (the virtio-iommu driver logs every fault
# at KERN_ERR) would land in the middle of this test's lines on ttyS0: keep
# only emergencies on the console while it runs. dmesg keeps everything,
# and is checked at the end.
read -r console_level _ < /proc/sys/kernel/printk
echo 2 > /proc/sys/kernel/printk

dev=$(vfio-blk find "$serial")
if [ -z "$dev" ]; then
	fail "no virtio disk with serial '$serial': $(cat /sys/block/vd*/serial 2>/dev/null | tr '\n' ' ')"
	exit 1
fi
if [ -e "/sys/bus/pci/devices/$dev" ]; then
	bus=pci need=vfio_iommu_type1.allow_unsafe_interrupts=1
else
	bus=platform
	need="vfio_platform.reset_required=0 vfio_iommu_type1.allow_unsafe_interrupts=1"
fi
for p in $need; do
	grep -q "$p" /proc/cmdline ||
		fail "the guest command line lacks $p; VFIO cannot take the device without it"
done
sysdev=/sys/bus/$bus/devices/$dev
group=$(basename "$(readlink "$sysdev/iommu_group")")
pass "the disk with serial '$serial' is $bus device $dev, IOMMU group $group, driver $(basename "$(readlink "$sysdev/driver")")"

sha() { sha256sum | cut -d' ' -f1; }

case "$mode" in
data)
	vfio-blk "$dev" data || failed=1
	# The host compares the image with the same bytes.
	echo "iovm-guest: vfio pattern sha256 $(yes iovm-vfio-pattern | head -c 131072 | sha)"
	;;
isolation | hostile)
	vfio-blk "$dev" "$mode" || failed=1
	;;
demo)
	echo "== Before: $dev belongs to the kernel's virtio-mmio driver:"
	for b in /sys/block/vd*; do
		[ "$(cat "$b/serial" 2>/dev/null)" = "$serial" ] &&
			echo "   /dev/$(basename "$b"), $(($(cat "$b/size") / 2048)) MiB, serial '$serial'"
	done
	echo "== 1. Take the device into userspace and use it (vfio-blk -v $dev data)"
	vfio-blk -v "$dev" data || failed=1
	echo "== 2. Point the device at memory it was not given (vfio-blk -v $dev isolation)"
	vfio-blk -v "$dev" isolation || failed=1
	echo "== 3. A hostile driver: malformed queues and teardown races (vfio-blk $dev hostile)"
	vfio-blk "$dev" hostile || failed=1
	echo "== The guest's own view of the faults (its virtio-iommu driver's log, ratelimited):"
	dmesg | grep 'fault from EP' | tail -n 8 | sed 's/^\[[^]]*\] /   /'
	;;
stress)
	# Whole hostile runs, one after another, in the same guest (as the
	# demo runs its three), until the time is up; each round's races say
	# how many holds the IOMMU waited for.
	end=$(($(date +%s) + stress_seconds))
	round=0
	while [ "$(date +%s)" -lt "$end" ]; do
		round=$((round + 1))
		if vfio-blk "$dev" hostile > /tmp/round.log 2>&1; then
			echo "ok - stress round $round: $(grep -c '^ok - ' /tmp/round.log) checks held"
		else
			fail "stress round $round:"
			grep '^not ok' /tmp/round.log
		fi
		sed -n "s/^ok - \(unmap-in-flight\|detach-in-flight\): \([^;]*\);.*/#   round $round: \1: \2/p" /tmp/round.log
	done
	echo "iovm-guest: stress: $round rounds of the hostile suite"
	;;
*)
	fail "unknown mode '$mode' (data, isolation, hostile or demo)"
	;;
esac

echo "$console_level" > /proc/sys/kernel/printk

# A hostile device user must not have hurt the guest kernel either.
# (A WARN() prints 'WARNING: CPU: N PID: ...'; distribution kernels also
# print advisories such as 'Speculative Return Stack Overflow: WARNING:'.)
if dmesg | grep -q -e 'BUG:' -e 'Oops' -e 'WARNING: CPU' -e 'Call Trace'; then
	fail "the guest kernel logged a BUG/Oops/WARNING:"
	dmesg | grep -A 12 -e 'BUG:' -e 'Oops' -e 'WARNING: CPU' | head -n 40
else
	pass "the guest kernel logged no BUG, Oops or WARNING"
fi
exit $failed
