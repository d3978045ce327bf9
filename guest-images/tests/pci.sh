#!/bin/sh
# virtio-pci (iovm's transport=pci), as the guest found it through ACPI
# (x86: the PCI host bridge, PNP0A08 and MCFG) or the device tree (arm64:
# pci-host-ecam-generic, MSI-X through the ITS): each function as lspci would
# list it (read from sysfs: busybox has no lspci), bound to virtio-pci with
# its interrupts on MSI-X, and in an IOMMU group exactly when iovm put it
# behind the virtio-iommu. Run it after I/O (the disk test): a queue
# vector that carried no interrupt is reported.
#
# Kernel command line:
#   iovm.expect_pci=N        the virtio-pci functions iovm made
#   iovm.expect_pci_iommu=N  how many of them are behind the virtio-iommu
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

expect=0
expect_iommu=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.expect_pci=*) expect=${arg#*=} ;;
	iovm.expect_pci_iommu=*) expect_iommu=${arg#*=} ;;
	esac
done

# What the kernel said about the host bridge and its configuration space.
dmesg | grep -E 'ACPI: (DSDT|MCFG|VIOT) 0x|PNP0A08|pci-host-generic|ITS|PCI host bridge to bus|ECAM|root bus resource|\[1af4:|\[1b36:|PCI: Using|MSI' |
	sed 's/^\[[^]]*\] /iovm-guest: dmesg: /'

bridge=/sys/bus/pci/devices/0000:00:00.0
if [ "$(cat $bridge/class 2>/dev/null)" = 0x060000 ]; then
	pass "host bridge 00:00.0 ($(cat $bridge/vendor):$(cat $bridge/device), class 0x060000) on the root bus iovm described"
else
	fail "no host bridge at 00:00.0"
fi
if dmesg | grep -q 'ECAM \[mem 0x[0-9a-f]*-0x[0-9a-f]*\] .*reserved'; then
	pass "ECAM from the MCFG in use: $(dmesg | grep -o 'ECAM \[mem [^]]*\] [a-z ]*reserved as [A-Za-z0-9 ]*' | head -1)"
elif dmesg | grep -q 'pci-host-generic .*: ECAM at \[mem'; then
	# arm64: the device tree's pci-host-ecam-generic node.
	pass "ECAM from the device tree in use: $(dmesg | grep -o 'pci-host-generic .*: ECAM at \[mem [^]]*\]' | head -1)"
else
	fail "the kernel does not use the ECAM iovm described"
fi

n=0 bound=0 msix=0 grouped=0
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/vendor" ] || continue
	bdf=$(basename "$d")
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)")
	group=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)")
	vectors=$(ls "$d/msi_irqs" 2>/dev/null | wc -l)
	modes=$(cat "$d"/msi_irqs/* 2>/dev/null | sort -u | tr '\n' ' ')
	bar0=$(sed -n 1p "$d/resource" | cut -d' ' -f1,2)
	bar1=$(sed -n 2p "$d/resource" | cut -d' ' -f1,2)
	echo "iovm-guest: lspci: $bdf class $(cat "$d/class") [$(cat "$d/vendor"):$(cat "$d/device")] rev $(cat "$d/revision") subsystem $(cat "$d/subsystem_vendor"):$(cat "$d/subsystem_device") driver ${drv:-none} iommu_group ${group:-none} BAR0 ${bar0} BAR1 ${bar1} msi_irqs $vectors ${modes}"
	[ "$(cat "$d/vendor")" = 0x1af4 ] || continue
	n=$((n + 1))
	[ "$drv" = virtio-pci ] && bound=$((bound + 1))
	[ "$vectors" -ge 2 ] && [ "$modes" = "msix " ] && msix=$((msix + 1))
	[ -n "$group" ] && grouped=$((grouped + 1))
done
if [ "$n" -eq "$expect" ] && [ "$bound" -eq "$n" ]; then
	pass "$n virtio-pci function(s), each bound to virtio-pci"
else
	fail "$n virtio-pci function(s) ($bound bound to virtio-pci), iovm made $expect"
fi
if [ "$msix" -eq "$n" ]; then
	pass "each interrupts by MSI-X, a vector for its configuration and each queue"
else
	fail "$msix of $n functions use MSI-X"
fi
if [ "$grouped" -eq "$expect_iommu" ]; then
	pass "$grouped of them in an IOMMU group, as iovm put them behind the virtio-iommu"
else
	fail "$grouped of them in an IOMMU group, iovm put $expect_iommu behind the virtio-iommu"
fi

# /proc/interrupts: the PCI-MSIX lines, and a queue vector that fired.
grep 'PCI-MSIX' /proc/interrupts | sed 's/^ */iovm-guest: interrupts: /'
fired=0
while read -r irq counts; do
	total=0
	for c in $counts; do
		case "$c" in
		*[!0-9]*) break ;;
		*) total=$((total + c)) ;;
		esac
	done
	[ "$total" -gt 0 ] && fired=$((fired + 1))
done <<EOF
$(grep 'PCI-MSIX.*virtio[0-9]*-\(req\|input\|output\|requests\)' /proc/interrupts)
EOF
if [ "$fired" -gt 0 ]; then
	pass "$fired queue vector(s) took MSI-X interrupts"
else
	fail "no queue vector took an interrupt"
fi
exit $failed
