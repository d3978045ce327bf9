#!/bin/bash
# make where a package the build needs is missing: before it compiles
# anything, make names the Debian package and `make deps`, and fails. In a
# copy of the tree, and without uninstalling anything, a package goes
# missing two ways: the check is pointed at a header or library no package
# has (the BUILD_DEPS and TEST_DEPS variables), and, as root, libfdt-dev's
# own files are hidden by overlay whiteouts. make clean, uninstall and deps
# need no headers and must not be stopped by the check.
#
# usage: tests/cli/build-deps.sh
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/iovm-builddeps.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

mkdir "$TMP/src"
tar -C "$repo" --exclude=./build --exclude=./iovm --exclude=./.git -cf - . |
	tar -C "$TMP/src" -xf -
no_fdt='libfdt-dev:iovm-test-absent-libfdt.h libaio-dev:libaio.h,libaio.a'
no_cmocka='libcmocka-dev:cmocka.h,libiovm-test-absent-cmocka.so'

# compiled: what make compiled or linked in the copy, if anything.
compiled() {
	(cd "$TMP/src" && find . -name '*.o' -o -name iovm -type f) | head -n 3 | xargs
}

# refused NAME PACKAGE MAKE_ARGS...: make (run by "${wrap[@]}") must fail
# before compiling, naming PACKAGE, make deps and the apt-get line, with no
# compiler error.
wrap=()
refused() {
	local name=$1 pkg=$2 rc; shift 2
	rm -rf "$TMP/src/build" "$TMP/src/iovm"
	"${wrap[@]}" make -C "$TMP/src" -j2 "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ -z "$(compiled)" ] &&
	   grep -q "^iovm: cannot build: missing Debian packages: $pkg " "$TMP/err" &&
	   grep -q "'make deps' installs them" "$TMP/err" &&
	   grep -q "apt-get install .*$pkg" "$TMP/err" &&
	   ! grep -q 'error:' "$TMP/err"; then
		ok "$name: exit $rc, nothing compiled: $(grep -m1 '^iovm: cannot' "$TMP/err")"
	else
		not_ok "$name: exit $rc, compiled '$(compiled)', expected $pkg named:"
		sed 's/^/    /' "$TMP/err" | tail -n 8
	fi
}

refused "plain make without libfdt-dev" libfdt-dev BUILD_DEPS="$no_fdt"
refused "make unit without libcmocka-dev" libcmocka-dev TEST_DEPS="$no_cmocka" unit
# The same without the variable, as on a machine without libfdt-dev: its
# headers and libraries hidden by whiteouts in overlays of their
# directories, in a mount namespace of its own (root alone).
hide_libfdt() {
	local libdir n=0 d f
	libdir=$(dirname "$(realpath "$(cc -print-file-name=libfdt.a)")")
	for d in /usr/include "$libdir"; do
		n=$((n + 1))
		mkdir -p "$TMP/up$n" "$TMP/work$n"
		for f in $(dpkg -L libfdt-dev 2>/dev/null | grep "^$d/[^/]*$"); do
			mknod "$TMP/up$n/${f##*/}" c 0 0 || return 1
		done
		echo "mount -t overlay iovm-test -o lowerdir=$d,upperdir=$TMP/up$n,workdir=$TMP/work$n $d"
	done
}
if [ "$(id -u)" -eq 0 ] && dpkg -L libfdt-dev > /dev/null 2>&1 &&
   mounts=$(hide_libfdt) && unshare -m true 2>/dev/null; then
	wrap=(unshare -m sh -c "$(echo "$mounts" | paste -sd';') && exec \"\$@\"" sh)
	refused "plain make with libfdt-dev's files hidden" libfdt-dev
	wrap=()
else
	echo "ok - # SKIP hiding libfdt-dev's files needs root, dpkg and unshare -m"
fi

# Plain make needs no cmocka, but names it beside what it does need.
make -C "$TMP/src" BUILD_DEPS="$no_fdt" TEST_DEPS="$no_cmocka" > /dev/null 2> "$TMP/err"
grep -q '^iovm: make check needs too: libcmocka-dev' "$TMP/err" &&
	grep -q 'apt-get install libfdt-dev libcmocka-dev$' "$TMP/err" &&
	ok "the apt-get line also has what make check needs: $(grep -o 'apt-get install.*' "$TMP/err")" ||
	not_ok "cmocka not named beside libfdt: $(cat "$TMP/err")"

# Goals that compile nothing are not stopped by a missing package.
if make -C "$TMP/src" BUILD_DEPS="$no_fdt" clean > /dev/null 2>&1 &&
   make -C "$TMP/src" BUILD_DEPS="$no_fdt" DESTDIR="$TMP/root" uninstall \
	> /dev/null 2>&1 &&
   ! make -C "$TMP/src" -n BUILD_DEPS="$no_fdt" deps 2>&1 | grep -q check-build-deps; then
	ok "make clean, uninstall and deps do not check for build packages"
else
	not_ok "make clean, uninstall or deps ran the build package check"
fi

echo "build-deps: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
