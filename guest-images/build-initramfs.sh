#!/usr/bin/env bash
# Build the iovm test initramfs: busybox-static, /init, the static C helpers
# from src/ (in /bin) and the test scripts from tests/ (in /tests).
#
# usage: guest-images/build-initramfs.sh [x86_64|arm64]   (default x86_64)
#   x86_64  this machine's busybox-static, helpers built with gcc
#   arm64   busybox-static:arm64 from apt's lists (apt-fetch.sh; it says
#           what to run when dpkg does not know arm64 yet), helpers built
#           with Debian's cross compiler, gcc-aarch64-linux-gnu
#
# A helper is either one file, src/NAME.c, or a folder of them, src/NAME/
# (its .c files compiled together, its headers beside them): both become
# /bin/NAME.
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/initramfs-<hash>/ (x86_64) or
# initramfs-arm64-<hash>/ holding
#   initramfs.cpio.gz   the archive to pass as the guest's initrd
# stdout carries only the absolute path of that directory; logs go to stderr.
#
# The archive is written by newc.sh, which makes the device nodes without
# root; nothing here needs the guest kernel, nor runs anything built for the
# guest (/init links busybox's applets at boot).
set -euo pipefail
export LC_ALL=C		# newc.sh measures names in bytes

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")

log() { echo "build-initramfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
		die "Debian package $1 is not installed (apt-get install $1)"
}

# shellcheck source=guest-images/apt-fetch.sh
. "$here/apt-fetch.sh"

# What differs between the architectures: the compiler and C library of the
# helpers, where busybox comes from, and what identifies that busybox.
arch=${1:-x86_64}
case $arch in
x86_64)
	cc=gcc
	libc=libc6-dev
	busybox=/bin/busybox
	[ -x "$busybox" ] || die "$busybox is missing; reinstall busybox-static"
	bb_key="busybox-static $(pkg_version busybox-static)"
	entry=initramfs
	;;
arm64)
	cc=aarch64-linux-gnu-gcc
	libc=libc6-dev-arm64-cross
	command -v "$cc" >/dev/null ||
		die "$cc not found (apt-get install gcc-aarch64-linux-gnu)"
	busybox=	# fetched when the archive is built
	# apt's lists, not a query: a warm run asks apt nothing; a new list
	# (apt-get update) may bring a new busybox, so it rebuilds.
	bb_key="busybox-static:arm64 from $(deb_lists_key arm64)" || exit
	entry=initramfs-arm64
	;;
*)
	die "usage: build-initramfs.sh [x86_64|arm64] (the guest's architecture; got '$arch')"
	;;
esac
libc_version=$(pkg_version "$libc")
shopt -s nullglob
helpers=("$here"/src/*.c)
helper_dirs=("$here"/src/*/)
tests=("$here"/tests/*.sh)
shopt -u nullglob
# Every file the helpers are built from, in a fixed order: theirs, and
# the test device's interface they share with iovm.
mapfile -t helper_sources < <(find "$here/src" -type f \( -name '*.c' -o -name '*.h' \) |
	LC_ALL=C sort)
helper_sources+=("$here/../kvm/testdev_abi.h")

# The cache key: everything that ends up in the archive, and the versions of
# what builds it (busybox itself, the compiler and C library of the helpers).
hash=$(
	{
		echo "$bb_key"
		echo "$libc $libc_version"
		"$cc" --version | head -n 1
		for f in "$self" "$here/newc.sh" "$here/init" \
			"${helper_sources[@]}" "${tests[@]}"; do
			echo "== ${f#"$here"/}"
			cat "$f"
		done
	} | sha256sum | cut -c1-16
)

cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
out=$cache/$entry-$hash

if [ -f "$out/initramfs.cpio.gz" ]; then
	echo "$out"
	exit 0
fi

# shellcheck source=guest-images/newc.sh
. "$here/newc.sh"

# Same scheme as build-kernel.sh: one build per hash, in a temp dir renamed
# at the end, so no half-written cache entry is ever visible.
exec 9>"$out.lock"
flock 9
if [ -f "$out/initramfs.cpio.gz" ]; then
	echo "$out"
	exit 0
fi
rm -rf "$out".tmp.*
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The archive's tree, staged under $tmp.
stage=$tmp/stage
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,tests}
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
cp "${tests[@]}" "$stage/tests/"
chmod 755 "$stage"/tests/*
compile() {
	local name=$1
	shift
	log "compiling $name"
	"$cc" -static -O2 -s -Wall -Wextra -o "$stage/bin/$name" "$@" ||
		die "compiling $name from $* failed"
}
for c in "${helpers[@]}"; do
	compile "$(basename "$c" .c)" "$c"
done
for d in "${helper_dirs[@]}"; do
	compile "$(basename "$d")" "$d"*.c
done
if [ -z "$busybox" ]; then
	v=$(deb_candidate busybox-static arm64)
	log "fetching busybox-static:arm64 $v"
	mkdir "$tmp/bb"
	deb_unpack busybox-static arm64 "$v" "$tmp/bb"
	busybox=$tmp/bb/bin/busybox
fi
# busybox and /bin/sh for /init's first line; /init links the other
# applets (busybox --install -s), so the build never runs busybox.
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"

log "writing initramfs.cpio.gz"
{
	cpio_tree "$stage"
	# The kernel opens /dev/console for init before devtmpfs is mounted.
	cpio_node dev/console 0600 c 5 1
	cpio_node dev/null 0666 c 1 3
	cpio_node dev/ttyS0 0660 c 4 64
	# iovm-ctl's first mark, before devtmpfs: on arm64 it maps iovm's
	# test device from /dev/mem (src/testdev.h).
	cpio_node dev/mem 0600 c 1 1
	cpio_trailer
} | gzip -9 -n >"$tmp/initramfs.cpio.gz"
rm -rf "$stage" "$tmp/bb"

if mv -T "$tmp" "$out" 2>/dev/null; then
	trap - EXIT
fi
log "$(du -h "$out/initramfs.cpio.gz" | cut -f1) in $out"
echo "$out"
