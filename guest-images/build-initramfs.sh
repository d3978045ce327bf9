#!/usr/bin/env bash
# Build the iovm test initramfs: busybox-static, /init, the static C helpers
# from src/ (in /bin) and the test scripts from tests/ (in /tests).
#
# A helper is either one file, src/NAME.c, or a folder of them, src/NAME/
# (its .c files compiled together, its headers beside them): both become
# /bin/NAME.
#
# Result: ${IOVM_CACHE:-$HOME/.cache/iovm}/initramfs-<hash>/ holding
#   initramfs.cpio.gz   the archive to pass as the guest's initrd
#   initramfs.list      the gen_init_cpio list it was made from
# stdout carries only the absolute path of that directory; logs go to stderr.
#
# The archive is written by the kernel's gen_init_cpio (from build-kernel.sh's
# cache), which makes the device nodes without root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
busybox=/bin/busybox

log() { echo "build-initramfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
		die "Debian package $1 is not installed (apt-get install $1)"
}

bb_version=$(pkg_version busybox-static)
libc_version=$(pkg_version libc6-dev)
[ -x "$busybox" ] || die "$busybox is missing; reinstall busybox-static"
shopt -s nullglob
helpers=("$here"/src/*.c)
helper_dirs=("$here"/src/*/)
tests=("$here"/tests/*.sh)
shopt -u nullglob
# Every file the helpers are built from, in a fixed order.
mapfile -t helper_sources < <(find "$here/src" -type f \( -name '*.c' -o -name '*.h' \) |
	LC_ALL=C sort)

# The cache key: everything that ends up in the archive, and the versions of
# what builds it (busybox itself, the compiler and C library of the helpers).
hash=$(
	{
		echo "busybox-static $bb_version"
		echo "libc6-dev $libc_version"
		gcc --version | head -n 1
		for f in "$self" "$here/init" "${helper_sources[@]}" "${tests[@]}"; do
			echo "== ${f#"$here"/}"
			cat "$f"
		done
	} | sha256sum | cut -c1-16
)

cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# gen_init_cpio reads its list with whitespace-separated fields.
case "$cache" in
*[[:space:]]*) die "cache directory '$cache' contains a space;" \
	"set IOVM_CACHE to another path" ;;
esac
out=$cache/initramfs-$hash

if [ -f "$out/initramfs.cpio.gz" ]; then
	echo "$out"
	exit 0
fi

# Only gen_init_cpio is needed from the kernel; this is instant when the
# kernel is already cached, and builds it otherwise.
kdir=$("$here/build-kernel.sh")
gen_init_cpio=$kdir/gen_init_cpio
[ -x "$gen_init_cpio" ] || die "$gen_init_cpio is missing"

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

# Stage every file under $tmp so the list only holds paths without spaces.
stage=$tmp/stage
mkdir -p "$stage/bin" "$stage/tests"
cp "$here/init" "$stage/init"
cp "${tests[@]}" "$stage/tests/"
compile() {
	local name=$1
	shift
	log "compiling $name"
	gcc -static -O2 -s -Wall -Wextra -o "$stage/bin/$name" "$@" ||
		die "compiling $name from $* failed"
}
for c in "${helpers[@]}"; do
	compile "$(basename "$c" .c)" "$c"
done
for d in "${helper_dirs[@]}"; do
	compile "$(basename "$d")" "$d"*.c
done

list=$tmp/initramfs.list
{
	echo "# iovm test initramfs, written by build-initramfs.sh"
	echo "dir /dev 0755 0 0"
	# The kernel opens /dev/console for init before devtmpfs is mounted.
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "nod /dev/ttyS0 0660 0 0 c 4 64"
	for d in /proc /sys /bin /sbin /usr /usr/bin /usr/sbin /tests; do
		echo "dir $d 0755 0 0"
	done
	echo "dir /root 0700 0 0"
	echo "dir /tmp 1777 0 0"
	echo "file /init $stage/init 0755 0 0"
	echo "file /bin/busybox $busybox 0755 0 0"
	# One symlink per applet, at the path busybox itself names for it.
	"$busybox" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] && continue
		echo "slink /$applet /bin/busybox 0777 0 0"
	done
	for f in "$stage"/bin/*; do
		echo "file /bin/$(basename "$f") $f 0755 0 0"
	done
	for f in "$stage"/tests/*; do
		echo "file /tests/$(basename "$f") $f 0755 0 0"
	done
} >"$list"

# Fixed timestamps (the epoch) make the archive reproducible: same inputs,
# same bytes.
touch -d @0 "$stage"/init "$stage"/bin/* "$stage"/tests/*
log "writing initramfs.cpio.gz"
"$gen_init_cpio" -t 0 "$list" | gzip -9 -n >"$tmp/initramfs.cpio.gz"
rm -rf "$stage"

if mv -T "$tmp" "$out" 2>/dev/null; then
	trap - EXIT
fi
log "$(du -h "$out/initramfs.cpio.gz" | cut -f1) in $out"
echo "$out"
