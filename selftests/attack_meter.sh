#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack: take the BPF meter away (in the VM), with the agent watching.
# clsact (6.1): another program put in the meter's tc position. tcx
# (6.12): another program put into the meter's link, the link detached
# with bpftool, the link's pin deleted. Then the pinned maps deleted. Each
# raises meter_missing within 3 ticks, and enforcement does not notice: the module still stops traffic at the cap, and the receiver
# gets no more than the cap allowed.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
agent_bed 198.18.9
TICK=0.5
EMPTY_PINS=/sys/fs/bpf/ucap-empty-$RUN_ID
T_PINS+=("$EMPTY_PINS")
check_run "attach the meter" 0 "attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"
agent_start "$NSA" --interval $TICK --ledger "$LEDGER"
for _ in $(seq 50); do [ -s "$LEDGER" ] && break; sleep 0.1; done
check "the agent wrote its first checkpoint" test -s "$LEDGER"
check_run "a little traffic through the meter" 0 "" raw 50 1000
sleep 1.5

attach() { check_run "$1" 0 "attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"; }
check "load an empty tc program" bpftool prog loadall "$TEST_BPF_OBJ" "$EMPTY_PINS" type tc
n=0
if [ "$(default_attach)" = clsact ]; then
	# --- another program in uploadcap's tc position (an empty one that
	# lets everything pass, as an attacker's would)
	check "replace the meter's filter with it" in_ns "$NSA" tc filter replace dev "$DA" egress \
		pref 1 handle 0x75636170 bpf da object-pinned "$EMPTY_PINS/tc_ok"
	check "meter_missing within 3 ticks" wait_event meter_missing $((n += 1)) 3
	check_run "it says another program holds the position" 0 \
		"event=meter_missing severity=alert device=$DA what=program detail=\"another program holds uploadcap's tc position\" attach=clsact" \
		events meter_missing
	check_eq "uploadctl status shows the meter off" "$(status_field "$NSA" "$DA" attached)" false
	tc -n "$NSA" filter del dev "$DA" egress pref 1 handle 0x75636170 bpf
else
	# --- tcx: the empty program put into the meter's link
	check "the meter runs in a tcx link" test -n "$(tcx_link_of "$NSA" "$DA")"
	check "put the empty program into the meter's link" \
		in_ns "$NSA" "$TCX_CTL" replace "$(tcx_link_of "$NSA" "$DA")" "$EMPTY_PINS/tc_ok"
	check "meter_missing within 3 ticks" wait_event meter_missing $((n += 1)) 3
	check_run "it says another program replaced the meter in its link" 0 \
		"device=$DA what=program detail=\"another program replaced uploadcap's in its tcx link\" attach=tcx" \
		events meter_missing
	check_eq "uploadctl status shows the meter off" "$(status_field "$NSA" "$DA" attached)" false
	rm -f "$PIN_DIR"/tcx_egress_*

	# --- bpftool link detach
	attach "attach again"
	sleep 1.5
	check "bpftool link detach" bpftool link detach id "$(tcx_link_of "$NSA" "$DA")"
	check_eq "the kernel runs no meter on the device" "$(meter_hooks "$NSA" "$DA")" 0
	check "meter_missing within 3 ticks" wait_event meter_missing $((n += 1)) 3
	check_run "it says the link is gone or detached" 0 \
		"device=$DA what=program detail=\"uploadcap's tcx link is gone or detached\" attach=tcx" \
		events meter_missing

	# --- the link's pin deleted: the link goes with it
	attach "attach again"
	sleep 1.5
	check "delete the link's pin" bash -c "rm '$PIN_DIR'/tcx_egress_*"
	check_eq "the kernel runs no meter on the device" "$(meter_hooks "$NSA" "$DA")" 0
	check "meter_missing within 3 ticks" wait_event meter_missing $((n += 1)) 3
fi

# --- the pinned maps deleted
attach "attach again"
sleep 1.5
check "delete the pinned maps" rm -f "$PIN_DIR/ucap_counters" "$PIN_DIR/ucap_ifaces" "$PIN_DIR/ucap_meta"
check "meter_missing within 3 ticks" wait_event meter_missing $((n += 1)) 3
check_run "it names the maps" 0 "event=meter_missing severity=alert what=maps pin_dir=$PIN_DIR" \
	events meter_missing

# --- enforcement never depended on the meter: 200 kB left, 400 offered
rx0=$(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes')
cap=$(($(mod_get used_bytes) + 200000))
check_run "arm 200 kB above used" 0 "^armed" "$UPLOADCTL" cap set "$cap"
check_run "400 frames of 1000 bytes offered" 0 "" raw 400 1000
settle "$NSA" "$DA"
check_eq "exhausted" "$(mod_get state)" exhausted
used=$(mod_get used_bytes)
check_ge "used_bytes <= cap_bytes" "$cap" "$used"
rx=$(($(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes') - rx0))
check_ge "the receiver got no more than the 200 kB left" 200000 "$rx"
check_ge "the module dropped the rest" "$(mod_get dropped_packets)" 190
check "exhausted within 3 ticks" wait_event exhausted 1 3
agent_stop
check_eq "meter_missing raised once for each, not each tick" "$(event_count meter_missing)" "$n"
done_testing
