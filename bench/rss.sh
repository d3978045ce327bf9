#!/bin/bash
# Figure 4: iovm's resident memory with a stub guest (bench/rss-l1.sh),
# run where KVM is real, as every figure that boots a guest: directly, or
# nested under QEMU TCG (tests/harness/kvm-mode decides, and
# IOVM_HARNESS_MODE overrides it, as for the guest tests and figure 3). A
# host without a hardware-backed /dev/kvm, or without any, measures it in
# level 1.
#
# usage: bench/rss.sh IOVM IOVM_BENCH    (prints "result KEY VALUE" lines;
#        both programs inside the repository: level 1 sees it and /usr)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
iovm=$(realpath "$1")
bench=$(realpath "$2")
exec "$repo/tests/harness/run" --share "$repo" --share /usr --timeout 300 \
	-- "$repo/bench/rss-l1.sh" "$iovm" "$bench"
