#!/bin/bash
# The guest-boot integration tests. Runs where KVM is real: directly, or
# inside the nested harness (tests/guest/run-all.sh decides). Each case
# boots a test guest with iovm and checks iovm's exit status, the guest's
# own verdict, and, for disks, the image files on this side.
#
# Two kinds of guest, with the same /init and test scripts
# (guest-images/README.md): the project's own kernel, which reads a device
# tree (every boot passes --dt), and Debian's unmodified kernels, which read
# iovm's ACPI tables (the stock_* cases, no --dt).
#
# With IOVM_ARCH=arm64 the suite is the arm64 one (the arm64_* cases), IOVM
# an arm64 build and the images arm64 ones; it runs on this machine and
# boots each guest through tests/harness/run --arch arm64 (direct on an
# arm64 host with KVM, nested under QEMU elsewhere): level 1 there has no
# bash of its own. Every arm64 guest reads a device tree.
#
# usage: suite.sh IOVM [IMAGES] [CASE...]
#   IMAGES: --dt-kernel DIR    guest-images/build-kernel.sh's directory
#           --initramfs DIR    guest-images/build-initramfs.sh's
#           --stock-6.12 DIR   guest-images/build-stock.sh 6.12's
#           --stock-6.1 DIR    guest-images/build-stock.sh 6.1's
#   each needed only by the cases that boot it (--needs says which)
#        suite.sh --list             (the cases, in the order they run)
#        suite.sh --needs [CASE...]  (the images those cases boot, one a
#                                     line: dt-kernel, initramfs,
#                                     stock-6.12, stock-6.1)
set -uo pipefail

CASES=(boot boot_elf reboot exit_status panic disk disk_ro disks8
       discard hwrng virtio_console serial_input virtio_console_input
       iommu_strict iommu_lazy iommu_fault lifecycle sigkill
       vfio_data vfio_isolation vfio_hostile
       stock_disks stock_iommu_strict stock_iommu_fault stock_pci_iommu
       stock_pci stock_pci_mixed stock_pci_msix_fault stock_vfio
       stock61_disk)
ARCH=${IOVM_ARCH:-$(uname -m)}
[ "$ARCH" = aarch64 ] && ARCH=arm64
if [ "$ARCH" = arm64 ]; then
	# Debian's 6.12 runs every case but vfio-platform's, which needs
	# the project's kernel (Debian's arm64 config has no VFIO_PLATFORM):
	# that kernel is then built only for it and the demo.
	CASES=(arm64_stock_disk arm64_stock_exit_status arm64_stock_iommu
	       arm64_stock_iommu_fault arm64_vfio_platform
	       arm64_stock_pci_reboot arm64_stock_msix_fault
	       arm64_stock_vfio_pci arm64_stock61_disk)
fi

# needs CASE: the images it boots.
needs() {
	case "$1" in
	stock61_*|arm64_stock61_*) echo stock-6.1 ;;
	stock_*|arm64_stock_*) echo stock-6.12 ;;
	*) printf '%s\n' dt-kernel initramfs ;;
	esac
}

case "${1:-}" in
--list)
	printf '%s\n' "${CASES[@]}"
	exit 0
	;;
--needs)
	shift
	[ $# -gt 0 ] || set -- "${CASES[@]}"
	for c in "$@"; do needs "$c"; done | sort -u
	exit 0
	;;
esac
IOVM=$1
shift
KDIR='' IDIR='' STOCK612='' STOCK61=''
while [ $# -gt 0 ]; do
	case "$1" in
	--dt-kernel) KDIR=$2 ;;
	--initramfs) IDIR=$2 ;;
	--stock-6.12) STOCK612=$2 ;;
	--stock-6.1) STOCK61=$2 ;;
	*) break ;;
	esac
	shift 2
done
only=("$@")
WORK=$(mktemp -d /tmp/iovm-suite.XXXXXX)
# Local copies: nested, the cache is a 9p share, and one read of each
# image beats one per boot over it (twice a level-1 hang started there).
if [ -n "$KDIR" ] && [ -n "$IDIR" ] && [ "$ARCH" = arm64 ]; then
	cp "$KDIR/Image" "$IDIR/initramfs.cpio.gz" "$WORK/"
elif [ -n "$KDIR" ] && [ -n "$IDIR" ]; then
	cp "$KDIR/bzImage" "$KDIR/vmlinux" "$IDIR/initramfs.cpio.gz" "$WORK/"
fi
BZ=$WORK/bzImage
IMAGE=$WORK/Image
ELF=$WORK/vmlinux
INITRD=$WORK/initramfs.cpio.gz
# stock_images NAME DIR: $WORK/NAME/{vmlinuz,initramfs.cpio.gz}.
stock_images() {
	mkdir -p "$WORK/$1"
	[ -z "$2" ] || cp "$2/vmlinuz" "$2/initramfs.cpio.gz" "$2/version" "$WORK/$1/"
}
stock_images stock-6.12 "$STOCK612"
stock_images stock-6.1 "$STOCK61"
# Extra guest kernel parameters the environment needs (run-all.sh sets
# noxsave when nested: see there).
EXTRA=${IOVM_GUEST_PARAMS:-}
NESTED=${IOVM_NESTED:-}
# How iovm describes the machine: a device tree for the project's kernel;
# the stock cases clear it (ACPI, iovm's default).
DESC=(--dt)
[ "$ARCH" = arm64 ] && DESC=()		# implied: arm64 has nothing else
# shellcheck source=tests/harness/nested-retry.sh
. "$(dirname "$0")/../harness/nested-retry.sh"
trap 'rm -rf "$WORK"' EXIT
pass=0 fail=0
# Failures that are the nested flake with its retries spent: see the end.
flakes=0

ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

