#!/bin/bash
# In level 1: boots of a guest doing disk I/O, in turn without the IOMMU
# and strict behind it, with `iovm stat` asked again and again from the
# moment the guest starts (with FIO_IMG: from the end of fio's jobs) until
# iovm exits, and a watch for an iovm that printed the guest's exit status
# but does not exit within 20 s. On such a hang: every thread's stack (gdb,
# /proc/PID/task/*/stack, wchan) into OUTDIR, then SIGKILL. One line per
# boot on stdout; a last line with the counts.
#
# usage: exit-stat-l1.sh IOVM KERNEL INITRD OUTDIR SECONDS
#   the project's bzImage and test initramfs (iovm.run=disk three times);
#   or, with FIO_IMG=fio.img in the environment, bench/guest.sh's stock
#   kernel, its fio initramfs and fio image (iovm.run=fio)
# e.g. tests/harness/run --share /usr --share ~/.cache/iovm --share OUTDIR \
#   -- bench/exit-stat-l1.sh "$PWD/iovm" BZIMAGE INITRD OUTDIR 1800
set -u
iovm=$1 bz=$2 initrd=$3 out=$4 secs=$5
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR=$work/run
end=$((SECONDS + secs))
n=0 hangs=0 other=0
stacks() {
	local pid=$1 f=$2 t
	{
		echo "== gdb"
		gdb -p "$pid" -batch -ex 'thread apply all bt' 2>&1 | grep '^#\|^Thread'
		for t in /proc/"$pid"/task/*; do
			echo "== task ${t##*/} $(cat "$t/comm") state $(grep State "$t/status") wchan $(cat "$t/wchan")"
			cat "$t/stack"
		done
	} >"$f" 2>&1
}
while [ "$SECONDS" -lt "$end" ]; do
	n=$((n + 1))
	mode=$((n % 2))
	img=$work/d.img
	truncate -s 64M "$img"
	if [ -n "${FIO_IMG:-}" ]; then
		# bench/guest.sh's fio guest (a stock kernel, ACPI)
		args=(run -k "$bz" -i "$initrd" -c 2 -m 512 --name eh -d "$img"
			-d "$FIO_IMG,ro,iommu=off")
		params="noxsave iovm.run=fio iovm.bench_secs=5 iovm.fio_jobs=randread-4k-qd32,randread-4k-qd32x2"
	else
		args=(run --dt -k "$bz" -i "$initrd" -c 2 -m 256 --name eh -d "$img,serial=d0")
		params="noxsave iovm.disk_serial=d0 iovm.run=disk,disk,disk"
	fi
	[ "$mode" = 1 ] && { args+=(--iommu); params="$params iommu.strict=1"; }
	log=$work/boot.log
	"$iovm" "${args[@]}" -p "$params" </dev/null >"$log" 2>&1 &
	pid=$!
	# stat from start to exit, as fast as it answers
	( [ -n "${FIO_IMG:-}" ] && until grep -q 'fio ended' "$log" || ! kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
	  while kill -0 "$pid" 2>/dev/null; do
		"$iovm" stat eh >/dev/null 2>&1
		[ "$mode" = 1 ] && "$iovm" stat eh --iommu >/dev/null 2>&1
	  done ) &
	statter=$!
	t0=$SECONDS seen=
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$seen" ] && grep -q 'guest test device: exit status' "$log"; then
			seen=$SECONDS
		fi
		if [ -n "$seen" ] && [ $((SECONDS - seen)) -ge 20 ]; then
			hangs=$((hangs + 1))
			echo "HANG boot $n mode $mode: exit status printed $((SECONDS - seen)) s ago"
			stacks "$pid" "$out/hang-$n.stacks"
			cp "$log" "$out/hang-$n.log"
			kill -KILL "$pid"
			break
		fi
		if [ $((SECONDS - t0)) -ge 240 ]; then
			other=$((other + 1))
			echo "STUCK boot $n mode $mode: no exit status after 240 s"
			stacks "$pid" "$out/stuck-$n.stacks"
			cp "$log" "$out/stuck-$n.log"
			kill -KILL "$pid"
			break
		fi
		sleep 0.5
	done
	wait "$pid"; rc=$?
	kill "$statter" 2>/dev/null; wait "$statter" 2>/dev/null
	echo "boot $n mode $mode rc $rc $((SECONDS - t0)) s load $(cut -d' ' -f1-3 /proc/loadavg)"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 137 ] && cp "$log" "$out/rc$rc-$n.log"
done
echo "done: $n boots, $hangs hangs after exit, $other stuck before exit"
