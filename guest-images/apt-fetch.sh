# shellcheck shell=bash
# Debian packages of any architecture, found in apt's lists and unpacked
# without root and without installing them: Debian's own kernels as guests
# or as the harness's level 1, busybox-static for another architecture.
# Sourced by guest-images/build-stock.sh, guest-images/build-initramfs.sh
# and tests/harness/run; the caller defines die MESSAGE (which exits).
#
# Packages of a foreign architecture (arm64 ones on an amd64 machine) are
# in apt's lists only once dpkg knows that architecture, which takes root,
# once per machine (scripts/install-deps does it):
#     dpkg --add-architecture arm64 && apt-get update
#
#   a=$(deb_arch arm64)                       # Debian's name: arm64, amd64
#   p=$(deb_kernel 6.12 "$a")                # or deb_newest PATTERN ARCH HINT
#   v=$(deb_candidate "$p" "$a")
#   deb_unpack "$p" "$a" "$v" DIR             # its files under DIR/

# deb_arch ARCH: Debian's name for x86_64/amd64 or arm64/aarch64.
deb_arch() {
	case $1 in
	x86_64|amd64) echo amd64 ;;
	arm64|aarch64) echo arm64 ;;
	*) die "architecture '$1': expected x86_64 or arm64" ;;
	esac
}

# deb_lists ARCH: apt's package lists for Debian architecture ARCH, one
# path a line; dies, saying what to run as root, when there are none.
deb_lists() {
	local lists=/var/lib/apt/lists
	eval "$(apt-config shell lists Dir::State::Lists/d)"
	if compgen -G "$lists/*_binary-$1_Packages*"; then
		return 0
	fi
	if [[ $1 != "$(dpkg --print-architecture)" ]] &&
	   ! dpkg --print-foreign-architectures | grep -qx "$1"; then
		die "dpkg does not know the architecture $1, so apt lists none of its" \
			"packages: as root, run 'dpkg --add-architecture $1 && apt-get update'" \
			"(or scripts/install-deps, which does both)"
	fi
	die "apt has no package lists for $1 (a fresh machine, or the" \
		"architecture was added since): as root, run 'apt-get update'"
}

# deb_lists_key ARCH: a line per package list of ARCH (name, size, mtime):
# it changes when apt-get update brings new lists, and costs no apt query.
deb_lists_key() {
	local l
	l=$(deb_lists "$1") || exit
	# shellcheck disable=SC2086 # one path a line, no spaces in apt's names
	stat -c '%n %s %Y' $l
}

# deb_newest PATTERN ARCH HINT...: the newest package whose name matches
# the extended regular expression PATTERN; HINT says where to find one.
deb_newest() {
	local pkg
	deb_lists "$2" >/dev/null || exit
	pkg=$(apt-cache search --names-only "$1" | cut -d' ' -f1 | sort -V |
		tail -n 1)
	[[ -n $pkg ]] || die "the apt package lists offer no package matching $1; ${*:3}"
	echo "$pkg"
}

# deb_kernel SERIES ARCH: the newest Debian kernel package of SERIES (6.12
# or 6.1, Debian 12's own) for ARCH, the unsigned one: the same kernel
# without the signed package's dependency on a boot loader's keys.
deb_kernel() {
	local pattern
	case $1 in
	6.12) pattern="^linux-image-6\.12\.[0-9]+\+deb12-$2-unsigned\$" ;;
	6.1) pattern="^linux-image-6\.1\.0-[0-9]+-$2-unsigned\$" ;;
	*) die "kernel series '$1': expected 6.12 or 6.1" ;;
	esac
	deb_newest "$pattern" "$2" \
		"Debian 12 has the 6.12 kernels in bookworm-security and bookworm-backports:" \
		"add one to /etc/apt/sources.list(.d) and, as root, run 'apt-get update'"
}

# deb_candidate PKG ARCH: the version apt would fetch.
deb_candidate() {
	local v
	v=$(apt-cache policy "$1:$2" | sed -n 's/^ *Candidate: //p')
	if [[ -z $v || $v == "(none)" ]]; then
		die "apt offers no version of $1 for $2 (apt-cache policy $1:$2)"
	fi
	echo "$v"
}

# deb_unpack PKG ARCH VERSION DIR: download the package into DIR (apt-get
# download needs no root) and unpack its files there (dpkg-deb -x, no
# maintainer scripts), then drop the .deb.
deb_unpack() {
	local deb
	(cd "$4" && apt-get download "$1:$2=$3" 2>&1 |
		grep -v 'Download is performed unsandboxed' >&2) || true
	deb=$(ls "$4"/*.deb 2>/dev/null) ||
		die "apt-get download $1:$2=$3 fetched nothing (apt says why" \
			"above; stale package lists? as root, run 'apt-get update')"
	dpkg-deb -x "$deb" "$4"
	rm -f "$deb"
}
