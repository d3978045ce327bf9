#!/bin/sh
# iovm.run=vfio-stress: see vfio.sh.
exec sh /tests/vfio.sh stress
