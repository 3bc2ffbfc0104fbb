#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Evidence off the host (in the VM): every ledger record, as it is
# written, also reaches syslog (evidence.h): load's restore, the agent's
# reservations and checkpoints, ledger adopt's record. Each line carries
# the record's seq, figures, settings and hashes, equal to the ledger's,
# and none is held back by the alarms' rate limit, however many there are.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

LEDGER=/var/tmp/ucap-ledger-$RUN_ID
T_CLEANUP+=("rm -f '$LEDGER' '$LEDGER'.*")
check "syslogd running" syslog_start
raw_bed 198.18.18
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")

# The record seq=N as the ledger holds it, and as syslog got it: the
# fields both say, in the ledger's words.
ledger_fields() {
	grep " seq=$1 " "$LEDGER" |
		sed -n 's/.* seq=\([0-9]*\) time=\([0-9]*\) boot=\([^ ]*\) used=\([0-9]*\) cap=\([0-9]*\) reserved=\([0-9]*\) state=\([a-z]*\) .* prev=\([0-9a-f]*\) hash=\([0-9a-f]*\)$/\1 \2 \3 \4 \5 \6 \7 \8 \9/p'
}
syslog_fields() {
	grep -F 'uploadcap[' "$SYSLOG" | grep -E "event=[a-z]+ severity=notice seq=$1 " |
		sed -n 's/.* seq=\([0-9]*\) time=\([0-9]*\) boot=\([^ ]*\) used_bytes=\([0-9]*\) cap_bytes=\([0-9]*\) reserved_bytes=\([0-9]*\) state=\([a-z]*\) .* prev=\([0-9a-f]*\) hash=\([0-9a-f]*\)$/\1 \2 \3 \4 \5 \6 \7 \8 \9/p'
}
records() { "${U[@]}" ledger verify --json "$LEDGER" | jq .records; }
forwarded() {
	grep -F 'uploadcap[' "$SYSLOG" |
		grep -cE "event=(checkpoint|reservation|restore|adopt) severity=notice seq="
}
same_as_ledger() {
	local n bad=0
	for n in $(seq "$(records)"); do
		[ -n "$(ledger_fields "$n")" ] && [ "$(ledger_fields "$n")" = "$(syslog_fields "$n")" ] ||
			{ diag "record $n: ledger '$(ledger_fields "$n")' syslog '$(syslog_fields "$n")'"; bad=1; }
	done
	return "$bad"
}

check_run "load" 0 "no ledger yet" "$UPLOADCTL" load --ledger "$LEDGER" --module "$KMOD" --cap 50MiB
check "the boot's first record forwarded as restore" wait_count 1 3 forwarded
check_run "as event=restore, with the settings" 0 \
	"event=restore severity=notice seq=1 .* exempt=- audit_ms=100 on_exhaust=drop lease_step=[0-9]+ lock_modules=no reserve_bytes=0 reserve_dst=- prev=0{64} hash=" \
	grep -F 'uploadcap[' "$SYSLOG"

# Many records within a minute: more than the alarms' burst of 10, and
# 960 kB, past half of the 1 MiB step: the agent reserves at least once.
agent_start "$NSA" --interval 0.05 --checkpoint-bytes 1 --checkpoint-seconds 0 --ledger "$LEDGER"
for _ in $(seq 16); do raw 40 1500; sleep 0.05; done
agent_stop
check_gt "more records than an alarm's burst in a minute" "$(records)" 12
check "every one forwarded" wait_count "$(records)" 3 forwarded
check_eq "none more" "$(forwarded)" "$(records)"
check "each line says what its record says" same_as_ledger
check_run "reservations are forwarded as such" 0 "event=reservation severity=notice seq=" \
	grep -F 'uploadcap[' "$SYSLOG"
check_run "checkpoints too" 0 "event=checkpoint severity=notice seq=" grep -F 'uploadcap[' "$SYSLOG"
check_eq "no record was held back by the rate limit" "$(event_count alarms_suppressed)" 0

cp "$LEDGER" "$LEDGER.copy"
check_run "ledger adopt" 0 "" "${U[@]}" ledger adopt --ledger "$LEDGER" "$LEDGER.copy"
check "its record forwarded as adopt" wait_count 1 3 bash -c \
	"grep -F 'uploadcap[' '$SYSLOG' | grep -c 'event=adopt severity=notice seq=$(records) '"
done_testing
