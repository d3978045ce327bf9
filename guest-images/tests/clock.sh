#!/bin/sh
# For the lifecycle test: some disk I/O (so the IOMMU holds live mappings),
# then the guest's own clock, twice a second, until iovm stops it. A pause
# shows up as a jump between two ticks.
dd if=/dev/vda of=/dev/null bs=65536 count=16 2>/dev/null
echo "iovm-guest: clock starts"
while :; do
	read -r up _ < /proc/uptime
	echo "tick $up"
	sleep 0.5
done
