#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# agent.sh --rounds N --secs S --out FILE [--ndev N]
#
# The agent's cost with N interfaces (default 256): N dummy devices (or
# N/2 veth pairs where the kernel has no dummy driver), up, in a
# namespace of our own, the meter attached to every one up to its 1023
# slots (UCAP_MAX_SLOTS - 1: at 4096 devices the first 1023 are metered),
# and uploadcap.ko guarding them all where this kernel has it. Per round:
# the agent's CPU time per tick over S seconds at a 0.1 s interval, after
# a warm-up, and the latency of `uploadctl status` and `status --json`.
set -u
. "$(dirname "$0")/../../selftests/lib.sh"
. "$(dirname "$0")/lib.sh"

NDEV=256
INTERVAL=0.1
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--ndev) NDEV=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
bench_args "agent.sh --rounds N --secs S --out FILE [--ndev N]" "${args[@]}"
[ $((NDEV % 2)) = 0 ] && [ "$NDEV" -ge 2 ] || { echo "agent.sh: --ndev: an even number" >&2; exit 2; }
METERED=$((NDEV < 1023 ? NDEV : 1023))
die() { echo "agent.sh: $*" >&2; exit 1; }

ucap_test_init >/dev/null
RES=$(mktemp)
LEDGER=/var/tmp/ucap-bench-ledger-$RUN_ID
T_CLEANUP+=("rm -f '$RES' '$RES.json' '$LEDGER'")
module=false
if [ -e /proc/modules ] && [ -f "$KMOD" ]; then
	mod_unload
	T_CLEANUP+=("mod_unload")
	# shellcheck disable=SC2119 # no parameters: the module unarmed
	mod_load || die "insmod"
	module=true
fi

# Dummy devices where the kernel has them (not built into this machine's
# own kernel, which has no modules): else veth pairs, both ends here.
ns_new NS d || die "create a namespace"
kind=veth
ip -n "$NS" link add ucd0 type dummy 2>/dev/null && ip -n "$NS" link del ucd0 && kind=dummy
for i in $(seq 0 2 $((NDEV - 1))); do
	if [ $kind = dummy ]; then
		echo "link add ucd$i type dummy"
		echo "link add ucd$((i + 1)) type dummy"
	else
		echo "link add ucd$i type veth peer name ucd$((i + 1))"
	fi
done | ip -n "$NS" -batch - || die "create $NDEV devices"
for i in $(seq 0 $((NDEV - 1))); do echo "link set ucd$i up"; done | ip -n "$NS" -batch - ||
	die "set the devices up"
# shellcheck disable=SC2046 # one word per device
in_ns "$NS" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach $(printf 'ucd%d ' $(seq 0 $((METERED - 1)))) \
	>/dev/null || die "attach the meter"
n=$(in_ns "$NS" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
	jq '[.interfaces[] | select(.attached)] | length')
[ "$n" = "$METERED" ] || die "the meter is attached to $n devices, want $METERED"

# ms CMD...: wall time of CMD in ms.
ms() {
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null || return 1
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'
}

for r in $(seq "$ROUNDS"); do
	rm -f "$LEDGER"
	agent_start "$NS" --interval "$INTERVAL" --ledger "$LEDGER" --facility local7
	pid=$(pgrep -P "$AGENT" -x uploadctl || echo "$AGENT")
	sleep 1	# start-up: ledger, first readings, new_interface for each
	kill -0 "$pid" 2>/dev/null || die "the agent exited: $(cat "$AGENT_LOG")"
	c0=$(cpu_ns "$pid")
	t0=$(now_ns)
	sleep "$SECS"
	c1=$(cpu_ns "$pid")
	t1=$(now_ns)
	agent_stop
	# The timerfd ticks every INTERVAL, whatever a tick takes.
	{
		echo "agent_tick_ms $r $(awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" -v i="$INTERVAL" \
			'BEGIN { printf "%.4f\n", c / 1e6 / (t / (i * 1e9)) }')"
		echo "status_ms $r $(ms in_ns "$NS" "$UPLOADCTL" --pin-dir "$PIN_DIR" status)"
		echo "status_json_ms $r $(ms in_ns "$NS" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json)"
	} >>"$RES"
	tail -n3 "$RES" | sed 's/^/  /' >&2
done

jq -Rn --arg kernel "$(uname -r)" --argjson ndev "$NDEV" --argjson mod "$module" --arg kind "$kind" \
	--argjson interval "$INTERVAL" --argjson metered "$METERED" --arg attach "$(default_attach)" '
	[inputs | split(" ") | {k: .[0], r: (.[1] | tonumber), v: (.[2] | tonumber)}] |
	{kernel: $kernel, interfaces: $ndev, metered: $metered, attach: $attach, kind: $kind,
	 module: $mod, interval_s: $interval,
	 figures: (group_by(.k) | map({key: .[0].k, value: (sort_by(.r) | map(.v))}) | from_entries)}' \
	<"$RES" >"$RES.json" || die "summarise the rounds"
bench_output "$RES.json" "$OUT"
