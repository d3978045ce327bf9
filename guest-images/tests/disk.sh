#!/bin/sh
# virtio-blk data path: write a known pattern to /dev/vda, flush it, read it
# back past the page cache. The host compares the image with the same
# pattern afterwards (tests/guest/suite.sh), so this proves the bytes
# reached the file, not just the guest's cache.
#
# The pattern: `yes iovm-disk-pattern | head -c 4M`, at byte offset 1 MiB.
# The disk is /dev/vda, or the one whose serial iovm.disk_serial= names
# (probe order is not iovm's to decide once some disks sit behind an IOMMU).
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

dev=vda
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.disk_serial=*)
		want_serial=${arg#iovm.disk_serial=}
		for b in /sys/block/vd*; do
			[ "$(cat "$b/serial" 2>/dev/null)" = "$want_serial" ] &&
				dev=$(basename "$b")
		done
		;;
	esac
done
if [ -b /dev/$dev ]; then
	pass "/dev/$dev appeared ($(cat /sys/block/$dev/size) sectors, serial '$(cat /sys/block/$dev/serial 2>/dev/null)')"
else
	fail "/dev/$dev is missing"
	exit 1
fi

yes iovm-disk-pattern | head -c 4194304 > /tmp/pattern
want=$(sha256sum < /tmp/pattern | cut -d' ' -f1)
if dd if=/tmp/pattern of=/dev/$dev bs=65536 seek=16 conv=fsync 2>/dev/null; then
	pass "wrote 4 MiB and fsync'd it (FLUSH)"
else
	fail "writing /dev/$dev failed"
fi
sync
echo 3 > /proc/sys/vm/drop_caches
got=$(dd if=/dev/$dev bs=65536 skip=16 count=64 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$got" = "$want" ]; then
	pass "read back the same 4 MiB from the device: sha256 $got"
else
	fail "read back sha256 $got, wrote $want"
fi
echo "iovm-guest: disk pattern sha256 $want"
exit $failed
