#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The agent's alarms (in the VM), read back from a real syslog daemon:
# thresholds crossed by traffic, each once and in order, then exhausted
# once; new_interface; meter_missing when the meter is taken off;
# counter_reset when the pinned counters are rewritten lower;
# meter_divergence when they are rewritten higher, and for AF_PACKET with
# PACKET_QDISC_BYPASS (which skips tc but not the module: it is charged,
# and stopped at the cap); bypass_suspected for frames an XDP program
# redirects out of a guarded device, past both hooks, and bypass_charged
# when the module's device audit charges them (once, naming the device);
# device_gone when a guarded device that sent traffic is deleted;
# module_missing and a module counter reset when the module is unloaded
# and loaded again. Each within 3 ticks,
# each exactly once, in the documented format.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

TICK=0.5
within3() { echo 3; }	# seconds to wait for "3 ticks" (3 x 0.5 s, plus slack)
RAWSEND=$BUILD/selftests/rawsend
LEDGER=/var/tmp/ucap-ledger-$RUN_ID
T_CLEANUP+=("rm -f '$LEDGER'")

check "insmod (unarmed)" mod_load
two_hosts 198.18.4.1 198.18.4.2
check_run "attach the meter" 0 "attached" in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA"
veth_up "$NSA" "$DA" "$NSB" "$DB"
MAC_B=$(mac_of "$NSB" "$DB")
raw() { ip netns exec "$NSA" "$RAWSEND" "$DA" "$MAC_B" 198.18.4.1 198.18.4.2 "$@" >/dev/null; }

check "syslogd running" syslog_start
agent_start "$NSA" --interval $TICK --ledger "$LEDGER" --thresholds 50,80,90,95,100
for _ in $(seq 50); do [ -s "$LEDGER" ] && break; sleep 0.1; done
check "the agent wrote its first checkpoint" test -s "$LEDGER"

# --- traffic around the hooks: XDP redirected out of the guarded device.
# (Injected through a second veth, where the module charges it: it must
# happen before the cap is exhausted.)
xdp_bed "ucx${RUN_ID}" "ucy${RUN_ID}"
tx0=$(tx_bytes "$NSA" "$DA")
check "frames sent into the XDP redirect" \
	ip netns exec "$NSA" "$RAWSEND" "ucy${RUN_ID}" "$MAC_B" 198.18.4.1 198.18.4.2 400 1000
check_ge "$DA sent them past its hooks" "$(tx_bytes "$NSA" "$DA")" $((tx0 + 400000))
check "bypass_suspected within 3 ticks" wait_event bypass_suspected 1 "$(within3)"
check_run "bypass_suspected gives both figures" 0 \
	"event=bypass_suspected severity=alert device=$DA dev_tx_bytes=[0-9]+ module_bytes=0" \
	events bypass_suspected
check "bypass_charged within 3 ticks: the module's audit charged them" \
	wait_event bypass_charged 1 "$(within3)"
check_run "bypass_charged gives the bytes" 0 \
	"event=bypass_charged severity=alert bypass_bytes=[0-9]{6} new_bytes=[0-9]+ used_bytes=[0-9]+ devices=$DA$" \
	events bypass_charged
check_ge "the module charged what $DA sent past its hooks" "$(mod_get bypass_bytes)" 400000
# XDP on the peer changes how a veth counts what it sends: take it off.
ip -n "$NSB" link set dev "$DB" xdp off
ip -n "$NSA" link set dev "ucx${RUN_ID}" xdp off
# The feed's sending side (guarded here) sent those frames through its
# hook: deleted, it is reported gone, with what it sent.
check "delete the feed pair" ip -n "$NSA" link del "ucx${RUN_ID}"
check "device_gone within 3 ticks" wait_event device_gone 1 "$(within3)"
check_run "device_gone names it and what it sent" 0 \
	"event=device_gone severity=warning device=ucy${RUN_ID} netns=[0-9]+ ifindex=[0-9]+ hook_bytes=[1-9][0-9]{5,} bypass_bytes=0 new_bypass_bytes=[0-9]+$" \
	events device_gone

