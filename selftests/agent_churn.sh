#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack: flood the agent with device churn (in the VM). 1000 devices made
# at once, deleted, and made again: the agent reports every one of them
# (new_interface), its memory does not grow with the churn, it keeps
# ticking, and an alarm that follows (a threshold crossed) is not lost
# or late.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
agent_bed 198.18.10
N=1000
BATCH=$(mktemp)
T_CLEANUP+=("rm -f '$BATCH'")
GROUP=$((1000 + RANDOM % 1000))
for i in $(seq $N); do echo "link add name ch${RUN_ID}x$i group $GROUP type dummy"; done >"$BATCH"
# All at once (one batch in the kernel: one device at a time takes a
# grace period each). iproute2 exits 2 after deleting a group, though
# it did: count what is left instead.
del_all() {
	ip -n "$NSA" link del group "$GROUP" 2>/dev/null
	[ "$(ip -n "$NSA" -br link show group "$GROUP" | grep -c .)" = 0 ]
}

# No rate limit on alarms here: every device must be seen to be reported.
agent_start "$NSA" --interval 0.5 --ledger "$LEDGER" --alarm-burst 0
for i in $(seq 50); do [ -s "$LEDGER" ] && break; sleep 0.1; done
check "the agent wrote its first checkpoint" test -s "$LEDGER"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT/status"; }
churned() { events new_interface | grep -c "device=ch${RUN_ID}x"; }

check "$N dummy devices made at once" ip -n "$NSA" -batch "$BATCH"
check "new_interface for each of them" wait_count $N 60 churned
rss1=$(rss)
diag "agent RSS with $N devices: $rss1 kB"
check "all deleted" del_all
sleep 2
check "made again" ip -n "$NSA" -batch "$BATCH"
check "new_interface for each again (new devices)" wait_count $((2 * N)) 60 churned
check "all deleted again" del_all
sleep 2
rss2=$(rss)
diag "agent RSS after the churn: $rss2 kB"
check "the agent is still running" kill -0 "$AGENT"
check_ge "its memory did not grow with the churn (+512 kB at most)" $((rss1 + 512)) "$rss2"
check_eq "each device reported exactly once per life" "$(churned)" $((2 * N))

# An alarm right after the churn arrives on time: 60% of a fresh cap.
cap=$(($(mod_get used_bytes) + 100000))
check_run "arm 100 kB above used" 0 "^armed" "$UPLOADCTL" cap set "$cap"
check_run "60 kB of frames" 0 "" raw 60 1000
check "threshold 50 within 3 ticks" wait_event threshold 1 2
check_run "it is the 50% one" 0 "event=threshold severity=warning percent=50 " events threshold
agent_stop
check_run "the agent stopped cleanly" 0 "" test -s "$LEDGER"
done_testing
