#!/bin/sh
# iovm was started with --disk FILE,test-bogus-iova=2048: the first read of
# sector 2048 uses an IOVA the guest never mapped. The read must fail with
# an I/O error, the guest's virtio-iommu driver must log the fault, and
# the guest must carry on (the same read works the second time).
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

if dd if=/dev/vda of=/dev/null bs=4096 skip=256 count=1 iflag=direct 2>/tmp/err; then
	fail "the read through an unmapped IOVA succeeded"
elif grep -q -i -e "input/output error" -e "i/o error" /tmp/err; then
	pass "the read through an unmapped IOVA failed: $(head -1 /tmp/err)"
else
	fail "the read failed, but not with an I/O error: $(cat /tmp/err)"
fi
sleep 1
if dmesg | grep -q "fault from EP"; then
	pass "the guest's virtio-iommu driver logged: $(dmesg | grep 'fault from EP' | head -1 | sed 's/^\[[^]]*\] //')"
else
	fail "the guest's virtio-iommu driver logged no fault"
fi
if dd if=/dev/vda of=/dev/null bs=4096 skip=256 count=1 iflag=direct 2>/dev/null; then
	pass "the guest survived: the same read works now"
else
	fail "the disk no longer works after the fault"
fi
exit $failed