wanted() {
	[ ${#only[@]} -eq 0 ] && return 0
	local c
	for c in "${only[@]}"; do [ "$c" = "$1" ] && return 0; done
	return 1
}

HARNESS=$(cd "$(dirname "$0")/../harness" && pwd)/run
run_iovm() {
	if [ "$ARCH" = arm64 ]; then
		"$HARNESS" --arch arm64 --timeout 300 --share "$WORK" \
			--share "$(dirname "$IOVM")" -- \
			"$IOVM" run "$@" > "$last_log" 2>&1 < /dev/null
		return
	fi
	timeout 300 "$IOVM" run "${DESC[@]}" "$@" > "$last_log" 2>&1 < /dev/null
}

say_retry() {
	echo "# $(basename "$last_log" .log): RETRY (boot $1) after a triple fault in nested mode:"
	grep 'iovm:' "$last_log" | sed 's/^/#   /'
}

# boot NAME EXPECTED_STATUS IOVM_ARGS...: run iovm, keep its output in
# $WORK/NAME.log, and check its exit status and the guest's verdict line;
# with iovm.end=reboot or poweroff among the guest's parameters, also that
# the guest's own reboot or power-off is what ended iovm.
# Nested, a triple fault gets more boots (tests/harness/nested-retry.sh),
# unless it is what the case expects.
boot() {
	local name=$1 want=$2 rc nested=$NESTED end=
	shift 2
	case "$*" in
	*iovm.end=reboot*) end='guest rebooted' ;;
	*iovm.end=poweroff*) end='guest powered off' ;;
	esac
	echo "# $name: iovm run ${DESC[*]} $*"
	last_log=$WORK/$name.log
	[ "$want" -eq 4 ] && nested=
	retry_boot "$nested" say_retry run_iovm "$@"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		[ -n "$nested" ] && [ "$rc" -eq 4 ] && flakes=$((flakes + 1))
		not_ok "$name: iovm exited $rc, expected $want"
		tail -n 40 "$last_log" | sed 's/^/#   /'
		return 1
	fi
	if grep -q '^not ok' "$last_log"; then
		not_ok "$name: the guest reported a failed check"
		grep '^not ok\|^ok' "$last_log" | sed 's/^/#   /'
		return 1
	fi
	if [ -n "$end" ] && ! grep -q "^iovm: $end" "$last_log"; then
		not_ok "$name: iovm exited $rc, but not with '$end'"
		tail -n 20 "$last_log" | sed 's/^/#   /'
		return 1
	fi
	grep '^ok - ' "$last_log" | sed 's/^/#   guest: /'
	return 0
}

sha() { sha256sum | cut -d' ' -f1; }

# The disk test's pattern (guest-images/tests/disk.sh): 4 MiB at 1 MiB.
disk_pattern() { yes iovm-disk-pattern | head -c 4194304; }

case_boot() {
	boot boot 0 -k "$BZ" -i "$INITRD" -c 2 -m 256 \
		-p "$EXTRA iovm.run=boot iovm.expect_cpus=2" || return
	grep -q 'IOVM-TEST-RESULT: boot rc=0' "$last_log" ||
		{ not_ok "boot: no verdict from the guest"
		  tail -n 30 "$last_log" | sed 's/^/#   /'; return; }
	local mark uptime banners
	# The kernel's log once: it is printed again when of_serial takes
	# ttyS0 over unless an early console was there (kvm/x86/arch.c).
	banners=$(grep -c 'Linux version' "$last_log")
	[ "$banners" -eq 1 ] ||
		{ not_ok "boot: the kernel's log reached the console $banners times, expected once"; return; }
	mark=$(sed -n 's/.*guest mark after \([0-9]*\) ms.*/\1/p' "$last_log")
	uptime=$(sed -n 's/.*init reached, uptime \([0-9.]*\) s.*/\1/p' "$last_log")
	ok "boot: bzImage, 2 vCPUs, DT CPUs and IO-APIC seen; init after ${mark:-?} ms (guest uptime ${uptime:-?} s)"
}

case_boot_elf() {
	boot boot-elf 0 -k "$ELF" -i "$INITRD" -c 1 -m 256 \
		-p "$EXTRA iovm.run=boot iovm.expect_cpus=1" &&
		ok "boot-elf: an ELF vmlinux boots the same way"
}

case_reboot() {
	boot reboot 0 -k "$BZ" -i "$INITRD" -c 2 -m 256 -p "$EXTRA iovm.run=demo" ||
		return
	if grep -q 'iovm: guest rebooted' "$last_log"; then
		ok "reboot: 'reboot' in the guest ends iovm with status 0"
	else
		not_ok "reboot: iovm exited 0, but not because the guest rebooted"
		tail -n 30 "$last_log" | sed 's/^/#   /'
	fi
}

case_exit_status() {
	boot exit-status 7 -k "$BZ" -i "$INITRD" -m 128 -p "$EXTRA iovm.run=exit7" &&
		ok "exit-status: the guest chose iovm's exit status (7)"
}

case_panic() {
	boot panic 3 -k "$BZ" -i "$INITRD" -m 128 -p "$EXTRA iovm.run=panic" &&
	grep -q 'guest kernel panicked' "$last_log" &&
		ok "panic: a guest kernel panic ends iovm with status 3 (pvpanic)"
}

case_disk() {
	local img=$WORK/disk.img want got
	truncate -s 64M "$img"
	boot disk 0 -k "$BZ" -i "$INITRD" -m 256 -d "$img" \
		-p "$EXTRA iovm.run=disk" || return
	want=$(disk_pattern | sha)
	got=$(dd if="$img" bs=65536 skip=16 count=64 2>/dev/null | sha)
	if [ "$got" = "$want" ] &&
	   grep -q "disk pattern sha256 $want" "$last_log"; then
		ok "disk: the guest's 4 MiB pattern is in the image file (sha256 $got)"
	else
		not_ok "disk: image has sha256 $got, the pattern is $want"
	fi
}

case_disk_ro() {
	local img=$WORK/ro.img before after
	yes iovm-read-only | head -c 8388608 > "$img"
	before=$(sha < "$img")
	boot disk-ro 0 -k "$BZ" -i "$INITRD" -m 256 -d "$img,ro" \
		-p "$EXTRA iovm.run=disk-ro" || return
	after=$(sha < "$img")
	if [ "$before" = "$after" ]; then
		ok "disk-ro: writes failed in the guest and the image is byte-identical"
	else
		not_ok "disk-ro: the read-only image changed"
	fi
}

case_disks8() {
	local args=() i bad=0
	for i in 0 1 2 3 4 5 6 7; do
		truncate -s $(( (i + 1) ))M "$WORK/d$i.img"
		args+=(-d "$WORK/d$i.img,serial=iovm-disk-$i")
	done
	boot disks8 0 -k "$BZ" -i "$INITRD" -m 256 "${args[@]}" \
		-p "$EXTRA iovm.run=disks8" || return
	for i in 0 1 2 3 4 5 6 7; do
		dd if="$WORK/d$i.img" bs=512 skip=8 count=1 2>/dev/null |
			grep -q "iovm-marker-$i" || { bad=1;
			not_ok "disks8: no marker in disk $i's image"; }
	done
	[ $bad -eq 0 ] && ok "disks8: eight disks, each with its size, serial and data"
}

case_discard() {
	local img=$WORK/discard.img before after
	yes iovm-discard | head -c 67108864 > "$img"
	before=$(stat -c %b "$img")
	boot discard 0 -k "$BZ" -i "$INITRD" -m 256 -d "$img" \
		-p "$EXTRA iovm.run=discard" || return
	after=$(stat -c %b "$img")
	# 32 MiB is 65536 blocks of 512 bytes; allow for rounding.
	if [ $((before - after)) -ge 60000 ]; then
		ok "discard: blkdiscard punched holes in the image ($before -> $after blocks)"
	else
		not_ok "discard: image blocks $before -> $after, expected 32 MiB fewer"
	fi
}

