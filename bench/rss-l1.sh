#!/bin/bash
# Figure 4, where KVM is real (bench/rss.sh runs it there): iovm's own
# resident memory, guest RAM excluded, with 8 disks (and with none, as the
# reference: the difference is what disks cost).
#
# The guest is bench's stub kernel (iovm-bench stub-kernel): it halts at
# once, so it costs no CPU, and what is resident is iovm's set-up plus its
# idle threads. Guest RAM is the one mapping of exactly -m bytes in
# /proc/PID/smaps; everything else is iovm's.
#
# usage: bench/rss-l1.sh IOVM IOVM_BENCH    (prints "result KEY VALUE" lines)
set -uo pipefail

IOVM=$1 BENCH=$2
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
MEM_MIB=256
tmp=$(mktemp -d /dev/shm/iovm-bench-rss.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$BENCH" stub-kernel "$tmp/stub" || exit 1
for i in 0 1 2 3 4 5 6 7; do
	truncate -s 64M "$tmp/d$i.img"
done

# all_threads_sleep PID: every thread of PID is in state S (the state is
# the field after the ")" that closes the thread's name in its stat).
all_threads_sleep() {
	local stat st
	for stat in /proc/"$1"/task/*/stat; do
		st=$(sed 's/.*) //' "$stat" 2>/dev/null) || return 1
		[ "${st%% *}" = S ] || return 1
	done
}

# rss_kib NDISKS: iovm's resident KiB outside guest RAM.
rss_kib() {
	local n=$1 name=bench-rss-$$-$1 args=() i kib t0
	for ((i = 0; i < n; i++)); do
		args+=(-d "$tmp/d$i.img")
	done
	"$IOVM" run -k "$tmp/stub" -m "$MEM_MIB" --name "$name" "${args[@]}" \
		< /dev/null > "$tmp/log" 2>&1 &
	pid=$!
	# Running once it answers on its control socket (it serves it only
	# after starting the vCPUs), however slow level 1 is; then let the
	# vCPU threads reach the halt. The limit only catches a hang.
	t0=$SECONDS
	until "$IOVM" list 2>/dev/null | grep -q "^$name .*running"; do
		kill -0 "$pid" 2>/dev/null || break
		if [ $((SECONDS - t0)) -ge 120 ]; then
			echo "bench: rss: iovm with $n disks did not answer on its control socket in 120 s:" >&2
			sed 's/^/bench:   /' "$tmp/log" >&2
			kill -9 "$pid"
			return 1
		fi
		sleep 0.1
	done
	# Then until every thread sleeps: the vCPUs halted in the kernel, the
	# device threads waiting for work. Only then is the set-up all there.
	until all_threads_sleep "$pid"; do
		kill -0 "$pid" 2>/dev/null || break
		if [ $((SECONDS - t0)) -ge 120 ]; then
			echo "bench: rss: iovm with $n disks never went idle in 120 s" >&2
			kill -9 "$pid"
			return 1
		fi
		sleep 0.1
	done
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench: rss: iovm with $n disks did not run:" >&2
		sed 's/^/bench:   /' "$tmp/log" >&2
		pid=
		return 1
	fi
	kib=$(guest_excluded_rss $((MEM_MIB << 20)) "/proc/$pid/smaps")
	"$IOVM" stop "$name" > /dev/null 2>&1 || kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
	[ -n "$kib" ] || return 1
	echo "$kib"
}

r8=$(rss_kib 8) || exit 1
r0=$(rss_kib 0) || exit 1
echo "result f4.rss_kib.d8 $r8"
echo "result f4.rss_kib.d0 $r0"
