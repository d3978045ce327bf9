#!/bin/bash
# Control commands against a running iovm: list, stat, pause, resume, stop,
# the socket's permissions, stale sockets, bad requests, and the seccomp
# sandbox. The guest is a stub kernel that spins (`jmp .`), so this runs
# on any host whose /dev/kvm can create a VM; the booted-guest side
# (clock across a pause, live IOMMU mappings) is in tests/guest/suite.sh.
#
# usage: tests/cli/control.sh ./iovm
set -uo pipefail

IOVM=$(realpath "${1:-./iovm}")
here=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/iovm-ctl.XXXXXX)
export XDG_RUNTIME_DIR=$TMP/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "ok - # SKIP no usable /dev/kvm here"
	echo "control: 0 passed, 0 failed"
	exit 0
fi

source <(sed -n '/^fake_kernel() {/,/^}/p' "$here/errors.sh")
fake_kernel "$TMP/bzImage" '\x0f\x02' '\x01\x00'
truncate -s 1M "$TMP/disk.img"

# start NAME ARGS...: iovm in the background; waits for its socket.
start() {
	local name=$1 i; shift
	"$IOVM" run -k "$TMP/bzImage" -m 64 --name "$name" "$@" \
		< /dev/null > "$TMP/$name.out" 2>&1 &
	pids+=($!)
	last_pid=$!
	for i in $(seq 100); do
		[ -S "$XDG_RUNTIME_DIR/iovm/$name.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

# run EXPECTED_RC CMD...: run an iovm command, keep its output.
run() {
	local want=$1; shift
	"$IOVM" "$@" > "$TMP/cmd.out" 2> "$TMP/cmd.err"
	rc=$?
	[ "$rc" -eq "$want" ]
}

if start g1 -d "$TMP/disk.img" --iommu; then
	ok "a named guest is up with its control socket"
else
	not_ok "no control socket appeared"; cat "$TMP/g1.out"
fi
sock=$XDG_RUNTIME_DIR/iovm/g1.sock
mode=$(stat -c %a "$sock")
dmode=$(stat -c %a "$XDG_RUNTIME_DIR/iovm")
if [ "$dmode" = 700 ] && [ $((0$mode & 077)) -eq 0 ]; then
	ok "socket $mode in a $dmode directory: owner only"
else
	not_ok "socket mode $mode, directory mode $dmode"
fi

run 0 list && grep -q "^g1 .*running" "$TMP/cmd.out" &&
	ok "list shows g1 running" || not_ok "list: $(cat "$TMP/cmd.out" "$TMP/cmd.err")"
run 0 stat g1 && grep -q '^vcpus: 1' "$TMP/cmd.out" &&
	grep -q 'blk0: .*virtio-blk .*requests' "$TMP/cmd.out" &&
	ok "stat shows vCPUs, memory and the disk's counters" ||
	not_ok "stat: $(cat "$TMP/cmd.out" "$TMP/cmd.err")"
run 0 stat g1 --iommu && grep -q 'endpoint 1 (blk0)' "$TMP/cmd.out" &&
	grep -q 'iotlb hits' "$TMP/cmd.out" &&
	ok "stat --iommu shows the endpoints with IOTLB and fault counters" ||
	not_ok "stat --iommu: $(cat "$TMP/cmd.out" "$TMP/cmd.err")"
run 0 pause g1 && run 0 stat g1 && grep -q '^state: paused' "$TMP/cmd.out" &&
	ok "pause: stat says paused" || not_ok "pause: $(cat "$TMP/cmd.err")"
run 1 pause g1 && grep -q 'already paused' "$TMP/cmd.err" &&
	ok "pause twice: $(cat "$TMP/cmd.err")" || not_ok "second pause: rc $rc"
run 0 resume g1 && run 0 stat g1 && grep -q '^state: running' "$TMP/cmd.out" &&
	ok "resume: running again" || not_ok "resume: $(cat "$TMP/cmd.err")"

# Bad input never disturbs the guest.
run 1 stat nosuch && grep -q 'no guest named nosuch' "$TMP/cmd.err" &&
	ok "unknown name: $(cat "$TMP/cmd.err")" || not_ok "unknown name: rc $rc"
run 2 stop '../etc' && ok "a name that is a path is refused: $(cat "$TMP/cmd.err")" ||
	not_ok "bad name: rc $rc"
run 2 stat && ok "a missing name is a usage error" || not_ok "stat without name: rc $rc"
if command -v python3 > /dev/null; then
	for req in 'frobnicate' "$(printf 'stat\001')" "$(head -c 300 /dev/zero | tr '\0' a)" \
		   'stat iommu extra' ''; do
		answer=$(python3 - "$sock" "$req" <<-'EOF'
		import socket, sys
		s = socket.socket(socket.AF_UNIX)
		s.connect(sys.argv[1])
		s.sendall(sys.argv[2].encode() + b"\n")
		print(s.recv(4096).decode().strip())
		EOF
		)
		case "$answer" in
		error:*) ;;
		*) not_ok "request '$req' was not refused: $answer" ;;
		esac
	done
	# A client that connects and says nothing is timed out, not waited for.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
