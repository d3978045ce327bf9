#!/usr/bin/env bash
# A guest on a Debian kernel as Debian ships it: the newest kernel of a
# series that the apt archive offers for an architecture, unmodified, with
# the test initramfs plus the modules its drivers are in. The amd64 kernel
# reads iovm's ACPI tables (boot it without --dt); the arm64 one reads a
# device tree, as every arm64 kernel does.
#
# usage: guest-images/build-stock.sh 6.12|6.1 [x86_64|arm64]  (default x86_64)
#   6.12  linux-image-6.12.*+deb12-<arch>-unsigned (bookworm-security or
#         -backports): virtio-mmio, virtio-iommu (VIOT on amd64, the DT's
#         iommus/iommu-map on arm64), virtio-blk, ...
#   6.1   linux-image-6.1.0-*-<arch>-unsigned, Debian 12's own kernel; it
#         has no virtio-iommu driver: boot it without --iommu.
# arm64 packages need dpkg to know the architecture (apt-fetch.sh says how).
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/stock-<kernel version>-<hash>/
#   vmlinuz             the package's kernel, byte for byte (on arm64 an
#                       uncompressed Image)
#   initramfs.cpio.gz   build-initramfs.sh's archive (the same /init, tests
#                       and helpers as the project's own guest), followed
#                       by a second one with /lib/modules/*.ko (decompressed
#                       for busybox's insmod) and /lib/modules/load, the
#                       order /init loads them in
#   version             the package's name and version
# The kernel and the modules' archive are kept apart in
# stock-kernel-<kernel version>-<hash>/, so a change to the test initramfs
# does not download the package again.
# stdout carries only the absolute path of that directory; logs go to stderr.
#
#   d=$(guest-images/build-stock.sh 6.12)
#   ./iovm run -k "$d/vmlinuz" -i "$d/initramfs.cpio.gz" -c 2 -m 256 \
#       --iommu -d disk.img -p "iovm.run=demo"
#
# The download needs the apt package lists (apt-get update), not root.
set -euo pipefail
export LC_ALL=C		# newc.sh measures names in bytes

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")

log() { echo "build-stock: $*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=guest-images/apt-fetch.sh
. "$here/apt-fetch.sh"
# shellcheck source=guest-images/kmods.sh
. "$here/kmods.sh"

# The drivers a guest of iovm's devices needs, in load order: virtio_mmio
# first, since the others bind through it (endpoints behind the
# virtio-iommu wait for its driver, so its place does not matter). On
# 6.12, VFIO too (vfio-pci, and the type1 IOMMU backend that VFIO asks
# for by name): a guest program can take a virtio-pci disk.
# Dependencies (virtio, virtio_ring, pvpanic) are found and put first.
# arm64 guests also have virtio-pci (built into 6.12, a module in 6.1);
# Debian's arm64 kernels have no pvpanic.
case "${1:-}" in
6.12|6.1) series=$1 ;;
*) die "usage: build-stock.sh 6.12|6.1 [x86_64|arm64] (the Debian kernel series; got '${1:-}')" ;;
esac
arch=${2:-x86_64}
debarch=$(deb_arch "$arch")
modules=(virtio_mmio)
[ "$debarch" = arm64 ] && modules+=(virtio_pci)
[ "$series" = 6.12 ] && modules+=(virtio_iommu)
modules+=(virtio_blk virtio_rng virtio_console)
[ "$debarch" = amd64 ] && modules+=(pvpanic_mmio)
[ "$series" = 6.12 ] && modules+=(vfio_iommu_type1 vfio_pci)

# The newest package of the series the archive offers.
pkg=$(deb_kernel "$series" "$debarch")
version=$(deb_candidate "$pkg" "$debarch")

kver=${pkg#linux-image-}
kver=${kver%-unsigned}
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# shellcheck source=guest-images/newc.sh
. "$here/newc.sh"

# shellcheck source=guest-images/cached.sh
. "$here/cached.sh"

# The kernel and its modules' archive, keyed by the package (its name holds
# the kernel's version, its version Debian's revision), the module list,
# this script and the cpio writer: downloaded once.
build_kernel() {
	local tmp=$1 mdir stage
	log "downloading $pkg $version"
	mkdir "$tmp/pkg"
	deb_unpack "$pkg" "$debarch" "$version" "$tmp/pkg"
	mdir=$tmp/pkg/lib/modules/$kver
	if [ ! -f "$tmp/pkg/boot/vmlinuz-$kver" ] ||
	   [ ! -f "$mdir/modules.builtin" ]; then
		die "$pkg has no boot/vmlinuz-$kver or lib/modules/$kver/modules.builtin"
	fi
	cp "$tmp/pkg/boot/vmlinuz-$kver" "$tmp/vmlinuz"
	stage=$tmp/stage
	kmod_collect "$mdir" "$stage/lib/modules" "${modules[@]}"
	{ cpio_tree "$stage"; cpio_trailer; } | gzip -9 -n >"$tmp/modules.cpio.gz"
	echo "$pkg $version" >"$tmp/version"
	rm -rf "$stage" "$tmp/pkg"
	log "$kver: modules ${kmod_order[*]}${kmod_builtin_used:+; built in:$kmod_builtin_used}"
}
kdir=$cache/stock-kernel-$kver-$({
	echo "$pkg $version"
	echo "${modules[*]}"
	cat "$self" "$here/newc.sh" "$here/cached.sh" "$here/apt-fetch.sh" "$here/kmods.sh"
} | sha256sum | cut -c1-16)
cached "$kdir" modules.cpio.gz build_kernel

# The guest: that kernel, and the test initramfs (the same /init, tests and
# helpers as the project's own guest) followed by the modules' archive,
# which the kernel unpacks after it. Keyed by both (the test initramfs's
# directory name is its own hash).
idir=$("$here/build-initramfs.sh" "$arch")
out=$cache/stock-$kver-$(echo "$kdir $idir" | sha256sum | cut -c1-16)
build_guest() {
	ln "$kdir/vmlinuz" "$1/vmlinuz" 2>/dev/null ||
		cp "$kdir/vmlinuz" "$1/vmlinuz"
	cp "$kdir/version" "$1/version"
	cat "$idir/initramfs.cpio.gz" "$kdir/modules.cpio.gz" \
		>"$1/initramfs.cpio.gz"
	log "$(cat "$1/version") ($series series):" \
		"$(du -h "$1/vmlinuz" | cut -f1) kernel," \
		"$(du -h "$1/initramfs.cpio.gz" | cut -f1) initramfs in $out"
}
cached "$out" initramfs.cpio.gz build_guest
echo "$out"
