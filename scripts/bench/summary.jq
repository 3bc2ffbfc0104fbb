# SPDX-License-Identifier: GPL-2.0
# build/bench.json from the parts run.sh collected: every figure with its
# rounds, each ratio computed round by round against the baseline of the
# same round, and the targets (issues #5 and #19) with whether they were met.

def stats: sort as $s | {median: $s[(length / 2 | floor)], min: $s[0], max: $s[-1], rounds: .};
def ratio($a; $b): [range(0; [($a | length), ($b | length)] | min)] | map($a[.] / $b[.]) | stats;

# {TEST: {none: stats, CONFIG: {value: stats, ratio: stats vs none}}}
def throughput($f):
	[$f | to_entries[] | select(.key | test("^(udp64|tcp1|tcp4|sse|ssecpu)$")) | .key as $t | .value as $c |
	 {key: $t, value: ([$c | to_entries[] | .key as $k |
		{key: $k, value: (if $k == "none" then (.value | stats)
			else {value: (.value | stats), ratio: ratio(.value; $c.none)} end)}] | from_entries)}] |
	from_entries;

def agent($a): $a + {figures: ($a.figures | map_values(stats))};

# The meter against an empty program attached the same way: tcx where
# the host has it (tcxempty), else clsact (tcempty).
def net_part($n): {kernel: $n.kernel, seconds: $n.seconds, throughput: throughput($n.figures),
	meter_over_empty_tc: (if $n.figures.udp64.tcempty then
		ratio($n.figures.udp64.bpf; $n.figures.udp64.tcempty) else null end),
	meter_over_empty_same_attach: (if $n.figures.udp64.tcxempty then
		ratio($n.figures.udp64.bpf; $n.figures.udp64.tcxempty)
		elif $n.figures.udp64.tcempty then
		ratio($n.figures.udp64.bpf; $n.figures.udp64.tcempty) else null end),
	checks: ($n.checks | length), failed_checks: $n.failed_checks};

def target($figure; $value; $cmp; $limit):
	{figure: $figure, value: $value, target: "\($cmp) \($limit)",
	 met: (if $value == null then false elif $cmp == "<=" then $value <= $limit else $value >= $limit end)};

($host[0]) as $h |
{
	date: $date, kernel: $kernel, cpu: $cpu, rounds: $rounds, quick: $quick,
	vm_failed: $vm_failed,
	bpf_prog_cost: $prog[0],
	host: net_part($h),
	agent_host: agent($agent[0]),
	agent_host_4096: (if $agent4096[0] then agent($agent4096[0]) else null end),
	vm: [$vms[] | . as $v | net_part($v.net) + {
		ceiling_over_module: (if $v.net.figures.udp64.modrate then
			ratio($v.net.figures.udp64.modrate; $v.net.figures.udp64.mod) else null end),
		slow: {none: ($v.net.figures.slow.none | stats), modslow: {value: ($v.net.figures.slow.modslow | stats),
			ratio: ratio($v.net.figures.slow.modslow; $v.net.figures.slow.none)}},
		scaling: ([$v.net.figures.scale1 | keys[] | . as $c |
			{key: $c, value: {one: ($v.net.figures.scale1[$c] | stats), two: ($v.net.figures.scale2[$c] | stats),
				ratio: ratio($v.net.figures.scale2[$c]; $v.net.figures.scale1[$c])}}] | from_entries),
		agent: agent($v.agent)}]
} |
. + {targets: ([
	target("BPF program, 64 B: meter / empty"; .bpf_prog_cost.bytes_64.ratio.median; "<="; 1.25),
	target("BPF program, 1500 B: meter / empty"; .bpf_prog_cost.bytes_1500.ratio.median; "<="; 1.25),
	target("\(.host.kernel): UDP pps, meter / no hook"; .host.throughput.udp64.bpf.ratio.median; ">="; 0.94),
	target("\(.host.kernel): UDP pps, meter / an empty program on the same attach";
		.host.meter_over_empty_same_attach.median; ">="; 0.99),
	target("\(.host.kernel): TCP 1 stream, meter / no hook"; .host.throughput.tcp1.bpf.ratio.median; ">="; 0.98),
	target("\(.host.kernel): SSE events/s, meter / no hook"; .host.throughput.sse.bpf.ratio.median; ">="; 0.98),
	target("\(.host.kernel): UDP pps, meter / no hook, against nftables'"; .host.throughput.udp64.bpf.ratio.median;
		">="; .host.throughput.udp64.nft.ratio.median),
	target("\(.host.kernel): agent CPU per tick, 256 interfaces (ms)"; .agent_host.figures.agent_tick_ms.median; "<="; 2),
	target("\(.host.kernel): uploadctl status, 256 interfaces (ms)"; .agent_host.figures.status_ms.median; "<="; 20),
	target("\(.host.kernel): agent CPU per tick, 4096 / 256 interfaces (linear: 16)";
		(if .agent_host_4096 then .agent_host_4096.figures.agent_tick_ms.median /
			.agent_host.figures.agent_tick_ms.median else null end); "<="; 16),
	target("\(.host.kernel): uploadctl status, 4096 / 256 interfaces (linear: 16)";
		(if .agent_host_4096 then .agent_host_4096.figures.status_ms.median /
			.agent_host.figures.status_ms.median else null end); "<="; 16)
] + [.vm[] |
	target("\(.kernel) (QEMU): UDP pps, module + meter / no hook"; .throughput.udp64.modbpf.ratio.median; ">="; 0.95),
	target("\(.kernel) (QEMU): UDP pps, module alone / no hook"; .throughput.udp64.mod.ratio.median; ">="; 0.97),
	target("\(.kernel) (QEMU): SSE events/s, module + meter / no hook"; .throughput.sse.modbpf.ratio.median; ">="; 0.98),
	target("\(.kernel) (QEMU): UDP pps, module + meter / no hook, against nftables'";
		.throughput.udp64.modbpf.ratio.median; ">="; .throughput.udp64.nft.ratio.median),
	target("\(.kernel) (QEMU): UDP pps near the cap (exact path) / no hook"; .slow.modslow.ratio.median; ">="; 0.90),
	target("\(.kernel) (QEMU): UDP pps, module + rate ceiling above the load / module"; .ceiling_over_module.median; ">="; 0.97)
])}
