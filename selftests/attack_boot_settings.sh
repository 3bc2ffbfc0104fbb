#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack (in the VM): weaken the boot settings for the next boot. Boot 1
# loads with exempt=<the peer>, audit_ms=50, on_exhaust=down and a 1 MiB
# lease step, and the ledger records them. At "boot 2" (the module
# removed, as at a reboot) the attacker asks for weaker ones everywhere
# load takes them from: the configuration (a device more exempt, audit_ms
# 60000, drop, a 64 MiB step, a 1 GiB reserve to anywhere) and
# modprobe.d (audit_ms=30000, exempt= with the uplink, the same reserve).
# Each is refused and alarmed (setting_refused), the recorded ones apply,
# and ledger_restored carries them. At "boot 3" the attacker loads the
# module by hand, exempting the uplink: the agent alarms the weakened
# settings and the unguarded device at its start, and raises no lease.
. "$(dirname "$0")/lib.sh"
ucap_test_init
require_module_kernel
mod_unload
NET=198.18.16
CONF=$(mktemp)
LEDGER=/var/tmp/ucap-ledger-$RUN_ID
# /run/modprobe.d: read by libkmod as /etc/modprobe.d is (read-only in the VM).
MODPROBE_D=/run/modprobe.d/ucap-test-$RUN_ID.conf
T_CLEANUP+=("rm -f '$CONF' '$LEDGER' '$MODPROBE_D'")
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
P=/sys/module/uploadcap/parameters
check "syslogd running" syslog_start
raw_bed "$NET"
params() { echo "$(cat $P/exempt) $(cat $P/audit_ms) $(cat $P/on_exhaust)"; }
settings() { "${U[@]}" ledger verify --json "$LEDGER" | jq -c .last.settings; }
RECORDED="{\"exempt\":[\"$DB\"],\"audit_ms\":50,\"on_exhaust\":\"down\",\"lease_step\":1048576,\"lock_modules\":false,\"reserve_bytes\":0,\"reserve_dst\":[]}"
AS_TEXT="exempt=$DB audit_ms=50 on_exhaust=down lease_step=1048576 lock_modules=no reserve_bytes=0 reserve_dst=-"

# --- boot 1: the operator's settings, recorded
printf 'ledger = %s\nmodule = %s\nexempt = %s\naudit_ms = 50\non_exhaust = down\nlease_step = 1MiB\n' \
	"$LEDGER" "$KMOD" "$DB" >"$CONF"
check_run "boot 1: load" 0 "^loaded uploadcap.ko: armed" "${U[@]}" load --config "$CONF" --cap 100MiB
check_eq "the module runs them" "$(params)" "$DB 50 down"
check_eq "the ledger records them" "$(settings)" "$RECORDED"
check "ledger_missing carries them" wait_event ledger_missing 1 3
check_run "all seven" 0 "event=ledger_missing .* $AS_TEXT" events ledger_missing
check "the reboot (module removed)" rmmod -f uploadcap

# --- boot 2: weaker ones from the configuration and modprobe.d
printf 'ledger = %s\nmodule = %s\nexempt = %s,%s\naudit_ms = 60000\non_exhaust = drop\nlease_step = 64MiB\nreserve_bytes = 1GiB\nreserve_dst = 0.0.0.0/0\n' \
	"$LEDGER" "$KMOD" "$DB" "$DA" >"$CONF"
mkdir -p /run/modprobe.d
check "options uploadcap audit_ms=30000 exempt=<both> reserve_bytes=1GiB reserve_dst=0.0.0.0/0 in modprobe.d" \
	bash -c "printf 'options uploadcap audit_ms=30000 exempt=%s,%s reserve_bytes=1073741824 reserve_dst=0.0.0.0/0\n' '$DB' '$DA' >'$MODPROBE_D'"
