#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack (in the VM): send past the hook (XDP) at line rate into a cap
# with 1 MB left, with on_exhaust=drop (the default) and with down.
# Before the fix past-hook traffic after exhaustion was unlimited with
# drop (alarmed, nothing stopped it) and 5-7 MB got through with down.
# Now the device that sends past its hook beyond the cap is held down in
# both modes, and near the cap the audit runs every 10 ms: what passes
# the cap is at most one audit interval (100 ms) of the path's line rate,
# measured first. The figures of both modes are printed: they are what
# docs/threat-model.md weighs for on_exhaust's default.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
XIN=ucx${RUN_ID}
XFEED=ucy${RUN_ID}
AUDIT_MS=100
LEFT=1000000
feed() {
	ip netns exec "$NSA" timeout 20 "$BUILD/selftests/rawsend" "$XFEED" "$MAC_B" \
		198.18.13.1 198.18.13.2 "$1" 1000 >/dev/null
}

for mode in drop down; do
	check "$mode: insmod on_exhaust=$mode exempt=$XFEED" \
		mod_load audit_ms=$AUDIT_MS on_exhaust=$mode exempt="$XFEED"
	raw_bed 198.18.13
	xdp_bed "$XIN" "$XFEED"
	line_rate "$NSA" "$DA" feed 5000
	line=$LINE_RATE
	sleep 0.3
	cap=$(($(mod_get used_bytes) + LEFT))
	check "$mode: arm with $LEFT bytes left" mod_set cap_bytes "$cap"
	tx0=$(tx_bytes "$NSA" "$DA")
	spawn "$NSA" timeout 20 "$BUILD/selftests/rawsend" "$XFEED" "$MAC_B" \
		198.18.13.1 198.18.13.2 20000 1000
	feeder=$SPAWNED
	for _ in $(seq 100); do is_down "$NSA" "$DA" && break; sleep 0.05; done
	check "$mode: $DA was taken down" is_down "$NSA" "$DA"
	wait "$feeder" 2>/dev/null
	sent=$(($(tx_bytes "$NSA" "$DA") - tx0))
	over=$((sent > LEFT ? sent - LEFT : 0))
	diag "$mode: line rate $line B/s (at most $LINE_PEAK in $AUDIT_MS ms); $sent bytes left past the hook with $LEFT left, $over past the cap ($((over * 1000 / (line > 0 ? line : 1))) ms of line rate; one audit interval is $AUDIT_MS ms)"
	check_eq "$mode: exhausted" "$(mod_get state)" exhausted
	check_eq "$mode: used_bytes = cap_bytes" "$(mod_get used_bytes)" "$cap"
	check_ge "$mode: past the cap, at most one audit interval of line rate" \
		$((line * AUDIT_MS / 1000)) "$over"
	check_run "$mode: bringing $DA up is refused" 2 "Operation not permitted" \
		ip -n "$NSA" link set "$DA" up
	if [ "$mode" = drop ]; then
		check "drop: $DB, which sent nothing past its hook, stays up" is_up "$NSB" "$DB"
	else
		check "down: $DB goes down too" is_down "$NSB" "$DB"
	fi
	mod_unload
	ip netns del "$NSA"
	ip netns del "$NSB"
done
done_testing
