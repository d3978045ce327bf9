#!/bin/sh
# Panic the guest kernel on purpose: iovm must end with status 3 through
# pvpanic rather than hang or report success.
echo "iovm-guest: panicking on purpose"
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
sleep 5
exit 1
