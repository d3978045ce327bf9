# shellcheck shell=bash
# bench/guest.sh's perf mode, in level 1 (sourced by bench/guest-l1.sh):
# where level 1's CPUs go while a guest runs one fio job under iovm.
#
# profile GUEST MODE JOB: one iovm run of GUEST (k61, k612, k612p) in MODE with
# only fio's JOB; perf record on all of level 1's CPUs from the guest's
# "fio starts" line, for SECS less one second; then the samples by thread
# and mode (host or guest, kernel or user), iovm's functions and the guest
# kernel's. perf.data, level 1's kallsyms and the guest's (which the
# guest writes over its test disk when it is done) stay in $PERF_OUT, for
# perf report --kallsyms= on the host.
# Level 1 shares /usr but not /etc, where awk's alternatives link points.
command -v awk >/dev/null || awk() { mawk "$@"; }

profile() {
	local log=$work/perf.log data=$PERF_OUT/perf.data i
	PARAMS="$PARAMS iovm.fio_job=$3"
	case "$1" in
	k61) iovm_args "$OWN_KERNEL" "$OWN_INITRD" "$2" ;;
	k612 | k612p) iovm_args "$STOCK_KERNEL" "$STOCK_INITRD" "$2" ;;
	esac
	[ "$1" = k612p ] && vmm_args+=(--virtio-transport pci)
	echo "bench: guest: profiling $1 $2 $3: $IOVM ${vmm_args[*]}" >&2
	mkdir -p "$PERF_OUT"
	boot_once "$LIMIT" "$log" "$IOVM" "${vmm_args[@]}" &
	for ((i = 0; i < LIMIT * 2; i++)); do
		grep -q 'iovm-guest: fio starts' "$log" 2>/dev/null && break
		sleep 0.5
	done
	# 250 Hz: every sample costs a nested level 1 dearly.
	perf record -a -q -F 250 -o "$data" -- sleep $((SECS - 1)) >&2
	cp /proc/kallsyms "$PERF_OUT/kallsyms"
	wait
	zcat "$IMG" >"$PERF_OUT/guest-kallsyms" 2>/dev/null
	emit "f3.iovm.$1.$2" <"$log"
	echo "perf: level 1's CPUs, by thread and what ran (% of all samples)"
	by_thread "$data"
	perf_top "$data" "iovm's threads outside the guest, by function" --comms iovm \
		--sort dso,sym
	guest_top "$PERF_OUT/guest-kallsyms"
}

# perf_top DATA TITLE OPTIONS...: the first lines of perf report over 0.5%
# (of the host's samples: perf report leaves the guest's out).
perf_top() {
	echo "perf: $2"
	perf report -i "$1" --stdio --no-children --percent-limit 0.5 \
		--kallsyms="$PERF_OUT/kallsyms" "${@:3}" 2>&1 |
		grep -v '^#' | grep -v '^$' | head -n 40 | sed 's/^/perf: /'
}

# by_thread DATA: every sample by thread and by what it interrupted: the
# host kernel, host user space, or guest code (which perf report leaves
# out). Keeps the guest kernel's sample addresses in $work/guest-ips.
by_thread() {
	# "... PERF_RECORD_SAMPLE(IP, 0x4): PID/TID: 0xIP period: ..." then
	# " ... thread: COMM:TID"; 0x1/0x2: kernel/user, 0x4/0x5: the guest's.
	perf report -D -i "$1" 2>/dev/null | awk -v ips="$work/guest-ips" '
		/PERF_RECORD_SAMPLE\(IP, / {
			mode = $0; sub(/.*SAMPLE\(IP, /, "", mode); sub(/\).*/, "", mode)
			ip = $0; sub(/.*: [0-9]+\/[0-9]+: 0x/, "", ip); sub(/ .*/, "", ip)
			getline
			m = mode == "0x1" ? "kernel" : mode == "0x2" ? "user" : \
			    mode == "0x4" ? "guest kernel" : mode == "0x5" ? "guest user" : mode
			n[$NF " " m]++; t++
			if (mode == "0x4") print ip >ips
		}
		END {
			for (k in n) if (n[k] * 200 >= t) printf "perf: %8.2f%%  %s\n", n[k] * 100 / t, k
		}' | sort -rn -k2
}

# guest_top KALLSYMS: the guest kernel's functions that the samples in
# $work/guest-ips fell in, resolved against the guest's own kallsyms (perf
# kvm resolves none without the guest's modules).
guest_top() {
	echo "perf: the guest kernel's functions (% of guest kernel samples)"
	[ -s "$1" ] || { echo "perf: (no guest kallsyms)"; return; }
	# Symbols and sample addresses, all 16 hex digits, sorted together
	# (symbols first at an equal address): each sample falls in the last
	# symbol before it. awk cannot compare 64-bit addresses as numbers.
	{
		awk '$2 ~ /^[tTwW]$/ { print $1, 0, $3 ($4 != "" ? " " $4 : "") }' "$1"
		awk '{ a = $1; while (length(a) < 16) a = "0" a; print a, 1 }' "$work/guest-ips"
	} | LC_ALL=C sort | awk '
		BEGIN { sym = "(below the kernel text)" }
		$2 == 0 { sym = $3 ($4 != "" ? " " $4 : ""); next }
		{ n[sym]++; t++ }
		END { for (s in n) if (n[s] * 200 >= t) printf "perf: %8.2f%%  %s\n", n[s] * 100 / t, s }' |
		sort -rn -k2 | head -n 30
}
