#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadcap.ko basics (in the VM): load and unload while unarmed, the sysfs
# files and their modes, arming by parameter and by sysfs, the write-once
# rules (raise, clear, garbage refused, counted and logged; lower works),
# used_bytes= restoring the count, unload refused while armed, uevents.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload

# --- unarmed: load, look, unload
check "insmod, no parameters" mod_load
check_eq "state is unarmed" "$(mod_get state)" unarmed
check_eq "cap_bytes reads 0 while unarmed" "$(mod_get cap_bytes)" 0
check_eq "used_bytes starts at 0" "$(mod_get used_bytes)" 0
check_eq "cap_bytes is 0644" "$(stat -c %a "$SYSFS/cap_bytes")" 644
for f in used_bytes remaining_bytes state dropped_bytes dropped_packets tamper_attempts bypass_bytes devices; do
	check_eq "$f is 0444" "$(stat -c %a "$SYSFS/$f")" 444
	check "$f rejects writes, even from root" bash -c "! echo 1 2>/dev/null >'$SYSFS/$f'"
done
check_run "devices has a header naming the columns" 0 \
	"^netns +ifindex +name +bytes +packets +dropped_packets +dropped_bytes" cat "$SYSFS/devices"
check "rmmod while unarmed" rmmod uploadcap
check "the module is gone" bash -c "! test -d '$SYSFS'"

# --- used_bytes= restores the lifetime count
check "insmod used_bytes=123456789" mod_load used_bytes=123456789
check_eq "used_bytes restored" "$(mod_get used_bytes)" 123456789
check_eq "still unarmed" "$(mod_get state)" unarmed
check "rmmod" rmmod uploadcap

# --- armed by parameter
check "insmod cap_bytes=5000000 used_bytes=1000" mod_load cap_bytes=5000000 used_bytes=1000
check_eq "state is armed" "$(mod_get state)" armed
check_eq "cap_bytes from the parameter" "$(mod_get cap_bytes)" 5000000
check_eq "remaining_bytes = cap - used" "$(mod_get remaining_bytes)" 4999000
check_run "rmmod refused while armed" 1 "in use" rmmod uploadcap
check "the module is still there" mod_loaded
check_run "the parameter file cannot raise the cap" 1 "" \
	bash -c "echo 9000000 >/sys/module/uploadcap/parameters/cap_bytes"
check_eq "cap unchanged" "$(mod_get cap_bytes)" 5000000
check "forced unload (possible until modules are locked)" rmmod -f uploadcap

# --- a cap below what was used: the cap becomes the used count, exhausted
check "insmod cap_bytes=100 used_bytes=1000" mod_load cap_bytes=100 used_bytes=1000
check_eq "state is exhausted" "$(mod_get state)" exhausted
check_eq "cap is the used count" "$(mod_get cap_bytes)" 1000
check_eq "nothing remains" "$(mod_get remaining_bytes)" 0
mod_unload

# --- armed through sysfs, write-once, with uevents
UEVENTS=$(mktemp)
spawn_bg "$BUILD/selftests/uevent_listen" 60 >"$UEVENTS"
for _ in $(seq 50); do grep -q ready "$UEVENTS" && break; sleep 0.1; done
check "uevent listener ready" grep -q ready "$UEVENTS"
check "insmod used_bytes=5000" mod_load used_bytes=5000
dmesg_mark
check_run "first write arms" 0 "" mod_set cap_bytes 8000000
check_eq "armed" "$(mod_get state)" armed
check_eq "cap set" "$(mod_get cap_bytes)" 8000000
check_run "raise refused: EPERM" 1 "Operation not permitted" mod_set cap_bytes 9000000
check_run "clear refused: EPERM" 1 "Operation not permitted" mod_set cap_bytes 0
check_run "garbage refused: EINVAL" 1 "Invalid argument" mod_set cap_bytes garbage
check_run "empty refused: EINVAL" 1 "Invalid argument" mod_set cap_bytes ""
check_run "negative refused: EINVAL" 1 "Invalid argument" mod_set cap_bytes -5
check_run "overflow refused: EINVAL" 1 "Invalid argument" mod_set cap_bytes 99999999999999999999999
check_eq "cap unchanged by refused writes" "$(mod_get cap_bytes)" 8000000
check_eq "six tamper attempts counted" "$(mod_get tamper_attempts)" 6
check_run "lower accepted" 0 "" mod_set cap_bytes 7000000
check_eq "cap lowered" "$(mod_get cap_bytes)" 7000000
check_run "the same value again is accepted, changes nothing" 0 "" mod_set cap_bytes 7000000
check_eq "an unchanged write is no tamper attempt" "$(mod_get tamper_attempts)" 6
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$UPLOADCTL" "$@"; }
check_run "not root: cap show reads sysfs (0444)" 0 "^module: +armed, cap 7000000 " as_nobody cap show
check_eq "not root: cap show --json" "$(as_nobody cap show --json | jq .cap_bytes)" 7000000
check_run "not root: rate show" 0 "" as_nobody rate show
check_run "not root: status, the module's figures" 0 "^module: .*armed" as_nobody status
check_run "not root: cap set still refused" 1 "must run as root" as_nobody cap set 1000
check_eq "and no tamper attempt reached the module" "$(mod_get tamper_attempts)" 6
check_eq "MODULE_VERSION: the one version (debian/changelog)" \
	"$(cat /sys/module/uploadcap/version)" "$(make -s -C "$TOP" print-version)"
check_eq "status --json: the version that runs" "$(as_nobody cap show --json | jq -r .version)" \
	"$(make -s -C "$TOP" print-version)"
check_run "and what the next boot loads (here: none installed)" 0 \
	"version [0-9.]+ runs; modprobe finds no uploadcap.ko for the next boot" as_nobody cap show
check_run "log: the load line: its count and cap" 0 "uploadcap: loaded: 5000 bytes used, cap 0 bytes, unarmed" dmesg
log=$(dmesg_since)
check_run "log: armed (notice)" 0 "uploadcap: armed: lifetime upload cap 8000000 bytes, 5000 used" echo "$log"
check_run "log: refused raise" 0 "uploadcap: refused to raise the cap \(9000000\)" echo "$log"
check_run "log: refused clear" 0 "uploadcap: refused to clear the cap" echo "$log"
check_run "log: refused garbage" 0 "uploadcap: refused to set the cap \('garbage" echo "$log"
check_run "log: lowered" 0 "uploadcap: cap lowered from 8000000 to 7000000" echo "$log"
check_run "a cap below the used count exhausts at once" 0 "" mod_set cap_bytes 1
check_eq "exhausted" "$(mod_get state)" exhausted
check_eq "cap is the used count" "$(mod_get cap_bytes)" 5000
check_run "log: exhausted (crit)" 0 "uploadcap: upload cap exhausted" dmesg_since
for _ in $(seq 50); do [ "$(grep -c . "$UEVENTS")" -ge 3 ] && break; sleep 0.1; done
check_eq "uevents: UPLOADCAP_STATE=armed, then exhausted" \
	"$(grep -v ready "$UEVENTS" | tr '\n' ' ')" "armed exhausted "
rm -f "$UEVENTS"
mod_unload

# --- exempt= is checked at load
check_run "exempt= with a name too long for a device is refused" 1 "" \
	mod_load exempt=thisnameistoolongforadevice
check "nothing loaded" bash -c "! test -d '$SYSFS'"
check "exempt= with two names loads" mod_load exempt=mgmt0,mgmt1
check_run "log: exemptions are warned about" 0 "devices named mgmt1 are exempt" dmesg
mod_unload

done_testing
