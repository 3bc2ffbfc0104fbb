#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# net.sh --where host|vm --rounds N --secs S --out FILE
#
# Throughput over a veth pair between two namespaces of our own
# (198.18.8.0/30), sender pinned to CPU 0, receiver to CPU 1:
#   udp64  UDP datagrams of 64 bytes from one thread at full rate (pps)
#   tcp1   one TCP stream, tcp4 four (bits/s, as received; tcp4 not in
#          the VM)
#   sse    what an inference host sends: SSE_CONNS TCP connections, each
#          streaming events of 100-300 bytes, one segment each (sse.c):
#          events per second, and (ssecpu) the sending CPU's busy time
#          per event, in ns
# under each configuration, alternating within every round (the order
# rotates from round to round):
#   host: none, tcempty (an empty tc program, return TC_ACT_OK, on clsact:
#         the floor of any classic tc program), tcxempty (the same program
#         first in the tcx chain, where the kernel has tcx: the floor of
#         the meter's own attachment there), bpf (our meter, attached as
#         uploadctl chooses: tcx where the kernel has it), nft (netdev
#         egress quota + counter), both (meter and nft)
#   vm:   none, mod (uploadcap.ko armed far from its cap), modbpf (and the
#         meter), modrate (mod with a rate ceiling far above the offered
#         load: the ceiling's per-CPU credit path), nft; then "slow": the
#         same count of datagrams with no hook and with the module
#         armed so close to its cap that every packet is charged exactly
#         under its lock; then "scaling": one
#         and two senders (CPU 0, CPUs 0+1), with and without the module.
# Every run also checks that the meters agree exactly with the device's
# own counters for the traffic sent; a disagreement fails the benchmark.
# Writes every round's figure and the checks to FILE (JSON); with FILE
# "-", prints it on one stdout line after "UCAP-BENCH-JSON " (from a VM).
set -u
. "$(dirname "$0")/../../selftests/lib.sh"
. "$(dirname "$0")/lib.sh"

WHERE=host
bench_args "net.sh --where host|vm --rounds N --secs S --out FILE" "$@"

ucap_test_init >/dev/null
FLOOD=$BUILD/bench/udpflood
SSE=$BUILD/bench/sse
UDP_LEN=64
WIRE_UDP=$((UDP_LEN + 8 + 20 + 14))	# payload, UDP, IPv4, Ethernet
RES=$(mktemp)
CHK=$(mktemp)
T_CLEANUP+=("rm -f '$RES' '$RES.json' '$CHK'")
NFT_TABLE=ucapbench$RUN_ID

die() { echo "net.sh: $*" >&2; exit 1; }
[ -x "$FLOOD" ] || die "$FLOOD is not built (make)"
[ -x "$SSE" ] || die "$SSE is not built (make)"
command -v iperf3 >/dev/null || die "iperf3 not found (scripts/install-deps.sh)"
command -v nft >/dev/null || die "nft not found (scripts/install-deps.sh)"
command -v taskset >/dev/null || die "taskset not found"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (sender and receiver apart)"
if [ "$WHERE" = vm ]; then
	[ -e /proc/modules ] && [ -f "$KMOD" ] || die "no uploadcap.ko for $(uname -r)"
	mod_unload
	T_CLEANUP+=("mod_unload")
fi

two_hosts 198.18.8.1 198.18.8.2 >/dev/null
veth_up "$NSA" "$DA" "$NSB" "$DB"
SINK_PORT=5001
spawn "$NSB" taskset -c 1 "$FLOOD" --sink 198.18.8.2 $SINK_PORT
spawn "$NSB" taskset -c 1 "$FLOOD" --sink 198.18.8.2 $((SINK_PORT + 1))

# --- configurations: on CONFIG, off CONFIG

