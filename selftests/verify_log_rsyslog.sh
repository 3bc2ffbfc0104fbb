#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl verify-log on what a real collector received: Debian's
# rsyslog in a "collector" namespace of the test's own, receiving TCP
# syslog (imtcp) on 198.18.19.2, and on the host side rsyslog forwarding
# the agent's lines to it with omfwd, as docs/operations.md tells operators to.
# Three real boots of the newest VM kernel (it tests uploadctl and
# rsyslog, not the kernel) sharing a folder as their disk, where the
# collector's file lives. In each boot eight hosts take their turn, each
# with its own ledger and hostname (rsyslog's localHostname), each
# loading the module, sending, and running the agent; the forwarder also
# reads the kernel's lines (imklog) and forwards the module's:
#   clean       nothing done to it: clean;
#   frozen      boot 2: the agent frozen, the host "crashed" (the agent
#               killed, the module removed): unclean_end;
#   cut         boot 2: this boot's records cut off the ledger: rollback;
#   rolledback  boot 2: the ledger rolled back to its copy of boot 1:
#               ledger_rewritten;
#   deleted     boot 2: the ledger deleted: ledger_rewritten;
#   fresh       boot 2: a fresh chain written, with valid hashes and a
#               lower count: chain_broken, and rollback (the module's
#               own load line below the lease it had raised to);
#   silent      boot 2: the agent stopped for longer than --max-silence
#               (8 s here), then started again: silence;
#   exempt      boot 2: the ledger rewritten, valid, with an exempt
#               device, and boot 3 loaded with it: setting_weakened.
# Run on the host (it starts the VMs); inside, --boot N runs one boot.
. "$(dirname "$0")/lib.sh"

HOSTS="clean frozen cut rolledback deleted fresh silent exempt"
# The kernel lines a host's forwarder gets are the module's of its turn.

