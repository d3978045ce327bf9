#!/bin/bash
# The ACPI tables iovm gives the guest, as `--dump-acpi` writes them, for a
# few command lines: `iasl -d` must disassemble every table without an
# error or a warning (a bad checksum or length is one), the MADT must have
# a local APIC per vCPU, the DSDT a LNRO0005 device per virtio-mmio device
# with its window and pin, and the VIOT exactly one MMIO endpoint per
# device the command line put behind the virtio-iommu, with the endpoint
# ID and base iovm gave it. Where each device went is read from iovm's
# --debug lines; which devices must be behind the IOMMU, from the command
# line. Runs anywhere: the tables are written before KVM is opened, and
# pointing IOVM_KVM_DEVICE at nothing stops iovm right after.
#
# usage: tests/cli/acpi.sh ./iovm
set -uo pipefail

IOVM=$(realpath "${1:-./iovm}")
here=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/iovm-acpi.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

if ! command -v iasl > /dev/null; then
	not_ok "iasl not found (Debian's acpica-tools; make deps installs it)"
	echo "acpi: $pass passed, $fail failed"
	exit 1
fi

source <(sed -n '/^fake_kernel() {/,/^}/p' "$here/errors.sh")
fake_kernel "$TMP/bzImage" '\x0f\x02' '\x01\x00'
truncate -s 1M "$TMP/a.img" "$TMP/b.img" "$TMP/c.img" "$TMP/d.img"

# dump NAME ARGS...: the tables in $TMP/NAME/, iovm's --debug log beside.
dump() {
	local name=$1; shift
	mkdir -p "$TMP/$name"
	IOVM_KVM_DEVICE=/nonexistent/kvm "$IOVM" run -k "$TMP/bzImage" \
		--debug --dump-acpi "$TMP/$name" "$@" < /dev/null \
		> /dev/null 2> "$TMP/$name.log"
	[ -s "$TMP/$name/dsdt.dat" ]
}

# Every table through iasl -d: no failure, no error or warning.
check_iasl() {
	local name=$1 f bad=0 n=0
	for f in "$TMP/$name"/*.dat; do
		n=$((n + 1))
		if ! (cd "$TMP/$name" && iasl -d "$(basename "$f")") \
				> "$f.iasl" 2>&1 ||
		   grep -qiE 'error|warning|incorrect|invalid' "$f.iasl" \
				"${f%.dat}.dsl"; then
			not_ok "$name: iasl -d $(basename "$f"):"
			grep -iE 'error|warning|incorrect|invalid' "$f.iasl" \
				"${f%.dat}.dsl" | sed 's/^/#   /'
			bad=1
		fi
	done
	[ "$bad" -eq 0 ] && ok "$name: iasl -d disassembles all $n tables ($(cd "$TMP/$name" && echo *.dat)) cleanly"
}

# The devices iovm made: "NAME BASE IRQ ENDPOINT" per line, from --debug.
devices() {
	sed -n 's/.*debug: \([a-z0-9]*\): virtio-mmio at \(0x[0-9a-f]*\), IRQ \([0-9]*\), IOMMU endpoint \(-\{0,1\}[0-9]*\)$/\1 \2 \3 \4/p' \
		"$TMP/$1.log"
}

# The table's bytes, from the "Raw Table Data" hex dump iasl appends (old
# and new iasl both do; only new ones also decode the VIOT's fields).
raw_bytes() {
	sed -n '/Raw Table Data/,$p' "$1" |
		sed -n 's/^ *[0-9A-F]\{4\}: \(\([0-9A-F][0-9A-F] \)*[0-9A-F][0-9A-F]\).*/\1/p' |
		tr ' ' '\n' | grep -v '^$'
}

# le BYTES... : the little-endian number, in hex.
le() {
	local v= b
	for b in "$@"; do v=$b$v; done
	printf '0x%x' "$((16#$v))"
}

