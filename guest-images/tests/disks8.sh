#!/bin/sh
# Eight disks at once: each appears with its size and serial, and takes a
# marker the host looks for at sector 8 of the image (tests/guest/suite.sh
# gives disk N a size of N+1 MiB and serial iovm-disk-N).
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

n=0
for d in a b c d e f g h; do
	dev=vd$d
	want_size=$(( (n + 1) * 2048 ))
	if [ ! -b /dev/$dev ]; then
		fail "/dev/$dev is missing"
	elif [ "$(cat /sys/block/$dev/size)" != "$want_size" ]; then
		fail "/dev/$dev has $(cat /sys/block/$dev/size) sectors, expected $want_size"
	elif [ "$(cat /sys/block/$dev/serial 2>/dev/null)" != "iovm-disk-$n" ]; then
		fail "/dev/$dev serial is '$(cat /sys/block/$dev/serial 2>/dev/null)', expected iovm-disk-$n"
	else
		printf 'iovm-marker-%s\n' "$n" |
			dd of=/dev/$dev bs=512 seek=8 conv=fsync 2>/dev/null &&
			pass "/dev/$dev: $want_size sectors, serial iovm-disk-$n, marker written" ||
			fail "/dev/$dev: writing the marker failed"
	fi
	n=$((n + 1))
done
exit $failed
