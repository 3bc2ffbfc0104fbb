#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attack: stop the agent, edit, cut or delete the ledger, reboot. Real
# reboots: three boots of each VM kernel sharing one folder as their disk
# ($S/syslog keeps each boot's log: what a SIEM would have received).
#   boot 1: `uploadctl load` finds no ledger (ledger_missing) and arms from
#           the configured cap; traffic; two checkpoints.
#   boot 2: load restores the cap of the last record and, as used, its
#           reservation: boot 1's first step of the write-ahead lease
#           (ledger_restored); then an attacker cuts the last record off
#           (boot 2's own reservation): the chain still verifies.
#   boot 3: load restores the older record, and its ledger_restored shows
#           the reservation going back against boot 2's lease (what
#           issue 16's TPM anchor and issue 17's checker are for); the
#           attacker removes
#           the module (modules unlocked) and edits the ledger: load
#           fails closed, the lease held (ledger_tampered, restore_held);
#           deletes it: load starts from zero, but not silently
#           (ledger_missing).
# Run on the host (it starts the VMs); inside, --boot N runs one boot.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--boot" ]; then
	BOOT=$2
	S=/run/vmstate
	L=$S/ledger
	ucap_test_init
	require_module_kernel
	mod_unload
	check "syslogd running" syslog_start
	load() { "$UPLOADCTL" load --ledger "$L" --module "$KMOD" "$@"; }
	# The used_bytes of ledger_restored, once its whole line is in the log.
	restored() {
		events ledger_restored | sed -n 's/.* used_bytes=\([0-9]*\) cap_bytes=[0-9][0-9]*$/\1/p'
	}
	restored_count() { restored | grep -c .; }
	case $BOOT in
	1)
		check_run "load with no ledger: arms from --cap" 0 "no ledger yet" load --cap 50MiB
		check "ledger_missing raised" wait_event ledger_missing 1 3
		check_eq "armed at 50 MiB" "$(mod_get state) $(mod_get cap_bytes)" "armed 52428800"
		raw_bed 198.18.11
		raw 300 1000
		settle "$NSA" "$DA"
		check_run "the agent checkpoints" 0 "" "$UPLOADCTL" agent --once --ledger "$L"
		raw 200 1000
		settle "$NSA" "$DA"
		check_run "and again after more traffic" 0 "" "$UPLOADCTL" agent --once --ledger "$L"
		check_ge "traffic counted" "$(mod_get used_bytes)" 500000
		mod_get used_bytes >"$S/used1"
		"$UPLOADCTL" ledger verify --json "$L" | jq .last.reserved_bytes >"$S/reserved1"
		check_run "the ledger verifies, two records or more" 0 "intact, ([2-9]|[1-9][0-9]+) records" \
			"$UPLOADCTL" ledger verify "$L"
		;;
	2)
		check_run "load after the reboot" 0 "ledger record" load
		check_eq "used restored from boot 1's reservation" "$(mod_get used_bytes)" "$(cat "$S/reserved1")"
		check_ge "at or above what boot 1 charged" "$(mod_get used_bytes)" "$(cat "$S/used1")"
		check_ge "by at most a step (1 MiB)" $(($(cat "$S/used1") + 1048576)) "$(mod_get used_bytes)"
		mod_get lease_bytes >"$S/lease2"
		check_eq "the cap too, armed" "$(mod_get state) $(mod_get cap_bytes)" "armed 52428800"
		check "ledger_restored logged" wait_count 1 3 restored_count
		check_eq "with the figure restored" "$(restored)" "$(mod_get used_bytes)"
		check_eq "no alert" "$(grep -c 'severity=alert' "$SYSLOG")" 0
		# The attacker, root, the agent stopped: the last record cut off.
		check "cut the ledger's last record" sed -i '$ d' "$L"
		check_run "the rest still verifies" 0 "intact" "$UPLOADCTL" ledger verify "$L"
		;;
	3)
		check_run "load after the reboot: an older record" 0 "ledger record" load
		check "ledger_restored logged" wait_count 1 3 restored_count
		check_gt "what the SIEM got: the reservation went back against the last boot's lease" \
			"$(cat "$S/lease2")" \
			"$(events ledger_restored | sed -n 's/.* reserved_bytes=\([0-9]*\) .*/\1/p')"
		diag "$(events ledger_restored)"
		check "the attacker removes the module" rmmod -f uploadcap
		check "and edits the ledger's last record" sed -i '$ s/ used=[0-9]*/ used=0/' "$L"
		check_run "load fails closed on the edited ledger" 1 "fails verification.*with the lease held" load
		check "ledger_tampered raised" wait_event ledger_tampered 1 3
		check "restore_held raised" wait_event restore_held 1 3
		check_eq "loaded, armed, the lease held at used: nothing leaves" \
			"$(mod_get state) $(mod_get lease_bytes)" "armed $(mod_get used_bytes)"
		check "the attacker removes the module again" rmmod -f uploadcap
		check "and deletes the ledger" rm "$L"
		check_run "load without a ledger" 0 "no ledger yet" load --cap 50MiB
		check "ledger_missing raised: the reset is not silent" wait_event ledger_missing 1 3
		check_run "it says what happened" 0 \
			"event=ledger_missing severity=alert ledger=$L action=\"module loaded with used_bytes=0\"" \
			events ledger_missing
		check_eq "the count starts from zero" "$(mod_get used_bytes)" 0
		;;
	esac
	cat "$SYSLOG" >>"$S/syslog"
	done_testing
	exit
fi

vm_boots "$TOP/selftests/reboot_ledger.sh" 3
done_testing
