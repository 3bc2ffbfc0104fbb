#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ledger under SIGKILL (in the VM): the agent killed at 50 random
# moments while it writes a checkpoint every tick never leaves a ledger
# that fails `ledger verify`, and the restarted agent does not repeat an
# alarm it has recorded. Only the agent and the filesystem are at stake,
# not the kernel: run.sh runs this on the newest VM kernel only.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

U=("$UPLOADCTL" --pin-dir "$PIN_DIR")

ledger_past_half 198.18.12

# Traffic all along, so that every tick has a checkpoint to write.
raw_forever() { while :; do raw 20 1500; sleep 0.01; done; }
spawn_bg raw_forever
traffic=$SPAWNED
fails=0
records0=$("${U[@]}" ledger verify --json "$LEDGER" | jq .records)
for _ in $(seq 50); do
	agent_start "$NSA" --interval 0.05 --checkpoint-bytes 1 --checkpoint-seconds 0 --ledger "$LEDGER"
	# Past start-up (about half a second under emulation), at a random
	# point of the 50 ms cycle of checkpoints.
	ms=$((500 + RANDOM % 1000))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -KILL "$AGENT"
	wait "$AGENT" 2>/dev/null
	"${U[@]}" ledger verify "$LEDGER" >/dev/null || { fails=$((fails + 1)); cp "$LEDGER" "$LEDGER.copy"; }
done
kill "$traffic"
wait "$traffic" 2>/dev/null
check_eq "ledger verify passed after each of 50 SIGKILLs" "$fails" 0
check_gt "checkpoints were being written meanwhile" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .records)" $((records0 + 50))
check_eq "51 agent runs, the 50% threshold alarmed once" "$(event_count threshold)" 1
check "forced unload" rmmod -f uploadcap

done_testing
