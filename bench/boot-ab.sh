#!/bin/bash
# Compare boots, variant against variant, in one level 1: each variant is
# an iovm binary, a guest kernel and iovm options, and the variants boot in
# turn (A B A B ...), so that the machine's load, which drifts over a
# nested run, falls on each alike. For a change to iovm (an old build
# against a new one) or to the kernel image it boots (the project kernel's
# bzImage against its ELF vmlinux, which skips the guest's decompression).
#
# usage: bench/boot-ab.sh ROUNDS LABEL,VMM,KERNEL[,OPTION...]...
#   VMM: an iovm binary, or kvmtool's lkvm
#   KERNEL: k61 (the project's 6.1 bzImage, --dt), k61elf (its vmlinux,
#   --dt), k612 (Debian's 6.12 vmlinuz, ACPI), or a path
# e.g. bench/boot-ab.sh 3 old,/tmp/iovm-old,k61 new,./iovm,k61 elf,./iovm,k61elf
#
# Prints each boot (bench/boot-ab-l1.sh: time to the guest's init, the
# guest's uptime there, KVM's page-fault and large-page counters, iovm's
# huge pages), then each variant's medians; "clock" is the time before the
# guest kernel's clock starts (boot less uptime). Each boot's console and
# VMM's stderr stay in build/bench/boot-ab/; with BOOT_AB_TIMED=1, also
# each console line's arrival time, to set against the guest's printk
# times (this skews the boot times: bench/boot-ab-l1.sh).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo"
die() { echo "bench: boot-ab: $*" >&2; exit 2; }
if [ $# -lt 2 ] || [[ ! $1 =~ ^[1-9][0-9]*$ ]]; then
	die "usage: bench/boot-ab.sh ROUNDS LABEL,VMM,KERNEL[,OPTION...]..."
fi
rounds=$1
shift
cache=${IOVM_CACHE:-$HOME/.cache/iovm}

kdir=$(guest-images/build-kernel.sh)
idir=$(guest-images/build-initramfs.sh)
sdir=$(guest-images/build-stock.sh 6.12)
shares=(--share "$repo" --share "$cache" --share /usr)
# As tests/guest/run-all.sh: nested, the guest skips XSAVE.
params=
[ "$(tests/harness/kvm-mode 2>/dev/null || echo nested)" = nested ] && params=noxsave
variants=()
for v in "$@"; do
	IFS=, read -ra f <<<"$v"
	[ ${#f[@]} -ge 3 ] || die "'$v': expected LABEL,VMM,KERNEL[,OPTION...]"
	[ -x "${f[1]}" ] || die "'$v': ${f[1]} is not an executable file"
	f[1]=$(realpath "${f[1]}")
	# The project's kernel reads a device tree from iovm; kvmtool has
	# none to give, and its MP table is not read (X86_MPPARSE is off):
	# under kvmtool that guest sees one CPU and no virtio disk.
	dt=(--dt)
	[ "${f[1]##*/}" = lkvm ] && dt=()
	case "${f[2]}" in
	k61) f[2]=$kdir/bzImage f+=("${dt[@]}") ;;
	k61elf) f[2]=$kdir/vmlinux f+=("${dt[@]}") ;;
	k612) f[2]=$sdir/vmlinuz ;;
	*) [ -r "${f[2]}" ] || die "'$v': no kernel ${f[2]} (expected k61, k61elf, k612 or a path)"
	   f[2]=$(realpath "${f[2]}") ;;
	esac
	shares+=(--share "$(dirname "${f[1]}")" --share "$(dirname "${f[2]}")")
	variants+=("$(IFS=,; echo "${f[*]}")")
done

rm -rf build/bench/boot-ab
mkdir -p build/bench/boot-ab
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "bench: boot-ab: load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rc=0
tests/harness/run "${shares[@]}" --timeout $((300 + rounds * $# * 120)) -- \
	"$repo/bench/boot-ab-l1.sh" "$repo/build/bench/boot-ab" "$rounds" "$params" "${BOOT_AB_TIMED:-}" "$idir/initramfs.cpio.gz" \
	"$sdir/initramfs.cpio.gz" "${variants[@]}" >"$out" || rc=$?
echo "bench: boot-ab: load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
tr -d '\r' <"$out" | grep '^boot-ab ' || true
tr -d '\r' <"$out" | grep -v '^boot-ab ' >&2 || true
tr -d '\r' <"$out" | awk '
	$1 != "boot-ab" { next }
	{
		if (!($2 in n)) order[++nv] = $2
		k = $2 SUBSEP (++n[$2])
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			val[k, kv[1]] = kv[2]
			names[kv[1]] = 1
		}
		val[k, "clock_ms"] = val[k, "boot_ms"] - val[k, "uptime_ms"]
	}
	function median(label, name,   i, m, a, t, j) {
		m = n[label]
		for (i = 1; i <= m; i++) a[i] = val[label SUBSEP i, name]
		for (i = 2; i <= m; i++)	# insertion sort: a few values
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		for (v = 1; v <= nv; v++) {
			l = order[v]
			line = sprintf("median %s (%d boots):", l, n[l])
			split("boot_ms uptime_ms clock_ms mark_ms setup_ms exits pf_taken pages_2m io_exits mmio_exits halt_exits irq_exits irq_injections insn_emulation user_ms sys_ms guest_ms", f, " ")
			for (i = 1; i in f; i++)
				line = line sprintf(" %s=%s", f[i], median(l, f[i]))
			print line
		}
	}'
exit "$rc"
