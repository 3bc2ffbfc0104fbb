#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cap set --lock-modules (in the VM; last but one, since it disables module
# loading until reboot): after it, neither rmmod nor rmmod -f removes the
# module, and no module loads.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

check "insmod" mod_load
check_eq "modules not locked yet" "$(cat /proc/sys/kernel/modules_disabled)" 0
check_run "cap set 1G --lock-modules" 0 "modules locked: kernel.modules_disabled=1 until reboot" \
	"$UPLOADCTL" cap set 1G --lock-modules
check_eq "kernel.modules_disabled is 1" "$(cat /proc/sys/kernel/modules_disabled)" 1
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
