#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The device audit against a counter that lags (in the VM). ucap_lagdev
# (selftests/lagdev) is a device whose tx counters are refreshed only
# every 2 s, as a NIC's are when its driver reads them from the hardware
# on a timer, and once more when it goes down; every third refresh comes
# 2.5 s late, as a driver's statistics work does on a loaded host. None
# of QEMU's emulated NICs lags like that (their counters move on every
# sampling), so the test brings its own.
#   - Legitimate traffic through the hook (1000-byte and padded 42-byte
#     frames, in bursts 0.2 s apart): the counter moves in 2 s jumps,
#     and one of 4.5 s, and still no byte is charged as bypass, no
#     kernel "did not see" line, no bypass_* alarm from the agent.
#   - After a quiet spell the audit has learned what the device counts
#     (no padding, no FCS) from the lagging counter.
#   - pktgen past the hook: charged in full once the counter shows it,
#     and alarmed (bypass_charged, naming the device).
#   - pktgen past the hook, then the device deleted before its counter
#     showed the frames: charged in full all the same (the audit when it
#     has gone down reads what its stop published).
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
LAGKO=$BUILD/kmod/$(uname -r)/lagdev/ucap_lagdev.ko
[ -f "$LAGKO" ] || bail "ucap_lagdev.ko is not built for $(uname -r) (make modules)"
mod_unload
rmmod ucap_lagdev 2>/dev/null
LEDGER=/var/tmp/ucap-ledger-$RUN_ID
T_CLEANUP+=("rm -f '$LEDGER'" "rmmod ucap_lagdev")
PEER_MAC=02:00:5e:12:00:02	# nothing answers: the device consumes what it sends

check "insmod uploadcap (unarmed)" mod_load
check "insmod ucap_lagdev refresh_ms=2000 late_ms=2500" insmod "$LAGKO" refresh_ms=2000 late_ms=2500
ns_new NS l || bail "create a network namespace"
# lag_dev NAME: a lagging device in NS, up, 198.18.12.1/24, IPv6 off.
lag_dev() {
	ip -n "$NS" link add "$1" type ucaplag &&
		ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" &&
		ip -n "$NS" addr add 198.18.12.1/24 dev "$1" &&
		ip -n "$NS" link set "$1" up
}
LD=ucl${RUN_ID}
check "a ucaplag device, guarded" lag_dev "$LD"
check_eq "the module guards it, counting model not known yet" \
	"$(mod_dev_field "$NS" "$LD" counts)" "len+hdrs+pad+fcs"
check_run "attach the meter" 0 "attached" in_ns "$NS" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$LD"
check "syslogd running" syslog_start
agent_start "$NS" --interval 0.5 --ledger "$LEDGER"
send() { ip netns exec "$NS" "$BUILD/selftests/rawsend" "$1" "$PEER_MAC" 198.18.12.1 198.18.12.2 "$2" "$3"; }
dev_tx() { tx_bytes "$NS" "$1"; }
sleep 1.5

# --- legitimate traffic, counted late
dmesg_mark
used0=$(mod_get used_bytes) tx0=$(dev_tx "$LD") bp0=$(mod_get bypass_bytes)
sampler_start "$NS" "$LD"
fails=0 bursts=30	# over 12 s: one late refresh at least while they go
for i in $(seq $bursts); do
	send "$LD" 50 1000 >/dev/null || fails=$((fails + 1))
	send "$LD" 200 42 >/dev/null || fails=$((fails + 1))
	sleep 0.2
