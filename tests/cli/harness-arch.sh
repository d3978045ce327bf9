#!/bin/bash
# tests/harness/kvm-mode and run choose by the target architecture: a
# target that is not this machine's is always nested, and says so; direct
# cannot be forced for it; a bad --arch or IOVM_ARCH is named. Nothing here
# boots a level 1 (kvm-mode only decides; run fails before QEMU starts).
#
# usage: tests/cli/harness-arch.sh
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
mode=$repo/tests/harness/kvm-mode
run=$repo/tests/harness/run
TMP=$(mktemp -d /tmp/iovm-harness-arch.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

case $(uname -m) in
x86_64) here=x86_64 other=arm64 other_alias=aarch64 ;;
aarch64) here=arm64 other=x86_64 other_alias=amd64 ;;
*) echo "harness-arch: skipped, $(uname -m) is neither x86_64 nor arm64"; exit 0 ;;
esac

# expect WHAT STATUS STDOUT STDERR-REGEX -- COMMAND...: status and output.
expect() {
	local what=$1 want_rc=$2 want_out=$3 want_err=$4 rc out
	shift 5
	out=$("$@" 2>"$TMP/err")
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && [ "$out" = "$want_out" ] &&
	   grep -qE -- "$want_err" "$TMP/err"; then
		ok "$what"
	else
		not_ok "$what: status $rc (expected $want_rc), stdout '$out'" \
			"(expected '$want_out'), stderr: $(cat "$TMP/err")"
	fi
}

unset IOVM_ARCH IOVM_HARNESS_MODE
expect "--arch $other on this $here machine: nested, and the reason names both" \
	0 nested "the target is $other and this machine is $here: nested" -- \
	"$mode" --arch "$other"
expect "--arch $other_alias is read as $other" \
	0 nested "the target is $other and this machine is $here" -- \
	"$mode" --arch "$other_alias"
expect "IOVM_ARCH=$other without --arch" \
	0 nested "the target is $other" -- env IOVM_ARCH="$other" "$mode"
expect "--arch wins over IOVM_ARCH" \
	0 nested "the target is $other" -- env IOVM_ARCH="$here" "$mode" --arch "$other"
expect "IOVM_HARNESS_MODE=direct cannot run $other code here" \
	2 "" "cannot run $other code on this $here machine" -- \
	env IOVM_HARNESS_MODE=direct "$mode" --arch "$other"
expect "IOVM_HARNESS_MODE=nested for $other says the target" \
	0 nested "IOVM_HARNESS_MODE=nested is set: using it \\(target $other" -- \
	env IOVM_HARNESS_MODE=nested "$mode" --arch "$other"
expect "IOVM_HARNESS_MODE=direct for this machine's own architecture" \
	0 direct "IOVM_HARNESS_MODE=direct is set" -- \
	env IOVM_HARNESS_MODE=direct "$mode" --arch "$here"
expect "an unknown --arch is named, with what is expected" \
	2 "" "architecture 'sparc' \\(--arch or IOVM_ARCH\\): expected x86_64 or arm64" -- \
	"$mode" --arch sparc
expect "--arch without a value" \
	2 "" "--arch needs a value" -- "$mode" --arch
expect "run: an unknown IOVM_ARCH fails before anything starts (125)" \
	125 "" "architecture 'mips' \\(--arch or IOVM_ARCH\\)" -- \
	env IOVM_ARCH=mips "$run" -- true
expect "run: forced direct for $other fails with kvm-mode's reason (125)" \
	125 "" "cannot run $other code on this $here machine" -- \
	env IOVM_HARNESS_MODE=direct "$run" --arch "$other" -- true
expect "run: forced direct for $here runs the command here" \
	0 "ran" "mode=direct" -- \
	env IOVM_HARNESS_MODE=direct "$run" --arch "$here" -- echo ran

echo "harness-arch: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
