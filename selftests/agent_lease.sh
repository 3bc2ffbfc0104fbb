#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The write-ahead lease without a TPM (in the VM): `uploadctl load` loads
# uploadcap.ko with lease=1 and writes the boot's first reservation, and
# the agent raises the lease a step ahead, each raise only after a
# reserved= record is on disk.
#   - load: the first reservation is in the ledger and in lease_bytes;
#     without the agent, traffic stops at it.
#   - The agent keeps traffic flowing, and each lease the kernel logged
#     raising to was reserved in the ledger first.
#   - Frozen (SIGSTOP) while sending: traffic stops within one step.
#   - A crash with the agent frozen (the module removed by force), then
#     load: used starts at or above what was charged, by at most a step.
#   - A ledger that fails verification holds the lease (lease_held), and
#     traffic stops; made whole again, the agent raises it again.
#   - load with a ledger it cannot write loads the module with nothing
#     allowed out, alarms and fails.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

STEP=1048576
NET=198.18.15
CONF=$(mktemp)
LEDGER=/var/tmp/ucap-ledger-$RUN_ID
T_CLEANUP+=("rm -f '$CONF' '$LEDGER'")
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
check "syslogd running" syslog_start
raw_bed "$NET"
# The receiving side is exempt: its answers take nothing from the lease.
printf 'lease_step = 1MiB\nledger = %s\nmodule = %s\nexempt = %s\n' \
	"$LEDGER" "$KMOD" "$DB" >"$CONF"
# send COUNT: COUNT frames of 1000 bytes out of DA; rawsend's "sent N
# refused N" in SENT_LINE.
send() { raw_sent "$1" 1000; }
reserved() { "${U[@]}" ledger verify --json "$LEDGER" | jq .last.reserved_bytes; }

# --- load: the boot's first reservation
dmesg_mark
check_run "load with lease_step = 1MiB" 0 "^loaded uploadcap.ko: armed, used 0 .*, lease 1048576 " \
	"${U[@]}" load --config "$CONF" --cap 100MiB
check_eq "lease_bytes is one step" "$(mod_get lease_bytes)" "$STEP"
check_eq "the ledger reserved it first" "$(reserved)" "$STEP"
check_run "the kernel logged the raise" 0 "lease raised from 0 to $STEP bytes \(0 used\)" dmesg_since
check_run "status shows the lease" 0 "^lease: +1048576 .*; 1048576 .* of it left" "${U[@]}" status
check_eq "status --json too" "$("${U[@]}" status --json | jq .module.lease_bytes)" "$STEP"
check_run "and the metrics" 0 "^uploadcap_lease_bytes $STEP$" "${U[@]}" status --format prometheus

# --- no agent: traffic stops at the lease
send 2000
diag "2000 frames, no agent: $SENT_LINE"
check_eq "only the lease's 1048 frames leave" "$SENT_LINE" "sent 1048 refused 952"
check_ge "used_bytes stops at the lease" "$STEP" "$(mod_get used_bytes)"
check_run "the kernel says the lease is used up" 0 "lease of $STEP bytes used up" dmesg_since

# --- the agent raises it, a record first
agent_start "$NSA" --config "$CONF" --interval 0.2
check "the agent raises the lease" \
	wait_count $((STEP + 1)) 5 mod_get lease_bytes
u0=$(mod_get used_bytes)
for _ in $(seq 20); do send 150; sleep 0.3; done
sent=$(($(mod_get used_bytes) - u0))
diag "with the agent: 3000000 bytes sent in 20 bursts, $sent charged, lease $(mod_get lease_bytes)"
check_ge "with the agent, traffic flows (3 MB in 20 bursts)" "$sent" 2700000
sleep 1
check_ge "lease_bytes is in the ledger" "$(reserved)" "$(mod_get lease_bytes)"
check_run "the ledger verifies" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
# unrecorded: the leases the kernel raised to that no record reserved.
unrecorded() {
	dmesg_since | sed -n 's/.*uploadcap: lease raised from [0-9]* to \([0-9]*\) bytes.*/\1/p' |
		while read -r r; do grep -q " reserved=$r " "$LEDGER" || echo "$r"; done
}
check_gt "the agent raised it several times" "$(dmesg_since | grep -c 'lease raised from')" 2
check_eq "each lease the kernel raised to, a record reserved first" "$(unrecorded)" ""