BOTH=$(printf '%s\n' "$DA" "$DB" | LC_ALL=C sort | paste -sd,)
check_run "boot 2: load refuses the weaker settings (exit 1)" 1 \
	"configuration exempt=$BOTH refused: weaker than the ledger recorded; $DB applies" \
	"${U[@]}" load --config "$CONF"
check "the module is loaded all the same" test -d "$SYSFS"
check_eq "with the recorded settings" "$(params)" "$DB 50 down"
check_eq "and no management reserve, as recorded, over the configuration's and modprobe.d's" \
	"$(mod_get reserve_bytes)/$(mod_get reserve_dst)" "0/"
check_eq "and the recorded step: lease - used" \
	$(($(mod_get lease_bytes) - $(mod_get used_bytes))) 1048576
check "setting_refused, ten times" wait_event setting_refused 10 3
for s in exempt audit_ms on_exhaust lease_step reserve_bytes reserve_dst; do
	check_run "refused from the configuration: $s" 0 \
		"event=setting_refused severity=alert setting=$s source=configuration " \
		events setting_refused
done
check_run "refused from modprobe.d: audit_ms" 0 \
	"setting=audit_ms source=modprobe.d requested=30000 applied=50 reason=\"weaker than the ledger recorded\"" \
	events setting_refused
check_run "refused from modprobe.d: exempt" 0 \
	"setting=exempt source=modprobe.d requested=$BOTH applied=$DB " events setting_refused
check_run "refused from modprobe.d: reserve_bytes" 0 \
	"setting=reserve_bytes source=modprobe.d requested=1073741824 applied=0 reason=\"weaker than the ledger recorded\"" \
	events setting_refused
check_run "refused from modprobe.d: reserve_dst" 0 \
	"setting=reserve_dst source=modprobe.d requested=0.0.0.0/0 applied=- " events setting_refused
check "ledger_restored" wait_event ledger_restored 1 3
check_run "carries the settings applied" 0 "event=ledger_restored .* $AS_TEXT used_bytes=" \
	events ledger_restored
check_eq "the ledger still records them" "$(settings)" "$RECORDED"
check_run "and verifies" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
u0=$(mod_get used_bytes)
raw 100 1000
check_ge "$DA, which the attacker exempted, is charged" $(($(mod_get used_bytes) - u0)) 100000
check "the reboot (module removed)" rmmod -f uploadcap
rm -f "$MODPROBE_D"

# --- boot 3: the module loaded by hand, the uplink exempt
check "insmod by hand: exempt=$DA audit_ms=60000, no ledger" \
	mod_load lease=1 cap_bytes=104857600 used_bytes="$u0" exempt="$DA" audit_ms=60000
lease0=$(mod_get lease_bytes)
agent_start "$NSA" --interval 0.2 --ledger "$LEDGER" --config "$CONF"
check "the agent alarms the weakened settings" wait_event settings_weakened 3 5
check_run "exempt, recorded against in force" 0 \
	"event=settings_weakened severity=alert setting=exempt recorded=$DB in_force=$DA .*action=\"the lease is not raised\"" \
	events settings_weakened
check_run "audit_ms" 0 "setting=audit_ms recorded=50 in_force=60000 " events settings_weakened
check_run "on_exhaust" 0 "setting=on_exhaust recorded=down in_force=drop " events settings_weakened
check "and $DA, unguarded, present at its start" wait_event device_unguarded 1 5
check_run "device_unguarded names it and why" 0 \
	"event=device_unguarded severity=alert device=$DA ifindex=[0-9]+ reason=\"exempt by name \\(exempt=\\)\"" \
	events device_unguarded
check "lease_held: the agent raises no lease" wait_event lease_held 1 5
check_run "and says why" 0 "reason=\"the module runs weaker boot settings than the ledger recorded\"" \
	events lease_held
check_eq "the lease stays where it was" "$(mod_get lease_bytes)" "$lease0"
agent_stop
check_eq "the ledger was not weakened" "$(settings)" "$RECORDED"
check_run "and verifies" 0 "intact" "${U[@]}" ledger verify "$LEDGER"
done_testing
