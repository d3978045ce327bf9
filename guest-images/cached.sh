# shellcheck shell=bash
# One cache entry at a time, sourced by guest-images/build-stock.sh and
# guest-images/build-fio.sh (build-kernel.sh does the same inline).
#
# cached DIR FILE BUILD: unless DIR/FILE exists, run BUILD TMPDIR under a
# lock per DIR, then rename TMPDIR to DIR: an interrupted or concurrent
# build never leaves a half-written entry. Installs an EXIT trap that
# removes a build left half done.

building=
trap 'rm -rf ${building:+"$building"}' EXIT
cached() {
	[ -f "$1/$2" ] && return 0
	exec 9>"$1.lock"
	flock 9
	if [ ! -f "$1/$2" ]; then
		rm -rf "$1".tmp.*
		building=$(mktemp -d "$1.tmp.XXXXXX")
		"$3" "$building"
		mv -T "$building" "$1"
		building=
	fi
	exec 9>&-
}
