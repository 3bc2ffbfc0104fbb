#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl cap set / cap show (in the VM): size forms, bad input refused
# with a clear message and exit 2, the module's refusals reported as such,
# and the JSON module object.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
U=$UPLOADCTL

check_run "cap show without the module" 1 "^uploadctl: cap show: uploadcap.ko is not loaded" "$U" cap show
check_run "cap set without the module" 1 "^uploadctl: cap set: uploadcap.ko is not loaded" "$U" cap set 1G

# Bad sizes never reach the module: usage errors with the reason.
while IFS='|' read -r size why; do
	check_run "cap set '$size' refused: $why" 2 "^uploadctl: cap set: .*$why" "$U" cap set "$size"
done <<'EOF_SIZES'
|empty size
0|more than zero
-1|negative
1.5|whole number
5Q|unknown unit
1.2.3|unexpected
1KBx|unknown unit
18446744073709551616|2\^64
16EiB|2\^64
lots|not a size
EOF_SIZES
check_run "cap with no command" 2 "^uploadctl: cap: give a command" "$U" cap
check_run "cap with an unknown command" 2 "unknown command 'frob'" "$U" cap frob
check_run "cap set with no size" 2 "give one SIZE" "$U" cap set
check_run "cap set with two sizes" 2 "give one SIZE" "$U" cap set 1G 2G
check_run "cap --help" 0 "^Usage: uploadctl cap set SIZE" "$U" cap --help
check_run "cap set --help" 0 "lock-modules" "$U" cap set --help

check "insmod used_bytes=1000" mod_load used_bytes=1000
check_run "cap show: unarmed" 0 "^module: +unarmed" "$U" cap show
check_eq "cap show --json: unarmed, no cap" "$("$U" cap show --json | jq -c '[.state, .cap_bytes, .remaining_bytes, .used_bytes]')" '["unarmed",null,null,1000]'
check_run "cap set 10GB arms" 0 "^armed: cap 10000000000 \(9.31 GiB\)" "$U" cap set 10GB
check_eq "the module has it" "$(mod_get cap_bytes)" 10000000000
check_run "cap set 1TiB is refused by the module" 1 \
	"^uploadctl: cap set: uploadcap.ko refused: the cap is 10000000000 \(9.31 GiB\) and can only be lowered" \
	"$U" cap set 1TiB
check_eq "the refusal was counted" "$(mod_get tamper_attempts)" 1
check_run "cap set '5 GiB' lowers" 0 "^cap lowered from 10000000000 \(9.31 GiB\) to 5368709120 \(5.00 GiB\)" \
	"$U" cap set "5 GiB"
check_run "cap set 5gib again: unchanged" 0 "^cap unchanged: 5368709120" "$U" cap set 5gib
check_eq "cap show --json" "$("$U" cap show --json | jq -c .)" \
	'{"state":"armed","cap_bytes":5368709120,"used_bytes":1000,"remaining_bytes":5368708120,"dropped_bytes":0,"dropped_packets":0,"tamper_attempts":1,"bypass_bytes":0,"lease_bytes":null,"reserve_bytes":0,"reserve_used_bytes":0,"tpm_floor_bytes":null,"lease_step_bytes":null,"rate_bytes_per_sec":null,"rate_burst_bytes":null,"rate_current_bytes_per_sec":0,"rate_dropped_bytes":0,"rate_dropped_packets":0,"audit_charged_bytes":0,"restored_bytes":1000,"rate_debt_bytes":0,"reserve_dst":"","tpm_state":"absent","version":"'"$(make -s -C "$TOP" print-version)"'","version_next_boot":null}'
check_eq "status --json carries the same module object" \
	"$("$U" --pin-dir "$PIN_DIR" status --json | jq -c .module)" "$("$U" cap show --json | jq -c .)"
check_run "cap show: the bar" 0 "used 1000 \(1000 B\) \[\.{40}\] 0\.00%" "$U" cap show
check_run "cap set 1: below what was used" 0 "below what was already used" "$U" cap set 1
check_eq "exhausted" "$(mod_get state)" exhausted
check_eq "cap is the used count" "$(mod_get cap_bytes)" 1000
check_run "cap show: full bar" 0 "\[#{40}\] 100\.00%" "$U" cap show
mod_unload

done_testing
