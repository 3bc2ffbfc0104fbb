#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 32 concurrent first writers of cap_bytes (in the VM): exactly one arms
# the module; of the others, those with a lower value lower the cap and
# those with a higher one are refused (EPERM) and counted. Whatever the
# order, the cap ends at the lowest value written.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

N=32
BASE=50000000
STEP=1000

UEVENTS=$(mktemp)
spawn_bg "$BUILD/selftests/uevent_listen" 60 >"$UEVENTS"
for _ in $(seq 50); do grep -q ready "$UEVENTS" && break; sleep 0.1; done
check "insmod" mod_load
dmesg_mark
out=$("$BUILD/selftests/cap_race" "$SYSFS/cap_bytes" $N $BASE $STEP)
check_eq "$N writers reported" "$(grep -c . <<<"$out")" $N
oks=$(grep -c ' ok$' <<<"$out")
eperms=$(grep -c ' EPERM$' <<<"$out")
diag "$oks writes accepted, $eperms refused"
check_eq "every write either succeeded or was refused with EPERM" $((oks + eperms)) $N
check_ge "at least one write succeeded" "$oks" 1
check_eq "exactly one writer armed the module (one 'armed' log line)" \
	"$(dmesg_since | grep -c 'uploadcap: armed:')" 1
check_eq "accepted writes after the first were lowers (log lines)" \
	"$(dmesg_since | grep -c 'uploadcap: cap lowered')" $((oks - 1))
check_eq "the cap is the lowest value written" "$(mod_get cap_bytes)" $BASE
check_eq "state is armed" "$(mod_get state)" armed
check_eq "every refused write counted as a tamper attempt" "$(mod_get tamper_attempts)" "$eperms"
for _ in $(seq 50); do [ "$(grep -vc ready "$UEVENTS")" -ge 1 ] && break; sleep 0.1; done
sleep 0.5
check_eq "one uevent: armed" "$(grep -v ready "$UEVENTS" | tr '\n' ' ')" "armed "
rm -f "$UEVENTS"
mod_unload

done_testing
