#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input to every file of /sys/kernel/uploadcap/ (in the VM): empty,
# huge, negative, non-numeric, whitespace-padded, other bases, and many
# writers at once, unarmed and armed. cap_bytes refuses each with EINVAL
# (counted as a tamper attempt, state unchanged); the read-only files
# refuse every write; loading the module a second time is refused.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

# put FILE VALUE: write VALUE exactly (no newline added) in one write().
put() { printf '%s' "$2" >"$SYSFS/$1"; }
BAD=(" " $'\n' "-1" "-0" "abc" "12abc" "0x10" "1e9" " 5000000" "5000000 "
	$'\t5000000' $'5000000\n\n' "5,000,000" "18446744073709551616"
	"99999999999999999999999999" "$(printf '9%.0s' $(seq 4000))")
# What the module holds, in one line.
snapshot() {
	echo "$(mod_get state) $(mod_get cap_bytes) $(mod_get used_bytes) $(mod_get remaining_bytes)"
}

bad_writes() {	# bad_writes TAG: every BAD value to cap_bytes
	local before t0 v i=0 refused=0
	before=$(snapshot)
	t0=$(mod_get tamper_attempts)
	for v in "${BAD[@]}"; do
		i=$((i + 1))
		put cap_bytes "$v" 2>/dev/null || refused=$((refused + 1))
	done
	check_eq "$1: all ${#BAD[@]} bad values refused" "$refused" ${#BAD[@]}
	check_eq "$1: nothing changed" "$(snapshot)" "$before"
	check_eq "$1: each counted as a tamper attempt" $(($(mod_get tamper_attempts) - t0)) ${#BAD[@]}
}

check "insmod" mod_load
check_run "a second insmod is refused" 1 "File exists" mod_load cap_bytes=1
check_run "an empty write (no bytes) succeeds and does nothing" 0 "" put cap_bytes ""
check_eq "still unarmed, no tamper attempt" "$(mod_get state) $(mod_get tamper_attempts)" "unarmed 0"
check_run "EINVAL for letters" 1 "Invalid argument" put cap_bytes abc
check_run "EINVAL for padding" 1 "Invalid argument" put cap_bytes " 5000000"
check_run "EINVAL past 2^64-1" 1 "Invalid argument" put cap_bytes 18446744073709551616
check_run "EINVAL for a 4000-digit number" 1 "Invalid argument" put cap_bytes "$(printf '9%.0s' $(seq 4000))"
bad_writes unarmed
check_eq "still unarmed" "$(mod_get state)" unarmed

check_run "one trailing newline is fine: arms" 0 "" put cap_bytes $'6000000\n'
check_eq "armed at 6000000" "$(snapshot)" "armed 6000000 0 6000000"
bad_writes armed
check_run "'+5000000' is a number (kstrtoull): lowers" 0 "" put cap_bytes "+5000000"
check_eq "cap lowered to 5000000" "$(mod_get cap_bytes)" 5000000
check_run "18446744073709551615 is refused armed (a raise): EPERM" 1 "Operation not permitted" \
	put cap_bytes 18446744073709551615

# --- many writers at once, good and bad mixed
t0=$(mod_get tamper_attempts)
pids=()
for i in $(seq 8); do
	(for v in "${BAD[@]:0:12}" 4000000 6000000; do put cap_bytes "$v" 2>/dev/null; done) &
	pids+=($!)
done
wait "${pids[@]}"
check_eq "concurrent: the cap is the lowest good value written" "$(mod_get cap_bytes)" 4000000
check_eq "concurrent: every bad or raising write counted" \
	$(($(mod_get tamper_attempts) - t0)) $((8 * 13))
check_eq "still armed" "$(mod_get state)" armed

# --- the read-only files refuse every write, even from root
for f in used_bytes remaining_bytes state dropped_bytes dropped_packets tamper_attempts \
	bypass_bytes devices; do
	before=$(cat "$SYSFS/$f")
	n=0
	for v in "" "0" "-1" "abc" " 1" "$(printf '9%.0s' $(seq 4000))"; do
		put "$f" "$v" 2>/dev/null || n=$((n + 1))
	done
	check_eq "$f: 6 writes refused" "$n" 6
	check_eq "$f: unchanged" "$(cat "$SYSFS/$f")" "$before"
done
for p in cap_bytes used_bytes exempt on_exhaust audit_ms; do
	check_run "parameters/$p refuses writes" 1 "" \
		bash -c "echo 1 >/sys/module/uploadcap/parameters/$p"
done
check_eq "the cap held through all of it" "$(snapshot)" "armed 4000000 0 4000000"
done_testing
