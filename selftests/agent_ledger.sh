#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ledger (in the VM): checkpoints verify (agent_kill.sh kills the
# agent while it writes them); the restarted agent does not repeat
# alarms; a torn last line is reported,
# ignored and cut off; one flipped byte in an old record fails `ledger
# verify` at that record and makes the running agent alarm; and a
# simulated reboot (module removed, `uploadctl load`) restores used_bytes
# and cap_bytes exactly; a higher cap gives way to the ledger's, and a
# broken ledger loads from its last verified record with the lease held
# (exit 1 both, never an uncapped boot); the next load starts from the
# reservation the first one wrote.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

U=("$UPLOADCTL" --pin-dir "$PIN_DIR")

ledger_past_half 198.18.5
check_eq "the last record carries used_bytes" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.used_bytes)" "$(mod_get used_bytes)"
check_eq "and the cap" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.cap_bytes)" $((190 * 1048576))
check_eq "and the 50% alarm" "$("${U[@]}" ledger verify --json "$LEDGER" | jq -c .last.alarmed_percent)" "[50]"

# --- more checkpoints (a record to flip below), one every tick
records0=$("${U[@]}" ledger verify --json "$LEDGER" | jq .records)
agent_start "$NSA" --interval 0.05 --checkpoint-bytes 1 --checkpoint-seconds 0 --ledger "$LEDGER"
for _ in $(seq 20); do raw 20 1500; sleep 0.05; done
agent_stop
check_gt "a checkpoint for each tick with traffic" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .records)" $((records0 + 3))
check_eq "the restarted agent did not repeat the 50% alarm" "$(event_count threshold)" 1

# --- a busy host's checkpoints coalesced: one every checkpoint_seconds
records0=$("${U[@]}" ledger verify --json "$LEDGER" | jq .records)
t0=$(date +%s)
agent_start "$NSA" --interval 0.05 --checkpoint-bytes 1 --checkpoint-seconds 2 --ledger "$LEDGER"
for _ in $(seq 35); do raw 20 1500; sleep 0.1; done
agent_stop
secs=$(( $(date +%s) - t0 + 1 ))
n=$(( $("${U[@]}" ledger verify --json "$LEDGER" | jq .records) - records0 ))
check "traffic on every 50 ms tick for $secs s, --checkpoint-seconds 2: $n records, at most one per 2 s and the last" \
	test "$n" -ge 1 -a "$n" -le $((secs / 2 + 2))

# --- a torn last line: reported, ignored, cut off
printf 'ucap1 seq=99999 time=1 boot=x used=1' >>"$LEDGER"
check_run "verify reports a torn last line and passes" 0 "the last line is incomplete" \
	"${U[@]}" ledger verify "$LEDGER"
agent_start "$NSA" --interval 0.5 --ledger "$LEDGER"
check "ledger_torn alarmed" wait_event ledger_torn 1 5
agent_stop
check_run "the agent cut it off and carried on" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
check_eq "no torn line left" "$(tail -c 1 "$LEDGER" | od -An -c | tr -d ' ')" '\n'

# --- one flipped byte in an old record
agent_start "$NSA" --interval 0.5 --checkpoint-seconds 0 --ledger "$LEDGER"
sleep 1
off=$(head -n 2 "$LEDGER" | wc -c)		# record 3 starts here
pos=$((off + $(sed -n 3p "$LEDGER" | grep -bo ' used=' | cut -d: -f1) + 6))
digit=$(dd if="$LEDGER" bs=1 skip="$pos" count=1 2>/dev/null)
printf '%s' "$(( (digit + 1) % 10 ))" | dd of="$LEDGER" bs=1 seek="$pos" conv=notrunc 2>/dev/null
check_run "ledger verify fails at record 3" 1 "NOT intact: record 3: hash mismatch" \
	"${U[@]}" ledger verify "$LEDGER"
check_eq "verify --json names the record" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .first_bad_record)" 3
check "the running agent alarms ledger_tampered" wait_event ledger_tampered 1 5
check_run "ledger_tampered names the record" 0 "event=ledger_tampered severity=alert ledger=$LEDGER record=3 reason=\"hash mismatch" \
	events ledger_tampered
n0=$(grep -c . "$LEDGER")
raw 1000 1500
sleep 1.5
check_eq "no checkpoint is appended to a broken chain" "$(grep -c . "$LEDGER")" "$n0"
printf '%s' "$digit" | dd of="$LEDGER" bs=1 seek="$pos" conv=notrunc 2>/dev/null
check_run "the byte put back, it verifies again" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
check "the agent resumes its checkpoints" \
	bash -c "for i in \$(seq 30); do [ \$(grep -c . '$LEDGER') -gt $n0 ] && exit 0; sleep 0.1; done; exit 1"
agent_stop
check_run "and the ledger is intact" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
check_eq "ledger_tampered was raised once" "$(event_count ledger_tampered)" 1

# --- simulated reboot: the module goes, uploadctl load brings it back
agent_start "$NSA" --interval 0.5 --ledger "$LEDGER"
raw 1000 1500
sleep 1
agent_stop	# final checkpoint
used=$(mod_get used_bytes)
cap=$(mod_get cap_bytes)
check_eq "the final checkpoint has the module's used_bytes" \
	"$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.used_bytes)" "$used"
