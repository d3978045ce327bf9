# shellcheck shell=bash
# The harness's names for the architectures it knows, sourced by kvm-mode
# and run: x86_64 and arm64, whatever spelling uname(1), Debian or the
# user gave (amd64, aarch64).
#
#   norm_arch NAME    x86_64 or arm64, or nothing if NAME is neither
#   host_arch         this machine's, or nothing

norm_arch() {
	case $1 in
	x86_64|amd64) echo x86_64 ;;
	arm64|aarch64) echo arm64 ;;
	esac
}

host_arch() { norm_arch "$(uname -m)"; }
