#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cap set --lock-modules (in the VM; last but one, since it disables module
# loading until reboot): after it, neither rmmod nor rmmod -f removes the
# module, no module loads, and no kernel can be kexec'ed in (before the
# fix kexec_load and kexec_file_load stayed permitted); it warns that
# lockdown is off.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

check "insmod" mod_load
# kexec_load(2) and kexec_file_load(2) with nothing to load: 0 or an
# argument error while permitted, EPERM once kexec is locked.
kexec_errno() {
	python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
nr = {"kexec_load": 246, "kexec_file_load": 320}[sys.argv[1]]
args = (0, 0, 0, 0) if sys.argv[1] == "kexec_load" else (-1, -1, 0, 0, 4)
r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
print("EPERM" if r < 0 and ctypes.get_errno() == 1 else "permitted")' "$1"
}
check_eq "modules not locked yet" "$(cat /proc/sys/kernel/modules_disabled)" 0
check_eq "kexec not locked yet" "$(cat /proc/sys/kernel/kexec_load_disabled)" 0
check_eq "kexec_load permitted before" "$(kexec_errno kexec_load)" permitted
check_run "cap set 1G --lock-modules" 0 "modules locked: kernel.modules_disabled=1 until reboot" \
	"$UPLOADCTL" cap set 1G --lock-modules
check "it locks kexec too" grep -q "kexec locked: kernel.kexec_load_disabled=1 until reboot" <<<"$RUN_OUT"
check "and warns that lockdown is off" grep -Eq "^uploadctl: warning: kernel lockdown is (off|unknown)" <<<"$RUN_OUT"
check_eq "kernel.modules_disabled is 1" "$(cat /proc/sys/kernel/modules_disabled)" 1
check_eq "kernel.kexec_load_disabled is 1" "$(cat /proc/sys/kernel/kexec_load_disabled)" 1
check_eq "kexec_load refused" "$(kexec_errno kexec_load)" EPERM
check_eq "kexec_file_load refused" "$(kexec_errno kexec_file_load)" EPERM
check_run "kexec cannot be unlocked" 1 "" sysctl -w kernel.kexec_load_disabled=0
check_eq "armed" "$(mod_get state)" armed
check_run "rmmod refused" 1 "" rmmod uploadcap
check_run "rmmod -f refused" 1 "Operation not permitted" rmmod -f uploadcap
check "the module is still there" mod_loaded
# A module this boot has not loaded (the suite loads dummy, veth, tun...).
for m in nlmon ifb dummy; do lsmod | grep -q "^$m " || break; done
check_run "no module loads any more ($m)" 1 "Operation not permitted" modprobe "$m"
check_run "and the setting cannot be undone" 1 "" sysctl -w kernel.modules_disabled=0
check_eq "still locked" "$(cat /proc/sys/kernel/modules_disabled)" 1

done_testing
