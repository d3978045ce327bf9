#!/bin/bash
# Instruction counts (valgrind --tool=callgrind): deterministic where
# timing on these shared machines is not, so the numbers to watch between
# two runs of make bench. User space only: system calls count as the few
# instructions that enter them, not what the kernel does.
#
# - figure 2: instructions per MAP+UNMAP pair, per warm and cold
#   translation, per dma_map() (iovm-bench --callgrind iommu dumps the
#   statistics around each loop; the dump's name carries its count);
# - figure 1: per request at QD32 4 KiB, in iovm's device threads and in
#   the driver thread (one process per variant: callgrind writes each
#   thread's counts apart at exit).
#
# usage: bench/callgrind.sh IOVM_BENCH OUTDIR   (prints "result KEY VALUE")
set -uo pipefail

BENCH=$1 OUT=$2
VG=(valgrind -q --tool=callgrind --instr-atstart=no --separate-threads=yes)

if ! command -v valgrind > /dev/null; then
	echo "bench: callgrind: valgrind is not installed (apt-get install valgrind); skipped" >&2
	exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT/f2"

totals() { sed -n 's/^totals: //p' "$1"; }

"${VG[@]}" --callgrind-out-file="$OUT/f2/cg.%p" "$BENCH" --callgrind iommu \
	> /dev/null || exit 1
for f in "$OUT"/f2/cg.*.*-01; do
	# "desc: Trigger: Client Request: NAME COUNT"
	read -r name count < <(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	[ -n "${count:-}" ] || continue
	awk -v k="cg.$name" -v ir="$(totals "$f")" -v n="$count" \
		'BEGIN { printf "result %s %.1f\n", k, ir / n }'
done

for v in noiommu strict.m1 batch.m1 strict.m65536 batch.m65536; do
	dir=$OUT/f1-$v
	mkdir -p "$dir"
	n=$("${VG[@]}" --callgrind-out-file="$dir/cg.%p" "$BENCH" --callgrind \
		blk --variant "$v" --requests 2000 | sed -n 's/.*requests //p')
	[ -n "$n" ] || exit 1
	drv=0 dev=0
	for f in "$dir"/cg.*-[0-9][0-9]; do
		ir=$(totals "$f")
		case $f in
		*-01) drv=$((drv + ir)) ;;
		*) dev=$((dev + ir)) ;;
		esac
	done
	awk -v k="cg.f1.qd32.4k.$v" -v dev="$dev" -v drv="$drv" -v n="$n" \
		'BEGIN { printf "result %s.dev_ir %.0f\nresult %s.drv_ir %.0f\n",
			 k, dev / n, k, drv / n }'
done