# --- frozen: traffic stops within one step
kill -STOP "$AGENT"
u0=$(mod_get used_bytes)
lease0=$(mod_get lease_bytes)
send 5000
diag "agent frozen, 5000 frames: $SENT_LINE; used +$(($(mod_get used_bytes) - u0)), lease $lease0"
check_ge "frozen agent: at most one step more left" "$STEP" $(($(mod_get used_bytes) - u0))
check_eq "and the lease did not move" "$(mod_get lease_bytes)" "$lease0"
check_eq "lease_held is not raised for a frozen agent (it cannot speak)" \
	"$(event_count lease_held)" 0

# --- a crash with the agent frozen: the next boot starts from the reservation
charged=$(mod_get used_bytes)
check "the crash: the module removed by force, the agent frozen" rmmod -f uploadcap
kill -KILL "$AGENT"
wait "$AGENT" 2>/dev/null
res=$(reserved)
check_run "load after the crash" 0 "^loaded uploadcap.ko: armed" "${U[@]}" load --config "$CONF"
restored=$(mod_get used_bytes)
diag "charged $charged before the crash; restored $restored"
check_eq "it starts from the last reservation" "$restored" "$res"
check_ge "used starts at or above what was charged" "$restored" "$charged"
check_ge "and above it by at most one step" $((charged + STEP)) "$restored"
check "ledger_restored logged, with the reservation" wait_event ledger_restored 1 3
check_run "ledger_restored names the reservation" 0 \
	"event=ledger_restored .* reserved_bytes=$res lease_bytes=$((restored + STEP)) .* used_bytes=$restored " \
	events ledger_restored

# --- a broken ledger holds the lease
agent_start "$NSA" --config "$CONF" --interval 0.2
send 100
check "the agent runs and traffic flows" test "$SENT_LINE" = "sent 100 refused 0"
pos=$(($(head -n 1 "$LEDGER" | wc -c) + $(sed -n 2p "$LEDGER" | grep -bo ' used=' | cut -d: -f1) + 6))
digit=$(dd if="$LEDGER" bs=1 skip="$pos" count=1 2>/dev/null)
printf '%s' "$(((digit + 1) % 10))" | dd of="$LEDGER" bs=1 seek="$pos" conv=notrunc 2>/dev/null
check "the agent sees the ledger tampered" wait_event ledger_tampered 1 5
lease0=$(mod_get lease_bytes)
u0=$(mod_get used_bytes)
send 3000
sleep 1
diag "broken ledger, 3000 frames: $SENT_LINE; used +$(($(mod_get used_bytes) - u0)), lease $lease0 -> $(mod_get lease_bytes)"
check_eq "no raise without a record" "$(mod_get lease_bytes)" "$lease0"
check_ge "traffic stopped at the lease" "$lease0" "$(mod_get used_bytes)"
check "lease_held alarmed" wait_event lease_held 1 3
check_run "lease_held says why" 0 \
	"event=lease_held severity=alert .*reason=\"the ledger is not writable\"" events lease_held
printf '%s' "$digit" | dd of="$LEDGER" bs=1 seek="$pos" conv=notrunc 2>/dev/null
check "the ledger put back, the agent raises the lease again" \
	wait_count $((lease0 + 1)) 5 mod_get lease_bytes
check_ge "and that raise is in the ledger" "$(reserved)" "$(mod_get lease_bytes)"
agent_stop
check_run "the ledger verifies" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
mod_unload

# --- load with a ledger it cannot write: loaded, nothing leaves
RO=$(mktemp -d)
T_CLEANUP+=("umount '$RO' 2>/dev/null; rmdir '$RO'")
mount -t tmpfs -o ro tmpfs "$RO" || bail "a read-only tmpfs"
n0=$(event_count lease_held)
check_run "load with a read-only ledger: fails, saying why" 1 \
	"the module is loaded, but its lease was not raised: .*Read-only file system" \
	"${U[@]}" load --config "$CONF" --ledger "$RO/ledger" --cap 100MiB
check_eq "the module is loaded, armed" "$(mod_get state)" armed
check_eq "with its lease at used_bytes" "$(mod_get lease_bytes)" "$(mod_get used_bytes)"
send 10
check_eq "nothing leaves" "$SENT_LINE" "sent 0 refused 10"
check "lease_held alarmed" wait_event lease_held $((n0 + 1)) 3
mod_unload
done_testing
