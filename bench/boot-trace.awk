# Where iovm's set-up time goes, from bench/boot-trace-l1.sh's strace
# (strace -f -ttt -T: "PID EPOCH.USEC CALL(...) = RET <SECONDS>"): the time
# from iovm's start to its first KVM_RUN, and the set-up's slowest steps:
# the system calls that took longest and the longest gaps between two
# calls of the main thread (computing). An unfinished call is read at the
# line that resumes it.
#
# usage: awk -v t0=EPOCH -f boot-trace.awk TRACE
{
	pid = $1; t = $2 + 0; call = $3; sub(/\(.*/, "", call)
	d = match($0, /<[0-9.]+>$/) ? substr($0, RSTART + 1, RLENGTH - 2) + 0 : 0
}
NR == 1 { first = t; main = pid }
/KVM_RUN/ && !run { run = t; printf "boot-trace: iovm start to its first KVM_RUN: %.0f ms (strace started %.0f ms before the first call)\n", (run - first) * 1000, (first - t0) * 1000 }
# Computing: from the end of the main thread's last call (its start and
# its time in the kernel) to the start of its next one.
!run && pid == main && $3 !~ /^<\.\.\./ {
	if (last && t - last > 0.002)
		gap[sprintf("%8.1f ms  computing before %s (at +%.0f ms)", (t - last) * 1000, call, (t - first) * 1000)] = t - last
	last = t + d
}
!run {
	if (d > 0.002) {
		line = $0; sub(/^[0-9]+ +[0-9.]+ /, "", line)
		if (length(line) > 100) line = substr(line, 1, 97) "..."
		slow[sprintf("%8.1f ms  %s", d * 1000, line)] = d
	}
}
END {
	if (!run) { print "boot-trace: no KVM_RUN in the trace"; exit 1 }
	print "boot-trace: set-up calls over 2 ms, and the main thread computing over 2 ms between calls:"
	fflush()
	sorter = "sort -rn | head -n 25 | sed \"s/^/boot-trace:   /\""
	for (k in slow) print k | sorter
	for (k in gap) print k | sorter
	close(sorter)
}
