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

kdir=$(guest-images/build-kernel.sh)
idir=$(guest-images/build-initramfs.sh)

# /usr: the suite is a bash script using coreutils; level 1 has only
# busybox of its own (Debian has merged /usr, so /bin/bash is /usr/bin/bash).
exec tests/harness/run --share "$repo" --share "$cache" --share /usr \
	--timeout 2400 -- \
	"$repo/tests/guest/suite.sh" "$repo/iovm" "$kdir" "$idir" "$@"
