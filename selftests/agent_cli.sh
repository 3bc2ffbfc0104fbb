#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The agent and the ledger from the command line (host, no module needed):
# option and configuration errors with their line numbers, --once, SIGHUP
# with a broken configuration, SIGTERM's final checkpoint, and `ledger
# verify` on missing, foreign, cut and doctored ledgers.
. "$(dirname "$0")/lib.sh"
ucap_test_init

DIR=$(mktemp -d)
T_CLEANUP+=("rm -rf '$DIR'")
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
L=$DIR/ledger

# --- options and configuration
check_run "agent --help" 0 "^Usage: uploadctl agent" "${U[@]}" agent --help
check_run "--interval not a number" 2 "^uploadctl: agent: interval: 'abc' is not a number of seconds" \
	"${U[@]}" agent --once --interval abc
check_run "--interval too short" 2 "from 0.05 to 86400" "${U[@]}" agent --once --interval 0.001
check_run "--thresholds not ascending" 2 "must be ascending" "${U[@]}" agent --once --thresholds 50,40
check_run "--thresholds out of range" 2 "percentages 1..100" "${U[@]}" agent --once --thresholds 50,101
check_run "--facility unknown" 2 "unknown syslog facility 'nope'" "${U[@]}" agent --once --facility nope
check_run "--alarm-burst not a count" 2 "alarm_burst: '-1' is not a count from 0 to 1000000" \
	"${U[@]}" agent --once --alarm-burst -1
check_run "--ledger relative" 2 "not an absolute path" "${U[@]}" agent --once --ledger ledger
check_run "unexpected argument" 2 "unexpected argument 'x'" "${U[@]}" agent --once x
check_run "--config missing" 1 "does not exist" "${U[@]}" agent --once --config "$DIR/none.conf"
printf '# uploadcap\ninterval = 1\n\nthresholds = 50,90\nfrobnicate = 3\n' >"$DIR/bad.conf"
check_run "unknown key, with its line number" 1 "$DIR/bad.conf:5: unknown key 'frobnicate'" \
	"${U[@]}" agent --once --config "$DIR/bad.conf"
printf 'thresholds = 90,50\n' >"$DIR/bad2.conf"
check_run "bad value, with its line number" 1 "$DIR/bad2.conf:1: thresholds: .* ascending" \
	"${U[@]}" agent --once --config "$DIR/bad2.conf"
for bad in "198.18.30.1/24:host bits" "198.18.30.0/33:prefix" "2001:db8::/129:prefix" \
	"nonsense:prefix" "$(printf '198.18.30.%d,' $(seq 9) | sed 's/,$//'):more than 8"; do
	printf 'reserve_dst = %s\n' "${bad%:*}" >"$DIR/bad4.conf"
	check_run "reserve_dst = ${bad%:*}: refused, with its line number" 1 \
		"$DIR/bad4.conf:1: reserve_dst: .*${bad##*:}" "${U[@]}" agent --once --config "$DIR/bad4.conf"
done
printf 'interval\n' >"$DIR/bad3.conf"
check_run "a line without '='" 1 "$DIR/bad3.conf:1: expected 'key = value'" \
	"${U[@]}" agent --once --config "$DIR/bad3.conf"
printf 'ledger = %s\ncap = 1.5GB\nlock_modules = no\nfacility = local3\n' "$L" >"$DIR/good.conf"

# --- one tick, without the module
check_run "agent --once: module_missing, a first checkpoint" 0 \
	"event=module_missing severity=alert module=uploadcap.ko" \
	"${U[@]}" agent --once --config "$DIR/good.conf"
check_run "the ledger it wrote verifies" 0 "intact, 1 record$" "${U[@]}" ledger verify "$L"
check_eq "its record says the module is absent" "$("${U[@]}" ledger verify --json "$L" | jq -r .last.state)" absent

# --- SIGHUP with a broken configuration, then SIGTERM
cp "$DIR/good.conf" "$DIR/live.conf"
spawn_bg "${U[@]}" agent --foreground --interval 0.2 --config "$DIR/live.conf" 2>"$DIR/err"
agent=$SPAWNED
sleep 1
echo "nonsense = 1" >>"$DIR/live.conf"
kill -HUP "$agent"
sleep 1
check "the agent survives a SIGHUP with a broken configuration" kill -0 "$agent"
check_run "and says why" 0 "event=config_error severity=err config=$DIR/live.conf reason=\"$DIR/live.conf:5: unknown key 'nonsense'\"" \
	cat "$DIR/err"
kill -TERM "$agent"
wait "$agent"
check_eq "SIGTERM: clean exit" "$?" 0

