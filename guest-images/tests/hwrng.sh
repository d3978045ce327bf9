#!/bin/sh
# virtio-rng: /dev/hwrng is backed by it and returns data.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case "$cur" in
virtio_rng*) pass "the hardware RNG is $cur" ;;
*) fail "the hardware RNG is '$cur', expected virtio_rng" ;;
esac
bytes=$(dd if=/dev/hwrng bs=64 count=4 2>/dev/null | wc -c)
distinct=$(dd if=/dev/hwrng bs=256 count=1 2>/dev/null | od -An -v -tx1 |
	tr ' ' '\n' | grep -v '^$' | sort -u | wc -l)
if [ "$bytes" -eq 256 ] && [ "$distinct" -gt 100 ]; then
	pass "/dev/hwrng returned $bytes bytes ($distinct distinct values in 256)"
else
	fail "/dev/hwrng returned $bytes bytes, $distinct distinct values"
fi
exit $failed
