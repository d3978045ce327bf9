#!/bin/sh
# iovm.run=vfio-demo: see vfio.sh.
exec sh /tests/vfio.sh demo
