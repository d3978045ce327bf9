#!/bin/bash
# Where the control socket cannot live as usual: its directories missing (a
# minimal initramfs without /run, a container), a parent this user may not
# write, a read-only file system, a path too long for a socket address.
# iovm creates what it may (its socket directory 0700) and otherwise runs
# the guest anyway, with one warning; iovm list and the other control
# commands say why they find nothing. Two stub kernels: one spins, one
# writes 42 to the test device, so exit status 42 proves the guest ran.
#
# usage: tests/cli/control-dir.sh ./iovm
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/iovm-ctldir.XXXXXX)
chmod 755 "$TMP"	# the other user below runs iovm from here
cp "$(realpath "${1:-./iovm}")" "$TMP/iovm"
IOVM=$TMP/iovm
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	chmod -R u+rwx "$TMP" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
umask 022

if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "ok - # SKIP no usable /dev/kvm here"
	echo "control-dir: 0 passed, 0 failed"
	exit 0
fi

source <(sed -n '/^fake_kernel() {/,/^}/p' "$here/errors.sh")
fake_kernel "$TMP/spin" '\x0f\x02' '\x01\x00'
fake_kernel "$TMP/exit42" '\x0f\x02' '\x01\x00'
# startup_64: mov dx, 0x501; mov al, 42; out dx, al; jmp .
printf '\x66\xba\x01\x05\xb0\x2a\xee\xeb\xfe' |
	dd of="$TMP/exit42" bs=1 seek=$((5 * 512 + 0x200)) conv=notrunc status=none
chmod 644 "$TMP/spin" "$TMP/exit42"

# Permissions bind root only through another user: nobody, in /dev/kvm's
# group. As any other user, this user's own permissions do.
if [ "$(id -u)" -eq 0 ]; then
	as_user() {
		setpriv --reuid=65534 --regid=65534 \
			--groups="$(stat -c %g /dev/kvm)" "$@"
	}
else
	as_user() { "$@"; }
fi

# runs_warned NAME PATTERN XDG [WRAPPER...]: the exit-42 guest must run to
# its end with XDG_RUNTIME_DIR=XDG, and iovm print exactly one warning,
# matching PATTERN.
runs_warned() {
	local name=$1 pattern=$2 xdg=$3 rc; shift 3
	XDG_RUNTIME_DIR=$xdg "$@" "$IOVM" run -k "$TMP/exit42" -m 64 \
		< /dev/null > /dev/null 2> "$TMP/err"
	rc=$?
	if [ "$rc" -eq 42 ] && [ "$(grep -c 'warning:' "$TMP/err")" -eq 1 ] &&
	   grep 'warning:' "$TMP/err" | grep -q 'will not reach this guest' &&
	   grep 'warning:' "$TMP/err" | grep -q -e "$pattern"; then
		ok "$name: the guest ran; $(grep 'warning:' "$TMP/err")"
	else
		not_ok "$name: exit $rc (42 if the guest ran), expected one warning /$pattern/:"
		sed 's/^/    /' "$TMP/err"
	fi
}

# 1. Directories missing up to the socket's: created, the private ones 0700.
xdg=$TMP/no/such/run
XDG_RUNTIME_DIR=$xdg "$IOVM" run -k "$TMP/spin" -m 64 --name g1 \
	< /dev/null > "$TMP/g1.out" 2>&1 &
pids+=($!)
g1=$!
# Until the socket is there or iovm has ended; the bound only catches a hang.
for i in $(seq 2400); do
	[ -S "$xdg/iovm/g1.sock" ] || ! kill -0 "$g1" 2>/dev/null && break
	sleep 0.05
done
modes=$(stat -c %a "$TMP/no" "$TMP/no/such" "$xdg" "$xdg/iovm" 2>&1 | xargs)
if [ -S "$xdg/iovm/g1.sock" ] && [ "$modes" = "755 755 700 700" ] &&
   [ "$(stat -c %u "$xdg/iovm")" -eq "$(id -u)" ]; then
	ok "missing parents of XDG_RUNTIME_DIR are created (modes $modes), the guest has its socket"
else
	not_ok "missing parents: modes '$modes', output:"; sed 's/^/    /' "$TMP/g1.out"
fi
XDG_RUNTIME_DIR=$xdg "$IOVM" list > "$TMP/list" 2>&1 && grep -q '^g1 .*running' "$TMP/list" &&
	ok "list finds the guest there" || not_ok "list: $(cat "$TMP/list")"
XDG_RUNTIME_DIR=$xdg "$IOVM" stop g1 2> "$TMP/err" && wait "$g1" &&
	ok "stop reaches it; iovm exited 0" || not_ok "stop: $(cat "$TMP/err" "$TMP/g1.out")"

# 2. A parent this user may not write: no socket, one warning, the guest runs.
mkdir -m 755 "$TMP/locked"
[ "$(id -u)" -eq 0 ] || chmod 555 "$TMP/locked"
runs_warned "unwritable parent" "cannot create $TMP/locked/iovm: Permission denied" \
	"$TMP/locked" as_user
runs_warned "unwritable grandparent" "cannot create $TMP/locked/run: Permission denied" \
	"$TMP/locked/run" as_user

# 3. A read-only file system (a mount of its own, so root alone).
mkdir "$TMP/ro"
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	runs_warned "read-only file system" "cannot create $TMP/ro/run: Read-only file system" \
		"$TMP/ro/run" unshare -m sh -c \
		'mount -t tmpfs -o ro iovm-test "$0" && exec "$@"' "$TMP/ro"
else
	echo "ok - # SKIP read-only file system: needs root and unshare -m"
fi

# 4. A socket path longer than a Unix socket address holds.
long=$TMP/$(printf '%0110d' 0)
runs_warned "path too long" "longer than the 107 bytes" "$long"

# 5. The control commands, where no guest ever had a socket.
XDG_RUNTIME_DIR=$TMP/none "$IOVM" list > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "no guests: $TMP/none/iovm does not exist" "$TMP/err" &&
	ok "list, no socket directory: exit 0; $(cat "$TMP/err")" ||
	not_ok "list without a socket directory: exit $rc: $(cat "$TMP/err")"
XDG_RUNTIME_DIR=$TMP/none "$IOVM" stop g1 > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "$TMP/none/iovm does not exist" "$TMP/err" &&
	ok "stop, no socket directory: $(cat "$TMP/err")" ||
	not_ok "stop without a socket directory: exit $rc: $(cat "$TMP/err")"

# 6. ... and where this user cannot read the socket directory.
mkdir -p -m 700 "$TMP/closed/iovm"
[ "$(id -u)" -eq 0 ] || chmod 000 "$TMP/closed/iovm"
XDG_RUNTIME_DIR=$TMP/closed as_user "$IOVM" list > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "$TMP/closed/iovm: Permission denied: it" "$TMP/err" &&
	ok "list, unreadable socket directory: exit 1; $(cat "$TMP/err")" ||
	not_ok "list with an unreadable socket directory: exit $rc: $(cat "$TMP/err")"
XDG_RUNTIME_DIR=$TMP/closed as_user "$IOVM" pause g1 > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "$TMP/closed/iovm: Permission denied: it" "$TMP/err" &&
	ok "pause, unreadable socket directory: $(cat "$TMP/err")" ||
	not_ok "pause with an unreadable socket directory: exit $rc: $(cat "$TMP/err")"

echo "control-dir: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
