#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Second stage of the test VM in systemd mode (vmtest.sh -S): run as a
# service once the boot reached basic.target, on a writable overlay of
# this machine's root. Leaves the command's output and exit status, the
# kernel log and the journal in the result folder, and powers off.
R=/vmresult
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export TERM=dumb

mkdir -p /run/netns
: >"$R/started"	# vmtest.sh: the boot is over, the command's turn
bash "$R/cmd" >"$R/out" 2>&1 </dev/null
echo $? >"$R/status"
dmesg >"$R/dmesg"
journalctl -b --no-pager >"$R/journal" 2>&1
sync
systemctl poweroff --force --force
