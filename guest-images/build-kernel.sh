#!/usr/bin/env bash
# Build an iovm guest kernel from Debian's Linux source packages.
#
# usage: [GUEST_KERNEL=6.1|6.12] guest-images/build-kernel.sh [x86_64|arm64]
#   x86_64  linux-source-$GUEST_KERNEL (default 6.1), `make tinyconfig` +
#           kernel.config and the x86 patches below: the DT-only x86 guest
#   arm64   linux-source-6.12, `make allnoconfig` + kernel-arm64.config,
#           built with Debian's cross compiler (gcc-aarch64-linux-gnu); no
#           patch
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/kernel-<hash>/ (x86_64, 6.1),
# kernel-6.12-<hash>/ (x86_64, 6.12) or kernel-arm64-<hash>/ holding
#   bzImage        x86_64: the boot-protocol image
#   vmlinux        x86_64: the ELF kernel (iovm loads both kinds)
#   Image          arm64: the image of the arm64 boot protocol
#   System.map     arm64: symbols, to read a guest's PC in a crash
#   config         the final .config
#   build.log      the build output
# <hash> covers every input, so a warm run only hashes a few small files.
#
# stdout carries only the absolute path of that directory; everything else
# goes to stderr, so callers can write  kdir=$(guest-images/build-kernel.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")

log() { echo "build-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

# A calling make (the project Makefile) exports its own flags and command-line
# variables through MAKEFLAGS; they must not leak into Kbuild.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL KBUILD_OUTPUT KCONFIG_CONFIG \
	CROSS_COMPILE LLVM

# What differs between the two guests; everything else is shared.
#   base      the make target the configuration starts from
#   kmake     make in the source tree, for that architecture
#   image     the boot image, relative to the tree; its name is the
#             cache entry's "finished" marker
#   keep      further files of the tree to keep
arch=${1:-x86_64}
case $arch in
x86_64)
	# Each patch's header says why that version still needs it.
	case ${GUEST_KERNEL:-6.1} in
	6.1)
		patches=("$here/x86-of-early-flattree.patch"
			"$here/vfio-platform-reset-required.patch")
		entry=kernel
		;;
	6.12)
		# 6.12's vfio-platform has the reset_required fix already.
		patches=("$here/x86-of-early-flattree-6.12.patch")
		patches+=("$here/vfio-platform-iounmap-unmapped-6.12.patch")
		entry=kernel-6.12
		;;
	*)
		die "GUEST_KERNEL must be 6.1 or 6.12 (the x86 guest's Linux" \
			"series); got '$GUEST_KERNEL'"
		;;
	esac
	patches+=("$here/x86-mpparse-optional.patch" "$here/x86-of-irq-trigger-type.patch")
	pkg=linux-source-${GUEST_KERNEL:-6.1}
	fragment=$here/kernel.config
	base=tinyconfig
	# ARCH=x86_64 hides the 64BIT question, so tinyconfig starts from a
	# 64-bit base instead of answering "no" to it.
	kmake_args=(ARCH=x86_64)
	cc=gcc
	image=arch/x86/boot/bzImage
	keep=(vmlinux)
	;;
arm64)
	# 6.12 rather than 6.1: its vfio-platform accepts a device without a
	# reset module (6.1 needs vfio-platform-reset-required.patch), and it
	# is the series whose Debian arm64 config has VIRTIO_IOMMU (stock).
	pkg=linux-source-6.12
	fragment=$here/kernel-arm64.config
	patches=()
	# allnoconfig as x86 starts from tinyconfig: defconfig carries the
	# drivers of real boards, and took over half an hour to build here.
	base=allnoconfig
	cc=aarch64-linux-gnu-gcc
	kmake_args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	image=arch/arm64/boot/Image
	keep=(System.map)
	entry=kernel-arm64
	command -v "$cc" >/dev/null ||
		die "$cc not found (apt-get install gcc-aarch64-linux-gnu)"
	;;
*)
	die "usage: build-kernel.sh [x86_64|arm64] (the guest's architecture; got '$arch')"
	;;
