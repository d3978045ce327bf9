#!/bin/bash
# Build the guest images (cached), then run the guest-boot suite where KVM
# is real: directly on a hardware-backed host, else nested under QEMU TCG.
#
# usage: tests/guest/run-all.sh [CASE...]    (cases: see suite.sh)
#        IOVM_ARCH=arm64 tests/guest/run-all.sh [CASE...]   (the arm64 cases)
#        GUEST_KERNEL=6.12 tests/guest/run-all.sh [CASE...]
#            the x86 cases that boot the project's kernel (dt-kernel) boot
#            it built from Linux 6.12 instead of 6.1; build-kernel.sh reads
#            GUEST_KERNEL (not in make check: a second cold kernel build)
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
arch=${IOVM_ARCH:-$(uname -m)}
[ "$arch" = aarch64 ] && arch=arm64
if [ "$arch" = arm64 ]; then
	# The arm64 cases: an arm64 iovm, arm64 images, and the suite run
	# here, each guest booted through tests/harness/run --arch arm64
	# (suite.sh says why). make ARCH=arm64 builds build/arm64/iovm.
	suite=("$repo/tests/guest/suite.sh" "$repo/${IOVM_ARM64_BIN:-build/arm64/iovm}")
	for image in $(IOVM_ARCH=arm64 tests/guest/suite.sh --needs "$@"); do
		case "$image" in
		dt-kernel) dir=$(guest-images/build-kernel.sh arm64) ;;
		initramfs) dir=$(guest-images/build-initramfs.sh arm64) ;;
		stock-*) dir=$(guest-images/build-stock.sh "${image#stock-}" arm64) ;;
		esac
		suite+=("--$image" "$dir")
	done
	IOVM_ARCH=arm64 exec "${suite[@]}" "$@"
fi
if [ "$(tests/harness/kvm-mode 2>/dev/null)" = nested ]; then
	export IOVM_GUEST_PARAMS="noxsave ${IOVM_GUEST_PARAMS:-}"
	export IOVM_NESTED=1
fi

# Only the images the chosen cases boot: the project's kernel takes minutes
# to build the first time, and the stock kernels a download each.
suite=("$repo/tests/guest/suite.sh" "$repo/iovm")
for image in $(tests/guest/suite.sh --needs "$@"); do
	case "$image" in
	dt-kernel) dir=$(guest-images/build-kernel.sh) ;;
	initramfs) dir=$(guest-images/build-initramfs.sh) ;;
	stock-*) dir=$(guest-images/build-stock.sh "${image#stock-}") ;;
	esac
	suite+=("--$image" "$dir")
done

# /usr: the suite is a bash script using coreutils; level 1 has only
# busybox of its own (Debian has merged /usr, so /bin/bash is /usr/bin/bash).
harness=(tests/harness/run --share "$repo" --share "$cache" --share /usr)
if [ -z "${IOVM_NESTED:-}" ]; then
	exec "${harness[@]}" --timeout 2400 -- "${suite[@]}" "$@"
fi

# Nested, every case gets a level 1 of its own (about 6 s each). QEMU
# 7.2's emulated SVM now and then takes down or wedges level 1 itself
# (tests/harness/README.md): one such event then costs one case a second
# try in a fresh level 1, not the whole suite and its 40-minute timeout.
# The slowest case takes under a minute with both cores busy, so a level
# 1 still running after 300 s is taken for wedged.
if [ $# -gt 0 ]; then
	cases=("$@")
else
	mapfile -t cases < <("$repo/tests/guest/suite.sh" --list)
fi
log=$(mktemp /tmp/iovm-guest-case.XXXXXX)
trap 'rm -f "$log"' EXIT
pass=0 fail=0 again=0
for c in "${cases[@]}"; do
	for attempt in 1 2; do
		set +e
		"${harness[@]}" --timeout 300 -- "${suite[@]}" "$c" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		set -e
		# 124: level 1 timed out; 125: the harness or level 1 failed;
		# 75: the case failed only by the emulated SVM's fault, with its
		# retries in that level 1 spent (see the end of suite.sh).
		[ "$rc" -eq 124 ] || [ "$rc" -eq 125 ] || [ "$rc" -eq 75 ] ||
			break
		[ "$attempt" -eq 2 ] && break
		again=$((again + 1))
		echo "# $c: level 1 failed, or the nested fault outlasted its retries (harness status $rc): once more in a fresh level 1"
	done
	counts=$(sed -n 's/^guest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -n 1)
	if [ -z "$counts" ]; then
		echo "not ok - $c: no result from level 1 (harness status $rc)"
		fail=$((fail + 1))
		continue
	fi
	pass=$((pass + ${counts% *}))
	fail=$((fail + ${counts#* }))
done
[ "$again" -gt 0 ] &&
	echo "# $again case(s) needed a second level 1 (see above)"
echo "guest (all cases): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
