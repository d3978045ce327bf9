#!/bin/bash
# bench/boot-ab.sh's side in level 1 (run through tests/harness/run): boots
# of several variants (an iovm binary, a kernel, options) taken in turn,
# round after round (A B C A B C ...), so that a change in the machine's
# load falls on every variant alike. Each boot is timed to the guest's
# "init reached" line on the console, as bench/boot-l1.sh times it; at that
# line, KVM's statistics for the VM (level 1's debugfs) and iovm's huge
# pages (its smaps) are read, then iovm is stopped: the guest's shell
# waits on a FIFO nobody writes.
#
# usage: boot-ab-l1.sh OUT ROUNDS PARAMS TIMED INITRD_K61 INITRD_STOCK LABEL,VMM,KERNEL[,OPTION...]...
#   VMM: an iovm binary, or kvmtool's (named lkvm), which gets the same
#   guest, CPUs, RAM and disk
#   OUT: a folder for each boot's console and VMM's stderr (LABEL.ROUND.*)
#   PARAMS: the guest's kernel parameters (bench/boot-ab.sh: noxsave nested)
#   TIMED: if not empty, each console line's arrival time goes to
#   OUT/LABEL.ROUND.timed; reading line by line costs level 1 time in
#   proportion to the console's length, so the boot times are then
#   skewed against the more talkative variant
# Prints one line per boot:
#   boot-ab LABEL ROUND boot_ms=N uptime_ms=N mark_ms=N COUNTER=N...
# mark_ms: iovm's own "guest mark" (its start to the guest's init, by its
# clock; 0 under kvmtool); setup_ms: its "guest set up" (its start to the
# vCPUs' start; given --debug, else 0). The counters are KVM's for the VM at init (its
# vCPUs' summed; exits, pf_taken: nested page faults, pages_4k/2m: what
# maps the guest, ...), the VMM's CPU time so far (user_ms, sys_ms:
# level 1's kernel on its behalf, KVM's exit handling among it, guest_ms)
# and its huge pages (anon_huge_kib).
set -uo pipefail

out=$1 rounds=$2 params=$3 timed=$4 initrd_k61=$5 initrd_stock=$6
shift 6
mkdir -p "$out" || exit 1
INIT_LINE='iovm-guest: init reached'
LIMIT=300
work=$(mktemp -d /tmp/iovm-boot-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
dd if=/dev/zero of="$work/disk.img" bs=1M count=16 status=none || exit 1
dbg=/sys/kernel/debug/kvm
[ -d "$dbg" ] || mount -t debugfs debugfs /sys/kernel/debug || exit 1

HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
now_us() { echo "${EPOCHREALTIME/./}"; }

# kvm_stat DIR NAME: one of KVM's counters for a VM, or -1 if this KVM has
# none.
kvm_stat() {
	local v=-1
	[ -r "$1/$2" ] && read -r v <"$1/$2"
	echo "$v"
}

# sample PID: KVM's counters for the VMM's VM, its CPU time split by where
# it went (level 1's kernel, the VMM's user space, the guest) and its huge
# pages, on one line.
sample() {
	local d n kib=0 line st
	d=$(echo "$dbg/$1"-*)
	for n in exits pf_taken pages_4k pages_2m io_exits mmio_exits \
		 halt_exits irq_exits irq_window_exits irq_injections \
		 insn_emulation hypercalls tlb_flush; do
		printf ' %s=%s' "$n" "$(kvm_stat "$d" "$n")"
	done
	# /proc/PID/stat after the command's closing parenthesis: utime and
	# stime are the 12th and 13th fields there, guest_time the 41st
	# (clock ticks); utime includes guest_time.
	read -r line <"/proc/$1/stat"
	read -ra st <<<"${line##*) }"
	printf ' user_ms=%s sys_ms=%s guest_ms=%s' \
		$(((st[11] - st[40]) * 1000 / HZ)) $((st[12] * 1000 / HZ)) \
		$((st[40] * 1000 / HZ))
	while read -r line; do
		[[ $line == AnonHugePages:* ]] || continue
		line=${line#AnonHugePages:}
		kib=$((kib + ${line% kB}))
	done <"/proc/$1/smaps"
	printf ' anon_huge_kib=%s\n' "$kib"
}

# at_init PID T0 < console: at the init line, while the VM still exists,
# the time, the counters, then the VMM is stopped; the rest is drained.
# With TIMED, every line before it with its arrival time (µs from T0).
at_init() {
	local line fd
	if [ -z "$timed" ]; then
		grep -q -m 1 -F "$INIT_LINE" || { cat >/dev/null; return; }
	else
		exec {fd}>"$work/timed"
		while IFS= read -r line; do
			echo "$((${EPOCHREALTIME/./} - $2)) $line" >&"$fd"
			[[ $line == *"$INIT_LINE"* ]] && break
		done
		exec {fd}>&-
		[[ $line == *"$INIT_LINE"* ]] || return
	fi
	now_us >"$work/stamp"
	sample "$1" >"$work/stats"
	kill -TERM "$1" 2>/dev/null
	cat >/dev/null
}

# boot LABEL ROUND VMM KERNEL OPTION...: one boot, one line on stdout.
boot() {
	local label=$1 round=$2 vmm=$3 kernel=$4 log=$work/console
	local initrd=$initrd_k61 t0 pid deadline up mark setup
	shift 4
	case "$kernel" in
	*/vmlinuz) initrd=$initrd_stock ;;
	esac
	rm -f "$work/fifo" "$work/in" "$work/stamp" "$work/stats" "$work/timed"
	mkfifo "$work/fifo" "$work/in"
	exec {in}<>"$work/in"
	t0=$(now_us)
	"$vmm" run -k "$kernel" -i "$initrd" -c 2 -m 512 -d "$work/disk.img" \
		"$@" ${params:+-p "$params"} <&"$in" >"$work/fifo" 2>"$work/err" &
	pid=$!
	tee "$log" <"$work/fifo" | at_init "$pid" "$t0" &
	deadline=$((SECONDS + LIMIT))
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		read -r -t 0.5 -u "$in" _
	done
	kill -KILL "$pid" 2>/dev/null
	wait
	exec {in}>&-
	cp "$log" "$out/$label.$round.console"
	cp "$work/err" "$out/$label.$round.err"
	cp "$work/timed" "$out/$label.$round.timed" 2>/dev/null
	if [ ! -s "$work/stats" ]; then
		echo "boot-ab: $label round $round: no init line; iovm's last words:" >&2
		tail -n 5 "$log" "$work/err" >&2
		return 1
	fi
	up=$(tr -d '\r' <"$log" | sed -n 's/.*init reached, uptime \([0-9]*\)\.\([0-9]*\) s.*/\1\2/p')
	mark=$(sed -n 's/.*guest mark after \([0-9]*\) ms.*/\1/p' "$work/err")
	setup=$(sed -n 's/.*guest set up in \([0-9]*\).* ms.*/\1/p' "$work/err")
	printf 'boot-ab %s %s boot_ms=%s uptime_ms=%s mark_ms=%s setup_ms=%s%s\n' \
		"$label" "$round" $((($(<"$work/stamp") - t0) / 1000)) \
		$((10#${up:-0} * 10)) "${mark:-0}" "${setup:-0}" \
		"$(<"$work/stats")"
}

failed=0
for ((r = 1; r <= rounds; r++)); do
	for v in "$@"; do
		IFS=, read -ra f <<<"$v"
		boot "${f[0]}" "$r" "${f[1]}" "${f[2]}" "${f[@]:3}" || failed=1
	done
done
exit "$failed"
