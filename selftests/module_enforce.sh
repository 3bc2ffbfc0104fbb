#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Enforcement (in the VM): over a veth pair between two namespaces, TCP
# bulk and small UDP until the cap is used up. used_bytes never passes
# cap_bytes, the receiver never gets more than the cap, the cap is really
# used (within 1%), nothing leaves after exhaustion, and the module's
# per-device charge equals the BPF meter's wire bytes exactly.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

check "insmod (unarmed: counting only)" mod_load
two_hosts 198.18.2.1 198.18.2.2
uctl_in() { local ns=$1; shift; in_ns "$ns" "$UPLOADCTL" --pin-dir "$PIN_DIR" "$@"; }
check_run "BPF meter on $DA" 0 "attached" uctl_in "$NSA" attach "$DA"
check_run "BPF meter on $DB" 0 "attached" uctl_in "$NSB" attach "$DB"
veth_up "$NSA" "$DA" "$NSB" "$DB" || bail "bring veth pair up"

# The module's charge and the meter's wire bytes, from one status run.
module_vs_bpf() {	# module_vs_bpf TAG NS DEV
	local mb wb
	settle "$2" "$3"
	read -r mb wb < <(uctl_in "$2" status --json |
		jq -r --arg n "$3" '.interfaces[] | select(.name == $n) | "\(.module_bytes) \(.bpf_wire_bytes)"')
	check_eq "$1: $3 module_bytes == bpf_wire_bytes" "$mb" "$wb"
	check_eq "$1: $3 module_bytes == the module's devices table" "$mb" "$(mod_dev_field "$2" "$3" bytes)"
}
dev_sum() { awk 'NR > 1 { s += $4 } END { print s + 0 }' "$SYSFS/devices"; }

# --- unarmed: both meters count the same traffic
check "TCP bulk, 4 MiB" tcp_bulk "$NSA" "$NSB" 198.18.2.2 4M
check "small UDP, 64 KiB of 64-byte datagrams" udp_small "$NSA" "$NSB" 198.18.2.2 64K 64
module_vs_bpf "unarmed" "$NSA" "$DA"
module_vs_bpf "unarmed" "$NSB" "$DB"
check_eq "used_bytes is the sum of what the devices let through" "$(mod_get used_bytes)" "$(dev_sum)"
check_eq "nothing dropped while unarmed" "$(mod_get dropped_packets)" 0

# --- armed: 16 MiB more, then more than that is offered
used0=$(mod_get used_bytes)
CAP=$((used0 + 16 * 1048576))
check_run "arm with cap = used + 16 MiB" 0 "^armed: cap $CAP" "$UPLOADCTL" cap set "$CAP"
# While the flows run, watch used_bytes against the cap, as often as we can.
SAMPLES=$(mktemp)
spawn_bg bash -c 'for i in $(seq 20000); do
	read -r u <"$1/used_bytes"; echo "$u"
	[ "$(cat "$1/state")" = exhausted ] && break
done >"$2"' _ "$SYSFS" "$SAMPLES"
sampler=$SPAWNED
spawn "$NSB" iperf3 -s -1 -B 198.18.2.2 -p 5301 >/dev/null 2>&1
srv=$SPAWNED
wait_listen "$NSB" 5301
# Four TCP streams and small UDP at once, from both CPUs.
spawn "$NSA" timeout 60 iperf3 -c 198.18.2.2 -p 5301 -P 4 -n 64M >/dev/null 2>&1
cli=$SPAWNED
udp_small "$NSA" "$NSB" 198.18.2.2 2M 64 >/dev/null 2>&1
for _ in $(seq 300); do [ "$(mod_get state)" = exhausted ] && break; sleep 0.1; done
check_eq "the cap is exhausted" "$(mod_get state)" exhausted
kill "$cli" "$srv" 2>/dev/null
wait "$cli" "$srv" "$sampler" 2>/dev/null
settle "$NSA" "$DA"
check_ge "used_bytes sampled while the flows ran" "$(wc -l <"$SAMPLES")" 5
check_ge "no sample of used_bytes ever passed the cap" "$CAP" "$(sort -n "$SAMPLES" | tail -n1)"
rm -f "$SAMPLES"

used=$(mod_get used_bytes)
cap=$(mod_get cap_bytes)
diag "cap $cap, used $used, dropped $(mod_get dropped_bytes) bytes in $(mod_get dropped_packets) packets"
check_eq "cap unchanged" "$cap" "$CAP"
check_ge "used_bytes <= cap_bytes" "$cap" "$used"
check_ge "the cap was really used: used within 1% of the cap" "$used" $((cap - cap / 100))
check_gt "packets beyond the cap were dropped" "$(mod_get dropped_packets)" 0
rx=$(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.bytes')
check_ge "the receiver got no more than the cap" "$cap" "$rx"
check_eq "used_bytes is still the sum of what the devices let through" "$used" "$(dev_sum)"

# --- exhausted: nothing more leaves
rx0=$(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.packets')
d0=$(mod_get dropped_packets)
timeout 10 ip netns exec "$NSA" bash -c \
	'exec 3>/dev/udp/198.18.2.2/9; for i in $(seq 20); do printf x >&3; done' 2>/dev/null
sleep 0.5
check_eq "after exhaustion the receiver gets nothing" \
	"$(ip -n "$NSB" -s -j link show dev "$DB" | jq '.[0].stats64.rx.packets')" "$rx0"
check_ge "the 20 datagrams were dropped" "$(mod_get dropped_packets)" $((d0 + 20))
check_eq "used_bytes did not move" "$(mod_get used_bytes)" "$used"
module_vs_bpf "exhausted" "$NSA" "$DA"
module_vs_bpf "exhausted" "$NSB" "$DB"

# --- what uploadctl shows
# Retransmissions may still be dropped while we read: bracket the count.
dp0=$(mod_get dropped_packets)
json=$(uctl_in "$NSA" status --json)
dp1=$(mod_get dropped_packets)
check_eq "status --json: module state" "$(jq -r .module.state <<<"$json")" exhausted
check_eq "status --json: cap_bytes" "$(jq -r .module.cap_bytes <<<"$json")" "$cap"
check_eq "status --json: used_bytes" "$(jq -r .module.used_bytes <<<"$json")" "$used"
check_eq "status --json: remaining_bytes" "$(jq -r .module.remaining_bytes <<<"$json")" $((cap - used))
dp=$(jq -r .module.dropped_packets <<<"$json")
check "status --json: dropped_packets ($dp0 <= $dp <= $dp1)" test "$dp0" -le "$dp" -a "$dp" -le "$dp1"
check_eq "status --json: loopback has no module_bytes" \
	"$(jq -r '.interfaces[] | select(.name == "lo") | .module_bytes' <<<"$json")" null
check_run "status shows the share of the cap used as a bar" 0 \
	"^ +used [0-9]+ \([0-9.]+ MiB\) \[#{39,40}\.{0,1}\] (99|100)\.[0-9]{2}%" uctl_in "$NSA" status

done_testing