if [ "${1:-}" = "--boot" ]; then
	BOOT=$2
	S=/run/vmstate
	COLLECTED=$S/collector.log
	ucap_test_init
	require_module_kernel
	mod_unload
	command -v rsyslogd >/dev/null || bail "rsyslogd not found (scripts/install-deps.sh)"
	ns_new HN fwd && ns_new CN coll || bail "create network namespaces"
	veth_pair "$HN" "uf$RUN_ID" 198.18.19.1 "$CN" "uc$RUN_ID" 198.18.19.2 || bail "veth pair"
	veth_up "$HN" "uf$RUN_ID" "$CN" "uc$RUN_ID"
	W=/run/ucap-rsyslog-$RUN_ID
	mkdir -p "$W"
	T_CLEANUP+=("rm -rf '$W'")

	# The collector: what it receives from the network, as Debian stores it.
	check "the collector listens" rsyslog_collector "$CN" 198.18.19.2 "$COLLECTED" "$W"
	COLL=$SPAWNED

	# forwarder NAME: the host side, as docs/operations.md's lines, named NAME.
	forwarder() {
		rsyslog_forwarder "$HN" "$1" 198.18.19.2 "$W/local.log" "$W"
		FWD=$SPAWNED
	}
	forwarder_stop() {
		kill -TERM "$FWD" 2>/dev/null
		wait "$FWD" 2>/dev/null
	}
	# received NAME HASH: the collector holds NAME's record with HASH.
	collected() { cat "$COLLECTED" 2>/dev/null; }
	received() { collected | grep -c " $1 uploadcap\[[0-9]*\]: .* hash=$2\$"; }
	stopped() { collected | grep -c " $1 uploadcap\[[0-9]*\]: event=agent_stopped "; }
	unloaded() { collected | grep -c " $1 kernel: .*uploadcap: unloaded"; }
	# rechain LEDGER SED: every record edited by SED and the chain made
	# anew with valid hashes, as an attacker who has the code would.
	rechain() {
		local prev body h line
		prev=$(printf '0%.0s' $(seq 64))
		sed -E "$2" "$1" | while read -r line; do
			body="${line%% prev=*} prev=$prev"
			h=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
			printf '%s hash=%s\n' "$body" "$h"
			prev=$h
		done >"$1.new" && cat "$1.new" >"$1" && rm "$1.new" &&
			"$UPLOADCTL" ledger verify "$1" >/dev/null
	}

	raw_bed 198.18.20
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	for name in $HOSTS; do
		L=$S/$name.ledger
		forwarder "$name"
		extra=()
		[ "$name" = exempt ] && [ "$BOOT" = 3 ] && extra=(--exempt ucapx0)
		"$UPLOADCTL" load --ledger "$L" --module "$KMOD" --cap 50MiB "${extra[@]}" >/dev/null 2>&1
		check_eq "$name: loaded" "$(mod_get state)" armed
		agent_start "$NSA" --interval 0.2 --checkpoint-bytes 1 --checkpoint-seconds 0 --ledger "$L"
		raw 150 1000
		sleep 0.6
		stops=$(stopped "$name")
		if [ "$name" = silent ] && [ "$BOOT" = 2 ]; then
			agent_stop
			sleep 12
			agent_start "$NSA" --interval 0.2 --checkpoint-bytes 1 --checkpoint-seconds 0 \
				--ledger "$L"
			raw 50 1000
			sleep 0.6
		fi
		if [ "$name" = frozen ] && [ "$BOOT" = 2 ]; then
			kill -STOP "$AGENT"
			raw 100 1000
			kill -KILL "$AGENT"
			wait "$AGENT" 2>/dev/null
		else
			agent_stop
			check "$name: its clean stop reached the collector" \
				wait_count $((stops + 1)) 15 stopped "$name"
		fi
		last=$(tail -n 1 "$L" | sed 's/.* hash=//')
		check "$name: its last record reached the collector" wait_count 1 15 received "$name" "$last"
		[ "$BOOT" = 1 ] && cp "$L" "$L.boot1"
		if [ "$BOOT" = 2 ]; then
			case $name in
			cut) check "cut: this boot's records cut off" sed -i "/ boot=$boot_id /d" "$L" ;;
			rolledback) check "rolledback: the ledger rolled back" cp "$L.boot1" "$L" ;;
			deleted) check "deleted: the ledger deleted" rm "$L" ;;
			fresh) check "fresh: a fresh chain, valid, lower" rechain "$L" \
				's/ used=[0-9]+ / used=1000 /; s/ reserved=[0-9]+ / reserved=1000 /' ;;
			exempt) check "exempt: the ledger rewritten with an exempt device, valid" \
				rechain "$L" 's/ exempt=- / exempt=ucapx0 /' ;;
			esac
		fi
		# The module's last line reaches the collector as this host's.
		gone=$(unloaded "$name")
		mod_unload
		check "$name: the module's lines reached the collector" \
			wait_count $((gone + 1)) 15 unloaded "$name"
		forwarder_stop
	done
	kill -TERM "$COLL" 2>/dev/null
	wait "$COLL" 2>/dev/null

	if [ "$BOOT" = 3 ]; then
		R=$("$UPLOADCTL" verify-log --json "$COLLECTED")
		verdict() { jq -r --arg h "$1" '.hosts[] | select(.host == $h) | "\(.verdict) \(.boots) \([.findings[].kind] | unique | join(","))"' <<<"$R"; }
		check_eq "clean: clean over three boots" "$(verdict clean)" "clean 3 "
		check_eq "frozen: unclean_end" "$(verdict frozen | cut -d' ' -f1,2)" "findings 3"
		check "frozen: found as unclean_end" grep -q unclean_end <<<"$(verdict frozen)"
		check "cut: found as rollback" grep -q rollback <<<"$(verdict cut)"
		check "rolledback: found as ledger_rewritten" grep -q ledger_rewritten <<<"$(verdict rolledback)"
		check "deleted: found as ledger_rewritten" grep -q ledger_rewritten <<<"$(verdict deleted)"
		check "fresh: found as chain_broken" grep -q chain_broken <<<"$(verdict fresh)"
		check "fresh: and as rollback" grep -q rollback <<<"$(verdict fresh)"
		check_eq "fresh: the module's own line found it too" \
			"$(jq -r '.hosts[] | select(.host == "fresh") | .findings[] | select(.kind == "rollback") | .what' <<<"$R" |
				grep -c 'the module loaded at used')" 1
		check_eq "silent: clean at the default --max-silence" "$(verdict silent)" "clean 3 "
		check "exempt: found as setting_weakened" grep -q setting_weakened <<<"$(verdict exempt)"
		for name in $HOSTS; do
			check_eq "$name: the module's load line of each boot reached it" \
				"$(collected | grep -c " $name kernel: .*uploadcap: loaded: ")" 3
		done
		S8=$("$UPLOADCTL" verify-log --json --max-silence 8s "$COLLECTED")
		check_eq "silent, --max-silence 8s: found as silence" \
			"$(jq -r '.hosts[] | select(.host == "silent") | [.findings[].kind] | unique | join(",")' <<<"$S8")" silence
		check_eq "clean, --max-silence 8s: still clean" \
			"$(jq -r '.hosts[] | select(.host == "clean") | .verdict' <<<"$S8")" clean
		check_eq "no unreadable line in what rsyslog stored" "$(jq '.errors | length' <<<"$R")" 0
		check_run "exit 1: findings" 1 "^clean: clean" "$UPLOADCTL" verify-log "$COLLECTED"
		"$UPLOADCTL" verify-log "$COLLECTED" | grep -v ' alarm ' |
			while read -r l; do diag "$l"; done
	fi
	done_testing
	exit
fi

vm_boots "$TOP/selftests/verify_log_rsyslog.sh" 3 "" newest
done_testing