case_hwrng() {
	boot hwrng 0 -k "$BZ" -i "$INITRD" -m 128 --rng -p "$EXTRA iovm.run=hwrng" &&
		ok "hwrng: /dev/hwrng returns data from virtio-rng"
}

case_virtio_console() {
	boot virtio-console 0 -k "$BZ" -i "$INITRD" -m 128 --console virtio \
		-p "$EXTRA iovm.run=console" &&
	grep -q 'IOVM-TEST-RESULT: console rc=0' "$last_log" &&
		ok "virtio-console: the guest's console output came through hvc0"
}

# interactive NAME ARGS...: boot to the shell, type a command once init is
# up, and expect its output; then type reboot.
# until_seen FILE PATTERN PID: wait for PATTERN in FILE while PID lives
# (its own timeout bounds the wait); false if it ended without it.
until_seen() {
	while ! grep -q "$2" "$1"; do
		kill -0 "$3" 2>/dev/null || { grep -q "$2" "$1"; return; }
		sleep 0.2
	done
}

# The shell's prompt ("# ", root's) shown after init said it starts one.
at_prompt() {
	while ! sed -n '/starting a shell/,$p' "$1" | grep -q '# '; do
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
}

interactive() {
	local name=$1 fifo=$WORK/$1.in rc
	shift
	mkfifo "$fifo"
	echo "# $name: iovm run --dt $* (typing into the console)"
	timeout 300 "$IOVM" run --dt "$@" < "$fifo" > "$WORK/$name.log" 2>&1 &
	local pid=$!
	exec 9> "$fifo"
	# Type only once the shell is reading: the events, not a delay.
	until_seen "$WORK/$name.log" 'starting a shell' "$pid" &&
		at_prompt "$WORK/$name.log" "$pid" &&
		printf 'echo iovm-typed-$((6 * 7))\n' >&9 &&
		until_seen "$WORK/$name.log" 'iovm-typed-42' "$pid"
	printf 'reboot -f\n' >&9
	wait "$pid"
	rc=$?
	exec 9>&-
	if [ "$rc" -eq 0 ] && grep -q 'iovm-typed-42' "$WORK/$name.log"; then
		ok "$name: typed a command into the guest's shell and saw its output"
	else
		not_ok "$name: exit $rc; typed input did not come back"
		tail -n 30 "$WORK/$name.log" | sed 's/^/#   /'
	fi
}

case_serial_input() {
	interactive serial-input -k "$BZ" -i "$INITRD" -m 128 -p "$EXTRA"
}

case_virtio_console_input() {
	interactive virtio-console-input -k "$BZ" -i "$INITRD" -m 128 \
		--console virtio -p "$EXTRA"
}

# pattern_in_image IMG: the image holds the pattern at 1 MiB.
pattern_in_image() {
	[ "$(dd if="$1" bs=65536 skip=16 count=64 2>/dev/null | sha)" = \
	  "$(disk_pattern | sha)" ]
}

# image_is_pattern IMG: the image, a fresh sparse file before the boot,
# holds the pattern at 1 MiB and zeros everywhere else: exactly what the
# guest wrote. (cmp, not two hashes: nested, this runs under TCG.)
image_is_pattern() {
	local size
	size=$(stat -c %s "$1")
	{ head -c 1048576 /dev/zero; disk_pattern
	  head -c $((size - 5242880)) /dev/zero; } | cmp -s - "$1"
}

# iommu_counters NAME: iovm's --debug counters show the guest's maps and
# unmaps and no fault; prints them, or says what is wrong.
iommu_counters() {
	local stats maps unmaps faults
	stats=$(grep 'iommu: total maps' "$last_log")
	maps=$(sed -n 's/.*total maps \([0-9]*\) unmaps.*/\1/p' <<< "$stats")
	unmaps=$(sed -n 's/.*unmaps \([0-9]*\),.*/\1/p' <<< "$stats")
	faults=$(grep -c 'faults [1-9]' "$last_log")
	if [ "${maps:-0}" -eq 0 ] || [ "${unmaps:-0}" -eq 0 ]; then
		not_ok "$1: iovm counted maps=${maps:-?} unmaps=${unmaps:-?}"
	elif [ "$faults" -ne 0 ]; then
		not_ok "$1: iovm counted faults in a clean run"
		grep 'iommu:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm: iommu:' "$last_log" | sed 's/^/#   /'
		counted="$maps maps, $unmaps unmaps, 0 faults"
		return 0
	fi
	return 1
}

# iommu_disk NAME STRICT GUEST_PARAMS IOVM_ARGS...: the disk test behind
# the virtio-iommu, beside a disk outside it (iommu=off), then iovm's
# counters.
iommu_disk() {
	local name=$1 strict=$2 params=$3 img=$WORK/$1.img
	shift 3
	truncate -s 64M "$img"
	truncate -s 1M "$WORK/$name-off.img"
	boot "$name" 0 "$@" -m 256 --iommu --debug \
		-d "$img,serial=iommu-disk" -d "$WORK/$name-off.img,iommu=off" \
		-p "$EXTRA iovm.expect_groups=1 iommu.strict=$strict iovm.disk_serial=iommu-disk $params" ||
		return
	local types ended
	types=$(sed -n 's/^iovm-guest: group [0-9]*: .* (\([A-Z-]*\)).*/\1/p' \
		"$last_log" | sort -u | tr '\n' ' ')
	ended=$(grep -o '^iovm: guest \(rebooted\|powered off\)' "$last_log")
	if ! pattern_in_image "$img"; then
		not_ok "$name: the image does not hold the guest's pattern"
	elif iommu_counters "$name"; then
		ok "$name: disk test through the IOMMU (iommu.strict=$strict, group type ${types% }): $counted${ended:+; ${ended#iovm: }: exit 0}"
	fi
}

case_iommu_strict() {
	iommu_disk iommu-strict 1 "iovm.run=iommu iovm.expect_group_type=DMA" \
		-k "$BZ" -i "$INITRD"
}

case_iommu_lazy() {
	iommu_disk iommu-lazy 0 iovm.run=iommu -k "$BZ" -i "$INITRD"
}