# --- ledger verify
check_run "verify a missing ledger" 1 "does not exist" "${U[@]}" ledger verify "$DIR/none"
printf 'hello\n' >"$DIR/foreign"
check_run "verify a file that is no ledger" 1 "NOT intact: record 1: not a ledger record" \
	"${U[@]}" ledger verify "$DIR/foreign"
check_run "verify --help" 0 "^Usage: uploadctl ledger verify" "${U[@]}" ledger verify --help
check_run "ledger without a command" 2 "give a command: verify, adopt or help" "${U[@]}" ledger

# A ledger of four records, written the way the agent does, by hand.
zero=$(printf '0%.0s' $(seq 64))
mkrec() {	# mkrec SEQ USED CAP PREV
	local body="ucap1 seq=$1 time=1700000000 boot=0-0 used=$2 cap=$3 state=armed alarmed=- prev=$4"
	printf '%s hash=%s\n' "$body" "$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)"
}
hash_of() { echo "${1##* hash=}"; }
r1=$(mkrec 1 100 1000 "$zero")
r2=$(mkrec 2 200 1000 "$(hash_of "$r1")")
r3=$(mkrec 3 300 900 "$(hash_of "$r2")")
r4=$(mkrec 4 400 900 "$(hash_of "$r3")")
printf '%s\n' "$r1" "$r2" "$r3" "$r4" >"$DIR/hand"
check_run "a hand-made chain (sha256sum) verifies: the format is what it says" 0 \
	"intact, 4 records" "${U[@]}" ledger verify "$DIR/hand"
printf '%s\n' "$r1" "$r3" "$r4" >"$DIR/cut"
check_run "a record cut out of the middle" 1 "record 2: sequence 3 where 2 was due" \
	"${U[@]}" ledger verify "$DIR/cut"
down=$(mkrec 3 150 900 "$(hash_of "$r2")")
printf '%s\n' "$r1" "$r2" "$down" >"$DIR/down"
check_run "used_bytes going down, even with a good hash" 1 "record 3: used_bytes went down" \
	"${U[@]}" ledger verify "$DIR/down"
up=$(mkrec 3 300 5000 "$(hash_of "$r2")")
printf '%s\n' "$r1" "$r2" "$up" >"$DIR/up"
check_run "cap_bytes going up, even with a good hash" 1 "record 3: cap_bytes was raised" \
	"${U[@]}" ledger verify "$DIR/up"
printf '%s\n' "$r1" "$(mkrec 2 200 1000 "$zero")" >"$DIR/chain"
check_run "a record not chained to the one before" 1 "record 2: prev does not match" \
	"${U[@]}" ledger verify "$DIR/chain"

# The write-ahead lease's reserved= (between cap= and state=); records
# from before it have none and read as reserved=0.
mkres() {	# mkres SEQ USED CAP RESERVED PREV
	local body="ucap1 seq=$1 time=1700000000 boot=0-0 used=$2 cap=$3 reserved=$4 state=armed alarmed=- prev=$5"
	printf '%s hash=%s\n' "$body" "$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)"
}
q5=$(mkres 5 400 900 600 "$(hash_of "$r4")")
q6=$(mkres 6 500 900 800 "$(hash_of "$q5")")
printf '%s\n' "$r1" "$r2" "$r3" "$r4" "$q5" "$q6" >"$DIR/lease"
check_run "records with reserved= follow older ones" 0 "intact, 6 records" \
	"${U[@]}" ledger verify "$DIR/lease"
check_run "the text names the last reservation" 0 "reserved 800 \\(800 B\\)" \
	"${U[@]}" ledger verify "$DIR/lease"
check_eq "verify --json gives reserved_bytes" \
	"$("${U[@]}" ledger verify --json "$DIR/lease" | jq -c '[.last.reserved_bytes, .last.used_bytes]')" "[800,500]"
check_eq "and null for a record without one" \
	"$("${U[@]}" ledger verify --json "$DIR/hand" | jq -c .last.reserved_bytes)" null
lower=$(mkres 6 500 900 550 "$(hash_of "$q5")")
printf '%s\n' "$r1" "$r2" "$r3" "$r4" "$q5" "$lower" >"$DIR/lower"
check_run "reserved going down, even with a good hash" 1 "record 6: reserved_bytes went down \(550 after 600\)" \
	"${U[@]}" ledger verify "$DIR/lower"
body="ucap1 seq=1 time=1 boot=0-0 used=1 cap=9 state=armed reserved=5 alarmed=- prev=$zero"
printf '%s hash=%s\n' "$body" "$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)" >"$DIR/order"
check_run "reserved= out of its place" 1 "record 1: field 8 is not alarmed" \
	"${U[@]}" ledger verify "$DIR/order"

done_testing
