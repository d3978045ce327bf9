#!/bin/bash
# make install honours PREFIX and DESTDIR, installs the binary and the man
# page, and the man page renders without troff warnings.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/iovm-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

make -s -C "$repo" install DESTDIR="$TMP/root" PREFIX=/opt/iovm > /dev/null
if [ -x "$TMP/root/opt/iovm/bin/iovm" ] &&
   [ -f "$TMP/root/opt/iovm/share/man/man1/iovm.1" ]; then
	ok "installed under DESTDIR/PREFIX: bin/iovm and share/man/man1/iovm.1"
else
	not_ok "make install put: $(cd "$TMP/root" && find . -type f)"
fi
"$TMP/root/opt/iovm/bin/iovm" version | grep -q '^iovm ' &&
	ok "the installed binary runs: $("$TMP/root/opt/iovm/bin/iovm" version)" ||
	not_ok "the installed binary does not run"
if command -v groff > /dev/null; then
	warn=$(groff -man -Tutf8 -ww -z "$repo/iovm.1" 2>&1)
	[ -z "$warn" ] && ok "the man page renders without warnings" ||
		not_ok "man page warnings: $warn"
fi
make -s -C "$repo" uninstall DESTDIR="$TMP/root" PREFIX=/opt/iovm > /dev/null
[ -z "$(find "$TMP/root" -type f)" ] && ok "make uninstall removes both" ||
	not_ok "left after uninstall: $(find "$TMP/root" -type f)"
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