# iommu_fault NAME IOVM_ARGS...: the first read of sector 2048 goes to an
# IOVA the guest never mapped (test-bogus-iova).
iommu_fault() {
	local name=$1 img=$WORK/$1.img
	shift
	truncate -s 16M "$img"
	boot "$name" 0 "$@" -m 256 --iommu --debug --trace iommu \
		-d "$img,test-bogus-iova=2048" -p "$EXTRA iovm.run=iommu-fault" ||
		return
	if grep -q 'test-bogus-iova: .*refused; guest RAM around it unchanged' \
		"$last_log" && grep -q 'faults [1-9]' "$last_log" &&
	   grep -q 'trace: iommu: MAP domain' "$last_log" &&
	   grep -q 'trace: iommu: fault: endpoint 1 (blk0) write at 0x4000000' "$last_log"; then
		grep 'test-bogus-iova\|iommu: endpoint\|trace: iommu: fault\|trace: iommu: ATTACH' \
			"$last_log" | sed 's/^/#   /'
		ok "$name: an unmapped IOVA faulted, the read failed, guest RAM unchanged, the guest lived; --trace iommu logged the requests and the fault"
	else
		not_ok "$name: iovm did not report a refused access and a fault"
		grep 'iovm:' "$last_log" | sed 's/^/#   /'
	fi
}

case_iommu_fault() {
	iommu_fault iommu-fault -k "$BZ" -i "$INITRD"
}

# wait_for FILE PATTERN SECONDS
wait_for() {
	local i
	for i in $(seq $(($3 * 2))); do
		grep -q "$2" "$1" && return 0
		sleep 0.5
	done
	return 1
}

# boot_again NAME PID LOG [again]: a background guest never got where the
# case waits for it. End it, say how it ended and show its last words; then
# succeed (the caller boots once more) if this is nested and the first try:
# the emulated SVM's faults (see boot()) also hang or kill level-2 guests
# before their init, and a background boot has no exit status to retry on.
boot_again() {
	local rc
	if kill -0 "$2" 2>/dev/null; then
		kill -9 "$2"; wait "$2" 2>/dev/null
		echo "# $1: iovm still running ${SECONDS} s into the suite; killed"
	else
		wait "$2"; rc=$?
		echo "# $1: iovm had exited with status $rc, ${SECONDS} s into the suite"
	fi
	tail -n 20 "$3" | sed 's/^/#   /'
	[ -n "$NESTED" ] || return 1
	if [ "$4" = again ]; then
		flakes=$((flakes + 1))
		return 1
	fi
	nested_retries=$((nested_retries + 1))
	echo "# $1: RETRY: the guest did not get there, in nested mode"
}

# The largest step, in 1/100 s, between consecutive "tick UPTIME" lines.
# (Plain bash: level 1 of the nested harness has no awk of its own.)
max_tick_gap() {
	local line t prev= max=0
	while read -r line; do
		line=${line%$'\r'}
		[[ $line =~ ^tick\ ([0-9]+)\.([0-9]+) ]] || continue
		t=$((10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]:0:2}))
		[ -n "$prev" ] && [ $((t - prev)) -gt "$max" ] && max=$((t - prev))
		prev=$t
	done < "$1"
	echo "$max"
}

case_lifecycle() {
	local log=$WORK/lifecycle.log img=$WORK/life.img pid rc gap
	truncate -s 16M "$img"
	echo "# lifecycle: iovm run --name life --iommu ... (in the background)"
	timeout 600 "$IOVM" run --dt -k "$BZ" -i "$INITRD" -m 256 --name life \
		--iommu -d "$img" -p "$EXTRA iovm.run=clock" \
		< /dev/null > "$log" 2>&1 &
	pid=$!
	if ! wait_for "$log" '^tick' 300; then
		boot_again lifecycle "$pid" "$log" "${1:-}" &&
			{ case_lifecycle again; return; }
		not_ok "lifecycle: the guest never started ticking"
		return
	fi
	timeout 60 "$IOVM" list | grep -q '^life .*running' ||
		{ not_ok "lifecycle: iovm list does not show the guest"; kill -9 $pid; return; }
	timeout 60 "$IOVM" stat life --iommu > "$WORK/stat.out" 2>&1
	if grep -q 'live mappings [1-9]' "$WORK/stat.out" &&
	   grep -q 'iova 0x' "$WORK/stat.out"; then
		sed 's/^/#   /' "$WORK/stat.out"
	else
		not_ok "lifecycle: stat --iommu shows no live mappings"
		sed 's/^/#   /' "$WORK/stat.out"; kill -9 $pid; return
	fi
	timeout 60 "$IOVM" pause life && sleep 3 &&
		timeout 60 "$IOVM" resume life ||
		{ not_ok "lifecycle: pause/resume failed"; kill -9 $pid; return; }
	# Two more ticks: the guest runs again and the gap is on record.
	local n i
	n=$(grep -c '^tick' "$log")
	for i in $(seq 120); do
		[ "$(grep -c '^tick' "$log")" -ge $((n + 2)) ] && break
		sleep 0.5
	done
	gap=$(max_tick_gap "$log")
	timeout 60 "$IOVM" stop life
	wait $pid
	rc=$?
	if [ "$rc" -ne 0 ] || [ -e /run/iovm/life.sock ] ||
	   [ -e "${XDG_RUNTIME_DIR:-/nonexistent}/iovm/life.sock" ]; then
		not_ok "lifecycle: after stop, exit $rc, socket $(ls /run/iovm 2>&1)"
		return
	fi
	if [ "$gap" -ge 250 ]; then
		ok "lifecycle: listed, stat showed live IOMMU mappings, a 3 s pause is a $((gap / 100)).$((gap % 100 / 10)) s jump in the guest's clock, stopped with exit 0, socket gone"
	else
		not_ok "lifecycle: the guest's clock shows no pause (largest gap ${gap}0 ms)"
	fi
}

case_sigkill() {
	local log=$WORK/sigkill.log img=$WORK/sigkill.img pid want got
	truncate -s 16M "$img"
	echo "# sigkill: the guest flushes a write, then iovm is killed with SIGKILL"
	timeout 600 "$IOVM" run --dt -k "$BZ" -i "$INITRD" -m 128 -d "$img" \
		-p "$EXTRA iovm.run=flush-wait" < /dev/null > "$log" 2>&1 &
	pid=$!
	if ! wait_for "$log" 'iovm-guest: flushed' 300; then
		boot_again sigkill "$pid" "$log" "${1:-}" &&
			{ case_sigkill again; return; }
		not_ok "sigkill: the guest never flushed"
		return
	fi
	kill -9 $pid
	wait $pid 2>/dev/null
	want=$(yes iovm-flushed-data | head -c 1048576 | sha)
	got=$(head -c 1048576 "$img" | sha)
	if [ "$got" = "$want" ]; then
		ok "sigkill: data the guest flushed is in the image after kill -9"
	else
		not_ok "sigkill: the flushed data is not in the image"
	fi
}

