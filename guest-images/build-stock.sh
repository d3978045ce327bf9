#!/usr/bin/env bash
# A guest on a Debian kernel as Debian ships it: the newest amd64 kernel of
# a series that the apt archive offers, unmodified, which reads iovm's ACPI
# tables (boot it without --dt), with the test initramfs plus the modules
# its drivers are in.
#
# usage: guest-images/build-stock.sh 6.12|6.1
#   6.12  linux-image-6.12.*+deb12-amd64-unsigned (bookworm-security or
#         -backports): virtio-mmio, virtio-iommu (VIOT), virtio-blk, ...
#   6.1   linux-image-6.1.0-*-amd64-unsigned, Debian 12's own kernel; it
#         has no virtio-iommu driver: boot it without --iommu.
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/stock-<kernel version>-<hash>/
#   vmlinuz             the package's kernel, byte for byte
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

# The drivers a guest of iovm's devices needs, in load order: virtio_mmio
# first, since the others bind through it (endpoints behind the
# virtio-iommu wait for its driver, so its place does not matter). On
# 6.12, VFIO too (vfio-pci, and the type1 IOMMU backend that VFIO asks
# for by name): a guest program can take a virtio-pci disk.
# Dependencies (virtio, virtio_ring, pvpanic) are found and put first.
case "${1:-}" in
6.12)
	pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'
	modules=(virtio_mmio virtio_iommu virtio_blk virtio_rng virtio_console
		 pvpanic_mmio vfio_iommu_type1 vfio_pci)
	;;
6.1)
	pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
	modules=(virtio_mmio virtio_blk virtio_rng virtio_console pvpanic_mmio)
	;;
*)
	die "usage: build-stock.sh 6.12|6.1 (the Debian kernel series; got '${1:-}')"
	;;
esac
series=$1

# The newest package of the series the archive offers.
pkg=$(apt-cache search --names-only "$pattern" | cut -d' ' -f1 | sort -V |
	tail -n 1)
if [ -z "$pkg" ]; then
	lists=/var/lib/apt/lists
	eval "$(apt-config shell lists Dir::State::Lists/d)"
	if ! compgen -G "$lists/*_Packages*" >/dev/null; then
		die "apt has no package lists (a fresh machine?): as root, run 'apt-get update'"
	fi
	die "the apt package lists offer no package matching $pattern;" \
		"Debian 12 has the 6.12 kernels in bookworm-security and bookworm-backports:" \
		"add one to /etc/apt/sources.list(.d) and, as root, run 'apt-get update'"
fi
version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	die "apt-cache policy $pkg shows no candidate version"
fi

kver=${pkg#linux-image-}
kver=${kver%-unsigned}
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# shellcheck source=guest-images/newc.sh
. "$here/newc.sh"

# shellcheck source=guest-images/cached.sh
. "$here/cached.sh"

# Module names as modinfo gives them ('-' read as '_'), from a file name.
modname() {
	local n=${1##*/}
	n=${n%%.ko*}
	echo "${n//-/_}"
}

# add_module NAME: its dependencies, then itself, decompressed into
# $stage/lib/modules/NAME.ko and appended to $order; nothing for a driver
# built into the kernel.
declare -A file_of=() builtin=() added=()
order=()
builtin_used=
add_module() {
	local name=${1//-/_} file dep
	[ -z "${added[$name]:-}" ] || return 0
	added[$name]=1
	if [ -n "${builtin[$name]:-}" ]; then
		builtin_used+=" $name"
		return 0
	fi
	file=${file_of[$name]:-}
	[ -n "$file" ] || die "$pkg has no module $name, built in or loadable"
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		add_module "$dep"
	done
	case "$file" in
	*.ko) cp "$file" "$stage/lib/modules/$name.ko" ;;
	*.ko.xz) xz -dc "$file" >"$stage/lib/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$file" >"$stage/lib/modules/$name.ko" ;;
	*) die "cannot unpack $file" ;;
	esac
	order+=("$name")
}

# The kernel and its modules' archive, keyed by the package (its name holds
# the kernel's version, its version Debian's revision), the module list,
# this script and the cpio writer: downloaded once.
build_kernel() {
	local tmp=$1 deb mdir f m
	log "downloading $pkg $version"
	(cd "$tmp" && apt-get download "$pkg=$version" 2>&1 |
		grep -v 'Download is performed unsandboxed' >&2) || true
	deb=$(ls "$tmp"/*.deb 2>/dev/null) ||
		die "apt-get download $pkg=$version fetched nothing (apt says why" \
			"above; stale package lists? as root, run 'apt-get update')"
	dpkg-deb -x "$deb" "$tmp/pkg"
	rm -f "$deb"
	mdir=$tmp/pkg/lib/modules/$kver
	if [ ! -f "$tmp/pkg/boot/vmlinuz-$kver" ] ||
	   [ ! -f "$mdir/modules.builtin" ]; then
		die "$pkg has no boot/vmlinuz-$kver or lib/modules/$kver/modules.builtin"
	fi
	cp "$tmp/pkg/boot/vmlinuz-$kver" "$tmp/vmlinuz"
	while IFS= read -r f; do
		file_of[$(modname "$f")]=$f
	done < <(find "$mdir/kernel" -name '*.ko*')
	while IFS= read -r f; do
		builtin[$(modname "$f")]=1
	done <"$mdir/modules.builtin"

	stage=$tmp/stage
	mkdir -p "$stage/lib/modules"
	for m in "${modules[@]}"; do
		add_module "$m"
	done
	printf '%s\n' "${order[@]}" >"$stage/lib/modules/load"
	{ cpio_tree "$stage"; cpio_trailer; } | gzip -9 -n >"$tmp/modules.cpio.gz"
	echo "$pkg $version" >"$tmp/version"
	rm -rf "$stage" "$tmp/pkg"
	log "$kver: modules ${order[*]}${builtin_used:+; built in:$builtin_used}"
}
kdir=$cache/stock-kernel-$kver-$({
	echo "$pkg $version"
	echo "${modules[*]}"
	cat "$self" "$here/newc.sh" "$here/cached.sh"
} | sha256sum | cut -c1-16)
cached "$kdir" modules.cpio.gz build_kernel

# The guest: that kernel, and the test initramfs (the same /init, tests and
# helpers as the project's own guest) followed by the modules' archive,
# which the kernel unpacks after it. Keyed by both (the test initramfs's
# directory name is its own hash).
idir=$("$here/build-initramfs.sh")
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