# --- AF_PACKET with PACKET_QDISC_BYPASS: the module charges it (since
# Linux 5.17 af_packet runs the netfilter egress hook), tc never sees it,
# so the BPF meter falls behind the module.
sleep 1.5
check_run "200 frames through AF_PACKET with PACKET_QDISC_BYPASS" 0 "^sent 200 refused 0$" \
	ip netns exec "$NSA" "$RAWSEND" "$DA" "$MAC_B" 198.18.4.1 198.18.4.2 200 1000 bypass
check "meter_divergence within 3 ticks" wait_event meter_divergence 1 "$(within3)"
# The alarm gives the figures of the tick that saw it, which may come
# before the last of the 200 frames has left (196000 in one run).
check_run "the module has the frames, the BPF meter does not" 0 \
	"event=meter_divergence severity=alert device=$DA module_bytes=[1-9][0-9]{5} bpf_wire_bytes=0$" \
	events meter_divergence
check_eq "and no bypass_suspected for it: the module saw it" "$(events bypass_suspected | grep -c "device=$DA ")" 1
sleep 2	# three agreeing ticks re-arm the divergence alarm

# --- thresholds by real traffic, then exhaustion
used0=$(mod_get used_bytes)
check_run "arm: used + 8 MiB" 0 "^armed" "$UPLOADCTL" cap set $((used0 + 8 * 1048576))
for _ in $(seq 12); do
	raw 700 1500	# ~1 MiB through the hook, then let the agent see it
	sleep 1.2
	[ "$(mod_get state)" = exhausted ] && break
done
check_eq "the cap got exhausted" "$(mod_get state)" exhausted
wait_event exhausted 1 "$(within3)"
check_eq "threshold alarms: 50, 80, 90, 95, once each, in order" \
	"$(events threshold | sed -n 's/.* percent=\([0-9]*\) .*/\1/p' | tr '\n' ' ')" "50 80 90 95 "
check_eq "exhausted: once" "$(event_count exhausted)" 1
check "exhausted came after the thresholds" \
	bash -c "grep -n 'event=' '$SYSLOG' | grep -E 'event=(threshold|exhausted)' | tail -n1 | grep -q 'event=exhausted'"
check_run "threshold lines are warnings with used, cap and the ledger sequence" 0 \
	"daemon\.warn uploadcap\[[0-9]+\]: event=threshold severity=warning percent=50 used_bytes=[0-9]+ cap_bytes=[0-9]+ ledger_seq=[0-9]+$" \
	events threshold
check_run "exhausted is crit" 0 "daemon\.crit uploadcap\[[0-9]+\]: event=exhausted severity=crit used_bytes=" \
	events exhausted

# --- a new device
ip -n "$NSA" link add name "ucn${RUN_ID}" type veth peer name "ucm${RUN_ID}" netns "$NSB"
check "new_interface within 3 ticks" wait_event new_interface 3 "$(within3)"
check_run "new_interface is a notice naming the device" 0 \
	"daemon\.notice .*event=new_interface severity=notice device=ucn${RUN_ID} ifindex=[0-9]+ guarded=yes" \
	events new_interface

# --- the meter taken off behind our back: its tc filter deleted (clsact),
# its link detached with bpftool (tcx)
if [ "$(default_attach)" = tcx ]; then
	bpftool link detach id "$(tcx_link_of "$NSA" "$DA")"
else
	tc -n "$NSA" filter del dev "$DA" egress pref 1 handle 0x75636170 bpf
fi
check "meter_missing within 3 ticks of taking the meter off" wait_event meter_missing 1 "$(within3)"
check_run "meter_missing names the device" 0 "event=meter_missing severity=alert device=$DA what=program" \
	events meter_missing

