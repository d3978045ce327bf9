#!/bin/sh
# A read-only disk (iovm --disk FILE,ro): the device offers VIRTIO_BLK_F_RO,
# so the kernel marks the disk read-only and refuses writes before they
# reach the device; a write forced past the block device's own flag
# (blockdev --setrw, O_DIRECT) still fails, since Linux 6.1 keeps the
# disk-level flag. The device answers any write that does reach it with
# VIRTIO_BLK_S_IOERR (tests/unit/test_blk_req.c). The host checks that the
# image is unchanged.
#
# The disk is /dev/vda, or the one whose serial iovm.ro_serial= names.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

dev=vda
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.ro_serial=*)
		for b in /sys/block/vd*; do
			[ "$(cat "$b/serial" 2>/dev/null)" = "${arg#*=}" ] &&
				dev=${b##*/}
		done
		;;
	esac
done

if [ "$(cat /sys/block/$dev/ro)" = 1 ]; then
	pass "/dev/$dev is read-only in the guest"
else
	fail "/dev/$dev is not marked read-only"
fi
if dd if=/dev/zero of=/dev/$dev bs=4096 count=1 2>/dev/null; then
	fail "a plain write to the read-only disk succeeded"
else
	pass "a plain write to the read-only disk was refused"
fi
blockdev --setrw /dev/$dev
if dd if=/dev/zero of=/dev/$dev bs=4096 count=1 oflag=direct 2>/tmp/err; then
	fail "a forced write to the read-only disk succeeded"
else
	pass "a forced write failed too: $(head -1 /tmp/err)"
fi
if dd if=/dev/$dev of=/dev/null bs=65536 count=16 2>/dev/null; then
	pass "reading the read-only disk works"
else
	fail "reading the read-only disk failed"
fi
exit $failed
