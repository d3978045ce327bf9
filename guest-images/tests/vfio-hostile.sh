#!/bin/sh
# iovm.run=vfio-hostile: see vfio.sh.
exec sh /tests/vfio.sh hostile