esac
tarball=/usr/src/$pkg.tar.xz
image_name=${image##*/}

version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
	die "Debian package $pkg is not installed (apt-get install $pkg)"
[ -r "$tarball" ] || die "$tarball is missing; reinstall $pkg"

# The cache key: the source version and every file that shapes the build.
hash=$(
	{
		echo "$pkg $version"
		"$cc" --version | head -n 1
		for f in "$fragment" "${patches[@]}" "$self"; do
			echo "== $(basename "$f")"
			cat "$f"
		done
	} | sha256sum | cut -c1-16
)

cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
case "$cache" in
*[[:space:]:]*) die "cache directory '$cache' contains a space or a colon," \
	"which Kbuild cannot handle; set IOVM_CACHE to another path" ;;
esac
out=$cache/$entry-$hash

if [ -f "$out/$image_name" ]; then
	echo "$out"
	exit 0
fi

# One build per hash at a time: a second caller (e.g. build-initramfs.sh run
# in parallel by make -j) waits and then finds the finished cache.
exec 9>"$out.lock"
if ! flock -n 9; then
	log "waiting for another build of $out"
	flock 9
fi
if [ -f "$out/$image_name" ]; then
	echo "$out"
	exit 0
fi

# Build in a temp dir beside the cache entry and rename it at the end, so an
# interrupted build never leaves a half-filled kernel-<hash>/. Temp dirs left
# by a killed run are ours to remove: we hold the lock for this hash.
rm -rf "$out".tmp.*
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
buildlog=$tmp/build.log
: >"$buildlog"

# Run one build step with its output in the log; on failure show the tail.
run() {
	local what=$1
	shift
	log "$what"
	if ! "$@" >>"$buildlog" 2>&1; then
		cp "$buildlog" "$out.failed.log"
		log "error: $what failed; last lines of the log:"
		tail -n 40 "$buildlog" >&2
		die "full log: $out.failed.log"
	fi
}

# Every CONFIG_ line of the fragment must hold in the given .config:
# "CONFIG_X=v" must appear as is, "# CONFIG_X is not set" must not be set.
# Kconfig silently drops an option whose dependencies are missing.
check_config() {
	local config=$1 bad=0 opt want got
	while read -r opt want; do
		got=$(sed -nE "s/^$opt=(.*)$/\1/p" "$config")
		got=${got:-n}
		if [ "$got" != "$want" ]; then
			log "error: ${fragment##*/} asks for $opt=$want but the final" \
				"config has $opt=$got (a dependency is missing," \
				"see 'depends on' under 'config ${opt#CONFIG_}' in the Kconfig files)"
			bad=1
		fi
	done < <(sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' "$fragment")
	return "$bad"
}

start=$SECONDS
mkdir "$src"
run "extracting $tarball ($pkg $version)" \
	tar -xf "$tarball" -C "$src" --strip-components=1
for p in "${patches[@]}"; do
	run "applying $(basename "$p")" patch -d "$src" -p1 --forward -i "$p"
done

kmake=(make -C "$src" "${kmake_args[@]}")
run "configuring ($base + ${fragment##*/})" "${kmake[@]}" "$base"
# merge_config.sh makes its temp files in the current directory: run it in $src.
run "merging ${fragment##*/}" \
	env -C "$src" scripts/kconfig/merge_config.sh -m .config "$fragment"
run "resolving dependencies (olddefconfig)" "${kmake[@]}" olddefconfig
check_config "$src/.config" || die "the kernel config lost required options (listed above)"

jobs=$(nproc)
# Only the image: neither fragment builds modules.
run "building $image_name with $jobs jobs (minutes; log: $buildlog)" \
	"${kmake[@]}" -j"$jobs" "$image_name"

cp "$src/$image" "$tmp/"
for f in "${keep[@]}"; do
	cp "$src/$f" "$tmp/"
done
cp "$src/.config" "$tmp/config"
check_config "$tmp/config" || die "the built kernel's config lost required options"
# The tree is about 1.5 GB once built; only the outputs above are needed.
rm -rf "$src"

# rename(2) fails if a finished copy appeared meanwhile; then that one wins.
if mv -T "$tmp" "$out" 2>/dev/null; then
	trap - EXIT
fi
rm -f "$out.failed.log"
log "built in $((SECONDS - start)) s: $out"
echo "$out"
