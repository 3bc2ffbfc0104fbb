#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl verify-log on collector files written here, line by line as
# the agent and the module (imklog) send them (evidence.h, ucap_log_abi.h)
# and rsyslog stores them: a clean history of three boots, then each
# attack on top of it found with its own finding; the module's alarms;
# RFC 5424 and rsyslog's precise format; hosts interleaved and lines
# reordered, within a second too; bad lines and bad usage. The same checks against
# a real rsyslog collector over real reboots: verify_log_rsyslog.sh.
. "$(dirname "$0")/lib.sh"
ucap_test_init

D=$(mktemp -d)
T_CLEANUP+=("rm -rf '$D'")
V=("$UPLOADCTL" verify-log)
Z=$(printf '0%.0s' $(seq 64))
h() { printf '%064x' "$1"; }

# stamp UNIX: rsyslog's traditional timestamp.
stamp() { TZ=UTC date -d "@$1" '+%b %e %H:%M:%S'; }
# rec FILE HOST TIME EVENT SEQ BOOT USED CAP RESERVED [EXEMPT]: a record
# whose hash is h(SEQ) and prev h(SEQ-1) (0s for seq 1).
rec() {
	local prev=$Z
	[ "$5" -gt 1 ] && prev=$(h $(($5 - 1)))
	printf '%s %s uploadcap[%d]: event=%s severity=notice seq=%s time=%s boot=%s used_bytes=%s cap_bytes=%s reserved_bytes=%s state=armed exempt=%s audit_ms=100 on_exhaust=drop lease_step=1048576 lock_modules=yes prev=%s hash=%s\n' \
		"$(stamp "$3")" "$2" $$ "$4" "$5" "$3" "$6" "$7" "$8" "$9" "${10:--}" "$prev" "$(h "$5")" >>"$1"
}
line() { printf '%s %s uploadcap[%d]: %s\n' "$(stamp "$3")" "$2" $$ "$4" >>"$1"; }
# kline FILE HOST TIME TEXT: the module's kernel line, as imklog gives it.
kline() { printf '%s %s kernel: [%6d.123456] uploadcap: %s\n' "$(stamp "$3")" "$2" $(($3 % 1000)) "$4" >>"$1"; }

T0=$(( $(date +%s) - 86400 ))
# clean FILE HOST: three boots, a reboot (clean stop) between each.
clean() {
	local f=$1 n=$2 t=$T0
	rec "$f" "$n" $t restore 1 b1 0 50000000 1048576
	kline "$f" "$n" $t "armed: lifetime upload cap 50000000 bytes, 0 used"
	kline "$f" "$n" $t "loaded: 0 bytes used, cap 50000000 bytes, armed"
	line "$f" "$n" $((t + 1)) "event=ledger_missing severity=alert ledger=/var/lib/uploadcap/ledger"
	kline "$f" "$n" $((t + 2)) "lease raised from 0 to 1048576 bytes (0 used)"
	rec "$f" "$n" $((t + 60)) checkpoint 2 b1 900000 50000000 1048576
	rec "$f" "$n" $((t + 120)) reservation 3 b1 1000000 50000000 2048576
	kline "$f" "$n" $((t + 120)) "lease raised from 1048576 to 2048576 bytes (1000000 used)"
	rec "$f" "$n" $((t + 180)) checkpoint 4 b1 1500000 50000000 2048576
	line "$f" "$n" $((t + 200)) "event=agent_stopped severity=notice ledger=/l seq=4 used_bytes=1500000"
	kline "$f" "$n" $((t + 300)) "restored 2048576 bytes used"
	kline "$f" "$n" $((t + 300)) "loaded: 2048576 bytes used, cap 50000000 bytes, armed"
	rec "$f" "$n" $((t + 300)) restore 5 b2 2048576 50000000 3097152
	kline "$f" "$n" $((t + 300)) "lease raised from 2048576 to 3097152 bytes (2048576 used)"
	rec "$f" "$n" $((t + 360)) checkpoint 6 b2 2500000 50000000 3097152
	line "$f" "$n" $((t + 400)) "event=threshold severity=warning percent=5"
	line "$f" "$n" $((t + 420)) "event=agent_stopped severity=notice ledger=/l seq=6 used_bytes=2500000"
	rec "$f" "$n" $((t + 600)) restore 7 b3 3097152 50000000 4145728
	rec "$f" "$n" $((t + 900)) checkpoint 8 b3 3500000 50000000 4145728
	line "$f" "$n" $((t + 910)) "event=agent_stopped severity=notice ledger=/l seq=8 used_bytes=3500000"
}