open(sys.argv[2], "w").close(); time.sleep(3)' "$sock" "$TMP/silent" &
	for i in $(seq 50); do [ -e "$TMP/silent" ] && break; sleep 0.1; done
	run 0 stat g1 && [ -e "$TMP/silent" ] &&
		ok "malformed requests get an error line; a silent client does not block others" ||
		not_ok "the guest stopped answering after bad requests"
fi

# Another user cannot connect (root alone can create one to test).
if [ "$(id -u)" -eq 0 ]; then
	cp "$IOVM" "$TMP/iovm" && chmod 755 "$TMP" "$TMP/iovm"
	if XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR setpriv --reuid=65534 \
		--regid=65534 --clear-groups "$TMP/iovm" stop g1 \
		> /dev/null 2> "$TMP/nobody.err"; then
		not_ok "another user stopped the guest"
	elif grep -q 'Permission denied' "$TMP/nobody.err" &&
	     run 0 stat g1; then
		ok "another user is refused: $(cat "$TMP/nobody.err")"
	else
		not_ok "another user: $(cat "$TMP/nobody.err")"
	fi
fi

run 0 stop g1
wait "$last_pid"
grc=$?
if [ "$grc" -eq 0 ] && [ ! -e "$sock" ]; then
	ok "stop: iovm exited 0 and removed its socket"
else
	not_ok "stop: iovm exited $grc, socket $(ls "$sock" 2>&1)"
fi
run 1 stat g1 && ok "a stopped guest is gone: $(cat "$TMP/cmd.err")" ||
	not_ok "stat after stop: rc $rc"

# A guest killed outright leaves a stale socket; nothing trips on it.
start g2
kill -9 "$last_pid"; wait "$last_pid" 2>/dev/null
run 1 stat g2 && grep -q 'not running any more' "$TMP/cmd.err" &&
	ok "a dead guest: $(cat "$TMP/cmd.err")" || not_ok "dead guest: rc $rc $(cat "$TMP/cmd.err")"
start g2
kill -9 "$last_pid"; wait "$last_pid" 2>/dev/null
run 0 list && ! grep -q '^g2 ' "$TMP/cmd.out" &&
	ok "list leaves out a guest that was killed" || not_ok "list shows a dead guest"
start g2 && ok "the same name starts again after a crash" ||
	not_ok "cannot reuse the name of a dead guest"
g2=$last_pid
"$IOVM" run -k "$TMP/bzImage" -m 64 --name g2 < /dev/null > "$TMP/g2b.out" 2>&1
grc=$?
[ "$grc" -ne 0 ] && grep -q 'already running' "$TMP/g2b.out" &&
	ok "a second guest with a running guest's name is refused: $(cat "$TMP/g2b.out")" ||
	not_ok "duplicate name: exit $grc"
run 0 stop g2; wait "$g2"

# The sandbox: a forbidden call kills iovm instead of succeeding.
if command -v python3 > /dev/null; then
	start g3
	pid=$last_pid
	python3 - "$XDG_RUNTIME_DIR/iovm/g3.sock" <<-'EOF' > "$TMP/sys.out" 2>&1
	import socket, sys
	s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
	s.sendall(b"test-forbidden-syscall\n"); print(s.recv(4096))
	EOF
	wait "$pid"
	grc=$?
	if [ "$grc" -eq 159 ] && grep -q 'forbidden system call 41' "$TMP/g3.out"; then
		ok "sandbox: socket() after set-up ended iovm (SIGSYS, exit 159)"
	else
		not_ok "sandbox: iovm exited $grc: $(cat "$TMP/g3.out")"
	fi
	start g4 --no-sandbox
	run 0 stop g4; wait "$last_pid"
	grep -q 'warning: --no-sandbox' "$TMP/g4.out" &&
		ok "--no-sandbox warns: $(grep no-sandbox "$TMP/g4.out")" ||
		not_ok "--no-sandbox without a warning"
fi

# SIGINT stops cleanly and restores the terminal; a second one forces.
start g5
kill -INT "$last_pid"; wait "$last_pid"
grc=$?
[ "$grc" -eq 130 ] && grep -q 'stopped by Interrupt' "$TMP/g5.out" &&
	ok "SIGINT: a clean stop, exit 130" || not_ok "SIGINT: exit $grc"

echo "control: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