# The VIOT's nodes: "iommu BASE" and "endpoint ID BASE" lines.
viot_nodes() {
	local -a b
	mapfile -t b < <(raw_bytes "$1")
	local count=$((16#${b[37]}${b[36]})) off=$((16#${b[39]}${b[38]})) i
	for ((i = 0; i < count; i++)); do
		case ${b[off]} in
		04) echo "iommu $(le "${b[@]:off+8:8}")" ;;
		02) echo "endpoint $(($(le "${b[@]:off+4:4}"))) $(le "${b[@]:off+8:8}")" ;;
		*) echo "node-type-${b[off]}" ;;
		esac
		off=$((off + 16#${b[off+3]}${b[off+2]}))
	done
}

# LNRO0005 devices in the disassembled DSDT: "BASE IRQ" per line.
dsdt_virtio() {
	awk '/Device \(/ { hid = 0; base = ""; irq = "" }
	     /_HID, "LNRO0005"/ { hid = 1 }
	     hid && /Address Base/ { base = tolower($1); sub(",", "", base) }
	     hid && /^ *0x[0-9A-F]+,$/ && base != "" {
		irq = $1; sub(",", "", irq)
		print base, irq; hid = 0 }' "$1" |
		while read -r base irq; do echo "$base $((irq))"; done
}

# check NAME CPUS BEHIND...: BEHIND, the device names the command line put
# behind the IOMMU (none: no --iommu).
check() {
	local name=$1 cpus=$2; shift 2
	local behind=("$@") devs got want lapics
	check_iasl "$name"
	devs=$(devices "$name")

	lapics=$(grep -c 'Processor Local APIC' "$TMP/$name/apic.dsl")
	[ "$lapics" -eq "$cpus" ] &&
		ok "$name: MADT: $lapics local APICs for -c $cpus" ||
		not_ok "$name: MADT: $lapics local APICs for -c $cpus"

	want=$(awk '{ printf "%s %d\n", $2, $3 }' <<< "$devs" | sort)
	got=$(dsdt_virtio "$TMP/$name/dsdt.dsl" | sort)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "$name: DSDT: a LNRO0005 device with its window and pin for each of the $(wc -l <<< "$want") virtio-mmio devices"
	else
		not_ok "$name: DSDT virtio devices differ from iovm's:"
		diff <(echo "$want") <(echo "$got") | sed 's/^/#   /'
	fi

	if [ ${#behind[@]} -eq 0 ]; then
		[ ! -e "$TMP/$name/viot.dat" ] &&
			ok "$name: no VIOT without --iommu" ||
			not_ok "$name: a VIOT without --iommu"
		return
	fi
	if [ ! -e "$TMP/$name/viot.dat" ]; then
		not_ok "$name: no VIOT with --iommu"
		return
	fi
	local nodes d base ep n=0
	nodes=$(viot_nodes "$TMP/$name/viot.dsl")
	base=$(awk '$1 == "iommu" { print $2 }' <<< "$devs")
	[ "$(grep -c '^iommu ' <<< "$nodes")" -eq 1 ] &&
		grep -qx "iommu $base" <<< "$nodes" ||
		{ not_ok "$name: VIOT: no virtio-iommu-mmio node at $base"; return; }
	for d in "${behind[@]}"; do
		read -r base ep < <(awk -v d="$d" '$1 == d { print $2, $4 }' <<< "$devs")
		if [ -z "$base" ] || [ "${ep:--1}" -lt 1 ] ||
		   ! grep -qx "endpoint $ep $base" <<< "$nodes"; then
			not_ok "$name: VIOT: no endpoint node for $d (at ${base:-?}, endpoint ${ep:-?})"
			echo "$nodes" | sed 's/^/#   /'
			return
		fi
		n=$((n + 1))
	done
	if [ "$(grep -c '^endpoint ' <<< "$nodes")" -eq "$n" ] &&
	   [ "$(wc -l <<< "$nodes")" -eq $((n + 1)) ]; then
		ok "$name: VIOT: the virtio-iommu at its base and one endpoint each for ${behind[*]}, nothing else"
		echo "$nodes" | sed 's/^/#   /'
	else
		not_ok "$name: VIOT: more nodes than the ${#behind[@]} devices behind the IOMMU:"
		echo "$nodes" | sed 's/^/#   /'
	fi
}

if dump one -c 1 -d "$TMP/a.img"; then
	check one 1
else
	not_ok "one: no dump: $(cat "$TMP/one.log")"
fi

if dump eight -c 8 -d "$TMP/a.img" -d "$TMP/b.img" --rng; then
	check eight 8
else
	not_ok "eight: no dump: $(cat "$TMP/eight.log")"
fi

if dump iommu -c 2 --iommu --rng -d "$TMP/a.img" -d "$TMP/b.img" \
	-d "$TMP/c.img,iommu=off"; then
	check iommu 2 blk0 blk1 rng
	grep -q 'blk2: .*IOMMU endpoint -1$' "$TMP/iommu.log" &&
		ok "iommu: blk2 (iommu=off) has no endpoint" ||
		not_ok "iommu: blk2 (iommu=off) has an endpoint"
else
	not_ok "iommu: no dump: $(cat "$TMP/iommu.log")"
fi

if dump disks -c 8 --iommu -d "$TMP/a.img" -d "$TMP/b.img,ro" \
	-d "$TMP/c.img" -d "$TMP/d.img" --console virtio; then
	check disks 8 blk0 blk1 blk2 blk3 console
else
	not_ok "disks: no dump: $(cat "$TMP/disks.log")"
fi

echo "acpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
