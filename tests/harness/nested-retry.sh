# shellcheck shell=bash
# The one retry policy for level-2 guests in nested mode, sourced by the
# guest suite, scripts/demo and the bench. QEMU 7.2's emulated SVM now and
# then takes an interrupt where the CPU could not take one, and the guest
# dies with a triple fault (iovm's exit status 4; tests/harness/README.md).
# It was never seen on hardware-backed KVM, so there nothing is retried.
#
# retry_boot NESTED SAY BOOT [ARG...]
#   Run BOOT ARG...; while it exits 4, NESTED is not empty and fewer than
#   NESTED_BOOTS boots were made, call SAY ATTEMPT (the boot about to
#   start, 2..NESTED_BOOTS) and run it again. Returns BOOT's last status
#   and adds each retry to nested_retries.

NESTED_BOOTS=5
nested_retries=${nested_retries:-0}

retry_boot() {
	local nested=$1 say=$2 rc attempt=1
	shift 2
	"$@"
	rc=$?
	while [ "$rc" -eq 4 ] && [ -n "$nested" ] &&
	      [ "$attempt" -lt "$NESTED_BOOTS" ]; do
		attempt=$((attempt + 1))
		nested_retries=$((nested_retries + 1))
		"$say" "$attempt"
		"$@"
		rc=$?
	done
	return "$rc"
}
