# shellcheck shell=bash
# The modules a kernel needs for a list of drivers, with their dependencies
# first, read from a kernel's module tree (an installed /lib/modules/<ver>
# or one unpacked from a Debian package, of any architecture: modinfo reads
# a module's own ELF, whatever its machine). Sourced by guest-images/
# build-stock.sh and tests/harness/run; the caller defines die MESSAGE.
#
#   kmod_index /lib/modules/6.1.0-57-amd64
#   kmod_add virtio_blk; kmod_add 9p
#   ${kmod_order[@]}     names in load order (dependencies first)
#   ${kmod_files[@]}     their files, in the same order
#   $kmod_builtin_used   the drivers asked for that are built in
#   kmod_unpack FILE OUT: the module, decompressed for busybox's insmod
#   kmod_collect TREE OUT NAME...: all of that at once, into OUT/*.ko and
#                        OUT/load (the names, in load order)

declare -A kmod_file_of=() kmod_builtin=() kmod_added=()
kmod_order=()
kmod_files=()
kmod_builtin_used=
kmod_tree=

# kmod_index DIR: learn DIR's loadable modules and its built-in drivers,
# under the names modinfo gives them ('-' read as '_'). No command
# substitution in the loops: a kernel has thousands of modules.
kmod_index() {
	local f n
	[[ -f $1/modules.builtin ]] || die "$1 has no modules.builtin: not a kernel's module tree"
	kmod_tree=$1
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		kmod_file_of[${n//-/_}]=$f
	done < <(find "$1/kernel" -name '*.ko*')
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		kmod_builtin[${n//-/_}]=1
	done <"$1/modules.builtin"
}

# kmod_add NAME: its dependencies, then itself; nothing for a built-in one.
kmod_add() {
	local name=${1//-/_} file dep
	[[ -z ${kmod_added[$name]:-} ]] || return 0
	kmod_added[$name]=1
	if [[ -n ${kmod_builtin[$name]:-} ]]; then
		kmod_builtin_used+=" $name"
		return 0
	fi
	file=${kmod_file_of[$name]:-}
	[[ -n $file ]] || die "no module $name, built in or loadable, in $kmod_tree"
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		kmod_add "$dep"
	done
	kmod_order+=("$name")
	kmod_files+=("$file")
}

# kmod_unpack FILE OUT: Debian compresses modules with xz since 6.12.
kmod_unpack() {
	case $1 in
	*.ko) cp "$1" "$2" ;;
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*) die "cannot unpack module $1 (expected .ko, .ko.xz or .ko.zst)" ;;
	esac
}

# kmod_collect TREE OUT NAME...: NAME... and their dependencies from the
# module tree TREE, decompressed into OUT/<name>.ko; OUT/load lists them in
# load order.
kmod_collect() {
	local tree=$1 out=$2 i
	shift 2
	kmod_index "$tree"
	for i in "$@"; do
		kmod_add "$i"
	done
	mkdir -p "$out"
	for i in "${!kmod_order[@]}"; do
		kmod_unpack "${kmod_files[i]}" "$out/${kmod_order[i]}.ko"
	done
	printf '%s\n' "${kmod_order[@]}" >"$out/load"
}
