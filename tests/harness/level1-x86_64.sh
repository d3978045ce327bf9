# shellcheck shell=bash disable=SC2034,SC2154 # variables shared with run
# Level 1 for x86_64 targets, sourced by tests/harness/run: this machine's
# own Debian kernel (/boot, /lib/modules) under qemu-system-x86_64 TCG with
# an emulated AMD EPYC that has SVM and nested paging; level 1 loads
# kvm-amd. level1-arm64.sh is the same interface for arm64:
#
#   level1_inputs   sets kver (the level-1 kernel's version), kernel (the
#                   file QEMU boots), busybox (static, for this
#                   architecture) and busybox_version, mod_order/mod_file (modules to load,
#                   dependencies first, and their files), usr_links
#                   ("LINK TARGET" pairs that make a shared merged /usr's
#                   programs run), ctl_dev (level 1's end of the control
#                   channel)
#   level1_qemu     sets qemu=(...): QEMU up to its -append, the control
#                   channel on the character device "ctl" (a pipe at
#                   $tmp/ctl); run adds the shares and the monitor

# Debian's kernel, newest version whose modules include kvm-amd.
pick_kernel() {
	local f v best=
	for f in /boot/vmlinuz-*; do
		v=${f#/boot/vmlinuz-}
		compgen -G "/lib/modules/$v/kernel/arch/x86/kvm/kvm-amd.ko*" >/dev/null || continue
		best=$(printf '%s\n' "$best" "$v" | sort -V | tail -n1)
	done
	echo "$best"
}

# Under TCG the kernel's own unpacking of its xz payload takes about 5 s. The
# payload is an ELF vmlinux with a PVH entry point (CONFIG_PVH), which QEMU
# boots directly; unpacked once, it is kept.
extract_vmlinux() {	# vmlinuz out: find the payload by its magic, unpack it
	local fmt magic off
	for fmt in 'xz \xfd7zXZ\x00' 'zstd \x28\xb5\x2f\xfd' 'gzip \x1f\x8b\x08'; do
		magic=${fmt#* }
		fmt=${fmt%% *}
		command -v "$fmt" >/dev/null || continue
		for off in $(grep -obUaP "$magic" "$1" | sed -n '1,5s/:.*//p'); do
			# The payload is followed by other data: unpackers complain; the ELF check decides.
			tail -c +$((off + 1)) "$1" | "$fmt" -dc >"$2" 2>/dev/null || true
			[[ $(head -c 4 "$2") == $'\177ELF' ]] && return 0
		done
	done
	return 1
}

level1_kernel() {	# vmlinuz: sets kernel, the unpacked vmlinux where it can
	local kkey kdir
	kernel=$1
	grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null || return 0
	kkey=$(stat -c '%n %s %Y' "$1" | sha256sum)
	kdir=$cache_root/harness-vmlinux-$kver-${kkey:0:12}
	if [[ ! -f $kdir/vmlinux ]]; then
		new_cache_work
		if extract_vmlinux "$1" "$building/vmlinux"; then
			publish "$kdir"
		else
			rm -rf "$building"
			building=
			say "note: cannot unpack $1 (is xz-utils installed?): booting it as it is, about 5 s slower"
		fi
	fi
	if [[ -f $kdir/vmlinux ]]; then
		kernel=$kdir/vmlinux
	fi
}

level1_inputs() {
	local m
	[[ $(host_arch) == x86_64 ]] ||
		die "nested x86_64 boots this machine's own amd64 kernel (/boot): run it on an x86_64 machine"
	kver=$(pick_kernel)
	[[ -n $kver ]] || die "no /boot/vmlinuz-<ver> with /lib/modules/<ver>/kernel/arch/x86/kvm/kvm-amd.ko: install linux-image-amd64"
	[[ -r /boot/vmlinuz-$kver ]] || die "/boot/vmlinuz-$kver is not readable by $(id -un)"

	busybox=${IOVM_BUSYBOX:-/bin/busybox}
	[[ -x $busybox ]] || die "$busybox not found: install busybox-static"
	# ldd succeeds only on dynamic executables; level 1 has no libc.
	! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is dynamically linked: install busybox-static"
	busybox_version=$("$busybox" 2>&1 || true)
	busybox_version=${busybox_version%%$'\n'*}

	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: install qemu-system-x86"
	command -v modinfo >/dev/null || die "modinfo not found: install kmod"

	# kvm-amd pulls irqbypass, kvm, ccp; 9p and 9pnet_virtio pull netfs,
	# fscache, 9pnet, virtio, virtio_ring; virtio_pci carries the 9p devices.
	kmod_index "/lib/modules/$kver"
	for m in kvm-amd 9p 9pnet_virtio virtio_pci; do
		kmod_add "$m"
	done
	mod_order=("${kmod_order[@]}")
	mod_file=("${kmod_files[@]}")

	level1_kernel "/boot/vmlinuz-$kver"
	usr_links=("lib64 /usr/lib64" "lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu")
	ctl_dev=/dev/ttyS1
}

level1_qemu() {
	local cpu f
	# EPYC with SVM and nested paging; minus the features TCG lacks anyway,
	# which QEMU would otherwise warn about, once per vCPU.
	cpu=EPYC,+svm,+npt
	for f in rdseed sha-ni fxsr-opt misalignsse 3dnowprefetch osvw topoext nrip-save xsavec; do
		cpu+=,-$f
	done
	cpu=${IOVM_HARNESS_CPU:-$cpu}
	qemu=(qemu-system-x86_64 -nodefaults -no-user-config -no-reboot
		-machine pc -accel "tcg,thread=${IOVM_HARNESS_TCG_THREAD:-multi}" -cpu "$cpu"
		-smp "${IOVM_HARNESS_SMP:-2}" -m "${mem:-1536}"
		-display none
		-serial mon:stdio
		-chardev "pipe,id=ctl,path=$tmp/ctl" -serial chardev:ctl
		-kernel "$kernel" -initrd "$tmp/initrd"
		-append "console=ttyS0 quiet loglevel=3 panic=-1")
}
