# shellcheck shell=bash disable=SC2034,SC2154 # variables shared with run
# Level 1 for arm64 targets, sourced by tests/harness/run (the interface is
# described in level1-x86_64.sh): Debian's own arm64 kernel and
# busybox-static:arm64, fetched from apt's lists with `apt-get download`,
# under qemu-system-aarch64 TCG on QEMU's `virt` machine with EL2
# (virtualization=on) and a GICv3 with an ITS. KVM is built into Debian's
# arm64 kernel; with kvm-arm.mode=nvhe it starts at EL2, with a vgic, and
# /dev/kvm is real.
#
# Debian 12 has both 6.12 (bookworm-security, -backports) and its own 6.1;
# both start KVM there in the same time. 6.12 is the default: the series
# of the arm64 guest kernel and of the stock arm64 guest that has
# virtio-iommu (guest-images/), so iovm is developed against the KVM of
# the kernels it is tested with, and its virtio-pci and virtio console are
# built in (fewer modules). IOVM_HARNESS_ARM64_KERNEL=6.1 picks Debian 12's
# own.

arm64_series=${IOVM_HARNESS_ARM64_KERNEL:-6.12}

# level1_fetch DIR: the packages' parts that level 1 needs, into DIR:
# Image, busybox, modules/NAME.ko and modules/load (load order), kver,
# info (the packages and versions).
level1_fetch() {
	local dir=$1 pkg ver bbver kv
	# shellcheck source=guest-images/apt-fetch.sh
	. "$repo/guest-images/apt-fetch.sh"
	pkg=$(deb_kernel "$arm64_series" arm64)
	ver=$(deb_candidate "$pkg" arm64)
	bbver=$(deb_candidate busybox-static arm64)
	say "fetching level 1 for arm64: $pkg $ver, busybox-static:arm64 $bbver"
	mkdir "$dir/deb"
	deb_unpack "$pkg" arm64 "$ver" "$dir/deb"
	deb_unpack busybox-static arm64 "$bbver" "$dir/deb"
	kv=${pkg#linux-image-}
	kv=${kv%-unsigned}
	[[ -f $dir/deb/boot/vmlinuz-$kv ]] || die "$pkg has no boot/vmlinuz-$kv"
	# Debian's arm64 vmlinuz is an uncompressed Image.
	cp "$dir/deb/boot/vmlinuz-$kv" "$dir/Image"
	cp "$dir/deb/bin/busybox" "$dir/busybox"
	# 9p and 9pnet_virtio (with netfs, 9pnet) for the shares; virtio_pci
	# carries them and virtio_console the control channel (both built
	# into 6.12, modules in 6.1).
	kmod_collect "$dir/deb/lib/modules/$kv" "$dir/modules" \
		9p 9pnet_virtio virtio_pci virtio_console
	echo "$kv" >"$dir/kver"
	printf '%s %s\n' "$pkg" "$ver" busybox-static:arm64 "$bbver" >"$dir/info"
	rm -rf "$dir/deb"
}

level1_inputs() {
	local key dir m
	case $arm64_series in
	6.12|6.1) ;;
	*) die "IOVM_HARNESS_ARM64_KERNEL='$arm64_series': expected 6.12 or 6.1 (the Debian series of arm64 level 1)" ;;
	esac
	command -v qemu-system-aarch64 >/dev/null ||
		die "qemu-system-aarch64 not found: install qemu-system-arm"
	command -v modinfo >/dev/null || die "modinfo not found: install kmod"
	# Fetched again when apt's lists change (apt-get update), so level 1
	# follows Debian's updates; a warm run asks apt nothing.
	key=$({
		. "$repo/guest-images/apt-fetch.sh"
		echo "$arm64_series"
		deb_lists_key arm64
		cat "$here/level1-arm64.sh" "$repo/guest-images/apt-fetch.sh" \
			"$repo/guest-images/kmods.sh"
	} | sha256sum) || exit
	dir=$cache_root/harness-arm64-$arm64_series-${key:0:16}
	if [[ ! -f $dir/info ]]; then
		new_cache_work
		level1_fetch "$building"
		publish "$dir"
	fi
	kver=$(<"$dir/kver")
	kernel=$dir/Image
	busybox=$dir/busybox
	busybox_version=$(sed -n 2p "$dir/info")
	mod_order=()
	mod_file=()
	while read -r m; do
		mod_order+=("$m")
		mod_file+=("$dir/modules/$m.ko")
	done <"$dir/modules/load"
	usr_links=("lib/ld-linux-aarch64.so.1 /usr/lib/ld-linux-aarch64.so.1"
		"lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu")
	ctl_dev=/dev/hvc0
}

level1_qemu() {
	# pauth-impdef: pointer authentication with QEMU's own cheap
	# algorithm instead of QARMA, which software cannot tell apart; level 1
	# is ready in about a third of the time.
	# shellcheck disable=SC2054 # commas inside QEMU's option values
	qemu=(qemu-system-aarch64 -nodefaults -no-user-config -no-reboot
		-machine virt,virtualization=on,gic-version=3
		-accel "tcg,thread=${IOVM_HARNESS_TCG_THREAD:-multi}"
		-cpu "${IOVM_HARNESS_CPU:-max,pauth-impdef=on}"
		-smp "${IOVM_HARNESS_SMP:-2}" -m "${mem:-2048}"
		-display none
		-serial mon:stdio
		-chardev "pipe,id=ctl,path=$tmp/ctl"
		-device virtio-serial-pci -device virtconsole,chardev=ctl
		-kernel "$kernel" -initrd "$tmp/initrd"
		-append "console=ttyAMA0 quiet loglevel=3 panic=-1 kvm-arm.mode=nvhe")
}
