#!/bin/bash
# The arm64 device tree, as `--dump-dtb` of an arm64 iovm writes it: dtc
# reads it back without a warning, and it has what an unmodified arm64
# kernel needs (CPUs with PSCI, the GICv3 and its ITS, the timer) and the
# IOMMU topology: the PCI host's iommu-map and msi-map, the virtio-mmio
# devices' iommus links. Then an Image the loader must refuse.
#
# The arm64 iovm runs here under qemu-user (qemu-aarch64, Debian's
# qemu-user) unless this machine is arm64. The dump is written before KVM
# is opened, and IOVM_KVM_DEVICE pointing at nothing stops iovm right
# after. No disks: qemu-user has no Linux AIO (io_setup), so the devices
# are virtio-rng and virtio-console, one on each transport.
#
# usage: tests/cli/dtb-arm64.sh build/arm64/iovm
set -uo pipefail

IOVM=$(realpath "${1:-build/arm64/iovm}")
TMP=$(mktemp -d /tmp/iovm-dtb-arm64.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

run=("$IOVM")
if [ "$(uname -m)" != aarch64 ]; then
	if ! command -v qemu-aarch64 > /dev/null; then
		not_ok "no qemu-aarch64 to run the arm64 iovm here (Debian's qemu-user; make deps installs it)"
		echo "dtb-arm64: $pass passed, $fail failed"
		exit 1
	fi
	run=(qemu-aarch64 "$IOVM")
fi

# image FILE: the smallest arm64 Image the loader takes: a header with
# text_offset 0, image_size 2 MiB, little-endian 4 KiB pages, the magic.
image() {
	{ head -c 8 /dev/zero
	  printf '\0\0\0\0\0\0\0\0\0\0\040\0\0\0\0\0\012\0\0\0\0\0\0\0'
	  head -c 24 /dev/zero; printf 'ARM\x64'; head -c 4 /dev/zero
	  head -c 4032 /dev/zero; } > "$1"
}
image "$TMP/Image"

dump() {
	local out=$1; shift
	IOVM_KVM_DEVICE=/nonexistent/kvm "${run[@]}" run -k "$TMP/Image" \
		--dump-dtb "$out" "$@" < /dev/null > /dev/null 2> "$TMP/err"
	[ -s "$out" ]
}

# check_dtc DTB NAME: dtb.sh's.
here=$(cd "$(dirname "$0")" && pwd)
source <(sed -n '/^check_dtc() {/,/^}/p' "$here/dtb.sh")

# has NAME DTS PATTERN WHAT: the dts has a line matching PATTERN.
has() {
	if grep -q -- "$3" "$2"; then
		ok "$1: $4: $(grep -m1 -- "$3" "$2" | sed 's/^[[:space:]]*//')"
	else
		not_ok "$1: no $4 (no line matching '$3')"
	fi
}

if dump "$TMP/iommu.dtb" -c 2 --iommu --rng=transport=pci \
	--console virtio,transport=mmio; then
	dts=$TMP/iommu.dtb.dts
	check_dtc "$TMP/iommu.dtb" iommu
	n=$(grep -c 'enable-method = "psci"' "$dts")
	[ "$n" -eq 2 ] && ok "iommu: 2 cpu nodes brought up by PSCI for -c 2" ||
		not_ok "iommu: $n cpu nodes with enable-method psci for -c 2"
	has iommu "$dts" 'compatible = "arm,psci-0.2' "a PSCI 0.2 node"
	has iommu "$dts" 'compatible = "arm,gic-v3"' "a GICv3"
	has iommu "$dts" 'compatible = "arm,gic-v3-its"' "an ITS"
	has iommu "$dts" 'compatible = "arm,armv8-timer"' "the architected timer"
	has iommu "$dts" 'compatible = "ns16550a"' "the 8250"
	has iommu "$dts" 'compatible = "pci-host-ecam-generic"' "an ECAM host bridge"
	# The PCI host's requester IDs 0-255: ITS device IDs 0-255, virtio-iommu
	# endpoints 0x10000 on (iovm's PCI_IOMMU_ENDPOINT_BASE).
	its=$(sed -n '/its@/,/}/s/.*phandle = <\(0x[0-9a-f]*\)>.*/\1/p' "$dts")
	viommu=$(sed -n '/#iommu-cells/,/}/s/.*phandle = <\(0x[0-9a-f]*\)>.*/\1/p' "$dts")
	has iommu "$dts" "msi-map = <0x00 $its 0x00 0x100>" "msi-map to the ITS"
	has iommu "$dts" "iommu-map = <0x00 $viommu 0x10000 0x100>" "iommu-map to the virtio-iommu"
	links=$(grep -c "iommus = <$viommu " "$dts")
	[ "$links" -eq 1 ] && ok "iommu: the virtio-mmio console has its iommus link" ||
		not_ok "iommu: $links iommus links, expected 1 (the virtio-mmio console)"
	sed -n '/pcie@/,/};/p; /iommu@/,/};/p' "$dts" | sed 's/^/#   /'
else
	not_ok "iommu: no dump: $(cat "$TMP/err")"
fi

if dump "$TMP/plain.dtb" --rng=transport=pci; then
	dts=$TMP/plain.dtb.dts
	check_dtc "$TMP/plain.dtb" plain
	if ! grep -q 'iommu-map\|iommus\|#iommu-cells' "$dts" &&
	   grep -q 'msi-map' "$dts"; then
		ok "plain: without --iommu no IOMMU node, map or link; msi-map all the same"
	else
		not_ok "plain: IOMMU properties without --iommu, or no msi-map"
	fi
else
	not_ok "plain: no dump: $(cat "$TMP/err")"
fi

# A kernel that is not an arm64 Image: one line naming it, exit 1 (as a
# bad kernel on x86).
head -c 4096 /dev/zero > "$TMP/notimage"
IOVM_KVM_DEVICE=/nonexistent/kvm "${run[@]}" run -k "$TMP/notimage" \
	< /dev/null > /dev/null 2> "$TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
   grep -q 'kernel .*/notimage: not an arm64 Image' "$TMP/err"; then
	ok "not an Image: exit 1, $(cat "$TMP/err")"
else
	not_ok "not an Image: exit $rc, $(cat "$TMP/err")"
fi

echo "dtb-arm64: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