clean "$D/clean.log" web1
check_run "a clean history: clean, exit 0" 0 "^web1: clean: 8 records, 3 boots" "${V[@]}" "$D/clean.log"
check_run "its alarms listed with their time and line" 0 \
	"clean.log:$(grep -n ledger_missing "$D/clean.log" | cut -d: -f1) alarm ledger_missing \(alert\)" \
	"${V[@]}" "$D/clean.log"
check_eq "--json: the verdict, the counts, no finding" \
	"$("${V[@]}" --json "$D/clean.log" | jq -c '.hosts[0] | [.host, .verdict, .records, .boots, (.findings | length), (.alarms | map(.event))]')" \
	'["web1","clean",8,3,0,["ledger_missing","agent_stopped","threshold","agent_stopped","agent_stopped"]]'

# attack NAME KIND EDIT...: the clean history with sed's EDIT, found as KIND.
attack() {
	local name=$1 kind=$2
	shift 2
	clean "$D/$name.log" web1
	sed -i "$@" "$D/$name.log"
	check_run "$name: found as $kind, exit 1" 1 " $kind: " "${V[@]}" "$D/$name.log"
	check_eq "$name: the finding in --json" \
		"$("${V[@]}" --json "$D/$name.log" | jq -r "[.hosts[0].findings[] | select(.kind == \"$kind\")] | length > 0")" true
}
# The agent frozen, then a crash: no clean stop before boot 2.
attack frozen_crash unclean_end '/agent_stopped.*seq=4 /d'
# This boot's records cut off, then a reboot: boot 3 restores below boot 2.
attack cut_then_reboot rollback 's/seq=7 time=\([0-9]*\) boot=b3 used_bytes=3097152/seq=7 time=\1 boot=b3 used_bytes=2048576/'
# The ledger rolled back to an older copy: seq goes back.
attack rolled_back ledger_rewritten 's/seq=7 time=\([0-9]*\) boot=b3 used_bytes=3097152 cap_bytes=50000000 reserved_bytes=4145728/seq=3 time=\1 boot=b3 used_bytes=3097152 cap_bytes=50000000 reserved_bytes=4145728/'
# Deleted: a new chain from seq 1.
attack deleted ledger_rewritten "s/seq=7 time=\([0-9]*\) boot=b3 used_bytes=3097152 \(.*\) prev=[0-9a-f]* /seq=1 time=\1 boot=b3 used_bytes=3097152 \2 prev=$Z /"
# A fresh chain with valid hashes: the seq continues, the chain does not.
attack fresh_chain chain_broken "s/\(seq=7 .*\) prev=[0-9a-f]* /\1 prev=$(h 99) /"
# Records that never arrived.
attack lost_records records_missing '/event=checkpoint .* seq=6 /d'
# The cap raised.
attack cap_raised cap_raised 's/seq=8 \(.*\) cap_bytes=50000000/seq=8 \1 cap_bytes=90000000/'
# A boot with a weaker exempt.
attack weaker_exempt setting_weakened 's/\(seq=[78] .*\) exempt=-/\1 exempt=eth0/'
# Records that carry the reserve: clean as they are; a boot with a larger
# reserve, or one that reaches wider, is weaker.
R='s/ lock_modules=yes prev=/ lock_modules=yes reserve_bytes=65536 reserve_dst=198.18.30.0\/24 prev=/'
clean "$D/reserve.log" web1
sed -i "$R" "$D/reserve.log"
kline "$D/reserve.log" web1 $((T0 + 950)) "upload cap exhausted: 50000000 bytes used of 50000000"
kline "$D/reserve.log" web1 $((T0 + 960)) \
	"management reserve spent: 50065536 bytes used of 50000000 and 65536"
check_run "a clean history with a reserve: clean, exit 0" 0 "^web1: clean: 8 records, 3 boots" \
	"${V[@]}" "$D/reserve.log"
check_eq "the reserve spent is listed, after the exhaustion" \
	"$("${V[@]}" --json "$D/reserve.log" | jq -c '[.hosts[0].alarms[].event | select(startswith("module:"))]')" \
	'["module:exhausted","module:reserve_spent"]'
attack weaker_reserve setting_weakened -e "$R" \
	-e 's/\(seq=[78] .*\) reserve_bytes=65536/\1 reserve_bytes=131072/'
attack wider_reserve setting_weakened -e "$R" \
	-e 's/\(seq=[78] .*\) reserve_dst=198.18.30.0\/24/\1 reserve_dst=198.18.0.0\/16/'
# used going down within a boot.
attack used_down used_decreased 's/seq=8 \(.*\) used_bytes=3500000/seq=8 \1 used_bytes=3000000/'
# The module's own lines, whatever the agent says: loaded below a lease
# it had raised to (a count rolled back, the agent's lines kept back) ...
attack module_rollback rollback 's/loaded: 2048576 bytes used/loaded: 1000000 bytes used/'
# ... its cap raised ...
attack module_cap cap_raised \
	'$a'"$(stamp $((T0 + 950))) web1 kernel: uploadcap: armed: lifetime upload cap 90000000 bytes, 3500000 used"
# ... and its used going down.
attack module_used used_decreased \
	'$a'"$(stamp $((T0 + 950))) web1 kernel: uploadcap: lease raised from 3097152 to 3200000 bytes (1000 used)"

# The module's own alarms listed with the agent's: not findings.
clean "$D/modalarm.log" web1
kline "$D/modalarm.log" web1 $((T0 + 920)) "eth0 sent 70000 bytes its hook did not see (XDP or another path past it): 70000 charged"
kline "$D/modalarm.log" web1 $((T0 + 921)) "upload cap exhausted: 50000000 bytes used of 50000000; nothing more leaves this host through guarded devices"
kline "$D/modalarm.log" web1 $((T0 + 922)) "eth0, unregistered, had sent 9000 bytes its hook did not see (all not told before): charged"
check_eq "the module's bypass and exhaustion: listed as alarms, the host clean" \
	"$("${V[@]}" --json "$D/modalarm.log" | jq -c '.hosts[0] | [.verdict, [.alarms[].event | select(startswith("module:"))]]')" \
	'["clean",["module:bypass_charged","module:exhausted","module:bypass_charged"]]'

# Records of one second stored out of order: put back in seq order.
clean "$D/second.log" web1
sed -i -e "s/seq=6 time=[0-9]*/seq=6 time=$((T0 + 300))/" "$D/second.log"
python3 - "$D/second.log" "$(stamp $((T0 + 300)))" <<'PY'
import sys
p, ts = sys.argv[1], sys.argv[2]
lines = open(p).read().splitlines()
i = next(k for k, l in enumerate(lines) if ' seq=5 ' in l)
j = next(k for k, l in enumerate(lines) if ' seq=6 ' in l)
six = ts + lines[j][15:]
del lines[j]
lines.insert(i, six)
open(p, 'w').write('\n'.join(lines) + '\n')
PY
check_run "two records of one second, stored in reverse: clean" 0 "^web1: clean: 8 records" \
	"${V[@]}" "$D/second.log"

# The agent stopped for longer than --max-silence, within a boot.
clean "$D/silent.log" web1
rec "$D/silent.log" web1 $((T0 + 900 + 7200)) checkpoint 9 b3 3600000 50000000 4145728
sed -i '/agent_stopped.*seq=8 /d' "$D/silent.log"
check_run "silence: two hours without a record in a boot" 1 "silence: no record for 72[0-9]{2} s" \
	"${V[@]}" --max-silence 30m "$D/silent.log"
check_run "not with a longer --max-silence" 0 "clean" "${V[@]}" --max-silence 3h "$D/silent.log"
check_run "nor with 0 (no limit)" 0 "clean" "${V[@]}" --max-silence 0 "$D/silent.log"
rec "$D/silent.log" web2 $((T0 + 20000)) restore 1 c1 0 50000000 1048576
check_run "a host silent up to the newest line held" 1 "web1: FINDINGS.*|silence: no record since" \
	"${V[@]}" --max-silence 3h "$D/silent.log"

# Other formats: RFC 5424 and rsyslog's precise one, the same verdicts.
sed -E -e 's/^([A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}) ([^ ]+) uploadcap\[([0-9]+)\]: /\1|\2|uploadcap|\3|/' \
	-e 's/^([A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}) ([^ ]+) kernel: /\1|\2|kernel|-|/' "$D/clean.log" |
	while IFS='|' read -r ts host prog pid msg; do
		printf '<13>1 %s %s %s %s - - %s\n' "$(TZ=UTC date -d "$ts" '+%Y-%m-%dT%H:%M:%S.000000+00:00')" \
			"$host" "$prog" "$pid" "$msg"
	done >"$D/clean5424.log"
check_run "RFC 5424: clean" 0 "^web1: clean: 8 records, 3 boots" "${V[@]}" "$D/clean5424.log"
sed -E -e 's/^<13>1 ([^ ]+) ([^ ]+) uploadcap ([0-9]+) - - /\1 \2 uploadcap[\3]: /' \
	-e 's/^<13>1 ([^ ]+) ([^ ]+) kernel - - - /\1 \2 kernel: /' "$D/clean5424.log" >"$D/precise.log"
check_run "rsyslog's precise format: clean" 0 "^web1: clean: 8 records, 3 boots" "${V[@]}" "$D/precise.log"
clean "$D/b.log" web2
sed -i 's/seq=7 time=\([0-9]*\) boot=b3 used_bytes=3097152/seq=7 time=\1 boot=b3 used_bytes=0/' "$D/b.log"
check_run "two files, two hosts: one clean, one not" 1 "^web1: clean.*web2: FINDINGS" \
	bash -o pipefail -c "'${V[0]}' verify-log '$D/clean.log' '$D/b.log' | tr '\n' ' '"

# Interleaved and reordered: the verdicts do not change.
cat "$D/clean.log" "$D/b.log" | shuf --random-source=<(yes) >"$D/mixed.log"
check_eq "hosts interleaved and lines shuffled: the same verdicts" \
	"$("${V[@]}" --json "$D/mixed.log" | jq -c '[.hosts[] | [.host, .verdict, .records, (.findings | map(.kind))]]')" \
	'[["web1","clean",8,[]],["web2","findings",8,["rollback"]]]'

# Bad input: a clear error naming the line, the rest still judged.
{ cat "$D/clean.log"; echo "garbage here"; head -c 20 "$D/clean.log"; echo; } >"$D/bad.log"
n=$(wc -l <"$D/clean.log")
check_run "a line in no known format: named, exit 1" 1 \
	"bad.log:$((n + 1)): neither rsyslog's file format nor RFC 5424" "${V[@]}" "$D/bad.log"
check_run "a truncated one too" 1 "bad.log:$((n + 2)): " "${V[@]}" "$D/bad.log"
check_run "and the hosts are still judged" 1 "^web1: clean" "${V[@]}" "$D/bad.log"
check_eq "--json lists the errors" "$("${V[@]}" --json "$D/bad.log" | jq -c '[.errors[].line]')" \
	"[$((n + 1)),$((n + 2))]"
printf '%s web1 uploadcap[1]: event=checkpoint severity=notice seq=9\n' "$(stamp $((T0 + 1000)))" >>"$D/clean.log"
check_run "a record without its fields: malformed_record" 1 "malformed_record" "${V[@]}" "$D/clean.log"
check_run "no file: usage, exit 2" 2 "give one FILE" "${V[@]}"
check_run "a bad duration: usage, exit 2" 2 "not a duration" "${V[@]}" --max-silence 5x "$D/clean.log"
check_run "a missing file: exit 1, named" 1 "verify-log: $D/none: No such file" "${V[@]}" "$D/none"
chmod 755 "$D" && chmod 644 "$D/clean5424.log"
check_run "no root needed" 0 "" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"${V[@]}" "$D/clean5424.log"
done_testing
