#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# on_exhaust=down (in the VM): when the cap is used up, every guarded
# device in every namespace goes down, and neither an old nor a new
# guarded device can be brought up again; loopback and exempt devices are
# left alone. Without the option devices stay up. Bad values are refused
# at load.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
EXEMPT=ucx${RUN_ID}e

exhaust() {	# exhaust: UDP until the cap (a few kB) is used up
	timeout 10 ip netns exec "$NSA" bash -c \
		'exec 3>/dev/udp/198.18.6.2/9; for _ in $(seq 200); do printf %1000s >&3; done' 2>/dev/null
	for _ in $(seq 50); do [ "$(mod_get state)" = exhausted ] && return 0; sleep 0.1; done
	return 1
}

check_run "on_exhaust=off refused at load" 1 "" mod_load on_exhaust=off
check_run "and logged" 0 "on_exhaust=off: must be drop or down" dmesg

# --- the default: exhaustion drops, devices stay up
check "insmod cap_bytes=20000" mod_load cap_bytes=20000
two_hosts 198.18.6.1 198.18.6.2
veth_up "$NSA" "$DA" "$NSB" "$DB"
check "exhausted by UDP" exhaust
sleep 0.3
check "on_exhaust=drop: $DA stays up" is_up "$NSA" "$DA"
check "ip link set up works" ip -n "$NSA" link set "$DA" down
check "and up again" ip -n "$NSA" link set "$DA" up
mod_unload
ip netns del "$NSA"
ip netns del "$NSB"

# --- on_exhaust=down
check "insmod on_exhaust=down exempt=$EXEMPT cap_bytes=20000" \
	mod_load on_exhaust=down exempt="$EXEMPT" cap_bytes=20000
check_eq "the parameter reads back" "$(cat /sys/module/uploadcap/parameters/on_exhaust)" down
check_eq "and cannot be changed" "$(stat -c %a /sys/module/uploadcap/parameters/on_exhaust)" 444
two_hosts 198.18.6.1 198.18.6.2
veth_up "$NSA" "$DA" "$NSB" "$DB"
ip -n "$NSB" link add "$EXEMPT" type dummy
ip -n "$NSB" link set "$EXEMPT" up
check "exhausted by UDP" exhaust
for _ in $(seq 30); do is_up "$NSA" "$DA" || break; sleep 0.1; done
check "$DA went down" is_down "$NSA" "$DA"
check "$DB, in the other namespace, too" is_down "$NSB" "$DB"
check "loopback stays up" is_up "$NSA" lo
check "the exempt device stays up" is_up "$NSB" "$EXEMPT"
check_run "logged for each" 0 "$DB brought down: the upload cap is exhausted" dmesg
check_run "bringing $DA up is refused" 2 "Operation not permitted" ip -n "$NSA" link set "$DA" up
check "it stays down" is_down "$NSA" "$DA"
ip -n "$NSA" link add "ucn${RUN_ID}" type dummy
check_run "a new device cannot come up either" 2 "Operation not permitted" \
	ip -n "$NSA" link set "ucn${RUN_ID}" up
check "but loopback of a new namespace can" bash -c "ip netns add ucap-$RUN_ID-c && ip -n ucap-$RUN_ID-c link set lo up"
ip netns del "ucap-$RUN_ID-c"
check_run "refusals logged" 0 "refused to bring $DA up: the upload cap is exhausted" dmesg
mod_unload

# --- exhausted at load already (a cap below the restored count)
ip -n "$NSA" link set "ucn${RUN_ID}" up
check "a device up before the module loads" is_up "$NSA" "ucn${RUN_ID}"
check "insmod on_exhaust=down cap_bytes=100 used_bytes=1000" \
	mod_load on_exhaust=down cap_bytes=100 used_bytes=1000
check_eq "exhausted from the start" "$(mod_get state)" exhausted
for _ in $(seq 30); do is_up "$NSA" "ucn${RUN_ID}" || break; sleep 0.1; done
check "the device went down at load" is_down "$NSA" "ucn${RUN_ID}"
done_testing
