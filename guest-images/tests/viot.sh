#!/bin/sh
# The VIOT iovm wrote (ACPI 6.5, 5.2.32), as the guest reads it, against
# what its kernel made of it: the virtio-iommu node names the virtio-mmio
# device the virtio-iommu driver bound, each MMIO endpoint names a
# virtio-mmio device (by its window's base, as Linux's drivers/acpi/viot.c
# matches them) that sits in an IOMMU group, and a PCI range gives each
# function in it the endpoint ID its requester ID says (those iovm put
# behind the IOMMU sit in a group). Prints the table node by node.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

viot=/sys/firmware/acpi/tables/VIOT
if [ ! -r "$viot" ]; then
	fail "no VIOT among the ACPI tables"
	exit 1
fi
u8() { od -An -tu1 -j "$1" -N1 "$viot" | tr -d ' '; }
u16() { od -An -tu2 -j "$1" -N2 "$viot" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$viot" | tr -d ' '; }
hex64() { printf '0x%x' "$((0x$(od -An -tx8 -j "$1" -N8 "$viot" | tr -d ' ')))"; }
# The virtio-mmio device whose window starts at this address (/proc/iomem).
device_at() {
	grep -E "^ *0*${1#0x}-[0-9a-f]+ : LNRO0005:" /proc/iomem |
		sed 's/.* : //' | head -n 1
}

# pci_range SEGMENT FIRST LAST START: each PCI function in the range, with
# the endpoint ID the range gives it, and its IOMMU group if it has one
# (a function iovm left outside the IOMMU, iommu=off, has none).
pci_range() {
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d" ] || continue
		name=$(basename "$d")
		s=$((0x${name%%:*}))
		rest=${name#*:}
		devfn=${rest#*:}
		bdf=$(( (0x${rest%%:*} << 8) | (0x${devfn%.*} << 3) | ${devfn#*.} ))
		[ "$s" -eq "$1" ] && [ "$bdf" -ge "$2" ] && [ "$bdf" -le "$3" ] || continue
		group=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)")
		echo "iovm-guest: VIOT PCI endpoint $(($4 + bdf - $2)): $name, IOMMU group ${group:-none}"
		if [ -n "$group" ]; then
			endpoints=$((endpoints + 1))
			pass "PCI endpoint $(($4 + bdf - $2)) ($name) in IOMMU group $group, type $(cat /sys/kernel/iommu_groups/"$group"/type)"
		fi
	done
}

count=$(u16 36)
off=$(u16 38)
echo "iovm-guest: VIOT: $(wc -c < "$viot") bytes, $count nodes"
i=0
endpoints=0
while [ "$i" -lt "$count" ]; do
	type=$(u8 "$off")
	len=$(u16 $((off + 2)))
	case "$type" in
	4)
		base=$(hex64 $((off + 8)))
		dev=$(device_at "$base")
		drv=$(basename "$(readlink /sys/bus/platform/devices/"$dev"/virtio*/driver 2>/dev/null)")
		echo "iovm-guest: VIOT node at $off: virtio-iommu-mmio at $base: $dev, driver $drv"
		[ "$drv" = virtio_iommu ] ||
			fail "the virtio-iommu node's device ($base, '$dev') is not bound to virtio_iommu"
		;;
	2)
		ep=$(u32 $((off + 4)))
		base=$(hex64 $((off + 8)))
		out=$(u16 $((off + 16)))
		dev=$(device_at "$base")
		group=$(basename "$(readlink /sys/bus/platform/devices/"$dev"/iommu_group 2>/dev/null)")
		echo "iovm-guest: VIOT node at $off: MMIO endpoint $ep at $base behind node $out: $dev, IOMMU group ${group:-none}"
		endpoints=$((endpoints + 1))
		if [ -z "$dev" ]; then
			fail "endpoint $ep: no virtio-mmio device at $base"
		elif [ -z "$group" ]; then
			fail "endpoint $ep: $dev is in no IOMMU group"
		else
			pass "endpoint $ep ($base): $dev in IOMMU group $group, type $(cat /sys/kernel/iommu_groups/"$group"/type)"
		fi
		;;
	1)
		start=$(u32 $((off + 4)))
		seg=$(u16 $((off + 8)))
		first=$(u16 $((off + 12)))
		last=$(u16 $((off + 14)))
		echo "iovm-guest: VIOT node at $off: PCI range, segment $seg, BDF $(printf '%04x-%04x' "$first" "$last"), endpoints from $start, behind node $(u16 $((off + 16)))"
		pci_range "$seg" "$first" "$last" "$start"
		;;
	*)
		fail "VIOT node at $off: unknown type $type"
		;;
	esac
	if [ "$len" -lt 8 ]; then
		fail "VIOT node at $off: length $len"
		break
	fi
	off=$((off + len))
	i=$((i + 1))
done
[ "$endpoints" -gt 0 ] || fail "the VIOT has no endpoint in an IOMMU group"
exit $failed
