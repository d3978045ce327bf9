#!/bin/sh
# CI boot check: the guest saw the CPUs and the interrupt controller that
# iovm's description of the machine gives, a device tree (--dt; always on
# arm64) or ACPI tables, and that one only. Prints one "ok - ..." or "not ok - ..." line per check
# and exits 0 only if all pass.
#
# Kernel command line: iovm.expect_cpus=N  the number of vCPUs iovm started
# (without it, the CPU counts are compared with each other only).

dt=/sys/firmware/devicetree/base
failed=0

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

expect=
# shellcheck disable=SC2013 # the command line is a list of words
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.expect_cpus=*) expect=${arg#iovm.expect_cpus=} ;;
	esac
done

online=$(nproc)
if [ -z "$expect" ]; then
	pass "nproc is $online # SKIP no iovm.expect_cpus= on the command line"
	expect=$online
elif [ "$online" = "$expect" ]; then
	pass "nproc is $online, as iovm.expect_cpus says"
else
	fail "nproc is $online, iovm.expect_cpus says $expect"
fi

# As many cpu@ nodes under /cpus as vCPUs.
check_dt_cpus() {
	dt_cpus=$(ls -d "$dt"/cpus/cpu@* 2>/dev/null | wc -l)
	if [ "$dt_cpus" = "$expect" ]; then
		pass "the device tree has $dt_cpus cpu@ nodes under /cpus"
	else
		fail "the device tree has $dt_cpus cpu@ nodes under /cpus, expected $expect"
	fi
}

# The device tree (--dt, the project's own kernel).
check_dt() {
	pass "the kernel unflattened a device tree ($dt exists)"
	if [ -n "$(ls /sys/firmware/acpi/tables 2>/dev/null)" ]; then
		fail "the kernel also found ACPI tables: a guest must get one description"
	fi

	check_dt_cpus

	# The IO-APIC must come from a DT node (compatible "intel,ce4100-ioapic");
	# this kernel has neither ACPI nor the MP table parser, so a registered
	# IO-APIC can only come from there. Its unit address must be the address
	# the kernel logged when registering it.
	ioapic=$(find "$dt" -name compatible 2>/dev/null | while read -r compat; do
		if grep -q 'intel,ce4100-ioapic' "$compat"; then
			echo "${compat%/compatible}"
			break
		fi
	done)
	log=$(dmesg)
	if [ -z "$ioapic" ]; then
		fail "no IO-APIC node (compatible \"intel,ce4100-ioapic\") in the device tree"
	else
		node=${ioapic#"$dt"}
		unit=${node##*@}
		if [ "$unit" = "$node" ]; then
			pattern='IOAPIC\[[0-9]+\]: apic_id'
		else
			pattern="IOAPIC\[[0-9]+\]: apic_id .* address 0x0*$unit,"
		fi
		line=$(echo "$log" | grep -E "$pattern" | head -n 1)
		if [ -n "$line" ]; then
			pass "IO-APIC $node registered from the device tree: ${line#*] }"
		else
			fail "IO-APIC $node is in the device tree but the kernel log has no" \
				"matching 'IOAPIC[n]: ... address 0x$unit' line"
		fi
	fi
	if echo "$log" | grep -q 'No information about IO-APIC in OF'; then
		fail "the kernel says: No information about IO-APIC in OF"
	fi
}

# ACPI (a distribution kernel): the tables, the MADT's CPUs and IO-APIC,
# a virtio-mmio device bound to each LNRO0005 device of the DSDT, and a
# VIOT exactly when there is a virtio-iommu (viot.sh checks its nodes).
check_acpi() {
	tables=/sys/firmware/acpi/tables
	missing=
	for t in APIC DSDT FACP; do
		[ -f "$tables/$t" ] || missing="$missing $t"
	done
	if [ -z "$missing" ]; then
		pass "no device tree; ACPI tables: $(ls "$tables" | grep -v -x -e data -e dynamic | tr '\n' ' ')"
	else
		fail "no device tree, and ACPI tables missing:$missing (found: $(ls "$tables" 2>/dev/null | tr '\n' ' '))"
	fi

	log=$(dmesg)
	ioapic=$(echo "$log" | grep -o 'IOAPIC\[0\]: apic_id .*' | head -n 1)
	if echo "$log" | grep -q 'Using ACPI (MADT) for SMP configuration' &&
	   [ -n "$ioapic" ]; then
		pass "CPUs and IO-APIC from the MADT: $ioapic"
	else
		fail "the kernel did not take its CPUs and IO-APIC from the MADT"
	fi

	mmio=0 bound=0 pci=0
	for d in /sys/bus/platform/devices/LNRO0005:*; do
		[ -e "$d" ] || continue
		mmio=$((mmio + 1))
		[ "$(basename "$(readlink "$d/driver")")" = virtio-mmio ] &&
			bound=$((bound + 1))
	done
	# virtio-pci functions (transport=pci): pci.sh looks at them closer.
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1af4 ] && pci=$((pci + 1))
	done
	virtio=$(ls /sys/bus/virtio/devices | wc -l)
	if [ "$bound" = "$mmio" ] && [ "$virtio" = $((mmio + pci)) ]; then
		pass "$mmio LNRO0005 devices in the DSDT, each bound to virtio-mmio, and $pci virtio-pci functions: $virtio virtio devices"
	else
		fail "$mmio LNRO0005 devices, $bound bound to virtio-mmio, $pci virtio-pci functions, $virtio virtio devices"
	fi

	iommu=$(grep -l -x 0x0017 /sys/bus/virtio/devices/*/device 2>/dev/null | wc -l)
	if [ -f "$tables/VIOT" ] && [ "$iommu" -eq 1 ]; then
		pass "a VIOT for the virtio-iommu"
	elif [ ! -f "$tables/VIOT" ] && [ "$iommu" -eq 0 ]; then
		pass "no VIOT, no virtio-iommu"
	else
		fail "VIOT $([ -f "$tables/VIOT" ] || echo 'absent, ')with $iommu virtio-iommu device(s)"
	fi
}

# arm64's device tree: the CPUs brought up through PSCI, the GICv3 and its
# ITS registered from their nodes, the architected timer running.
check_dt_arm64() {
	pass "the kernel unflattened a device tree ($dt exists)"
	[ -z "$(ls /sys/firmware/acpi/tables 2>/dev/null)" ] ||
		fail "the kernel also found ACPI tables: a guest must get one description"
	check_dt_cpus
	log=$(dmesg)
	for want in 'psci: PSCIv[0-9.]* detected' 'GICv3: [0-9]* SPIs implemented' \
		'ITS \[mem 0x[0-9a-f]*-0x[0-9a-f]*\]' 'arch_timer: cp15 timer'; do
		line=$(echo "$log" | grep -E -o "$want.*" | head -n 1)
		if [ -n "$line" ]; then
			pass "$line"
		else
			fail "the kernel log has no '$want' line"
		fi
	done
}

if [ -d "$dt" ] && [ "$(uname -m)" = aarch64 ]; then
	check_dt_arm64
elif [ -d "$dt" ]; then
	check_dt
else
	check_acpi
fi
exit "$failed"