nft_on() {
	ip netns exec "$NSA" nft -f - <<-EOF
	table netdev $NFT_TABLE {
		chain out {
			type filter hook egress device "$DA" priority 0;
			quota over 1000000000 mbytes drop
			counter
		}
	}
	EOF
}
nft_off() { ip netns exec "$NSA" nft delete table netdev "$NFT_TABLE"; }
nft_counter() {
	ip netns exec "$NSA" nft -j list table netdev "$NFT_TABLE" |
		jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter] |
			.[0] | "\(.bytes) \(.packets)"'
}
# The empty program, loaded once, attached the way tc users do.
tcempty_on() {
	in_ns "$NSA" tc qdisc add dev "$DA" clsact &&
		in_ns "$NSA" tc filter add dev "$DA" egress prio 1 handle 7 bpf da \
			object-pinned "$PIN_DIR-empty/tc_ok"
}
tcempty_off() { in_ns "$NSA" tc qdisc del dev "$DA" clsact; }
tcxempty_on() { in_ns "$NSA" "$TCX_CTL" attach "$DA" "$PIN_DIR-empty/tc_ok" first; }
tcxempty_off() { in_ns "$NSA" "$TCX_CTL" detach "$DA" "$PIN_DIR-empty/tc_ok"; }
bpf_on() { in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" attach "$DA" >/dev/null; }
bpf_off() { in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" detach "$DA" >/dev/null; }
# Armed, a petabyte away from the cap: the per-CPU credit path.
mod_on() { mod_load cap_bytes=$((1 << 50)); }
# The same with a ceiling of 1 TiB/s: never reached, always checked.
modrate_on() { mod_load cap_bytes=$((1 << 50)) rate_bytes_per_sec=$((1 << 40)); }

on() {
	case $1 in
	none) ;;
	bpf) bpf_on ;;
	tcempty) tcempty_on ;;
	tcxempty) tcxempty_on ;;
	nft) nft_on ;;
	both) bpf_on && nft_on ;;
	mod) mod_on ;;
	modrate) modrate_on ;;
	modbpf) mod_on && bpf_on ;;
	esac
}
off() {
	case $1 in
	none) ;;
	bpf) bpf_off ;;
	tcempty) tcempty_off ;;
	tcxempty) tcxempty_off ;;
	nft) nft_off ;;
	both) bpf_off; nft_off ;;
	mod | modrate) mod_unload ;;
	modbpf) bpf_off; mod_unload ;;
	esac
}

# --- readings and the exactness checks

# snap CONFIG: "dev_tx_bytes dev_tx_packets bpf_bytes bpf_wire_bytes
# bpf_packets module_bytes module_packets nft_bytes nft_packets", from one
# status (few processes: each costs much under emulation).
snap() {
	local st nb=0 np=0
	st=$(in_ns "$NSA" "$UPLOADCTL" --pin-dir "$PIN_DIR" status --json |
		jq -r --arg n "$DA" '.interfaces[] | select(.name == $n) |
			[.dev_tx_bytes, .dev_tx_packets, .bpf_bytes, .bpf_wire_bytes, .bpf_packets,
			 .module_bytes, .module_packets] | map(. // 0) | join(" ")')
	case $1 in
	nft | both) read -r nb np < <(nft_counter) ;;
	esac
	echo "$st $nb $np"
}

check_exact() {
	local cfg=$1 test=$2 what=$3 got=$4 want=$5
	if [ "$got" = "$want" ]; then
		echo "ok $cfg $test: $what ($got)" >>"$CHK"
	else
		echo "fail $cfg $test: $what (got $got, want $want)" >>"$CHK"
	fi
}

# exact CONFIG TEST BEFORE AFTER: the meters against the device's counters.
exact() {
	local cfg=$1 test=$2 tb tp bb bw bp mb mp nb np
	local -a a b
	read -ra a <<<"$3"
	read -ra b <<<"$4"
	tb=$((b[0] - a[0])); tp=$((b[1] - a[1]))
	bb=$((b[2] - a[2])); bw=$((b[3] - a[3])); bp=$((b[4] - a[4]))
	mb=$((b[5] - a[5])); mp=$((b[6] - a[6])); nb=$((b[7] - a[7])); np=$((b[8] - a[8]))
	# (A packet the device dropped would be one the meters saw and the
	# device did not count: the packet checks cover that too.)
	case $cfg in
	bpf | both | modbpf)
		check_exact "$cfg" "$test" "meter bytes = device tx_bytes" "$bb" "$tb"
		check_exact "$cfg" "$test" "meter packets = device tx_packets" "$bp" "$tp" ;;
	esac
	case $cfg in
	nft | both)
		check_exact "$cfg" "$test" "nft counter bytes = device tx_bytes" "$nb" "$tb"
		check_exact "$cfg" "$test" "nft counter packets = device tx_packets" "$np" "$tp" ;;
	esac
	case $cfg in
	mod | modbpf | modrate)
		check_exact "$cfg" "$test" "module packets = device tx_packets" "$mp" "$tp"
		# Without GSO the wire length is the skb's: the device's count.
		case $test in
		udp64 | scale*)
			check_exact "$cfg" "$test" "module bytes = device tx_bytes" "$mb" "$tb" ;;
		esac ;;
	esac
	[ "$cfg" = modbpf ] &&
		check_exact "$cfg" "$test" "module bytes = meter wire_bytes" "$mb" "$bw"
	[ "$cfg" = modrate ] &&
		check_exact "$cfg" "$test" "nothing dropped by the ceiling" "$(mod_get rate_dropped_packets)" 0
	return 0
}

