#!/bin/bash
# Line coverage of each fuzz harness's target sources, by the corpus the
# harness has: its checked-in seeds (tests/fuzz/corpus/NAME) and what
# make fuzz added (DIR/corpus/NAME). Each file runs once through
# DIR/coverage/NAME, built with clang's source-based coverage.
#
#   tests/fuzz/coverage.sh CLANG DIR NAME...
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 CLANG DIR NAME..." >&2
	exit 2
fi
clang=$1 dir=$2
shift 2
seeds_root=$(dirname "$0")/corpus

count() {
	find "$1" -maxdepth 1 -type f | wc -l
}

# The sources each harness is there to exercise.
targets() {
	case $1 in
	virtqueue) echo virtio/virtqueue.c virtio/dma.c ;;
	blk_req) echo virtio/blk_req.c virtio/virtqueue.c virtio/dma.c ;;
	iommu_req) echo iommu/request.c iommu/translate.c iommu/mapping.c ;;
	mmio) echo virtio/mmio.c virtio/core.c ;;
	pci) echo kvm/pci.c kvm/x86/pci_cf8.c virtio/pci.c virtio/msix.c \
		virtio/core.c ;;
	acpi) echo kvm/x86/acpi.c kvm/x86/aml.c kvm/x86/dsdt.c kvm/machine.c \
		fdt/fdt.c ;;
	fdt) echo cli.c kvm/machine.c fdt/fdt.c ;;
	*) echo "coverage: no target sources listed for $1" >&2; return 1 ;;
	esac
}

profdata=$("$clang" -print-prog-name=llvm-profdata)
cov=$("$clang" -print-prog-name=llvm-cov)
for tool in "$profdata" "$cov"; do
	if ! command -v "$tool" >/dev/null; then
		echo "coverage: $tool not found (Debian's llvm-14; make deps)" >&2
		exit 1
	fi
done

failed=0
for name in "$@"; do
	bin=$dir/coverage/$name raw=$dir/coverage/$name.profraw
	prof=$dir/coverage/$name.profdata corpus=$dir/corpus/$name
	files=$(targets "$name") || { failed=1; continue; }
	mkdir -p "$corpus"
	rm -f "$raw"
	if ! LLVM_PROFILE_FILE=$raw "$bin" "$seeds_root/$name" "$corpus" \
			2>"$dir/coverage/$name.log" ||
	   ! "$profdata" merge -sparse -o "$prof" "$raw"; then
		cat "$dir/coverage/$name.log"
		echo "coverage-$name: FAILED"
		failed=1
		continue
	fi
	echo "coverage-$name: $(count "$seeds_root/$name") seeds +" \
		"$(count "$corpus") inputs from earlier runs"
	read -ra srcs <<<"$files"
	shown=("${srcs[@]}")
	[ ${#srcs[@]} -gt 1 ] && shown+=(TOTAL)
	for f in "${shown[@]}"; do
		# One file at a time (llvm-cov shortens the names of files it
		# shows together), then all of them.
		sel=("$f")
		[ "$f" = TOTAL ] && sel=("${srcs[@]}")
		"$cov" report "$bin" -instr-profile="$prof" "${sel[@]}" |
			awk -v f="$f" '$1 == "TOTAL" {
				printf "  %-20s lines %6s (%s of %s missed)," \
				       " branches %6s, functions %6s\n",
				       f, $10, $9, $8, $13, $7 }'
	done
done
exit $failed
