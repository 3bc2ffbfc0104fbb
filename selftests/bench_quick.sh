#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench's harness, in its quick mode (one round, one VM kernel): it
# runs to the end, every figure it promises is there, and the meters
# agreed exactly with the devices in every run. Not a timing test: the
# figures themselves are only checked for being there.
. "$(dirname "$0")/lib.sh"
ucap_test_init

OUT=$(mktemp)
LOG=$(mktemp)
T_CLEANUP+=("rm -f '$OUT' '$LOG'")
if "$TOP/scripts/bench/run.sh" --quick --out "$OUT" >"$LOG" 2>&1; then
	ok "scripts/bench/run.sh --quick"
else
	not_ok "scripts/bench/run.sh --quick (exit $?)"
	# What failed first (a CI log may keep only the top), then the tail.
	grep -E '^(net\.sh|agent\.sh|vmtest): |^bench: (no results|the meters|must|uploadcap)' "$LOG" |
		sed 's/^/# /'
	sed 's/^/# /' "$LOG" | tail -n 60
fi
has() { check_eq "$1" "$(jq -r "$2 | if . == null then \"missing\" else \"present\" end" "$OUT" 2>&1)" present; }
for sz in 64 1500; do
	has "BPF program cost, $sz bytes" ".bpf_prog_cost.bytes_$sz.ratio.median"
done
for t in udp64 tcp1 tcp4 sse ssecpu; do
	for c in tcempty bpf nft both; do
		has "host: $t, $c against no hook" ".host.throughput.$t.$c.ratio.median"
	done
done
has "host: the meter against an empty tc program" ".host.meter_over_empty_tc.median"
has "host: the meter against an empty program on the same attach" ".host.meter_over_empty_same_attach.median"
if have_tcx; then
	has "host: udp64, tcxempty against no hook" ".host.throughput.udp64.tcxempty.ratio.median"
fi
for t in udp64 tcp1 sse ssecpu; do
	for c in mod modbpf modrate nft; do
		has "VM: $t, $c against no hook" ".vm[0].throughput.$t.$c.ratio.median"
	done
done
has "VM: the rate ceiling above the load against the module alone" ".vm[0].ceiling_over_module.median"
has "VM: the exact path near the cap" ".vm[0].slow.modslow.ratio.median"
has "VM: two senders against one, module" ".vm[0].scaling.mod.ratio.median"
has "VM: two senders against one, no hook" ".vm[0].scaling.none.ratio.median"
for f in agent_tick_ms status_ms status_json_ms; do
	has "agent: $f" ".agent_host.figures.$f.median"
	has "agent in the VM: $f" ".vm[0].agent.figures.$f.median"
done
has "kernel, CPU model and date" '(.kernel and .cpu and .date) // null'
# One round: 24 checks here (bpf, nft, both; 3 tests), 23 in the VM.
check_gt "the meters were checked against the devices" \
	"$(jq '.host.checks + ([.vm[].checks] | add)' "$OUT")" 30
check_eq "and agreed every time" "$(jq '[.host.failed_checks[], .vm[].failed_checks[]] | length' "$OUT")" 0
# Eleven on the host (two of them against the 4096-interface run, which
# the quick mode skips: reported as not met), six for the one VM kernel.
check_eq "every target is reported" "$(jq '.targets | length' "$OUT")" 17
check_run "the table renders" 0 "^\| target \| value" "$TOP/scripts/bench/table.sh" "$OUT"
done_testing
