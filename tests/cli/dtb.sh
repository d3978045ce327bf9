#!/bin/bash
# The device tree iovm gives the guest, as `--dump-dtb` writes it: dtc must
# read it back without a warning, and it must carry the virtio-iommu node
# and each endpoint's iommus link (and none for a disk with iommu=off).
# Runs anywhere: the dump is written before KVM is opened, and pointing
# IOVM_KVM_DEVICE at nothing stops iovm right after.
#
# usage: tests/cli/dtb.sh ./iovm
set -uo pipefail

IOVM=$(realpath "${1:-./iovm}")
here=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/iovm-dtb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

# A loadable kernel image: the fake bzImage of errors.sh.
source <(sed -n '/^fake_kernel() {/,/^}/p' "$here/errors.sh")
fake_kernel "$TMP/bzImage" '\x0f\x02' '\x01\x00'
truncate -s 1M "$TMP/a.img" "$TMP/b.img" "$TMP/c.img"

dump() {
	local out=$1; shift
	IOVM_KVM_DEVICE=/nonexistent/kvm "$IOVM" run -k "$TMP/bzImage" --dt \
		--dump-dtb "$out" "$@" < /dev/null > /dev/null 2> "$TMP/err"
	[ -s "$out" ]
}

check_dtc() {
	local dtb=$1 name=$2
	if ! dtc -I dtb -O dts -o "$dtb.dts" "$dtb" 2> "$TMP/dtc.err"; then
		not_ok "$name: dtc cannot read it: $(cat "$TMP/dtc.err")"
		return 1
	fi
	if [ -s "$TMP/dtc.err" ]; then
		not_ok "$name: dtc warns:"; sed 's/^/#   /' "$TMP/dtc.err"
		return 1
	fi
	ok "$name: dtc reads it without a warning"
}

if dump "$TMP/plain.dtb" -c 4; then
	check_dtc "$TMP/plain.dtb" "plain"
	n=$(grep -c 'device_type = "cpu"' "$TMP/plain.dtb.dts")
	[ "$n" -eq 4 ] && ok "plain: 4 cpu nodes for -c 4" ||
		not_ok "plain: $n cpu nodes for -c 4"
else
	not_ok "plain: no dump: $(cat "$TMP/err")"
fi

if dump "$TMP/iommu.dtb" --iommu --rng -d "$TMP/a.img" -d "$TMP/b.img" \
	-d "$TMP/c.img,iommu=off"; then
	check_dtc "$TMP/iommu.dtb" "iommu"
	dts=$TMP/iommu.dtb.dts
	viommu=$(grep -c '#iommu-cells = <0x01>' "$dts")
	links=$(grep -c 'iommus = ' "$dts")
	phandle=$(sed -n '/#iommu-cells/,/}/s/.*phandle = <\(0x[0-9a-f]*\)>.*/\1/p' "$dts")
	if [ "$viommu" -eq 1 ] && [ "$links" -eq 3 ] &&
	   [ -n "$phandle" ] && [ "$(grep -c "iommus = <$phandle " "$dts")" -eq 3 ]; then
		ok "iommu: one virtio-iommu node, iommus links for the 2 disks and the RNG, none for iommu=off"
		grep -B4 'iommus = ' "$dts" | grep -E 'virtio@|iommus' | sed 's/^/#   /'
	else
		not_ok "iommu: $viommu iommu node(s), $links iommus link(s), expected 1 and 3"
	fi
else
	not_ok "iommu: no dump: $(cat "$TMP/err")"
fi

echo "dtb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
