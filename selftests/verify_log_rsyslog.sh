#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl verify-log on what a real collector received: Debian's
# rsyslog in a "collector" namespace of the test's own, receiving TCP
# syslog (imtcp) on 198.18.19.2, and on the host side rsyslog forwarding
# the agent's lines to it with omfwd, as the README tells operators to.
# Three real boots of the newest VM kernel (it tests uploadctl and
# rsyslog, not the kernel) sharing a folder as their disk, where the
# collector's file lives. In each boot five hosts take their turn, each
# with its own ledger and hostname (rsyslog's localHostname), each
# loading the module, sending, and running the agent:
#   clean       nothing done to it: clean;
#   frozen      boot 2: the agent frozen, the host "crashed" (the agent
#               killed, the module removed): unclean_end;
#   cut         boot 2: this boot's records cut off the ledger: rollback;
#   rolledback  boot 2: the ledger rolled back to its copy of boot 1:
#               ledger_rewritten;
#   deleted     boot 2: the ledger deleted: ledger_rewritten.
# Run on the host (it starts the VMs); inside, --boot N runs one boot.
. "$(dirname "$0")/lib.sh"

HOSTS="clean frozen cut rolledback deleted"

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
	mkdir -p "$W/coll" "$W/fwd"
	T_CLEANUP+=("rm -rf '$W'")

	# The collector: what it receives from the network, as Debian stores it.
	cat >"$W/coll.conf" <<EOF
global(workDirectory="$W/coll")
module(load="imtcp")
input(type="imtcp" address="198.18.19.2" port="10514")
if \$fromhost-ip != '127.0.0.1' then action(type="omfile" file="$COLLECTED" template="RSYSLOG_TraditionalFileFormat")
EOF
	spawn_bg ip netns exec "$CN" rsyslogd -n -f "$W/coll.conf" -i "$W/coll.pid"
	COLL=$SPAWNED
	wait_listen_coll() { ip netns exec "$CN" ss -Hltn 'sport = :10514' | grep -c LISTEN; }
	check "the collector listens" wait_count 1 10 wait_listen_coll

	# forwarder NAME: the host side, as the README's one line, named NAME.
	forwarder() {
		rm -f /dev/log
		cat >"$W/fwd.conf" <<EOF
global(workDirectory="$W/fwd" localHostname="$1")
module(load="imuxsock")
if \$programname == 'uploadcap' then @@198.18.19.2:10514
*.* action(type="omfile" file="$W/local.log")
EOF
		spawn_bg ip netns exec "$HN" rsyslogd -n -f "$W/fwd.conf" -i "$W/fwd.pid"
		FWD=$SPAWNED
		wait_count 1 10 bash -c "[ -S /dev/log ] && echo 1 || echo 0"
	}
	forwarder_stop() {
		kill -TERM "$FWD" 2>/dev/null
		wait "$FWD" 2>/dev/null
	}
	# received NAME HASH: the collector holds NAME's record with HASH.
	collected() { cat "$COLLECTED" 2>/dev/null; }
	received() { collected | grep -c " $1 uploadcap\[[0-9]*\]: .* hash=$2\$"; }
	stopped() { collected | grep -c " $1 uploadcap\[[0-9]*\]: event=agent_stopped "; }

	raw_bed 198.18.20
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	for name in $HOSTS; do
		L=$S/$name.ledger
		forwarder "$name"
		"$UPLOADCTL" load --ledger "$L" --module "$KMOD" --cap 50MiB >/dev/null 2>&1
		check_eq "$name: loaded" "$(mod_get state)" armed
		agent_start "$NSA" --interval 0.2 --checkpoint-bytes 1 --ledger "$L"
		raw 150 1000
		sleep 0.6
		stops=$(stopped "$name")
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
			esac
		fi
		forwarder_stop
		mod_unload
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
