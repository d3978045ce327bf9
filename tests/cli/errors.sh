#!/bin/bash
# Bad input to `iovm run`: each case must end with a non-zero exit and one
# line on stderr that names what was wrong, and must leave the terminal as
# it found it. Needs no hardware KVM: errors come before the guest runs.
#
# usage: tests/cli/errors.sh ./iovm
set -uo pipefail

IOVM=$(realpath "${1:-./iovm}")
TMP=$(mktemp -d /tmp/iovm-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0

# A fake bzImage: a valid 64-bit setup header and a payload that loops
# forever (jmp .). iovm loads it like a real kernel.
#   fake_kernel FILE VERSION XLOADFLAGS
fake_kernel() {
	local f=$1 version=$2 xlf=$3
	head -c $((5 * 512 + 4096)) /dev/zero > "$f"
	put() { printf "$2" | dd of="$f" bs=1 seek=$(($1)) conv=notrunc status=none; }
	put 0x1f1 '\x04'			# setup_sects
	put 0x1fe '\x55\xaa'			# boot_flag
	put 0x200 '\xeb\x66'			# jump: header ends at 0x268
	put 0x202 'HdrS'
	put 0x206 "$version"
	put 0x22c '\xff\xff\xff\x7f'		# initrd_addr_max
	put 0x230 '\x00\x00\x20\x00'		# kernel_alignment 2 MiB
	put 0x236 "$xlf"			# xloadflags
	put 0x238 '\xff\x07\x00\x00'		# cmdline_size 2047
	put 0x258 '\x00\x00\x00\x01\x00\x00\x00\x00'	# pref_address 16 MiB
	put 0x260 '\x00\x00\x10\x00'		# init_size 1 MiB
	put $((5 * 512 + 0x200)) '\xeb\xfe'	# startup_64: jmp .
}

fake_kernel "$TMP/bzImage" '\x0f\x02' '\x01\x00'
fake_kernel "$TMP/old-bzImage" '\x0a\x02' '\x00\x00'
printf '#!/bin/sh\necho not a kernel\n' > "$TMP/script"
truncate -s 100M "$TMP/big-initrd"
echo data > "$TMP/unreadable"
chmod 000 "$TMP/unreadable"

# expect NAME PATTERN [ENV=VALUE...] -- ARGS...: iovm must fail, print one
# line that matches PATTERN, and print nothing on stdout.
expect() {
	local name=$1 pattern=$2; shift 2
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	local rc lines
	env "${envs[@]}" "$IOVM" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
	rc=$?
	lines=$(wc -l < "$TMP/err")
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && [ ! -s "$TMP/out" ] &&
	   grep -q -e "$pattern" "$TMP/err"; then
		echo "ok - $name: exit $rc: $(cat "$TMP/err")"
		pass=$((pass + 1))
	else
		echo "not ok - $name: exit $rc, $lines line(s), expected /$pattern/:"
		sed 's/^/    /' "$TMP/err" "$TMP/out"
		fail=$((fail + 1))
	fi
}

K="$TMP/bzImage"
expect "missing kernel" "kernel /nonexistent/bzImage: No such file" \
	-- run -k /nonexistent/bzImage
expect "kernel is a directory" "kernel $TMP: not a regular file" \
	-- run -k "$TMP"
expect "not a kernel" "not a bzImage or an ELF vmlinux" \
	-- run -k "$TMP/script"
expect "kernel too old" "boot protocol 2.10 has no 64-bit entry point" \
	-- run -k "$TMP/old-bzImage"
expect "initrd too large" "initrd $TMP/big-initrd: 100 MiB does not fit" \
	-- run -k "$K" -i "$TMP/big-initrd" -m 64
expect "missing initrd" "initrd /nonexistent/initrd: No such file" \
	-- run -k "$K" -i /nonexistent/initrd
expect "-m 0" "-m 0: guest RAM cannot be zero" -- run -k "$K" -m 0
expect "-m 1T" "-m 1T: .* more than this host" -- run -k "$K" -m 1T
expect "-m garbage" "-m 12Q: expected a size" -- run -k "$K" -m 12Q
expect "-c 0" "-c 0: a guest needs at least 1 vCPU" -- run -k "$K" -c 0
expect "-c 4096" "-c 4096: iovm supports at most" -- run -k "$K" -c 4096
expect "unknown option" "unknown option --bogus" -- run -k "$K" --bogus
expect "unknown command" "unknown command 'frobnicate'" -- frobnicate
expect "no kernel" "no kernel given" -- run -m 128
expect "missing /dev/kvm" "cannot open /nonexistent/kvm: No such file" \
	IOVM_KVM_DEVICE=/nonexistent/kvm -- run -k "$K"
expect "bad --dump-dtb" "dump-dtb /nonexistent/dir/x.dtb: No such file" \
	-- run -k "$K" --dt --dump-dtb /nonexistent/dir/x.dtb
expect "--dump-dtb without --dt" "dump-dtb x.dtb: the guest gets ACPI tables" \
	-- run -k "$K" --dump-dtb x.dtb
expect "--dump-acpi with --dt" "dump-acpi d: with --dt the guest gets a device tree" \
	-- run -k "$K" --dt --dump-acpi d
expect "--dump-acpi, no such directory" \
	"dump-acpi /nonexistent/dir: No such file or directory" \
	-- run -k "$K" --dump-acpi /nonexistent/dir
echo data > "$TMP/not-a-dir"
expect "--dump-acpi on a file" "dump-acpi $TMP/not-a-dir: Not a directory" \
	-- run -k "$K" --dump-acpi "$TMP/not-a-dir"

truncate -s 1M "$TMP/disk.img"
expect "missing disk" "disk /nonexistent/disk.img: No such file" \
	-- run -k "$K" -d /nonexistent/disk.img
expect "disk is a directory" "disk $TMP: is a directory" \
	-- run -k "$K" -d "$TMP"
expect "same disk twice" "the same image as disk" \
	-- run -k "$K" -d "$TMP/disk.img" -d "$TMP/../$(basename "$TMP")/disk.img"
expect "unknown disk option" "unknown option 'cache=none'" \
	-- run -k "$K" -d "$TMP/disk.img,cache=none"
expect "disk serial too long" "longer than 20 bytes" \
	-- run -k "$K" -d "$TMP/disk.img,serial=abcdefghijklmnopqrstuvwxyz"
expect "unknown transport" "transport 'usb': expected mmio or pci" \
	-- run -k "$K" -d "$TMP/disk.img,transport=usb"
expect "--virtio-transport garbage" "virtio-transport ccw: expected mmio or pci" \
	-- run -k "$K" --virtio-transport ccw
expect "PCI with --dt" "disk.img is on virtio-pci, but with --dt .* cannot describe PCI" \
	-- run --dt -k "$K" -d "$TMP/disk.img,transport=pci"
expect "--virtio-transport pci with --dt" "virtio-transport pci: --rng is on virtio-pci" \
	-- run --dt -k "$K" --rng --virtio-transport pci

# Permissions mean nothing to root: read the file as nobody instead.
if [ "$(id -u)" -eq 0 ]; then
	cp "$IOVM" "$TMP/iovm"
	chmod 755 "$TMP" "$TMP/iovm"
	IOVM_SAVED=$IOVM IOVM="setpriv"
	expect "unreadable kernel" "kernel $TMP/unreadable: Permission denied" \
		-- --reuid=65534 --regid=65534 --clear-groups "$TMP/iovm" \
		run -k "$TMP/unreadable"
	chmod 644 "$TMP/bzImage" "$TMP/disk.img"
	expect "disk not writable without ro" \
		"disk $TMP/disk.img: Permission denied (add ,ro" \
		-- --reuid=65534 --regid=65534 --clear-groups "$TMP/iovm" \
		run -k "$K" -d "$TMP/disk.img"
	IOVM=$IOVM_SAVED
else
	expect "unreadable kernel" "Permission denied" \
		-- run -k "$TMP/unreadable"
	chmod 444 "$TMP/disk.img"
	expect "disk not writable without ro" "Permission denied (add ,ro" \
		-- run -k "$K" -d "$TMP/disk.img"
	chmod 644 "$TMP/disk.img"
fi

# The KVM vCPU limit: only where /dev/kvm can be opened.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	"$IOVM" run -k "$K" -c 255 -m 64 > /dev/null 2> "$TMP/err" < /dev/null &
	pid=$!
	sleep 1
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if grep -q "KVM on this host allows at most" "$TMP/err"; then
		echo "ok - more vCPUs than KVM allows: $(cat "$TMP/err")"
		pass=$((pass + 1))
	elif [ "$rc" -eq 143 ]; then
		# KVM here takes as many as iovm's own limit allows.
		echo "ok - more vCPUs than KVM allows # SKIP KVM on this host accepts 255 vCPUs"
	else
		echo "not ok - -c 255: exit $rc"; cat "$TMP/err"
		fail=$((fail + 1))
	fi
fi

# The terminal survives: run in a pseudo-terminal, compare stty settings
# before and after an early error, and after a guest that was running in
# raw mode is stopped by SIGTERM.
if command -v script > /dev/null; then
	cat > "$TMP/tty.sh" <<-EOF
	stty -g > "$TMP/before"
	"$IOVM" run -k /nonexistent 2>/dev/null
	stty -g > "$TMP/after-error"
	( sleep 2; pkill -TERM -f "iovm run -k $K" ) &
	"$IOVM" run -k "$K" -m 64 2>/dev/null
	echo \$? > "$TMP/rc"
	stty -g > "$TMP/after-run"
	EOF
	script -q -e -c "bash $TMP/tty.sh" /dev/null > /dev/null 2>&1 < /dev/null
	if cmp -s "$TMP/before" "$TMP/after-error" &&
	   cmp -s "$TMP/before" "$TMP/after-run"; then
		echo "ok - terminal restored after an error and after SIGTERM (exit $(cat "$TMP/rc" 2>/dev/null))"
		pass=$((pass + 1))
	else
		echo "not ok - terminal settings changed:"
		cat "$TMP/before" "$TMP/after-error" "$TMP/after-run" 2>&1
		fail=$((fail + 1))
	fi
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
