#!/bin/sh
# For the SIGKILL test: write a pattern, flush it (fsync -> virtio FLUSH),
# say so, and wait for the host to kill iovm.
yes iovm-flushed-data | head -c 1048576 | dd of=/dev/vda bs=65536 conv=fsync 2>/dev/null
echo "iovm-guest: flushed"
sleep 100000
