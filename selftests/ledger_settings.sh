#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ledger's boot settings and `ledger adopt` (host, no module needed).
# Records carry exempt, audit_ms, on_exhaust, lease_step, lock_modules,
# reserve_bytes and reserve_dst from the first that has them on, and a
# chain in which one is dropped or weakened fails verification at that
# record: the exempt list only shrinks, audit_ms, lease_step and
# reserve_bytes only fall, drop may become down, locked stays locked, the
# reserve's destinations only narrow; a record from before the reserve
# (five settings) had none. adopt makes a verified copy the ledger
# without losing the higher count of what it replaces, and keeps the
# replaced one.
. "$(dirname "$0")/lib.sh"
ucap_test_init

DIR=$(mktemp -d)
T_CLEANUP+=("rm -rf '$DIR'")
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
BOOT=0f0e0d0c-0b0a-4908-8706-050403020100
ZERO=0000000000000000000000000000000000000000000000000000000000000000

# new FILE: an empty chain. rec FILE USED CAP RESERVED [SETTINGS]: append a
# record, hashed as uploadctl does (SHA-256 of the line up to " hash=").
new() { : >"$1"; PREV=$ZERO SEQ=0; }
rec() {
	local f=$1 body h
	SEQ=$((SEQ + 1))
	body="ucap1 seq=$SEQ time=1700000000 boot=$BOOT used=$2 cap=$3 reserved=$4 state=armed alarmed=-${5:+ $5} prev=$PREV"
	h=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
	printf '%s hash=%s\n' "$body" "$h" >>"$f"
	PREV=$h
}
verify() { "${U[@]}" ledger verify "$1"; }
S0="exempt=- audit_ms=100 on_exhaust=drop lease_step=1048576 lock_modules=no"

# --- settings in the chain
L=$DIR/ledger
new "$L"
rec "$L" 1000 10000000 0
rec "$L" 2000 10000000 1050000 "$S0"
check_run "a record without settings, then one with them: intact" 0 "intact, 2 records" verify "$L"
check_run "verify prints them" 0 \
	"boot settings: exempt -, audit_ms 100, on_exhaust drop, lease_step 1048576, lock_modules no, reserve_bytes 0, reserve_dst -" \
	verify "$L"
check_eq "and --json" "$("${U[@]}" ledger verify --json "$L" | jq -c .last.settings)" \
	'{"exempt":[],"audit_ms":100,"on_exhaust":"drop","lease_step":1048576,"lock_modules":false,"reserve_bytes":0,"reserve_dst":[]}'
cp "$L" "$DIR/base" && base_prev=$PREV base_seq=$SEQ

# weaker DESC SETTINGS WHY: the base chain and one record with SETTINGS,
# which must fail verification for WHY.
weaker() {
	cp "$DIR/base" "$L"
	PREV=$base_prev SEQ=$base_seq
	rec "$L" 5000 10000000 1050000 "$2"
	check_run "$1: fails at record $SEQ" 1 "record $SEQ: $3" verify "$L"
}
# not_weaker DESC SETTINGS: the base chain and one record with SETTINGS,
# which verifies.
not_weaker() {
	cp "$DIR/base" "$L"
	PREV=$base_prev SEQ=$base_seq
	rec "$L" 5000 10000000 1050000 "$2"
	check_run "$1: intact" 0 "intact, $SEQ records" verify "$L"
}
weaker "a device joins the exempt list" \
	"exempt=eth9 audit_ms=100 on_exhaust=drop lease_step=1048576 lock_modules=no" \
	"boot setting exempt was weakened"
weaker "audit_ms rises" \
	"exempt=- audit_ms=60000 on_exhaust=drop lease_step=1048576 lock_modules=no" \
	"boot setting audit_ms was weakened"
weaker "lease_step rises" \
	"exempt=- audit_ms=100 on_exhaust=drop lease_step=67108864 lock_modules=no" \
	"boot setting lease_step was weakened"
weaker "the settings dropped" "" "the boot settings were dropped"
weaker "four of the five" "exempt=- audit_ms=100 on_exhaust=drop lease_step=1048576" \
	"the boot settings are incomplete"
weaker "an exempt list out of order" \
	"exempt=b,a audit_ms=100 on_exhaust=drop lease_step=1048576 lock_modules=no" \
	"a boot setting is not valid"
weaker "audit_ms out of the module's range" \
	"exempt=- audit_ms=5 on_exhaust=drop lease_step=1048576 lock_modules=no" \
	"a boot setting is not valid"