# vfio_boot MODE: two disks behind the virtio-iommu; the guest kernel keeps
# the first, and /bin/vfio-blk (guest-images/src/vfio-blk/) drives the
# second (serial vfio-disk) from guest userspace through VFIO.
vfio_boot() {
	local mode=$1
	truncate -s 16M "$WORK/vfio-$mode-0.img"
	truncate -s 64M "$WORK/vfio-$mode.img"
	boot "vfio-$mode" 0 -k "$BZ" -i "$INITRD" -m 256 --iommu --debug \
		-d "$WORK/vfio-$mode-0.img" \
		-d "$WORK/vfio-$mode.img,serial=vfio-disk" \
		-p "$EXTRA iovm.run=vfio-$mode vfio_platform.reset_required=0 vfio_iommu_type1.allow_unsafe_interrupts=1"
}

# iovm's fault counter for the VFIO disk's endpoint (the second disk, blk1).
vfio_faults() {
	sed -n 's/^iovm: iommu: endpoint [0-9]* (blk1): .* faults \([0-9]*\).*/\1/p' \
		"$last_log" | head -n 1
}

# vfio_image_check MODE BYTES: the image holds the first BYTES of the
# guest's pattern at 1 MiB.
vfio_image_check() {
	local want got
	want=$(yes iovm-vfio-pattern | head -c "$2" | sha)
	got=$(dd if="$WORK/vfio-$1.img" bs=4096 skip=256 count=$(($2 / 4096)) \
		2>/dev/null | sha)
	[ "$got" = "$want" ]
}

case_vfio_data() {
	local faults
	vfio_boot data || return
	faults=$(vfio_faults)
	if ! grep -q '^ok - read back 128 KiB' "$last_log" ||
	   ! grep -q 'IOVM-TEST-RESULT: vfio-data rc=0' "$last_log"; then
		not_ok "vfio-data: the guest driver did not finish its checks"
	elif ! vfio_image_check data 131072; then
		not_ok "vfio-data: the image does not hold the 128 KiB the guest wrote through VFIO"
	elif [ "${faults:-x}" != 0 ]; then
		not_ok "vfio-data: iovm counted ${faults:-no} faults on the VFIO endpoint in a clean run"
		grep 'iovm: iommu:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm: iommu: endpoint' "$last_log" | sed 's/^/#   /'
		ok "vfio-data: a userspace VFIO driver wrote 128 KiB, flushed and read it back; the image holds it; 0 faults"
	fi
}

# vfio_isolation_check NAME: the guest said isolation held, the image's
# reference sector is intact, iovm counted the faults.
vfio_isolation_check() {
	local faults
	faults=$(vfio_faults)
	if ! grep -q '^ok - isolation held' "$last_log"; then
		not_ok "$1: the guest did not report 'isolation held'"
	elif ! vfio_image_check isolation 4096; then
		not_ok "$1: the image's reference sector changed (a refused write reached the disk?)"
	elif [ "${faults:-0}" -lt 4 ]; then
		not_ok "$1: iovm counted ${faults:-no} faults on the VFIO endpoint, expected at least 4"
		grep 'iovm: iommu:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm: iommu: endpoint' "$last_log" | sed 's/^/#   /'
		isolation_faults=$faults
		return 0
	fi
	return 1
}

case_vfio_isolation() {
	vfio_boot isolation || return
	vfio_isolation_check vfio-isolation &&
		ok "vfio-isolation: unmapped and read-only DMA refused, $isolation_faults faults counted by iovm, nothing outside the mappings changed"
}

case_vfio_hostile() {
	local faults cases
	vfio_boot hostile || return
	faults=$(vfio_faults)
	cases=$(grep -c '^ok - [a-z0-9-]*: ' "$last_log")
	if ! grep -q '^ok - detach-in-flight' "$last_log" ||
	   ! grep -q 'IOVM-TEST-RESULT: vfio-hostile rc=0' "$last_log"; then
		not_ok "vfio-hostile: the hostile-driver suite did not run to its end"
	elif ! vfio_image_check hostile 4096; then
		not_ok "vfio-hostile: the image's reference sector changed"
	elif [ "${faults:-0}" -lt 1 ]; then
		not_ok "vfio-hostile: iovm counted no fault on the VFIO endpoint"
		grep 'iovm: iommu:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm: iommu: endpoint' "$last_log" | sed 's/^/#   /'
		ok "vfio-hostile: $cases hostile cases refused, iovm alive, $faults faults counted, nothing outside the mappings changed"
	fi
}

# Debian's own kernels, unmodified (guest-images/build-stock.sh), described
# by ACPI. stock_kernel SERIES: the iovm arguments that boot it, in $STOCK.
stock_kernel() {
	local d=$WORK/stock-$1
	if [ ! -f "$d/vmlinuz" ]; then
		not_ok "${FUNCNAME[1]#case_}: no --stock-$1 images given to suite.sh"
		return 1
	fi
	STOCK=(-k "$d/vmlinuz" -i "$d/initramfs.cpio.gz")
}

# stock_version SERIES: the kernel package's name, less linux-image-.
stock_version() { sed 's/ .*//; s/^linux-image-//' "$WORK/stock-$1/version"; }

# The VFIO demo on Debian's unmodified 6.12, as make demo-vfio GUEST=stock
# runs it: the second disk on virtio-pci, taken by vfio-pci (x86 kernels
# have no vfio-platform), its endpoint from the VIOT's PCI range; data,
# isolation and the hostile suite in one boot, the same cases and
# outcomes as the DT guest's (detach-in-flight: see cases-teardown.c).
# vfio_demo_check NAME TAG BUS: the checks of a vfio-demo boot (data,
# isolation and the hostile suite in one guest, the second disk's image
# $WORK/vfio-TAG.img, on virtio-pci with vfio-pci if BUS is pci, else on
# virtio-mmio with vfio-platform); sets $demo_checks and $demo_faults for
# the ok line.
vfio_demo_check() {
	local irq='^vfio-blk: MSI-X vector .*(queue 0) -> eventfd'
	[ "$3" = pci ] || irq='^ok - completions came through the VFIO interrupt eventfd'

	demo_faults=$(vfio_faults)
	demo_checks=$(grep -c '^ok - [a-z0-9-]*: ' "$last_log")
	if ! grep -q '^ok - .* driven from userspace through VFIO' "$last_log" ||
	   ! grep -q '^ok - detach-in-flight' "$last_log" ||
	   ! grep -q 'IOVM-TEST-RESULT: vfio-demo rc=0' "$last_log"; then
		not_ok "$1: the guest program did not run all three parts to their end"
	elif ! grep -q "$irq" "$last_log"; then
		not_ok "$1: no completion came by interrupt (${3}: $irq)"
	elif ! vfio_image_check "$2" 131072; then
		not_ok "$1: the image does not hold the 128 KiB written through VFIO, or a refused write reached it"
	elif [ "${demo_faults:-0}" -lt 4 ]; then
		not_ok "$1: iovm counted ${demo_faults:-no} faults on the VFIO endpoint, expected at least 4"
		grep 'iovm: iommu:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm: iommu: endpoint' "$last_log" | sed 's/^/#   /'
		return 0
	fi
	return 1
}

