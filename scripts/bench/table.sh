#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# table.sh [BENCH_JSON]: the benchmark's figures as Markdown tables (what
# docs/performance.md shows). Default build/bench.json.
set -euo pipefail
IN=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/bench.json}

jq -r '
def r: if . == null then "-" else (. * 1000 | round / 1000 | tostring) end;
def n: if . == null then "-" elif . >= 1e9 then "\(. / 1e7 | round / 100) G"
	elif . >= 1e6 then "\(. / 1e4 | round / 100) M" elif . >= 1e3 then "\(. / 10 | round / 100) k"
	else (. * 100 | round / 100 | tostring) end;
def rng: "\(.median | r) (\(.min | r)..\(.max | r))";
def unit($t): if $t == "udp64" then "pps" elif $t == "sse" then "events/s" elif $t == "ssecpu" then "ns/event" else "bit/s" end;
def tput($k; $tp; $cfgs):
	($cfgs[] as $c | $tp | to_entries[] | .key as $t | .value[$c] // empty |
	 "| \($k) | \($t) | \($c) | \(.value.median | n) \(unit($t)) | \(.ratio | rng) |");

"uploadcap benchmarks, \(.date): \(.cpu), \(.rounds) round(s)\(if .quick then " (quick mode: checks the harness only)" else "" end)",
"",
"| BPF_PROG_TEST_RUN | meter | empty program | ratio (min..max) |",
"|---|---|---|---|",
(.bpf_prog_cost | to_entries[] | select(.key | startswith("bytes_")) |
	"| \(.key | ltrimstr("bytes_"))-byte packet | \(.value.meter_ns.median | r) ns | \(.value.empty_ns.median | r) ns | \(.value.ratio | rng) |"),
"",
"| kernel | test | configuration | median | ratio to no hook (min..max) |",
"|---|---|---|---|---|",
tput(.host.kernel; .host.throughput; ["tcempty", "tcxempty", "bpf", "nft", "both"]),
"| \(.host.kernel) | udp64 | meter / empty tc program (clsact) | | \(.host.meter_over_empty_tc | rng) |",
"| \(.host.kernel) | udp64 | meter / empty program on the same attach | | \(.host.meter_over_empty_same_attach | rng) |",
(.vm[] | tput("\(.kernel) (QEMU)"; .throughput; ["mod", "modbpf", "modrate", "nft"]),
	"| \(.kernel) (QEMU) | udp64 | modrate / mod (ceiling above the load) | | \(.ceiling_over_module | rng) |",
	"| \(.kernel) (QEMU) | udp64, fixed count | modslow (exact, near the cap) | \(.slow.modslow.value.median | n) pps | \(.slow.modslow.ratio | rng) |"),
"",
"| kernel | two senders / one sender, UDP pps | ratio (min..max) |",
"|---|---|---|",
(.vm[] | .kernel as $k | .scaling | to_entries[] |
	"| \($k) (QEMU) | \(if .key == "none" then "no hook" else "uploadcap.ko" end) | \(.value.ratio | rng) |"),
"",
"| kernel | interfaces (metered) | figure | median (min..max) |",
"|---|---|---|---|",
(([.agent_host, .agent_host_4096] + [.vm[] | .agent]) | .[] | select(. != null) |
	.kernel as $k | .module as $m | "\(.interfaces) (\(.metered // .interfaces), \(.attach // "-"))" as $n |
	.figures | to_entries[] |
	"| \($k)\(if $m then " (QEMU, module)" else "" end) | \($n) | \(.key | sub("_ms$"; "") | gsub("_"; " ")) | \(.value | rng) ms |"),
"",
"| target | value | wanted | met |",
"|---|---|---|---|",
(.targets[] | "| \(.figure) | \(.value | r) | \(.target | sub("(?<n>[0-9.]+)$"; "\(.n | tonumber | r)")) | \(if .met then "yes" else "**no**" end) |"),
"",
"Meters checked against the devices: \([.host.checks] + [.vm[].checks] | add) checks, \([.host.failed_checks[]?] + [.vm[].failed_checks[]?] | length) failed.",
(.vm_failed // [] | select(length > 0) | "No results from the VM on \(join(", ")): see the benchmark'"'"'s log.")
' "$IN"