# --- the tests; each prints its figure

udp_run() {	# udp_run CPU PORT ARGS...: one sender, its JSON
	ip netns exec "$NSA" taskset -c "$1" "$FLOOD" 198.18.8.2 "$2" $UDP_LEN "${@:3}"
}
t_udp64() { udp_run 0 $SINK_PORT --secs "$SECS" | jq .pps; }
t_tcp() {
	local port=$((20000 + RANDOM % 10000)) srv
	spawn "$NSB" taskset -c 1 iperf3 -s -1 -B 198.18.8.2 -p "$port" >/dev/null 2>&1
	srv=$SPAWNED
	wait_listen "$NSB" "$port" >/dev/null ||
		{ echo "net.sh: iperf3 -s did not listen on port $port" >&2; return 1; }
	timeout 120 ip netns exec "$NSA" taskset -c 0 iperf3 -c 198.18.8.2 -p "$port" \
		-t "$SECS" -P "$1" -J | jq .end.sum_received.bits_per_second
	wait "$srv" 2>/dev/null
}
t_tcp1() { t_tcp 1; }
# The server sends (NSA, CPU 0), the client reads (NSB, CPU 1). Prints
# events/s; adds the CPU figure as test ssecpu of the caller's round.
t_sse() {
	local port=$((30000 + RANDOM % 10000)) out srv v
	out=$(mktemp)
	ip netns exec "$NSA" taskset -c 0 "$SSE" --serve 198.18.8.1 "$port" \
		--conns "$SSE_CONNS" --secs "$SECS" --cpu 0 >"$out" &
	srv=$!
	if ! wait_listen "$NSA" "$port" >/dev/null ||
		! timeout 120 ip netns exec "$NSB" taskset -c 1 "$SSE" --client 198.18.8.1 "$port" \
			--conns "$SSE_CONNS"; then
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		rm -f "$out"
		echo "net.sh: the SSE run failed" >&2
		return 1
	fi
	wait "$srv" || { rm -f "$out"; return 1; }
	v=$(jq .cpu_ns_per_event "$out")
	echo "ssecpu $cfg $r $v" >>"$RES"
	jq .events_per_sec "$out"
	rm -f "$out"
}
t_tcp4() { t_tcp 4; }

# measure ROUND CONFIG TEST: apply, run, check, take off; record a line.
measure() {
	local r=$1 cfg=$2 test=$3 v a b
	on "$cfg" || die "configuration $cfg failed"
	a=$(snap "$cfg")
	v=$("t_$test")
	[ -n "$v" ] && [ "$v" != null ] || die "$test under $cfg: no result"
	settle "$NSA" "$DA" >/dev/null
	b=$(snap "$cfg")
	exact "$cfg" "$test" "$a" "$b"
	off "$cfg"
	echo "$test $cfg $r $v" >>"$RES"
	printf '  %-6s %-7s round %d: %s\n' "$test" "$cfg" "$r" "$v" >&2
}

# rotate N WORDS...: the words, starting at the N-th (mod their count).
rotate() {
	local n=$1
	shift
	local -a w=("$@")
	local i
	for i in "${!w[@]}"; do echo "${w[$(((i + n) % ${#w[@]}))]}"; done
}

# Under emulation, with two vCPUs, four TCP streams show only noise.
if [ "$WHERE" = host ]; then
	CONFIGS=(none tcempty bpf nft both)
	have_tcx && CONFIGS+=(tcxempty)
	TESTS=(udp64 tcp1 tcp4 sse)
	SSE_CONNS=${SSE_CONNS:-256}
	T_PINS+=("$PIN_DIR-empty")
	bpftool prog loadall "$TEST_BPF_OBJ" "$PIN_DIR-empty" type tc || die "load the empty program"
