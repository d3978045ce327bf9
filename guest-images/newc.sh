# shellcheck shell=bash
# A writer of "newc" cpio archives (the initramfs format: Linux's
# Documentation/driver-api/early-userspace/buffer-format.rst), sourced by
# the scripts that build an initramfs: guest-images/build-initramfs.sh,
# guest-images/build-stock.sh and tests/harness/run. Written here so that
# no archive needs root (for its device nodes), cpio(1) or a kernel tree.
#
# Every entry is owned by root with mtime 0, so the same tree gives the
# same bytes. The caller sets LC_ALL=C: names are measured in bytes.
#
#   { cpio_tree DIR; cpio_node dev/console 0600 c 5 1; cpio_trailer; } | gzip
#
# Names carry no leading slash ("bin/sh", not "/bin/sh").

cpio_ino=1

cpio_pad() {	# NUL bytes up to the next multiple of 4 after $1 bytes
	case $(($1 % 4)) in
	1) printf '\0\0\0' ;;
	2) printf '\0\0' ;;
	3) printf '\0' ;;
	esac
}

cpio_header() {	# name mode size [rdev_major rdev_minor]
	local nlink=1
	(($2 & 0040000)) && nlink=2
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		$((cpio_ino++)) "$2" 0 0 $nlink 0 "$3" 0 0 "${4:-0}" "${5:-0}" $((${#1} + 1)) 0
	printf '%s\0' "$1"
	cpio_pad $((110 + ${#1} + 1))
}

# cpio_tree DIR: every entry under DIR, parents first. Directories get mode
# 0755, files 0755 if executable and 0644 otherwise, whatever the umask
# left on them.
cpio_tree() {
	local p target size mode
	while IFS= read -r p; do
		if [[ -L $1/$p ]]; then
			target=$(readlink "$1/$p")
			cpio_header "$p" $((0120777)) ${#target}
			printf '%s' "$target"
			cpio_pad ${#target}
		elif [[ -d $1/$p ]]; then
			cpio_header "$p" $((0040755)) 0
		else
			mode=$((0100644))
			size=$(stat -c %s "$1/$p")
			[[ -x $1/$p ]] && mode=$((0100755))
			cpio_header "$p" $mode "$size"
			cat "$1/$p"
			cpio_pad "$size"
		fi
	done < <(cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort)
}

# cpio_node NAME MODE c|b MAJOR MINOR: a device node (octal MODE, e.g. 0600).
cpio_node() {
	local type=$((0020000))
	[[ $3 == b ]] && type=$((0060000))
	cpio_header "$1" $((type | 8#${2#0})) 0 "$4" "$5"
}

cpio_trailer() { cpio_header 'TRAILER!!!' 0 0; }
