#!/bin/sh
# The guest chooses iovm's exit status through the test device.
exit 7
