#!/bin/bash
# make stress: the UNMAP/DETACH races and the hostile suite again and
# again while other processes keep both cores busy. Not part of make
# check: it runs for a fixed time (default 600 s) and ends with one line,
# "stress: PASS ..." or "stress: FAIL ...".
#
#   tests/stress/run.sh [SECONDS]
#
# A quarter of the time goes to the in-process race tests of tests/unit
# (test_iommu: UNMAP, DETACH and ATTACH against device threads holding
# DMA; test_rwlock), plain and with the sanitizers, run in a loop. The rest
# boots guests (tests/stress/guests.sh, through the harness: the DT guest
# on virtio-mmio and Debian's 6.12 on virtio-pci) that repeat the hostile
# suite, whose unmap-in-flight and detach-in-flight cases race
# an UNMAP or a DETACH with reads iovm's test gate holds in flight.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$repo"
total=${1:-${STRESS_SECONDS:-600}}
unit_secs=$((total / 4))
out=build/stress
mkdir -p "$out"
log() { echo "stress: $*" >&2; }

# The load: one busy loop per CPU, for as long as this runs.
load=()
for _ in $(seq "$(nproc)"); do
	bash -c 'while :; do :; done' &
	load+=($!)
done
trap 'kill "${load[@]}" 2>/dev/null' EXIT
log "${#load[@]} busy loops started (one per CPU), load $(cut -d' ' -f1 /proc/loadavg)"

# Phase 1: the race tests, over and over, until their time is up.
bins=(build/tests/test_iommu build/tests/test_rwlock
      build/asan/tests/test_iommu build/asan/tests/test_rwlock)
runs=0 unit_failed=0
end=$((SECONDS + unit_secs))
while [ "$SECONDS" -lt "$end" ]; do
	for b in "${bins[@]}"; do
		runs=$((runs + 1))
		if ! "$b" > "$out/unit-last.log" 2>&1; then
			unit_failed=$((unit_failed + 1))
			cp "$out/unit-last.log" "$out/unit-failed-$runs.log"
			log "FAILED: $b (run $runs), log $out/unit-failed-$runs.log"
			grep -E 'FAILED|ERROR|Sanitizer' "$out/unit-last.log" | head -n 5 >&2
		fi
		grep '^races:' "$out/unit-last.log" >> "$out/unit-races.log"
	done
done
waited=$(awk '{ n += $9 + $11 } END { print n + 0 }' "$out/unit-races.log" 2>/dev/null)
log "unit: $runs runs of ${#bins[@]} binaries in $unit_secs s, $unit_failed failed; the race tests' UNMAPs and DETACHes waited for $waited holds"

# Phase 2: guests, for the rest of the time.
guest_secs=$((total - unit_secs))
kdir=$(guest-images/build-kernel.sh) || exit 1
idir=$(guest-images/build-initramfs.sh) || exit 1
sdir=$(guest-images/build-stock.sh 6.12) || exit 1
cache=${IOVM_CACHE:-$HOME/.cache/iovm}
extra=
[ "$(tests/harness/kvm-mode 2>/dev/null)" = nested ] && extra=noxsave
tests/harness/run --share "$repo" --share "$cache" --share /usr \
	--timeout $((guest_secs + 600)) -- \
	"$repo/tests/stress/guests.sh" "$repo/iovm" "$kdir" "$idir" "$sdir" \
	"$guest_secs" "$extra" 2>&1 | tee "$out/guests.log"
grc=${PIPESTATUS[0]}
rounds=$(grep -c '^ok - stress round' "$out/guests.log")
bad=$(grep -c '^not ok' "$out/guests.log")
gate=$(grep -c 'test gate: .*until an IOMMU request waited' "$out/guests.log")
pci_rounds=$(sed -n 's/^# boot [0-9]* (stock-pci): \([0-9]*\) rounds$/\1/p' \
	"$out/guests.log" | awk '{ n += $1 } END { print n + 0 }')
log "load at the end $(cut -d' ' -f1 /proc/loadavg)"

if [ "$unit_failed" -eq 0 ] && [ "$grc" -eq 0 ] && [ "$bad" -eq 0 ] &&
   [ "$rounds" -gt 0 ] && [ "$pci_rounds" -gt 0 ] && [ "$runs" -gt 0 ]; then
	echo "stress: PASS in $SECONDS s with both cores loaded: $runs unit runs, $rounds hostile rounds in guests ($pci_rounds of them on Debian's 6.12 with vfio-pci), $gate races forced by iovm's gate, nothing failed"
	exit 0
fi
echo "stress: FAIL in $SECONDS s: $unit_failed of $runs unit runs failed; guests: $rounds rounds passed ($pci_rounds on vfio-pci), $bad checks failed, status $grc (logs in $out/)"
exit 1
