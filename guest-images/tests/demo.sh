#!/bin/sh
# Demo: show what the guest learned from iovm's description of the machine
# (a device tree with --dt, else ACPI tables), then reboot.
# The demo succeeds when iovm exits 0 on the guest's reboot, so this script
# ends with a reboot rather than with `iovm-ctl exit`.

dt=/sys/firmware/devicetree/base

echo "== CPUs online (nproc): $(nproc)"

if [ -d "$dt" ]; then
	echo "== device tree: $dt exists"
	echo "-- nodes under /:"
	ls "$dt"
	echo "-- nodes under /cpus:"
	ls "$dt/cpus" 2>/dev/null || echo "(no /cpus node)"
	echo "== interrupt controller and device-tree lines from the kernel log:"
	dmesg | grep -i -E 'ioapic|io-apic|devicetree|OF:|GICv3|ITS|psci|pci-host-generic|iommu' |
		sed 's/^\[[^]]*\] //' || echo "(none)"
	# arm64: the PCI host's maps, cell by cell (requester ID base, phandle,
	# output base, length), as the kernel read them.
	for m in "$dt"/pcie@*/iommu-map "$dt"/pcie@*/msi-map; do
		[ -e "$m" ] || continue
		echo "-- ${m#"$dt"}: $(od -An -tx1 -v "$m" | tr -d ' \n' | sed 's/......../0x& /g')"
	done
else
	echo "== no device tree: the ACPI tables the kernel found"
	dmesg | grep -E 'ACPI: [A-Z]{4} 0x' | sed 's/^\[[^]]*\] //'
	echo "-- IO-APIC, from the MADT:"
	dmesg | grep -E 'IOAPIC\[|Using ACPI \(MADT\)' | sed 's/^\[[^]]*\] //'
	echo "-- virtio-mmio devices, from the DSDT (LNRO0005), and their windows:"
	# (Each window's second line is the driver's claim on it.)
	grep -E ' : LNRO0005:[0-9]+$' /proc/iomem | sed 's/^ *//'
	if [ -f /sys/firmware/acpi/tables/VIOT ]; then
		echo "-- the VIOT: which devices sit behind the virtio-iommu"
		sh /tests/viot.sh
	fi
fi

echo "== CPUs in /sys/devices/system/cpu: $(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)"

if [ -d /sys/kernel/iommu_groups ]; then
	echo "== IOMMU groups (one per device behind iovm's virtio-iommu):"
	for g in /sys/kernel/iommu_groups/*; do
		[ -e "$g" ] || continue
		echo "group $(basename "$g"): $(ls "$g/devices") ($(cat "$g/type" 2>/dev/null))"
	done
	dmesg | grep -o 'DMA domain TLB invalidation policy: [a-z]* mode' | tail -1
fi

echo "== virtio devices:"
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d" ] || continue
	echo "$(basename "$d"): device id $(cat "$d/device"), driver $(basename "$(readlink "$d/driver")")"
done
for b in /sys/block/vd*; do
	[ -e "$b" ] || continue
	n=$(basename "$b")
	echo "-- /dev/$n: $(( $(cat "$b/size") / 2048 )) MiB, serial '$(cat "$b/serial" 2>/dev/null)'"
	yes iovm-demo | head -c 1048576 > /tmp/demo-data
	if [ "$(cat "$b/ro")" = 1 ]; then
		if dd if=/tmp/demo-data of=/dev/$n bs=65536 conv=fsync 2>/dev/null; then
			echo "   read-only, yet a write went through"
		else
			echo "   read-only: a write was refused; reads $(dd if=/dev/$n bs=65536 count=16 2>/dev/null | wc -c) bytes"
		fi
		continue
	fi
	dd if=/tmp/demo-data of=/dev/$n bs=65536 conv=fsync 2>/dev/null
	echo 3 > /proc/sys/vm/drop_caches
	if dd if=/dev/$n bs=65536 count=16 2>/dev/null | cmp -s - /tmp/demo-data; then
		echo "   wrote 1 MiB, flushed, read it back: identical"
	else
		echo "   wrote 1 MiB, read back something else"
	fi
done
if [ -c /dev/hwrng ]; then
	echo "-- /dev/hwrng: $(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d '\n')"
fi

reboot -f
