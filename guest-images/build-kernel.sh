#!/usr/bin/env bash
# Build the iovm guest kernel from Debian's linux-source-6.1 package.
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/kernel-<hash>/ holding
#   bzImage        the boot-protocol image
#   vmlinux        the ELF kernel (iovm loads both kinds)
#   config         the final .config
#   gen_init_cpio  the kernel's cpio writer, used by build-initramfs.sh
#   build.log      the build output
# <hash> covers every input, so a warm run only hashes a few small files.
#
# stdout carries only the absolute path of that directory; everything else
# goes to stderr, so callers can write  kdir=$(guest-images/build-kernel.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
pkg=linux-source-6.1
tarball=/usr/src/$pkg.tar.xz
fragment=$here/kernel.config
patches=("$here/x86-of-early-flattree.patch" "$here/x86-mpparse-optional.patch" "$here/vfio-platform-reset-required.patch" "$here/x86-of-irq-trigger-type.patch")

log() { echo "build-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

# A calling make (the project Makefile) exports its own flags and command-line
# variables through MAKEFLAGS; they must not leak into Kbuild.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL KBUILD_OUTPUT KCONFIG_CONFIG \
	CROSS_COMPILE LLVM

version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
	die "Debian package $pkg is not installed (apt-get install $pkg)"
[ -r "$tarball" ] || die "$tarball is missing; reinstall $pkg"

# The cache key: the source version and every file that shapes the build.
hash=$(
	{
		echo "$pkg $version"
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
out=$cache/kernel-$hash

if [ -f "$out/bzImage" ]; then
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
if [ -f "$out/bzImage" ]; then
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
			log "error: kernel.config asks for $opt=$want but the final" \
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

# ARCH=x86_64 hides the 64BIT question, so tinyconfig starts from a 64-bit
# base instead of answering "no" to it.
kmake=(make -C "$src" ARCH=x86_64)
run "configuring (tinyconfig + kernel.config)" "${kmake[@]}" tinyconfig
# merge_config.sh makes its temp files in the current directory: run it in $src.
run "merging kernel.config" \
	env -C "$src" scripts/kconfig/merge_config.sh -m .config "$fragment"
run "resolving dependencies (olddefconfig)" "${kmake[@]}" olddefconfig
check_config "$src/.config" || die "the kernel config lost required options (listed above)"

jobs=$(nproc)
run "building bzImage with $jobs jobs (a few minutes; log: $buildlog)" \
	"${kmake[@]}" -j"$jobs" bzImage
# The kernel's cpio writer lets build-initramfs.sh make device nodes without
# root. It is one host C file; Kbuild has no target for it alone.
run "building gen_init_cpio" \
	gcc -O2 -o "$tmp/gen_init_cpio" "$src/usr/gen_init_cpio.c"

cp "$src/arch/x86/boot/bzImage" "$src/vmlinux" "$tmp/"
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
