#!/bin/sh
# A read-only disk (iovm --disk FILE,ro): the kernel sees it read-only, and
# a write forced past that (blockdev --setrw, O_DIRECT) fails with an I/O
# error from the device itself. The host checks the image is unchanged.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

if [ "$(cat /sys/block/vda/ro)" = 1 ]; then
	pass "/dev/vda is read-only in the guest"
else
	fail "/dev/vda is not marked read-only"
fi
if dd if=/dev/zero of=/dev/vda bs=4096 count=1 2>/dev/null; then
	fail "a plain write to the read-only disk succeeded"
else
	pass "a plain write to the read-only disk was refused"
fi
blockdev --setrw /dev/vda
if dd if=/dev/zero of=/dev/vda bs=4096 count=1 oflag=direct 2>/tmp/err; then
	fail "a forced write to the read-only disk succeeded"
elif grep -q -i "i/o error" /tmp/err; then
	pass "a forced write failed with an I/O error: $(cat /tmp/err | head -1)"
else
	fail "a forced write failed, but not with an I/O error: $(cat /tmp/err)"
fi
if dd if=/dev/vda of=/dev/null bs=65536 count=16 2>/dev/null; then
	pass "reading the read-only disk works"
else
	fail "reading the read-only disk failed"
fi
exit $failed
