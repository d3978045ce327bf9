#!/bin/bash
# Build the guest images (cached), then run the guest-boot suite where KVM
# is real: directly on a hardware-backed host, else nested under QEMU TCG.
#
# usage: tests/guest/run-all.sh [CASE...]    (cases: see suite.sh)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$repo"
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
mkdir -p "$cache"

# Nested, QEMU's emulated SVM now and then loses a level-2 guest's XSETBV,
# so KVM's CPUID leaf 0xd disagrees with XCR0 and the guest kernel's xstate
# buffers come out too small (seen: "XSAVE consistency problem", then a
# triple fault, in about 1 boot of 25). Guests skip XSAVE there. On
# hardware-backed KVM nothing is added.
if [ "$(tests/harness/kvm-mode 2>/dev/null)" = nested ]; then
	export IOVM_GUEST_PARAMS="noxsave ${IOVM_GUEST_PARAMS:-}"
	export IOVM_NESTED=1
fi

kdir=$(guest-images/build-kernel.sh)
idir=$(guest-images/build-initramfs.sh)

# /usr: the suite is a bash script using coreutils; level 1 has only
# busybox of its own (Debian has merged /usr, so /bin/bash is /usr/bin/bash).
exec tests/harness/run --share "$repo" --share "$cache" --share /usr \
	--timeout 2400 -- \
	"$repo/tests/guest/suite.sh" "$repo/iovm" "$kdir" "$idir" "$@"
