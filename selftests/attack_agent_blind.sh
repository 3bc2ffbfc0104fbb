#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack (in the VM): blind the agent by mounting a frozen number over
# /sys/kernel/uploadcap/used_bytes, a file on tmpfs or another sysfs file.
# Before the fix the agent, its ledger and its Prometheus textfile kept
# showing the frozen figure while the module charged on, with no alarm.
# Now every file it reads must be on sysfs with nothing mounted over the
# module's directory: meters_unreadable is raised at once (once), the
# ledger and the textfile keep the last true figures, uploadctl status
# refuses too, and once the mount is gone the agent reads the true count.
# Another sysfs directory over the module's is refused; the module's own
# bound onto itself (systemd's ReadWritePaths= in the agent's sandbox)
# hides nothing and is read through.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
agent_bed 198.18.11
TEXTFILE=/var/tmp/ucap-prom-$RUN_ID.prom
FROZEN=$(mktemp /var/tmp/ucap-frozen.XXXXXX)
T_CLEANUP+=("umount '$SYSFS/used_bytes'" "umount '$SYSFS/used_bytes'" "umount '$SYSFS'" "rm -f '$TEXTFILE' '$FROZEN'")

raw 2000 1500
check_run "arm at 100 MB" 0 "^armed" "$UPLOADCTL" --pin-dir "$PIN_DIR" cap set 100MB
agent_start "$NSA" --interval 0.5 --ledger "$LEDGER" --textfile "$TEXTFILE"
for _ in $(seq 50); do [ -s "$TEXTFILE" ] && break; sleep 0.1; done
check "the agent wrote its textfile" test -s "$TEXTFILE"
prom_used() { awk '$1 == "uploadcap_used_bytes_total" { print $2 }' "$TEXTFILE"; }

# --- a file on tmpfs over used_bytes
frozen=$(mod_get used_bytes)
echo "$frozen" >"$FROZEN"
check "bind-mount a frozen $frozen over used_bytes" mount --bind "$FROZEN" "$SYSFS/used_bytes"
check_eq "it reads frozen" "$(cat "$SYSFS/used_bytes")" "$frozen"
raw 10000 1500
check "meters_unreadable within 3 ticks" wait_event meters_unreadable 1 3
check_run "it says why" 0 "event=meters_unreadable severity=alert reason=\"/sys/kernel/uploadcap(/used_bytes)? is mounted over" \
	events meters_unreadable
check_run "uploadctl status refuses the reading too" 1 "uploadctl: .*mounted over" \
	in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status
sleep 1.5
check_eq "raised once, not every tick" "$(event_count meters_unreadable)" 1
check "umount" umount "$SYSFS/used_bytes"
true_used=$(mod_get used_bytes)
diag "frozen at $frozen; the module charged on to $true_used"
check_gt "the module charged on meanwhile" "$true_used" $((frozen + 10000000))
check "the agent reads the true count again" \
	wait_count "$true_used" 5 prom_used

# --- another sysfs file (a number that never moves) over used_bytes:
# fstatfs says sysfs, mountinfo does not lie
check "bind-mount restored_bytes over used_bytes" \
	mount --bind "$SYSFS/restored_bytes" "$SYSFS/used_bytes"
check_eq "it reads 0" "$(cat "$SYSFS/used_bytes")" 0
check "meters_unreadable again within 3 ticks" wait_event meters_unreadable 2 3
check_run "it names the mount" 0 "reason=\"/sys/kernel/uploadcap/used_bytes is mounted over" \
	events meters_unreadable
check_eq "no module_inconsistent: the reading was refused before" "$(event_count module_inconsistent)" 0
check "umount" umount "$SYSFS/used_bytes"

# --- the module's directory bound onto itself, as systemd's
# ReadWritePaths= does in the agent's sandbox: it hides nothing
n=$(event_count meters_unreadable)
check "bind-mount the module's directory onto itself" mount --bind "$SYSFS" "$SYSFS"
raw 1000 1500
settle "$NSA" "$DA"
u=$(mod_get used_bytes)
check "the agent reads on through it" wait_count "$u" 5 prom_used
check_eq "no meters_unreadable for it" "$(event_count meters_unreadable)" "$n"
check "umount" umount "$SYSFS"
# --- another sysfs directory bound over the module's: refused
check "bind-mount /sys/kernel/mm over the module's directory" mount --bind /sys/kernel/mm "$SYSFS"
check "meters_unreadable again within 3 ticks" wait_event meters_unreadable $((n + 1)) 3
check_run "it names the mount" 0 "reason=\"/sys/kernel/uploadcap is mounted over" \
	events meters_unreadable
check "umount" umount "$SYSFS"
agent_stop
check_run "the ledger verifies" 0 "intact" "$UPLOADCTL" --pin-dir "$PIN_DIR" ledger verify "$LEDGER"
check_ge "and holds the true count, never the frozen one" \
	"$("$UPLOADCTL" --pin-dir "$PIN_DIR" ledger verify "$LEDGER" --json | jq -r '.last.used_bytes')" \
	"$true_used"
done_testing
