#!/usr/bin/env bash
# Debian's fio for the test guests, on a disk of its own: the guests' busybox
# initramfs has no C library, and fio links 64 shared ones (81 MB, most of
# them ceph's and ICU's, which fio loads whether a job uses them or not).
# They go, with fio, on an ext2 image that the guest mounts read-only; the
# guest reads only the pages it runs.
#
# usage: guest-images/build-fio.sh [6.12|6.1]
#   no argument  for the project's own kernel (build-kernel.sh), which has
#                ext2 built in (and the SysV IPC and AIO that fio needs)
#   6.12|6.1     for build-stock.sh's guest on that Debian kernel, whose
#                ext2 (the ext4 driver) is a module: the result also holds
#                that guest with the modules added to its initramfs
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/fio-<hash>/ holding
#   fio.img     ext2: /fio (run this: a wrapper that starts bin/fio with
#               lib/'s loader and libraries), /bin/fio, /lib/*, /version
#   version     fio's package version and what the image holds
# or, with a series, fio-stock-<kernel version>-<hash>/ holding fio.img,
#   vmlinuz             build-stock.sh's kernel
#   initramfs.cpio.gz   build-stock.sh's archive, then one with the modules
#                       that mount ext2, as /lib/modules/ext2/NAME.ko, and
#                       /lib/modules/ext2/load, the order to insmod them in
#                       (/init does not load them: the test that mounts the
#                       image does)
# stdout carries only the absolute path of that directory; logs go to stderr.
#
# In the guest (the image as its second disk, say; its ext2 label is fio-tools):
#   mount -t ext2 -o ro /dev/vdb /mnt && /mnt/fio --version
#
# Needs fio installed on this machine (apt-get install fio): its libraries
# are the ones ldd finds here. The modules need the apt package lists, as
# build-stock.sh does; nothing needs root.
set -euo pipefail
export LC_ALL=C		# newc.sh measures names in bytes

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")

log() { echo "build-fio: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "${1:-}" in
'' | 6.12 | 6.1) series=${1:-} ;;
*) die "usage: build-fio.sh [6.12|6.1] (a Debian kernel series, or nothing for the project's kernel; got '$1')" ;;
esac

fio=/usr/bin/fio
fio_version=$(dpkg-query -W -f='${Version}' fio 2>/dev/null) ||
	die "Debian package fio is not installed (apt-get install fio)"
[ -x "$fio" ] || die "$fio is missing; reinstall fio"
command -v mke2fs >/dev/null || die "mke2fs not found: install e2fsprogs"

cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# shellcheck source=guest-images/newc.sh
. "$here/newc.sh"

# shellcheck source=guest-images/cached.sh
. "$here/cached.sh"

# fio's libraries as ldd resolves them here: "NAME PATH" per line, the
# program loader (whose name is a path) as ld-linux-x86-64.so.2.
libs=$(ldd "$fio" | sed -n \
	-e 's|^[[:space:]]*\([^[:space:]]*\) => \(/[^[:space:]]*\) (0x.*|\1 \2|p' \
	-e 's|^[[:space:]]*\(/[^[:space:]]*/\)\([^/[:space:]]*\) (0x.*|\2 \1\2|p')
if ldd "$fio" | grep -q 'not found'; then
	die "ldd $fio cannot find some of its libraries: $(ldd "$fio" | grep 'not found' | tr -s ' \t\n' ' ')"
fi
echo "$libs" | grep -q '^ld-linux' || die "ldd $fio names no program loader"

# The image, keyed by fio's version, each library (path, size, time) and
# this script.
fio_key=$({
	echo "fio $fio_version"
	mke2fs -V 2>&1 | head -n 1
	while read -r _ path; do
		stat -L -c '%n %s %Y' "$path"
	done <<<"$libs"
	cat "$self"
} | sha256sum | cut -c1-16)
fdir=$cache/fio-$fio_key

