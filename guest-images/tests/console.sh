#!/bin/sh
# Run with --console virtio: the kernel's console is hvc0 (virtio-console),
# and this very output reaches iovm's stdout through it.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

if grep -q '^hvc0' /proc/consoles; then
	pass "the kernel console is hvc0: $(grep '^hvc0' /proc/consoles)"
else
	fail "hvc0 is not a kernel console: $(cat /proc/consoles)"
fi
[ -c /dev/hvc0 ] && pass "/dev/hvc0 exists" || fail "/dev/hvc0 is missing"
exit $failed