check "module removed (rmmod -f: the reboot)" rmmod -f uploadcap
check_run "load --cap higher than the ledger's: alarmed, exit 1" 1 \
	"the configured cap .* is higher than the ledger's .*; the ledger's applies" \
	"${U[@]}" load --ledger "$LEDGER" --module "$KMOD" --cap 1TiB
check "cap_raise_refused alarmed" wait_event cap_raise_refused 1 5
check_eq "loaded all the same, at the ledger's cap: never uncapped" \
	"$(mod_get state) $(mod_get cap_bytes)" "armed $cap"
check_eq "used_bytes restored exactly (no reservation yet)" "$(mod_get used_bytes)" "$used"
lease=$(mod_get lease_bytes)
check_eq "load reserved the boot's first step: 1% of the cap" $((lease - used)) $((cap / 100))
check_eq "in the ledger first" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.reserved_bytes)" "$lease"
check "forced unload" rmmod -f uploadcap
check_run "uploadctl load restores the ledger's figures" 0 \
	"^loaded uploadcap.ko: armed, used $lease .*, cap $cap .*\(ledger record [0-9]+\)" \
	"${U[@]}" load --ledger "$LEDGER" --module "$KMOD"
check_eq "used restored from the reservation, not the count" "$(mod_get used_bytes)" "$lease"
check_eq "cap_bytes restored exactly" "$(mod_get cap_bytes)" "$cap"
lease=$(mod_get lease_bytes)
check_run "load while loaded: refused" 1 "already loaded" "${U[@]}" load --ledger "$LEDGER" --module "$KMOD"
check "forced unload" rmmod -f uploadcap
check_run "load with a lower cap" 0 "cap 178257920 " "${U[@]}" load --ledger "$LEDGER" --module "$KMOD" --cap 170MiB
check_eq "used restored from the reservation, not the count" "$(mod_get used_bytes)" "$lease"
used=$lease
check "forced unload" rmmod -f uploadcap

# --- a module that came back without the ledger's figures
check "insmod with nothing restored" mod_load
agent_start "$NSA" --interval 0.5 --ledger "$LEDGER"
check "ledger_regressed alarmed" wait_event ledger_regressed 1 5
check_run "ledger_regressed gives both figures" 0 \
	"event=ledger_regressed severity=alert module_used_bytes=[0-9]+ ledger_used_bytes=$used ledger_seq=[0-9]+" \
	events ledger_regressed
agent_stop
check_eq "the ledger kept the higher count" "$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.used_bytes)" "$used"
check "forced unload" rmmod -f uploadcap

# --- a broken ledger: load fails closed, never uncapped
good=$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.reserved_bytes)
cp "$LEDGER" "$LEDGER.copy"	# the operator's copy, kept off the host
printf '%s' "$(( (digit + 1) % 10 ))" | dd of="$LEDGER" bs=1 seek="$pos" conv=notrunc 2>/dev/null
lines=$(grep -c . "$LEDGER")
check_run "load with a broken ledger: loads with the lease held, exit 1" 1 \
	"fails verification at record 3 .*loading from the 2 records before it, with the lease held" \
	"${U[@]}" load --ledger "$LEDGER" --module "$KMOD"
check "restore_held alarmed" wait_event restore_held 1 5
check_run "it says what it did" 0 \
	"event=restore_held severity=alert ledger=$LEDGER reason=\"the ledger fails verification\" .*action=\"nothing leaves guarded devices until 'uploadctl ledger adopt'\"" \
	events restore_held
check_eq "the lease is held at used_bytes" "$(mod_get lease_bytes)" "$(mod_get used_bytes)"
check_ge "used from the last verified record, at least" "$(mod_get used_bytes)" \
	"$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.used_bytes)"
check_eq "the ledger was not written" "$(grep -c . "$LEDGER")" "$lines"
raw_sent 10 1000
check_eq "nothing leaves" "$SENT_LINE" "sent 0 refused 10"
agent_start "$NSA" --interval 0.2 --ledger "$LEDGER"
check "the agent raises no lease on a ledger that fails verification" wait_event lease_held 1 5
check_eq "the lease is still held" "$(mod_get lease_bytes)" "$(mod_get used_bytes)"
# The explicit recovery: adopt the copy, while the agent runs.
check_run "ledger adopt the copy" 0 "^adopted $LEDGER.copy as $LEDGER: .*the old ledger is kept as $LEDGER.rejected." \
	"${U[@]}" ledger adopt "$LEDGER.copy" --ledger "$LEDGER"
T_CLEANUP+=("rm -f '$LEDGER'.rejected.*")
check "ledger_adopted alarmed" wait_event ledger_adopted 1 3
check_ge "the adopted record: at least the copy's reservation" \
	"$("${U[@]}" ledger verify --json "$LEDGER" | jq .last.reserved_bytes)" "$good"
check "the agent raises the lease again" \
	bash -c "for i in \$(seq 50); do [ \$(cat $SYSFS/lease_bytes) -gt \$(cat $SYSFS/used_bytes) ] && exit 0; sleep 0.1; done; exit 1"
raw_sent 10 1000
check_eq "traffic flows again" "$SENT_LINE" "sent 10 refused 0"
agent_stop
check_run "the adopted ledger, with the agent's records, verifies" 0 "intact" \
	"${U[@]}" ledger verify "$LEDGER"
check "forced unload" rmmod -f uploadcap

done_testing
