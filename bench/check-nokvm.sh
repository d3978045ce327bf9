#!/bin/bash
# make bench on a host without KVM: every step that boots a guest must go
# through the harness's mode choice, so with nested mode in force none of
# them may need the host's /dev/kvm. The host's is hidden (a private mount
# namespace puts /dev/null over it: iovm cannot use it, QEMU's TCG needs
# none, and level 1 has a /dev of its own), then bench/run.sh runs its
# guest-booting steps but figure 3's many boots (bench/guest.sh, which has
# gone through tests/harness/run from the start, and bench/guest-arm64.sh,
# which boots through the arm64 harness and needs the cross-built iovm
# make bench builds), in quick mode: a few seconds of level 1.
#
# usage: bench/check-nokvm.sh    (needs ./iovm and build/bench/iovm-bench)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo" || exit 1
TMP=$(mktemp -d /tmp/iovm-bench-nokvm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "ok - # SKIP hiding /dev/kvm needs root and unshare -m"
	echo "bench-nokvm: 0 passed, 0 failed"
	exit 0
fi

# without_kvm CMD...: CMD where /dev/kvm is no KVM device.
without_kvm() {
	unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh "$@"
}

# The premise: iovm itself cannot start a guest here.
build/bench/iovm-bench stub-kernel "$TMP/stub" || exit 1
without_kvm ./iovm run -k "$TMP/stub" < /dev/null > "$TMP/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -qi 'kvm' "$TMP/out"; then
	ok "iovm cannot use the hidden /dev/kvm: $(head -n1 "$TMP/out")"
else
	not_ok "iovm did not fail on the hidden /dev/kvm (exit $rc):"
	sed 's/^/    /' "$TMP/out"
fi

BENCH_QUICK=1 BENCH_SKIP="iommu blk callgrind guest guest-arm64" BENCH_OUT=$TMP/bench \
	IOVM_HARNESS_MODE=nested without_kvm bench/run.sh > "$TMP/run.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] &&
   grep -q '^result f4.rss_kib.d8 [1-9]' "$TMP/bench/results.txt" &&
   grep -q '^result f4.rss_kib.d0 [1-9]' "$TMP/bench/results.txt" &&
   grep -q 'mode=nested' "$TMP/bench/rss.err"; then
	ok "make bench's figure 4 ran nested, without the host's /dev/kvm: $(grep -h '^result f4' "$TMP/bench/results.txt" | xargs)"
else
	not_ok "bench/run.sh without the host's /dev/kvm: exit $rc:"
	sed 's/^/    /' "$TMP/run.out" "$TMP/bench/rss.out"
fi

echo "bench-nokvm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