done
sleep 5		# the counter's next refresh, even a late one
sampler_stop
check_eq "$bursts bursts of 50 x 1000 and 200 x 42 bytes sent through the hook" "$fails" 0
check_eq "the device counted them all" $(($(dev_tx "$LD") - tx0)) $((bursts * (50 * 1000 + 200 * 42)))
# How often the counter moved, over what time, and its longest stand-still
# between two moves (ms).
moves=$(awk '$3 != last { n++; last = $3 } END { print n - 1 }' "$SAMPLES")
span=$(awk 'NR == 1 { t = $1 } END { printf "%d", ($2 - t) / 1000 }' "$SAMPLES")
still=$(awk 'NR == 1 { last = $3 }
	$3 != last { if (t && $2 - t > m) m = $2 - t; t = $1; last = $3 }
	END { printf "%d", m / 1000 }' "$SAMPLES")
diag "the counter moved $moves times in $(grep -c . "$SAMPLES") samples over $span ms," \
	"standing still for $still ms at most"
check "it lagged: on average 1.5 s or more between its moves" test $((moves * 1500)) -le "$span"
check "a refresh came late: it stood still for 4 s or more" test "$still" -ge 4000
check_eq "the hook charged what it let through, nothing else" $(($(mod_get used_bytes) - used0)) \
	$((bursts * (50 * 1000 + 200 * 42)))
check_eq "no byte taken for bypass" "$(mod_get bypass_bytes)" "$bp0"
check_eq "the device's own bypass figure stays 0" "$(mod_dev_field "$NS" "$LD" bypass_bytes)" 0
check_eq "no kernel line about bytes its hook did not see" \
	"$(dmesg_since | grep -c "did not see")" 0
sleep 1.5	# three agent ticks after the last refresh
check_eq "no bypass_suspected, bypass_charged or meter_divergence alarm" \
	"$(events 'bypass_suspected|bypass_charged|meter_divergence' | grep -c .)" 0

# --- what it counts, learned from the lagging counter after a quiet spell
# (hdrs stays: the device takes no GSO packets, so there is no evidence.)
learned() { [ "$(mod_dev_field "$NS" "$LD" counts)" = len+hdrs ] && echo 1 || echo 0; }
check "after a quiet spell it learned that the device counts neither padding nor FCS" \
	wait_count 1 12 learned
check_run "the kernel said so" 0 "$LD counts len\\+hdrs: learned from [0-9]+ bytes" dmesg_since
diag "$(head -1 "$SYSFS/devices")" "$(grep " $LD " "$SYSFS/devices")"

# --- pktgen, past the hook: charged once the counter shows it
check "pktgen loaded" modprobe pktgen
pktgen_run() { pktgen_send "$NS" "$1" "$2" 198.18.12.2 "$PEER_MAC"; }
tx0=$(dev_tx "$LD") bp0=$(mod_get bypass_bytes)
check "pktgen: 2000 frames out of $LD" pktgen_run "$LD" 2000
check "the counter shows them within 5 s" \
	wait_count $((tx0 + 1900000)) 5 dev_tx "$LD"
sent=$(($(dev_tx "$LD") - tx0))
check "charged within 1 s of that" wait_count $((bp0 + sent)) 1 mod_get bypass_bytes
check_eq "charged exactly what it sent past the hook" $(($(mod_get bypass_bytes) - bp0)) "$sent"
check "bypass_charged within 3 ticks" wait_event bypass_charged 1 3
check_run "bypass_charged names the device" 0 "event=bypass_charged .*devices=$LD$" events bypass_charged

# --- pktgen, then deleted before the counter showed it
tried=0 unshown=0 short=0
for i in 1 2 3; do
	dev=ucm${RUN_ID}$i
	lag_dev "$dev" || break
	sleep 2.5	# a refresh, and an audit, after it came up
	bp0=$(mod_get bypass_bytes)
	pktgen_run "$dev" 1000 || break
	shown=$(dev_tx "$dev")
	ip -n "$NS" link del "$dev"
	tried=$((tried + 1))
	got=$(($(mod_get bypass_bytes) - bp0))
	diag "$dev: its counter showed $shown of pktgen's bytes when deleted; charged $got"
	[ "$got" -ge 990000 ] || short=$((short + 1))
	if [ "$shown" -lt 990000 ]; then
		unshown=1
		break
	fi
done
check_eq "deleted right after pktgen: charged in full every time" "$short" 0
check "at least once before its counter showed the frames" test "$tried" -ge 1 -a "$unshown" -eq 1
check "device_gone for it within 3 ticks" wait_event device_gone 1 3

agent_stop
check_run "the agent's ledger verifies" 0 "intact" \
	"$UPLOADCTL" --pin-dir "$PIN_DIR" ledger verify "$LEDGER"
diag "syslog:" "$(grep -F 'uploadcap[' "$SYSLOG")"
done_testing
