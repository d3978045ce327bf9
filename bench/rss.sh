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
# As tests/guest/run-all.sh: QEMU's emulated SVM now and then wedges or
# takes down level 1 itself (harness status 124 or 125); that costs one
# more try in a fresh level 1. rss-l1.sh prints its results only at its
# end, so a failed try leaves none behind.
for attempt in 1 2; do
	rc=0
	"$repo/tests/harness/run" --share "$repo" --share /usr --timeout 150 \
		-- "$repo/bench/rss-l1.sh" "$iovm" "$bench" || rc=$?
	[ "$rc" -eq 124 ] || [ "$rc" -eq 125 ] || exit "$rc"
	[ "$attempt" -eq 1 ] &&
		echo "bench: rss: level 1 failed (harness status $rc): once more in a fresh level 1" >&2
done
exit "$rc"