# stock_vfio_boot NAME: Debian's 6.12 ($STOCK) with two disks behind the
# virtio-iommu, the second on virtio-pci for vfio-pci, running vfio-demo.
stock_vfio_boot() {
	truncate -s 16M "$WORK/vfio-stock-0.img"
	truncate -s 64M "$WORK/vfio-stock.img"
	boot "$1" 0 "${STOCK[@]}" -m 256 --iommu --debug \
		-d "$WORK/vfio-stock-0.img" \
		-d "$WORK/vfio-stock.img,serial=vfio-disk,transport=pci" \
		-p "$EXTRA iovm.run=vfio-demo vfio_iommu_type1.allow_unsafe_interrupts=1"
}

case_stock_vfio() {
	local DESC=()
	stock_kernel 6.12 || return
	stock_vfio_boot stock-vfio || return
	vfio_demo_check stock-vfio stock pci &&
		ok "stock-vfio: Debian's $(stock_version 6.12), vfio-pci on a virtio-pci disk behind the virtio-iommu: 128 KiB written and read back, isolation held, $demo_checks checks of the three parts with their expected outcomes, $demo_faults faults counted by iovm"
}

# Two disks behind the virtio-iommu, one read-only, 2 vCPUs: the ACPI
# tables and the VIOT as the guest read them, an IOMMU group per disk (the
# default lazy mode: DMA-FQ), the first disk written, the second refused;
# the guest's reboot ends iovm with 0.
case_stock_disks() {
	local DESC=() rw=$WORK/stock-rw.img ro=$WORK/stock-ro.img before
	stock_kernel 6.12 || return
	# Small images: the host compares them whole.
	truncate -s 8M "$rw"
	yes iovm-read-only | head -c 2097152 > "$ro"
	before=$(sha < "$ro")
	boot stock-disks 0 "${STOCK[@]}" -c 2 -m 256 --iommu --debug \
		-d "$rw,serial=stock-rw" -d "$ro,ro,serial=stock-ro" \
		-p "$EXTRA iovm.run=boot,viot,iommu,disk-ro iovm.expect_cpus=2 iovm.expect_groups=2 iovm.expect_group_type=DMA-FQ iovm.disk_serial=stock-rw iovm.ro_serial=stock-ro iovm.end=reboot" ||
		return
	if [ "$(grep -c 'IOVM-TEST-RESULT: .* rc=0' "$last_log")" -ne 4 ]; then
		not_ok "stock-disks: the guest did not pass its 4 tests"
	elif ! image_is_pattern "$rw"; then
		not_ok "stock-disks: the image does not hold exactly what the guest wrote"
	elif [ "$(sha < "$ro")" != "$before" ]; then
		not_ok "stock-disks: the read-only image changed"
	elif iommu_counters stock-disks; then
		grep 'ACPI: VIOT 0x\|^iovm-guest: VIOT\|^iovm-guest: loaded' \
			"$last_log" | sed 's/^/#   /'
		ok "stock-disks: Debian's $(stock_version 6.12), 2 vCPUs, read the VIOT; a DMA-FQ group per disk; the image holds exactly the 4 MiB written, the read-only one is unchanged; rebooted: exit 0; $counted"
	fi
}

# Strict mode (group type DMA), a disk outside the IOMMU beside it; the
# guest's power-off ends iovm with 0.
case_stock_iommu_strict() {
	local DESC=()
	stock_kernel 6.12 || return
	iommu_disk stock-iommu-strict 1 \
		"iovm.run=boot,viot,iommu iovm.expect_group_type=DMA iovm.end=poweroff" \
		"${STOCK[@]}"
}

case_stock_iommu_fault() {
	local DESC=()
	stock_kernel 6.12 || return
	iommu_fault stock-iommu-fault "${STOCK[@]}"
}

# passed_and_wrote NAME N IMG: the guest passed its N tests and IMG holds
# exactly what it wrote; else says which did not hold.
passed_and_wrote() {
	if [ "$(grep -c 'IOVM-TEST-RESULT: .* rc=0' "$last_log")" -ne "$2" ]; then
		not_ok "$1: the guest did not pass its $2 tests"
	elif ! image_is_pattern "$3"; then
		not_ok "$1: the image does not hold exactly what the guest wrote"
	else
		return 0
	fi
	return 1
}

# The guest's view of its virtio-pci functions (pci.sh), for the log.
show_pci() {
	grep '^iovm-guest: \(lspci\|interrupts\|dmesg\|VIOT\|group\)' "$last_log" |
		sed 's/^/#   /'
}

# A disk on virtio-pci behind the virtio-iommu: its IOMMU group (the VIOT's
# PCI range), the round trip, MSI-X; the guest's reboot ends iovm with 0.
case_stock_pci_iommu() {
	local DESC=() img=$WORK/stock-pci.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img"
	boot stock-pci-iommu 0 "${STOCK[@]}" -c 2 -m 256 --iommu --debug \
		-d "$img,serial=pci-rw,transport=pci" \
		-p "$EXTRA iovm.run=boot,viot,iommu,pci iovm.expect_cpus=2 iovm.expect_groups=1 iovm.disk_serial=pci-rw iovm.expect_pci=1 iovm.expect_pci_iommu=1 iovm.end=reboot" ||
		return
	if passed_and_wrote stock-pci-iommu 4 "$img" &&
	   iommu_counters stock-pci-iommu; then
		show_pci
		ok "stock-pci-iommu: Debian's $(stock_version 6.12): a virtio-pci disk at 00:01.0 behind the virtio-iommu (endpoint 0x10008 from the VIOT's PCI range) in a DMA-FQ group, on MSI-X; the image holds exactly the 4 MiB written; rebooted: exit 0; $counted"
	fi
}

# The same disk without the IOMMU: no VIOT, no group, MSI-X all the same.
case_stock_pci() {
	local DESC=() img=$WORK/stock-pci-plain.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img"
	boot stock-pci 0 "${STOCK[@]}" -m 256 -d "$img,transport=pci" \
		-p "$EXTRA iovm.run=boot,disk,pci iovm.expect_pci=1 iovm.expect_pci_iommu=0 iovm.end=poweroff" ||
		return
	if passed_and_wrote stock-pci 3 "$img"; then
		show_pci
		ok "stock-pci: Debian's $(stock_version 6.12): a virtio-pci disk without the IOMMU, on MSI-X; the image holds exactly the 4 MiB written; powered off: exit 0"
	fi
}

