#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After the VM suite: the kernel log of the whole boot has no warning,
# BUG, oops, lockdep report, stall or hung task.
. "$(dirname "$0")/lib.sh"
ucap_test_init

log=$(dmesg)
check "kernel log readable" test -n "$log"
for pat in 'WARNING:' 'BUG:' 'kernel BUG' 'Oops' 'general protection fault' \
	'possible circular locking' 'possible recursive locking' 'inconsistent lock state' \
	'suspicious RCU usage' 'rcu_sched self-detected stall' 'rcu: INFO' 'blocked for more than' \
	'UBSAN:' 'KASAN:' 'refcount_t:' 'list_add corruption' 'list_del corruption' 'Call Trace:'; do
	hits=$(grep -F -- "$pat" <<<"$log")
	check_eq "no '$pat' in the kernel log" "$(grep -c . <<<"$hits")" 0
	[ -n "$hits" ] && diag "$hits"
done
check_run "uploadcap.ko was loaded in this boot" 0 "uploadcap: loaded" echo "$log"

done_testing
