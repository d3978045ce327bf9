#!/bin/sh
# iovm.run=vfio-isolation: see vfio.sh.
exec sh /tests/vfio.sh isolation
