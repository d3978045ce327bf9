#!/bin/sh
# An MSI-X message is a DMA write: a device behind the virtio-iommu can
# interrupt only at the MSI window the IOMMU reserves (PROBE: RESV_MEM,
# MSI). Here the guest points the request queue's vector of its virtio-pci
# disk (iovm.disk_serial=) at an IOVA it never mapped, 0x10000, and reads
# a sector. iovm completes the read and sends the vector's message, which
# the IOMMU must refuse and report: the guest's virtio-iommu driver logs a
# write fault at 0x10000, the vector's interrupt count does not move, and
# the read waits. It waits for good: with EVENT_IDX the device owes the
# driver no second interrupt for it, so run this test last. The entry is
# put back all the same.
#
# The table is in BAR1, which the kernel's driver holds: busybox's devmem
# writes it through /dev/mem, which Debian's kernel (IO_STRICT_DEVMEM)
# opens to a driver's BAR only with iomem=relaxed on its command line.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

BAD=0x10000

dev=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.disk_serial=*)
		for b in /sys/block/vd*; do
			[ "$(cat "$b/serial" 2>/dev/null)" = "${arg#*=}" ] &&
				dev=$(basename "$b")
		done
		;;
	esac
done
[ -n "$dev" ] || { fail "no disk with the serial iovm.disk_serial= names"; exit 1; }
virtio=$(readlink -f /sys/block/$dev/device)
pci=$(dirname "$virtio")
bdf=$(basename "$pci")
[ -e "$pci/msi_irqs" ] || { fail "$dev ($bdf) is not a PCI function with MSI-X"; exit 1; }

# The request queue's IRQ, and its table entry (the N of x86's "N-edge",
# of arm64's "N Edge").
line=$(grep "PCI-MSIX-$bdf .*$(basename "$virtio")-req" /proc/interrupts)
irq=${line%%:*}
irq=$(echo $irq)
entry=$(echo "$line" | sed -n 's/.* \([0-9]*\)[- ][Ee]dge .*/\1/p')
count() {
	total=0
	for c in $(grep "^ *$irq:" /proc/interrupts | cut -d: -f2); do
		case "$c" in
		*[!0-9]*) break ;;
		*) total=$((total + c)) ;;
		esac
	done
	echo $total
}
bar1=$(sed -n 2p "$pci/resource" | cut -d' ' -f1)
at=$(printf '0x%x' $((bar1 + 16 * entry)))
lo=$(devmem "$at" 32) || { fail "devmem cannot read $at (no iomem=relaxed?)"; exit 1; }
echo "iovm-guest: $dev at $bdf: request queue on IRQ $irq, MSI-X entry $entry at $at: address $lo:$(devmem $((at + 4)) 32), data $(devmem $((at + 8)) 32)"
# The MSI window: x86's local APIC range 0xfee00000-0xfeefffff, or
# arm64's ITS doorbell frame 0xf0030000-0xf003ffff (iovm's layout).
case "$lo" in
0x[Ff][Ee][Ee]*|0x[Ff]003[0-9A-Fa-f]*) pass "entry $entry sends to the MSI window ($lo)" ;;
*) fail "entry $entry sends to $lo, not the MSI window" ;;
esac

before=$(count)
faults=$(dmesg | grep -c 'fault from EP')
devmem "$at" 32 "$BAD"
dd if=/dev/$dev of=/dev/null bs=4096 count=1 skip=300 iflag=direct 2>/dev/null &
reader=$!
# The fault comes back on the virtio-iommu's event queue: wait for it.
i=0
while [ "$(dmesg | grep -c 'fault from EP')" -le "$faults" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
report=$(dmesg | grep 'fault from EP' | tail -n 1 | sed 's/^\[[^]]*\] //')
case "$report" in
*"at $BAD [W]"*) pass "the message to $BAD was refused as DMA: $report" ;;
*) fail "no write fault at $BAD reported (last: ${report:-none})" ;;
esac
if kill -0 "$reader" 2>/dev/null && [ "$(count)" -eq "$before" ]; then
	pass "no interrupt: IRQ $irq stayed at $before, the read still waits"
else
	fail "IRQ $irq went from $before to $(count), or the read ended"
fi

devmem "$at" 32 "$lo"
echo "iovm-guest: entry $entry put back to $(devmem "$at" 32); the read at $dev stays waiting"
exit $failed