# --- the pinned counters rewritten: lower (reset), then higher (divergence)
out=$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA")
slot=$(sed -n 's/.*(slot \([0-9]*\)[,)].*/\1/p' <<<"$out")
check "re-attached in slot '$slot'" test -n "$slot"
sleep 1.2
# shellcheck disable=SC2046 # one byte per word
bpftool map update pinned "$PIN_DIR/ucap_counters" key "$slot" 0 0 0 value $(printf '0 %.0s' $(seq 32))
check "counter_reset within 3 ticks of zeroing the pinned counters" wait_event counter_reset 1 "$(within3)"
check_run "counter_reset says which meter and both figures" 0 \
	"event=counter_reset severity=alert meter=bpf device=$DA before=[1-9][0-9]* after=0" events counter_reset
sleep 1.2
# Each CPU's wire_bytes at 1 GiB: the meter claims far more than the module.
# shellcheck disable=SC2046 # one byte per word
bpftool map update pinned "$PIN_DIR/ucap_counters" key "$slot" 0 0 0 \
	value 0 0 0 0 0 0 0 0 0 0 0 64 0 0 0 0 $(printf '0 %.0s' $(seq 16))
check "meter_divergence within 3 ticks" wait_event meter_divergence 2 "$(within3)"
check_run "meter_divergence gives both figures" 0 \
	"event=meter_divergence severity=alert device=$DA module_bytes=[0-9]+ bpf_wire_bytes=[0-9]{10}$" \
	events meter_divergence

# --- AF_PACKET with PACKET_QDISC_BYPASS skips tc and the qdisc, but since
# Linux 5.17 not the netfilter egress hook: the exhausted cap stops it too.
out=$(ip netns exec "$NSA" "$RAWSEND" "$DA" "$MAC_B" 198.18.4.1 198.18.4.2 100 1000 bypass)
check_eq "AF_PACKET + PACKET_QDISC_BYPASS past the exhausted cap: all refused" "$out" "sent 0 refused 100"

# --- the module unloaded, then loaded again with nothing carried over
check "forced unload" rmmod -f uploadcap
check "module_missing within 3 ticks" wait_event module_missing 1 "$(within3)"
check "insmod again (count restarts at 0)" mod_load
check "counter_reset for the module within 3 ticks" \
	bash -c "for i in \$(seq 30); do grep -q 'meter=module before=' '$SYSLOG' && exit 0; sleep 0.1; done; exit 1"

# --- once per occurrence, not once per tick
sleep 2
for e in exhausted meter_missing module_missing bypass_charged; do
	check_eq "$e raised once" "$(event_count "$e")" 1
done
check_eq "meter_divergence raised once per occurrence (AF_PACKET, map rewrite)" "$(event_count meter_divergence)" 2
# (The veth that fed the XDP redirect counts its own frames when the XDP
# side polls them, ticks later under emulation: it may be reported too.)
check_eq "bypass_suspected raised once for $DA" "$(events bypass_suspected | grep -c "device=$DA ")" 1
check_eq "new_interface raised once per new device (2)" "$(event_count new_interface)" 3
check_eq "four threshold alarms in all" "$(event_count threshold)" 4
check_eq "two counter resets in all (bpf, module)" "$(event_count counter_reset)" 2
check_run "every line is event=NAME severity=LEVEL key=value..." 0 "" \
	bash -c "! grep -F 'uploadcap[' '$SYSLOG' | grep -vE 'uploadcap\[[0-9]+\]: event=[a-z_]+ severity=(notice|warning|err|crit|alert)( [a-z_]+=(\"[^\"]*\"|[^ \"]+))*$'"
agent_stop
check_eq "the agent stopped cleanly on SIGTERM" "$(kill -0 "$AGENT" 2>&1 | grep -c 'No such process')" 1
check_run "the ledger it kept verifies" 0 "intact" "$UPLOADCTL" ledger verify "$LEDGER"
diag "syslog:" "$(grep -F "uploadcap[" "$SYSLOG")"

done_testing
