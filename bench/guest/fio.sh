#!/bin/sh
# Figure 3 of `make bench`, in the guest: Debian's fio runs the jobs of
# /tests/fio.jobs on the guest's test disk, with O_DIRECT,
# iovm.bench_secs= seconds each. fio itself comes from the read-only ext2
# disk labelled fio-tools (guest-images/build-fio.sh). Each job's
# result is fio's terse line, after "bench-fio ", for bench/guest-l1.sh.
# iovm.fio_job=NAME runs only that job, then writes the guest kernel's
# symbols (/proc/kallsyms, gzip) over the test disk, for level 1 to read
# (bench/guest.sh's perf mode).
#
# bench/guest.sh appends this script and fio.jobs to the guest's initramfs
# (as /tests/fio.sh, run with iovm.run=fio); they are not part of the test
# initramfs.
failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

secs=2
only=
# shellcheck disable=SC2013 # the command line is a list of words
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	iovm.bench_secs=*) secs=${arg#iovm.bench_secs=} ;;
	iovm.fio_job=*) only=--section=${arg#iovm.fio_job=} ;;
	esac
done

# The two virtio disks: fio's is the one whose ext2 volume name (64 bytes
# into the superblock, itself 1 KiB into the disk) is fio-tools; the test
# disk is the other one. (No serials: kvmtool sets none.)
tools= test_disk= n=0
for b in /sys/block/vd*; do
	[ -e "$b" ] || continue
	n=$((n + 1))
	d=${b##*/}
	if [ "$(dd if=/dev/$d bs=1 skip=1144 count=9 2>/dev/null)" = fio-tools ]; then
		tools=$d
	else
		test_disk=$d
	fi
done
if [ "$n" -ne 2 ] || [ -z "$tools" ] || [ -z "$test_disk" ]; then
	fail "expected two virtio disks, one of them fio's (ext2 volume fio-tools); found $n: $(ls /sys/block | tr '\n' ' '), fio's: '${tools:-none}'"
	exit 1
fi

# blk-mq's hardware queues: one per virtqueue the device offered and the
# driver took (virtio-blk's num_queues, at most one per CPU).
echo "iovm-guest: fio: /dev/$test_disk has $(ls /sys/block/$test_disk/mq | wc -l) request queues"

# Which DMA domain each device got: DMA (strict), DMA-FQ (lazy), identity.
for g in /sys/kernel/iommu_groups/*; do
	[ -e "$g/type" ] && echo "iovm-guest: iommu group ${g##*/}: $(cat "$g/type")"
done

# A stock kernel mounts ext2 through modules (build-fio.sh adds them).
if ! grep -qw ext2 /proc/filesystems && [ -f /lib/modules/ext2/load ]; then
	while read -r m; do
		insmod "/lib/modules/ext2/$m.ko" || fail "insmod $m"
	done </lib/modules/ext2/load
fi
mkdir -p /mnt/fio
if ! mount -t ext2 -o ro "/dev/$tools" /mnt/fio; then
	fail "mount /dev/$tools (fio-tools) read-only as ext2"
	exit 1
fi
pass "fio from /dev/$tools: $(cat /mnt/fio/version)"

read -r up _ </proc/uptime
echo "iovm-guest: fio starts, uptime $up s"
# shellcheck disable=SC2086 # $only: one option or none
if FIO_FILE=/dev/$test_disk FIO_SECS=$secs FIO_DIRECT=1 \
	/mnt/fio/fio --output-format=terse $only /tests/fio.jobs >/tmp/fio.out; then
	pass "fio on /dev/$test_disk, $secs s per job"
else
	fail "fio on /dev/$test_disk exited $?"
fi
read -r up _ </proc/uptime
echo "iovm-guest: fio ended, uptime $up s"
sed 's/^/bench-fio /' /tmp/fio.out
if [ -n "$only" ]; then
	gzip </proc/kallsyms >/tmp/kallsyms.gz &&
		dd if=/tmp/kallsyms.gz of="/dev/$test_disk" bs=1M conv=fsync 2>/dev/null ||
		fail "writing /proc/kallsyms to /dev/$test_disk"
fi
umount /mnt/fio
exit $failed