build_image() {
	local tmp=$1 stage=$1/stage name path kib
	mkdir -p "$stage/bin" "$stage/lib"
	cp "$fio" "$stage/bin/fio"
	while read -r name path; do
		cp -L "$path" "$stage/lib/$name"
	done <<<"$libs"
	cat >"$stage/fio" <<'EOF'
#!/bin/sh
# Debian's fio with the libraries beside it, wherever this image is mounted.
d=${0%/*}
exec "$d/lib/ld-linux-x86-64.so.2" --library-path "$d/lib" "$d/bin/fio" "$@"
EOF
	chmod 755 "$stage/fio"
	echo "fio $fio_version with $(wc -l <<<"$libs") libraries from this machine" \
		>"$stage/version"
	cp "$stage/version" "$tmp/version"
	# Room for the files, their inodes and the block maps: 10% and 4 MiB.
	kib=$(du -sk "$stage" | cut -f1)
	kib=$((kib + kib / 10 + 4096))
	: >"$tmp/fio.img"
	mke2fs -q -F -t ext2 -b 4096 -m 0 -L fio-tools -E root_owner=0:0 \
		-d "$stage" "$tmp/fio.img" "${kib}k" >&2 ||
		die "mke2fs could not write the image"
	rm -rf "$stage"
	log "fio $fio_version: $(du -h "$tmp/fio.img" | cut -f1) ext2 image in $fdir"
}
cached "$fdir" fio.img build_image

if [ -z "$series" ]; then
	echo "$fdir"
	exit 0
fi

# A stock guest: its kernel package's modules for ext2, added to its
# initramfs. build-stock.sh chose the package; its version file names it.
sdir=$("$here/build-stock.sh" "$series")
read -r pkg version <"$sdir/version"
kver=${pkg#linux-image-}
kver=${kver%-unsigned}
mdir=$cache/fio-ext2-$kver-$({
	echo "$pkg $version"
	cat "$self" "$here/newc.sh" "$here/cached.sh"
} | sha256sum | cut -c1-16)

# The modules that mount ext2 and what they need, in load order, as kmod
# resolves them (depmod on the package's tree), and the checksum driver
# that ext4 asks for at every mount. Its soft dependency names that driver
# by an alias that crc32c-intel answers too, which does not load on a CPU
# without SSE4.2 (QEMU's kvm64): soft dependencies are left out, and the
# portable crc32c_generic is named instead.
build_modules() {
	local tmp=$1 deb root=$1/pkg stage=$1/stage deps line file name order=()
	log "downloading $pkg $version for its ext2 modules"
	(cd "$tmp" && apt-get download "$pkg=$version" 2>&1 |
		grep -v 'Download is performed unsandboxed' >&2) || true
	deb=$(ls "$tmp"/*.deb 2>/dev/null) ||
		die "apt-get download $pkg=$version fetched nothing (apt says why" \
			"above; stale package lists? as root, run 'apt-get update')"
	mkdir -p "$root" "$stage/lib/modules/ext2"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" "./lib/modules/$kver" ||
		die "$deb has no lib/modules/$kver"
	rm -f "$deb"
	depmod -b "$root" "$kver" || die "depmod failed on $pkg's modules"
	rm -f "$root/lib/modules/$kver/modules.softdep"
	deps=$(modprobe -d "$root" -S "$kver" --show-depends -a crc32c_generic ext2) ||
		die "$pkg has no module for ext2 or crc32c (modprobe --show-depends failed)"
	while read -r line; do
		case "$line" in
		builtin\ *) continue ;;
		insmod\ *) file=${line#insmod } ;;
		*) die "modprobe --show-depends said '$line' (expected insmod or builtin lines)" ;;
		esac
		file=${file%% *}
		name=${file##*/}
		name=${name%%.ko*}
		case " ${order[*]} " in
		*" $name "*) continue ;;	# a dependency of both
		esac
		case "$file" in
		*.ko) cp "$file" "$stage/lib/modules/ext2/$name.ko" ;;
		*.ko.xz) xz -dc "$file" >"$stage/lib/modules/ext2/$name.ko" ;;
		*.ko.zst) zstd -qdc "$file" >"$stage/lib/modules/ext2/$name.ko" ;;
		*) die "cannot unpack $file" ;;
		esac
		order+=("$name")
	done <<<"$deps"
	printf '%s\n' "${order[@]}" >"$stage/lib/modules/ext2/load"
	{ cpio_tree "$stage"; cpio_trailer; } | gzip -9 -n >"$tmp/ext2.cpio.gz"
	rm -rf "$root" "$stage"
	log "$kver: ext2 through ${order[*]:-built-in drivers}"
}
cached "$mdir" ext2.cpio.gz build_modules

out=$cache/fio-stock-$kver-$(echo "$sdir $mdir $fdir" | sha256sum | cut -c1-16)
build_guest() {
	local f
	for f in "$sdir/vmlinuz" "$fdir/fio.img"; do
		ln "$f" "$1/${f##*/}" 2>/dev/null || cp "$f" "$1/${f##*/}"
	done
	cat "$sdir/initramfs.cpio.gz" "$mdir/ext2.cpio.gz" >"$1/initramfs.cpio.gz"
	{ cat "$sdir/version"; cat "$fdir/version"; } >"$1/version"
	log "$(head -n 1 "$1/version"), ext2 modules and fio in $out"
}
cached "$out" initramfs.cpio.gz build_guest
echo "$out"
