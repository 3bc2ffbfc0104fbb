#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: measure, print a table, write build/bench.json.
#   scripts/bench/run.sh [--quick] [--out FILE]
# Every figure is a ratio against a baseline measured in the same run,
# alternating configurations within each round; medians with min..max.
#   1. BPF_PROG_TEST_RUN: the meter against an empty tc program
#   2. this machine's kernel: veth throughput, no hook / meter / nftables
#      quota / both (net.sh --where host)
#   3. each Debian kernel uploadcap.ko is built for, under QEMU: no hook /
#      module / module + meter / nftables quota, the exact slow path near
#      the cap, two senders against one (net.sh --where vm)
#   4. the agent with 256 interfaces, and `uploadctl status` (agent.sh),
#      on this machine also with 4096 (the meter on 1023 of them),
#      here and in the VM
# Every throughput run also checks that the meters agree exactly with the
# devices' counters; a disagreement fails the run (exit 1). Targets missed
# are shown in the table, not turned into a failure.
# --quick only checks that the harness works: one round of 1 s runs, one
# VM kernel, written to build/bench-quick.json (make check runs it).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$TOP/build
OUT=$BUILD/bench.json
ROUNDS=9
REPEAT=1000000
SECS=1
VM_SECS=1
AGENT_SECS=2
quick=false
while [ $# -gt 0 ]; do
	case $1 in
	--quick)
		quick=true
		ROUNDS=1
		REPEAT=100000
		SECS=1
		VM_SECS=1
		AGENT_SECS=1
		OUT=$BUILD/bench-quick.json
		shift ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "usage: scripts/bench/run.sh [--quick] [--out FILE]" >&2; exit 2 ;;
	esac
done

[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root (BPF, namespaces)" >&2; exit 1; }
grep -qs ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpf /sys/fs/bpf
WORK=$(mktemp -d /tmp/ucap-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failed=0
vm_failed=()

kernels=()
for k in "$BUILD"/kmod/*/uploadcap.ko; do
	[ -f "$k" ] && kernels+=("$(basename "$(dirname "$k")")")
done
[ ${#kernels[@]} -gt 0 ] || { echo "bench: uploadcap.ko is not built for any kernel (make modules)" >&2; exit 1; }
$quick && kernels=("${kernels[-1]}")

echo "bench: BPF program cost" >&2
"$BUILD/bench/progcost" "$BUILD/selftests/tc_verdicts.bpf.o" "$ROUNDS" "$REPEAT" >"$WORK/prog.json"
echo "bench: throughput on $(uname -r)" >&2
"$TOP/scripts/bench/net.sh" --where host --rounds "$ROUNDS" --secs "$SECS" --out "$WORK/net-host.json" ||
	failed=1
echo "bench: agent on $(uname -r)" >&2
"$TOP/scripts/bench/agent.sh" --rounds "$ROUNDS" --secs "$AGENT_SECS" --out "$WORK/agent-host.json" ||
	failed=1
# How the cost grows: 16 times the devices (not in quick mode).
if $quick; then
	echo null >"$WORK/agent-host-4096.json"
else
	echo "bench: agent on $(uname -r), 4096 interfaces" >&2
	"$TOP/scripts/bench/agent.sh" --rounds "$ROUNDS" --secs "$AGENT_SECS" --ndev 4096 \
		--out "$WORK/agent-host-4096.json" || failed=1
fi

# In the VM: the two scripts, their JSON picked out of the guest's output.
for k in "${kernels[@]}"; do
	echo "bench: throughput and agent on $k (QEMU)" >&2
	"$TOP/scripts/vmtest.sh" -k "$k" -t 3000 -- bash -c '
		scripts/bench/net.sh --where vm --rounds "$1" --secs "$2" --out - || exit 1
		scripts/bench/agent.sh --rounds "$1" --secs "$2" --out -' \
		bench "$ROUNDS" "$VM_SECS" >"$WORK/vm-$k.log" 2>&1 || failed=1
	# A guest that failed early printed no JSON: grep finds nothing, and
	# that must reach the check below (with its log), not end the run.
	{ grep '^UCAP-BENCH-JSON ' "$WORK/vm-$k.log" || true; } | sed 's/^UCAP-BENCH-JSON //' |
		jq -s --arg k "$k" '{kernel: $k, net: .[0], agent: .[1]}' >"$WORK/vm-$k.json"
	[ "$(jq '.net != null and .agent != null' "$WORK/vm-$k.json")" = true ] || {
		echo "bench: no results from the VM ($k):" >&2
		tail -n 40 "$WORK/vm-$k.log" >&2
		# Left out of the figures, named in vm_failed; the rest stands.
		rm -f "$WORK/vm-$k.json"
		vm_failed+=("$k")
		failed=1
	}
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
jq -n --slurpfile prog "$WORK/prog.json" --slurpfile host "$WORK/net-host.json" \
	--slurpfile agent "$WORK/agent-host.json" --slurpfile agent4096 "$WORK/agent-host-4096.json" \
	--slurpfile vms <(for f in "$WORK"/vm-*.json; do [ ! -f "$f" ] || cat "$f"; done) \
	--argjson vm_failed "$(jq -n '$ARGS.positional' --args "${vm_failed[@]}")" \
	--arg kernel "$(uname -r)" --arg cpu "$cpu" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--argjson rounds "$ROUNDS" --argjson quick "$quick" -f "$TOP/scripts/bench/summary.jq" >"$OUT"

"$TOP/scripts/bench/table.sh" "$OUT"
if [ "$(jq '[.. | objects | .failed_checks? // empty | .[]] | length' "$OUT")" != 0 ]; then
	echo "bench: the meters disagreed:" >&2
	jq -r '.. | objects | .failed_checks? // empty | .[]' "$OUT" >&2
	failed=1
fi
exit $failed