weaker "a reserve after records from before it (none then)" \
	"$S0 reserve_bytes=65536 reserve_dst=198.18.30.0/24" "boot setting reserve_bytes was weakened"
weaker "no reserve, but destinations" \
	"$S0 reserve_bytes=0 reserve_dst=198.18.30.0/24" "boot setting reserve_dst was weakened"
weaker "reserve_bytes without reserve_dst" "$S0 reserve_bytes=0" \
	"the boot settings are incomplete"
not_weaker "the reserve's two, none, after records from before it" \
	"$S0 reserve_bytes=0 reserve_dst=-"

# stronger ones, one after another, then each way back
new "$L"
rec "$L" 1000 10000000 0 "exempt=a,b audit_ms=1000 on_exhaust=drop lease_step=4194304 lock_modules=no"
rec "$L" 2000 10000000 0 "exempt=a audit_ms=1000 on_exhaust=drop lease_step=4194304 lock_modules=no"
rec "$L" 3000 10000000 0 "exempt=a audit_ms=50 on_exhaust=down lease_step=1048576 lock_modules=yes"
rec "$L" 4000 10000000 0 "exempt=- audit_ms=50 on_exhaust=down lease_step=1048576 lock_modules=yes"
check_run "stronger at every step: intact" 0 "intact, 4 records" verify "$L"
cp "$L" "$DIR/base" && base_prev=$PREV base_seq=$SEQ
weaker "down back to drop" \
	"exempt=- audit_ms=50 on_exhaust=drop lease_step=1048576 lock_modules=yes" \
	"boot setting on_exhaust was weakened"
weaker "locked modules unlocked" \
	"exempt=- audit_ms=50 on_exhaust=down lease_step=1048576 lock_modules=no" \
	"boot setting lock_modules was weakened"
weaker "a name exempt again" \
	"exempt=a audit_ms=50 on_exhaust=down lease_step=1048576 lock_modules=yes" \
	"boot setting exempt was weakened"

# --- the management reserve: its size only falls, its destinations only narrow
R0="$S0 reserve_bytes=65536 reserve_dst=198.18.30.0/24,2001:db8::/64"
new "$L"
rec "$L" 1000 10000000 0 "$R0"
rec "$L" 2000 10000000 0 "$S0 reserve_bytes=32768 reserve_dst=198.18.30.0/25,2001:db8::/64"
rec "$L" 3000 10000000 0 "$S0 reserve_bytes=32768 reserve_dst=198.18.30.0/25,198.18.30.100/32"
check_run "a reserve that falls and narrows: intact" 0 "intact, 3 records" verify "$L"
check_run "verify prints it" 0 \
	"reserve_bytes 32768, reserve_dst 198.18.30.0/25,198.18.30.100/32$" verify "$L"
check_eq "and --json" \
	"$("${U[@]}" ledger verify --json "$L" | jq -c '.last.settings | [.reserve_bytes, .reserve_dst]')" \
	'[32768,["198.18.30.0/25","198.18.30.100/32"]]'
cp "$L" "$DIR/base" && base_prev=$PREV base_seq=$SEQ
weaker "reserve_bytes rises" "$S0 reserve_bytes=65536 reserve_dst=198.18.30.0/25" \
	"boot setting reserve_bytes was weakened"
weaker "a destination widens" "$S0 reserve_bytes=32768 reserve_dst=198.18.30.0/24" \
	"boot setting reserve_dst was weakened"
weaker "a destination joins" \
	"$S0 reserve_bytes=32768 reserve_dst=198.18.30.0/25,198.18.30.100/32,198.19.0.1/32" \
	"boot setting reserve_dst was weakened"
weaker "one of another family" "$S0 reserve_bytes=32768 reserve_dst=2001:db8::/64" \
	"boot setting reserve_dst was weakened"
# An older writer's record: no reserve, which is no weaker.
not_weaker "the reserve's two left out: none" "$S0"
weaker "destinations out of order" \
	"$S0 reserve_bytes=32768 reserve_dst=198.18.30.100/32,198.18.30.0/25" \
	"a boot setting is not valid"
weaker "a prefix with host bits set" "$S0 reserve_bytes=32768 reserve_dst=198.18.30.1/25" \
	"a boot setting is not valid"
weaker "not a prefix" "$S0 reserve_bytes=32768 reserve_dst=198.18.30.0/33" \
	"a boot setting is not valid"
not_weaker "narrowed to none, with no reserve left" "$S0 reserve_bytes=0 reserve_dst=-"

