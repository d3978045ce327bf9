#!/usr/bin/env bash
# Prototype: a guest on Debian's own, unmodified 6.12 amd64 kernel, which
# reads ACPI (no device tree): iovm's default description.
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/stock-<hash>/ holding
#   vmlinuz             the package's kernel, as it is
#   initramfs.cpio.gz   busybox-static, the package's virtio_mmio,
#                       virtio-iommu, virtio_blk and pvpanic modules
#                       (decompressed from .ko.xz for busybox insmod), /init
# stdout carries only the absolute path of that directory; logs go to stderr.
#
#   d=$(guest-images/build-stock-initramfs.sh)
#   tests/harness/run --share "$PWD" --share "$d" -- ./iovm run \
#       -k "$d/vmlinuz" -i "$d/initramfs.cpio.gz" -m 512 --iommu \
#       -d disk.img -d disk2.img,ro -p "noxsave stock.end=poweroff"
#
# /init loads the modules, waits for the disks, prints what the kernel
# said about ACPI, the VIOT, virtio and IOMMU groups, reads the first disk,
# writes sector 1 of it, tries to write the second (read-only) one, and
# ends with `poweroff -f` (stock.end=poweroff, the default) or `reboot -f`
# (stock.end=reboot), both of which must end iovm with status 0, or a
# crash (stock.end=panic), which pvpanic reports: status 3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
busybox=/bin/busybox
modules=(kernel/drivers/virtio/virtio_mmio kernel/drivers/iommu/virtio-iommu
	 kernel/drivers/block/virtio_blk kernel/drivers/misc/pvpanic/pvpanic
	 kernel/drivers/misc/pvpanic/pvpanic-mmio)

log() { echo "build-stock-initramfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$busybox" ] || die "$busybox is missing (apt-get install busybox-static)"
# The newest 6.12 amd64 kernel package the archive offers.
pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-amd64-unsigned$' |
	cut -d' ' -f1 | sort -V | tail -n 1)
[ -n "$pkg" ] || die "no linux-image-6.12.*+deb12-amd64-unsigned in the apt archive (apt-get update?)"
version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')

hash=$({ echo "$pkg $version"; dpkg-query -W -f='${Version}\n' busybox-static
	 cat "$self"; } | sha256sum | cut -c1-16)
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
out=$cache/stock-$hash
if [ -f "$out/initramfs.cpio.gz" ]; then
	echo "$out"
	exit 0
fi

kdir=$("$here/build-kernel.sh")	# for gen_init_cpio only (cached)
exec 9>"$out.lock"
flock 9
rm -rf "$out".tmp.*
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log "downloading $pkg $version"
(cd "$tmp" && apt-get download "$pkg=$version" >&2)
dpkg-deb -x "$tmp"/*.deb "$tmp/pkg"
kver=$(ls "$tmp/pkg/lib/modules")
cp "$tmp/pkg/boot/vmlinuz-$kver" "$tmp/vmlinuz"

stage=$tmp/stage
mkdir -p "$stage"
for m in "${modules[@]}"; do
	xz -dc "$tmp/pkg/lib/modules/$kver/$m.ko.xz" > "$stage/$(basename "$m").ko"
done
cat > "$stage/init" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "stock-guest: $*"; }
say "kernel $(uname -r), ACPI tables: $(ls /sys/firmware/acpi/tables | tr '\n' ' ')"
for m in virtio_mmio virtio-iommu virtio_blk pvpanic pvpanic-mmio; do
	insmod "/lib/modules/$m.ko" || say "insmod $m failed"
done
# The disks appear once their drivers probed (after the IOMMU's, for
# endpoints): wait for them, at most 60 s.
want=$(ls /sys/bus/platform/devices | grep -c LNRO0005)
i=0
while [ "$(ls /sys/block | grep -c '^vd')" -lt 1 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
dmesg | grep -iE 'acpi|viot|virtio|iommu|pvpanic|LNRO|QEMU0001|serial|ttyS' |
	sed 's/^/stock-guest: dmesg: /'
say "platform devices: $(ls /sys/bus/platform/devices | tr '\n' ' ')"
say "$want LNRO0005 devices; virtio devices: $(ls /sys/bus/virtio/devices | tr '\n' ' ')"
for d in /sys/bus/virtio/devices/*; do
	say "$(basename "$d"): device id $(cat "$d/device"), driver $(basename "$(readlink "$d/driver")")"
done
for g in /sys/kernel/iommu_groups/*; do
	[ -d "$g" ] || continue
	say "IOMMU group $(basename "$g"): type $(cat "$g/type"), devices $(ls "$g/devices" | tr '\n' ' ')"
done
if [ -b /dev/vda ]; then
	say "vda says: $(head -c 64 /dev/vda | tr -d '\0')"
	printf 'stock-guest wrote this\n' > /tmp/w
	dd if=/tmp/w of=/dev/vda bs=512 seek=1 conv=sync,fsync 2>/dev/null &&
		say "vda: wrote sector 1" || say "vda: write failed"
	echo 3 > /proc/sys/vm/drop_caches
	say "vda sector 1 reads back: $(dd if=/dev/vda bs=512 skip=1 count=1 2>/dev/null | tr -d '\0')"
fi
if [ -b /dev/vdb ]; then
	say "vdb read-only flag: $(cat /sys/block/vdb/ro)"
	dd if=/tmp/w of=/dev/vdb bs=512 seek=1 conv=sync,fsync 2>/dev/null &&
		say "vdb: the write went through" ||
		say "vdb: the write was refused"
fi
end=poweroff
for arg in $(cat /proc/cmdline); do
	case "$arg" in stock.end=*) end=${arg#stock.end=} ;; esac
done
say "done, $end"
if [ "$end" = panic ]; then
	echo c > /proc/sysrq-trigger
else
	"$end" -f
fi
sleep 1000000
EOF
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in /proc /sys /tmp /bin /sbin /usr /usr/bin /usr/sbin /lib /lib/modules; do
		echo "dir $d 0755 0 0"
	done
	echo "file /init $stage/init 0755 0 0"
	echo "file /bin/busybox $busybox 0755 0 0"
	"$busybox" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] && continue
		echo "slink /$applet /bin/busybox 0777 0 0"
	done
	for f in "$stage"/*.ko; do
		echo "file /lib/modules/$(basename "$f") $f 0644 0 0"
	done
} > "$tmp/initramfs.list"
"$kdir/gen_init_cpio" -t 0 "$tmp/initramfs.list" | gzip -9 -n > "$tmp/initramfs.cpio.gz"
rm -rf "$stage" "$tmp/pkg" "$tmp"/*.deb
mv -T "$tmp" "$out" && trap - EXIT
log "$kver: $(du -h "$out/vmlinuz" | cut -f1) kernel, $(du -h "$out/initramfs.cpio.gz" | cut -f1) initramfs in $out"
echo "$out"
