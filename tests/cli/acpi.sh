#!/bin/bash
# The ACPI tables iovm gives the guest, as `--dump-acpi` writes them, for a
# few command lines: `iasl -d` must disassemble every table without an
# error or a warning (a bad checksum or length is one), the MADT must have
# a local APIC per vCPU, the DSDT a LNRO0005 device per virtio-mmio device
# with its window and pin, and the VIOT exactly one MMIO endpoint per
# device the command line put behind the virtio-iommu, with the endpoint
# ID and base iovm gave it. With devices on virtio-pci: a PNP0A08 host
# bridge in the DSDT with the bus range, the 0xCF8 ports and the BAR
# window that hold each function's BARs, the ECAM in the MCFG and reserved
# by a PNP0C02 device, and behind the IOMMU a VIOT PCI range whose
# endpoint IDs are those iovm gave the functions (base + requester ID).
# Where each device went is read from iovm's --debug lines; which devices
# must be behind the IOMMU, from the command line. Runs anywhere: the
# tables are written before KVM is opened, and pointing IOVM_KVM_DEVICE at
# nothing stops iovm right after.
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
		01) echo "pci-range $(($(le "${b[@]:off+4:4}"))) $(le "${b[@]:off+12:2}") $(le "${b[@]:off+14:2}")" ;;
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
	   [ "$(grep -vc '^pci-range ' <<< "$nodes")" -eq $((n + 1)) ]; then
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

# The virtio-pci functions iovm made: "NAME SLOT BAR0 ENDPOINT" per line.
pci_devices() {
	sed -n 's/.*debug: \([a-z0-9]*\): virtio-pci at 00:\([0-9a-f]*\)\.0, BAR0 \(0x[0-9a-f]*\), IOMMU endpoint \(-\{0,1\}[0-9]*\)$/\1 \2 \3 \4/p' \
		"$TMP/$1.log"
}

# check_pci NAME BEHIND...: the host bridge, MCFG, and (BEHIND, the PCI
# devices the command line put behind the IOMMU) the VIOT's PCI range.
check_pci() {
	local name=$1; shift
	local behind=("$@") dsl=$TMP/$name/dsdt.dsl devs nodes d slot bar0 ep
	local ecam win
	devs=$(pci_devices "$name")
	[ -n "$devs" ] || { not_ok "$name: iovm made no virtio-pci device"; return; }
	if ! grep -q 'Name (_HID, EisaId ("PNP0A08")' "$dsl" ||
	   ! grep -q 'Name (_CID, EisaId ("PNP0A03")' "$dsl" ||
	   ! grep -q 'Name (_SEG, Zero)' "$dsl" || ! grep -q 'Name (_BBN, Zero)' "$dsl"; then
		not_ok "$name: DSDT: no PNP0A08/PNP0A03 host bridge with _SEG and _BBN"
		return
	fi
	win=$(awk '/DWordMemory/ { m = 1 } m && /Range Minimum/ { lo = $1 }
		   m && /Range Maximum/ { print lo, $1; exit }' "$dsl" | tr -d ',')
	ecam=$(awk '/PNP0C02/ { m = 1 } m && /Address Base/ { b = $1 }
		    m && /Address Length/ { print b, $1; exit }' "$dsl" | tr -d ',')
	if ! grep -q 'WordBusNumber' "$dsl" ||
	   ! grep -A2 'IO (Decode16' "$dsl" | grep -q '0x0CF8,'; then
		not_ok "$name: DSDT: the host bridge's _CRS lacks the bus range or the 0xCF8 ports"
		return
	fi
	for d in $(awk '{ print $3 }' <<< "$devs"); do
		if [ $((d)) -lt $((${win% *})) ] || [ $((d + 0x3fff)) -gt $((${win#* })) ]; then
			not_ok "$name: BAR0 $d outside the host bridge's window $win"
			return
		fi
	done
	ok "$name: DSDT: PNP0A08 host bridge, bus 0, ports 0xCF8-0xCFF, BAR window $win holding every BAR0 ($(awk '{ print $3 }' <<< "$devs" | tr '\n' ' '))"
	if [ "$ecam" = "0xE0000000 0x00100000" ] &&
	   grep -q 'Base Address : 00000000E0000000' "$TMP/$name/mcfg.dsl" &&
	   grep -q 'End Bus Number : 00' "$TMP/$name/mcfg.dsl"; then
		ok "$name: MCFG: ECAM at 0xE0000000 for bus 0, reserved by a PNP0C02 device"
	else
		not_ok "$name: MCFG or its PNP0C02 reservation wrong (reserved: ${ecam:-none})"
	fi
	[ ${#behind[@]} -gt 0 ] || return
	nodes=$(viot_nodes "$TMP/$name/viot.dsl")
	read -r _ start first last < <(grep '^pci-range ' <<< "$nodes")
	if [ -z "$start" ] || [ "$first" != 0x0 ] || [ "$last" != 0xff ]; then
		not_ok "$name: VIOT: no PCI range over bus 0: $(tr '\n' ';' <<< "$nodes")"
		return
	fi
	for d in "${behind[@]}"; do
		read -r slot ep < <(awk -v d="$d" '$1 == d { print $2, $4 }' <<< "$devs")
		if [ "${ep:--1}" -ne $((start + (0x$slot << 3))) ]; then
			not_ok "$name: $d at 00:$slot.0 has endpoint ${ep:-?}, the range says $((start + (0x$slot << 3)))"
			return
		fi
	done
	ok "$name: VIOT: a PCI range over bus 0 from endpoint $start; ${behind[*]} have the IDs it gives their requester IDs"
}

if dump pci -c 2 --iommu -d "$TMP/a.img,transport=pci" -d "$TMP/b.img" \
	--rng=transport=pci -d "$TMP/c.img,transport=pci,iommu=off"; then
	check pci 2 blk1
	check_pci pci blk0 rng
	grep -q 'blk2: virtio-pci at .*IOMMU endpoint -1$' "$TMP/pci.log" &&
		ok "pci: blk2 (iommu=off) has no endpoint" ||
		not_ok "pci: blk2 (iommu=off) has an endpoint"
else
	not_ok "pci: no dump: $(cat "$TMP/pci.log")"
fi

if dump pci-plain -c 1 --virtio-transport pci -d "$TMP/a.img" --rng; then
	check_iasl pci-plain
	check_pci pci-plain
	[ ! -e "$TMP/pci-plain/viot.dat" ] &&
		ok "pci-plain: no VIOT without --iommu" ||
		not_ok "pci-plain: a VIOT without --iommu"
else
	not_ok "pci-plain: no dump: $(cat "$TMP/pci-plain.log")"
fi

echo "acpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