# --- ledger adopt
new "$L"
rec "$L" 1000 10000000 1049576 "$S0"
rec "$L" 5000000 10000000 6000000 "$S0"
rec "$L" 7000000 9000000 8000000 "$S0"
# The off-host copy: the first two records.
head -n 2 "$L" >"$DIR/copy"
# The ledger damaged at record 3: what verifies is the first two.
sed -i '3 s/ used=7000000/ used=0/' "$L"
check_run "the damaged ledger fails at record 3" 1 "record 3: hash mismatch" verify "$L"
check_run "adopt: usage without FILE" 2 "give one FILE" "${U[@]}" ledger adopt --ledger "$L"
check_run "adopt a file that does not verify: refused" 1 \
	"ledger adopt: .*/ledger fails verification at record 3" \
	"${U[@]}" ledger adopt "$L" --ledger "$DIR/other"
: >"$DIR/empty"
check_run "adopt an empty file: refused" 1 "holds no record" \
	"${U[@]}" ledger adopt "$DIR/empty" --ledger "$L"
check_eq "the damaged ledger is untouched by the refusals" "$(grep -c . "$L")" 3
check_run "adopt the copy" 0 \
	"^adopted $DIR/copy as $L: 3 records, used 5000000 .*; the old ledger is kept as $L.rejected.[0-9]+" \
	"${U[@]}" ledger adopt "$DIR/copy" --ledger "$L"
check_run "the adopted ledger verifies" 0 "intact, 3 records" verify "$L"
check "its first two records are the copy's" cmp -s <(head -n 2 "$L") "$DIR/copy"
check_eq "its last: used, reserved and cap of the copy (nothing higher verified)" \
	"$("${U[@]}" ledger verify --json "$L" | jq -c '[.last.used_bytes, .last.reserved_bytes, .last.cap_bytes]')" \
	"[5000000,6000000,10000000]"
check_eq "the settings carried" "$("${U[@]}" ledger verify --json "$L" | jq -r .last.settings.on_exhaust)" drop
rejected=$(ls "$L".rejected.*)
check_run "the damaged ledger is kept, as it was" 1 "record 3: hash mismatch" verify "$rejected"
check_eq "no temporary file left" "$(compgen -G "$DIR/*adopt*" | wc -l)" 0

# An older copy than what still verifies: the adopted record keeps the
# higher figures and the stronger settings.
new "$DIR/old"
rec "$DIR/old" 1000 20000000 1049576 \
	"exempt=eth9 audit_ms=1000 on_exhaust=drop lease_step=4194304 lock_modules=no"
rm -f "$L".rejected.*
check_run "adopt an older copy over a ledger that verifies" 0 "2 records, used 5000000 " \
	"${U[@]}" ledger adopt "$DIR/old" --ledger "$L"
check_eq "used, reserved: the higher; cap: the lower" \
	"$("${U[@]}" ledger verify --json "$L" | jq -c '[.last.used_bytes, .last.reserved_bytes, .last.cap_bytes]')" \
	"[5000000,6000000,10000000]"
check_eq "the settings: the stronger of both" \
	"$("${U[@]}" ledger verify --json "$L" | jq -c '.last.settings | [.exempt, .audit_ms, .lease_step]')" \
	'[[],100,1048576]'
check_run "and it verifies" 0 "intact, 2 records" verify "$L"
check_run "adopt into a ledger that does not exist yet" 0 "^adopted .* as $DIR/fresh: 2 records" \
	"${U[@]}" ledger adopt "$DIR/old" --ledger "$DIR/fresh"
check "without a rejected copy" bash -c "! ls '$DIR'/fresh.rejected.* 2>/dev/null"

# Two reserves: the smaller, and only what lies within both lists.
new "$DIR/r1"
rec "$DIR/r1" 1000 10000000 1049576 "$S0 reserve_bytes=65536 reserve_dst=198.18.30.0/24,2001:db8::/64"
new "$DIR/r2"
rec "$DIR/r2" 2000 10000000 1049576 \
	"$S0 reserve_bytes=131072 reserve_dst=198.18.0.0/16,198.19.0.0/24,2001:db8::/48"
check_run "adopt one reserve over another" 0 "^adopted .* as $DIR/r2: 2 records" \
	"${U[@]}" ledger adopt "$DIR/r1" --ledger "$DIR/r2"
check_eq "the reserve: the smaller, within both lists" \
	"$("${U[@]}" ledger verify --json "$DIR/r2" | jq -c '.last.settings | [.reserve_bytes, .reserve_dst]')" \
	'[65536,["198.18.30.0/24","2001:db8::/64"]]'
done_testing
