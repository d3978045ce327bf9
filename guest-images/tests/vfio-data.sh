#!/bin/sh
# iovm.run=vfio-data: see vfio.sh.
exec sh /tests/vfio.sh data
