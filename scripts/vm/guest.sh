#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Second stage of the test VM, in this machine's root shared read-only
# (with tmpfs on /tmp, /run, /var/tmp, /var/log): mount what a test needs,
# run the command that
# scripts/vmtest.sh wrote, leave its output, exit status and the kernel log
# in the result folder, and power off.
R=/run/vmresult
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
export TERM=dumb

ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /run/netns /run/lock
ip link set lo up
hostname uploadcap-vm
if [ -f "$R/state" ]; then
	mkdir -p /run/vmstate
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 state /run/vmstate
fi

: >"$R/started"	# vmtest.sh: the boot is over, the command's turn
bash "$R/cmd" >"$R/out" 2>&1 </dev/null
echo $? >"$R/status"
dmesg >"$R/dmesg"
sync
poweroff -f
