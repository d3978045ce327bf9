#!/bin/sh
# DISCARD and WRITE_ZEROES: blkdiscard punches holes in the host file (the
# host counts allocated blocks before and after), and zeroed ranges read
# back as zeroes.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

max=$(cat /sys/block/vda/queue/discard_max_bytes)
if [ "$max" -gt 0 ]; then
	pass "/dev/vda supports discard (up to $max bytes per request)"
else
	fail "/dev/vda does not offer discard"
fi
if blkdiscard -o 0 -l 33554432 /dev/vda; then
	pass "blkdiscard of the first 32 MiB succeeded"
else
	fail "blkdiscard failed"
fi
sync
echo 3 > /proc/sys/vm/drop_caches
zero=$(head -c 1048576 /dev/zero | sha256sum | cut -d' ' -f1)
got=$(dd if=/dev/vda bs=1048576 count=1 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$got" = "$zero" ]; then
	pass "a discarded range reads back as zeroes"
else
	fail "a discarded range does not read back as zeroes"
fi
exit $failed
