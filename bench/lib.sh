# shellcheck shell=bash
# Shell helpers shared by the bench scripts (sourced, not run).

# guest_excluded_rss RAM_BYTES SMAPS: the sum of Rss (KiB) over the
# mappings in an smaps file, leaving out the one of exactly RAM_BYTES
# (guest RAM: iovm maps it in one piece, see kvm/memory.c). Plain bash:
# the nested harness's level 1 has only busybox besides the host's /usr.
guest_excluded_rss() {
	local ram=$1 line size=0 sum=0 re='^([0-9a-f]+)-([0-9a-f]+) '
	while read -r line; do
		if [[ $line =~ $re ]]; then
			size=$((16#${BASH_REMATCH[2]} - 16#${BASH_REMATCH[1]}))
		elif [[ $line =~ ^Rss:\ +([0-9]+) ]] && [ "$size" -ne "$ram" ]; then
			sum=$((sum + BASH_REMATCH[1]))
		fi
	done < "$2"
	echo "$sum"
}
