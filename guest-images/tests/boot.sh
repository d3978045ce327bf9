#!/bin/sh
# CI boot check: the guest saw the CPUs and the IO-APIC that iovm's device
# tree describes. Prints one "ok - ..." or "not ok - ..." line per check and
# exits 0 only if all pass.
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

if [ -d "$dt" ]; then
	pass "the kernel unflattened a device tree ($dt exists)"
else
	fail "no device tree in the guest ($dt is missing)"
fi

dt_cpus=$(ls -d "$dt"/cpus/cpu@* 2>/dev/null | wc -l)
if [ "$dt_cpus" = "$expect" ]; then
	pass "the device tree has $dt_cpus cpu@ nodes under /cpus"
else
	fail "the device tree has $dt_cpus cpu@ nodes under /cpus, expected $expect"
fi

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

exit "$failed"