# Both transports in one guest behind one virtio-iommu: a virtio-mmio disk
# (a VIOT MMIO endpoint), a virtio-pci disk and rng (the PCI range), and a
# virtio-pci disk left outside the IOMMU (iommu=off: in the range, but no
# endpoint, so no group); the round trip on the virtio-pci disk.
case_stock_pci_mixed() {
	local DESC=() img=$WORK/stock-mixed-pci.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img" "$WORK/stock-mixed-mmio.img" "$WORK/stock-mixed-off.img"
	boot stock-pci-mixed 0 "${STOCK[@]}" -c 2 -m 256 --iommu --debug \
		-d "$WORK/stock-mixed-mmio.img,serial=mmio-rw" \
		-d "$img,serial=pci-rw,transport=pci" \
		-d "$WORK/stock-mixed-off.img,transport=pci,iommu=off" \
		--rng=transport=pci \
		-p "$EXTRA iovm.run=boot,viot,iommu,hwrng,pci iovm.expect_cpus=2 iovm.expect_groups=3 iovm.disk_serial=pci-rw iovm.expect_pci=3 iovm.expect_pci_iommu=2 iovm.end=reboot" ||
		return
	if passed_and_wrote stock-pci-mixed 5 "$img" &&
	   iommu_counters stock-pci-mixed; then
		show_pci
		ok "stock-pci-mixed: virtio-mmio and virtio-pci behind one virtio-iommu (an MMIO endpoint and the PCI range), a virtio-pci disk outside it with no group; 3 groups; the virtio-pci disk's image holds exactly what was written; $counted"
	fi
}

# A device cannot interrupt where the guest did not allow it: the guest
# points its virtio-pci disk's queue vector at an IOVA it never mapped;
# the message is a DMA write the IOMMU refuses (guest-images/tests/
# msix-fault.sh), reported on both sides, and no interrupt arrives.
case_stock_pci_msix_fault() {
	local DESC=() img=$WORK/stock-msix.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img"
	boot stock-pci-msix-fault 0 "${STOCK[@]}" -m 256 --iommu --debug \
		--trace iommu -d "$img,serial=pci-rw,transport=pci" \
		-p "$EXTRA iomem=relaxed iovm.run=msix-fault iovm.disk_serial=pci-rw iovm.end=reboot" ||
		return
	if ! grep -q 'IOVM-TEST-RESULT: msix-fault rc=0' "$last_log"; then
		not_ok "stock-pci-msix-fault: the guest did not pass its test"
	elif ! grep -q 'trace: iommu: fault: endpoint 65544 (blk0) write at 0x10000' "$last_log" ||
	     ! grep -q 'blk0: MSI-X vector [0-9]*: message to 0x10000, outside the MSI window: a DMA write, refused' "$last_log"; then
		not_ok "stock-pci-msix-fault: iovm did not report the refused message"
		grep 'iovm:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm-guest: \|fault from EP\|MSI-X vector\|trace: iommu: fault' "$last_log" |
			sed 's/^/#   /'
		ok "stock-pci-msix-fault: an MSI-X message outside the MSI window was a DMA write: refused by the IOMMU (a write fault at 0x10000 on endpoint 65544, seen by the guest's driver), and no interrupt reached the guest"
	fi
}

# Debian 12's own kernel has no virtio-iommu driver: a disk without one.
case_stock61_disk() {
	local DESC=() img=$WORK/stock61.img
	stock_kernel 6.1 || return
	truncate -s 8M "$img"
	boot stock61-disk 0 "${STOCK[@]}" -m 256 -d "$img" \
		-p "$EXTRA iovm.run=boot,disk iovm.end=poweroff" || return
	if passed_and_wrote stock61-disk 2 "$img"; then
		ok "stock61-disk: Debian's $(stock_version 6.1) read its ACPI tables, wrote and read its disk; the image holds exactly that; powered off: exit 0"
	fi
}

# ---- arm64 (IOVM_ARCH=arm64): every guest reads iovm's device tree ----

# Device assignment on virtio-mmio: the project's kernel has vfio-platform
# (Debian's arm64 config does not). Data, isolation and the hostile suite.
case_arm64_vfio_platform() {
	truncate -s 16M "$WORK/vfio-platform-0.img"
	truncate -s 64M "$WORK/vfio-platform.img"
	boot arm64-vfio-platform 0 -k "$IMAGE" -i "$INITRD" -m 256 --iommu \
		--debug -d "$WORK/vfio-platform-0.img" \
		-d "$WORK/vfio-platform.img,serial=vfio-disk" \
		-p "$EXTRA iovm.run=vfio-demo vfio_platform.reset_required=0 vfio_iommu_type1.allow_unsafe_interrupts=1" ||
		return
	vfio_demo_check arm64-vfio-platform platform mmio &&
		ok "arm64-vfio-platform: a virtio-mmio disk (iommus) on vfio-platform driven by a guest program: 128 KiB written and read back, isolation held, $demo_checks checks of the three parts (the hostile suite too) with their expected outcomes, $demo_faults faults counted by iovm"
}

# Debian's own arm64 kernel package, unmodified, with 2 vCPUs: CPUs through
# PSCI, the GICv3 and its ITS, the timer (boot.sh); a virtio-mmio disk
# without the IOMMU; the test device's mark and exit status.
case_arm64_stock_disk() {
	local img=$WORK/arm64-stock.img mark
	stock_kernel 6.12 || return
	truncate -s 8M "$img"
	boot arm64-stock-disk 0 "${STOCK[@]}" -c 2 -m 256 -d "$img" \
		-p "$EXTRA iovm.run=boot,disk iovm.expect_cpus=2" || return
	passed_and_wrote arm64-stock-disk 2 "$img" || return
	mark=$(sed -n 's/.*guest mark after \([0-9]*\) ms.*/\1/p' "$last_log")
	if ! grep -q 'iovm: guest test device: exit status 0' "$last_log"; then
		not_ok "arm64-stock-disk: the exit status did not come from the test device"
	elif [ -z "$mark" ]; then
		not_ok "arm64-stock-disk: no mark from the guest's test device write"
	else
		ok "arm64-stock-disk: Debian's $(stock_version 6.12), 2 vCPUs by PSCI, GICv3 and ITS, timer seen in iovm's device tree; wrote and read its virtio-mmio disk, the image holds exactly that; init after $mark ms; the test device's exit status"
	fi
}

