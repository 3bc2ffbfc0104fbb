#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl check, as a monitoring system runs it (host: no module here):
# the plugin line and exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN,
# each finding; --json; the ledger's age; a user without access; usage
# errors as UNKNOWN. The armed, healthy host (OK, and the thresholds) is
# checked in the VM (agent_ledger.sh).
. "$(dirname "$0")/lib.sh"
ucap_test_init

two_hosts 198.18.0.21 198.18.0.22
U=("$UPLOADCTL" --pin-dir "$PIN_DIR")
ua() { in_ns "$NSA" "${U[@]}" "$@"; }
D=$(mktemp -d)
T_CLEANUP+=("rm -rf '$D'")

check_run "no module: CRITICAL, exit 2, the plugin line" 2 \
	"^UPLOADCAP CRITICAL - uploadcap.ko not loaded: no cap is enforced; " ua check --ledger "$D/none"
check_run "a device without the meter: named" 2 "$DA has no meter attached" ua check --ledger "$D/none"
check_run "no ledger: named" 2 "no ledger at $D/none: the agent has not run" ua check --ledger "$D/none"
check_run "the meter attached" 0 "" ua attach "$DA"
check_run "then not named" 0 "" bash -c "! nsenter --net=/run/netns/$NSA ${U[*]} check --ledger $D/none | grep -q 'has no meter'"
check_run "the agent writes a ledger" 0 "" ua agent --once --ledger "$D/ledger"
check_run "a fresh ledger: its age in the perfdata, no finding about it" 2 "\| ledger_age=[0-9]+s;;900$" \
	ua check --ledger "$D/ledger"
check_run "older than --max-age: CRITICAL, the agent named" 2 \
	"the ledger's last record is [0-9]+ s old: is the agent running\?" \
	bash -c "sleep 2; nsenter --net=/run/netns/$NSA ${U[*]} check --max-age 1 --ledger $D/ledger"
check_eq "--json: state, exit, each finding" \
	"$(ua check --json --ledger "$D/ledger" | jq -c '[.state, .exit, (.findings | map(.state)), (.ledger_age_seconds >= 0)]')" \
	'["CRITICAL",2,["CRITICAL"],true]'
chmod 600 "$D/ledger"
check_run "not root: the ledger not readable is named (UNKNOWN under the CRITICAL)" 2 \
	"the ledger $D/ledger is not readable by this user" \
	in_ns "$NSA" setpriv --reuid=65534 --regid=65534 --clear-groups "${U[@]}" check --ledger "$D/ledger"
check_run "not root: the meter not readable" 2 "the meter is not readable without CAP_BPF" \
	in_ns "$NSA" setpriv --reuid=65534 --regid=65534 --clear-groups "${U[@]}" check --ledger "$D/ledger"
check_run "usage: UNKNOWN (3), not 2" 3 "check: 120: --warning is not a percentage" ua check --warning 120
check_run "usage: --warning above --critical" 3 "--warning is above --critical" \
	ua check --warning 90 --critical 80
check_run "usage: a bad --max-age" 3 "not a duration" ua check --max-age 5x
check_run "usage: an unknown option" 3 "unknown option" ua check --frob
check_run "--help: 0" 0 "^Usage: uploadctl check" ua check --help
check_run "the meter detached" 0 "" ua detach "$DA"
done_testing
