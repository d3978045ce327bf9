#!/bin/bash
# Where the instructions go: one figure-1 variant (or figure 2) under
# callgrind, then the top functions of iovm's device threads, by own cost
# and including callees. Instruction counts are stable on a busy machine
# where timings are not; system calls show as the few instructions that
# enter them.
#
# usage: bench/profile.sh [VARIANT] [TOP]
#   VARIANT: noiommu (default), strict.mN, batch.mN (N other mappings), or
#            iommu for figure 2's loops (single-threaded)
# Output files stay in build/bench/profile/ for callgrind_annotate or
# kcachegrind.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$repo"
variant=${1:-noiommu}
top=${2:-25}
out=build/bench/profile/$variant
make --no-print-directory build/bench/iovm-bench >&2
rm -rf "$out"
mkdir -p "$out"

vg=(valgrind -q --tool=callgrind --instr-atstart=no --separate-threads=yes
    --dump-instr=no --callgrind-out-file="$out/cg.%p")
if [ "$variant" = iommu ]; then
	"${vg[@]}" build/bench/iovm-bench --callgrind iommu > /dev/null
	files=("$out"/cg.*.*-01)
else
	"${vg[@]}" build/bench/iovm-bench --callgrind blk --variant "$variant" \
		--requests 4000 > "$out/requests"
	# Thread 1 is the driver (the bench); the others are iovm's.
	files=()
	for f in "$out"/cg.*-[0-9][0-9]; do
		case $f in *-01) ;; *) files+=("$f") ;; esac
	done
	echo "== $variant: $(sed -n 's/.*requests //p' "$out/requests") requests at QD32, 4 KiB; iovm's device threads"
fi

# top N of one annotation: the function lines only. (head closes the
# pipe early: the annotator's SIGPIPE is expected.)
top_functions() {
	callgrind_annotate --threshold=99 "$@" 2>/dev/null |
		sed -n '/file:function/,$p' | sed '1,2d' | head -n "$top" || true
}

for f in "${files[@]}"; do
	echo
	echo "== $(basename "$f"): $(sed -n 's/^desc: Trigger: //p' "$f"), $(sed -n 's/^totals: //p' "$f") instructions"
	echo "-- own cost"
	top_functions "$f"
	echo "-- including callees"
	top_functions --inclusive=yes "$f"
done