# 256 MiB: Debian's kernel (a 43 MB Image) and its modules run out of
# memory in 128 MiB before init starts.
case_arm64_stock_exit_status() {
	stock_kernel 6.12 || return
	boot arm64-stock-exit-status 7 "${STOCK[@]}" -m 256 \
		-p "$EXTRA iovm.run=exit7" &&
		ok "arm64-stock-exit-status: the guest chose iovm's exit status (7) through the test device's MMIO window"
}

# The same kernel behind the virtio-iommu, with its own driver module, 2
# vCPUs: a virtio-pci disk by iommu-map and a virtio-mmio one by iommus,
# their groups, MSI-X through the ITS, the round trip on the PCI disk; the
# guest's power-off (PSCI SYSTEM_OFF) ends iovm with 0.
case_arm64_stock_iommu() {
	local img=$WORK/arm64-stock-pci.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img" "$WORK/arm64-stock-mmio.img"
	boot arm64-stock-iommu 0 "${STOCK[@]}" -c 2 -m 256 --iommu --debug \
		-d "$img,serial=pci-rw,transport=pci" \
		-d "$WORK/arm64-stock-mmio.img,serial=mmio-rw" \
		-p "$EXTRA iovm.run=boot,iommu,pci iovm.expect_cpus=2 iovm.expect_groups=2 iovm.expect_group_type=DMA iovm.disk_serial=pci-rw iovm.expect_pci=1 iovm.expect_pci_iommu=1 iovm.end=poweroff" ||
		return
	if passed_and_wrote arm64-stock-iommu 3 "$img" &&
	   iommu_counters arm64-stock-iommu; then
		show_pci
		ok "arm64-stock-iommu: Debian's $(stock_version 6.12), unmodified, 2 vCPUs: a virtio-pci disk (iommu-map) and a virtio-mmio disk (iommus) behind the virtio-iommu, 2 DMA groups, MSI-X through the ITS; the image holds exactly the 4 MiB written; powered off: exit 0; $counted"
	fi
}

# An IOVA the guest never mapped (iommu_fault above), as on x86's
# stock_iommu_fault.
case_arm64_stock_iommu_fault() {
	stock_kernel 6.12 || return
	iommu_fault arm64-stock-iommu-fault "${STOCK[@]}"
}

# virtio-pci without the IOMMU; the guest's reboot (PSCI SYSTEM_RESET)
# ends iovm with 0.
case_arm64_stock_pci_reboot() {
	local img=$WORK/arm64-stock-plain.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img"
	boot arm64-stock-pci-reboot 0 "${STOCK[@]}" -m 256 \
		-d "$img,transport=pci" \
		-p "$EXTRA iovm.run=disk,pci iovm.expect_pci=1 iovm.expect_pci_iommu=0 iovm.end=reboot" ||
		return
	if passed_and_wrote arm64-stock-pci-reboot 2 "$img"; then
		show_pci
		ok "arm64-stock-pci-reboot: a virtio-pci disk without the IOMMU, on MSI-X through the ITS; the image holds exactly the 4 MiB written; rebooted (PSCI): exit 0"
	fi
}

# An MSI-X message the guest never mapped is a DMA write the IOMMU refuses:
# no interrupt (guest-images/tests/msix-fault.sh).
case_arm64_stock_msix_fault() {
	local img=$WORK/arm64-msix.img
	stock_kernel 6.12 || return
	truncate -s 8M "$img"
	boot arm64-stock-msix-fault 0 "${STOCK[@]}" -m 256 --iommu --debug \
		--trace iommu -d "$img,serial=pci-rw,transport=pci" \
		-p "$EXTRA iomem=relaxed iovm.run=msix-fault iovm.disk_serial=pci-rw" ||
		return
	if ! grep -q 'IOVM-TEST-RESULT: msix-fault rc=0' "$last_log"; then
		not_ok "arm64-stock-msix-fault: the guest did not pass its test"
	elif ! grep -q 'MSI-X vector [0-9]*: message to 0x[0-9a-f]*, outside the MSI window: a DMA write, refused' "$last_log" ||
	     ! grep -q 'trace: iommu: fault: endpoint 65544 (blk0) write' "$last_log"; then
		not_ok "arm64-stock-msix-fault: iovm did not report the refused message"
		grep 'iovm:' "$last_log" | sed 's/^/#   /'
	else
		grep 'iovm-guest: \|MSI-X vector\|trace: iommu: fault' "$last_log" |
			sed 's/^/#   /'
		ok "arm64-stock-msix-fault: an MSI-X message outside the ITS doorbell window was a DMA write the IOMMU refused (a write fault on endpoint 65544); no interrupt reached the guest"
	fi
}

# Device assignment: a virtio-pci disk bound to vfio-pci and driven by a
# guest program (vfio-blk): data, isolation and the hostile suite, as on
# x86's stock_vfio (make demo-vfio ARCH=arm64 runs the same).
case_arm64_stock_vfio_pci() {
	stock_kernel 6.12 || return
	stock_vfio_boot arm64-stock-vfio-pci || return
	vfio_demo_check arm64-stock-vfio-pci stock pci &&
		ok "arm64-stock-vfio-pci: Debian's $(stock_version 6.12): a virtio-pci disk on vfio-pci, its endpoint from iommu-map, MSI-X through the ITS to the guest program: 128 KiB written and read back, isolation held, $demo_checks checks of the three parts (the hostile suite too) with their expected outcomes, $demo_faults faults counted by iovm"
}

# Debian 12's own arm64 kernel (6.1) has no virtio-iommu driver.
case_arm64_stock61_disk() {
	local img=$WORK/arm64-stock61.img
	stock_kernel 6.1 || return
	truncate -s 8M "$img"
	boot arm64-stock61-disk 0 "${STOCK[@]}" -m 256 -d "$img" \
		-p "$EXTRA iovm.run=boot,disk iovm.end=poweroff" || return
	if passed_and_wrote arm64-stock61-disk 2 "$img"; then
		ok "arm64-stock61-disk: Debian's $(stock_version 6.1), unmodified, read iovm's device tree, wrote and read its disk; the image holds exactly that; powered off (PSCI): exit 0"
	fi
}

for c in "${CASES[@]}"; do
	wanted "$c" && "case_$c"
done
[ "$nested_retries" -gt 0 ] &&
	echo "# $nested_retries retry(ies) in nested mode: a triple fault, or a background guest that never got going (see above)"
echo "guest: $pass passed, $fail failed"
# Nested, the fault's rate differs from one level 1 to the next: one level 1
# killed a guest five boots running while, in the same CI run, no other
# case needed a retry. When every failure is that fault, status 75 asks
# tests/guest/run-all.sh for a fresh level 1.
if [ "$fail" -gt 0 ] && [ "$fail" -eq "$flakes" ]; then
	echo "# every failure here was the nested triple fault or hang, retries spent: exit 75"
	exit 75
fi
[ "$fail" -eq 0 ]
