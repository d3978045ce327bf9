# shellcheck shell=bash
# One guest boot of figure 3 in level 1, under iovm, QEMU or kvmtool, timed
# the same way for all three (sourced by bench/guest-l1.sh, with lib.sh).
#
# boot_once LIMIT LOG VMM ARGS...
#   Starts VMM ARGS... with its console (stdout) in LOG and its stderr in
#   LOG.err, and waits for it, killing it after LIMIT seconds (status 124).
#   Sets:
#     boot_us  from its start to the guest's "iovm-guest: init reached"
#              line on the console, as seen here (empty if never); the
#              same clock for every VMM
#     rss_kib  iovm's resident memory outside guest RAM ($MEM_MIB) when
#              the guest's fio has ended (0 for the other VMMs, or if it
#              never ended): sampled once, as walking smaps takes a
#              nested level 1 long enough to slow the guest down
#   Returns the VMM's exit status.

INIT_LINE='iovm-guest: init reached'
FIO_END_LINE='iovm-guest: fio ended'

now_us() { echo "${EPOCHREALTIME/./}"; }

boot_once() {
	local limit=$1 log=$2 vmm=$3 fifo=$2.console stamp=$2.stamp ended=$2.ended
	local t0 pid reader rc st deadline tick
	shift 3
	rm -f "$fifo" "$stamp" "$ended" "$log.tick"
	mkfifo "$fifo" "$log.tick"
	# Read with a timeout on a FIFO nobody writes: a sleep without a fork.
	exec {tick}<>"$log.tick"
	# The console goes to LOG whole; greps beside it note when the init
	# line and the end of fio's jobs go past, as soon as the VMM writes
	# them; then the rest is drained.
	tee "$log" <"$fifo" | {
		grep -q -m 1 -F "$INIT_LINE" && now_us >"$stamp" &&
			grep -q -m 1 -F "$FIO_END_LINE" && : >"$ended"
		cat >/dev/null
	} &
	reader=$!
	t0=${EPOCHREALTIME/./}
	"$vmm" "$@" <"/dev/null" >"$fifo" 2>"$log.err" &
	pid=$!
	deadline=$((SECONDS + limit))
	rss_kib=0
	rc=
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "bench: guest: $vmm still running after $limit s: killed" >&2
			# Where each thread was, for a VMM that hangs.
			if command -v gdb >/dev/null; then
				gdb -p "$pid" -batch -ex 'thread apply all bt' 2>&1 |
					grep '^#\|^Thread' | sed 's/^/bench:   stack: /' >&2
			fi
			kill -KILL "$pid" 2>/dev/null
			rc=124
			break
		fi
		if [ "${vmm##*/}" = iovm ] && [ "$rss_kib" -eq 0 ] && [ -e "$ended" ]; then
			rss_kib=$(guest_excluded_rss $((MEM_MIB << 20)) \
				"/proc/$pid/smaps" 2>/dev/null)
			rss_kib=${rss_kib:-0}
		fi
		read -r -t 0.2 -u "$tick" _
	done
	exec {tick}>&-
	wait "$pid"
	st=$?
	[ -z "$rc" ] && rc=$st
	wait "$reader"
	boot_us=
	[ -s "$stamp" ] && boot_us=$(($(<"$stamp") - t0))
	rm -f "$fifo" "$stamp" "$ended" "$log.tick"
	return "$rc"
}

# The guest's command line for MODE (noiommu*, strict or lazy) and whether
# its disk sits behind an IOMMU.
mode_params() {
	case "$1" in
	noiommu*) echo "$PARAMS" ;;
	strict) echo "$PARAMS iommu.strict=1" ;;
	lazy) echo "$PARAMS iommu.strict=0" ;;
	esac
}
behind_iommu() { [ "$1" = strict ] || [ "$1" = lazy ]; }

# The guest finds its two disks without serials (kvmtool sets none): fio's
# by its ext2 label (fio-tools), the test disk as the other one.

# iovm_args KERNEL INITRD MODE: iovm's arguments for one run of the fio
# test in vmm_args; the project's kernel (a bzImage) reads a device tree,
# Debian's an ACPI description. fio's own disk stays outside the
# virtio-iommu.
iovm_args() {
	local queues=
	# One request queue, against the default of one per vCPU.
	[ "$3" = noiommu1q ] && queues=,queues=1
	vmm_args=(run -k "$1" -i "$2" -c 2 -m "$MEM_MIB" -d "$IMG$queues"
		-d "$FIO_IMG,ro,iommu=off" -p "$(mode_params "$3")")
	case "$1" in
	*bzImage) vmm_args+=(--dt) ;;
	esac
	if behind_iommu "$3"; then
		vmm_args+=(--iommu)
	fi
}

# qemu_args KERNEL INITRD MODE: QEMU's, as DESIGN.md found it runs in a
# nested level 1: q35, kvm64 CPU (less vme, which nested SVM lacks),
# SeaBIOS and QEMU's option ROMs from Debian's packages (-L), no ROM on the
# virtio devices, which are modern only (iommu_platform needs that). With
# the IOMMU, its virtio-iommu-pci and the disk's iommu_platform=on. Defaults
# otherwise: the image opened buffered, as iovm does, its I/O done in QEMU's
# thread pool.
qemu_args() {
	local platform=
	vmm_args=(-nodefaults -no-user-config -no-reboot -display none
		-M q35 -accel kvm -cpu kvm64,-vme -smp 2 -m "$MEM_MIB"
		-L /usr/share/seabios -L /usr/share/qemu -serial stdio
		-kernel "$1" -initrd "$2" -append "console=ttyS0 $(mode_params "$3")")
	if behind_iommu "$3"; then
		platform=,iommu_platform=on
		vmm_args+=(-device virtio-iommu-pci,romfile=)
	fi
	vmm_args+=(-drive "file=$IMG,if=none,id=disk,format=raw"
		-device "virtio-blk-pci,drive=disk,disable-legacy=on,romfile=$platform"
		-drive "file=$FIO_IMG,if=none,id=tools,format=raw,readonly=on,file.locking=off"
		-device "virtio-blk-pci,drive=tools,disable-legacy=on,romfile=")
}

# kvmtool_args KERNEL INITRD MODE: lkvm's (no IOMMU: kvmtool has none).
kvmtool_args() {
	vmm_args=(run -k "$1" -i "$2" -c 2 -m "$MEM_MIB" -d "$IMG"
		-d "$FIO_IMG,ro" -p "$(mode_params "$3")")
}