else
	CONFIGS=(none mod modbpf modrate nft)
	TESTS=(udp64 tcp1 sse)
	SSE_CONNS=${SSE_CONNS:-64}
fi
for r in $(seq "$ROUNDS"); do
	for test in "${TESTS[@]}"; do
		for cfg in $(rotate "$r" "${CONFIGS[@]}"); do
			measure "$r" "$cfg" "$test"
		done
	done
done

if [ "$WHERE" = vm ]; then
	# The exact path: armed with less than two chunks of credit per
	# possible CPU left, the ledger charges every packet under its lock.
	# Send 90% of that budget in 64-byte datagrams, against the same
	# count with no hook.
	ncpu=$(($(cut -d- -f2 /sys/devices/system/cpu/possible) + 1))
	budget=$((2 * 262144 * ncpu - 1))
	count=$((budget * 9 / 10 / WIRE_UDP))
	for r in $(seq "$ROUNDS"); do
		for cfg in $(rotate "$r" none modslow); do
			if [ "$cfg" = modslow ]; then
				mod_load cap_bytes=$budget || die "insmod cap_bytes=$budget"
				[ "$(mod_get state)" = armed ] || die "module not armed"
			fi
			a=$(snap none)
			v=$(udp_run 0 $SINK_PORT --count "$count" | jq .pps)
			settle "$NSA" "$DA" >/dev/null
			b=$(snap none)
			if [ "$cfg" = modslow ]; then
				read -ra x <<<"$a"
				read -ra y <<<"$b"
				check_exact modslow udp64 "used_bytes = what the device sent" \
					"$(mod_get used_bytes)" $((y[0] - x[0]))
				check_exact modslow udp64 "nothing dropped below the cap" "$(mod_get dropped_packets)" 0
				check_exact modslow udp64 "used_bytes = count x wire length" \
					"$(mod_get used_bytes)" $((count * WIRE_UDP))
				mod_unload
			fi
			echo "slow $cfg $r $v" >>"$RES"
			printf '  %-6s %-7s round %d: %s\n' slow "$cfg" "$r" "$v" >&2
		done
	done

	# Scaling: two senders, one per CPU, to two sinks, against one sender;
	# with the module and without.
	for r in $(seq "$ROUNDS"); do
		for cfg in $(rotate "$r" none mod); do
			on "$cfg"
			for n in 1 2; do
				a=$(snap "$cfg")
				if [ $n = 1 ]; then
					v=$(udp_run 0 $SINK_PORT --secs "$SECS" | jq .pps)
				else
					udp_run 0 $SINK_PORT --secs "$SECS" >"$RES.0" &
					p0=$!
					udp_run 1 $((SINK_PORT + 1)) --secs "$SECS" >"$RES.1"
					wait $p0
					v=$(jq -s 'map(.pps) | add' "$RES.0" "$RES.1")
					rm -f "$RES.0" "$RES.1"
				fi
				settle "$NSA" "$DA" >/dev/null
				b=$(snap "$cfg")
				exact "$cfg" "scale$n" "$a" "$b"
				echo "scale$n $cfg $r $v" >>"$RES"
				printf '  %-6s %-7s round %d: %s\n' "scale$n" "$cfg" "$r" "$v" >&2
			done
			off "$cfg"
		done
	done
fi

# Every line "TEST CONFIG ROUND VALUE" into
# {TEST: {CONFIG: [VALUE by round]}}, and the checks.
jq -Rn --arg kernel "$(uname -r)" --arg where "$WHERE" --argjson secs "$SECS" \
	--rawfile chk "$CHK" '
	[inputs | split(" ") | {t: .[0], c: .[1], r: (.[2] | tonumber), v: (.[3] | tonumber)}] as $l |
	{kernel: $kernel, where: $where, seconds: $secs,
	 figures: ($l | group_by(.t) | map({key: .[0].t, value:
		(group_by(.c) | map({key: .[0].c, value: (sort_by(.r) | map(.v))}) | from_entries)}) |
		from_entries),
	 checks: ($chk | split("\n") | map(select(length > 0))),
	 failed_checks: ($chk | split("\n") | map(select(startswith("fail"))))}' <"$RES" >"$RES.json" ||
	die "summarise the rounds"
bench_output "$RES.json" "$OUT"
[ "$(jq '.failed_checks | length' "$RES.json")" = 0 ]
